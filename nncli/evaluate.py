"""Scoring a classifier on labelled data (accuracy, confusion matrix, per-class precision and
recall) and summarising what every layer did over many rows (``--stats``).

Both work on streams: ``evaluate`` takes batches of input rows and keeps only counts, and
``BatchStats`` folds each tile's A and Z into running figures, so memory does not grow with
the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np

from nncli.errors import InputError
from nncli.network import output_classes

if TYPE_CHECKING:  # pragma: no cover
    from nncli.network import ForwardTrace, Network

# An entry of a sigmoid or tanh layer counts as saturated when |A| > SATURATION: there
# sigmoid is within 0.007 of 0 or 1 and its slope below 0.0067, tanh's below 0.00018.
SATURATION = 5.0
SATURATING = frozenset({"sigmoid", "tanh"})
RELU_LIKE = frozenset({"relu", "relu6"})


# --- accuracy, confusion matrix, precision and recall ---------------------------------


@dataclass(frozen=True)
class ClassReport:
    """One class: ``precision = TP / (TP + FP)`` (None when the class is never predicted),
    ``recall = TP / (TP + FN)`` (None when no sample has this label), ``support = TP + FN``."""

    index: int
    name: str
    precision: float | None
    recall: float | None
    support: int


@dataclass(frozen=True)
class Evaluation:
    """The score of a network on labelled rows.

    ``confusion[i, j]`` counts the samples of true class i predicted as class j (rows: true,
    columns: predicted); ``accuracy = correct / samples`` with ``correct = trace(confusion)``.
    A row whose output holds NaN predicts no class: it counts in ``samples`` and in its
    class's support (so it lowers accuracy and recall) but in no cell of ``confusion``.
    """

    network: str
    samples: int
    correct: int
    confusion: np.ndarray
    class_names: tuple[str, ...]
    per_class: tuple[ClassReport, ...]
    unpredicted: int = 0  # rows whose output held NaN: no class, counted as wrong, not in confusion

    @property
    def accuracy(self) -> float:
        return self.correct / self.samples if self.samples else 0.0

    def to_dict(self, named_classes: bool = True) -> dict[str, Any]:
        """The JSON shape of ``nncli evaluate --format json``: samples, correct, accuracy,
        confusion (list of lists, rows = true class), per_class (``class`` is the class
        name when the config names its classes, else the class index; precision/recall
        null when undefined), and ``unpredicted`` only when some rows' outputs held NaN."""
        document: dict[str, Any] = {
            "samples": self.samples,
            "correct": self.correct,
            "accuracy": self.accuracy,
            "confusion": self.confusion.tolist(),
            "per_class": [
                {
                    "class": report.name if named_classes else report.index,
                    "precision": report.precision,
                    "recall": report.recall,
                    "support": report.support,
                }
                for report in self.per_class
            ],
        }
        if self.unpredicted:
            document["unpredicted"] = self.unpredicted
        return document


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) int64 counts: entry [i, j] = #{samples with true i, predicted j}."""
    true = np.asarray(true, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    flat = np.bincount(true * n_classes + predicted, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)


def summarize(
    confusion: np.ndarray, class_names: tuple[str, ...], network: str = "", unpredicted: np.ndarray | None = None
) -> Evaluation:
    """An Evaluation from a confusion matrix: precision_k = C[k,k] / sum_i C[i,k], recall_k =
    C[k,k] / support_k, support_k = sum_j C[k,j] + unpredicted_k (rows of true class k that
    predicted no class)."""
    confusion = np.asarray(confusion, dtype=np.int64)
    missing = np.zeros(confusion.shape[0], np.int64) if unpredicted is None else np.asarray(unpredicted, np.int64)
    true_positive = np.diag(confusion)
    predicted_count = confusion.sum(axis=0)
    support = confusion.sum(axis=1) + missing
    reports = tuple(
        ClassReport(
            index=k,
            name=class_names[k],
            precision=float(true_positive[k] / predicted_count[k]) if predicted_count[k] else None,
            recall=float(true_positive[k] / support[k]) if support[k] else None,
            support=int(support[k]),
        )
        for k in range(confusion.shape[0])
    )
    return Evaluation(
        network=network, samples=int(support.sum()), correct=int(true_positive.sum()),
        confusion=confusion, class_names=class_names, per_class=reports, unpredicted=int(missing.sum()),
    )


def class_names_of(network: "Network") -> tuple[str, ...]:
    """The network's class names, or "0", "1", ...; a 1-unit output has the two classes 0 and 1."""
    if network.classes is not None and network.output_size >= 2:
        return network.classes
    return tuple(str(k) for k in range(max(2, network.output_size)))


def evaluate(
    network: "Network",
    batches: Iterable[np.ndarray],
    labels: np.ndarray,
    *,
    preprocess: bool = True,
    stats: "BatchStats | None" = None,
    progress: Callable[[int], None] | None = None,
    labels_name: str = "labels",
) -> Evaluation:
    """Run ``batches`` of input rows through the network and score the predictions against
    ``labels`` ((n,) class indices, in the same order).

    The predicted class is the argmax of the probabilities (``ForwardTrace.predicted``), none
    for a row whose probabilities hold NaN; for a 1-unit output it is 1 when y > 0.5, else 0
    (``nncli.network.output_classes``). ``stats`` (if given) sees every
    layer; ``progress(rows_done)`` is called after each tile. Raises InputError when the
    number of labels and of input rows differ, or a label is not a class of the network.
    """
    class_names = class_names_of(network)
    n_classes = len(class_names)
    labels = np.asarray(labels, dtype=np.int64)
    if labels.ndim != 1:
        raise InputError(f"{labels_name}: labels must be one class number per row, got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        bad = int(np.argmax((labels < 0) | (labels >= n_classes)))
        raise InputError(
            f"{labels_name}: label {labels[bad]} at row {bad} is not a class of network "
            f"'{network.name}' (0 to {n_classes - 1})"
        )
    confusion = np.zeros((n_classes, n_classes), dtype=np.int64)
    unpredicted = np.zeros(n_classes, dtype=np.int64)  # per true class: rows whose output held NaN
    seen = 0
    observer = stats.observe if stats is not None else None
    for chunk in network.predict_batches(batches, preprocess, predicted=True, observer=observer):
        rows = chunk.Y.shape[0]
        classes = output_classes(chunk.Y, chunk.probabilities) if chunk.predicted is None else chunk.predicted
        predicted = np.array([-1 if k is None else k for k in classes.tolist()], dtype=np.int64)  # -1: none
        if seen + rows > labels.shape[0]:
            raise InputError(f"{labels_name}: has {labels.shape[0]} labels but the input has more rows")
        true = labels[seen : seen + rows]
        none = predicted < 0
        if none.any():
            unpredicted += np.bincount(true[none], minlength=n_classes)
            true, predicted = true[~none], predicted[~none]
        confusion += confusion_matrix(true, predicted, n_classes)
        seen += rows
        if progress is not None:
            progress(seen)
    if seen != labels.shape[0]:
        raise InputError(f"{labels_name}: has {labels.shape[0]} labels but the input has {seen} rows")
    return summarize(confusion, class_names, network.name, unpredicted)


# --- per-layer statistics over many rows ----------------------------------------------


@dataclass(frozen=True)
class Summary:
    """Figures of every entry of one matrix (A or Z of a layer) over all rows.

    ``min``, ``max``, ``mean`` and ``std`` (population: sqrt(mean((x - mean)^2))) are over
    the finite entries (None if there are none); ``nan`` and ``inf`` count the others.
    """

    count: int
    nan: int
    inf: int
    min: float | None
    max: float | None
    mean: float | None
    std: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"min": self.min, "max": self.max, "mean": self.mean, "std": self.std,
                "nan": self.nan, "inf": self.inf}


@dataclass(frozen=True)
class LayerStats:
    """What one layer did over all rows.

    ``saturated`` (sigmoid and tanh layers, else None): the fraction of entries with
    |A| > SATURATION. ``dead`` (ReLU layers, else None): how many units were never
    positive, i.e. max over all rows of A[:, j] <= 0.
    """

    index: int
    name: str
    activation: str
    rows: int
    units: int
    A: Summary
    Z: Summary
    saturated: float | None
    dead: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.index, "name": self.name, "activation": self.activation, "rows": self.rows,
            "units": self.units, "A": self.A.to_dict(), "Z": self.Z.to_dict(),
            "saturated": self.saturated, "dead": self.dead,
        }


