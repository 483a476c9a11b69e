"""Presence: version 2 shows whether a colleague is online now, or when they
were last seen, in every chat's users and in `presence` frames when it
changes; a reconnect within offline_after_s is no change; a user may hide it."""

import asyncio
from dataclasses import replace

import pytest

from tests.support.harness import Harness, by_id, until

OFFLINE_AFTER_S = 2.0  # a reconnect within it must not show, even on a loaded machine
SETTLE_S = OFFLINE_AFTER_S + 2.5  # time for an offline frame to show up, were there one


@pytest.fixture
def harness(io_loop, config):
    harness = Harness(replace(config, presence_offline_after_s=OFFLINE_AFTER_S))
    io_loop.run_sync(harness.start)
    yield harness
    io_loop.run_sync(harness.stop)


async def direct_chat(harness, one: str, other: str) -> str:
    client = await harness.connect(one, version=2)
    [reply] = await client.call("create_chat", {"with_user_id": [{"user_id": other}]})
    client.close()
    return reply["data"]["chat_id"]


async def quiet(harness) -> None:
    """What presence had to write and announce has gone out."""
    await until(lambda: harness.server.presence.idle)


def member(chat: dict, user_id: str) -> dict:
    return next(user for user in chat["users"] if user["user_id"] == user_id)


def about(user_id: str, online: bool | None = None):
    return lambda frame: frame["data"]["user_id"] == user_id and (
        online is None or frame["data"]["online"] is online)


def presence_frames(client, user_id: str) -> list[dict]:
    return [f for f in client.pushed if f["type"] == "presence" and f["data"]["user_id"] == user_id]


async def settled(client) -> None:
    """Whatever was sent to the client before now has arrived."""
    await client.call("set_presence_visible", {"visible": True})


async def shown(harness, viewer: str, chat_id: str, user_id: str) -> dict:
    """How a fresh version 2 connection of `viewer` lists `user_id` in the chat."""
    client = await harness.connect(viewer, version=2)
    entry = member(by_id(client.initial_chats, chat_id), user_id)
    client.close()
    return entry


@pytest.mark.gen_test(timeout=60)
async def test_a_colleague_coming_and_going_is_shown_online_then_last_seen(harness):
    chat_id = await direct_chat(harness, "alice", "bob")
    alice = await harness.connect("alice", version=2)
    alice_v1 = await harness.connect("alice")
    assert member(by_id(alice.initial_chats, chat_id), "bob") == {
        "user_id": "bob", "name": "", "online": False, "last_seen_at": None}  # never seen
    assert member(by_id(alice.initial_chats, chat_id), "alice")["online"] is True  # herself
    assert by_id(alice_v1.initial_chats, chat_id)["users"] == [{"user_id": "alice"},
                                                               {"user_id": "bob"}]

    bob = await harness.connect("bob", "Борис", version=2)
    came = await alice.push("presence", about("bob"))
    assert came == {"type": "presence",
                    "data": {"user_id": "bob", "online": True, "last_seen_at": None}}
    assert member(by_id(bob.initial_chats, chat_id), "alice")["online"] is True
    assert (await shown(harness, "alice", chat_id, "bob"))["online"] is True

    bob.close()
    went = await alice.push("presence", about("bob"))
    assert went["data"]["online"] is False and went["data"]["last_seen_at"] is not None
    assert await shown(harness, "alice", chat_id, "bob") == {
        "user_id": "bob", "name": "Борис", "online": False,
        "last_seen_at": went["data"]["last_seen_at"]}
    [updated] = await alice.call("rename_chat", {"chat_id": chat_id, "new_name": "Мы"})
    assert member(updated["data"], "bob")["last_seen_at"] == went["data"]["last_seen_at"]
    await settled(alice_v1)
    assert [f for f in alice_v1.pushed if f["type"] == "presence"] == []  # version 1: no frames


@pytest.mark.gen_test(timeout=60)
async def test_a_reconnect_within_offline_after_s_is_no_change(harness):
    chat_id = await direct_chat(harness, "alice", "bob")
    bob = await harness.connect("bob", version=2)
    await quiet(harness)
    alice = await harness.connect("alice", version=2)
    assert member(by_id(alice.initial_chats, chat_id), "bob")["online"] is True

    for _ in range(3):  # a flaky network: gone (the server sees it), back at once
        bob.close()
        await until(lambda: not harness.server.connections.of("bob"))
        await quiet(harness)
        bob = await harness.connect("bob", version=2)
    await asyncio.sleep(SETTLE_S)
    await settled(alice)
    assert presence_frames(alice, "bob") == []
    assert (await shown(harness, "alice", chat_id, "bob"))["online"] is True

    bob.close()  # and gone for good
    await alice.push("presence", about("bob", online=False))


@pytest.mark.gen_test(timeout=60)
async def test_a_user_online_on_two_connections_is_online_until_the_last_closes(harness):
    chat_id = await direct_chat(harness, "alice", "bob")
    phone = await harness.connect("bob", version=2)
    browser = await harness.connect("bob")
    await quiet(harness)
    alice = await harness.connect("alice", version=2)
    phone.close()
    await asyncio.sleep(SETTLE_S)
    await settled(alice)
    assert presence_frames(alice, "bob") == []
    browser.close()
    await alice.push("presence", about("bob", online=False))
    assert (await shown(harness, "alice", chat_id, "bob"))["online"] is False


