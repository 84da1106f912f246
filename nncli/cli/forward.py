"""``nncli forward`` (run the network, show every layer) and ``nncli validate`` (check a config)."""


import contextlib
import sys
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import numpy as np
import typer

from nncli.cli.common import (
    INPUT_FILE_HELP,
    BatchSizeOpt,
    ConfigArg,
    DivideByOpt,
    DtypeOpt,
    InputFormat,
    InputFormatOpt,
    HeaderOpt,
    KeyOpt,
    PrecisionOpt,
    RowsOpt,
    SaveFigureOpt,
    ShowWeightsOpt,
    TableOrJsonOpt,
    TableOrJson,
    handles_errors,
    number,
    refuse_overwrite,
    stderr_console,
    stdout_console,
    text_console,
)
from nncli.cli.dask_opts import DaskOpt, DaskTimeoutOpt, forward_on_dask
from nncli.cli.engines import EngineName, EngineOpt, runner_for
from nncli.cli.expect import ATOL_TEXT, RTOL_TEXT, AtolOpt, ExpectOpt, RtolOpt, expectation_for
from nncli.config import load_spec
from nncli.data import InputSource, from_array, index_rows, open_inputs, parse_rows_spec
from nncli.errors import InputError, plural
from nncli.evaluate import BatchStats
from nncli.network import ForwardTrace, Network, load_network
from nncli.outfile import atomic_output, check_output_path
from nncli.render import machine, teaching
from nncli.render.jsonout import dumps
from nncli.render.explain import explain as explain_trace
from nncli.rows import parse_row


class ForwardFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    npy = "npy"


