"""Turns the messenger's events into the inbox view, one handler per event,
a batch of events per transaction, and records what changed for whom (the
change log, projections/changes.py) in that same transaction."""

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain.chat import Chat
from domain.message import Message
from domain.preferences import ChatPreferences
from domain.reading import Reading
from domain.upload import Upload
from domain.user import User
from projections.changes import (
    CHAT, MESSAGE_DELETED, MESSAGE_EDITED, MESSAGE_NEW, READ, Change)
from projections.inbox_view import InboxView


# A change older than this is not delivered live: a rebuild replaying history
# must not send it to connected clients again.
LIVE_WINDOW_S = 300


def stamp(moment: datetime) -> str:
    """Fixed-width UTC ISO-8601, so stored stamps also sort as text."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class InboxProjection(Projection[InboxView]):
    name = "Inbox"

    def __init__(self, view: InboxView):
        super().__init__(view)
        # Told the position of each batch once it is committed.
        self.on_committed: Callable[[int], None] = lambda position: None
        self._local = threading.local()  # several store threads write at once

    def process_batch(self, batch: list[tuple[Any, Tracking, Any]]) -> None:
        """A batch read back from the store (a rebuild): a transaction of its own."""
        with self.view.datastore.transaction(commit=True) as c:
            head = self.project(c, [(event, tracking) for event, tracking, _ in batch])
        self.on_committed(head)

    def project(self, c, batch: list[tuple[Any, Tracking]]) -> int:
        """Writes what a batch of events changed, and for whom, with the cursor
        of the transaction that stores them: the view holds every event, or
        the event is not stored. Returns the batch's last position."""
        live_since = datetime.now(timezone.utc) - timedelta(seconds=LIVE_WINDOW_S)
        head = batch[-1][1].notification_id
        with self.view.batch(c):
            changes = []
            for event, tracking in batch:
                self._local.changes = []
                self.process_event(event, tracking)
                if event.timestamp >= live_since:
                    at_us = int(event.timestamp.timestamp() * 1e6)
                    changes.extend(replace(change, at_us=at_us)
                                   for change in self._local.changes if change.what)
            self.view.record_changes(c, changes, batch[0][1].notification_id, head)
        return head

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.skip(tracking)
        self._changed(Change(tracking.notification_id))

    @process_event.register
    def user_registered(self, event: User.Registered, tracking: Tracking) -> None:
        self.view.register_user(event.user_id, event.name, tracking)
        self._changed(Change(tracking.notification_id))

    @process_event.register
    def user_renamed(self, event: User.Renamed, tracking: Tracking) -> None:
        self.view.register_user(event.user_id, event.name, tracking)
        self._changed(Change(tracking.notification_id))

    @process_event.register
    def chat_started(self, event: Chat.Started, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        self.view.start_chat(chat_id, event.kind, event.name, event.admin, event.members,
                             stamp(event.timestamp), tracking)
        self._changed(Change(tracking.notification_id, chat_id, CHAT,
                             tuple(dict.fromkeys(event.members))))

    @process_event.register
    def chat_renamed(self, event: Chat.Renamed, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        members = self.view.rename_chat(chat_id, event.name, stamp(event.timestamp), tracking)
        self._changed(Change(tracking.notification_id, chat_id, CHAT, tuple(members)))

    @process_event.register
    def chat_deleted(self, event: Chat.Deleted, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        members = self.view.delete_chat(chat_id, tracking)
        self._changed(Change(tracking.notification_id, chat_id, CHAT, removed=tuple(members)))

    @process_event.register
    def chat_reopened(self, event: Chat.Reopened, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        members = self.view.reopen_chat(chat_id, event.name, stamp(event.timestamp), tracking)
        self._changed(Change(tracking.notification_id, chat_id, CHAT, tuple(members)))

    @process_event.register
    def members_added(self, event: Chat.MembersAdded, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        members = self.view.add_members(chat_id, event.users, tracking)
        self._changed(Change(tracking.notification_id, chat_id, CHAT, tuple(members)))

    @process_event.register
    def members_removed(self, event: Chat.MembersRemoved, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        members = self.view.remove_members(chat_id, event.users, None, tracking)
        self._changed(Change(tracking.notification_id, chat_id, CHAT, tuple(members),
                             tuple(event.users)))

    @process_event.register
    def member_left(self, event: Chat.Left, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        members = self.view.remove_members(chat_id, [event.user], event.admin, tracking)
        self._changed(Change(tracking.notification_id, chat_id, CHAT, tuple(members),
                             (event.user,)))

    @process_event.register
    def message_posted(self, event: Message.Posted, tracking: Tracking) -> None:
        chat_id, message_id = str(event.chat_id), str(event.originator_id)
        members = self.view.post_message(chat_id, message_id, event.sender, event.content,
                                         list(event.attachments), stamp(event.timestamp), tracking)
        self._changed(Change(tracking.notification_id, chat_id, MESSAGE_NEW, tuple(members),
                             message_id=message_id))

    @process_event.register
    def message_edited(self, event: Message.Edited, tracking: Tracking) -> None:
        chat_id, message_id = str(event.chat_id), str(event.originator_id)
        members = self.view.edit_message(chat_id, message_id, event.content,
                                         stamp(event.timestamp), tracking)
        self._changed(Change(tracking.notification_id, chat_id, MESSAGE_EDITED, tuple(members),
                             message_id=message_id))

    @process_event.register
    def message_deleted(self, event: Message.Deleted, tracking: Tracking) -> None:
        chat_id, message_id = str(event.chat_id), str(event.originator_id)
        members = self.view.delete_message(chat_id, message_id, stamp(event.timestamp), tracking)
        self._changed(Change(tracking.notification_id, chat_id, MESSAGE_DELETED, tuple(members),
                             message_id=message_id))

    @process_event.register
    def read_advanced(self, event: Reading.Advanced, tracking: Tracking) -> None:
        chat_id, message_id = str(event.chat_id), str(event.message_id)
        members = self.view.read_up_to(chat_id, event.user_id, message_id, tracking)
        self._changed(Change(tracking.notification_id, chat_id, READ, tuple(members),
                             message_id=message_id, reader=event.user_id))

    @process_event.register
    def upload_stored(self, event: Upload.Stored, tracking: Tracking) -> None:
        self.view.store_upload(str(event.originator_id), event.owner, event.content_type,
                               event.sha256, event.has_thumbnail, tracking)
        self._changed(Change(tracking.notification_id))

    @process_event.register
    def chat_muted(self, event: ChatPreferences.Muted, tracking: Tracking) -> None:
        self._set_muted(event, True, tracking)

    @process_event.register
    def chat_unmuted(self, event: ChatPreferences.Unmuted, tracking: Tracking) -> None:
        self._set_muted(event, False, tracking)

    def _set_muted(self, event, muted: bool, tracking: Tracking) -> None:
        chat_id = str(event.chat_id)
        self.view.set_muted(chat_id, event.user_id, muted, tracking)
        self._changed(Change(tracking.notification_id, chat_id, CHAT, (event.user_id,)))

    def _changed(self, change: Change) -> None:
        self._local.changes.append(change)
