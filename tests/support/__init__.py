"""What the tests share: the harness (a real server, real WebSocket clients), stand-ins for Telegram and the push providers, server processes, a database proxy."""
