"""Limits that keep one client from hurting the others."""

import asyncio
from dataclasses import replace

import pytest
import tornado.websocket

from tests.support.harness import Harness


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


@pytest.mark.gen_test(timeout=60)
async def test_a_user_with_many_connections_shares_one_request_budget(io_loop, config):
    harness = Harness(replace(config, requests_per_s=100.0, request_burst=100,
                              user_requests_per_s=0.5, user_request_burst=2))
    await harness.start()
    try:
        phone, browser = await harness.connect("alice"), await harness.connect("alice")
        bob = await harness.connect("bob")
        answers = []
        for client in (phone, browser, phone, browser):
            answers.append(await client.call("get_chat_messages",
                                             {"chat_id": client.support_chat_id}))
        assert [a[0]["type"] for a in answers] == ["chat_messages"] * 2 + ["error"] * 2
        assert answers[2][0]["data"]["code"] == "rate_limited"
        # Another user is not held back by Alice.
        [reply, _] = await bob.call("get_chat_messages", {"chat_id": bob.support_chat_id})
        assert reply["type"] == "chat_messages"
    finally:
        await harness.stop()


@pytest.mark.gen_test(timeout=60)
async def test_connections_per_user_are_capped(io_loop, config):
    harness = Harness(replace(config, max_connections_per_user=2))
    await harness.start()
    try:
        first, second = await harness.connect("alice"), await harness.connect("alice")
        socket = await tornado.websocket.websocket_connect(
            f"{harness.url}?token={harness.tokens.issue('alice')}")
        assert await socket.read_message() is None
        assert socket.close_code == 1008 and "too many connections" in socket.close_reason
        await harness.connect("bob")  # others still get in
        second.close()
        while len(harness.server.connections.of("alice")) > 1:
            await asyncio.sleep(0.02)
        await harness.connect("alice")  # a closed connection frees its place
        [reply, _] = await first.call("get_chat_messages", {"chat_id": first.support_chat_id})
        assert reply["type"] == "chat_messages"
    finally:
        await harness.stop()


@pytest.mark.gen_test(timeout=60)
async def test_a_group_holds_at_most_the_configured_members(io_loop, config):
    harness = Harness(replace(config, max_group_members=3))
    await harness.start()
    try:
        alice = await harness.connect("alice")
        [refused] = await alice.call("create_chat", {"with_user_id": [
            {"user_id": user} for user in ("bob", "carol", "dave")], "chat_name": "Big"})
        assert refused["type"] == "error" and refused["data"]["code"] == "too_large"
        [created] = await alice.call("create_chat", {"with_user_id": [
            {"user_id": user} for user in ("bob", "carol")], "chat_name": "Small"})
        chat_id = created["data"][0]["chat_id"]
        [refused] = await alice.call("add_user", {"chat_id": chat_id,
                                                  "with_user_id": [{"user_id": "dave"}]})
        assert refused["type"] == "error" and refused["data"]["code"] == "too_large"
        chats = await alice.chats()
        assert [c["chat_name"] for c in chats if not c["is_tech_support"]] == ["Small"]
        assert len(next(c for c in chats if c["chat_id"] == chat_id)["users"]) == 3
    finally:
        await harness.stop()
