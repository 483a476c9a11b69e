"""A group of three: admin rules, unread and is_read with several readers, paging."""

import pytest

from tests.support.harness import by_id, ids


async def three_in_a_group(harness, name="Front desk"):
    anna, boris, vera = [await harness.connect(user) for user in ("anna", "boris", "vera")]
    [reply] = await anna.call("create_chat", {
        "created_by_user_id": "anna", "with_user_id": [{"user_id": "boris"}, {"user_id": "vera"}],
        "chat_name": name})
    chat_id = reply["data"][0]["chat_id"]
    for member in (boris, vera):
        await member.push("chat_list", lambda f: chat_id in ids(f["data"]))
    return anna, boris, vera, chat_id


@pytest.mark.gen_test(timeout=60)
async def test_a_group_is_made_by_its_admin_and_only_the_admin_changes_it(harness):
    anna, boris, vera, chat_id = await three_in_a_group(harness)
    chat = by_id(await vera.chats(), chat_id)
    assert chat["IsGroupChat"] is True and chat["group_admin"] == "anna"
    assert [user["user_id"] for user in chat["users"]] == ["anna", "boris", "vera"]

    [refused] = await boris.call("rename_chat", {"chat_id": chat_id, "new_name": "Mine now"})
    assert refused["data"]["code"] == "forbidden" and refused["data"]["request_type"] == "rename_chat"
    [refused] = await vera.call("delete_chat", {"chat_id": chat_id})
    assert refused["data"]["code"] == "forbidden"
    assert by_id(await boris.chats(), chat_id)["chat_name"] == "Front desk"

    await anna.call("rename_chat", {"chat_id": chat_id, "new_name": "Reception"})
    for member in (boris, vera):
        await member.push("chat_list", lambda f: chat_id in ids(f["data"])
                          and by_id(f["data"], chat_id)["chat_name"] == "Reception")

    await anna.call("delete_chat", {"chat_id": chat_id})
    for member in (boris, vera):
        await member.push("chat_list", lambda f: chat_id not in ids(f["data"]))
    [gone] = await boris.call("get_chat_messages", {"chat_id": chat_id})
    assert gone["data"]["code"] == "not_found"


@pytest.mark.gen_test(timeout=60)
async def test_a_message_is_read_once_every_other_member_has_read_it(harness):
    anna, boris, vera, chat_id = await three_in_a_group(harness)
    await anna.call("send_message", {"chat_id": chat_id, "content": "Inventory at 5"})
    await anna.call("send_message", {"chat_id": chat_id, "content": "Bring the list"})
    assert by_id(await boris.chats(), chat_id)["unread"] == 2
    assert by_id(await vera.chats(), chat_id)["unread"] == 2

    opened = await boris.call("get_chat_messages", {"chat_id": chat_id})
    assert [m["is_read"] for m in opened[0]["data"]] == [False, False]  # Vera has not read yet
    assert by_id(opened[1]["data"], chat_id)["unread"] == 0
    assert by_id(await vera.chats(), chat_id)["unread"] == 2

    opened = await vera.call("get_chat_messages", {"chat_id": chat_id})
    assert [m["is_read"] for m in opened[0]["data"]] == [True, True]

    # Boris writes: it is unread for Anna and Vera, and Anna's messages stay read.
    await boris.call("send_message", {"chat_id": chat_id, "content": "On my way"})
    assert by_id(await anna.chats(), chat_id)["unread"] == 1
    history = await anna.call("get_chat_messages", {"chat_id": chat_id})
    assert [(m["sender"], m["is_read"]) for m in history[0]["data"]] == [
        ("anna", True), ("anna", True), ("boris", False)]


@pytest.mark.gen_test(timeout=60)
async def test_history_pages_backwards_oldest_first(harness):
    anna, boris, vera, chat_id = await three_in_a_group(harness)
    for number in range(1, 8):
        await anna.call("send_message", {"chat_id": chat_id, "content": f"m{number}"})

    newest = await boris.call("get_chat_messages", {"chat_id": chat_id, "limit": 3})
    assert [m["content"] for m in newest[0]["data"]] == ["m5", "m6", "m7"]
    older = await boris.call("get_chat_messages", {
        "chat_id": chat_id, "limit": 3, "before": newest[0]["data"][0]["id"]})
    assert [m["content"] for m in older[0]["data"]] == ["m2", "m3", "m4"]
    oldest = await boris.call("get_chat_messages", {
        "chat_id": chat_id, "limit": 3, "before": older[0]["data"][0]["id"]})
    assert [m["content"] for m in oldest[0]["data"]] == ["m1"]
    everything = await boris.call("get_chat_messages", {"chat_id": chat_id})
    assert [m["content"] for m in everything[0]["data"]] == [f"m{n}" for n in range(1, 8)]


@pytest.mark.gen_test(timeout=60)
async def test_a_live_message_carries_a_bounded_window_of_history(harness, config):
    anna, boris, vera, chat_id = await three_in_a_group(harness)
    window = config.messages_window
    for number in range(window + 3):
        await anna.call("send_message", {"chat_id": chat_id, "content": f"m{number}"})
    replies = await anna.call("send_message", {"chat_id": chat_id, "content": "last"})
    shown = replies[1]["data"]
    assert len(shown) == window
    assert shown[-1]["content"] == "last" and shown[0]["content"] == "m4"


@pytest.mark.gen_test(timeout=60)
async def test_creating_a_chat_with_unknown_users_registers_them(harness):
    anna = await harness.connect("anna")
    [reply] = await anna.call("create_chat", {
        "with_user_id": [{"user_id": "new-hire-1"}, {"user_id": "new-hire-2"}]})
    chat = reply["data"][0]
    assert chat["IsGroupChat"] is True
    newcomer = await harness.connect("new-hire-1")
    assert chat["chat_id"] in ids(newcomer.initial_chats)
    assert sum(c["is_tech_support"] for c in newcomer.initial_chats) == 1
