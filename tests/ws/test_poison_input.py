"""No single request can stop the service: system identities are not users,
every string follows one rule on both stores, and whatever was stored anyway
cannot stop the read model. After each attack two new users still chat."""

import json
import uuid

import pytest
import tornado.httpclient
import tornado.websocket

from domain.chat import GROUP, Chat
from domain.message import Message
from tests.support.harness import by_id

NUL, SURROGATE = "a\u0000b", "a\ud800b"


async def health(harness) -> int:
    answer = await tornado.httpclient.AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{harness.config.port}/healthz", raise_error=False)
    return answer.code


async def still_serves(harness) -> None:
    """The service works for others: healthy, and two new users can chat."""
    assert await health(harness) == 200
    one, other = f"u{uuid.uuid4().hex[:8]}", f"u{uuid.uuid4().hex[:8]}"
    first = await harness.connect(one, version=2)
    second = await harness.connect(other, version=2)
    [created] = await first.call("create_chat", {"with_user_id": [{"user_id": other}]})
    chat_id = created["data"]["chat_id"]
    await first.call("send_message", {"chat_id": chat_id, "content": "still up?"})
    delivered = await second.push("message_new")
    assert delivered["data"]["content"] == "still up?"


async def refused(client, kind: str, data, code: str = "bad_request") -> str:
    [error] = await client.call(kind, data)
    assert error["type"] == "error", error
    assert error["data"]["code"] == code, error
    return error["data"]["message"]


# --- system identities --------------------------------------------------------

@pytest.mark.parametrize("users", [["support"], ["bookings"], ["bob", "support"],
                                   ["bookings", "bob"]])
@pytest.mark.gen_test(timeout=90)
async def test_a_system_identity_cannot_be_made_a_chat_member(harness, users):
    alice = await harness.connect("alice")
    await harness.connect("bob")
    before = await alice.chats()
    message = await refused(alice, "create_chat",
                            {"with_user_id": [{"user_id": user} for user in users]})
    assert "system identity" in message
    assert await alice.chats() == before
    await still_serves(harness)


@pytest.mark.gen_test(timeout=90)
async def test_a_system_identity_cannot_be_added_to_a_group(harness):
    alice = await harness.connect("alice")
    [created] = await alice.call("create_chat", {
        "with_user_id": [{"user_id": "bob"}, {"user_id": "carol"}], "chat_name": "team"})
    chat_id = created["data"][0]["chat_id"]
    await refused(alice, "add_user", {"chat_id": chat_id, "with_user_id": [{"user_id": "support"}]})
    chat = by_id(await alice.chats(), chat_id)
    assert [user["user_id"] for user in chat["users"]] == ["alice", "bob", "carol"]
    await still_serves(harness)


@pytest.mark.gen_test(timeout=60)
async def test_a_new_user_named_twice_is_added_once(harness):
    alice = await harness.connect("alice")
    [created] = await alice.call("create_chat", {
        "with_user_id": [{"user_id": "bob"}, {"user_id": "carol"}], "chat_name": "team"})
    chat_id = created["data"][0]["chat_id"]
    await alice.call("add_user", {"chat_id": chat_id,
                                  "with_user_id": [{"user_id": "dan"}, {"user_id": "dan"}]})
    chat = by_id(await alice.chats(), chat_id)
    assert [user["user_id"] for user in chat["users"]] == ["alice", "bob", "carol", "dan"]


@pytest.mark.parametrize("sub", ["support", "bookings"])
@pytest.mark.gen_test(timeout=60)
async def test_a_token_for_a_system_identity_is_refused(harness, sub):
    with pytest.raises(tornado.httpclient.HTTPClientError) as refusal:
        await tornado.websocket.websocket_connect(
            f"{harness.url}?token={harness.tokens.issue(sub)}")
    assert refusal.value.code == 401
    await still_serves(harness)


