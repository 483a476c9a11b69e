"""run.py as an operator uses it: serve, token, rebuild-projections."""

import json

import jwt
import pytest
import tornado.websocket

from tests.support.harness import SECRET
from tests.support.processes import Served, environment, run_py


@pytest.fixture
def env(database_url):
    return environment(database_url, SECRET)


def test_token_prints_a_token_signed_with_the_configured_secret(env):
    done = run_py("token", "alice", "--name", "Алиса Петрова", env=env)
    assert done.returncode == 0, done.stderr
    claims = jwt.decode(done.stdout.strip(), SECRET, algorithms=["HS256"])
    assert claims["sub"] == "alice" and claims["name"] == "Алиса Петрова"


def test_a_missing_config_stops_with_one_clear_line(env):
    done = run_py("serve", "--config", "configs/nowhere.toml", env=env)
    assert done.returncode == 2
    assert done.stderr.strip() == "config error: configs/nowhere.toml: no such config file"


async def connect(served: Served, user_id: str, env):
    token = run_py("token", user_id, env=env).stdout.strip()
    client = await tornado.websocket.websocket_connect(served.url(token))
    return client, json.loads(await client.read_message())["data"]


@pytest.mark.gen_test(timeout=120)
async def test_serve_answers_health_and_websocket_then_rebuild_keeps_history(env):
    served = Served(env)
    assert await served.start() == 200
    try:
        client, [support] = await connect(served, "alice", env)
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
        assert await served.stop() == 0

    rebuilt = run_py("rebuild-projections", env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rebuilt the inbox view" in rebuilt.stdout

    served = Served(env)
    await served.start()
    try:
        client, chats = await connect(served, "bob", env)
        kept = next(c for c in chats if c["chat_id"] == chat["chat_id"])
        assert kept["chat_name"] == "kept" and kept["unread"] == 2
        assert kept["lastest_message"] == "second"
        client.close()
    finally:
        await served.stop()
