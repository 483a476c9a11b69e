from eventsourcing.domain import Aggregate, event

from domain import ids


class User(Aggregate):
    """Someone the booking platform told us about, or who connected with a valid token."""

    presence_visible = True  # users registered before the setting existed show it

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

    def show_presence(self, visible: bool) -> None:
        """Whether others see when the user is online and when they were last seen."""
        if visible != self.presence_visible:
            self._presence_visibility_set(user_id=self.user_id, visible=visible)

    @event("PresenceVisibilitySet")
    def _presence_visibility_set(self, user_id: str, visible: bool) -> None:
        self.presence_visible = visible
