"""The ``lsr status`` table as plain text fitted to the terminal (no rich: it costs more to import than
the whole status takes to compute).

Names are never cut: on a narrow terminal they wrap (after a hyphen where possible), "last update" and then
"excl." are the first columns to go, and below ~70 columns each review becomes a block of its own. The stopping and
conflicts columns are always shown. Output to a pipe or a file has one line per review, whatever its width.
"""

from __future__ import annotations

import re
import textwrap

HEADS = ("review", "records", "screened", "incl.", "excl.", "studies", "queue", "confl.", "stopping", "last update",
         "next")
"""``incl.``/``excl.``: title-and-abstract decisions; ``studies``: included after full text, the number the
reports give as included studies; ``last update``: its date and ``+N`` records it found new."""
DROPPED_FIRST = (HEADS.index("last update"), HEADS.index("excl."))  # excl. = screened - incl. - maybe
RIGHT = {1, 2, 3, 4, 5, 6, 7}  # the counts
MIN_NAME = 11
NBSP = "\u00a0"  # textwrap breaks lines at ASCII spaces only


def stopping_cell(state: dict | None) -> str:
    """The stopping rule's verdict in a few characters: ``met``, ``not met`` (with the recall we are
    sure of), or ``no rule``."""
    if not state or (state.get("rule") or "none") == "none":
        return "no rule"
    if state.get("met"):
        return "met"
    recall = state.get("estimated_recall")
    return f"not met ({recall:.0%})" if recall is not None else "not met"


def _last_update(review: dict) -> str:
    """``2026-11-30 +54``: the last update's date and the records it found new (none: the date alone)."""
    new = review.get("new_in_last_update")
    return (review["last_update"] or "never")[:10] + (f" +{new}" if new and review["last_update"] else "")


def status_rows(doc: dict) -> list[list[str]]:
    """One row of cells per review of an ``lsr status --json`` document, disabled reviews last."""
    rows = [[r["id"], str(r["records"]), str(r["screened"]), str(r["included"]), str(r["excluded"]),
             str((r.get("fulltext") or {}).get("included", 0)), str(r["unscreened"]), str(r.get("conflicts") or 0), stopping_cell(r.get("stopping")),
             _last_update(r), "due now" if r["due"] else (r["next_update"] or "")[:10]]
            for r in doc["reviews"]]
    return rows + [[d["id"], *["-"] * (len(HEADS) - 2), "disabled"] for d in doc.get("disabled", [])]


def status_lines(doc: dict, width: int | None) -> list[str]:
    """The table's lines; ``width`` None (a pipe or a file) means as wide as the content."""
    rows = status_rows(doc)
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(HEADS)]
    shown = list(range(len(HEADS)))

    def room(columns: list[int]) -> int:
        return sum(widths[i] + 1 for i in columns) - 1

    for column in DROPPED_FIRST:
        if width is not None and room(shown) > width:
            shown.remove(column)
    title = f"lsr · {doc['workspace']}"
    # the name column must hold a name's longest hyphen-separated part, or the name would be cut mid-word
    narrowest = max([MIN_NAME] + [len(part) for row in rows for part in re.findall(r"[^-]+-?", row[0])])
    if width is not None and room(shown[1:]) + 1 + narrowest > width:  # too narrow for columns
        lines = [title]
        for row in rows:
            lines.append(row[0])
            cells = " · ".join(f"{HEADS[i]} {row[i]}".replace(" ", NBSP) for i in shown[1:])  # kept whole
            lines += [line.replace(NBSP, " ") for line in textwrap.wrap(
                cells, max(width - 2, 20), initial_indent="  ", subsequent_indent="  ")]
        return lines
    if width is not None:
        widths[0] = max(min(widths[0], width - room(shown[1:]) - 1), narrowest)

    def line(cells: list[str]) -> str:
        out = [cells[i].rjust(widths[i]) if i in RIGHT else cells[i].ljust(widths[i]) for i in shown]
        return " ".join(out).rstrip()

    lines = [title, line(list(HEADS))]
    for row in rows:
        names = textwrap.wrap(row[0], widths[0], break_on_hyphens=True, break_long_words=True) or [""]
        lines.append(line([names[0], *row[1:]]))
        lines += [name for name in names[1:]]
    return lines
