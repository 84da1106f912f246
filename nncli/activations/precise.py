"""How the element-wise activations are computed to within 2 ulp: float64 block kernels and double-double.

Each public function here is ``name(a, ..., out)`` for a floating array ``a`` and picks the
route by dtype: float32 and float16 run a float64 kernel on cache-sized blocks and round once
(see ``blocks``); float64 runs the same formula, or a double-double one (see ``doubledouble``)
where float64 alone would lose bits. The formulas they compute are stated with the functions
in ``classic``, ``rectifiers``, ``gates`` and ``other``; this module is how, and why that way
(``precise_series`` has those built on series, tables and square roots: gelu, tanh_shrink, squareplus).
"""

from __future__ import annotations

import numpy as np

from nncli.activations import doubledouble as dd
from nncli.activations.blocks import DD_CHUNK, Kernel, dd_elementwise, elementwise

_TAIL_SCALE = 128  # keeps exp(a) near a = -745 out of the subnormal range in the kernels below


# --- sigmoid, softplus, log_sigmoid, silu, mish: built on exp ---------------------------


def _sigmoid_kernel(x: np.ndarray, o: np.ndarray) -> None:
    # 1/(1 + exp(-x)) is accurate (<= 1.65 ulp) on both sides; for x < -709.78 exp(-x)
    # overflows to inf and 1/inf = 0, the correct limit (the block loop allows that overflow).
    np.negative(x, out=o)
    np.exp(o, out=o)
    o += 1.0
    np.reciprocal(o, out=o)


