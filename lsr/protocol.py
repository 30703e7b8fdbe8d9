"""Review protocols: the TOML format of DESIGN.md as a validated, immutable model.

Each key is declared once, as a field of the frozen dataclasses below: its type (the annotation), default
and rule (``key(...)``: what it must be, in lsr's words, and further checks). One walker, ``_build``, reads a
TOML table through ``dataclasses.fields``: unknown keys and tables are errors, never ignored (a typo such as
``[serach]`` would otherwise silently disable a review's search), types are strict (``true`` is not 1), and
every problem is collected: ``load_protocol`` raises ``ProtocolError`` listing them as ``file: key: reason``
in file order; ``check_files`` collects them for many files. Standard library only: ``lsr status`` imports
this module and must start within a fraction of a second (issue 19), which a validation library would spend.

The recorded form (``protocol_json``, hashed as ``content_hash``) is the file's TOML table itself, not the
model: a new version is recorded when the file changes, whatever the model's defaults.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import date
from functools import cache, partial
from pathlib import Path
from types import UnionType
from typing import Any

from lsr.errors import LsrError
from lsr.jsoncols import PROTOCOL
from lsr.search.cron import cron_problem
from lsr.search.identity import normalize_doi

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SCHEDULE_EVERY = ("daily", "weekly", "monthly", "quarterly")
STOPPING_PATTERN = re.compile(r"^(statistical|none|consecutive-irrelevant:[1-9][0-9]*)$")
DEFAULT_EXCLUSION_REASONS = (
    "wrong population",
    "wrong intervention",
    "wrong outcome",
    "wrong design",
    "duplicate",
)
# [extraction] fields: the standard ones the synthesis reads; "effect" stands for the effect columns (counts
# per arm, or measure with estimate and 95% CI). Other names are the review's own fields, kept as text.
DEFAULT_EXTRACTION_FIELDS = ("outcome", "design", "country", "n", "risk_of_bias", "effect")
FIELD_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class ProtocolError(LsrError):
    """A protocol file is invalid; ``problems`` holds one ``file: key: reason`` line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems) if len(problems) <= 3 else f"{problems[0]} (and {len(problems) - 1} more)",
                         title="Invalid protocol")


# --- Rules: what a key must be. ---


@dataclass(frozen=True)
class Rule:
    """How a key's value is checked: its type (the field's annotation) and ``ok``, both worded by ``says``;
    then ``checks`` in order, the first that finds a problem (or a list of them) giving its own words.
    ``before`` turns the file's value into the model's kind, ``after`` normalises a valid value."""

    says: str
    ok: Callable[[Any], Any] = lambda value: True
    checks: tuple[Callable[[Any], str | list[str] | None], ...] = ()
    before: Callable[[Any], Any] = lambda value: value
    after: Callable[[Any], Any] = lambda value: value

    def apply(self, value: Any, kind: Any) -> tuple[Any, list[str]]:
        """The model's value and no problems, or None and the problems of a wrong value."""
        value = self.before(value)
        if not (_fits(value, kind) and self.ok(value)):
            return None, [self.says]
        for check in self.checks:
            if found := check(value):
                return None, [found] if isinstance(found, str) else found
        return self.after(tuple(value) if isinstance(value, list) else float(value) if kind is float else value), []


def key(says: str, default: Any = MISSING, *, factory: Any = MISSING, **rule: Any) -> Any:
    """A key of a table: the dataclass field with its default (none: required) and its ``Rule``."""
    return field(default=default, default_factory=factory, metadata={"rule": Rule(says, **rule)})


