"""The read side is derived: unread counts equal a recomputation from the
events after a random workload, and a rebuild gives the same views."""

import random

import pytest

from domain.chat import Chat
from domain.message import Message
from domain.reading import Reading
from messenger.store.store import Store, drop_view
from tests.support.harness import by_id

USERS = ("anna", "boris", "vera", "gleb")


def unread_from_events(app) -> dict[tuple[str, str], int]:
    """(chat_id, user) -> unread, replayed from the stored events with the
    product's rules, independently of the projection."""
    members: dict[str, list[str]] = {}
    messages: dict[str, list[tuple[str, str]]] = {}
    read_upto: dict[tuple[str, str], int] = {}
    deleted: set[str] = set()
    for notification in app.recorder.select_notifications(start=1, limit=1_000_000):
        event = app.mapper.to_domain_event(notification)
        if isinstance(event, (Chat.Started, Chat.Reopened)):
            chat_id = str(event.originator_id)
            members.setdefault(chat_id, getattr(event, "members", None) or members.get(chat_id))
            messages[chat_id] = []
            for user in members[chat_id]:
                read_upto[chat_id, user] = 0
        elif isinstance(event, Chat.Deleted):
            messages.pop(str(event.originator_id))
        elif isinstance(event, Message.Posted):
            chat_id = str(event.chat_id)
            if chat_id in messages:
                messages[chat_id].append((str(event.originator_id), event.sender))
                read_upto[chat_id, event.sender] = len(messages[chat_id])
        elif isinstance(event, Message.Deleted):
            deleted.add(str(event.originator_id))
        elif isinstance(event, Reading.Advanced):
            chat_id = str(event.chat_id)
            position = [m for m, _ in messages[chat_id]].index(str(event.message_id)) + 1
            key = chat_id, event.user_id
            read_upto[key] = max(read_upto[key], position)
    return {
        (chat_id, user): sum(1 for message, sender in history[read_upto[chat_id, user]:]
                             if sender != user and message not in deleted)
        for chat_id, history in messages.items() for user in members[chat_id]
    }


def unread_in_view(view) -> dict[tuple[str, str], int]:
    return {(chat.chat_id, user): chat.unread
            for user in USERS for chat in view.chat_list(user)}


@pytest.mark.gen_test(timeout=120)
async def test_unread_counts_equal_a_recomputation_from_the_events_and_survive_a_rebuild(
        harness, config):
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    clients = {user: await harness.connect(user) for user in USERS}
    chat_ids = []
    for creator, others in [("anna", ["boris", "vera", "gleb"]), ("boris", ["vera"]),
                            ("gleb", ["anna"])]:
        [reply] = await clients[creator].call(
            "create_chat", {"with_user_id": [{"user_id": user} for user in others]})
        chat_ids.append(reply["data"][0]["chat_id"])
    members = {chat_id: [u["user_id"] for u in by_id(
        (await clients["anna"].chats()) + (await clients["boris"].chats()), chat_id)["users"]]
        for chat_id in chat_ids}

    sent: dict[str, list[tuple[str, str]]] = {chat_id: [] for chat_id in chat_ids}
    for step in range(100):
        chat_id = rng.choice(chat_ids)
        user = rng.choice(members[chat_id])
        roll = rng.random()
        if roll < 0.6:
            replies = await clients[user].call("send_message", {"chat_id": chat_id,
                                                                "content": f"{step}"})
            sent[chat_id].append((replies[1]["data"][-1]["id"], user))
        elif roll < 0.7 and sent[chat_id]:
            message_id, sender = sent[chat_id].pop(rng.randrange(len(sent[chat_id])))
            await clients[sender].call("delete_message", {"message_id": message_id})
        elif roll < 0.8 and sent[chat_id]:
            message_id, sender = rng.choice(sent[chat_id])
            await clients[sender].call("edit_message", {"message_id": message_id,
                                                        "content": f"edited {step}"})
        elif roll < 0.9 and sent[chat_id]:
            message_id, _ = rng.choice(sent[chat_id])
            await clients[user].call("mark_read", {"chat_id": chat_id, "message_id": message_id})
        else:
            await clients[user].call("get_chat_messages", {"chat_id": chat_id})

    store = harness.server.store
    expected = unread_from_events(store.app)
    assert unread_in_view(store.view) == {key: n for key, n in expected.items()
                                          if key[1] in USERS}, f"seed {seed}"
    for user, client in clients.items():
        shown = {chat["chat_id"]: chat["unread"] for chat in await client.chats()
                 if chat["chat_id"] in chat_ids}
        assert shown == {c: expected[c, user] for c in chat_ids if user in members[c]}, seed

    views_before = {user: (store.view.chat_list(user), [
        store.view.messages(chat.chat_id) for chat in store.view.chat_list(user)]) for user in USERS}
    await harness.stop()
    drop_view(config)
    rebuilt = Store(config)
    rebuilt.lead()
    try:
        rebuilt.wait_for_view(timeout_s=30)
        views_after = {user: (rebuilt.view.chat_list(user), [
            rebuilt.view.messages(chat.chat_id) for chat in rebuilt.view.chat_list(user)])
            for user in USERS}
    finally:
        rebuilt.close()
    assert views_after == views_before
    await harness.start()  # for the fixture's teardown
