"""Auditors replay a chat: every event with who and when, the chat as it
stood at a moment, and proof that no stored event was touched since."""

import asyncio
import json
import sqlite3
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
import tornado.httpclient

from tests.conftest import SECRET, SERVICE_TOKEN
from tests.processes import environment, run_py


async def audited(harness) -> None:
    """Waits until the audit index holds every event stored so far."""
    store = harness.server.store
    last = await harness.server.commands.query(store.app.recorder.max_notification_id)
    while (await harness.server.commands.query(store.audit_view.max_tracking_id, "Messenger")
           or 0) < last:
        await asyncio.sleep(0.02)


async def a_working_day(harness) -> dict:
    anna = await harness.connect("anna")
    boris = await harness.connect("boris")
    [reply] = await anna.call("create_chat", {"with_user_id": [{"user_id": "boris"},
                                                               {"user_id": "vera"}],
                                              "chat_name": "Утро"})
    chat_id = reply["data"][0]["chat_id"]
    sent = await anna.call("send_message", {"chat_id": chat_id, "content": "hello team"})
    message_id = sent[1]["data"][-1]["id"]
    await audited(harness)
    before_edit = datetime.now().astimezone()
    await asyncio.sleep(0.01)  # a moment strictly between the two events
    await anna.call("edit_message", {"message_id": message_id, "content": "hello, team"})
    await anna.call("rename_chat", {"chat_id": chat_id, "new_name": "Вечер"})
    await anna.call("add_user", {"chat_id": chat_id, "with_user_id": [{"user_id": "gleb"}]})
    await anna.call("remove_user", {"chat_id": chat_id, "with_user_id": [{"user_id": "vera"}]})
    oops = await boris.call("send_message", {"chat_id": chat_id, "content": "oops"})
    await anna.call("get_chat_messages", {"chat_id": chat_id})
    await boris.call("delete_message", {"message_id": oops[1]["data"][-1]["id"]})
    await audited(harness)
    return {"chat_id": chat_id, "message_id": message_id, "before_edit": before_edit}


@pytest.fixture
def env(database_url):
    return environment(database_url, SECRET)


def audit(env, *args):
    return run_py("audit", *args, env=env)


@pytest.mark.gen_test(timeout=120)
async def test_audit_shows_every_change_the_past_and_finds_tampering(harness, env, database_url):
    day = await a_working_day(harness)
    chat_id = day["chat_id"]

    done = audit(env, chat_id, "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert [e["type"] for e in events] == [
        "Chat.Started", "Message.Posted", "Message.Edited", "Chat.Renamed", "Chat.MembersAdded",
        "Chat.MembersRemoved", "Message.Posted", "Reading.Started", "Reading.Advanced",
        "Message.Deleted"]
    assert all(e["actor"] and e["at"] and e["event_id"] for e in events)
    posted, edited = events[1], events[2]
    assert (posted["content"], edited["content"]) == ("hello team", "hello, team")
    assert events[8]["actor"] == "anna" and events[9]["actor"] == "boris"

    text = audit(env, chat_id)
    assert text.returncode == 0 and "Chat.Renamed" in text.stdout and '"Вечер"' in text.stdout

    moscow = day["before_edit"].astimezone(timezone(timedelta(hours=3)))  # any offset will do
    past = audit(env, chat_id, "--at", moscow.isoformat(), "--format", "jsonl")
    assert past.returncode == 0, past.stderr
    chat, *messages = [json.loads(line) for line in past.stdout.splitlines()]
    assert chat["name"] == "Утро" and chat["members"] == ["anna", "boris", "vera"]
    assert [m["content"] for m in messages] == ["hello team"]

    table = audit(env, chat_id, "--format", "csv")
    assert table.stdout.splitlines()[0] == "event_id,type,actor,at,fields"
    assert len(table.stdout.splitlines()) == len(events) + 1
    assert chat_id in audit(env, "--user", "vera").stdout.split()

    assert audit(env, "verify").returncode == 0
    tamper(database_url, posted["event_id"])
    verified = audit(env, "verify", chat_id)
    assert verified.returncode == 1
    assert f"chat {chat_id}: event {posted['event_id']}" in verified.stdout
    assert "changed" in verified.stdout
    remove(database_url, events[3]["event_id"])  # the rename
    verified = audit(env, "verify")
    assert f"event {events[3]['event_id']} (#4 in the chat) was removed" in verified.stdout


