"""A member pins chats to the top of their list and archives chats out of it,
for themself alone, in both versions; a new message brings an archived chat
back for everyone; the audit shows each change and a rebuild gives the same lists."""

import pytest

from messenger.store.store import Store, drop_view
from tests.audit.test_audit import audited
from tests.support.harness import by_id, ids


async def a_salon(harness):
    """Anna on her phone (version 2) and laptop (version 1), Boris (version 2),
    in a direct chat and a group with Vera; returns them and the chats' ids."""
    phone = await harness.connect("anna", version=2)
    laptop = await harness.connect("anna")
    boris = await harness.connect("boris", version=2)
    [direct] = await phone.call("create_chat", {"with_user_id": [{"user_id": "boris"}]})
    [group] = await phone.call("create_chat", {"with_user_id": [
        {"user_id": "boris"}, {"user_id": "vera"}], "chat_name": "Салон"})
    return phone, laptop, boris, direct["data"]["chat_id"], group["data"]["chat_id"]


async def listed(harness, user: str, version: int) -> dict:
    """The chat_list a new connection of `user` starts with."""
    client = await harness.connect(user, version=version)
    frame = {"type": "chat_list", "data": client.initial_chats}
    client.close()
    return frame


@pytest.mark.gen_test(timeout=90)
async def test_pinned_chats_come_first_the_latest_pinned_first_for_that_member_only(harness):
    phone, laptop, boris, direct, group = await a_salon(harness)
    support = phone.support_chat_id
    for chat_id in (direct, group):  # Boris hears of the chats themselves
        await boris.push("chat_updated", lambda f: f["data"]["chat_id"] == chat_id)

    [pinned] = await phone.call("pin_chat", {"chat_id": support})
    assert pinned["type"] == "chat_updated" and pinned["data"]["pinned"] is True
    [pinned] = await phone.call("pin_chat", {"chat_id": direct})
    assert pinned["data"]["chat_id"] == direct and pinned["data"]["pinned"] is True
    # Her other connection hears of it; Boris does not (his list is his own).
    told = await laptop.push("chat_list", lambda f: by_id(f["data"], direct)["pinned"])
    assert ids(told["data"]) == [direct, support, group]

    # Activity elsewhere does not move a chat above the pinned ones.
    await boris.call("send_message", {"chat_id": group, "content": "Кто завтра?"})
    for version in (1, 2):
        chats = (await listed(harness, "anna", version))["data"]
        assert ids(chats) == [direct, support, group]
        assert [chat["pinned"] for chat in chats] == [True, True, False]
    assert [chat["pinned"] for chat in (await listed(harness, "boris", 2))["data"]] == [
        False, False, False]

    # Pinning again changes nothing; unpinned, a chat goes back by its activity.
    [again] = await phone.call("pin_chat", {"chat_id": direct})
    assert again["data"]["pinned"] is True
    [unpinned] = await laptop.call("unpin_chat", {"chat_id": direct})
    assert unpinned["type"] == "chat_list"
    assert ids(unpinned["data"]) == [support, group, direct]
    changed = await phone.push("chat_updated", lambda f: f["data"]["chat_id"] == direct)
    assert changed["data"]["pinned"] is False
    # Boris heard of Anna's message, and of nothing she pinned.
    await phone.call("send_message", {"chat_id": direct, "content": "Всё в силе"})
    await boris.push("message_new", lambda f: f["data"]["content"] == "Всё в силе")
    assert "chat_updated" not in [frame["type"] for frame in boris.pushed]


@pytest.mark.gen_test(timeout=90)
async def test_an_archived_chat_leaves_the_list_until_a_new_message_brings_it_back(harness):
    phone, laptop, boris, direct, group = await a_salon(harness)
    vera = await harness.connect("vera", version=2)
    await vera.call("send_message", {"chat_id": group, "content": "Я в отпуске"})

    [archived] = await phone.call("archive_chat", {"chat_id": group})
    assert archived["type"] == "chat_updated"
    assert (archived["data"]["archived"], archived["data"]["unread"]) == (True, 1)
    told = await laptop.push("chat_list", lambda f: group not in ids(f["data"]))
    assert told["unread_total"] == 0  # the archived chat's unread is not counted
    for version in (1, 2):
        assert group not in ids((await listed(harness, "anna", version))["data"])
        [shelf] = await (await harness.connect("anna", version=version)).call(
            "get_archived_chats", {})
        assert shelf["type"] == "archived_chats" and ids(shelf["data"]) == [group]
        assert shelf["data"][0]["archived"] is True
    assert group in ids((await listed(harness, "boris", 1))["data"])  # only hers

    # Archiving it again changes nothing; a new message brings it back, for everyone.
    [again] = await laptop.call("archive_chat", {"chat_id": group})
    assert group not in ids(again["data"])
    await boris.call("send_message", {"chat_id": group, "content": "Вера, хорошего отдыха!"})
    back = await laptop.push("chat_list", lambda f: group in ids(f["data"]) and by_id(
        f["data"], group)["lastest_message"] == "Вера, хорошего отдыха!")
    assert by_id(back["data"], group)["archived"] is False
    assert by_id(back["data"], group)["unread"] == back["unread_total"] == 2
    [shelf] = await phone.call("get_archived_chats", {})
    assert shelf["data"] == []

    # Archived again after that message, it is out again; unarchived, it is back.
    [archived] = await phone.call("archive_chat", {"chat_id": group})
    assert archived["data"]["archived"] is True
    [listing] = await laptop.call("get_archived_chats", {})
    assert ids(listing["data"]) == [group]
    [unarchived] = await laptop.call("unarchive_chat", {"chat_id": group})
    assert by_id(unarchived["data"], group)["archived"] is False
    changed = await phone.push("chat_updated", lambda f: f["data"]["chat_id"] == group
                               and not f["data"]["archived"])
    assert changed["data"]["unread"] == 2