@handles_errors
def forward(
    config: ConfigArg,
    inputs: Annotated[
        Optional[list[str]],
        typer.Option(
            "--input", "-x",
            help='One input row: numbers separated by commas and/or spaces, e.g. -x "1.0,0.5". '
            "Repeat for a batch. Default: --input-file, else the config's sample inputs.",
            show_default=False,
        ),
    ] = None,
    input_file: Annotated[
        Optional[str], typer.Option("--input-file", "-i", show_default=False, help=INPUT_FILE_HELP)
    ] = None,
    input_format: InputFormatOpt = None,
    key: KeyOpt = None,
    header: HeaderOpt = None,
    divide_by: DivideByOpt = None,
    rows: RowsOpt = None,
    index: Annotated[Optional[int], typer.Option("--index", help="Only row N (0-based).")] = None,
    batch_size: BatchSizeOpt = 8192,
    output_format: Annotated[
        Optional[ForwardFormat],
        typer.Option("--format", "-f", metavar="FORMAT", help="table (Rich tables), json, jsonl, csv or npy. "
                     "Default: from the -o file's extension, else table.", show_default=False),
    ] = None,
    output: Annotated[
        Optional[Path],
        typer.Option("--output", "-o", help="Write to this file (whole or not at all) instead of stdout; - is stdout. "
                     "With --dask, a directory: one .npy per input shard.", show_default=False),
    ] = None,
    precision: PrecisionOpt = 4,
    max_rows: Annotated[
        int, typer.Option("--max-rows", min=2, help="Rows shown per matrix before summarising with …")
    ] = 10,
    max_cols: Annotated[
        int, typer.Option("--max-cols", min=2, help="Columns shown per matrix before summarising with …")
    ] = 8,
    no_layers: Annotated[
        bool, typer.Option("--no-layers", help="Show only the output and the probabilities.")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Write out every unit's arithmetic for the first sample.")
    ] = False,
    stats: Annotated[
        bool, typer.Option("--stats", help="Per-layer statistics of A and Z over all input rows "
                           "(min, max, mean, std, NaN/Inf, saturated and dead units).")
    ] = False,
    dtype: DtypeOpt = None,
    show_weights: ShowWeightsOpt = False,
    top_k: Annotated[
        Optional[int], typer.Option("--top-k", min=1, metavar="K", help="The K most probable classes of each row "
                                    "(a table column; \"top_k\" in json and jsonl).", show_default=False)
    ] = None,
    input_shape: Annotated[
        Optional[str], typer.Option("--input-shape", metavar="HxW", help="Each input row is an HxW image (e.g. "
                                    "28x28; overrides the config's input_shape): tables draw it, figures show it.")
    ] = None,
    save_figure: SaveFigureOpt = None,
    engine: EngineOpt = EngineName.numpy,
    expect: ExpectOpt = None,
    rtol: RtolOpt = RTOL_TEXT,
    atol: AtolOpt = ATOL_TEXT,
    dask: DaskOpt = None,
    dask_timeout: DaskTimeoutOpt = 10.0,
) -> None:
    """Run the forward pass A = X·W + B, Z = h(A) layer by layer and show every A and Z.

    Prints each layer's A and Z in the book's notation, then the output Y and the probabilities (softmax of the last A) with the predicted class. Inputs come from -x, --input-file or the config's sample inputs. Files are read --batch-size rows at a time: tables show the first rows, while jsonl, csv and npy stream every row in bounded memory.

    Examples:
      nncli forward configs/three_layer.yaml
      nncli forward configs/three_layer.yaml --explain --no-layers
      nncli forward configs/xor.yaml -x "1,0" -x "1 1" --format csv
      nncli forward configs/three_layer.yaml -x "1.0,0.5" -f json | jq .output
      nncli forward configs/mnist_book.yaml -i t10k-images-idx3-ubyte.gz --rows 0:5
      nncli forward configs/mnist_book.yaml -i t10k-images-idx3-ubyte.gz --index 0 --top-k 3 --save-figure digit.png
      cat configs/three_layer.yaml | nncli forward - -x "1 0.5" --show-weights
      nncli forward configs/xor.yaml -f json > golden.json; nncli forward configs/xor.yaml --expect golden.json

    --expect compares with numpy.isclose's rule |a − b| ≤ atol + rtol·|b| (a computed, b golden) and exits with 3 when anything is outside it (1: a bad file or option, 2: a usage error).
    """
    if output is not None and str(output) == "-":
        output = None
    if output_format is None and dask is not None and output is not None and output.is_dir():
        output_format = ForwardFormat.npy  # --dask -o DIR: one .npy per input shard
    if output_format is None:
        output_format = _format_from_extension(output)
    if explain and output_format is not ForwardFormat.table:
        raise InputError("--explain shows tables; use it with --format table")
    if inputs and input_file is not None:
        raise InputError("give inputs either with -x or with --input-file, not both")
    if str(config) == "-" and input_file == "-":
        raise InputError("the config and --input-file cannot both read stdin (-)")
    if rows is not None and index is not None:
        raise InputError("give either --rows or --index, not both")
    read = {"the config": config, "the input file": input_file, "the --expect file": expect}
    refuse_overwrite(output, "-o", read)
    if output is not None and not (dask is not None and output.is_dir()):  # --dask -o DIR: one .npy a shard
        check_output_path(output)  # before computing, not after
    refuse_overwrite(save_figure, "--save-figure", {**read, "the -o file": output})
    network = load_network(config, dtype.value if dtype else None)
    if divide_by is not None:
        network = network.with_preprocess(number(divide_by, "--divide-by"))
    teach = teaching.forward_options(network, output_format.value, show_weights, top_k, input_shape, save_figure)
    runner = runner_for(network, engine, layers=not no_layers and output_format in (ForwardFormat.table, ForwardFormat.json),
                        stats=stats, explain=explain)
    expectation = expectation_for(expect, rtol, atol, layers=runner is None)
    selection = None
    if rows is not None or index is not None:
        selection = parse_rows_spec(rows) if rows is not None else index_rows(index)  # type: ignore[arg-type]

    if dask is not None:  # row chunks on a Dask cluster (nncli.cli.dask_opts)
        return forward_on_dask(dask, dask_timeout, network, input_file, input_format.value if input_format else None, key,
                               selection, batch_size, output_format.value, output, no_layers,
                               [name for name, given in (("--explain", explain), ("--stats", stats), ("--top-k", top_k is not None),
                                ("--show-weights", show_weights), ("--save-figure", save_figure is not None),
                                ("--engine", engine is not EngineName.numpy), ("--expect", expect is not None)) if given])
    with _open_source(network, config, inputs, input_file, input_format, key, header) as (source, names):
        source.check_width(network.input_size, network.name)
        run = _Run(network, source, selection, _first_row(source, selection), batch_size, output, no_layers, stats,
                   teach, runner, expectation)
        trace = None
        if output_format is ForwardFormat.table:
            row_labels = names[run.first:] if names else None
            trace = _table(run, row_labels, precision, max_rows, max_cols, explain)
        elif output_format is ForwardFormat.json:
            trace = _json(run)
        else:
            _stream(run, output_format)
    if expectation is not None:
        expectation.finish()
    if save_figure is not None and trace is not None:
        from nncli.render.figures import save_forward_figure  # matplotlib is heavy: only when a figure is saved

        save_forward_figure(save_figure, trace, network, teach["input_shape"])