@pytest.mark.parametrize("path, body", [
    ("/api/v1/users", {"user_id": "support"}),
    ("/api/v1/users", {"user_id": "bookings", "name": "Bookings"}),
    ("/api/v1/notifications/bookings", {"event_id": "e1", "user_id": "bookings", "source": "bot",
                                        "event": "created", "booking": {"id": 1}}),
    ("/api/v1/notifications/bookings", {"event_id": "e2", "user_id": "support",
                                        "source": "online", "event": "created",
                                        "booking": {"id": 2}}),
])
@pytest.mark.gen_test(timeout=60)
async def test_the_service_api_cannot_register_a_system_identity(harness, path, body):
    status, answer = await harness.post(path, body)
    assert status == 400 and "system identity" in answer["error"]["message"]
    await still_serves(harness)


# --- one rule for every string ------------------------------------------------

@pytest.mark.parametrize("bad", [NUL, SURROGATE])
@pytest.mark.parametrize("kind, data, field", [
    ("send_message", {"chat_id": "<chat>", "content": "<bad>"}, "content"),
    ("send_message", {"chat_id": "<chat>", "content": "hi", "sender_fio": "<bad>"}, "sender_fio"),
    ("send_message", {"chat_id": "<chat>", "content": "hi", "client_msg_id": "<bad>"},
     "client_msg_id"),
    ("create_chat", {"with_user_id": [{"user_id": "bob"}], "chat_name": "<bad>"}, "chat_name"),
    ("create_chat", {"with_user_id": [{"user_id": "<bad>"}]}, "with_user_id[0].user_id"),
    ("rename_chat", {"chat_id": "<chat>", "new_name": "<bad>"}, "new_name"),
    ("edit_message", {"message_id": "<message>", "content": "<bad>"}, "content"),
])
@pytest.mark.gen_test(timeout=60)
async def test_a_string_no_store_can_hold_is_refused_naming_the_field(harness, bad, kind, data,
                                                                      field):
    alice = await harness.connect("alice")
    await harness.connect("bob")
    [created] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
    chat_id = created["data"][0]["chat_id"]
    replies = await alice.call("send_message", {"chat_id": chat_id, "content": "first"})
    message_id = replies[1]["data"][-1]["id"]
    before = await alice.chats()
    stand_ins = {"<chat>": chat_id, "<message>": message_id, "<bad>": bad}
    data = json.loads(json.dumps(data), object_hook=lambda d: {
        key: stand_ins.get(value, value) if isinstance(value, str) else value
        for key, value in d.items()})

    message = await refused(alice, kind, data)

    assert f"'{field}'" in message
    assert await alice.chats() == before
    history = await alice.call("get_chat_messages", {"chat_id": chat_id})
    assert [m["content"] for m in history[0]["data"]] == ["first"]
    await still_serves(harness)


@pytest.mark.parametrize("frame", [
    '{"type": "send_message", "request_id": NaN, "data": {}}',
    '{"type": "send_message", "request_id": Infinity, "data": {}}',
    '{"type": "send_message", "request_id": "a\\nforged log line", "data": {}}',
    '{"type": "send_message", "request_id": "\\ud800", "data": {}}',
    '{"type": "send_\\ud800", "request_id": 1, "data": {}}',
    '{"type": "send_message", "data": ' + "[" * 5000 + "]" * 5000 + '}',
    "[" * 20000 + "]" * 20000,
    '{"type": "create_chat", "data": {"with_user_id": ' + '[' * 40 + ']' * 40 + '}}',
])
@pytest.mark.gen_test(timeout=60)
async def test_a_hostile_envelope_is_answered_in_valid_json_and_the_connection_stays(harness,
                                                                                      frame):
    alice = await harness.connect("alice")
    alice.socket.write_message(frame)
    text = await alice.socket.read_message()
    assert text is not None, "the connection was dropped"
    error = json.loads(text)  # strict JSON: no NaN echoed back
    assert error["type"] == "error" and error["data"]["code"] == "bad_request"
    assert "\n" not in str(error.get("request_id", ""))
    assert await alice.chats()  # and the connection still answers


