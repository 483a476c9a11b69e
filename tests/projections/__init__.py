"""The read models on their own, fed by the real application on both stores."""
