"""The tech-support bridge, wired: the poster following the events, and
replies coming back by long polling (development) or webhook (production)."""

import hashlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from domain.application import Messenger
from messenger.config import Config, ConfigError
from messenger.followers.follower import Follower, skip_history, stand_down
from messenger.store.store import open_view, view_class
from messenger.telegram.bot_api import BotApi, StoppedError
from messenger.telegram.polling import LongPolling
from messenger.telegram.poster import TelegramPoster
from messenger.telegram.replies import SupportReplies
from messenger.telegram.webhook import TelegramWebhook
from projections.inbox_view import InboxView

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook/"
WEBHOOK_THREADS = 2


def is_configured(config: Config) -> bool:
    return bool(config.telegram_bot_token and config.telegram_support_chat_id)


def webhook_secret(bot_token: str) -> str:
    """Derived from the bot token, so it is as secret as the token and needs no setting."""
    return hashlib.sha256(f"webhook:{bot_token}".encode()).hexdigest()[:48]


class TelegramBridge:
    def __init__(self, config: Config, env: dict[str, str], app: Messenger, inbox: InboxView):
        if config.telegram_mode == "webhook" and not config.public_url:
            raise ConfigError(f"{config.source}: webhook mode needs MESSENGER_PUBLIC_URL")
        self._config = config
        self._env = env
        self._app = app
        self._inbox = inbox  # users' registered names, for the posts
        self._stopping = threading.Event()
        self._secret = webhook_secret(config.telegram_bot_token)

    def start(self) -> None:
        """Blocks on the store and on Telegram: call it off the IOLoop."""
        config = self._config
        api = BotApi(config.telegram_bot_token, config.telegram_api_url, self._stopping)
        self.posts = open_view(self._env, TelegramPoster.name, view_class(config, "telegram"))
        skip_history(self._env, self.posts)
        self._follower: Follower | None = None
        self.replies = SupportReplies(self._app, self.posts, api,
                                      config.telegram_support_chat_id, config.max_content_chars)
        if config.telegram_mode == "webhook":
            # In the background: an unreachable Telegram must not keep the server from starting.
            url = config.public_url + WEBHOOK_PATH + self._secret
            threading.Thread(target=self._register_webhook, args=(api, url), daemon=True).start()
        log.info("Telegram bridge on (%s) for support chat %s", config.telegram_mode,
                 config.telegram_support_chat_id)

    def lead(self) -> None:
        """Posts to Telegram, and polls it in development: one process per
        store does (messenger/store/leadership.py)."""
        config = self._config
        self._term = threading.Event()
        api = BotApi(config.telegram_bot_token, config.telegram_api_url, self._term)
        self._follower = Follower(
            self._env, TelegramPoster(self.posts, api, config.telegram_support_chat_id,
                                      self._inbox.user_name))
        if config.telegram_mode == "polling":
            LongPolling(api, self.replies, self._term).start()

    def stand_down(self) -> None:
        follower, self._follower = self._follower, None
        if follower is not None:
            stand_down(follower, self._term, StoppedError)

    def _register_webhook(self, api: BotApi, url: str) -> None:
        try:
            api.with_retries(lambda: api.bot.set_webhook(url, secret_token=self._secret))
        except StoppedError:
            pass

    def webhook_route(self) -> tuple:
        # Threads of its own: handling an update may wait on Telegram, and must
        # not take the store's threads from the clients.
        self._webhook_executor = ThreadPoolExecutor(WEBHOOK_THREADS, "telegram-webhook")
        return (WEBHOOK_PATH + r"([^/]+)", TelegramWebhook,
                {"secret": self._secret, "replies": self.replies,
                 "executor": self._webhook_executor})

    def stop(self) -> None:
        self._stopping.set()
        if hasattr(self, "_webhook_executor"):
            self._webhook_executor.shutdown(wait=True)
        try:
            self.stand_down()
        finally:
            self.posts.datastore.close()
