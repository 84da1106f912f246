"""``nncli activations``: exact output, JSON shapes, parameters, plots, image files, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rich.cells import cell_len

from nncli import activations as A

VALUES_80 = """\
        a   sigmoid       tanh      relu
────────────────────────────────────────
-2.000000  0.119203  -0.964028  0.000000
-1.000000  0.268941  -0.761594  0.000000
 0.000000  0.500000   0.000000  0.000000
 1.000000  0.731059   0.761594  1.000000
 2.000000  0.880797   0.964028  2.000000
"""


def widest(text: str) -> int:
    return max(cell_len(line) for line in text.splitlines())


def test_help_has_examples(cli):
    res = cli("activations", "--help")
    assert res.exit_code == 0
    assert "nncli activations sigmoid tanh --at" in res.stdout and "Examples:" in res.stdout
    assert "--derivative" in res.stdout and "--save" in res.stdout


def test_values_table_exact(nncli_process):
    res = nncli_process("activations", "sigmoid", "tanh", "relu", "--at", "-2,-1,0,1,2")
    assert res.exit_code == 0, res.stderr
    assert res.stdout == VALUES_80
    assert res.stderr == ""


def test_listing_fits_80_columns_and_names_everything(nncli_process):
    res = nncli_process("activations")
    assert res.exit_code == 0, res.stderr
    assert widest(res.stdout) <= 80
    for name in A.names():
        assert name in res.stdout
    sigmoid_line = next(line for line in res.stdout.splitlines() if line.startswith("sigmoid "))
    assert "0.25" in sigmoid_line and "9.54e-07" in sigmoid_line  # 0.25^10, computed, not typed in
    assert "^10" in res.stdout


def test_listing_json(cli):
    res = cli("activations", "--format", "json", "--depth", "5")
    assert res.exit_code == 0
    rows = json.loads(res.stdout)
    assert [r["name"] for r in rows] == A.names()
    by_name = {r["name"]: r for r in rows}
    sig = by_name["sigmoid"]
    assert sig["aliases"] == ["logistic", "expit"]
    assert sig["max_derivative"] == 0.25 and sig["max_derivative_at_depth"] == pytest.approx(0.25**5)
    assert by_name["leaky_relu"]["parameters"] == {"negative_slope": 0.01}
    assert by_name["exponential"]["max_derivative"] == "inf"
    for r in rows:
        assert set(r) >= {"name", "aliases", "formula", "parameters", "range", "zero_centred", "monotonic",
                          "smooth", "max_derivative"}


def test_named_listing_shows_details(cli):
    res = cli("activations", "gelu", "swish")
    assert res.exit_code == 0
    assert "param approximate" in res.stdout and "tanh" in res.stdout
    assert "LaTeX" in res.stdout and "silu" in res.stdout
    assert "h(-inf) = -0.0" in res.stdout


def test_values_json_with_nan_and_inf(cli):
    res = cli("activations", "sigmoid", "relu", "--at", "-1,0,nan,inf", "-f", "json")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["x"] == [-1.0, 0.0, "nan", "inf"]
    assert data["values"]["sigmoid"] == [0.2689414213699951, 0.5, "nan", 1.0]
    assert data["values"]["relu"] == [0.0, 0.0, "nan", "inf"]
    assert data["derivatives"]["relu"] == [0.0, 0.0, "nan", 1.0]
    assert data["derivatives"]["sigmoid"][1] == 0.25
    assert data["dtype"] == "float64"


def test_derivative_columns(cli):
    res = cli("activations", "tanh", "--at", "0,1", "--derivative")
    assert res.exit_code == 0
    assert "tanh'" in res.stdout.splitlines()[0]
    assert "0.419974" in res.stdout


def test_parameters(cli):
    res = cli("activations", "leaky_relu", "--at", "-1", "--param", "negative_slope=0.2", "-f", "json")
    assert json.loads(res.stdout)["values"]["leaky_relu"] == [-0.2]
    # a parameter goes to every named activation that has it; NAME.PARAM to one
    res = cli("activations", "elu", "celu", "relu", "--at", "-1", "-p", "alpha=0.5", "-p", "celu.alpha=2", "-f", "json")
    data = json.loads(res.stdout)
    assert data["parameters"] == {"elu": {"alpha": 0.5}, "celu": {"alpha": 2.0}, "relu": {}}
    res = cli("activations", "gelu", "--at", "1", "-p", "approximate=tanh")
    assert "gelu(approximate=tanh)" in res.stdout
    res = cli("activations", "prelu", "--at", "-1,-1", "-p", "slope=0.1,0.3", "-f", "json")
    assert json.loads(res.stdout)["values"]["prelu"] == [-0.1, -0.3]


def test_float32(cli):
    res = cli("activations", "sigmoid", "--at", "1", "--dtype", "float32", "-f", "json")
    data = json.loads(res.stdout)
    assert data["dtype"] == "float32"
    assert data["values"]["sigmoid"] == [float(__import__("numpy").float32(0.7310585786300049))]


def test_rowwise_and_grouping_values(cli):
    res = cli("activations", "softmax", "--at", "1,2,3", "-f", "json")
    assert sum(json.loads(res.stdout)["values"]["softmax"]) == pytest.approx(1.0)
    res = cli("activations", "softmax", "glu", "--at", "1,2,3,4")
    assert res.exit_code == 0
    assert "one row" in res.stdout
    res = cli("activations", "maxout", "--at", "1,5,-1,-2", "-f", "json")
    assert json.loads(res.stdout)["values"]["maxout"] == [5.0, -1.0]
    res = cli("activations", "--at", "-6:6:13", "relu", "-f", "json")
    assert len(json.loads(res.stdout)["x"]) == 13


@pytest.mark.parametrize("args, message", [
    (["sigmod"], "Error: unknown activation 'sigmod' (did you mean 'sigmoid'?)"),
    (["leaky_relu", "--at", "1", "-p", "negative_slop=0.1"],
     "Error: --param 'negative_slop=0.1': no activation shown has a parameter 'negative_slop' (did you mean 'negative_slope'?)"),
    (["elu", "--at", "1", "-p", "alpha"], "Error: --param 'alpha': expected NAME=VALUE"),
    (["elu", "--at", "1", "-p", "alpha=x"], "Error: activation 'elu': parameter 'alpha' must be a number"),
    (["elu", "--at", "1", "-p", "relu.alpha=1"], "Error: --param 'relu.alpha=1': 'relu' is not among the activations shown"),
    (["sigmoid", "--at", "1,x"], "Error: --at:3: 'x' is not a number"),
    (["sigmoid", "--at", "1,,2"], "Error: --at:3: empty value before this comma"),
    (["sigmoid", "--at", "0:1"], "Error: --at '0:1': expected START:STOP:COUNT"),
    (["glu", "--at", "1,2,3"], "Error: glu halves its inputs and needs an even number of them, got 3"),
    (["--plot", "--range", "3", "-3"], "Error: --range 3 -3: needs finite LO < HI"),
    (["--save", "plot.jpg"], "Error: --save plot.jpg: write a .png, .svg or .pdf file (got '.jpg')"),
    (["prelu", "--plot", "-p", "slope=0.1,0.2"], "Error: prelu(slope=[0.1, 0.2]): per-unit parameters cannot be plotted"),
])
def test_bad_input_is_exit_1_with_one_line(cli, args, message):
    res = cli("activations", *args)
    assert res.exit_code == 1
    assert res.stderr.startswith(message)
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert res.stdout == ""


@pytest.mark.parametrize("args", [
    ["--plot", "-f", "json"], ["--at", "1"], ["--depth", "0"], ["--range", "1"], ["-f", "yaml"],
])
def test_usage_errors_are_exit_2(cli, args):
    assert cli("activations", *args).exit_code == 2


def test_terminal_plot_80_columns(nncli_process):
    res = nncli_process("activations", "--plot")
    assert res.exit_code == 0, res.stderr
    assert widest(res.stdout) <= 80
    # no colour (NO_COLOR): a mark per curve instead of braille dots, shown in the legend
    assert sum(1 for ch in res.stdout if ch in "*+ox") > 100
    legend = res.stdout.splitlines()[-1]
    assert res.stdout.endswith("relu\n")
    for mark, name in zip(("**", "++", "oo", "xx"), ("step", "sigmoid", "tanh", "relu")):
        assert f"{mark} {name}" in legend


def test_terminal_plot_with_derivatives_and_range(nncli_process):
    res = nncli_process("activations", "--plot", "sigmoid", "gelu", "softmax", "-d", "--range", "-4", "4")
    assert res.exit_code == 0, res.stderr
    assert widest(res.stdout) <= 80
    assert "++ sigmoid'" in res.stdout and "oo gelu" in res.stdout
    assert "-4" in res.stdout and "row (a, 0)" in res.stdout
    assert "-0.1699" in res.stdout  # gelu's minimum labels the y axis


def test_terminal_plot_narrow_and_wide(nncli_process):
    for columns in (40, 120):
        res = nncli_process("activations", "--plot", "tanh", columns=columns)
        assert res.exit_code == 0
        assert widest(res.stdout) <= min(columns, 100)


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_save_writes_a_valid_image(cli, tmp_path, suffix):
    path = tmp_path / f"plot{suffix}"
    res = cli("activations", "sigmoid", "tanh", "--save", str(path), "-d")
    assert res.exit_code == 0, res.stderr
    assert res.stderr == f"Wrote {path}\n"
    data = path.read_bytes()
    if suffix == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    else:
        assert ET.fromstring(data).tag.endswith("svg")
    assert not list(tmp_path.glob(".*.part"))


def test_save_without_matplotlib(cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    res = cli("activations", "--save", str(tmp_path / "p.png"))
    assert res.exit_code == 1
    assert res.stderr == "Error: --save needs matplotlib: pip install 'nncli[plot]'\n"
    assert not (tmp_path / "p.png").exists()


def test_listing_does_not_import_scipy_or_matplotlib(nncli_process):
    code = ("import sys, runpy; sys.argv = ['nncli', 'activations', '-f', 'json']\n"
            "try:\n    runpy.run_module('nncli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('scipy', 'matplotlib') if m in sys.modules), file=sys.stderr)")
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root)}, timeout=60)
    assert proc.stderr.strip().endswith("[]"), proc.stderr
