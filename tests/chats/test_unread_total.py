"""Every chat list says the user's unread over the chats in it, and every
version 2 unread frame says it too, live after each message, read and
deletion: the number an app's badge shows (archived chats are not in it)."""

import json

import pytest
import tornado.websocket

from tests.support.harness import PROTOCOL, by_id


def total_of(frame: dict) -> int:
    assert frame["unread_total"] == sum(chat["unread"] for chat in frame["data"])
    return frame["unread_total"]


def unread_in(frame: dict, chat_id: str) -> int | None:
    return next((chat["unread"] for chat in frame["data"] if chat["chat_id"] == chat_id), None)


async def first_list(harness, user: str, version: int) -> dict:
    """The chat_list frame a new connection of `user` starts with."""
    socket = await tornado.websocket.websocket_connect(
        f"{harness.url}?token={harness.tokens.issue(user, '')}&v={version}")
    try:
        frame = json.loads(await socket.read_message())
    finally:
        socket.close()
    PROTOCOL.validate(frame)
    assert frame["type"] == "chat_list"
    return frame


@pytest.mark.gen_test(timeout=90)
async def test_the_total_follows_every_message_read_and_deletion_in_both_versions(harness):
    anna = await harness.connect("anna", version=2)
    boris = await harness.connect("boris")  # version 1
    vera = await harness.connect("vera", version=2)
    [direct] = await anna.call("create_chat", {"with_user_id": [{"user_id": "boris"}]})
    [group] = await anna.call("create_chat", {"with_user_id": [
        {"user_id": "boris"}, {"user_id": "vera"}], "chat_name": "Салон"})
    direct, group = direct["data"]["chat_id"], group["data"]["chat_id"]

    # Each new message: every v2 recipient's unread frame carries their total.
    await boris.call("send_message", {"chat_id": direct, "content": "Раз"})
    frame = await anna.push("unread", lambda f: f["data"]["chat_id"] == direct)
    assert (frame["data"]["unread"], frame["data"]["unread_total"]) == (1, 1)
    [sent] = await vera.call("send_message", {"chat_id": group, "content": "Два"})
    frame = await anna.push("unread", lambda f: f["data"]["chat_id"] == group)
    assert (frame["data"]["unread"], frame["data"]["unread_total"]) == (1, 2)
    listed = await boris.push("chat_list", lambda f: unread_in(f, group) == 1)
    assert total_of(listed) == 1
    await boris.call("send_message", {"chat_id": group, "content": "Три"})
    frame = await anna.push("unread", lambda f: f["data"]["unread"] == 2)
    assert frame["data"] == {"chat_id": group, "unread": 2, "mentions_unread": 0,
                             "unread_total": 3}
    frame = await vera.push("unread", lambda f: f["data"]["chat_id"] == group
                            and f["data"]["unread"] == 1)
    assert frame["data"]["unread_total"] == 1

    # Both versions' lists say the same total, the sum of the chats they list.
    for version in (1, 2):
        assert total_of(await first_list(harness, "anna", version)) == 3
    boris_list = await boris.call("get_chat_messages", {"chat_id": boris.support_chat_id})
    assert total_of(boris_list[1]) == 0

    # A deletion and a read move it; the reader's reply and other connections say so.
    await vera.call("delete_message", {"message_id": sent["data"]["id"]})
    frame = await anna.push("unread", lambda f: f["data"]["chat_id"] == group
                            and f["data"]["unread"] == 1)
    assert frame["data"]["unread_total"] == 2
    laptop = await harness.connect("anna", version=2)
    [read] = await laptop.call("get_chat_messages", {"chat_id": direct})
    frame = await anna.push("unread", lambda f: f["data"]["chat_id"] == direct)
    assert (frame["data"]["unread"], frame["data"]["unread_total"]) == (0, 1)
    [marked] = await anna.call("mark_read", {"chat_id": direct,
                                             "message_id": read["data"][-1]["id"]})
    assert marked["data"]["unread_total"] == 1


@pytest.mark.gen_test(timeout=90)
async def test_archived_chats_are_out_of_the_total_until_a_message_brings_them_back(harness):
    anna = await harness.connect("anna")
    boris = await harness.connect("boris", version=2)
    [direct] = await boris.call("create_chat", {"with_user_id": [{"user_id": "anna"}]})
    direct = direct["data"]["chat_id"]
    await boris.call("send_message", {"chat_id": direct, "content": "Ты где?"})
    [shown] = await anna.call("archive_chat", {"chat_id": direct})
    assert total_of(shown) == 0
    [shelf] = await anna.call("get_archived_chats", {})
    assert by_id(shelf["data"], direct)["unread"] == 1 and "unread_total" not in shelf

    await boris.call("send_message", {"chat_id": direct, "content": "Ау!"})
    listed = await anna.push("chat_list", lambda f: unread_in(f, direct) == 2)
    assert total_of(listed) == 2
    await anna.call("archive_chat", {"chat_id": direct})
    anna_v2 = await harness.connect("anna", version=2)
    await boris.call("send_message", {"chat_id": boris.support_chat_id, "content": "?"})
    await anna_v2.call("unarchive_chat", {"chat_id": direct})
    listed = await anna.push("chat_list", lambda f: unread_in(f, direct) == 2)
    assert total_of(listed) == 2
    for version in (1, 2):
        assert total_of(await first_list(harness, "anna", version)) == 2
