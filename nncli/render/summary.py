"""``nncli validate``'s summary table, like Keras ``model.summary()``: layers, shapes, parameters
(the JSON form is ``nncli.render.machine.summary_document``)."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from nncli.config import NetworkSpec


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
