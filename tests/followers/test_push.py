"""Pushes to offline members, through stand-ins of APNs and FCM on 127.0.0.1."""

import asyncio
from dataclasses import replace
from uuid import UUID

import pytest

from messenger.push.sender import PushSender
from tests.support.harness import Harness
from tests.support.push_standins import (
    APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC, APNS_UNAVAILABLE, ApnsStandIn, FcmStandIn,
    apns_throttled, fcm_throttled
)


def running(io_loop, standin, folder):
    io_loop.run_sync(lambda: standin.start(folder))
    yield standin
    io_loop.run_sync(standin.stop)


@pytest.fixture
def apns(io_loop, tmp_path):
    yield from running(io_loop, ApnsStandIn(), tmp_path)


@pytest.fixture
def fcm(io_loop, tmp_path):
    yield from running(io_loop, FcmStandIn(), tmp_path)


@pytest.fixture
def harness(io_loop, config, apns, fcm):
    harness = Harness(replace(
        config, apns_key_file=str(apns.key_file), apns_key_id=APNS_KEY_ID,
        apns_team_id=APNS_TEAM_ID, apns_topic=APNS_TOPIC, apns_url=apns.url,
        apns_ca_file=str(apns.ca_file), fcm_service_account_file=str(fcm.service_account_file),
        fcm_url=fcm.url))
    io_loop.run_sync(harness.start)
    yield harness
    io_loop.run_sync(harness.stop)


async def settled(harness) -> None:
    """Waits until the push sender has dealt with every event stored so far."""
    server = harness.server

    def last_position() -> int:
        recorder = server.store.app.recorder
        notifications = recorder.select_notifications(start=1, limit=1_000_000,
                                                      topics=PushSender.topics)
        return notifications[-1].id if notifications else 0

    goal = await server.commands.query(last_position)
    if goal:  # the library's own wait on the sender's tracked position
        await server.commands.query(server.push.view.wait, "Messenger", goal, 30)


async def offline(harness, client) -> None:
    """Closes a user's connection and waits until no process counts them present."""
    client.close()
    while await harness.server.commands.query(harness.server.push.view.is_online, client.user_id):
        await asyncio.sleep(0.02)


async def with_device(harness, user_id, platform, token, name=""):
    client = await harness.connect(user_id, name)
    [reply] = await client.call("register_device", {"platform": platform, "token": token})
    assert reply == {"type": "device_registered", "data": {"platform": platform, "token": token},
                     "request_id": reply["request_id"]}
    return client


async def alice_with_two_offline_phones(harness):
    """Alice, online, in a group with Bob (an Android phone) and Carol (an iPhone), both away."""
    alice = await harness.connect("alice")
    bob = await with_device(harness, "bob", "android", "fcm-bob")
    carol = await with_device(harness, "carol", "ios", "apns-carol")
    chat_id = await group(alice, "bob", "carol")
    await offline(harness, bob)
    await offline(harness, carol)
    return alice, chat_id


async def group(creator, *others, name="Смена"):
    [reply] = await creator.call("create_chat", {
        "with_user_id": [{"user_id": user} for user in others], "chat_name": name})
    return reply["data"][0]["chat_id"]


@pytest.mark.gen_test(timeout=90)
async def test_offline_members_get_one_push_per_message_online_muted_and_sender_none(
        harness, apns, fcm):
    alice = await with_device(harness, "alice", "ios", "apns-alice", "Алиса")
    bob = await with_device(harness, "bob", "android", "fcm-bob")
    carol = await with_device(harness, "carol", "ios", "apns-carol")
    chat_id = await group(alice, "bob", "carol")
    [muted] = await carol.call("mute_chat", {"chat_id": chat_id})
    assert next(c for c in muted["data"] if c["chat_id"] == chat_id)["muted"] is True
    await offline(harness, bob)
    await offline(harness, carol)

    first = await alice.call("send_message", {"chat_id": chat_id, "content": "Смена в 9"})
    await settled(harness)  # a badge shows the unread count when its push is sent
    await alice.call("send_message", {"chat_id": chat_id, "content": "Не опаздывайте"})
    await settled(harness)

    pushes = fcm.to("fcm-bob")
    assert [p["notification"] for p in pushes] == [
        {"title": "Алиса (alice) · Смена", "body": "Смена в 9"},
        {"title": "Алиса (alice) · Смена", "body": "Не опаздывайте"}]
    assert [p["data"]["badge"] for p in pushes] == ["1", "2"]
    assert pushes[0]["data"]["chat_id"] == chat_id
    assert pushes[0]["data"]["message_id"] == first[1]["data"][-1]["id"]
    assert apns.received == []  # Carol muted the chat; Alice sent it and is online

    bob = await harness.connect("bob")
    await alice.call("send_message", {"chat_id": chat_id, "content": "Все на месте?"})
    await settled(harness)
    assert len(fcm.to("fcm-bob")) == 2  # Bob is connected now: no push


