"""``--dask ADDRESS`` and ``--dask-timeout`` of ``forward`` and ``evaluate``: the options, the
checks of what fits a cluster, and the writing of its results (the work is nncli.distributed's)."""

import contextlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Iterator, Optional

import numpy as np
import typer

from nncli import distributed
from nncli.cli.common import stderr_console
from nncli.data import InputSource, open_inputs
from nncli.errors import InputError
from nncli.network import ForwardTrace, LayerTrace, Network
from nncli.outfile import atomic_output
from nncli.render import machine
from nncli.render.jsonout import dumps

DaskOpt = Annotated[
    Optional[str],
    typer.Option(
        "--dask", metavar="ADDRESS", show_default=False,
        help="Run on a Dask cluster, in row chunks: local (one worker process per core), local:N, or a "
        "scheduler's tcp://HOST:PORT. The workers open -i themselves and write -o FILE.npy (or one .npy per "
        "input shard with -o DIR) in place, so on a real cluster both need a filesystem shared with the "
        "workers. Same numbers as without it. Needs pip install 'nncli[dask]'.",
    ),
]
DaskTimeoutOpt = Annotated[
    float,
    typer.Option("--dask-timeout", metavar="SECONDS", min=0.1,
                 help="Give up on reaching the --dask scheduler after this many seconds."),
]

STREAMED = ("jsonl", "csv", "npy")


def _distributed() -> Any:
    """nncli.distributed, or a one-line error when the dask extra is not installed (it is
    imported by nncli.distributed only once a cluster is connected to)."""
    missing = [name for name in ("dask", "distributed") if importlib.util.find_spec(name) is None]
    if missing:
        raise InputError(f"--dask needs Dask ({', '.join(missing)} not installed): pip install 'nncli[dask]'")
    return distributed


@contextlib.contextmanager
def _progress(total: int, name: str) -> Iterator[Optional[Callable[[int], None]]]:
    """A Rich bar on stderr, moved by the chunks as the cluster finishes them (terminals only)."""
    if not sys.stderr.isatty():
        yield None
        return
    # Rich only on a terminal: piped runs skip its import.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(f"{name} on Dask"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=stderr_console(), transient=True) as bar:
        rows = bar.add_task("rows", total=total)
        yield lambda done: bar.update(rows, completed=done)


def forward_on_dask(address: str, timeout: float, network: Network, input_file: Optional[str],
                    input_format: Optional[str], key: Optional[str], selection: Optional[slice], batch_size: int,
                    output_format: str, output: Optional[Path], no_layers: bool, unsupported: list[str]) -> None:
    """``nncli forward --dask``: jsonl, csv, npy (or json with --no-layers) of every selected row.

    ``unsupported`` names options given that a cluster run cannot honour (--explain, --stats).
    -o FILE.npy and -o DIR (an existing directory: one .npy per input shard) are written by the
    workers; everything else comes back to this process, in order, and is written here.
    """
    per_shard = output is not None and output.is_dir()
    if per_shard:
        output_format = "npy"
    if unsupported:
        raise InputError(f"{unsupported[0]} does not run on --dask; leave it out, or run without --dask")
    if output_format not in (*STREAMED, "json") or (output_format == "json" and not no_layers):
        raise InputError("--dask writes jsonl, csv or npy (or json with --no-layers): choose one with -f")
    if input_file is None or input_file == "-":
        raise InputError("--dask reads rows from files (-i FILE, a directory or a quoted glob): the workers open them")
    if output_format == "npy" and output is None and sys.stdout.isatty():
        raise InputError("refusing to write binary .npy to a terminal: use -o FILE or a pipe")
    dist = _distributed()
    with open_inputs(input_file, input_format=input_format, key=key) as source:
        source.check_width(network.input_size, network.name)
        with dist.connect(address, timeout) as client:
            plan = dist.make_plan(source, input_file, selection, input_format, key, network.tile_rows,
                                  dist.worker_count(client))
            with _progress(plan.stop - plan.start, network.name) as advance:
                if output_format == "npy" and output is not None:
                    files = dist.npy_targets(plan, Path(os.path.abspath(output)), per_shard)
                    dist.forward_to_npy(client, network, plan, files, batch_size, advance)
                    return
                chunks = dist.forward_chunks(client, network, plan, batch_size, advance)
                _write(chunks, network, output_format, output, plan.start, plan.stop - plan.start)


def _write(chunks: Iterator[Any], network: Network, output_format: str, output: Optional[Path], first: int,
           count: int) -> None:
    """The chunks (in order) as jsonl, csv, npy or one json document, to stdout or -o FILE."""
    binary = output_format == "npy"
    if output is not None:
        target = atomic_output(output, "wb" if binary else "w")
    else:
        target = contextlib.nullcontext(sys.stdout.buffer if binary else sys.stdout)
    with target as handle:
        if output_format == "json":
            parts = list(chunks)
            Y = np.concatenate([c.Y for c in parts])
            P = None if parts[0].probabilities is None else np.concatenate([c.probabilities for c in parts])
            last = network.layers[-1]
            trace = ForwardTrace(X=Y[:0], layers=(LayerTrace(len(network.layers), last.name, last.activation.label, Y, Y),),
                                 probabilities=P, probabilities_from=network.probabilities_from)
            document = machine.trace_document(trace, network)
            document["input"], document["layers"] = None, []
            handle.write(dumps(document) + "\n")
            return
        if binary:
            sys.stdout.flush()
            handle.write(machine.npy_header(count, network.output_size, network.dtype))
        elif output_format == "csv":
            handle.write(machine.csv_header(network))
        for chunk in chunks:
            if binary:
                handle.write(np.ascontiguousarray(chunk.Y).tobytes())
            elif output_format == "csv":
                handle.write("".join(machine.csv_rows(chunk.Y, chunk.predicted)))
            else:
                handle.write("".join(machine.jsonl_lines(chunk.Y, chunk.probabilities, chunk.predicted,
                                                         first + chunk.start)))
        handle.flush()


def evaluation_on_dask(address: str, timeout: float, source: InputSource, input_file: str,
                       input_format: Optional[str], key: Optional[str], selection: Optional[slice],
                       batch_size: int, unsupported: list[str]) -> Callable[..., Any]:
    """A stand-in for ``nncli.evaluate.evaluate`` (same arguments) that runs on the cluster at
    ``address``; the batches it is given are never read (the workers read their own rows).
    ``unsupported`` names options given that a cluster run cannot honour (--stats, --engine)."""
    if unsupported:
        raise InputError(f"{unsupported[0]} does not run on --dask; leave it out, or run without --dask")
    dist = _distributed()

    def run(network: Network, _batches: Any, truth: np.ndarray, *, stats: Any = None,
            progress: Optional[Callable[[int], None]] = None, labels_name: str = "labels", k: Optional[int] = None,
            misclassified: int = 0, first_row: int = 0) -> Any:
        with dist.connect(address, timeout) as client:
            plan = dist.make_plan(source, input_file, selection, input_format, key, network.tile_rows,
                                  dist.worker_count(client))
            return dist.evaluate_on(client, network, plan, truth, batch_size, progress, labels_name, k, misclassified)

    return run
