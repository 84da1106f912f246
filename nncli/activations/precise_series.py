"""How gelu, tanh_shrink and squareplus are computed: kernels built on tables, series and square roots.

As in ``precise``: each public function picks the route by dtype, float32 through float64
blocks rounded once, float64 through double-double where float64 alone would lose bits.
"""

from __future__ import annotations

import math

import numpy as np

from nncli.activations import doubledouble as dd
from nncli.activations.blocks import Kernel, dd_elementwise, elementwise

# --- gelu: the normal distribution's CDF -----------------------------------------------------------------------------

_GELU_SCALE = 256  # keeps Phi(a) ~ 1e-309 near a = -37.6 out of the subnormal range
GELU_TANH_K = 0.044715
GELU_TANH_C = math.sqrt(2 / math.pi)


def _gelu_exact_kernel64(x: np.ndarray, o: np.ndarray) -> None:
    # a*Phi(a) with Phi as a double-double (see doubledouble.normal_cdf_dd): erfc(-a/sqrt 2)
    # in float64 is up to 9 ulp off, and the rounding of a/sqrt 2 alone costs ~700 ulp at -37.
    xc = np.clip(x, -40.0, 40.0)
    nan = np.isnan(xc)
    if nan.any():
        xc = np.where(nan, 0.0, xc)
    ph, pl = dd.normal_cdf_dd(xc, _GELU_SCALE)
    p, e = dd.two_prod(xc, ph)
    r = p + (e + xc * pl)
    np.copyto(o, np.where(xc < 0, np.ldexp(r, -_GELU_SCALE), r))
    np.copyto(o, x, where=(x > 40.0) | nan)
    np.copyto(o, -0.0, where=x < -40.0)


def _gelu_exact_kernel32(x: np.ndarray, o: np.ndarray) -> None:
    # float32 (and float16) via float64: a*Phi(a) = max(a, 0) - |a| Q(|a|), one expression for
    # both signs, with Q = 1 - Phi from doubledouble.normal_tail (relative error < 1e-10; a*a is
    # exact for float32 a), rounded once: <= 0.5 ulp (+ 2e-3). Never 1 + erf(...) (0 instead of
    # -7.6e-23 at -10). NaN is computed as 0 and put back; beyond ±40, h = a or -0.
    xc = np.clip(x, -40.0, 40.0)
    nan = np.isnan(xc)
    if nan.any():
        xc[nan] = 0.0
    a = np.abs(xc)
    q = dd.normal_tail(a)
    q *= a
    np.maximum(xc, 0.0, out=o)
    o -= q
    np.copysign(o, xc, out=o)  # h has a's sign: -0.0 where a < 0 and the product underflows
    if nan.any() or a.max() >= 40.0:
        np.copyto(o, x, where=(x > 40.0) | nan)
        np.copyto(o, -0.0, where=x < -40.0)


def _gelu_tanh_kernel64(x: np.ndarray, o: np.ndarray) -> None:
    # a*sigmoid(2u), 2u = 2 sqrt(2/pi) (a + 0.044715 a^3) in double-double: in the left tail
    # sigmoid(2u) ~ exp(2u) magnifies 2u's rounding by |2u| (~600 at a = -20).
    (kh, kl), (ch, cl) = dd.gelu_tanh_consts()
    xc = np.clip(x, -30.0, 30.0)
    nan = np.isnan(xc)
    if nan.any():
        xc = np.where(nan, 0.0, xc)
    sh, sl = dd.two_prod(xc, xc)
    x3h, x3l = dd.dd_mul(sh, sl, xc, 0.0)
    th, tl = dd.dd_mul(x3h, x3l, kh, kl)
    wh, wl = dd.dd_add(xc, 0.0, th, tl)
    vh, vl = dd.dd_mul(wh, wl, ch, cl)  # 2u, same sign as a
    neg = xc < 0
    eh, el = dd.exp_dd(-np.abs(vh), np.where(neg, vl, -vl))  # exp(-|2u|)
    dh, dl = dd.dd_add(1.0, 0.0, eh, el)
    nh = np.where(neg, eh, 1.0)
    nl = np.where(neg, el, 0.0)
    qh, ql = dd.dd_div(nh, nl, dh, dl)  # sigmoid(2u)
    p, e = dd.two_prod(xc, qh)
    np.copyto(o, p + (e + xc * ql))
    np.copyto(o, x, where=(x > 30.0) | nan)
    np.copyto(o, -0.0, where=x < -30.0)


