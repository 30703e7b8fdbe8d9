"""An updated review across two reports, driven through ``lsr import`` / ``lsr decide`` and ``write_reports``:
the PRISMA "previous version" is what the first report published, new studies are those included since
(whatever search found them), a study that left is accounted for, imports sort into databases and other
sources, and the round table keeps the counts the first report published."""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lsr.report import write_reports
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import make_workspace, run

RID = "test-review"
SVG = "{http://www.w3.org/2000/svg}"


def _csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = ["title,authors,year,doi,abstract"]
    lines += [f'{title},"Jansen, J.",2020,{doi},' for doi, title in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _ok(args: list[str], root: Path) -> None:
    result = run(args, root)
    assert result.exit_code == 0, result.output


def _boxes(path: Path) -> dict[str, int]:
    root = ET.fromstring(path.read_text(encoding="utf-8"))
    return {g.get("data-box"): int(g.get("data-n")) for g in root.iter(f"{SVG}g") if g.get("data-box")}


def _box_text(path: Path, key: str) -> str:
    root = ET.fromstring(path.read_text(encoding="utf-8"))
    box = next(g for g in root.iter(f"{SVG}g") if g.get("data-box") == key)
    return " ".join(t.text or "" for t in box.iter(f"{SVG}text"))


def _review(tmp_path: Path) -> tuple[Path, datetime]:
    """Report 1 with studies 1-3 included, then: study 4 (found before report 1) and study 7 (a new import)
    are included, study 2 is excluded at full-text re-assessment; report 2 two days later."""
    root = make_workspace(tmp_path / "ws")
    records = [(f"10.5555/t.{i}", f"Trial {i} of an extended school day and reading achievement") for i in range(1, 7)]
    _ok(["import", RID, _csv(tmp_path / "scopus-export.csv", records), "--source", "scopus"], root)
    for i in range(1, 6):
        _ok(["decide", RID, f"10.5555/t.{i}", "include"], root)
    for i in range(1, 4):
        _ok(["decide", RID, f"10.5555/t.{i}", "include", "--stage", "full-text"], root)
    _ok(["decide", RID, "10.5555/t.6", "exclude", "--reason", "1"], root)
    ws = open_workspace(resolve(root))
    time.sleep(1.1)  # the report log keeps whole seconds: report 1 must be after the import's second
    first = datetime.now(UTC)
    write_reports(ws, [RID], now=first)
    _ok(["decide", RID, "10.5555/t.4", "include", "--stage", "full-text"], root)
    _ok(["decide", RID, "10.5555/t.2", "exclude", "--stage", "full-text", "--reason", "wrong design"], root)
    web = _csv(tmp_path / "sub" / "heerlen.csv", [("10.5555/t.7", "Trial 7 of a longer school day in Heerlen")]) \
        if (tmp_path / "sub").mkdir() is None else None
    _ok(["import", RID, web, "--source", "Gemeente Heerlen website"], root)
    _ok(["import", RID, _csv(tmp_path / "nji.csv", [("10.5555/t.8", "Trial 8 of school time")]),
         "--source", "NJi databank", "--source-kind", "database"], root)
    for stage in ("title-abstract", "full-text"):
        _ok(["decide", RID, "10.5555/t.7", "include", "--stage", stage], root)
    second = first + timedelta(days=2)
    write_reports(ws, [RID], now=second)
    return root, first


def test_updated_review_counts_previous_new_and_left(tmp_path):
    root, first = _review(tmp_path)
    rdir = root / "reviews" / RID
    log = json.loads((rdir / "reports.json").read_text(encoding="utf-8"))["reports"]
    assert len(log[0]["included_ids"]) == 3 and log[1]["counts"]["no_longer_included"] == 1
    for name in ("prisma.svg", "prisma.nl.svg"):
        b = _boxes(rdir / name)
        # previous version = what report 1 published (3); study 2 left; studies 4 and 7 are new
        assert (b["previous_included"], b["no_longer_included"], b["new_included"], b["total_included"]) == (
            3, 1, 2, 4)
        # the current round adds up: 2 hits, no duplicates, 1 screened (study 7), 1 not yet (study 8); study 4,
        # screened and sought in round 1, counts here at full text only: 1 sought + 1 earlier = 2 assessed
        assert (b["identified"], b["duplicates"], b["screened"], b["unscreened"]) == (2, 0, 1, 1)
        assert (b["sought"], b["assessed"], b["pending"]) == (1, 2, 0)
    en = _box_text(rdir / "prisma.svg", "identified")
    assert en.index("Databases:") < en.index("NJi databank") < en.index("Other sources:") < en.index("Gemeente")
    assert "Earlier searches, decided in this round" not in en
    sought = _box_text(rdir / "prisma.svg", "sought").replace("\u00a0", " ")
    assert "Sought in an earlier round, decided at full text in this round (n = 1)" in " ".join(sought.split())
    assert "excluded after full text: wrong design" in _box_text(rdir / "prisma.svg", "no_longer_included")

    nl = (rdir / "summary.nl.md").read_text(encoding="utf-8")
    changes = nl[nl.index("## Wat is er veranderd"):nl.index("## Opgenomen studies")]
    assert "zijn er 2 studies nieuw opgenomen (1 daarvan kwam uit eerdere zoekacties)" in changes
    assert "uit de vorige versie is 1 studie niet meer opgenomen" in changes
    assert "Trial 4 of an extended school day" in changes and "Trial 7 of a longer school day" in changes
    assert re.search(r"Trial 2 of an extended school day.* — uitgesloten na lezing volledige tekst: ", changes)
    table = {row.split(" | ")[0].strip("| "): row.split(" | ")[1].strip(" |") for row in nl.splitlines()
             if row.startswith("| ") and row.count("|") == 3}
    assert table["Studies opgenomen in de vorige versie van de review"] == "3"
    assert table["Studies uit de vorige versie die niet meer zijn opgenomen"] == "1"
    assert table["Nieuwe studies opgenomen in de review"] == "2"
    assert table["Totaal aantal studies in de review"] == "4"
    # the round table keeps what report 1 published (3 included) and writes dates the Dutch way
    round1 = next(line for line in nl.splitlines() if line.startswith("| 1 |"))
    assert round1.strip(" |").split(" | ")[-1] == "3"
    assert re.search(r"\d{4}-\d{2}-\d{2}", round1) is None
    # an import is named by its file name only, never the folder it was imported from
    assert "| heerlen.csv |" in nl and str(tmp_path) not in nl

    en_md = (rdir / "summary.en.md").read_text(encoding="utf-8")
    assert "2 studies were newly included (1 of them from earlier searches); 1 study of the previous version " \
        "is no longer included" in en_md
    assert "Studies of the previous version no longer included | 1" in en_md


def test_since_names_the_previous_version_by_its_date(tmp_path):
    root, first = _review(tmp_path)
    result = run(["report", RID, "--lang", "en", "--format", "md", "--since", "2000-01-01"], root)
    assert result.exit_code == 0, result.output
    rdir = root / "reviews" / RID
    assert "Studies included before 1 January 2000" in _box_text(rdir / "prisma.svg", "previous_included")
    b = _boxes(rdir / "prisma.svg")
    assert (b["previous_included"], b["new_included"], b["total_included"]) == (0, 4, 4)
    # a --since date after a report: "what changed" names both the date and the report compared with (the
    # date is tomorrow, so the report is made on the day after it: a --since in the future is refused)
    since = (first + timedelta(days=1)).date()
    write_reports(open_workspace(resolve(root)), [RID], ["en"], ["md"], since=since.isoformat(),
                  now=first + timedelta(days=3))
    md = (rdir / "summary.en.md").read_text(encoding="utf-8")
    assert f"Since {since.day} {since:%B} {since.year} (the previous report is of {first.day} {first:%B} " \
        f"{first.year})" in md


def test_a_since_date_in_the_future_is_refused(tmp_path):
    """``--since`` is the start of the round reported on: a round that has not begun is refused in one line
    (exit 1, like a --since that is no date), and nothing is written or recorded. Today's date is accepted."""
    root, first = _review(tmp_path)
    rdir = root / "reviews" / RID
    log = (rdir / "reports.json").read_text(encoding="utf-8")
    summary = (rdir / "summary.nl.md").read_text(encoding="utf-8")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    for value in (tomorrow, "2999-12-05", f"{tomorrow}T00:00:00"):
        result = run(["report", RID, "--since", value], root)
        assert result.exit_code == 1, result.output
        assert result.stderr.strip().count("\n") == 0  # one line
        assert f"--since {value} is in the future" in result.stderr and "Traceback" not in result.output
        assert result.stdout == ""
    assert (rdir / "reports.json").read_text(encoding="utf-8") == log  # nothing recorded
    assert (rdir / "summary.nl.md").read_text(encoding="utf-8") == summary  # nothing written
    today = datetime.now(UTC).date().isoformat()
    assert run(["report", RID, "--format", "md", "--since", today], root).exit_code == 0


def test_wording_of_small_counts(tmp_path):
    root = make_workspace(tmp_path / "ws")
    proto = root / "protocols" / f"{RID}.toml"
    proto.write_text(proto.read_text(encoding="utf-8").replace("programme_goals = [7]", "programme_goals = [7, 12]"),
                     encoding="utf-8")
    csv = _csv(tmp_path / "in" / "two.csv" if (tmp_path / "in").mkdir() is None else None,
               [("10.5555/w.1", "Study one of school time"), ("10.5555/w.2", "Study two of school time")])
    _ok(["import", RID, csv, "--source", "Scopus"], root)
    for doi in ("10.5555/w.1", "10.5555/w.2"):
        _ok(["decide", RID, doi, "exclude", "--reason", "1"], root)
    ws = open_workspace(resolve(root))
    time.sleep(1.1)
    first = datetime.now(UTC)
    write_reports(ws, [RID], ["nl", "en"], ["md"], now=first)
    _ok(["import", RID, _csv(tmp_path / "three.csv", [("10.5555/w.3", "Study three of school time")]),
         "--source", "ERIC"], root)
    write_reports(ws, [RID], ["nl", "en"], ["md"], now=first + timedelta(days=1))
    nl = (root / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")
    en = (root / "reviews" / RID / "summary.en.md").read_text(encoding="utf-8")
    # nothing passed title and abstract: no full text was read, so none can have failed it
    assert "volledige tekst voldoet" not in nl and "no study meets" not in en
    assert ("Nog geen van de beoordeelde publicaties kwam door de eerste selectie; er is dus nog geen volledige "
            "tekst gelezen.") in nl
    assert "None of the records screened so far passed the first selection, so no full text has been read" in en
    assert "is er niet in OpenAlex gezocht en is er 1 bestand geïmporteerd" in nl
    assert "OpenAlex was not searched and 1 file was imported" in en
    assert "is er geen nieuwe studie opgenomen" in nl and "no new study was included" in en
    assert "Er is nog geen volledige tekst beoordeeld." in nl
    assert "geen enkele ging door naar de volledige tekst en 2 zijn uitgesloten. Er wacht er nog 1." in nl
    assert " 0 " not in nl.split("## Voortgang")[1].split("\n## ")[0]
    assert "onderwijs., " not in nl and ".." not in nl.split("Programmadoelen:")[1].split("\n")[0]
    assert "| two.csv |" in nl and str(tmp_path) not in nl
    for text in (nl, en):
        body = re.sub(r"```.*?```", "", text, flags=re.S)
        starts = re.findall(r"(?:^|[.!?]\s)(\d[\d.,]*\s+[a-z]+)", body, flags=re.M)
        assert not [s for s in starts if not re.match(r"\d+\.\s", s)], starts


def test_short_references_name_both_of_two_authors_and_the_first_of_more():
    from types import SimpleNamespace

    from lsr.report.summary import short_reference

    def ref(authors: list[str], lang: str) -> str:
        study = SimpleNamespace(record=SimpleNamespace(year=2018, title="A trial."), authors=authors)
        return short_reference(study, lang)[0]

    assert ref(["Johnson, J.", "Smit, K."], "nl") == "Johnson en Smit (2018). A trial."
    assert ref(["Johnson, J.", "Smit, K."], "en") == "Johnson & Smit (2018). A trial."
    assert ref(["Johnson, J.", "Smit K", "Bos, A."], "nl").startswith("Johnson e.a. (2018)")
    assert ref(["Jan de Vries"], "en").startswith("De Vries (2018)")  # family names as written, whatever the form


def test_full_references_give_every_author_in_one_form():
    """Sources write authors as "Smith, John A.", "John A. Smith" or "Hindle P" (PubMed); a reference list
    that mixes them reads as careless, so every author is shown as family name plus initials."""
    from types import SimpleNamespace

    from lsr.report.summary import reference

    record = SimpleNamespace(year=2018, title="A trial.", venue="Journal", doi="10.5555/x", openalex_id=None,
                             is_retracted=False)
    authors = ["Smith, John A.", "Peter Hindle", "Hindle P", "Erica van den Akker", "Jean-Pierre Dupont",
               "Nederlands Jeugdinstituut"]
    text = reference(SimpleNamespace(record=record, authors=authors), "nl")[0]
    assert text.startswith("Smith JA, Hindle P, Hindle P, van den Akker E, Dupont JP, Nederlands Jeugdinstituut "
                           "(2018). A trial. Journal.")
    seven = reference(SimpleNamespace(record=record, authors=[*authors, "Bos A"]), "en")[0]
    assert "Nederlands Jeugdinstituut, et al. (2018)" in seven and "Bos" not in seven


def test_included_sentence_says_what_is_true_before_any_full_text(tmp_path):
    """No record found, or every record excluded on title and abstract: no full text was ever read, so the
    summary must not say that no study met the criteria after reading it."""
    root = make_workspace(tmp_path / "ws", known_studies=("10.5555/known.1",))
    ws = open_workspace(resolve(root))
    write_reports(ws, [RID], ["nl", "en"], ["md"], now=datetime.now(UTC))
    nl = (root / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")
    en = (root / "reviews" / RID / "summary.en.md").read_text(encoding="utf-8")
    assert "Er zijn nog geen publicaties gevonden." in nl and "volledige tekst voldoet" not in nl
    assert "No records have been found yet." in en and "no study meets" not in en
    csv = _csv(tmp_path / "one.csv", [("10.5555/x.1", "Study one of school time")])
    _ok(["import", RID, csv, "--source", "Scopus"], root)
    _ok(["decide", RID, "10.5555/x.1", "exclude", "--reason", "1"], root)
    write_reports(open_workspace(resolve(root)), [RID], ["nl", "en"], ["md"], now=datetime.now(UTC))
    nl = (root / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")
    en = (root / "reviews" / RID / "summary.en.md").read_text(encoding="utf-8")
    assert ("Geen van de gevonden publicaties kwam door de eerste selectie; er is dus nog geen volledige tekst "
            "gelezen.") in nl
    assert "None of the records found passed the first selection, so no full text has been read." in en
    # only imports: the plan to search is said as a plan, the stopping text names imports, and the known
    # study is "not checked yet" in plain Dutch
    assert ("Het plan is de zoekvraag maandelijks in OpenAlex uit te voeren; dat is nog niet gebeurd. Alle "
            "publicaties komen tot nu toe uit geïmporteerde bestanden (Scopus).") in nl
    assert "wordt maandelijks opnieuw uitgevoerd" not in nl
    assert "The plan is to run the search in OpenAlex monthly; that has not happened yet." in en
    assert "binnen wat de imports opleverden, is niets overgeslagen" in nl
    assert "nothing the imports returned was skipped" in en
    assert ("Controle van de zoekvraag: 1 studie waarvan we weten dat die gevonden moet worden; dit is nog niet "
            "gecontroleerd, omdat er nog geen zoekactie in OpenAlex is afgerond.") in nl
    write_reports(open_workspace(resolve(root)), None, ["nl"], ["md"], now=datetime.now(UTC))
    portfolio = (root / "reviews" / "portfolio.nl.md").read_text(encoding="utf-8")
    assert "| Laatste zoekactie of import |" in portfolio
    row = next(line for line in portfolio.splitlines() if line.startswith("| [Test review"))
    assert row.endswith(" (import) |")
    assert re.search(r"protocolversie van \d+ [a-z]+ \d{4}", portfolio)


def test_a_protocol_version_that_is_not_a_date_is_not_written_as_one():
    """'Protocolversie van 1' reads as a date that is missing; a label such as '1' or 'v2.1' is named as a
    label, a date version as a date."""
    from lsr.report.texts import version_phrase

    assert version_phrase("1", "nl", start=True) == "Protocolversie 1"
    assert version_phrase("v2.1", "en") == "protocol version v2.1"
    assert version_phrase("2026-11-23", "nl") == "protocolversie van 23 november 2026"
    assert version_phrase("2026-11-23", "en", start=True) == "Protocol version of 23 November 2026"


def test_the_amendments_section_names_a_single_label_version_without_van(tmp_path):
    root = make_workspace(tmp_path / "ws")
    proto = root / "protocols" / f"{RID}.toml"
    proto.write_text(re.sub(r'(?m)^version = .*$', 'version = "1"', proto.read_text(encoding="utf-8")),
                     encoding="utf-8")
    write_reports(open_workspace(resolve(root)), [RID], ["nl", "en"], ["md"], now=datetime.now(UTC))
    nl = (root / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")
    en = (root / "reviews" / RID / "summary.en.md").read_text(encoding="utf-8")
    # the amendments sentence only: the header's date ("stand van 1 december", "as of 15 May") may hold "van 1"
    [nl_line] = [ln for ln in nl.splitlines() if "er is één versie, 1 (" in ln]
    [en_line] = [ln for ln in en.splitlines() if "there is one version, 1 (" in ln]
    assert "van 1" not in nl_line and "Protocolversie 1. Thema" in nl
    assert "of 1 " not in en_line and "Protocol version 1. Theme" in en