@dataclass(frozen=True)
class _Run:
    """What the three writers (_table, _json, _stream) share about one forward run."""

    network: Network
    source: InputSource
    selection: slice | None  # the --rows/--index selection, or None for every row
    first: int  # 0-based index in the source of the first selected row
    batch_size: int
    output: Path | None  # -o FILE, or None for stdout
    no_layers: bool
    stats: bool
    teach: dict[str, Any]  # render.teaching.forward_options: --show-weights, --top-k, --input-shape
    runner: Any  # nncli.interop.ort_runner.OrtRunner for --engine onnxruntime, None for numpy
    expectation: Any  # cli.expect's checker for --expect, or None

    @property
    def engine(self) -> Callable[..., ForwardTrace]:
        """``forward(X, first_row=, source=)`` of the chosen engine: numpy's, or ONNX Runtime's."""
        return self.network.forward if self.runner is None else self.runner.output_trace

    def trace(self, X: np.ndarray) -> ForwardTrace:
        """Run X (rows from first) through the chosen engine."""
        return self.engine(X, first_row=self.first, source=self.source.name)


@contextlib.contextmanager
def _open_source(network, config: Path, inputs: list[str] | None, input_file: str | None,  # type: ignore[no-untyped-def]
                 input_format: InputFormat | None, key: str | None, header: bool | None = None):
    """The input rows as an InputSource, and their names (for -x and the config's samples)."""
    if input_file is not None:
        with open_inputs(input_file, input_format=input_format.value if input_format else None, key=key,
                         header=header) as source:
            yield source, None
        return
    if inputs:
        parsed = []
        for n, text in enumerate(inputs, start=1):
            row = parse_row(text, f"--input #{n}")
            if len(row) != network.input_size:
                raise InputError(
                    f"--input #{n} has {plural(len(row), 'value')} but network '{network.name}' takes {network.input_size}"
                )
            parsed.append(row)
        yield from_array(np.array(parsed, dtype=np.float64), "--input"), None
        return
    if network.spec.inputs:
        names: list[str] = []
        for name, block in network.spec.inputs:
            names.extend([name] if block.shape[0] == 1 else [f"{name}[{i}]" for i in range(block.shape[0])])
        yield from_array(np.vstack([block for _name, block in network.spec.inputs]), "inputs"), names
        return
    raise InputError(
        f"no input: give -x with {plural(network.input_size, 'number')}"
        f" (e.g. -x \"{_example_row(network.input_size)}\"), --input-file, or add 'inputs:' to {config}"
    )


def _first_row(source, selection: slice | None) -> int:  # type: ignore[no-untyped-def]
    """The 0-based index in the source of the first selected row (for labels and jsonl's index)."""
    if selection is None or selection.start is None:
        return 0
    if selection.start >= 0:
        return selection.start
    return max(0, (source.n_rows or 0) + selection.start)


