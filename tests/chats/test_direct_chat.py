"""Two users talk in a direct chat: the seed's functions end to end."""

import pytest

from tests.support.harness import by_id, ids


@pytest.mark.gen_test(timeout=60)
async def test_first_connection_lists_the_users_tech_support_chat(harness):
    alice = await harness.connect("alice", "Alice Smith")

    [support] = alice.initial_chats
    assert support["is_tech_support"] is True
    assert support["IsGroupChat"] is False
    assert support["is_telegram_chat"] is False
    assert [user["user_id"] for user in support["users"]] == ["alice", "support"]
    assert support["unread"] == 0
    assert support["created_at"].endswith("Z")


@pytest.mark.gen_test(timeout=60)
async def test_two_users_chat_read_and_see_unread_counts(harness):
    alice = await harness.connect("alice")
    bob = await harness.connect("bob")

    # Alice starts a direct chat; both get their chat list.
    [reply] = await alice.call("create_chat", {
        "created_by_user_id": "alice", "with_user_id": [{"user_id": "bob"}], "chat_name": "Shift swap"})
    assert reply["type"] == "chat_list"
    chat = reply["data"][0]
    assert chat["chat_name"] == "Shift swap"
    assert chat["IsGroupChat"] is False and chat["group_admin"] == ""
    assert sorted(user["user_id"] for user in chat["users"]) == ["alice", "bob"]
    pushed = await bob.push("chat_list", lambda f: chat["chat_id"] in ids(f["data"]))
    assert by_id(pushed["data"], chat["chat_id"])["chat_name"] == "Shift swap"

    # Asking again for the same pair, from either side, gives the same chat.
    [again] = await bob.call("create_chat", {"with_user_id": [{"user_id": "alice"}], "chat_name": "x"})
    assert ids(again["data"]).count(chat["chat_id"]) == 1
    assert by_id(again["data"], chat["chat_id"])["chat_name"] == "Shift swap"

    # Alice writes: her reply is the chat list then the chat's messages, with her request_id.
    replies = await alice.call("send_message", {
        "chat_id": chat["chat_id"], "sender_id": "alice", "content": "Can you take Friday?",
        "sender_fio": "Alice Smith"}, request_id="send-1")
    assert [frame["type"] for frame in replies] == ["chat_list", "chat_messages"]
    assert all(frame["request_id"] == "send-1" for frame in replies)
    assert by_id(replies[0]["data"], chat["chat_id"])["lastest_message"] == "Can you take Friday?"
    assert replies[0]["data"][0]["chat_id"] == chat["chat_id"]  # most recent activity first
    [message] = replies[1]["data"]
    assert message["sender"] == "alice" and message["content"] == "Can you take Friday?"
    assert message["is_read"] is False
    assert message["chat"]["chat_id"] == chat["chat_id"]

    # Bob sees it live, unread.
    listed = await bob.push("chat_list", lambda f: by_id(f["data"], chat["chat_id"])["unread"] == 1)
    assert by_id(listed["data"], chat["chat_id"])["lastest_message"] == "Can you take Friday?"
    history = await bob.push("chat_messages")
    assert history["data"][-1]["id"] == message["id"]
    assert history["data"][-1]["chat"]["unread"] == 1

    # Bob opens the chat: everything is read, for him and in Alice's eyes.
    opened = await bob.call("get_chat_messages", {"chat_id": chat["chat_id"]})
    assert [frame["type"] for frame in opened] == ["chat_messages", "chat_list"]
    assert [m["content"] for m in opened[0]["data"]] == ["Can you take Friday?"]
    assert by_id(opened[1]["data"], chat["chat_id"])["unread"] == 0
    seen = await alice.call("get_chat_messages", {"chat_id": chat["chat_id"]})
    assert seen[0]["data"][0]["is_read"] is True

    # Bob answers; Alice's unread goes to one, and Bob's own message never counts for him.
    await bob.call("send_message", {"chat_id": chat["chat_id"], "content": "Sure"})
    alice_chats = await alice.chats()
    bob_chats = await bob.chats()
    assert by_id(alice_chats, chat["chat_id"])["unread"] == 1
    assert by_id(bob_chats, chat["chat_id"])["unread"] == 0