def _fits(value: Any, kind: Any) -> bool:
    """Whether a TOML value is of the annotated type, strictly: no ``true`` as 1, no ``"0.5"`` as number."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is tuple:
        return isinstance(value, list) and all(_fits(item, args[0]) for item in value)
    if origin in (UnionType, typing.Union):
        return any(_fits(value, option) for option in args)
    if origin is dict:
        return isinstance(value, dict)  # its values are the rule's to check
    if isinstance(value, bool) and kind is not bool:
        return False  # true is not 1
    return isinstance(value, (int, float) if kind is float else kind)


def _all_filled(texts: list[str]) -> bool:
    return all(map(str.strip, texts))


def distinct(what: str, same: Callable[[Any], Any] = lambda value: value) -> Callable[[list], str | None]:
    """No two values of a list alike (compared by ``same``); the problem names the first pair."""

    def problem(values: list) -> str | None:
        seen: dict[Any, Any] = {}
        for value in values:
            key = same(value)
            if key in seen:
                also = f" (as {seen[key]!r})" if seen[key] != value else ""
                return f"{what} are listed twice: {value!r}{also}"
            seen[key] = value
        return None

    return problem


def _goals_problem(goals: list[int]) -> str | None:
    bad = [g for g in goals if not 1 <= g <= 12]
    return f"goal numbers must be 1-12 (got {', '.join(map(str, bad))})" if bad else None


def _reasons_count_problem(reasons: list[str]) -> str | None:
    if not reasons:
        return "must list at least one reason"
    return "at most 9 reasons (keys 1-9 select them in the screener)" if len(reasons) > 9 else None


def _field_names_problem(names: list[str]) -> str | None:
    bad = [s for s in names if not FIELD_PATTERN.match(s)]
    if bad:
        return f"field names are lowercase letters, digits and _ (got {', '.join(map(repr, bad))})"
    return None if "outcome" in names else "must include outcome (every extraction is of one outcome)"


def _query_problem(query: str) -> str | None:
    from lsr.search.openalex.search_syntax import check_query

    return check_query(query)


# OpenAlex's work types (developers.openalex.org/api-reference/work-types, 2026): a misspelt type is not an
# error there, it matches nothing, so a review would find no work at every update and look healthy
WORK_TYPES = frozenset({
    "article", "book", "book-chapter", "book-review", "dataset", "dissertation", "editorial", "erratum", "grant",
    "letter", "libguides", "other", "paratext", "peer-review", "preprint", "reference-entry", "report", "retraction",
    "review", "standard", "supplementary-materials"})


def _filter_values(value: Any) -> list[str]:
    """The alternatives of a filter value (``a|b``), without OpenAlex's negation mark ``!``."""
    return [alt.strip().removeprefix("!") for alt in str(value).split("|")]


def _filters_problem(filters: dict[str, Any]) -> str | None:
    for name, value in filters.items():
        if not isinstance(value, str | int | bool):
            return f"filter {name!r} must be a string, integer or boolean"
        if isinstance(value, str) and "," in value:
            return f"filter {name!r}: commas are not allowed (OpenAlex splits filters on commas; use | for OR)"
        if name.endswith("_date"):
            for alt in _filter_values(value):
                try:
                    ok = isinstance(value, str) and date.fromisoformat(alt).isoformat() == alt
                except ValueError:
                    ok = False
                if not ok:
                    return f"filter {name!r}: {alt!r} is not a date written \"YYYY-MM-DD\" (OpenAlex refuses it)"
        if name == "type":
            unknown = [alt for alt in _filter_values(value) if alt not in WORK_TYPES]
            if unknown:
                return (f"filter 'type': {unknown[0]!r} is not an OpenAlex work type (it would match no work): "
                        f"{', '.join(sorted(WORK_TYPES))}")
    return None


def _openalex_text(filters: dict[str, Any]) -> dict[str, str]:
    """OpenAlex filter values as the API takes them: text, with true/false for booleans."""
    return {name: str(value).lower() if isinstance(value, bool) else str(value) for name, value in filters.items()}


TEXT = partial(key, "must be a string")
SENTENCE = partial(key, "must be a non-empty string", ok=str.strip, after=str.strip)
TEXTS = partial(key, "must be a list of non-empty strings", ok=_all_filled)
REASONS = partial(TEXTS, checks=(_reasons_count_problem, distinct("reasons", lambda reason: reason.strip().lower())))
FRACTION = partial(key, "must be a number between 0 and 1 (exclusive)", ok=lambda x: 0 < x < 1)


# --- The tables of a protocol file, each key declared once. ---

table = dataclass(frozen=True, kw_only=True)
NOT_A_KEY = {"key": False}  # the metadata of a model field that the file does not give


class Table:
    """A table of the protocol file: a frozen dataclass whose fields are its keys."""

    @staticmethod
    def problems(values: dict[str, Any]) -> Iterator[tuple[str, str]]:
        """Problems across keys, as (key, reason), key "" for the table itself. ``values``: each key's model
        value (its default when not given), leaving out the keys that failed their own rule."""
        return iter(())


