"""Double-double arithmetic: error-free sums and products, exp, the normal distribution's tail, tanh's series.

Where a float64 formula would lose bits (the left tail of GELU, where the rounding of
``x/sqrt(2)`` is magnified ~700x; ``x - tanh(x)`` near 0; mish), the value is carried as an
unevaluated sum ``hi + lo`` of two floats (~106 bits) and rounded once at the end
(Dekker 1971; Knuth, TAOCP vol. 2, 4.2.2).

NumPy has no fused multiply-add, so ``two_prod`` uses Veltkamp's splitting (valid for
|a| < 2^996; callers clamp their inputs far below that). Every function here is written so
that no RuntimeWarning can arise for finite inputs; the callers deal with inf and NaN.

Constants that need more than 53 bits (2^(j/32), ln2/32, 1/sqrt(2*pi), the Taylor tables of
the normal distribution's Mills ratio, tanh's series) are computed once, on first use, with the
standard library's ``decimal`` module, whose exp, ln, sqrt and power are correctly rounded.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal, localcontext
from typing import Union

import numpy as np

Num = Union[np.ndarray, float]  # an array or a scalar, in the double-double helpers


# --- error-free transformations and double-double arithmetic --------------------------

_SPLITTER = 134217729.0  # 2^27 + 1 (Veltkamp)


def two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(s, e) with s = fl(a + b) and s + e = a + b exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def fast_two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(s, e) with s + e = a + b exactly, provided |a| >= |b| or a = 0 (Dekker)."""
    s = a + b
    return s, b - (s - a)


