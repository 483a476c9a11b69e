"""A version-1 and a version-2 client in the same group see the same adds,
removals, edits, deletions and read receipts, each in its protocol's shape."""

import pytest

from tests.support.harness import by_id, ids


def users_of(chat: dict) -> list[str]:
    return [user["user_id"] for user in chat["users"]]


@pytest.mark.gen_test(timeout=90)
async def test_members_edits_deletions_and_receipts_in_both_versions(harness):
    anna = await harness.connect("anna", "Анна")  # version 1, the admin
    boris = await harness.connect("boris", version=2)
    vera = await harness.connect("vera")  # version 1
    gleb = await harness.connect("gleb", version=2)

    [reply] = await anna.call("create_chat", {"with_user_id": [{"user_id": "boris"},
                                                               {"user_id": "dima"}],
                                              "chat_name": "Салон"})
    chat_id = reply["data"][0]["chat_id"]
    created = await boris.push("chat_updated", lambda f: f["data"]["chat_id"] == chat_id)
    assert created["data"]["IsGroupChat"] is True and created["data"]["group_admin"] == "anna"

    # Adding several users at once: admin only.
    [refused] = await boris.call("add_user", {"chat_id": chat_id,
                                              "with_user_id": [{"user_id": "vera"}]})
    assert refused["data"]["code"] == "forbidden"
    [added] = await anna.call("add_user", {"chat_id": chat_id, "with_user_id": [
        {"user_id": "vera"}, {"user_id": "gleb"}]})
    assert users_of(by_id(added["data"], chat_id)) == ["anna", "boris", "dima", "vera", "gleb"]
    await boris.push("chat_updated", lambda f: "gleb" in users_of(f["data"]))
    await gleb.push("chat_updated", lambda f: f["data"]["chat_id"] == chat_id)
    await vera.push("chat_list", lambda f: chat_id in ids(f["data"]))

    # A message: version 2 gets it once, with the new unread count.
    sent = await anna.call("send_message", {"chat_id": chat_id, "content": "Привет"})
    message_id = sent[1]["data"][-1]["id"]
    new = await boris.push("message_new", lambda f: f["data"]["id"] == message_id)
    assert new["data"]["content"] == "Привет" and new["data"]["chat_id"] == chat_id
    assert new["data"]["edited_at"] is None and new["data"]["deleted"] is False
    assert (await boris.push("unread"))["data"] == {"chat_id": chat_id, "unread": 1,
                                                     "mentions_unread": 0, "unread_total": 1}
    await vera.push("chat_messages", lambda f: f["data"][-1]["id"] == message_id)

    # Only the sender edits; both versions see the new text and when it changed.
    [refused] = await boris.call("edit_message", {"message_id": message_id, "content": "x"})
    assert refused["data"]["code"] == "forbidden"
    edited = await anna.call("edit_message", {"message_id": message_id, "content": "Привет всем"})
    assert [f["type"] for f in edited] == ["chat_list", "chat_messages"]
    assert by_id(edited[0]["data"], chat_id)["lastest_message"] == "Привет всем"
    delta = await boris.push("message_edited")
    assert delta["data"]["content"] == "Привет всем" and delta["data"]["edited_at"]
    shown = await vera.push("chat_messages", lambda f: f["data"][-1]["edited_at"])
    assert shown["data"][-1]["content"] == "Привет всем"

    # Only its sender deletes a message (CONTRACT.md: not even the admin); it shows as deleted.
    [boris_says] = await boris.call("send_message", {"chat_id": chat_id, "content": "Ой"})
    boris_message = boris_says["data"]["id"]
    for other in (vera, anna):
        [refused] = await other.call("delete_message", {"message_id": boris_message})
        assert refused["data"]["code"] == "forbidden"
    [gone] = await boris.call("delete_message", {"message_id": boris_message})
    assert gone["data"]["deleted"] is True and gone["data"]["content"] == ""
    shown = await anna.push("chat_list", lambda f: by_id(f["data"], chat_id)["lastest_message"]
                            == "Привет всем")
    assert by_id(shown["data"], chat_id)["unread"] == 0
    [again] = await boris.call("edit_message", {"message_id": boris_message, "content": "?"})
    assert again["data"]["code"] == "not_found"

    # Read receipts: Gleb (v2) learns that Vera (v1) read up to Anna's message.
    [listed] = await vera.call("mark_read", {"chat_id": chat_id, "message_id": message_id})
    assert by_id(listed["data"], chat_id)["unread"] == 0
    receipt = await gleb.push("read_receipt", lambda f: f["data"]["user_id"] == "vera")
    assert receipt["data"] == {"chat_id": chat_id, "user_id": "vera", "message_id": message_id}
    [unread] = await gleb.call("mark_read", {"chat_id": chat_id, "message_id": message_id})
    assert unread == {"type": "unread", "data": {"chat_id": chat_id, "unread": 0,
                                                 "mentions_unread": 0, "unread_total": 0},
                      "request_id": unread["request_id"]}

    # Removing and leaving: the removed see the chat go; a leaving admin hands over.
    [removed] = await anna.call("remove_user", {"chat_id": chat_id,
                                                "with_user_id": [{"user_id": "gleb"}]})
    assert "gleb" not in users_of(by_id(removed["data"], chat_id))
    assert (await gleb.push("chat_removed"))["data"] == {"chat_id": chat_id}
    [left] = await anna.call("leave_chat", {"chat_id": chat_id})
    assert chat_id not in ids(left["data"])
    handed = await boris.push("chat_updated", lambda f: f["data"]["group_admin"] != "anna")
    assert handed["data"]["group_admin"] == "boris"
    assert users_of(handed["data"]) == ["boris", "dima", "vera"]
    [outside] = await anna.call("get_chat_messages", {"chat_id": chat_id})
    assert outside["data"]["code"] == "not_found"


