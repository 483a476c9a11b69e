"""Pictures: upload, thumbnails, the decoding budget."""
