"""What ``nncli softmax`` computes, as plain data: probabilities from the one softmax, and the overflow demo.

Two things live here, both pure numpy (no printing, no typer, no rich):

* ``softmax_rows``: scores -> probabilities (or log-probabilities) per row, with a temperature,
  using ``nncli.activations.softmax`` / ``log_softmax``, the same functions the network uses.
* ``overflow_demo``: the book's lesson (Deep Learning from Scratch, 3.5.2) step by step. The
  textbook formula ``exp(a_k) / sum_i exp(a_i)`` (``naive_softmax_demo``, deliberately unsafe,
  kept only to be shown failing) next to the stable steps ``C = max(a)``, ``a - C``,
  ``exp(a - C)``, the sum and the result, with the floating-point warnings numpy raised
  captured as messages instead of leaking to stderr.

Non-finite scores (documented, and the same as ``activations.softmax``):

* ``-inf`` in a row that has a finite maximum: probability exactly 0 (log-probability -inf);
* a row containing ``+inf`` (and no nan): the +inf entries share the probability equally (the
  limit as they grow together), the others get 0; log-probabilities -log(count) and -inf;
* a row containing ``nan``, or whose entries are all ``-inf``: nan everywhere (0/0);
* the predicted class is the index of the largest score (the first one on ties, so a +inf
  entry wins), or None for a row containing nan or only -inf (``nncli.network.predicted_classes``).
"""

from __future__ import annotations

import contextlib
import math
import warnings
from typing import Any, Iterator, NamedTuple, Sequence

import numpy as np

from nncli.activations import log_softmax, softmax
from nncli.network import predicted_classes
from nncli.errors import InputError

# The book's example (3.5.2): exp(1010) overflows float64, so the naive formula gives nan.
BOOK_SCORES: tuple[float, ...] = (1010.0, 1000.0, 990.0)


# --- thresholds -------------------------------------------------------------------------


def overflow_threshold(dtype: "np.dtype | type | str" = np.float64) -> float:
    """log(largest finite value of ``dtype``): exp(x) is inf for every x above it.

    709.782712893384 for float64, 88.72283905206835 for float32 (computed in float64).
    """
    return math.log(float(np.finfo(np.dtype(dtype)).max))


def underflow_threshold(dtype: "np.dtype | type | str" = np.float64) -> float:
    """log(smallest subnormal / 2): exp(x) rounds to 0 for every x below it.

    -745.1332191019411 for float64, -103.97207708399179 for float32. When every score of a
    row is below it, the naive sum is 0 and the naive result is 0/0 = nan.
    """
    return math.log(float(np.finfo(np.dtype(dtype)).smallest_subnormal)) - math.log(2.0)


# --- capturing numpy's floating-point warnings ------------------------------------------


