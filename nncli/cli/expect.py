"""``forward --expect golden.json [--rtol R] [--atol A]``: check a run against known answers.

Every array the golden file holds (output, layers[k].A/Z, probabilities, predicted) is
compared with the run's by numpy.isclose's rule ``|a - b| <= atol + rtol·|b|``
(nncli.interop.golden). The report goes to stderr, so stdout keeps the chosen format; any
entry outside the tolerance exits with EXIT_MISMATCH (3); a bad golden file is exit 1.
"""

from pathlib import Path
from typing import Annotated, Any, Callable, Iterable, Iterator, Mapping, Optional

import numpy as np
import typer

from nncli.cli.common import number, stderr_console
from nncli.errors import InputError
from nncli.interop.golden import (DEFAULT_ATOL, DEFAULT_RTOL, EXIT_MISMATCH, arrays_of, check_tolerance,
                                  compare_arrays, golden_arrays, load_golden)
from nncli.network import ForwardTrace, OutputChunk

ExpectOpt = Annotated[
    Optional[Path],
    typer.Option("--expect", metavar="GOLDEN.json", dir_okay=False, show_default=False,
                 help="Compare every array of this JSON (what -f json writes: output, layers[].A/Z, probabilities, "
                 "predicted) with the run: a report on stderr, and exit code 3 when an entry is outside the "
                 "tolerance |a − b| ≤ atol + rtol·|b| (numpy.isclose's rule; a computed, b golden; predicted "
                 "exactly)."),
]
RtolOpt = Annotated[str, typer.Option("--rtol", metavar="R", help="Relative tolerance of --expect.")]
AtolOpt = Annotated[str, typer.Option("--atol", metavar="A", help="Absolute tolerance of --expect.")]
RTOL_TEXT, ATOL_TEXT = f"{DEFAULT_RTOL:g}", f"{DEFAULT_ATOL:g}"  # the options' defaults, as typed

Run = Callable[..., ForwardTrace]  # Network.forward or OrtRunner.output_trace: run(X, first_row=, source=)


class Expectation:
    """A golden file, read and checked before any row is computed, and the run's arrays as they come."""

    def __init__(self, path: Path, rtol: str = RTOL_TEXT, atol: str = ATOL_TEXT, *, layers: bool = True) -> None:
        """``layers``: whether the engine computes the layers (InputError, naming them, if the golden
        file holds layers and it does not)."""
        self.source = str(path)
        self.rtol, self.atol = number(rtol, "--rtol"), number(atol, "--atol")
        check_tolerance(self.rtol, self.atol)
        self.expected = golden_arrays(load_golden(path), self.source)
        self.layers = any(name.startswith("layers[") for name in self.expected)
        if self.layers and not layers:
            raise InputError(f"{self.source} holds layers, which --engine onnxruntime does not compute: compare "
                             f"them with the numpy engine, or write the golden file with --no-layers")
        self._parts: dict[str, list[np.ndarray | None]] = {name: [] for name in self.expected}
        self._later: tuple[Run, list[np.ndarray], int, str | None, bool] | None = None  # see keep_rows

    def add(self, arrays: Mapping[str, np.ndarray | None]) -> None:
        """Record the next rows of the run's arrays, by golden name (None: not computed)."""
        for name, values in arrays.items():
            if name in self._parts:
                self._parts[name].append(values)

    def add_trace(self, trace: ForwardTrace, *, outputs: bool = True) -> None:
        """Record a trace's rows (only its layers when not ``outputs``)."""
        self.add({name: values for name, values in arrays_of(trace).items() if outputs or name.startswith("layers[")})

    def predict_batches(self, predictor: Any, batches: Iterable[np.ndarray], run: Run, *, first_row: int = 0,
                        source: str | None = None, **options: Any) -> Iterator[OutputChunk]:
        """``predictor.predict_batches(batches, predicted=True, ...)``'s chunks, recording their
        output, probabilities and predicted classes; the layers too (by ``keep_rows``) when the
        golden file holds them."""
        if self.layers:
            batches = self.keep_rows(batches, run, first_row, source, outputs=False)
        for chunk in predictor.predict_batches(batches, predicted=True, first_row=first_row, source=source, **options):
            self.add({"output": chunk.Y, "probabilities": chunk.probabilities, "predicted": chunk.predicted})
            yield chunk

    def keep_rows(self, batches: Iterable[np.ndarray], run: Run, first_row: int, source: str | None, *,
                  outputs: bool = True) -> Iterator[np.ndarray]:
        """Yield ``batches`` unchanged, keeping a copy of their rows; ``finish`` runs ``run`` once
        on all of them and records its arrays (only the layers when not ``outputs``).

        One pass over all the rows, as ``-f json`` makes: float32 products depend in their last
        bits on how many rows BLAS multiplies together, so layers computed batch by batch would
        differ from the golden file's by a few ulps (the golden file holds every layer of every
        row anyway, so keeping the input costs less than reading it)."""
        kept: list[np.ndarray] = []
        self._later = (run, kept, first_row, source, outputs)
        for batch in batches:
            kept.append(np.array(batch))  # a copy: a stream may refill its buffer with the next rows
            yield batch

    def finish(self) -> None:
        """Compare, draw the report on stderr, and exit with EXIT_MISMATCH if anything differs."""
        if self._later is not None:
            run, kept, first_row, source, outputs = self._later
            if kept:
                self.add_trace(run(np.concatenate(kept), first_row=first_row, source=source), outputs=outputs)
        actual = {name: None if not parts or any(p is None for p in parts) else np.concatenate(parts)
                  for name, parts in self._parts.items()}
        report = compare_arrays(actual, self.expected, rtol=self.rtol, atol=self.atol, source=self.source)
        from nncli.render.golden import render_golden  # Rich: only when a report is drawn

        render_golden(stderr_console(), report)
        if not report.ok:
            raise typer.Exit(EXIT_MISMATCH)


def expectation_for(expect: Path | None, rtol: str, atol: str, *, layers: bool = True) -> Expectation | None:
    """The Expectation of ``--expect`` (None without it; --rtol or --atol without it is an InputError)."""
    if expect is None:
        if (rtol, atol) != (RTOL_TEXT, ATOL_TEXT):
            raise InputError("--rtol and --atol are the tolerances of --expect GOLDEN.json: give it too")
        return None
    return Expectation(expect, rtol, atol, layers=layers)

