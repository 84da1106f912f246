"""The network: a NetworkSpec with its forward pass, prediction and the traces they return.

Shapes follow the book: X is (batch, inputs) with one sample per row, W is (inputs, units),
b is (units,), and A, Z are (batch, units). Every product and activation is computed by
nncli.engine; this module chooses what to keep (every A and Z for ``forward``, only the
output for ``predict``) and turns probabilities into predicted classes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from nncli.config import LayerSpec, NetworkSpec, Preprocess, load_spec
from nncli.engine import Buffers, Engine, LayerObserver, probabilities, probabilities_source, tile_rows_for
from nncli.inputs import Rows, check_batch, check_divide_by, prepare, warn_if_already_scaled

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
    def predicted(self) -> np.ndarray:
        """The predicted class of each row (``output_classes``): an object array (batch,) of
        Python ints, None for a row where no class is predicted. The index of the largest
        probability; for a 1-unit output, 1 where y > 0.5, else 0."""
        return output_classes(self.output, self.probabilities)


@dataclass(frozen=True)
class OutputChunk:
    """Consecutive output rows from ``Network.predict_batches``.

    ``Y`` (rows, output units) holds the outputs of input rows ``start`` .. ``start + rows - 1``
    (0-based, counted over all batches); it is a new array the caller owns. When asked for,
    ``predicted`` (rows,) are the classes of ``ForwardTrace.predicted`` (``output_classes``)
    and, if the output has 2+ units, ``probabilities`` (rows, classes) those of
    ``ForwardTrace.probabilities``.
    """

    start: int
    Y: np.ndarray
    predicted: np.ndarray | None = None
    probabilities: np.ndarray | None = None


class Network:
    """A feed-forward network built from a NetworkSpec (see ``load_network``)."""

    def __init__(self, spec: NetworkSpec) -> None:
        self.spec = spec
        self.name: str = spec.name
        self.input_size: int = spec.input_size
        self.output_size: int = spec.output_size
        self.classes: tuple[str, ...] | None = spec.classes
        self.layers: tuple[LayerSpec, ...] = spec.layers
        self.dtype = np.dtype(spec.dtype)
        self.tile_rows = tile_rows_for(self.layers, self.dtype)  # rows per tile of nncli.engine
        # "Y", "A", "Z" or None: see nncli.engine.probabilities_source
        self.probabilities_from = probabilities_source(self.layers)

    def __repr__(self) -> str:
        shapes = " → ".join([str(self.input_size), *(str(layer.units) for layer in self.layers)])
        acts = ", ".join(layer.activation.label for layer in self.layers)
        return f"Network({self.name!r}, {shapes}, [{acts}], {self.dtype})"

    def prepare(self, X: Rows, preprocess: bool = True, *, first_row: int = 0,
                source: str | None = None) -> np.ndarray:
        """X as a new (batch, inputs) array in the network's dtype, divided by ``divide_by`` if
        the config asks for it (nncli.inputs.prepare). A 1-D X is one sample. Raises InputError
        on a wrong shape or a value too large for the dtype (``first_row`` and ``source`` name
        where X came from)."""
        return prepare(X, self.input_size, self.name, self.dtype, self._divide_by(preprocess), first_row, source)

    def forward(self, X: Rows, preprocess: bool = True, *, first_row: int = 0,
                source: str | None = None) -> ForwardTrace:
        """Run every layer on X (batch, inputs) and keep A and Z of each.

        For layer k: ``Ak = Z(k-1)·Wk + bk`` (batch, width_k), ``Zk = hk(Ak)``, with Z0 = X;
        computed by nncli.engine, so ``output`` is bit-identical to ``predict(X)``. The
        trace's X is X itself (read-only) when it needs no conversion (the network's dtype,
        C-ordered, no divide_by), else the converted copy. ``first_row`` and ``source`` only
        name X's origin in messages about bad values.

        With ``preprocess`` (the default) X is first divided by the config's
        ``preprocess: divide_by``, with a ScaledInputWarning if X looks scaled already (see
        nncli.inputs.looks_already_scaled); ``preprocess=False`` gives X to the first layer
        as it is. Raises InputError (an NncliError) on anything wrong with X (check_batch).
        """
        X = check_batch(X, self.input_size, self.name)
        warn_if_already_scaled(X, self._divide_by(preprocess))
        engine = self._engine(preprocess)
        ready = engine.ready(X)  # X needs no conversion: the trace shows it (read-only) rather than a copy
        keep = Buffers.allocate(self.layers, self.dtype, self.input_size, X.shape[0], share_identity=False,
                                with_x=not ready)
        if ready:
            keep = replace(keep, x=X.view())
            keep.x.flags.writeable = False
        for _tile in engine.run([X], first_row=first_row, source=source, keep=keep):
            pass  # the engine writes the converted X (unless ready) and every A and Z into keep
        traces = tuple(LayerTrace(k, layer.name, layer.activation.label, A, Z)
                       for k, (layer, A, Z) in enumerate(zip(self.layers, keep.A, keep.Z), start=1))
        P = probabilities(self.probabilities_from, traces[-1].Z, traces[-1].A)
        return ForwardTrace(X=keep.x, layers=traces, probabilities=P, probabilities_from=self.probabilities_from)

    def predict(self, X: Rows, preprocess: bool = True) -> np.ndarray:
        """Only the output Y (batch, output units), without keeping intermediate layers; X and
        ``preprocess`` as for ``forward``."""
        X = check_batch(X, self.input_size, self.name)
        warn_if_already_scaled(X, self._divide_by(preprocess))
        out = np.empty((X.shape[0], self.output_size), self.dtype)  # (batch, output units)
        for start, Y, _A in self._engine(preprocess).run([X]):
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
        With ``predicted``, each chunk also carries the probabilities and the predicted
        classes (as ``ForwardTrace``). ``observer(k, A_k, Z_k)`` sees every layer of every
        tile (views valid only during the call), e.g. for ``nncli.evaluate.BatchStats``.
        ``first_row`` and ``source`` only name the row and file in messages about bad values.
        ``preprocess`` as for ``forward`` (at most one ScaledInputWarning, for the first batch
        that looks scaled already).
        """
        where = self.probabilities_from if predicted else None
        batches = self._warn_once_if_scaled(batches, self._divide_by(preprocess))
        run = self._engine(preprocess).run(batches, observer, where == "A", first_row, source)
        for start, Z, A in run:
            Y = Z.copy()
            P = probabilities(where, Y, A)
            classes = output_classes(Y, P) if predicted else None
            yield OutputChunk(start=start, Y=Y, predicted=classes, probabilities=P)

    def with_preprocess(self, divide_by: float | None) -> "Network":
        """The same network with other preprocessing, e.g. ``--divide-by 255`` overriding the
        config's ``preprocess: {divide_by}`` (None: no division). Raises InputError if
        divide_by is zero, not finite, or out of the dtype's range (see divide_by_problem)."""
        check_divide_by(divide_by, self.dtype)
        return Network(replace(self.spec, preprocess=Preprocess(divide_by=divide_by)))

    @staticmethod
    def _warn_once_if_scaled(batches: Iterable[np.ndarray], divide_by: float | None) -> Iterator[np.ndarray]:
        warned = divide_by is None
        for batch in batches:
            if not warned and isinstance(batch, np.ndarray):
                warned = warn_if_already_scaled(batch, divide_by)
            yield batch

    def _divide_by(self, preprocess: bool) -> float | None:
        return self.spec.preprocess.divide_by if preprocess else None

    def _engine(self, preprocess: bool) -> Engine:
        return Engine(self.layers, self.dtype, self.input_size, self.name, self._divide_by(preprocess))


