"""The fast inference path (nncli.engine, Network.predict / predict_batches): the same numbers
as Network.forward, bit for bit, and the same numbers whatever the batch size."""

from __future__ import annotations

import os

import numpy as np
import pytest

from nncli import activations, engine
from nncli.config import load_spec
from nncli.errors import InputError
from nncli.network import Network, predicted_classes

SPECIALS = [0.0, -0.0, 1e-8, -1e-8, 0.5, -0.5, 5.0, -5.0, 20.0, -20.0, 88.0, -88.0, 89.0, -89.0, 104.0,
            -104.0, 710.0, -710.0, 1e30, -1e30, np.inf, -np.inf, np.nan]


def _values(dtype: str) -> np.ndarray:
    rng = np.random.default_rng(7)
    random = rng.standard_normal(997) * rng.choice([0.1, 1, 10, 100], 997)
    return np.concatenate([SPECIALS, random]).astype(dtype)


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal including NaN positions and the sign of zero."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "step"])
def test_kernels_match_the_registry_bit_for_bit(name, dtype):
    """The kernel the engine uses for an activation gives the registry's bits (NaN, ±0, ±inf,
    overflow included): the registry's own out= API when it has one, else engine's kernels."""
    a = _values(dtype).reshape(-1, 20)
    z = np.empty_like(a)
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        activations.get(name)(a, out=z)  # what the engine calls
    assert _same_bits(z, activations.get(name)(a))
    if name == "relu":
        assert not np.signbit(z[np.isfinite(z)]).any()  # relu(-0.0) is +0.0


def test_leaky_relu_kernel_uses_its_slope():
    a = _values("float32").reshape(-1, 10)
    z = np.empty_like(a)
    activations.get("leaky_relu", negative_slope=0.2)(a, out=z)
    assert _same_bits(z, activations.get("leaky_relu", negative_slope=0.2)(a))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("width", [1, 3, 10, 17, 40])
def test_softmax_kernel_matches_the_registry_bit_for_bit(width, dtype):
    a = _values(dtype)[: (1020 // width) * width].reshape(-1, width).copy()
    a[2] = np.inf  # a row with +inf and one of -inf
    a[3] = -np.inf
    z = np.empty_like(a)
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        activations.get("softmax")(a, out=z)
    assert _same_bits(z, activations.softmax(a))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "softmax"])
def test_kernels_can_write_over_their_input(name, dtype):
    a = _values(dtype).reshape(-1, 10)
    expected = activations.get(name)(a)
    work = a.copy()
    activations.get(name)(work, out=work)
    assert _same_bits(work, expected)


def _network(tmp_path, activations_: list[str], sizes: list[int], dtype: str = "float32",
             divide_by: float | None = None, seed: int = 0) -> Network:
    rng = np.random.default_rng(seed)
    arrays = {}
    lines = [f"dtype: {dtype}", "weights_file: w.npz"]
    if divide_by is not None:
        lines.append(f"preprocess: {{divide_by: {divide_by}}}")
    lines.append("layers:")
    for k, act in enumerate(activations_, start=1):
        arrays[f"W{k}"] = rng.standard_normal((sizes[k - 1], sizes[k])) / np.sqrt(sizes[k - 1]) * 3
        arrays[f"b{k}"] = rng.standard_normal(sizes[k])
        lines += [f"  - activation: {act}", f"    weights: W{k}", f"    bias: b{k}"]
    np.savez(tmp_path / "w.npz", **arrays)
    (tmp_path / "net.yaml").write_text("\n".join(lines) + "\n")
    return Network(load_spec(tmp_path / "net.yaml"))


