"""One number grammar for every number typed on the command line (nncli.rows): each option
refuses what float() would quietly accept (1_000, non-ASCII digits) with the same one-line message."""

from __future__ import annotations

import json

import pytest

from tests.conftest import CONFIGS

THREE = str(CONFIGS / "three_layer.yaml")
IRIS = str(CONFIGS / "iris_softmax.yaml")
HINT = "(numbers are separated by commas or spaces; inf, -inf and nan are allowed)"


@pytest.mark.parametrize(
    "args, where",
    [
        (["forward", THREE, "-x", "1_0,0.5"], "--input #1:1"),
        (["forward", THREE, "--divide-by", "1_000"], "--divide-by:1"),
        (["activations", "relu", "--at", "1_000,-1"], "--at:1"),
        (["activations", "relu", "--at", "-1,1_000"], "--at:4"),
        (["activations", "relu", "--at", "1_0:2:3"], "--at START:1"),
        (["activations", "relu", "--at", "0:2_0:3"], "--at STOP:1"),
        (["activations", "elu", "--at", "1", "--param", "alpha=1_000"], "--param #1:7"),
        (["activations", "prelu", "--at", "1,2", "-p", "slope=0.2", "-p", "slope=0.1,1_0"], "--param #2:11"),
        (["activations", "--plot", "--range", "-1_0", "4"], "--range LO:1"),
        (["activations", "--plot", "--range", "-4", "1_0"], "--range HI:1"),
        (["softmax", "1_000"], "<args>:1"),
        (["softmax", "--row", "1,1_000"], "--row #1:3"),
        (["softmax", "1", "2", "--temperature", "1_0"], "--temperature:1"),
    ],
)
def test_underscored_numbers_are_refused_everywhere(cli, args, where):
    token = next(t for t in args[::-1] if "_" in t and not t.startswith("configs")).rpartition("=")[2]
    bad = next(part for part in token.replace(":", ",").split(",") if "_" in part)
    result = cli(*args)
    assert result.exit_code == 1, result.stdout
    assert result.stderr == f"Error: {where}: '{bad}' is not a number {HINT}\n"


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate", IRIS, "-i", "x.csv", "-l", "y.csv", "--divide-by", "1_0"],
        ["activations", "relu", "--at", "1,٣"],  # a non-ASCII digit
        ["softmax", "0x10"],
    ],
)
def test_other_non_numbers_are_refused(cli, args):
    result = cli(*args)
    assert result.exit_code == 1 and "is not a number" in result.stderr
    assert result.stderr.count("\n") == 1


def test_the_grammar_accepts_what_it_documents(cli):
    doc = json.loads(cli("activations", "relu", "--at", "-Inf, .5 1e-3,+2", "-f", "json").stdout)
    assert doc["x"] == ["-inf", 0.5, 0.001, 2.0]
    doc = json.loads(cli("activations", "elu", "--at", "-1", "-p", "alpha=+.5", "-f", "json").stdout)
    assert doc["parameters"]["elu"]["alpha"] == 0.5
    doc = json.loads(cli("activations", "relu", "--at", "-1:1:3", "-f", "json").stdout)
    assert doc["x"] == [-1.0, 0.0, 1.0]
    assert cli("activations", "--plot", "--range", "-4", "4").exit_code == 0
    doc = json.loads(cli("softmax", "1", "2", "--temperature", "2e0", "--format", "json").stdout)
    assert doc["temperature"] == 2.0
    doc = json.loads(cli("forward", IRIS, "-x", "510 350 140 20", "--divide-by", "1e2", "-f", "json").stdout)
    assert doc["input"] == [[5.1, 3.5, 1.4, 0.2]]


def test_a_word_stays_a_parameter_choice(cli):
    assert cli("activations", "gelu", "--at", "1", "-p", "approximate=tanh").exit_code == 0


def test_one_number_options_refuse_several(cli):
    result = cli("softmax", "1", "2", "--temperature", "1 2")
    assert (result.exit_code, result.stderr) == (1, "Error: --temperature '1 2': expected one number, got 2\n")
