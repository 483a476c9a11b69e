"""Push notifications, wired: providers from the configuration, the sender
following the events, and this process's presence for it to consult."""

import logging
import threading
import uuid
from pathlib import Path

from domain.application import Messenger
from messenger.config import Config, ConfigError
from messenger.followers.follower import Follower, stand_down
from messenger.push.apns import ApnsProvider
from messenger.push.fcm import FcmProvider
from messenger.push.sender import PushSender, StoppedError
from messenger.store.store import open_view, view_class
from projections.inbox_view import InboxView

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_S = 30


def providers_from(config: Config) -> dict[str, object]:
    """By platform; a provider without credentials is off."""
    providers: dict[str, object] = {}
    if config.apns_key_file:
        missing = [name for name, value in (("MESSENGER_APNS_KEY_ID", config.apns_key_id),
                                            ("MESSENGER_APNS_TEAM_ID", config.apns_team_id),
                                            ("MESSENGER_APNS_TOPIC", config.apns_topic))
                   if not value]
        if missing:
            raise ConfigError(f"{config.source}: APNs needs {', '.join(missing)}")
        providers["ios"] = ApnsProvider(
            Path(config.apns_key_file).read_text(), config.apns_key_id, config.apns_team_id,
            config.apns_topic, config.apns_sandbox, config.apns_url, config.apns_ca_file)
    if config.fcm_service_account_file:
        fcm = FcmProvider(config.fcm_service_account_file, config.fcm_project_id, config.fcm_url)
        providers["android"] = providers["web"] = fcm
    return providers


class PushService:
    def __init__(self, config: Config, env: dict[str, str], app: Messenger, inbox: InboxView):
        self._config = config
        self._env = env
        self._app = app
        self._inbox = inbox
        self.process_id = uuid.uuid4().hex

    def start(self) -> bool:
        """Blocks on the store: call it off the IOLoop. False if no provider is configured."""
        self._providers = providers_from(self._config)
        log.info("push: APNs %s, FCM %s", "on" if "ios" in self._providers else
                 "off (set MESSENGER_APNS_KEY_FILE and friends)",
                 "on" if "android" in self._providers else
                 "off (set MESSENGER_FCM_SERVICE_ACCOUNT_FILE)")
        if not self._providers:
            return False
        self.view = open_view(self._env, PushSender.name, view_class(self._config, "push"))
        self.view.heartbeat(self.process_id)
        self._follower: Follower | None = None
        return True

    def lead(self) -> None:
        """Sends pushes: one process per store does (messenger/store/leadership.py)."""
        self._term = threading.Event()
        sender = PushSender(self.view, self._inbox, self._providers,
                            lambda platform, token, reason: self._app.reject_device(
                                platform, token, reason),
                            self._term)
        self._follower = Follower(self._env, sender)

    def stand_down(self) -> None:
        follower, self._follower = self._follower, None
        if follower is not None:
            stand_down(follower, self._term, StoppedError)

    # Presence, called off the IOLoop when a user's first connection here
    # opens and their last one closes, and on a timer.
    def joined(self, user_id: str) -> None:
        self.view.joined(self.process_id, user_id)

    def left(self, user_id: str) -> None:
        self.view.left(self.process_id, user_id)

    def heartbeat(self) -> None:
        self.view.heartbeat(self.process_id)

    def stop(self) -> None:
        try:
            self.stand_down()
        finally:
            self.view.forget_process(self.process_id)
            for provider in set(self._providers.values()):
                provider.close()
            self.view.datastore.close()