def tamper(database_url: str, notification_id: int) -> None:
    """Edits a stored event directly, behind the server's back."""
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            db.execute("UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT),"
                       " 'hello team', 'HELLO TEAM') AS BLOB) WHERE rowid = ?", (notification_id,))
    else:
        with psycopg.connect(database_url, autocommit=True) as db:
            db.execute("UPDATE messenger_events SET state = convert_to(replace(convert_from("
                       "state, 'UTF8'), 'hello team', 'HELLO TEAM'), 'UTF8')"
                       " WHERE notification_id = %s", (notification_id,))


def remove(database_url: str, notification_id: int) -> None:
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            db.execute("DELETE FROM stored_events WHERE rowid = ?", (notification_id,))
    else:
        with psycopg.connect(database_url, autocommit=True) as db:
            db.execute("DELETE FROM messenger_events WHERE notification_id = %s",
                       (notification_id,))


@pytest.mark.gen_test(timeout=60)
async def test_unknown_chats_and_bad_times_are_refused_in_one_line(harness, env):
    day = await a_working_day(harness)
    unknown = audit(env, "00000000-0000-0000-0000-000000000000")
    assert unknown.returncode == 1 and len(unknown.stderr.strip().splitlines()) == 1
    bad_time = audit(env, day["chat_id"], "--at", "yesterday-ish")
    assert bad_time.returncode == 2 and "ISO-8601" in bad_time.stderr


@pytest.mark.gen_test(timeout=60)
async def test_the_audit_api_streams_a_chat_and_lists_a_users_chats(harness):
    day = await a_working_day(harness)
    anna = await harness.connect("anna")
    [deleted] = await anna.call("create_chat", {"with_user_id": [{"user_id": "vera"}]})
    await anna.call("delete_chat", {"chat_id": deleted["data"][0]["chat_id"]})
    await audited(harness)
    client = tornado.httpclient.AsyncHTTPClient()
    base = f"http://127.0.0.1:{harness.config.port}/api/v1/audit/chats"
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"}

    answer = await client.fetch(f"{base}/{day['chat_id']}", headers=headers)
    lines = [json.loads(line) for line in answer.body.decode().splitlines()]
    assert len(lines) == 10 and lines[0]["type"] == "Chat.Started"
    at = (day["before_edit"] + timedelta(0)).isoformat()
    past = await client.fetch(f"{base}/{day['chat_id']}?at={at.replace('+', '%2B')}",
                              headers=headers)
    assert json.loads(past.body.decode().splitlines()[0])["name"] == "Утро"

    vera = json.loads((await client.fetch(f"{base}?user=vera", headers=headers)).body)
    # The group she was removed from and the deleted chat, beside her support chat.
    assert set(vera["chats"]) >= {day["chat_id"], deleted["data"][0]["chat_id"]}
    assert len(vera["chats"]) == 3
    missing = await client.fetch(f"{base}/nope", headers=headers, raise_error=False)
    assert missing.code == 404
    refused = await client.fetch(f"{base}/{day['chat_id']}", raise_error=False)
    assert refused.code == 401


@pytest.mark.gen_test(timeout=120)
async def test_auditing_a_long_chat_holds_a_page_at_a_time(harness, monkeypatch):
    import tracemalloc
    from uuid import UUID

    from projections.audit_view import AuditView
    monkeypatch.setattr(AuditView, "PAGE", 50)
    anna = await harness.connect("anna")
    chat_ids = {}
    for count in (100, 1000):
        [reply] = await anna.call("create_chat", {"with_user_id": [{"user_id": f"b{count}"}]})
        chat_ids[count] = reply["data"][0]["chat_id"]
    anna.close()  # measured in quiet: no live delivery running beside it
    store = harness.server.store
    peaks = []
    for count, chat_id in chat_ids.items():
        for number in range(count):
            await harness.server.commands.query(store.app.post_message, UUID(chat_id), "anna",
                                                f"message {number}")
        await harness.server.commands.query(store.wait_for_view, 30)

        def read_all() -> int:
            tracemalloc.start()
            seen = sum(1 for _ in store.auditor.events(chat_id))
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
            return seen

        assert await harness.server.commands.query(read_all) == count + 1
    assert peaks[1] < peaks[0] * 2, peaks  # ten times the events, not ten times the memory
