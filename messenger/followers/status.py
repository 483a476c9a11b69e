"""Where each follower of the events is and what it is stuck on, read from
the database, so that every process (and `run.py followers`) tells the same."""

from dataclasses import dataclass

from domain.application import Messenger
from projections.failures import Failure, Failures

# Operators' names for the followers, by projection name.
# (The inbox is not one: it is written in the transaction of its events.)
NAMES = {"Audit": "audit", "PushSender": "push", "TelegramPoster": "telegram"}
# Followers an operator may tell to pass over an event.
SKIPPABLE = ("audit", "push", "telegram")


def follower_name(projection_name: str) -> str:
    return NAMES.get(projection_name, projection_name.lower())


@dataclass
class FollowerStatus:
    name: str
    position: int  # the last event it has processed
    head: int  # the newest event stored
    failure: Failure | None  # what it is stuck on, if it has not got past it yet

    @property
    def behind(self) -> int:
        return max(0, self.head - self.position)

    def as_json(self) -> dict:
        return {"follower": self.name, "position": self.position, "head": self.head,
                "stuck": self.failure.as_json() if self.failure else None}


def status_of(name: str, view, head: int) -> FollowerStatus:
    position = view.max_tracking_id(Messenger.name) or 0
    failure = Failures(view).get(name)
    if failure is not None and failure.position is not None and failure.position <= position:
        failure = None  # past it already; the leader is about to clear it
    return FollowerStatus(name, position, head, failure)


def statuses(views: dict[str, object], head: int) -> list[FollowerStatus]:
    """Blocking: two small queries per follower."""
    return [status_of(name, view, head) for name, view in views.items()]
