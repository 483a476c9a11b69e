"""The WebSocket transport: the handler, the session (request -> use case -> reply), rate limits."""
