"""Class labels for ``nncli evaluate``: class numbers or one-hot rows, from any input format."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np

from nncli.data.binary import BinarySource
from nncli.data.inputs import open_source
from nncli.data.source import shorten
from nncli.errors import InputError


def read_labels(source: str | Path, *, input_format: str | None = None, key: str | None = None,
                n_classes: int | None = None, rows: slice | None = None, stdin: BinaryIO | None = None) -> np.ndarray:
    """Class indices, shape (n,) int64, from a labels file: IDX (``*-idx1-ubyte[.gz]``), npy/npz
    (1-D class numbers, or 2-D one-hot rows), csv/tsv/json/jsonl (one column of class numbers,
    or one-hot rows). ``rows`` selects as in ``InputSource.batches``.

    Raises InputError naming the row (0-based) of a label that is not a whole number, not
    one-hot, or not below ``n_classes``.
    """
    with open_source(source, input_format=input_format, key=key, stdin=stdin, one_d="column") as src:
        if isinstance(src, BinarySource) and src.format == "idx" and len(src.shape) != 1:
            raise InputError(
                f"{src.name}: is an IDX file of {len(src.shape)} dimensions ({' x '.join(map(str, src.shape))}); "
                f"labels are one class number per sample (a *-idx1-ubyte file)"
            )
        values = src.read_all(rows)
        return class_indices(values, src.name, n_classes, src.bounds(rows)[0])


def class_indices(values: np.ndarray, name: str, n_classes: int | None, offset: int = 0) -> np.ndarray:
    """(n,) int64 class numbers from (n, 1) class numbers or (n, n_classes) one-hot rows.

    ``offset`` is the file's row number of ``values[0]``, for messages.
    """
    if values.shape[1] == 1:
        column = values[:, 0]
        if column.dtype.kind == "b":
            column = column.astype(np.int64)
        if column.dtype.kind == "f":
            column = column.astype(np.float64, copy=False)  # float16 cannot hold the 2**63 of the range check
            bad = ~np.isfinite(column) | (column != np.round(column))
            if bad.any():
                i = int(np.argmax(bad))
                raise InputError(f"{name}: label {column[i]} at row {offset + i} is not a whole class number")
        # Range checks before the cast to int64, which would warn (floats beyond int64) or wrap (uint64).
        if column.dtype.kind != "u" and (column < 0).any():
            i = int(np.argmax(column < 0))
            raise InputError(f"{name}: label {_shown(column[i])} at row {offset + i} is negative; "
                             "classes are numbered from 0")
        limit = 2**63 if n_classes is None else n_classes
        if (column >= limit).any():
            i = int(np.argmax(column >= limit))
            if n_classes is None:
                raise InputError(f"{name}: label {_shown(column[i])} at row {offset + i} is too large for a class number")
            raise InputError(
                f"{name}: label {_shown(column[i])} at row {offset + i} is not a class of the network "
                f"(it has {n_classes}: 0 to {n_classes - 1})"
            )
        return column.astype(np.int64)
    width = values.shape[1]
    if n_classes is not None and width != n_classes:
        raise InputError(
            f"{name}: one-hot labels have {width} columns but the network has {n_classes} classes"
        )
    ones = values == 1
    zeros = values == 0
    good = (ones.sum(axis=1) == 1) & ((ones | zeros).all(axis=1))
    if not good.all():
        i = int(np.argmin(good))
        raise InputError(f"{name}: row {offset + i} is not one-hot (exactly one 1, the rest 0): {shorten(str(values[i].tolist()))}")
    return np.argmax(ones, axis=1).astype(np.int64)


def _shown(value: np.generic) -> str:
    """A label for messages: a whole float as an integer (3.0 -> 3), a huge one as 1e+300."""
    number = value.item()
    if isinstance(number, float):
        return str(int(number)) if abs(number) < 2**53 else f"{number:g}"
    return str(number)
