"""The tech-support bridge against a Bot API stand-in on 127.0.0.1."""

import asyncio
import json
from dataclasses import replace

import pytest
import tornado.httpclient
import tornado.websocket

from messenger.telegram.bridge import webhook_secret
from messenger.telegram.replies import ONLY_TEXT, UNKNOWN_POST
from tests.conftest import Harness, by_id
from tests.telegram_standin import (
    BAD_GATEWAY,
    BOT_TOKEN,
    SUPPORT_CHAT_ID,
    StandIn,
    too_many_requests,
)

PUBLIC_URL = "https://messenger.example.test"


@pytest.fixture
def standin(io_loop):
    standin = StandIn()
    io_loop.run_sync(standin.start)
    yield standin
    io_loop.run_sync(standin.stop)


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
    secret = webhook_secret(BOT_TOKEN)
    answer = await tornado.httpclient.AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{harness.config.port}/telegram/webhook/{secret}", method="POST",
        body=json.dumps(update), headers={"X-Telegram-Bot-Api-Secret-Token": secret},
        raise_error=False)
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
async def test_sender_fio_names_the_sender_and_other_chats_are_not_bridged(harness, standin):
    alice = await harness.connect("alice")
    [reply] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
    await alice.call("send_message", {"chat_id": reply["data"][0]["chat_id"], "content": "private"})
    await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "help",
                                      "sender_fio": "Петрова Алиса Ивановна"})
    posts = await standin.posts(1)
    assert [p["text"] for p in posts] == ["Петрова Алиса Ивановна (alice):\nhelp"]


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
    from tests.conftest import SECRET
    from tests.processes import Served, environment, run_py

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
