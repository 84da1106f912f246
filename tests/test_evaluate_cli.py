"""``nncli evaluate`` and ``nncli import-weights`` end to end, on the book's real network and data.

They need the shared data (MNIST test set, the book's weights) in ../shared/data: without it
they skip, naming the missing file, unless NNCLI_REQUIRE_SHARED_DATA is set (as in CI), when
they fail.
"""

from __future__ import annotations

import gzip
import json
import shutil

import numpy as np
import pytest

from tests.conftest import CONFIGS, SHARED_DATA, need_shared

MNIST = SHARED_DATA / "mnist"
IMAGES = MNIST / "t10k-images-idx3-ubyte.gz"
LABELS = MNIST / "t10k-labels-idx1-ubyte.gz"
BOOK_PKL = SHARED_DATA / "book-ch03" / "sample_weight.pkl"


@pytest.fixture(autouse=True)
def shared_data():
    """Every test here reads the MNIST test set or the book's weights."""
    need_shared(IMAGES, LABELS, BOOK_PKL)


@pytest.fixture
def mnist_config(tmp_path, cli):
    """configs/mnist_book.yaml copied to tmp_path, beside the book's weights imported from the .pkl."""
    config = tmp_path / "mnist_book.yaml"
    shutil.copy(CONFIGS / "mnist_book.yaml", config)
    result = cli("import-weights", BOOK_PKL, "-o", tmp_path / "sample_weight.npz")
    assert result.exit_code == 0, result.stderr
    return config


def test_the_books_accuracy_through_the_command_line(tmp_path, nncli_process):
    """Done when: import-weights on the book's .pkl, then evaluate on the MNIST test set: 0.9352."""
    shutil.copy(CONFIGS / "mnist_book.yaml", tmp_path / "mnist_book.yaml")
    imported = nncli_process("import-weights", BOOK_PKL, "-o", tmp_path / "sample_weight.npz")
    assert imported.exit_code == 0, imported.stderr
    assert "W1" in imported.stdout and "(784, 50)" in imported.stdout
    result = nncli_process("evaluate", tmp_path / "mnist_book.yaml", "-i", IMAGES, "--labels", LABELS,
                           "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    doc = json.loads(result.stdout)
    assert list(doc)[:5] == ["samples", "correct", "accuracy", "confusion", "per_class"]
    assert (doc["samples"], doc["correct"], doc["accuracy"]) == (10000, 9352, 0.9352)
    confusion = np.array(doc["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 10000 and np.trace(confusion) == 9352
    assert [c["support"] for c in doc["per_class"]] == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert doc["per_class"][0]["class"] == "0"
    table = nncli_process("evaluate", tmp_path / "mnist_book.yaml", "-i", IMAGES, "-l", LABELS)
    assert table.exit_code == 0
    assert table.stdout.startswith("mnist_book: 10000 samples, 9352 correct, accuracy 0.9352\n")
    assert "Confusion matrix (rows: true class, columns: predicted)" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80


def test_the_book_per_row_loop_agrees(mnist_config):
    """The book's predict() row by row (float32, its own sigmoid/softmax) gives the same 9352."""
    raw = gzip.decompress(IMAGES.read_bytes())
    x = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255.0
    t = np.frombuffer(gzip.decompress(LABELS.read_bytes()), np.uint8, offset=8)
    with np.load(mnist_config.parent / "sample_weight.npz") as w:
        W1, W2, W3, b1, b2, b3 = (w[k] for k in ("W1", "W2", "W3", "b1", "b2", "b3"))
    z1 = 1 / (1 + np.exp(-(x @ W1 + b1)))
    z2 = 1 / (1 + np.exp(-(z1 @ W2 + b2)))
    a3 = z2 @ W3 + b3
    assert int((np.argmax(a3, axis=1) == t).sum()) == 9352


@pytest.mark.parametrize("batch_size", ["1", "999", "8192", "10000"])
def test_chunked_and_unchunked_results_are_identical(mnist_config, cli, batch_size):
    base = cli("evaluate", mnist_config, "-i", IMAGES, "-l", LABELS, "-f", "json", "--stats",
               "--batch-size", "100000")
    other = cli("evaluate", mnist_config, "-i", IMAGES, "-l", LABELS, "-f", "json", "--stats",
                "--batch-size", batch_size)
    assert base.exit_code == other.exit_code == 0
    assert base.stdout == other.stdout


def test_mnist_book_config_runs(mnist_config, cli):
    from nncli.network import load_network

    net = load_network(mnist_config)
    assert repr(net) == "Network('mnist_book', 784 → 50 → 100 → 10, [sigmoid, sigmoid, softmax], float32)"
    assert net.spec.preprocess.divide_by == 255 and net.classes == tuple("0123456789")
    result = cli("evaluate", mnist_config, "-i", IMAGES, "-l", LABELS, "--rows", "0:500", "--stats")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("mnist_book: 500 samples, ")
    assert "Layer statistics over 500 rows" in result.stdout and "sat " in result.stdout


def test_mnist_book_config_without_its_weights_says_what_to_do(tmp_path, nncli_process):
    shutil.copy(CONFIGS / "mnist_book.yaml", tmp_path / "mnist_book.yaml")
    result = nncli_process("evaluate", tmp_path / "mnist_book.yaml", "-i", IMAGES, "-l", LABELS)
    assert result.exit_code == 1
    assert "file not found" in result.stderr and "sample_weight.npz" in result.stderr
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1


def test_every_input_format_through_the_cli(mnist_config, cli, tmp_path):
    raw = gzip.decompress(IMAGES.read_bytes())
    images = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 784)[:300]
    labels = np.frombuffer(gzip.decompress(LABELS.read_bytes()), np.uint8, offset=8)[:300]
    np.save(tmp_path / "x.npy", images)
    np.savez(tmp_path / "x.npz", images=images, labels=labels)
    np.savetxt(tmp_path / "x.csv", images, fmt="%d", delimiter=",")
    (tmp_path / "x.jsonl").write_text("".join(json.dumps(r) + "\n" for r in images.tolist()))
    np.savetxt(tmp_path / "onehot.csv", np.eye(10, dtype=int)[labels], fmt="%d", delimiter=",")
    np.save(tmp_path / "y.npy", labels)
    expected = cli("evaluate", mnist_config, "-i", IMAGES, "-l", LABELS, "--rows", "0:300", "-f", "json").stdout
    for args in (["-i", tmp_path / "x.npy", "-l", tmp_path / "y.npy"],
                 ["-i", tmp_path / "x.npz", "--key", "images", "-l", tmp_path / "x.npz", "--labels-key", "labels"],
                 ["-i", tmp_path / "x.csv", "-l", tmp_path / "onehot.csv"],
                 ["-i", tmp_path / "x.jsonl", "-l", tmp_path / "y.npy"]):
        result = cli("evaluate", mnist_config, *args, "-f", "json")
        assert result.exit_code == 0, result.stderr
        assert result.stdout == expected, args


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "npy"])
def test_inputs_from_stdin(mnist_config, cli, tmp_path, fmt):
    raw = gzip.decompress(IMAGES.read_bytes())
    images = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 784)[:200]
    if fmt == "csv":
        data = "".join(",".join(map(str, r)) + "\n" for r in images.tolist()).encode()
    elif fmt == "jsonl":
        data = "".join(json.dumps(r) + "\n" for r in images.tolist()).encode()
    else:
        np.save(tmp_path / "x.npy", images)
        data = (tmp_path / "x.npy").read_bytes()
    expected = cli("evaluate", mnist_config, "-i", IMAGES, "-l", LABELS, "--rows", "0:200", "-f", "json").stdout
    for extra in ([], ["--input-format", fmt]):
        result = cli("evaluate", mnist_config, "-i", "-", *extra, "-l", LABELS, "--rows", "0:200", "-f", "json",
                     input=data)
        assert result.exit_code == 0, result.stderr
        assert result.stdout == expected


