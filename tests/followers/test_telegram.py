"""The tech-support bridge against a Bot API stand-in on 127.0.0.1."""

import asyncio
import json
from dataclasses import replace
from uuid import UUID

import pytest
import tornado.httpclient
import tornado.websocket

from messenger.telegram.bot_api import CUT_MARKER
from messenger.telegram.bridge import webhook_secret
from messenger.telegram.replies import CUT, ONLY_TEXT, UNKNOWN_POST
from tests.support.harness import Harness, by_id, running
from tests.support.telegram_standin import (
    BAD_GATEWAY, BOT_TOKEN, MAX_TEXT_UNITS, SUPPORT_CHAT_ID, StandIn, too_many_requests
)

PUBLIC_URL = "https://messenger.example.test"


@pytest.fixture
def standin(io_loop):
    yield from running(io_loop, StandIn())


def bridged(config, standin, mode):
    return replace(config, telegram_bot_token=BOT_TOKEN, telegram_support_chat_id=SUPPORT_CHAT_ID,
                   telegram_api_url=standin.url, telegram_mode=mode, public_url=PUBLIC_URL)


@pytest.fixture(params=["polling", "webhook"])
def mode(request):
    return request.param


@pytest.fixture
def harness(io_loop, config, standin, mode):
    harness = Harness(bridged(config, standin, mode))
    io_loop.run_sync(harness.start)
    yield harness
    io_loop.run_sync(harness.stop)


async def deliver(harness, standin, mode, update) -> int:
    """Hands an update to the server the way the mode does; the webhook's status."""
    if mode == "polling":
        standin.queue_update(update)
        return 200
    return await post_to_webhook(harness, json.dumps(update))


async def post_to_webhook(harness, body: str) -> int:
    secret = webhook_secret(BOT_TOKEN)
    answer = await tornado.httpclient.AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{harness.config.port}/telegram/webhook/{secret}", method="POST",
        body=body, headers={"X-Telegram-Bot-Api-Secret-Token": secret}, raise_error=False)
    return answer.code


@pytest.mark.gen_test(timeout=60)
async def test_a_question_reaches_support_and_the_answer_comes_back(harness, standin, mode):
    alice = await harness.connect("alice", "Алиса Петрова")
    await alice.call("send_message", {"chat_id": alice.support_chat_id,
                                      "content": "Не открывается расписание"})

    [post] = await standin.posts(1)
    assert post["chat_id"] == SUPPORT_CHAT_ID
    assert post["text"] == "Алиса Петрова (alice):\nНе открывается расписание"

    status = await deliver(harness, standin, mode,
                           standin.message("Обновите приложение", reply_to=post["message_id"]))
    assert status == 200
    shown = await alice.push("chat_messages", lambda f: f["chat_id"] == alice.support_chat_id
                             and f["data"][-1]["sender"] == "support")
    assert shown["data"][-1]["content"] == "Обновите приложение"
    assert [m["is_read"] for m in shown["data"]] == [True, False]  # support has read Alice
    await alice.push("chat_list", lambda f: by_id(f["data"], alice.support_chat_id)["unread"] == 1)


@pytest.mark.gen_test(timeout=60)
async def test_a_reply_is_posted_as_a_message_and_a_reaction_is_not_posted(harness, standin):
    alice = await harness.connect("alice", "Алиса Петрова", version=2)
    [asked] = await alice.call("send_message", {"chat_id": alice.support_chat_id,
                                                "content": "Касса не печатает"})
    await standin.posts(1)
    await alice.call("react", {"message_id": asked["data"]["id"], "emoji": "🙏"})
    await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "Уже печатает",
                                      "reply_to": asked["data"]["id"]})
    await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "Спасибо"})
    posts = await standin.posts(3)
    assert [post["text"].split("\n")[1] for post in posts] == [
        "Касса не печатает", "Уже печатает", "Спасибо"]


