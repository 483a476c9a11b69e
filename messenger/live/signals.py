"""Signals between the server processes of one store: news that is never
stored (someone is typing, someone's presence changed), for whichever
process holds the connections it concerns.

On PostgreSQL, LISTEN/NOTIFY on a channel of its own, with a listening
connection of its own (as the change feed's) and one to send on. A process
delivers its own news in-process and skips its own signals. On SQLite one
process serves the store: there is nothing to send.

A signal is best effort, as the news is: one lost while the database is
away is not resent."""

import json
import logging
import threading
import uuid
from collections.abc import Callable

from messenger.store.settings import connect_postgres

log = logging.getLogger(__name__)

CHANNEL = "messenger_signals"
MAX_PAYLOAD_BYTES = 7000  # NOTIFY takes at most 8000 bytes; a signal's items are split to fit
POLL_INTERVAL_S = 0.5  # how often the listener looks whether it is to stop
RECONNECT_S = 1.0


class Signals:
    def __init__(self, receive: Callable[[str, list], None], postgres: dict[str, str] | None):
        """`receive(kind, items)` is called on the listening thread for every
        other process's signal (it must only hand them on)."""
        self.process_id = uuid.uuid4().hex[:16]
        self._receive = receive
        self._postgres = postgres
        self._stopped = threading.Event()
        self._sending = threading.Lock()  # one sending connection, for every store thread
        self._connection = None
        self._thread = threading.Thread(target=self._listen, name="signals-listen", daemon=True)

    @property
    def crosses_processes(self) -> bool:
        return self._postgres is not None

    def start(self) -> None:
        if self._postgres is not None:
            self._thread.start()

    def stop(self) -> None:
        """Blocks until the listener ends: call it off the IOLoop."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()
        with self._sending:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def send(self, kind: str, items: list) -> None:
        """Blocks on the database: call it off the IOLoop. The items go in
        as few NOTIFYs as fit."""
        if self._postgres is None:
            return
        for payload in self._payloads(kind, items):
            try:
                self._notify(payload)
            except Exception as error:
                log.warning("a %s signal was not sent (%s)", kind, error)
                return

    def _payloads(self, kind: str, items: list) -> list[str]:
        head = json.dumps({"k": kind, "p": self.process_id, "i": []}, ensure_ascii=False)
        room = MAX_PAYLOAD_BYTES - len(head.encode())
        payloads, chunk, size = [], [], 0
        for item in items:
            encoded = len(json.dumps(item, ensure_ascii=False).encode()) + 1  # and a comma
            if chunk and size + encoded > room:
                payloads.append(chunk)
                chunk, size = [], 0
            chunk.append(item)
            size += encoded
        if chunk:
            payloads.append(chunk)
        return [json.dumps({"k": kind, "p": self.process_id, "i": chunk}, ensure_ascii=False)
                for chunk in payloads]

    def _notify(self, payload: str) -> None:
        with self._sending:
            for attempt in (1, 2):  # a connection lost since the last signal is made again
                try:
                    if self._connection is None or self._connection.closed:
                        self._connection = connect_postgres(self._postgres)
                    self._connection.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                    return
                except Exception:
                    if self._connection is not None:
                        self._connection.close()
                    self._connection = None
                    if attempt == 2:
                        raise

    def _listen(self) -> None:
        listening = True  # said once per outage, not once a second
        while not self._stopped.is_set():
            try:
                with connect_postgres(self._postgres) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    if not listening:
                        log.warning("listening for other processes' signals again")
                    listening = True
                    while not self._stopped.is_set():
                        for notify in connection.notifies(timeout=POLL_INTERVAL_S):
                            self._take(notify.payload)
            except Exception as error:
                if not self._stopped.is_set():
                    if listening:
                        log.warning("not listening for other processes' signals (%s);"
                                    " retrying", error)
                    listening = False
                    self._stopped.wait(RECONNECT_S)

    def _take(self, payload: str) -> None:
        try:
            signal = json.loads(payload)
            if signal["p"] != self.process_id:
                self._receive(signal["k"], signal["i"])
        except Exception:
            log.exception("a signal could not be taken: %.200s", payload)
