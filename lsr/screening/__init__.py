"""Screening: decisions on records and what follows from them.

The step after ranking in lsr's data flow (... -> rank -> **screen** -> synthesise): the screening service
the screener and ``lsr decide`` share (``service``), the append-only decision log (``decisions``), which
label counts (``labels``), dual-screening conflicts (``conflicts``) and agreement (``agreement``), and the
stopping rules (``stopping``).
"""
