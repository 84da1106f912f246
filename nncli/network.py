"""The forward pass: ``A = X·W + b``, ``Z = h(A)`` layer by layer, keeping every A and Z.

Shapes follow the book: X is (batch, inputs) with one sample per row, W is (inputs, units),
b is (units,), and A, Z are (batch, units).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

import numpy as np

from nncli.activations import softmax
from nncli.config import LayerSpec, NetworkSpec, Preprocess, divide_by_problem, load_spec
from nncli.errors import InputError

if TYPE_CHECKING:  # the fast path's module is imported when it is first used (start-up time)
    from nncli.engine import LayerObserver, TiledForward


@dataclass(frozen=True)
class LayerTrace:
    """What one layer did: ``A = X·W + b`` (batch, width) and ``Z = h(A)`` (batch, units)."""

    index: int  # 1-based, as in A1, Z1
    name: str
    activation: str  # the activation's label, e.g. "sigmoid" or "leaky_relu(negative_slope=0.1)"
    A: np.ndarray
    Z: np.ndarray


@dataclass(frozen=True)
class ForwardTrace:
    """A whole forward pass: the input X, every layer's A and Z, the output Y (= last Z).

    ``probabilities`` is the row-wise softmax of the last layer's A (equal to the output
    when the output activation is softmax; the softmax of the output for glu and maxout,
    whose A is wider than their output), or None for a 1-unit output; ``probabilities_from``
    says which: "Y" (the output is softmax), "A" or "Z". ``predicted`` is its argmax per row.
    """

    X: np.ndarray
    layers: tuple[LayerTrace, ...]
    probabilities: np.ndarray | None
    probabilities_from: str | None = None

    @property
    def output(self) -> np.ndarray:
        """Y, the last layer's Z, shape (batch, output units)."""
        return self.layers[-1].Z

    @property
    def predicted(self) -> np.ndarray | None:
        """The index of the largest probability in each row, shape (batch,), or None for a
        1-unit output; -1 for a row whose probabilities hold NaN (no class is predicted)."""
        if self.probabilities is None:
            return None
        return predicted_classes(self.probabilities)




@dataclass(frozen=True)
class OutputChunk:
    """Consecutive output rows from ``Network.predict_batches``.

    ``Y`` (rows, output units) holds the outputs of input rows ``start`` .. ``start + rows - 1``
    (0-based, counted over all batches); it is a new array the caller owns. When asked for
    and the output has 2+ units, ``probabilities`` (rows, classes) are those of
    ``ForwardTrace.probabilities`` and ``predicted`` (rows,) their argmax (-1 for a NaN row).
    """

    start: int
    Y: np.ndarray
    predicted: np.ndarray | None = None
    probabilities: np.ndarray | None = None


