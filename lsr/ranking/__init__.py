"""Ranking: features, models, cold start, metrics and the simulation benchmark (issue 5)."""