@pytest.mark.gen_test(timeout=60)
async def test_control_characters_leave_names_and_messages_but_line_breaks_stay_in_messages(
        harness):
    alice = await harness.connect("alice")
    await harness.connect("bob")
    [created] = await alice.call("create_chat", {
        "with_user_id": [{"user_id": "bob"}], "chat_name": "Line\none\x07\tand\u2028two"})
    chat = created["data"][0]
    assert chat["chat_name"] == "Line one and two"
    replies = await alice.call("send_message", {"chat_id": chat["chat_id"],
                                                "content": "bell\x07 gone\nline\tkept"})
    assert replies[1]["data"][-1]["content"] == "bell gone\nline\tkept"


@pytest.mark.gen_test(timeout=60)
async def test_sender_fio_is_one_line_of_at_most_200_characters(harness):
    alice = await harness.connect("alice")
    await refused(alice, "send_message", {"chat_id": alice.support_chat_id, "content": "hi",
                                          "sender_fio": "x" * 201})
    replies = await alice.call("send_message", {
        "chat_id": alice.support_chat_id, "content": "hi",
        "sender_fio": "Директор (boss):\nсбросьте пароль vera\n\n"})
    assert replies[1]["data"][-1]["content"] == "hi"
    stored = harness.server.store.app.repository.get(uuid.UUID(replies[1]["data"][-1]["id"]))
    assert stored.sender_name == "Директор (boss): сбросьте пароль vera"


@pytest.mark.parametrize("user_id", ["x" * 129, "with space", "tab\there", "zero\u200bwidth",
                                     "rtl\u202eoverride", "", NUL, SURROGATE])
@pytest.mark.gen_test(timeout=60)
async def test_an_id_outside_the_id_rule_is_refused_everywhere(harness, user_id):
    alice = await harness.connect("alice")
    await refused(alice, "create_chat", {"with_user_id": [{"user_id": user_id}]})
    status, _ = await harness.post("/api/v1/users", {"user_id": user_id})
    assert status == 400
    status, _ = await harness.post("/api/v1/notifications/bookings", {
        "event_id": user_id, "user_id": "alice", "source": "bot", "event": "created",
        "booking": {"id": 1}})
    assert status == 400
    with pytest.raises(tornado.httpclient.HTTPClientError) as refusal:
        await tornado.websocket.websocket_connect(
            f"{harness.url}?token={harness.tokens.issue(user_id)}")
    assert refusal.value.code == 401


@pytest.mark.gen_test(timeout=60)
async def test_a_default_group_name_is_capped_like_a_given_one(harness):
    alice = await harness.connect("alice")
    users = [f"user-{n:03d}-" + "x" * 100 for n in range(10)]
    [created] = await alice.call("create_chat", {"with_user_id": [{"user_id": u} for u in users]})
    name = created["data"][0]["chat_name"]
    assert len(name) == 200 and name.startswith("alice, user-000-") and name.endswith("…")


@pytest.mark.gen_test(timeout=60)
async def test_one_request_registers_a_bounded_number_of_unknown_users(harness):
    alice = await harness.connect("alice")
    strangers = [{"user_id": f"stranger-{n}"} for n in range(51)]
    await refused(alice, "create_chat", {"with_user_id": strangers}, "too_large")
    status, answer = await harness.post("/api/v1/users", {"user_id": "stranger-0"})
    assert status == 201 and answer["registered"]  # nobody was registered by the refusal


# --- ids that collided ---------------------------------------------------------

@pytest.mark.gen_test(timeout=60)
async def test_client_msg_ids_of_different_users_never_collide(harness):
    first = await harness.connect("a")
    second = await harness.connect("a:b")
    [created] = await first.call("create_chat", {"with_user_id": [{"user_id": "a:b"}]})
    chat_id = created["data"][0]["chat_id"]
    await first.call("send_message", {"chat_id": chat_id, "content": "from a",
                                      "client_msg_id": "b:42"})
    await second.call("send_message", {"chat_id": chat_id, "content": "from a:b",
                                       "client_msg_id": "42"})
    history = await first.call("get_chat_messages", {"chat_id": chat_id})
    assert [(m["sender"], m["content"]) for m in history[0]["data"]] == [
        ("a", "from a"), ("a:b", "from a:b")]


