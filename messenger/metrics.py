"""What operators watch, at GET /metrics in Prometheus's text format: one
registry for the process, updated where things happen; the followers' lag and
what they are stuck on are read from the database when Prometheus asks (off
the IOLoop), so every process tells the same."""

import time

import tornado.web
from prometheus_client import (
    CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
)

REGISTRY = CollectorRegistry()
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

CONNECTIONS = Gauge("messenger_connections", "Open WebSocket connections", registry=REGISTRY)
REQUESTS = Counter("messenger_requests_total", "WebSocket requests by type and result"
                   " (ok, or the error code)", ["type", "result"], registry=REGISTRY)
MESSAGES = Counter("messenger_messages_sent_total", "Messages stored through this process",
                   registry=REGISTRY)
FANOUT_SECONDS = Histogram(
    "messenger_fanout_seconds", "From a committed change reaching this process to its"
    " frames being written to every connection", buckets=LATENCY_BUCKETS, registry=REGISTRY)
DELIVERY_SECONDS = Histogram(
    "messenger_delivery_seconds", "End to end: from a message's event to its frames being"
    " written to the recipients' connections", buckets=LATENCY_BUCKETS, registry=REGISTRY)
LAG = Gauge("messenger_follower_lag_events", "Events stored but not yet processed, by follower"
            " (those this process runs, or all when asked of any process)", ["follower"],
            registry=REGISTRY)
STUCK_POSITION = Gauge("messenger_follower_stuck_position", "The event a follower keeps"
                       " failing on (0 when it is not stuck)", ["follower"], registry=REGISTRY)
STUCK_ATTEMPTS = Gauge("messenger_follower_failed_attempts", "Attempts that failed at the event"
                       " a follower is stuck on (0 when it is not stuck)", ["follower"],
                       registry=REGISTRY)
FOLLOWER_RESTARTS = Counter("messenger_follower_restarts_total", "Followers of the events"
                            " restarted after a failure", ["follower"], registry=REGISTRY)
PUSHES = Counter("messenger_pushes_total", "Push attempts by provider and outcome"
                 " (sent, retry, dead, failed)", ["provider", "outcome"], registry=REGISTRY)
TELEGRAM = Counter("messenger_telegram_total", "Telegram calls by outcome"
                   " (posted, retry, refused)", ["outcome"], registry=REGISTRY)
DATABASE_ERRORS = Counter("messenger_database_errors_total", "Database errors by where they"
                          " were met", ["where"], registry=REGISTRY)


def observe_delivery(event_at_us: int) -> None:
    if event_at_us:
        DELIVERY_SECONDS.observe(max(0.0, time.time() - event_at_us / 1e6))


class Metrics(tornado.web.RequestHandler):
    def initialize(self, commands, followers) -> None:
        self._commands = commands
        self._followers = followers  # blocking: [FollowerStatus] (messenger/followers/status.py)

    async def get(self) -> None:
        try:
            for status in await self._commands.query(self._followers):
                LAG.labels(status.name).set(status.behind)
                failure = status.failure
                STUCK_POSITION.labels(status.name).set((failure.position or 0) if failure else 0)
                STUCK_ATTEMPTS.labels(status.name).set(failure.attempts if failure else 0)
        except Exception:
            DATABASE_ERRORS.labels("metrics").inc()
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(generate_latest(REGISTRY))
