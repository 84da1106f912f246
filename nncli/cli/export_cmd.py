"""``nncli export`` — write a network as a standard ONNX model (needs the ``onnx`` extra)."""


from pathlib import Path
from typing import Annotated, Optional

import typer

from nncli.cli.common import ConfigArg, DtypeOpt, handles_errors, refuse_overwrite
from nncli.config import load_spec
from nncli.interop import need
from nncli.errors import InputError
from nncli.outfile import atomic_output, check_output_path


@handles_errors
def export(
    config: ConfigArg,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", dir_okay=False, show_default=False,
                     help="The .onnx file to write (whole or not at all)."),
    ],
    opset: Annotated[
        Optional[int],
        typer.Option("--opset", show_default=False,
                     help="ONNX opset to write (13 or more). Default: the lowest that covers the activations."),
    ] = None,
    all_layers: Annotated[
        bool, typer.Option("--all-layers", help="Also make every layer's A and Z graph outputs (A1, Z1, A2, ...).")
    ] = False,
    dtype: DtypeOpt = None,
) -> None:
    """Write the network as an ONNX model: input X (N, inputs), output Y (N, outputs), in the config's dtype.

    Each layer is a Gemm (A = X·W + b) and its activation: a native ONNX operator where one computes the same function (every attribute written out), an exact composition of basic operators otherwise. preprocess: divide_by becomes the first node (Div). The model passes onnx.checker's full check. Needs: pip install 'nncli\\[onnx]'.

    Examples:

      nncli export configs/three_layer.yaml -o three_layer.onnx

      nncli export configs/iris_softmax.yaml -o iris.onnx --all-layers --opset 17
    """
    if output.suffix.lower() != ".onnx":
        raise InputError(f"-o {output}: the model's name must end in .onnx")
    check_output_path(output)
    refuse_overwrite(output, "-o", {"the config": config})
    spec = load_spec(config, dtype.value if dtype else None)
    need("onnx", "nncli export")
    from nncli.interop.onnx_export import export_model, model_bytes  # imports onnx: heavy (~0.2 s), optional

    model = export_model(spec, opset=opset, all_layers=all_layers)
    with atomic_output(output) as handle:
        handle.write(model_bytes(model))
    ops = [node.op_type for node in model.graph.node]
    outputs = ", ".join(o.name for o in model.graph.output)
    arrow = " → ".join([str(spec.input_size), *(str(layer.units) for layer in spec.layers)])
    print(f"Wrote {output}: ONNX opset {model.opset_import[0].version}, {spec.dtype}, {arrow}, "
          f"{len(ops)} nodes ({', '.join(dict.fromkeys(ops))}); outputs: {outputs}")
