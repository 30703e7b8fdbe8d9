"""Test helpers: build workspaces and protocols in code, run the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SYNERGY = SHARED / "synergy"

PROTOCOL = """\
id = "{id}"
title = "Test review {id}"
question = "Does the intervention improve the outcome?"
theme = "Talentontwikkeling en gezondheid"
programme_goals = [7]
version = "2026-11-23"

[pico]
population = "children"
intervention = "extended school day"
comparison = "usual school day"
outcomes = ["achievement"]

[search]
query = '{query}'
filters = {{ type = "article" }}
{known}

[criteria]
include = ["empirical study"]
exclude = ["animal study"]
exclusion_reasons = ["wrong population", "wrong intervention", "wrong design"]
highlight = {{ include = ["school"], exclude = ["rat"] }}

[schedule]
every = "{every}"

[screening]
reviewers_per_record = {reviewers}
stopping = "{stopping}"
"""


def protocol_text(review_id: str = "test-review", query: str = '"school day" AND achievement',
                  every: str = "monthly", reviewers: int = 1, stopping: str = "statistical",
                  known_studies: tuple[str, ...] = ()) -> str:
    known = f"known_studies = {json.dumps(list(known_studies))}" if known_studies else ""
    return PROTOCOL.format(id=review_id, query=query, every=every, reviewers=reviewers, stopping=stopping,
                           known=known)


def make_workspace(path: Path, review_ids: tuple[str, ...] = ("test-review",), **protocol_kw) -> Path:
    """Create a workspace folder with one protocol per id."""
    (path / "protocols").mkdir(parents=True, exist_ok=True)
    for rid in review_ids:
        (path / "protocols" / f"{rid}.toml").write_text(protocol_text(rid, **protocol_kw), encoding="utf-8")
    return path


def run(args: list[str], workspace: Path | None = None, input: str | None = None):
    """Invoke the CLI in-process; returns click's Result (exit_code, stdout, stderr)."""
    from lsr.cli import main

    full = (["--workspace", str(workspace)] if workspace else []) + [str(a) for a in args]
    return CliRunner().invoke(main, full, input=input, catch_exceptions=False)


def export_json(workspace: Path, review: str = "test-review") -> list[dict]:
    """``lsr export REVIEW --format json``: every record with its fields, label and sources."""
    result = run(["export", review, "--format", "json"], workspace)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def status_json(workspace: Path, review: str | None = None) -> dict:
    result = run(["status", "--json"] + ([review] if review else []), workspace)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def write_file(tmp_path: Path, name: str, data: bytes | str) -> Path:
    """A file the test imports, written byte for byte (UTF-8 for text; CRLF line ends stay as given)."""
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def import_twin(workspace: Path, first: Path, second: Path, review: str = "test-review") -> None:
    """Import ``first``, then ``second``, and check that the second file's one record was recognised as a
    duplicate of the first's (``0 new, 1 duplicate(s)``)."""
    assert run(["import", review, first], workspace).exit_code == 0
    result = run(["import", review, second], workspace)
    assert result.exit_code == 0, result.output
    assert "0 new, 1 duplicate(s)" in result.stdout, result.stdout
