"""Review protocols: the TOML format of DESIGN.md as a validated, immutable model.

Each key of the format is declared once, as a field of the pydantic models below: its type, default and
rule. ``load_protocol`` reads one file and raises ``ProtocolError`` listing every problem as
``file: key: reason`` (pydantic's errors in lsr's words: the ``says`` of a field's type, or the reason a
validator gives); ``check_files`` collects those lines for many files. Unknown keys and tables are errors,
never ignored: a typo such as ``[serach]`` would otherwise silently disable a review's search.

A protocol's recorded form (``protocol_json``, hashed as ``content_hash``) is the file's TOML table itself,
not the model: a new protocol version is recorded when the file's content changes, whatever the model's
defaults or normalisations.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    WrapValidator,
    field_validator,
    model_validator,
)

from lsr.errors import LsrError
from lsr.search.cron import cron_problem
from lsr.search.identity import normalize_doi

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
Every = Literal["daily", "weekly", "monthly", "quarterly"]
SCHEDULE_EVERY: tuple[str, ...] = get_args(Every)
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


# --- The kinds of value a key may hold, each with the reason given when a value is not of that kind. ---
# A rule pydantic checks (type, pattern, range, length) is worded by the ``says`` after it; a rule a
# validator checks raises ``ValueError`` with its own words, which pass every ``says`` unchanged.


def says(reason: str) -> WrapValidator:
    """Word every failure pydantic finds in what comes before as ``reason``: what the key must be."""

    def wrap(value: Any, handler: Callable[[Any], Any]) -> Any:
        try:
            return handler(value)
        except ValidationError as exc:
            if all(error["type"] == "value_error" for error in exc.errors()):
                raise  # already in lsr's words
            raise ValueError(reason) from None

    return WrapValidator(wrap)


def refuse(problem: Callable[[Any], str | None]) -> Callable[[Any], Any]:
    """A validator from a function that names what is wrong with a value (None when nothing is)."""

    def check(value: Any) -> Any:
        reason = problem(value)
        if reason:
            raise ValueError(reason)
        return value

    return check


def distinct(what: str, key: Callable[[Any], Any] = lambda value: value) -> AfterValidator:
    """No two values of a list alike (compared by ``key``)."""
    return AfterValidator(refuse(lambda values: f"{what} are listed twice"
                                 if len({key(v) for v in values}) != len(values) else None))


def _goals_problem(goals: tuple[int, ...]) -> str | None:
    bad = [g for g in goals if not 1 <= g <= 12]
    return f"goal numbers must be 1-12 (got {', '.join(map(str, bad))})" if bad else None


def _doi(text: str) -> str:
    doi = normalize_doi(text)
    if doi is None:
        raise ValueError(f"not a DOI: {text!r}")
    return doi


def _field_names_problem(names: tuple[str, ...]) -> str | None:
    bad = [s for s in names if not FIELD_PATTERN.match(s)]
    if bad:
        return f"field names are lowercase letters, digits and _ (got {', '.join(map(repr, bad))})"
    return None if "outcome" in names else "must include outcome (every extraction is of one outcome)"


def _query_problem(query: str) -> str | None:
    from lsr.search.openalex.search_syntax import check_query

    return check_query(query)


def _openalex_filters(filters: dict[str, Any]) -> dict[str, str]:
    """OpenAlex filter values as the API takes them: text, with true/false for booleans."""
    for key, value in filters.items():
        if not isinstance(value, str | int | bool):
            raise ValueError(f"filter {key!r} must be a string, integer or boolean")
        if isinstance(value, str) and "," in value:
            raise ValueError(f"filter {key!r}: commas are not allowed (OpenAlex splits filters on commas; use | for OR)")
    return {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in filters.items()}


def _strip_each(texts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(text.strip() for text in texts)


Filled = Annotated[StrictStr, Field(pattern=r"\S")]  # has a character that is not white space
Text = Annotated[StrictStr, says("must be a string")]
Sentence = Annotated[Filled, says("must be a non-empty string"), AfterValidator(str.strip)]
Texts = Annotated[tuple[Filled, ...], says("must be a list of non-empty strings")]
Id = Annotated[StrictStr, says("must be a string"),
               Field(pattern=ID_PATTERN.pattern), says("must be lowercase letters, digits and single hyphens")]
Version = Annotated[Filled, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v),
                    says("must be a non-empty string")]
Goals = Annotated[tuple[StrictInt, ...], says("must be a list of programme goal numbers"),
                  AfterValidator(refuse(_goals_problem)), distinct("goals")]
Query = Annotated[Filled, says("must be a non-empty search string"), AfterValidator(refuse(_query_problem)),
                  AfterValidator(str.strip)]
Filters = Annotated[dict[str, Any], says("must be a table of OpenAlex filters"), AfterValidator(_openalex_filters)]
Flag = Annotated[StrictBool, says("must be true or false")]
Dois = Annotated[tuple[Annotated[StrictStr, AfterValidator(_doi)], ...], says("must be a list of DOIs"),
                 distinct("DOIs")]
Reasons = Annotated[Texts, Field(min_length=1), says("must list at least one reason"),
                    Field(max_length=9), says("at most 9 reasons (keys 1-9 select them in the screener)"),
                    distinct("reasons", key=lambda reason: reason.strip().lower())]
Cron = Annotated[str, BeforeValidator(refuse(cron_problem))]
Reviewers = Annotated[StrictInt, Field(ge=1, le=2), says("must be 1 (single screening) or 2 (blinded dual screening)")]
Stopping = Annotated[StrictStr, Field(pattern=STOPPING_PATTERN.pattern),
                     says("must be statistical, consecutive-irrelevant:N (N >= 1) or none")]
Fraction = Annotated[StrictFloat, Field(gt=0, lt=1), says("must be a number between 0 and 1 (exclusive)")]
FieldNames = Annotated[tuple[Filled, ...], says("must be a list of field names"),
                       AfterValidator(refuse(_field_names_problem)), distinct("fields")]


class Table(BaseModel):
    """One table of the protocol: unknown keys are errors, values never change once loaded."""

    # python-re: patterns match as Python's re does (white space, a "$" before a final newline), as before
    model_config = ConfigDict(extra="forbid", frozen=True, regex_engine="python-re")


class Pico(Table):
    population: Text = ""
    intervention: Text = ""
    comparison: Text = ""
    outcomes: Texts = ()


class Search(Table):
    query: Query
    filters: Filters = {}
    include_xpac: Flag = False
    """Also search OpenAlex's "xpac" works (DataCite and repository records: reports, theses, datasets),
    which the API leaves out unless ``include_xpac=true`` is sent."""
    known_studies: Dois = ()
    """Normalised DOIs the search must retrieve (search validation, PRISMA-S)."""


class Highlight(Table):
    """Words the screener highlights in titles and abstracts (``[criteria] highlight``)."""

    include: Texts = ()
    exclude: Texts = ()


class Criteria(Table):
    include: Texts = ()
    exclude: Texts = ()
    exclusion_reasons: Reasons = DEFAULT_EXCLUSION_REASONS
    highlight: Highlight = Highlight()
    include_nl: Texts = ()
    exclude_nl: Texts = ()
    exclusion_reasons_nl: Reasons = ()
    """Dutch wording of ``exclusion_reasons``, same length and order (empty when not given)."""

    @field_validator("exclusion_reasons_nl")
    @classmethod
    def _same_length(cls, dutch: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        english = info.data.get("exclusion_reasons")
        if english is not None and len(dutch) != len(english):
            raise ValueError(f"has {len(dutch)} reasons, exclusion_reasons has {len(english)} (same length and order)")
        return dutch

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


class Schedule(Table):
    """When the review is searched again: ``every`` interval (monthly when neither is given) or ``cron``."""

    every: Annotated[Every | None, says(f"must be one of {', '.join(SCHEDULE_EVERY)}")] = "monthly"
    cron: Cron | None = None

    @model_validator(mode="before")
    @classmethod
    def _cron_replaces_every(cls, data: Any) -> Any:
        if isinstance(data, dict) and "cron" in data and "every" not in data:
            return {**data, "every": None}
        return data

    @model_validator(mode="after")
    def _every_or_cron(self) -> Schedule:
        if self.every is not None and self.cron is not None:
            raise ValueError("give either every or cron, not both")
        return self


class Screening(Table):
    reviewers_per_record: Reviewers = 1
    stopping: Stopping = "statistical"
    recall_target: Fraction = 0.95
    confidence: Fraction = 0.95


class ExtractionSpec(Table):
    """What is extracted from each included study (``[extraction]``).

    ``fields``: the columns an extraction holds (standard ones plus the review's own); ``outcomes``: when
    given, the only outcome names an extraction may use (so "achievement" and "Achievement " never split
    one meta-analysis in two).
    """

    fields: FieldNames = DEFAULT_EXTRACTION_FIELDS
    outcomes: Annotated[Texts, AfterValidator(_strip_each)] = ()


class Protocol(Table):
    """One living review's protocol, as loaded from ``protocols/<id>.toml``."""

    id: Id
    title: Sentence
    question: Sentence
    title_nl: Sentence = ""
    question_nl: Sentence = ""
    theme: Text = ""
    programme_goals: Goals = ()
    version: Version = "1"
    pico: Pico = Pico()
    search: Search
    criteria: Criteria = Criteria()
    schedule: Schedule = Schedule()
    screening: Screening = Screening()
    extraction: ExtractionSpec = ExtractionSpec()
    _raw: dict = PrivateAttr(default_factory=dict)
    _path: Path | None = PrivateAttr(default=None)

    @property
    def raw(self) -> dict:
        """The file's TOML table, as read."""
        return self._raw

    @property
    def path(self) -> Path | None:
        """The file it was loaded from (None when built from a table)."""
        return self._path

    @property
    def protocol_json(self) -> str:
        """The protocol as the database records it (``protocol_json``): its TOML table as sorted JSON."""
        return json.dumps(self._raw, sort_keys=True, default=str)

    @property
    def content_hash(self) -> str:
        """Stable hash of the protocol's content; a change means a new recorded version."""
        return hashlib.sha256(self.protocol_json.encode()).hexdigest()[:16]


def _problems(exc: ValidationError, data: dict, where: str) -> list[str]:
    """pydantic's errors as ``file: key: reason`` lines, in the order of the keys in the file."""
    errors = []
    for error in exc.errors():
        loc = tuple(part for part in error["loc"] if isinstance(part, str))  # not a list item's index
        errors.append((_file_order(data, loc), f"{where}: {'.'.join(loc)}: {_reason(error, loc)}"))
    return [line for _, line in sorted(errors, key=lambda error: error[0])]


def _file_order(data: dict, loc: tuple[str, ...]) -> list[int]:
    """Where a key is in the file: its place in each table on the way (a missing key after the others)."""
    order, table = [], data
    for key in loc:
        keys = list(table) if isinstance(table, dict) else []
        order.append(keys.index(key) if key in keys else len(keys))
        table = table.get(key) if isinstance(table, dict) else None
    return order


def _reason(error: Any, loc: tuple[str, ...]) -> str:
    """One pydantic error in lsr's words."""
    kind = error["type"]
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "missing":
        return "missing (required)"
    if kind == "model_type":
        return "must be a table"
    if kind == "extra_forbidden":
        table: type[BaseModel] = Protocol
        for key in loc[:-1]:
            table = table.model_fields[key].annotation
        what = "table" if isinstance(error["input"], dict) else "key"
        return f"unknown {what} (allowed here: {', '.join(table.model_fields)})"
    return error["msg"]  # pydantic's words: a kind without its ``says`` (a test makes sure there is none)


def parse_protocol(data: dict, where: str = "<protocol>", expected_id: str | None = None,
                   path: Path | None = None) -> Protocol:
    """Validate a parsed TOML table and build the ``Protocol``.

    Raises:
        ProtocolError: listing every problem found.
    """
    problems: list[str] = []
    try:
        proto = Protocol.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc, data, where)
    if expected_id and isinstance(data.get("id"), str) and data["id"] != expected_id:
        problems.append(f"{where}: id: {data['id']!r} does not match the file name {expected_id!r}")
    if problems:
        raise ProtocolError(problems)
    proto._raw, proto._path = data, path
    return proto


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
