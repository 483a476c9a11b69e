"""Wires the parts together and serves them: HTTP and WebSocket on Tornado,
the store's blocking calls on a thread pool."""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

import tornado.httpserver
import tornado.ioloop
import tornado.netutil
import tornado.web

from messenger.auth import Tokens
from messenger.config import Config
from messenger.http import console
from messenger.http.base import MAX_BODY_BYTES, loggable_path
from messenger.http.health import Health, HealthProbe
from messenger.http.service_api import AuditChat, AuditUser, BookingNotifications, Users
from messenger.live.change_feed import ChangeFeed
from messenger.live.connections import Connections
from messenger.live.fanout import Fanout
from messenger.live.presence import PresenceKeeper
from messenger.live.signals import Signals
from messenger.live.typing import TypingRelay
from messenger.metrics import Metrics
from messenger.push.service import PushService
from messenger.store.commands import Commands
from messenger.store.leadership import Leadership, lock_settings
from messenger.store.store import Store
from messenger.telegram import bridge as telegram
from messenger.uploads import handlers as uploads
from messenger.uploads.decoding import DecodePool
from messenger.uploads.files import LocalFileStorage
from messenger.wire.frames import Frames
from messenger.wire.requests import Limits
from messenger.ws.handlers import ChatSocket
from messenger.ws.session import Session

log = logging.getLogger(__name__)

LISTEN_BACKLOG = 4096  # the kernel caps it at net.core.somaxconn
FINISH_TIMEOUT_S = 10.0  # for the requests in hand when stopping


def log_request(handler: tornado.web.RequestHandler) -> None:
    """Tornado's access log, without tokens and secrets."""
    request = handler.request
    logging.getLogger("tornado.access").info(
        "%d %s %s %.2fms", handler.get_status(), request.method, loggable_path(request.path),
        1000.0 * request.request_time())


