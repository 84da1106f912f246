"""Forward and evaluate on a Dask cluster: the input's rows cut into chunks, each chunk run by
one worker with the same engine as a single process, the answers put back together in order.

Same numbers as one process: the engine cuts tiles at fixed offsets of the rows it is given
(``nncli.engine``), so every chunk starts at a multiple of the network's ``tile_rows`` after
the first selected row; each tile is then the very tile a single process computes, and its
outputs are the same bits. ``evaluate`` adds up each chunk's confusion counts (integers), so
its figures equal the single process's exactly.

What moves: the network once per worker (scattered with ``broadcast=True``; tasks name it by
its future), one small task per chunk (file names and row numbers: workers read their rows
themselves, so the input file(s) must be on a filesystem the workers share), and back either
the chunk's outputs (jsonl, csv, npy to a pipe, json), its confusion counts (evaluate), or
nothing: with ``-o FILE.npy`` (or a directory, one .npy per input shard) the client creates
the output file and each worker writes its rows into it, in place, through a memory map.

A worker lost mid-run: the scheduler reruns its chunks elsewhere (a chunk's result depends
only on its rows, and writing rows again writes the same bytes). Any failure or Ctrl-C
cancels what is left, removes the partial output files and stops a cluster nncli started.
Dask is imported when a cluster is connected to, not with this module: ``distributed`` pulls in
click and takes a second to import, which no command without ``--dask`` should pay.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import signal
import threading
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import numpy as np

from nncli.data import InputSource, open_inputs
from nncli.data.shards import ShardedSource
from nncli.errors import InputError, NncliError
from nncli.evaluate import Evaluation, class_names_of, combine, evaluate
from nncli.network import Network, OutputChunk
from nncli.outfile import new_part_file, publish

if TYPE_CHECKING:
    from distributed import Client

# Workers read their own rows, so only files whose rows can be found by number qualify.
ADDRESSABLE_FORMATS = ("npy", "npz", "idx")
# A chunk is a whole number of tiles, about this many rows: few enough tasks that the
# scheduler's ~1 ms per task is nothing, enough that every worker gets several (balance).
CHUNK_ROWS = 65536
CHUNKS_PER_WORKER = 4
# The environment of local worker processes: BLAS on one thread (one worker per core).
ONE_THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# No dashboard; the scheduler's HTTP server (health checks) on a free port of 127.0.0.1, not on 8787.
NO_DASHBOARD = {"dashboard": False, "dashboard_address": "127.0.0.1:0"}
_ADDRESS = re.compile(r"^(tcp|tls|ws|wss|ucx)://[^\s:/]+:\d+/?$")

Progress = Callable[[int], None]  # progress(rows done so far), called on the client


@dataclass(frozen=True)
class Plan:
    """Where the selected rows are: ``shards`` as (absolute path, rows) in reading order,
    read with ``input_format`` and ``key``; rows ``start`` .. ``stop - 1`` (counted across
    the shards) are selected, cut into chunks of ``chunk_rows`` (a multiple of the
    network's tile rows) from ``start``."""

    shards: tuple[tuple[str, int], ...]
    input_format: str | None
    key: str | None
    start: int
    stop: int
    chunk_rows: int

    def chunks(self) -> list[tuple[int, int]]:
        """(first, stop) of every chunk, global row numbers."""
        return [(a, min(a + self.chunk_rows, self.stop)) for a in range(self.start, self.stop, self.chunk_rows)]

    def reading(self, batch_size: int) -> Reading:
        """The part of the plan that every task carries."""
        return Reading(self.input_format, self.key, self.start, batch_size)

    def pieces(self, first: int, stop: int) -> list[tuple[str, int, int]]:
        """Rows first .. stop - 1 as (path, local first, local stop) of the shards holding them."""
        out, offset = [], 0
        for path, rows in self.shards:
            lo, hi = max(first, offset), min(stop, offset + rows)
            if lo < hi:
                out.append((path, lo - offset, hi - offset))
            offset += rows
        return out


@dataclass(frozen=True)
class Reading:
    """What every task needs to read its rows, and no more (the shard list stays on the client):
    the files' format and npz key, the first selected row and the rows read at a time."""

    input_format: str | None
    key: str | None
    start: int
    batch_size: int


def make_plan(source: InputSource, input_file: str, selection: slice | None, input_format: str | None,
              key: str | None, tile_rows: int, workers: int) -> Plan:
    """The plan for ``source`` (opened from ``input_file`` on the client): InputError unless its
    rows can be addressed by number (npy, npz, IDX files, or shards of them)."""
    if input_file == "-":
        raise InputError("--dask reads rows from files (the workers open them), not from stdin")
    if isinstance(source, ShardedSource):
        shards = tuple((os.path.abspath(s.path), s.rows) for s in source.shards)
        formats = {s.format for s in source.shards}
    else:
        shards = ((os.path.abspath(input_file), source.n_rows),)
        formats = {source.format}
    unaddressable = formats - set(ADDRESSABLE_FORMATS)
    if unaddressable or source.n_rows is None:
        raise InputError(f"--dask needs input whose rows can be found by number (.npy, .npz or IDX files, or "
                         f"shards of them); {source.name} is {', '.join(sorted(unaddressable or formats))}")
    start, stop = source.bounds(selection)
    stop = source.n_rows if stop is None else stop
    per_worker = math.ceil((stop - start) / max(1, workers * CHUNKS_PER_WORKER))
    tiles = max(1, min(math.ceil(per_worker / tile_rows), CHUNK_ROWS // tile_rows))
    return Plan(shards, input_format, key, start, stop, tiles * tile_rows)  # type: ignore[arg-type]


# --- the cluster ------------------------------------------------------------------------


@contextlib.contextmanager
def connect(address: str, timeout: float) -> Iterator[Client]:
    """A Client of the cluster at ``address``: ``local`` (a LocalCluster of one single-threaded
    worker process per core, on 127.0.0.1, no dashboard, BLAS on one thread), ``local:N`` (N
    such workers), or a scheduler's ``tcp://host:port``. A cluster started here is stopped on
    leaving, whatever happens; NncliError when the scheduler cannot be reached in ``timeout`` s."""
    # distributed (a second, and click) loads only when a run reaches a cluster
    from distributed import Client, LocalCluster

    cluster = None
    try:
        if address == "local" or address.startswith("local:"):
            count = _local_workers(address)
            with _ignoring_sigint():  # Ctrl-C is this process's to handle: it stops the workers
                cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, worker_dashboard_address=None,
                                       scheduler_kwargs=NO_DASHBOARD, silence_logs=logging.CRITICAL, env=ONE_THREAD_ENV)
            client = Client(cluster, timeout=timeout, set_as_default=False)
        else:
            if not _ADDRESS.match(address):
                raise InputError(f"--dask {address!r}: expected local, local:N or a scheduler address tcp://HOST:PORT")
            try:
                client = Client(address, timeout=timeout, set_as_default=False)
            except (OSError, TimeoutError):
                raise NncliError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
                                 f"(--dask-timeout)") from None
        try:
            yield client
        finally:
            client.close()
    except BaseException:
        # Stopping mid-run (Ctrl-C, a failure): what the cluster logs while it goes down
        # (scatters cut short, workers removed) is noise after the one-line error.
        logging.disable(logging.CRITICAL)
        raise
    finally:
        try:
            if cluster is not None:
                cluster.close()
        finally:
            logging.disable(logging.NOTSET)


@contextlib.contextmanager
def _ignoring_sigint() -> Iterator[None]:
    """SIGINT ignored while worker processes start, so that they inherit that (Python keeps a
    SIGINT ignored at start-up ignored): Ctrl-C on a terminal, sent to the whole process group,
    then reaches only nncli, which cancels the run and closes the cluster (no worker tracebacks)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _local_workers(address: str) -> int:
    if address == "local":
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    text = address[len("local:"):]
    if not text.isdigit() or int(text) < 1:
        raise InputError(f"--dask {address!r}: local:N needs a whole number of workers N >= 1")
    return int(text)


def worker_count(client: Client) -> int:
    """The number of workers (at least 1), to size the chunks."""
    return max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))


def _run(client: Client, network: Network, plan: Plan, task: Callable[..., Any], extra: Sequence[Any],
         progress: Progress | None) -> Iterator[tuple[int, Any]]:
    """Every chunk's ``task(network, pieces, first, *extra)`` on the cluster; yields (chunk
    number, result) as they complete. The network is scattered once to every worker; on any
    exception, Ctrl-C, or the caller stopping early, what is left is cancelled."""
    from distributed import as_completed  # with the client's own import: see connect

    net = client.scatter(network, broadcast=True, hash=False)
    chunks = plan.chunks()
    run = uuid.uuid4().hex[:12]
    futures = [client.submit(task, net, plan.pieces(a, b), a, *extra, pure=False, key=f"nncli-{run}-{i}")
               for i, (a, b) in enumerate(chunks)]
    number = {f.key: i for i, f in enumerate(futures)}
    done = 0
    try:
        for future in as_completed(futures, loop=client.loop):
            i = number[future.key]
            try:
                result = future.result()
            except NncliError:
                raise  # a bad row or file, found by a worker: the message a single process gives
            except Exception as err:  # a worker died too often, the scheduler went away, ...
                raise NncliError(f"the Dask run failed on chunk {i}: {type(err).__name__}: {err}") from None
            done += chunks[i][1] - chunks[i][0]
            if progress is not None:
                progress(done)
            yield i, result
    finally:
        client.cancel([*futures, net], force=True)


def _batches(pieces: list[tuple[str, int, int]], read: Reading) -> Iterator[np.ndarray]:
    """On a worker: the rows of ``pieces``, read from the shared files ``batch_size`` at a time."""
    for path, lo, hi in pieces:
        with open_inputs(path, input_format=read.input_format, key=read.key) as source:
            yield from source.batches(read.batch_size, slice(lo, hi), reuse=True)


# --- forward ----------------------------------------------------------------------------


def _outputs_task(network: Network, pieces: list[tuple[str, int, int]], first: int, read: Reading) -> OutputChunk:
    """On a worker: one chunk's outputs (Y, probabilities, predicted), ``start`` its first row."""
    parts = list(network.predict_batches(_batches(pieces, read), predicted=True,
                                         first_row=first, source=pieces[0][0]))
    Y = np.concatenate([p.Y for p in parts])
    P = None if parts[0].probabilities is None else np.concatenate([p.probabilities for p in parts])
    predicted = None if parts[0].predicted is None else np.concatenate([p.predicted for p in parts])
    return OutputChunk(start=first, Y=Y, predicted=predicted, probabilities=P)


