"""InputSource: rows of numbers from one file or stream, yielded in batches; and sources over arrays in memory."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from nncli.errors import InputError, Mark, plural
from nncli.rows import describe_rows

DEFAULT_BATCH_SIZE = 8192  # rows per batch: 8192 MNIST rows are 6 MiB as uint8, 25 MiB as float32


class InputSource:
    """Rows of numbers from one file or stream; use ``nncli.data.open_inputs`` to get one.

    Attributes: ``name`` (the path as given, or ``<stdin>``), ``format`` (one of FORMATS),
    ``width`` (values per row), ``n_rows`` (known up front for npy/npz/idx/json; None for
    csv/tsv/jsonl, which are streamed), ``dtype`` (of the yielded arrays), ``columns``
    (CSV header names, if any).

    A source from a file can be read several times; one from stdin only once.
    """

    name: str
    format: str
    width: int
    n_rows: int | None = None
    dtype: np.dtype = np.dtype(np.float64)
    columns: tuple[str, ...] | None = None
    first_line: int | None = None  # line of the first data row, for text formats

    def batches(
        self, batch_size: int = DEFAULT_BATCH_SIZE, rows: slice | None = None, *, reuse: bool = False
    ) -> Iterator[np.ndarray]:
        """The selected rows as consecutive (<= batch_size, width) arrays, never an empty one.

        ``rows`` selects like a Python slice (0-based, no step; negative numbers need
        ``n_rows``). With ``reuse``, binary formats refill one buffer instead of allocating
        each batch: use it only when each batch is done with before the next is asked for
        (as ``Network.predict_batches`` does). Raises InputError when the selection is empty
        or the data is bad (for streamed formats, when the bad part is reached).
        """
        if batch_size < 1:
            raise InputError(f"batch size must be at least 1, not {batch_size}")
        start, stop = self.bounds(rows)
        produced = 0
        for batch in self._batches(batch_size, start, stop, reuse):
            produced += batch.shape[0]
            yield batch
        if produced == 0:
            self._nothing_selected(rows)

    def bounds(self, rows: slice | None) -> tuple[int, int | None]:
        """(start, stop) of a selection as non-negative row numbers; stop None means to the end.

        Raises InputError for a step, for negative numbers when the length is not known up
        front (streamed text), and when the selection lies outside the rows.
        """
        if rows is None:
            return 0, self.n_rows
        if rows.step not in (None, 1):
            raise InputError("a row selection cannot have a step")
        start, stop = rows.start, rows.stop
        negative = (start is not None and start < 0) or (stop is not None and stop < 0)
        if negative and self.n_rows is None:
            raise InputError(
                f"{self.name}: negative row numbers count from the end, but {self.format} input is "
                f"streamed and its length is not known up front; use non-negative numbers",
            )
        n = self.n_rows
        if n is not None:
            start, stop, _ = slice(start, stop).indices(n)
            if start >= n or stop <= start:
                self._nothing_selected(rows)
            return start, stop
        return start or 0, stop

    def count(self, rows: slice | None = None) -> int | None:
        """How many rows ``rows`` selects, when the length is known up front (else None)."""
        if self.n_rows is None:
            return None
        start, stop = self.bounds(rows)
        return (self.n_rows if stop is None else stop) - start

    def read_all(self, rows: slice | None = None) -> np.ndarray:
        """Every selected row as one (rows, width) array (a new array)."""
        size = self.count(rows)
        if size is not None:
            parts = list(self.batches(size, rows))
        else:
            parts = list(self.batches(DEFAULT_BATCH_SIZE, rows))
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def check_width(self, expected: int, network_name: str) -> None:
        """InputError (naming the file, and the line for text formats) unless rows have ``expected`` values."""
        if self.width == expected:
            return
        values = "value" if self.width == 1 else "values"
        hint = ""
        if self.format == "idx" and self.width == 1:
            hint = " (an IDX file of one dimension holds labels: give it to --labels)"
        raise InputError(
            f"rows have {self.width} {values} but network '{network_name}' takes {expected}{hint}", self.mark()
        )

    def mark(self) -> Mark:
        """Where the data starts: the file, and for text formats the line of the first row."""
        return Mark(self.name, self.first_line)

    def close(self) -> None:
        """Release any open file (a source is also a context manager)."""

    def __enter__(self) -> "InputSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        rows = "?" if self.n_rows is None else str(self.n_rows)
        return f"{type(self).__name__}({self.name!r}, {self.format}, rows={rows}, width={self.width}, {self.dtype})"

    # -- for subclasses --

    def _batches(self, batch_size: int, start: int, stop: int | None, reuse: bool) -> Iterator[np.ndarray]:
        raise NotImplementedError

    def _nothing_selected(self, rows: slice | None) -> None:
        if rows is None:
            raise InputError(f"{self.name}: no rows (empty input)")
        count = f" (it has {plural(self.n_rows, 'row')}, numbered from 0)" if self.n_rows is not None else ""
        raise InputError(f"{self.name}: {describe_rows(rows)} selects no rows{count}")


class ArraySource(InputSource):
    """Rows already in memory (a parsed JSON document, or rows given on the command line)."""

    def __init__(self, name: str, fmt: str, matrix: np.ndarray) -> None:
        self.name = name
        self.format = fmt
        self._matrix = matrix
        self.n_rows, self.width = matrix.shape
        self.dtype = matrix.dtype

    def _batches(self, batch_size: int, start: int, stop: int | None, reuse: bool) -> Iterator[np.ndarray]:
        stop = self.n_rows if stop is None else stop
        for row in range(start, stop, batch_size):
            yield self._matrix[row : min(stop, row + batch_size)].copy()


def from_array(matrix: np.ndarray, name: str = "<args>") -> InputSource:
    """An InputSource over rows already in memory ((rows, width)), e.g. rows typed with -x."""
    matrix = np.asarray(matrix)
    if matrix.ndim != 2:
        raise InputError(f"{name}: expected a (rows, values) table, got shape {matrix.shape}")
    return ArraySource(name, "array", matrix)


def shorten(text: str, limit: int = 40) -> str:
    """``text``, cut to ``limit`` characters with an ellipsis, for quoting in a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
