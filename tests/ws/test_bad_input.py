"""Every bad frame gets its error, changes nothing, and the connection goes on."""

import json
import time
import uuid

import jwt
import pytest
import tornado.httpclient
import tornado.websocket

from tests.support.harness import SECRET, by_id


async def alice_and_bob(harness):
    alice = await harness.connect("alice")
    bob = await harness.connect("bob")
    [reply] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}], "chat_name": "ab"})
    chat_id = reply["data"][0]["chat_id"]
    await alice.call("send_message", {"chat_id": chat_id, "content": "hello"})
    return alice, bob, chat_id


CHAT = "<chat>"

BAD_REQUESTS = [
    # (type, data, expected code)
    ("send_message", {"chat_id": CHAT}, "bad_request"),
    ("send_message", {"chat_id": CHAT, "content": ""}, "bad_request"),
    ("send_message", {"chat_id": CHAT, "content": "   \n"}, "bad_request"),
    ("send_message", {"chat_id": CHAT, "content": 42}, "bad_request"),
    ("send_message", {"content": "no chat"}, "bad_request"),
    ("send_message", {"chat_id": 7, "content": "x"}, "bad_request"),
    ("send_message", {"chat_id": CHAT, "content": "x" * 4097}, "too_large"),
    ("send_message", {"chat_id": CHAT, "content": "x", "sender_id": "bob"}, "forbidden"),
    ("send_message", "not an object", "bad_request"),
    ("create_chat", {"with_user_id": []}, "bad_request"),
    ("create_chat", {"with_user_id": "bob"}, "bad_request"),
    ("create_chat", {"with_user_id": [{"id": "bob"}]}, "bad_request"),
    ("create_chat", {"with_user_id": [{"user_id": "alice"}]}, "bad_request"),
    ("create_chat", {"with_user_id": [{"user_id": "carol"}], "created_by_user_id": "bob"}, "forbidden"),
    ("create_chat", {"with_user_id": [{"user_id": "carol"}], "chat_name": 5}, "bad_request"),
    ("rename_chat", {"chat_id": CHAT, "new_name": ""}, "bad_request"),
    ("rename_chat", {"chat_id": CHAT, "new_name": "n" * 201}, "bad_request"),
    ("rename_chat", {"chat_id": CHAT}, "bad_request"),
    ("delete_chat", {}, "bad_request"),
    ("get_chat_messages", {"chat_id": CHAT, "limit": 0}, "bad_request"),
    ("get_chat_messages", {"chat_id": CHAT, "limit": "3"}, "bad_request"),
    ("get_chat_messages", {"chat_id": CHAT, "before": str(uuid.uuid4())}, "not_found"),
    ("get_chat_messages", {"chat_id": "not-a-uuid"}, "not_found"),
    ("launch_rocket", {}, "unknown_type"),
]


@pytest.mark.parametrize("kind, data, code", BAD_REQUESTS)
@pytest.mark.gen_test(timeout=60)
async def test_a_bad_request_is_refused_and_changes_nothing(harness, kind, data, code):
    alice, bob, chat_id = await alice_and_bob(harness)
    before = await alice.chats()
    if isinstance(data, dict):
        data = {key: chat_id if value == CHAT else value for key, value in data.items()}

    [error] = await alice.call(kind, data, request_id=77)

    assert error["type"] == "error" and error["request_id"] == 77
    assert error["data"]["code"] == code
    assert error["data"]["request_type"] == kind
    assert error["data"]["message"]
    assert await alice.chats() == before  # nothing changed, and the connection still answers
    history = await bob.call("get_chat_messages", {"chat_id": chat_id})
    assert [m["content"] for m in history[0]["data"]] == ["hello"]


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '"just a string"', '{"data": {}}',
                                  '{"type": 5, "data": {}}'])
@pytest.mark.gen_test(timeout=60)
async def test_a_malformed_frame_gets_bad_request(harness, text):
    alice = await harness.connect("alice")
    alice.socket.write_message(text)
    error = await alice.push("error")
    assert error["data"]["code"] == "bad_request"
    assert len(await alice.chats()) == 1


