"""Input rows from files and pipes, read in batches: CSV/TSV, NPY, NPZ, JSON, JSON Lines and IDX (MNIST).

One sample is one row of numbers, as in the book: a (rows, width) matrix X. Every reader
yields X in batches of at most ``batch_size`` rows, so memory stays bounded whatever the
size of the file (except ``.json``, which is one JSON document and is read whole):

    with open_inputs("t10k-images-idx3-ubyte.gz") as source:   # any format; "-" is stdin
        source.check_width(784, "mnist_book")
        for X in source.batches(8192, rows=parse_rows_spec("0:1000")):
            ...                                                 # X: (<= 8192, 784) uint8

Batches keep the file's own numbers: uint8 for MNIST's IDX, the stored dtype for NPY/NPZ,
float64 for text. Conversion to the network's dtype and ``divide_by`` belong to the
network (``Network.prepare`` for ``forward``, the tiled path of ``Network.predict_batches``).

Rows are numbered from 0 (``rows`` selects like a Python slice); text formats report
problems by file line and column, as editors show them. Every problem is an InputError;
nothing is ever unpickled (object arrays are refused).

The package, by concern:

- ``inputs``: ``open_inputs``, format from the name or the first bytes;
- ``source``: ``InputSource`` (batches, row selection, width check) and ``from_array``;
- ``streams``: the byte streams under the readers (peekable, gzip, zip member);
- ``binary``: .npy, .npz, IDX;  ``text``: CSV/TSV, JSON, JSON Lines;
- ``labels``: ``read_labels`` for ``nncli evaluate``;
- ``files``: ``open_user_file``, the checks every file the user names goes through.

The ``--rows``/``--index`` grammar lives in ``nncli.rows`` (re-exported here).
"""

from __future__ import annotations

from nncli.data.files import open_user_file
from nncli.data.inputs import FORMATS, STDIN, STDIN_NAME, format_from_name, open_inputs
from nncli.data.labels import read_labels
from nncli.data.source import DEFAULT_BATCH_SIZE, InputSource, from_array
from nncli.rows import index_rows, parse_rows_spec

__all__ = [
    "DEFAULT_BATCH_SIZE", "FORMATS", "STDIN", "STDIN_NAME", "InputSource", "format_from_name", "from_array",
    "index_rows", "open_inputs", "open_user_file", "parse_rows_spec", "read_labels",
]
