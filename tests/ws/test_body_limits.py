"""No HTTP route reads a body before it knows the caller: a 64 MiB POST
without (or with a wrong) credential is answered at once, while most of it
is still unsent, and the server never holds it."""

import asyncio
import select
import socket
import tracemalloc
from dataclasses import replace

import pytest

from messenger.telegram.bridge import webhook_secret
from tests.support.harness import SERVICE_TOKEN, Harness
from tests.support.telegram_standin import BOT_TOKEN, SUPPORT_CHAT_ID

BODY_BYTES = 64 * 1024 * 1024
CHUNK = b" " * 65536  # made once, so the sender itself allocates nothing
MAX_SERVER_GROWTH = 1024 * 1024
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
WRONG = {"Authorization": "Bearer wrong-token"}


@pytest.fixture
def harness(io_loop, config, telegram):
    """Every route there is: minted console tokens and the Telegram webhook included."""
    harness = Harness(replace(config, dev_tokens=True, telegram_bot_token=BOT_TOKEN,
                              telegram_support_chat_id=SUPPORT_CHAT_ID,
                              telegram_api_url=telegram.url, telegram_mode="webhook",
                              public_url="https://messenger.example.test"))
    io_loop.run_sync(harness.start)
    yield harness
    io_loop.run_sync(harness.stop)


def send_huge(port: int, method: str, path: str, headers: dict, chunked: bool) -> tuple[bytes, int]:
    """Sends a 64 MiB body a piece at a time, watching for an answer all the
    while; returns the answer's head and how much of the body had gone."""
    framing = {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": BODY_BYTES}
    head = "".join(f"{name}: {value}\r\n" for name, value in
                   {"Host": "127.0.0.1", "Content-Type": "application/json", **framing,
                    **headers}.items())
    piece = b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK) if chunked else CHUNK
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"{method} {path} HTTP/1.1\r\n{head}\r\n".encode())
        sent = 0
        while sent < BODY_BYTES and not select.select([sock], [], [], 0)[0]:
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break  # closed by the server, which has answered
            sent += len(CHUNK)
        return sock.recv(65536), sent


@pytest.mark.parametrize("method, path, headers, chunked, status", [
    ("POST", "/api/v1/users", {}, False, 401),
    ("POST", "/api/v1/users", WRONG, False, 401),
    ("POST", "/api/v1/users", {}, True, 401),
    ("POST", "/api/v1/notifications/bookings", WRONG, False, 401),
    ("GET", "/api/v1/audit/chats?user=anna", WRONG, False, 401),
    ("POST", "/telegram/webhook/wrong-secret", {}, False, 403),
    ("POST", f"/telegram/webhook/{webhook_secret(BOT_TOKEN)}",
     {"X-Telegram-Bot-Api-Secret-Token": "wrong"}, False, 403),
    ("POST", "/api/v1/users", SERVICE, False, 413),  # allowed, but over the limit
    ("POST", "/console/token", {}, False, 413),  # open in development; limited all the same
    ("POST", "/healthz", {}, False, 400),  # reads no body: the server's own limit
    ("GET", "/ws", {}, False, 400),
])
@pytest.mark.gen_test(timeout=60)
async def test_a_huge_body_is_refused_before_it_is_read(harness, method, path, headers,
                                                        chunked, status):
    tracemalloc.start()
    try:
        answer, sent = await asyncio.get_running_loop().run_in_executor(
            None, send_huge, harness.config.port, method, path, headers, chunked)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer[:200]
    assert sent < BODY_BYTES // 4  # answered while most of the body was still unsent
    assert peak < MAX_SERVER_GROWTH, f"{peak} bytes allocated while refusing"


@pytest.mark.gen_test(timeout=60)
async def test_an_allowed_request_over_the_json_limit_gets_a_json_413(harness):
    name = "x" * (64 * 1024)
    status, answer = await harness.post("/api/v1/users", {"user_id": "anna", "name": name})
    assert status == 413
    assert answer["error"]["status"] == 413 and "65536 bytes" in answer["error"]["message"]
    # Within the limit, the same route works, on the same server.
    status, answer = await harness.post("/api/v1/users", {"user_id": "anna", "name": "Анна"})
    assert status == 201 and answer["registered"] is True
