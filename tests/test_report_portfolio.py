"""The portfolio page the programme bureau lifts into its reports: reviews with included studies get a row
in their goal's table, the others one line; the change since the last report is said once per review."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lsr.report import write_reports
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import make_workspace, run
from tests.test_import_extraction import BCG, RID, build_bcg_review

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

DAY1 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
DAY2 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def test_reviews_without_studies_are_one_line_and_the_change_is_said_once(tmp_path):
    workspace = make_workspace(tmp_path / "ws", (RID, "empty-review"))
    build_bcg_review(workspace, included=13)
    assert run(["extract", RID, "--import", BCG], workspace).exit_code == 0
    ws = open_workspace(resolve(workspace))
    write_reports(ws, None, formats=["md", "html"], now=DAY1)
    write_reports(ws, None, formats=["md", "html"], now=DAY2)
    md = (workspace / "reviews" / "portfolio.nl.md").read_text(encoding="utf-8")
    goal_part = md.split("\n### Doel ", 1)[1]  # the goal tables: Review | Kernboodschap | ... | Verandering
    goal_rows = [line for line in goal_part.splitlines() if line.startswith("| [")]
    assert goal_rows and all("Test review test-review" in line for line in goal_rows)
    for row in goal_rows:
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        change = cells[4]
        assert change.startswith("Sinds het vorige rapport (1 april 2026)")
        assert change not in cells[1]  # the key message cell does not end with the same sentence again
    waiting = next(line for line in md.splitlines() if line.startswith("**Nog geen opgenomen studies:**"))
    assert "[Test review empty-review" in waiting
    assert "**Nog geen publicaties gevonden (nog niet gezocht of geïmporteerd):** [Test review empty-review" in md
    html = (workspace / "reviews" / "portfolio.nl.html").read_text(encoding="utf-8")
    assert "td a { overflow-wrap: break-word; hyphens: auto; }" in html  # titles in a table column stay whole words


def test_the_portfolio_names_reviews_it_leaves_out_and_counts_only_finished_searches(tmp_path):
    from lsr.models import SearchRun

    workspace = make_workspace(tmp_path / "ws", (RID, "broken-review"))
    (workspace / "protocols" / "broken-review.toml").write_text("id = 'broken-review'\ntitle = [\n",
                                                                encoding="utf-8")
    ws = open_workspace(resolve(workspace))
    with ws.db.write() as session:  # an update that was cut off is not a search done
        session.add(SearchRun(review_id=RID, kind="update", source="openalex", status="interrupted"))
    write_reports(ws, None, formats=["md"], now=DAY1)
    md = (workspace / "reviews" / "portfolio.nl.md").read_text(encoding="utf-8")
    assert "**Niet in dit overzicht: 1 review** waarvan het protocolbestand niet te lezen is" in md
    assert "broken-review (broken-review.toml)." in md
    assert "Sinds de vorige rapporten" not in md  # the first overview has nothing to compare with
    row = next(line for line in md.splitlines() if line.startswith("| [Test review test-review"))
    assert row.rstrip().endswith("| — |")  # status says "never" too
    en = (workspace / "reviews" / "portfolio.en.md").read_text(encoding="utf-8")
    assert "**Not in this overview: 1 review** whose protocol file does not load" in en


def test_a_goal_table_lists_every_review_naming_the_goal_whatever_its_main_theme(tmp_path):
    """A review of 'Werk en bestaanszekerheid' that also names goal 7 is listed under goal 7 of
    'Talentontwikkeling en gezondheid' too (the closing 'Per programmadoel' table already said so); its
    goals are printed in order."""
    workspace = make_workspace(tmp_path / "ws", (RID, "work-review"))
    proto = workspace / "protocols" / "work-review.toml"
    proto.write_text(proto.read_text(encoding="utf-8")
                     .replace('theme = "Talentontwikkeling en gezondheid"', 'theme = "Werk en bestaanszekerheid"')
                     .replace("programme_goals = [7]", "programme_goals = [5, 4, 7]"), encoding="utf-8")
    csv = tmp_path / "one.csv"
    csv.write_text("doi,title\n10.5555/p.1,Study one of work\n", encoding="utf-8")
    assert run(["import", "work-review", csv, "--source", "Scopus"], workspace).exit_code == 0
    write_reports(open_workspace(resolve(workspace)), None, formats=["md"], now=DAY1)
    md = (workspace / "reviews" / "portfolio.nl.md").read_text(encoding="utf-8")
    theme1 = md.split("## Thema 1:", 1)[1].split("\n## ", 1)[0]
    goal7 = theme1.split("### Doel 7.", 1)[1].split("\n### ", 1)[0]
    assert "Test review work-review" in goal7
    assert "Programmadoelen: 4, 5, 7 · protocolversie van 23 november 2026" in md
