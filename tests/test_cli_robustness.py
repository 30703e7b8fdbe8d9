"""CLI robustness for a new user: bad configuration, misplaced options and misused flags each give one
clear line and a proper exit code, never a traceback or a silently wrong result."""

from __future__ import annotations

import json

import pytest

from lsr.settings import resolve
from tests.helpers import make_workspace, run, status_json


@pytest.mark.parametrize(("url", "message"), [
    ("garbage", "LSR_DATABASE_URL is not a database URL: 'garbage'"),
    ("user:secret@host/db", "LSR_DATABASE_URL is not a database URL: 'user:***@host/db'"),
    ("sqlite://x:y", "LSR_DATABASE_URL is not a valid database URL"),
    ("mysql://u:secret@h/db", "unsupported database 'mysql': lsr works with SQLite or PostgreSQL"),
    ("postgresql+nosuchdriver://u:secret@h/db", "cannot be used"),
])
def test_an_unusable_database_url_is_one_line(tmp_path, monkeypatch, url, message):
    make_workspace(tmp_path)
    monkeypatch.setenv("LSR_DATABASE_URL", url)
    result = run(["status"], tmp_path)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "secret" not in result.output


def test_the_libpq_postgres_spelling_is_read_as_postgresql_with_psycopg(tmp_path, monkeypatch):
    monkeypatch.setenv("LSR_DATABASE_URL", "postgres://lsr:secret@127.0.0.1:1/lsr")
    assert resolve(tmp_path).database_url == "postgresql+psycopg://lsr:secret@127.0.0.1:1/lsr"
    make_workspace(tmp_path)
    result = run(["status"], tmp_path)  # nothing listens on port 1: a connection error, not a missing plugin
    assert result.exit_code == 1
    assert "cannot open database postgresql+psycopg://lsr:***@127.0.0.1:1/lsr" in result.stderr


def labelled_csv(path, includes: list[int], n: int = 30, year=lambda i: 2000 + i):
    """A labelled CSV as `asreview simulate` takes it: rows ``includes`` are inclusions about tutoring."""
    words = "survey cohort registry outcome policy teachers pupils hospital region cost quality data".split()
    rows = ["title,abstract,publication_year,label_included"]
    for i in range(n):
        text = " ".join(words[(i + k) % len(words)] for k in range(8))
        if i in includes:
            text += " tutoring reading gains"
        rows.append(f"Study {i},{text},{year(i)},{int(i in includes)}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def simulate_json(tmp_path, *args):
    out = tmp_path / "out.json"
    result = run(["simulate", *map(str, args), "--quiet", "--json", out])
    return result, (json.loads(out.read_text()) if out.exists() else None)


def test_simulate_max_records_is_never_exceeded(tmp_path):
    # 2 inclusions and 28 exclusions to 20: both classes' shares round up (2 + 19) unless one is given back
    data = labelled_csv(tmp_path / "two_in_thirty.csv", includes=[3, 17])
    result, doc = simulate_json(tmp_path, data, "--mode", "full", "--max-records", 20)
    assert result.exit_code == 0, result.output
    [run_] = doc["runs"]
    assert run_["n_records"] == 20 and run_["n_included"] == 2
    assert run_["dataset"] == "two_in_thirty[20]"


def test_simulate_explains_empty_runs_keeps_them_out_of_the_mean_and_never_cuts_names(tmp_path):
    # all inclusions among the earliest records: the update batch (the later half) has none to find
    early = labelled_csv(tmp_path / "a_review_whose_name_is_rather_long_early.csv", includes=[0, 2, 4])
    spread = labelled_csv(tmp_path / "a_review_whose_name_is_rather_long_spread.csv", includes=[2, 9, 20, 27])
    result, doc = simulate_json(tmp_path, early, spread, "--mode", "update")
    assert result.exit_code == 0, result.output
    table = run(["simulate", early, spread, "--mode", "update", "--quiet"]).stdout
    assert "a_review_whose_name_is_rather_long_early " in table
    assert "a_review_whose_name_is_rather_long_spread " in table
    assert "-: no inclusion to find in the screened batch" in table
    assert "1 such run(s), left out of the mean rows" in table
    mean = next(r for r in doc["summary"] if r["dataset"] == "mean")
    assert (mean["runs"], mean["empty_runs"]) == (1, 1)
    assert any(line.startswith("mean ") and line.split()[2] == "1" for line in table.splitlines())


def test_simulate_refuses_an_unknown_baseline_with_the_models(tmp_path):
    data = labelled_csv(tmp_path / "d.csv", includes=[3, 17])
    result = run(["simulate", data, "--baseline", "elas-u4"])
    assert result.exit_code == 2
    assert "'elas-u4' is not one of 'default', 'elas_u4', 'random'" in result.stderr


def test_ctrl_c_during_simulate_keeps_the_finished_runs(tmp_path, monkeypatch):
    import lsr.ranking.simulate as sim

    real, calls = sim.run_once, []

    def interrupted_on_the_third_run(*args, **kwargs):  # what Ctrl-C does half-way through
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(sim, "run_once", interrupted_on_the_third_run)
    data = labelled_csv(tmp_path / "d.csv", includes=[3, 11, 17, 25])
    out = tmp_path / "x.json"
    result = run(["simulate", data, "--mode", "full", "--seeds", "4", "--quiet", "--json", out])
    assert result.exit_code == 130
    assert "mode: full, seeds: 4" in result.stdout and "\nd " in result.stdout
    assert result.stderr.strip().splitlines()[-1] == (
        "lsr simulate: interrupted after 2 of 4 run(s); the results above are those runs only")
    doc = json.loads(out.read_text())
    assert len(doc["runs"]) == 2 and doc["interrupted"] is True and doc["planned_runs"] == 4


@pytest.mark.parametrize("label", ["include", "maybe"])
def test_a_reason_with_include_or_maybe_is_a_usage_error(tmp_path, label):
    make_workspace(tmp_path)
    for command in (["decide"], ["resolve"]):
        result = run([*command, "test-review", "1", label, "--reason", "1"], tmp_path)
        assert result.exit_code == 2, result.output
        assert f"--reason is for exclusions (exclusion reasons, PRISMA): not with {label}" in result.stderr


@pytest.mark.parametrize(("args", "hint"), [
    (["decide", "test-review", "1", "include", "--reviewer", "anna"],
     "--reviewer is an option of lsr itself and goes before the command: lsr --reviewer anna decide ..."),
    (["status", "--workspace=/some/dir"],
     "--workspace is an option of lsr itself and goes before the command: lsr --workspace /some/dir status ..."),
    (["protocols", "check", "-w", "my ws"],
     "-w is an option of lsr itself and goes before the command: lsr -w 'my ws' protocols check ..."),
])
def test_a_global_option_after_the_command_says_where_it_goes(tmp_path, args, hint):
    make_workspace(tmp_path)
    result = run(args, tmp_path)
    assert result.exit_code == 2
    assert f"No such option '{args[-2] if '=' not in args[-1] else '--workspace'}'. {hint}" in result.stderr
    misspelt = run(["status", "--jsno"], tmp_path)  # not a global option: click's own message
    assert misspelt.exit_code == 2 and "option of lsr itself" not in misspelt.stderr


def test_lsr_without_a_command_and_without_a_terminal_does_not_start_the_app(tmp_path, monkeypatch):
    import lsr.cli.app_launch

    started = []
    monkeypatch.setattr(lsr.cli.app_launch, "launch_home", lambda ws: started.append(ws))
    result = run([], make_workspace(tmp_path))  # CliRunner: stdin and stdout are not terminals
    assert started == []
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: the screening app (lsr without a command) needs a terminal; in scripts and cron use a command, "
        "e.g. `lsr status` for the counts per review")


