"""``nncli validate``'s summary, like Keras ``model.summary()``: layers, shapes, parameters."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from nncli.config import NetworkSpec


def summary_document(spec: NetworkSpec) -> dict[str, Any]:
    """The summary as data (``nncli validate --format json``)."""
    return {
        "network": spec.name,
        "valid": True,
        "dtype": spec.dtype,
        "input_size": spec.input_size,
        "output_size": spec.output_size,
        "classes": list(spec.classes) if spec.classes else None,
        "layers": [
            {
                "name": layer.name,
                "activation": layer.activation.label,
                "input_shape": [None, layer.inputs],
                "output_shape": [None, layer.units],
                "W_shape": list(layer.W.shape),
                "b_shape": list(layer.b.shape),
                "parameters": layer.parameter_count,
            }
            for layer in spec.layers
        ],
        "total_parameters": spec.parameter_count,
        "sample_inputs": [name for name, _rows in spec.inputs],
    }


def render_summary(console: Console, spec: NetworkSpec) -> None:
    """Print the summary table and the totals."""
    table = Table(
        title=f"{spec.name}: valid ({spec.path})", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
        pad_edge=False,
    )
    table.add_column("#", justify="right", style="dim")
    table.add_column("layer", no_wrap=True)
    table.add_column("activation")
    table.add_column("input → output", no_wrap=True)
    table.add_column("W", justify="right", no_wrap=True)
    table.add_column("b", justify="right", no_wrap=True)
    table.add_column("params", justify="right")
    for k, layer in enumerate(spec.layers, start=1):
        table.add_row(
            str(k), layer.name, layer.activation.label, f"(None, {layer.inputs}) → (None, {layer.units})",
            "×".join(map(str, layer.W.shape)), str(layer.b.shape[0]), f"{layer.parameter_count:,}",
        )
    console.print(table)
    console.print(Text.assemble(("Total parameters: ", "bold"), f"{spec.parameter_count:,}"))
    details = [f"dtype {spec.dtype}", f"input size {spec.input_size}", f"output size {spec.output_size}"]
    if spec.classes:
        details.append(f"classes: {', '.join(spec.classes)}")
    if spec.preprocess.divide_by is not None:
        details.append(f"inputs divided by {spec.preprocess.divide_by:g}")
    if spec.inputs:
        details.append(f"sample inputs: {', '.join(name for name, _rows in spec.inputs)}")
    console.print(Text(" · ".join(details), style="dim"))
