"""What every part of the bench shares: paths, this run's id, the output
helpers and how a process's RSS and CPU time are read."""

import ctypes
import os
import resource
import secrets
import signal
import socket
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
if REPO not in sys.path:
    sys.path.insert(0, REPO)
CONFIG = os.path.join(BENCH, "bench.toml")
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
RUN = secrets.token_hex(3)  # keeps this run's users and databases apart from any other's
STARTED = time.time()


def progress(text: str) -> None:
    print(f"[{time.time() - STARTED:6.1f}s] {text}", file=sys.stderr, flush=True)


def line(figure: str, **fields) -> None:
    """One summary line: the figure's name, then key=value pairs."""
    print(figure + "".join(f" {key}={value}" for key, value in fields.items()), flush=True)


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[round(p * (len(values) - 1))] if values else float("nan")


def f1(value: float) -> str:
    return f"{value:.1f}"


def f2(value: float) -> str:
    return f"{value:.2f}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def die_with_parent() -> None:
    """Runs in a child: it gets SIGTERM if the bench dies, even by SIGKILL."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def raise_open_files() -> tuple[int, int]:
    """Lifts this process's soft RLIMIT_NOFILE to its hard limit (every
    client and every server connection is a descriptor); children started
    afterwards inherit it. Returns (soft, hard) as they are then."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass  # an unlimited hard limit may be above what the kernel allows
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for entry in status:
            if entry.startswith("VmRSS:"):
                return int(entry.split()[1])
    return 0


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load: the bench shares its cores."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes used so far."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def postgres(statement: str) -> None:
    postgres_in(ADMIN_URL, statement)


def postgres_in(url: str, statement: str) -> None:
    import psycopg
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


def server_env(database_url: str, secret: str, base) -> dict:
    """Secrets come from the environment, so nothing is read or made in var/."""
    return dict(base, MESSENGER_DATABASE_URL=database_url, MESSENGER_JWT_SECRET=secret,
                MESSENGER_SERVICE_TOKEN=secrets.token_urlsafe(32))
