"""Sends arriving together are committed together, and each sender still gets
its own message back, only once it is stored; a repeated client_msg_id in
the same batch still makes one message."""

import asyncio

import pytest

from tests.support.harness import by_id

SENDERS = 12


@pytest.mark.gen_test(timeout=90)
async def test_concurrent_sends_share_commits_and_each_is_acknowledged_with_its_own(harness):
    app = harness.server.store.app
    batches: list[int] = []  # messages posted by each transaction
    deliver = app.on_recorded  # the hook live delivery is fed from, once per transaction

    def counted(notes):
        batches.append(len(notes["committed"].posted))
        deliver(notes)

    app.on_recorded = counted
    users = [f"user{n}" for n in range(SENDERS)]
    clients = [await harness.connect(user) for user in users]
    [created] = await clients[0].call("create_chat", {
        "with_user_id": [{"user_id": user} for user in users[1:]], "chat_name": "Все"})
    chat_id = created["data"][0]["chat_id"]
    batches.clear()

    def send(client, text, client_msg_id):
        return client.call("send_message", {"chat_id": chat_id, "content": text,
                                            "client_msg_id": client_msg_id})

    # Each sender sends twice at once with one client_msg_id: a resend racing the original.
    replies = await asyncio.gather(*(
        send(client, f"from {client.user_id}", f"m-{client.user_id}")
        for client in clients for _ in range(2)))

    ids = {}
    for client, reply in zip([c for c in clients for _ in range(2)], replies):
        [sent] = [frame for frame in reply if frame["type"] == "chat_messages"] or [reply[0]]
        assert sent["type"] == "chat_messages", reply
        mine = [m for m in sent["data"] if m["content"] == f"from {client.user_id}"]
        assert mine, "the reply holds the sender's own message"
        ids.setdefault(client.user_id, set()).add(mine[-1]["id"])
    assert all(len(message_ids) == 1 for message_ids in ids.values())

    history = [r for r in await clients[0].call("get_chat_messages", {"chat_id": chat_id})
               if r["type"] == "chat_messages"][0]["data"]
    assert sorted(m["content"] for m in history) == sorted(f"from {user}" for user in users)
    assert max(batches) > 1, batches  # some commits carried several messages
    # Sending reads the chat: unread for a sender is what came after their message.
    after = len(history) - 1 - [m["sender"] for m in history].index(users[1])
    assert by_id(await clients[1].chats(), chat_id)["unread"] == after
