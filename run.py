"""The messenger's command line: serve, token, rebuild-projections, audit, followers."""

from messenger.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
