"""The CLI foundation: help everywhere, status on a fresh workspace, errors as one line, export, decide."""

from __future__ import annotations

import json

import click
import pytest

from lsr.cli import main
from lsr.models import Record
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import ROOT, make_workspace, run, status_json

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier


def all_commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, (*prefix, name))


def test_root_help():
    result = run(["--help"])
    assert result.exit_code == 0
    assert "living systematic reviews" in result.stdout


@pytest.mark.parametrize("path", [p for p, _ in all_commands(main)], ids=" ".join)
def test_every_command_has_help_with_description(path):
    result = run([*path, "--help"])
    assert result.exit_code == 0, result.output
    cmd = dict(all_commands(main))[path]
    assert cmd.help and len(cmd.help.strip()) > 20, f"{' '.join(path)} lacks a description"


def test_status_json_on_fresh_workspace_lists_zero_counts(tmp_path, db_backend):
    ws = make_workspace(tmp_path / "new")
    doc = status_json(ws)
    assert doc["workspace"] == str(ws.resolve())
    assert doc["database"].endswith("reviews/lsr.sqlite" if db_backend == "sqlite" else "lsr_test_", ) or \
        "lsr_test_" in doc["database"]
    [review] = doc["reviews"]
    assert review["id"] == "test-review"
    for key in ("records", "duplicates", "screened", "included", "excluded", "maybe", "unscreened", "search_runs"):
        assert review[key] == 0, key
    assert review["last_update"] is None and review["due"] is True
    assert review["protocol_version"] == "2026-11-23"
    assert set(review["stopping"]) >= {"rule", "met", "estimated_recall"}


def test_status_table(workspace):
    result = run(["status"], workspace)
    assert result.exit_code == 0
    assert "test-review" in result.stdout


def test_status_table_counts_included_studies_after_full_text_as_the_reports_do(workspace):
    _add_records(workspace, 3)
    for rid in ("W1", "W2"):
        assert run(["decide", "test-review", rid, "include"], workspace).exit_code == 0
    assert run(["decide", "test-review", "W1", "include", "--stage", "full-text"], workspace).exit_code == 0
    head, row = run(["status"], workspace).stdout.splitlines()[1:3]
    cells = dict(zip(head.split(), row.split(), strict=False))
    assert (cells["incl."], cells["studies"]) == ("2", "1")


def test_database_password_is_masked(workspace, monkeypatch):
    from lsr.settings import mask_password

    assert mask_password("postgresql+psycopg://lsr:s3cret@localhost/lsr") == "postgresql+psycopg://lsr:***@localhost/lsr"


def test_missing_workspace_is_one_line_exit_1(tmp_path):
    result = run(["status"], tmp_path / "nowhere")
    assert result.exit_code == 1
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.output


def test_folder_without_protocols_is_refused(tmp_path):
    result = run(["status"], tmp_path)
    assert result.exit_code == 1
    assert "no protocols/ folder" in result.stderr


def test_bad_protocol_disables_only_its_review_with_the_reason(workspace):
    (workspace / "protocols" / "broken.toml").write_text('id = "broken"\n[serach]\n')
    result = run(["status"], workspace)
    assert result.exit_code == 0
    assert "serach" in result.stderr and "broken" in result.stderr
    assert "test-review" in result.stdout


def test_protocols_check_unknown_table_exit_1(workspace):
    path = workspace / "protocols" / "test-review.toml"
    path.write_text(path.read_text().replace("[search]", "[serach]"))
    result = run(["protocols", "check", str(path)], workspace)
    assert result.exit_code == 1
    assert "serach: unknown table" in result.stderr


def test_protocols_check_shipped_protocols():
    result = run(["protocols", "check"], ROOT)
    assert result.exit_code == 0, result.stderr
    assert "valid" in result.stdout


def test_usage_error_exits_2(workspace):
    assert run(["export"], workspace).exit_code == 2
    assert run(["no-such-command"], workspace).exit_code == 2


def test_unknown_review_is_one_line(workspace):
    result = run(["export", "nope"], workspace)
    assert result.exit_code == 1
    assert "unknown review 'nope'" in result.stderr


def test_unreachable_database_is_one_line(workspace, monkeypatch):
    monkeypatch.setenv("LSR_DATABASE_URL", "postgresql+psycopg://lsr:pw@127.0.0.1:1/lsr")
    result = run(["status"], workspace)
    assert result.exit_code == 1
    assert "cannot open database" in result.stderr and "pw" not in result.stderr


