"""Project-wide contracts: every example config runs; the core imports neither typer nor rich."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CONFIGS, ROOT

CORE = ["nncli", "nncli.errors", "nncli.yamlstrict", "nncli.config", "nncli.activations", "nncli.network",
        "nncli.rows", "nncli.outfile"]


def _yaml_configs():
    return sorted(p.name for p in CONFIGS.glob("*.yaml"))


@pytest.mark.parametrize("name", _yaml_configs())
def test_every_config_runs(name, cli, tmp_path):
    import shutil

    from nncli.config import load_spec
    from nncli.errors import ConfigError

    from tests.conftest import SHARED_DATA

    path = CONFIGS / name
    try:
        load_spec(path)
    except ConfigError as err:
        # A config whose weights are not in the repository (mnist_book.yaml names the book's
        # weights): run a copy beside the same file from the shared reference data.
        missing = Path(str(err).split("file not found: ", 1)[1].split(" (", 1)[0]).name
        found = sorted(SHARED_DATA.rglob(missing))
        assert found, f"{name}: {err}"
        shutil.copy(path, tmp_path / name)
        (tmp_path / missing).symlink_to(found[0])
        path = tmp_path / name
    assert cli("validate", path).exit_code == 0
    spec = load_spec(path)
    inputs: list[str] = []
    if not spec.inputs:  # no sample inputs in the config: one row of 0.5s
        import numpy as np

        np.save(tmp_path / "x.npy", np.full((1, spec.input_size), 0.5))
        inputs = ["-i", str(tmp_path / "x.npy")]
    result = cli("forward", path, *inputs, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["layers"]
    assert cli("forward", path, *inputs).exit_code == 0


def test_core_imports_neither_typer_nor_rich():
    code = (
        "import sys\n"
        f"for m in {CORE!r}: __import__(m)\n"
        "import nncli; nncli.load_network\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'click'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""


def test_json_output_does_not_import_rich():
    code = (
        "import sys\n"
        "sys.argv = ['nncli', 'forward', 'configs/three_layer.yaml', '--format', 'json']\n"
        "from nncli.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('RICH' if any(m.split('.')[0] == 'rich' for m in sys.modules) else 'NO-RICH', file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stderr.strip().endswith("NO-RICH"), out.stderr
