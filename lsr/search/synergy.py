"""Reading labelled review datasets in the SYNERGY release layout.

A SYNERGY folder holds ``works_*.zip`` (JSON lists of OpenAlex works), ``labels.csv``
(``openalex_id, doi, pmid, label_included``) and ``metadata.json``. This module resolves a dataset by
path or by name (under ``SYNERGY_PATH``) and yields its works and labels. It deliberately does not import
``synergy_dataset`` in-process: that package installs a global ``requests_cache`` on import, which would
silently cache lsr's own HTTP traffic. Downloading (when no local copy exists) runs it in a subprocess,
in a temporary folder (its ``synergy_cache.sqlite`` is not left in the current directory). A dataset that
is not found says why: the datasets under ``SYNERGY_PATH`` (a misspelt name gets its close matches, and no
download is tried), or that the download failed (no internet?) and how to use a local copy instead.
"""

from __future__ import annotations

import csv
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lsr.errors import LsrError
from lsr.settings import synergy_path


@dataclass(frozen=True)
class SynergyDataset:
    """One labelled dataset on disk."""

    name: str
    path: Path

    def works(self) -> Iterator[dict]:
        """OpenAlex work dicts, in file order."""
        yield from iter_work_files(sorted(self.path.glob("works_*.zip")))

    def labels(self) -> dict[str, int]:
        """Map of short OpenAlex id (``W123``) to ``label_included`` (1 or 0)."""
        out: dict[str, int] = {}
        with open(self.path / "labels.csv", newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                out[short_openalex_id(row["openalex_id"])] = int(row["label_included"])
        return out

    def metadata(self) -> dict:
        p = self.path / "metadata.json"
        return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


def short_openalex_id(value: str | None) -> str | None:
    """``https://openalex.org/W123`` -> ``W123`` (None and empty stay None)."""
    if not value:
        return None
    return str(value).rstrip("/").rsplit("/", 1)[-1].upper()


def is_dataset_dir(path: Path) -> bool:
    return path.is_dir() and (path / "labels.csv").exists() and any(path.glob("works_*.zip"))


def synergy_root() -> Path | None:
    """The local SYNERGY copy named by ``SYNERGY_PATH``, if set (``lsr.settings.synergy_path``)."""
    return synergy_path()


def resolve_dataset(name_or_path: str | os.PathLike, *, download: bool = False) -> SynergyDataset:
    """Find a dataset by folder path, or by name under ``SYNERGY_PATH``.

    Args:
        name_or_path: a SYNERGY-format folder, or a dataset name such as ``Sep_2021``.
        download: when the name is not found locally, fetch the release with ``synergy_dataset``
            (needs internet).

    Raises:
        LsrError: when the dataset cannot be found (and, with ``download``, not fetched either).
    """
    p = Path(name_or_path).expanduser()
    if is_dataset_dir(p):
        return SynergyDataset(p.resolve().name, p.resolve())
    name = p.name
    root = synergy_root()
    if root is not None and is_dataset_dir(root / name):
        return SynergyDataset(name, (root / name).resolve())
    local = local_datasets(root)
    close = difflib.get_close_matches(name, local, n=3, cutoff=0.6) if local else []
    if close:  # a misspelt name of a local dataset: no download of the whole release for it
        raise LsrError(f"dataset {str(name_or_path)!r} not found under SYNERGY_PATH={root}: did you mean "
                       f"{' or '.join(map(repr, close))}? (datasets there: {', '.join(local)})")
    failed = ""
    if download:
        try:
            target = _download(name)
        except DownloadFailed as exc:
            failed = f"; {exc}"
        else:
            if target is not None:
                return SynergyDataset(name, target)
            failed = "; the downloaded SYNERGY release has no dataset of that name"
    where = f"SYNERGY_PATH={root}" if root else "SYNERGY_PATH is not set"
    listing = f" (datasets there: {', '.join(local)})" if local else ""
    raise LsrError(
        f"dataset {str(name_or_path)!r} not found: not a SYNERGY folder (labels.csv + works_*.zip) "
        f"and not under the local copy ({where}){listing}{failed}; point SYNERGY_PATH at a local copy of the "
        "SYNERGY release (the folder holding Sep_2021/, van_der_Valk_2021/, ...)"
    )


def local_datasets(root: Path | None) -> list[str]:
    """The names of the datasets in a local SYNERGY copy, sorted (none when ``root`` is None or missing)."""
    if root is None or not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if is_dataset_dir(p))


