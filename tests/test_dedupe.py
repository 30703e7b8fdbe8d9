"""De-duplication rules of ``lsr.search.dedupe``: identifiers, the title rule and its guards, batch == one-by-one."""

from __future__ import annotations

import random

import pytest
from sqlmodel import select

from lsr.models import Record, RecordSource, SearchRun
from lsr.search.dedupe import Candidate, Ingest, abstract_similarity, authors_compatible, title_relation
from lsr.search.identity import family_name, normalize_doi, normalize_pmid, title_key
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import make_workspace

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

ABSTRACT = ("We evaluate a programme that extended the school day by two hours in forty primary schools in deprived "
            "neighbourhoods of three Dutch cities. Pupils in treated schools gained fifteen hundredths of a standard "
            "deviation in mathematics after two years, with smaller effects on reading comprehension and no "
            "measurable change in wellbeing or attendance; costs were modest compared with class size reduction.")
OTHER_ABSTRACT = ("Conference abstract. Preliminary interviews with parents about childcare arrangements suggest "
                  "that families value supervision more than academic content; we outline the planned survey of "
                  "municipal policy officers, the sampling frame, questionnaire items and expected timeline for "
                  "data collection during the coming academic year across several regions and provinces nationally.")
TITLE = "Extended school day and student achievement: evidence from a randomised trial in Dutch primary schools"


@pytest.fixture
def ws(tmp_path):
    path = make_workspace(tmp_path / "ws", review_ids=("test-review", "other-review"))
    return open_workspace(resolve(path))


def base(**kw) -> Candidate:
    fields = dict(title=TITLE, authors=["Smith, John", "Jansen, Pieter"], year=2019, abstract=ABSTRACT,
                  doi="10.1016/j.econedurev.2019.101234")
    fields.update(kw)
    return Candidate(**fields)


def ingest(ws, *cands: Candidate, review: str = "test-review", kind: str = "ris", batch: bool = True):
    with ws.db.write() as session:
        run = SearchRun(review_id=review, kind="import", source="test")
        session.add(run)
        session.flush()
        ing = Ingest(session, review, run, kind)
        pairs = [(c, str(i)) for i, c in enumerate(cands)]
        if batch:
            return ing.add_many(pairs)
        return [ing.add(c, k) for c, k in pairs]


def merged(ws, first: Candidate, second: Candidate) -> str | None:
    """Ingest two hits in separate runs; the rule that merged the second, or None when it stayed apart."""
    ingest(ws, first)
    [result] = ingest(ws, second)
    return None if result.is_new else result.rule


# --- stored text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, stored", [
    # Crossref / publisher exports: JATS around the abstract, HTML inside titles
    ("<jats:title>Abstract</jats:title><jats:p>We studied <jats:italic>E. coli</jats:italic>.</jats:p>",
     "Abstract We studied E. coli."),
    ("<p>This study examines channel preference.</p>", "This study examines channel preference."),
    ("Effects of H<sub>2</sub>O and Ca<sup>2+</sup> in the <scp>UK</scp>", "Effects of H2O and Ca2+ in the UK"),
    ("Line one<br/>line two", "Line one line two"),
    ("<mml:math><mml:mi>x</mml:mi></mml:math> values", "x values"),
    ("Tom &amp; Jerry &#8211; a review", "Tom & Jerry \u2013 a review"),
    ("escaped twice: &amp;lt;5 years", "escaped twice: <5 years"),
    # what only looks like markup stays
    ("Children aged <5 years and >65", "Children aged <5 years and >65"),
    ("p < 0.05 when x<y", "p < 0.05 when x<y"),
    ("AT&T and R&D", "AT&T and R&D"),
    ("YBa<inf>2</inf>Cu<inf>3</inf>O<inf>7</inf> films", "YBa2Cu3O7 films"),  # Scopus writes subscripts as <inf>
])
def test_titles_and_abstracts_are_stored_without_markup(raw, stored):
    assert Candidate(title=raw, abstract=raw).title == stored
    assert Candidate(title=raw, abstract=raw).abstract == stored


@pytest.mark.parametrize("placeholder", ["[No abstract available]", "NA", " n/a ", "[No title available]"])
def test_placeholders_for_empty_fields_are_stored_empty(placeholder):
    """Scopus writes "[No abstract available]", an export from R "NA": neither is text to rank or show."""
    cand = Candidate(title=placeholder, abstract=placeholder, authors=["[No author name available]", "Kim, H."])
    assert (cand.title, cand.abstract, cand.authors) == ("", "", ["Kim, H."])