def test_divide_by_overrides_the_config(mnist_config, cli, tmp_path):
    raw = gzip.decompress(IMAGES.read_bytes())
    scaled = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 784)[:100].astype(np.float32) / np.float32(255)
    np.save(tmp_path / "scaled.npy", scaled)
    expected = cli("evaluate", mnist_config, "-i", IMAGES, "-l", LABELS, "--rows", "0:100", "-f", "json").stdout
    result = cli("evaluate", mnist_config, "-i", tmp_path / "scaled.npy", "-l", LABELS, "--rows", "0:100",
                 "--divide-by", "1", "-f", "json")
    assert result.stdout == expected
    wrong = cli("evaluate", mnist_config, "-i", tmp_path / "scaled.npy", "-l", LABELS, "--rows", "0:100", "-f", "json")
    assert json.loads(wrong.stdout)["correct"] < json.loads(expected)["correct"]
    bad = cli("evaluate", mnist_config, "-i", IMAGES, "-l", LABELS, "--divide-by", "0")
    assert bad.exit_code == 1 and "divide_by must be a finite, non-zero number" in bad.stderr


def test_float64_gives_the_same_score(mnist_config, cli):
    result = cli("evaluate", mnist_config, "-i", IMAGES, "-l", LABELS, "--dtype", "float64", "-f", "json")
    assert json.loads(result.stdout)["correct"] == 9352


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes(gzip.compress(gzip.decompress(IMAGES.read_bytes())[:50_000])),
     "truncated IDX file: its header promises 10000 rows but the data ends after 63"),
    (lambda p: p.write_bytes(IMAGES.read_bytes()[:800_000]), "truncated gzip data"),
    (lambda p: p.write_bytes(gzip.decompress(IMAGES.read_bytes())[:10]), "truncated IDX header"),
    (lambda p: p.write_bytes(b"\x00\x00\x08\x04" + gzip.decompress(IMAGES.read_bytes())[4:]), "IDX file too long"),
    (lambda p: p.write_bytes(b"\x00\x01\x08\x03" + gzip.decompress(IMAGES.read_bytes())[4:]), "wrong magic number 0x00010803"),
    (lambda p: p.write_bytes(b""), "empty file"),
])
def test_corrupt_inputs_exit_1_with_one_line(mnist_config, nncli_process, tmp_path, make, message):
    bad = tmp_path / "bad-idx3-ubyte"
    make(bad)
    result = nncli_process("evaluate", mnist_config, "-i", bad, "-l", LABELS)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {bad}") and message in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_input_errors(mnist_config, cli, tmp_path):
    csv = tmp_path / "x.csv"
    csv.write_text("1,2,3\n")
    result = cli("evaluate", mnist_config, "-i", csv, "-l", LABELS)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {csv}:1: rows have 3 values but network 'mnist_book' takes 784\n"
    row = ",".join(["0"] * 784)
    csv.write_text(f"{row}\n{row[:-1]}x\n")
    result = cli("evaluate", mnist_config, "-i", csv, "-l", LABELS, "--rows", "0:2")
    assert result.stderr == f"Error: {csv}:2:1567: 'x' is not a number (value 784)\n"
    result = cli("evaluate", mnist_config, "-i", LABELS, "-l", LABELS)
    assert "holds labels: give it to --labels" in result.stderr
    result = cli("evaluate", mnist_config, "-i", IMAGES, "-l", IMAGES)
    assert "is an IDX file of 3 dimensions (10000 x 28 x 28)" in result.stderr
    result = cli("evaluate", mnist_config, "-i", IMAGES, "-l", LABELS, "--rows", "10000:10005")
    assert "rows 10000:10005 selects no rows (it has 10000 rows" in result.stderr
    short = tmp_path / "y.npy"
    np.save(short, np.zeros(5, np.uint8))
    result = cli("evaluate", mnist_config, "-i", IMAGES, "-l", short)
    assert result.stderr == f"Error: {short}: has 5 labels but {IMAGES} has 10000 rows\n"
    result = cli("evaluate", mnist_config, "-i", "-", "-l", "-")
    assert "only one of --input-file and --labels can read stdin" in result.stderr
    result = cli("evaluate", mnist_config, "-i", IMAGES, "-l", LABELS, "--rows", "abc")
    assert result.exit_code == 1 and "rows 'abc' must be START:STOP" in result.stderr