def forward_chunks(client: Client, network: Network, plan: Plan, batch_size: int,
                   progress: Progress | None = None) -> Iterator[OutputChunk]:
    """The outputs of the selected rows, in order, as chunks computed on the cluster;
    ``start`` counts from the first selected row, as ``Network.predict_batches``'s does."""
    waiting: dict[int, OutputChunk] = {}
    following = 0
    for i, chunk in _run(client, network, plan, _outputs_task, (plan.reading(batch_size),), progress):
        waiting[i] = chunk
        while following in waiting:  # in order: hold the chunks that finish early
            ready = waiting.pop(following)
            yield OutputChunk(ready.start - plan.start, ready.Y, ready.predicted, ready.probabilities)
            following += 1


@dataclass(frozen=True)
class Target:
    """An output .npy that workers fill: ``part`` (the file being written, renamed to ``path``
    when every chunk is done) holds the outputs of global rows first .. first + rows - 1."""

    path: str
    part: str
    first: int
    rows: int


def _npy_task(network: Network, pieces: list[tuple[str, int, int]], first: int, read: Reading,
              targets: tuple[Target, ...]) -> int:
    """On a worker: one chunk's outputs written into the rows of the target files they belong to."""
    open_maps: dict[str, np.ndarray] = {}
    rows = 0
    for chunk in network.predict_batches(_batches(pieces, read),
                                         first_row=first, source=pieces[0][0]):
        lo = first + chunk.start
        hi = lo + chunk.Y.shape[0]
        for target in targets:
            a, b = max(lo, target.first), min(hi, target.first + target.rows)
            if a < b:
                if target.part not in open_maps:
                    open_maps[target.part] = np.load(target.part, mmap_mode="r+")
                open_maps[target.part][a - target.first : b - target.first] = chunk.Y[a - lo : b - lo]
        rows += chunk.Y.shape[0]
    for out in open_maps.values():
        out.flush()  # type: ignore[attr-defined]
    return rows