def _table(run: _Run, row_labels: list[str] | None, precision: int, max_rows: int, max_cols: int,
           explain: bool) -> ForwardTrace:
    """Tables of the first rows (all of them when they are few); --stats and --expect read every row."""
    network, source, selection, first, expectation = run.network, run.source, run.selection, run.first, run.expectation
    # Rich and the table renderers load only when a table is drawn: json/csv/npy runs skip them.
    from nncli.render.evaluate import render_stats
    from nncli.render.trace import render_explain, render_trace

    total = source.count(selection)
    head_rows = total if total is not None and total <= max(max_rows, 1000) else max_rows
    batches = source.batches(max(run.batch_size, head_rows), selection)
    first_batch = next(batches)
    head = first_batch[:head_rows]
    more = first_batch.shape[0] > head.shape[0]
    if not more and total is None:  # a stream: is there anything after the first batch?
        following = next(batches, None)
        more = following is not None
        if following is not None:
            batches = _chain(following, batches)
    trace = run.trace(head)
    shown = head.shape[0]
    note = None
    if more or (total is not None and shown < total):
        of = f" of {total:,}" if total is not None else ""
        note = f"rows {first}–{first + shown - 1}{of}: the first {shown} (--rows START:STOP shows others)"
    rest = _chain(first_batch, batches)
    if expectation is not None and note is None:
        expectation.add_trace(trace)  # the table holds every row
    elif expectation is not None:
        rest = expectation.keep_rows(rest, run.engine, first, source.name)
    layer_stats = None
    if run.stats:
        layer_stats = BatchStats(network)
        for _chunk in network.predict_batches(rest, observer=layer_stats.observe):
            pass
    elif expectation is not None:
        for _batch in rest:
            pass

    def draw(console) -> None:  # type: ignore[no-untyped-def]
        render_trace(console, trace, network, precision, max_rows, max_cols, not run.no_layers, row_labels,
                     first_row=first, note=note, **run.teach)
        if explain:
            render_explain(console, explain_trace(trace, network.layers, precision=precision))
        if layer_stats is not None:
            render_stats(console, layer_stats.result(), precision)

    _emit_rich(draw, run.output)
    return trace


def _json(run: _Run) -> ForwardTrace:
    """One JSON document with every layer of every selected row (with ``no_layers``: without
    the input and the layers, "input": null and "layers": [])."""
    network = run.network
    trace = run.trace(run.source.read_all(run.selection))
    if run.expectation is not None:
        run.expectation.add_trace(trace)
    document = machine.trace_document(trace, network)
    teaching.add_to_document(document, trace, network, run.teach["show_weights"], run.teach["top_k"])
    if run.no_layers:
        document["input"], document["layers"] = None, []
    if run.stats:
        layer_stats = BatchStats(network)
        layer_stats.add_trace(trace)
        document["stats"] = [layer.to_dict() for layer in layer_stats.result()]
    _write_text(dumps(document) + "\n", run.output)
    return trace


def _stream(run: _Run, output_format: ForwardFormat) -> None:
    """jsonl, csv or npy, written as the rows are computed (memory bounded by the batch size;
    --expect keeps the output, or every layer when the golden file holds layers)."""
    network, source, selection, first, output = run.network, run.source, run.selection, run.first, run.output
    stats, runner, expectation, top_k = run.stats, run.runner, run.expectation, run.teach["top_k"]
    layer_stats = None
    observer = None
    if stats:
        layer_stats = BatchStats(network)
        observer = layer_stats.observe
    if output_format is ForwardFormat.npy and output is None and sys.stdout.isatty():
        raise InputError("refusing to write binary .npy to a terminal: use -o FILE or a pipe")
    predictor, batches = network if runner is None else runner, source.batches(run.batch_size, selection, reuse=True)
    if expectation is None:
        chunks = predictor.predict_batches(batches, predicted=True, observer=observer, first_row=first, source=source.name)
    else:
        chunks = expectation.predict_batches(predictor, batches, network.forward, observer=observer, first_row=first,
                                             source=source.name)
    with _sink(output, binary=output_format is ForwardFormat.npy) as write:
        if output_format is ForwardFormat.npy:
            _write_npy(chunks, source.count(selection), network, write)
        elif output_format is ForwardFormat.jsonl:
            for chunk in chunks:
                extra = teaching.top_k_extra(chunk.probabilities, top_k, network.classes)
                write("".join(machine.jsonl_lines(chunk.Y, chunk.probabilities, chunk.predicted, first + chunk.start,
                                                  extra)))
        else:
            write(machine.csv_header(network))
            for chunk in chunks:
                write("".join(machine.csv_rows(chunk.Y, chunk.predicted)))
    if layer_stats is not None:  # a table for people, on stderr so it never mixes with the data
        from nncli.render.evaluate import render_stats  # Rich tables: only for --stats

        render_stats(stderr_console(), layer_stats.result())


