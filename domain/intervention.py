from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids


class Intervention(Aggregate):
    """An operator's word to a follower of the events that cannot get past one
    (the push sender, the Telegram poster, the audit index): pass over it.
    Recorded, so the audit shows who skipped what and why."""

    @staticmethod
    def create_id(follower: str, position: int):
        return ids.skipped_event_id(follower, position)

    @event("EventSkipped")
    def __init__(self, follower: str, position: int, event_type: str, chat_id: UUID | None,
                 by: str, reason: str):
        self.follower = follower
        self.position = position
        self.event_type = event_type
        self.chat_id = chat_id
        self.by = by
        self.reason = reason
