"""`kill -9` of the server while clients are sending: after the restart every
acknowledged message is in history exactly once (and a resend of one that was
not acknowledged, with its client_msg_id, makes it exist once), the views catch
up, and pushes and Telegram posts resume without losing any."""

import asyncio
import collections

import pytest

from tests.support.harness import until
from tests.support.processes import Served
from tests.support.senders import Sender

SENDERS = ("s1", "s2", "s3", "s4")
LOAD_S = 1.5
SETTLE_S = 1.5


@pytest.mark.gen_test(timeout=180)
async def test_kill_under_load_loses_nothing_acknowledged(env, fcm, telegram):
    served = Served(env)
    await served.start()
    try:
        senders = [Sender(user) for user in SENDERS]
        for sender in senders:
            await sender.connect(served)
        carol = Sender("carol")
        await carol.connect(served)
        await carol.request({"type": "register_device", "request_id": "d", "data": {
            "platform": "android", "token": "fcm-carol"}})
        carol.socket.close()
        created = await senders[0].request({"type": "create_chat", "request_id": "c", "data": {
            "with_user_id": [{"user_id": user} for user in (*SENDERS[1:], "carol")],
            "chat_name": "Смена"}})
        chat_id = created["data"]["chat_id"]

        load = [asyncio.ensure_future(sender.send_until_cut(chat_id)) for sender in senders]
        await asyncio.sleep(LOAD_S)
        served.kill()
        await asyncio.gather(*load)

        served = Served(env)
        await served.start()
        for sender in senders:
            await sender.connect(served)
            if sender.unanswered is not None:  # as a client does after reconnecting
                reply = await sender.request(sender.unanswered)
                assert reply["type"] == "message_new", reply
                sender.acknowledged.append(sender.unanswered["data"]["content"])

        history = await senders[0].request({"type": "get_chat_messages", "request_id": "h",
                                            "data": {"chat_id": chat_id, "limit": 1000}})
        stored = [m["content"] for m in history["data"]]
        acknowledged = [c for s in senders for c in s.acknowledged if int(c.split()[1]) % 5]
        assert len(acknowledged) > 20, "the load was light; nothing was proven"
        counts = collections.Counter(stored)
        assert {c: counts[c] for c in acknowledged} == {c: 1 for c in acknowledged}
        assert all(n == 1 for n in counts.values())

        # Every stored message is pushed to Carol, and every support message
        # posted. The one in hand at the kill may go out twice (README).
        support = [c for s in senders for c in s.acknowledged if int(c.split()[1]) % 5 == 0]
        await until(lambda: set(stored) <= {p["notification"]["body"]
                                            for p in fcm.to("fcm-carol")}, 60)
        await until(lambda: set(support) <= {p["text"].split("\n")[1] for p in telegram.sent}, 60)
        await asyncio.sleep(SETTLE_S)
        pushed = collections.Counter(p["notification"]["body"] for p in fcm.to("fcm-carol"))
        posted = collections.Counter(p["text"].split("\n")[1] for p in telegram.sent)
        assert sum(pushed.values()) - len(pushed) <= 1, pushed.most_common(3)
        assert sum(posted.values()) - len(posted) <= 1, posted.most_common(3)
        for sender in senders:
            sender.socket.close()
    finally:
        if served.process.poll() is None:
            await served.stop()
