"""run.py in a process of its own, as an operator starts it."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tornado.httpclient

ROOT = Path(__file__).resolve().parent.parent.parent
START_TIMEOUT_S = 30


def run_py(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """`run.py serve` on a free port; start() returns once /healthz answers."""

    def __init__(self, env: dict[str, str], config: str | None = None):
        self.env = env
        self.port = free_port()
        self.config = ["--config", config] if config else []  # configs/dev.toml otherwise

    async def start(self) -> int:
        self.log = tempfile.TemporaryFile()  # kept for the failure message
        self.process = subprocess.Popen(
            [sys.executable, "run.py", "serve", *self.config, "--host", "127.0.0.1",
             "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log)
        client = tornado.httpclient.AsyncHTTPClient()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the server exited:\n{self.last_words()}"
            try:
                answer = await client.fetch(f"http://127.0.0.1:{self.port}/healthz")
                return answer.code
            except (OSError, tornado.httpclient.HTTPClientError):
                await asyncio.sleep(0.1)
        self.kill()
        raise AssertionError(f"the server did not become ready:\n{self.last_words()}")

    def last_words(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def url(self, token: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ws?token={token}"

    async def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.get_running_loop().run_in_executor(None, self.process.wait, 30)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


def environment(database_url: str, secret: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "MESSENGER_DATABASE_URL": database_url,
            "MESSENGER_JWT_SECRET": secret, **extra}
