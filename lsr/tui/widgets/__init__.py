"""Widgets of the screener: the record view, the side panel and its inclusion chart, and the row tables."""
