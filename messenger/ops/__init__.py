"""The operator commands of run.py beyond serve: audit, followers, rebuild-projections."""
