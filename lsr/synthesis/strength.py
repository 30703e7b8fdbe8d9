"""Evidence strength per outcome: a documented GRADE-like rule on four levels, with its reasons.

Levels: 4 high / sterk, 3 moderate / redelijk, 2 low / beperkt, 1 very low / zeer beperkt.

The rule, in order (every step that changes the level adds a reason):

1. **Start from design.** Every study randomised (``rct``): high. At least half randomised: moderate.
   Otherwise (quasi-experimental, cohort, before-after, ...): low. Only qualitative studies, or no
   quantitative effect at all: very low.
2. **Risk of bias.** Down one when at least a quarter of the studies are at high risk, or at least half
   are at high risk or "some concerns", or the risk of bias of at least half is not assessed; down two
   when at least half are at high risk.
3. **Inconsistency.** Down one when I² is ``I2_INCONSISTENT`` (50%) or more (substantial heterogeneity).
   The key message uses the same threshold for "the results of the studies differ widely".
4. **Imprecision.** Down one when the 95% CI (a single study's own CI when nothing is pooled) includes
   the no-effect value, and one more when the studies hold fewer than 400 participants together (GRADE's
   rule of thumb for an optimal information size).
5. **Few studies.** Down one with a single study (nothing to replicate it; no pooling possible).

The level never drops below very low. Whether any study comes from the Netherlands or elsewhere in Europe
is noted beside the level (relevance for Heerlen-Noord) but does not change it.

Known limits (stated in the reports' method note, ``lsr.report.evidence.RULE``): it is a mechanical
approximation of GRADE, not a GRADE assessment. Imprecision counts participants also for dichotomous
outcomes, where GRADE's optimal information size is about events (roughly 300); the extraction does not
carry events into the pooled result, so a large trial with few events can still rate high. Risk of bias
is counted per study, not weighted by the study's share in the pool (one high-risk study of two drops two
levels). Indirectness and publication bias are not assessed, and nothing is rated up (large effect,
dose-response).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lsr.synthesis.countries import is_dutch, is_european
from lsr.synthesis.meta_analysis import Pooled

LEVELS = {
    "nl": {4: "sterk", 3: "redelijk", 2: "beperkt", 1: "zeer beperkt"},
    "en": {4: "high", 3: "moderate", 2: "low", 1: "very low"},
}
I2_INCONSISTENT = 0.5  # I² from which results count as inconsistent (GRADE; Cochrane Handbook 10.10.2: substantial)


def studies_word(k: int, lang: str) -> str:
    """``1 studie`` / ``3 studies`` (nl), ``1 study`` / ``3 studies`` (en)."""
    if lang == "nl":
        return f"{k} studie" if k == 1 else f"{k} studies"
    return f"{k} study" if k == 1 else f"{k} studies"


def origin_note(countries: list[str | None], lang: str) -> str:
    """Where the studies come from: ``2 van 5 studies uit Nederland, 3 uit Europa`` (singular for one)."""
    k, dutch, europe = len(countries), sum(map(is_dutch, countries)), sum(map(is_european, countries))
    if k == 1:
        if lang == "nl":
            return ("de studie komt uit Nederland" if dutch else
                    "de studie komt uit Europa, niet uit Nederland" if europe else
                    "de studie komt niet uit Nederland of Europa")
        return ("the study is from the Netherlands" if dutch else
                "the study is from Europe, not the Netherlands" if europe else
                "the study is not from the Netherlands or Europe")
    if lang == "nl":
        return f"{dutch} van {k} studies uit Nederland, {europe} uit Europa"
    return f"{dutch} of {k} studies from the Netherlands, {europe} from Europe"


@dataclass
class Strength:
    """A level (1-4) with its reasons in both languages."""

    level: int
    reasons: dict[str, list[str]] = field(default_factory=lambda: {"nl": [], "en": []})
    notes: dict[str, list[str]] = field(default_factory=lambda: {"nl": [], "en": []})

    def word(self, lang: str) -> str:
        return LEVELS[lang][self.level]

    def add(self, nl: str, en: str) -> None:
        self.reasons["nl"].append(nl)
        self.reasons["en"].append(en)


def _start(designs: list[str | None], has_effect: bool) -> tuple[int, str, str]:
    k = len(designs)
    rct = sum(d == "rct" for d in designs)
    if not has_effect or (designs and all(d == "qualitative" for d in designs)):
        return 1, "geen kwantitatief effect beschikbaar", "no quantitative effect available"
    if rct == k:
        if k == 1:
            return 4, "start hoog: de studie is gerandomiseerd", "start high: the study is randomised"
        return 4, "start hoog: alle studies zijn gerandomiseerd", "start high: every study is randomised"
    if 2 * rct >= k:
        return 3, f"start redelijk: {rct} van {k} studies gerandomiseerd", \
            f"start moderate: {rct} of {k} studies randomised"
    if k == 1:
        return 2, "start beperkt: de studie is niet gerandomiseerd", "start low: the study is not randomised"
    return 2, f"start beperkt: {k - rct} van {k} studies niet gerandomiseerd", \
        f"start low: {k - rct} of {k} studies not randomised"


def rate(p: Pooled) -> Strength:
    """The evidence strength of one pooled outcome (or of its single study)."""
    studies = p.studies
    k = len(studies)
    level, nl, en = _start([s.design for s in studies], k > 0)
    s = Strength(level)
    s.add(nl, en)
    if k == 0:
        return s
    high = sum(x.risk_of_bias == "high" for x in studies)
    concerns = sum(x.risk_of_bias in ("high", "some concerns") for x in studies)
    unknown = sum(x.risk_of_bias is None for x in studies)
    if 2 * high >= k:
        s.level -= 2
        s.add("twee lager: de studie heeft een hoog risico op vertekening" if k == 1 else
              f"twee lager: {high} van {k} studies met hoog risico op vertekening",
              "down two: the study is at high risk of bias" if k == 1 else
              f"down two: {high} of {k} studies at high risk of bias")
    elif (high and 4 * high >= k) or 2 * concerns >= k:
        s.level -= 1
        s.add(f"één lager: risico op vertekening ({high} hoog, {concerns - high} enige zorgen, van {k})",
              f"down one: risk of bias ({high} high, {concerns - high} some concerns, of {k})")
    elif 2 * unknown >= k:
        s.level -= 1
        s.add("één lager: risico op vertekening van de studie niet beoordeeld" if k == 1 else
              f"één lager: risico op vertekening niet beoordeeld bij {unknown} van {k} studies",
              "down one: the study's risk of bias not assessed" if k == 1 else
              f"down one: risk of bias not assessed for {unknown} of {k} studies")
    if p.i2 is not None and p.i2 >= I2_INCONSISTENT:
        pct = round(100 * p.i2)
        s.level -= 1
        s.add(f"één lager: de studies spreken elkaar tegen (I² = {pct}%)",
              f"down one: inconsistent results (I² = {pct}%)")
    lo, hi = (p.ci_low, p.ci_high) if p.estimate is not None else (studies[0].ci if k == 1 else (None, None))
    if lo is not None and lo <= p.null <= hi:
        s.level -= 1
        s.add("één lager: het 95%-betrouwbaarheidsinterval omvat ook de waarde voor 'geen effect'",
              "down one: the 95% confidence interval includes the no-effect value")
    if p.n is not None and p.n < 400:
        s.level -= 1
        s.add(f"één lager: samen maar {p.n} deelnemers (minder dan 400)",
              f"down one: only {p.n} participants together (fewer than 400)")
    if k == 1:
        s.level -= 1
        s.add("één lager: maar één studie", "down one: a single study")
    s.level = max(1, s.level)
    countries = [x.country for x in studies]
    s.notes["nl"].append(origin_note(countries, "nl"))
    s.notes["en"].append(origin_note(countries, "en"))
    return s