def split(a: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """(hi, lo) with hi + lo = a, each with at most 26 significant bits (Veltkamp)."""
    c = _SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(p, e) with p = fl(a*b) and p + e = a*b exactly (Dekker), for |a|, |b| < 2^996."""
    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def dd_add(ah: Num, al: Num, bh: Num, bl: Num) -> tuple[np.ndarray, np.ndarray]:
    """(ah + al) + (bh + bl) as a normalised double-double."""
    s, e = two_sum(ah, bh)
    return fast_two_sum(s, e + (al + bl))


def dd_mul(ah: Num, al: Num, bh: Num, bl: Num) -> tuple[np.ndarray, np.ndarray]:
    """(ah + al)(bh + bl) as a normalised double-double (relative error < 2^-100)."""
    p, e = two_prod(ah, bh)
    return fast_two_sum(p, e + (ah * bl + al * bh))


def dd_div(ah: Num, al: Num, bh: Num, bl: Num) -> tuple[np.ndarray, np.ndarray]:
    """(ah + al)/(bh + bl) as a normalised double-double: one correction step of the quotient."""
    q1 = ah / bh
    p, e = two_prod(q1, bh)
    r = (((ah - p) - e) + al) - q1 * bl
    return fast_two_sum(q1, r / bh)


def dd_row_sum(h: np.ndarray, l: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The sums of the rows of ``h`` (+ ``l``) as double-doubles (rows, 1), relative error ~2^-100.

    A pairwise tree of two_sums: each level adds neighbouring columns exactly, keeping the
    rounding errors, which are summed (they are 2^-53 of the total, so their own rounding
    does not matter) and added back at the end.
    """
    h = np.asarray(h, dtype=np.float64)
    err = np.zeros((h.shape[0], 1)) if l is None else np.sum(l, axis=1, keepdims=True)
    while h.shape[1] > 1:
        if h.shape[1] % 2:
            h = np.concatenate([h, np.zeros((h.shape[0], 1))], axis=1)
        h, e = two_sum(h[:, 0::2], h[:, 1::2])
        err = err + np.sum(e, axis=1, keepdims=True)
    return fast_two_sum(h, err)


# --- constants with more than 53 bits -------------------------------------------------

_PI_DIGITS = "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899"


def dd_const(value: Decimal) -> tuple[float, float]:
    """A decimal value as a double-double (hi, lo)."""
    hi = float(value)
    return hi, float(value - Decimal(hi))


# The tables below are what compute_exp_tables() gives (50-digit decimal arithmetic), written
# out so that no process pays for computing them; tests/test_precise.py checks they match.
_LN2_32_HI = 0.021660849392446835
_LN2_32_LO = 5.145609244655338e-14
_INV_LN2_32 = 46.16624130844683
_EXP2_J32_HI = (1.0, 1.0218971486541166, 1.0442737824274138, 1.0671404006768237, 1.0905077326652577, 1.1143867425958924, 1.1387886347566916, 1.1637248587775775, 1.189207115002721, 1.215247359980469, 1.241857812073484, 1.2690509571917332, 1.2968395546510096, 1.3252366431597413, 1.3542555469368927, 1.383909881963832, 1.4142135623730951, 1.4451808069770467, 1.4768261459394993, 1.5091644275934228, 1.5422108254079407, 1.5759808451078865, 1.6104903319492543, 1.645755478153965, 1.681792830507429, 1.718619298122478, 1.7562521603732995, 1.7947090750031072, 1.8340080864093424, 1.8741676341103, 1.9152065613971474, 1.9571441241754002)
_EXP2_J32_LO = (0.0, 5.109225028973444e-17, 8.551889705537965e-17, -7.899853966841582e-17, -3.046782079812471e-17, 1.0410278456845571e-16, 8.912812676025408e-17, 3.8292048369240935e-17, 3.982015231465646e-17, -7.712630692681488e-17, 4.658027591836937e-17, 2.667932131342186e-18, 2.5382502794888315e-17, -2.8587312100388614e-17, 7.70094837980299e-17, -6.770511658794786e-17, -9.667293313452913e-17, -3.0237581349939873e-17, -3.483994556892796e-17, -1.016455327754295e-16, 7.949834809697621e-17, -1.0136916471278304e-17, 2.4707192569797888e-17, -1.0125679913674773e-16, 8.199010020581497e-17, -1.851380418263111e-17, 2.960140695448873e-17, 1.8227458427912087e-17, 3.283107224245627e-17, -6.122763413004143e-17, -1.0619946056195963e-16, 8.960767791036668e-17)


@functools.lru_cache(maxsize=None)
def _exp_tables() -> tuple[float, float, float, np.ndarray, np.ndarray]:
    """ln2/32 split for Cody-Waite reduction and 2^(j/32), j = 0..31, as double-doubles."""
    return _LN2_32_HI, _LN2_32_LO, _INV_LN2_32, np.array(_EXP2_J32_HI), np.array(_EXP2_J32_LO)


def compute_exp_tables() -> tuple[float, float, float, np.ndarray, np.ndarray]:
    """ln2/32 split for Cody-Waite reduction (hi has 36 bits, so k*hi is exact for |k| < 2^17)
    and 2^(j/32), j = 0..31, as double-doubles, computed in 50-digit decimal arithmetic."""
    with localcontext() as ctx:
        ctx.prec = 50
        step = Decimal(2).ln() / 32
        mant, expo = math.frexp(float(step))
        step_hi = math.ldexp(math.floor(mant * 2.0**36) / 2.0**36, expo)
        step_lo = float(step - Decimal(step_hi))
        pairs = [dd_const(Decimal(2) ** (Decimal(j) / 32)) for j in range(32)]
    inv_step = float(32 / Decimal(2).ln())
    return step_hi, step_lo, inv_step, np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def exp_dd(yh: np.ndarray, yl: np.ndarray | float = 0.0, scale_exp: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """exp(yh + yl) * 2^scale_exp for yh <= 0 as a double-double, relative error below 2^-58.

    y = k*ln2/32 + r with |r| <= ln2/64 (Cody-Waite), exp(y) = 2^(k div 32) * 2^((k mod 32)/32)
    * (1 + expm1(r)); expm1's rounding error is 2^-53 of a value below 0.011, hence tiny
    relative to 1. Values below e^-2800 come out as 0. ``scale_exp`` lets a caller keep a
    result near e^-745 out of the subnormal range (and undo the scaling after multiplying).
    """
    step_hi, step_lo, inv_step, t_hi, t_lo = _exp_tables()
    low = yh < -2800.0
    if np.any(low):  # exp is 0 there; yl (up to half an ulp of a huge yh) must not leak into r
        yh = np.where(low, -2800.0, yh)
        yl = np.where(low, 0.0, yl)
    k = np.rint(yh * inv_step)
    r1 = yh - k * step_hi  # exact: k*step_hi is exact and the subtraction cancels (Sterbenz)
    r2 = yl - k * step_lo
    r, rl = fast_two_sum(r1, r2)
    em = np.expm1(r)
    e = em + rl * (1.0 + em)  # exp(r + rl) - 1
    ki = k.astype(np.int32)  # |k| < 2^17; int32 keeps np.ldexp on its fast loop
    j = ki & 31
    q = (ki >> 5) + np.int32(scale_exp)  # floor(k / 32)
    th = t_hi[j]
    hi, lo = fast_two_sum(th, th * e + t_lo[j] * (1.0 + e))
    return np.ldexp(hi, q), np.ldexp(lo, q)


# --- the standard normal distribution's tail ------------------------------------------

_TAIL_NODES = 8.0  # Taylor tables cover 0 <= a < 8; a continued fraction takes over beyond
_NODE_STEP = 8  # nodes at a = j/8, so |h| <= 1/16
_TAYLOR_TERMS = 12  # c0..c12: truncation error < 2^-64 relative for |h| <= 1/16 (checked with mpmath)
_CF_TERMS = 26  # Laplace's continued fraction, enough for a >= 8


@functools.lru_cache(maxsize=None)
def _mills_tables() -> tuple[tuple[float, float], np.ndarray]:
    """1/sqrt(2 pi) as a double-double, and Taylor coefficients of the Mills ratio
    R(a) = Q(a)/phi(a) at a_j = j/8, j = 0..64: row j holds c0 (hi, lo), c1 (hi, lo), c2..c12.

    R(a_j) = sqrt(pi/2) exp(a_j^2/2) - sum_n a_j^(2n+1)/(2n+1)!!, and the derivatives follow
    from R' = aR - 1, R^(n+1) = a R^(n) + n R^(n-1); all in 100-digit decimal arithmetic.
    """
    _PI = Decimal(_PI_DIGITS)
    with localcontext() as ctx:
        ctx.prec = 100
        inv_sqrt_2pi = dd_const(1 / (2 * _PI).sqrt())
        sqrt_half_pi = (_PI / 2).sqrt()
        eps = Decimal(10) ** -70
        rows = []
        for j in range(int(_TAIL_NODES) * _NODE_STEP + 1):
            a = Decimal(j) / _NODE_STEP
            series, term, n = Decimal(0), a, 0
            while term > eps or n < 4:
                series += term
                n += 1
                term = term * a * a / (2 * n + 1)
            r = sqrt_half_pi * (a * a / 2).exp() - series
            d = [r, a * r - 1]
            for n in range(1, _TAYLOR_TERMS):
                d.append(a * d[n] + n * d[n - 1])
            c = [d[n] / math.factorial(n) for n in range(_TAYLOR_TERMS + 1)]
            rows.append([*dd_const(c[0]), *dd_const(c[1]), *(float(v) for v in c[2:])])
    # transposed: one contiguous row per coefficient, gathered with np.take
    return inv_sqrt_2pi, np.ascontiguousarray(np.array(rows).T)


def normal_tail_dd(a: np.ndarray, scale_exp: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Q(a) = 1 - Phi(a) = Phi(-a) * 2^scale_exp for 0 <= a <= 40, as a double-double.

    Q(a) = phi(a) R(a): phi(a) = exp(-a^2/2)/sqrt(2 pi) with a^2 exact (two_prod) and a
    double-double exp; the Mills ratio R from a Taylor table below a = 8 and from Laplace's
    continued fraction R = 1/(a + 1/(a + 2/(a + 3/(a + ...)))) above. Relative error ~2^-57.
    ``scale_exp`` keeps tiny results (Q(37) ~ 1e-300) away from the subnormal range.
    """
    (ih, il), table = _mills_tables()
    p, pl = two_prod(a, a)
    eh, el = exp_dd(-0.5 * p, -0.5 * pl)
    if scale_exp:
        eh, el = np.ldexp(eh, scale_exp), np.ldexp(el, scale_exp)
    ph, pl = dd_mul(eh, el, ih, il)

    rh = np.empty_like(a)
    rl = np.empty_like(a)
    near = a < _TAIL_NODES
    if near.all():
        rh[...], rl[...] = _mills_taylor(a, table)
    else:
        far = ~near
        if near.any():
            rh[near], rl[near] = _mills_taylor(a[near], table)
        rh[far], rl[far] = _mills_cf(a[far])
    return dd_mul(ph, pl, rh, rl)


def _mills_taylor(a: np.ndarray, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    j = np.rint(a * _NODE_STEP).astype(np.intp)
    h = a - j * (1.0 / _NODE_STEP)  # exact
    t = np.take(table[-1], j)
    for row in range(table.shape[0] - 2, 3, -1):  # c_n for n = 11 .. 2
        t = t * h + np.take(table[row], j)
    s1, e1 = two_prod(np.take(table[2], j), h)  # c1*h, exactly
    rest = e1 + np.take(table[3], j) * h + (h * h) * t
    r, rr = two_sum(np.take(table[0], j), s1)
    return fast_two_sum(r, rr + (np.take(table[1], j) + rest))


def _mills_cf_inner(a: np.ndarray) -> np.ndarray:
    """t with R(a) = 1/(a + t): all but the outermost step of Laplace's continued fraction."""
    t = np.zeros_like(a)
    for n in range(_CF_TERMS, 0, -1):
        t = n / (a + t)
    return t


def _mills_cf(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # only the outermost step matters at full precision: t/(a+t) < 1/65 damps t's own error
    sh, sl = two_sum(a, _mills_cf_inner(a))
    return dd_div(1.0, 0.0, sh, sl)


def normal_cdf_dd(x: np.ndarray, scale_exp: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Phi(x) (the standard normal CDF) for finite |x| <= 40 as a double-double.

    For x < 0 the result is scaled by 2^scale_exp (see ``normal_tail_dd``); for x >= 0 it is
    1 - Q(x) and never scaled.
    """
    a = np.abs(x)
    qh, ql = normal_tail_dd(a, scale_exp)
    if scale_exp:
        # unscaled Q for the x >= 0 side (Q(a) <= 1/2 there, far from underflow)
        uh, ul = np.ldexp(qh, -scale_exp), np.ldexp(ql, -scale_exp)
    else:
        uh, ul = qh, ql
    sh, sl = two_sum(1.0, -uh)
    sh, sl = fast_two_sum(sh, sl - ul)
    neg = x < 0
    return np.where(neg, qh, sh), np.where(neg, ql, sl)


_ROUND = 6755399441055744.0  # 1.5 * 2^52: adding it rounds a float below 2^51 to an integer, in its low bits
_ROUND_BITS = np.int64(0x4338000000000000)  # the bit pattern of _ROUND


_FINE_STEP = 32  # float32 GELU's Taylor nodes: a = j/32, so |h| <= 1/64
_FINE_TERMS = 4  # c0 .. c4: error below 1e-10 relative (5e-11 measured; a float32 ulp is 6e-8)


@functools.lru_cache(maxsize=None)
def _mills_table_fine() -> np.ndarray:
    """c0 .. c4 of the Mills ratio's Taylor series at a = j/32, j = 0..256, over sqrt(2 pi) (for ``normal_tail``).

    Re-expanded from the j/8 table: at a node k/8 + s, d_n = sum_{m >= n} c_m C(m, n) s^(m-n)
    (|s| <= 1/16, where the 12-term series is good to 2^-64); fewer terms at closer nodes make
    the float32 evaluation take 5 gathers and 8 operations instead of 9 and 16.
    """
    table = _mills_tables()[1]
    coarse = [table[0], table[2], *table[4:]]  # c0 .. c12 at j/8 (the lo parts are below float64's ulp)
    fine = np.arange(int(_TAIL_NODES) * _FINE_STEP + 1) / _FINE_STEP
    k = np.rint(fine * _NODE_STEP).astype(np.intp)
    s = fine - k / _NODE_STEP
    rows = []
    for n in range(_FINE_TERMS + 1):
        d = np.zeros_like(fine)
        for m in range(len(coarse) - 1, n - 1, -1):  # smallest terms first
            d += coarse[m][k] * math.comb(m, n) * s ** (m - n)
        rows.append(d * _mills_tables()[0][0])  # times 1/sqrt(2 pi): phi(a) R(a) = exp(-a^2/2) (R/sqrt(2 pi))
    return np.ascontiguousarray(rows)


def normal_tail(a: np.ndarray) -> np.ndarray:
    """Q(a) = 1 - Phi(a) in plain float64, for 0 <= a <= 40 whose square a*a is exact (a float32 value).

    The same method as ``normal_tail_dd`` without the extra bits: phi(a) R(a), R from a finer
    Taylor table (5 terms at a = j/32, times 1/sqrt(2 pi); relative error below 1e-10) or the
    continued fraction. a^2 must be exact (at most 26 significant bits in a): exp(-a^2/2)
    magnifies its rounding by a^2/2. This is float32 GELU's Q, rounded once to float32; the
    work is done in place, on blocks that stay in the cache.
    """
    c = _mills_table_fine()
    near = np.minimum(a, _TAIL_NODES)
    node = near * _FINE_STEP
    node += _ROUND  # rint(a * 32) + _ROUND, exactly
    j = node.view(np.int64) - _ROUND_BITS  # the node's index, without a slow float-to-int conversion
    node -= _ROUND
    node *= -1.0 / _FINE_STEP
    h = node
    h += near  # a - node, exact
    r = np.take(c[-1], j)
    term = near  # reused as scratch
    for row in c[-2::-1]:
        r *= h
        r += np.take(row, j, out=term)
    far = a >= _TAIL_NODES
    if far.any():
        r[far] = _mills_tables()[0][0] / (a[far] + _mills_cf_inner(a[far]))
    q = np.multiply(a, a, out=term)
    q *= -0.5
    np.exp(q, out=q)
    q *= r
    return q


# --- tanh's Taylor series -------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def tanh_series(terms: int = 24) -> tuple[tuple[float, float], tuple[float, float], np.ndarray]:
    """Coefficients of x - tanh(x) = x^3 (1/3 - 2x^2/15 + 17x^4/315 - ...), in 80-digit arithmetic.

    With tanh(x) = sum a_k x^(2k+1), tanh' = 1 - tanh^2 gives (2k+1) a_k = [k = 0] - sum_{i+j=k-1}
    a_i a_j. Returns 1/3 and -2/15 as double-doubles and the rest, 17/315, ..., as floats.
    """
    with localcontext() as ctx:
        ctx.prec = 80
        a = [Decimal(1)]
        for k in range(1, terms + 2):
            a.append(-sum((a[i] * a[k - 1 - i] for i in range(k)), Decimal(0)) / (2 * k + 1))
        # x - tanh x = -sum_{k>=1} a_k x^(2k+1) = x^3 * sum_{k>=1} (-a_k) x^(2k-2)
        coeffs = [-a[k] for k in range(1, terms + 2)]
        return dd_const(coeffs[0]), dd_const(coeffs[1]), np.array([float(c) for c in coeffs[2:]])


@functools.lru_cache(maxsize=None)
def gelu_tanh_consts() -> tuple[tuple[float, float], tuple[float, float]]:
    """0.044715 and 2 sqrt(2/pi) as double-doubles (tanh-GELU: h = a sigmoid(2 sqrt(2/pi)(a + 0.044715 a^3)))."""
    with localcontext() as ctx:
        ctx.prec = 50
        return dd_const(Decimal("0.044715")), dd_const(2 * (2 / Decimal(_PI_DIGITS)).sqrt())
