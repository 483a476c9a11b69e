"""HTTP routes: bookings, the console, health, metrics."""
