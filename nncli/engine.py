"""The one forward loop: every A and Z that nncli computes is computed here, in fixed tiles.

For each layer k, on a tile of rows of the input (the book's notation; rows are samples)::

    A_k = Z_(k-1)·W_k + b_k      np.matmul(Z, W, out=A); A += b        # (tile, width_k)
    Z_k = h_k(A_k)               the registry's activation, with out=   # (tile, units_k)

``Network.predict`` keeps only the last Z; ``Network.forward`` is this loop writing every A
and Z straight into the trace's arrays (``run(keep=...)``); ``nncli evaluate --stats`` is
this loop plus an observer that folds them into running figures. Buffers are allocated once
per pass and reused per tile; the bias add and the activation run over row blocks small
enough to stay in the CPU cache. Two kernels are the engine's own, each the registry's
formula in a faster layout: ``softmax_t`` (narrow float32 softmax) and ``sigmoid_biased``
(float32 bias add + sigmoid in one pass, bit for bit the registry's).

Same numbers on every path: tiles are cut at fixed offsets of the whole input (rows 0..T-1,
T..2T-1, ...) whatever the batches the input arrives in, T depends only on the network, and
so does the number of BLAS threads (``parallel_tiles``). BLAS picks other kernels (which
round differently in the last bit) for other row counts and thread counts, so this is what
makes ``forward``, ``predict`` and any ``--batch-size`` bit-identical.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

import numpy as np

from nncli.activations import Activation, softmax
from nncli.config import LayerSpec
from nncli.inputs import check_batch, convert_rows

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

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
# Networks whose products per tile reach this many multiply-adds (and whose layers all have
# under 1M weights) run their tiles on WORKERS threads of their own, BLAS on one thread each.
PARALLEL_MIN_MACS = 1 << 24
WORKERS = 2

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


def parallel_tiles(layers: Sequence[LayerSpec], tile_rows: int) -> bool:
    """Whether a network's tiles run on WORKERS threads of their own (see ``Engine``): the
    machine has 2+ cores, nncli can set BLAS's thread count (numpy's bundled OpenBLAS), no
    layer has 1M weights or more (BLAS's own threads serve those best) and a tile's products
    reach PARALLEL_MIN_MACS multiply-adds (e.g. the book's MNIST network: 69M at 1536 rows)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    macs = tile_rows * sum(layer.W.size for layer in layers)
    small = max(layer.W.size for layer in layers) < 1 << 20
    return cores >= 2 and small and macs >= PARALLEL_MIN_MACS and _blas_threads() is not None


@dataclass(frozen=True)
class Buffers:
    """Where a tile's numbers go: the converted input x (rows, inputs), and A_k (rows, width_k)
    and Z_k (rows, units_k) of every layer; Z_k may be A_k itself (identity, or a scratch set
    whose Z is written over A)."""

    x: np.ndarray
    A: tuple[np.ndarray, ...]
    Z: tuple[np.ndarray, ...]
    scratch: np.ndarray | None = None  # float64, one epilogue block, for sigmoid_biased

    @classmethod
    def allocate(cls, layers: Sequence[LayerSpec], dtype: np.dtype, input_size: int, rows: int,
                 share_identity: bool = True, with_x: bool = True) -> "Buffers":
        """Uninitialised buffers for ``rows`` rows (paged in only when written). With
        ``share_identity``, an identity layer's Z is its A (no copy); without ``with_x``, x
        has no rows (the input is used as it is).

        All of them are views of one allocation: for a large one numpy asks the kernel for
        huge pages, so writing fresh buffers (``Network.forward``'s trace) costs a few page
        faults instead of one per 4 KiB (3,100 for the MNIST trace, a third of its time).
        """
        dtype = np.dtype(dtype)
        same = [share_identity and layer.activation.name == "identity" for layer in layers]  # Z is A
        shapes = [(rows if with_x else 0, input_size)]
        for layer, z_is_a in zip(layers, same):
            shapes += [(rows, layer.width), (rows, 0 if z_is_a else layer.units)]
        sizes = [r * c for r, c in shapes]
        block = np.empty(sum(sizes), dtype)
        offsets = np.cumsum([0, *sizes])
        views = [block[o : o + n].reshape(shape) for o, n, shape in zip(offsets, sizes, shapes)]
        A = tuple(views[1::2])
        Z = tuple(a if z_is_a else z for a, z, z_is_a in zip(A, views[2::2], same))
        return cls(views[0], A, Z, np.empty(EPILOGUE_BLOCK_BYTES // dtype.itemsize))

    def rows(self, start: int, stop: int) -> "Buffers":
        """Views of rows start..stop-1 of every buffer."""
        return Buffers(self.x[start:stop], tuple(a[start:stop] for a in self.A), tuple(z[start:stop] for z in self.Z))


# (first row, rows (rows, inputs), None when the rows are ready, else where to convert them)
Tile = tuple[int, np.ndarray, "np.ndarray | None"]
Layers = list[tuple[np.ndarray, np.ndarray]]  # (A_k, Z_k) views of one tile, layer by layer


class Engine:
    """Runs rows through a network's layers ``tile_rows`` at a time, reusing its buffers.

    One instance serves one pass over an input (``run``); it is not thread-safe. ``divide_by``
    (None: no division) scales the input rows as they are converted (nncli.inputs).

    Networks with enough work per tile (``parallel_tiles``) compute two tiles at a time on
    threads of their own, with BLAS on one thread (numpy releases the GIL in products and
    activations): both cores then share the products, bias adds and activations, where
    BLAS's own threads would leave the elementwise passes on one core. Every tile of such a
    network, whatever the input's size, is computed with BLAS on one thread, since the number
    of BLAS threads can change the last bits of a product.
    """

    def __init__(self, layers: Sequence[LayerSpec], dtype: np.dtype, input_size: int, network_name: str,
                 divide_by: float | None) -> None:
        self.layers = tuple(layers)
        self.dtype = np.dtype(dtype)
        self.input_size = input_size
        self.network_name = network_name
        self.divide_by = divide_by
        self.tile_rows = T = tile_rows_for(self.layers, self.dtype)
        self.parallel = parallel_tiles(self.layers, T)
        # Parallel: up to WORKERS tiles in flight while the caller holds the one before them.
        self._buffers = tuple(Buffers.allocate(self.layers, self.dtype, input_size, T)
                              for _ in range(WORKERS + 1 if self.parallel else 1))
        self._acts: tuple[Callable[..., object] | None, ...] = tuple(_kernel(layer.activation, self.dtype, layer.width)
                                                                   for layer in self.layers)
        # Z may overwrite A when it has A's shape and each block of Z needs only its own block of A.
        self._in_place = tuple(layer.units == layer.width and layer.activation.spec.kind in ("elementwise", "rowwise")
                               for layer in self.layers)
        # float32 sigmoid written over A: the bias add joins the kernel's first pass (sigmoid_biased)
        self._neg_b = tuple(-layer.b if layer.activation.name == "sigmoid" and self.dtype == np.float32 else None
                            for layer in self.layers)
        self._block_rows = tuple(
            max(16, min(T, EPILOGUE_BLOCK_BYTES // (max(layer.width, layer.units) * self.dtype.itemsize)))
            for layer in self.layers)

    def run(self, batches: Iterable[np.ndarray], observer: LayerObserver | None = None, keep_last_a: bool = False,
            first_row: int = 0, source: str | None = None, keep: Buffers | None = None
            ) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """For each tile, ``(start, Z_last, A_last)``: the tile's first row (0-based, counted
        over all batches) and views of the last layer's Z (rows, units) and A (rows, width).

        The views are overwritten once the caller asks for the next tile: copy what you keep.
        Tiles are cut at rows 0, T, 2T, ... of the concatenated batches, whatever the batches'
        sizes. Without an observer, Z is computed over A's buffer where it can be;
        ``keep_last_a`` keeps the last layer's A intact (then A_last is not Z_last). The
        observer sees each tile's layers in order, from the calling thread, just before the
        tile is yielded. ``first_row`` and ``source`` only name the row and file in messages
        about bad values. A batch may be overwritten by the caller once the next is asked for.

        ``keep`` (``Buffers.allocate(..., rows, share_identity=False)`` for the one batch of
        ``[X]``) keeps everything: each tile's converted input (when X is not ``ready``), A
        and Z are written straight into its rows (``Network.forward``), and the views yielded
        are views of ``keep``.
        """
        keep_all = observer is not None or keep is not None

        def where(count: int, start: int) -> Buffers:  # the buffers of the count-th tile
            if keep is not None:
                return keep.rows(start, start + self.tile_rows)
            return self._buffers[count % len(self._buffers)]

        if not self.parallel:
            tiles = self._tiles(batches, first_row, source, where, lambda: None)
            for count, (start, X, convert_to) in enumerate(tiles):
                layers = self._tile(start, X, convert_to, where(count, start), keep_all, keep_last_a, first_row, source)
                yield self._report(start, layers, observer)
            return
        pool = _pool()
        flight: deque[tuple[int, Future[Layers]]] = deque()  # tiles being computed, in order
        count = 0

        def drain() -> None:  # the caller may overwrite its batch: finish the tiles that read it
            for _start, future in flight:
                future.result()

        with _OneBlasThread():
            try:
                for start, X, convert_to in self._tiles(batches, first_row, source, where, drain):
                    while len(flight) >= WORKERS:
                        done_start, future = flight.popleft()
                        yield self._report(done_start, future.result(), observer)
                    buffers = where(count, start)
                    flight.append((start, pool.submit(self._tile, start, X, convert_to, buffers, keep_all,
                                                      keep_last_a, first_row, source)))
                    count += 1
                while flight:
                    done_start, future = flight.popleft()
                    yield self._report(done_start, future.result(), observer)
            finally:  # an error, or the caller stopped early: let no tile run on after the pass
                for _start, future in flight:
                    if not future.cancel():
                        future.exception()

    def ready(self, X: np.ndarray) -> bool:
        """Whether rows X (checked by check_batch) are used as they are: the network's dtype,
        C-contiguous, no division."""
        return self.divide_by is None and X.dtype == self.dtype and X.flags.c_contiguous

    def _tiles(self, batches: Iterable[np.ndarray], first_row: int, source: str | None,
               where: Callable[[int, int], Buffers], before_next_batch: Callable[[], None]) -> Iterator[Tile]:
        """The input cut into tiles of T rows: views of a batch, to be converted (by ``_tile``)
        into ``where(count, start).x``, the input buffer of the count-th tile, unless they
        need no conversion (``ready``); the rows of a tile spread over batches are converted
        here, as the caller may overwrite a batch once it gives the next. The batches of a
        list or tuple stay: the last one's final rows are a tile of their own."""
        T = self.tile_rows
        final = len(batches) - 1 if isinstance(batches, (list, tuple)) else -1
        start = 0  # first row of the next tile
        count = 0  # tiles yielded
        fill = 0  # rows of a partial tile waiting in the buffer
        x = where(count, start).x
        for index, batch in enumerate(batches):
            X = check_batch(batch, self.input_size, self.network_name)
            n = X.shape[0]
            i = 0
            if fill:
                take = min(T - fill, n)
                convert_rows(X[:take], x[fill : fill + take], self.divide_by, first_row + start + fill, source)
                fill += take
                i = take
                if fill == T:
                    yield start, x, None
                    start, count, fill = start + T, count + 1, 0
            while n - i >= T or (index == final and not fill and i < n):
                tile = X[i : i + T]
                yield start, tile, None if self.ready(tile) else where(count, start).x
                start, count, i = start + tile.shape[0], count + 1, i + tile.shape[0]
            if i < n:
                x = where(count, start).x
                convert_rows(X[i:], x[: n - i], self.divide_by, first_row + start, source)
                fill = n - i
            before_next_batch()
        if fill:
            yield start, x[:fill], None

    def _tile(self, start: int, X: np.ndarray, convert_to: np.ndarray | None, buffers: Buffers, keep_all: bool,
              keep_last_a: bool, first_row: int, source: str | None) -> Layers:
        """Every layer on one tile X (rows, inputs), first converted into ``convert_to`` if
        given, in ``buffers``: [(A_k, Z_k), ...]."""
        rows = X.shape[0]
        if convert_to is not None:
            convert_rows(X, convert_to[:rows], self.divide_by, first_row + start, source)
            X = convert_to[:rows]
        last = len(self.layers) - 1
        Z = X
        layers: Layers = []
        # inf and NaN in inputs or weights follow IEEE rules in the products and sums, without
        # warnings; the activations' formulas never warn themselves.
        with np.errstate(over="ignore", invalid="ignore"):
            for index, layer in enumerate(self.layers):
                A = buffers.A[index][:rows]
                np.matmul(Z, layer.W, out=A)  # (rows, width)
                act = self._acts[index]
                over_a = self._in_place[index] and not keep_all and not (keep_last_a and index == last)
                Z = (A if over_a else buffers.Z[index])[:rows]
                step = self._block_rows[index]
                for r in range(0, rows, step):  # bias and activation block by block, while in cache
                    a = A[r : r + step]
                    if over_a and self._neg_b[index] is not None and buffers.scratch is not None \
                            and a.size <= buffers.scratch.size:
                        sigmoid_biased(a, self._neg_b[index], buffers.scratch)
                        continue
                    a += layer.b
                    if act is not None:
                        act(a, out=Z[r : r + step])
                    elif Z is not A:  # identity, kept apart from A
                        Z[r : r + step] = a
                layers.append((A, Z))
        return layers

    @staticmethod
    def _report(start: int, layers: Layers, observer: LayerObserver | None) -> tuple[int, np.ndarray, np.ndarray]:
        if observer is not None:
            for k, (A, Z) in enumerate(layers, start=1):
                observer(k, A, Z)
        A, Z = layers[-1]
        return start, Z, A


# --- kernels ----------------------------------------------------------------------------

# Narrow float32 softmax outputs (classes of a classifier) use SOFTMAX_T; wider ones the registry.
SOFTMAX_T_MAX_WIDTH = 64


def _kernel(activation: Activation, dtype: np.dtype, width: int) -> Callable[..., object] | None:
    """What computes Z = h(A) block by block (``kernel(a, out=z)``): None for identity (Z is
    A), ``softmax_t`` for a narrow float32 softmax, else the registry's activation itself."""
    if activation.name == "identity":
        return None
    if activation.name == "softmax" and dtype == np.float32 and width <= SOFTMAX_T_MAX_WIDTH:
        return softmax_t
    return activation


def softmax_t(a: np.ndarray, *, out: np.ndarray) -> None:
    """Row-wise softmax of a float32 block a (rows, n) into ``out`` (may be a), computed as
    the registry's float32 softmax is, in float64 and rounded once, but on the transposed
    block (n, rows): there the row maxima and sums are n - 1 vector operations over all rows,
    where numpy reduces each row of 10 values on its own (4x the time of the whole
    softmax for MNIST's 10 classes).

        t = a.T (float64), C = max over each column, t = exp(t - C), y = t * (1 / sum(t))

    a - C is exact in float64 and exp is the registry's float64 exp, so the only difference
    from ``activations.softmax`` is the order of the float64 sum (2^-52 relative): the
    float32 results agree bit for bit except in the rare ties of the final rounding (none in
    614,400 values tested), within 1 ulp. Rows whose maximum is not finite (+inf, NaN, only
    -inf) go to the registry's softmax, which defines them.
    """
    rows = a.shape[0]
    t = np.empty((a.shape[1], rows))  # (n, rows) float64
    np.copyto(t, a.T)
    C = np.maximum.reduce(t, axis=0)  # (rows,)
    if not np.isfinite(C).all():
        softmax(a, out=out)
        return
    t -= C
    np.exp(t, out=t)
    S = np.add.reduce(t, axis=0)  # (rows,)
    np.divide(1.0, S, out=S)
    t *= S
    np.copyto(out.T, t, casting="same_kind")  # one rounding to float32


def sigmoid_biased(a: np.ndarray, neg_b: np.ndarray, scratch: np.ndarray) -> None:
    """a <- sigmoid(a + b) in place for a float32 block a (rows, n), given -b (n,) and a
    float64 scratch of at least a.size values; bit for bit ``activations.sigmoid(a + b)``.

    The registry's float32 sigmoid computes e = exp(-A) in float64 from A = a + b (rounded to
    float32), then 1 + e rounded to float32 and its float32 reciprocal. Here the bias add, the
    negation and the widening are one pass: (-b) - a rounded to float32 is exactly -(a + b)
    (rounding to nearest is symmetric; only the sign of a zero may differ, and exp(±0) = 1).
    """
    e = scratch[: a.size].reshape(a.shape)  # (rows, n) float64
    np.subtract(neg_b, a, out=e)  # float32 arithmetic, widened exactly
    np.exp(e, out=e)  # exp(-A) in float64; +inf where -A > 709.78, giving sigmoid 0
    np.add(e, 1.0, out=a)  # 1 + e rounded once to float32
    np.reciprocal(a, out=a)


# --- threads ----------------------------------------------------------------------------

_lock = threading.Lock()
_state: dict[str, object] = {}  # "blas": (set, get) or None once looked up; "pool"; "users", "saved"


def _blas_threads() -> tuple[Callable[[int], None], Callable[[], int]] | None:
    """(set, get) for the number of threads of numpy's bundled OpenBLAS, or None when numpy
    uses another BLAS (then nncli leaves BLAS's threads alone and runs tiles one by one)."""
    with _lock:
        if "blas" not in _state:
            _state["blas"] = _find_openblas()
        return _state["blas"]  # type: ignore[return-value]


def _find_openblas() -> tuple[Callable[[int], None], Callable[[], int]] | None:
    libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"  # where numpy's wheels put OpenBLAS
    for path in sorted(libs.glob("*openblas*")):
        lib = ctypes.CDLL(str(path))  # the copy numpy has loaded already
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    setter.argtypes, setter.restype, getter.restype = [ctypes.c_int], None, ctypes.c_int
                    return setter, getter
    return None


def _pool() -> ThreadPoolExecutor:
    """The WORKERS threads that compute tiles, started on first use."""
    from concurrent.futures import ThreadPoolExecutor  # 5 ms of start-up: only parallel runs need it

    with _lock:
        if _state.get("pool_pid") != os.getpid():  # none yet, or inherited by a forked child without its threads
            _state["pool"] = ThreadPoolExecutor(WORKERS, thread_name_prefix="nncli-tile")
            _state["pool_pid"] = os.getpid()
        return _state["pool"]  # type: ignore[return-value]


class _OneBlasThread:
    """While any parallel run is active, BLAS runs on one thread (restored after the last)."""

    def __enter__(self) -> None:
        setter, getter = _blas_threads()  # type: ignore[misc]
        with _lock:
            users = int(_state.get("users", 0))  # type: ignore[call-overload]
            if users == 0:
                _state["saved"] = getter()
                setter(1)
            _state["users"] = users + 1

    def __exit__(self, *exc: object) -> None:
        setter, _getter = _blas_threads()  # type: ignore[misc]
        with _lock:
            users = int(_state["users"]) - 1  # type: ignore[call-overload]
            _state["users"] = users
            if users == 0:
                setter(int(_state["saved"]))  # type: ignore[call-overload]