class DownloadFailed(Exception):
    """Fetching the SYNERGY release failed; the message says how, in one line."""


def _download(name: str) -> Path | None:
    """Fetch the classic SYNERGY release into ~/.synergy_dataset_source with ``synergy_dataset``; the
    dataset's folder, or None when the release has no dataset of that name.

    Raises:
        DownloadFailed: the download did not complete (no internet, a server down, a timeout).
    """
    env = dict(os.environ, SYNERGY_SET="synergy")
    env.pop("SYNERGY_PATH", None)
    code = (
        "import synergy_dataset.base as b, sys;"
        "b.download_raw_dataset();"
        "print(b._get_path_raw_dataset())"
    )
    with tempfile.TemporaryDirectory(prefix="lsr-synergy-") as scratch:  # synergy_dataset's HTTP cache goes here
        try:
            out = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=900, check=True,
                cwd=scratch,
            )
        except subprocess.TimeoutExpired:
            raise DownloadFailed("downloading the SYNERGY release timed out") from None
        except subprocess.CalledProcessError as exc:
            raise DownloadFailed(_download_failure(exc.stderr or "")) from None
        except OSError as exc:
            raise DownloadFailed(f"downloading the SYNERGY release failed: {exc}") from None
    root = Path(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else None
    if root is not None and is_dataset_dir(root / name):
        return (root / name).resolve()
    return None


def _download_failure(stderr: str) -> str:
    """One line from the downloader's traceback: where it failed and, for a connection error, 'no internet?'."""
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith(" ")]
    last = lines[-1] if lines else ""
    host = re.search(r"host='([^']+)'", last)
    source = f" from {host.group(1)}" if host else ""
    if re.search(r"Connection|Max retries|Name or service|resolve|unreachable|timed out", last, re.IGNORECASE):
        return f"downloading the SYNERGY release{source} failed: no connection (no internet?)"
    return f"downloading the SYNERGY release{source} failed: {last[:200] or 'no reason given'}"


def iter_work_files(paths: Iterable[os.PathLike | str]) -> Iterator[dict]:
    """Yield OpenAlex works from ``.zip`` (of JSON lists), ``.json`` (list or ``{"results": [...]}``)
    and ``.jsonl`` files, or from SYNERGY folders (their ``works_*.zip``).

    Raises:
        LsrError: naming the file when it cannot be read as work JSON.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inner = sorted(path.glob("works_*.zip")) or sorted(
                [*path.glob("*.json"), *path.glob("*.jsonl"), *path.glob("*.zip")]
            )
            yield from iter_work_files(inner)
            continue
        try:
            if path.suffix == ".zip":
                with zipfile.ZipFile(path) as zf:
                    for member in sorted(zf.namelist(), key=_natural_key):
                        if member.endswith(".json"):
                            yield from _works_from_json(json.loads(zf.read(member)), f"{path}:{member}")
                        elif member.endswith(".jsonl"):
                            yield from _works_from_lines(zf.read(member).decode("utf-8").splitlines(), path)
            elif path.suffix == ".jsonl":
                with open(path, encoding="utf-8") as fh:
                    yield from _works_from_lines(fh, path)
            else:
                yield from _works_from_json(json.loads(path.read_text(encoding="utf-8")), str(path))
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            raise LsrError(f"{path}: cannot read OpenAlex works: {exc}") from exc


def _works_from_json(data, where: str) -> Iterator[dict]:
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]
    if isinstance(data, dict) and "id" in data:
        data = [data]
    if not isinstance(data, list):
        raise ValueError(f"{where}: expected a list of works")
    for w in data:
        if isinstance(w, dict) and w.get("id"):
            yield w


def _works_from_lines(lines: Iterable[str], path) -> Iterator[dict]:
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        try:
            w = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"line {n}: {exc}") from exc
        if isinstance(w, dict) and w.get("id"):
            yield w


def _natural_key(name: str):
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def abstract_from_inverted_index(index: dict | None) -> str:
    """Rebuild an abstract from OpenAlex's ``abstract_inverted_index`` (word -> positions)."""
    if not index:
        return ""
    positions: list[tuple[int, str]] = []
    for word, where in index.items():
        for pos in where or ():
            positions.append((int(pos), word))
    positions.sort()
    return " ".join(w for _, w in positions)
