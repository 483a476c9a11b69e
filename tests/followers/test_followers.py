"""A follower of the events that cannot get past one event: it tries again
with growing pauses, says so once (then now and then), /healthz, /metrics and
`run.py followers` name it, and an operator retries it or, for a side effect,
skips it, which the chat's audit then shows."""

import asyncio
import json
import logging
import time
from dataclasses import replace

import pytest
import tornado.httpclient
from prometheus_client.parser import text_string_to_metric_families

from domain.chat import Chat
from domain.message import Message
from messenger.followers import trouble as follower_trouble
from tests.support.harness import SECRET, Harness, running, until
from tests.support.processes import environment, run_py
from tests.support.telegram_standin import BOT_TOKEN, SUPPORT_CHAT_ID, StandIn


class GarblingStandIn(StandIn):
    """Telegram answering a post of "poison" with something the Bot API
    library cannot read, until told to stop."""

    def __init__(self):
        super().__init__()
        self.garbling = True
        self.garbled_at: list[float] = []

    def answer(self, method: str, params: dict):
        if method == "sendMessage" and self.garbling and "poison" in params.get("text", ""):
            self.garbled_at.append(time.monotonic())
            return 200, {"ok": True, "result": {"unexpected": "shape"}}
        return super().answer(method, params)


@pytest.fixture
def standin(io_loop):
    yield from running(io_loop, GarblingStandIn())


@pytest.fixture
def harness(io_loop, config, standin):
    harness = Harness(replace(config, telegram_bot_token=BOT_TOKEN,
                              telegram_support_chat_id=SUPPORT_CHAT_ID,
                              telegram_api_url=standin.url, telegram_mode="polling"))
    io_loop.run_sync(harness.start)
    yield harness
    io_loop.run_sync(harness.stop)


@pytest.fixture
def slow_retries(monkeypatch):
    """A minute before the second attempt: only an operator makes it sooner."""
    monkeypatch.setattr(follower_trouble, "FIRST_RETRY_S", 60.0)


async def operator(harness, *args) -> tuple[int, str, str]:
    """`run.py ARGS` in a process of its own, against the harness's store."""
    env = environment(harness.config.database_url, SECRET,
                      MESSENGER_TELEGRAM_BOT_TOKEN=BOT_TOKEN,
                      MESSENGER_TELEGRAM_SUPPORT_CHAT_ID=SUPPORT_CHAT_ID,
                      MESSENGER_TELEGRAM_API_URL=harness.config.telegram_api_url)
    done = await asyncio.get_running_loop().run_in_executor(None, lambda: run_py(*args, env=env))
    return done.returncode, done.stdout, done.stderr


async def followers(harness) -> dict[str, dict]:
    code, out, err = await operator(harness, "followers", "--format", "jsonl")
    assert code == 0, err
    return {entry["follower"]: entry for entry in map(json.loads, out.splitlines())}


async def health(harness) -> tuple[int, dict]:
    answer = await tornado.httpclient.AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{harness.config.port}/healthz", raise_error=False)
    return answer.code, json.loads(answer.body)


async def metrics(harness) -> dict:
    answer = await tornado.httpclient.AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{harness.config.port}/metrics")
    return {(sample.name, sample.labels.get("follower")): sample.value
            for family in text_string_to_metric_families(answer.body.decode())
            for sample in family.samples}


def position_of(harness, kind: type, where=lambda event: True) -> int:
    app = harness.server.store.app
    for notification in app.recorder.select_notifications(start=1, limit=10_000):
        event = app.mapper.to_domain_event(notification)
        if isinstance(event, kind) and where(event):
            return notification.id
    raise AssertionError(f"no {kind.__qualname__} stored")


async def stuck(harness, name: str) -> dict | None:
    code, body = await health(harness)
    return next((entry for entry in body.get("stuck", []) if entry["follower"] == name), None)


async def healthy(harness) -> bool:
    return await health(harness) == (200, {"status": "ok", "stuck": []})


