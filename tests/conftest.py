"""Shared fixtures: run the command line in-process (fast) or as a real process (end to end)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import tests.fuzz.scale  # noqa: F401 - registers the hypothesis profiles: --hypothesis-profile long from the root

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
SHARED_DATA = ROOT.parent / "shared" / "data"
REQUIRE_SHARED_DATA = "NNCLI_REQUIRE_SHARED_DATA"
"""Set (to anything but empty or 0) where ../shared/data must be present, e.g. in CI: a test
that needs a missing file fails instead of skipping."""


def missing_shared(*paths: Path) -> Path | None:
    """The first of ``paths`` (files under ../shared/data) that does not exist, else None."""
    return next((path for path in paths if not path.is_file()), None)


def need_shared(*paths: Path) -> None:
    """Skip the calling test, naming the first of ``paths`` that is missing, when the
    repository was cloned without ../shared/data beside it (see its README); fail instead
    when NNCLI_REQUIRE_SHARED_DATA is set."""
    missing = missing_shared(*paths)
    if missing is None:
        return
    reason = f"needs {missing}, which is missing (the shared reference data is not beside this clone)"
    if os.environ.get(REQUIRE_SHARED_DATA, "") not in ("", "0"):
        pytest.fail(f"{reason}; {REQUIRE_SHARED_DATA} is set")
    pytest.skip(reason)


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str
    stdout_bytes: bytes = b""


@pytest.fixture
def cli(monkeypatch):
    """Run ``nncli ARGS...`` in-process with Typer's CliRunner; returns a Result.

    The terminal width is fixed at 100 columns and colour is off, so output is stable.
    """
    from typer.testing import CliRunner

    from nncli.cli import app

    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    runner = CliRunner()

    def run(*args: str, input: str | bytes | None = None) -> Result:
        res = runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)
        return Result(res.exit_code, res.stdout, res.stderr, res.stdout_bytes)

    return run


@pytest.fixture
def nncli_process():
    """Run ``python -m nncli ARGS...`` as a separate process (real pipes, real exit codes)."""

    def run(*args: str, input: bytes | str | None = None, cwd: Path | None = None, env: dict | None = None,
            columns: int = 80) -> Result:
        environment = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
        environment.update(env or {})
        data = input.encode() if isinstance(input, str) else input
        proc = subprocess.run(
            [sys.executable, "-m", "nncli", *[str(a) for a in args]],
            input=data, capture_output=True, cwd=cwd or ROOT, env=environment, timeout=120,
        )
        return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                      proc.stderr.decode("utf-8", "replace"), proc.stdout)

    return run


@pytest.fixture
def write(tmp_path):
    """Write a text file under tmp_path and return its path: ``write("net.yaml", text)``."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write