def _write_npy(chunks, count: int | None, network, write) -> None:  # type: ignore[no-untyped-def]
    """A .npy of the output: the header first when the row count is known, else after spooling."""
    if count is not None:
        write(machine.npy_header(count, network.output_size, network.dtype))
        for chunk in chunks:
            write(np.ascontiguousarray(chunk.Y).tobytes())
        return
    with tempfile.TemporaryFile() as spool:  # rows from a stream: count them first
        n = 0
        for chunk in chunks:
            spool.write(np.ascontiguousarray(chunk.Y).tobytes())
            n += chunk.Y.shape[0]
        write(machine.npy_header(n, network.output_size, network.dtype))
        spool.seek(0)
        while block := spool.read(1 << 20):
            write(block)


@contextlib.contextmanager
def _sink(output: Path | None, binary: bool):  # type: ignore[no-untyped-def]
    """A write function to stdout, or into a file that appears whole or not at all."""
    if output is None:
        if binary:
            sys.stdout.flush()
            yield sys.stdout.buffer.write
            sys.stdout.buffer.flush()
        else:
            yield sys.stdout.write
        return
    with atomic_output(output, "wb" if binary else "w") as handle:
        yield handle.write


def _chain(first, rest):  # type: ignore[no-untyped-def]
    yield first
    yield from rest


def _write_text(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        _write_file(output, text.encode("utf-8"))


@handles_errors
def validate(
    config: ConfigArg,
    output_format: TableOrJsonOpt = TableOrJson.table,
    dtype: DtypeOpt = None,
    show_weights: ShowWeightsOpt = False,
    precision: PrecisionOpt = 4,
) -> None:
    """Check a config without running it and print a summary of its layers (like Keras model.summary()).

    Exit code 0 when the config is valid, 1 (with the file, line and column) when not.

    Examples:
      nncli validate configs/three_layer.yaml
      nncli validate configs/iris_softmax.yaml --format json
      cat configs/three_layer.yaml | nncli validate - --show-weights
    """
    spec = load_spec(config, dtype.value if dtype else None)
    if output_format is TableOrJson.json:
        document = machine.summary_document(spec)
        if show_weights:
            for entry, layer in zip(document["layers"], spec.layers):
                entry.update(teaching.weights_document(layer))
        sys.stdout.write(dumps(document) + "\n")
        return
    from nncli.render.summary import render_summary  # Rich tables: only when a table is drawn
    from nncli.render.trace import render_weights

    console = stdout_console()
    render_summary(console, spec)
    if show_weights:
        console.print()
        render_weights(console, spec.layers, precision)


def _emit_rich(draw, output: Path | None) -> None:  # type: ignore[no-untyped-def]
    """Draw with a Rich console on stdout, or into a file (plain text, no colour)."""
    if output is None:
        draw(stdout_console())
        return
    console = text_console()
    draw(console)
    _write_file(output, console.export_text().encode("utf-8"))


def _write_file(path: Path, data: bytes) -> None:
    with atomic_output(path) as handle:
        handle.write(data)


_EXTENSIONS = {".json": "json", ".jsonl": "jsonl", ".csv": "csv", ".npy": "npy", ".txt": "table"}


def _format_from_extension(output: Path | None) -> ForwardFormat:
    """--format when not given: table on stdout; for -o FILE, from its extension (.json,
    .jsonl, .csv, .npy; .txt for a table as plain text); InputError for any other."""
    if output is None:
        return ForwardFormat.table
    if output.suffix.lower() not in _EXTENSIONS:
        raise InputError(f"-o {output}: cannot tell the format from '{output.suffix or 'no extension'}': "
                         "name the file .json, .jsonl, .csv, .npy or .txt (a table), or give --format")
    return ForwardFormat(_EXTENSIONS[output.suffix.lower()])


def _example_row(n: int) -> str:
    """An example -x value for n inputs, shortened for wide inputs: "0.5, 0.5, ... (784 numbers)"."""
    if n <= 6:
        return ", ".join(["0.5"] * n)
    return f"0.5, 0.5, ... ({n} numbers)"