async def stuck_entry(harness, name: str) -> dict:
    """Waits until /healthz names the follower as stuck."""
    found = {}

    async def named() -> bool:
        found["entry"] = await stuck(harness, name)
        return found["entry"] is not None

    await until(named)
    return found["entry"]


async def attempts_at_least(harness, name: str, count: int) -> bool:
    entry = await stuck(harness, name)
    return entry is not None and entry["attempts"] >= count


async def post_poison(harness):
    alice = await harness.connect("alice")
    await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "poison"})
    position = position_of(harness, Message.Posted, lambda e: e.content == "poison")
    return alice, position


@pytest.mark.gen_test(timeout=90)
async def test_an_event_that_keeps_failing_is_tried_less_and_less_often_and_logged_once(
        harness, standin, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    monkeypatch.setattr(follower_trouble, "REMINDER_S", 2.0)
    alice, position = await post_poison(harness)
    await until(lambda: attempts_at_least(harness, "telegram", 4))  # failed, and said so, 4 times

    # The pauses between attempts grow: 0.5 s, then 1 s, then 2 s (at least).
    gaps = [later - earlier for earlier, later in zip(standin.garbled_at, standin.garbled_at[1:])]
    for number, gap in enumerate(gaps[:3]):
        assert gap >= 0.9 * 0.5 * 2 ** number, gaps
    # One traceback; then now and then a one-line reminder; not a line per attempt.
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1, [r.getMessage() for r in tracebacks]
    assert f"telegram failed at event {position} (Message.Posted)" in tracebacks[0].getMessage()
    reminders = [r.getMessage() for r in caplog.records
                 if r.name == "messenger.followers" and "still stuck" in r.getMessage()]
    assert 1 <= len(reminders) < len(standin.garbled_at), reminders
    assert f"telegram still stuck at event {position}" in reminders[0]
    assert "attempts" in reminders[0] and "KeyError" in reminders[0]

    # Users still chat: 200, and the body names what is stuck where.
    [created] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
    replies = await alice.call("send_message", {"chat_id": created["data"][0]["chat_id"],
                                                "content": "still chatting"})
    assert replies[1]["data"][-1]["content"] == "still chatting"
    code, body = await health(harness)
    assert code == 200 and body["status"] == "degraded"
    [entry] = body["stuck"]
    assert (entry["follower"], entry["position"], entry["event_type"]) == (
        "telegram", position, "Message.Posted")
    assert "KeyError" in entry["error"] and entry["attempts"] >= 4
    samples = await metrics(harness)
    assert samples[("messenger_follower_stuck_position", "telegram")] == position
    assert samples[("messenger_follower_failed_attempts", "telegram")] >= 4

    listed = await followers(harness)
    assert listed["telegram"]["stuck"]["position"] == position
    assert listed["telegram"]["position"] < position
    assert listed["audit"]["stuck"] is None and listed["push"] == {"follower": "push", "off": True}
    assert "inbox" not in listed  # written with the events: it never follows, nor lags
    code, text, _ = await operator(harness, "followers")
    assert f"event {position} (Message.Posted)" in text and "STUCK" in text


@pytest.mark.gen_test(timeout=90)
async def test_retry_makes_the_leader_try_again_now(harness, standin, slow_retries, caplog):
    caplog.set_level(logging.INFO)
    alice, position = await post_poison(harness)
    await until(lambda: stuck(harness, "telegram"))
    code, _, err = await operator(harness, "followers", "retry", "push")
    assert code == 2 and "push is off" in err

    standin.garbling = False  # Telegram is fixed; the next attempt would be a minute away
    code, out, err = await operator(harness, "followers", "retry", "telegram")
    assert code == 0, err
    [post] = await standin.posts(1, timeout_s=15)
    assert post["text"].endswith("\npoison")
    await until(lambda: healthy(harness))
    assert any(f"telegram got past event {position}" in r.getMessage() for r in caplog.records)
    code, _, err = await operator(harness, "followers", "retry", "telegram")
    assert code == 1 and "not stuck" in err


@pytest.mark.gen_test(timeout=120)
async def test_a_skipped_post_is_passed_over_and_the_chat_audit_shows_who_skipped_it(
        harness, standin, slow_retries):
    alice, position = await post_poison(harness)
    await until(lambda: stuck(harness, "telegram"))

    code, _, err = await operator(harness, "followers", "skip", "telegram", str(position + 7),
                                  "--by", "ops-anna")
    assert code == 1 and f"not stuck at event {position + 7}" in err
    code, _, err = await operator(harness, "followers", "skip", "nobody", str(position),
                                  "--by", "ops-anna")
    assert code == 2 and "invalid choice" in err
    code, out, err = await operator(harness, "followers", "skip", "telegram", str(position),
                                    "--by", "ops-anna", "--reason", "Telegram cannot read it")
    assert code == 0, err

    await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "after"})
    [post] = await standin.posts(1, timeout_s=15)  # long before the minute's pause is over
    assert post["text"].endswith("\nafter") and len(standin.garbled_at) == 1
    await until(lambda: healthy(harness))

    auditor = harness.server.store.auditor

    def skips():
        return [e for e in auditor.events(alice.support_chat_id)
                if e["type"] == "Intervention.EventSkipped"]

    await until(lambda: harness.server.commands.query(skips))
    code, out, err = await operator(harness, "audit", alice.support_chat_id, "--format", "jsonl")
    assert code == 0, err
    [skip] = [e for e in map(json.loads, out.splitlines())
              if e["type"] == "Intervention.EventSkipped"]
    assert (skip["actor"], skip["follower"], skip["position"], skip["event_type"],
            skip["reason"]) == ("ops-anna", "telegram", position, "Message.Posted",
                                "Telegram cannot read it")
    assert skip["at"]
    code, _, err = await operator(harness, "followers", "skip", "telegram", str(position),
                                  "--by", "ops-anna")
    assert code == 1 and "not stuck" in err