@pytest.mark.gen_test(timeout=60)
async def test_presence_reaches_everyone_sharing_a_chat_and_nobody_else(harness):
    chat_id = await direct_chat(harness, "alice", "bob")
    alice = await harness.connect("alice", version=2)
    stranger = await harness.connect("carol", version=2)
    await harness.connect("bob", version=2)
    await alice.push("presence", about("bob", online=True))
    await settled(stranger)
    assert presence_frames(stranger, "bob") == []
    assert by_id(alice.initial_chats, chat_id)


@pytest.mark.gen_test(timeout=60)
async def test_a_user_who_hides_presence_is_offline_and_never_seen_to_everyone_else(harness):
    chat_id = await direct_chat(harness, "alice", "bob")
    alice = await harness.connect("alice", version=2)
    bob = await harness.connect("bob", version=2)
    await alice.push("presence", about("bob", online=True))
    stored = await harness.server.commands.query(
        harness.server.store.app.recorder.max_notification_id)

    [settings] = await bob.call("set_presence_visible", {"visible": False})
    assert settings["type"] == "presence_settings" and settings["data"] == {"visible": False}
    assert await harness.server.commands.query(
        harness.server.store.app.recorder.max_notification_id) == stored + 1  # an event
    hidden = await alice.push("presence", about("bob"))
    assert hidden["data"] == {"user_id": "bob", "online": False, "last_seen_at": None}
    assert await shown(harness, "alice", chat_id, "bob") == {
        "user_id": "bob", "name": "", "online": False, "last_seen_at": None}
    assert (await shown(harness, "bob", chat_id, "bob"))["online"] is True  # to himself
    [again] = await bob.call("set_presence_visible", {"visible": False})
    assert again["data"] == {"visible": False}

    bob.close()
    await asyncio.sleep(SETTLE_S)
    bob = await harness.connect("bob", version=2)
    await asyncio.sleep(SETTLE_S)
    await settled(alice)
    assert presence_frames(alice, "bob") == []  # nothing about him while hidden

    await bob.call("set_presence_visible", {"visible": True})
    back = await alice.push("presence", about("bob"))
    assert back["data"] == {"user_id": "bob", "online": True, "last_seen_at": None}
    assert (await shown(harness, "alice", chat_id, "bob"))["online"] is True


@pytest.mark.gen_test(timeout=60)
async def test_the_setting_is_a_boolean(harness):
    alice = await harness.connect("alice", version=2)
    for data in ({}, {"visible": "no"}, {"visible": 0}, {"visible": None}):
        [error] = await alice.call("set_presence_visible", data)
        assert error["data"]["code"] == "bad_request", data
    [settings] = await alice.call("set_presence_visible", {"visible": True})
    assert settings == {"type": "presence_settings", "data": {"visible": True},
                        "request_id": settings["request_id"]}


@pytest.mark.gen_test(timeout=60)
async def test_who_is_connected_survives_a_restart_as_last_seen(harness):
    chat_id = await direct_chat(harness, "alice", "bob")
    await harness.connect("bob", version=2)
    await harness.restart()  # bob's connection closes with the server
    alice = await harness.connect("alice", version=2)
    bob = member(by_id(alice.initial_chats, chat_id), "bob")
    if bob["online"]:  # until offline_after_s has passed since the stop
        await alice.push("presence", about("bob", online=False))
        bob = await shown(harness, "alice", chat_id, "bob")
    assert bob["online"] is False and bob["last_seen_at"] is not None


@pytest.mark.gen_test(timeout=120)
async def test_a_crowd_connecting_at_once_is_written_and_told_in_a_few_batches(harness):
    crowd = [f"staff{n}" for n in range(120)]
    await asyncio.gather(*(harness.post("/api/v1/users", {"user_id": user, "name": user})
                           for user in crowd))
    boss = await harness.connect("boss", version=2)
    await boss.call("create_chat", {"with_user_id": [{"user_id": user} for user in crowd],
                                    "chat_name": "Все"})
    await quiet(harness)
    view, writes = harness.server.store.view, []
    record = view.record_presence
    view.record_presence = lambda *args: (writes.append(args), record(*args))[1]

    await asyncio.gather(*(harness.connect(user, version=2) for user in crowd))
    told = set()
    while told != set(crowd):
        frame = await boss.push("presence", lambda f: f["data"]["online"] is True)
        assert frame["data"]["user_id"] not in told  # each once
        told.add(frame["data"]["user_id"])
    assert len(writes) <= len(crowd) / 4, f"{len(writes)} writes for {len(crowd)} users"


@pytest.mark.gen_test(timeout=60)
async def test_a_process_taken_for_dead_writes_its_connections_again(harness):
    """As when it stalled for longer than its lease and another process
    retired its users: they are shown online again once it writes."""
    chat_id = await direct_chat(harness, "alice", "bob")
    await harness.connect("bob", version=2)
    await quiet(harness)
    server = harness.server
    await server.commands.query(server.store.view.leave_process, server.signals.process_id,
                                "2026-11-24T09:00:00.000000Z", 0)
    assert not await server.commands.query(server.store.view.is_online, "bob")

    async def bob_online_again() -> bool:
        return (await server.commands.query(server.store.view.is_online, "bob")
                and (await shown(harness, "alice", chat_id, "bob"))["online"])

    await until(bob_online_again)
