"""Followers of the event log with tracking (push, Telegram, the audit index): running them, their lag, their trouble."""
