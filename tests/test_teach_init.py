"""nncli init: the initialisers' standard deviations (statistically), reproducibility byte for byte,
inline or .npz weights, and a config that runs."""

import math

import numpy as np
import pytest

from nncli.config import load_spec
from nncli.errors import InputError
from nncli.init import new_network, npz_bytes, parse_sizes, weight_std


@pytest.mark.parametrize("init, expected", [
    ("xavier", lambda n_in, n_out: math.sqrt(2 / (n_in + n_out))),
    ("he", lambda n_in, n_out: math.sqrt(2 / n_in)),
    ("normal:0.01", lambda n_in, n_out: 0.01),
])
def test_weight_std_within_sampling_error(init, expected):
    net = new_network((784, 50, 100, 10), init, seed=3)
    for (W, b), (n_in, n_out) in zip(net.weights, [(784, 50), (50, 100), (100, 10)]):
        sigma = expected(n_in, n_out)
        assert weight_std(init, n_in, n_out) == sigma
        n = W.size
        # For n normal draws, the sample std has standard error sigma/sqrt(2(n-1)) and the
        # mean sigma/sqrt(n): allow 5 standard errors (a false alarm about once in 1.7 million).
        assert abs(W.std(ddof=1) - sigma) < 5 * sigma / math.sqrt(2 * (n - 1))
        assert abs(W.mean()) < 5 * sigma / math.sqrt(n)
        assert W.shape == (n_in, n_out) and not b.any()


def test_zeros_and_bad_initialisers():
    assert all(not W.any() for W, _b in new_network((3, 2, 2), "zeros", 0).weights)
    for bad in ("glorot", "normal:-1", "normal:x", "he:2"):
        with pytest.raises(InputError):
            weight_std(bad, 2, 2)
    with pytest.raises(InputError):
        parse_sizes("784")
    assert parse_sizes("784-50-10") == (784, 50, 10)


def test_same_seed_same_bytes(cli, tmp_path):
    paths = []
    for run in ("a", "b", "c"):
        (tmp_path / run).mkdir()
        seed = "1" if run == "c" else "0"
        result = cli("init", "784-50-100-10", "--activation", "sigmoid", "--output", "softmax",
                     "--init", "xavier", "--seed", seed, "-o", tmp_path / run / "net.yaml")
        assert result.exit_code == 0, result.stderr
        paths.append(tmp_path / run)
    a, b, c = paths
    for name in ("net.yaml", "net.npz"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert (a / "net.npz").read_bytes() != (c / "net.npz").read_bytes()
    assert sorted(p.name for p in a.iterdir()) == ["net.npz", "net.yaml"]  # no temporary files left
    spec = load_spec(a / "net.yaml")
    rng = np.random.default_rng(0)  # the documented draw: W1, W2, W3 in order
    for layer, (n_in, n_out) in zip(spec.layers, [(784, 50), (50, 100), (100, 10)]):
        expected = rng.standard_normal((n_in, n_out)) * math.sqrt(2 / (n_in + n_out))
        np.testing.assert_array_equal(layer.W, expected)
        np.testing.assert_array_equal(layer.b, np.zeros(n_out))
    assert [layer.activation.name for layer in spec.layers] == ["sigmoid", "sigmoid", "softmax"]


def test_small_networks_are_inline_and_run(cli, tmp_path):
    out = tmp_path / "tiny.yaml"
    assert cli("init", "2-3-2", "-o", out, "--seed", "5").exit_code == 0
    assert not (tmp_path / "tiny.npz").exists()
    spec = load_spec(out)
    np.testing.assert_array_equal(spec.layers[0].W, new_network((2, 3, 2), "xavier", 5).weights[0][0])
    assert cli("forward", out).exit_code == 0  # the sample input of ones


def test_npz_is_readable_by_numpy(tmp_path):
    arrays = {"W1": np.arange(6.0).reshape(2, 3), "b1": np.zeros(3)}
    (tmp_path / "x.npz").write_bytes(npz_bytes(arrays))
    with np.load(tmp_path / "x.npz", allow_pickle=False) as loaded:
        assert loaded.files == ["W1", "b1"]
        np.testing.assert_array_equal(loaded["W1"], arrays["W1"])


def test_errors_and_help(cli, tmp_path):
    assert "√(2/(n_in + n_out))" in " ".join(cli("init", "--help").stdout.split())
    bad = cli("init", "2-3", "-o", tmp_path / "n.yaml", "--activation", "maxout")
    assert bad.exit_code == 1 and "changes the number of units" in bad.stderr
    assert cli("init", "2-3", "-o", tmp_path / "n.txt").exit_code == 1
    assert "unknown activation 'sigmod'" in cli("init", "2-3", "-o", tmp_path / "n.yaml", "-a", "sigmod").stderr
    assert cli("init", "2-x", "-o", tmp_path / "n.yaml").exit_code == 1
    result = cli("init", "4-2", "-o", tmp_path / "n.yaml", "--input-shape", "2x2", "--seed", "1")
    assert result.stdout == f"Wrote {tmp_path / 'n.yaml'}: 4 → 2, 10 parameters, xavier, seed 1\n"
    assert load_spec(tmp_path / "n.yaml").input_shape == (2, 2)
