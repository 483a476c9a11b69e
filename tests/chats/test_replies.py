"""Replies over real WebSockets: a message answering another carries a quote
of it (who wrote it, its text now), in the sender's reply, live and in
history, in both versions; an edit or deletion of the original shows in
every later frame; only a message of the same chat, still there, is replied to."""

import pytest

from tests.support.harness import ids


async def a_group(harness):
    anna = await harness.connect("anna", "Анна", version=2)
    boris = await harness.connect("boris", "Борис", version=2)
    vera = await harness.connect("vera", "Вера")  # version 1
    [reply] = await anna.call("create_chat", {"with_user_id": [{"user_id": "boris"},
                                                               {"user_id": "vera"}],
                                              "chat_name": "Салон"})
    chat_id = reply["data"]["chat_id"]
    await vera.push("chat_list", lambda f: chat_id in ids(f["data"]))
    return anna, boris, vera, chat_id


def quote(message_id, sender, excerpt, deleted=False) -> dict:
    return {"id": message_id, "sender": sender, "excerpt": excerpt, "deleted": deleted}


@pytest.mark.gen_test(timeout=90)
async def test_a_reply_quotes_its_original_as_it_is_now_in_both_versions(harness):
    anna, boris, vera, chat_id = await a_group(harness)
    question = "Кто выйдет в субботу? Нужен человек на ресепшен с 9 до 15, " * 3
    [asked] = await anna.call("send_message", {"chat_id": chat_id, "content": question})
    original = asked["data"]["id"]
    assert asked["data"]["reply_to"] is None and asked["data"]["reactions"] == []

    [answered] = await boris.call("send_message", {"chat_id": chat_id, "content": "Я",
                                                   "reply_to": original})
    reply_id = answered["data"]["id"]
    assert answered["data"]["reply_to"] == quote(original, "anna", question[:100])
    live = await anna.push("message_new", lambda f: f["data"]["id"] == reply_id)
    assert live["data"]["reply_to"] == answered["data"]["reply_to"]
    window = await vera.push("chat_messages", lambda f: f["data"][-1]["id"] == reply_id)
    assert window["data"][-1]["reply_to"] == answered["data"]["reply_to"]
    assert window["data"][-2]["reply_to"] is None

    # Version 1 gets the window again after an edit: the quote in it is the new text.
    await anna.call("edit_message", {"message_id": original, "content": "Кто в воскресенье?"})
    await boris.push("message_edited", lambda f: f["data"]["id"] == original)
    window = await vera.push("chat_messages", lambda f: f["data"][0]["edited_at"])
    assert window["data"][-1]["reply_to"] == quote(original, "anna", "Кто в воскресенье?")
    [page] = await boris.call("get_chat_messages", {"chat_id": chat_id})
    assert page["data"][-1]["reply_to"] == quote(original, "anna", "Кто в воскресенье?")

    # Deleted, it is quoted without its text, never with what it said.
    await anna.call("delete_message", {"message_id": original})
    window = await vera.push("chat_messages", lambda f: f["data"][0]["deleted"])
    assert window["data"][-1]["reply_to"] == quote(original, "anna", "", deleted=True)
    [page] = await boris.call("get_chat_messages", {"chat_id": chat_id})
    assert page["data"][-1]["reply_to"] == quote(original, "anna", "", deleted=True)
    [page, _] = await vera.call("get_chat_messages", {"chat_id": chat_id})
    assert page["data"][-1]["reply_to"] == quote(original, "anna", "", deleted=True)

    # A reply to a reply quotes the one it answers.
    _, window = await vera.call("send_message", {"chat_id": chat_id, "content": "Ок",
                                                 "reply_to": reply_id})
    assert window["data"][-1]["reply_to"] == quote(reply_id, "boris", "Я")
    live = await boris.push("message_new", lambda f: f["data"]["sender"] == "vera")
    assert live["data"]["reply_to"] == quote(reply_id, "boris", "Я")


@pytest.mark.gen_test(timeout=60)
async def test_only_a_message_of_the_same_chat_still_there_is_replied_to(harness):
    anna, boris, vera, chat_id = await a_group(harness)
    [direct] = await anna.call("create_chat", {"with_user_id": [{"user_id": "gleb"}]})
    [elsewhere] = await anna.call("send_message", {"chat_id": direct["data"]["chat_id"],
                                                   "content": "Глебу"})
    [gone] = await anna.call("send_message", {"chat_id": chat_id, "content": "Ой"})
    await anna.call("delete_message", {"message_id": gone["data"]["id"]})
    [kept] = await anna.call("send_message", {"chat_id": chat_id, "content": "Вопрос"})
    store = harness.server.store.app.recorder
    before = store.max_notification_id()
    refusals = [(elsewhere["data"]["id"], "not_found"), (gone["data"]["id"], "not_found"),
                ("not-a-message", "not_found"), (chat_id, "not_found"), (42, "bad_request"),
                ({"id": kept["data"]["id"]}, "bad_request")]
    for reply_to, code in refusals:
        [refused] = await boris.call("send_message", {"chat_id": chat_id, "content": "?",
                                                      "reply_to": reply_to})
        assert refused["type"] == "error" and refused["data"]["code"] == code, reply_to
    mallory = await harness.connect("mallory", version=2)
    [outsider] = await mallory.call("send_message", {"chat_id": chat_id, "content": "!",
                                                     "reply_to": kept["data"]["id"]})
    assert outsider["data"]["code"] == "not_found"
    assert store.max_notification_id() > before  # mallory was registered on connect
    [page] = await boris.call("get_chat_messages", {"chat_id": chat_id})
    assert [m["content"] for m in page["data"]] == ["", "Вопрос"]  # nothing was posted
    [fine] = await boris.call("send_message", {"chat_id": chat_id, "content": "Ответ",
                                               "reply_to": None})
    assert fine["data"]["reply_to"] is None