def _gelu_tanh_kernel32(x: np.ndarray, o: np.ndarray) -> None:
    # float32 via float64: a / (1 + exp(-2u)); |a| <= 30 keeps a^3 finite (beyond, h = a or -0)
    xc = np.clip(x, -30.0, 30.0)
    np.multiply(xc, xc, out=o)
    o *= GELU_TANH_K
    o += 1.0
    o *= xc
    o *= -2 * GELU_TANH_C
    np.exp(o, out=o)
    o += 1.0
    np.divide(xc, o, out=o)
    np.copyto(o, x, where=x > 30.0)
    np.copyto(o, -0.0, where=x < -30.0)


def gelu(a: np.ndarray, approximate: str, out: np.ndarray | None) -> np.ndarray:
    """float64: double-double (~150 ns per value); float32: float64 blocks, rounded once."""
    exact = approximate == "none"
    if a.dtype == np.float64:
        return dd_elementwise(_gelu_exact_kernel64 if exact else _gelu_tanh_kernel64, a, out)
    if exact:  # a dozen temporaries: blocks of 16384 values keep them in the cache
        return dd_elementwise(_gelu_exact_kernel32, a, out)
    return elementwise(_gelu_tanh_kernel32, a, out)


# --- tanh_shrink: tanh's Taylor series ---------------------------------------------

_TANH_SHRINK_SERIES = 0.6  # below this |a|, x - tanh(x) comes from its Taylor series


def _tanh_shrink_kernel64(x: np.ndarray, o: np.ndarray) -> None:
    # float64: x - tanh(x) cancels (1 - tanh(x)/x -> 0 near 0), so both branches work in
    # double-double. |a| < 0.6: a^3 (1/3 - 2a^2/15 + a^4 q(a^2)), the leading terms exact;
    # else |a| - (1 - t)/(1 + t) with t = exp(-2|a|) from exp_dd.
    (c0h, c0l), (c1h, c1l), tail = dd.tanh_series()
    ax = np.abs(x)
    ax = np.where(np.isnan(ax), 0.0, np.minimum(ax, 1e300))  # inf - 1 inside two_sum would be NaN
    sign = np.where(x < 0, -1.0, 1.0)
    # series branch (for every element; cheap, and where'd below)
    s = np.minimum(ax, _TANH_SHRINK_SERIES)
    u, ul = dd.two_prod(s, s)
    q = tail[-1] * np.ones_like(u)
    for c in tail[-2::-1]:
        q = q * u + c
    p1h, p1l = dd.dd_mul(u, ul, c1h, c1l)
    ph, pl = dd.dd_add(c0h, c0l, p1h, p1l)
    ph, pl = dd.dd_add(ph, pl, (u * u) * q, 0.0)
    x3h, x3l = dd.dd_mul(u, ul, s, 0.0)
    series, _ = dd.dd_mul(x3h, x3l, ph, pl)
    # exp branch
    big = np.maximum(ax, _TANH_SHRINK_SERIES)
    th, tl = dd.exp_dd(-2.0 * np.minimum(big, 400.0))
    nh, nl = dd.dd_add(1.0, 0.0, -th, -tl)
    dh, dl = dd.dd_add(1.0, 0.0, th, tl)
    qh, ql = dd.dd_div(nh, nl, dh, dl)
    far, _ = dd.dd_add(big, 0.0, -qh, -ql)
    np.multiply(sign, np.where(ax < _TANH_SHRINK_SERIES, series, far), out=o)
    np.copyto(o, x, where=np.isnan(x) | np.isinf(x))


def _tanh_shrink_kernel32(x: np.ndarray, o: np.ndarray) -> None:
    # float32 via float64: the float64 cancellation (<= 9 float64 ulp) is far below float32's ulp
    (c0h, _), (c1h, _), tail = dd.tanh_series()
    ax = np.abs(x)
    s = np.minimum(ax, _TANH_SHRINK_SERIES)
    u = s * s
    q = tail[-1] * np.ones_like(u)
    for c in tail[-2::-1]:
        q = q * u + c
    series = s * u * (c0h + u * (c1h + u * q))
    np.subtract(x, np.tanh(x), out=o)
    small = ax < _TANH_SHRINK_SERIES
    np.copyto(o, np.copysign(series, x), where=small)