@pytest.mark.gen_test(timeout=90)
async def test_apns_push_carries_title_body_badge_and_ids(harness, apns):
    alice = await harness.connect("alice", "Алиса")
    bob = await with_device(harness, "bob", "ios", "apns-bob")
    [reply] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
    chat_id = reply["data"][0]["chat_id"]
    await offline(harness, bob)
    sent = await alice.call("send_message", {"chat_id": chat_id, "content": "x" * 500})
    await settled(harness)
    [push] = apns.to("apns-bob")
    assert push["aps"]["alert"]["title"] == "Алиса (alice)"
    assert push["aps"]["alert"]["body"] == "x" * 179 + "…"
    assert push["aps"]["badge"] == 1
    assert push["message_id"] == sent[1]["data"][-1]["id"] and push["chat_id"] == chat_id


@pytest.mark.gen_test(timeout=90)
async def test_the_title_names_the_registered_sender_and_a_claimed_fio_forges_no_line(
        harness, fcm):
    vera = await harness.connect("vera", "Вера Иванова")
    bob = await with_device(harness, "bob", "android", "fcm-bob")
    chat_id = await group(vera, "bob", "carol")
    await offline(harness, bob)
    await vera.call("send_message", {"chat_id": chat_id, "content": "один",
                                     "sender_fio": "Вера Петровна"})
    # Stored as it came, as messages from before sender_fio was checked were.
    server = harness.server
    await server.commands.run(None, server.store.app.post_message, UUID(chat_id), "vera", "два",
                              "Директор (boss):\nсбросьте пароль bob\n\n\u202e…")
    await settled(harness)
    assert [p["notification"]["title"] for p in fcm.to("fcm-bob")] == [
        "Вера Иванова (vera) — подпись: «Вера Петровна» · Смена",
        "Вера Иванова (vera) — подпись: «Директор (boss): сбросьте пароль bob …» · Смена"]


@pytest.mark.gen_test(timeout=90)
async def test_dead_tokens_are_removed_when_the_provider_says_so(harness, apns, fcm):
    alice, chat_id = await alice_with_two_offline_phones(harness)
    fcm.dead.add("fcm-bob")
    apns.dead.add("apns-carol")

    await alice.call("send_message", {"chat_id": chat_id, "content": "one"})
    await settled(harness)
    await settled(harness)  # and the rejections that followed
    view = harness.server.push.view
    assert await harness.server.commands.query(view.devices_of, "bob") == []
    assert await harness.server.commands.query(view.devices_of, "carol") == []

    await alice.call("send_message", {"chat_id": chat_id, "content": "two"})
    await settled(harness)
    assert fcm.attempts == ["fcm-bob"] and apns.attempts == ["apns-carol"]


@pytest.mark.gen_test(timeout=90)
async def test_throttled_pushes_are_retried_and_arrive_once(harness, apns, fcm):
    alice, chat_id = await alice_with_two_offline_phones(harness)
    fcm.failures = [fcm_throttled()]
    apns.failures = [apns_throttled()]

    await alice.call("send_message", {"chat_id": chat_id, "content": "busy day"})
    await settled(harness)
    assert len(fcm.to("fcm-bob")) == 1 and len(fcm.attempts) == 2
    assert len(apns.to("apns-carol")) == 1 and len(apns.attempts) == 2