class _Moments:
    """Running count, NaN/Inf counts, min, max, mean and sum of squared deviations (M2) of
    the finite entries, merged batch by batch with Chan et al.'s formula:
    M2 = M2_a + M2_b + delta^2 * n_a * n_b / (n_a + n_b), delta = mean_b - mean_a."""

    def __init__(self) -> None:
        self.n = 0
        self.nan = 0
        self.inf = 0
        self.min = np.inf
        self.max = -np.inf
        self.mean = 0.0
        self.m2 = 0.0

    def add(self, x: np.ndarray) -> None:
        values = x.astype(np.float64, copy=False).ravel()
        finite = np.isfinite(values)
        if not finite.all():
            self.nan += int(np.isnan(values).sum())
            self.inf += int(np.isinf(values).sum())
            values = values[finite]
        n_b = values.size
        if n_b == 0:
            return
        mean_b = float(values.mean())
        m2_b = float(np.square(values - mean_b).sum())
        self.min = min(self.min, float(values.min()))
        self.max = max(self.max, float(values.max()))
        n_a = self.n
        n = n_a + n_b
        delta = mean_b - self.mean
        self.mean += delta * n_b / n
        self.m2 += m2_b + delta * delta * n_a * n_b / n
        self.n = n

    def summary(self) -> Summary:
        if self.n == 0:
            return Summary(0, self.nan, self.inf, None, None, None, None)
        return Summary(self.n, self.nan, self.inf, self.min, self.max, self.mean, float(np.sqrt(self.m2 / self.n)))