@table
class Pico(Table):
    population: str = TEXT("")
    intervention: str = TEXT("")
    comparison: str = TEXT("")
    outcomes: tuple[str, ...] = TEXTS(())
    population_nl: str = TEXT("")
    intervention_nl: str = TEXT("")
    comparison_nl: str = TEXT("")
    outcomes_nl: tuple[str, ...] = TEXTS(())
    """Dutch wording of ``outcomes``, same length and order (empty when not given)."""

    @staticmethod
    def problems(values: dict[str, Any]) -> Iterator[tuple[str, str]]:
        dutch, english = values.get("outcomes_nl"), values.get("outcomes")
        if dutch and english is not None and len(dutch) != len(english):
            yield "outcomes_nl", f"has {len(dutch)} outcomes, outcomes has {len(english)} (same length and order)"


@table
class Search(Table):
    query: str = key("must be a non-empty search string", ok=str.strip, checks=(_query_problem,), after=str.strip)
    filters: dict[str, str] = key("must be a table of OpenAlex filters", factory=dict, checks=(_filters_problem,),
                                  after=_openalex_text)
    include_xpac: bool = key("must be true or false", False)
    """Also search OpenAlex's "xpac" works (DataCite and repository records: reports, theses, datasets),
    which the API leaves out unless ``include_xpac=true`` is sent."""
    known_studies: tuple[str, ...] = key(
        "must be a list of DOIs", (), after=lambda dois: tuple(map(normalize_doi, dois)),
        checks=(lambda dois: [f"not a DOI: {d!r}" for d in dois if normalize_doi(d) is None],
                distinct("DOIs", normalize_doi)))
    """Normalised DOIs the search must retrieve (search validation, PRISMA-S)."""


@table
class Highlight(Table):
    """Words the screener highlights in titles and abstracts (``[criteria] highlight``)."""

    include: tuple[str, ...] = TEXTS(())
    exclude: tuple[str, ...] = TEXTS(())


@table
class Criteria(Table):
    include: tuple[str, ...] = TEXTS(())
    exclude: tuple[str, ...] = TEXTS(())
    exclusion_reasons: tuple[str, ...] = REASONS(DEFAULT_EXCLUSION_REASONS)
    highlight: Highlight = Highlight()
    include_nl: tuple[str, ...] = TEXTS(())
    exclude_nl: tuple[str, ...] = TEXTS(())
    exclusion_reasons_nl: tuple[str, ...] = REASONS(())
    """Dutch wording of ``exclusion_reasons``, same length and order (empty when not given)."""

    @staticmethod
    def problems(values: dict[str, Any]) -> Iterator[tuple[str, str]]:
        dutch, english = values.get("exclusion_reasons_nl"), values.get("exclusion_reasons")
        if dutch and english is not None and len(dutch) != len(english):
            yield "exclusion_reasons_nl", (f"has {len(dutch)} reasons, exclusion_reasons has {len(english)} "
                                           "(same length and order)")

    @property
    def highlight_include(self) -> tuple[str, ...]:
        return self.highlight.include

    @property
    def highlight_exclude(self) -> tuple[str, ...]:
        return self.highlight.exclude

    def reason_nl(self, reason: str) -> str:
        """The Dutch wording of an exclusion reason, or the reason itself when none is given."""
        if self.exclusion_reasons_nl and reason in self.exclusion_reasons:
            return self.exclusion_reasons_nl[self.exclusion_reasons.index(reason)]
        return reason


@table
class Schedule(Table):
    """When the review is searched again: ``every`` interval (monthly when neither is given) or ``cron``."""

    every: str | None = key(f"must be one of {', '.join(SCHEDULE_EVERY)}", None, ok=SCHEDULE_EVERY.__contains__)
    cron: str | None = key("must be a cron expression string", None, checks=(cron_problem,))

    def __post_init__(self) -> None:
        if self.every is None and self.cron is None:
            object.__setattr__(self, "every", "monthly")

    @staticmethod
    def problems(values: dict[str, Any]) -> Iterator[tuple[str, str]]:
        if values.get("every") is not None and values.get("cron") is not None:
            yield "", "give either every or cron, not both"


@table
class Screening(Table):
    reviewers_per_record: int = key("must be 1 (single screening) or 2 (blinded dual screening)", 1,
                                    ok=(1, 2).__contains__)
    stopping: str = key("must be statistical, consecutive-irrelevant:N (N >= 1) or none", "statistical",
                        ok=STOPPING_PATTERN.match)
    recall_target: float = FRACTION(0.95)
    confidence: float = FRACTION(0.95)


