"""What the push sender needs of a provider, and how it retries."""

import enum
import logging
import threading
from dataclasses import dataclass
from typing import Protocol

from messenger.metrics import PUSHES

log = logging.getLogger(__name__)

ATTEMPTS = 5
FIRST_BACKOFF_S = 0.5


class Outcome(enum.Enum):
    SENT = "sent"
    DEAD = "dead"  # the provider says this token will never work again
    RETRY = "retry"  # throttled or a server error: worth another try
    FAILED = "failed"  # refused for another reason: retrying will not help


@dataclass(frozen=True)
class Push:
    title: str
    body: str
    badge: int
    chat_id: str
    message_id: str


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    reason: str = ""


class Provider(Protocol):
    name: str

    def send(self, token: str, push: Push) -> Result: ...

    def close(self) -> None: ...


def deliver(provider: Provider, token: str, push: Push, stopping: threading.Event) -> Result:
    """Sends, retrying throttling and server errors with backoff; a push that
    still fails after ATTEMPTS is given up (logged) so others are not held up."""
    backoff = FIRST_BACKOFF_S
    for _ in range(ATTEMPTS):
        result = provider.send(token, push)
        PUSHES.labels(provider.name, result.outcome.value).inc()
        if result.outcome is not Outcome.RETRY:
            return result
        log.warning("%s push for message %s: %s; retrying in %.1f s", provider.name,
                    push.message_id, result.reason, backoff)
        if stopping.wait(backoff):
            break
        backoff *= 2
    log.error("%s push for message %s given up: %s", provider.name, push.message_id,
              result.reason)
    return result
