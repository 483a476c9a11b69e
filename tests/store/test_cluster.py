"""Two `run.py serve` processes on one store, as behind a load balancer:
users on different processes chat live, pushes and Telegram posts go out once,
and a process killed mid-conversation loses nothing."""

import asyncio

import pytest
import tornado.websocket

from messenger.auth import Tokens
from tests.support.harness import SECRET, Client, until
from tests.support.processes import Served
from tests.support.senders import Sender

SETTLE_S = 1.5  # time for a double to show up, if there were one


async def connect(served: Served, user_id: str) -> Client:
    socket = await tornado.websocket.websocket_connect(
        served.url(Tokens(SECRET).issue(user_id, user_id.title())))
    client = Client(socket, user_id)
    client.initial_chats = await client.first_chat_list()
    client.support_chat_id = next(c["chat_id"] for c in client.initial_chats
                                  if c["is_tech_support"])
    return client


def live(content: str):
    return lambda frame: frame["data"][-1]["content"] == content


async def send(client: Client, chat_id: str, content: str) -> None:
    replies = await client.call("send_message", {"chat_id": chat_id, "content": content})
    assert replies[0]["type"] != "error", replies


@pytest.mark.gen_test(timeout=180)
async def test_two_processes_one_store_and_a_kill_in_the_middle(env, telegram, fcm):
    first, second = Served(env), Served(env)
    try:
        await first.start()
        await second.start()
        carol = await connect(first, "carol")
        await carol.call("register_device", {"platform": "android", "token": "fcm-carol"})
        carol.close()
        bob = await connect(second, "bob")
        await bob.call("register_device", {"platform": "android", "token": "fcm-bob"})
        alice = await connect(first, "alice")

        [created] = await alice.call("create_chat", {
            "with_user_id": [{"user_id": "bob"}, {"user_id": "carol"}], "chat_name": "Смена"})
        chat_id = created["data"][0]["chat_id"]
        await bob.push("chat_list", lambda f: any(c["chat_id"] == chat_id for c in f["data"]))

        await send(alice, chat_id, "from the first process")
        await bob.push("chat_messages", live("from the first process"))
        await send(bob, chat_id, "from the second process")
        await alice.push("chat_messages", live("from the second process"))
        await send(alice, alice.support_chat_id, "help from the first process")
        # A post or push is recorded as sent just after the provider took it: a
        # kill in between repeats it (README, "Limits and guarantees"). Kill after.
        await until(lambda: len(telegram.sent) == 1 and len(fcm.to("fcm-carol")) == 2)
        await asyncio.sleep(SETTLE_S)

        first.kill()  # alice's process, and the one that started first
        await send(bob, chat_id, "while the first is down")
        first = Served(env)
        await first.start()
        alice = await connect(first, "alice")
        await send(alice, chat_id, "after the restart")
        await bob.push("chat_messages", live("after the restart"))
        await send(bob, bob.support_chat_id, "help from the second process")

        [history] = [r for r in await alice.call("get_chat_messages", {"chat_id": chat_id})
                     if r["type"] == "chat_messages"]
        sent = ["from the first process", "from the second process", "while the first is down",
                "after the restart"]
        assert [m["content"] for m in history["data"]] == sent

        # Carol is offline everywhere: one push per message. Bob is connected
        # to the second process, which every process can see: none for him.
        await until(lambda: len(fcm.to("fcm-carol")) >= len(sent))
        await until(lambda: len(telegram.sent) >= 2)
        await asyncio.sleep(SETTLE_S)
        assert [p["notification"]["body"] for p in fcm.to("fcm-carol")] == sent
        assert fcm.to("fcm-bob") == []
        assert [p["text"].split("\n")[1] for p in telegram.sent] == [
            "help from the first process", "help from the second process"]
    finally:
        for served in (first, second):
            if getattr(served, "process", None) is not None and served.process.poll() is None:
                await served.stop()


@pytest.mark.gen_test(timeout=180)
async def test_a_rolling_restart_loses_no_message(env):
    servers = [Served(env), Served(env)]
    try:
        for served in servers:
            await served.start()
        senders = [Sender(user) for user in ("s1", "s2", "s3")]
        for sender in senders:
            await sender.connect(servers[0])
        created = await senders[0].request({"type": "create_chat", "request_id": "c", "data": {
            "with_user_id": [{"user_id": "s2"}, {"user_id": "s3"}], "chat_name": "Смена"}})
        chat_id = created["data"]["chat_id"]

        for restarting in (0, 1):  # each process in turn, as a deployment does
            load = [asyncio.ensure_future(s.send_until_cut(chat_id)) for s in senders]
            await asyncio.sleep(1.0)
            assert await servers[restarting].stop() == 0  # SIGTERM
            await asyncio.gather(*load)
            assert [s.close_code for s in senders] == [1012] * len(senders)
            other = servers[1 - restarting]
            for sender in senders:  # what a client does on 1012: reconnect, resend
                await sender.connect(other)
                if sender.unanswered is not None:
                    reply = await sender.request(sender.unanswered)
                    assert reply["type"] == "message_new", reply
                    sender.acknowledged.append(sender.unanswered["data"]["content"])
                    sender.unanswered = None
            servers[restarting] = Served(env)
            await servers[restarting].start()

        history = await senders[0].request({"type": "get_chat_messages", "request_id": "h",
                                            "data": {"chat_id": chat_id, "limit": 1000}})
        stored = [m["content"] for m in history["data"]]
        acknowledged = [c for s in senders for c in s.acknowledged if int(c.split()[1]) % 5]
        assert len(acknowledged) > 20, "the load was light; nothing was proven"
        assert sorted(stored) == sorted(acknowledged)  # each once, none lost
        for sender in senders:
            sender.socket.close()
    finally:
        for served in servers:
            if getattr(served, "process", None) is not None and served.process.poll() is None:
                await served.stop()