def _outcome_key(name: str) -> str:
    """How outcome names are compared: case and spacing do not count ("Achievement " is "achievement")."""
    return " ".join(name.split()).casefold()


def _stripped(texts: list[str]) -> tuple[str, ...]:
    return tuple(text.strip() for text in texts)


def _paired_index(english: tuple[str, ...], dutch: tuple[str, ...], name: str) -> int | None:
    """The place in ``english`` of an outcome named (case and spacing aside) by its entry there or by the
    entry of ``dutch`` it pairs with by position, else None."""
    wanted = _outcome_key(name)
    for names in (english, dutch):
        for i, known in enumerate(names):
            if _outcome_key(known) == wanted and i < len(english):
                return i
    return None


def _pico_outcome_index(pico: Pico | None, name: str) -> int | None:
    """The place in ``[pico] outcomes`` of an outcome named by it or by its ``outcomes_nl`` entry."""
    return None if pico is None else _paired_index(pico.outcomes, pico.outcomes_nl, name)


def _pico_outcome_name(pico: Pico | None, name: str, lang: str) -> str | None:
    """The name of a ``[pico] outcomes`` entry that ``name`` is (case and spacing aside) in ``lang``: its
    ``outcomes_nl`` entry in Dutch (None when the PICO gives no Dutch names), itself in English; spacing
    tidied, as the PICO's texts are free text."""
    i = _pico_outcome_index(pico, name)
    if i is None:
        return None
    found = pico.outcomes[i] if lang != "nl" else pico.outcomes_nl[i] if i < len(pico.outcomes_nl) else None
    return " ".join(found.split()) if found else None


OUTCOME_NAMES = partial(TEXTS, (), checks=(distinct("outcomes", _outcome_key),), after=_stripped)


@table
class ExtractionSpec(Table):
    """What is extracted from each included study (``[extraction]``), and the outcomes' names and direction.

    ``fields``: the columns an extraction holds (standard ones plus the review's own); ``outcomes``: when
    given, the only outcome names an extraction may use (so "achievement" and "Achievement " never split
    one meta-analysis in two). ``outcomes_nl`` pairs a Dutch name with each by position: an extraction may
    use either, and is stored under the ``outcomes`` name, so one outcome is one pool whatever language its
    extractor wrote it in. ``higher_is_better`` says per outcome which direction is favourable.
    """

    fields: tuple[str, ...] = key("must be a list of field names", DEFAULT_EXTRACTION_FIELDS, ok=_all_filled,
                                  checks=(_field_names_problem, distinct("fields")))
    outcomes: tuple[str, ...] = OUTCOME_NAMES()
    outcomes_nl: tuple[str, ...] = OUTCOME_NAMES()
    """Dutch names of ``outcomes``, same length and order (empty when not given): the Dutch reports use them."""
    higher_is_better: tuple[bool, ...] = key("must be a list of true or false, one per outcome", ())
    """Per outcome of ``outcomes``: whether more of it is good for the participants (a higher reading score:
    true; more crime, or an RR above 1 of an event such as dropping out: false); for a correlation (r), whether
    a positive r is. Empty: unknown, and the reports do not say which effect is favourable."""
    odds_ratios_as_smd: bool = key("must be true or false", False)
    """Where an outcome has both yes/no effects (odds ratios, or counts per group) and standardised mean
    differences (a dichotomous and a continuous way of measuring it, as reoffending is), convert the yes/no
    effects' odds ratios to SMDs (Chinn 2000; Cochrane Handbook 10.6) and pool them all as one SMD. A risk ratio
    given only with its CI stays apart (its odds ratio cannot be told), and so does a correlation (r), which is
    never converted. False (the default): each measure is summarised on its own."""

    @staticmethod
    def problems(values: dict[str, Any]) -> Iterator[tuple[str, str]]:
        english = values.get("outcomes")
        if english is None:
            return
        for name, what in (("outcomes_nl", "name"), ("higher_is_better", "value")):
            given = values.get(name)
            if given and len(given) != len(english):
                yield name, (f"has {len(given)} {what}{'s' if len(given) != 1 else ''}, outcomes has "
                             f"{len(english)} (same length and order)")
        dutch = values.get("outcomes_nl") or ()
        for i, name in enumerate(dutch):
            other = next((e for j, e in enumerate(english) if j != i and _outcome_key(e) == _outcome_key(name)),
                         None)
            if other is not None:
                yield "outcomes_nl", (f"{name!r} is also the name of another outcome in outcomes ({other!r}): "
                                      "an extraction naming it would be ambiguous")
                return

    def outcome_index(self, name: str) -> int | None:
        """The place in ``outcomes`` of an outcome named in English or Dutch (case and spacing aside)."""
        return _paired_index(self.outcomes, self.outcomes_nl, name)

    def canonical_outcome(self, name: str, pico: Pico | None = None) -> str:
        """The name an extraction is stored and pooled under: the ``outcomes`` entry it names (in either
        language); without ``outcomes``, the ``[pico] outcomes`` entry it names in either language (the
        PICO pairs ``outcomes_nl`` with them too, so "ervaren stress" and "Perceived stress" are one pool);
        else the name itself with its spacing tidied."""
        i = self.outcome_index(name)
        if i is not None:
            return self.outcomes[i]
        j = None if self.outcomes else _pico_outcome_index(pico, name)
        return " ".join((pico.outcomes[j] if j is not None else name).split())

    def listed_position(self, name: str, pico: Pico | None = None) -> int | None:
        """Where the protocol lists an outcome (``outcomes``, else ``[pico] outcomes``; in either language),
        None when it does not: the first listed is the review's main outcome."""
        i = self.outcome_index(name)
        return i if i is not None or self.outcomes else _pico_outcome_index(pico, name)

    def outcome_name(self, name: str, lang: str, pico: Pico | None = None) -> str:
        """An outcome's name as a report in ``lang`` shows it: the entry of ``outcomes_nl`` (Dutch) or
        ``outcomes`` that it names. Without a Dutch name here, an outcome that is one of ``pico``'s
        ``outcomes`` (case and spacing aside) takes ``[pico] outcomes_nl``'s entry at the same place, so a
        protocol with only a PICO, as most have, still names its outcomes in Dutch. Else the name as
        extracted, spacing tidied."""
        i = self.outcome_index(name)
        if lang == "nl" and i is not None and self.outcomes_nl:
            return self.outcomes_nl[i]
        english = self.outcomes[i] if i is not None else " ".join(name.split())
        return _pico_outcome_name(pico, english, lang) or english

    def higher_is_better_for(self, name: str) -> bool | None:
        """Whether more of an outcome is favourable; None when the protocol does not say."""
        i = self.outcome_index(name)
        return self.higher_is_better[i] if i is not None and self.higher_is_better else None


