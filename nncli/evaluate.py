"""Scoring a classifier on labelled data (accuracy, confusion matrix, per-class and averaged
precision, recall and F1, cross-entropy loss, top-k accuracy, the most confident mistakes)
and summarising what every layer did over many rows (``--stats``).

Both work on streams: ``evaluate`` takes batches of input rows and keeps only counts, and
``BatchStats`` folds each tile's A and Z into running figures, so memory does not grow with
the number of rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import numpy as np

from nncli.errors import InputError
from nncli.network import output_classes

if TYPE_CHECKING:  # pragma: no cover
    from nncli.network import ForwardTrace, Network, OutputChunk

# An entry of a sigmoid or tanh layer counts as saturated when |A| > SATURATION: there
# sigmoid is within 0.007 of 0 or 1 and its slope below 0.0067, tanh's below 0.00018.
SATURATION = 5.0
SATURATING = frozenset({"sigmoid", "tanh"})
RELU_LIKE = frozenset({"relu", "relu6"})

# The cross-entropy loss clips the probability of the true class to [LOSS_EPSILON, 1] before
# its log, so a row given probability 0 (or NaN) adds -ln(1e-12) = 27.63 rather than infinity.
LOSS_EPSILON = 1e-12


# --- the k most probable classes -----------------------------------------------------


def top_k(probabilities: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` most probable classes of each row of ``probabilities`` (batch, classes):
    ``(indices, values)``, both (batch, k), most probable first; among equal probabilities the
    lower index comes first (as argmax picks it). A row holding NaN has no ranking: its
    indices are -1 and its values NaN. ``k`` larger than the number of classes is an InputError.
    """
    n = probabilities.shape[1]
    if not 1 <= k <= n:
        raise InputError(f"--top-k {k}: must be between 1 and the number of classes, {n}")
    # A stable sort of -p keeps the lower index first among ties; NaN rows are blanked below.
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]  # (batch, k)
    values = np.take_along_axis(probabilities, order, axis=1).astype(np.float64)
    bad = np.isnan(probabilities).any(axis=1)
    order[bad] = -1
    values[bad] = np.nan
    return order, values


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
    predicted: int = 0  # rows predicted as this class (TP + FP)
    true_positive: int = 0

    @property
    def f1(self) -> float | None:
        """``F1 = 2·TP / (2·TP + FP + FN) = 2·TP / (predicted + support)``, the harmonic mean of
        precision and recall (0 when TP = 0); None when the class is neither present nor predicted."""
        total = self.predicted + self.support
        return 2 * self.true_positive / total if total else None


