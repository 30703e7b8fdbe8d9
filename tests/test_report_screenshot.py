"""The HTML summary rendered by headless Chromium at phone and desktop widths must not be a blank page.

Chromium is Debian's package, installed by ``.ci/services.sh``; the test is skipped (saying why) only when
it is not there. Rendering does not depend on the database, so the PostgreSQL variant is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from lsr.report import write_reports
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.test_report_prisma import NOW, REPORT_1, RID, build_review

pytestmark = [pytest.mark.both_backends, pytest.mark.slow]  # drives Chromium

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def screenshot(page: Path, png: Path, width: int, height: int, profile: Path) -> Image.Image:
    """Render ``page`` with headless Chromium into ``png`` (offline: no network, no first-run, no sync)."""
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        f"--window-size={width},{height}",
        page.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert png.exists(), f"chromium wrote no screenshot (exit {proc.returncode}): {proc.stderr[-500:]}"
    return Image.open(png).convert("RGB")


def ink(image: Image.Image) -> tuple[float, int]:
    """Share of pixels that are not (near) white, and the number of distinct colours."""
    dark = sum(image.convert("L").histogram()[:235])
    colours = image.getcolors(maxcolors=1 << 20)
    return dark / (image.width * image.height), len(colours) if colours else 1 << 20


@pytest.fixture
def chromium():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(
            "headless Chromium is not installed (.ci/services.sh installs Debian's `chromium`; "
            "it could not be installed here)"
        )
    return CHROMIUM


def test_summary_renders_at_phone_and_desktop_width(tmp_path, chromium, db_backend):
    if db_backend != "sqlite":
        pytest.skip("rendering does not depend on the database backend")
    blank = tmp_path / "blank.html"
    blank.write_text('<!DOCTYPE html><html lang="nl"><body></body></html>', encoding="utf-8")
    share, colours = ink(screenshot(blank, tmp_path / "blank.png", 390, 900, tmp_path / "profile"))
    assert share < 0.001 and colours <= 2, "the blank-page detector must flag an empty page"

    root, _ = build_review(tmp_path)
    ws = open_workspace(resolve(root))
    write_reports(ws, [RID], formats=["html"], now=REPORT_1)
    write_reports(ws, [RID], formats=["html"], now=NOW)
    rdir = root / "reviews" / RID
    for lang, (width, height) in (("nl", (390, 2600)), ("en", (1280, 2000))):
        image = screenshot(
            rdir / f"summary.{lang}.html", tmp_path / f"{lang}.png", width, height, tmp_path / "profile"
        )
        assert image.size == (width, height)
        share, colours = ink(image)
        assert share > 0.03, f"{lang} at {width}px looks blank ({share:.1%} ink)"
        assert colours > 50, f"{lang} at {width}px has only {colours} colours: no text or figures rendered"
        top_share, _ = ink(image.crop((0, 0, width, 160)))
        assert top_share > 0.01, f"{lang} at {width}px: no title at the top of the page"
        # The page must fit the width: nothing drawn in a right-hand strip beyond the content column.
        right_share, _ = ink(image.crop((width - 6, 0, width, height)))
        assert right_share < 0.02, f"{lang} at {width}px: content runs off the right edge"


PHASE_PROBE = """<script>
const out = [];
for (const svg of document.querySelectorAll('svg')) {
  const frame = svg.getBoundingClientRect();
  for (const t of svg.querySelectorAll('[data-phase]')) {
    const r = t.getBoundingClientRect(), band = t.previousElementSibling.getBoundingClientRect();
    out.push([t.dataset.phase, r.top >= band.top - 0.5 && r.bottom <= band.bottom + 0.5
              && r.top >= frame.top && r.bottom <= frame.bottom && r.height > 20]);
  }
}
document.body.setAttribute('data-fits', JSON.stringify(out));
</script>"""


def test_rotated_phase_labels_of_the_prisma_diagram_are_never_cut(tmp_path, chromium):
    """Chromium lays the diagrams out with its real fonts; every rotated label lies inside its band and the
    drawing (a one-box "Included" phase once showed "ncluded")."""
    import json
    import re
    from collections import Counter

    from lsr.report.flow_svg import flow_svg
    from lsr.report.prisma import Flow, RoundCounts
    from lsr.report.rounds import Round

    earlier = RoundCounts(Round(0, None, None), databases=Counter(OpenAlex=50), records=40, screened=40,
                          ta_included=5, ta_excluded=35, ft_included=3)
    current = RoundCounts(Round(1, None, None), databases=Counter(OpenAlex=3), records=3, screened=3,
                          ta_included=1, ta_excluded=2, ft_included=1)
    svgs = [flow_svg(flow, lang, with_previous=prev, narrow=narrow, uid=f"f{i}")
            for i, (flow, prev) in enumerate(((Flow([earlier, current]), True), (Flow([current]), False)))
            for lang in ("en", "nl") for narrow in (False, True)]
    page = tmp_path / "flows.html"
    page.write_text(f"<!DOCTYPE html><html><body>{''.join(svgs)}{PHASE_PROBE}</body></html>", encoding="utf-8")
    proc = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=90)
    found = re.search(r'data-fits="([^"]*)"', proc.stdout)
    assert found, f"chromium returned no layout (exit {proc.returncode}): {proc.stderr[-500:]}"
    fits = json.loads(found.group(1).replace("&quot;", '"'))
    assert len(fits) == 3 * len(svgs)
    assert [label for label, ok in fits if not ok] == []


TABLE_PROBE = """<script>
window.addEventListener('load', () => {
  const out = [];
  for (const t of document.querySelectorAll('table')) {
    out.push([t.rows[0].cells[0].textContent, Math.round(t.getBoundingClientRect().width),
              Math.round(t.parentElement.clientWidth)]);
  }
  document.body.setAttribute('data-tables', JSON.stringify(out));
});
</script>"""
LONG_QUERY = ('(cartilage OR chondral OR osteochondral) AND knee AND (microfracture OR "mesenchymal stem cells" OR '
              '"bone marrow" OR chondrocyte OR scaffold OR allograft OR "stromal cells" OR mosaicplasty)')


def _table_widths(page: Path, width: int, print_rules: bool, profile: Path) -> list:
    """(first header, table width, width it has) of every table of ``page`` as Chromium lays it out at
    ``width``; ``print_rules``: with the style sheet's print rules applied (A4's text width is 182 mm)."""
    import json
    import re

    html = page.read_text(encoding="utf-8")
    if print_rules:
        html = html.replace("@media print {", "@media all {")
    probe = page.with_name(f"probe-{width}.html")
    probe.write_text(html.replace("</body>", TABLE_PROBE + "</body>"), encoding="utf-8")
    proc = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={width},2000",
                           "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=90)
    found = re.search(r'data-tables="([^"]*)"', proc.stdout)
    assert found, f"chromium returned no layout (exit {proc.returncode}): {proc.stderr[-500:]}"
    return json.loads(found.group(1).replace("&quot;", '"'))


def test_the_search_and_round_tables_fit_the_page_on_screen_and_in_print(tmp_path, chromium, db_backend):
    """A long query breaks inside its cell, so the PRISMA-S table keeps its Status column on a 1200 px
    screen and on A4 (182 mm of text, 688 px); the update rounds table fits too."""
    if db_backend != "sqlite":
        pytest.skip("rendering does not depend on the database backend")
    from sqlmodel import select

    from lsr.models import SearchRun

    root, _ = build_review(tmp_path)
    ws = open_workspace(resolve(root))
    with ws.db.write() as session:
        first = session.exec(select(SearchRun).order_by(SearchRun.id)).first()
        first.query = LONG_QUERY  # an earlier, different query is listed in full in the table
        session.add(first)
    write_reports(ws, [RID], formats=["html"], now=REPORT_1)
    write_reports(ws, [RID], formats=["html"], now=NOW)
    for lang in ("nl", "en"):
        page = root / "reviews" / RID / f"summary.{lang}.html"
        for width, print_rules in ((1200, False), (688, True)):
            tables = _table_widths(page, width, print_rules, tmp_path / "profile")
            assert len(tables) >= 3
            wide = [(head, w, room) for head, w, room in tables if w > room + 1]
            assert wide == [], f"{lang} at {width}px{' (print)' if print_rules else ''}: tables wider than the page"