@table
class Protocol(Table):
    """One living review's protocol, as loaded from ``protocols/<id>.toml``."""

    id: str = key("must be a string", checks=(
        lambda text: None if ID_PATTERN.match(text) else "must be lowercase letters, digits and single hyphens",))
    title: str = SENTENCE()
    question: str = SENTENCE()
    title_nl: str = SENTENCE("")
    question_nl: str = SENTENCE("")
    theme: str = TEXT("")
    programme_goals: tuple[int, ...] = key("must be a list of programme goal numbers", (),
                                           checks=(_goals_problem, distinct("goals")))
    version: str = key("must be a non-empty string", "1", ok=str.strip,
                       before=lambda v: str(v) if isinstance(v, int) else v)
    amendment: str = SENTENCE("")
    """Why this version differs from the previous one (PRISMA 2020 item 24c); the amendments table shows it."""
    amendment_nl: str = SENTENCE("")
    pico: Pico = Pico()
    search: Search
    criteria: Criteria = Criteria()
    schedule: Schedule = Schedule()
    screening: Screening = Screening()
    extraction: ExtractionSpec = ExtractionSpec()
    raw: dict = field(default_factory=dict, compare=False, repr=False, metadata=NOT_A_KEY)
    """The file's TOML table, as read."""
    path: Path | None = field(default=None, compare=False, repr=False, metadata=NOT_A_KEY)
    """The file it was loaded from (None when built from a table)."""

    @property
    def protocol_json(self) -> str:
        """The protocol as the database records it (``protocol_json``): its TOML table as sorted JSON."""
        return PROTOCOL.encode(self.raw)

    @property
    def content_hash(self) -> str:
        """Stable hash of the protocol's content; a change means a new recorded version."""
        return hashlib.sha256(self.protocol_json.encode()).hexdigest()[:16]


