"""The hypothesis profiles of the fuzz targets, and example counts relative to them.

- ``ci`` (the default): example counts sized so every fuzz target together takes well under a
  minute of CPU time on a 2-core machine; derandomized, so every run tries the same examples.
- ``long``: 20 times the ``ci`` counts, random, for a deliberate search:

      python -m pytest tests/fuzz -p no:cacheprovider --hypothesis-profile long

Importing this module registers the profiles; tests/conftest.py imports it (as does
tests/fuzz/conftest.py), so ``python -m pytest --hypothesis-profile long`` works from the project
root as well as with tests/fuzz named: pytest loads those conftests before the hypothesis plugin
reads ``--hypothesis-profile``.

Each test states its example count under ``ci`` with ``@examples(n)``, so one profile scales every
target together. No example database is kept, and a per-example deadline is not used: harness.py
bounds each example's CPU time instead.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, settings

CI_EXAMPLES = 100  # the ci profile's max_examples
LONG_FACTOR = 20
# For tests whose failing examples take seconds each (hangs): report the first, do not shrink.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)

_COMMON: dict[str, Any] = dict(
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile("ci", max_examples=CI_EXAMPLES, derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=LONG_FACTOR * CI_EXAMPLES, derandomize=False, **_COMMON)
if settings.get_current_profile_name() == "default":
    settings.load_profile("ci")  # the pytest plugin then loads --hypothesis-profile, if given


def examples(ci_count: int, **other: Any) -> settings:
    """A ``@settings`` running ``ci_count`` examples under the ci profile, in proportion under others."""
    scale = settings.default.max_examples / CI_EXAMPLES
    return settings(max_examples=max(1, round(ci_count * scale)), **other)
