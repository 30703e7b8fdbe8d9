"""`lsr status` reads through the standard library's sqlite3 when it can: the same document, no SQLAlchemy."""

from __future__ import annotations

import json
import subprocess
import sys

from lsr.db import head_revision
from lsr.screening.decisions import FT, decide_one
from lsr.settings import resolve
from lsr.sqlite_reader import migration_head, open_reader
from lsr.status import quick_status, workspace_status
from lsr.workspace import open_workspace
from tests.helpers import ROOT, run
from tests.tui_helpers import build_workspace


def _populated(tmp_path):
    path = build_workspace(tmp_path / "ws", 12, review_ids=("dual-review", "single-review"), reviewers=2)
    single = path / "protocols" / "single-review.toml"
    single.write_text(single.read_text().replace("reviewers_per_record = 2", "reviewers_per_record = 1"))
    ws = open_workspace(resolve(path))
    for i in range(8):
        label = ("include", "exclude", "maybe")[i % 3]
        decide_one(ws, "single-review", f"W{1000 + i}", label, reviewer="anna", reason="1")
        decide_one(ws, "dual-review", f"W{1000 + i}", label, reviewer="anna", reason="1")
        decide_one(ws, "dual-review", f"W{1000 + i}", "include" if i % 2 else label, reviewer="ben", reason="1")
    decide_one(ws, "single-review", "W1000", "include", reviewer="anna", stage=FT)
    decide_one(ws, "single-review", "W1009", "exclude", reviewer="anna", stage=FT, reason="1", override_stage=True)
    return path, ws


def test_the_quick_reader_gives_the_same_document_as_the_full_path(tmp_path):
    path, ws = _populated(tmp_path)
    full = workspace_status(ws)
    quick, _ = quick_status(resolve(path))
    assert quick == full
    dual = next(r for r in quick["reviews"] if r["id"] == "dual-review")
    assert dual["conflicts"] > 0 and dual["agreement"] is not None and dual["screened"] > 0
    single = next(r for r in quick["reviews"] if r["id"] == "single-review")
    assert single["fulltext"]["included"] == 1 and single["fulltext"]["excluded"] == 1


def test_status_does_not_import_sqlalchemy_scipy_or_numpy(tmp_path):
    path, _ = _populated(tmp_path)
    code = ("import sys; from lsr.cli import main\n"
            "try:\n    main(['--workspace', sys.argv[1], 'status', '--json'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'alembic', 'scipy', 'numpy', 'textual') "
            "if m in sys.modules]\nprint(json.dumps(heavy), file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", "import json\n" + code, str(path)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == []
    assert len(json.loads(proc.stdout)["reviews"]) == 2


def test_loading_protocols_imports_neither_pydantic_nor_sqlalchemy(tmp_path):
    """Issue 19: status reads every protocol file, within 3x the start-up of ``lsr --help``; pydantic alone
    (through sqlmodel) would cost more than that budget."""
    path, _ = _populated(tmp_path)
    code = ("import sys\nfrom pathlib import Path\nfrom lsr.protocol import load_catalogue\n"
            "assert load_catalogue(Path(sys.argv[1])).protocols\n"
            "print(sorted(m for m in ('pydantic', 'pydantic_core', 'sqlalchemy', 'sqlmodel') if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["[]"]


def test_a_changed_protocol_or_an_old_schema_takes_the_full_path(tmp_path):
    path, ws = _populated(tmp_path)
    settings = resolve(path)
    from lsr.protocol import load_catalogue

    assert open_reader(settings, load_catalogue(path)) is not None
    file = path / "protocols" / "single-review.toml"
    file.write_text(file.read_text().replace('version = "2026-11-23"', 'version = "2026-12-01"'))
    assert open_reader(settings, load_catalogue(path)) is None  # the new version must be recorded first
    doc = json.loads(run(["status", "--json"], path).stdout)  # records it
    assert {r["protocol_version"] for r in doc["reviews"] if r["id"] == "single-review"} == {"2026-12-01"}
    assert open_reader(settings, load_catalogue(path)) is not None
    with ws.db.write() as s:
        from sqlalchemy import text

        s.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    assert open_reader(settings, load_catalogue(path)) is None


def test_the_migration_head_read_from_the_scripts_is_alembics():
    from alembic.script import ScriptDirectory

    from lsr.db import MIGRATIONS_DIR

    assert migration_head() == head_revision() == ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def test_the_app_reaches_its_home_screen_without_the_database_layer(tmp_path):
    """`lsr` (home) builds the app on a workspace whose database opens on first use: no SQLAlchemy yet."""
    path, _ = _populated(tmp_path)
    code = ("import sys\nfrom lsr.settings import resolve\nfrom lsr.workspace import open_workspace\n"
            "from lsr.tui.app import make_app\n"
            "ws = open_workspace(resolve(sys.argv[1]), lazy=True)\n"
            "make_app(ws, rerank=None, update=None, report=None)\n"
            "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'alembic', 'scipy', 'numpy') if m in sys.modules))\n"
            "ws.db\nprint('sqlalchemy' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["[]", "True"]


def test_the_status_table_fits_the_terminal_without_cutting_names():
    from lsr.cli.status_table import HEADS, status_lines

    long_ids = ["early-childhood-education-participation", "poverty-concentration-social-mixing", "cpted"]
    doc = {"workspace": "/ws", "disabled": [{"id": "broken-review", "file": "x", "problems": ["x"]}],
           "reviews": [{"id": rid, "records": 1234, "screened": 300, "included": 12, "excluded": 280,
                        "unscreened": 934, "conflicts": 3, "last_update": "2026-11-01T03:00:00+00:00",
                        "next_update": "2026-12-01T03:00:00+00:00", "due": False,
                        "stopping": {"rule": "statistical", "met": False, "estimated_recall": 0.62}}
                       for rid in long_ids]}
    piped = status_lines(doc, None)
    assert len(piped) == 2 + 4 and all(any(line.startswith(rid + " ") for line in piped) for rid in long_ids)
    assert all(head in piped[1] for head in HEADS)
    for width in (80, 72, 60, 40):
        lines = status_lines(doc, width)
        assert max(len(line) for line in lines) <= width, width
        text = "".join(line.split()[0] if line.strip() else "" for line in lines)
        assert all(rid in text for rid in long_ids + ["broken-review"]), width  # wrapped, never cut
        assert any("confl" in line for line in lines) and any("not met (62%)" in line for line in lines)