@pytest.mark.gen_test(timeout=60)
async def test_version_2_pages_history_by_default(harness):
    anna = await harness.connect("anna", version=2)
    [reply] = await anna.call("create_chat", {"with_user_id": [{"user_id": "boris"}]})
    chat_id = reply["data"]["chat_id"]
    for number in range(55):
        await anna.call("send_message", {"chat_id": chat_id, "content": f"m{number}"})
    [page] = await anna.call("get_chat_messages", {"chat_id": chat_id})
    assert len(page["data"]) == 50 and page["has_more"] is True
    assert page["data"][0]["content"] == "m5" and page["data"][-1]["content"] == "m54"
    [rest] = await anna.call("get_chat_messages", {"chat_id": chat_id,
                                                   "before": page["data"][0]["id"]})
    assert [m["content"] for m in rest["data"]] == [f"m{n}" for n in range(5)]
    assert rest["has_more"] is False


@pytest.mark.gen_test(timeout=60)
async def test_members_only_rules_for_new_requests(harness):
    anna = await harness.connect("anna")
    boris = await harness.connect("boris")
    [direct] = await anna.call("create_chat", {"with_user_id": [{"user_id": "boris"}]})
    chat_id = direct["data"][0]["chat_id"]
    sent = await anna.call("send_message", {"chat_id": chat_id, "content": "hi"})
    message_id = sent[1]["data"][-1]["id"]
    mallory = await harness.connect("mallory")
    for kind, data in [("edit_message", {"message_id": message_id, "content": "x"}),
                       ("delete_message", {"message_id": message_id}),
                       ("mark_read", {"chat_id": chat_id, "message_id": message_id})]:
        [error] = await mallory.call(kind, data)
        assert error["data"]["code"] == "not_found", kind
    for kind, data in [("add_user", {"chat_id": chat_id, "with_user_id": [{"user_id": "x"}]}),
                       ("leave_chat", {"chat_id": chat_id})]:
        [error] = await boris.call(kind, data)
        assert error["data"]["code"] == "forbidden", kind  # a direct chat has no such thing
    [error] = await boris.call("delete_message", {"message_id": message_id})
    assert error["data"]["code"] == "forbidden"  # not the sender


@pytest.mark.gen_test(timeout=60)
async def test_version_2_names_each_member_and_version_1_keeps_the_seeds_shape(harness):
    anna = await harness.connect("anna", "Анна Иванова", version=2)
    boris = await harness.connect("boris", "Борис Петров")  # version 1
    [created] = await anna.call("create_chat", {"with_user_id": [{"user_id": "boris"},
                                                                {"user_id": "dima"}],
                                               "chat_name": "Смена"})
    assert created["data"]["users"] == [{"user_id": "anna", "name": "Анна Иванова"},
                                        {"user_id": "boris", "name": "Борис Петров"},
                                        {"user_id": "dima", "name": ""}]  # never connected
    chat_id = created["data"]["chat_id"]
    listed = await boris.push("chat_list", lambda f: chat_id in ids(f["data"]))
    assert by_id(listed["data"], chat_id)["users"] == [
        {"user_id": "anna"}, {"user_id": "boris"}, {"user_id": "dima"}]
    again = await harness.connect("anna", version=2)  # the chat list on connect
    assert by_id(again.initial_chats, chat_id)["users"][1] == {"user_id": "boris",
                                                                "name": "Борис Петров"}