def load_network(path: str | Path, dtype: str | None = None) -> Network:
    """Load a network from a YAML config (``dtype`` overrides the config's ``dtype``).

    Raises nncli.errors.ConfigError with ``path:line:column`` on any problem in the file.
    """
    return Network(load_spec(path, dtype))


def predicted_classes(probabilities: np.ndarray) -> np.ndarray:
    """The predicted class of each row of (batch, n) scores or probabilities: an object array
    (batch,) holding the argmax of the row as a Python int (the first on ties), or None where
    no class is predicted: the row holds NaN, or every score is -inf (its softmax is NaN).
    Scaling, shifting and softmax keep the order, so scores and their softmax agree.

    None rather than a number such as -1, which would silently pick the last class when
    used as an index: numpy refuses an object array as an index and a list refuses None.
    ``.tolist()`` gives the JSON form (ints and nulls).
    """
    classes = np.argmax(probabilities, axis=1).astype(object)  # Python ints
    if probabilities.size:
        none = np.isnan(probabilities).any(axis=1) | (np.max(probabilities, axis=1) == -np.inf)
        classes[none] = None
    return classes


BINARY_THRESHOLD = 0.5


def output_classes(Y: np.ndarray, probabilities: np.ndarray | None) -> np.ndarray:
    """The predicted class of each row of a network's output, the one rule ``forward``,
    ``predict_batches`` and ``evaluate`` share: an object array (batch,) of Python ints or None.

    With 2+ output units, ``predicted_classes(probabilities)``. With one unit, Y (batch, 1)
    is read as the probability of class 1 (a sigmoid or step output): class 1 where
    y > 0.5, class 0 otherwise (y = 0.5 exactly included), None where y is NaN.
    """
    if probabilities is not None:
        return predicted_classes(probabilities)
    y = Y[:, 0]
    classes = (y > BINARY_THRESHOLD).astype(np.int64).astype(object)
    classes[np.isnan(y)] = None
    return classes
