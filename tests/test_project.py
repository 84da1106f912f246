"""Project-wide contracts: every example config runs; the core imports neither typer nor rich;
no import cycle among nncli's modules; every command has help."""

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import nncli
from tests.conftest import CONFIGS, ROOT

PACKAGE = Path(nncli.__file__).parent
# The command line (with ``python -m nncli``) and the renderers: the only users of typer and rich.
LAYERS = ("nncli.cli", "nncli.render", "nncli.__main__")


def _all_modules() -> list[str]:
    """Every module of the nncli package, subpackages included (found on disk, not listed by hand)."""
    names = ["nncli"]
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="nncli."):
        names.append(info.name)
    return sorted(names)


def _core_modules() -> list[str]:
    return [m for m in _all_modules() if not any(m == layer or m.startswith(layer + ".") for layer in LAYERS)]


def _yaml_configs():
    return sorted(p.name for p in CONFIGS.glob("*.yaml"))


@pytest.mark.parametrize("name", _yaml_configs())
def test_every_config_runs(name, cli, tmp_path):
    import shutil

    from nncli.config import load_spec
    from nncli.errors import ConfigError

    from tests.conftest import SHARED_DATA, need_shared

    path = CONFIGS / name
    try:
        load_spec(path)
    except ConfigError as err:
        # A config whose weights are not in the repository (mnist_book.yaml names the book's
        # weights): run a copy beside the same file from the shared reference data.
        missing = Path(str(err).split("file not found: ", 1)[1].split(" (", 1)[0]).name
        found = sorted(SHARED_DATA.rglob(missing))
        if not found:
            need_shared(SHARED_DATA / missing)
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


def test_core_modules_are_discovered():
    core = _core_modules()
    for expected in ("nncli.config", "nncli.network", "nncli.errors", "nncli.overflow", "nncli.safepickle"):
        assert expected in core
    assert not any(m.startswith(LAYERS) for m in core)


@pytest.mark.parametrize("module", _core_modules())
def test_core_module_imports_neither_typer_nor_rich(module):
    # A fresh interpreter per module: what one module pulls in must not hide behind another.
    code = (
        "import sys\n"
        f"import {module}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'click'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"{module} imports {out.stdout.strip()}"


def _imports_of(module: str) -> set[str]:
    """The nncli modules ``module`` imports anywhere in its source (inside functions too)."""
    known = set(_all_modules())
    path = PACKAGE.joinpath(*module.split(".")[1:])
    source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    package = module if source.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from .a import b
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            # "from nncli import activations" imports the submodule; "from nncli import x" the package
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # import nncli.a.b counts as nncli.a.b (or its package)
                target = target.rpartition(".")[0]
            if target and target != module:
                found.add(target)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per back edge found by a depth-first walk of ``graph``."""
    state: dict[str, str] = {}  # "visiting" or "done"
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = "visiting"
        for target in sorted(graph[module]):
            if state.get(target) == "visiting":
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


def test_no_import_cycle_among_nncli_modules():
    graph = {module: _imports_of(module) for module in _all_modules()}
    cycles = _cycles(graph)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_every_command_is_registered_and_has_help(cli):
    from typer.main import get_command

    from nncli.cli import app

    commands = get_command(app).commands  # type: ignore[attr-defined]
    assert set(commands) == {"forward", "validate", "activations", "softmax", "evaluate", "export", "import", "import-weights", "init"}
    for name in commands:
        result = cli(name, "--help")
        assert result.exit_code == 0 and "Example" in result.stdout, name


@pytest.mark.parametrize("args", [
    ["forward", "configs/three_layer.yaml", "--format", "json"],
    ["forward", "configs/three_layer.yaml", "--format", "csv"],
    ["validate", "configs/three_layer.yaml", "--format", "json"],
    ["softmax", "1", "2", "--format", "csv"],
    ["activations", "relu", "--at", "1", "--format", "json"],
])
def test_machine_formats_do_not_import_rich(args):
    code = (
        "import sys\n"
        f"sys.argv = ['nncli', *{args!r}]\n"
        "from nncli.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('RICH' if any(m.split('.')[0] == 'rich' for m in sys.modules) else 'NO-RICH', file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stderr.strip().endswith("NO-RICH"), out.stderr
