"""Typing and presence across two `run.py serve` processes on one store, as
behind a load balancer: on PostgreSQL they reach users connected to the
other process as signals (LISTEN/NOTIFY); a move to the other process is no
change; a killed process's users go offline once its lease runs out. On
SQLite (one process per store by design) the chat lists still agree."""

import asyncio
import json

import pytest
import tornado.websocket

from messenger.auth import Tokens
from tests.support.harness import ROOT, SECRET, Client, by_id, until
from tests.support.processes import Served, environment

HEARTBEAT_S = 1.0  # a killed process's lease runs out after three
OFFLINE_AFTER_S = 2.0  # a reconnect within it must not show, even on a loaded machine
SETTLE_S = OFFLINE_AFTER_S + 2.5  # time for an offline frame to show up, were there one


@pytest.fixture
def served(database_url, tmp_path):
    """Two processes with short presence timings, stopped after the test."""
    config = tmp_path / "cluster.toml"
    config.write_text((ROOT / "configs" / "dev.toml").read_text() + (
        f"\n[presence]\nheartbeat_s = {HEARTBEAT_S}\noffline_after_s = {OFFLINE_AFTER_S}\n"))
    env = environment(database_url, SECRET)
    processes = [Served(env, str(config)), Served(env, str(config))]
    yield processes
    for process in processes:
        if getattr(process, "process", None) is not None and process.process.poll() is None:
            process.kill()


async def connect(served: Served, user_id: str, version: int = 2) -> Client:
    socket = await tornado.websocket.websocket_connect(
        served.url(Tokens(SECRET).issue(user_id, user_id.title())) + f"&v={version}")
    client = Client(socket, user_id, version)
    client.initial_chats = await client.first_chat_list()
    return client


async def told(client, user_id: str, online: bool, timeout_s: float = 30) -> dict:
    """The next presence frame about the user saying so, however long the
    silence before it (a lease takes seconds to run out)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        try:
            return await client.push("presence", about(user_id, online))
        except asyncio.TimeoutError:
            assert asyncio.get_running_loop().time() < deadline, "no presence frame"


def about(user_id: str, online: bool):
    return lambda frame: frame["data"]["user_id"] == user_id and frame["data"]["online"] is online


async def settled(client) -> None:
    """Whatever was sent to the client before now has arrived."""
    await client.call("set_presence_visible", {"visible": True})


def presence_frames(client, user_id: str) -> list[dict]:
    return [f for f in client.pushed if f["type"] == "presence" and f["data"]["user_id"] == user_id]


def postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("one process serves a SQLite store: signals stay in-process")


@pytest.mark.gen_test(timeout=120)
async def test_typing_reaches_a_member_connected_to_the_other_process(served, database_url):
    postgres_only(database_url)
    first, second = served
    await first.start()
    await second.start()
    alice, bob = await connect(first, "alice"), await connect(second, "bob")
    alice_phone = await connect(second, "alice")
    [created] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
    chat_id = created["data"]["chat_id"]

    alice.socket.write_message(json.dumps({"type": "typing", "data": {"chat_id": chat_id}}))
    typing = await bob.push("typing")
    assert typing["data"] == {"chat_id": chat_id, "user_id": "alice", "name": "Alice",
                              "expires_in_s": 5}
    await settled(alice_phone)
    assert [f for f in alice_phone.pushed if f["type"] == "typing"] == []  # her own: none


@pytest.mark.gen_test(timeout=120)
async def test_presence_follows_a_user_across_processes_and_a_kill(served, database_url):
    postgres_only(database_url)
    first, second = served
    await first.start()
    await second.start()
    alice = await connect(first, "alice")
    bob = await connect(second, "bob")
    [created] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
    chat_id = created["data"]["chat_id"]
    await bob.push("chat_updated")
    assert next(u for u in created["data"]["users"] if u["user_id"] == "bob")["online"] is True

    bob.close()  # gone: told by the process that decided it, to alice's
    went = await alice.push("presence", about("bob", False))
    assert went["data"]["last_seen_at"] is not None
    bob = await connect(second, "bob")
    await alice.push("presence", about("bob", True))

    bob.close()  # a move to the other process, within offline_after_s: no change
    bob = await connect(first, "bob")
    await asyncio.sleep(SETTLE_S)
    await settled(alice)
    assert presence_frames(alice, "bob") == []

    bob.close()
    bob = await connect(second, "bob")
    await asyncio.sleep(SETTLE_S)  # second has written that bob is with it
    await settled(alice)
    assert presence_frames(alice, "bob") == []
    second.kill()  # bob's process dies: he is offline once its lease has run out
    went = await told(alice, "bob", online=False)
    again = await connect(first, "alice")
    bob_shown = next(u for u in by_id(again.initial_chats, chat_id)["users"]
                     if u["user_id"] == "bob")
    assert bob_shown == {"user_id": "bob", "name": "Bob", "online": False,
                         "last_seen_at": went["data"]["last_seen_at"]}


@pytest.mark.gen_test(timeout=120)
async def test_both_processes_list_the_same_presence(served, database_url):
    first, second = served
    await first.start()
    await second.start()
    bob = await connect(second, "bob")
    alice = await connect(first, "alice")
    [created] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
    chat_id = created["data"]["chat_id"]

    async def bob_as_listed(served: Served) -> dict:
        client = await connect(served, "alice")
        client.close()
        return next(u for u in by_id(client.initial_chats, chat_id)["users"]
                    if u["user_id"] == "bob")

    assert (await bob_as_listed(first))["online"] is True
    assert (await bob_as_listed(second))["online"] is True
    bob.close()

    async def offline_on_both() -> bool:
        shown = [await bob_as_listed(served) for served in (first, second)]
        return all(not entry["online"] and entry["last_seen_at"] for entry in shown)

    await until(offline_on_both)
