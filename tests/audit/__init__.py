"""The audit: history replayed, the hash chain, its command line and API."""
