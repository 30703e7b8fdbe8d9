"""Review protocols: the TOML format of DESIGN.md as a validated, immutable model.

``load_protocol`` reads one file and raises ``ProtocolError`` listing every problem as
``file: key: reason``; ``check_files`` collects those lines for many files. Unknown keys and tables are
errors, never ignored: a typo such as ``[serach]`` would otherwise silently disable a review's search.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsr.errors import LsrError
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


@dataclass(frozen=True)
class Pico:
    population: str = ""
    intervention: str = ""
    comparison: str = ""
    outcomes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Search:
    query: str
    filters: dict[str, str] = field(default_factory=dict)
    include_xpac: bool = False
    """Also search OpenAlex's "xpac" works (DataCite and repository records: reports, theses, datasets),
    which the API leaves out unless ``include_xpac=true`` is sent."""
    known_studies: tuple[str, ...] = ()
    """Normalised DOIs the search must retrieve (search validation, PRISMA-S)."""


@dataclass(frozen=True)
class Criteria:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    exclusion_reasons: tuple[str, ...] = DEFAULT_EXCLUSION_REASONS
    highlight_include: tuple[str, ...] = ()
    highlight_exclude: tuple[str, ...] = ()
    include_nl: tuple[str, ...] = ()
    exclude_nl: tuple[str, ...] = ()
    exclusion_reasons_nl: tuple[str, ...] = ()
    """Dutch wording of ``exclusion_reasons``, same length and order (empty when not given)."""

    def reason_nl(self, reason: str) -> str:
        """The Dutch wording of an exclusion reason, or the reason itself when none is given."""
        if self.exclusion_reasons_nl and reason in self.exclusion_reasons:
            return self.exclusion_reasons_nl[self.exclusion_reasons.index(reason)]
        return reason


@dataclass(frozen=True)
class Schedule:
    every: str | None = "monthly"
    cron: str | None = None


@dataclass(frozen=True)
class Screening:
    reviewers_per_record: int = 1
    stopping: str = "statistical"
    recall_target: float = 0.95
    confidence: float = 0.95


@dataclass(frozen=True)
class ExtractionSpec:
    """What is extracted from each included study (``[extraction]``).

    ``fields``: the columns an extraction holds (standard ones plus the review's own); ``outcomes``: when
    given, the only outcome names an extraction may use (so "achievement" and "Achievement " never split
    one meta-analysis in two).
    """

    fields: tuple[str, ...] = DEFAULT_EXTRACTION_FIELDS
    outcomes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Protocol:
    """One living review's protocol, as loaded from ``protocols/<id>.toml``."""

    id: str
    title: str
    question: str
    search: Search
    title_nl: str = ""
    question_nl: str = ""
    theme: str = ""
    programme_goals: tuple[int, ...] = ()
    version: str = "1"
    pico: Pico = Pico()
    criteria: Criteria = Criteria()
    schedule: Schedule = Schedule()
    screening: Screening = Screening()
    extraction: ExtractionSpec = ExtractionSpec()
    raw: dict = field(default_factory=dict, compare=False, repr=False)
    path: Path | None = field(default=None, compare=False, repr=False)

    @property
    def content_hash(self) -> str:
        """Stable hash of the protocol's content; a change means a new recorded version."""
        return hashlib.sha256(json.dumps(self.raw, sort_keys=True, default=str).encode()).hexdigest()[:16]


# Schema: key -> (kind, required). Kinds: str, nonempty, int, goals, strlist, table names, filters, float01.
_SCHEMA: dict[str, dict[str, tuple[str, bool]]] = {
    "": {
        "id": ("id", True),
        "title": ("nonempty", True),
        "question": ("nonempty", True),
        "title_nl": ("nonempty", False),
        "question_nl": ("nonempty", False),
        "theme": ("str", False),
        "programme_goals": ("goals", False),
        "version": ("version", False),
        "pico": ("table", False),
        "search": ("table", True),
        "criteria": ("table", False),
        "schedule": ("table", False),
        "screening": ("table", False),
        "extraction": ("table", False),
    },
    "extraction": {"fields": ("fields", False), "outcomes": ("strlist", False)},
    "pico": {
        "population": ("str", False),
        "intervention": ("str", False),
        "comparison": ("str", False),
        "outcomes": ("strlist", False),
    },
    "search": {"query": ("query", True), "filters": ("filters", False), "include_xpac": ("bool", False),
               "known_studies": ("dois", False)},
    "criteria": {
        "include": ("strlist", False),
        "exclude": ("strlist", False),
        "exclusion_reasons": ("reasons", False),
        "highlight": ("table", False),
        "include_nl": ("strlist", False),
        "exclude_nl": ("strlist", False),
        "exclusion_reasons_nl": ("reasons", False),
    },
    "criteria.highlight": {"include": ("strlist", False), "exclude": ("strlist", False)},
    "schedule": {"every": ("every", False), "cron": ("cron", False)},
    "screening": {
        "reviewers_per_record": ("reviewers", False),
        "stopping": ("stopping", False),
        "recall_target": ("float01", False),
        "confidence": ("float01", False),
    },
}


def _check_value(kind: str, value: Any) -> str | None:
    """Return the reason a value is invalid for its kind, or None."""
    if kind in ("str",):
        return None if isinstance(value, str) else "must be a string"
    if kind == "nonempty":
        return None if isinstance(value, str) and value.strip() else "must be a non-empty string"
    if kind == "version":
        return None if isinstance(value, str | int) and str(value).strip() else "must be a non-empty string"
    if kind == "id":
        if not isinstance(value, str):
            return "must be a string"
        return None if ID_PATTERN.match(value) else "must be lowercase letters, digits and single hyphens"
    if kind == "goals":
        if not isinstance(value, list) or not all(isinstance(g, int) and not isinstance(g, bool) for g in value):
            return "must be a list of programme goal numbers"
        bad = [g for g in value if not 1 <= g <= 12]
        if bad:
            return f"goal numbers must be 1-12 (got {', '.join(map(str, bad))})"
        return "goals are listed twice" if len(set(value)) != len(value) else None
    if kind in ("strlist", "reasons"):
        if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
            return "must be a list of non-empty strings"
        if kind == "reasons":
            if not value:
                return "must list at least one reason"
            if len(value) > 9:
                return "at most 9 reasons (keys 1-9 select them in the screener)"
            if len({s.strip().lower() for s in value}) != len(value):
                return "reasons are listed twice"
        return None
    if kind == "table":
        return None if isinstance(value, dict) else "must be a table"
    if kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if kind == "dois":
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            return "must be a list of DOIs"
        bad = [s for s in value if normalize_doi(s) is None]
        if bad:
            return f"not a DOI: {bad[0]!r}"
        dois = [normalize_doi(s) for s in value]
        return "DOIs are listed twice" if len(set(dois)) != len(dois) else None
    if kind == "fields":
        if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
            return "must be a list of field names"
        bad = [s for s in value if not FIELD_PATTERN.match(s)]
        if bad:
            return f"field names are lowercase letters, digits and _ (got {', '.join(map(repr, bad))})"
        if "outcome" not in value:
            return "must include outcome (every extraction is of one outcome)"
        return "fields are listed twice" if len(set(value)) != len(value) else None
    if kind == "query":
        if not isinstance(value, str) or not value.strip():
            return "must be a non-empty search string"
        return _query_problem(value)
    if kind == "filters":
        if not isinstance(value, dict):
            return "must be a table of OpenAlex filters"
        for k, v in value.items():
            if not isinstance(v, str | int | bool) or isinstance(v, float):
                return f"filter {k!r} must be a string, integer or boolean"
            if isinstance(v, str) and "," in v:
                return f"filter {k!r}: commas are not allowed (OpenAlex splits filters on commas; use | for OR)"
        return None
    if kind == "every":
        return None if value in SCHEDULE_EVERY else f"must be one of {', '.join(SCHEDULE_EVERY)}"
    if kind == "cron":
        return cron_problem(value)
    if kind == "reviewers":
        ok = isinstance(value, int) and not isinstance(value, bool) and value in (1, 2)
        return None if ok else "must be 1 (single screening) or 2 (blinded dual screening)"
    if kind == "stopping":
        ok = isinstance(value, str) and STOPPING_PATTERN.match(value)
        return None if ok else "must be statistical, consecutive-irrelevant:N (N >= 1) or none"
    if kind == "float01":
        ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1
        return None if ok else "must be a number between 0 and 1 (exclusive)"
    raise AssertionError(kind)


def _query_problem(query: str) -> str | None:
    from lsr.search.openalex.search_syntax import check_query

    return check_query(query)


def _validate(data: dict, where: str, expected_id: str | None) -> list[str]:
    problems: list[str] = []

    def walk(table: dict, section: str) -> None:
        schema = _SCHEMA[section]
        for key, value in table.items():
            dotted = f"{section}.{key}" if section else key
            if key not in schema:
                what = "table" if isinstance(value, dict) else "key"
                allowed = ", ".join(schema)
                problems.append(f"{where}: {dotted}: unknown {what} (allowed here: {allowed})")
                continue
            kind, _ = schema[key]
            reason = _check_value(kind, value)
            if reason:
                problems.append(f"{where}: {dotted}: {reason}")
            elif kind == "table" and (f"{section}.{key}" if section else key) in _SCHEMA:
                walk(value, dotted)
        for key, (_, required) in schema.items():
            if required and key not in table:
                dotted = f"{section}.{key}" if section else key
                problems.append(f"{where}: {dotted}: missing (required)")

    walk(data, "")
    sched = data.get("schedule")
    if isinstance(sched, dict) and "every" in sched and "cron" in sched:
        problems.append(f"{where}: schedule: give either every or cron, not both")
    crit = data.get("criteria")
    if isinstance(crit, dict) and "exclusion_reasons_nl" in crit:
        reasons = crit.get("exclusion_reasons", list(DEFAULT_EXCLUSION_REASONS))
        if isinstance(reasons, list) and isinstance(crit["exclusion_reasons_nl"], list) \
                and len(reasons) != len(crit["exclusion_reasons_nl"]):
            problems.append(f"{where}: criteria.exclusion_reasons_nl: has {len(crit['exclusion_reasons_nl'])} "
                            f"reasons, exclusion_reasons has {len(reasons)} (same length and order)")
    if expected_id and isinstance(data.get("id"), str) and data["id"] != expected_id:
        problems.append(f"{where}: id: {data['id']!r} does not match the file name {expected_id!r}")
    return problems


def parse_protocol(data: dict, where: str = "<protocol>", expected_id: str | None = None,
                   path: Path | None = None) -> Protocol:
    """Validate a parsed TOML table and build the ``Protocol``.

    Raises:
        ProtocolError: listing every problem found.
    """
    problems = _validate(data, where, expected_id)
    if problems:
        raise ProtocolError(problems)
    pico = data.get("pico", {})
    search = data["search"]
    crit = data.get("criteria", {})
    hl = crit.get("highlight", {})
    sched = data.get("schedule", {})
    scr = data.get("screening", {})
    return Protocol(
        id=data["id"],
        title=data["title"].strip(),
        question=data["question"].strip(),
        title_nl=data.get("title_nl", "").strip(),
        question_nl=data.get("question_nl", "").strip(),
        theme=data.get("theme", ""),
        programme_goals=tuple(data.get("programme_goals", ())),
        version=str(data.get("version", "1")),
        pico=Pico(
            population=pico.get("population", ""),
            intervention=pico.get("intervention", ""),
            comparison=pico.get("comparison", ""),
            outcomes=tuple(pico.get("outcomes", ())),
        ),
        search=Search(query=search["query"].strip(), filters={k: str(v).lower() if isinstance(v, bool) else str(v)
                                                             for k, v in search.get("filters", {}).items()},
                      include_xpac=bool(search.get("include_xpac", False)),
                      known_studies=tuple(normalize_doi(d) for d in search.get("known_studies", ()))),
        criteria=Criteria(
            include=tuple(crit.get("include", ())),
            exclude=tuple(crit.get("exclude", ())),
            exclusion_reasons=tuple(crit.get("exclusion_reasons", DEFAULT_EXCLUSION_REASONS)),
            highlight_include=tuple(hl.get("include", ())),
            highlight_exclude=tuple(hl.get("exclude", ())),
            include_nl=tuple(crit.get("include_nl", ())),
            exclude_nl=tuple(crit.get("exclude_nl", ())),
            exclusion_reasons_nl=tuple(crit.get("exclusion_reasons_nl", ())),
        ),
        schedule=Schedule(every=sched.get("every", None if "cron" in sched else "monthly"), cron=sched.get("cron")),
        screening=Screening(
            reviewers_per_record=scr.get("reviewers_per_record", 1),
            stopping=scr.get("stopping", "statistical"),
            recall_target=float(scr.get("recall_target", 0.95)),
            confidence=float(scr.get("confidence", 0.95)),
        ),
        extraction=ExtractionSpec(
            fields=tuple(data.get("extraction", {}).get("fields", DEFAULT_EXTRACTION_FIELDS)),
            outcomes=tuple(o.strip() for o in data.get("extraction", {}).get("outcomes", ())),
        ),
        raw=data,
        path=path,
    )


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
