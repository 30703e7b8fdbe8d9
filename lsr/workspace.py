"""A workspace: its protocols, its database, and keeping the two in step.

``open_workspace`` resolves settings, opens (and migrates) the database and syncs every protocol file into
a ``Review`` row. A protocol whose content changed gets a new ``ProtocolVersion`` row; nothing is
overwritten silently. Library callers and both UIs start here. A content change recorded under a ``version``
label the review already has (the file was amended without bumping ``version``) is still recorded, but
named in ``Workspace.sync_warnings`` (a change of translations only, ``protocol.amended_content``, needs no
bump and is not named) (``unbumped_versions`` finds the same without recording anything, for
``lsr protocols check``): one label must not stand for two different searches unnoticed.

A protocol file that does not load (bad TOML, an invalid key) disables only its own review: it is listed
in ``Workspace.disabled`` with the file and the reason, asking for it by id raises an error that says so,
and every other review works as usual. One typo must not stop the screening and the scheduled updates
of a whole programme. A review whose protocol file is gone (renamed, deleted) while the database still
holds its records is, when asked for by id, named as such with its record count, not as an unknown review.

The database layer (SQLAlchemy, about half a second to import) is imported when the database is first
used: ``open_workspace(..., lazy=True)`` lets the app's home screen appear before that.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from lsr.errors import LsrError
from lsr.protocol import DisabledReview, Protocol, ReviewCatalogue, amended_content, load_catalogue
from lsr.settings import Settings, resolve

if TYPE_CHECKING:
    from lsr.db import Database


@dataclass
class Workspace(ReviewCatalogue):
    """An opened workspace: settings, protocols by id, reviews disabled by a broken file, and the database.

    ``db`` is opened (migrated, and the protocols recorded when ``sync_on_open``) on first use.
    """

    settings: Settings
    protocols: dict[str, Protocol] = field(default_factory=dict)
    disabled: dict[str, DisabledReview] = field(default_factory=dict)
    sync_on_open: bool = True
    sync_warnings: list[str] = field(default_factory=list)
    """Problems found while recording the protocols (``UnbumpedVersion.describe``), for the UIs to show."""
    _db: Database | None = field(default=None, repr=False)
    _db_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def is_open(self) -> bool:
        """Whether the database has been opened (``db`` opens it on first use)."""
        return self._db is not None

    @property
    def db(self) -> Database:
        """The database, opened on first use.

        Raises:
            LsrError: the database cannot be opened.
        """
        with self._db_lock:
            if self._db is None:
                from lsr.db import open_database  # noqa: PLC0415  (SQLAlchemy: only once it is needed)

                db = open_database(self.settings.database_url)
                if self.sync_on_open:
                    self.sync_warnings = _sync(db, self.protocols.values())
                self._db = db
        return self._db

    @property
    def root(self) -> Path:
        return self.settings.workspace

    def review_dir(self, review_id: str) -> Path:
        """The review's output folder, created on demand."""
        path = self.settings.review_dir(review_id)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def sync(self) -> None:
        """Record every protocol in the database; new content becomes a new protocol version."""
        self.sync_warnings = _sync(self.db, self.protocols.values())

    def protocol(self, review_id: str) -> Protocol:
        """The protocol of one review.

        Raises:
            LsrError: no protocol with that id in this workspace (saying so when the database still holds
                the review's records: its protocol file is missing), or its file does not load.
        """
        try:
            return super().protocol(review_id)
        except LsrError as exc:
            if review_id in self.disabled:
                raise
            orphan = self._orphan_records(review_id)
            if orphan is None:
                raise
            path = self.settings.protocols_dir / f"{review_id}.toml"
            records = f"{orphan} record{'s' if orphan != 1 else ''}"
            raise LsrError(f"the database holds review {review_id!r} ({records}) but {path} is missing: "
                           "put the protocol file back (or restore it from version control) to use it") from exc

    def _orphan_records(self, review_id: str) -> int | None:
        """How many records the database holds for a review without a protocol file (None: no such review)."""
        try:
            from sqlalchemy import func  # noqa: PLC0415
            from sqlmodel import select  # noqa: PLC0415

            from lsr.models import Record, Review  # noqa: PLC0415

            with self.db.read() as session:
                if session.get(Review, review_id) is None:
                    return None
                return session.exec(select(func.count()).where(Record.review_id == review_id)).one()
        except Exception:  # noqa: BLE001  (only a better message is at stake: keep the original error)
            return None


@dataclass(frozen=True)
class UnbumpedVersion:
    """A protocol whose content differs from what the review recorded under the same ``version`` label."""

    review_id: str
    path: Path | None
    version: str
    recorded_at: datetime  # when that label was first recorded with other content
    recording: bool = False  # this content is being recorded now, as a second content under the label

    def describe(self) -> str:
        """One line naming the file, the review, the version and when it was recorded, and what to do."""
        when = self.recorded_at.replace(tzinfo=self.recorded_at.tzinfo or UTC).astimezone(UTC)
        now = f" (recorded now as a second {self.version!r})" if self.recording else ""
        return (f"{self.path or self.review_id}: version: review {self.review_id}: the content differs from "
                f"version {self.version!r} as recorded on {when:%Y-%m-%d %H:%M} UTC{now}; bump `version` "
                "(an amendment needs its own label: reports and the search log cite it)")