def browsable(host: str, port: int) -> str:
    """The base URL a browser on this machine opens: 0.0.0.0 and :: are where
    a server listens, not where one goes."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class MessengerServer:
    def __init__(self, config: Config):
        self.config = config
        self.port: int | None = None

    async def start(self, host: str | None = None, port: int | None = None) -> int:
        config = self.config
        loop = tornado.ioloop.IOLoop.current()
        self._executor = ThreadPoolExecutor(config.database_threads, "store")
        self.store = await asyncio.get_running_loop().run_in_executor(
            self._executor, Store, config)
        self.commands = Commands(self.store.app, self._executor)
        # The connections tell presence who comes and goes (other users see
        # it, and pushes skip users connected anywhere); news of typing and
        # presence reaches the other processes as signals, which arrive on
        # the listener's thread.
        self.signals = Signals(lambda kind, items: loop.add_callback(self._signal, kind, items),
                               self.store.change_feed_settings.get("postgres"))
        self.connections = Connections(on_first=lambda user: self.presence.connected(user),
                                       on_last=lambda user: self.presence.gone(user))
        self.presence = PresenceKeeper(self.store.view, self.commands, self.connections,
                                       self.signals, config.presence_heartbeat_s,
                                       config.presence_offline_after_s)
        self.typing = TypingRelay(self.connections, self.commands, self.store.view, self.signals)
        self.presence.start()
        self.signals.start()
        self.push = PushService(config, self.store.env, self.store.app, self.store.view)
        if not await self.commands.query(self.push.start):
            self.push = None
        frames = Frames(self.store.view, config.messages_window)
        self.fanout = Fanout(self.connections, self.commands, frames)
        self.fanout.start()
        # The feed reads on its own thread; add_callback is the only
        # thread-safe way onto the IOLoop.
        self.feed = ChangeFeed(
            self.store.view, await self.commands.query(lambda: self.store.view_position),
            lambda head, changes, posted: loop.add_callback(
                self.fanout.on_changes, head, changes, posted),
            **self.store.change_feed_settings)
        self.feed.start()
        # What this process commits goes to live delivery from its writer,
        # without a read of the change log (when it is next in line).
        self.store.app.on_recorded = lambda notes: self.feed.take(notes["committed"])
        self.session = Session(
            self.store.app, frames, self.commands, self.connections,
            lambda: self.feed.database_up,
            Limits(config.max_content_chars, config.max_page, config.requests_per_s,
                            config.request_burst, config.user_requests_per_s,
                            config.user_request_burst, config.max_connections_per_user),
            self.typing, self.presence,
        )
        self.tokens = Tokens(config.jwt_secret, config.token_leeway_s, self.store.app.system_users)
        service = {"app": self.store.app, "commands": self.commands, "config": config}
        self._decoding = DecodePool()
        routes = uploads.routes(self.tokens, self.commands, self.store.app,
                                LocalFileStorage(config.uploads_directory),
                                config.max_upload_bytes, self.store.view.readable_file,
                                decoding=self._decoding,
                                max_pixels=config.max_image_pixels)
        self.telegram = None
        if telegram.is_configured(config):
            self.telegram = telegram.TelegramBridge(config, self.store.env, self.store.app,
                                                    self.store.view)
            await self.commands.query(self.telegram.start)
            if config.telegram_mode == "webhook":
                routes.append(self.telegram.webhook_route())
        else:
            log.info("Telegram bridge off: set MESSENGER_TELEGRAM_BOT_TOKEN and "
                     "MESSENGER_TELEGRAM_SUPPORT_CHAT_ID to bridge tech support")
        self.leadership = Leadership(self._lead, self._stand_down, **lock_settings(self.store.env))
        self.leadership.start()
        health = HealthProbe(self.store, self.feed, self.commands, self._follower_views)
        application = tornado.web.Application(
            [
                (r"/ws", ChatSocket, {"session": self.session, "tokens": self.tokens,
                                      "max_pending_bytes": config.max_pending_bytes}),
                (r"/healthz", Health, {"probe": health}),
                (r"/metrics", Metrics, {"commands": self.commands, "followers": health.followers}),
                (r"/api/v1/users", Users, service),
                (r"/api/v1/notifications/bookings", BookingNotifications, service),
                (r"/api/v1/audit/chats/([^/]+)", AuditChat, {**service, "auditor": self.store.auditor}),
                (r"/api/v1/audit/chats", AuditUser, {**service, "auditor": self.store.auditor}),
                *routes,
                *console.routes(self.tokens, config.dev_tokens),
                # Not permanent: a browser must not remember it past this release.
                (r"/", tornado.web.RedirectHandler, {"url": "/console", "permanent": False}),
            ],
            websocket_max_message_size=config.max_frame_bytes,
            websocket_ping_interval=30,
            log_function=log_request,
        )
        # A deep accept queue: after a deploy every client reconnects at once,
        # and a full queue drops them into TCP's retries (1 s, 3 s, 7 s...).
        sockets = tornado.netutil.bind_sockets(port if port is not None else config.port,
                                               host or config.host, backlog=LISTEN_BACKLOG)
        self.port = sockets[0].getsockname()[1]
        # Routes that read a body raise this for themselves once the caller is
        # known (messenger/http/base.py AuthenticatedBody); the rest read none.
        self._http = tornado.httpserver.HTTPServer(application, max_body_size=MAX_BODY_BYTES)
        self._http.add_sockets(sockets)
        log.info("serving on %s:%s with %s; the console is at %s/console",
                 host or config.host, self.port, config.database_url.split("@")[-1],
                 browsable(host or config.host, self.port))
        return self.port

    def _signal(self, kind: str, items: list) -> None:
        receivers = {"typing": self.typing.received, "presence": self.presence.received}
        if kind in receivers:  # a newer process's kind is not this one's business
            receivers[kind](items)

    # Called on the leadership thread: this process runs the followers of
    # the events while it holds the lock.
    def _lead(self) -> None:
        self.store.lead()
        if self.push is not None:
            self.push.lead()
        if self.telegram is not None:
            self.telegram.lead()

    def _stand_down(self) -> None:
        for part in (self.telegram, self.push, self.store):
            if part is not None:
                part.stand_down()

    def _follower_views(self) -> dict:
        """The views of the followers this process runs, by operator name."""
        views = {"audit": self.store.audit_view}  # the inbox is written with the events
        if self.push is not None:
            views["push"] = self.push.view
        if self.telegram is not None:
            views["telegram"] = self.telegram.posts
        return views

    async def stop(self) -> None:
        """Graceful: accepts nothing new, answers the requests in hand, tells
        every client to reconnect (1012, to another process or to this one
        restarted), and stops the followers at their tracked positions."""
        log.info("stopping: %d connections told to reconnect once the requests in hand "
                 "are answered", len(self.connections.all()))
        self._http.stop()
        await self.session.finish(FINISH_TIMEOUT_S)
        for connection in self.connections.all():
            connection.close(1012, "server restarting: reconnect")
        await self._http.close_all_connections()
        await self.commands.query(self.leadership.stop)
        await self.commands.query(self.feed.stop)
        await self.fanout.stop()
        await self.presence.stop()
        await self.commands.query(self.signals.stop)
        if self.telegram is not None:
            await self.commands.query(self.telegram.stop)
        if self.push is not None:
            await self.commands.query(self.push.stop)
        self._decoding.shutdown()
        await self.commands.query(self.store.close)
        # Waiting for the store's threads to end is itself blocking: not on the IOLoop.
        await asyncio.get_running_loop().run_in_executor(None, self._executor.shutdown)
        log.info("stopped")