def _add_records(workspace, n=3):
    ws = open_workspace(resolve(workspace))
    with ws.db.write() as s:
        for i in range(n):
            s.add(Record(review_id="test-review", openalex_id=f"W{i + 1}", doi=f"10.1000/x{i + 1}",
                         title=f"Study {i + 1}", title_key=f"study {i + 1}", authors_json='["A. Author"]', year=2020))
    return ws


def test_decide_and_export_json(workspace):
    _add_records(workspace)
    assert run(["decide", "test-review", "W1", "include", "--note", "key study"], workspace).exit_code == 0
    assert run(["decide", "test-review", "10.1000/X2", "exclude", "--reason", "2"], workspace).exit_code == 0
    bad = run(["decide", "test-review", "3", "exclude", "--reason", "not a reason"], workspace)
    assert bad.exit_code == 1 and "wrong population" in bad.stderr
    result = run(["export", "test-review", "--format", "json"], workspace)
    assert result.exit_code == 0
    items = json.loads(result.stdout)
    assert [i["label"] for i in items] == ["include", "exclude", None]
    assert items[1]["reason"] == "wrong intervention"
    assert items[0]["decisions"][0]["reviewer"] == "tester"
    assert items[0]["decisions"][0]["note"] == "key study"
    for key in ("id", "openalex_id", "doi", "pmid", "title", "abstract", "authors", "year", "venue", "label",
                "reason", "decisions", "sources"):
        assert key in items[0]
    doc = status_json(workspace)["reviews"][0]
    assert (doc["records"], doc["screened"], doc["included"], doc["excluded"], doc["unscreened"]) == (3, 2, 1, 1, 1)
    only = json.loads(run(["export", "test-review", "--only", "included"], workspace).stdout)
    assert [i["openalex_id"] for i in only] == ["W1"]


def test_export_to_file(workspace, tmp_path):
    _add_records(workspace, 2)
    out = tmp_path / "out.json"
    result = run(["export", "test-review", "-o", str(out)], workspace)
    assert result.exit_code == 0
    assert len(json.loads(out.read_text())) == 2


def test_fulltext_exclusion_needs_reason(workspace):
    _add_records(workspace, 1)
    result = run(["decide", "test-review", "W1", "exclude", "--stage", "full-text"], workspace)
    assert result.exit_code == 1
    assert "needs a reason" in result.stderr


def test_shell_completion_completes_commands():
    import os
    import subprocess
    import sys
    from pathlib import Path

    lsr = Path(sys.executable).with_name("lsr")
    env = dict(os.environ, COMP_WORDS="lsr sta", COMP_CWORD="1", _LSR_COMPLETE="bash_complete")
    out = subprocess.run([str(lsr)], env=env, capture_output=True, text=True, timeout=60)
    assert "status" in out.stdout


def test_status_tells_a_run_left_running_by_a_dead_process_from_one_in_progress(workspace):
    """A killed update leaves its run marked running; status says the process is gone (no update holds the
    review's lock) and that the next update completes it, and says running while an update holds the lock."""
    from lsr.locks import review_lock
    from lsr.models import SearchRun

    ws = open_workspace(resolve(workspace))  # SQLite: the lock file's flock; PostgreSQL: the advisory lock
    with ws.db.write() as session:
        session.add(SearchRun(review_id="test-review", kind="update", source="openalex"))  # status running
    out = run(["status"], workspace).stdout
    assert "test-review: last update stopped without finishing (the process that ran it is gone" in out
    latest = status_json(workspace)["reviews"][0]["latest_run"]
    assert (latest["status"], latest["process_gone"]) == ("running", True)  # stored status kept, process gone
    with review_lock(ws, "test-review"):
        out = run(["status"], workspace).stdout
        latest = status_json(workspace)["reviews"][0]["latest_run"]
    assert "test-review: last update running" in out and "stopped without finishing" not in out
    assert (latest["status"], latest["process_gone"]) == ("running", False)


def test_status_json_says_no_process_is_gone_for_a_run_that_ended(workspace):
    from lsr.models import SearchRun

    ws = open_workspace(resolve(workspace))
    with ws.db.write() as session:
        session.add(SearchRun(review_id="test-review", kind="update", source="openalex", status="ok"))
    latest = status_json(workspace)["reviews"][0]["latest_run"]
    assert (latest["status"], latest["process_gone"]) == ("ok", False)
