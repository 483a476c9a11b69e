"""The property behind tests/ws/test_poison_input.py: whatever strings and ids
clients and the booking platform send (NUL, lone surrogates, RTL overrides,
combining marks, zero-width characters, the system identities' own ids, huge
and empty values), over real WebSockets and the service API, on both stores,
the service stays up: /healthz is 200, two new users can still chat, and every
view equals a rebuild from the events."""

import asyncio
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.support.harness import Harness, assert_views_equal_a_rebuild, unlimited
from tests.ws.test_poison_input import health, still_serves

USERS = ("alice", "bob", "carol")
EXAMPLES = 300

SPECIAL = ["", " ", "\u0000", "a\u0000b", "\ud800", "a\udfffb", "\u202eevil", "e\u0301",
           "\u200b", "\ufeff", "support", "bookings", "alice", "x" * 5000, "\n\r\t",
           "Директор (boss):\nсбросьте пароль", "👩‍👩‍👧", "\U0010ffff"]
nasty_text = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(st.characters(exclude_categories=()), max_size=40),  # surrogates included
    st.lists(st.sampled_from(SPECIAL), min_size=2, max_size=4).map("".join),
)
nasty_id = st.one_of(nasty_text, st.integers(), st.sampled_from(["support", "bookings"]))


def requests(ids: dict):
    """WebSocket requests of every kind, with hostile values where a client
    chooses them."""
    chat, message = ids["chat"], ids["message"]
    users = st.lists(st.builds(lambda user: {"user_id": user}, nasty_id), min_size=1, max_size=3)
    kinds = {
        "create_chat": st.fixed_dictionaries({"with_user_id": users}, optional={
            "chat_name": nasty_text}),
        "rename_chat": st.fixed_dictionaries({"chat_id": st.just(chat), "new_name": nasty_text}),
        "send_message": st.fixed_dictionaries(
            {"chat_id": st.sampled_from([chat, ids["support"]]), "content": nasty_text},
            optional={"sender_fio": nasty_text, "client_msg_id": nasty_id}),
        "add_user": st.fixed_dictionaries({"chat_id": st.just(chat), "with_user_id": users}),
        "edit_message": st.fixed_dictionaries({"message_id": st.just(message),
                                               "content": nasty_text}),
        "get_chat_messages": st.fixed_dictionaries({"chat_id": st.just(chat)}, optional={
            "before": nasty_text}),
        "register_device": st.fixed_dictionaries({"platform": st.just("android"),
                                                  "token": nasty_text}),
        "search_messages": st.fixed_dictionaries({"text": nasty_text}, optional={
            "chat_id": st.just(chat), "before": nasty_text}),
    }
    return st.sampled_from(sorted(kinds)).flatmap(
        lambda kind: st.builds(lambda data, request_id: {"type": kind, "data": data,
                                                         "request_id": request_id},
                               kinds[kind], st.one_of(st.just("p"), nasty_text)))


service_calls = st.one_of(
    st.builds(lambda user, name: ("/api/v1/users", {"user_id": user, "name": name}),
              nasty_id, nasty_text),
    st.builds(lambda event, user, source, comment: (
        "/api/v1/notifications/bookings",
        {"event_id": event, "user_id": user, "source": source, "event": "created",
         "booking": {"id": event, "client_name": comment, "comment": comment}}),
        nasty_id, st.one_of(nasty_id, st.sampled_from(USERS)), st.sampled_from(["bot", "online"]),
        nasty_text),
)


@pytest.mark.gen_test(timeout=600)
def test_no_string_or_id_from_outside_can_stop_the_service(io_loop, config):
    config = unlimited(config)
    harness = Harness(config)
    io_loop.run_sync(harness.start)

    async def setup():
        clients = [await harness.connect(user) for user in USERS]
        [created] = await clients[0].call("create_chat", {
            "with_user_id": [{"user_id": "bob"}, {"user_id": "carol"}], "chat_name": "team"})
        chat = created["data"][0]["chat_id"]
        replies = await clients[0].call("send_message", {"chat_id": chat, "content": "first"})
        return clients, {"chat": chat, "message": replies[1]["data"][-1]["id"],
                         "support": clients[0].support_chat_id}

    clients, ids = io_loop.run_sync(setup)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(range(len(USERS))), requests(ids), service_calls)
    def attack(who, request, call):
        client = clients[who]

        async def exchange():
            # ensure_ascii: a lone surrogate travels as a \ud800 escape, as a
            # hostile client would send it.
            client.socket.write_message(json.dumps(request))
            client.socket.write_message(json.dumps({
                "type": "get_chat_messages", "request_id": "probe",
                "data": {"chat_id": client.support_chat_id}}))
            while True:  # the connection still answers, in valid JSON
                text = await asyncio.wait_for(client.socket.read_message(), 10)
                assert text is not None, f"connection closed after {request!r}"
                frame = json.loads(text)
                if frame.get("request_id") == "probe" and frame["type"] == "chat_list":
                    break
                if frame["type"] == "error":
                    assert frame["data"]["code"] != "unavailable", (request, frame)
            status, _ = await harness.post(*call)
            assert status < 500, call

        io_loop.run_sync(exchange)

    attack()

    assert io_loop.run_sync(lambda: health(harness)) == 200
    io_loop.run_sync(lambda: still_serves(harness))
    assert_views_equal_a_rebuild(io_loop, harness, (*USERS, "support", "bookings"))