# --- identifiers ----------------------------------------------------------------------------------------


def test_normalisers():
    assert normalize_doi("https://dx.doi.org/10.1000/ABC") == normalize_doi("doi: 10.1000/abc") == "10.1000/abc"
    assert normalize_doi("10.1000%2Fabc") == "10.1000/abc" and normalize_doi("not a doi") is None
    assert normalize_pmid("PMID: 123; PMCID: PMC456") == "123" and normalize_pmid("PMC456") is None
    assert title_key("The <i>Self-Esteem</i> of Children&#39;s: A Review.") == title_key(
        "the self esteem of childrens - a review") == "theselfesteemofchildrensareview"
    assert title_key("TNF-α & IL-6") == title_key("TNF-alpha and IL 6")
    assert title_key("Éducation périscolaire") == "educationperiscolaire"
    assert title_key("p < 0.05 in <5 year olds") == "p005in5yearolds"


@pytest.mark.parametrize("a, b", [("Smith, J.", "John Smith"), ("Smith JA", "J. A. Smith"), ("Zhang Wei", "Wei Zhang"),
                                  ("van der Berg, A.", "Anna van der Berg"), ("García-López, M.", "Maria Garcia-Lopez"),
                                  ("Müller K", "Karl Mueller"), ("van Manen MJG", "M. J. G. van Manen"),
                                  ("Le Quellec S", "Sandra Le Quellec")])
def test_compatible_authors(a, b):
    if a == "Müller K":  # transliteration "ue" is not folded: the first author guard rejects it
        assert not authors_compatible([a], [b])
    else:
        assert authors_compatible([a], [b]), (family_name(a), family_name(b))


def test_incompatible_authors():
    assert not authors_compatible(["Smith, J."], ["Jansen, P."])
    assert authors_compatible([], ["Jansen, P."])


def test_equal_doi_always_merges(ws):
    assert merged(ws, base(openalex_id="W1"), base(doi="https://doi.org/10.1016/J.ECONEDUREV.2019.101234",
                                                   openalex_id="W2", title="Totally different")) == "doi"


def test_two_openalex_ids_never_merge_on_pmid_or_title(ws):
    assert merged(ws, base(doi=None, pmid="111", openalex_id="W1"), base(doi=None, pmid="111", openalex_id="W2")) is None


def test_pmid_merges_unless_a_doi_contradicts(ws):
    assert merged(ws, base(doi=None, pmid="111"), base(doi="10.1000/x", pmid="PMID: 111", title="Other")) == "pmid"
    ingest(ws, base(doi="10.1000/a", pmid="222", title="Something else entirely about schools"), review="other-review")
    [r] = ingest(ws, base(doi="10.1000/b", pmid="222", title="And now something different again"), review="other-review")
    assert r.is_new


def test_title_with_contradicting_doi_stays_apart(ws):
    assert merged(ws, base(), base(doi="10.1016/j.other.2019.5")) is None


# ERIC numbers: an ED report or EJ article from ERIC, EBSCOhost and ProQuest, with no DOI and no PMID
REPORT = dict(doi=None, title="Extended School Day Pilots in Four Districts: Final Evaluation Report", year=2018,
              authors=["Brennan, Siobhan"], abstract="", type="report")


def test_equal_eric_number_merges_whatever_the_platform_made_of_the_title(ws):
    assert merged(ws, base(**REPORT, eric_id="ED590123"),
                  base(**{**REPORT, "title": "Extended school-day pilots in four districts. Final evaluation report "
                                              "(Report No. 2018-04)"}, eric_id="eric number: ed590123")) == "eric_id"


def test_different_eric_numbers_never_merge_on_title(ws):
    """Two ERIC records with one short title (ERIC's briefs: "Summer Learning", year after year) are two works,
    as two different PMIDs are, even with nothing else to tell them apart."""
    short = dict(doi=None, title="Summer Learning Programs", year=2019, authors=[], abstract="")
    assert merged(ws, base(**short, eric_id="ED600001"), base(**short, eric_id="ED600002")) is None
    assert merged(ws, base(**REPORT, eric_id="ED590123"), base(**REPORT, eric_id="EJ1221234")) is None


