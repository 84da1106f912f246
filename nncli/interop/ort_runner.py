"""Running a network in ONNX Runtime (``--engine onnxruntime``): the exported model, same inputs, same outputs.

The numpy engine stays the reference; this one runs ``nncli.interop.onnx_export``'s model of
the same network (preprocessing included: it is the model's first node) on ONNX Runtime's
CPU provider. Its results agree with the numpy engine to float32 rounding, not bit for bit
(ONNX Runtime's float32 kernels are accurate to about 1e-7 relative near 1, less in the far
tails of sigmoid and tanh).
"""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper

from nncli.activations import softmax
from nncli.errors import NncliError
from nncli.inputs import check_batch, convert_rows
from nncli.interop.onnx_export import ONNX_DTYPES, export_model, model_bytes
from nncli.network import ForwardTrace, LayerTrace, Network, OutputChunk, output_classes


class OrtRunner:
    """``Y = network(X)`` computed by ONNX Runtime; ``run`` for one batch, ``predict_batches`` to stream."""

    def __init__(self, network: Network, threads: int | None = None) -> None:
        self.network = network
        # what nncli.evaluate.evaluate reads of a Network
        self.name, self.classes, self.output_size = network.name, network.classes, network.output_size
        self.where = network.probabilities_from  # "Y", "A", "Z" or None, as Network.forward
        model = export_model(network.spec)
        last = len(network.layers)
        # the last layer's A too: probabilities may be its softmax, and output_trace shows it
        model.graph.output.append(
            helper.make_tensor_value_info(f"A{last}", ONNX_DTYPES[network.spec.dtype], ["N", network.layers[-1].width]))
        self.outputs = ["Y", f"A{last}"]
        if self.where == "Y":  # the output is the probabilities: ONNX Runtime takes their argmax too (~1 ms on MNIST)
            model.graph.node.append(helper.make_node("ArgMax", ["Y"], ["C"], axis=1, keepdims=0, select_last_index=0))
            model.graph.output.append(helper.make_tensor_value_info("C", onnx.TensorProto.INT64, ["N"]))
        self.model: onnx.ModelProto = model
        self._X = np.empty((0, network.input_size), network.dtype)  # converted input rows, reused (see _run)
        options = ort.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = threads
        try:
            self.session = ort.InferenceSession(model_bytes(model), options, providers=["CPUExecutionProvider"])
        except Exception as err:  # noqa: BLE001 - onnxruntime raises its own exception types
            raise NncliError(f"onnxruntime cannot run network '{network.name}': {' '.join(str(err).split())[:240]} "
                             f"(the numpy engine can: leave out --engine)") from None

    def run(self, X: Sequence[Sequence[float]] | np.ndarray, *, first_row: int = 0,
            source: str | None = None) -> np.ndarray:
        """Y (batch, output units) for raw input rows X (batch, inputs); the model divides by divide_by."""
        return self._run(X, first_row, source, self.outputs[:1])[0]

    def output_trace(self, X: Sequence[Sequence[float]] | np.ndarray, *, first_row: int = 0,
                     source: str | None = None) -> ForwardTrace:
        """A ForwardTrace holding only the last layer (its A and Z = Y), the probabilities and
        the predicted classes: what ``forward --no-layers`` shows and ``-f json`` writes."""
        Y, A_last = self._run(X, first_row, source, self.outputs)
        layer = self.network.layers[-1]
        trace = LayerTrace(len(self.network.layers), layer.name, layer.activation.label, A_last, Y)
        probabilities = None if self.where is None else (Y if self.where == "Y" else softmax(A_last if self.where == "A" else Y))
        X_prepared = self.network.prepare(X, first_row=first_row, source=source)  # as Network.forward's trace.X
        return ForwardTrace(X=X_prepared, layers=(trace,), probabilities=probabilities, probabilities_from=self.where)

    def _run(self, X: Sequence[Sequence[float]] | np.ndarray, first_row: int, source: str | None,
             outputs: list[str]) -> list[np.ndarray]:
        """The named outputs for raw rows X; ask only for what is used (fetching A as well as Y
        costs ONNX Runtime a copy, and its softmax no longer runs in place). The rows are
        converted into one buffer kept between calls rather than a new array per call (31 MB
        for MNIST's 10,000 rows): see benchmarks/README.md."""
        arr = check_batch(X, self.network.input_size, self.network.name)  # (batch, inputs), not copied
        if self._X.shape[0] < arr.shape[0]:
            self._X = np.empty(arr.shape, self.network.dtype)
        prepared = self._X[: arr.shape[0]]
        convert_rows(arr, prepared, None, first_row, source)  # the model divides by divide_by itself
        return self.session.run(outputs, {"X": prepared})

    def predict_batches(self, batches: Iterable[np.ndarray], preprocess: bool = True, *, predicted: bool = False,
                        observer: object = None, first_row: int = 0,
                        source: str | None = None) -> Iterator[OutputChunk]:
        """Stream batches (each (rows, inputs)) through ONNX Runtime, one chunk per batch, as
        ``Network.predict_batches`` does (memory bounded by one batch), so that
        ``nncli.evaluate.evaluate(runner, ...)`` works as with a Network. ONNX Runtime keeps
        no layers: ``observer`` (per-layer statistics) and ``preprocess=False`` are refused."""
        if observer is not None or not preprocess:
            raise NncliError("--engine onnxruntime computes the output only: per-layer statistics (--stats) "
                             "and skipping the preprocessing need the numpy engine")
        # A only for softmax(A), and the argmax C when Y is the probabilities
        outputs = ["Y", {"A": self.outputs[1], "Y": "C"}[self.where]] if predicted and self.where in ("A", "Y") else ["Y"]
        start = 0
        for batch in batches:
            results = self._run(batch, first_row + start, source, outputs)
            Y = results[0]
            if not predicted:
                yield OutputChunk(start=start, Y=Y)
            elif self.where == "Y":
                yield OutputChunk(start=start, Y=Y, predicted=_classes(results[1], Y), probabilities=Y)
            else:
                P = None if self.where is None else softmax(results[1] if self.where == "A" else Y)
                yield OutputChunk(start=start, Y=Y, predicted=output_classes(Y, P), probabilities=P)
            start += Y.shape[0]


def _classes(argmax: np.ndarray, P: np.ndarray) -> np.ndarray:
    """``predicted_classes(P)`` from ONNX Runtime's ArgMax of P (the first largest, as numpy's):
    Python ints, None for a row holding NaN."""
    classes = argmax.astype(object)
    if P.size:
        classes[np.isnan(P).any(axis=1)] = None
    return classes
