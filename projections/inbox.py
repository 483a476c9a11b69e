"""Turns the messenger's events into the inbox view, one handler per event,
and tells a listener what changed for whom once it is committed."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain.chat import Chat
from domain.message import Message
from domain.preferences import ChatPreferences
from domain.reading import Reading
from domain.user import User
from projections.inbox_view import InboxView


@dataclass(frozen=True)
class Change:
    """What one event changed in the view, for live delivery: whose chat list
    is different now, and whether a chat has a new message."""

    position: int
    chat_id: str = ""
    users: tuple[str, ...] = ()
    new_message: bool = False


def stamp(moment: datetime) -> str:
    """Fixed-width UTC ISO-8601, so stored stamps also sort as text."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class InboxProjection(Projection[InboxView]):
    name = "Inbox"

    def __init__(self, view: InboxView):
        super().__init__(view)
        self.on_change: Callable[[Change], None] = lambda change: None

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
        self._changed(Change(tracking.notification_id, chat_id, tuple(event.members)))

    @process_event.register
    def chat_renamed(self, event: Chat.Renamed, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        members = self.view.rename_chat(chat_id, event.name, stamp(event.timestamp), tracking)
        self._changed(Change(tracking.notification_id, chat_id, tuple(members)))

    @process_event.register
    def chat_deleted(self, event: Chat.Deleted, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        members = self.view.delete_chat(chat_id, tracking)
        self._changed(Change(tracking.notification_id, chat_id, tuple(members)))

    @process_event.register
    def chat_reopened(self, event: Chat.Reopened, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        members = self.view.reopen_chat(chat_id, event.name, stamp(event.timestamp), tracking)
        self._changed(Change(tracking.notification_id, chat_id, tuple(members)))

    @process_event.register
    def message_posted(self, event: Message.Posted, tracking: Tracking) -> None:
        chat_id = str(event.chat_id)
        members = self.view.post_message(chat_id, str(event.originator_id), event.sender,
                                         event.content, stamp(event.timestamp), tracking)
        self._changed(Change(tracking.notification_id, chat_id, tuple(members), new_message=True))

    @process_event.register
    def read_advanced(self, event: Reading.Advanced, tracking: Tracking) -> None:
        chat_id = str(event.chat_id)
        changed = self.view.read_up_to(chat_id, event.user_id, str(event.message_id), tracking)
        users = (event.user_id,) if changed else ()
        self._changed(Change(tracking.notification_id, chat_id, users))

    @process_event.register
    def chat_muted(self, event: ChatPreferences.Muted, tracking: Tracking) -> None:
        self._set_muted(event, True, tracking)

    @process_event.register
    def chat_unmuted(self, event: ChatPreferences.Unmuted, tracking: Tracking) -> None:
        self._set_muted(event, False, tracking)

    def _set_muted(self, event, muted: bool, tracking: Tracking) -> None:
        chat_id = str(event.chat_id)
        self.view.set_muted(chat_id, event.user_id, muted, tracking)
        self._changed(Change(tracking.notification_id, chat_id, (event.user_id,)))

    def _changed(self, change: Change) -> None:
        self.on_change(change)