@pytest.mark.gen_test(timeout=60)
async def test_outsiders_cannot_tell_a_chat_exists(harness):
    alice, bob, chat_id = await alice_and_bob(harness)
    mallory = await harness.connect("mallory")
    nowhere = str(uuid.uuid4())
    for target in (chat_id, nowhere):
        for kind, data in [
            ("get_chat_messages", {"chat_id": target}),
            ("send_message", {"chat_id": target, "content": "hi"}),
            ("rename_chat", {"chat_id": target, "new_name": "mine"}),
            ("delete_chat", {"chat_id": target}),
        ]:
            [error] = await mallory.call(kind, data)
            assert error["data"] == {"code": "not_found", "message": "no such chat",
                                     "request_type": kind}
    chat = by_id(await alice.chats(), chat_id)
    assert chat["chat_name"] == "ab" and chat["lastest_message"] == "hello"


@pytest.mark.gen_test(timeout=60)
async def test_the_tech_support_chat_cannot_be_renamed_or_deleted(harness):
    alice = await harness.connect("alice")
    for kind, data in [("rename_chat", {"chat_id": alice.support_chat_id, "new_name": "mine"}),
                       ("delete_chat", {"chat_id": alice.support_chat_id})]:
        [error] = await alice.call(kind, data)
        assert error["data"]["code"] == "forbidden"
    [support] = await alice.chats()
    assert support["chat_name"] == "Техподдержка"


@pytest.mark.gen_test(timeout=60)
async def test_an_oversized_frame_closes_the_connection(harness, config):
    alice = await harness.connect("alice")
    alice.socket.write_message(json.dumps({"type": "send_message", "data": {
        "chat_id": alice.support_chat_id, "content": "x" * config.max_frame_bytes}}))
    assert await alice.socket.read_message() is None
    assert alice.socket.close_code == 1009


def signed(claims: dict, algorithm: str = "HS256", key: str = SECRET) -> str:
    return jwt.encode({"sub": "alice", **claims}, key, algorithm=algorithm)


@pytest.mark.parametrize("token", [None, "garbage", "expired", "foreign", "not_yet_valid",
                                   "alg_none", "other_alg"])
@pytest.mark.gen_test(timeout=60)
async def test_no_connection_without_a_valid_token(harness, token):
    from messenger.auth import Tokens
    now = int(time.time())
    query = {
        None: "",
        "garbage": "?token=abc.def.ghi",
        # Beyond the 30 s of clock skew allowed by default.
        "expired": f"?token={harness.tokens.issue('alice', ttl_s=-120)}",
        "not_yet_valid": f"?token={signed({'nbf': now + 120})}",
        "foreign": f"?token={Tokens('another-secret-of-at-least-32-bytes!').issue('alice')}",
        "alg_none": f"?token={signed({}, algorithm='none', key=None)}",
        "other_alg": f"?token={signed({}, algorithm='HS512')}",  # the right secret, though
    }[token]
    with pytest.raises(tornado.httpclient.HTTPClientError) as refused:
        await tornado.websocket.websocket_connect(harness.url + query)
    assert refused.value.code == 401


@pytest.mark.gen_test(timeout=60)
async def test_clocks_a_little_apart_are_forgiven(harness):
    now = int(time.time())
    for claims in ({"exp": now - 5}, {"nbf": now + 5}):
        socket = await tornado.websocket.websocket_connect(f"{harness.url}?token={signed(claims)}")
        assert json.loads(await socket.read_message())["type"] == "chat_list"
        socket.close()


@pytest.mark.gen_test(timeout=60)
async def test_a_bearer_header_works_like_the_query_token(harness):
    request = tornado.httpclient.HTTPRequest(
        harness.url, headers={"Authorization": f"Bearer {harness.tokens.issue('alice')}"})
    socket = await tornado.websocket.websocket_connect(request)
    first = json.loads(await socket.read_message())
    assert first["type"] == "chat_list" and first["data"][0]["is_tech_support"]
    socket.close()
