"""Ranking: features, models, cold start, metrics and the simulation benchmark.

Ranker names are looked up in ``lsr.ranking.registry``; the service stores rankings for a review."""

from lsr.asreview_guard import install as _guard_http

_guard_http()  # asreview must not install a process-wide HTTP cache (see lsr.asreview_guard)
