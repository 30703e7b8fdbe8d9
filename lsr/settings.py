"""Settings in one place: every environment variable lsr reads is declared and documented here.

* ``Settings`` (``resolve``): workspace, database URL, OpenAlex endpoint and credentials, reviewer, ranker.
* ``OpenAlexTuning`` (``OpenAlexTuning.from_env``): page size, retries, backoff and timeouts of the
  OpenAlex client, read when a client is built.
* ``synergy_path``: where a local copy of the SYNERGY datasets lives (demo, simulations, tests).

Precedence everywhere: an explicit argument (CLI flag), then the environment variable, then the default.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lsr.errors import LsrError

DEFAULT_OPENALEX_URL = "https://api.openalex.org"
DEFAULT_RANKER = "default"


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "reviewer"


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one invocation."""

    workspace: Path
    """Directory holding ``protocols/`` and ``reviews/`` (``--workspace``, ``LSR_WORKSPACE``, else cwd)."""

    database_url: str
    """SQLAlchemy URL (``LSR_DATABASE_URL``); default ``sqlite:///<workspace>/reviews/lsr.sqlite``. The libpq
    spelling ``postgres://`` is read as ``postgresql+psycopg://`` (``normalise_database_url``); anything but
    SQLite or PostgreSQL is refused when the database is opened (``check_database_url``)."""

    openalex_url: str = DEFAULT_OPENALEX_URL
    """Base URL of the OpenAlex API (``LSR_OPENALEX_URL``); point it at ``lsr openalex-serve`` offline."""

    openalex_email: str | None = None
    """Contact e-mail sent to OpenAlex as a ``From`` header (``LSR_OPENALEX_EMAIL``)."""

    openalex_api_key: str | None = field(default=None, repr=False)
    """OpenAlex API key (``LSR_OPENALEX_API_KEY``); never logged or stored."""

    reviewer: str = "reviewer"
    """Who makes decisions (``--reviewer``, ``LSR_REVIEWER``, else the login name)."""

    ranker: str = DEFAULT_RANKER
    """The model that ranks records for screening (``LSR_RANKER``; ``elas_u4`` is ASReview's default model;
    names in ``lsr.ranking.registry``)."""

    @property
    def protocols_dir(self) -> Path:
        return self.workspace / "protocols"

    @property
    def reviews_dir(self) -> Path:
        return self.workspace / "reviews"

    def review_dir(self, review_id: str) -> Path:
        """Folder of one review's generated outputs."""
        return self.reviews_dir / review_id

    @property
    def safe_database_url(self) -> str:
        """The database URL with any password masked, for display."""
        return mask_password(self.database_url)


def mask_password(url: str) -> str:
    """Replace the password of a URL like ``scheme://user:pw@host/db`` by ``***``."""
    if url.startswith("sqlite:"):
        return url  # no password to hide; and no SQLAlchemy import on the fast status path
    if url_userinfo_problem(url) is None:
        try:
            from sqlalchemy.engine import make_url

            return make_url(url).render_as_string(hide_password=True)
        except Exception:
            pass
    # Not parseable as it stands (say an '@' in the password): hide everything between the user name and
    # the last '@' before the host, where the parser would have split it.
    match = _URL_SCHEME.match(url)
    if not match:
        return url
    rest, sep, query = url[match.end():].partition("?")
    if "@" not in rest:
        return url
    userinfo, host = rest.rsplit("@", 1)
    user = userinfo.split(":", 1)[0]
    return f"{match.group(0)}{user}:***@{host}{sep}{query}" if ":" in userinfo else url


def url_userinfo_problem(url: str) -> str | None:
    """What is wrong with the user name and password part of a server URL, in words that never quote the
    password, or None. An unescaped '@' in a password splits the URL in the wrong place: the parser then
    reads the rest of the password as host and port (and quotes it in its error)."""
    match = _URL_SCHEME.match(url)
    if not match or match.group(1).lower().startswith("sqlite"):
        return None
    rest = url[match.end():].partition("?")[0]
    if rest.count("@") > 1:
        return ("it has more than one '@' before the host: percent-encode '@', ':' and '/' in the user name "
                "and password ('@' as %40, ':' as %3A, '/' as %2F)")
    return None


DATABASE_URL_EXAMPLES = "sqlite:////path/to/lsr.sqlite or postgresql+psycopg://user:password@host/db"
SUPPORTED_DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9.+\-]*)://")


def normalise_database_url(url: str) -> str:
    """``url`` with the libpq/Heroku spelling ``postgres://`` (or ``postgres+DRIVER://``) rewritten to the
    SQLAlchemy dialect name, with lsr's driver psycopg when none is given; anything else unchanged."""
    url = url.strip()
    match = _URL_SCHEME.match(url)
    if match:
        dialect, _, driver = match.group(1).partition("+")
        if dialect.lower() == "postgres":
            return f"postgresql+{driver or 'psycopg'}://{url[match.end():]}"
    return url


