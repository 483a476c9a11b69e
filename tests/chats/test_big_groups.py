"""Version 1 in a 500-member group: every live frame stays within 64 KiB, so a
member who keeps reading keeps up, and the seed's shapes hold."""

import asyncio
import json

import pytest

from tests.support.harness import PROTOCOL, REPLY_TIMEOUT_S, by_id, ids

FRAME_BUDGET = 64 * 1024
SEED_CHAT_KEYS = {"chat_id", "chat_name", "users", "IsGroupChat", "lastest_message", "group_admin",
                  "is_tech_support", "is_telegram_chat", "unread", "created_at", "updated_at"}
SEED_MESSAGE_KEYS = {"id", "sender", "content", "chat", "is_read", "created_at", "updated_at"}
SENDS = 50
BATCH = 50  # members registered per request


def member(number: int) -> str:
    """Long ids (still under the id cap) make the member list the cost it is."""
    return f"member-{number:03d}-".ljust(120, "x")


class Reader:
    """A member who reads every frame as it comes, keeping each one's size."""

    def __init__(self, client):
        self.client = client
        self.frames: list[tuple[int, dict]] = []
        self.task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        while (text := await self.client.socket.read_message()) is not None:
            frame = json.loads(text)
            PROTOCOL.validate(frame)
            self.frames.append((len(text.encode()), frame))

    async def until_shown(self, content: str) -> dict:
        """The first chat_messages whose newest message is `content`."""
        async def shown():
            while True:
                for _, frame in self.frames:
                    if frame["type"] == "chat_messages" and frame["data"][-1]["content"] == content:
                        return frame
                assert not self.task.done(), f"closed with {self.client.socket.close_code}"
                await asyncio.sleep(0.02)
        return await asyncio.wait_for(shown(), REPLY_TIMEOUT_S)


def assert_seed_chat(chat: dict) -> None:
    assert SEED_CHAT_KEYS <= chat.keys()
    assert chat["users_count"] == len(chat["users"]) or chat["users_truncated"]


@pytest.mark.gen_test(timeout=300)
async def test_a_big_group_sends_each_v1_member_bounded_frames_that_keep_up(harness):
    admin = await harness.connect(member(0))
    [created] = await admin.call("create_chat", {"chat_name": "Everyone", "with_user_id": [
        {"user_id": member(number)} for number in range(1, BATCH)]})
    chat_id = created["data"][0]["chat_id"]
    for first in range(BATCH, 500, BATCH):  # in frames under the frame limit
        await admin.call("add_user", {"chat_id": chat_id, "with_user_id": [
            {"user_id": member(number)} for number in range(first, first + BATCH)]})
    readers = [Reader(await harness.connect(member(number))) for number in (1, 250, 499)]

    # Sent in one burst, as a busy group is: the frames pile up for readers.
    for number in range(SENDS - 1):
        admin.socket.write_message(json.dumps({"type": "send_message", "request_id": f"s{number}",
                                               "data": {"chat_id": chat_id, "content": f"m{number}"}}))
    replies = await admin.call("send_message", {"chat_id": chat_id, "content": f"m{SENDS - 1}"})
    assert replies[1]["data"][-1]["content"] == f"m{SENDS - 1}"

    for reader in readers:
        last = await reader.until_shown(f"m{SENDS - 1}")
        assert reader.client.socket.close_code is None  # kept up: no 1013
        for size, frame in reader.frames:
            assert size <= FRAME_BUDGET, (frame["type"], size)
            chats = frame["data"] if frame["type"] == "chat_list" \
                else [message["chat"] for message in frame["data"]]
            for chat in chats:
                assert_seed_chat(chat)
            if frame["type"] == "chat_messages":
                assert all(SEED_MESSAGE_KEYS <= message.keys() for message in frame["data"])
        shown = [message["content"] for message in last["data"]]
        assert shown == [f"m{n}" for n in range(SENDS - len(shown), SENDS)]  # newest kept
        assert 10 <= len(shown) < SENDS
        group = last["data"][-1]["chat"]
        assert group["users_count"] == 500 and group["users_truncated"] is True
        assert group["users"][0] == {"user_id": member(0)}
        entry = next(by_id(frame["data"], chat_id) for _, frame in reversed(reader.frames)
                     if frame["type"] == "chat_list")
        assert entry["users_count"] == 500 and entry["users_truncated"] is True

    # Opening the chat is where a v1 client finds every member.
    reader = readers[0]
    reader.task.cancel()
    opened = await reader.client.call("get_chat_messages", {"chat_id": chat_id, "limit": 50})
    assert [m["content"] for m in opened[0]["data"]] == [f"m{n}" for n in range(SENDS)]
    entry = by_id(opened[1]["data"], chat_id)
    assert len(entry["users"]) == entry["users_count"] == 500 and not entry["users_truncated"]
    for reader in readers[1:]:
        reader.task.cancel()


@pytest.mark.gen_test(timeout=120)
async def test_a_small_group_still_gets_the_whole_window_and_every_member(harness, config):
    anna, boris = await harness.connect("anna"), await harness.connect("boris")
    [created] = await anna.call("create_chat", {"chat_name": "Desk", "with_user_id": [
        {"user_id": "boris"}, {"user_id": "vera"}]})
    chat_id = created["data"][0]["chat_id"]
    await boris.push("chat_list", lambda f: chat_id in ids(f["data"]))
    for number in range(config.messages_window + 3):
        await anna.call("send_message", {"chat_id": chat_id, "content": f"m{number}"})
    last = f"m{config.messages_window + 2}"
    live = await boris.push("chat_messages", lambda f: f["data"][-1]["content"] == last)
    assert len(live["data"]) == config.messages_window
    chat = live["data"][-1]["chat"]
    assert [user["user_id"] for user in chat["users"]] == ["anna", "boris", "vera"]
    assert chat["users_count"] == 3 and chat["users_truncated"] is False
