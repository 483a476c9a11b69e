"""The WebSocket door: authorization, bad and hostile input, limits."""