def test_backup_keeps_an_existing_file_unless_forced(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    target = tmp_path / "b.sqlite"
    assert run(["backup", target], ws).exit_code == 0
    target.write_bytes(b"an earlier backup")
    result = run(["backup", target], ws)
    assert result.exit_code == 1
    assert f"{target} exists: give --force to overwrite it" in result.stderr
    assert target.read_bytes() == b"an earlier backup"
    assert run(["backup", target, "--force"], ws).exit_code == 0
    assert target.read_bytes().startswith(b"SQLite format 3")


def test_schedule_no_enable_without_install_is_a_usage_error(tmp_path):
    result = run(["schedule", "--no-enable"], make_workspace(tmp_path))
    assert result.exit_code == 2
    assert "--no-enable goes with --install" in result.stderr


def test_a_truncated_zip_is_called_damaged_not_a_word_file(tmp_path):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.json", '{"version": "2.0"}' + " " * 4000)
        archive.writestr("data/records.csv", "title\n" + "A study of schools\n" * 500)
    whole = buffer.getvalue()
    cut = tmp_path / "trunc.asreview"
    cut.write_bytes(whole[: len(whole) // 2])  # `head -c` of a project file
    result = run(["import", "test-review", cut], make_workspace(tmp_path / "ws"))
    assert result.exit_code == 1
    assert f"{cut}: a damaged or truncated zip archive" in result.stderr
    assert "Word file" not in result.stderr


def test_a_review_whose_protocol_file_is_missing_is_named_with_its_records(tmp_path):
    ws = make_workspace(tmp_path, ("kept", "moved"))
    ris = tmp_path / "two.ris"
    ris.write_text("TY  - JOUR\nTI  - Tutoring and reading gains\nPY  - 2020\nER  - \n"
                   "TY  - JOUR\nTI  - School day length and achievement\nPY  - 2021\nER  - \n", encoding="utf-8")
    assert run(["import", "moved", ris], ws).exit_code == 0
    (ws / "protocols" / "moved.toml").rename(tmp_path / "moved.toml")
    for args in (["export", "moved"], ["decide", "moved", "1", "include"], ["report", "moved"]):
        result = run(args, ws)
        assert result.exit_code == 1, args
        assert (f"the database holds review 'moved' (2 records) but {ws / 'protocols' / 'moved.toml'} is missing"
                in result.stderr), args
    assert "unknown review 'other'" in run(["export", "other"], ws).stderr


def test_extract_refusal_lists_every_problem_up_to_twenty(tmp_path):
    import csv

    from tests.test_import_extraction import BCG

    ws = make_workspace(tmp_path / "ws")
    header, *rows = list(csv.reader(BCG.open(encoding="utf-8")))
    rows = [list(row) for row in (rows * 2)[:25]]
    for i, row in enumerate(rows):
        row[header.index("record")] = f"10.5555/none.{i}"
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    result = run(["extract", "test-review", "--import", bad], ws)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Error: 25 problems; nothing was imported:"
    assert lines[1:21] == [f"  {bad}: line {i + 2}: record: no record '10.5555/none.{i}' in review test-review"
                           for i in range(20)]
    assert lines[21:] == ["  and 5 more"]


def test_demo_refuses_a_workspace_that_already_holds_its_review(tmp_path):
    ws = make_workspace(tmp_path / "ws", ("demo-sep-2021",))  # as a first `lsr demo --dataset Sep_2021` left it
    ris = tmp_path / "one.ris"
    ris.write_text("TY  - JOUR\nTI  - Tutoring and reading gains\nPY  - 2020\nER  - \n", encoding="utf-8")
    assert run(["import", "demo-sep-2021", ris], ws).exit_code == 0
    result = run(["--workspace", ws, "demo", "--dataset", "Sep_2021", "--no-screen"])
    assert result.exit_code == 1
    assert (f"{ws} already holds the demo review demo-sep-2021 (1 record); building it again would count its "
            f"searches twice. Open it with `lsr --workspace {ws} screen demo-sep-2021`") in result.stderr
    assert status_json(ws)["reviews"][0]["search_runs"] == 0


@pytest.mark.slow  # two whole demos
def test_demo_run_twice_keeps_the_counts_of_one(tmp_path):
    ws = tmp_path / "demo"
    assert run(["--workspace", ws, "demo", "--dataset", "Sep_2021", "--no-screen"]).exit_code == 0
    before = status_json(ws)["reviews"][0]
    again = run(["--workspace", ws, "demo", "--dataset", "Sep_2021", "--no-screen"])
    assert again.exit_code == 1 and "already holds the demo review demo-sep-2021" in again.stderr
    assert status_json(ws)["reviews"][0] == before


def test_demo_lists_the_local_datasets_for_a_misspelt_name(tmp_path):
    result = run(["--workspace", tmp_path / "d", "demo", "--dataset", "Sep2021", "--no-screen"])
    assert result.exit_code == 1
    assert "dataset 'Sep2021' not found under SYNERGY_PATH=" in result.stderr
    assert "did you mean 'Sep_2021'? (datasets there: Donners_2021, Jeyaraman_2020, " in result.stderr
    assert not (tmp_path / "d").exists()


def test_demo_offline_says_the_download_failed_and_leaves_no_cache_here(tmp_path, monkeypatch):
    import os
    import subprocess

    import lsr.search.synergy

    ran_in = []

    def offline(cmd, **kwargs):  # what the downloader does without a network
        ran_in.append(kwargs.get("cwd"))
        raise subprocess.CalledProcessError(1, cmd, stderr=(
            "Traceback (most recent call last):\n  File \"x\", line 1\n"
            "requests.exceptions.RequestException: Giving up on https://dataverse.nl/api after 3 attempts: "
            "HTTPSConnectionPool(host='dataverse.nl', port=443): Max retries exceeded with url: /api\n"))

    monkeypatch.delenv("SYNERGY_PATH")
    monkeypatch.setattr(lsr.search.synergy.subprocess, "run", offline)
    result = run(["--workspace", tmp_path / "d", "demo", "--dataset", "Sep_2021", "--no-screen"])
    assert result.exit_code == 1
    assert ("SYNERGY_PATH is not set); downloading the SYNERGY release from dataverse.nl failed: no connection "
            "(no internet?); point SYNERGY_PATH at a local copy of the SYNERGY release") in result.stderr
    assert ran_in and ran_in[0] is not None and os.path.abspath(ran_in[0]) != os.getcwd()


def test_output_to_a_device_or_pipe_is_written_into_not_replaced(tmp_path):
    """``lsr export -o /dev/null`` (as root) renamed a temporary file over /dev/null, so the device became a
    regular file for every program on the machine. A destination that is not a regular file is written into
    directly (a named pipe stands in for the device here); a backup is refused, since it must be a file."""
    import os
    import stat
    import threading

    ws = make_workspace(tmp_path / "ws")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run(["export", "test-review", "--format", "csv", "--output", fifo], ws)
    reader.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert received and received[0].startswith(b"lsr_id,openalex_id,doi,")
    assert not list(tmp_path.glob(".pipe*"))  # no temporary file left beside it
    result = run(["backup", fifo, "--force"], ws)
    assert result.exit_code == 1 and "is not a regular file" in result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
