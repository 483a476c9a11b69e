"""A user's phones and browsers that receive pushes: a use case each."""

from eventsourcing.application import AggregateNotFoundError

from domain import ids
from domain.device import Device
from domain.saving import Saved, SavingApplication


class DeviceUseCases(SavingApplication):
    def register_device(self, user_id: str, platform: str, token: str) -> Saved:
        def registration():
            try:
                device = self.repository.get(ids.device_id(platform, token))
            except AggregateNotFoundError:
                device = Device(platform=platform, token=token, user_id=user_id)
            else:
                device.register_to(user_id)
            return device.id, [device]

        return self._save(registration)

    def unregister_device(self, user_id: str, platform: str, token: str) -> Saved:
        """Only the device's current user can unregister it; for anyone else,
        and for an unknown token, nothing changes."""
        return self._device_change(platform, token, lambda device: device.unregister(user_id))

    def reject_device(self, platform: str, token: str, reason: str) -> Saved:
        """The push provider says the token is dead."""
        return self._device_change(platform, token, lambda device: device.reject(reason))

    def _device_change(self, platform: str, token: str, change) -> Saved:
        def changing():
            try:
                device = self.repository.get(ids.device_id(platform, token))
            except AggregateNotFoundError:
                return ids.device_id(platform, token), []
            change(device)
            return device.id, [device]

        return self._save(changing)
