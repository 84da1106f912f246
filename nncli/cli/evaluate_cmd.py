"""``nncli evaluate`` (score a classifier on labelled data) — a thin layer over nncli.evaluate."""


import contextlib
import sys
from typing import Annotated, Callable, Iterator, Optional

import typer

from nncli.cli.common import (INPUT_FILE_HELP, BatchSizeOpt, ConfigArg, DivideByOpt, DtypeOpt, InputFormat,
                               HeaderOpt, InputFormatOpt, KeyOpt, PrecisionOpt, RowsOpt, SaveFigureOpt, TableOrJson,
                               TableOrJsonOpt,
                               handles_errors, number, refuse_overwrite, stderr_console, stdout_console)
from nncli.cli.dask_opts import DaskOpt, DaskTimeoutOpt, evaluation_on_dask
from nncli.cli.engines import EngineName, EngineOpt, runner_for
from nncli.data import open_inputs, parse_rows_spec, read_labels
from nncli.errors import InputError
from nncli.evaluate import BatchStats, class_names_of
from nncli.evaluate import evaluate as run_evaluation
from nncli.network import load_network
from nncli.render.jsonout import dumps
from nncli.render.teaching import check_figure_name


@handles_errors
def evaluate(
    config: ConfigArg,
    input_file: Annotated[
        str,
        typer.Option("--input-file", "-i", show_default=False, help=INPUT_FILE_HELP),
    ],
    labels: Annotated[
        str,
        typer.Option("--labels", "-l", show_default=False,
                     help="True classes, one per input row: IDX (*-idx1-ubyte), .npy, .csv, ... or one-hot rows."),
    ],
    input_format: InputFormatOpt = None,
    key: KeyOpt = None,
    header: HeaderOpt = None,
    labels_format: Annotated[
        Optional[InputFormat], typer.Option("--labels-format", metavar="FORMAT",
                                            help="Format of --labels, as --input-format (default: from its name).")
    ] = None,
    labels_key: Annotated[Optional[str], typer.Option("--labels-key", help="The array of a labels .npz.")] = None,
    divide_by: DivideByOpt = None,
    rows: RowsOpt = None,
    batch_size: BatchSizeOpt = 8192,
    dtype: DtypeOpt = None,
    output_format: TableOrJsonOpt = TableOrJson.table,
    stats: Annotated[
        bool, typer.Option("--stats", help="Also show per-layer statistics of A and Z over all rows.")
    ] = False,
    precision: PrecisionOpt = 4,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="A progress bar on stderr (only on a terminal).")
    ] = True,
    top_k: Annotated[
        Optional[int], typer.Option("--top-k", min=1, metavar="K", show_default=False,
                                    help="Also the top-K accuracy: the share of rows whose class is among the K most probable.")
    ] = None,
    misclassified: Annotated[
        int, typer.Option("--misclassified", min=0, metavar="N",
                          help="List the N mistakes with the highest predicted probability (row index, true, predicted).")
    ] = 0,
    save_figure: SaveFigureOpt = None,
    engine: EngineOpt = EngineName.numpy,
    dask: DaskOpt = None,
    dask_timeout: DaskTimeoutOpt = 10.0,
) -> None:
    """Score a classifier: accuracy, loss, confusion matrix, precision/recall/F1 on labelled rows.

    The predicted class of a row is the argmax of the output probabilities (for a 1-unit output: 1 when y > 0.5, else 0, as nncli forward predicts). The loss is the mean cross-entropy -(1/n) Σ ln p, p the probability given to the true class, clipped to [1e-12, 1] (a NaN p counts as 1e-12). Macro averages are plain means over the classes present; weighted ones weigh each class by its support; an undefined precision or recall counts as 0 there. Rows are read --batch-size at a time, so memory stays bounded; the numbers do not depend on the batch size. In JSON, precision is null for a class that was never predicted and recall null for a class with no samples.

    Examples:

      nncli import-weights sample_weight.pkl -o configs/sample_weight.npz

      nncli evaluate configs/mnist_book.yaml -i t10k-images-idx3-ubyte.gz -l t10k-labels-idx1-ubyte.gz

      nncli evaluate configs/iris_softmax.yaml -i iris.csv -l species.csv --format json | jq .accuracy

      nncli evaluate configs/mnist_book.yaml -i t10k-images-idx3-ubyte.gz -l t10k-labels-idx1-ubyte.gz --top-k 3 --misclassified 5 --save-figure confusion.png

      nncli evaluate configs/mnist_book.yaml -i t10k-images-idx3-ubyte.gz -l t10k-labels-idx1-ubyte.gz --engine onnxruntime
    """
    if input_file == "-" and labels == "-":
        raise InputError("only one of --input-file and --labels can read stdin (-)")
    if str(config) == "-" and "-" in (input_file, labels):
        raise InputError("the config and --input-file/--labels cannot both read stdin (-)")
    network = load_network(config, dtype.value if dtype else None)
    if divide_by is not None:
        network = network.with_preprocess(number(divide_by, "--divide-by"))
    runner = runner_for(network, engine, stats=stats)  # None: the numpy engine
    selection = parse_rows_spec(rows) if rows is not None else None
    if save_figure is not None:
        check_figure_name(save_figure)
        refuse_overwrite(save_figure, "--save-figure", {"the config": config, "the input file": input_file,
                                                        "the labels file": labels})
    with open_inputs(input_file, input_format=input_format.value if input_format else None, key=key,
                     header=header) as source:
        source.check_width(network.input_size, network.name)
        truth = read_labels(
            labels, input_format=labels_format.value if labels_format else None, key=labels_key,
            n_classes=len(class_names_of(network)), rows=selection,
        )
        expected = source.count(selection)
        if expected is not None and expected != truth.shape[0]:
            raise InputError(f"{labels}: has {truth.shape[0]} labels but {source.name} has {expected} rows")
        layer_stats = BatchStats(network) if stats else None
        with _progress_bar(progress, expected, network.name) as advance:
            run = run_evaluation if dask is None else evaluation_on_dask(  # row chunks on a Dask cluster
                dask, dask_timeout, source, input_file, input_format.value if input_format else None, key, selection,
                batch_size, [name for name, given in (("--stats", stats), ("--engine", runner is not None)) if given])
            evaluation = run(
                network if runner is None else runner, source.batches(batch_size, selection, reuse=True), truth,
                stats=layer_stats, progress=advance, labels_name=labels, k=top_k, misclassified=misclassified,
                first_row=0 if selection is None or selection.start is None
                else selection.start if selection.start >= 0 else max(0, (expected or 0) + selection.start),
            )
    if save_figure is not None:
        from nncli.render.figures import save_confusion_figure  # matplotlib is heavy: only when a figure is saved

        save_confusion_figure(save_figure, evaluation)

    if output_format is TableOrJson.json:
        document = evaluation.to_dict(named_classes=network.classes is not None)
        if layer_stats is not None:
            document["stats"] = [layer.to_dict() for layer in layer_stats.result()]
        print(dumps(document, indent=2))
        return

    from nncli.render.evaluate import render_evaluation, render_stats  # Rich tables: only when drawn

    console = stdout_console()
    render_evaluation(console, evaluation, precision)
    if layer_stats is not None:
        console.print()
        render_stats(console, layer_stats.result(), precision)


@contextlib.contextmanager
def _progress_bar(enabled: bool, total: int | None, name: str) -> Iterator[Callable[[int], None] | None]:
    """A Rich progress bar on stderr when it is a terminal (never in pipes or tests)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    # Rich only on a terminal: piped runs (and every machine format) skip its import.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = [TextColumn(f"{name}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=stderr_console(), transient=True) as bar:
        task = bar.add_task("rows", total=total)
        yield lambda done: bar.update(task, completed=done)
