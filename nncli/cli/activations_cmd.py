"""``nncli activations``: list, evaluate and plot the activation functions (a thin layer over the registry)."""


import importlib.util
import math
import re
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import numpy as np
import typer

from nncli import activations as A
from nncli.cli.common import (
    ComputeDtypeOpt,
    Dtype,
    PrecisionOpt,
    TableOrJson,
    TableOrJsonOpt,
    handles_errors,
    number,
    stdout_console,
)
from nncli.errors import ActivationError, InputError, NncliError, did_you_mean
from nncli.outfile import check_output_path
from nncli.render.jsonout import dumps
from nncli.rows import parse_row, parse_row_at

DEFAULT_PLOT = ("step", "sigmoid", "tanh", "relu")
MAX_POINTS = 100_000


# START:STOP:COUNT, e.g. "-6:6:13"; each bound is then read with the number grammar.
_LINSPACE = re.compile(r"([^:]*):([^:]*):\s*(\d+)\s*")


@handles_errors
def activations_command(
    names: Annotated[Optional[list[str]], typer.Argument(
        help="Activations to show, by name or alias (default: all; for --plot: step sigmoid tanh relu).",
        show_default=False)] = None,
    at: Annotated[Optional[str], typer.Option(
        "--at", metavar="VALUES",
        help='Evaluate at these inputs: "-2,-1,0,1,2" (inf, nan allowed) or START:STOP:COUNT.')] = None,
    derivative: Annotated[bool, typer.Option(
        "--derivative", "-d", help="Also show dh/da (with --at: columns; with --plot: dotted curves).")] = False,
    param: Annotated[Optional[list[str]], typer.Option(
        "--param", "-p", metavar="NAME=VALUE",
        help="Set a parameter of every named activation that has it, or ACTIVATION.NAME=VALUE for one; "
             "lists as 0.1,0.2. Repeatable.")] = None,
    plot: Annotated[bool, typer.Option("--plot", help="Draw the functions in the terminal.")] = False,
    x_range: Annotated[tuple[str, str], typer.Option(
        "--range", metavar="LO HI", help="The plot's input range.")] = ("-6", "6"),
    save: Annotated[Optional[Path], typer.Option(
        "--save", metavar="FILE", help="Write the plot to FILE.png, FILE.svg or FILE.pdf (needs matplotlib).",
        dir_okay=False)] = None,
    depth: Annotated[int, typer.Option(
        "--depth", min=1, max=10_000, help="Layers L for the table's max|h'|^L column (vanishing gradients).")] = 10,
    output_format: TableOrJsonOpt = TableOrJson.table,
    precision: PrecisionOpt = 6,
    dtype: ComputeDtypeOpt = Dtype.float64,
) -> None:
    """List, evaluate and plot activation functions h(a), with derivatives and properties.

    Without --at or --plot: a table of every activation (or of the named ones, in detail): formula, range, whether it is odd (zero-centred), monotonic and C1, and the largest |h'(a)|, computed numerically, raised to the power --depth to show how gradients vanish.

    Row-wise functions (softmax, ...) treat the --at values as one row, glu and maxout group them; plots draw row-wise functions along the row (a, 0) and grouping ones on (a, a).

    Examples:
      nncli activations
      nncli activations sigmoid tanh --at "-2,0,2" --derivative
      nncli activations elu --at "-2,-1,0,1" --param alpha=0.5
      nncli activations --plot sigmoid tanh --derivative --range -6 6
    """  # noqa: E501 - one line per paragraph: the help reflows them to the terminal's width
    if output_format is TableOrJson.json and plot:
        raise typer.BadParameter("--plot draws in the terminal; use --format json without it", param_hint="--plot")
    if save is not None:
        _check_save(save)
    specs = _unique([A.lookup(n) for n in names or ()])
    drawing = plot or save is not None
    if drawing and not specs:
        specs = [A.lookup(n) for n in DEFAULT_PLOT]
    if not specs:
        specs = [A.lookup(n) for n in A.names()]
    acts = _bind(specs, param or [])

    if at is not None:
        if not names:
            raise typer.BadParameter("name the activations to evaluate, e.g. nncli activations sigmoid --at ...",
                                     param_hint="--at")
        _values(acts, _parse_at(at), derivative, output_format, 6 if precision is None else precision, dtype.value)
    elif not drawing:
        _listing(acts, depth, output_format, detailed=bool(names))
    if drawing:
        _plot(acts, (number(x_range[0], "--range LO"), number(x_range[1], "--range HI")), derivative, plot, save)