@pytest.mark.gen_test(timeout=60)
async def test_sender_fio_is_a_label_beside_the_registered_name_and_other_chats_are_not_bridged(
        harness, standin):
    alice = await harness.connect("alice", "Алиса Петрова")
    [reply] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
    await alice.call("send_message", {"chat_id": reply["data"][0]["chat_id"], "content": "private"})
    await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "help",
                                      "sender_fio": "Петрова Алиса Ивановна"})
    posts = await standin.posts(1)
    assert [p["text"] for p in posts] == [
        "Алиса Петрова (alice) — подпись: «Петрова Алиса Ивановна»:\nhelp"]


@pytest.mark.gen_test(timeout=60)
async def test_a_hostile_fio_stored_with_a_message_forges_no_line_in_the_post(harness, standin):
    vera = await harness.connect("vera", "Вера Иванова")
    # Stored as it came, as messages from before sender_fio was checked were.
    server = harness.server
    await server.commands.run(None, server.store.app.post_message, UUID(vera.support_chat_id),
                              "vera", "help", "Директор (boss):\nсбросьте пароль vera\n\n\u202e…")
    [post] = await standin.posts(1)
    assert post["text"].split("\n") == [
        "Вера Иванова (vera) — подпись: «Директор (boss): сбросьте пароль vera …»:", "help"]


@pytest.mark.gen_test(timeout=60)
async def test_a_post_never_passes_telegrams_cap(harness, standin):
    alice = await harness.connect("alice", "Алиса Петрова")
    # Within the messenger's 4,096 characters, but 8,000 UTF-16 units to Telegram.
    await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "😀" * 4000})
    [post] = await standin.posts(1)
    assert len(post["text"].encode("utf-16-le")) <= 2 * MAX_TEXT_UNITS
    header, content = post["text"].split("\n", 1)
    assert header == "Алиса Петрова (alice):"
    assert content.startswith("😀" * 2000) and content.endswith(CUT_MARKER)


@pytest.mark.gen_test(timeout=60)
async def test_a_repeated_update_adds_one_message(harness, standin, mode):
    alice = await harness.connect("alice")
    await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "?"})
    [post] = await standin.posts(1)
    update = standin.message("answer", reply_to=post["message_id"])
    for update_id in (update["update_id"], update["update_id"] + 1000):
        # Delivered again, as after a restart that had not confirmed it yet.
        await deliver(harness, standin, mode, {**update, "update_id": update_id})
    # A later message is the proof the repeat was handled: it comes after it.
    await deliver(harness, standin, mode, standin.message("later", reply_to=post["message_id"]))
    await alice.push("chat_messages", lambda f: f["data"][-1]["content"] == "later")
    history = await alice.call("get_chat_messages", {"chat_id": alice.support_chat_id})
    assert [m["content"] for m in history[0]["data"]] == ["?", "answer", "later"]


@pytest.mark.gen_test(timeout=60)
async def test_unknown_posts_and_photos_get_an_explanation_in_telegram(harness, standin, mode):
    alice = await harness.connect("alice")
    await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "?"})
    [post] = await standin.posts(1)

    await deliver(harness, standin, mode, standin.message("to whom?", reply_to=999999))
    explained = await standin.posts(2)
    assert explained[1]["text"] == UNKNOWN_POST and explained[1]["chat_id"] == SUPPORT_CHAT_ID

    await deliver(harness, standin, mode, standin.message(
        None, reply_to=post["message_id"], photo=[{"file_id": "x", "file_unique_id": "x",
                                                   "width": 1, "height": 1}]))
    explained = await standin.posts(3)
    assert explained[2]["text"] == ONLY_TEXT
    assert len(await alice.chats()) == 1
    history = await alice.call("get_chat_messages", {"chat_id": alice.support_chat_id})
    assert [m["content"] for m in history[0]["data"]] == ["?"]


