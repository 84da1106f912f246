"""Safe import of pickled weights: the book's file converts exactly; a pickle that would run
code is refused before anything runs; the output .npz is written whole or not at all."""

from __future__ import annotations

import collections
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

from nncli.errors import InputError
from nncli.safepickle import import_weights, load_arrays
from tests.conftest import ROOT, SHARED_DATA, need_shared

BOOK_PKL = SHARED_DATA / "book-ch03" / "sample_weight.pkl"
BOOK_NPZ = SHARED_DATA / "book-ch03" / "sample_weight.npz"


def test_the_books_pickle_gives_the_books_arrays():
    need_shared(BOOK_PKL, BOOK_NPZ)
    arrays = load_arrays(BOOK_PKL)
    with np.load(BOOK_NPZ) as reference:
        assert sorted(arrays) == sorted(reference.files) == ["W1", "W2", "W3", "b1", "b2", "b3"]
        for key in reference.files:
            assert arrays[key].dtype == reference[key].dtype == np.float32
            assert np.array_equal(arrays[key], reference[key])
    assert arrays["W1"].shape == (784, 50) and arrays["W3"].shape == (100, 10)


def test_import_writes_a_pickle_free_npz(tmp_path):
    need_shared(BOOK_PKL, BOOK_NPZ)
    out = tmp_path / "w.npz"
    written = import_weights(BOOK_PKL, out)
    assert [(a.name, a.shape) for a in written if a.name.startswith("W")] == [
        ("W1", (784, 50)), ("W2", (50, 100)), ("W3", (100, 10))]
    with np.load(out, allow_pickle=False) as archive, np.load(BOOK_NPZ) as reference:
        for key in reference.files:
            assert np.array_equal(archive[key], reference[key]) and archive[key].dtype == np.float32
    assert not list(tmp_path.glob(".*part"))


class _RunsCode:
    """Unpickling this calls os.system: the side effect the restricted unpickler must prevent."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _WritesFile:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        import builtins

        return (builtins.exec, (f"open({self.marker!r}, 'w').write('pwned')",))


@pytest.mark.parametrize("protocol", range(0, pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize("payload", [_RunsCode, _WritesFile])
def test_a_pickle_that_would_run_code_is_refused_and_runs_nothing(tmp_path, protocol, payload):
    marker = tmp_path / "marker"
    evil = tmp_path / "sample.pkl"
    evil.write_bytes(pickle.dumps({"W1": np.ones((2, 2)), "b1": payload(str(marker))}, protocol=protocol))
    with pytest.raises(InputError) as caught:
        load_arrays(evil)
    message = str(caught.value)
    assert message.startswith(f"{evil}: refused to unpickle '")
    assert "only numpy arrays, lists and dicts are allowed" in message
    assert ("system" in message) or ("exec" in message)
    assert not marker.exists()


def test_cli_refuses_a_malicious_pickle_without_side_effects(tmp_path, nncli_process):
    marker = tmp_path / "marker"
    evil = tmp_path / "sample.pkl"
    evil.write_bytes(pickle.dumps([np.ones(3), _RunsCode(str(marker))]))
    out = tmp_path / "out.npz"
    result = nncli_process("import-weights", evil, "-o", out)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {evil}: refused to unpickle 'posix.system': only numpy arrays")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not marker.exists() and not out.exists()
    assert list(tmp_path.iterdir()) == [evil]


def test_a_failed_import_leaves_an_existing_output_untouched(tmp_path, cli):
    out = tmp_path / "w.npz"
    out.write_bytes(b"previous")
    bad = tmp_path / "bad.pkl"
    bad.write_bytes(pickle.dumps({"x": np.array([1, "a"], dtype=object)}))
    result = cli("import-weights", bad, "-o", out)
    assert result.exit_code == 1
    assert "Error: " in result.stderr and "'x' is an array of object; only numeric arrays can be imported" in result.stderr
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.pkl", "w.npz"]


@pytest.mark.parametrize("protocol", range(0, pickle.HIGHEST_PROTOCOL + 1))
def test_lists_tuples_and_ordered_dicts_of_arrays(tmp_path, protocol):
    path = tmp_path / "x.pkl"
    arrays = [np.arange(3.0), np.float32([[1, 2]]), np.asfortranarray(np.arange(4, dtype=np.uint8).reshape(2, 2))]
    path.write_bytes(pickle.dumps(arrays, protocol=protocol))
    got = load_arrays(path)
    assert list(got) == ["arr_0", "arr_1", "arr_2"]
    for a, b in zip(got.values(), arrays):
        assert np.array_equal(a, b) and a.dtype == b.dtype
    path.write_bytes(pickle.dumps(tuple(arrays), protocol=protocol))
    assert list(load_arrays(path)) == ["arr_0", "arr_1", "arr_2"]
    path.write_bytes(pickle.dumps(collections.OrderedDict(W1=arrays[0]), protocol=protocol))
    assert list(load_arrays(path)) == ["W1"]


def test_keys_that_clash_with_savez_parameters_are_plain_names(tmp_path):
    src = tmp_path / "x.pkl"
    src.write_bytes(pickle.dumps({"file": np.eye(2), "allow_pickle": np.ones(1)}))
    import_weights(src, tmp_path / "x.npz")
    with np.load(tmp_path / "x.npz") as archive:
        assert archive.files == ["file", "allow_pickle"]


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"not a pickle at all", "not a readable pickle of arrays"),
    (pickle.dumps({"a": {"b": np.eye(2)}}), "'a' is dict, not a numpy array"),
    (pickle.dumps({"a": np.array(["x", "y"])}), "'a' is an array of <U1; only numeric arrays"),
    (pickle.dumps(np.float32(3)), "holds float32, not a dict or list of arrays"),
    (pickle.dumps({}), "holds no arrays"),
    (pickle.dumps({1: np.eye(2)}), "key 1 cannot name an array"),
    (pickle.dumps({"../x": np.eye(2)}), "key '../x' cannot name an array"),
    (b"\x93NUMPY\x01\x00", "is a NumPy .npy/.npz file, not a pickle"),
])
def test_bad_pickles(tmp_path, content, message):
    path = tmp_path / "w.pkl"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        load_arrays(path)


def test_output_must_be_npz(tmp_path):
    with pytest.raises(InputError, match="the output must be an .npz file"):
        import_weights(BOOK_PKL, tmp_path / "w.npy")
    assert not (tmp_path / "w.npy").exists()


def test_no_plain_pickle_load_in_the_package():
    for path in (ROOT / "nncli").rglob("*.py"):
        text = path.read_text()
        assert "pickle.load(" not in text and "pickle.loads(" not in text, path
        assert "allow_pickle=True" not in text, path


def test_unpickling_never_imports_a_module_the_file_names(tmp_path):
    # The refusal happens before any import: a pickle naming an unimported module leaves it unimported.
    code = (
        "import pickle, sys\n"
        "from nncli.safepickle import load_arrays\n"
        "from nncli.errors import InputError\n"
        "data = b'cxml.dom.minidom\\nparseString\\n(S\"<a/>\"\\ntR.'\n"
        f"open({str(tmp_path / 'x.pkl')!r}, 'wb').write(data)\n"
        "try:\n"
        f"    load_arrays({str(tmp_path / 'x.pkl')!r})\n"
        "except InputError as err:\n"
        "    print(err)\n"
        "print('xml.dom.minidom' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "refused to unpickle 'xml.dom.minidom.parseString'" in out.stdout
    assert out.stdout.strip().endswith("False")