def tanh_shrink(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """a - tanh(a) from its Taylor series below |a| = 0.6; double-double in float64."""
    if a.dtype == np.float64:
        return dd_elementwise(_tanh_shrink_kernel64, a, out)
    return elementwise(_tanh_shrink_kernel32, a, out)


# --- squareplus: a square root refined to double-double ------------------------------


def _squareplus_kernel(b: float) -> Kernel:
    root_b = math.sqrt(b)
    half_b = b / 2

    def kernel(x: np.ndarray, o: np.ndarray) -> None:
        # sqrt(a^2 + b) as hypot(a, sqrt b): no overflow of a^2; for a < 0 the sum a + sqrt(...)
        # cancels, so use (b/2) / (sqrt(a^2 + b) - a) there. ±inf are clamped to ±1e300
        # (-inf + inf would be NaN) and set to their limits at the end.
        xc = np.clip(x, -1e300, 1e300)
        s = np.hypot(xc, root_b)
        np.add(xc, s, out=o)
        o *= 0.5
        neg = xc < 0
        if neg.any():
            o[neg] = half_b / (s[neg] - xc[neg])
        np.copyto(o, x, where=x == np.inf)
        np.copyto(o, 0.0, where=x == -np.inf)

    return kernel


def _squareplus_kernel64(b: float) -> Kernel:
    root_b = math.sqrt(b)

    def kernel(x: np.ndarray, o: np.ndarray) -> None:
        # float64: s = sqrt(a^2 + b) refined to a double-double with one Newton step on the
        # exact residual a^2 + b - s^2, then (a + s)/2 or (b/2)/(s - a) rounded once.
        xc = np.clip(np.where(np.isnan(x), 0.0, x), -1e150, 1e150)  # a^2 must stay finite
        s = np.hypot(xc, root_b)
        a2h, a2l = dd.two_prod(xc, xc)
        rh, rl = dd.dd_add(a2h, a2l, b, 0.0)
        s2h, s2l = dd.two_prod(s, s)
        resid = ((rh - s2h) - s2l) + rl  # (a^2 + b) - s^2, tiny
        sh, sl = dd.fast_two_sum(s, resid / (2.0 * s))
        neg = xc < 0
        ph, pl = dd.dd_add(sh, sl, np.abs(xc), 0.0)  # s + |a|
        qh, _ = dd.dd_div(np.full_like(xc, b / 2), np.zeros_like(xc), ph, pl)
        np.copyto(o, np.where(neg, qh, 0.5 * ph))
        big = np.abs(x) > 1e150  # beyond, the plain formula is exact enough: a, or b/(4|a|)
        if big.any():
            plain = np.empty_like(x)
            _squareplus_kernel(b)(x, plain)
            np.copyto(o, plain, where=big)
        np.copyto(o, x, where=np.isnan(x))

    return kernel


def _squareplus_b0_kernel(x: np.ndarray, o: np.ndarray) -> None:
    # b = 0: (a + sqrt(a^2))/2 = (a + |a|)/2 = max(a, 0) exactly, relu (0 at a = 0 and a = -0, not
    # the 0/0 of the formulas above); NaN stays NaN.
    np.copyto(o, np.where(x > 0, x, 0.0))
    np.copyto(o, x, where=np.isnan(x))


def squareplus(a: np.ndarray, b: float, out: np.ndarray | None) -> np.ndarray:
    """(a + sqrt(a^2 + b))/2 for a >= 0, (b/2)/(sqrt(a^2 + b) - a) below (no cancellation);
    for b = 0, (a + |a|)/2 = max(a, 0) (relu)."""
    if b == 0:
        return elementwise(_squareplus_b0_kernel, a, out)
    if a.dtype == np.float64 and b <= 1e300:  # beyond, the double-double square s^2 ~ b would overflow
        return dd_elementwise(_squareplus_kernel64(b), a, out)
    return elementwise(_squareplus_kernel(b), a, out)