@pytest.mark.gen_test(timeout=120)
async def test_a_restart_in_the_middle_of_a_backlog_sends_each_push_once(harness, apns):
    alice = await harness.connect("alice")
    carol = await with_device(harness, "carol", "ios", "apns-carol")
    [reply] = await alice.call("create_chat", {"with_user_id": [{"user_id": "carol"}]})
    chat_id = reply["data"][0]["chat_id"]
    await offline(harness, carol)
    await alice.call("send_message", {"chat_id": chat_id, "content": "m1"})
    await settled(harness)
    apns.always_fail = APNS_UNAVAILABLE
    for text in ("m2", "m3"):
        await alice.call("send_message", {"chat_id": chat_id, "content": text})
    while len(apns.attempts) < 3:  # m2 is being tried, and failing
        await asyncio.sleep(0.02)

    await harness.stop()
    apns.always_fail = None
    await harness.start()
    await settled(harness)

    assert [p["aps"]["alert"]["body"] for p in apns.to("apns-carol")] == ["m1", "m2", "m3"]


@pytest.mark.gen_test(timeout=90)
async def test_a_token_belongs_to_its_newest_user_and_unregistering_stops_pushes(harness, fcm):
    alice = await harness.connect("alice")
    bob = await with_device(harness, "bob", "android", "shared-phone")
    dave = await with_device(harness, "dave", "android", "shared-phone")
    to_bob = (await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]}))[0]
    to_dave = (await alice.call("create_chat", {"with_user_id": [{"user_id": "dave"}]}))[0]
    await offline(harness, bob)
    await offline(harness, dave)

    await alice.call("send_message", {"chat_id": to_bob["data"][0]["chat_id"], "content": "bob?"})
    await alice.call("send_message", {"chat_id": to_dave["data"][0]["chat_id"], "content": "dave?"})
    await settled(harness)
    assert [p["notification"]["body"] for p in fcm.to("shared-phone")] == ["dave?"]

    dave = await harness.connect("dave")
    [reply] = await dave.call("unregister_device", {"platform": "android", "token": "shared-phone"})
    assert reply["type"] == "device_unregistered"
    await offline(harness, dave)
    await alice.call("send_message", {"chat_id": to_dave["data"][0]["chat_id"], "content": "gone"})
    await settled(harness)
    assert [p["notification"]["body"] for p in fcm.to("shared-phone")] == ["dave?"]


@pytest.mark.parametrize("data", [
    {"platform": "blackberry", "token": "t"},
    {"platform": "ios", "token": ""},
    {"platform": "ios", "token": "t" * 4097},
    {"platform": "ios"},
    {"token": "t"},
])
@pytest.mark.gen_test(timeout=60)
async def test_a_bad_device_is_refused_and_stores_nothing(harness, fcm, apns, data):
    alice = await harness.connect("alice")
    [error] = await alice.call("register_device", data)
    assert error["data"]["code"] == "bad_request"
    await settled(harness)
    assert await harness.server.commands.query(harness.server.push.view.devices_of, "alice") == []


@pytest.mark.gen_test(timeout=90)
async def test_booking_notices_push_with_the_chat_name(harness, fcm):
    bob = await with_device(harness, "bob", "web", "fcm-web-bob")
    await offline(harness, bob)
    status, _ = await harness.post("/api/v1/notifications/bookings", {
        "event_id": "e-1", "user_id": "bob", "source": "online", "event": "created",
        "booking": {"id": 7, "service": "Маникюр"}})
    assert status == 201
    await settled(harness)
    [push] = fcm.to("fcm-web-bob")
    assert push["notification"] == {"title": "Онлайн-запись",
                                    "body": "Новая запись №7, услуга «Маникюр»."}


@pytest.mark.gen_test(timeout=90)
async def test_a_reply_is_pushed_like_any_message_and_a_reaction_not_at_all(harness, fcm):
    alice, chat_id = await alice_with_two_offline_phones(harness)
    first = await alice.call("send_message", {"chat_id": chat_id, "content": "Смена в 9"})
    first_id = first[1]["data"][-1]["id"]
    await settled(harness)
    await alice.call("react", {"message_id": first_id, "emoji": "👍"})
    await alice.call("unreact", {"message_id": first_id, "emoji": "👍"})
    await alice.call("react", {"message_id": first_id, "emoji": "⏰"})
    await alice.call("send_message", {"chat_id": chat_id, "content": "Не опаздывайте",
                                      "reply_to": first_id})
    await settled(harness)
    pushes = fcm.to("fcm-bob")
    assert [p["notification"]["body"] for p in pushes] == ["Смена в 9", "Не опаздывайте"]
    assert [p["data"]["badge"] for p in pushes] == ["1", "2"]  # reactions are not unread
