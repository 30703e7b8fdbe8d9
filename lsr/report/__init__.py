"""Reports for a living review: PRISMA 2020 flow diagrams, evidence summaries (nl/en, Markdown and HTML),
plots and the NPHLN portfolio overview.

The entry point is ``write_reports`` (used by ``lsr report`` and the Textual app). The package is core
code: it imports neither click nor textual. Modules: ``rounds`` (what an update round is, the report log),
``prisma`` (the counts), ``collect`` (reading one review), ``flow_svg`` and ``plots`` (figures), ``texts``
and ``prose`` (language), ``summary`` and ``portfolio`` (documents), ``document`` and ``style`` (rendering),
``writer`` (files).
"""

from __future__ import annotations

__all__ = ["write_reports"]


def __getattr__(name: str):
    # Lazy, so that importing a light module (``lsr.report.rounds``) does not load matplotlib.
    if name == "write_reports":
        from lsr.report.writer import write_reports

        return write_reports
    raise AttributeError(f"module 'lsr.report' has no attribute {name!r}")
