"""Generate ``golden_activations.json``: every activation at a = -3, -1, -0.5, 0, 0.5, 1, 3, from mpmath.

    python tests/gen_golden.py            # rewrite the file
    python tests/gen_golden.py --check    # exit 1 if the committed file differs

The values come from the definitions in ``mpref.py`` evaluated with 50 significant digits,
never from nncli. Element-wise functions (and a few non-default parameter settings where
the frameworks differ) are evaluated at each point; row-wise functions take the seven
points as one row; grouping functions are evaluated on the pairs (a, a) (glu: a*sigmoid(a),
maxout: a) and on the row (a_1, ..., a_7, 0) (glu: first four values gated by the rest).
Each value is stored as a decimal string with 25 significant digits.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import mpmath as mp

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mpref  # noqa: E402

POINTS = ("-3", "-1", "-0.5", "0", "0.5", "1", "3")
PATH = Path(__file__).resolve().parent / "golden_activations.json"
DIGITS = 25

# (key in the file, activation name, parameters for nncli, mpmath definition)
VARIANTS = (
    ("gelu(approximate=tanh)", "gelu", {"approximate": "tanh"}, mpref.SCALAR["gelu_tanh"]),
    ("leaky_relu(negative_slope=0.2)", "leaky_relu", {"negative_slope": 0.2},
     lambda x: x if x > 0 else x * mp.mpf(0.2)),
    ("hard_sigmoid(alpha=0.2)", "hard_sigmoid", {"alpha": 0.2},
     lambda x: min(max(x * mp.mpf(0.2) + mp.mpf(1) / 2, 0), 1)),
    ("elu(alpha=0.5)", "elu", {"alpha": 0.5}, lambda x: x if x > 0 else mp.mpf(0.5) * mp.expm1(x)),
    ("celu(alpha=2)", "celu", {"alpha": 2.0}, lambda x: x if x > 0 else 2 * mp.expm1(x / 2)),
    ("softplus(beta=2)", "softplus", {"beta": 2.0}, lambda x: mp.log1p(mp.exp(2 * x)) / 2),
    ("squareplus(b=1)", "squareplus", {"b": 1.0}, lambda x: (x + mp.sqrt(x * x + 1)) / 2),
    ("threshold(threshold=0.5, value=-1)", "threshold", {"threshold": 0.5, "value": -1.0},
     lambda x: x if x > mp.mpf(0.5) else mp.mpf(-1)),
)


def _row_functions() -> dict:
    def softmax(xs):
        e = [mp.exp(x) for x in xs]
        s = mp.fsum(e)
        return [v / s for v in e]

    def log_softmax(xs):
        lse = mp.log(mp.fsum(mp.exp(x) for x in xs))
        return [x - lse for x in xs]

    def sparsemax(xs):
        # the Euclidean projection onto the simplex, by bisection on tau (independent of sorting)
        lo, hi = min(xs) - 1, max(xs)
        for _ in range(200):
            tau = (lo + hi) / 2
            if mp.fsum(max(x - tau, 0) for x in xs) > 1:
                lo = tau
            else:
                hi = tau
        tau = (lo + hi) / 2
        return [max(x - tau, 0) for x in xs]

    def hardmax(xs):
        top = xs.index(max(xs))
        return [mp.mpf(1 if i == top else 0) for i in range(len(xs))]

    return {
        "softmax": softmax,
        "log_softmax": log_softmax,
        "softmin": lambda xs: softmax([-x for x in xs]),
        "sparsemax": sparsemax,
        "hardmax": hardmax,
    }


def generate() -> dict:
    with mp.workdps(50):
        xs = [mp.mpf(p) for p in POINTS]
        s = lambda v: mp.nstr(v, DIGITS, strip_zeros=False)  # noqa: E731
        elementwise = {name: [s(f(x)) for x in xs] for name, f in mpref.SCALAR.items() if name != "gelu_tanh"}
        variants = {key: {"name": name, "params": params, "values": [s(f(x)) for x in xs]}
                    for key, name, params, f in VARIANTS}
        rows = {name: [s(v) for v in f(xs)] for name, f in _row_functions().items()}
        sig = lambda v: 1 / (1 + mp.exp(-v))  # noqa: E731
        row8 = xs + [mp.mpf(0)]
        grouping = {
            "glu_pairs": [s(x * sig(x)) for x in xs],
            "maxout_pairs": [s(x) for x in xs],
            "glu_row": [s(row8[i] * sig(row8[i + 4])) for i in range(4)],
            "maxout_row": [s(max(row8[2 * i], row8[2 * i + 1])) for i in range(4)],
        }
    return {
        "about": "nncli activations at the points below, from mpmath with 50 digits (tests/gen_golden.py)",
        "points": list(POINTS),
        "elementwise": elementwise,
        "variants": variants,
        "rowwise": rows,
        "grouping": grouping,
    }


def main(argv: list[str]) -> int:
    text = json.dumps(generate(), indent=1) + "\n"
    if "--check" in argv:
        same = PATH.exists() and PATH.read_text(encoding="utf-8") == text
        print("golden file is up to date" if same else f"{PATH} differs from a fresh computation")
        return 0 if same else 1
    PATH.write_text(text, encoding="utf-8")
    print(f"wrote {PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
