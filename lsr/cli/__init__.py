"""Command-line interface: the ``lsr`` console script.

``base`` defines the root group; each sibling module holds one command or command group and registers
itself on import, so the full list of command modules is readable here.
"""

# ruff: noqa: I001, E402, F401
from __future__ import annotations

from lsr.cli.base import main

from lsr.cli import core_commands  # protocols, status, export
from lsr.cli import backup_cmd
from lsr.cli import demo_cmd
from lsr.cli import import_cmd  # import
from lsr.cli import update_cmd  # update, schedule
from lsr.cli import openalex_serve  # noqa: E402,F401
from lsr.cli import screen_cmd  # screen
from lsr.cli import report_cmd  # report
from lsr.cli import conflicts_cmd  # conflicts, resolve
from lsr.cli import simulate  # noqa: E402,F401
from lsr.cli import synthesis_cmd  # extract, synthesis

__all__ = ["main"]