def is_translation_key(key: str) -> bool:
    """Whether a protocol key holds a translation (``title_nl``, ``[pico] outcomes_nl``, ...): the Dutch
    rendering of a part, not a part of what the review searches, screens or extracts."""
    return key.endswith("_nl")


NOT_CONTENT = frozenset({"version", "amendment"})  # top-level keys that label or explain a version


def amended_content(raw: dict) -> dict:
    """A protocol's TOML table without what an amendment is not about: its ``version`` label, the
    ``amendment`` reason, translations (``*_nl`` keys) and the screener's ``[criteria] highlight`` colouring.
    Two contents that agree here describe the same review, so a new translation, or a reason given
    afterwards, needs no new ``version``."""
    def strip(table: dict, top: bool) -> dict:
        out = {}
        for k, v in table.items():
            if is_translation_key(k) or (top and k in NOT_CONTENT) or (not top and k == "highlight"):
                continue
            out[k] = strip(v, False) if isinstance(v, dict) else v
        return out
    return strip(raw, True)


# --- The walker: a TOML table into its model, every problem collected. ---


@cache
def table_keys(model: type[Table]) -> dict[str, tuple[Any, Rule | None]]:
    """The keys of a table in declaration order: name -> (its type, its rule or None for a table)."""
    types, keys = typing.get_type_hints(model), {}
    for f in fields(model):
        if isinstance(types[f.name], type) and issubclass(types[f.name], Table):
            keys[f.name] = (types[f.name], None)
        elif f.metadata.get("key", True):
            keys[f.name] = (types[f.name], f.metadata["rule"])  # a KeyError: a key declared without key()
    return keys


def _build(model: type[Table], data: dict, loc: tuple[str, ...], problems: list) -> Any:
    """The model of a table, or None when it has problems (each added to ``problems`` as (key path, reason))."""
    keys, values, before = table_keys(model), {}, len(problems)
    for name, value in data.items():
        if name not in keys:
            what = "table" if isinstance(value, dict) else "key"
            problems.append(((*loc, name), f"unknown {what} (allowed here: {', '.join(keys)})"))
            continue
        kind, rule = keys[name]
        if rule is not None:
            values[name], reasons = rule.apply(value, kind)
        elif isinstance(value, dict):
            values[name], reasons = _build(kind, value, (*loc, name), problems), []
        else:
            values[name], reasons = None, ["must be a table"]
        problems.extend(((*loc, name), reason) for reason in reasons)
    known = {}  # what the cross-key checks see
    for f in fields(model):
        if f.name in values or f.name not in keys:
            continue
        if f.default is MISSING and f.default_factory is MISSING:
            problems.append(((*loc, f.name), "missing (required)"))
        else:
            known[f.name] = f.default if f.default_factory is MISSING else f.default_factory()
    known |= {name: value for name, value in values.items() if value is not None}
    problems.extend(((*loc, name) if name else loc, reason) for name, reason in model.problems(known))
    return model(**values) if len(problems) == before else None


def _file_order(data: dict, loc: tuple[str, ...]) -> list[int]:
    """Where a key is in the file: its place in each table on the way (a missing key after the others)."""
    order, table = [], data
    for name in loc:
        names = list(table) if isinstance(table, dict) else []
        order.append(names.index(name) if name in names else len(names))
        table = table.get(name) if isinstance(table, dict) else None
    return order


def parse_protocol(data: dict, where: str = "<protocol>", expected_id: str | None = None,
                   path: Path | None = None) -> Protocol:
    """Validate a parsed TOML table and build the ``Protocol``.

    Raises:
        ProtocolError: listing every problem found.
    """
    found: list[tuple[tuple[str, ...], str]] = []
    proto = _build(Protocol, data, (), found)
    found.sort(key=lambda problem: _file_order(data, problem[0]))  # the cross-key ones at their key's place
    problems = [f"{where}: {'.'.join(loc)}: {reason}" for loc, reason in found]
    if expected_id and isinstance(data.get("id"), str) and data["id"] != expected_id:
        problems.append(f"{where}: id: {data['id']!r} does not match the file name {expected_id!r}")
    if problems:
        raise ProtocolError(problems)
    return replace(proto, raw=data, path=path)


