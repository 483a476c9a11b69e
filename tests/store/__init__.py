"""The store under stress: several processes, kill -9, outages, the one writer."""