def sigmoid_negative_dd(x: np.ndarray, scale_exp: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """sigmoid(x) * 2^scale_exp for x < 0 as a double-double: e/(1 + e), e = exp(x) from exp_dd."""
    eh, el = dd.exp_dd(np.maximum(x, -2000.0), 0.0, scale_exp)
    if scale_exp:  # the denominator needs e itself (where e is subnormal, 1 + e = 1 anyway)
        dh, dl = dd.dd_add(1.0, 0.0, np.ldexp(eh, -scale_exp), np.ldexp(el, -scale_exp))
    else:
        dh, dl = dd.dd_add(1.0, 0.0, eh, el)
    return dd.dd_div(eh, el, dh, dl)


def _sigmoid_lowp(src: np.ndarray, buf: np.ndarray, dst: np.ndarray) -> None:
    # float32 (the MNIST hot path): exp in float64 (numpy's float32 exp alone is up to 2.4 ulp off),
    # then 1 + e rounded once to float32 and a float32 reciprocal: <= 1.5 ulp in all, and
    # cheaper than a float64 division. 1 + e beyond float32's range rounds to inf, 1/inf = 0.
    np.negative(src, out=buf)
    np.exp(buf, out=buf)
    np.add(buf, 1.0, out=dst)
    np.reciprocal(dst, out=dst)


def _sigmoid_kernel64(x: np.ndarray, o: np.ndarray) -> None:
    # float64: the fast formula is within 1.5 ulp for a >= 0 but reaches 2.2 ulp for a < 0,
    # where exp's own rounding passes straight through; there e/(1 + e) goes through exp_dd.
    _sigmoid_kernel(x, o)
    neg = x < 0
    if neg.any():
        o[neg] = sigmoid_negative_dd(x[neg])[0]


def sigmoid(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """float32 (the hot path): exp(-a) in a cache-sized float64 block, 1 + exp(-a) rounded to
    float32 and a float32 reciprocal (<= 1.5 ulp; faster than the naive float32 expression on
    large arrays). float64: 1/(1 + exp(-a)) for a >= 0 (<= 1.5 ulp) and a double-double
    e/(1 + e) for a < 0 (<= 0.5 ulp)."""
    if a.dtype == np.float64:
        return elementwise(_sigmoid_kernel64, a, out, DD_CHUNK)
    return elementwise(_sigmoid_kernel, a, out, lowp=_sigmoid_lowp)


def hard_sigmoid(a: np.ndarray, alpha: float, beta: float, out: np.ndarray | None) -> np.ndarray:
    """Computed as alpha*(a + beta/alpha), with beta/alpha rounded once to a float (3 and 2.5
    exactly for the PyTorch and ONNX settings): a + 3 is exact near the kink at -3, so results
    near 0 keep their relative accuracy (alpha*a + beta would cancel there, and the rounding of
    alpha = 1/6 alone would cost 75 ulp at a = -2.99)."""
    shift = beta / alpha if alpha != 0 else 0.0
    const = min(max(beta, 0.0), 1.0)

    def kernel(x: np.ndarray, o: np.ndarray) -> None:
        if alpha == 0:  # a constant (NaN stays NaN)
            np.copyto(o, const)
            np.copyto(o, x, where=np.isnan(x))
            return
        np.add(x, shift, out=o)
        o *= alpha
        np.clip(o, 0.0, 1.0, out=o)

    return elementwise(kernel, a, out)


def _softplus_kernel(x: np.ndarray, o: np.ndarray) -> None:
    # log1p(exp(a)) is accurate (<= 1.5 ulp) where exp does not overflow; above 40,
    # softplus(a) = a + log1p(exp(-a)) rounds to a, and max(., a) returns it (elsewhere the max
    # is a no-op, since softplus(a) > a). No threshold: PyTorch's "return a above 20" is 4e5 ulp off.
    np.minimum(x, 40.0, out=o)
    np.exp(o, out=o)
    np.log1p(o, out=o)
    np.maximum(o, x, out=o)


def _softplus_beta_kernel(beta: float) -> Kernel:
    limit = 1e250 / max(beta, 1.0)

    def kernel(x: np.ndarray, o: np.ndarray) -> None:
        # softplus(beta*a)/beta: beta*a = y exactly as a double-double, softplus(y) as one too
        # (log1p(e) for y <= 0, y + log1p(e) for y > 0, e = exp(-|y|) from exp_dd), then one
        # division by beta, rounded once (<= 1 ulp; two plain roundings here reach 2.1 ulp).
        xc = np.clip(np.where(np.isnan(x), 0.0, x), -limit, limit)
        yh, yl = dd.two_prod(xc, beta)
        neg = yh <= 0
        eh, el = dd.exp_dd(np.where(neg, yh, -yh), np.where(neg, yl, -yl))
        lh = np.log1p(eh)
        ll = el / (1.0 + eh)
        sh, sl = dd.two_sum(yh, lh)
        sh, sl = dd.fast_two_sum(sh, sl + (yl + ll))
        sh = np.where(neg, lh, sh)
        sl = np.where(neg, ll, sl)
        np.copyto(o, dd.dd_div(sh, sl, beta, 0.0)[0])
        np.copyto(o, x, where=np.isnan(x) | (x > limit))  # softplus(beta*a)/beta = a up there
        np.copyto(o, 0.0, where=x < -limit)

    return kernel


def softplus(a: np.ndarray, beta: float, out: np.ndarray | None) -> np.ndarray:
    """log1p(exp(min(a, 40))), then the max with a; beta != 1 in double-double."""
    if beta == 1.0:
        return elementwise(_softplus_kernel, a, out)
    return dd_elementwise(_softplus_beta_kernel(beta), a, out)


def _log_sigmoid_kernel(x: np.ndarray, o: np.ndarray) -> None:
    _softplus_kernel(-x, o)
    np.negative(o, out=o)


def log_sigmoid(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """-softplus(-a), never the log of a rounded sigmoid (-inf below -745)."""
    return elementwise(_log_sigmoid_kernel, a, out)


def _silu_kernel(x: np.ndarray, o: np.ndarray) -> None:
    # a / (1 + exp(-a)): one division fewer than a*sigmoid(a) (<= 1.65 ulp). a is floored at
    # -1e300 so that silu(-inf) is -1e300/inf = -0.0, the limit, instead of -inf/inf = NaN.
    xc = np.maximum(x, -1e300)
    np.negative(xc, out=o)
    np.exp(o, out=o)
    o += 1.0
    np.divide(xc, o, out=o)


def _silu_kernel64(x: np.ndarray, o: np.ndarray) -> None:
    # float64, a < 0: a * e/(1 + e) in double-double, scaled so that a*e stays normal down to
    # a = -745 (silu(-715) = -2.6e-308 is still a normal number; exp(-a) overflowed long before).
    _silu_kernel(x, o)
    neg = (x < 0) & (x > -1e300)
    if neg.any():
        xn = x[neg]
        sh, sl = sigmoid_negative_dd(xn, _TAIL_SCALE)
        p, e = dd.two_prod(xn, sh)
        o[neg] = np.ldexp(p + (e + xn * sl), -_TAIL_SCALE)


def silu(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """float32: the plain formula in float64 blocks; float64: double-double for a < 0 (as sigmoid)."""
    if a.dtype == np.float64:
        return elementwise(_silu_kernel64, a, out, DD_CHUNK)
    return elementwise(_silu_kernel, a, out)


def _mish_kernel64(x: np.ndarray, o: np.ndarray) -> None:
    # tanh(softplus(a)) = n/(n + 2) with n = e(e + 2), e = exp(a) (a <= 0), or
    # (1 + 2t)/(1 + 2t + 2t^2) with t = exp(-a) (a > 0); all in double-double, rounded once.
    xc = np.clip(x, -800.0, 800.0)
    nan = np.isnan(xc)
    if nan.any():
        xc = np.where(nan, 0.0, xc)
    th, tl = dd.exp_dd(-np.abs(xc))
    neg = xc <= 0
    t2h, t2l = dd.dd_mul(th, tl, th, tl)
    bh = np.where(neg, t2h, 1.0)
    bl = np.where(neg, t2l, 0.0)
    nh, nl = dd.dd_add(2.0 * th, 2.0 * tl, bh, bl)
    ch = np.where(neg, 2.0, 2.0 * t2h)
    cl = np.where(neg, 0.0, 2.0 * t2l)
    dh, dl = dd.dd_add(nh, nl, ch, cl)
    qh, ql = dd.dd_div(nh, nl, dh, dl)
    p, e = dd.two_prod(xc, qh)
    np.copyto(o, p + (e + xc * ql))
    far = xc < -600.0
    if far.any():
        # e^a is subnormal below -708, but a*e^a stays normal down to -745: there
        # tanh(softplus(a)) = e^a to double precision, and a*e^a is formed at a 2^128 scale
        xf = xc[far]
        fh, fl = dd.exp_dd(xf, 0.0, _TAIL_SCALE)
        p, e = dd.two_prod(xf, fh)
        o[far] = np.ldexp(p + (e + xf * fl), -_TAIL_SCALE)
    np.copyto(o, x, where=(x > 800.0) | nan)
    np.copyto(o, -0.0, where=x < -800.0)


def _mish_kernel32(x: np.ndarray, o: np.ndarray) -> None:
    xc = np.maximum(x, -1e300)  # mish(-inf) = -1e300 * tanh(0) = -0.0
    _softplus_kernel(xc, o)
    np.tanh(o, out=o)
    o *= xc


def mish(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """float32: a*tanh(softplus(a)) in float64 blocks; float64: tanh(softplus(a)) as a rational
    function of exp(-|a|) in double-double."""
    if a.dtype == np.float64:
        return dd_elementwise(_mish_kernel64, a, out)
    return elementwise(_mish_kernel32, a, out)


def elu(a: np.ndarray, alpha: float, scale: float, inner: float, out: np.ndarray | None) -> np.ndarray:
    """a > 0: scale*a; else scale*alpha*expm1(a/inner) (elu, selu and celu). expm1, never
    exp(a) - 1 (which gives 0 for a = -1e-8); min(a, 0) keeps expm1 from overflowing on the
    branch not taken."""
    neg_coef = scale * alpha

    def kernel(x: np.ndarray, o: np.ndarray) -> None:
        np.minimum(x, 0.0, out=o)
        if inner != 1.0:
            o /= inner
        np.expm1(o, out=o)
        if neg_coef != 1.0:
            o *= neg_coef
        pos = x > 0
        if scale == 1.0:
            np.copyto(o, x, where=pos)
        else:
            np.multiply(x, scale, out=o, where=pos)

    return elementwise(kernel, a, out)


def _exp_kernel(x: np.ndarray, o: np.ndarray) -> None:
    np.exp(x, out=o)  # overflow to inf above 709.78 is the correct IEEE result


def exponential(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """exp in float64 blocks (numpy's float32 exp is up to 2.4 ulp off)."""
    return elementwise(_exp_kernel, a, out)


# --- piecewise polynomials: one rounding of a float64 formula -------------------------


def _hard_silu_kernel(x: np.ndarray, o: np.ndarray) -> None:
    # a(a + 3)/6 on (-3, 3): for float32 input a(a + 3) is exact in float64, so one rounding
    xc = np.clip(x, -3.0, 3.0)
    np.add(xc, 3.0, out=o)
    o *= xc
    o /= 6.0
    np.copyto(o, x, where=x > 3)


def hard_silu(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """a(a + 3)/6 between -3 and 3, clipped outside."""
    return elementwise(_hard_silu_kernel, a, out)


def _sparse_plus_kernel(x: np.ndarray, o: np.ndarray) -> None:
    xc = np.clip(x, -1.0, 1.0)
    np.add(xc, 1.0, out=o)
    np.multiply(o, o, out=o)
    o *= 0.25
    np.copyto(o, x, where=x > 1)


def sparse_plus(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """(a + 1)^2/4 between -1 and 1, clipped outside."""
    return elementwise(_sparse_plus_kernel, a, out)


def _softsign_kernel(x: np.ndarray, o: np.ndarray) -> None:
    xc = np.clip(x, -1e300, 1e300)  # 1 + 1e300 = 1e300, so ±inf give ±1, not inf/inf
    np.abs(xc, out=o)
    o += 1.0
    np.divide(xc, o, out=o)


def softsign(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """a / (1 + |a|) with a clamped to ±1e300 (±inf give ±1)."""
    return elementwise(_softsign_kernel, a, out)