def load_protocol(path: str | Path) -> Protocol:
    """Read and validate one protocol file.

    Raises:
        ProtocolError: the file is missing, not TOML, or invalid (every problem listed).
    """
    p = Path(path)
    where = str(path)
    try:
        text = p.read_bytes().decode("utf-8")  # no newline translation: TOML decides what a line break is
    except FileNotFoundError:
        raise ProtocolError([f"{where}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProtocolError([f"{where}: cannot read: {exc}"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError([f"{where}: not valid TOML: {exc}"]) from None
    return parse_protocol(data, where, expected_id=p.stem, path=p)


def check_files(paths: Iterable[str | Path]) -> list[str]:
    """Validate several protocol files; return every problem line (empty when all are valid)."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in paths:
        try:
            proto = load_protocol(path)
        except ProtocolError as exc:
            problems.extend(exc.problems)
            continue
        if proto.id in seen:
            problems.append(f"{path}: id: {proto.id!r} is also used by {seen[proto.id]}")
        seen[proto.id] = str(path)
    return problems


def protocol_files(protocols_dir: Path) -> list[Path]:
    """The ``*.toml`` files of a workspace's protocols folder, sorted."""
    return sorted(protocols_dir.glob("*.toml")) if protocols_dir.is_dir() else []


@dataclass(frozen=True)
class DisabledReview:
    """A review whose protocol file does not load: its id (the file name), the file and every problem."""

    id: str
    path: Path
    problems: tuple[str, ...]

    @property
    def reason(self) -> str:
        """One line: the first problem (it names file, key and reason), and how many more there are."""
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"{self.problems[0]}{more}" if self.problems else f"{self.path}: does not load"

    def as_dict(self) -> dict:
        return {"id": self.id, "file": str(self.path), "problems": list(self.problems)}


class ReviewCatalogue:
    """Looking reviews up by id among the protocols that loaded and those disabled by a broken file.

    A mixin: ``Workspace`` and ``Catalogue`` provide ``root``, ``protocols`` and ``disabled``.
    """

    root: Path
    protocols: dict[str, Protocol]
    disabled: dict[str, DisabledReview]

    def protocol(self, review_id: str) -> Protocol:
        """The protocol of one review.

        Raises:
            LsrError: no protocol with that id in this workspace, or its file does not load.
        """
        try:
            return self.protocols[review_id]
        except KeyError:
            if review_id in self.disabled:
                raise LsrError(f"review {review_id!r} is disabled until its protocol file loads: "
                               f"{self.disabled[review_id].reason}") from None
            known = ", ".join(sorted(self.protocols)) or "none"
            raise LsrError(f"unknown review {review_id!r} (reviews in {self.root}: {known})") from None

    def review_ids(self, wanted: list[str] | tuple[str, ...] | None = None) -> list[str]:
        """The ids asked for (each checked to exist and load), or all loaded reviews in id order."""
        if wanted:
            return [self.protocol(r).id for r in wanted]
        return sorted(self.protocols)


@dataclass
class Catalogue(ReviewCatalogue):
    """The protocols of a workspace folder, each loaded on its own."""

    root: Path
    protocols: dict[str, Protocol] = field(default_factory=dict)
    disabled: dict[str, DisabledReview] = field(default_factory=dict)


def load_catalogue(workspace: Path) -> Catalogue:
    """Load every protocol of a workspace: a file that does not load disables only its own review.

    Raises:
        LsrError: the workspace folder does not exist or has no ``protocols/`` folder.
    """
    if not workspace.is_dir():
        raise LsrError(f"workspace {workspace} does not exist")
    if not (workspace / "protocols").is_dir():
        raise LsrError(f"{workspace} is not an lsr workspace: it has no protocols/ folder "
                       "(give --workspace DIR, set LSR_WORKSPACE, or run `lsr demo` to make one)")
    loaded, broken = load_each(workspace / "protocols")
    return Catalogue(workspace, {p.id: p for p in loaded},
                     {path.stem: DisabledReview(path.stem, path, tuple(problems)) for path, problems in broken.items()})


def load_each(protocols_dir: Path) -> tuple[list[Protocol], dict[Path, list[str]]]:
    """Load every protocol of a workspace, each on its own: a broken file disables only its review.

    Returns:
        The valid protocols (file order) and, per file that does not load, its problem lines.
    """
    loaded: list[Protocol] = []
    broken: dict[Path, list[str]] = {}
    for path in protocol_files(protocols_dir):
        try:
            loaded.append(load_protocol(path))
        except ProtocolError as exc:
            broken[path] = exc.problems
    return loaded, broken
