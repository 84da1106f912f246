"""Input rows for a network: checked (shape, numbers, width, range) and converted to its dtype.

Every way into the network (``Network.forward``, ``Network.predict``, the streaming
``Network.predict_batches`` behind ``nncli evaluate`` and file inputs) goes through here, so a
bad input gives the same one-line InputError whichever path reads it. The conversion is

    X' = X.astype(dtype) / divide_by          # (batch, inputs); no division without divide_by

with one rounding per step, identical whether the rows arrive at once or in batches.
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from nncli.config import divide_by_problem
from nncli.errors import InputError

Rows = Sequence[Sequence[float]] | Sequence[float] | np.ndarray


class NncliWarning(UserWarning):
    """The category of every warning nncli gives (``warnings.simplefilter("ignore", NncliWarning)``
    silences them; ``"error"`` makes them exceptions)."""


class ScaledInputWarning(NncliWarning):
    """Inputs look already scaled while the config still divides them (see ``looks_already_scaled``)."""


def check_batch(X: Rows | object, input_size: int, network_name: str) -> np.ndarray:
    """X as a 2-D numeric array (a 1-D X is one sample), without copying an array.

    Raises InputError on ragged rows, text, None or other objects, complex numbers, a shape
    that is not (batch, inputs) (3-D, a scalar, an empty list) or rows of the wrong width.
    Booleans count as 0 and 1; a (0, inputs) batch is valid and gives 0 rows. NaN and
    infinities are values like any other (they propagate to the output).
    """
    matrix = f"a (batch, {input_size}) matrix"
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError):  # numpy refuses ragged nested lists
        raise InputError(f"input rows must all have {input_size} values (got rows of different lengths, "
                         "or lists inside rows)") from None
    if arr.ndim == 1:
        if arr.size == 0:
            raise InputError(f"input is empty: expected {matrix} or one row of {input_size} numbers")
        arr = arr[None, :]
    if arr.ndim != 2:
        got = f"a {type(X).__name__}" if arr.ndim == 0 else f"shape {arr.shape}"
        raise InputError(f"input must be {matrix}, got {got}")
    if arr.dtype.kind == "c":
        raise InputError(f"input must be real numbers, got {arr.dtype}")
    if arr.dtype.kind == "O" and _all_real_numbers(arr):  # e.g. an int beyond 64 bits beside others
        try:
            arr = arr.astype(np.float64)
        except OverflowError:
            raise InputError("input must be numbers, got an integer too large for float64") from None
    if arr.dtype.kind not in "biuf":
        raise InputError(f"input must be numbers, got {_first_non_number(arr)}")
    if arr.shape[1] != input_size:
        raise InputError(f"input rows have {arr.shape[1]} values but network '{network_name}' takes {input_size}")
    return arr


_REAL = (int, float, np.integer, np.floating)  # bool is an int: 0 and 1


def _all_real_numbers(arr: np.ndarray) -> bool:
    return all(isinstance(value, _REAL) for value in arr.flat)


def _first_non_number(arr: np.ndarray) -> str:
    """What makes ``arr`` (2-D, not numeric) unusable, naming its first bad value and where."""
    for (row, col), value in np.ndenumerate(arr):
        if not isinstance(value, _REAL):
            shown = value.item() if isinstance(value, np.generic) else value
            return f"{shown!r} ({type(shown).__name__}) at row {row}, value {col + 1}"
    return f"{arr.dtype} values"


def looks_already_scaled(X: np.ndarray, divide_by: float | None) -> bool:
    """True if dividing X by ``divide_by`` is probably a mistake: divide_by > 1, every value of
    X lies in [0, 1] and at least one strictly between 0 and 1.

    Raw data meant for such a config (MNIST pixels 0..255 with ``divide_by: 255``) is whole
    numbers, so a fraction within [0, 1] suggests the rows were scaled once already and will
    reach the network 255 times too small. All-zero or 0/1 rows, integer arrays and rows with
    NaN never trigger it.
    """
    if divide_by is None or not divide_by > 1 or X.dtype.kind != "f" or X.size == 0:
        return False
    lowest, highest = X.min(), X.max()  # NaN in X makes both comparisons false
    return bool(lowest >= 0 and highest <= 1 and np.any((X > 0) & (X < 1)))


def warn_if_already_scaled(X: np.ndarray, divide_by: float | None) -> bool:
    """Give a ScaledInputWarning if ``looks_already_scaled(X, divide_by)``; True if it did."""
    if not looks_already_scaled(X, divide_by):
        return False
    warnings.warn(
        f"every input value is within [0, 1] but the config divides inputs by {divide_by:g} "
        "(preprocess: divide_by); if they are already scaled, use preprocess=False "
        "(on the command line: --divide-by 1)", ScaledInputWarning, stacklevel=3)
    return True


def check_fits(source_values: np.ndarray, converted: np.ndarray, dtype: np.dtype, first_row: int = 0,
               source: str | None = None) -> None:
    """InputError if a finite value became inf when ``source_values`` were converted to
    ``dtype`` (e.g. 1e300 into float32), naming the file, the row (``first_row`` + its index,
    0-based) and the value (counted from 1). An infinity in the input is a value like any other."""
    if source_values.dtype.kind != "f" or source_values.dtype.itemsize <= np.dtype(dtype).itemsize:
        return
    _check_finite(source_values, converted, "", first_row, source)


def _check_finite(X: np.ndarray, result: np.ndarray, how: str, first_row: int, source: str | None) -> None:
    """InputError naming the first value of X (row ``first_row`` + its index, value counted from 1)
    that is finite but became inf in ``result`` (``how``: what was done to it, for the message)."""
    overflowed = np.isinf(result) & np.isfinite(X)
    if overflowed.any():
        row, col = (int(i) for i in np.argwhere(overflowed)[0])
        where = f"{source}: " if source else ""
        raise InputError(
            f"{where}input row {first_row + row}, value {col + 1}: {float(X[row, col]):g}{how} "
            f"does not fit in {result.dtype} (largest {float(np.finfo(result.dtype).max):.4g})"
        )


def check_divide_by(divide_by: float | None, dtype: np.dtype) -> None:
    """InputError if ``divide_by`` cannot scale inputs in ``dtype``: zero, not finite or out of
    the dtype's range (see config.divide_by_problem); None means no division."""
    if divide_by is not None:
        problem = divide_by_problem(float(divide_by), dtype)
        if problem:
            raise InputError(problem)


