"""``--explain``: one sample's arithmetic, unit by unit, with the real numbers.

For unit j of layer k: ``ak[j] = Σ_i x_i × W[i, j] + b[j]`` and ``zk[j] = h(ak[j])``, e.g.
``a1[0] = 1.0×0.1 + 0.5×0.2 + 0.1 = 0.3 → z1[0] = sigmoid(0.3) = 0.5744``. Long sums show
their first and last terms around ``+ … (n more) +``.
"""

from __future__ import annotations


from typing import NamedTuple

import numpy as np

from nncli.config import LayerSpec
from nncli.network import ForwardTrace
from nncli.render.numbers import factor, short


# A NamedTuple, not a frozen dataclass: as immutable, and defined ~7x faster at start-up
# (Python 3.11 execs six generated methods per frozen dataclass; every command imports this module).
class ExplainedLayer(NamedTuple):
    """The lines for one layer, e.g. title ``Layer 1 'hidden1': a1 = x·W1 + b1, z1 = sigmoid(a1)``."""

    title: str
    lines: tuple[str, ...]


def explain(trace: ForwardTrace, layers: tuple[LayerSpec, ...], sample: int = 0, precision: int = 4,
            max_terms: int = 6, max_units: int = 12) -> list[ExplainedLayer]:
    """The arithmetic of every unit for row ``sample`` of the trace (at most ``max_units``
    units per layer are written out; the rest are counted)."""
    result = []
    x = trace.X[sample]
    source = "x"
    for k, (layer, lt) in enumerate(zip(layers, trace.layers), start=1):
        a = lt.A[sample]
        z = lt.Z[sample]
        act = layer.activation
        title = f"Layer {k} '{layer.name}': a{k} = {source}·W{k} + b{k}, z{k} = {act.label}(a{k})"
        lines = []
        width = layer.width
        shown = range(min(width, max_units))
        for j in shown:
            terms = [f"{factor(float(x[i]), precision)}×{factor(float(layer.W[i, j]), precision)}"
                     for i in range(len(x))]
            sum_text = " + ".join(_shorten(terms, max_terms))
            bias = float(layer.b[j])
            bias_text = f"- {short(-bias, precision)}" if bias < 0 else f"+ {short(bias, precision)}"
            line = f"a{k}[{j}] = {sum_text} {bias_text} = {short(float(a[j]), precision)}"
            if act.spec.kind == "elementwise":
                line += f" → z{k}[{j}] = {act.label}({short(float(a[j]), precision)}) = {short(float(z[j]), precision)}"
            lines.append(line)
        if width > len(shown):
            lines.append(f"… and {width - len(shown)} more units")
        if act.spec.kind != "elementwise":
            values = ", ".join(short(float(v), precision) for v in z[:max_units])
            more = ", …" if len(z) > max_units else ""
            lines.append(f"z{k} = {act.label}(a{k}) = [{values}{more}]")
        result.append(ExplainedLayer(title, tuple(lines)))
        x = np.asarray(z)
        source = f"z{k}"
    return result


def _shorten(terms: list[str], max_terms: int) -> list[str]:
    if len(terms) <= max_terms:
        return terms
    head = max_terms - 2
    return [*terms[:head], f"… ({len(terms) - max_terms} more terms) …", *terms[-2:]]