# --- parsing --------------------------------------------------------------------------


def _unique(specs: list[Any]) -> list[Any]:
    seen: dict[str, Any] = {}
    for s in specs:
        seen.setdefault(s.name, s)
    return list(seen.values())


def _bind(specs: list[Any], settings: list[str]) -> list[Any]:
    """Bind each spec with the --param settings that apply to it."""
    per: dict[str, dict[str, Any]] = {s.name: {} for s in specs}
    offered = sorted({p.name for s in specs for p in s.params})
    for n, text in enumerate(settings, start=1):
        key, sep, raw = text.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ActivationError(f"--param '{text}': expected NAME=VALUE, e.g. --param negative_slope=0.2")
        value = _parse_value(text, f"--param #{n}")
        if "." in key:
            target, name = key.split(".", 1)
            spec = A.lookup(target)
            if spec.name not in per:
                raise ActivationError(f"--param '{text}': '{spec.name}' is not among the activations shown")
            targets = [spec]
        else:
            name = key
            targets = [s for s in specs if any(p.name == name for p in s.params)]
            if not targets:
                have = f"; their parameters: {', '.join(offered)}" if offered else "; they take no parameters"
                raise ActivationError(
                    f"--param '{text}': no activation shown has a parameter '{name}'{did_you_mean(name, offered)}{have}"
                )
        for spec in targets:
            per[spec.name][name] = value
    return [A.get(s.name, **per[s.name]) for s in specs]


def _parse_value(text: str, where: str) -> Any:
    """The VALUE of ``NAME=VALUE``: numbers (one, or a list "0.1,0.2") in the number grammar of
    ``nncli.rows``, with columns counted in ``text``; a word without digits (``tanh``) stays text."""
    key, _sep, raw = text.partition("=")
    if not re.search(r"[\d,]", raw):
        try:
            return parse_row(raw, where)[0] if raw.strip() else raw
        except InputError:
            return raw.strip()  # a choice such as approximate=tanh; the activation checks it
    # Blanks in place of NAME= keep the columns of the whole setting (blanks separate numbers).
    row = parse_row_at(" " * (len(key) + 1) + raw, where)
    return list(row.values) if len(row) > 1 or "," in raw else row.values[0]


def _parse_at(text: str) -> list[float]:
    """``"-2,-1,0,1,2"`` (the number grammar of ``nncli.rows``) or ``"-6:6:13"`` (13 evenly
    spaced values) as floats."""
    if ":" in text:
        match = _LINSPACE.fullmatch(text)
        if match is None:
            raise InputError(f"--at '{text.strip()}': expected START:STOP:COUNT "
                             f'(e.g. --at "-2,-1,0,1,2" or --at "-6:6:13")')
        lo, hi = number(match.group(1), "--at START"), number(match.group(2), "--at STOP")
        count = int(match.group(3))
        if not (2 <= count <= MAX_POINTS) or not (math.isfinite(lo) and math.isfinite(hi)):
            raise InputError(f"--at '{text.strip()}': COUNT must be 2..{MAX_POINTS} and START, STOP finite")
        return [float(v) for v in np.linspace(lo, hi, count)]
    values = parse_row(text, "--at")
    if len(values) > MAX_POINTS:
        raise InputError(f"--at: at most {MAX_POINTS} values")
    return values


# --- the three views ------------------------------------------------------------------


