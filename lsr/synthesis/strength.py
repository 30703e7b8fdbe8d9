"""Evidence strength per outcome: a documented GRADE-like rule on four levels, with its reasons.

Levels: 4 high / sterk, 3 moderate / redelijk, 2 low / beperkt, 1 very low / zeer beperkt.

The rule, in order (every step that changes the level adds a reason):

1. **Start from design.** Every study randomised (``rct``, ``cluster-rct``): high. At least half randomised: moderate.
   Otherwise (quasi-experimental, cohort, before-after, ...): low. Only qualitative studies: very low.
   No quantitative effect at all: ``NOT_ASSESSABLE`` (0), "niet te beoordelen (geen effect te berekenen)",
   not a level of the scale: a strength of evidence for an effect that does not exist would read as a
   judgement on an effect.
2. **Risk of bias.** Down one when at least a quarter of the studies are at high risk, or at least half
   are at high risk or "some concerns", or the risk of bias of at least half is not assessed; down two
   when at least half are at high risk.
3. **Inconsistency.** Down one when I² is ``I2_INCONSISTENT`` (50%) or more (substantial heterogeneity).
   The key message uses the same threshold for "the results of the studies differ widely".
4. **Imprecision.** Down one when the 95% CI (a single study's own CI when nothing is pooled) includes
   the no-effect value, and one more when the pool is smaller than GRADE's rule of thumb for an optimal
   information size: for a ratio (RR, OR) whose every study was extracted as counts, fewer than
   ``EVENTS_OIS`` (300) events together (participants with the outcome, both arms); otherwise fewer than
   ``PARTICIPANTS_OIS`` (400) participants together. When only some studies of a ratio have counts,
   participants are counted and the reason says that the events are not known for every study.
5. **Few studies.** Down one with a single study (nothing to replicate it; no pooling possible). A single
   study that is also too small (step 4) is thus down twice for what GRADE counts as imprecision: this is
   deliberate, as one small study is neither large enough nor replicated. The method note says so.
6. **Publication bias.** Only with at least ``MIN_K`` (10) studies in the pool (Cochrane Handbook 13.3.5.4:
   below that the tests for funnel plot asymmetry are too weak; publication bias is then not assessed, which
   the method note says, and no reason is added). The test (``lsr.synthesis.small_studies``) is Peters'
   regression on 1/N for a pool whose every study was extracted as counts (Egger's test gives false
   positives with odds ratios, Handbook 13.3.5.4), else Egger's regression test. Down one when its two-sided
   p is below ``ALPHA`` (0.10, the conventional threshold for these tests of low power): "aanwijzing voor
   publicatiebias". The reason says which way: "kleinere studies vinden grotere effecten" when the smaller
   studies lie further from no effect in the direction of the pooled effect (for a correlation: "een
   sterkere samenhang"), else "andere effecten dan grotere studies" (smaller, or reversed): asymmetry
   either way is a sign.
   The test and its p are kept on the level (``Strength.small_study``) for the JSON and the appendix.

**A correlation (r)** goes through the same steps. Its start follows the ``design`` column as given, like every
measure: correlations usually come from cohort or cross-sectional studies and so start at low, which is what GRADE
gives observational evidence when the question is whether acting on a factor would help (Balshem et al. 2011,
GRADE guidelines 3). GRADE for prognostic factors would start cohorts at high (Foroutan et al. 2020, GRADE
guidelines 28), but that rates how well a factor predicts, not what changing it does, and the programme reads
these reviews for what to act on; the reports word a correlation as an association, never as an effect. An r of
a randomised comparison (the correlation of the randomised group with the outcome) is extracted with its
randomised design and starts as one; a factor measured in the data of a trial is not randomised and is
extracted as ``cohort``. Imprecision: its no-effect value is 0 (no association, the reason says so), and the
information size is its participants (``n``; a correlation has no events), with the same ``PARTICIPANTS_OIS``:
with 400 participants Fisher's z has a standard error of 1/sqrt(397), about 0.05: a 95% CI about 0.2 wide
around a small r, as wide as Cohen's band from a small (0.1) to a moderate (0.3) correlation.

The level never drops below very low. Whether any study comes from the Netherlands or another European
country is noted beside the level (``notes``, shown as "Herkomst", relevance for Heerlen-Noord) but is not
one of its reasons and does not change it.

The reasons use the names of the scale: "startniveau sterk", "één niveau lager", "twee niveaus lager".

Known limits (stated in the reports' method note, ``lsr.report.evidence.RULE``): it is a mechanical
approximation of GRADE, not a GRADE assessment. A dichotomous outcome whose effects were given as an
estimate with a CI carries no events, so imprecision counts its participants and a large trial with few
events can still rate high. Risk of bias is counted per study, not weighted by the study's share in the
pool (one high-risk study of two drops two levels). Indirectness is not assessed, and nothing is rated up
(large effect, dose-response). Publication bias is judged only by the small-study test, and only from 10
studies: a test that finds nothing does not rule it out, and asymmetry can have other causes than
publication bias (heterogeneity that goes with study size, chance); GRADE would also weigh how the studies
were found and who funded them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lsr.synthesis.countries import is_dutch, is_european
from lsr.synthesis.extraction import RANDOMISED
from lsr.synthesis.meta_analysis import CORRELATION, RATIO, Pooled, analysis
from lsr.synthesis.small_studies import PETERS, SmallStudyTest, small_study_test

NOT_ASSESSABLE = 0  # no quantitative effect: no level of the scale applies
LEVELS = {
    "nl": {4: "sterk", 3: "redelijk", 2: "beperkt", 1: "zeer beperkt",
           NOT_ASSESSABLE: "niet te beoordelen (geen effect te berekenen)"},
    "en": {4: "high", 3: "moderate", 2: "low", 1: "very low",
           NOT_ASSESSABLE: "not assessable (no effect to compute)"},
}
I2_INCONSISTENT = 0.5  # I² from which results count as inconsistent (GRADE; Cochrane Handbook 10.10.2: substantial)
# GRADE's rules of thumb for an optimal information size (Guyatt et al. 2011, "GRADE guidelines 6. Rating the
# quality of evidence - imprecision", J Clin Epidemiol 64:1283-1293; GRADE handbook, "Imprecision"): below
# them a pool is smaller than one adequately powered trial, whatever its CI.
EVENTS_OIS = 300  # events, for a dichotomous outcome (a ratio from counts)
PARTICIPANTS_OIS = 400  # participants, for a continuous outcome or when events are not known


def studies_word(k: int, lang: str) -> str:
    """``1 studie`` / ``3 studies`` (nl), ``1 study`` / ``3 studies`` (en)."""
    if lang == "nl":
        return f"{k} studie" if k == 1 else f"{k} studies"
    return f"{k} study" if k == 1 else f"{k} studies"


def origin_counts(countries: list[str | None]) -> tuple[int, int]:
    """(from the Netherlands, from another European country only): disjoint, so they add up."""
    dutch = sum(map(is_dutch, countries))
    other = sum(is_european(c) and not is_dutch(c) for c in countries)
    return dutch, other


def origin_note(countries: list[str | None], lang: str) -> str:
    """Where the studies come from: ``2 van de 5 studies komen uit Nederland, 1 uit een ander Europees land``.

    "Europe" includes the Netherlands, so the second count is of the other European countries only: "2 uit
    Nederland, 2 uit Europa" read as four studies when it meant the same two.
    """
    k = len(countries)
    dutch, other = origin_counts(countries)
    if k == 1:
        if lang == "nl":
            return ("de studie komt uit Nederland" if dutch else
                    "de studie komt uit een ander Europees land" if other else
                    "de studie komt niet uit Nederland of een ander Europees land")
        return ("the study is from the Netherlands" if dutch else
                "the study is from another European country" if other else
                "the study is not from the Netherlands or another European country")
    if lang == "nl":
        head = (f"geen van de {k} studies komt uit Nederland" if not dutch else
                f"{dutch} van de {k} studies {'komt' if dutch == 1 else 'komen'} uit Nederland")
        if other:
            return f"{head}, {other} uit een ander Europees land"
        return head + (" of een ander Europees land" if not dutch else ", geen uit een ander Europees land")
    head = (f"none of the {k} studies is from the Netherlands" if not dutch else
            f"{dutch} of the {k} studies {'is' if dutch == 1 else 'are'} from the Netherlands")
    if other:
        return f"{head}, {other} from another European country"
    return head + (" or another European country" if not dutch else ", none from another European country")


@dataclass
class Strength:
    """A level (1-4) with its reasons in both languages."""

    level: int
    reasons: dict[str, list[str]] = field(default_factory=lambda: {"nl": [], "en": []})
    notes: dict[str, list[str]] = field(default_factory=lambda: {"nl": [], "en": []})
    small_study: SmallStudyTest | None = None  # the publication-bias step's test; None below 10 studies

    def word(self, lang: str) -> str:
        """The level's name: "sterk" ... "zeer beperkt", or "niet te beoordelen (geen effect te berekenen)"."""
        return LEVELS[lang][self.level]

    @property
    def assessable(self) -> bool:
        """Whether a level of the scale applies (there is an effect to rate)."""
        return self.level != NOT_ASSESSABLE

    def add(self, nl: str, en: str) -> None:
        self.reasons["nl"].append(nl)
        self.reasons["en"].append(en)


