"""Opening a file the user named: one place for "not found", "is a directory", "cannot read" and "empty file"."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from nncli.errors import InputError, Mark, NncliError


def open_user_file(
    path: str | os.PathLike[str],
    what: str = "data file",
    *,
    shown: str | None = None,
    error: type[NncliError] = InputError,
    mark: Mark | None = None,
) -> BinaryIO:
    """``path`` opened for binary reading, or a one-line ``error`` saying why it cannot be.

    The messages read ``SHOWN: file not found``, ``SHOWN: is a directory, not a WHAT``,
    ``SHOWN: cannot read (REASON)`` and ``SHOWN: empty file`` (a regular file of 0 bytes); ``shown`` is the name the
    user typed (default: ``path`` as given) and ``mark``, if given, places the error in the
    file that named ``path`` (a config's line and column). The caller closes the file.
    """
    name = os.fspath(path) if shown is None else shown
    file = Path(path)
    if not file.exists():
        raise error(f"{name}: file not found", mark)
    if file.is_dir():
        raise error(f"{name}: is a directory, not a {what}", mark)
    try:
        handle = open(file, "rb")
    except OSError as err:
        raise error(f"{name}: cannot read ({err.strerror})", mark) from None
    try:
        info = os.fstat(handle.fileno())
    except OSError as err:
        handle.close()
        raise error(f"{name}: cannot read ({err.strerror})", mark) from None
    # A device or a pipe (/dev/zero, <(cmd)) reports size 0: it is read as a stream, which
    # every reader bounds (a line, a JSON document, an array's declared size).
    if stat.S_ISREG(info.st_mode) and info.st_size == 0:
        handle.close()
        raise error(f"{name}: empty file", mark)
    return handle