def _unbumped(session, proto: Protocol) -> UnbumpedVersion | None:
    """``proto`` as an ``UnbumpedVersion`` if its label was recorded with other content, else None."""
    from sqlmodel import select  # noqa: PLC0415

    from lsr.models import ProtocolVersion  # noqa: PLC0415

    content = amended_content(proto.raw)
    others = session.exec(
        select(ProtocolVersion).where(ProtocolVersion.review_id == proto.id,
                                      ProtocolVersion.version == proto.version,
                                      ProtocolVersion.protocol_hash != proto.content_hash)
        .order_by(ProtocolVersion.id)
    ).all()
    other = next((o for o in others if amended_content(_raw(o)) != content), None)  # translations need no bump
    if other is None:
        return None
    return UnbumpedVersion(proto.id, proto.path, proto.version, other.recorded_at)


def _raw(version) -> dict:
    try:
        raw = version.protocol_raw
    except ValueError:
        return {}
    return raw if isinstance(raw, dict) else {}


def unbumped_versions(ws: Workspace) -> list[UnbumpedVersion]:
    """Protocols whose content differs from the content recorded for the same ``version`` label."""
    with ws.db.read() as session:
        found = (_unbumped(session, proto) for proto in ws.protocols.values())
        return [u for u in found if u is not None]


def _sync(db: Database, protocols) -> list[str]:
    """Record every protocol; returns a warning per content recorded under a label used before."""
    from sqlalchemy.exc import IntegrityError  # noqa: PLC0415

    for attempt in range(3):
        try:
            with db.write() as session:
                found = [_sync_one(session, proto) for proto in protocols]
            return [u.describe() for u in found if u is not None]
        except IntegrityError:
            # Another process synced the same protocol at the same moment (PostgreSQL): read again.
            if attempt == 2:
                raise
    return []


def _sync_one(session, proto: Protocol) -> UnbumpedVersion | None:
    """Record one protocol; an ``UnbumpedVersion`` when new content reuses a recorded version label."""
    from sqlmodel import select  # noqa: PLC0415

    from lsr.models import ProtocolVersion, Review  # noqa: PLC0415

    snapshot = proto.protocol_json
    review = session.get(Review, proto.id)
    if review is not None and review.protocol_hash == proto.content_hash:
        return None
    if review is None:
        review = Review(id=proto.id, title=proto.title, theme=proto.theme, protocol_version=proto.version,
                        protocol_hash=proto.content_hash, protocol_json=snapshot)
    else:
        review.title, review.theme = proto.title, proto.theme
        review.protocol_version, review.protocol_hash = proto.version, proto.content_hash
        review.protocol_json = snapshot
    session.add(review)
    session.flush()
    seen = session.exec(
        select(ProtocolVersion).where(ProtocolVersion.review_id == proto.id,
                                      ProtocolVersion.protocol_hash == proto.content_hash)
    ).first()
    if seen is not None:
        return None
    unbumped = _unbumped(session, proto)
    session.add(ProtocolVersion(review_id=proto.id, version=proto.version, protocol_hash=proto.content_hash,
                                protocol_json=snapshot))
    return dataclasses.replace(unbumped, recording=True) if unbumped else None


def screening_amendments(ws: Workspace) -> list[str]:
    """Warnings for protocols whose ``[screening]`` settings differ from the version the data was screened
    under (read before ``sync`` records the new version), each saying how the change applies."""
    from sqlalchemy import func
    from sqlmodel import select

    from lsr.models import Decision, Review
    from lsr.screening.decisions import TA

    out: list[str] = []
    with ws.db.read() as session:
        for proto in ws.protocols.values():
            review = session.get(Review, proto.id)
            if review is None:
                continue
            try:
                before = review.protocol_raw.get("screening") or {}
            except (ValueError, AttributeError):
                continue
            decided = session.exec(select(func.count(func.distinct(Decision.record_id))).where(
                Decision.review_id == proto.id, Decision.stage == TA)).one()
            where = f"{proto.path or proto.id}: screening"
            old_rpr, new_rpr = int(before.get("reviewers_per_record", 1)), proto.screening.reviewers_per_record
            if old_rpr != new_rpr and decided:
                how = ("their single-screening labels stay settled and counted; records first screened from now "
                       "on need two blinded reviewers" if new_rpr > old_rpr else
                       "records screened under dual screening keep that rule (conflicts still need a resolution); "
                       "records first screened from now on need one reviewer")
                out.append(f"{where}.reviewers_per_record: changed {old_rpr} -> {new_rpr} after {decided} record(s) "
                           f"were screened: {how}")
            old_stop = before.get("stopping", "statistical")
            if old_stop != proto.screening.stopping and decided:
                out.append(f"{where}.stopping: changed {old_stop} -> {proto.screening.stopping}: the new rule is "
                           f"evaluated over all {decided} screened record(s)")
    return out


def open_workspace(settings: Settings | None = None, *, sync: bool = True, lazy: bool = False) -> Workspace:
    """Open the workspace of ``settings`` (default: resolved from the environment).

    Args:
        settings: the invocation's settings.
        sync: record every protocol (new content becomes a new protocol version) when the database opens.
        lazy: open the database on first use instead of now.

    Raises:
        LsrError: missing workspace or unusable database. Invalid protocol files do not raise: their
            reviews are listed in ``Workspace.disabled``.
    """
    settings = settings or resolve()
    catalogue = load_catalogue(settings.workspace)
    ws = Workspace(settings=settings, protocols=catalogue.protocols, disabled=catalogue.disabled,
                   sync_on_open=sync)
    if not lazy:
        ws.db  # noqa: B018  (open, migrate and sync now: errors surface here)
    return ws
