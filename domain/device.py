from eventsourcing.domain import Aggregate, event

from domain import ids

PLATFORMS = ("ios", "android", "web")


class Device(Aggregate):
    """A phone or browser that can receive pushes. Its token belongs to the
    newest user who registered it; a provider can declare it dead."""

    @staticmethod
    def create_id(platform: str, token: str):
        return ids.device_id(platform, token)

    @event("Registered")
    def __init__(self, platform: str, token: str, user_id: str):
        self.platform = platform
        self.token = token
        self.user_id: str | None = user_id

    def register_to(self, user_id: str) -> None:
        if user_id != self.user_id:
            self._registered_again(platform=self.platform, token=self.token, user_id=user_id)

    @event("RegisteredAgain")
    def _registered_again(self, platform: str, token: str, user_id: str) -> None:
        self.user_id = user_id

    def unregister(self, user_id: str) -> None:
        if user_id == self.user_id:
            self._unregistered(platform=self.platform, token=self.token, user_id=user_id)

    @event("Unregistered")
    def _unregistered(self, platform: str, token: str, user_id: str) -> None:
        self.user_id = None

    def reject(self, reason: str) -> None:
        if self.user_id is not None:
            self._rejected(platform=self.platform, token=self.token, user_id=self.user_id,
                           reason=reason)

    @event("Rejected")
    def _rejected(self, platform: str, token: str, user_id: str, reason: str) -> None:
        self.user_id = None