def check_batch(X: object, input_size: int, network_name: str) -> np.ndarray:
    """X as a 2-D numeric array (a 1-D X is one sample); InputError on a wrong shape or width.

    Network.prepare (the slow path) and the tiled fast path both check their input with it.
    """
    arr = np.asarray(X)
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
    0-based) and the value (counted from 1)."""
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


class Network:
    """A feed-forward network built from a NetworkSpec (see ``load_network``)."""

    def __init__(self, spec: NetworkSpec) -> None:
        self.spec = spec
        self.layers: tuple[LayerSpec, ...] = spec.layers
        self.dtype = np.dtype(spec.dtype)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def input_size(self) -> int:
        return self.spec.input_size

    @property
    def output_size(self) -> int:
        return self.spec.output_size

    @property
    def classes(self) -> tuple[str, ...] | None:
        return self.spec.classes

    def __repr__(self) -> str:
        shapes = " → ".join([str(self.input_size), *(str(layer.units) for layer in self.layers)])
        acts = ", ".join(layer.activation.label for layer in self.layers)
        return f"Network({self.name!r}, {shapes}, [{acts}], {self.dtype})"

    def prepare(self, X: Sequence[Sequence[float]] | np.ndarray, preprocess: bool = True, *,
                first_row: int = 0, source: str | None = None) -> np.ndarray:
        """X as a (batch, inputs) array in the network's dtype, divided by ``divide_by`` if the
        config asks for it. A 1-D X is one sample. Raises InputError on a wrong width or a value
        too large for the dtype (``first_row`` and ``source`` name where X came from)."""
        arr = check_batch(X, self.input_size, self.name)
        with np.errstate(over="ignore"):  # reported by check_fits
            out = arr.astype(self.dtype, copy=True)
        check_fits(arr, out, self.dtype, first_row, source)
        divide_by = self.spec.preprocess.divide_by
        if preprocess and divide_by is not None:
            out /= self.dtype.type(divide_by)
        return out

    def forward(self, X: Sequence[Sequence[float]] | np.ndarray, preprocess: bool = True, *,
                first_row: int = 0, source: str | None = None) -> ForwardTrace:
        """Run every layer on X (batch, inputs) and keep A and Z of each.

        For layer k: ``Ak = Z(k-1)·Wk + bk`` (batch, width_k), ``Zk = hk(Ak)``, with Z0 = X.
        ``first_row`` and ``source`` only name X's origin in messages about bad values.
        """
        X = self.prepare(X, preprocess, first_row=first_row, source=source)
        traces = []
        Z = X
        for index, layer in enumerate(self.layers, start=1):
            with np.errstate(over="ignore", invalid="ignore"):  # inf and nan follow IEEE rules
                A = Z @ layer.W + layer.b  # (batch, width)
            Z = layer.activation(A)  # (batch, units)
            traces.append(LayerTrace(index, layer.name, layer.activation.label, A, Z))
        source = self.probabilities_source()
        probabilities = None
        if source == "Y":
            probabilities = traces[-1].Z
        elif source is not None:
            probabilities = softmax(traces[-1].A if source == "A" else traces[-1].Z)
        return ForwardTrace(X=X, layers=tuple(traces), probabilities=probabilities, probabilities_from=source)

    def predict(self, X: Sequence[Sequence[float]] | np.ndarray, preprocess: bool = True) -> np.ndarray:
        """Only the output Y (batch, output units), without keeping intermediate layers.

        Runs the fast path (``predict_batches``): the same formulas as ``forward``, computed
        in tiles of ``tile_rows`` rows with reused buffers.
        """
        X = check_batch(X, self.input_size, self.name)
        out = np.empty((X.shape[0], self.output_size), self.dtype)  # (batch, output units)
        for start, Y, _A in self._tiled(preprocess).run([X]):
            out[start : start + Y.shape[0]] = Y
        return out

    def predict_batches(
        self,
        batches: Iterable[np.ndarray],
        preprocess: bool = True,
        *,
        predicted: bool = False,
        observer: LayerObserver | None = None,
        first_row: int = 0,
        source: str | None = None,
    ) -> Iterator[OutputChunk]:
        """Stream batches (each (rows, inputs)) through the network; yield the outputs in chunks.

        Memory stays bounded by one batch plus one tile whatever the number of rows. Chunks
        follow fixed tiles of ``tile_rows`` rows (not the input's batches), so the numbers do
        not depend on how the input is split: chunked and unchunked runs are bit-identical.
        With ``predicted``, each chunk also carries the argmax of the probabilities (as
        ``ForwardTrace.predicted``). ``observer(k, A_k, Z_k)`` sees every layer of every tile
        (views valid only during the call), e.g. for ``nncli.evaluate.BatchStats``.
        ``first_row`` and ``source`` only name the row and file in messages about bad values.
        """
        where = self.probabilities_source() if predicted else None  # "Y", "A", "Z" or None
        tiled = self._tiled(preprocess)
        tiled.row_offset, tiled.source = first_row, source
        for start, Z, A in tiled.run(batches, observer, where == "A"):
            Y = Z.copy()
            if where is None:
                yield OutputChunk(start=start, Y=Y)
                continue
            P = Y if where == "Y" else softmax(A if where == "A" else Y)  # as ForwardTrace.probabilities
            yield OutputChunk(start=start, Y=Y, predicted=predicted_classes(P), probabilities=P)

    @property
    def tile_rows(self) -> int:
        """Rows per tile of the fast path; fixed for a network (see nncli.engine)."""
        from nncli.engine import tile_rows_for

        return tile_rows_for(self.layers, self.dtype)

    def with_preprocess(self, divide_by: float | None) -> "Network":
        """The same network with other preprocessing, e.g. ``--divide-by 255`` overriding the
        config's ``preprocess: {divide_by}`` (None: no division). Raises InputError if
        divide_by is zero, not finite, or out of the dtype's range (see divide_by_problem)."""
        if divide_by is not None:
            problem = divide_by_problem(float(divide_by), self.dtype)
            if problem:
                raise InputError(problem)
        return Network(replace(self.spec, preprocess=Preprocess(divide_by=divide_by)))

    def _tiled(self, preprocess: bool) -> TiledForward:
        from nncli.engine import TiledForward

        divide_by = self.spec.preprocess.divide_by if preprocess else None
        return TiledForward(self.layers, self.dtype, self.input_size, self.name, divide_by, self.tile_rows)

    def probabilities_source(self) -> str | None:
        """Where the probabilities come from: "Y" when the output activation is softmax (the
        output is the probabilities), "A" (softmax of the last A), "Z" (softmax of the output,
        for glu/maxout whose A is wider than the output), or None for a 1-unit output."""
        last = self.layers[-1]
        if last.units < 2:
            return None
        if last.activation.name == "softmax":
            return "Y"
        return "A" if last.width == last.units else "Z"


def load_network(path: str | Path, dtype: str | None = None) -> Network:
    """Load a network from a YAML config (``dtype`` overrides the config's ``dtype``).

    Raises nncli.errors.ConfigError with ``path:line:column`` on any problem in the file.
    """
    return Network(load_spec(path, dtype))


def predicted_classes(probabilities: np.ndarray) -> np.ndarray:
    """argmax per row of (batch, n) scores or probabilities (the first on ties); -1 where a
    row holds NaN (no class is predicted). Scaling, shifting and softmax keep the order."""
    classes = np.argmax(probabilities, axis=1)
    if np.isnan(probabilities).any():
        classes[np.isnan(probabilities).any(axis=1)] = -1
    return classes