def _start(designs: list[str | None], has_effect: bool) -> tuple[int, str, str]:
    k = len(designs)
    rct = sum(d in RANDOMISED for d in designs)
    if not has_effect:
        return (NOT_ASSESSABLE, "er is geen effect te berekenen, dus de bewijskracht is niet te beoordelen",
                "there is no effect to compute, so the strength of evidence cannot be assessed")
    if all(d == "qualitative" for d in designs):
        return 1, "startniveau zeer beperkt: alleen kwalitatieve studies", \
            "starting level very low: qualitative studies only"
    if rct == k:
        if k == 1:
            return 4, "startniveau sterk: de studie is gerandomiseerd", \
                "starting level high: the study is randomised"
        return 4, "startniveau sterk: alle studies zijn gerandomiseerd", \
            "starting level high: every study is randomised"
    if 2 * rct >= k:
        return 3, f"startniveau redelijk: {rct} van de {k} studies {'is' if rct == 1 else 'zijn'} gerandomiseerd", \
            f"starting level moderate: {rct} of {k} studies randomised"
    if k == 1:
        return 2, "startniveau beperkt: de studie is niet gerandomiseerd", \
            "starting level low: the study is not randomised"
    return 2, f"startniveau beperkt: {k - rct} van de {k} studies {'is' if k - rct == 1 else 'zijn'} niet gerandomiseerd", \
        f"starting level low: {k - rct} of {k} studies not randomised"


