"""Output to devices and pipes, write errors, signals, outputs that would overwrite inputs,
paths checked before computing, start-up interrupts, one number grammar for configs."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time

import pytest

from nncli.outfile import atomic_output
from tests.conftest import CONFIGS, ROOT

THREE = CONFIGS / "three_layer.yaml"


# -o onto a device or a FIFO writes into it; it never becomes a regular file.

def test_output_into_fifo_keeps_the_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    with atomic_output(fifo, "w") as handle:
        handle.write("a,b\n1,2\n")
    reader.join(timeout=10)
    assert received == [b"a,b\n1,2\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert not list(tmp_path.glob(".*.part"))


def test_output_into_dev_null_keeps_the_device():
    before = os.stat(os.devnull)
    assert stat.S_ISCHR(before.st_mode)
    with atomic_output(os.devnull, "wb") as handle:
        handle.write(b"nothing\n")
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_forward_into_fifo(cli, tmp_path):
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = cli("forward", THREE, "-x", "1,0.5", "-f", "csv", "-o", fifo)
    reader.join(timeout=10)
    assert result.exit_code == 0, result.stderr
    assert received and received[0].count(b"\n") == 2
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


# Output that cannot be written (a full disk, /dev/full): one line, exit 1, no traceback.

def _run_into(target: str, *args) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80", "NO_COLOR": "1"}
    with open(target, "w") as stdout:
        return subprocess.run([sys.executable, "-m", "nncli", *map(str, args)], stdout=stdout,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT, env=environment, timeout=120)


FULL_CASES = {
    "table": ["forward", THREE],
    "json": ["forward", THREE, "-f", "json"],
    "activations": ["activations"],
    "--help": ["--help"],
    "--version": ["--version"],
    "-o /dev/full": ["forward", THREE, "-f", "csv", "-o", "/dev/full"],
}


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", FULL_CASES.values(), ids=FULL_CASES.keys())
def test_output_to_full_device_is_one_line(args):
    result = _run_into("/dev/full", *args)
    assert result.returncode == 1
    assert result.stderr == "Error: writing output: No space left on device\n"


# SIGTERM and SIGHUP end a run like Ctrl-C does: the temporary output file is removed.

@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    import numpy as np

    path = tmp_path_factory.mktemp("big") / "big.csv"
    np.savetxt(path, np.random.default_rng(0).random((400_000, 2)), delimiter=",", fmt="%.6f")
    return path


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_signal_leaves_no_part_file(big_csv, tmp_path, signum, code):
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "nncli", "forward", THREE, "-i", big_csv, "-o",
                             tmp_path / "out.csv"], stderr=subprocess.PIPE, text=True, env=environment)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.csv.*.part")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if proc.poll() is not None:
        pytest.fail(f"the run ended (exit {proc.returncode}) before the signal was sent: {proc.communicate()[1]}")
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == []


# -o (and --save-figure) never replace a file the run reads.

def test_forward_output_onto_config_is_refused(cli, tmp_path):
    config = tmp_path / "net.yaml"
    config.write_text(THREE.read_text())
    result = cli("forward", config, "-f", "csv", "-o", config)
    assert result.exit_code == 1
    assert result.stderr == f"Error: -o {config} is the config: the output would replace it\n"
    assert config.read_text() == THREE.read_text()


def test_forward_output_onto_expect_file_is_refused(cli, tmp_path):
    golden = tmp_path / "golden.json"
    assert cli("forward", THREE, "-f", "json", "-o", golden).exit_code == 0
    before = golden.read_bytes()
    result = cli("forward", THREE, "-f", "json", "-o", tmp_path / "." / "golden.json", "--expect", golden)
    assert result.exit_code == 1
    assert "is the --expect file: the output would replace it" in result.stderr
    assert golden.read_bytes() == before


def test_forward_figure_onto_config_is_refused(cli, tmp_path):
    config = tmp_path / "net.svg"
    config.write_text(THREE.read_text())
    result = cli("forward", config, "--save-figure", config)
    assert result.exit_code == 1
    assert "is the config: the output would replace it" in result.stderr


def test_evaluate_figure_onto_labels_is_refused(cli, tmp_path):
    (tmp_path / "x.csv").write_text("1,0.5\n0,0\n")
    labels = tmp_path / "y.png"
    labels.write_text("0\n1\n")
    result = cli("evaluate", THREE, "-i", tmp_path / "x.csv", "-l", labels, "--labels-format", "csv",
                 "--save-figure", labels)
    assert result.exit_code == 1
    assert "is the labels file: the output would replace it" in result.stderr
    assert labels.read_text() == "0\n1\n"


def test_import_weights_onto_its_pickle_is_refused(cli, tmp_path):
    source = tmp_path / "w.npz"
    source.write_bytes(b"not read")
    result = cli("import-weights", source, "-o", source)
    assert result.exit_code == 1
    assert result.stderr == f"Error: -o {source} is the pickle: the output would replace it\n"


# Output names are checked before anything is computed or printed.

BAD_NAMES = {
    "forward --save-figure nodir": (["forward", THREE, "--save-figure", "nodir/f.png"],
                                    "Error: nodir/f.png: directory nodir does not exist\n"),
    "activations --save nodir": (["activations", "--plot", "--save", "nodir/f.png"],
                                 "Error: nodir/f.png: directory nodir does not exist\n"),
    "activations --save .jpg": (["activations", "--plot", "--save", "x.jpg"],
                                "Error: --save x.jpg: write a .png, .svg or .pdf file (got '.jpg')\n"),
    "export -o .txt": (["export", THREE, "-o", "m.txt"], "Error: -o m.txt: the model's name must end in .onnx\n"),
}


@pytest.mark.parametrize("args, message", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_bad_output_name_before_any_output(cli, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = cli(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", message)
    assert list(tmp_path.iterdir()) == []


# Ctrl-C while the command line loads: exit 130, no traceback.

def test_interrupt_while_loading_exits_130_quietly():
    code = (
        "import builtins, sys\n"
        "real = builtins.__import__\n"
        "def interrupted(name, *args, **kwargs):\n"
        "    if name == 'nncli.cli':\n"
        "        raise KeyboardInterrupt\n"
        "    return real(name, *args, **kwargs)\n"
        "builtins.__import__ = interrupted\n"
        "sys.argv = ['nncli', '--version']\n"
        "from nncli.__main__ import main\n"
        "main()\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=60)
    assert (out.returncode, out.stdout, out.stderr) == (130, "", "")


def test_entry_point_loads_nothing_heavy():
    code = "import sys, nncli.__main__; print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'typer', 'rich', 'yaml'}))"
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=60)
    assert out.stdout == "[]\n", out.stderr


@pytest.mark.parametrize("delay", [0.05, 0.1, 0.15, 0.25])
def test_real_ctrl_c_during_start_up(delay):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "nncli", "--version"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=environment)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    if "init_import_site" in stderr:  # the signal came while Python itself was starting, before nncli ran
        return
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert proc.returncode in (0, 130, -signal.SIGINT), (proc.returncode, stderr)


# One number grammar: a config's quoted parameter is read as the command line reads numbers.

@pytest.mark.parametrize("text", ["1_0", "0x10", "١", " 1"])
def test_activation_parameter_string_outside_the_grammar_is_refused(text):
    from nncli import activations
    from nncli.errors import ActivationError

    with pytest.raises(ActivationError, match="must be a number"):
        activations.get("leaky_relu", negative_slope=text)


def test_config_quoted_parameter_1_0_is_refused(cli, write):
    config = write("net.yaml", "name: n\nlayers:\n  - weights: [[1.0]]\n    bias: [0.0]\n"
                   "    activation: {name: leaky_relu, negative_slope: '1_0'}\n")
    result = cli("validate", config)
    assert result.exit_code == 1
    assert "must be a number, not '1_0'" in result.stderr


@pytest.mark.parametrize("text, value", [("1e-3", 1e-3), ("0.5", 0.5), ("+2", 2.0)])
def test_activation_parameter_string_in_the_grammar(text, value):
    from nncli import activations

    assert activations.get("leaky_relu", negative_slope=text).params["negative_slope"] == value


# Labels show a parameter as the shortest text that reads back to the same float.

@pytest.mark.parametrize("value, shown", [(0.123456789, "0.123456789"), (0.015, "0.015"), (1.0, "1"),
                                          (1e-5, "1e-05"), (123456789.0, "123456789")])
def test_label_round_trips(value, shown):
    from nncli import activations

    label = activations.get("leaky_relu", negative_slope=value).label
    assert label == f"leaky_relu(negative_slope={shown})"
    assert float(label.split("=")[1].rstrip(")")) == value


# Formats listed once (nncli.data.FORMATS); readable help; plural; an Examples block everywhere.

def test_input_formats_come_from_the_data_layer(cli):
    from nncli.cli.common import INPUT_FILE_HELP, InputFormat
    from nncli.data import FORMATS

    assert [member.value for member in InputFormat] == list(FORMATS)
    for name in FORMATS:
        assert name in INPUT_FILE_HELP.lower()
    help_text = cli("forward", "--help").stdout
    assert "<csv|tsv" not in help_text and "<table|json" not in help_text and "FORMAT" in help_text


def test_one_row_is_singular(tmp_path):
    from nncli.data import open_inputs
    from nncli.errors import InputError

    import numpy as np

    np.save(tmp_path / "x.npy", np.array([[1.0, 2.0]]))
    with open_inputs(tmp_path / "x.npy") as source, pytest.raises(InputError, match=r"\(it has 1 row, numbered"):
        source.read_all(slice(5, 6))


def test_import_weights_help_has_examples(cli):
    assert "Examples:" in cli("import-weights", "--help").stdout


# Usage errors (exit 2): one "Error:" line and one hint, no boxed panel.

USAGE_ERRORS = {
    "unknown option": (["forward", THREE, "--bogus"], "forward"),
    "missing argument": (["forward"], "forward"),
    "unknown command": (["frobnicate"], None),
    "bad choice": (["forward", THREE, "--format", "xml"], "forward"),
    "out of range": (["forward", THREE, "--precision", "-1"], "forward"),
    "raised by a command": (["activations", "--plot", "-f", "json"], "activations"),
}


@pytest.mark.parametrize("args, command", USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_usage_error_is_one_line_and_a_hint(nncli_process, args, command):
    result = nncli_process(*args)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("Error: "), result.stderr
    assert lines[1] == f"Try 'nncli{' ' + command if command else ''} -h' for help."
    assert result.stdout == ""


def test_usage_error_in_process(cli):
    result = cli("forward", THREE, "--format", "xml")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Invalid value for '--format' / '-f': 'xml' is not one of")


def test_no_arguments_still_shows_help(nncli_process):
    result = nncli_process()
    assert result.exit_code == 2 and "Usage: nncli" in result.stdout + result.stderr
    assert "Error:" not in result.stderr