def test_usage_errors_exit_2(cli):
    result = cli("evaluate", "x.yaml")
    assert result.exit_code == 2
    assert cli("evaluate", "x.yaml", "-i", "a", "-l", "b", "--batch-size", "0").exit_code == 2


@pytest.mark.parametrize("command", ["evaluate", "import-weights"])
def test_help_has_an_example(cli, command):
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout and f"nncli {command}" in result.stdout


def test_core_modules_import_neither_typer_nor_rich():
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys\n"
        "import nncli.data, nncli.engine, nncli.evaluate, nncli.safepickle, nncli.network\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'click'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""


def test_json_evaluate_does_not_import_rich(mnist_config):
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys\n"
        f"sys.argv = ['nncli', 'evaluate', {str(mnist_config)!r}, '-i', {str(IMAGES)!r}, '-l', {str(LABELS)!r},"
        " '--rows', '0:10', '-f', 'json']\n"
        "from nncli.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('RICH' if any(m.split('.')[0] == 'rich' for m in sys.modules) else 'NO-RICH', file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stderr.strip().endswith("NO-RICH"), out.stderr


def test_labels_as_a_json_list_or_a_number_per_jsonl_line(cli, tmp_path):
    from tests.conftest import CONFIGS

    (tmp_path / "x.csv").write_text("5.1,3.5,1.4,0.2\n6.3,3.3,6.0,2.5\n7,3.2,4.7,1.4\n")
    (tmp_path / "y.json").write_text("[0, 2, 1]\n")
    (tmp_path / "y.jsonl").write_text("0\n2\n1\n")
    for labels in ("y.json", "y.jsonl"):
        result = cli("evaluate", CONFIGS / "iris_softmax.yaml", "-i", tmp_path / "x.csv", "-l", tmp_path / labels,
                     "-f", "json")
        assert result.exit_code == 0, result.stderr
        assert '"samples": 3' in result.stdout and '"correct": 3' in result.stdout
