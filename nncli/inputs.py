"""Input rows for a network: checked (shape, numbers, width, range) and converted to its dtype.

Every way into the network (``Network.forward``, ``Network.predict``, the streaming
``Network.predict_batches`` behind ``nncli evaluate`` and file inputs) goes through here, so a
bad input gives the same one-line InputError whichever path reads it. The conversion is

    X' = X.astype(dtype) / divide_by          # (batch, inputs); no division without divide_by

with one rounding per step, identical whether the rows arrive at once or in batches.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nncli.config import divide_by_problem
from nncli.errors import InputError

Rows = Sequence[Sequence[float]] | Sequence[float] | np.ndarray


def check_batch(X: Rows | object, input_size: int, network_name: str) -> np.ndarray:
    """X as a 2-D numeric array (a 1-D X is one sample), without copying an array.

    Raises InputError on ragged rows, a non-numeric dtype, a shape that is not (batch,
    inputs) or rows of the wrong width.
    """
    try:
        arr = np.asarray(X)
    except ValueError:  # numpy refuses ragged nested lists
        raise InputError(f"input rows must all have {input_size} values (got rows of different lengths)") from None
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise InputError(f"input must be a (batch, {input_size}) matrix, got shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise InputError(f"input must be numeric, got {arr.dtype}")
    if arr.shape[1] != input_size:
        raise InputError(f"input rows have {arr.shape[1]} values but network '{network_name}' takes {input_size}")
    return arr


def check_fits(source_values: np.ndarray, converted: np.ndarray, dtype: np.dtype, first_row: int = 0,
               source: str | None = None) -> None:
    """InputError if a finite value became inf when ``source_values`` were converted to
    ``dtype`` (e.g. 1e300 into float32), naming the file, the row (``first_row`` + its index,
    0-based) and the value (counted from 1). An infinity in the input is a value like any other."""
    if source_values.dtype.kind != "f" or source_values.dtype.itemsize <= np.dtype(dtype).itemsize:
        return
    overflowed = np.isinf(converted) & np.isfinite(source_values)
    if overflowed.any():
        row, col = (int(i) for i in np.argwhere(overflowed)[0])
        where = f"{source}: " if source else ""
        raise InputError(
            f"{where}input row {first_row + row}, value {col + 1}: {float(source_values[row, col]):g} "
            f"does not fit in {np.dtype(dtype)} (largest {float(np.finfo(dtype).max):.4g})"
        )


def check_divide_by(divide_by: float | None, dtype: np.dtype) -> float | None:
    """``divide_by`` itself if it can scale inputs in ``dtype`` (None: no division); InputError
    if it is zero, not finite or out of the dtype's range (see config.divide_by_problem)."""
    if divide_by is not None:
        problem = divide_by_problem(float(divide_by), dtype)
        if problem:
            raise InputError(problem)
    return divide_by


def convert_rows(X: np.ndarray, dest: np.ndarray, divide_by: float | None, first_row: int = 0,
                 source: str | None = None) -> None:
    """Write ``X.astype(dest.dtype) / divide_by`` (X checked by check_batch) into ``dest``
    (same shape). ``first_row`` (X's first row in the whole input) and ``source`` (its file)
    name the place of a value too large for the dtype, which is an InputError."""
    dtype = dest.dtype
    divisor = None if divide_by is None else dtype.type(divide_by)
    if divisor is not None and np.can_cast(X.dtype, dtype, "safe"):
        np.divide(X, divisor, out=dest)  # one pass; the cast is exact, so it is the same rounding
        return
    with np.errstate(over="ignore"):  # reported by check_fits
        np.copyto(dest, X, casting="unsafe")
    check_fits(X, dest, dtype, first_row, source)
    if divisor is not None:
        np.divide(dest, divisor, out=dest)


def prepare(X: Rows, input_size: int, network_name: str, dtype: np.dtype, divide_by: float | None,
            first_row: int = 0, source: str | None = None) -> np.ndarray:
    """X checked and converted: a new (batch, input_size) array in ``dtype`` (see convert_rows)."""
    arr = check_batch(X, input_size, network_name)
    out = np.empty(arr.shape, dtype)
    convert_rows(arr, out, divide_by, first_row, source)
    return out
