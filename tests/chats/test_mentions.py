"""Mentions in a group: listed with the message or written as @user_id, shown
on the message in both versions, counted per member as mentions_unread until
read (or the message is deleted); refused where they cannot be."""

import pytest

from tests.support.harness import by_id, ids


async def a_group(harness):
    """Anna (version 1) with Boris and Vera (version 2) in a group."""
    anna = await harness.connect("anna")
    boris = await harness.connect("boris", version=2)
    vera = await harness.connect("vera", version=2)
    [reply] = await anna.call("create_chat", {"with_user_id": [
        {"user_id": "boris"}, {"user_id": "vera"}], "chat_name": "Салон"})
    group = next(chat["chat_id"] for chat in reply["data"] if chat["chat_name"] == "Салон")
    return anna, boris, vera, group


@pytest.mark.gen_test(timeout=90)
async def test_a_message_mentions_members_listed_or_named_and_each_counts_their_own(harness):
    anna, boris, vera, group = await a_group(harness)
    listing, window = await anna.call("send_message", {
        "chat_id": group, "content": "@vera, подменишь в пятницу? @gleb не с нами",
        "mentions": ["boris"]})
    message = window["data"][-1]
    assert message["mentions"] == ["boris", "vera"]
    assert by_id(listing["data"], group)["mentions_unread"] == 0  # her own message

    new = await boris.push("message_new", lambda f: f["data"]["id"] == message["id"])
    assert new["data"]["mentions"] == ["boris", "vera"]
    counts = await boris.push("unread", lambda f: f["data"]["chat_id"] == group)
    assert (counts["data"]["unread"], counts["data"]["mentions_unread"]) == (1, 1)

    # A message that mentions only Vera: Boris's unread grows, his mentions do not.
    await anna.call("send_message", {"chat_id": group, "content": "@vera и ключи возьми"})
    counts = await boris.push("unread", lambda f: f["data"]["unread"] == 2)
    assert counts["data"]["mentions_unread"] == 1
    counts = await vera.push("unread", lambda f: f["data"]["unread"] == 2)
    assert counts["data"]["mentions_unread"] == 2
    chats = (await harness.connect("vera")).initial_chats
    assert by_id(chats, group)["mentions_unread"] == 2

    # History shows the mentions; reading clears them for the reader alone.
    [page] = await boris.call("get_chat_messages", {"chat_id": group})
    assert [m["mentions"] for m in page["data"]] == [["boris", "vera"], ["vera"]]
    chats = (await harness.connect("boris", version=2)).initial_chats
    assert (by_id(chats, group)["unread"], by_id(chats, group)["mentions_unread"]) == (0, 0)
    [first_read] = await vera.call("mark_read", {"chat_id": group,
                                                 "message_id": message["id"]})
    assert (first_read["data"]["unread"], first_read["data"]["mentions_unread"]) == (1, 1)


@pytest.mark.gen_test(timeout=90)
async def test_a_deleted_mention_no_longer_counts_or_shows(harness):
    anna, boris, vera, group = await a_group(harness)
    [sent] = await boris.call("send_message", {"chat_id": group, "content": "@vera срочно"})
    assert sent["data"]["mentions"] == ["vera"]
    await vera.push("unread", lambda f: f["data"]["mentions_unread"] == 1)
    [gone] = await boris.call("delete_message", {"message_id": sent["data"]["id"]})
    assert (gone["data"]["deleted"], gone["data"]["mentions"]) == (True, [])
    counts = await vera.push("unread", lambda f: f["data"]["unread"] == 0)
    assert counts["data"]["mentions_unread"] == 0
    assert by_id((await harness.connect("vera")).initial_chats, group)["mentions_unread"] == 0


@pytest.mark.gen_test(timeout=60)
async def test_mentions_outside_a_group_or_of_non_members_are_refused_and_store_nothing(
        harness):
    anna, boris, vera, group = await a_group(harness)
    [direct] = await anna.call("create_chat", {"with_user_id": [{"user_id": "boris"}]})
    direct_id = next(chat["chat_id"] for chat in direct["data"] if not chat["IsGroupChat"]
                     and not chat["is_tech_support"])
    refusals = [
        (group, ["gleb"], "'gleb' is not a member of this chat"),
        (direct_id, ["boris"], "mentions are for group chats"),
        (group, "boris", "'mentions' must be a list of at most 50 user ids"),
        (group, [7], "'mentions' must be a list of at most 50 user ids"),
        (group, ["vera"] * 51, "'mentions' must be a list of at most 50 user ids"),
        (group, ["has space"], None),
    ]
    for chat_id, mentions, message in refusals:
        [refused] = await anna.call("send_message", {"chat_id": chat_id, "content": "Привет",
                                                     "mentions": mentions})
        assert refused["data"]["code"] == "bad_request", (mentions, refused)
        if message:
            assert refused["data"]["message"] == message
    [outsider] = await (await harness.connect("gleb", version=2)).call(
        "send_message", {"chat_id": group, "content": "@vera", "mentions": ["vera"]})
    assert outsider["data"]["code"] == "not_found"
    for chat_id in (group, direct_id):
        page, _ = await anna.call("get_chat_messages", {"chat_id": chat_id})
        assert page["data"] == []  # nothing was stored

    # In a direct chat an @word is just a word.
    _, window = await anna.call("send_message", {"chat_id": direct_id, "content": "@boris ау"})
    assert window["data"][-1]["mentions"] == []
    chats = (await harness.connect("boris")).initial_chats
    assert by_id(chats, direct_id)["mentions_unread"] == 0 and direct_id in ids(chats)
