"""The ``--expect golden.json`` report: per array, the largest errors and the first entry outside tolerance."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from nncli.interop.golden import GoldenReport


def render_golden(console: Any, report: GoldenReport) -> None:
    """A table of every compared array (max |a - b|, max |a - b| / |b|, entries outside the
    tolerance, the first of them as row and unit, 0-based), then the rule and a one-line verdict.
    An array that differs has its first entry outside filled in (or a note: a shape that differs,
    an array the run does not compute), and is listed in the verdict."""
    table = Table(show_edge=False, pad_edge=False, padding=(0, 1))
    for header, justify in (("array", "left"), ("shape", "right"), ("max abs err", "right"),
                            ("max rel err", "right"), ("outside", "right"), ("first outside", "left")):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for check in report.checks:
        shape = "×".join(str(d) for d in check.shape)
        first = "" if check.first is None else (f"row {check.first[0]}" if check.name == "predicted"
                                                else f"row {check.first[0]}, unit {check.first[1]}")
        table.add_row(check.name, shape, _error(check.max_abs), _error(check.max_rel),
                      str(check.outside), check.note or first, style=None if check.ok else "bold red")
    console.print(f"Compared with {report.source} (a: this run, b: golden)", soft_wrap=True)  # never cut a path
    console.print(table)
    console.print(f"Tolerance |a - b| <= atol + rtol·|b| (numpy.isclose), rtol={report.rtol:g}, atol={report.atol:g}",
                  soft_wrap=True)
    failed = report.failed
    if not failed:
        console.print(f"All {len(report.checks)} arrays match {report.source}.", soft_wrap=True)
    else:
        console.print(f"{len(failed)} of {len(report.checks)} arrays differ from {report.source}: "
                      f"{', '.join(check.name for check in failed)}", soft_wrap=True)


def _error(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"
