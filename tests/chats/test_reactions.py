"""Reactions over real WebSockets: every member sees a message's emoji with
their counts, and `me` says whether the one receiving the frame put it
there, in version 2's reactions_changed and in version 1's windows (shared
by members who see a chat alike, so `me` must split them); no unread count
moves; only members react, to messages still there, with one emoji each time."""

import pytest

from tests.support.harness import by_id, ids


async def four_in_a_group(harness):
    anna = await harness.connect("anna", version=2)
    boris = await harness.connect("boris", version=2)
    vera = await harness.connect("vera")  # version 1
    gleb = await harness.connect("gleb")  # version 1
    [reply] = await anna.call("create_chat", {"with_user_id": [
        {"user_id": "boris"}, {"user_id": "vera"}, {"user_id": "gleb"}], "chat_name": "Салон"})
    chat_id = reply["data"]["chat_id"]
    for member in (vera, gleb):
        await member.push("chat_list", lambda f: chat_id in ids(f["data"]))
    return anna, boris, vera, gleb, chat_id


def shown(*reactions) -> list[dict]:
    return [{"emoji": emoji, "count": count, "me": me} for emoji, count, me in reactions]


def changed(chat_id, message_id, *reactions) -> dict:
    return {"chat_id": chat_id, "message_id": message_id, "reactions": shown(*reactions)}


async def window_of(client, message_id, count):
    """The next v1 window in which the message has `count` reactions in all."""
    def fits(frame):
        found = [m for m in frame["data"] if m["id"] == message_id]
        return found and sum(r["count"] for r in found[0]["reactions"]) == count
    frame = await client.push("chat_messages", fits)
    return next(m for m in frame["data"] if m["id"] == message_id)["reactions"]


@pytest.mark.gen_test(timeout=90)
async def test_every_member_sees_the_reactions_each_with_their_own(harness):
    anna, boris, vera, gleb, chat_id = await four_in_a_group(harness)
    [posted] = await anna.call("send_message", {"chat_id": chat_id, "content": "Премия!"})
    message_id = posted["data"]["id"]
    for member in (vera, gleb):
        await window_of(member, message_id, 0)

    [reply] = await boris.call("react", {"message_id": message_id, "emoji": "🎉"})
    assert reply["type"] == "reactions_changed"
    assert reply["data"] == changed(chat_id, message_id, ("🎉", 1, True))
    live = await anna.push("reactions_changed")
    assert live["data"] == changed(chat_id, message_id, ("🎉", 1, False))
    assert await window_of(vera, message_id, 1) == shown(("🎉", 1, False))

    # Vera (v1) reacts: her reply says it is hers, Gleb's window (v1 too) that it is not.
    listed, window = await vera.call("react", {"message_id": message_id, "emoji": "🎉"})
    assert (listed["type"], window["type"]) == ("chat_list", "chat_messages")
    assert window["data"][-1]["reactions"] == shown(("🎉", 2, True))
    assert await window_of(gleb, message_id, 2) == shown(("🎉", 2, False))
    assert (await boris.push("reactions_changed"))["data"] == changed(
        chat_id, message_id, ("🎉", 2, True))
    _, window = await gleb.call("react", {"message_id": message_id, "emoji": "❤️"})
    assert window["data"][-1]["reactions"] == shown(("🎉", 2, False), ("❤️", 1, True))
    assert await window_of(vera, message_id, 3) == shown(("🎉", 2, True), ("❤️", 1, False))

    # History shows each reader their own; reactions count as nothing unread.
    [page] = await boris.call("get_chat_messages", {"chat_id": chat_id})
    assert page["data"][-1]["reactions"] == shown(("🎉", 2, True), ("❤️", 1, False))
    [page, listed] = await gleb.call("get_chat_messages", {"chat_id": chat_id})
    assert page["data"][-1]["reactions"] == shown(("🎉", 2, False), ("❤️", 1, True))
    assert by_id(await vera.chats(), chat_id)["unread"] == 1  # Anna's message, still

    # Taken back: gone for everyone; taking back what one never put there stores nothing.
    [reply] = await boris.call("unreact", {"message_id": message_id, "emoji": "🎉"})
    assert reply["data"] == changed(chat_id, message_id, ("🎉", 1, False), ("❤️", 1, False))
    head = harness.server.store.app.recorder.max_notification_id()
    [reply] = await boris.call("unreact", {"message_id": message_id, "emoji": "👍"})
    assert reply["data"] == changed(chat_id, message_id, ("🎉", 1, False), ("❤️", 1, False))
    [reply] = await anna.call("react", {"message_id": message_id, "emoji": "❤️"})  # once more
    [same] = await anna.call("react", {"message_id": message_id, "emoji": "❤️"})
    assert same["data"] == reply["data"] == changed(chat_id, message_id, ("🎉", 1, False),
                                                    ("❤️", 2, True))
    # Anna's first reaction there (her Reactions started, then added to): nothing more.
    assert harness.server.store.app.recorder.max_notification_id() == head + 2

    unread = [f["data"]["unread"] for f in anna.pushed + boris.pushed if f["type"] == "unread"]
    assert unread == [1]  # Boris's, for Anna's message: no reaction moved a count

    # An edit keeps them, each reader's own; a deletion takes them away.
    await anna.call("edit_message", {"message_id": message_id, "content": "Премия всем!"})
    edited = await boris.push("message_edited")
    assert edited["data"]["reactions"] == shown(("🎉", 1, False), ("❤️", 2, False))
    [deleted] = await anna.call("delete_message", {"message_id": message_id})
    assert deleted["data"]["reactions"] == []
    assert (await boris.push("message_deleted"))["data"]["reactions"] == []
    [refused] = await boris.call("react", {"message_id": message_id, "emoji": "🎉"})
    assert refused["data"]["code"] == "not_found"


