"""What an operator meets at the command line: a wrong database named in one
line by `check-config` and `serve` alike, tokens refused before they are
handed out, and a server that says where its console is and when it stops."""

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import jwt
import pytest
import tornado.httpclient

from tests.support.harness import POSTGRES_ADMIN_URL, SECRET, SERVICE_TOKEN
from tests.support.processes import ROOT, START_TIMEOUT_S, environment, free_port, run_py

SECRETS = {"MESSENGER_JWT_SECRET": SECRET, "MESSENGER_SERVICE_TOKEN": SERVICE_TOKEN}


def operator_env(database_url: str) -> dict[str, str]:
    return environment(database_url, SECRET, MESSENGER_SERVICE_TOKEN=SERVICE_TOKEN)


def one_line(done: subprocess.CompletedProcess) -> str:
    """The single line a refusal prints; no traceback, nothing on stdout."""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and not done.stdout, done.stderr
    return lines[0]


def test_check_config_connects_to_a_database_that_is_there(database_url):
    done = run_py("check-config", env=operator_env(database_url))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("configs/dev.toml: ok")


def missing_database() -> tuple[str, str]:
    name = "messenger_missing_" + uuid.uuid4().hex[:12]
    return f"{POSTGRES_ADMIN_URL}/{name}", f'database "{name}" does not exist'


def closed_port() -> tuple[str, str]:
    return "postgresql://postgres@127.0.0.1:1/messenger", "cannot reach 127.0.0.1:1"


@pytest.mark.parametrize("bad", [missing_database, closed_port])
def test_a_wrong_postgres_is_named_in_one_line_by_check_config_and_serve(bad):
    database_url, named = bad()
    env = operator_env(database_url)
    checked = run_py("check-config", env=env)
    served = run_py("serve", "--port", str(free_port()), env=env)
    assert checked.returncode == 2 and served.returncode == 2
    assert one_line(checked).startswith("database error: ") and named in one_line(checked)
    assert one_line(served) == one_line(checked)


def test_a_sqlite_url_into_a_missing_folder_is_refused_not_made(tmp_path):
    missing = tmp_path / "typo"
    env = operator_env(f"sqlite:///{missing}/messenger.db")
    for command in (["check-config"], ["serve", "--port", str(free_port())]):
        done = run_py(*command, env=env)
        assert done.returncode == 2, command
        assert f"folder {missing} does not exist" in one_line(done)
    assert not missing.exists()


def test_a_sqlite_file_that_is_no_database_is_named(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database, but a long enough text to be read as one\n" * 20)
    done = run_py("check-config", env=operator_env(f"sqlite:///{notes}"))
    assert done.returncode == 2
    assert one_line(done) == f"database error: {notes}: file is not a database"


@pytest.mark.parametrize("arguments, named", [
    (["", "--name", "Анна"], "'USER_ID' must be a non-empty string"),
    (["anna maria"], "'USER_ID' must not contain spaces or control characters"),
    (["a" * 129], "'USER_ID' is longer than 128 characters"),
    (["support"], "support is a system identity, not a user"),
    (["bookings"], "bookings is a system identity, not a user"),
    (["anna", "--ttl", "-60"], "--ttl must be above 0 seconds (got -60)"),
    (["anna", "--ttl", "0"], "--ttl must be above 0 seconds (got 0)"),
    (["anna", "--name", "x" * 201], "'--name' is longer than 200 characters"),
])
def test_token_refuses_what_the_server_would_in_one_line(tmp_path, arguments, named):
    done = run_py("token", *arguments, env=operator_env(f"sqlite:///{tmp_path}/m.db"))
    assert done.returncode == 2
    assert one_line(done) == f"token: {named}"


def test_token_with_a_ttl_expires_then(tmp_path):
    done = run_py("token", "anna", "--ttl", "60", env=operator_env(f"sqlite:///{tmp_path}/m.db"))
    assert done.returncode == 0, done.stderr
    claims = jwt.decode(done.stdout.strip(), SECRET, algorithms=["HS256"])
    assert claims["sub"] == "anna" and claims["exp"] - claims["iat"] == 60


# --- a fresh clone: no var/ yet, no settings, the README's `python run.py serve` ---

@pytest.fixture
def clone(tmp_path):
    """A checkout as cloned: the code and configs, no var/ (git ignores it)."""
    for name in ("run.py", "configs"):
        (tmp_path / name).symlink_to(ROOT / name)
    return tmp_path


def clean_env(**extra: str) -> dict[str, str]:
    return {**{key: value for key, value in os.environ.items()
               if not key.startswith("MESSENGER_")}, **extra}


def test_the_default_sqlite_folder_var_is_made_on_first_start(clone):
    done = subprocess.run([sys.executable, "run.py", "check-config"], cwd=clone,
                          env=clean_env(**SECRETS), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (clone / "var").is_dir()  # made for the store: the secrets came from the environment


@pytest.mark.gen_test(timeout=120)
async def test_a_fresh_clone_serves_names_its_console_and_logs_its_stop(clone):
    port = free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen([sys.executable, "run.py", "serve", "--port", str(port)],
                               cwd=clone, env=clean_env(), stdout=subprocess.DEVNULL, stderr=log)
    client = tornado.httpclient.AsyncHTTPClient()
    base = f"http://127.0.0.1:{port}"
    try:
        await ready(client, base, process, log)
        front = await client.fetch(base + "/", follow_redirects=False, raise_error=False)
        assert front.code == 302 and front.headers["Location"] == "/console"
        page = await client.fetch(base + "/")
        assert page.effective_url == base + "/console" and b"<html" in page.body.lower()
    finally:
        process.send_signal(signal.SIGTERM)
        exit_code = process.wait(30)
    said = words(log)
    assert exit_code == 0, said
    assert f"the console is at {base}/console" in said
    assert "stopping: 0 connections" in said and said.rstrip().endswith("stopped")
    assert (clone / "var" / "messenger.db").exists()


async def ready(client, base: str, process, log) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited:\n{words(log)}"
        try:
            await client.fetch(base + "/healthz")
            return
        except (OSError, tornado.httpclient.HTTPClientError):
            await asyncio.sleep(0.1)
    raise AssertionError(f"the server did not become ready:\n{words(log)}")


def words(log) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")