def _small_information_size(p: Pooled) -> tuple[str, str] | None:
    """The second imprecision step's reason (nl, en) when the pool holds too little information, else None.

    A ratio counts events when every study has them; a ratio with events for only some studies falls back
    to participants, and its reason says so, because a partial sum of events would understate the pool.
    """
    if p.measure in RATIO and p.events is not None:
        if p.events >= EVENTS_OIS:
            return None
        if len(p.studies) == 1:
            return (f"één niveau lager: de uitkomst kwam in deze studie maar bij {p.events} deelnemers voor "
                    f"(minder dan {EVENTS_OIS})",
                    f"down one: the outcome occurred in only {p.events} participants in this study (fewer than "
                    f"{EVENTS_OIS})")
        return (f"één niveau lager: de uitkomst kwam maar bij {p.events} deelnemers voor (minder dan {EVENTS_OIS})",
                f"down one: the outcome occurred in only {p.events} participants (fewer than {EVENTS_OIS})")
    if p.n is None:
        return _unknown_participants(p)
    if p.n >= PARTICIPANTS_OIS:
        return None
    if p.measure in RATIO and any(x.events is not None for x in p.studies):
        return (f"één niveau lager: samen maar {p.n} deelnemers (minder dan {PARTICIPANTS_OIS}; niet van alle "
                "studies is bekend bij hoeveel deelnemers de uitkomst optrad)",
                f"down one: only {p.n} participants together (fewer than {PARTICIPANTS_OIS}; events not known "
                "for every study)")
    if len(p.studies) == 1:
        return (f"één niveau lager: de studie heeft maar {p.n} deelnemers (minder dan {PARTICIPANTS_OIS})",
                f"down one: the study has only {p.n} participants (fewer than {PARTICIPANTS_OIS})")
    return (f"één niveau lager: samen maar {p.n} deelnemers (minder dan {PARTICIPANTS_OIS})",
            f"down one: only {p.n} participants together (fewer than {PARTICIPANTS_OIS})")


def _unknown_participants(p: Pooled) -> tuple[str, str] | None:
    """The reason (nl, en) to go down a level when some study's number of participants was not extracted,
    unless those that are known already reach the threshold.

    Unknown size is no reassurance (GRADE guidelines 6: imprecision): without it the pool would escape the
    small-information step that the same studies with their sizes given would take.
    """
    known = [x.n for x in p.studies if x.n is not None]
    if sum(known) >= PARTICIPANTS_OIS:
        return None
    k = len(p.studies)
    if k == 1:
        return ("één niveau lager: het aantal deelnemers van de studie is niet bekend",
                "down one: the number of participants in the study is not known")
    return (f"één niveau lager: het aantal deelnemers is niet van alle studies bekend ({len(known)} van {k} "
            f"bekend, samen {sum(known)}; minder dan {PARTICIPANTS_OIS})",
            f"down one: the number of participants is not known for every study ({len(known)} of {k} known, "
            f"{sum(known)} together; fewer than {PARTICIPANTS_OIS})")


