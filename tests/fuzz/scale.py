"""Example counts relative to the active hypothesis profile (see conftest.py)."""

from __future__ import annotations

from typing import Any

from hypothesis import Phase, settings

CI_EXAMPLES = 100  # the ci profile's max_examples; long has 20 times as many
# For tests whose failing examples take seconds each (hangs): report the first, do not shrink.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


def examples(ci_count: int, **other: Any) -> settings:
    """A ``@settings`` running ``ci_count`` examples under the ci profile, in proportion under others."""
    scale = settings.default.max_examples / CI_EXAMPLES
    return settings(max_examples=max(1, round(ci_count * scale)), **other)
