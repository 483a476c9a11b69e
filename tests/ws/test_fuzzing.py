"""Property-based fuzzing of the protocol: random frames, and valid requests
mutated (keys dropped, values swapped for any JSON, keys added), sent over a
real WebSocket. Each gets a reply in the published protocol, the connection
stays usable, and afterwards the views equal a rebuild from the events."""

import asyncio
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.support.harness import PROTOCOL, Harness, assert_views_equal_a_rebuild, unlimited

USERS = ("alice", "bob", "carol")
EXAMPLES = 150

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10)


def templates(ids: dict) -> list[dict]:
    """A valid request of every type, on real chats and messages."""
    chat, message = ids["chat"], ids["message"]
    users = [{"user_id": "bob"}, {"user_id": "carol"}]
    return [
        {"type": "create_chat", "data": {"with_user_id": users, "chat_name": "g"}},
        {"type": "rename_chat", "data": {"chat_id": chat, "new_name": "renamed"}},
        {"type": "delete_chat", "data": {"chat_id": chat}},
        {"type": "get_chat_messages", "data": {"chat_id": chat, "limit": 5}},
        {"type": "send_message", "data": {"chat_id": chat, "content": "hi",
                                          "client_msg_id": "c1"}},
        {"type": "register_device", "data": {"platform": "android", "token": "t"}},
        {"type": "unregister_device", "data": {"platform": "android", "token": "t"}},
        {"type": "mute_chat", "data": {"chat_id": chat}},
        {"type": "unmute_chat", "data": {"chat_id": chat}},
        {"type": "add_user", "data": {"chat_id": chat, "with_user_id": users}},
        {"type": "remove_user", "data": {"chat_id": chat, "with_user_id": users[:1]}},
        {"type": "leave_chat", "data": {"chat_id": chat}},
        {"type": "edit_message", "data": {"message_id": message, "content": "edited"}},
        {"type": "delete_message", "data": {"message_id": message}},
        {"type": "mark_read", "data": {"chat_id": chat, "message_id": message}},
        {"type": "send_message", "data": {"chat_id": chat, "content": "re", "reply_to": message}},
        {"type": "react", "data": {"message_id": message, "emoji": "👍"}},
        {"type": "unreact", "data": {"message_id": message, "emoji": "👍"}},
        {"type": "search_messages", "data": {"text": "hi", "chat_id": chat, "limit": 5}},
        {"type": "send_message", "data": {"chat_id": chat, "content": "@carol hi",
                                          "mentions": ["bob"]}},
        {"type": "pin_chat", "data": {"chat_id": chat}},
        {"type": "unpin_chat", "data": {"chat_id": chat}},
        {"type": "archive_chat", "data": {"chat_id": chat}},
        {"type": "unarchive_chat", "data": {"chat_id": chat}},
        {"type": "get_archived_chats", "data": {}},
    ]


@st.composite
def mutated(draw, ids: dict) -> str:
    frame = {**json.loads(json.dumps(draw(st.sampled_from(templates(ids))))), "request_id": "fz"}
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        target = draw(st.sampled_from([frame, frame["data"]])) \
            if isinstance(frame.get("data"), dict) else frame
        action = draw(st.sampled_from(["drop", "swap", "add"]))
        keys = list(target)
        if action == "drop" and keys:
            del target[draw(st.sampled_from(keys))]
        elif action == "swap" and keys:
            target[draw(st.sampled_from(keys))] = draw(json_values)
        else:
            target[draw(st.text(max_size=10))] = draw(json_values)
    return json.dumps(frame)


def frames(ids: dict):
    return st.one_of(
        mutated(ids), mutated(ids), mutated(ids),  # mostly near-valid requests
        json_values.map(json.dumps),
        st.text(max_size=200),
        st.binary(max_size=100).map(lambda raw: raw.decode("latin-1")),
    )


@pytest.mark.gen_test(timeout=300)
def test_random_and_mutated_frames_are_answered_and_never_corrupt_the_views(io_loop, config):
    config = unlimited(config)
    harness = Harness(config)
    io_loop.run_sync(harness.start)

    async def setup():
        clients = [await harness.connect(user) for user in USERS]
        [created] = await clients[0].call("create_chat", {
            "with_user_id": [{"user_id": "bob"}, {"user_id": "carol"}], "chat_name": "team"})
        chat = created["data"][0]["chat_id"]
        replies = await clients[0].call("send_message", {"chat_id": chat, "content": "first"})
        return clients, {"chat": chat, "message": replies[1]["data"][-1]["id"]}

    clients, ids = io_loop.run_sync(setup)
    probes = iter(range(10**9))

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(range(len(USERS))), frames(ids))
    def fuzz(who, text):
        client = clients[who]

        async def exchange():
            client.socket.write_message(text)
            # A valid request after it: its reply proves the connection still works.
            probe = f"probe-{next(probes)}"
            client.socket.write_message(json.dumps({
                "type": "get_chat_messages", "request_id": probe,
                "data": {"chat_id": client.support_chat_id}}))
            before_probe = []
            while True:
                received = await asyncio.wait_for(client.socket.read_message(), 10)
                assert received is not None, f"connection closed after {text!r}"
                frame = json.loads(received)
                PROTOCOL.validate(frame)  # well-formed: in the published protocol
                if frame.get("request_id") != probe:
                    before_probe.append(frame)
                elif frame["type"] == "chat_list":  # the probe's last frame (version 1)
                    break
                else:
                    assert frame["type"] == "chat_messages", frame
            # The fuzzed frame was answered (others' live updates may come too).
            assert before_probe, text

        io_loop.run_sync(exchange)

    fuzz()

    assert_views_equal_a_rebuild(io_loop, harness, USERS)
