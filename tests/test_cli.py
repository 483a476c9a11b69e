"""run.py as an operator uses it: serve, token, rebuild-projections."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import jwt
import pytest
import tornado.websocket

from tests.conftest import SECRET

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 30


def run_py(*args, env, **kwargs):
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, **kwargs)


@pytest.fixture
def env(database_url):
    return {**os.environ, "MESSENGER_DATABASE_URL": database_url, "MESSENGER_JWT_SECRET": SECRET}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    def __init__(self, env):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "run.py", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz") as answer:
                    self.health = answer.status
                    return
            except OSError:
                assert self.process.poll() is None, self.process.stdout.read()
                time.sleep(0.1)
        raise AssertionError("server did not become ready")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


def test_token_prints_a_token_signed_with_the_configured_secret(env):
    done = run_py("token", "alice", "--name", "Алиса Петрова", env=env)
    assert done.returncode == 0, done.stderr
    claims = jwt.decode(done.stdout.strip(), SECRET, algorithms=["HS256"])
    assert claims["sub"] == "alice" and claims["name"] == "Алиса Петрова"


def test_a_missing_config_stops_with_one_clear_line(env):
    done = run_py("serve", "--config", "configs/nowhere.toml", env=env)
    assert done.returncode == 2
    assert done.stderr.strip() == "config error: configs/nowhere.toml: no such config file"


@pytest.mark.gen_test(timeout=120)
async def test_serve_answers_health_and_websocket_then_rebuild_keeps_history(env):
    served = Served(env)
    try:
        assert served.health == 200
        token = run_py("token", "alice", env=env).stdout.strip()
        client = await tornado.websocket.websocket_connect(
            f"ws://127.0.0.1:{served.port}/ws?token={token}")
        [support] = json.loads(await client.read_message())["data"]
        client.write_message(json.dumps({"type": "create_chat", "request_id": 1, "data": {
            "with_user_id": [{"user_id": "bob"}], "chat_name": "kept"}}))
        chat = json.loads(await client.read_message())["data"][0]
        for text in ("first", "second"):
            client.write_message(json.dumps({"type": "send_message", "data": {
                "chat_id": chat["chat_id"], "content": text}}))
            await client.read_message()
            await client.read_message()
        client.close()
    finally:
        assert served.stop() == 0

    rebuilt = run_py("rebuild-projections", env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rebuilt the inbox view" in rebuilt.stdout

    served = Served(env)
    try:
        token = run_py("token", "bob", env=env).stdout.strip()
        client = await tornado.websocket.websocket_connect(
            f"ws://127.0.0.1:{served.port}/ws?token={token}")
        chats = json.loads(await client.read_message())["data"]
        kept = next(c for c in chats if c["chat_id"] == chat["chat_id"])
        assert kept["chat_name"] == "kept" and kept["unread"] == 2
        assert kept["lastest_message"] == "second"
        client.close()
    finally:
        served.stop()
