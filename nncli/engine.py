"""The one forward loop: every A and Z that nncli computes is computed here, in fixed tiles.

For each layer k, on a tile of rows of the input (the book's notation; rows are samples)::

    A_k = Z_(k-1)·W_k + b_k      np.matmul(Z, W, out=A); A += b        # (tile, width_k)
    Z_k = h_k(A_k)               the registry's activation, with out=   # (tile, units_k)

``Network.predict`` keeps only the last Z; ``Network.forward`` is this loop plus an observer
that copies every A and Z; ``nncli evaluate --stats`` is this loop plus an observer that
folds them into running figures. Buffers are allocated once per pass and reused per tile;
the bias add and the activation run over row blocks small enough to stay in the CPU cache.

Same numbers on every path: tiles are cut at fixed offsets of the whole input (rows 0..T-1,
T..2T-1, ...) whatever the batches the input arrives in, and T depends only on the network.
BLAS picks other kernels (which round differently in the last bit) for other row counts,
so this is what makes ``forward``, ``predict`` and any ``--batch-size`` bit-identical.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from nncli.activations import Activation, softmax
from nncli.config import LayerSpec
from nncli.inputs import check_batch, convert_rows

# Rows per tile. Large enough that BLAS runs at full speed (and takes its large-matrix
# kernels), small enough that one tile's A and Z of a narrow network fit in a core's L2 cache.
# It depends only on the network, never on the input, so that results never depend on how
# the input is split into batches.
MIN_TILE_ROWS = 512
MAX_TILE_ROWS = 4096
TILE_BUDGET_BYTES = 2 * 1024 * 1024
# The bias add and the activation run over blocks of about this many bytes of A, so that the
# block is still in the L2 cache for the second pass.
EPILOGUE_BLOCK_BYTES = 512 * 1024

# observer(k, A_k, Z_k): layer index (1-based), A of the tile (rows, width), Z of the tile
# (rows, units); views of reused buffers, valid only during the call.
LayerObserver = Callable[[int, np.ndarray, np.ndarray], None]


def tile_rows_for(layers: Sequence[LayerSpec], dtype: np.dtype) -> int:
    """Rows per tile for a network: a multiple of 256 between MIN_TILE_ROWS and MAX_TILE_ROWS.

    About TILE_BUDGET_BYTES of activations per tile (the sum of widths and units over the
    layers, in ``dtype``), e.g. 1536 rows for the book's 784-50-100-10 network in float32.
    A layer with over 1M weights gets MAX_TILE_ROWS instead: re-reading W for every tile
    would cost more than the cache saves, and BLAS is fastest on many rows.
    """
    itemsize = np.dtype(dtype).itemsize
    per_row = sum(layer.width + layer.units for layer in layers) * itemsize
    rows = TILE_BUDGET_BYTES // max(per_row, 1)
    if max(layer.W.size for layer in layers) >= 1 << 20:
        rows = MAX_TILE_ROWS
    rows = int(rows) // 256 * 256
    return max(MIN_TILE_ROWS, min(MAX_TILE_ROWS, rows))


def probabilities_source(layers: Sequence[LayerSpec]) -> str | None:
    """Where a network's probabilities come from: "Y" when the output activation is softmax
    (the output is the probabilities), "A" (softmax of the last A), "Z" (softmax of the
    output, for glu/maxout whose A is wider than the output), or None for a 1-unit output."""
    last = layers[-1]
    if last.units < 2:
        return None
    if last.activation.name == "softmax":
        return "Y"
    return "A" if last.width == last.units else "Z"


def probabilities(where: str | None, Y: np.ndarray, A: np.ndarray) -> np.ndarray | None:
    """The probabilities (rows, classes) from the last layer's output Y and A, as chosen by
    ``probabilities_source``: Y itself, softmax(A), softmax(Y), or None."""
    if where is None:
        return None
    if where == "Y":
        return Y
    return softmax(A if where == "A" else Y)


class Engine:
    """Runs rows through a network's layers ``tile_rows`` at a time, reusing its buffers.

    One instance serves one pass over an input (``run``); it is not thread-safe. ``divide_by``
    (None: no division) scales the input rows as they are converted (nncli.inputs).
    """

    def __init__(self, layers: Sequence[LayerSpec], dtype: np.dtype, input_size: int, network_name: str,
                 divide_by: float | None) -> None:
        self.layers = tuple(layers)
        self.dtype = np.dtype(dtype)
        self.input_size = input_size
        self.network_name = network_name
        self.divide_by = divide_by
        self.tile_rows = T = tile_rows_for(self.layers, self.dtype)
        # Buffers are allocated here but only paged in when written.
        self._x = np.empty((T, input_size), self.dtype)  # the input tile, when rows need converting
        self._A = tuple(np.empty((T, layer.width), self.dtype) for layer in self.layers)
        # Z is A for identity (no copy); else its own buffer, untouched when Z is written over A.
        self._Z = tuple(A if layer.activation.name == "identity" else np.empty((T, layer.units), self.dtype)
                        for A, layer in zip(self._A, self.layers))
        self._acts: tuple[Activation | None, ...] = tuple(
            None if layer.activation.name == "identity" else layer.activation for layer in self.layers)
        # Z may overwrite A when it has A's shape and each block of Z needs only its own block of A.
        self._in_place = tuple(layer.units == layer.width and layer.activation.spec.kind in ("elementwise", "rowwise")
                               for layer in self.layers)
        self._block_rows = tuple(
            max(16, min(T, EPILOGUE_BLOCK_BYTES // (max(layer.width, layer.units) * self.dtype.itemsize)))
            for layer in self.layers)

    def run(self, batches: Iterable[np.ndarray], observer: LayerObserver | None = None, keep_last_a: bool = False,
            first_row: int = 0, source: str | None = None) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """For each tile, ``(start, Z_last, A_last)``: the tile's first row (0-based, counted
        over all batches) and views of the last layer's Z (rows, units) and A (rows, width).

        The views are overwritten by the next tile: copy what you keep. Tiles are cut at
        rows 0, T, 2T, ... of the concatenated batches, whatever the batches' sizes. Without
        an observer, Z is computed over A's buffer where it can be; ``keep_last_a`` keeps
        the last layer's A intact (then A_last is not Z_last). ``first_row`` and ``source``
        only name the row and file in messages about bad values.
        """
        T = self.tile_rows
        start = 0  # first row of the next tile
        fill = 0  # rows of a partial tile waiting in self._x
        for batch in batches:
            X = check_batch(batch, self.input_size, self.network_name)
            n = X.shape[0]
            i = 0
            if fill:
                take = min(T - fill, n)
                convert_rows(X[:take], self._x[fill : fill + take], self.divide_by, first_row + start + fill, source)
                fill += take
                i = take
                if fill == T:
                    yield (start, *self._tile(self._x, observer, keep_last_a))
                    start += T
                    fill = 0
            while n - i >= T:
                tile = X[i : i + T]
                if not (self.divide_by is None and X.dtype == self.dtype and tile.flags.c_contiguous):
                    convert_rows(tile, self._x, self.divide_by, first_row + start, source)
                    tile = self._x
                yield (start, *self._tile(tile, observer, keep_last_a))
                start += T
                i += T
            if i < n:
                convert_rows(X[i:], self._x[: n - i], self.divide_by, first_row + start, source)
                fill = n - i
        if fill:
            yield (start, *self._tile(self._x[:fill], observer, keep_last_a))

    def _tile(self, X: np.ndarray, observer: LayerObserver | None, keep_last_a: bool
              ) -> tuple[np.ndarray, np.ndarray]:
        rows = X.shape[0]
        last = len(self.layers) - 1
        Z = A = X
        # inf and NaN in inputs or weights follow IEEE rules in the products and sums, without
        # warnings; the activations' formulas never warn themselves.
        with np.errstate(over="ignore", invalid="ignore"):
            for index, layer in enumerate(self.layers):
                A = self._A[index][:rows]
                np.matmul(Z, layer.W, out=A)  # (rows, width)
                act = self._acts[index]
                over_a = self._in_place[index] and observer is None and not (keep_last_a and index == last)
                Z = (A if over_a else self._Z[index])[:rows]
                step = self._block_rows[index]
                for r in range(0, rows, step):  # bias and activation block by block, while in cache
                    a = A[r : r + step]
                    a += layer.b
                    if act is not None:
                        act(a, out=Z[r : r + step])
                if observer is not None:
                    observer(index + 1, A, Z)
        return Z, A