class BatchStats:
    """Per-layer statistics accumulated over batches: pass ``observe`` as the observer of
    ``Network.predict_batches`` (or ``evaluate(stats=...)``), or feed ``add_trace`` the
    traces of ``Network.forward``; then ``result()``."""

    def __init__(self, network: "Network") -> None:
        self._layers = network.layers
        self._rows = [0] * len(network.layers)
        self._A = [_Moments() for _ in network.layers]
        self._Z = [_Moments() for _ in network.layers]
        self._saturated = [0] * len(network.layers)
        self._column_max: list[np.ndarray | None] = [None] * len(network.layers)

    def observe(self, index: int, A: np.ndarray, Z: np.ndarray) -> None:
        """Fold in layer ``index`` (1-based) of one batch: A (rows, width), Z (rows, units)."""
        k = index - 1
        name = self._layers[k].activation.name
        self._rows[k] += A.shape[0]
        self._A[k].add(A)
        self._Z[k].add(Z)
        if name in SATURATING:
            with np.errstate(invalid="ignore"):
                self._saturated[k] += int(np.count_nonzero(np.abs(A) > SATURATION))
        if name in RELU_LIKE and A.shape[0]:
            tile_max = np.fmax.reduce(A, axis=0)  # per unit, NaN ignored
            previous = self._column_max[k]
            self._column_max[k] = tile_max.copy() if previous is None else np.fmax(previous, tile_max)

    def add_trace(self, trace: "ForwardTrace") -> None:
        """Fold in every layer of a forward trace."""
        for layer in trace.layers:
            self.observe(layer.index, layer.A, layer.Z)

    def result(self) -> tuple[LayerStats, ...]:
        out = []
        for k, layer in enumerate(self._layers):
            name = layer.activation.name
            entries = self._rows[k] * layer.width
            saturated = (self._saturated[k] / entries if entries else None) if name in SATURATING else None
            dead = None
            if name in RELU_LIKE:
                column_max = self._column_max[k]
                dead = int(np.count_nonzero(~(column_max > 0))) if column_max is not None else None
            out.append(
                LayerStats(
                    index=k + 1, name=layer.name, activation=layer.activation.label, rows=self._rows[k],
                    units=layer.units, A=self._A[k].summary(), Z=self._Z[k].summary(),
                    saturated=saturated, dead=dead,
                )
            )
        return tuple(out)
