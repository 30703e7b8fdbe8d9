"""``synthesize``: one review's synthesis from its current extractions, and its JSON form.

Per (outcome, measure): the studies' effects, the random-effects pool (``meta_analysis``) and the
evidence strength (``strength``). Extractions without a usable effect are grouped per outcome as
studies described without pooling. Only studies still included after full-text assessment count: an
extraction of a study excluded later stays in the audit trail but leaves the synthesis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from lsr.jsoncols import AUTHORS
from lsr.models import Record
from lsr.synthesis.extraction import current_extractions, included_ids
from lsr.synthesis.meta_analysis import Pooled, effect_of, pool
from lsr.synthesis.strength import Strength, rate


@dataclass
class OutcomeResult:
    """One outcome and measure: pooled result, strength, and studies without a usable effect."""

    pooled: Pooled
    strength: Strength
    described: list[tuple[str, str]] = field(default_factory=list)  # (study label, why not pooled)


@dataclass
class Synthesis:
    """Everything the synthesis of one review says."""

    review: str
    included: int
    extracted: int  # included studies with at least one extraction
    outcomes: list[OutcomeResult]
    designs: dict[str, int] = field(default_factory=dict)  # design -> studies (any outcome)

    @property
    def main(self) -> OutcomeResult | None:
        """The outcome the key message leads with: the one pooled over most studies."""
        return self.outcomes[0] if self.outcomes else None


def study_label(record: Record) -> str:
    """``Aronson 1948``: first author's family name and year."""
    names = AUTHORS.decode_or_empty(record.authors_json)
    first = names[0].split(",")[0].split()[-1] if names and names[0].split() else ""
    if "," in (names[0] if names else ""):
        first = names[0].split(",")[0].strip()
    who = first or (record.title or f"record {record.id}")[:30]
    return f"{who} {record.year}" if record.year else who


def synthesize_session(session: Session, protocol) -> Synthesis:
    """The synthesis of one review, read in ``session``."""
    included = included_ids(session, protocol)
    rows = [r for r in current_extractions(session, protocol.id) if r.record_id in included]
    ids = {r.record_id for r in rows}
    records = {r.id: r for r in session.exec(select(Record).where(Record.id.in_(ids)))} if ids else {}
    groups: dict[tuple[str, str | None], list] = {}
    described: dict[str, list[tuple[str, str]]] = {}
    outcome_names: dict[str, str] = {}
    designs: dict[int, str] = {}
    for row in rows:
        label = study_label(records[row.record_id])
        designs.setdefault(row.record_id, row.design or "unknown")
        key = row.outcome.lower()
        outcome_names.setdefault(key, row.outcome)
        effect, why = effect_of(row, label)
        if effect is None:
            described.setdefault(key, []).append((label, why))
            continue
        groups.setdefault((key, effect.measure), []).append(effect)
    results: list[OutcomeResult] = []
    for (key, measure), effects in groups.items():
        effects.sort(key=lambda e: e.label.lower())
        p = pool(outcome_names[key], measure, effects)
        results.append(OutcomeResult(p, rate(p), described.pop(key, [])))
    for key, items in described.items():  # outcomes with no usable effect at all
        p = Pooled(outcome_names[key], "", [], None, notes=["no quantitative effect: studies described"])
        results.append(OutcomeResult(p, rate(p), items))
    results.sort(key=lambda r: (-r.pooled.k, -len(r.described), r.pooled.outcome.lower(), r.pooled.measure))
    counts: dict[str, int] = {}
    for d in designs.values():
        counts[d] = counts.get(d, 0) + 1
    return Synthesis(protocol.id, len(included), len(ids), results, counts)


def synthesize(ws, review_id: str) -> Synthesis:
    """The synthesis of one review (library entry point behind ``lsr synthesis``)."""
    protocol = ws.protocol(review_id)
    with ws.db.read() as session:
        return synthesize_session(session, protocol)


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)


def to_json(s: Synthesis) -> dict:
    """The stable JSON document of ``lsr synthesis --json`` (DESIGN.md, "Synthesis")."""
    outcomes = []
    for r in s.outcomes:
        p, st = r.pooled, r.strength
        outcomes.append({
            "outcome": p.outcome,
            "measure": p.measure or None,
            "k": p.k,
            "n": p.n,
            "estimate": _r(p.estimate),
            "ci_low": _r(p.ci_low),
            "ci_high": _r(p.ci_high),
            "pi_low": _r(p.pi_low),
            "pi_high": _r(p.pi_high),
            "i2": _r(100 * p.i2, 2) if p.i2 is not None else None,
            "tau2": _r(p.tau2),
            "method": p.method,
            "strength": st.word("en"),
            "strength_reasons": st.reasons["en"],
            "strength_nl": st.word("nl"),
            "strength_reasons_nl": st.reasons["nl"],
            "notes": p.notes + st.notes["en"],
            "studies": [
                {"record": e.record_id, "label": e.label, "estimate": _r(e.estimate), "ci_low": _r(e.ci[0]),
                 "ci_high": _r(e.ci[1]), "weight": _r(e.weight), "n": e.n, "design": e.design,
                 "risk_of_bias": e.risk_of_bias, "country": e.country}
                for e in p.studies
            ],
            "described": [{"label": label, "reason": why} for label, why in r.described],
        })
    return {"review": s.review, "included": s.included, "extracted": s.extracted, "outcomes": outcomes}


def snapshot(s: Synthesis) -> dict:
    """The small summary a report stores, so the next report can say what changed."""
    return {
        "included": s.included,
        "extracted": s.extracted,
        "outcomes": [
            {"outcome": r.pooled.outcome, "measure": r.pooled.measure or None, "k": r.pooled.k,
             "estimate": _r(r.pooled.estimate), "ci_low": _r(r.pooled.ci_low), "ci_high": _r(r.pooled.ci_high),
             "strength": r.strength.level}
            for r in s.outcomes
        ],
    }
