"""How an activation runs over an array: float64 blocks that fit the CPU cache, ``out=`` checks, dtype helpers.

A float32 (or float16) input is converted to float64 a block of ``CHUNK`` values at a time,
the float64 kernel runs on the block (its temporaries stay in the cache) and the result is
rounded back into the output once. A float64 formula with an error of a few float64 ulp is
then correctly rounded in float32 in all but rare near-ties (error <= 0.5 + 2^-28 float32
ulp), and because the blocks stay in cache this is *faster* than a naive float32 expression
over the whole array. A kernel is ``kernel(x64, out64)``: float64 in, float64 out, same shape.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

CHUNK = 65536  # values per block for simple kernels (in-place ufuncs): 512 KiB of float64, in L2
DD_CHUNK = 16384  # for double-double kernels (dozens of temporaries, 128 KiB each; measured best)

Kernel = Callable[[np.ndarray, np.ndarray], None]
LowpKernel = Callable[[np.ndarray, np.ndarray, np.ndarray], None]


def as_float(a: Any) -> np.ndarray:
    """``a`` as a floating array: float16/32/64 kept, anything else converted to float64."""
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":  # the usual case, checked cheaply
        return a
    arr = np.asarray(a)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


def const(value: float, a: np.ndarray) -> np.floating:
    """A constant in ``a``'s dtype, so float32 input is not upcast by a float64 constant."""
    return a.dtype.type(value)


def output(a: np.ndarray, shape: tuple[int, ...], out: np.ndarray | None) -> np.ndarray:
    """The array to write a result of ``shape`` into: ``out`` (checked) or a new one of ``a``'s dtype."""
    if out is None:
        return np.empty(shape, dtype=a.dtype)
    if not isinstance(out, np.ndarray) or out.shape != tuple(shape) or out.dtype != a.dtype:
        raise ValueError(
            f"out must be a {a.dtype} array of shape {tuple(shape)}, "
            f"got {getattr(out, 'dtype', type(out).__name__)} {getattr(out, 'shape', '')}"
        )
    if not out.flags.c_contiguous:
        raise ValueError("out must be C-contiguous")
    return out


def new(a: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """The array to write h(a) into: ``out`` (checked) or a new one like ``a``."""
    return output(a, a.shape, out)


def keep_nan(a: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``r`` with NaN wherever ``a`` is NaN (for derivatives built from comparisons)."""
    nan = np.isnan(a)
    if nan.any():
        r = np.where(nan, a, r)
    return r


def indicator(cond: np.ndarray, a: np.ndarray, value: float = 1.0) -> np.ndarray:
    """``value`` where ``cond`` holds, 0 elsewhere, NaN where ``a`` is NaN; in ``a``'s dtype."""
    return keep_nan(a, np.where(cond, const(value, a), const(0.0, a)))


def in64(fn: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """For derivatives: compute in float64 (overflow to inf allowed), return ``a``'s dtype."""

    @functools.wraps(fn)
    def wrapper(a: np.ndarray, **params: Any) -> np.ndarray:
        a = as_float(a)
        x = a if a.dtype == np.float64 else a.astype(np.float64)
        with np.errstate(over="ignore"):
            r = np.asarray(fn(x, **params), dtype=np.float64)
            return r if a.dtype == np.float64 else r.astype(a.dtype)

    return wrapper


def elementwise(kernel: Kernel, a: Any, out: np.ndarray | None = None, chunk: int = CHUNK,
                lowp: LowpKernel | None = None) -> np.ndarray:
    """Apply ``kernel(x64, out64)`` to ``a`` block by block; the result has ``a``'s shape and dtype.

    ``out``, if given, receives the result (it may be ``a`` itself: in-place). A float64 array
    is processed without conversion; any other float dtype goes through a float64 buffer and is
    rounded once on the way back. The kernel must not modify its input block.

    ``lowp(src, buf64, dst)``, if given, replaces that route for non-float64 input: it gets
    the input block in its own dtype, a float64 scratch block and the output block, and may
    finish the computation in the low precision (sigmoid rounds 1 + exp(-a) to float32 and
    takes a float32 reciprocal: 2 roundings instead of a float64 division and a cast). It must
    read ``src`` completely before writing ``dst`` (they are the same memory in-place).
    """
    a = as_float(a)
    res = new(a, out)
    src = np.ascontiguousarray(a).reshape(-1)
    dst = res.reshape(-1)
    n = src.size
    if n == 0:
        return res
    native = a.dtype == np.float64
    aliased = native and np.shares_memory(src, dst)
    m = min(chunk, n)
    xbuf = None if native and not aliased else np.empty(m)
    obuf = None if native else np.empty(m)
    # Overflow is the correct IEEE result wherever it happens here (exp(800) = inf, a float64
    # value beyond float32's range rounds to inf); the kernels never produce invalid operations.
    with np.errstate(over="ignore"):
        for start in range(0, n, m):
            stop = min(start + m, n)
            if lowp is not None and not native:
                lowp(src[start:stop], obuf[: stop - start], dst[start:stop])  # type: ignore[index]
                continue
            if xbuf is None:
                x = src[start:stop]
            else:
                x = xbuf[: stop - start]
                x[...] = src[start:stop]
            if obuf is None:
                kernel(x, dst[start:stop])
            else:
                o = obuf[: stop - start]
                kernel(x, o)
                dst[start:stop] = o
    return res


def dd_elementwise(kernel: Kernel, a: Any, out: np.ndarray | None = None) -> np.ndarray:
    """Like ``elementwise`` for double-double kernels, which want smaller blocks."""
    return elementwise(kernel, a, out, DD_CHUNK)


def rows(kernel: Kernel, a: Any, out: np.ndarray | None = None, width_out: int | None = None,
         lowp: LowpKernel | None = None, chunk: int = CHUNK) -> np.ndarray:
    """Apply a row kernel ``kernel(x64 (rows, n), out64 (rows, width_out))`` along ``a``'s last axis.

    A 0-d input is a row of one value. Rows are processed in blocks of about ``chunk`` values,
    converted to float64 like ``elementwise`` (``lowp`` likewise: ``lowp(src_rows, buf64
    (rows, n), dst_rows)``); the result has ``a``'s dtype and shape, with the last axis of
    length ``width_out`` (default: unchanged).
    """
    a = as_float(a)
    if a.ndim == 0:
        res0 = rows(kernel, a.reshape(1), lowp=lowp).reshape(())
        if out is None:
            return res0
        output(a, (), out)[...] = res0
        return out
    n = a.shape[-1]
    w = n if width_out is None else width_out
    res = output(a, (*a.shape[:-1], w), out)
    if a.size == 0 or w == 0:
        return res
    src = np.ascontiguousarray(a).reshape(-1, n)
    dst = res.reshape(-1, w)
    count = src.shape[0]
    block = max(1, chunk // n)
    native = a.dtype == np.float64
    aliased = native and np.shares_memory(src, dst)
    buf = None if native else np.empty((min(block, count), n))
    with np.errstate(over="ignore"):
        for start in range(0, count, block):
            stop = min(start + block, count)
            x = src[start:stop]
            if native:
                kernel(x.copy() if aliased else x, dst[start:stop])
            elif lowp is not None:
                lowp(x, buf[: stop - start], dst[start:stop])  # type: ignore[index]
            else:
                b = buf[: stop - start]  # type: ignore[index]
                b[...] = x
                o = np.empty((stop - start, w))
                kernel(b, o)
                dst[start:stop] = o
    return res
