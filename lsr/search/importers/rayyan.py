"""Rayyan's screening decisions, as its exports carry them in each record's notes (the CSV ``notes`` column,
RIS ``N1``), so that a team moving from Rayyan keeps who decided what.

Rayyan appends its customisations to the notes a record already had, as pipe-separated parts (help.rayyan.ai,
"Understanding your Rayyan export files")::

    RAYYAN-INCLUSION: {"Anna"=>"Included", "Bob"=>"Excluded"} | RAYYAN-LABELS: ML, Hospital |
    RAYYAN-EXCLUSION-REASONS: wrong population,foreign language | USER-NOTES: {"Anna"=>["check the dose"]}

Owned here: ``read_rayyan_notes``, which returns each member's decision (``Included``/``Excluded``/``Maybe``
as lsr's include/exclude/maybe), the exclusion reasons, the labels, each member's notes, and the note text
that was there before Rayyan's part (the reasons and labels are per record in Rayyan's export, not per
member); and ``with_rayyan_decisions``, which puts them on a source record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lsr.search.importers.ris import SourceRecord

_MARKER = re.compile(r"\s*\|?\s*\b(RAYYAN-INCLUSION|RAYYAN-LABELS|RAYYAN-EXCLUSION-REASONS|USER-NOTES):\s*")
_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_VOTE = re.compile(_QUOTED + r'\s*=>\s*"(Included|Excluded|Maybe)"', re.IGNORECASE)
_MEMBER_NOTES = re.compile(_QUOTED + r"\s*=>\s*\[(.*?)\](?=\s*(?:,\s*\"|\}|$))", re.DOTALL)
LABELS = {"included": "include", "excluded": "exclude", "maybe": "maybe"}


@dataclass(frozen=True)
class RayyanNotes:
    """What Rayyan wrote into one record's notes."""

    votes: dict[str, str]  # member -> include | exclude | maybe
    reasons: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    member_notes: dict[str, list[str]] = field(default_factory=dict)
    before: str = ""  # the record's own notes, before Rayyan's part

    def note_for(self, member: str) -> str | None:
        """The note an imported decision of ``member`` carries: their own notes and the record's labels."""
        parts = list(self.member_notes.get(member, []))
        if self.labels:
            parts.append("Rayyan labels: " + ", ".join(self.labels))
        return "; ".join(parts) or None


def read_rayyan_notes(text: str | None) -> RayyanNotes | None:
    """Rayyan's part of a notes field; None when the notes hold no Rayyan decision."""
    if not text or "RAYYAN-INCLUSION" not in text:
        return None
    marks = list(_MARKER.finditer(text))
    parts = {m.group(1): text[m.end(): nxt.start() if nxt else len(text)].strip()
             for m, nxt in zip(marks, [*marks[1:], None], strict=True)}
    votes = {_unquote(name): LABELS[value.lower()] for name, value in _VOTE.findall(parts.get("RAYYAN-INCLUSION", ""))}
    if not votes:
        return None
    member_notes = {_unquote(name): [_unquote(n) for n in re.findall(_QUOTED, notes)]
                    for name, notes in _MEMBER_NOTES.findall(parts.get("USER-NOTES", ""))}
    return RayyanNotes(
        votes=votes,
        reasons=_split(parts.get("RAYYAN-EXCLUSION-REASONS", "")),
        labels=_split(parts.get("RAYYAN-LABELS", "")),
        member_notes={k: v for k, v in member_notes.items() if v},
        before=text[: marks[0].start()].strip(" |") if marks else "",
    )


def with_rayyan_decisions(record: SourceRecord, notes: str | None) -> SourceRecord:
    """``record`` with the per-member decisions Rayyan wrote into its notes, if any (they replace a single
    label the file carries)."""
    rayyan = read_rayyan_notes(notes)
    if rayyan is None:
        return record
    record.member_labels = {member: (label, rayyan.note_for(member)) for member, label in rayyan.votes.items()}
    record.label = None
    record.reason = ", ".join(rayyan.reasons) or None
    return record


def _split(value: str) -> list[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def _unquote(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value).strip()