def npy_targets(plan: Plan, output: Path, per_shard: bool) -> list[tuple[str, int, int]]:
    """(path, first global row, rows) of the output files: one ``output`` file, or with
    ``per_shard`` one ``output/NAME.npy`` per input shard holding selected rows (NAME: the
    shard's name without its data suffix). InputError when an output would replace an input."""
    if not per_shard:
        return [(str(output), plan.start, plan.stop - plan.start)]
    out, offset, names = [], 0, set()
    inputs = {os.path.realpath(path) for path, _rows in plan.shards}
    for path, rows in plan.shards:
        lo, hi = max(plan.start, offset), min(plan.stop, offset + rows)
        if lo < hi:
            name = Path(path).name
            name = name[:-3] if name.lower().endswith(".gz") else name
            target = output / (Path(name).stem + ".npy" if Path(name).suffix.lower() in (".npy", ".npz") else name + ".npy")
            if target.name in names:
                raise InputError(f"{path}: another shard already writes {target} (one output per shard name)")
            if os.path.realpath(target) in inputs:
                raise InputError(f"-o {output}: {target} is an input shard: the output would replace it")
            names.add(target.name)
            out.append((str(target), lo, hi - lo))
        offset += rows
    return out


def forward_to_npy(client: Client, network: Network, plan: Plan, files: list[tuple[str, int, int]], batch_size: int,
                   progress: Progress | None = None) -> None:
    """Write the outputs of the selected rows into ``files`` ((path, first global row, rows)
    from ``npy_targets``): the client creates each as ``.NAME.XXXX.part`` beside it, the
    workers fill their rows in place (a filesystem shared with the workers), and each is
    renamed into place only when every chunk is done; on any failure, none is left."""
    targets: list[Target] = []
    try:
        for path, first, rows in files:
            targets.append(Target(path, new_part_file(path), first, rows))
            np.lib.format.open_memmap(targets[-1].part, mode="w+", dtype=network.dtype,
                                      shape=(rows, network.output_size)).flush()
        for _i, _rows in _run(client, network, plan, _npy_task, (plan.reading(batch_size), tuple(targets)), progress):
            pass
        for target in targets:
            publish(target.part, target.path)
    finally:
        for target in targets:
            with contextlib.suppress(OSError):
                os.unlink(target.part)