def _listing(acts: list[Any], depth: int, output_format: TableOrJson, detailed: bool) -> None:
    rows = [A.summary(act, depth) for act in acts]
    if output_format is TableOrJson.json:
        _print_json(rows)
        return
    from nncli.render.activations import details, listing_legend, listing_table  # Rich: only for tables

    console = stdout_console()
    console.print(listing_table(rows, depth))
    console.print(listing_legend(depth), style="dim")
    if detailed:
        for row, act in zip(rows, acts):
            console.print()
            console.print(details(row, act.spec))


def _values(acts: list[Any], points: list[float], derivative: bool, output_format: TableOrJson,
            precision: int, dtype: str) -> None:
    with np.errstate(over="ignore"):  # 1e300 as float32 is inf, as asked
        x = np.asarray(points, dtype=np.float64).astype(dtype)
    values: dict[str, np.ndarray] = {}
    derivatives: dict[str, np.ndarray] = {}
    for act in acts:
        values[act.name] = act(x)
        derivatives[act.name] = act.derivative(x)
    if output_format is TableOrJson.json:
        _print_json({
            "x": x, "dtype": dtype,
            "parameters": {act.name: {k: (list(v) if isinstance(v, tuple) else v) for k, v in act.params.items()}
                           for act in acts},
            "values": values, "derivatives": derivatives,
        })
        return
    from nncli.render.activations import values_table  # Rich: only for tables

    columns = []
    for act in acts:
        columns.append((act.label, values[act.name]))
        if derivative:
            columns.append((f"{act.label}'", derivatives[act.name]))
    console = stdout_console()
    console.print(values_table(x, columns, precision))
    row_wise = [a.name for a in acts if a.kind != "elementwise"]
    if row_wise:
        grads = "; h' is d h_k/d a_k (glu, maxout: of the output each input feeds)" if derivative else ""
        console.print(f"{', '.join(row_wise)}: the values form one row (a_1, ..., a_{len(x)}){grads}.",
                      style="dim", highlight=False, markup=False)


def _plot(acts: list[Any], x_range: tuple[float, float], derivative: bool, terminal: bool,
          save: Optional[Path]) -> None:
    from nncli.render.activations import Curve, plot_samples, plot_text, save_plot  # Rich: only for plots

    lo, hi = x_range
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi and math.isfinite(hi - lo)):
        raise InputError(f"--range {lo:g} {hi:g}: needs finite LO < HI, with HI - LO finite too")
    for act in acts:
        if any(isinstance(v, tuple) and len(v) > 1 for v in act.params.values()):
            raise ActivationError(f"{act.label}: per-unit parameters cannot be plotted; give a single value")
    note = ""
    if any(a.kind != "elementwise" for a in acts):
        note = "row-wise functions drawn along the row (a, 0), grouping ones on (a, a)"

    def curves_for(x: np.ndarray) -> list[Curve]:
        curves = []
        for i, act in enumerate(acts):
            curves.append(Curve(act.label, A.probe(act, x), i))
            if derivative:
                curves.append(Curve(f"{act.label}'", A.probe(act, x, derivative=True), i, derivative=True))
        return curves

    if terminal:
        console = stdout_console()
        width = min(console.width, 100)
        x = plot_samples((lo, hi), width)
        plain = console.no_color or console.color_system is None  # no colour: a mark per curve
        console.print(plot_text(x, curves_for(x), (lo, hi), width=width, note=note, marks=plain))
    if save is not None:
        x = np.linspace(lo, hi, 1201)
        save_plot(save, x, curves_for(x), (lo, hi), note)
        print(f"Wrote {save}", file=sys.stderr)


def _check_save(save: Path) -> None:
    """NncliError unless --save names a .png, .svg or .pdf file in a directory that exists and
    matplotlib is installed: checked before anything is computed or printed."""
    suffix = save.suffix.lower()
    if suffix not in (".png", ".svg", ".pdf"):
        raise NncliError(f"--save {save}: write a .png, .svg or .pdf file (got '{suffix or 'no extension'}')")
    check_output_path(save)
    if importlib.util.find_spec("matplotlib") is None:
        raise NncliError("--save needs matplotlib: pip install 'nncli[plot]'")


def _print_json(value: Any) -> None:
    sys.stdout.write(dumps(value, indent=2) + "\n")