@pytest.mark.gen_test(timeout=60)
async def test_a_rate_limited_post_is_retried_and_sent_once(harness, standin):
    standin.failures = [too_many_requests(retry_after=1)]
    alice = await harness.connect("alice")
    await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "first"})
    await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "second"})
    posts = await standin.posts(2)
    assert [p["text"].split("\n")[1] for p in posts] == ["first", "second"]
    assert standin.attempts == 3


@pytest.mark.gen_test(timeout=60)
async def test_the_webhook_is_registered_and_refuses_a_wrong_secret(harness, standin, mode):
    while not standin.webhooks:  # registered in the background, so a down Telegram never blocks a start
        await asyncio.sleep(0.05)
    if mode == "polling":
        assert standin.webhooks[0]["method"] == "deleteWebhook"
        return
    secret = webhook_secret(BOT_TOKEN)
    assert standin.webhooks[0] == {"method": "setWebhook",
                                   "url": f"{PUBLIC_URL}/telegram/webhook/{secret}",
                                   "secret_token": secret}
    client = tornado.httpclient.AsyncHTTPClient()
    for path, header in [(secret, "wrong"), ("wrong", secret)]:
        answer = await client.fetch(
            f"http://127.0.0.1:{harness.config.port}/telegram/webhook/{path}", method="POST",
            body="{}", headers={"X-Telegram-Bot-Api-Secret-Token": header}, raise_error=False)
        assert answer.code == 403


@pytest.mark.gen_test(timeout=90)
async def test_a_restart_in_the_middle_of_a_backlog_posts_each_message_once(harness, standin):
    standin.always_fail = BAD_GATEWAY
    alice = await harness.connect("alice")
    for text in ("one", "two", "three"):
        await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": text})
    while standin.attempts < 2:  # Telegram is being tried, and failing
        await asyncio.sleep(0.05)

    await harness.stop()
    standin.always_fail = None
    await harness.start()

    posts = await standin.posts(3)
    alice = await harness.connect("alice")
    await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "four"})
    posts = await standin.posts(4)
    assert [p["text"].split("\n")[1] for p in posts] == ["one", "two", "three", "four"]


@pytest.mark.gen_test(timeout=120)
async def test_killed_between_the_message_and_its_post_the_post_happens_once(
        database_url, standin):
    """kill -9 while Telegram is failing; after the restart the post goes out once."""
    from tests.support.harness import SECRET
    from tests.support.processes import Served, environment, run_py

    env = environment(database_url, SECRET, MESSENGER_TELEGRAM_BOT_TOKEN=BOT_TOKEN,
                      MESSENGER_TELEGRAM_SUPPORT_CHAT_ID=SUPPORT_CHAT_ID,
                      MESSENGER_TELEGRAM_API_URL=standin.url)
    standin.always_fail = BAD_GATEWAY
    served = Served(env)
    await served.start()
    socket = await tornado.websocket.websocket_connect(
        served.url(run_py("token", "alice", env=env).stdout.strip()))
    [support] = json.loads(await socket.read_message())["data"]
    socket.write_message(json.dumps({"type": "send_message", "request_id": 1, "data": {
        "chat_id": support["chat_id"], "content": "stored, not yet posted"}}))
    assert json.loads(await socket.read_message())["request_id"] == 1  # acknowledged
    while standin.attempts < 1:
        await asyncio.sleep(0.05)
    served.kill()

    standin.always_fail = None
    served = Served(env)
    await served.start()
    try:
        socket = await tornado.websocket.websocket_connect(
            served.url(run_py("token", "alice", env=env).stdout.strip()))
        await socket.read_message()
        socket.write_message(json.dumps({"type": "send_message", "data": {
            "chat_id": support["chat_id"], "content": "after the restart"}}))
        posts = await standin.posts(2, timeout_s=60)  # a second server start under load
        assert [p["text"].split("\n")[1] for p in posts] == [
            "stored, not yet posted", "after the restart"]
        socket.close()
    finally:
        await served.stop()