def test_eric_number_merges_unless_a_doi_pmid_or_openalex_id_contradicts(ws):
    ingest(ws, base(doi="10.1000/a", eric_id="EJ1221234", title="One study of homework clubs and attendance"))
    [by_doi] = ingest(ws, base(doi="10.1000/b", eric_id="EJ1221234", title="Another study about summer schools"))
    assert by_doi.is_new
    ingest(ws, base(doi=None, pmid="111", eric_id="EJ1000001", title="Tutoring one"), review="other-review")
    [by_pmid] = ingest(ws, base(doi=None, pmid="222", eric_id="EJ1000001", title="Tutoring two"),
                       review="other-review")
    assert by_pmid.is_new


def test_a_shared_doi_kept_apart_by_different_eric_numbers_says_so(ws):
    """As with two PMIDs: one DOI on two ERIC records is a DOI wrong at its source, and the warning says why."""
    with ws.db.write() as session:
        run = SearchRun(review_id="test-review", kind="import", source="ERIC")
        session.add(run)
        session.flush()
        ing = Ingest(session, "test-review", run, "medline")
        first, second = ing.add_many([(base(eric_id="EJ1221234"), "1"), (base(eric_id="EJ1221299"), "2")])
        assert (second.is_new, second.rule) == (True, "doi-kept-apart")
        [conflict] = ing.doi_conflicts
    assert "because the ERIC numbers differ: EJ1221299 vs EJ1221234" in conflict.describe()


def test_a_merged_duplicate_gives_the_record_its_eric_number(ws):
    [first] = ingest(ws, base())
    [second] = ingest(ws, base(eric_id="EJ1221234", title=TITLE.upper()))
    assert second.rule == "doi" and second.record.id == first.record.id
    with ws.db.read() as session:
        assert session.get(Record, first.record.id).eric_id == "EJ1221234"
    [third] = ingest(ws, base(doi=None, eric_id="EJ1221234", title="Extended school day (ERIC abstract)"))
    assert (third.rule, third.record.id) == ("eric_id", first.record.id)


# --- the title rule -------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", [
    dict(title=TITLE.upper()),
    dict(title=TITLE.replace(":", " -").replace("randomised", "randomised") + "."),
    dict(title=TITLE.replace("Dutch", "<i>Dutch</i>")),
    dict(title=TITLE.replace("and", "&amp;", 1)),
    dict(title=TITLE.replace("Dutch", "Dütch")),
    dict(authors=["Smith J"], abstract=""),
    dict(authors=["John Smith"], year=2020),
    dict(authors=[], year=None, abstract=""),
])
def test_title_variants_merge_without_doi(ws, variant):
    assert merged(ws, base(), base(doi=None, **variant)) == "title"


def test_truncated_title_merges_with_evidence(ws):
    assert merged(ws, base(), base(doi=None, title=TITLE[:70], authors=["Smith J."])) == "title-prefix"


def test_dropped_subtitle_without_abstract_needs_same_year(ws):
    ingest(ws, base(doi=None, abstract=""))
    [same_year] = ingest(ws, base(doi=None, abstract="", title="Extended school day and student achievement"))
    assert same_year.rule == "title-prefix"
    ingest(ws, base(doi=None, abstract="", year=2019), review="other-review")
    [next_year] = ingest(ws, base(doi=None, abstract="", year=2020, title="Extended school day and student "
                                                                           "achievement"), review="other-review")
    assert next_year.is_new


def test_typo_in_title_merges_as_similar(ws):
    assert merged(ws, base(), base(doi=None, title=TITLE.replace("primary", "primray"))) == "title-similar"


def test_enrich_keeps_the_richest_fields(ws):
    [first] = ingest(ws, base(doi=None, title=TITLE[:70], abstract="", authors=["Smith J."], venue=None))
    [second] = ingest(ws, base(pmid="31456789", venue="Econ Educ Rev"))
    rec = second.record
    assert rec.id == first.record.id
    assert (rec.title, rec.abstract, rec.doi, rec.pmid, rec.venue) == (TITLE, ABSTRACT, base().doi, "31456789",
                                                                       "Econ Educ Rev")
    assert rec.title_key == title_key(TITLE)


# --- near misses: same or similar titles, different works ----------------------------------------------