@pytest.mark.gen_test(timeout=120)
async def test_the_audit_index_names_the_exact_event_and_can_skip_it(
        harness, standin, slow_retries, monkeypatch):
    view = harness.server.store.audit_view
    original = view.append_all
    slowed = []

    def refuses_renames(entries, tracking):
        if not slowed:
            slowed.append(True)
            time.sleep(1.0)  # meanwhile the events to come pile up: the rename is in a batch
        if any(stored.topic.endswith("Chat.Renamed") for _, stored, _, _ in entries):
            raise ValueError("the audit index cannot take this")
        return original(entries, tracking)

    monkeypatch.setattr(view, "append_all", refuses_renames)
    alice = await harness.connect("alice")
    [created] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
    chat_id = created["data"][0]["chat_id"]
    [renamed] = await alice.call("rename_chat", {"chat_id": chat_id, "new_name": "renamed"})
    assert renamed["type"] != "error", renamed
    for text in ("one", "two", "three"):
        await alice.call("send_message", {"chat_id": chat_id, "content": text})
    position = position_of(harness, Chat.Renamed)

    entry = await stuck_entry(harness, "audit")
    assert (entry["position"], entry["event_type"]) == (position, "Chat.Renamed")
    assert (await followers(harness))["audit"]["position"] == position - 1  # all before it
    code, out, err = await operator(harness, "followers", "skip", "audit", str(position),
                                    "--by", "ops-boris", "--reason", "bad index row")
    assert code == 0, err
    await until(lambda: healthy(harness))

    def audited():
        return [(e["type"], e.get("content")) for e in harness.server.store.auditor.events(chat_id)]

    await until(lambda: harness.server.commands.query(
        lambda: ("Intervention.EventSkipped", None) in audited()))
    history = await harness.server.commands.query(audited)
    assert [kind for kind, _ in history] == ["Chat.Started", "Message.Posted", "Message.Posted",
                                             "Message.Posted", "Intervention.EventSkipped"]
    assert await harness.server.commands.query(harness.server.store.auditor.verify, chat_id) == []
