"""Strategies for YAML text: generated documents, nesting, anchors and aliases, and configs."""

from __future__ import annotations

import yaml
from hypothesis import strategies as st

from tests.fuzz.harness import NUMBER_TOKENS

KEYS = ["name", "layers", "units", "activation", "weights", "bias", "inputs", "classes", "dtype",
        "description", "preprocess", "divide_by", "input_size", "file", "key", "weights_file",
        "allow_nonfinite", "params", "alpha", "x", "a", "<<", "1", "true", "null", ""]
SCALARS = st.one_of(
    st.sampled_from(NUMBER_TOKENS),
    st.sampled_from(["relu", "sigmoid", "softmax", "identity", "step", "tanh", "leaky_relu", "float32", "float64",
                     "w.npy", "weights.npz", "W1", "yes", "no", "on", "'quoted'", '"dq\\u0041"', "|", ">", "-", "?",
                     "!!float 1", "!!int 2", "!!str 3", "!!float x", "!!int 1.5", "!!bool 1", "!!null", "!!binary aGk=",
                     "!!timestamp 2001-12-14", "!custom 1", "!!python/name:os.system", "2001-12-14", "@", "`"]),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8),
)


@st.composite
def yaml_values(draw, depth: int = 0):
    """A nested value (dicts, lists, scalar spellings) rendered later as YAML text."""
    kind = draw(st.sampled_from(["scalar", "scalar", "list", "dict"] if depth < 4 else ["scalar"]))
    if kind == "scalar":
        return draw(SCALARS)
    if kind == "list":
        return [draw(yaml_values(depth + 1)) for _ in range(draw(st.integers(0, 4)))]
    return {draw(st.sampled_from(KEYS)): draw(yaml_values(depth + 1)) for _ in range(draw(st.integers(0, 4)))}


def render(value, style: str, indent: int = 0) -> str:
    """``value`` as YAML text: scalars verbatim (not quoted), in flow or block style."""
    pad = "  " * indent
    if isinstance(value, list):
        if style == "flow" or not value:
            return "[" + ", ".join(render(v, "flow") for v in value) + "]"
        return "\n" + "".join(f"{pad}- {render(v, style, indent + 1).lstrip()}\n" for v in value).rstrip("\n")
    if isinstance(value, dict):
        if style == "flow" or not value:
            return "{" + ", ".join(f"{k}: {render(v, 'flow')}" for k, v in value.items()) + "}"
        return "\n" + "\n".join(f"{pad}{k}: {render(v, style, indent + 1)}" for k, v in value.items())
    return str(value)


@st.composite
def yaml_documents(draw) -> str:
    """A generated YAML document: a top-level mapping (mostly config-like keys) in flow or block style."""
    style = draw(st.sampled_from(["flow", "block"]))
    top = {draw(st.sampled_from(KEYS)): draw(yaml_values(1)) for _ in range(draw(st.integers(0, 6)))}
    if draw(st.booleans()):
        return render(top, style).lstrip("\n") + "\n"
    return yaml.safe_dump(top, default_flow_style=style == "flow", allow_unicode=draw(st.booleans()))


def nested(depth: int, shape: str, indent: int = 0) -> str:
    """A value nested ``depth`` levels: flow lists, flow mappings, block lists or block mappings;
    block styles start on a new line, indented by ``indent`` spaces more than their key."""
    if shape == "flow_list":
        return "[" * depth + "1" + "]" * depth
    if shape == "flow_map":
        return "{a: " * depth + "1" + "}" * depth
    item = "-" if shape == "block_list" else "a:"
    lines = [" " * (indent + i) + item for i in range(depth - 1)] + [" " * (indent + depth - 1) + item + " 1"]
    return "\n" + "\n".join(lines) + "\n"


NEST_SHAPES = ["flow_list", "flow_map", "block_list", "block_map"]
PLACES = ["inputs", "weights", "unknown_key", "description", "top"]
ALIAS_PLACES = PLACES[:-1]  # the anchors come first, so an alias cannot be the whole document
_INDENT = {"inputs": 4, "weights": 6, "unknown_key": 2, "description": 2, "top": 0}


def nested_in(depth: int, shape: str, where: str) -> str:
    """A config-like document with a value nested ``depth`` levels at ``where`` (see place)."""
    return place(nested(depth, shape, _INDENT[where]), where)


def place(value_text: str, where: str) -> str:
    """A config-like document with ``value_text`` as one of its values."""
    if where == "top":
        return value_text.lstrip("\n") + ("\n" if not value_text.endswith("\n") else "")
    sep = "" if value_text.startswith("\n") else " "
    end = "" if value_text.endswith("\n") else "\n"
    if where == "inputs":
        return f"layers:\n  - units: 1\n    activation: relu\n    weights: [[1]]\n    bias: [0]\ninputs:\n  x:{sep}{value_text}{end}"
    if where == "weights":
        return f"layers:\n  - units: 1\n    activation: relu\n    bias: [0]\n    weights:{sep}{value_text}{end}"
    key = "surprise" if where == "unknown_key" else "description"
    return f"{key}:{sep}{value_text}{end}layers:\n  - units: 1\n    activation: relu\n    weights: [[1]]\n    bias: [0]\n"


def laughs(levels: int, width: int, where: str) -> str:
    """The "billion laughs" shape: anchor a0 is a list; each level lists ``width`` aliases of the one
    before; the last level is used at ``where``. It expands to width**levels values."""
    lines = ["a0: &a0 [lol]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    anchors = "anchors:\n" + "".join(f"  {line}\n" for line in lines)
    return anchors + place(f"*a{levels}", where)