@pytest.mark.gen_test(timeout=60)
async def test_either_member_renames_or_deletes_a_direct_chat(harness):
    alice = await harness.connect("alice")
    bob = await harness.connect("bob")
    [reply] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}], "chat_name": "a"})
    chat_id = reply["data"][0]["chat_id"]
    await alice.call("send_message", {"chat_id": chat_id, "content": "old news"})

    [renamed] = await bob.call("rename_chat", {"chat_id": chat_id, "new_name": "Bob's name"})
    assert by_id(renamed["data"], chat_id)["chat_name"] == "Bob's name"
    pushed = await alice.push("chat_list", lambda f: chat_id in ids(f["data"])
                              and by_id(f["data"], chat_id)["chat_name"] == "Bob's name")
    assert by_id(pushed["data"], chat_id)["updated_at"] >= by_id(pushed["data"], chat_id)["created_at"]

    [deleted] = await alice.call("delete_chat", {"chat_id": chat_id})
    assert chat_id not in ids(deleted["data"])
    await bob.push("chat_list", lambda f: chat_id not in ids(f["data"]))
    [error] = await bob.call("send_message", {"chat_id": chat_id, "content": "hello?"})
    assert error["data"]["code"] == "not_found"

    # Asking for the pair again starts the chat afresh, without the old history.
    [again] = await bob.call("create_chat", {"with_user_id": [{"user_id": "alice"}], "chat_name": "b"})
    assert by_id(again["data"], chat_id)["chat_name"] == "b"
    history = await alice.call("get_chat_messages", {"chat_id": chat_id})
    assert history[0]["data"] == []


@pytest.mark.gen_test(timeout=60)
async def test_every_connection_of_a_user_receives_broadcasts(harness):
    phone = await harness.connect("alice")
    browser = await harness.connect("alice")
    bob = await harness.connect("bob")
    [reply] = await bob.call("create_chat", {"with_user_id": [{"user_id": "alice"}]})
    chat_id = reply["data"][0]["chat_id"]
    for connection in (phone, browser):
        await connection.push("chat_list", lambda f: chat_id in ids(f["data"]))

    await phone.call("send_message", {"chat_id": chat_id, "content": "from my phone"})
    frame = await browser.push("chat_messages", lambda f: f["chat_id"] == chat_id)
    assert frame["data"][-1]["content"] == "from my phone"
    frame = await bob.push("chat_messages", lambda f: f["chat_id"] == chat_id)
    assert frame["data"][-1]["content"] == "from my phone"
    # The sending connection got its reply, not a second copy as a broadcast.
    assert not [f for f in phone.pushed if f["type"] == "chat_messages"]


@pytest.mark.gen_test(timeout=60)
async def test_a_restart_keeps_chats_messages_and_unread_counts(harness):
    alice = await harness.connect("alice")
    await harness.connect("bob")
    [reply] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}], "chat_name": "kept"})
    chat_id = reply["data"][0]["chat_id"]
    for text in ("one", "two", "three"):
        await alice.call("send_message", {"chat_id": chat_id, "content": text})

    await harness.restart()

    bob = await harness.connect("bob")
    chat = by_id(bob.initial_chats, chat_id)
    assert chat["chat_name"] == "kept" and chat["unread"] == 3
    assert chat["lastest_message"] == "three"
    history = await bob.call("get_chat_messages", {"chat_id": chat_id})
    assert [m["content"] for m in history[0]["data"]] == ["one", "two", "three"]
    alice = await harness.connect("alice")
    await alice.call("send_message", {"chat_id": chat_id, "content": "four"})
    assert by_id(await bob.chats(), chat_id)["unread"] == 1


@pytest.mark.gen_test(timeout=60)
async def test_a_resend_with_the_same_client_msg_id_stores_one_message(harness):
    alice = await harness.connect("alice")
    [reply] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
    chat_id = reply["data"][0]["chat_id"]
    first = await alice.call("send_message", {"chat_id": chat_id, "content": "once",
                                              "client_msg_id": "phone-42"})
    alice.close()
    alice = await harness.connect("alice")  # reconnected, unsure whether it went through
    again = await alice.call("send_message", {"chat_id": chat_id, "content": "once",
                                              "client_msg_id": "phone-42"})
    assert again[1]["data"][-1]["id"] == first[1]["data"][-1]["id"]
    history = await alice.call("get_chat_messages", {"chat_id": chat_id})
    assert [m["content"] for m in history[0]["data"]] == ["once"]


@pytest.mark.gen_test(timeout=60)
async def test_messages_of_a_deleted_chat_stay_gone_when_it_is_started_again(harness):
    alice = await harness.connect("alice")
    [reply] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
    chat_id = reply["data"][0]["chat_id"]
    sent = await alice.call("send_message", {"chat_id": chat_id, "content": "before",
                                             "client_msg_id": "m-1"})
    old = sent[1]["data"][-1]["id"]
    await alice.call("delete_chat", {"chat_id": chat_id})
    await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
    for kind, data in [("edit_message", {"message_id": old, "content": "x"}),
                       ("delete_message", {"message_id": old})]:
        [error] = await alice.call(kind, data)
        assert error["data"]["code"] == "not_found", kind
    [other] = await alice.call("create_chat", {"with_user_id": [{"user_id": "carol"}]})
    [reused] = await alice.call("send_message", {"chat_id": other["data"][0]["chat_id"],
                                                 "content": "x", "client_msg_id": "m-1"})
    assert reused["data"]["code"] == "bad_request"
