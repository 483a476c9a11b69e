"""PostgreSQL goes away and comes back: requests are answered `unavailable`
at once, /healthz says 503, connections stay open, nothing is half-written,
and service resumes by itself."""

import time
from dataclasses import replace

import pytest
import tornado.httpclient

from tests.support.db_proxy import DatabaseProxy
from tests.support.harness import Harness, running, until

QUICKLY_S = 1.0


@pytest.fixture
def proxy(io_loop):
    yield from running(io_loop, DatabaseProxy())


async def health(harness) -> int:
    answer = await tornado.httpclient.AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{harness.config.port}/healthz", raise_error=False)
    return answer.code


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.gen_test(timeout=120)
async def test_a_lost_database_is_reported_and_service_resumes_by_itself(io_loop, config, proxy):
    through_proxy = config.database_url.replace(":5432/", f":{proxy.port}/")
    harness = Harness(replace(config, database_url=through_proxy))
    await harness.start()
    try:
        alice, bob = await harness.connect("alice"), await harness.connect("bob")
        [created] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
        chat_id = created["data"][0]["chat_id"]
        await alice.call("send_message", {"chat_id": chat_id, "content": "before"})

        await proxy.cut()
        await until(lambda: _is(health(harness), 503))
        started = time.monotonic()
        [refused] = await alice.call("send_message", {"chat_id": chat_id, "content": "during"})
        assert time.monotonic() - started < QUICKLY_S
        assert refused["type"] == "error" and refused["data"]["code"] == "unavailable"

        await proxy.restore()
        await until(lambda: _is(health(harness), 200))
        replies = await alice.call("send_message", {"chat_id": chat_id, "content": "after"})
        assert replies[0]["type"] != "error", replies  # the same connection, still open
        await bob.push("chat_messages", lambda f: f["data"][-1]["content"] == "after")
        [history] = [r for r in await bob.call("get_chat_messages", {"chat_id": chat_id})
                     if r["type"] == "chat_messages"]
        assert [m["content"] for m in history["data"]] == ["before", "after"]
    finally:
        await harness.stop()


async def _is(status, expected: int) -> bool:
    return await status == expected