@pytest.mark.gen_test(timeout=60)
async def test_a_booking_event_id_used_for_another_user_is_a_conflict(harness):
    notice = {"event_id": "ev-1", "user_id": "alice", "source": "bot", "event": "created",
              "booking": {"id": 7}}
    status, _ = await harness.post("/api/v1/notifications/bookings", notice)
    assert status == 201
    status, answer = await harness.post("/api/v1/notifications/bookings",
                                        {**notice, "user_id": "bob"})
    assert status == 409 and "ev-1" in answer["error"]["message"]
    bob = await harness.connect("bob")
    assert [chat["kind"] for chat in bob.initial_chats] == ["support"]
    status, answer = await harness.post("/api/v1/notifications/bookings", notice)
    assert status == 200 and answer["duplicate"]  # the same notice again is still fine


@pytest.mark.gen_test(timeout=60)
async def test_a_refused_page_of_history_marks_nothing_read(harness):
    alice = await harness.connect("alice")
    bob = await harness.connect("bob")
    [created] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
    chat_id = created["data"][0]["chat_id"]
    await alice.call("send_message", {"chat_id": chat_id, "content": "unread"})
    await refused(bob, "get_chat_messages", {"chat_id": chat_id, "before": str(uuid.uuid4())},
                  "not_found")
    other_chat_message = (await bob.call("send_message", {"chat_id": bob.support_chat_id,
                                                          "content": "x"}))[1]["data"][-1]["id"]
    await refused(bob, "get_chat_messages", {"chat_id": chat_id, "before": other_chat_message},
                  "not_found")
    assert by_id(await bob.chats(), chat_id)["unread"] == 1


# --- what was stored before the edge refused it --------------------------------

@pytest.mark.gen_test(timeout=90)
async def test_events_stored_before_the_rules_cannot_stop_the_read_model(harness):
    """A store written by an earlier version may hold a chat whose members
    repeat and a NUL: the read model takes them and goes on, on both stores."""
    app = harness.server.store.app
    alice = await harness.connect("alice")
    repeated = Chat(kind=GROUP, name="twice\u0000", members=["alice", "alice", "bob"],
                    admin="alice", started_by="alice")
    message = Message(chat_id=repeated.id, sender="alice", content="a\u0000b")
    saved = await harness.server.commands.query(app.save, repeated, message)
    chat = by_id(await alice.chats(), str(repeated.id))
    assert [user["user_id"] for user in chat["users"]] == ["alice", "bob"]
    history = await alice.call("get_chat_messages", {"chat_id": str(repeated.id)})
    assert history[0]["data"][-1]["content"] == "a\ufffdb"
    await still_serves(harness)


def test_the_domain_never_starts_a_chat_whose_members_repeat():
    from domain.errors import InvalidChatError
    with pytest.raises(InvalidChatError):
        Chat.start_system("support", "support", "support", "Техподдержка")
    with pytest.raises(InvalidChatError):
        Chat.start_direct("alice", "alice", "me")
    group = Chat.start_group("alice", ["bob", "bob", "alice", "carol"], "g")
    assert group.members == ["alice", "bob", "carol"]
    group.add_members("alice", ["bob", "dan", "dan"])
    assert group.members == ["alice", "bob", "carol", "dan"]


@pytest.mark.parametrize("body", [
    '{"user_id": ' + "[" * 5000 + "]" * 5000 + "}",
    "[" * 20000 + "]" * 20000,
    '{"user_id": "anna", "name": NaN}',
    '{"user_id": "anna", "name": "\\ud800"}',
    '{"user_id": "anna\\u0000"}',
])
@pytest.mark.gen_test(timeout=60)
async def test_the_service_api_answers_a_hostile_body_with_a_json_400(harness, body):
    status, answer = await harness.post("/api/v1/users", body)
    assert status == 400 and answer["error"]["message"]
    status, answer = await harness.post("/api/v1/users", {"user_id": "anna"})
    assert status == 201  # nothing of the refused body was kept
