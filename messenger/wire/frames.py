"""Reads the inbox view and renders frames, in version 1 (the seed's whole
lists) or version 2 (deltas). Every method here blocks on the database, so it
is only ever called through Commands.query."""

from domain.errors import ChatNotFoundError, MessageNotFoundError
from messenger.wire import protocol, shapes
from projections.changes import CHAT, MESSAGE_EDITED, REACTIONS, READ, Change
from projections.inbox_counts import UnreadCounts
from projections.inbox_reads import ChatSummary, MessageRecord
from projections.inbox_view import InboxView


class Frames:
    def __init__(self, view: InboxView, messages_window: int):
        self._view = view
        self._window = messages_window

    def chat_list(self, user_id: str, version: int = 1) -> dict:
        """Version 2 sends a chat once, not per message: its lists stay whole."""
        return shapes.chat_list_frame(self._view.chat_list(user_id, with_names=version == 2),
                                        max_users=shapes.V1_LIST_USERS if version == 1 else None,
                                        names=version == 2)

    def archived_chats(self, user_id: str, version: int = 1) -> dict:
        """The chats out of the user's list, in its order, shaped as it is."""
        return shapes.archived_chats_frame(
            self._view.chat_list(user_id, with_names=version == 2, archived=True),
            max_users=shapes.V1_LIST_USERS if version == 1 else None, names=version == 2)

    def chat(self, user_id: str, chat_id: str) -> ChatSummary:
        chat = self._view.chat(user_id, chat_id)
        if chat is None:
            raise ChatNotFoundError(chat_id)
        return chat

    def is_registered(self, user_id: str, name: str) -> bool:
        """Registered already, and under this name (or none given): nothing to store."""
        registered = self._view.registered_name(user_id)
        return registered is not None and name in ("", registered)

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
            return [shapes.chat_messages_frame(chat, messages, viewer=user_id),
                    shapes.chat_list_frame(self._view.chat_list(user_id), whole=chat_id)]
        page = limit or protocol.V2_PAGE
        messages = self._view.messages(chat_id, page + 1, before)
        return [shapes.page_frame(chat_id, messages[-page:], len(messages) > page, user_id)]

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
            return self.after_message(user_id, message.chat_id)
        return [shapes.message_frame(kind, message, user_id)]

    def reactions_reply(self, user_id: str, message_id: str, version: int) -> list[dict]:
        """After react or unreact: as after an edit in version 1; version 2
        gets the message's reactions."""
        message = self.message(user_id, message_id)
        if version == 1:
            return self.after_message(user_id, message.chat_id)
        return [shapes.reactions_changed_frame(message, user_id)]

    def search(self, user_id: str, text: str, terms: tuple, chat_id: str | None, limit: int,
               before: str | None) -> list[dict]:
        """The reply to search_messages: a chat_id the user is not in is not_found."""
        if chat_id is not None:
            self.chat(user_id, chat_id)
        page = self._view.search_messages(user_id, list(terms), chat_id, limit, before)
        return [shapes.search_results_frame(text, chat_id, page, user_id)]

    def unread_reply(self, user_id: str, chat_id: str, version: int) -> list[dict]:
        if version == 1:
            return [self.chat_list(user_id)]
        chat = self.chat(user_id, chat_id)
        return [shapes.unread_frame(chat_id, UnreadCounts(
            chat.unread, chat.mentions_unread, self._view.total_unread(user_id)))]

    # --- live delivery --------------------------------------------------------

    def after_posts(self, changes: list[tuple[Change, dict[str, set[int]]]],
                    posted: dict) -> list[dict]:
        """Version 2 after messages this process posted (`posted`: each one's
        record and its members' unread counts, as its transaction wrote them):
        reads nothing, so it runs on the IOLoop."""
        deltas = {change.position: posted[change.position] for change, _ in changes}
        return [self.after_change(change, targets, deltas) for change, targets in changes]

    def after_changes(self, changes: list[tuple[Change, dict[str, set[int]]]],
                      posted: dict | None = None
                      ) -> tuple[list[dict], dict[str, list[str]], set[str]]:
        """What the recipients of a batch of changes receive: for version 2,
        per change, by user and version; for version 1, what v1_frames is to
        render for the whole batch, by user (its frames are whole lists, so the
        last state says all the batch's changes said: a chat list, and a window
        per chat that got messages or read receipts). Version 2's messages of the whole batch
        are read at once: a busy batch costs a few queries, not a few per message."""
        deltas = self._message_deltas([
            change for change, targets in changes
            if (change.what.startswith("message") or change.what == REACTIONS)
            and any(2 in v for v in targets.values())], posted or {})
        v2 = [self.after_change(change, {user: versions for user, versions in targets.items()
                                         if 2 in versions}, deltas)
              for change, targets in changes]
        v1_windows: dict[str, list[str]] = {}  # user: chats whose window they get, in order
        v1_lists: set[str] = set()  # users who get their chat list
        for change, targets in changes:
            for user_id, versions in targets.items():
                if 1 not in versions:
                    continue
                chats = v1_windows.setdefault(user_id, [])
                receipt = change.what == READ and user_id != change.reader  # a window alone
                if not receipt or user_id in change.removed:
                    v1_lists.add(user_id)
                if ((change.what.startswith("message") or change.what == REACTIONS or receipt)
                        and user_id not in change.removed and change.chat_id not in chats):
                    chats.append(change.chat_id)
        return v2, v1_windows, v1_lists

    def after_change(self, change: Change, targets: dict[str, set[int]],
                     deltas: dict) -> dict[tuple[str, int], list[dict]]:
        """For each user connected with version 2, what they receive about one
        change (`deltas`: from _message_deltas)."""
        frames = {}
        shared: dict[tuple, dict] = {}  # a message's frame, by whose reactions it shows as theirs
        for user_id in targets:
            if user_id in change.removed:
                frames[user_id, 2] = [shapes.chat_removed_frame(change.chat_id)]
            elif change.what == CHAT:
                frames[user_id, 2] = self.chat_reply(user_id, change.chat_id, 2)
            elif change.what == READ:
                frames[user_id, 2] = self._after_read(user_id, change)
            else:
                message, unread = deltas[change.position]
                if message is None:
                    frames[user_id, 2] = []
                    continue
                mine = shapes.reacted_by([message], user_id) if message.reactions else ()
                frame = shared.get(mine)
                if frame is None:  # shared by all who see the message alike
                    frame = shared[mine] = (
                        shapes.reactions_changed_frame(message, user_id)
                        if change.what == REACTIONS
                        else shapes.message_frame(change.what, message, user_id))
                if user_id in unread:
                    frames[user_id, 2] = [
                        frame, shapes.unread_frame(change.chat_id, unread[user_id])]
                else:
                    frames[user_id, 2] = [frame]
        return frames

    def _message_deltas(self, changes: list[Change],
                        posted: dict) -> dict[int, tuple[MessageRecord | None, dict]]:
        """By position: the message (or none: the chat was deleted since), and
        the members' unread counts that come with it; read from the view but
        for those `posted` already tells."""
        deltas = {change.position: posted[change.position]
                  for change in changes if change.position in posted}
        changes = [change for change in changes if change.position not in posted]
        messages, unread = self._view.messages_by_id([c.message_id for c in changes])
        for change in changes:
            message = messages.get(change.message_id)
            if message is None:
                deltas[change.position] = None, {}
            else:
                deltas[change.position] = message, (
                    {} if change.what in (MESSAGE_EDITED, REACTIONS)
                    else unread.get(change.chat_id, {}))
        return deltas

    def _after_read(self, user_id: str, change: Change) -> list[dict]:
        """The reader's own connections learn their unread count; the other
        members learn who read up to where."""
        if user_id == change.reader:
            return self.unread_reply(user_id, change.chat_id, 2)
        return [shapes.read_receipt_frame(change.chat_id, change.reader, change.message_id)]

    def after_message(self, user_id: str, chat_id: str) -> list[dict]:
        return self.v1_frames({user_id: [chat_id]}, {user_id})[user_id]

    def v1_frames(self, windows: dict[str, list[str]], lists: set[str]) -> dict[str, list[dict]]:
        """Version 1: the chat list (for `lists`), then the newest messages of each
        chat named for them (a window of at most V1_FRAME_BYTES, never the
        whole history). A chat's messages are read once for all its members,
        and members who see it alike (same unread, same mute, and the same
        reactions of their own in it) share one frame, which the fan-out
        then encodes once for them all."""
        messages = {chat_id: self._view.messages(chat_id, self._window)
                    for chat_id in dict.fromkeys(c for chats in windows.values() for c in chats)}
        reacted = {chat_id: [message for message in window if message.reactions]
                   for chat_id, window in messages.items()}
        frames, shared = {}, {}
        for user_id, chat_ids in windows.items():
            chats = self._view.chat_list(user_id, archived=None)  # an archived chat's window too
            shown = ([shapes.chat_list_frame([chat for chat in chats if not chat.archived])]
                     if user_id in lists else [])
            by_id = {chat.chat_id: chat for chat in chats}
            for chat_id in chat_ids:
                chat = by_id.get(chat_id)
                if chat is not None:
                    alike = chat, shapes.reacted_by(reacted[chat_id], user_id)
                    if alike not in shared:
                        shared[alike] = shapes.chat_messages_frame(
                            chat, messages[chat_id], shapes.V1_FRAME_BYTES, user_id)
                    shown.append(shared[alike])
            frames[user_id] = shown
        return frames
