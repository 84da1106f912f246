"""Hypothesis profiles for the fuzz targets.

- ``ci`` (the default): example counts sized so every fuzz target together takes well under a
  minute on a loaded 2-core machine; derandomized, so every run tries the same examples.
- ``long``: 20 times the ``ci`` counts, random, for a deliberate search:

      python -m pytest tests/fuzz -p no:cacheprovider --hypothesis-profile long

  (name tests/fuzz, or a file in it, on the command line: the profiles are registered when this
  conftest is loaded, which pytest does before it reads ``--hypothesis-profile`` only for the
  folders named on the command line).

Each test states its own example count as a multiple of the profile's ``max_examples``
(see ``examples``), so the profiles scale every target together. No example database is kept.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.fuzz.scale import CI_EXAMPLES
_COMMON = dict(
    deadline=None,  # per-example time is bounded by tests/fuzz/harness.py instead
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile("ci", max_examples=CI_EXAMPLES, derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=20 * CI_EXAMPLES, derandomize=False, **_COMMON)
settings.load_profile("ci")  # the pytest plugin then loads --hypothesis-profile, if given


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep Hypothesis from writing a patch of failing examples into .hypothesis/patches (which also
    imports libcst, whose DeprecationWarning the project's filterwarnings=error turns into a crash);
    the failure report still shows each falsifying example."""
    if hasattr(item, "_hypothesis_failing_examples"):
        del item._hypothesis_failing_examples
