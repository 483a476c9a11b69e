"""Long operator commands: rebuild-projections refuses to run beside a server,
and it, `audit verify` and an audit of a chat show a progress line to an
operator at a terminal, and nothing to a pipe."""

import io
import json
import os
import pty
import select
import subprocess
import sys
import tempfile

import pytest
import tornado.websocket

from messenger.progress import Progress
from tests.audit.test_audit import audited
from tests.support.harness import SECRET
from tests.support.processes import ROOT, Served, environment, run_py

READ_TIMEOUT_S = 120


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_on_a_terminal_counts_rates_and_says_what_is_left_a_few_times_a_second():
    terminal, clock = Terminal(), Clock()
    with Progress("verifying", 1000, stream=terminal, clock=clock) as progress:
        progress.advance()  # the first update is drawn at once
        for _ in range(99):  # in the same instant: no redraw
            progress.advance()
        assert terminal.getvalue() == "\r\x1b[Kverifying: 1 / 1,000 events (0%)"
        clock.now += 1
        progress.advance(100)  # 200 done in one second: 800 left, 4 s
        assert terminal.getvalue().endswith(
            "\r\x1b[Kverifying: 200 / 1,000 events (20%), 200/s, 4 s left")
    assert terminal.getvalue().endswith("\r\x1b[K")  # erased, so the summary stands alone


def test_progress_stays_silent_when_piped_or_not_wanted():
    piped = io.StringIO()
    with Progress("verifying", 10, stream=piped) as progress:
        progress.advance(5)
    unwanted = Terminal()
    with Progress("auditing", 10, stream=unwanted, shown=False) as progress:
        progress.advance(5)
    assert piped.getvalue() == "" and unwanted.getvalue() == ""


@pytest.fixture
def env(database_url):
    return environment(database_url, SECRET)


def on_a_terminal(*args, env) -> tuple[int, str, str]:
    """run.py with stderr on a pseudo-terminal, as an operator watches it, and
    stdout into a file; returns the exit code, stdout and what the terminal showed."""
    controller, terminal = pty.openpty()
    with tempfile.TemporaryFile() as stdout:
        process = subprocess.Popen([sys.executable, "run.py", *args], cwd=ROOT, env=env,
                                   stdout=stdout, stderr=terminal)
        os.close(terminal)
        shown = b""
        try:
            while select.select([controller], [], [], READ_TIMEOUT_S)[0]:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:  # the command closed the terminal: it ended
                    break
                if not chunk:
                    break
                shown += chunk
        finally:
            os.close(controller)
            code = process.wait(timeout=READ_TIMEOUT_S)
        stdout.seek(0)
        return code, stdout.read().decode(), shown.decode(errors="replace")


async def a_chat_with_history(served: Served, env) -> str:
    token = run_py("token", "alice", env=env).stdout.strip()
    client = await tornado.websocket.websocket_connect(served.url(token))
    await client.read_message()
    client.write_message(json.dumps({"type": "create_chat", "request_id": 1, "data": {
        "with_user_id": [{"user_id": "bob"}], "chat_name": "kept"}}))
    chat_id = json.loads(await client.read_message())["data"][0]["chat_id"]
    for text in ("first", "second", "third"):
        client.write_message(json.dumps({"type": "send_message", "data": {
            "chat_id": chat_id, "content": text}}))
        await client.read_message()
        await client.read_message()
    client.close()
    return chat_id


@pytest.mark.gen_test(timeout=180)
async def test_rebuild_refuses_beside_a_running_server_and_shows_progress_once_stopped(env):
    served = Served(env)
    await served.start()
    try:
        chat_id = await a_chat_with_history(served, env)
        refused = run_py("rebuild-projections", env=env)
        assert refused.returncode == 1 and refused.stdout == ""
        [line] = refused.stderr.strip().splitlines()
        assert "server is running" in line and "stop every server" in line
        # Refused means untouched: the running server still has its inbox.
        token = run_py("token", "bob", env=env).stdout.strip()
        bob = await tornado.websocket.websocket_connect(served.url(token))
        chats = json.loads(await bob.read_message())["data"]
        assert chat_id in [chat["chat_id"] for chat in chats]
        bob.close()
    finally:
        assert await served.stop() == 0

    code, stdout, shown = on_a_terminal("rebuild-projections", env=env)
    assert code == 0 and "rebuilt the inbox view" in stdout
    assert "rebuilding the inbox: " in shown and " events (" in shown
    assert shown.endswith("\x1b[K")  # the line is erased when done
    piped = run_py("rebuild-projections", env=env)
    assert piped.returncode == 0 and "rebuilding the inbox" not in piped.stderr

    served = Served(env)
    await served.start()
    try:
        token = run_py("token", "bob", env=env).stdout.strip()
        bob = await tornado.websocket.websocket_connect(served.url(token))
        chats = json.loads(await bob.read_message())["data"]
        kept = next(chat for chat in chats if chat["chat_id"] == chat_id)
        assert kept["unread"] == 3 and kept["lastest_message"] == "third"
        bob.close()
    finally:
        await served.stop()


@pytest.mark.gen_test(timeout=180)
async def test_verify_and_a_chats_audit_show_progress_on_a_terminal_and_not_when_piped(
        harness, env):
    anna = await harness.connect("anna")
    [reply] = await anna.call("create_chat", {"with_user_id": [{"user_id": "boris"}]})
    chat_id = reply["data"][0]["chat_id"]
    for number in range(5):
        await anna.call("send_message", {"chat_id": chat_id, "content": f"message {number}"})
    await audited(harness)

    code, stdout, shown = on_a_terminal("audit", "verify", env=env)
    assert code == 0
    assert "verifying: 1 / " in shown and shown.rstrip().endswith(
        "none changed, removed or reordered")
    code, stdout, shown = on_a_terminal("audit", chat_id, "--format", "jsonl", env=env)
    assert code == 0 and len(stdout.splitlines()) == 6  # the chat started, five messages
    assert "auditing: 1 / 6 events" in shown and shown.endswith("\x1b[K")

    for args in (["verify"], [chat_id]):
        piped = run_py("audit", *args, env=env)
        assert piped.returncode == 0
        assert "verifying" not in piped.stderr and "auditing" not in piped.stderr