def p_text(p: float, lang: str) -> str:
    """A p-value as the reasons write it: "p = 0,03" (nl), "p = 0.03" (en); three decimals where two would
    round it onto or over the 0.10 threshold or to 0, "p < 0,001" below 0.001."""
    if p < 0.001:
        text = "p < 0.001"
    elif p < 0.01 or (p < 0.1 and round(p, 2) >= 0.1):
        text = f"p = {p:.3f}"
    else:
        text = f"p = {p:.2f}"
    return text.replace(".", ",") if lang == "nl" else text


def name_of_test(test: SmallStudyTest, lang: str) -> str:
    """"Egger-toets" / "Peters-toets" (nl), "Egger's test" / "Peters' test" (en)."""
    if lang == "nl":
        return f"{test.test}-toets"
    return "Peters' test" if test.test == PETERS else "Egger's test"


def _small_study_reason(p: Pooled, test: SmallStudyTest) -> tuple[str, str]:
    """The publication-bias step's reason (nl, en). "Larger" only when the smaller studies lie further from
    no effect in the pooled effect's direction; otherwise they find smaller or reversed effects, said
    neutrally as "different"."""
    pooled = analysis(p.measure, p.estimate) if p.estimate is not None else 0.0
    larger = pooled != 0 and (test.coefficient > 0) == (pooled > 0)
    if p.measure == CORRELATION:
        nl_what = ("kleinere studies vinden een sterkere samenhang" if larger else
                   "kleinere studies vinden een andere samenhang dan grotere studies")
        en_what = ("smaller studies find stronger associations" if larger else
                   "smaller studies find different associations from larger ones")
    else:
        nl_what = ("kleinere studies vinden grotere effecten" if larger else
                   "kleinere studies vinden andere effecten dan grotere studies")
        en_what = ("smaller studies find larger effects" if larger else
                   "smaller studies find different effects from larger ones")
    return (f"één niveau lager: aanwijzing voor publicatiebias ({nl_what}; {name_of_test(test, 'nl')} "
            f"{p_text(test.p, 'nl')}, {test.k} studies)",
            f"down one: signs of publication bias ({en_what}; {name_of_test(test, 'en')} {p_text(test.p, 'en')}, "
            f"{test.k} studies)")


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
        s.add("twee niveaus lager: de studie heeft een hoog risico op vertekening" if k == 1 else
              f"twee niveaus lager: {high} van {k} studies met hoog risico op vertekening",
              "down two: the study is at high risk of bias" if k == 1 else
              f"down two: {high} of {k} studies at high risk of bias")
    elif (high and 4 * high >= k) or 2 * concerns >= k:
        s.level -= 1
        s.add(f"één niveau lager: risico op vertekening ({high} hoog, {concerns - high} enige zorgen, van {k})",
              f"down one: risk of bias ({high} high, {concerns - high} some concerns, of {k})")
    elif 2 * unknown >= k:
        s.level -= 1
        s.add("één niveau lager: risico op vertekening van de studie niet beoordeeld" if k == 1 else
              f"één niveau lager: risico op vertekening niet beoordeeld bij {unknown} van {k} studies",
              "down one: the study's risk of bias not assessed" if k == 1 else
              f"down one: risk of bias not assessed for {unknown} of {k} studies")
    if p.i2 is not None and p.i2 >= I2_INCONSISTENT:
        pct = round(100 * p.i2)
        s.level -= 1
        s.add(f"één niveau lager: de resultaten van de studies lopen sterk uiteen (I² = {pct}%)",
              f"down one: the results of the studies differ widely (I² = {pct}%)")
    iv = p.interval  # the pooled CI, or the single study's own
    if iv is not None and iv[1] <= p.null <= iv[2]:
        s.level -= 1
        if p.measure == CORRELATION:
            s.add("één niveau lager: het 95%-betrouwbaarheidsinterval omvat ook 0 (geen samenhang)",
                  "down one: the 95% confidence interval includes 0 (no association)")
        else:
            s.add("één niveau lager: het 95%-betrouwbaarheidsinterval omvat ook de waarde voor 'geen effect'",
                  "down one: the 95% confidence interval includes the no-effect value")
    small = _small_information_size(p)
    if small is not None:
        s.level -= 1
        s.add(*small)
    if k == 1:
        s.level -= 1
        s.add("één niveau lager: maar één studie", "down one: a single study")
    test = small_study_test(studies)
    s.small_study = test
    if test is not None and test.asymmetric:
        s.level -= 1
        s.add(*_small_study_reason(p, test))
    s.level = max(1, s.level)
    countries = [x.country for x in studies]
    s.notes["nl"].append(origin_note(countries, "nl"))
    s.notes["en"].append(origin_note(countries, "en"))
    return s