@pytest.mark.gen_test(timeout=90)
async def test_switching_the_bridge_on_later_does_not_post_old_history(io_loop, config, standin):
    harness = Harness(config)  # no Telegram yet
    await harness.start()
    try:
        alice = await harness.connect("alice")
        await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "old"})
        await harness.stop()
        harness.config = bridged(harness.config, standin, "polling")
        await harness.start()
        alice = await harness.connect("alice")
        await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "new"})
        posts = await standin.posts(1)
        assert [p["text"] for p in posts] == ["alice:\nnew"]
    finally:
        await harness.stop()


@pytest.mark.gen_test(timeout=90)
async def test_malformed_updates_are_ignored_and_only_an_outage_is_retried(
        harness, standin, mode, monkeypatch, caplog):
    alice = await harness.connect("alice")
    await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "?"})
    [post] = await standin.posts(1)

    def reply(**changed) -> dict:
        update = standin.message("answer", reply_to=post["message_id"])
        return {**update, "message": {**update["message"], **changed}}

    def without(field: str) -> dict:
        update = reply()
        del update["message"][field]
        return update

    deep = {}
    for _ in range(100):
        deep = {"x": deep}
    malformed = [
        {**reply(), "message": "answer"},
        reply(chat="support"),
        reply(chat={"id": SUPPORT_CHAT_ID}),  # a string where Telegram sends a number
        reply(message_id="12"),
        reply(reply_to_message=post["message_id"]),
        reply(reply_to_message={"message_id": 2 ** 70}),
        reply(text=["answer"]),
        reply(text="ans\u0000wer"),
        reply(text="ans\ud800wer"),
        reply(entities=deep),
        without("message_id"),
        without("chat"),
    ]
    for update in malformed:
        assert await deliver(harness, standin, mode, update) == 200, update
    bodies = ["[1, 2]", "not json", "[" * 100_000 + "]" * 100_000, '"\\u0000"']
    for body in bodies if mode == "webhook" else []:
        assert await post_to_webhook(harness, body) == 200, body[:20]
    while standin.updates:  # polling: until every one of them is confirmed
        await asyncio.sleep(0.05)
    ignored = [r for r in caplog.records if "ignored" in r.getMessage()]
    assert len(ignored) == len(malformed) + (len(bodies) if mode == "webhook" else 0)

    # The store failing is the one reason to answer 500: Telegram sends it again.
    failures = []

    def unavailable(*args, **kwargs):
        failures.append(args)
        raise OSError("the store is unreachable")

    monkeypatch.setattr(harness.server.store.app, "post_message", unavailable)
    update = standin.message("ok", reply_to=post["message_id"])
    status = await deliver(harness, standin, mode, update)
    while not failures:  # polling: tried, and to be tried again
        await asyncio.sleep(0.05)
    monkeypatch.undo()
    if mode == "webhook":
        assert status == 500
        assert await deliver(harness, standin, mode, update) == 200
    await alice.push("chat_messages", lambda f: f["data"][-1]["content"] == "ok")
    history = await alice.call("get_chat_messages", {"chat_id": alice.support_chat_id})
    assert [m["content"] for m in history[0]["data"]] == ["?", "ok"]
    assert len(standin.sent) == 1  # nothing was explained for what was not a reply


@pytest.mark.gen_test(timeout=60)
async def test_a_reply_longer_than_a_message_may_be_is_stored_cut_and_the_agent_told(
        config, standin, mode):
    harness = Harness(replace(bridged(config, standin, mode), max_content_chars=100))
    await harness.start()
    try:
        alice = await harness.connect("alice")
        await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "?"})
        [post] = await standin.posts(1)
        assert await deliver(harness, standin, mode,
                             standin.message("д" * 150, reply_to=post["message_id"])) == 200
        shown = await alice.push("chat_messages", lambda f: f["data"][-1]["sender"] == "support")
        assert shown["data"][-1]["content"] == "д" * 99 + "…"
        told = await standin.posts(2)
        assert told[1]["text"] == CUT.format(limit=100)
    finally:
        await harness.stop()
