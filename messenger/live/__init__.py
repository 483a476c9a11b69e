"""Live delivery: the open connections, the committed change feed, the fan-out."""
