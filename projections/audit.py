"""Indexes every event that concerns a chat into the audit chain, hashing the
event's stored bytes as they are in the store."""

from collections.abc import Callable

from eventsourcing.persistence import Notification, Tracking
from eventsourcing.projection import Projection

from domain.chat import Chat
from domain.intervention import Intervention
from domain.message import Message
from domain.preferences import ChatPreferences
from domain.reactions import Reactions
from domain.reading import Reading
from projections.audit_view import AuditView


def chat_of(event) -> str | None:
    if isinstance(event, Chat.Event):
        return str(event.originator_id)
    if isinstance(event, (Message.Event, Reading.Event, ChatPreferences.Event, Reactions.Event)):
        return str(event.chat_id)
    if isinstance(event, Intervention.EventSkipped) and event.chat_id is not None:
        return str(event.chat_id)  # the chat of the event an operator skipped
    return None


def users_in(event) -> list[str]:
    """Who this event makes part of the chat's story."""
    if isinstance(event, Chat.Started):
        return list(event.members)
    if isinstance(event, Chat.MembersAdded):
        return list(event.users)
    return []


class AuditProjection(Projection[AuditView]):
    name = "Audit"

    def __init__(self, view: AuditView, stored: Callable[[int], Notification]):
        super().__init__(view)
        self._stored = stored  # the event as it is in the store, by notification id

    def process_batch(self, batch: list[tuple[object, Tracking, Notification]]) -> None:
        """One transaction per batch, hashing the stored events the batch came with."""
        entries = [(chat_of(domain_event), stored, users_in(domain_event), tracking)
                   for domain_event, tracking, stored in batch]
        with self.view.batch():
            self.view.append_all([entry for entry in entries if entry[0] is not None],
                                 batch[-1][1])

    def process_event(self, domain_event, tracking: Tracking) -> None:
        self._index(domain_event, self._stored(tracking.notification_id), tracking)

    def _index(self, domain_event, stored: Notification, tracking: Tracking) -> None:
        chat_id = chat_of(domain_event)
        if chat_id is None:
            self.view.skip(tracking)
            return
        self.view.append(chat_id, stored, users_in(domain_event), tracking)
