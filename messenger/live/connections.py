"""Who is connected here: open WebSocket connections keyed by user, so a
user's phone and browser both receive what concerns them."""

from collections import defaultdict
from collections.abc import Callable
from typing import Protocol

from messenger.metrics import CONNECTIONS


class Connection(Protocol):
    user_id: str
    user_name: str
    connection_id: str  # short and random, for the logs
    version: int  # of the protocol it speaks

    def send(self, text: str) -> None: ...

    def open_with(self, text: str) -> None:
        """Sends the first frame (the chat list), then what waited for it."""


class Connections:
    def __init__(self, on_first: Callable[[str], None] = lambda user_id: None,
                 on_last: Callable[[str], None] = lambda user_id: None) -> None:
        self._by_user: dict[str, set[Connection]] = defaultdict(set)
        # Told when a user's first connection here opens and their last closes.
        self._on_first = on_first
        self._on_last = on_last

    def add(self, connection: Connection) -> None:
        connections = self._by_user[connection.user_id]
        if not connections:
            self._on_first(connection.user_id)
        connections.add(connection)
        CONNECTIONS.inc()

    def discard(self, connection: Connection) -> None:
        connections = self._by_user.get(connection.user_id)
        if connections is not None and connection in connections:
            connections.discard(connection)
            CONNECTIONS.dec()
            if not connections:
                del self._by_user[connection.user_id]
                self._on_last(connection.user_id)

    def of(self, user_id: str) -> list[Connection]:
        return list(self._by_user.get(user_id, ()))

    def all(self) -> list[Connection]:
        return [connection for group in self._by_user.values() for connection in group]