def convert_rows(X: np.ndarray, dest: np.ndarray, divide_by: float | None, first_row: int = 0,
                 source: str | None = None) -> None:
    """Write ``X.astype(dest.dtype) / divide_by`` (X checked by check_batch) into ``dest``
    (same shape). ``first_row`` (X's first row in the whole input) and ``source`` (its file)
    name the place of a value too large for the dtype, before or after the division (a
    divide_by below 1 enlarges values: 1e308 / 0.5), which is an InputError."""
    dtype = dest.dtype
    divisor = None if divide_by is None else dtype.type(divide_by)
    if divisor is not None and np.can_cast(X.dtype, dtype, "safe"):
        with np.errstate(over="ignore"):  # reported by _check_divided
            np.divide(X, divisor, out=dest)  # one pass; the cast is exact, so it is the same rounding
        _check_divided(X, dest, divide_by, first_row, source)
        return
    with np.errstate(over="ignore"):  # reported by check_fits
        np.copyto(dest, X, casting="unsafe")
    check_fits(X, dest, dtype, first_row, source)
    if divisor is not None:
        with np.errstate(over="ignore"):  # reported by _check_divided
            np.divide(dest, divisor, out=dest)
        _check_divided(X, dest, divide_by, first_row, source)


def _check_divided(X: np.ndarray, divided: np.ndarray, divide_by: float, first_row: int, source: str | None) -> None:
    """InputError if dividing by ``divide_by`` (below 1 in magnitude) turned a finite value of X into inf."""
    if abs(divide_by) < 1:  # else X / divide_by is no larger than X, which fits (check_fits)
        _check_finite(X, divided, f" divided by {divide_by:g} (preprocess: divide_by)", first_row, source)


def prepare(X: Rows, input_size: int, network_name: str, dtype: np.dtype, divide_by: float | None,
            first_row: int = 0, source: str | None = None) -> np.ndarray:
    """X checked and converted: a new (batch, input_size) array in ``dtype`` (see convert_rows)."""
    arr = check_batch(X, input_size, network_name)
    out = np.empty(arr.shape, dtype)
    convert_rows(arr, out, divide_by, first_row, source)
    return out
