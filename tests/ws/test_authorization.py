"""Who may do what, request by request: a group's admin, a member who is not
its admin, and an outsider; with other users' ids in the payload. A refusal
changes nothing, and an outsider cannot tell a chat or message exists."""

import base64
import json
import time
import uuid

import jwt
import pytest
import tornado.httpclient

from tests.support.harness import SECRET

OK, FORBIDDEN, NOT_FOUND = "ok", "forbidden", "not_found"

# request: (data, for the admin, for a member, for an outsider). Placeholders
# in data: chat, alices (Alice's message), bobs (Bob's message).
REFUSALS = {
    "get_chat_messages": ({"chat_id": "chat"}, OK, OK, NOT_FOUND),
    "send_message": ({"chat_id": "chat", "content": "x"}, OK, OK, NOT_FOUND),
    "rename_chat": ({"chat_id": "chat", "new_name": "mine"}, OK, FORBIDDEN, NOT_FOUND),
    "add_user": ({"chat_id": "chat", "with_user_id": [{"user_id": "erin"}]},
                 OK, FORBIDDEN, NOT_FOUND),
    "remove_user": ({"chat_id": "chat", "with_user_id": [{"user_id": "carol"}]},
                    OK, FORBIDDEN, NOT_FOUND),
    "mark_read": ({"chat_id": "chat", "message_id": "alices"}, OK, OK, NOT_FOUND),
    "send_message with reply_to": ({"chat_id": "chat", "content": "x", "reply_to": "bobs"},
                                   OK, OK, NOT_FOUND),
    "react": ({"message_id": "alices", "emoji": "👍"}, OK, OK, NOT_FOUND),
    "unreact": ({"message_id": "alices", "emoji": "👍"}, OK, OK, NOT_FOUND),
    "mute_chat": ({"chat_id": "chat"}, OK, OK, NOT_FOUND),
    "unmute_chat": ({"chat_id": "chat"}, OK, OK, NOT_FOUND),
    # Someone else's message: only its sender may change it, admin or not.
    "edit_message": ({"message_id": "bobs", "content": "changed"}, FORBIDDEN, OK, NOT_FOUND),
    "delete_message": ({"message_id": "alices"}, OK, FORBIDDEN, NOT_FOUND),
    "leave_chat": ({"chat_id": "chat"}, None, OK, NOT_FOUND),
    "delete_chat": ({"chat_id": "chat"}, OK, FORBIDDEN, NOT_FOUND),
}
# Allowed requests run in this order, so none takes away what a later one needs.
ORDER = ["get_chat_messages", "send_message", "send_message with reply_to", "mark_read",
         "react", "unreact", "mute_chat", "unmute_chat",
         "edit_message", "rename_chat", "add_user", "remove_user", "delete_message",
         "leave_chat", "delete_chat"]


def filled(data: dict, ids: dict) -> dict:
    return {key: ids.get(value, value) if isinstance(value, str) else value
            for key, value in data.items()}


async def answer(client, kind: str, data: dict) -> tuple[str, dict]:
    kind = kind.split(" ")[0]  # "send_message with reply_to" is a send_message
    [reply] = [frame for frame in await client.call(kind, data)][:1]
    return (reply["data"]["code"] if reply["type"] == "error" else OK), reply


@pytest.mark.gen_test(timeout=120)
async def test_every_request_answers_each_role_rightly(harness):
    alice = await harness.connect("alice", version=2)  # the group's admin
    bob = await harness.connect("bob", version=2)
    carol = await harness.connect("carol")  # version 1: sees the whole chat list
    dave = await harness.connect("dave", version=2)  # not in the group
    [created] = await alice.call("create_chat", {
        "with_user_id": [{"user_id": "bob"}, {"user_id": "carol"}], "chat_name": "Смена"})
    chat_id = created["data"]["chat_id"]
    [alices] = await alice.call("send_message", {"chat_id": chat_id, "content": "from alice"})
    [bobs] = await bob.call("send_message", {"chat_id": chat_id, "content": "from bob"})
    ids = {"chat": chat_id, "alices": alices["data"]["id"], "bobs": bobs["data"]["id"]}
    nowhere = {"chat": str(uuid.uuid4()), "alices": str(uuid.uuid4()),
               "bobs": str(uuid.uuid4())}
    roles = {"admin": alice, "member": bob, "outsider": dave}

    async def seen() -> tuple:
        """What a member could notice: the chat in their list, and its history."""
        page, listed = await carol.call("get_chat_messages", {"chat_id": chat_id})
        [chat] = [c for c in listed["data"] if c["chat_id"] == chat_id]
        return chat, page["data"]

    before = await seen()
    # Refusals first: each is answered as the table says, and changes nothing.
    for kind, (data, *expected) in REFUSALS.items():
        for (role, client), want in zip(roles.items(), expected):
            if want in (OK, None):
                continue
            code, reply = await answer(client, kind, filled(data, ids))
            assert code == want, (kind, role, reply)
            if role == "outsider":  # the same answer as for ids that exist nowhere
                _, elsewhere = await answer(client, kind, filled(data, nowhere))
                assert reply["data"] == elsewhere["data"], (kind, reply, elsewhere)
    assert await seen() == before

    # Then what is allowed, in an order that keeps the chat for the next one.
    for kind in ORDER:
        data, *expected = REFUSALS[kind]
        for (role, client), want in zip(roles.items(), expected):
            if want == OK:
                code, reply = await answer(client, kind, filled(data, ids))
                assert code == OK, (kind, role, reply)


# --- a refused WebSocket upgrade says why -------------------------------------

def _unsigned(claims: dict) -> str:
    """A token whose header says alg "none": no signature at all."""
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.gen_test(timeout=60)
async def test_a_refused_upgrade_says_why(harness):
    signed = harness.tokens.issue
    # query: (status, the reason in the JSON body)
    refusals = {
        "": (401, "no token"),
        f"token={signed('anna', ttl_s=-3600)}": (401, "token expired"),
        f"token={jwt.encode({'sub': 'anna', 'nbf': int(time.time()) + 3600}, SECRET)}":
            (401, "token not valid yet (its nbf or iat is in the future)"),
        f"token={jwt.encode({'sub': 'anna'}, 'another-secret-' + SECRET)}": (401, "bad signature"),
        f"token={_unsigned({'sub': 'anna'})}": (401, "unknown algorithm: tokens are HS256"),
        f"token={jwt.encode({'sub': 'anna'}, SECRET * 2, algorithm='HS512')}":
            (401, "unknown algorithm: tokens are HS256"),
        "token=not-a-token": (401, "malformed token"),
        f"token={signed('support')}": (401, "sub is a system identity, not a user"),
        f"token={signed('anna')}&v=7": (400, "unsupported protocol version: use v=1 or v=2"),
    }
    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    for query, (status, reason) in refusals.items():
        answer = await tornado.httpclient.AsyncHTTPClient().fetch(
            f"http://127.0.0.1:{harness.config.port}/ws?{query}", headers=upgrade,
            raise_error=False)
        assert answer.code == status, (reason, answer.code)
        assert answer.headers["Content-Type"].startswith("application/json")
        assert json.loads(answer.body) == {"error": {"status": status, "message": reason}}
