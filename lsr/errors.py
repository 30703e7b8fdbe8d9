"""The one error type the core raises for expected problems.

The CLI prints ``LsrError`` as a single line on stderr and exits 1; the TUI shows it in a notification.
Anything else escaping the core is a bug and keeps its traceback.
"""

from __future__ import annotations


class LsrError(Exception):
    """An expected, user-facing problem: bad input, missing workspace, unreachable server.

    Args:
        message: one line saying what is wrong and, where possible, what to do.
        title: a short heading for UIs that show one (defaults to "lsr").
    """

    def __init__(self, message: str, title: str = "lsr") -> None:
        super().__init__(message)
        self.message = message
        self.title = title

    def __str__(self) -> str:
        return self.message
