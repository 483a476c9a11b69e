"""Who is connected here: open WebSocket connections keyed by user, so a
user's phone and browser both receive what concerns them."""

from collections import defaultdict
from typing import Protocol


class Connection(Protocol):
    user_id: str
    user_name: str

    def send(self, text: str) -> None: ...


class Connections:
    def __init__(self) -> None:
        self._by_user: dict[str, set[Connection]] = defaultdict(set)

    def add(self, connection: Connection) -> None:
        self._by_user[connection.user_id].add(connection)

    def discard(self, connection: Connection) -> None:
        connections = self._by_user.get(connection.user_id)
        if connections is not None:
            connections.discard(connection)
            if not connections:
                del self._by_user[connection.user_id]

    def of(self, user_id: str) -> list[Connection]:
        return list(self._by_user.get(user_id, ()))

    def all(self) -> list[Connection]:
        return [connection for group in self._by_user.values() for connection in group]
