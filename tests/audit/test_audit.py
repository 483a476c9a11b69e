"""Auditors replay a chat: every event with who and when, the chat as it
stood at a moment, and proof that no stored event was touched since."""

import asyncio
import json
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
import tornado.httpclient

from tests.support.harness import SECRET, SERVICE_TOKEN
from tests.support.processes import ROOT, environment, run_py


async def audited(harness) -> None:
    """Waits until the audit index holds every event stored so far."""
    store = harness.server.store
    last = await harness.server.commands.query(store.app.recorder.max_notification_id)
    if last:  # the library's own wait on the index's tracked position
        await harness.server.commands.query(store.audit_view.wait, "Messenger", last, 30)


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
    verified = audit(env, "verify", chat_id)
    assert verified.stderr.strip() == (
        "verified 10 events in 1 chat: none changed, removed or reordered")
    tamper(database_url, posted["event_id"])
    verified = audit(env, "verify", chat_id)
    assert verified.returncode == 1
    assert verified.stderr.strip() == "verified 10 events in 1 chat: 1 problem found"
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
    # Which zone a time without one means is a guess: refused, with the format to use.
    no_zone = audit(env, day["chat_id"], "--at", "2026-12-01T10:00:00")
    assert no_zone.returncode == 2 and no_zone.stdout == ""
    [line] = no_zone.stderr.strip().splitlines()
    assert "no time zone" in line and "2026-12-01T10:00:00+03:00" in line


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
    zoneless = await client.fetch(f"{base}/{day['chat_id']}?at=2026-12-01T10:00:00",
                                  headers=headers, raise_error=False)
    assert zoneless.code == 400 and b"no time zone" in zoneless.body

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


@pytest.mark.gen_test(timeout=60)
async def test_the_chat_at_a_moment_reads_as_plain_text_and_keeps_multi_line_content_indented(
        harness, env):
    anna = await harness.connect("anna")
    [reply] = await anna.call("create_chat", {"with_user_id": [{"user_id": "boris"},
                                                               {"user_id": "vera"}],
                                              "chat_name": "Утро"})
    chat_id = reply["data"][0]["chat_id"]
    await anna.call("send_message", {"chat_id": chat_id,
                                     "content": "line one\nmessage forged-id\n  indented"})
    await audited(harness)
    later = (datetime.now(timezone.utc) + timedelta(minutes=1)).isoformat()

    shown = audit(env, chat_id, "--at", later)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].startswith(f"chat {chat_id} as it stood at ")
    fields = {line.split()[0]: line.split(maxsplit=1)[1] for line in lines[1:6]}
    assert fields == {"exists": "yes", "kind": "group", "name": "Утро",
                      "members": "anna, boris, vera", "admin": "anna"}
    assert "True" not in shown.stdout and "[" not in shown.stdout
    # Only the message's heading starts a line; its text's lines stay under its first.
    assert [line for line in lines if not line.startswith(" ")] == [
        lines[0], next(line for line in lines if line.startswith("message "))]
    content = next(i for i, line in enumerate(lines) if line.split()[:1] == ["content"])
    column = lines[content].index("line one")
    assert lines[content + 1] == " " * column + "message forged-id"
    assert lines[content + 2] == " " * column + "  indented"


@pytest.mark.gen_test(timeout=60)
async def test_a_users_chats_are_listed_by_kind_and_name_and_unknown_users_are_refused(
        harness, env):
    day = await a_working_day(harness)
    listed = audit(env, "--user", "vera")
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()}
    assert lines[day["chat_id"]].split()[1:] == ["group", "Вечер", "(no", "longer", "a",
                                                 "member)"]
    assert [line.split()[1:] for chat, line in lines.items() if chat != day["chat_id"]] == [
        ["support", "Техподдержка"]]
    as_json = [json.loads(line) for line in audit(env, "--user", "vera", "--format",
                                                  "jsonl").stdout.splitlines()]
    assert {"chat_id": day["chat_id"], "kind": "group", "name": "Вечер", "deleted": False,
            "member": False} in as_json

    unknown = audit(env, "--user", "nobody-at-all")
    assert unknown.returncode == 1 and unknown.stdout == ""
    assert unknown.stderr.strip() == (
        "audit: unknown user nobody-at-all: no chat of theirs is in the audit index")
    both = audit(env, day["chat_id"], "--user", "vera")
    assert both.returncode == 2 and both.stdout == ""
    assert len(both.stderr.strip().splitlines()) == 1 and "--user" in both.stderr


@pytest.mark.gen_test(timeout=120)
async def test_a_reader_that_stops_early_ends_the_audit_quietly(harness, env):
    from uuid import UUID
    anna = await harness.connect("anna")
    [reply] = await anna.call("create_chat", {"with_user_id": [{"user_id": "boris"}]})
    chat_id = reply["data"][0]["chat_id"]
    store = harness.server.store
    for number in range(100):  # 400 KB of audit: far more than a pipe holds
        await harness.server.commands.query(store.app.post_message, UUID(chat_id), "anna",
                                            f"{number} " + "x" * 4000)
    await audited(harness)

    reading = subprocess.Popen([sys.executable, "run.py", "audit", chat_id], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reading.stdout.read(100).startswith(b"#")  # as `| head -c 100` does, then goes
    reading.stdout.close()
    stderr = reading.stderr.read().decode()
    assert reading.wait(timeout=60) == 141  # as a shell reports a tool its reader left
    assert stderr == ""  # no BrokenPipeError traceback


@pytest.mark.gen_test(timeout=60)
async def test_the_audit_lists_replies_and_reactions_with_who_and_when(harness):
    anna = await harness.connect("anna", version=2)
    boris = await harness.connect("boris", version=2)
    [reply] = await anna.call("create_chat", {"with_user_id": [{"user_id": "boris"}]})
    chat_id = reply["data"]["chat_id"]
    [question] = await anna.call("send_message", {"chat_id": chat_id, "content": "Ключи у кого?"})
    question_id = question["data"]["id"]
    [answer] = await boris.call("send_message", {"chat_id": chat_id, "content": "У меня",
                                                 "reply_to": question_id})
    await anna.call("react", {"message_id": answer["data"]["id"], "emoji": "🙏"})
    await anna.call("unreact", {"message_id": answer["data"]["id"], "emoji": "🙏"})
    await audited(harness)
    store = harness.server.store
    events = await harness.server.commands.query(lambda: list(store.auditor.events(chat_id)))
    assert [e["type"] for e in events] == [
        "Chat.Started", "Message.Posted", "Message.Posted", "Reactions.Started", "Reactions.Added",
        "Reactions.Removed"]
    posted, replied = events[1], events[2]
    assert posted["reply_to"] is None and replied["reply_to"] == question_id
    assert replied["actor"] == "boris"
    added, removed = events[4], events[5]
    assert [(e["actor"], e["emoji"], e["message_id"]) for e in (added, removed)] == [
        ("anna", "🙏", answer["data"]["id"])] * 2
    assert added["at"] <= removed["at"]
    now = datetime.now(timezone.utc)
    at = await harness.server.commands.query(lambda: list(store.auditor.as_at(chat_id, now)))
    assert [m.get("reply_to") for m in at[1:]] == [None, question_id]
