"""``nncli softmax``: scores -> probabilities, and ``--demo-overflow``, the naive formula failing step by step.

Thin: parse the options and the rows of numbers, call ``nncli.overflow``, hand the result
to ``nncli.render.softmax``. Negative numbers work as positional values (``nncli softmax -1 0 1``):
the command ignores unknown "options", and any leftover token that is not a number is
reported as an unknown option.
"""


import re
import sys
from enum import Enum
from typing import Annotated, Optional

import typer
from typer.core import TyperCommand

from nncli import overflow
from nncli.cli.common import ComputeDtypeOpt, Dtype, PrecisionOpt, fail, handles_errors, number, stdout_console
from nncli.errors import InputError, did_you_mean
from nncli.render import machine
from nncli.rows import Row, parse_lines, parse_row_at, stack_rows


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


# A token that starts like a number, so a leading "-" is a sign and not an option.
_NUMERIC_START = re.compile(r"-(?:\d|\.\d|inf|nan)", re.IGNORECASE)


class NumbersCommand(TyperCommand):
    """A command whose negative numbers are values, never options: ``-inf`` is not ``-i -n -f``.

    Before Click parses the arguments, each token that starts like a negative number gets a
    leading space, which the number grammar ignores and Click does not read as an option.
    """

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, [" " + arg if _NUMERIC_START.match(arg) else arg for arg in args])


