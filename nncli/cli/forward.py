"""``nncli forward`` (run the network, show every layer) and ``nncli validate`` (check a config)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from nncli.cli import app
from nncli.cli.common import Dtype, handles_errors, stdout_console, write_stdout_bytes
from nncli.errors import InputError


class ForwardFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    npy = "npy"


class SummaryFormat(str, Enum):
    table = "table"
    json = "json"


ConfigArg = Annotated[
    Path, typer.Argument(help="The network's YAML config file.", show_default=False, metavar="CONFIG")
]
DtypeOpt = Annotated[
    Optional[Dtype], typer.Option("--dtype", help="Compute in float32 or float64 (overrides the config).")
]


@app.command()
@handles_errors
def forward(
    config: ConfigArg,
    inputs: Annotated[
        Optional[list[str]],
        typer.Option(
            "--input", "-x",
            help='One input row: numbers separated by commas and/or spaces, e.g. -x "1.0,0.5". '
            "Repeat for a batch. Default: the config's sample inputs.",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        Optional[ForwardFormat],
        typer.Option("--format", "-f", help="table (Rich tables), json, jsonl, csv or npy. "
                     "Default: from the -o file's extension, else table.", show_default=False),
    ] = None,
    output: Annotated[
        Optional[Path],
        typer.Option("--output", "-o", help="Write to this file (whole or not at all) instead of stdout; - is stdout.",
                     dir_okay=False, show_default=False),
    ] = None,
    precision: Annotated[
        int, typer.Option("--precision", min=0, max=17, help="Digits after the decimal point in tables.")
    ] = 4,
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
    dtype: DtypeOpt = None,
) -> None:
    """Run the forward pass A = X·W + B, Z = h(A) layer by layer and show every A and Z.

    Prints each layer's A and Z in the book's notation, then the output Y and the probabilities (softmax of the last A) with the predicted class.

    Examples:
      nncli forward configs/three_layer.yaml
      nncli forward configs/three_layer.yaml --explain --no-layers
      nncli forward configs/xor.yaml -x "1,0" -x "1 1" --format csv
      nncli forward configs/three_layer.yaml -x "1.0,0.5" -f json | jq .output
    """
    from nncli.network import load_network

    if output is not None and str(output) == "-":
        output = None
    if output_format is None:
        output_format = _format_from_extension(output)
    network = load_network(config, dtype.value if dtype else None)
    row_labels: list[str] | None
    if inputs:
        from nncli.rows import parse_row

        rows = []
        for n, text in enumerate(inputs, start=1):
            row = parse_row(text, f"--input #{n}")
            if len(row) != network.input_size:
                raise InputError(
                    f"--input #{n} has {_values(len(row))} but network '{network.name}' takes {network.input_size}"
                )
            rows.append(row)
        X = rows
        row_labels = None
    elif network.spec.inputs:
        import numpy as np

        X = np.vstack([r for _name, r in network.spec.inputs])
        row_labels = []
        for name, r in network.spec.inputs:
            row_labels.extend([name] if r.shape[0] == 1 else [f"{name}[{i}]" for i in range(r.shape[0])])
    else:
        raise InputError(
            f"no input: give -x with {_values(network.input_size).replace('value', 'number')} (e.g. -x \"{', '.join(['0.5'] * network.input_size)}\")"
            f" or add 'inputs:' to {config}"
        )
    if explain and output_format is not ForwardFormat.table:
        raise InputError("--explain shows tables; use it with --format table")

    trace = network.forward(X)

    if output_format is ForwardFormat.table:
        from nncli.render.trace import render_trace

        def draw(console) -> None:  # type: ignore[no-untyped-def]
            render_trace(console, trace, network, precision, max_rows, max_cols, not no_layers, row_labels)
            if explain:
                from nncli.render.explain import explain as explain_trace
                from nncli.render.trace import render_explain

                render_explain(console, explain_trace(trace, network.layers, precision=precision))

        _emit_rich(draw, output)
        return

    from nncli.render import machine

    if output_format is ForwardFormat.npy:
        data = machine.npy_bytes(trace.output)
        if output is None:
            if sys.stdout.isatty():
                raise InputError("refusing to write binary .npy to a terminal: use -o FILE or a pipe")
            write_stdout_bytes(data)
        else:
            _write_file(output, data)
        return
    if output_format is ForwardFormat.json:
        text = machine.trace_json(trace, network)
    elif output_format is ForwardFormat.jsonl:
        text = "".join(machine.jsonl_lines(trace))
    else:
        text = machine.csv_header(network) + "".join(machine.csv_rows(trace))
    if output is None:
        sys.stdout.write(text)
    else:
        _write_file(output, text.encode("utf-8"))


@app.command()
@handles_errors
def validate(
    config: ConfigArg,
    output_format: Annotated[
        SummaryFormat, typer.Option("--format", "-f", help="table or json.")
    ] = SummaryFormat.table,
    dtype: DtypeOpt = None,
) -> None:
    """Check a config without running it and print a summary of its layers (like Keras model.summary()).

    Exit code 0 when the config is valid, 1 (with the file, line and column) when not.

    Examples:
      nncli validate configs/three_layer.yaml
      nncli validate configs/iris_softmax.yaml --format json
    """
    from nncli.config import load_spec

    spec = load_spec(config, dtype.value if dtype else None)
    if output_format is SummaryFormat.json:
        from nncli.render.jsonout import dumps
        from nncli.render.summary import summary_document

        sys.stdout.write(dumps(summary_document(spec)) + "\n")
        return
    from nncli.render.summary import render_summary

    render_summary(stdout_console(), spec)


def _emit_rich(draw, output: Path | None) -> None:  # type: ignore[no-untyped-def]
    """Draw with a Rich console on stdout, or into a file (plain text, no colour)."""
    if output is None:
        draw(stdout_console())
        return
    from rich.console import Console

    console = Console(record=True, file=open_null(), width=120, no_color=True)
    draw(console)
    _write_file(output, console.export_text().encode("utf-8"))


def open_null():  # type: ignore[no-untyped-def]
    import io

    return io.StringIO()


def _write_file(path: Path, data: bytes) -> None:
    from nncli.outfile import atomic_output

    with atomic_output(path) as handle:
        handle.write(data)


def _format_from_extension(output: Path | None) -> ForwardFormat:
    """--format when not given: .json/.jsonl/.csv/.npy from the output file's name, else table."""
    if output is not None:
        suffix = output.suffix.lower().lstrip(".")
        if suffix in ("json", "jsonl", "csv", "npy"):
            return ForwardFormat(suffix)
    return ForwardFormat.table


def _values(n: int) -> str:
    return f"{n} value" if n == 1 else f"{n} values"
