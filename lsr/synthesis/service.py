"""``synthesize``: one review's synthesis from its current extractions, and its JSON form.

Per (outcome, measure): the studies' effects, the random-effects pool (``meta_analysis``) and the
evidence strength (``strength``). Extractions without a usable effect (qualitative and descriptive
studies, or an effect that carries no information) are extracted evidence too: they are kept per outcome
as ``DescribedStudy`` with their design, participants, country and the reviewer's note, and an outcome
that only has such studies is an ``OutcomeResult`` with ``pooled.k == 0`` whose ``pooled.n`` counts the
described participants. Only studies still included after full-text assessment count: an extraction of a
study excluded later stays in the audit trail but leaves the synthesis.

An outcome extracted with more than one effect measure gives one result per measure; their ``title``
names the measure ("welbevinden (RR)", "welbevinden (MD)") so headings and plots can tell them apart.

Outcomes are grouped by the protocol's name for them (``ExtractionSpec.canonical_outcome``: ``[extraction]
outcomes``, else ``[pico] outcomes``), so an outcome extracted under its English and its Dutch name is one
pool, and a study counts once in it. They are ordered as a summary-of-findings table is: outcomes with an
effect first, in the order the protocol lists them, then the others by number of studies; the first is the
main outcome the key message leads with. The reports name
an outcome through ``OutcomeResult.name`` / ``heading`` only: the protocol's name in the report's language
(``[extraction] outcomes`` / ``outcomes_nl``, else the ``[pico] outcomes`` entry it equals), else the name as
extracted (``ExtractionSpec.outcome_name``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlmodel import Session, select

from lsr.jsoncols import AUTHORS
from lsr.models import Record
from lsr.search.identity import family_name_as_written
from lsr.synthesis.countries import is_dutch, is_european
from lsr.synthesis.extraction import RANDOMISED, current_extractions, included_ids
from lsr.synthesis.meta_analysis import Pooled, convertible, effect_of, odds_ratio_as_smd, pool
from lsr.synthesis.strength import Strength, rate

RETRACTED = "retracted publication"
"""Why a study's effect is left out of the pooling when OpenAlex marks its record as retracted: its results
cannot be relied on (Cochrane's policy on retracted studies), so it is listed, not pooled."""
REASONS_NL = {  # DescribedStudy.reason in Dutch, for the reports
    # not "geen effect geëxtraheerd": a reader takes that for "the study found no effect"
    "no effect extracted": "effectgegevens (nog) niet uit de studie overgenomen",
    "no events in either arm": "in geen van beide groepen gebeurtenissen",
    "events in everyone in both arms": "bij iedereen in beide groepen een gebeurtenis",
    RETRACTED: "teruggetrokken publicatie",
}
REASONS_EN = {"no effect extracted": "no effect data extracted"}  # not "no effect": the study may have one


@dataclass
class DescribedStudy:
    """A study extracted for an outcome without a usable effect: described, not pooled.

    ``reason`` is why it is not pooled, in English (``reason_text`` gives it in the report's language);
    ``note`` is what the reviewer wrote ("alleen beschrijvend", "interviews"); ``n`` the participants
    when given.
    """

    record_id: int
    label: str
    reason: str
    n: int | None = None
    design: str | None = None
    country: str | None = None
    risk_of_bias: str | None = None
    note: str | None = None

    def reason_text(self, lang: str) -> str:
        """``reason`` in ``lang`` (``nl``: "effectgegevens (nog) niet uit de studie overgenomen", ...)."""
        return (REASONS_NL if lang == "nl" else REASONS_EN).get(self.reason, self.reason)


def _origin(countries: list[str | None]) -> tuple[int, int, int]:
    return sum(map(is_dutch, countries)), sum(map(is_european, countries)), len(countries)


@dataclass
class OutcomeResult:
    """One outcome and measure: pooled result, strength, and studies without a usable effect.

    ``described`` is the older (label, reason) view of ``described_studies``, kept for callers that read
    pairs.
    """

    pooled: Pooled
    strength: Strength
    described_studies: list[DescribedStudy] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    """The outcome's name per report language (``nl``, ``en``) from the protocol; ``name`` reads it."""
    higher_is_better: bool | None = None
    """Whether more of the outcome is favourable (``[extraction] higher_is_better``); None: not known."""
    randomised_only: Pooled | None = None
    """The pool of the randomised studies alone, when the outcome pools them with non-randomised ones and
    has at least two (``randomised_pool``); None otherwise."""

    def name(self, lang: str) -> str:
        """The outcome's name as a report in ``lang`` shows it: the protocol's name in that language, else the
        name as extracted. Every place a report names an outcome goes through here."""
        return self.names.get(lang) or self.pooled.outcome

    def heading(self, lang: str) -> str:
        """``name`` with the measure when the review has the outcome with more than one ("welbevinden (RR)"):
        headings, captions and plot titles."""
        return f"{self.name(lang)} ({self.pooled.measure})" if self.pooled.title else self.name(lang)

    @property
    def described(self) -> list[tuple[str, str]]:
        """(study label, why not pooled) per described study."""
        return [(d.label, d.reason) for d in self.described_studies]

    @property
    def title(self) -> str:
        """The outcome as stored, with its measure ("welbevinden (RR)") when the review has the outcome with
        more than one measure, else the outcome alone (the JSON's ``title``; reports use ``heading``)."""
        return self.pooled.title or self.pooled.outcome

    @property
    def interval(self) -> tuple[float, float, float] | None:
        """``pooled.interval``: the pooled effect and CI, or the single study's own; None without."""
        return self.pooled.interval

    @property
    def described_n(self) -> int | None:
        """Participants of the described studies, summed over those whose ``n`` was given (None if none)."""
        ns = [d.n for d in self.described_studies if d.n is not None]
        return sum(ns) if ns else None

    @property
    def described_n_missing(self) -> int:
        """How many described studies have no ``n`` (left out of ``described_n``)."""
        return sum(d.n is None for d in self.described_studies)

    @property
    def designs(self) -> dict[str, int]:
        """Design -> number of the studies whose effects this result pools (``pooled.studies``)."""
        return _count(s.design or "unknown" for s in self.pooled.studies)

    @property
    def described_designs(self) -> dict[str, int]:
        """Design -> number of the described studies (``described_studies``)."""
        return _count(d.design or "unknown" for d in self.described_studies)

    @property
    def origin(self) -> tuple[int, int, int]:
        """(from the Netherlands, from Europe, studies) over the studies with an effect (``pooled.studies``);
        Europe includes the Netherlands. Countries are read by ``lsr.synthesis.countries``."""
        return _origin([s.country for s in self.pooled.studies])

    @property
    def described_origin(self) -> tuple[int, int, int]:
        """(from the Netherlands, from Europe, studies) over the described studies."""
        return _origin([d.country for d in self.described_studies])


def _count(items) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return out


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
        """The outcome the key message leads with: the first the protocol lists that has an effect (the
        review's main outcome, as a summary-of-findings table leads with it), else the one with most studies."""
        return self.outcomes[0] if self.outcomes else None

    @property
    def effect_ids(self) -> set[int]:
        """Record ids of the studies in the effect estimate: those with a usable effect on at least one
        outcome (pooled, or a single study's own effect). A study only described (no usable effect, or
        retracted) is not in it. This is what the reports mean by "in de effectberekening" / "in the
        synthesis" when they say which studies entered and left it."""
        return {e.record_id for r in self.outcomes for e in r.pooled.studies}

    @property
    def with_effect(self) -> int:
        """Included studies with a usable effect on at least one outcome (``effect_ids``)."""
        return len(self.effect_ids)

    @property
    def described_only(self) -> list[DescribedStudy]:
        """Extracted studies without a usable effect on any outcome (one entry per study, the largest ``n``
        it was given): extracted and described, not "not yet extracted"."""
        effect = {e.record_id for r in self.outcomes for e in r.pooled.studies}
        out: dict[int, DescribedStudy] = {}
        for r in self.outcomes:
            for d in r.described_studies:
                if d.record_id in effect:
                    continue
                have = out.get(d.record_id)
                if have is None or (d.n or 0) > (have.n or 0):
                    out[d.record_id] = d
        return sorted(out.values(), key=lambda d: d.label.lower())

    @property
    def described_only_n(self) -> int | None:
        """Participants of ``described_only``, summed over the studies whose ``n`` was given (None if none)."""
        ns = [d.n for d in self.described_only if d.n is not None]
        return sum(ns) if ns else None

    @property
    def pooled_any(self) -> bool:
        """Whether any outcome has a pooled estimate (so a pooling method is worth describing)."""
        return any(r.pooled.estimate is not None for r in self.outcomes)

    @property
    def study_ids(self) -> set[int]:
        """Record ids of every extracted study, in the effect estimate (``effect_ids``) or only described."""
        return self.effect_ids | {d.record_id for r in self.outcomes for d in r.described_studies}

    def not_in_effect_why(self, record_id: int) -> str | None:
        """Why an extracted study is only described (``DescribedStudy.reason``, e.g. ``RETRACTED``); None
        when it is in the effect estimate or not extracted."""
        if record_id in self.effect_ids:
            return None
        return next((d.reason for r in self.outcomes for d in r.described_studies if d.record_id == record_id),
                    None)


def study_label(record: Record) -> str:
    """``Aronson 1948``: first author's family name and year.

    The family name is read by ``lsr.search.identity.family_name_as_written``: particles kept and the
    first one capitalised ("Van den Akker 2017", "De Vries 2011"), an organisation kept whole
    ("Nederlands Jeugdinstituut 2019"). Without authors: the start of the title.
    """
    names = AUTHORS.decode_or_empty(record.authors_json)
    first = family_name_as_written(names[0]) if names else ""
    who = first or (record.title or f"record {record.id}")[:30]
    return f"{who} {record.year}" if record.year else who


def _one_per_outcome(rows: list, spec, pico) -> list:
    """The latest row per (study, outcome) with outcomes compared by the protocol's name for them: a study
    extracted under an outcome's Dutch name before the protocol paired it, and under its English one later,
    counts once."""
    latest: dict[tuple[int, str], object] = {}
    for row in sorted(rows, key=lambda r: r.id or 0):
        latest[(row.record_id, spec.canonical_outcome(row.outcome, pico).lower())] = row
    return sorted(latest.values(), key=lambda r: (r.record_id, spec.canonical_outcome(r.outcome, pico).lower()))


def synthesize_session(session: Session, protocol) -> Synthesis:
    """The synthesis of one review, read in ``session``."""
    included = included_ids(session, protocol)
    spec = protocol.extraction
    rows = _one_per_outcome([r for r in current_extractions(session, protocol.id) if r.record_id in included],
                            spec, protocol.pico)
    ids = {r.record_id for r in rows}
    records = {r.id: r for r in session.exec(select(Record).where(Record.id.in_(ids)))} if ids else {}
    groups: dict[tuple[str, str | None], list] = {}
    described: dict[str, list[DescribedStudy]] = {}
    outcome_names: dict[str, str] = {}
    designs: dict[int, str] = {}
    for row in rows:
        label = study_label(records[row.record_id])
        designs.setdefault(row.record_id, row.design or "unknown")
        outcome = spec.canonical_outcome(row.outcome, protocol.pico)
        key = outcome.lower()
        outcome_names.setdefault(key, outcome)
        effect, why = effect_of(row, label)
        if records[row.record_id].is_retracted:
            effect, why = None, RETRACTED
        if effect is None:
            described.setdefault(key, []).append(DescribedStudy(
                row.record_id, label, why, row.n, row.design, row.country, row.risk_of_bias, row.note))
            continue
        groups.setdefault((key, effect.measure), []).append(effect)
    if spec.odds_ratios_as_smd:  # one SMD pool for an outcome measured both ways (Chinn 2000)
        for key, measure in [k for k in groups if k[1] in ("OR", "RR") and (k[0], "SMD") in groups]:
            effects = groups.pop((key, measure))
            groups[(key, "SMD")] += [odds_ratio_as_smd(e) for e in effects if convertible(e)]
            if kept := [e for e in effects if not convertible(e)]:  # risk ratios given with a CI
                groups[(key, measure)] = kept
    results: list[OutcomeResult] = []
    measures = _count(key for key, _measure in groups)
    for (key, measure), effects in groups.items():
        effects.sort(key=lambda e: e.label.lower())
        p = pool(outcome_names[key], measure, effects)
        if measures[key] > 1:
            p.title = f"{p.outcome} ({measure})"
        results.append(OutcomeResult(p, rate(p), described.pop(key, []), *_naming(protocol, outcome_names[key]),
                                     randomised_pool(p)))
    for key, items in described.items():  # outcomes with no usable effect at all: described
        ns = [d.n for d in items]
        p = Pooled(outcome_names[key], "", [], sum(ns) if all(x is not None for x in ns) else None,
                   notes=["no quantitative effect: studies described"])
        results.append(OutcomeResult(p, rate(p), sorted(items, key=lambda d: d.label.lower()),
                                     *_naming(protocol, outcome_names[key])))
    def order(r: OutcomeResult) -> tuple:  # with an effect first; then as the protocol lists them; then most studies
        listed = spec.listed_position(r.pooled.outcome, protocol.pico)
        return (r.pooled.k == 0, len(spec.outcomes or protocol.pico.outcomes) if listed is None else listed,
                -r.pooled.k, -len(r.described), r.pooled.outcome.lower(), r.pooled.measure)

    results.sort(key=order)
    return Synthesis(protocol.id, len(included), len(ids), results, _count(designs.values()))


def randomised_pool(p: Pooled) -> Pooled | None:
    """The randomised studies of a pool that mixes them with non-randomised ones, pooled on their own (at
    least two): the sensitivity analysis Cochrane asks for when designs are combined (Handbook 24.6), so a
    reader sees whether the non-randomised studies move the result. None for a pool of one kind."""
    randomised = [replace(e, weight=None) for e in p.studies if e.design in RANDOMISED]
    if len(randomised) < 2 or len(randomised) == len(p.studies) or p.estimate is None:
        return None
    return pool(p.outcome, p.measure, randomised)


def _naming(protocol, outcome: str) -> tuple[dict[str, str], bool | None]:
    """An outcome's names per report language and its favourable direction, from the protocol."""
    spec = protocol.extraction
    names = {lang: spec.outcome_name(outcome, lang, protocol.pico) for lang in ("nl", "en")}
    return names, spec.higher_is_better_for(outcome)


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
            "outcome_nl": r.name("nl"),
            "title": r.title,
            "higher_is_better": r.higher_is_better,
            "measure": p.measure or None,
            "k": p.k,
            "n": p.n,
            "events": p.events,  # participants with the outcome, when every study came as counts; else null
            "estimate": _r(p.estimate),
            "ci_low": _r(p.ci_low),
            "ci_high": _r(p.ci_high),
            "pi_low": _r(p.pi_low),
            "pi_high": _r(p.pi_high),
            "i2": _r(100 * p.i2, 2) if p.i2 is not None else None,
            "tau2": _r(p.tau2, 6),  # 4 digits: 0.004533 printed "0.004", the report "0,005"
            "method": p.method,
            "strength": st.word("en"),
            "strength_reasons": st.reasons["en"],
            "strength_nl": st.word("nl"),
            "strength_reasons_nl": st.reasons["nl"],
            "notes": p.notes + st.notes["en"],
            "small_study_test": _small_study_json(st),
            "studies": [
                {"record": e.record_id, "label": e.label, "estimate": _r(e.estimate), "ci_low": _r(e.ci[0]),
                 "ci_high": _r(e.ci[1]), "weight": _r(e.weight), "n": e.n, "events": e.events, "design": e.design,
                 "risk_of_bias": e.risk_of_bias, "country": e.country, "converted_from": e.converted_from}
                for e in p.studies
            ],
            "randomised_only": _sensitivity_json(r.randomised_only),
            "described": [{"record": d.record_id, "label": d.label, "reason": d.reason, "n": d.n,
                           "design": d.design, "country": d.country, "risk_of_bias": d.risk_of_bias,
                           "note": d.note} for d in r.described_studies],
        })
    return {"review": s.review, "included": s.included, "extracted": s.extracted, "outcomes": outcomes}


