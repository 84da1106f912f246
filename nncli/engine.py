"""The fast inference path: many rows through the layers in fixed tiles, with reused buffers.

``Network.forward`` keeps every A and Z of a batch so they can be shown; evaluating or
streaming thousands of rows only needs the output, and there the time goes to elementwise
work and memory traffic rather than to the matrix products. This module runs the rows
``tile_rows`` at a time through buffers allocated once::

    A_k = Z_(k-1)·W_k + b_k      np.matmul(Z, W, out=A); A += b        # (tile, width_k)
    Z_k = h_k(A_k)               computed in place, over A's buffer when nobody needs A

Nothing is allocated per tile, and the bias and activation passes run over blocks of rows
small enough to stay in the CPU cache between passes.

Same numbers as ``forward``: each layer calls the registry's own activation with ``out=``
(``Activation.__call__(a, out=z)``), the very function ``Network.forward`` calls.

Same numbers whatever the batch size: BLAS libraries pick different kernels (and so round
differently in the last bit) for different numbers of rows, so the tiles are cut at fixed
offsets of the whole input (rows 0..T-1, T..2T-1, ...) regardless of how the input arrives
in batches. Chunked and unchunked runs therefore give bit-identical results; a row computed
in a batch of another size (e.g. by ``forward`` on a few rows) may differ in the last bit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

import numpy as np

from nncli.config import LayerSpec

if TYPE_CHECKING:
    from nncli.activations import Activation
from nncli.network import check_batch, check_fits

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

# (layer index 1-based, A of the tile (rows, width), Z of the tile (rows, units)); the arrays
# are views of reused buffers, valid only during the call.
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


class TiledForward:
    """Runs rows through a network's layers ``tile_rows`` at a time, reusing its buffers.

    One instance serves one pass over an input (``run``); it is not thread-safe.
    """

    def __init__(
        self,
        layers: Sequence[LayerSpec],
        dtype: np.dtype,
        input_size: int,
        network_name: str,
        divide_by: float | None,
        tile_rows: int,
    ) -> None:
        self.layers = tuple(layers)
        self.dtype = np.dtype(dtype)
        self.input_size = input_size
        self.network_name = network_name
        self.divide_by = None if divide_by is None else self.dtype.type(divide_by)
        self.tile_rows = tile_rows
        self.row_offset = 0  # for messages: the input's first row in its file (with --rows)
        self.source: str | None = None  # for messages: the file the rows come from
        T = tile_rows
        self._x = np.empty((T, input_size), self.dtype)  # the input tile, when rows need converting
        self._A: list[np.ndarray] = []
        self._Z: list[np.ndarray] = []  # untouched (so never paged in) while Z is computed over A
        self._acts: list[Activation | None] = []  # None for identity (Z is A)
        self._in_place: list[bool] = []  # may Z be written over A?
        self._block_rows: list[int] = []
        for layer in self.layers:
            A = np.empty((T, layer.width), self.dtype)
            self._A.append(A)
            block = EPILOGUE_BLOCK_BYTES // (max(layer.width, layer.units) * self.dtype.itemsize)
            self._block_rows.append(max(16, min(T, int(block))))
            act = layer.activation
            if act.name == "identity":
                self._Z.append(A)  # Z = A: no copy
                self._acts.append(None)
                self._in_place.append(True)
                continue
            self._Z.append(np.empty((T, layer.units), self.dtype))
            self._acts.append(act)
            # Z may overwrite A when it has A's shape and each block of Z needs only its own block of A.
            self._in_place.append(layer.units == layer.width and act.spec.kind in ("elementwise", "rowwise"))

    def run(
        self, batches: Iterable[np.ndarray], observer: LayerObserver | None = None, keep_last_a: bool = False
    ) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """For each tile, ``(start, Z_last, A_last)``: the tile's first row (0-based, counted
        over all batches) and views of the last layer's Z (rows, units) and A (rows, width).

        The views are overwritten by the next tile: copy what you keep. Tiles are cut at
        rows 0, T, 2T, ... of the concatenated batches, whatever the batches' sizes. Without
        an observer, Z is computed over A's buffer where it can be; ``keep_last_a`` keeps
        the last layer's A intact (then A_last is not Z_last).
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
                self._load(X[:take], fill, start + fill)
                fill += take
                i = take
                if fill == T:
                    yield (start, *self._tile(self._x, observer, keep_last_a))
                    start += T
                    fill = 0
            while n - i >= T:
                yield (start, *self._tile(self._ready(X[i : i + T], start), observer, keep_last_a))
                start += T
                i += T
            if i < n:
                self._load(X[i:], 0, start)
                fill = n - i
        if fill:
            yield (start, *self._tile(self._x[:fill], observer, keep_last_a))

    def _ready(self, X: np.ndarray, first_row: int) -> np.ndarray:
        """A full tile of input: X itself when it needs no conversion, else a converted copy."""
        if self.divide_by is None and X.dtype == self.dtype and X.flags.c_contiguous:
            return X
        self._load(X, 0, first_row)
        return self._x

    def _load(self, X: np.ndarray, at: int, first_row: int) -> None:
        """Convert rows into self._x[at:]: ``X.astype(dtype) / divide_by``, as Network.prepare.

        ``first_row`` (X's first row in the whole input) is for the message when a value is
        too large for the network's dtype (e.g. 1e300 in float32), which is an InputError.
        """
        dest = self._x[at : at + X.shape[0]]
        if self.divide_by is not None and np.can_cast(X.dtype, self.dtype, "safe"):
            # One pass: numpy converts X to dtype (exactly: the cast is safe) and divides.
            np.divide(X, self.divide_by, out=dest)
            return
        with np.errstate(over="ignore"):  # reported by check_fits
            np.copyto(dest, X, casting="unsafe")
        check_fits(X, dest, self.dtype, self.row_offset + first_row, self.source)
        if self.divide_by is not None:
            np.divide(dest, self.divide_by, out=dest)

    def _tile(
        self, X: np.ndarray, observer: LayerObserver | None, keep_last_a: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        rows = X.shape[0]
        last = len(self.layers) - 1
        Z = X
        A = X
        # inf and NaN in inputs or weights follow IEEE rules in the products and sums, without
        # warnings (as in Network.forward); the activations' formulas never warn themselves.
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