def check_database_url(url: str) -> None:
    """Refuse, in one line, a database URL lsr cannot use: not a URL at all, or a database other than
    SQLite or PostgreSQL (say MySQL, whose driver lsr does not install).

    Raises:
        LsrError: naming LSR_DATABASE_URL, the problem and the forms that work (the password masked).
    """
    match = _URL_SCHEME.match(url)
    if not match:
        shown = re.sub(r":[^/?]*@", ":***@", url)  # greedy: up to the last '@', should the password hold one
        raise LsrError(f"LSR_DATABASE_URL is not a database URL: {shown!r} (e.g. {DATABASE_URL_EXAMPLES})")
    dialect = match.group(1).partition("+")[0].lower()
    if dialect not in SUPPORTED_DATABASES:
        raise LsrError(f"LSR_DATABASE_URL: unsupported database {dialect!r}: lsr works with SQLite or PostgreSQL "
                       f"(e.g. {DATABASE_URL_EXAMPLES})")
    problem = url_userinfo_problem(url)
    if problem:
        raise LsrError(f"LSR_DATABASE_URL {mask_password(url)} is not a valid database URL: {problem}")


def resolve(
    workspace: str | os.PathLike | None = None,
    database_url: str | None = None,
    reviewer: str | None = None,
    *,
    must_exist: bool = True,
) -> Settings:
    """Build settings from arguments and the environment.

    Args:
        workspace: explicit workspace directory; else ``LSR_WORKSPACE``; else the current directory.
        database_url: explicit database URL; else ``LSR_DATABASE_URL``; else the workspace's SQLite file.
        reviewer: explicit reviewer name; else ``LSR_REVIEWER``; else the login name.
        must_exist: raise ``LsrError`` when the workspace directory is missing.
    """
    ws = Path(workspace or os.environ.get("LSR_WORKSPACE") or os.getcwd()).expanduser().resolve()
    if must_exist and not ws.is_dir():
        raise LsrError(f"workspace {ws} does not exist (give --workspace DIR or set LSR_WORKSPACE)")
    db = normalise_database_url(database_url or os.environ.get("LSR_DATABASE_URL") or "") \
        or f"sqlite:///{ws / 'reviews' / 'lsr.sqlite'}"
    return Settings(
        workspace=ws,
        database_url=db,
        openalex_url=(os.environ.get("LSR_OPENALEX_URL") or DEFAULT_OPENALEX_URL).rstrip("/"),
        openalex_email=os.environ.get("LSR_OPENALEX_EMAIL") or None,
        openalex_api_key=os.environ.get("LSR_OPENALEX_API_KEY") or None,
        reviewer=reviewer or os.environ.get("LSR_REVIEWER") or _login_name(),
        ranker=os.environ.get("LSR_RANKER") or DEFAULT_RANKER,
    )


def _env_number(name: str, default: float, cast: Callable[[str], float] = float) -> float:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = cast(raw)
    except ValueError:
        raise LsrError(f"{name}={raw!r} is not a number") from None
    if value < 0:
        raise LsrError(f"{name}={raw!r} must not be negative")
    return value


@dataclass(frozen=True)
class OpenAlexTuning:
    """How the OpenAlex client pages and retries (all optional; ``lsr.search.openalex.client`` uses them)."""

    per_page: int = 100
    """Results per page, 1-100 (``LSR_OPENALEX_PER_PAGE``; 100 is OpenAlex's documented maximum)."""

    retries: int = 6
    """Tries per request, the first included (``LSR_OPENALEX_RETRIES``; 0 or 1 = no retries)."""

    backoff: float = 1.0
    """Seconds to wait before the second try, doubled per try, with jitter (``LSR_OPENALEX_BACKOFF``)."""

    max_wait: float = 60.0
    """Longest single wait in seconds, also the cap on a server's ``Retry-After`` (``LSR_OPENALEX_MAX_WAIT``)."""

    timeout: float = 60.0
    """Seconds to wait for (each chunk of) an answer (``LSR_OPENALEX_TIMEOUT``; 0 keeps the default)."""

    @classmethod
    def from_env(cls) -> OpenAlexTuning:
        """The defaults overridden by the environment.

        Raises:
            LsrError: a variable is not a number, or is negative.
        """
        return cls(
            per_page=int(_env_number("LSR_OPENALEX_PER_PAGE", cls.per_page, int)),
            retries=max(1, int(_env_number("LSR_OPENALEX_RETRIES", cls.retries, int))),
            backoff=_env_number("LSR_OPENALEX_BACKOFF", cls.backoff),
            max_wait=_env_number("LSR_OPENALEX_MAX_WAIT", cls.max_wait),
            timeout=_env_number("LSR_OPENALEX_TIMEOUT", cls.timeout) or cls.timeout,
        )


def synergy_path() -> Path | None:
    """The local copy of the SYNERGY datasets (``SYNERGY_PATH``), if set: the demo's and simulations' data."""
    value = os.environ.get("SYNERGY_PATH")
    return Path(value).expanduser() if value else None
