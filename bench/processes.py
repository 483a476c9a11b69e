"""The processes the bench starts: `run.py serve` (or the bare relay) and the
load generator's workers, and the summary of a server's log."""

import multiprocessing
import os
import subprocess
import sys
import time
import urllib.request

from common import REPO, die_with_parent, free_port, progress, rss_kib


class Servers:
    """`run.py serve` processes on one store (or bare relays), each on its own
    free port, logging to a file of its own."""

    def __init__(self, workdir: str, name: str, command: list[str], env: dict):
        self.workdir, self.name, self.command, self.env = workdir, name, command, env
        self.processes: list[tuple[subprocess.Popen, int, str]] = []

    @property
    def ports(self) -> list[int]:
        return [port for _, port, _ in self.processes]

    @property
    def pids(self) -> list[int]:
        return [process.pid for process, _, _ in self.processes]

    def start(self, count: int) -> None:
        started = []
        for _ in range(count):
            port = free_port()
            log_path = os.path.join(self.workdir, f"{self.name}-{len(self.processes)}.log")
            with open(log_path, "w") as log:
                process = subprocess.Popen(
                    [*self.command, "--port", str(port)], cwd=REPO, env=self.env, stdout=log,
                    stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
            self.processes.append((process, port, log_path))
            started.append((process, port))
            # The first one takes the leader lock (and may create the tables) alone.
            if len(self.processes) == 1:
                self._wait_healthy(process, port)
        for process, port in started:
            self._wait_healthy(process, port)

    @staticmethod
    def _wait_healthy(process: subprocess.Popen, port: int) -> None:
        deadline = time.time() + 60
        while time.time() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"a server exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                            timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("a server did not become healthy within 60 s")

    def rss_kib(self) -> int:
        return sum(rss_kib(pid) for pid in self.pids)

    def stop(self, keep: int = 0) -> None:
        """Stops all but the first `keep`, newest first; reports their logs."""
        stopping, self.processes = self.processes[keep:], self.processes[:keep]
        for process, _, _ in stopping:
            if process.poll() is None:
                process.terminate()
        for process, _, _ in stopping:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for _, _, log_path in stopping:
            report_log(log_path)


def report_log(path: str) -> None:
    """To stderr: how many lines look bad, the kinds of them, and the first one
    in full (a server's log is otherwise left alone; the bench reports, it does
    not judge)."""
    try:
        with open(path, errors="replace") as log:
            lines = [entry.rstrip() for entry in log]
    except OSError:
        return
    levels = (" ERROR ", " WARNING ", " CRITICAL ")
    bad = [i for i, entry in enumerate(lines) if any(level in entry for level in levels)]
    tracebacks = sum(entry.startswith("Traceback") for entry in lines)
    if not bad and not tracebacks:
        return
    kinds: dict[str, int] = {}
    for i in bad:
        kind = lines[i].split(" ", 2)[-1][:110]  # without the timestamp
        kinds[kind] = kinds.get(kind, 0) + 1
    progress(f"{os.path.basename(path)}: {len(bad)} error/warning lines, "
             f"{tracebacks} tracebacks")
    for kind, count in sorted(kinds.items(), key=lambda item: -item[1])[:5]:
        print(f"  | {count} x {kind}", file=sys.stderr)
    first = bad[0] if bad else next(i for i, e in enumerate(lines) if e.startswith("Traceback"))
    following = [e for e in lines[first + 1:first + 40]]
    end = next((j for j, e in enumerate(following) if e[:4].isdigit()), len(following))
    for entry in [lines[first], *following[:end]][-14:]:
        print("  |   " + entry, file=sys.stderr)


class Workers:
    """The load generator: worker processes (bench/loadgen.py), each with its
    own asyncio loop and a share of the clients."""

    def __init__(self, count: int):
        import loadgen
        context = multiprocessing.get_context("spawn")
        self.pipes, self.processes = [], []
        for index in range(count):
            ours, theirs = context.Pipe()
            process = context.Process(target=loadgen.main, args=(theirs, index, count),
                                      daemon=True, name=f"loadgen-{index}")
            process.start()
            theirs.close()
            self.pipes.append(ours)
            self.processes.append(process)

    def __len__(self) -> int:
        return len(self.pipes)

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def call(self, command: str, arguments: list[dict] | dict, timeout_s: float) -> list:
        """Runs a command on every worker (its own arguments, or the same for
        all) and returns their results in worker order."""
        self.send(command, arguments)
        return self.collect(command, timeout_s)

    def send(self, command: str, arguments: list[dict] | dict) -> None:
        if isinstance(arguments, dict):
            arguments = [arguments] * len(self.pipes)
        for pipe, args in zip(self.pipes, arguments):
            pipe.send((command, args))

    def collect(self, command: str, timeout_s: float) -> list:
        results, deadline = [], time.time() + timeout_s
        for pipe in self.pipes:
            if not pipe.poll(max(0.0, deadline - time.time())):
                raise TimeoutError(f"load generator: {command} took over {timeout_s:.0f} s")
            status, result = pipe.recv()
            if status != "ok":
                raise RuntimeError(result)
            results.append(result)
        return results

    def stop(self) -> None:
        for pipe in self.pipes:
            try:
                pipe.send(("exit", {}))
            except OSError:
                pass
        for process in self.processes:
            process.join(5)
            if process.is_alive():
                process.terminate()
                process.join(5)