@contextlib.contextmanager
def captured_fp_warnings(messages: list[str], underflow: bool = True) -> Iterator[None]:
    """Turn numpy's floating-point flags into RuntimeWarnings and append their text to ``messages``.

    Inside the block, overflow, invalid operations and division by zero (and underflow, if
    ``underflow``) are recorded as e.g. ``"overflow encountered in exp"``, once each, in the
    order they happened; nothing reaches stderr. Warnings of other kinds are re-issued.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(all="warn", under="warn" if underflow else "ignore"):
            yield
    others = []
    for w in caught:
        if issubclass(w.category, RuntimeWarning):
            text = str(w.message)
            if text not in messages:
                messages.append(text)
        else:
            others.append(w)
    for w in others:  # not ours to swallow
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


# --- softmax for the command: probabilities per row --------------------------------------

# The records of this module are NamedTuples, not frozen dataclasses: as immutable, and defined
# ~7x faster at start-up (Python 3.11 execs six generated methods per frozen dataclass, and the
# command line imports this module for every command).


class SoftmaxRows(NamedTuple):
    """Probabilities for each row of scores.

    Shapes: ``scores``, ``probabilities`` and ``log_probabilities`` are (rows, n);
    ``predicted`` has one entry per row. ``probabilities = softmax(scores / temperature)``
    and, when asked for, ``log_probabilities = log_softmax(scores / temperature)``.
    """

    scores: np.ndarray
    probabilities: np.ndarray
    log_probabilities: np.ndarray | None
    predicted: tuple[int | None, ...]
    temperature: float

    @property
    def dtype(self) -> str:
        return self.scores.dtype.name

    def to_dict(self) -> dict[str, Any]:
        """The JSON document: input, probabilities (or log_probabilities), predicted, temperature, dtype."""
        out: dict[str, Any] = {"input": self.scores}
        if self.log_probabilities is not None:
            out["log_probabilities"] = self.log_probabilities
        else:
            out["probabilities"] = self.probabilities
        out["predicted"] = list(self.predicted)
        out["temperature"] = self.temperature
        out["dtype"] = self.dtype
        return out


def softmax_rows(scores: np.ndarray, temperature: float = 1.0, log: bool = False) -> SoftmaxRows:
    """y = softmax(a / T) row-wise (last axis) for ``scores`` a of shape (rows, n); T = ``temperature``.

    T > 0 rescales the scores before the softmax: T < 1 sharpens the distribution towards the
    argmax (T -> 0: one-hot), T > 1 flattens it (T -> inf: uniform); T = 1 is the plain softmax.
    The order of the scores, and so the predicted class, never depends on T. With ``log``,
    also ``log_softmax(a / T)``, computed stably (never log(softmax)).

    The scores are shifted by their row maximum before dividing by T (softmax is shift
    invariant), so a tiny T cannot overflow: every (a - C) / T is <= 0. The dtype of
    ``scores`` is kept (float32 stays float32). Raises InputError for T <= 0, non-finite T,
    or a T that the dtype cannot represent.
    """
    a = np.asarray(scores)
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float64)
    if a.ndim != 2 or a.shape[1] == 0:
        raise InputError(f"scores must be a non-empty (rows, n) table, got shape {a.shape}")
    t = _temperature(temperature, a.dtype)
    if t == 1:
        z = a  # the network's softmax, bit for bit
    else:
        C = _row_shift(a)  # (rows, 1)
        with np.errstate(over="ignore"):
            # a - C and (a - C) / T are <= 0; if they overflow they become -inf, whose exp is 0:
            # the exact limit, so the overflow flag carries no information here.
            z = (a - C) / t  # (rows, n)
    probabilities = softmax(z)
    log_probabilities = log_softmax(z) if log else None
    return SoftmaxRows(a, probabilities, log_probabilities, predicted(a), float(temperature))


def predicted(scores: np.ndarray) -> tuple[int | None, ...]:
    """Per row of ``scores`` (rows, n): the index of the largest score (first on ties), None if a nan is in the row
    or every score is -inf (as ``forward`` says for such a row: ``predicted_classes``).

    Dividing by T > 0, subtracting C and exp all keep the order, so this is also the
    argmax of the probabilities, without the ties their rounding can create.
    """
    return tuple(predicted_classes(np.asarray(scores)).tolist())


def _temperature(temperature: float, dtype: np.dtype) -> np.floating:
    if not math.isfinite(temperature) or temperature <= 0:
        raise InputError(
            f"--temperature must be a finite number > 0, not {temperature:g} "
            "(T < 1 sharpens the probabilities, T > 1 flattens them, T = 1 leaves them)"
        )
    with np.errstate(over="ignore", under="ignore"):
        t = dtype.type(temperature)
    if not (np.isfinite(t) and t > 0):
        raise InputError(f"--temperature {temperature:g} cannot be represented in {dtype.name}")
    return t


def _row_shift(a: np.ndarray) -> np.ndarray:
    """C per row (last axis, kept as size 1): the row maximum, or 0 where that is not finite.

    For a row holding nan or +inf, or only -inf, there is no finite maximum to subtract, and
    subtracting it would make nan out of inf - inf (activations.softmax treats those rows itself).
    """
    m = np.max(a, axis=-1, keepdims=True)
    return np.where(np.isfinite(m), m, a.dtype.type(0))


# --- the overflow demonstration -----------------------------------------------------------


class NaiveSteps(NamedTuple):
    """The textbook formula y_k = exp(a_k) / sum_i exp(a_i), step by step, for one row a of shape (n,).

    ``warnings`` are numpy's floating-point messages raised on the way, in order.
    """

    exp: np.ndarray
    sum: np.floating
    result: np.ndarray
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"exp": self.exp, "sum": self.sum, "result": self.result, "warnings": list(self.warnings)}


class StableSteps(NamedTuple):
    """The fix, step by step: C = max(a), a - C, exp(a - C), their sum, and the result.

    ``result`` is ``activations.softmax(a)`` itself (the one implementation); it equals
    ``exp / sum``. ``C`` follows the same rule as that function: 0 when max(a) is not finite.
    ``warnings`` lists what numpy flagged (underflow of single terms is harmless here and
    not recorded; overflow in ``a - C`` can only make a term -inf, whose exp is 0).
    """

    C: float
    max: float
    shifted: np.ndarray
    exp: np.ndarray
    sum: np.floating
    result: np.ndarray
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "C": self.C, "shifted": self.shifted, "exp": self.exp, "sum": self.sum,
            "result": self.result, "warnings": list(self.warnings),
        }


class OverflowDemo(NamedTuple):
    """Naive and stable softmax of one row of scores ``a`` (n,) in one dtype, and where exp breaks.

    ``overflow_threshold`` = log(largest finite), ``underflow_threshold`` = log(smallest
    subnormal / 2); ``overflowing`` / ``underflowing`` count the scores beyond them.
    ``argmax`` maps "input", "shifted", "naive" and "stable" to the index of the largest
    entry (None where the array holds nan): the shift keeps the order, the naive nan loses it.
    """

    a: np.ndarray
    naive: NaiveSteps
    stable: StableSteps
    overflow_threshold: float
    underflow_threshold: float
    argmax: dict[str, int | None]

    @property
    def dtype(self) -> str:
        return self.a.dtype.name

    @property
    def overflowing(self) -> int:
        """How many scores have exp(a_k) = inf in this dtype."""
        return int(np.sum(self.a > self.overflow_threshold))

    @property
    def underflowing(self) -> int:
        """How many scores have exp(a_k) = 0 in this dtype."""
        return int(np.sum(self.a < self.underflow_threshold))

    def to_dict(self) -> dict[str, Any]:
        """The JSON document: dtype, input, naive {...}, stable {...}, argmax, the thresholds."""
        return {
            "dtype": self.dtype,
            "input": self.a,
            "naive": self.naive.to_dict(),
            "stable": self.stable.to_dict(),
            "argmax": dict(self.argmax),
            "overflow_threshold": self.overflow_threshold,
            "underflow_threshold": self.underflow_threshold,
        }


def naive_softmax_demo(a: np.ndarray) -> NaiveSteps:
    """The UNSAFE textbook softmax exp(a) / sum(exp(a)) of one row a (n,), kept to show it failing.

    Never use it for results: exp(a_k) overflows to inf above ``overflow_threshold`` (then
    inf/inf = nan), and when every a_k is below ``underflow_threshold`` the sum is 0 (0/0 = nan).
    numpy's warnings (overflow, underflow, invalid value) are captured into ``warnings``.
    """
    row = _one_row(a)
    messages: list[str] = []
    with captured_fp_warnings(messages):
        e = np.exp(row)  # (n,)
        total = np.sum(e)
        y = e / total  # (n,)
    return NaiveSteps(e, total, y, tuple(messages))


def stable_softmax_steps(a: np.ndarray) -> StableSteps:
    """The stable softmax of one row a (n,), step by step: C = max(a), a - C, exp(a - C), sum, result.

    exp(a_k) / sum_i exp(a_i) = exp(-C) exp(a_k) / (exp(-C) sum_i exp(a_i))
                             = exp(a_k - C) / sum_i exp(a_i - C),
    and with C = max(a) every a_k - C <= 0 (no overflow) and one term is exp(0) = 1 (the sum
    is never 0). ``result`` comes from ``activations.softmax``.
    """
    row = _one_row(a)
    messages: list[str] = []
    with captured_fp_warnings(messages, underflow=False):
        largest = np.max(row)
        C = _row_shift(row)[0]
        shifted = row - C  # (n,)
        e = np.exp(shifted)  # (n,)
        total = np.sum(e)
        _ = e / total  # only for its flags (inf/inf, 0/0); the result comes from softmax below
    with captured_fp_warnings(messages, underflow=False):
        y = softmax(row)  # the one implementation (it silences its own exp/divide flags)
    return StableSteps(float(C), float(largest), shifted, e, total, y, tuple(messages))


def overflow_demo(
    scores: "Sequence[float] | np.ndarray" = BOOK_SCORES, dtype: "np.dtype | type | str" = np.float64
) -> OverflowDemo:
    """Both computations for one row of ``scores`` (n,) in ``dtype``, plus the dtype's thresholds.

    With the book's [1010, 1000, 990] in float64: the naive exp is [inf, inf, inf], its sum inf,
    its result [nan, nan, nan]; the stable result is [9.99954600e-01, 4.53978686e-05, 2.06106005e-09].
    """
    kind = np.dtype(dtype)
    if kind.kind != "f":
        raise InputError(f"the demo needs a floating dtype, not {kind.name}")
    values = np.asarray(scores, dtype=np.float64)
    if values.ndim != 1:
        raise InputError(f"--demo-overflow shows one row of scores, got shape {values.shape}")
    with np.errstate(over="ignore"):
        a = values.astype(kind)
    if (np.isinf(a) & np.isfinite(values)).any():
        raise InputError(f"a score does not fit in {kind.name}; write inf if you mean infinity")
    naive = naive_softmax_demo(a)
    stable = stable_softmax_steps(a)
    steps = ("input", "shifted", "naive", "stable")
    argmax = dict(zip(steps, predicted(np.vstack([a, stable.shifted, naive.result, stable.result]))))
    return OverflowDemo(a, naive, stable, overflow_threshold(kind), underflow_threshold(kind), argmax)


def _one_row(a: np.ndarray) -> np.ndarray:
    row = np.asarray(a)
    if not np.issubdtype(row.dtype, np.floating):
        row = row.astype(np.float64)
    if row.ndim != 1 or row.size == 0:
        raise InputError(f"expected one non-empty row of scores, got shape {row.shape}")
    return row

