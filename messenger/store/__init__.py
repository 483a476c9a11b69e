"""The event store and its views opened from the settings, the one door from the IOLoop to it, leadership."""
