"""Limits that keep one client from hurting the others."""

import asyncio
from dataclasses import replace

import pytest

from tests.conftest import Harness


@pytest.fixture
def limited(io_loop, config):
    harness = Harness(replace(config, requests_per_s=1.0, request_burst=3,
                              max_pending_bytes=64 * 1024))
    io_loop.run_sync(harness.start)
    yield harness
    io_loop.run_sync(harness.stop)


@pytest.mark.gen_test(timeout=60)
async def test_too_many_requests_are_refused_with_a_retry_hint(limited):
    alice = await limited.connect("alice")
    answers = []
    for _ in range(5):
        answers.append(await alice.call("get_chat_messages", {"chat_id": alice.support_chat_id}))
    assert [a[0]["type"] for a in answers] == ["chat_messages"] * 3 + ["error"] * 2
    refused = answers[3][0]["data"]
    assert refused["code"] == "rate_limited" and 0 < refused["retry_after_s"] <= 1
    await asyncio.sleep(refused["retry_after_s"])  # as the server says
    [again, _] = await alice.call("get_chat_messages", {"chat_id": alice.support_chat_id})
    assert again["type"] == "chat_messages"


@pytest.mark.gen_test(timeout=120)
async def test_a_client_that_stops_reading_is_let_go_and_others_go_on(io_loop, config):
    harness = Harness(replace(config, max_pending_bytes=64 * 1024, request_burst=1000))
    await harness.start()
    try:
        alice = await harness.connect("alice")
        sleeper = await harness.connect("bob")  # reads its chat list, then nothing more
        [reply] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
        chat_id = reply["data"][0]["chat_id"]
        for number in range(150):
            replies = await alice.call("send_message", {"chat_id": chat_id,
                                                        "content": f"{number} " + "x" * 4000})
            assert replies[1]["data"][-1]["content"].startswith(f"{number} ")
            if sleeper.socket.protocol is None or sleeper.socket.close_code is not None:
                break
        while await sleeper.socket.read_message() is not None:
            pass  # what was queued before the server let go
        assert sleeper.socket.close_code == 1013
    finally:
        await harness.stop()
