"""Synthesis: from included studies to what the evidence means.

Modules, in the order data flows through them: ``extraction`` (study-level data, audited and
append-only; the CSV import and export), ``meta_analysis`` (random-effects pooling per outcome and
measure with statsmodels), ``strength`` (a GRADE-like evidence-strength rule), ``forest`` (the forest
plot), ``key_message`` (the Dutch and English key message, with what changed since the previous report)
and ``service`` (``synthesize``: everything for one review, as ``lsr synthesis --json`` prints it).

Core code: imports neither click nor textual; statsmodels and matplotlib are imported only when a
synthesis is computed or drawn.
"""