@dataclass(frozen=True)
class Mistake:
    """A misclassified row: its 0-based index in the input, the true and the predicted class
    (indices), and the probability the network gave the predicted class."""

    index: int
    true: int
    predicted: int
    probability: float


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
    loss_sum: float = 0.0  # sum over rows of -ln(clip(p_true, LOSS_EPSILON, 1)); see ``loss``
    top_k: int | None = None  # the k of ``top_k_correct``, when asked
    top_k_correct: int = 0  # rows whose true class is among the k most probable
    misclassified: tuple[Mistake, ...] = ()  # the most confident mistakes, most confident first
    misclassified_limit: int = 0  # how many mistakes were asked for

    @property
    def accuracy(self) -> float:
        return self.correct / self.samples if self.samples else 0.0

    @property
    def loss(self) -> float | None:
        """Mean cross-entropy ``-(1/n) Σ ln(clip(p_true, 1e-12, 1))`` (natural log), where
        ``p_true`` is the probability the network gives the row's true class (for a 1-unit
        output y: y for class 1, 1 - y for class 0) and a NaN ``p_true`` counts as 1e-12;
        None for no rows."""
        return self.loss_sum / self.samples if self.samples else None

    @property
    def top_k_accuracy(self) -> float | None:
        """The share of rows whose true class is among the ``top_k`` most probable."""
        return self.top_k_correct / self.samples if self.top_k is not None and self.samples else None

    def average(self, metric: str, weighted: bool) -> float | None:
        """Macro (``weighted=False``) or support-weighted average of ``metric`` ("precision",
        "recall" or "f1") over the classes.

        Macro: the plain mean over the classes present in the labels or the predictions.
        Weighted: ``Σ support_k · metric_k / Σ support_k``. An undefined precision or recall
        (a class never predicted, or with no rows) counts as 0, as scikit-learn's
        ``zero_division=0``. None when there are no rows."""
        present = [r for r in self.per_class if r.support or r.predicted]
        if not self.samples or not present:
            return None
        values = [getattr(r, metric) or 0.0 for r in present]
        if weighted:
            return sum(r.support * v for r, v in zip(present, values)) / sum(r.support for r in present)
        return sum(values) / len(values)

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
                    "f1": report.f1,
                    "support": report.support,
                }
                for report in self.per_class
            ],
            "loss": self.loss,
        }
        for kind in ("macro", "weighted"):
            for metric in ("precision", "recall", "f1"):
                document[f"{kind}_{metric}"] = self.average(metric, kind == "weighted")
        if self.top_k is not None:
            document["top_k"] = self.top_k
            document["top_k_accuracy"] = self.top_k_accuracy
        if self.misclassified_limit:
            name = (lambda k: self.class_names[k]) if named_classes else (lambda k: k)
            document["misclassified"] = [
                {"index": m.index, "true": name(m.true), "predicted": name(m.predicted), "probability": m.probability}
                for m in self.misclassified
            ]
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
            predicted=int(predicted_count[k]),
            true_positive=int(true_positive[k]),
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
    k: int | None = None,
    misclassified: int = 0,
    first_row: int = 0,
) -> Evaluation:
    """Run ``batches`` of input rows through the network and score the predictions against
    ``labels`` ((n,) class indices, in the same order).

    The predicted class is the argmax of the probabilities (``ForwardTrace.predicted``), none
    for a row whose probabilities hold NaN; for a 1-unit output it is 1 when y > 0.5, else 0
    (one rule: ``nncli.network.output_classes``). Also the cross-entropy loss (``Evaluation.loss``), with ``k`` the top-k accuracy (needs 2+
    output units), and with ``misclassified = N`` the N wrong rows whose predicted class had
    the highest probability (ties: the lower row index first; row indices count from
    ``first_row``). ``stats`` (if given) sees every layer; ``progress(rows_done)`` is called
    after each tile. Raises InputError when the number of labels and of input rows differ,
    or a label is not a class of the network.
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
    if k is not None and network.output_size < 2:
        raise InputError(f"--top-k: network '{network.name}' has a 1-unit output: there are no classes to rank")
    confusion = np.zeros((n_classes, n_classes), dtype=np.int64)
    unpredicted = np.zeros(n_classes, dtype=np.int64)  # per true class: rows whose output held NaN
    loss_sum = 0.0
    top_k_correct = 0
    mistakes: list[Mistake] = []
    seen = 0
    observer = stats.observe if stats is not None else None
    for chunk in network.predict_batches(batches, preprocess, predicted=True, observer=observer):
        rows = chunk.Y.shape[0]
        if seen + rows > labels.shape[0]:
            raise InputError(f"{labels_name}: has {labels.shape[0]} labels but the input has more rows")
        true = labels[seen : seen + rows]
        P = _class_probabilities(chunk)  # (rows, classes)
        classes = output_classes(chunk.Y, chunk.probabilities) if chunk.predicted is None else chunk.predicted
        predicted = np.array([-1 if c is None else c for c in classes.tolist()], dtype=np.int64)  # -1: none
        loss_sum += cross_entropy_sum(P, true)
        if k is not None:
            indices, _values = top_k(P, k)
            top_k_correct += int((indices == true[:, None]).any(axis=1).sum())
        if misclassified:
            mistakes = _most_confident(mistakes, P, true, predicted, first_row + seen, misclassified)
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
    return replace(
        summarize(confusion, class_names, network.name, unpredicted), loss_sum=loss_sum, top_k=k,
        top_k_correct=top_k_correct, misclassified=tuple(mistakes), misclassified_limit=misclassified,
    )


def cross_entropy_sum(probabilities: np.ndarray, true: np.ndarray) -> float:
    """``Σ_i -ln(clip(P[i, true_i], LOSS_EPSILON, 1))`` over the rows of ``probabilities``
    (rows, classes), in float64; a NaN probability counts as LOSS_EPSILON (the largest loss)."""
    p = probabilities[np.arange(true.shape[0]), true].astype(np.float64)  # (rows,)
    p = np.where(np.isnan(p), LOSS_EPSILON, np.clip(p, LOSS_EPSILON, 1.0))
    return float(-np.log(p).sum())


def _class_probabilities(chunk: "OutputChunk") -> np.ndarray:
    """The probability of every class per row: the chunk's probabilities, or for a 1-unit
    output y the two columns (1 - y, y)."""
    if chunk.probabilities is not None:
        return chunk.probabilities
    y = chunk.Y[:, :1].astype(np.float64)
    return np.hstack([1.0 - y, y])


def _most_confident(kept: list[Mistake], P: np.ndarray, true: np.ndarray, predicted: np.ndarray, start: int,
                    limit: int) -> list[Mistake]:
    """``kept`` and this chunk's mistakes (predicted != true, NaN rows excluded), keeping the
    ``limit`` with the highest probability of the predicted class (ties: lower index first)."""
    wrong = np.flatnonzero((predicted >= 0) & (predicted != true))
    if wrong.size == 0:
        return kept
    confidence = P[wrong, predicted[wrong]].astype(np.float64)
    best = np.lexsort((wrong, -confidence))[:limit]  # by -probability, then index
    new = [Mistake(start + int(wrong[i]), int(true[wrong[i]]), int(predicted[wrong[i]]), float(confidence[i]))
           for i in best]
    return sorted(kept + new, key=lambda m: (-m.probability, m.index))[:limit]


def combine(parts: Sequence[Evaluation]) -> Evaluation:
    """One Evaluation from evaluations of consecutive chunks of the same rows (same network,
    same k): counts and loss sums add up, the mistakes are merged (row indices must already
    count from the start of the whole input, see ``evaluate(first_row=...)``)."""
    first = parts[0]
    confusion = sum((p.confusion for p in parts), np.zeros_like(first.confusion))
    unpredicted = sum(
        (np.array([r.support for r in p.per_class]) - p.confusion.sum(axis=1) for p in parts),
        np.zeros(len(first.class_names), np.int64),
    )
    limit = max(p.misclassified_limit for p in parts)
    mistakes = sorted((m for p in parts for m in p.misclassified), key=lambda m: (-m.probability, m.index))
    return replace(
        summarize(confusion, first.class_names, first.network, unpredicted),
        loss_sum=math.fsum(p.loss_sum for p in parts), top_k=first.top_k,
        top_k_correct=sum(p.top_k_correct for p in parts), misclassified=tuple(mistakes[:limit]),
        misclassified_limit=limit,
    )


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
