"""A mention reaches a member who muted the chat, and says it is a mention;
a badge is the unread total the chat list shows (archived chats not in it)."""

import pytest

from tests.followers.test_push import apns, fcm, group, harness, offline, settled, with_device

__all__ = ["apns", "fcm", "harness"]  # the fixtures, shared with test_push.py


@pytest.mark.gen_test(timeout=90)
async def test_a_mention_pushes_through_a_mute_and_says_so(harness, fcm):
    alice = await harness.connect("alice", "Алиса")
    bob = await with_device(harness, "bob", "android", "fcm-bob")
    carol = await with_device(harness, "carol", "android", "fcm-carol")
    chat_id = await group(alice, "bob", "carol")
    for member in (bob, carol):
        await member.call("mute_chat", {"chat_id": chat_id})
    await offline(harness, bob)
    await offline(harness, carol)

    await alice.call("send_message", {"chat_id": chat_id, "content": "Общий сбор в 9"})
    await alice.call("send_message", {"chat_id": chat_id, "content": "@bob, откроешь?"})
    await settled(harness)  # a badge shows the unread count when its push is sent
    await alice.call("send_message", {"chat_id": chat_id, "content": "Спасибо",
                                      "mentions": ["carol"]})
    await settled(harness)
    assert [p["notification"] for p in fcm.to("fcm-bob")] == [
        {"title": "Алиса (alice) упоминает вас · Смена", "body": "@bob, откроешь?"}]
    assert [p["notification"] for p in fcm.to("fcm-carol")] == [
        {"title": "Алиса (alice) упоминает вас · Смена", "body": "Спасибо"}]
    assert [p["data"]["badge"] for p in fcm.to("fcm-bob")] == ["2"]


@pytest.mark.gen_test(timeout=90)
async def test_the_badge_is_the_chat_lists_unread_total_without_archived_chats(harness, fcm):
    alice = await harness.connect("alice", "Алиса")
    bob = await with_device(harness, "bob", "android", "fcm-bob")
    [direct] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
    direct = direct["data"][0]["chat_id"]
    chat_id = await group(alice, "bob", "carol")
    await alice.call("send_message", {"chat_id": direct, "content": "Лично тебе"})
    [listed] = await bob.call("archive_chat", {"chat_id": direct})
    assert listed["unread_total"] == 0
    await settled(harness)  # Bob was online for that one: no push
    await offline(harness, bob)

    await alice.call("send_message", {"chat_id": chat_id, "content": "Всем привет"})
    await settled(harness)  # a badge shows the unread count when its push is sent
    await alice.call("send_message", {"chat_id": chat_id, "content": "Кто завтра?"})
    await settled(harness)
    assert [p["data"]["badge"] for p in fcm.to("fcm-bob")] == ["1", "2"]  # not 2, 3
    bob = await harness.connect("bob")
    [_, listed] = await bob.call("get_chat_messages", {"chat_id": bob.support_chat_id})
    assert listed["unread_total"] == 2
    assert sum(chat["unread"] for chat in listed["data"]) == 2