def _small_study_json(st: Strength) -> dict | None:
    """The publication-bias step's test (``lsr.synthesis.small_studies``), null below 10 studies."""
    t = st.small_study
    if t is None:
        return None
    return {"test": t.test, "p": _r(t.p), "k": t.k, "coefficient": _r(t.coefficient), "asymmetric": t.asymmetric}


def _sensitivity_json(p: Pooled | None) -> dict | None:
    if p is None:
        return None
    return {"k": p.k, "estimate": _r(p.estimate), "ci_low": _r(p.ci_low), "ci_high": _r(p.ci_high),
            "i2": _r(100 * p.i2, 2) if p.i2 is not None else None}


def snapshot(s: Synthesis) -> dict:
    """The small summary a report stores, so the next report can say what changed."""
    return {
        "included": s.included,
        "extracted": s.extracted,
        "studies": sorted(s.study_ids),  # every extracted study, pooled or described
        # the studies in the effect estimate, so the next report says which entered and left it
        "effect_studies": sorted(s.effect_ids),
        "outcomes": [
            {"outcome": r.pooled.outcome, "measure": r.pooled.measure or None, "k": r.pooled.k,
             "estimate": _r(r.pooled.estimate), "ci_low": _r(r.pooled.ci_low), "ci_high": _r(r.pooled.ci_high),
             "strength": r.strength.level,
             # the outcome's own studies, so the next report can say which entered and left this pool
             "studies": sorted(e.record_id for e in r.pooled.studies)}
            for r in s.outcomes
        ],
    }
