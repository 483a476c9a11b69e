"""What travels over the socket: request parsing, frame shapes (v1, v2), frames rendered from the view, the JSON Schema."""
