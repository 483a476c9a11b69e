from eventsourcing.domain import Aggregate, event

from domain import ids


class User(Aggregate):
    """Someone the booking platform told us about, or who connected with a valid token."""

    @staticmethod
    def create_id(user_id: str):
        return ids.user_id(user_id)

    @event("Registered")
    def __init__(self, user_id: str, name: str):
        self.user_id = user_id
        self.name = name

    def rename(self, name: str) -> None:
        if name and name != self.name:
            self._renamed(user_id=self.user_id, name=name)

    @event("Renamed")
    def _renamed(self, user_id: str, name: str) -> None:
        self.name = name
