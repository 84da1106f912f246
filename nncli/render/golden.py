"""The ``--expect golden.json`` report: per array, the largest errors and the first entry outside tolerance."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from nncli.interop.golden import GoldenReport


def render_golden(console: Any, report: GoldenReport) -> None:
    """A table of every compared array, then the rule and a one-line verdict."""
    table = Table(show_edge=False, pad_edge=False, padding=(0, 1))
    for header, justify in (("array", "left"), ("shape", "right"), ("max abs err", "right"),
                            ("max rel err", "right"), ("outside", "right"), ("first outside", "left"), ("", "left")):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for check in report.checks:
        shape = "×".join(str(d) for d in check.shape)
        first = "" if check.first is None else (f"row {check.first[0]}" if check.name == "predicted"
                                                else f"row {check.first[0]}, unit {check.first[1]}")
        table.add_row(check.name, shape, _error(check.max_abs), _error(check.max_rel),
                      str(check.outside), check.note or first, "ok" if check.ok else "FAIL")
    console.print(table)
    console.print(f"Tolerance (numpy.isclose): |a - b| <= atol + rtol·|b|, rtol={report.rtol:g}, atol={report.atol:g}; "
                  f"a computed, b from {report.source}")
    failed = report.failed
    if not failed:
        console.print(f"All {len(report.checks)} arrays match {report.source}.")
    else:
        console.print(f"{len(failed)} of {len(report.checks)} arrays differ from {report.source}: "
                      f"{', '.join(check.name for check in failed)}")


def _error(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"