@pytest.mark.gen_test(timeout=90)
async def test_an_archived_chat_still_gets_its_edits_and_can_be_opened(harness):
    phone, laptop, boris, direct, group = await a_salon(harness)
    [sent] = await boris.call("send_message", {"chat_id": direct, "content": "Опоздаю"})
    await phone.call("archive_chat", {"chat_id": direct})
    await laptop.push("chat_list", lambda f: direct not in ids(f["data"]))
    await boris.call("edit_message", {"message_id": sent["data"]["id"], "content": "Опоздаю на 5"})
    edited = await phone.push("message_edited")
    assert edited["data"]["content"] == "Опоздаю на 5"
    window = await laptop.push("chat_messages", lambda f: f["chat_id"] == direct
                               and f["data"][-1]["edited_at"] is not None)
    assert window["data"][-1]["content"] == "Опоздаю на 5"
    page, chats = await laptop.call("get_chat_messages", {"chat_id": direct})
    assert page["data"][-1]["content"] == "Опоздаю на 5"
    assert direct not in ids(chats["data"])  # reading it does not bring it back


@pytest.mark.gen_test(timeout=60)
async def test_pins_and_archive_are_for_members_only_and_refuse_bad_requests(harness):
    phone, laptop, boris, direct, group = await a_salon(harness)
    gleb = await harness.connect("gleb", version=2)
    for kind in ("pin_chat", "unpin_chat", "archive_chat", "unarchive_chat"):
        [refused] = await gleb.call(kind, {"chat_id": group})
        assert refused["data"] == {"code": "not_found", "message": "no such chat",
                                   "request_type": kind}
        [refused] = await phone.call(kind, {"chat_id": "not-a-chat"})
        assert refused["data"]["code"] == "not_found"
        [refused] = await phone.call(kind, {})
        assert refused["data"]["code"] == "bad_request"
    [shelf] = await gleb.call("get_archived_chats", {})
    assert shelf["data"] == []
    chats = (await listed(harness, "anna", 2))["data"]
    assert not any(chat["pinned"] or chat["archived"] for chat in chats)


@pytest.mark.gen_test(timeout=90)
async def test_the_audit_shows_pins_and_archive_and_a_rebuild_gives_the_same_lists(harness):
    phone, laptop, boris, direct, group = await a_salon(harness)
    await phone.call("pin_chat", {"chat_id": group})
    await phone.call("archive_chat", {"chat_id": direct})
    await boris.call("archive_chat", {"chat_id": group})
    await boris.call("send_message", {"chat_id": group, "content": "Вернулась?"})
    await phone.call("unpin_chat", {"chat_id": group})
    await phone.call("pin_chat", {"chat_id": direct})
    await phone.call("unarchive_chat", {"chat_id": direct})
    await audited(harness)
    store = harness.server.store

    def preferences(chat_id: str) -> list[tuple[str, str]]:
        return [(event["type"], event["actor"]) for event in store.auditor.events(chat_id)
                if event["type"].startswith("ChatPreferences.")
                and event["type"] != "ChatPreferences.Started"]

    assert await harness.server.commands.query(preferences, group) == [
        ("ChatPreferences.Pinned", "anna"), ("ChatPreferences.Archived", "boris"),
        ("ChatPreferences.Unpinned", "anna")]
    assert await harness.server.commands.query(preferences, direct) == [
        ("ChatPreferences.Archived", "anna"), ("ChatPreferences.Pinned", "anna"),
        ("ChatPreferences.Unarchived", "anna")]

    # Pinned first, then by activity, archived apart: the same from the events alone.
    def lists(view) -> dict:
        return {user: (view.chat_list(user), view.chat_list(user, archived=True))
                for user in ("anna", "boris", "vera")}

    live = lists(store.view)
    assert [chat.chat_id for chat in live["anna"][0]][:1] == [direct]
    assert [chat.chat_id for chat in live["boris"][1]] == []  # the message brought it back
    await harness.stop()
    drop_view(harness.config)
    rebuilt = Store(harness.config)  # takes in every event again as it opens
    try:
        assert lists(rebuilt.view) == live
    finally:
        rebuilt.close()
    await harness.start()  # for the fixture's teardown