@pytest.mark.parametrize("near_miss", [
    dict(title="Erratum: " + TITLE, year=2020),
    dict(type="erratum", abstract="The authors regret an error in Table 2 of this article."),
    dict(year=2016, type="proceedings-article"),
    dict(year=2020, type="proceedings-article", abstract=""),
    dict(authors=["Jansen, Pieter", "Smith, John"]),
    dict(abstract=OTHER_ABSTRACT),
    dict(title=TITLE + ": two-year follow-up", abstract=""),
    dict(title=TITLE + ", part II", abstract=""),
    dict(title=TITLE.replace("primary", "secondary"), abstract=OTHER_ABSTRACT),
    dict(type="proceedings-article", abstract=""),  # same year, but a conference paper vs a journal article
    dict(abstract=OTHER_ABSTRACT, year=2019),
    dict(type="report", year=2020, abstract=""),  # the project's final report (RIS RPRT) a year later
    dict(type="dissertation", abstract=""),  # the thesis the article came from
])
def test_near_misses_stay_apart(ws, near_miss):
    assert merged(ws, base(doi=None, type="journal-article"), base(doi=None, **near_miss)) is None


def test_a_report_merges_with_the_same_report_or_an_untyped_copy(ws):
    assert merged(ws, base(doi=None, type="report"), base(doi=None, type="report", abstract="")) == "title"
    ingest(ws, base(doi=None, type="report"), review="other-review")
    [untyped] = ingest(ws, base(doi=None, type=None, abstract=""), review="other-review")
    assert untyped.rule == "title"


def test_article_type_does_not_tell_journal_from_conference(ws):
    """OpenAlex and RIS "JOUR" call conference papers "article" too: no type guard then."""
    assert merged(ws, base(doi=None, type="article"), base(doi=None, type="proceedings-article")) == "title"


def test_generic_and_short_titles_merge_only_on_the_same_text(ws):
    ingest(ws, base(doi=None, title="Abstracts"), base(doi=None, title="Obesity", abstract=""))
    different = ingest(ws, base(doi=None, title="Abstracts", abstract=OTHER_ABSTRACT),
                       base(doi=None, title="ABSTRACTS", abstract=""), base(doi=None, title="Abstracts", year=2020),
                       base(doi=None, title="Obesity", abstract=""))
    assert all(r.is_new for r in different)
    [same] = ingest(ws, base(doi=None, title="Abstracts."))  # the same supplement from another database
    assert same.rule == "title"


@pytest.mark.parametrize("title", ["Cerebral palsy.", "[Treatment of Wilson's disease].", "Zinc treatment of "
                                   "Wilson's disease"])
def test_a_short_title_alone_does_not_merge(ws, title):
    """PubMed rows in a lean CSV: title only. Many papers are called "Cerebral palsy"; with no year, author or
    abstract on both sides to tell them apart, a title of fewer than five content words keeps them apart."""
    bare = dict(doi=None, authors=[], year=None, abstract="")
    assert merged(ws, base(doi=None, title=title), base(title=title, **bare)) is None


def test_a_short_title_merges_when_something_else_agrees(ws):
    assert merged(ws, base(doi=None, title="Cerebral palsy."), base(doi=None, title="Cerebral palsy",
                                                                     abstract="", authors=[])) == "title"  # year
    ingest(ws, base(doi=None, title="Cerebral palsy."), review="other-review")
    [authors] = ingest(ws, base(doi=None, title="Cerebral palsy", year=None, abstract=""), review="other-review")
    assert authors.rule == "title"


def test_a_short_title_needs_abstracts_that_agree_more_than_a_topic_does(ws):
    """Two reviews called "Wilson's disease" share half their abstract words; a long title would merge them
    at 40 % (ABSTRACT_VETO), a short one needs 70 % (ABSTRACT_AGREE)."""
    topic = " ".join(ABSTRACT.split()[:30] + OTHER_ABSTRACT.split()[30:])
    assert 0.4 <= abstract_similarity(ABSTRACT, topic) < 0.7
    title, bare = "Wilson's disease", dict(doi=None, authors=[], year=None)
    assert merged(ws, base(title=title), base(title=title, abstract=topic, **bare)) is None
    ingest(ws, base(title=title), review="other-review")
    [same] = ingest(ws, base(title=title + ".", abstract=ABSTRACT[:300], **bare), review="other-review")
    assert same.rule == "title"


def test_a_specific_title_alone_still_merges(ws):
    title = "Prevention of Wilson's disease in asymptomatic patients"
    bare = dict(doi=None, authors=[], year=None, abstract="")
    assert merged(ws, base(title=title), base(title=title + ".", **bare)) == "title"


