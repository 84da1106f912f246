"""Strict JSON for everything nncli prints: non-finite numbers become "nan", "inf", "-inf".

JSON has no NaN or Infinity, and Python's ``json`` writes them as bare ``NaN`` that ``jq``
rejects; nncli writes them as strings instead (documented in the README). Floats are
written with ``repr``, the shortest text that reads back to the same float (round trip).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from nncli.render.numbers import json_value


def clean(value: Any) -> Any:
    """``value`` with numpy arrays/scalars turned into lists/numbers and non-finite floats into strings."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            return _clean_float_array(value)
        return clean(value.tolist())
    if isinstance(value, (np.floating, float)):
        return json_value(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def _clean_float_array(arr: np.ndarray) -> Any:
    # float32 values are widened to float64 exactly; repr of that float64 reads back to it.
    items = arr.astype(np.float64).tolist()
    if np.isfinite(arr).all():
        return items
    return _map_nested(items)


def _map_nested(items: Any) -> Any:
    if isinstance(items, list):
        return [_map_nested(v) for v in items]
    return json_value(items)


def dumps(value: Any, indent: int | None = None) -> str:
    """Strict JSON text of ``value`` (see ``clean``); never emits NaN/Infinity literals."""
    return json.dumps(clean(value), indent=indent, allow_nan=False, ensure_ascii=False)