@pytest.mark.gen_test(timeout=60)
async def test_only_one_emoji_from_a_member_to_a_message_still_there(harness):
    anna, boris, vera, gleb, chat_id = await four_in_a_group(harness)
    [posted] = await anna.call("send_message", {"chat_id": chat_id, "content": "Вопрос"})
    message_id = posted["data"]["id"]
    recorder = harness.server.store.app.recorder
    before = recorder.max_notification_id()
    for emoji in ["ok", "👍👍", "👍 ", "", "1", "#", "🏽", "👍\u0301", "😀" * 17, 7, None, ["👍"]]:
        [refused] = await boris.call("react", {"message_id": message_id, "emoji": emoji})
        assert refused["data"]["code"] == "bad_request", emoji
    for data in [{"message_id": "nope", "emoji": "👍"}, {"message_id": chat_id, "emoji": "👍"}]:
        [refused] = await boris.call("react", data)
        assert refused["data"]["code"] == "not_found", data
    mallory = await harness.connect("mallory", version=2)
    before = recorder.max_notification_id()  # mallory registered on connect
    for kind in ("react", "unreact"):
        [refused] = await mallory.call(kind, {"message_id": message_id, "emoji": "👍"})
        assert refused["data"]["code"] == "not_found" and refused["data"]["request_type"] == kind
    assert recorder.max_notification_id() == before

    for emoji in ["🇷🇺", "1️⃣", "👨‍👩‍👧", "👍🏽", "🏳️‍🌈", "❤", "❤️"]:
        [reply] = await boris.call("react", {"message_id": message_id, "emoji": emoji})
        assert reply["type"] == "reactions_changed", emoji
    for n in range(20 - 7):
        await boris.call("react", {"message_id": message_id, "emoji": chr(0x1F600 + n)})
    [refused] = await boris.call("react", {"message_id": message_id, "emoji": "🙃"})
    assert refused["data"]["code"] == "too_large"
    [page] = await anna.call("get_chat_messages", {"chat_id": chat_id})
    assert len(page["data"][-1]["reactions"]) == 20
    [reply] = await anna.call("react", {"message_id": message_id, "emoji": "🙃"})
    assert reply["data"]["reactions"][-1] == {"emoji": "🙃", "count": 1, "me": True}
