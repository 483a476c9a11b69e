"""Followers of the event log: push, Telegram, the audit index, their trouble."""