@handles_errors
def softmax(
    ctx: typer.Context,
    values: Annotated[
        Optional[list[str]],
        typer.Argument(
            metavar="[VALUES]...",
            help="Scores a_k of one row, separated by spaces and/or commas (\"2.0 1.0 0.1\" or "
            "\"2.0,1.0,0.1\"); negative numbers, inf, -inf and nan are fine. '-' reads rows from "
            "stdin, one per line (blank lines and # comments skipped).",
            show_default=False,
        ),
    ] = None,
    row: Annotated[
        Optional[list[str]],
        typer.Option("--row", metavar="ROW", help="One row of scores, e.g. --row \"1,2,3\"; repeat for several rows."),
    ] = None,
    temperature: Annotated[
        str,
        typer.Option(
            "--temperature", metavar="T",
            help="Softmax of a / T, T > 0: T < 1 sharpens the probabilities towards the argmax, "
            "T > 1 flattens them towards uniform; the argmax never changes.",
        ),
    ] = "1",
    log: Annotated[
        bool,
        typer.Option("--log", help="Log-probabilities, computed stably as (a - C) - log Σ exp(a - C), never log(softmax)."),
    ] = False,
    dtype: ComputeDtypeOpt = Dtype.float64,
    precision: PrecisionOpt = None,
    output_format: Annotated[
        Format, typer.Option("--format", "-f", help="table for people; json or csv for scripts (full precision).")
    ] = Format.table,
    demo_overflow: Annotated[
        bool,
        typer.Option(
            "--demo-overflow",
            help="Show why the textbook exp(a)/Σexp(a) overflows and how subtracting C = max(a) fixes it, "
            "step by step, for VALUES (default: the book's 1010 1000 990).",
        ),
    ] = False,
) -> None:
    """Turn scores into probabilities with softmax: p_k = exp(a_k - C) / Σ exp(a_i - C), C = max(a).

    Prints each score a_k, its probability p_k (--precision digits, default 4), a bar and the argmax, one table per row. It is the same softmax the network uses. With --demo-overflow it shows instead, side by side, how the textbook formula exp(a_k) / Σ exp(a_i) overflows to inf and nan, and how subtracting C = max(a) fixes it, in scientific notation with --precision digits (default as numpy prints them: 8 for float64, 6 for float32).

    Non-finite scores: -inf gets probability 0; a row with +inf shares the probability equally among its +inf entries (the limit), the others get 0; a row with nan, or only -inf, gives nan. The predicted class is the index of the largest score (the first on ties; none for a row with nan or only -inf, as in nncli forward).

    JSON: {"input": [[...]], "probabilities": [[...]], "predicted": [...], "temperature": T, "dtype": "float64"}, with "log_probabilities" instead of "probabilities" for --log; nan and inf are written as strings. CSV: the header p0,p1,...,predicted (logp0,... for --log), then one line per row.

    Examples:
      nncli softmax 2.0 1.0 0.1
      nncli softmax -1,0,1 --temperature 0.5 --format json
      printf '1 2 3\\n3 2 1\\n' | nncli softmax - --format csv
      nncli softmax --demo-overflow --dtype float32 100 90 80
    """
    tokens = [token.lstrip(" ") for token in values or []]  # see NumbersCommand
    _reject_unknown_options(tokens, _option_names(ctx))
    t = number(temperature, "--temperature")

    rows: list[Row]
    if "-" in tokens:
        if tokens != ["-"] or row:
            raise InputError("'-' reads all rows from stdin; give no other VALUES or --row with it")
        rows = parse_lines(_read_stdin(), "<stdin>")
        if not rows:
            raise InputError("<stdin>: no rows of numbers (every line was blank or a comment)")
    elif tokens and row:
        raise InputError("give the scores either as VALUES or as --row options, not both")
    elif row:
        rows = [parse_row_at(text, f"--row #{i}") for i, text in enumerate(row, start=1)]
    elif tokens:
        rows = [parse_row_at(" ".join(tokens), "<args>")]
    elif demo_overflow:
        rows = []
    else:
        raise InputError("no scores given; example: nncli softmax 2.0 1.0 0.1 (or '-' to read rows from stdin)")

    if demo_overflow:
        if t != 1.0 or log:
            raise InputError("--temperature and --log do not apply to --demo-overflow")
        if output_format is Format.csv:
            raise InputError("--demo-overflow prints a table or --format json, not csv")
        if len(rows) > 1:
            raise InputError(f"--demo-overflow shows one row of scores; got {len(rows)} rows")
        scores = stack_rows(rows, dtype.value)[0] if rows else overflow.BOOK_SCORES
        demo = overflow.overflow_demo(scores, dtype.value)
        if output_format is Format.json:
            sys.stdout.write(machine.demo_json(demo))
        else:
            from nncli.render.softmax import render_demo  # Rich tables: only when a table is drawn

            render_demo(demo, stdout_console(), precision)
        return

    result = overflow.softmax_rows(stack_rows(rows, dtype.value), temperature=t, log=log)
    if output_format is Format.json:
        sys.stdout.write(machine.probabilities_json(result))
    elif output_format is Format.csv:
        sys.stdout.write(machine.probabilities_csv(result))
    else:
        from nncli.render.softmax import render_probabilities  # Rich tables: only when a table is drawn

        labels = [r.where for r in rows] if rows[0].where.startswith("<stdin>") else None
        render_probabilities(result, stdout_console(), 4 if precision is None else precision, labels)


def _reject_unknown_options(tokens: list[str], options: list[str]) -> None:
    """Unknown options reach VALUES (so that -1 can); report any that is not a number's sign."""
    for token in tokens:
        if token.startswith("-") and len(token) > 1 and not _NUMERIC_START.match(token):
            name = token.split("=", 1)[0]
            if name in options:  # it came after "--", where everything is a score
                fail(f"{name} after --: every argument after -- is a score; put options before it", code=2)
            # A usage error, as the parser itself would report it: exit code 2.
            fail(f"no such option: {name}{did_you_mean(name, options)}", code=2)


def _option_names(ctx: typer.Context) -> list[str]:
    names = [name for p in ctx.command.params for name in (*p.opts, *p.secondary_opts)]
    return [name for name in (*names, *ctx.help_option_names) if name.startswith("-")]


def _read_stdin() -> str:
    """All of stdin as text (UTF-8, a BOM allowed)."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        return sys.stdin.read()
    data = stream.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"<stdin>: not UTF-8 text (byte {err.start + 1})") from None
