"""The console examples of README.md and docs/tutorial.md are real output: each `$ command`
is run and compared.

Every ```console block is run in order, in a scratch copy of configs/ with ../shared beside
it (as in the repository), with COLUMNS=80 and NO_COLOR=1. Lines after a `$ ` line, up to the
next one, are the expected output. Commands that need a tool this machine lacks (jq) are
skipped. To refresh the outputs of both after changing the tool:

    python tests/test_readme.py --update
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python tests/test_readme.py` finds tests/
from tests.conftest import missing_shared, need_shared  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TUTORIAL = ROOT / "docs" / "tutorial.md"
DOCUMENTS = (README, TUTORIAL)  # each run in its own scratch directory, commands in order
BLOCK = re.compile(r"^```console\n(.*?)^```$", re.M | re.S)


@dataclass
class Example:
    command: str
    expected: str
    span: tuple[int, int]  # where the expected output sits in README.md's text


def examples(text: str) -> list[Example]:
    found = []
    for block in BLOCK.finditer(text):
        body_start = block.start(1)
        lines = block.group(1).splitlines(keepends=True)
        offset = body_start
        current: Example | None = None
        for line in lines:
            if line.startswith("$ "):
                current = Example(line[2:].rstrip("\n"), "", (offset + len(line), offset + len(line)))
                found.append(current)
            elif current is not None:
                current.expected += line
                current.span = (current.span[0], offset + len(line))
            offset += len(line)
    return found


def _scratch(tmp: Path) -> Path:
    project = tmp / "proj"
    project.mkdir()
    shutil.copytree(ROOT / "configs", project / "configs")
    shared = ROOT.parent / "shared"
    if shared.exists():
        (tmp / "shared").symlink_to(shared)
    return project


def run(command: str, cwd: Path) -> str:
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb", "LINES": "50"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # `nncli` is this checkout's code run by this Python, installed or not.
    script = f'nncli() {{ "{sys.executable}" -m nncli "$@"; }}\n{command}'
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    out = proc.stdout + proc.stderr
    return "".join(line.rstrip() + "\n" for line in out.splitlines())


def _available(command: str) -> bool:
    return not re.search(r"\bjq\b", command) or shutil.which("jq") is not None


SHARED_PATH = re.compile(r"\.\./shared/data/\S+")
MADE_FROM_SHARED = {"mnist_book.yaml": "configs/sample_weight.npz"}  # written by the import-weights example


def _missing_shared(command: str, cwd: Path) -> Path | None:
    """A file under ../shared/data that ``command`` reads (or needs via a config) and that is
    missing in this clone, else None."""
    needed = [Path(os.path.normpath(cwd / path)) for path in SHARED_PATH.findall(command)]
    needed += [cwd / made for config, made in MADE_FROM_SHARED.items() if config in command]
    return missing_shared(*needed)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_readme_examples_are_real_output(tmp_path, document):
    cwd = _scratch(tmp_path)
    found = examples(document.read_text(encoding="utf-8"))
    assert len(found) >= 10
    skipped: list[Path] = []
    for example in found:
        if not _available(example.command):
            continue
        missing = _missing_shared(example.command, cwd)
        if missing is not None:
            skipped.append(missing)
            continue
        assert run(example.command, cwd) == example.expected, f"{document.name} example changed: $ {example.command}"
    if skipped:  # every other example passed; say which were left out and why
        need_shared(*skipped)


def update() -> None:
    import tempfile

    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        with tempfile.TemporaryDirectory() as tmp:
            cwd = _scratch(Path(tmp))
            pieces, last = [], 0
            for example in examples(text):
                output = run(example.command, cwd) if _available(example.command) else example.expected
                pieces += [text[last : example.span[0]], output]
                last = example.span[1]
            pieces.append(text[last:])
        document.write_text("".join(pieces), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--update"]:
        update()
    else:
        sys.exit(pytest.main([__file__, "-q"]))
