"""Sharded inputs: a directory of files, or a quoted glob, read in sorted name order as one sequence of rows.

``-i parts/`` or ``-i 'parts/*.npy'`` (quoted, so that nncli and not the shell expands it)
gives the rows of every file, one file after the other in sorted name order, as if they were
one file: row numbers (``--rows``, ``--index``, the ``index`` of jsonl, messages about bad
values) count across the shards. Every shard must hold rows of the same width and dtype, so
that the sequence is one table; the first that differs is an error naming it.

Each shard is opened (its header read) once up front, to check it and learn its row count,
then closed; reading opens one shard at a time, so a thousand shards hold one open file.
This module opens no file itself: ``nncli.data.inputs`` passes the function that opens one
(which keeps the package free of import cycles).
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from nncli.data.source import InputSource
from nncli.errors import InputError

GLOB_CHARS = frozenset("*?[")

OpenOne = Callable[[str], InputSource]  # opens one shard file (format, key and stdin as given)
KnownFormat = Callable[[Path], "str | None"]  # the format a file name implies, None if none


@dataclass(frozen=True)
class Shard:
    """One file of a sharded input: its path (as found: relative if the pattern was), its
    rows (None for streamed text, whose length is not known up front) and its format."""

    path: str
    rows: int | None
    format: str


def is_sharded(source: str | os.PathLike[str]) -> bool:
    """Whether ``-i``/``--labels`` names shards: an existing directory, or a pattern with
    ``*``, ``?`` or ``[`` that is not itself the name of a file."""
    text = os.fspath(source)
    if text == "-":
        return False
    path = Path(text)
    if path.is_dir():
        return True
    return any(c in GLOB_CHARS for c in text) and not path.exists()


def shard_paths(source: str | os.PathLike[str], known: KnownFormat) -> list[str]:
    """The files of a directory (those whose name implies a format, hidden ones left out) or
    of a glob (every file it matches), sorted by name; InputError when there are none."""
    text = os.fspath(source)
    if Path(text).is_dir():
        found = [str(p) for p in Path(text).iterdir()
                 if p.is_file() and not p.name.startswith(".") and known(p) is not None]
        if not found:
            raise InputError(f"{text}: is a directory with no input files in it (.npy, .npz, IDX, .csv, ...)")
    else:
        found = [p for p in glob.glob(text) if Path(p).is_file()]
        if not found:
            raise InputError(f"{text}: no file matches this pattern")
    return sorted(found)


class ShardedSource(InputSource):
    """The rows of several files as one source (see the module's docstring).

    ``shards`` lists the files in reading order; ``n_rows`` is their total (None when a
    shard is streamed text). ``width``, ``dtype``, ``format`` and ``columns`` are the first
    shard's, and every other shard must have the same width and dtype.
    """

    def __init__(self, name: str, open_one: OpenOne, known: KnownFormat) -> None:
        self.name = name
        self._open_one = open_one
        shards = []
        first: InputSource | None = None
        for path in shard_paths(name, known):
            with open_one(path) as source:
                if first is None:
                    first = source
                    self.width, self.dtype, self.format = source.width, source.dtype, source.format
                    self.columns, self.first_line = source.columns, source.first_line
                elif source.width != self.width:
                    raise InputError(f"{path}: rows have {source.width} values but {shards[0].path} has "
                                     f"{self.width}; every shard of {name} must have the same width")
                elif source.dtype != self.dtype:
                    raise InputError(f"{path}: holds {source.dtype} but {shards[0].path} holds {self.dtype}; "
                                     f"every shard of {name} must have the same dtype")
                shards.append(Shard(path, source.n_rows, source.format))
        self.shards = tuple(shards)
        counts = [shard.rows for shard in shards]
        self.n_rows = None if None in counts else sum(counts)  # type: ignore[arg-type]

    def _batches(self, batch_size: int, start: int, stop: int | None, reuse: bool) -> Iterator[np.ndarray]:
        offset = 0  # global number of the shard's first row
        for shard in self.shards:
            if stop is not None and offset >= stop:
                return
            if shard.rows is not None and offset + shard.rows <= start:
                offset += shard.rows  # wholly before the selection: not even opened
                continue
            with self._open_one(shard.path) as source:
                local_stop = None if stop is None else stop - offset
                if shard.rows is not None:
                    rows = slice(max(start - offset, 0), min(local_stop or shard.rows, shard.rows))
                    yield from source.batches(batch_size, rows, reuse=reuse)
                    offset += shard.rows
                    continue
                for batch in source.batches(batch_size, reuse=reuse):  # streamed: count as it comes
                    lo, hi = max(start - offset, 0), batch.shape[0] if local_stop is None else min(local_stop, batch.shape[0])
                    offset += batch.shape[0]
                    if lo < hi:
                        yield batch[lo:hi]
                    local_stop = None if local_stop is None else local_stop - batch.shape[0]
                    if local_stop is not None and local_stop <= 0:
                        return

    def __repr__(self) -> str:
        rows = "?" if self.n_rows is None else str(self.n_rows)
        return f"ShardedSource({self.name!r}, {len(self.shards)} shards, rows={rows}, width={self.width}, {self.dtype})"
