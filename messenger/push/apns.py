"""APNs through aioapns (token-based .p8 auth). aioapns is asyncio; it gets an
event loop on a thread of its own, so the push sender's thread can wait for
each answer without touching the server's IOLoop."""

import asyncio
import ssl
import threading
import uuid
from urllib.parse import urlsplit

from aioapns import APNs, NotificationRequest, PushType

from messenger.push.providers import Outcome, Push, Result

ANSWER_TIMEOUT_S = 30
DEAD_REASONS = {"BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic", "ExpiredToken"}


class ApnsProvider:
    name = "APNs"

    def __init__(self, key: str, key_id: str, team_id: str, topic: str, sandbox: bool,
                 server_url: str = "", ca_file: str = ""):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="apns", daemon=True)
        self._thread.start()
        ssl_context = ssl.create_default_context(cafile=ca_file or None)

        async def connect() -> APNs:  # aioapns binds to the loop it is made in
            client = APNs(key=key, key_id=key_id, team_id=team_id, topic=topic,
                          use_sandbox=sandbox, ssl_context=ssl_context)
            if server_url:  # another APNs endpoint, e.g. a stand-in in tests
                where = urlsplit(server_url)
                base = client.pool.protocol_class
                client.pool.protocol_class = type("ConfiguredAPNs", (base,), {
                    "APNS_SERVER": where.hostname, "APNS_PORT": where.port or 443})
            return client

        self._client = self._run(connect())

    def send(self, token: str, push: Push) -> Result:
        request = NotificationRequest(
            device_token=token,
            message={
                "aps": {"alert": {"title": push.title, "body": push.body}, "badge": push.badge,
                        "sound": "default", "thread-id": push.chat_id},
                "chat_id": push.chat_id,
                "message_id": push.message_id,
            },
            # The same id for the same message and device: APNs shows it as apns-id.
            notification_id=_apns_id(push.message_id, token),
            # A push sent again (after a timeout) replaces the first on the phone.
            collapse_key=push.message_id,
            push_type=PushType.ALERT,
        )
        try:
            result = self._run(self._client.send_notification(request))
        except Exception as error:  # unreachable, timed out, aioapns's MaxAttemptsExceeded
            return Result(Outcome.RETRY, f"unreachable: {type(error).__name__}")
        if result.is_successful:
            return Result(Outcome.SENT)
        reason = f"{result.status} {result.description}"
        if result.status == "410" or result.description in DEAD_REASONS:
            return Result(Outcome.DEAD, reason)
        if result.status == "429" or str(result.status).startswith("5"):
            return Result(Outcome.RETRY, reason)
        return Result(Outcome.FAILED, reason)

    def close(self) -> None:
        self._run(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _close(self) -> None:
        self._client.pool.close()

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(ANSWER_TIMEOUT_S)


def _apns_id(message_id: str, token: str) -> str:
    return str(uuid.uuid5(uuid.UUID(message_id), token)).upper()