# --- evaluate ---------------------------------------------------------------------------


def _tiles(batches: Iterator[np.ndarray], rows: int) -> Iterator[np.ndarray]:
    """The rows of ``batches`` regrouped into arrays of ``rows`` rows (the last may be shorter)."""
    held: list[np.ndarray] = []
    count = 0
    for batch in batches:
        while batch.shape[0]:
            take = min(rows - count, batch.shape[0])
            held.append(batch[:take].copy())  # copied: the reader reuses its buffer
            count += take
            batch = batch[take:]
            if count == rows:
                yield np.concatenate(held) if len(held) > 1 else held[0]
                held, count = [], 0
    if held:
        yield np.concatenate(held)


def _evaluation_task(network: Network, pieces: list[tuple[str, int, int]], first: int, read: Reading,
                     labels: np.ndarray, labels_name: str, k: int | None, misclassified: int
                     ) -> tuple[Evaluation, list[float]]:
    """On a worker: the Evaluation of one chunk, and the loss sum of each of its tiles in order.

    Each tile is evaluated on its own (the tile a single process computes), so that the client
    can add the tiles' loss sums in the single process's order: float sums depend on it."""
    offset = first - read.start  # of the chunk in the selected rows
    parts = []
    for X in _tiles(_batches(pieces, read), network.tile_rows):
        n = X.shape[0]
        parts.append(evaluate(network, [X], labels[offset : offset + n], labels_name=labels_name, k=k,
                              misclassified=misclassified, first_row=read.start + offset))
        offset += n
    return combine(parts), [part.loss_sum for part in parts]


def evaluate_on(client: Client, network: Network, plan: Plan, labels: np.ndarray, batch_size: int,
                progress: Progress | None = None, labels_name: str = "labels", k: int | None = None,
                misclassified: int = 0) -> Evaluation:
    """``nncli.evaluate.evaluate`` on the cluster, with the same result: the chunks'
    evaluations combined (counts add up, mistakes merge), and the loss the tiles' loss sums
    added one by one in row order, as a single process adds them. ``labels`` (one class per
    selected row) are scattered once to every worker, in the smallest integer type."""
    names = class_names_of(network)
    small = labels.astype(np.min_scalar_type(max(len(names) - 1, 0)))
    shared = client.scatter(small, broadcast=True, hash=False)
    chunks: dict[int, tuple[Evaluation, list[float]]] = {}
    try:
        extra = (plan.reading(batch_size), shared, labels_name, k, misclassified)
        for i, result in _run(client, network, plan, _evaluation_task, extra, progress):
            chunks[i] = result
    finally:
        client.cancel([shared], force=True)
    loss_sum = 0.0
    for i in sorted(chunks):
        for tile_sum in chunks[i][1]:
            loss_sum += tile_sum
    return replace(combine([chunks[i][0] for i in sorted(chunks)]), loss_sum=loss_sum)