def test_short_title_prefix_needs_strongly_agreeing_abstracts(ws):
    ingest(ws, base(doi=None, title="Vitamin D in adolescents: a systematic review of recommendations"))
    [strong] = ingest(ws, base(doi=None, title="VITAMIN D IN ADOLESCENTS", authors=["Smith J"]))
    assert strong.rule == "title-prefix"
    ingest(ws, base(doi=None, title="Vitamin D in adolescents: a systematic review"), review="other-review")
    [weak] = ingest(ws, base(doi=None, title="Vitamin D in adolescents", abstract=""), review="other-review")
    assert weak.is_new


def test_part_one_and_part_two():
    a, b = title_key(TITLE + " Part I"), title_key(TITLE + " Part II")
    assert title_relation(a, b) == "prefix"  # the guard, not the relation, keeps them apart


def test_identical_notices_merge(ws):
    assert merged(ws, base(doi=None, title="Erratum: " + TITLE), base(doi=None, title="ERRATUM - " + TITLE)) == "title"


# --- batches behave exactly like one-by-one -------------------------------------------------------------


def random_hits(seed: int, n: int = 120) -> list[Candidate]:
    rng = random.Random(seed)
    works = [dict(title=f"Study {w} of extended learning time and outcomes in cohort {w * 7}",
                  authors=[f"Author{w}, A."], year=2000 + w % 20, doi=f"10.1000/w{w}", pmid=str(5000 + w),
                  eric_id=f"ED{600000 + w}", abstract="") for w in range(40)]
    hits = []
    for _ in range(n):
        w = dict(rng.choice(works))
        if rng.random() < 0.4:
            w["doi"] = None
        if rng.random() < 0.5:
            w["pmid"] = None
        if rng.random() < 0.3:
            w["title"] = w["title"].upper()
        if rng.random() < 0.2:
            w["openalex_id"] = f"W{int(w['pmid'] or 7000) + 1}" if w.get("pmid") else None
        if rng.random() < 0.6:
            w["eric_id"] = None
        hits.append(Candidate(**w))
    return hits


@pytest.mark.parametrize("seed", [1, 2])
def test_add_many_equals_add_one_by_one(ws, seed):
    hits = random_hits(seed)
    one = ingest(ws, *hits, review="test-review", batch=False)
    with ws.db.write() as session:
        run = SearchRun(review_id="other-review", kind="import", source="test")
        session.add(run)
        session.flush()
        many = Ingest(session, "other-review", run, "ris").add_many([(c, str(i)) for i, c in enumerate(hits)],
                                                                    batch_size=7)
    assert [(r.is_new, r.rule, r.already_recorded) for r in one] == [(r.is_new, r.rule, r.already_recorded)
                                                                      for r in many]
    rank = {}
    assert [rank.setdefault(r.record.id, len(rank)) for r in one] == [
        rank.setdefault(("b", r.record.id), len(rank)) - len({x.record.id for x in one}) for r in many]
    with ws.db.read() as session:
        def snapshot(review):
            recs = session.exec(select(Record).where(Record.review_id == review).order_by(Record.id)).all()
            return [(r.title, r.doi, r.pmid, r.eric_id, r.openalex_id, r.year) for r in recs]
        assert snapshot("test-review") == snapshot("other-review")


def test_same_hit_twice_in_one_run_is_recorded_once(ws):
    with ws.db.write() as session:
        run = SearchRun(review_id="test-review", kind="update", source="openalex")
        session.add(run)
        session.flush()
        ing = Ingest(session, "test-review", run, "openalex")
        first = ing.add(base(openalex_id="W9"), "W9")
        again = ing.add(base(openalex_id="W9"), "W9")
        batch = ing.add_many([(base(openalex_id="W10", doi=None, title="Another study"), "W10")] * 2)
        assert first.is_new and again.already_recorded
        assert batch[0].is_new and batch[1].already_recorded
        assert (run.results_returned, run.new_records, run.duplicates) == (2, 2, 0)
        assert len(session.exec(select(RecordSource)).all()) == 2


def test_hits_of_one_batch_match_each_other(ws):
    results = ingest(ws, base(doi=None), base(doi=None, title=TITLE.lower()), base(pmid="1"), base(doi=None, pmid="1"))
    assert [(r.is_new, r.rule) for r in results] == [(True, None), (False, "title"), (False, "title"), (False, "pmid")]
    assert len({r.record.id for r in results}) == 1
