"""Push notifications, wired: providers from the configuration, and the
sender following the events (who is connected anywhere, it reads from the
presence every process keeps: messenger/live/presence.py)."""

import logging
import threading
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

    def stop(self) -> None:
        try:
            self.stand_down()
        finally:
            for provider in set(self._providers.values()):
                provider.close()
            self.view.datastore.close()
