"""Typing indicators: a member's `typing` shows on the other members' version 2
connections for a few seconds, never on the typer's own, at most once per
user and chat every couple of seconds, and is never stored."""

import asyncio
import json

import pytest

from messenger.live.typing import RELAY_INTERVAL_S, TYPING_EXPIRES_S
from tests.support.harness import by_id


async def group_of(harness, versions: dict[str, int], names: dict[str, str]):
    """Connections of the users (the first is the group's admin) and the group's id."""
    clients = {user: await harness.connect(user, names.get(user, ""), version)
               for user, version in versions.items()}
    admin, *others = clients
    replies = await clients[admin].call("create_chat", {
        "with_user_id": [{"user_id": user} for user in others], "chat_name": "Смена"})
    chat_id = replies[0]["data"]["chat_id"] if versions[admin] == 2 else \
        replies[0]["data"][0]["chat_id"]
    return clients, chat_id


def typing_frames(client, chat_id: str) -> list[dict]:
    return [frame for frame in client.pushed
            if frame["type"] == "typing" and frame["data"]["chat_id"] == chat_id]


async def typing(client, chat_id: str, request_id: str = "t") -> None:
    """Sends `typing` and returns once a later request is answered: a reply to
    it, had there been one, came before (a connection's answers keep order)."""
    client.socket.write_message(json.dumps(
        {"type": "typing", "data": {"chat_id": chat_id}, "request_id": request_id}))
    await client.call("set_presence_visible", {"visible": True})
    assert request_id not in client._replies, client._replies[request_id]


async def settled(*clients) -> None:
    """Whatever was sent to these clients before now has arrived."""
    for client in clients:
        await client.call("set_presence_visible", {"visible": True})


@pytest.mark.gen_test(timeout=60)
async def test_typing_shows_on_the_other_members_version_2_connections_only(harness):
    clients, chat_id = await group_of(harness, {"alice": 2, "bob": 2, "carol": 1},
                                      {"alice": "Алиса Петрова"})
    alice_phone = await harness.connect("alice", "Алиса Петрова", 2)
    stored = await harness.server.commands.query(
        harness.server.store.app.recorder.max_notification_id)

    await typing(clients["alice"], chat_id)

    shown = await clients["bob"].push("typing")
    assert shown == {"type": "typing", "data": {
        "chat_id": chat_id, "user_id": "alice", "name": "Алиса Петрова",
        "expires_in_s": TYPING_EXPIRES_S}}
    await settled(alice_phone, clients["carol"], clients["alice"])
    assert typing_frames(alice_phone, chat_id) == []  # the typer's own connections: none
    assert typing_frames(clients["alice"], chat_id) == []
    assert typing_frames(clients["carol"], chat_id) == []  # version 1 has no such frame
    assert await harness.server.commands.query(
        harness.server.store.app.recorder.max_notification_id) == stored  # nothing stored


@pytest.mark.gen_test(timeout=60)
async def test_a_typist_is_relayed_once_per_interval_and_the_rest_dropped_silently(harness):
    clients, chat_id = await group_of(harness, {"alice": 2, "bob": 2, "carol": 2}, {})
    alice, bob = clients["alice"], clients["bob"]

    for n in range(5):
        await typing(alice, chat_id, f"t{n}")  # each without a reply, none refused
    await typing(clients["carol"], chat_id, "c0")  # another typist is not held back
    await settled(bob)
    assert [f["data"]["user_id"] for f in typing_frames(bob, chat_id)] == ["alice", "carol"]

    bob.pushed.clear()
    await asyncio.sleep(RELAY_INTERVAL_S)
    await typing(alice, chat_id, "t5")
    await settled(bob)
    assert [f["data"]["user_id"] for f in typing_frames(bob, chat_id)] == ["alice"]


@pytest.mark.gen_test(timeout=60)
async def test_typing_in_another_chat_is_relayed_on_its_own(harness):
    clients, group = await group_of(harness, {"alice": 2, "bob": 2, "carol": 2}, {})
    [direct] = await clients["alice"].call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
    direct_id = direct["data"]["chat_id"]
    await typing(clients["alice"], group)
    await typing(clients["alice"], direct_id)
    await settled(clients["bob"])
    assert len(typing_frames(clients["bob"], group)) == 1
    assert len(typing_frames(clients["bob"], direct_id)) == 1


@pytest.mark.gen_test(timeout=60)
async def test_typing_where_one_is_no_member_is_not_found_and_reaches_nobody(harness):
    clients, chat_id = await group_of(harness, {"alice": 2, "bob": 2, "carol": 2}, {})
    dan = await harness.connect("dan", version=2)
    for data in ({"chat_id": chat_id}, {"chat_id": "7c7e3ab4-0b39-4b7a-9d36-1f0e5b1c2d3e"},
                 {"chat_id": "not-a-chat"}):
        for _ in range(2):  # refused every time, not only the first
            [error] = await dan.call("typing", data)
            assert error["data"]["code"] == "not_found" and error["data"]["request_type"] == "typing"
    [error] = await dan.call("typing", {})
    assert error["data"]["code"] == "bad_request"
    await settled(clients["alice"])
    assert typing_frames(clients["alice"], chat_id) == []


@pytest.mark.gen_test(timeout=60)
async def test_nobody_types_in_a_notification_chat(harness):
    _, answer = await harness.post("/api/v1/notifications/bookings", {
        "event_id": "evt-1", "user_id": "anna", "source": "bot", "event": "created",
        "booking": {"id": 42}})
    anna = await harness.connect("anna", version=2)
    assert by_id(anna.initial_chats, answer["chat_id"])["kind"] == "bot_bookings"
    [error] = await anna.call("typing", {"chat_id": answer["chat_id"]})
    assert error["data"]["code"] == "forbidden"


@pytest.mark.gen_test(timeout=60)
async def test_typing_counts_against_the_request_limits(harness):
    clients, chat_id = await group_of(harness, {"alice": 2, "bob": 2, "carol": 2}, {})
    alice = clients["alice"]
    sent = harness.config.request_burst + 20
    for n in range(sent):
        alice.socket.write_message(json.dumps(
            {"type": "typing", "data": {"chat_id": chat_id}, "request_id": n}))
    # Only the limited ones are answered; a later request's answer (refused
    # or not) comes after all of theirs.
    await alice.call("set_presence_visible", {"visible": True})
    answers = [alice._replies[n][0] for n in sorted(alice._replies) if isinstance(n, int)]
    assert answers and all(a["data"]["code"] == "rate_limited" for a in answers)
