"""HTTP endpoints: the JSON endpoint base, the service API, bookings, the console, health."""
