"""Reads the inbox view and renders version-1 frames. Every method here
blocks on the database, so it is only ever called through Commands.query."""

from domain.errors import ChatNotFoundError
from messenger import protocol
from projections.inbox import Change
from projections.inbox_view import ChatSummary, InboxView


class Frames:
    def __init__(self, view: InboxView, messages_window: int):
        self._view = view
        self._window = messages_window

    def chat_list(self, user_id: str) -> dict:
        return protocol.chat_list_frame(self._view.chat_list(user_id))

    def chat(self, user_id: str, chat_id: str) -> ChatSummary:
        chat = self._view.chat(user_id, chat_id)
        if chat is None:
            raise ChatNotFoundError(chat_id)
        return chat

    def newest_message_id(self, chat_id: str) -> str | None:
        return self._view.last_message_id(chat_id)

    def history(self, user_id: str, chat_id: str, limit: int | None,
                before: str | None) -> list[dict]:
        """The reply to get_chat_messages: the page asked for, then the chat list."""
        chat = self.chat(user_id, chat_id)
        messages = self._view.messages(chat_id, limit, before)
        return [protocol.chat_messages_frame(chat, messages), self.chat_list(user_id)]

    def after_message(self, user_id: str, chat_id: str) -> list[dict]:
        """What a member sees when a message arrives: the chat list, then the
        chat's newest messages (a bounded window, never the whole history)."""
        return self._after_message([user_id], chat_id)[user_id]

    def after_change(self, change: Change, user_ids: list[str]) -> dict[str, list[dict]]:
        if change.new_message:
            return self._after_message(user_ids, change.chat_id)
        return {user_id: [self.chat_list(user_id)] for user_id in user_ids}

    def _after_message(self, user_ids: list[str], chat_id: str) -> dict[str, list[dict]]:
        messages = self._view.messages(chat_id, self._window)
        frames = {}
        for user_id in user_ids:
            chats = self._view.chat_list(user_id)
            shown = [protocol.chat_list_frame(chats)]
            chat = next((chat for chat in chats if chat.chat_id == chat_id), None)
            if chat is not None:
                shown.append(protocol.chat_messages_frame(chat, messages))
            frames[user_id] = shown
        return frames
