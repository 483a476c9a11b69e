"""The booking platform registers users and sends booking notices; users see
them in their notification chats, live or later, counted as unread."""

import pytest

from tests.support.harness import by_id, ids

BOOKING = {"id": 42, "client_name": "Иван Петров", "client_phone": "+7 900 000-00-00",
           "service": "Стрижка", "staff_name": "Анна", "starts_at": "2026-11-25T10:00:00+03:00",
           "ends_at": "2026-11-25T11:00:00+03:00"}


def notice(event_id="evt-1", user_id="anna", source="bot", event="created", **booking):
    return {"event_id": event_id, "user_id": user_id, "source": source, "event": event,
            "booking": {**BOOKING, **booking}}


@pytest.mark.gen_test(timeout=60)
async def test_registering_a_user_twice_makes_one_support_chat(harness):
    status, answer = await harness.post("/api/v1/users", {"user_id": "anna", "name": "Анна"})
    assert status == 201 and answer["registered"] is True
    status, again = await harness.post("/api/v1/users", {"user_id": "anna", "name": "Анна"})
    assert status == 200 and again["registered"] is False
    assert again["support_chat_id"] == answer["support_chat_id"]

    anna = await harness.connect("anna")
    assert [chat["chat_id"] for chat in anna.initial_chats] == [answer["support_chat_id"]]


@pytest.mark.gen_test(timeout=60)
async def test_a_bot_booking_notice_reaches_a_connected_user_live_and_unread(harness):
    anna = await harness.connect("anna")

    status, answer = await harness.post("/api/v1/notifications/bookings", notice())
    assert status == 201 and answer["duplicate"] is False

    listed = await anna.push("chat_list", lambda f: answer["chat_id"] in ids(f["data"])
                             and by_id(f["data"], answer["chat_id"])["lastest_message"])
    chat = by_id(listed["data"], answer["chat_id"])
    assert chat["is_telegram_chat"] is True and chat["is_tech_support"] is False
    assert chat["unread"] == 1
    assert chat["lastest_message"] == ("Новая запись №42: клиент Иван Петров (+7 900 000-00-00), "
                                       "услуга «Стрижка», мастер Анна, 25.11.2026 10:00 – 11:00.")
    shown = await anna.push("chat_messages", lambda f: f["chat_id"] == answer["chat_id"])
    assert shown["data"][-1]["id"] == answer["message_id"]
    assert shown["data"][-1]["sender"] == "bookings"


@pytest.mark.gen_test(timeout=60)
async def test_a_repeated_event_adds_nothing_and_online_notices_have_their_own_chat(harness):
    for _ in range(2):
        await harness.post("/api/v1/notifications/bookings", notice("evt-1"))
    status, repeated = await harness.post("/api/v1/notifications/bookings", notice("evt-1"))
    assert status == 200 and repeated["duplicate"] is True
    await harness.post("/api/v1/notifications/bookings", notice("evt-2", event="cancelled"))
    _, online = await harness.post("/api/v1/notifications/bookings",
                                   notice("evt-3", source="online", id="w-7"))

    # Anna was never registered: the notices registered her.
    anna = await harness.connect("anna")
    bot_chat = by_id(anna.initial_chats, repeated["chat_id"])
    assert bot_chat["unread"] == 2 and bot_chat["is_telegram_chat"] is True
    online_chat = by_id(anna.initial_chats, online["chat_id"])
    assert online_chat["unread"] == 1 and online_chat["is_telegram_chat"] is False
    assert online_chat["kind"] == "online_bookings"
    assert len(anna.initial_chats) == 3  # support, bot bookings, online bookings
    history = await anna.call("get_chat_messages", {"chat_id": repeated["chat_id"]})
    assert [m["content"].split(" №")[0] for m in history[0]["data"]] == [
        "Новая запись", "Запись отменена"]


@pytest.mark.gen_test(timeout=60)
async def test_notification_chats_are_read_only_for_users(harness):
    _, answer = await harness.post("/api/v1/notifications/bookings", notice())
    anna = await harness.connect("anna")
    for kind, data in [("send_message", {"chat_id": answer["chat_id"], "content": "thanks"}),
                       ("rename_chat", {"chat_id": answer["chat_id"], "new_name": "mine"}),
                       ("delete_chat", {"chat_id": answer["chat_id"]})]:
        [error] = await anna.call(kind, data)
        assert error["data"]["code"] == "forbidden", kind


@pytest.mark.parametrize("body, message", [
    ("{not json", "not valid JSON"),
    ([1, 2], "JSON object"),
    (notice(event_id=""), "event_id"),
    (notice(user_id=5), "user_id"),
    (notice(source="fax"), "source"),
    (notice(event="moved"), "event"),
    ({**notice(), "booking": "42"}, "booking"),
    (notice(id=None), "booking.id"),
    (notice(starts_at="tomorrow"), "booking.starts_at"),
    (notice(service=["a"]), "booking.service"),
])
@pytest.mark.gen_test(timeout=60)
async def test_an_invalid_notice_gets_400_and_stores_nothing(harness, body, message):
    status, answer = await harness.post("/api/v1/notifications/bookings", body)
    assert status == 400 and message in answer["error"]["message"]
    anna = await harness.connect("anna")
    assert len(anna.initial_chats) == 1  # only the support chat of her first connection


@pytest.mark.parametrize("token", [None, "wrong-token"])
@pytest.mark.gen_test(timeout=60)
async def test_the_service_api_needs_the_service_token(harness, token):
    for path, body in [("/api/v1/users", {"user_id": "anna"}),
                       ("/api/v1/notifications/bookings", notice())]:
        status, answer = await harness.post(path, body, token=token)
        assert status == 401 and answer["error"]["status"] == 401
    anna = await harness.connect("anna")
    assert len(anna.initial_chats) == 1


@pytest.mark.gen_test(timeout=60)
async def test_concurrent_registrations_and_notices_store_each_thing_once(harness):
    import asyncio
    answers = await asyncio.gather(
        *[harness.post("/api/v1/users", {"user_id": "anna", "name": "Анна"}) for _ in range(6)],
        *[harness.post("/api/v1/notifications/bookings", notice("evt-9")) for _ in range(6)])
    users, notices = answers[:6], answers[6:]
    assert sorted(status for status, _ in users) == [200] * 5 + [201]
    assert sorted(status for status, _ in notices) == [200] * 5 + [201]
    anna = await harness.connect("anna")
    assert sorted(chat["kind"] for chat in anna.initial_chats) == ["bot_bookings", "support"]
    assert by_id(anna.initial_chats, notices[0][1]["chat_id"])["unread"] == 1
