"""Reads the inbox view and renders frames, in version 1 (the seed's whole
lists) or version 2 (deltas). Every method here blocks on the database, so it
is only ever called through Commands.query."""

from domain.errors import ChatNotFoundError, MessageNotFoundError
from messenger import protocol, shapes
from projections.changes import CHAT, MESSAGE_EDITED, READ, Change
from projections.inbox_reads import ChatSummary, MessageRecord
from projections.inbox_view import InboxView


class Frames:
    def __init__(self, view: InboxView, messages_window: int):
        self._view = view
        self._window = messages_window

    def chat_list(self, user_id: str, version: int = 1) -> dict:
        """Version 2 sends a chat once, not per message: its lists stay whole."""
        return shapes.chat_list_frame(self._view.chat_list(user_id),
                                        max_users=shapes.V1_LIST_USERS if version == 1 else None)

    def chat(self, user_id: str, chat_id: str) -> ChatSummary:
        chat = self._view.chat(user_id, chat_id)
        if chat is None:
            raise ChatNotFoundError(chat_id)
        return chat

    def newest_message_id(self, chat_id: str) -> str | None:
        return self._view.last_message_id(chat_id)

    def message(self, user_id: str, message_id: str) -> MessageRecord:
        """A message in one of the user's chats."""
        message = self._view.message(message_id, reader=user_id)
        if message is None:
            raise MessageNotFoundError(message_id)
        return message

    # --- replies --------------------------------------------------------------

    def history(self, user_id: str, chat_id: str, limit: int | None, before: str | None,
                version: int) -> list[dict]:
        """The reply to get_chat_messages. Version 1: the page asked for (by
        default everything), then the chat list; version 2: a page, 50 by default."""
        chat = self.chat(user_id, chat_id)
        if version == 1:
            # Asked for, so not held to the live frames' budget: the page is
            # the client's (max_page at most), and its chat_list lists the
            # opened chat's members in full, the one place a v1 client finds them.
            messages = self._view.messages(chat_id, limit, before)
            return [shapes.chat_messages_frame(chat, messages),
                    shapes.chat_list_frame(self._view.chat_list(user_id), whole=chat_id)]
        page = limit or protocol.V2_PAGE
        messages = self._view.messages(chat_id, page + 1, before)
        return [shapes.page_frame(chat_id, messages[-page:], len(messages) > page)]

    def chat_reply(self, user_id: str, chat_id: str, version: int) -> list[dict]:
        if version == 1:
            return [self.chat_list(user_id)]
        chat = self._view.chat(user_id, chat_id)
        if chat is None:
            return [shapes.chat_removed_frame(chat_id)]
        return [shapes.chat_updated_frame(chat)]

    def message_reply(self, user_id: str, message_id: str, kind: str, version: int) -> list[dict]:
        """After send, edit or delete: version 1 gets the chat list and the chat's
        newest messages again, version 2 the one message."""
        message = self.message(user_id, message_id)
        if version == 1:
            return self._after_message([user_id], message.chat_id)[user_id]
        return [shapes.message_frame(kind, message)]

    def unread_reply(self, user_id: str, chat_id: str, version: int) -> list[dict]:
        if version == 1:
            return [self.chat_list(user_id)]
        return [shapes.unread_frame(chat_id, self.chat(user_id, chat_id).unread)]

    # --- live delivery --------------------------------------------------------

    def after_changes(self, changes: list[tuple[Change, dict[str, set[int]]]]) -> list[dict]:
        """What each change's recipients receive. Version 2's messages of the
        whole batch are read at once: a busy batch costs a few queries, not a
        few per message."""
        deltas = self._message_deltas([
            change for change, targets in changes
            if change.what.startswith("message") and any(2 in v for v in targets.values())])
        return [self.after_change(change, targets, deltas) for change, targets in changes]

    def after_change(self, change: Change, targets: dict[str, set[int]],
                     deltas: dict) -> dict[tuple[str, int], list[dict]]:
        """For each user and protocol version they are connected with, what they
        receive about one change (`deltas`: from _message_deltas)."""
        frames = {}
        window: dict[str, list[dict]] = {}
        v1_users = [user for user, versions in targets.items() if 1 in versions]
        if change.what.startswith("message") and v1_users:
            window = self._after_message(v1_users, change.chat_id)
        for user_id, versions in targets.items():
            for version in versions:
                if user_id in change.removed:
                    frames[user_id, version] = (
                        [self.chat_list(user_id)] if version == 1
                        else [shapes.chat_removed_frame(change.chat_id)])
                elif change.what == CHAT:
                    frames[user_id, version] = self.chat_reply(user_id, change.chat_id, version)
                elif change.what == READ:
                    frames[user_id, version] = self._after_read(user_id, change, version)
                elif version == 1:
                    frames[user_id, version] = window[user_id]
                else:
                    frame, unread = deltas[change.position]  # shared by all who get it
                    if frame is None:
                        frames[user_id, version] = []
                    elif user_id in unread:
                        frames[user_id, version] = [
                            frame, shapes.unread_frame(change.chat_id, unread[user_id])]
                    else:
                        frames[user_id, version] = [frame]
        return frames

    def _message_deltas(self, changes: list[Change]) -> dict[int, tuple[dict | None, dict]]:
        """By position: the message's frame (or none: the chat was deleted
        since), and the members' unread counts that come with it."""
        messages, unread = self._view.messages_by_id([c.message_id for c in changes])
        deltas = {}
        for change in changes:
            message = messages.get(change.message_id)
            if message is None:
                deltas[change.position] = None, {}
            else:
                deltas[change.position] = (
                    shapes.message_frame(change.what, message),
                    {} if change.what == MESSAGE_EDITED else unread.get(change.chat_id, {}))
        return deltas

    def _after_read(self, user_id: str, change: Change, version: int) -> list[dict]:
        """The reader's own connections learn their unread count; the other
        members learn who read up to where (version 1: the messages' is_read)."""
        if user_id == change.reader:
            return self.unread_reply(user_id, change.chat_id, version)
        if version == 1:
            return self._after_message([user_id], change.chat_id)[user_id][1:]
        return [shapes.read_receipt_frame(change.chat_id, change.reader, change.message_id)]

    def after_message(self, user_id: str, chat_id: str) -> list[dict]:
        return self._after_message([user_id], chat_id)[user_id]

    def _after_message(self, user_ids: list[str], chat_id: str) -> dict[str, list[dict]]:
        """Version 1 after a message changes: the chat list, then the chat's
        newest messages (a window of at most V1_FRAME_BYTES, never the whole
        history)."""
        messages = self._view.messages(chat_id, self._window)
        frames, windows = {}, {}
        for user_id in user_ids:
            chats = self._view.chat_list(user_id)
            shown = [shapes.chat_list_frame(chats)]
            chat = next((chat for chat in chats if chat.chat_id == chat_id), None)
            if chat is not None:
                # Members who see the chat alike (same unread, same mute) share
                # one frame, which the fan-out then encodes once for them all.
                if chat not in windows:
                    windows[chat] = shapes.chat_messages_frame(chat, messages,
                                                                 shapes.V1_FRAME_BYTES)
                shown.append(windows[chat])
            frames[user_id] = shown
        return frames
