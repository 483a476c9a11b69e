"""Chats as users live them, over real WebSockets: direct and group chats, members, edits, the read model."""
