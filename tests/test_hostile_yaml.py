"""Hostile configs (issue 9, item 1): nested aliases, deep nesting, huge files, devices and pipes.

Each is refused with exit 1 and one line naming the place, before anything is expanded or
read whole. The subprocess timeout (120 s in nncli_process) is what catches a hang; the
checks themselves take well under a second.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from nncli.errors import ConfigError
from nncli.yamlstrict import MAX_CONFIG_BYTES, MAX_DEPTH, MAX_VALUES, parse

LAYER = "layers:\n  - activation: sigmoid\n    weights: [[0.1, 0.2]]\n    bias: [0.1, 0.2]\n"


def laughs(levels: int = 9, width: int = 9, indent: str = "") -> str:
    """The "billion laughs" anchors: level k lists level k-1 ``width`` times (452 bytes for 9 x 9)."""
    lines = [f"{indent}a0: &a0 [{', '.join(['lol'] * width)}]"]
    for k in range(1, levels):
        lines.append(f"{indent}a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("where", ["inputs", "weights", "unknown", "description"])
def test_billion_laughs_is_refused_before_expansion(where, write, nncli_process):
    if where == "inputs":
        text = LAYER + "inputs:\n" + laughs(indent="  ")
    elif where == "weights":
        text = "layers:\n  - activation: sigmoid\n    bias: [0.1]\n    weights:\n" + laughs(indent="      ")
    elif where == "unknown":
        text = LAYER + "surprise:\n" + laughs(indent="  ")
    else:
        text = LAYER + "description:\n" + laughs(indent="  ")
    path = write("laughs.yaml", text)
    for command in ("validate", "forward"):
        result = nncli_process(command, path)
        assert result.exit_code == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert f"laughs.yaml:" in lines[0] and f"expands to more than {MAX_VALUES:,} values" in lines[0]


def test_aliases_within_the_limit_are_shared_not_copied():
    root = parse("a: &w [[1, 2], [3, 4]]\nb: *w\nc: *w\n", "f.yaml")
    assert root.value["b"] is root.value["a"]
    assert root.plain()["c"] == [[1, 2], [3, 4]]


def test_an_alias_counts_what_it_brings_in():
    text = "a: &a [" + ", ".join(["1"] * 1000) + "]\n" + "".join(f"b{i}: *a\n" for i in range(MAX_VALUES // 1000 + 1))
    with pytest.raises(ConfigError, match=r"^f.yaml:\d+:\d+: YAML document expands to more than .* \(alias \*a brings in 1,001\)"):
        parse(text, "f.yaml")


def test_a_document_with_too_many_values_is_refused():
    text = "a: [" + ",".join(["0"] * (MAX_VALUES + 1)) + "]\n"
    with pytest.raises(ConfigError, match=r"^f.yaml:1:\d+: YAML document has more than 200,000 values"):
        parse(text, "f.yaml")


@pytest.mark.parametrize("text, line", [
    ("a: " + "[" * 100_000 + "]" * 100_000 + "\n", 1),
    ("a: " + "{b: " * 1000 + "1" + "}" * 1000 + "\n", 1),
    ("a:\n" + "".join(" " * (2 * i) + "- \n" for i in range(1, 1200)), MAX_DEPTH + 1),
    ("x: 1\na: " + "[" * 300 + "]" * 300 + "\n", 2),
])
def test_deep_nesting_names_the_line(text, line):
    with pytest.raises(ConfigError) as err:
        parse(text, "f.yaml")
    message = str(err.value)
    assert message.startswith(f"f.yaml:{line}:") and f"nested more than {MAX_DEPTH} levels deep" in message
    assert "recursive" not in message


def test_an_alias_nesting_too_deep_is_refused():
    deep = "[" * 40 + "]" * 40
    with pytest.raises(ConfigError, match=r"^f.yaml:2:\d+: YAML nested more than 64 levels"):
        parse(f"a: &a {deep}\nb: {'[' * 30}*a{']' * 30}\n", "f.yaml")


def test_deep_nesting_in_a_config_exits_1(write, nncli_process):
    path = write("deep.yaml", LAYER + "inputs:\n  x: " + "[" * 5000 + "]" * 5000 + "\n")
    result = nncli_process("validate", path)
    assert result.exit_code == 1 and "RecursionError" not in result.stderr
    assert result.stderr.strip().startswith(f"Error: {path}:6:") and result.stderr.count("\n") == 1


def test_a_config_over_the_size_limit_is_refused_before_parsing(tmp_path, nncli_process):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as handle:
        handle.write(LAYER.encode())
        handle.truncate(MAX_CONFIG_BYTES + 1)  # sparse: no disk used
    result = nncli_process("validate", path)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {path}: config file is 8 MiB, over the limit of 8 MiB (put large weights in .npy/.npz files)"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_as_a_config_is_read_up_to_the_limit(nncli_process):
    result = nncli_process("validate", "/dev/zero")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: /dev/zero: config file is not a regular file and sends more than 8 MiB, the limit for a config"


@pytest.mark.skipif(sys.platform == "win32", reason="needs a FIFO")
def test_a_config_from_a_pipe_is_read(tmp_path, nncli_process):
    fifo = tmp_path / "net.fifo"
    os.mkfifo(fifo)
    # A process writes the FIFO while nncli reads it, as `nncli validate <(cat net.yaml)` does.
    writer = subprocess.Popen(["sh", "-c", 'printf "%s" "$1" > "$2"', "sh", LAYER, str(fifo)])
    result = nncli_process("validate", fifo)
    writer.wait(timeout=60)
    assert result.exit_code == 0, result.stderr


def test_a_syntax_error_at_the_end_of_a_large_file_is_quick(write, nncli_process):
    # 199,000 values then a stray bracket: only libyaml reads it (the pure-Python parser,
    # used for small files' messages, would take ~14 s here).
    path = write("late.yaml", "a: [" + ",".join(["0"] * 199_000) + "]]\n")
    result = nncli_process("validate", path)
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {path}:1:") and "YAML syntax error" in result.stderr
