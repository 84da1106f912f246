"""The one exception family of nncli: every problem with user input is an NncliError.

The core raises these where the problem is found, with the location in the user's file
when there is one; the command line turns them into ``Error: <message>`` and exit code 1.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Mark:
    """A position in a user's file: 1-based line and column, as editors show them."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        if self.column is None:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"


class NncliError(Exception):
    """A problem with the user's config, input or data (exit code 1 on the command line).

    ``str(error)`` is one line: ``path:line:column: message`` when a mark is known,
    otherwise just the message.
    """

    def __init__(self, message: str, mark: Mark | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark

    def __str__(self) -> str:
        if self.mark is None:
            return self.message
        return f"{self.mark}: {self.message}"


class ConfigError(NncliError):
    """The network config (YAML, or a weights file it names) is invalid."""


class InputError(NncliError):
    """An input row, input file or label file is invalid."""


class ActivationError(NncliError):
    """An unknown activation name or parameter, or a bad parameter value.

    ``param`` names the parameter at fault (an unknown one, or one whose value is bad), so
    that a config can point at it; None when the activation's name is at fault.
    """

    def __init__(self, message: str, mark: Mark | None = None, param: str | None = None) -> None:
        super().__init__(message, mark)
        self.param = param


def closest(name: str, candidates: "list[str] | tuple[str, ...] | set[str]") -> str | None:
    """The candidate most similar to ``name`` (difflib ratio >= 0.6), or None."""
    by_lower = {c.lower(): c for c in sorted(candidates)}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    matches = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[matches[0]] if matches else None


def did_you_mean(name: str, candidates: "list[str] | tuple[str, ...] | set[str]") -> str:
    """`` (did you mean 'x'?)`` when a close candidate exists, else the empty string."""
    match = closest(name, candidates)
    return f" (did you mean '{match}'?)" if match else ""


def plural(n: int, noun: str) -> str:
    """``n`` and ``noun``, with an s unless n is 1: ``plural(1, "row")`` is "1 row", ``plural(3, "value")`` "3 values"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
