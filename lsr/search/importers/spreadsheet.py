"""Reading an Excel workbook (``.xlsx``: a screening list kept in Excel, an export opened and saved in Excel)
as the table it holds, so that every CSV rule (column names, labels, refusals naming the row) applies.

Owned here: recognising an ``.xlsx`` by its bytes (a zip archive holding ``xl/workbook.xml``), choosing the
sheet (the first whose first filled row is a header naming a title, abstract or identifier column), and
writing its rows as CSV text, one line per spreadsheet row, so that a refusal's "line N" is the row number
Excel shows. Cells are written as Excel shows them: whole numbers without ``.0``, dates as ``YYYY-MM-DD``,
``TRUE``/``FALSE``; a line break inside a cell becomes a space; empty cells after a row's last value are
dropped (a formatted but empty column is not a field). openpyxl reads the workbook (read-only; a formula
gives the value Excel last computed). The old binary ``.xls`` is not read: ``decode`` asks for CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from lsr.errors import LsrError
from lsr.search.importers.csv_table import looks_like_csv
from lsr.search.importers.decode import zip_holds


def is_xlsx(data: bytes) -> bool:
    """Whether the bytes are an Excel workbook (an Office Open XML zip with ``xl/workbook.xml``)."""
    return zip_holds(data, "xl/workbook.xml")


def xlsx_as_csv(data: bytes, name: str) -> tuple[str, str]:
    """The chosen sheet as CSV text, and the sheet's name.

    Raises:
        LsrError: the workbook cannot be opened, or no sheet starts with a header lsr can read.
    """
    from openpyxl import load_workbook  # noqa: PLC0415  (only when a workbook is imported)

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001  (openpyxl raises many types for a damaged file)
        raise LsrError(f"{name}: not a readable Excel workbook: {str(exc).splitlines()[0] if str(exc) else exc}") from None
    try:
        for sheet in book.worksheets:
            lines = [_csv_line(row) for row in sheet.iter_rows(values_only=True)]
            header = next((line for line in lines if line.strip(",")), "")
            if looks_like_csv(header):
                return "".join(f"{line}\n" for line in lines), sheet.title
    finally:
        book.close()
    sheets = ", ".join(repr(s) for s in book.sheetnames)
    raise LsrError(f"{name}: no sheet starts with a header naming a title, abstract, doi or pmid column "
                   f"(sheets: {sheets})")


def _csv_line(row: tuple) -> str:
    cells = [_cell_text(v) for v in row]
    while cells and not cells[-1]:
        cells.pop()
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)
