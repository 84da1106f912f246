"""--save-figure: the files are written, non-empty and of the asked format; matplotlib loads only then."""

import subprocess
import sys

import pytest

from tests.conftest import CONFIGS, ROOT, SHARED_DATA

pytest.importorskip("matplotlib")

PNG = b"\x89PNG\r\n\x1a\n"


def test_network_diagram_png_and_svg(cli, tmp_path):
    png, svg = tmp_path / "net.png", tmp_path / "net.svg"
    assert cli("forward", CONFIGS / "three_layer.yaml", "--save-figure", png).exit_code == 0
    assert png.read_bytes().startswith(PNG) and png.stat().st_size > 10_000
    assert cli("forward", CONFIGS / "xor.yaml", "-f", "json", "--save-figure", svg).exit_code == 0
    text = svg.read_text()
    assert "<svg" in text and "xor" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.png", "net.svg"]  # no temporary files


def test_same_figure_same_svg(cli, tmp_path):
    for name in ("a.svg", "b.svg"):
        cli("forward", CONFIGS / "three_layer.yaml", "--save-figure", tmp_path / name)
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()


def test_image_input_figure(cli, tmp_path, write):
    # a 4x4 "image" classifier: the figure shows it beside the probability bars
    path = write("img.yaml", "input_shape: [4, 4]\nclasses: [dark, bright]\nlayers:\n  - activation: softmax\n"
                             "    weights: [" + ", ".join(["[-1, 1]"] * 16) + "]\n    bias: [0, 0]\n")
    out = tmp_path / "img.png"
    result = cli("forward", path, "-x", " ".join(["1"] * 16), "--save-figure", out)
    assert result.exit_code == 0 and out.read_bytes().startswith(PNG)
    assert "X[0] as a 4×4 image" in result.stdout


def test_figure_errors(cli, tmp_path, write):
    big = write("big.yaml", "layers:\n  - activation: relu\n    weights: [" + ", ".join(["[1]"] * 31) +
                "]\n    bias: [0]\n")
    result = cli("forward", big, "-x", " ".join(["1"] * 31), "--save-figure", tmp_path / "b.png")
    assert result.exit_code == 1 and "more than 30 units" in result.stderr
    assert not (tmp_path / "b.png").exists()
    bad = cli("forward", CONFIGS / "three_layer.yaml", "--save-figure", tmp_path / "x.jpg")
    assert bad.exit_code == 1 and "must end in .png or .svg" in bad.stderr
    csv = cli("forward", CONFIGS / "three_layer.yaml", "-f", "csv", "--save-figure", tmp_path / "x.png")
    assert csv.exit_code == 1 and "--save-figure works with --format table or json" in csv.stderr


def test_confusion_heatmap(cli, tmp_path):
    import numpy as np

    np.save(tmp_path / "x.npy", np.array([[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5], [5.9, 3.0, 5.1, 1.8]]))
    np.save(tmp_path / "y.npy", np.array([0, 2, 1]))
    out = tmp_path / "confusion.png"
    result = cli("evaluate", CONFIGS / "iris_softmax.yaml", "-i", tmp_path / "x.npy", "-l", tmp_path / "y.npy",
                 "--save-figure", out)
    assert result.exit_code == 0 and out.read_bytes().startswith(PNG) and out.stat().st_size > 5_000


def test_matplotlib_is_imported_only_for_figures(tmp_path):
    code = ("import sys\nfrom nncli.cli import main\nsys.argv = ['nncli', 'forward', {!r}] + sys.argv[1:]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('MPL' if 'matplotlib' in sys.modules else 'NO-MPL', file=sys.stderr)\n").format(
                str(CONFIGS / "three_layer.yaml"))
    plain = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    drawn = subprocess.run([sys.executable, "-c", code, "--save-figure", str(tmp_path / "f.png")],
                           capture_output=True, text=True, cwd=ROOT)
    assert plain.stderr.strip().endswith("NO-MPL") and drawn.stderr.strip().endswith("MPL")


def test_nonfinite_weights_and_values_draw_without_warnings(cli, tmp_path, write):
    path = write("nan.yaml", "allow_nonfinite: true\nlayers:\n  - activation: relu\n"
                             "    weights: [[.nan, 1], [.inf, -1]]\n    bias: [0, .nan]\n")
    out = tmp_path / "nan.png"
    result = cli("forward", path, "-x", "1 2", "--save-figure", out)  # warnings are errors in the suite
    assert result.exit_code == 0 and out.read_bytes().startswith(PNG)
