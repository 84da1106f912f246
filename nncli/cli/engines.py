"""``--engine numpy|onnxruntime`` of ``forward`` and ``evaluate``: which engine computes the rows.

numpy (nncli.engine) is the default and the reference. onnxruntime runs the network's
exported ONNX model (nncli.interop.ort_runner.OrtRunner) and computes the output only: the
layers, ``--stats`` and ``--explain`` need the numpy engine.
"""

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from nncli.errors import InputError
from nncli.interop import need
from nncli.network import Network

if TYPE_CHECKING:  # pragma: no cover
    from nncli.interop.ort_runner import OrtRunner


class EngineName(str, Enum):
    numpy = "numpy"
    onnxruntime = "onnxruntime"


EngineOpt = Annotated[
    EngineName,
    typer.Option("--engine", help="numpy (the reference) or onnxruntime: the exported ONNX model in ONNX Runtime "
                 "(pip install 'nncli\\[onnx]'; the output only, so no layers, --stats or --explain). "
                 "They agree to float32 rounding, not bit for bit."),
]


def runner_for(network: Network, engine: EngineName, *, layers: bool = False, stats: bool = False,
               explain: bool = False) -> "OrtRunner | None":
    """None for the numpy engine; for onnxruntime an OrtRunner of ``network`` (with
    ``predict_batches`` and ``output_trace`` as Network's ``predict_batches`` and ``forward``).

    Raises NncliError, before any row is read, when the run asks for what ONNX Runtime does not
    compute (``layers`` shown or written, ``stats``, ``explain``) or onnxruntime is missing.
    """
    if engine is EngineName.numpy:
        return None
    wanted = [what for what, asked in (("the layers (add --no-layers)", layers), ("--stats", stats),
                                       ("--explain", explain)) if asked]
    if wanted:
        listed = wanted[0] if len(wanted) == 1 else f"{', '.join(wanted[:-1])} and {wanted[-1]}"
        raise InputError(f"--engine onnxruntime computes the output only: {listed} "
                         f"{'needs' if len(wanted) == 1 else 'need'} the numpy engine")
    need("onnx", "--engine onnxruntime")
    need("onnxruntime", "--engine onnxruntime")
    from nncli.interop.ort_runner import OrtRunner  # onnx and onnxruntime: heavy optional imports, only here

    return OrtRunner(network)
