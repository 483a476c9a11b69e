"""run_bench.py's flags: what they are, their defaults by suite, and the
hard time limit they add up to."""

import argparse

from live import LATENCY_DRAIN_S

FIGURES = ("throughput", "latency", "history", "chat_list", "rss", "scaling", "statements",
           "audit", "search", "storm", "soak")
DEFAULT_FIGURES = FIGURES[:9]  # storm and soak take minutes: only when named
SUITES = {
    # What `--suite` sets unless given on the command line.
    "full": {"duration": 15.0, "history": 100_000, "samples": 200},
    "quick": {"duration": 10.0, "history": 20_000, "samples": 100},
}
BASE_TIMEOUT_S = 1200.0  # the default figures with one latency rate
DESCRIPTION = "The messenger's benchmark (bench/README.md)."


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--suite", choices=tuple(SUITES), default="full",
                        help="defaults for --duration, --history, --samples (default full)")
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--protocol", choices=("1", "2", "both"), default="both")
    parser.add_argument("--processes", type=int, default=1, help="server processes on one store")
    parser.add_argument("--clients", type=int, default=1000,
                        help="connected clients, in sender/receiver pairs")
    parser.add_argument("--rate", type=rates, default=rates("200,500,1000"),
                        help="offered msgs/s of the latency figure, comma-separated "
                             "(default 200,500,1000)")
    parser.add_argument("--duration", type=float, help="seconds per timed figure")
    parser.add_argument("--history", type=int,
                        help="messages in the big chat, and the audit figure's backlog")
    parser.add_argument("--samples", type=int, help="sends per history point")
    parser.add_argument("--workers", type=int, default=2, help="load generator processes")
    parser.add_argument("--figures", default=",".join(DEFAULT_FIGURES),
                        help="comma-separated, of: " + ",".join(FIGURES)
                             + " (default: all but storm and soak)")
    parser.add_argument("--storm-clients", type=int, default=10_000,
                        help="clients of the storm figure (default 10000)")
    parser.add_argument("--storm-window", type=float, default=10.0,
                        help="seconds the storm's connections are spread over (default 10)")
    parser.add_argument("--soak-duration", type=float, default=600.0,
                        help="seconds of the soak figure (default 600)")
    parser.add_argument("--soak-rate", type=float,
                        help="offered msgs/s of the soak (default: half the throughput "
                             "figure's delivered_per_s, else 500)")
    parser.add_argument("--catchup-timeout", type=float, default=300, help="seconds")
    parser.add_argument("--timeout", type=float,
                        help="hard limit, seconds (default 1200 plus what more rates, "
                             "storm and soak need)")
    args = parser.parse_args(argv)
    for key, value in SUITES[args.suite].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    unknown = set(args.figures.split(",")) - set(FIGURES)
    if unknown:
        parser.error(f"unknown figures: {', '.join(sorted(unknown))}")
    if args.clients < 2 or args.processes < 1 or args.workers < 1:
        parser.error("--clients must be at least 2, --processes and --workers at least 1")
    if args.storm_clients < 1 or args.storm_window <= 0 or args.soak_duration <= 0:
        parser.error("--storm-clients, --storm-window and --soak-duration must be positive")
    if args.timeout is None:
        args.timeout = default_timeout(args)
    return args


def rates(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}")
    if not values or min(values) <= 0:
        raise argparse.ArgumentTypeError(f"rates must be positive: {text!r}")
    return values


def default_timeout(args) -> float:
    """BASE_TIMEOUT_S bounds the default figures with one latency rate and
    without audit and search; each store and protocol adds what its further
    rates, storm and soak take, each store what audit and search take."""
    figures = set(args.figures.split(","))
    runs = (2 if args.store == "both" else 1) * (2 if args.protocol == "both" else 1)
    extra = 0.0
    if "latency" in figures:
        extra += (len(args.rate) - 1) * (args.duration + LATENCY_DRAIN_S + 30)
    if "storm" in figures:
        extra += args.storm_window + 300
    if "soak" in figures:
        extra += args.soak_duration + LATENCY_DRAIN_S + 60
    per_store = args.history / 2000 + 30 if "audit" in figures else 0.0  # fill and catch-up
    per_store += 240 if "search" in figures else 0.0  # its fill of 100,000 messages, and queries
    return BASE_TIMEOUT_S + runs * extra + (2 if args.store == "both" else 1) * per_store