NETWORKS = [
    (["sigmoid", "sigmoid", "softmax"], [784, 50, 100, 10]),
    (["relu", "tanh", "identity"], [30, 64, 16, 3]),
    (["leaky_relu", "elu" if "elu" in activations.REGISTRY else "step", "sigmoid"], [12, 20, 8, 1]),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("layers, sizes", NETWORKS)
def test_predict_is_forward_bit_for_bit_on_full_tiles(tmp_path, layers, sizes, dtype):
    net = _network(tmp_path, layers, sizes, dtype, divide_by=255)
    X = np.random.default_rng(3).integers(0, 256, (2 * net.tile_rows, sizes[0])).astype(np.uint8)
    expected = np.concatenate([net.forward(X[i : i + net.tile_rows]).output for i in (0, net.tile_rows)])
    assert _same_bits(net.predict(X), expected)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rows", [1, 37, 1537, 3100])
@pytest.mark.parametrize("layers, sizes", NETWORKS)
def test_forward_is_predict_bit_for_bit_on_any_batch(tmp_path, layers, sizes, rows, dtype):
    # One loop computes both (nncli.engine), in the same fixed tiles.
    net = _network(tmp_path, layers, sizes, dtype, divide_by=None)
    X = np.random.default_rng(4).standard_normal((rows, sizes[0]))
    trace = net.forward(X)
    assert _same_bits(net.predict(X), trace.output)
    (chunk, *rest) = net.predict_batches([X[:5], X[5:]], predicted=trace.probabilities is not None)
    assert _same_bits(chunk.Y, trace.output[: net.tile_rows])
    if trace.probabilities is not None:
        assert _same_bits(chunk.probabilities, trace.probabilities[: net.tile_rows])


def test_forward_keeps_every_layer_and_its_formula(tmp_path):
    net = _network(tmp_path, *NETWORKS[1], dtype="float64")
    X = np.random.default_rng(12).standard_normal((net.tile_rows + 3, 30))
    trace = net.forward(X)
    Z = X
    for layer, lt in zip(net.layers, trace.layers):
        np.testing.assert_allclose(lt.A, Z @ layer.W + layer.b, rtol=1e-12, atol=1e-12)
        assert _same_bits(lt.Z, layer.activation(lt.A))
        assert not np.shares_memory(lt.A, lt.Z)
        Z = lt.Z


@pytest.mark.parametrize("batch_sizes", [[1], [7], [100], [511, 1], [1000, 3, 5000], [10_000]])
def test_chunked_and_unchunked_are_identical(tmp_path, batch_sizes):
    net = _network(tmp_path, *NETWORKS[0], divide_by=255)
    X = np.random.default_rng(5).integers(0, 256, (4000, 784)).astype(np.uint8)
    whole = net.predict(X)

    def batches():
        start, k = 0, 0
        while start < len(X):
            size = batch_sizes[k % len(batch_sizes)]
            yield X[start : start + size]
            start += size
            k += 1

    chunks = list(net.predict_batches(batches(), predicted=True))
    assert [c.start for c in chunks] == list(range(0, 4000, net.tile_rows))
    assert _same_bits(np.concatenate([c.Y for c in chunks]), whole)
    assert np.array_equal(np.concatenate([c.predicted for c in chunks]), np.argmax(whole, axis=1))


def test_predicted_matches_forward_trace(tmp_path):
    net = _network(tmp_path, ["relu", "tanh", "identity"], [30, 64, 16, 3], "float64")
    X = np.random.default_rng(6).standard_normal((50, 30))
    (chunk,) = net.predict_batches([X], predicted=True)
    assert np.array_equal(chunk.predicted, net.forward(X).predicted)
    one_unit = _network(tmp_path, ["relu", "sigmoid"], [4, 5, 1], "float64")
    (chunk,) = one_unit.predict_batches([np.ones((3, 4))], predicted=True)
    assert chunk.probabilities is None
    assert np.array_equal(chunk.predicted, one_unit.forward(np.ones((3, 4))).predicted)


def test_observer_sees_every_layer_of_every_tile(tmp_path):
    net = _network(tmp_path, *NETWORKS[1])
    X = np.random.default_rng(8).standard_normal((net.tile_rows + 5, 30))
    seen = []
    list(net.predict_batches([X], observer=lambda k, A, Z: seen.append((k, A.copy(), Z.copy()))))
    assert [k for k, _, _ in seen] == [1, 2, 3, 1, 2, 3]
    trace = net.forward(X)
    for (k, A, Z), layer in zip(seen[3:], trace.layers):
        assert _same_bits(A, layer.A[net.tile_rows :]) and _same_bits(Z, layer.Z[net.tile_rows :])


def test_outputs_are_fresh_arrays(tmp_path):
    net = _network(tmp_path, *NETWORKS[1])
    X = np.random.default_rng(9).standard_normal((3 * net.tile_rows, 30))
    chunks = list(net.predict_batches([X]))
    assert not np.shares_memory(chunks[0].Y, chunks[1].Y)
    assert _same_bits(np.concatenate([c.Y for c in chunks]), net.predict(X))


def test_input_checks_match_prepare(tmp_path):
    net = _network(tmp_path, *NETWORKS[1])
    for bad in (np.ones((2, 3)), np.ones((2, 2, 30)), np.array([["a"] * 30])):
        with pytest.raises(InputError) as fast:
            net.predict(bad)
        with pytest.raises(InputError) as slow:
            net.prepare(bad)
        assert str(fast.value) == str(slow.value)
    with pytest.raises(InputError, match="rows must all have 30 values"):
        net.forward([[1.0] * 30, [1.0] * 29])  # ragged
    assert net.predict(np.ones(30)).shape == (1, 3)
    assert net.predict(np.ones((0, 30))).shape == (0, 3)


def test_with_preprocess_overrides_divide_by(tmp_path):
    net = _network(tmp_path, *NETWORKS[0], divide_by=255)
    X = np.random.default_rng(10).integers(0, 256, (20, 784)).astype(np.uint8)
    assert net.with_preprocess(None).spec.preprocess.divide_by is None
    assert _same_bits(net.with_preprocess(1.0).predict(X), net.predict(X, preprocess=False))
    assert _same_bits(net.with_preprocess(255.0).predict(X), net.predict(X))
    for bad in (0, float("nan"), float("inf")):
        with pytest.raises(InputError, match="divide_by must be a finite, non-zero number"):
            net.with_preprocess(bad)


def test_tile_rows_depends_only_on_the_network(tmp_path):
    small = _network(tmp_path, *NETWORKS[0])
    assert engine.MIN_TILE_ROWS <= small.tile_rows <= engine.MAX_TILE_ROWS and small.tile_rows % 256 == 0
    big = engine.tile_rows_for([_big_layer()], np.dtype("float32"))
    assert big == engine.MAX_TILE_ROWS


def _big_layer():
    from nncli.config import LayerSpec
    from nncli.errors import Mark

    return LayerSpec(name="big", activation=activations.get("relu"), W=np.zeros((1024, 1024), np.float32),
                     b=np.zeros(1024, np.float32), mark=Mark("x"))


def test_inf_and_nan_inputs_follow_ieee_rules_without_warnings(tmp_path):
    # Tests run with warnings as errors: a RuntimeWarning from matmul would fail here.
    net = _network(tmp_path, *NETWORKS[0], dtype="float32")
    X = np.random.default_rng(11).random((5, 784)).astype(np.float32)
    X[1, 3] = np.inf
    X[2, 7] = np.nan
    X[3, :] = -np.inf
    (chunk,) = net.predict_batches([X], predicted=True)
    with np.errstate(over="ignore", invalid="ignore"):
        expected = net.forward(X).output
    assert np.array_equal(chunk.Y, expected, equal_nan=True)
    assert np.isnan(chunk.Y[2]).all() and chunk.predicted[2] is None  # no class for a NaN row
    assert chunk.predicted[0] == np.argmax(expected[0])


def test_a_row_without_prediction_cannot_be_used_as_an_index(tmp_path):
    net = _network(tmp_path, *NETWORKS[0], dtype="float32")
    X = np.zeros((3, 784), np.float32)
    X[1, 0] = np.nan
    predicted = net.forward(X).predicted
    assert predicted.tolist() == [predicted[0], None, predicted[2]] and isinstance(predicted[0], int)
    with pytest.raises(IndexError):
        np.arange(10)[predicted]  # numpy refuses an object array as an index
    with pytest.raises(TypeError):
        list(range(10))[predicted[1]]
    assert predicted_classes(np.zeros((0, 4))).shape == (0,)


def test_values_too_large_for_float32_are_input_errors_naming_the_row(tmp_path):
    net = _network(tmp_path, *NETWORKS[1], dtype="float32")
    X = np.zeros((net.tile_rows + 10, 30))
    X[net.tile_rows + 4, 2] = 1e300
    with pytest.raises(InputError, match=rf"input row {net.tile_rows + 4}, value 3: 1e\+300 does not fit in float32"):
        list(net.predict_batches([X[:7], X[7:]]))
    X[net.tile_rows + 4, 2] = np.inf  # an infinity fits: it is a value like any other
    assert net.predict(X).shape == (net.tile_rows + 10, 3)


def test_a_pass_stopped_early_or_failing_leaves_blas_threads_as_they_were(tmp_path):
    net = _network(tmp_path, *NETWORKS[0], dtype="float32")
    X = np.random.default_rng(13).random((4 * net.tile_rows, 784)).astype(np.float32)
    blas = engine._blas_threads()
    before = blas[1]() if blas else None
    chunks = net.predict_batches([X])
    next(chunks)
    chunks.close()  # stopped after the first tile
    X[3 * net.tile_rows + 2, 5] = np.nan
    bad = X.astype(np.float64)
    bad[2 * net.tile_rows + 1, 3] = 1e300
    with pytest.raises(InputError, match=rf"input row {2 * net.tile_rows + 1}, value 4"):
        net.predict(bad)
    assert (blas[1]() if blas else None) == before
    assert _same_bits(net.predict(X), np.concatenate([c.Y for c in net.predict_batches([X[:100], X[100:]])]))


def test_parallel_observer_sees_tiles_in_order(tmp_path):
    net = _network(tmp_path, *NETWORKS[0], dtype="float32")
    X = np.random.default_rng(14).random((3 * net.tile_rows + 7, 784)).astype(np.float32)
    seen = []
    chunks = list(net.predict_batches([X], observer=lambda k, A, Z: seen.append((k, Z.copy()))))
    assert [k for k, _ in seen] == [1, 2, 3] * 4
    assert _same_bits(np.concatenate([Z for k, Z in seen if k == 3]), np.concatenate([c.Y for c in chunks]))
    trace = net.forward(X)
    assert _same_bits(np.concatenate([Z for k, Z in seen if k == 1]), trace.layers[0].Z)


@pytest.mark.parametrize("width", [2, 3, 10, 17, 64])
def test_transposed_float32_softmax_is_the_registrys_within_an_ulp(width):
    # Same float64 formula, another order of the row sum: bit-identical but for rare ties.
    rng = np.random.default_rng(width)
    a = (rng.standard_normal((3000, width)) * rng.choice([0.01, 1, 10, 60], (3000, 1))).astype(np.float32)
    a[:len(SPECIALS), 0] = SPECIALS  # rows with ±inf, NaN, huge values
    z = np.empty_like(a)
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        engine.softmax_t(a, out=z)
    ref = activations.softmax(a)
    assert np.array_equal(np.isnan(z), np.isnan(ref))
    ulps = np.abs(z.view(np.int32).astype(np.int64) - ref.view(np.int32))[~np.isnan(ref)]
    assert ulps.max() <= 1 and np.mean(ulps == 0) > 0.999
    work = a.copy()
    engine.softmax_t(work, out=work)  # in place, as the engine calls it
    assert _same_bits(work, z)


def test_sigmoid_with_its_bias_is_the_registrys_sigmoid_bit_for_bit():
    rng = np.random.default_rng(15)
    a = np.concatenate([np.array(SPECIALS), rng.standard_normal(977) * 40]).astype(np.float32).reshape(-1, 10)
    b = (rng.standard_normal(10) * 30).astype(np.float32)
    b[0], b[1] = np.inf, -0.0
    expected = activations.sigmoid(a + b)
    work = a.copy()
    with np.errstate(divide="raise", over="ignore", invalid="raise"):
        engine.sigmoid_biased(work, -b, np.empty(a.size))
    assert np.array_equal(work, expected, equal_nan=True)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Python 3.12+ warns about fork with threads
def test_a_forked_child_gets_threads_of_its_own(tmp_path):
    net = _network(tmp_path, *NETWORKS[0], dtype="float32")
    X = np.random.default_rng(16).random((2 * net.tile_rows + 3, 784)).astype(np.float32)
    expected = net.predict(X)  # starts the tile threads in this process
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        os._exit(0 if _same_bits(net.predict(X), expected) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
