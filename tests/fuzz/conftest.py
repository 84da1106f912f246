"""Fuzz targets: the hypothesis profiles (registered by importing tests.fuzz.scale; see there)."""

from __future__ import annotations

import pytest

import tests.fuzz.scale  # noqa: F401 - registers and loads the profiles before the tests are collected


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep Hypothesis from writing a patch of failing examples into .hypothesis/patches (which also
    imports libcst, whose DeprecationWarning the project's filterwarnings=error turns into a crash);
    the failure report still shows each falsifying example."""
    if hasattr(item, "_hypothesis_failing_examples"):
        del item._hypothesis_failing_examples
