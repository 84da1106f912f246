"""Parsing a row of numbers typed by a person: "1.0, 0.5", "1 2 3", "-inf,nan"."""

from __future__ import annotations

import re

from nncli.errors import InputError, Mark

_TOKEN = re.compile(r"[^,\s]+")


def parse_row(text: str, where: str) -> list[float]:
    """The numbers in ``text``, separated by commas and/or white space.

    ``inf``, ``-inf`` and ``nan`` are accepted (any case). Raises InputError naming
    ``where`` and the column of the first bad token; an empty row is an error.
    """
    values: list[float] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        try:
            values.append(float(token))
        except ValueError:
            raise InputError(f"'{token}' is not a number", Mark(where, 1, match.start() + 1)) from None
    if not values:
        raise InputError("empty row: expected numbers separated by commas or spaces", Mark(where))
    return values
