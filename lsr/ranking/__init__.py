"""Ranking: features, models, cold start, metrics and the simulation benchmark (issue 5)."""

from lsr.asreview_guard import install as _guard_http

_guard_http()  # asreview must not install a process-wide HTTP cache (see lsr.asreview_guard)
