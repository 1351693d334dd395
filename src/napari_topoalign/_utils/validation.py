"""Validation with the argument's name in every message.

Every public function of the core checks its arguments here, so that bad input gets one
clear error (``"<name>: <what is wrong>, got <value>"``) instead of an exception from deep
inside numpy, scipy or scikit-learn, and every module says it the same way.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "check_int",
    "check_real",
    "check_bool",
    "check_option",
    "check_callable",
    "check_array",
    "check_vector",
    "check_index_array",
    "check_same_rows",
    "check_random_state",
    "check_generator",
    "check_budget",
]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_int(
    value: Any,
    name: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    allow_none: bool = False,
) -> int | None:
    """``value`` as a Python int in ``[minimum, maximum]``. Booleans, floats (even whole
    ones), strings and NaN are refused: a count is given as an integer."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        kind = "a boolean" if isinstance(value, (bool, np.bool_)) else type(value).__name__
        raise TypeError(f"{name}: expected an integer, got {kind} {_show(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: must be an integer >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}: must be an integer <= {maximum}, got {value}")
    return value


def check_real(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_none: bool = False,
) -> float | None:
    """``value`` as a finite Python float in the interval given (closed unless ``*_open``).
    Booleans, strings, NaN and infinities are refused."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        kind = "a boolean" if isinstance(value, (bool, np.bool_)) else type(value).__name__
        raise TypeError(f"{name}: expected a real number, got {kind} {_show(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}: must be a finite number, got {value}")
    lo_bad = low is not None and (value <= low if low_open else value < low)
    hi_bad = high is not None and (value >= high if high_open else value > high)
    if lo_bad or hi_bad:
        left = "(" if low_open or low is None else "["
        right = ")" if high_open or high is None else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ValueError(f"{name}: must lie in {left}{lo}, {hi}{right}, got {value:g}")
    return value


def check_bool(value: Any, name: str) -> bool:
    """``value`` as a bool; numbers and strings are refused (``eps=True`` is not 1)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name}: expected True or False, got {type(value).__name__} {_show(value)}")


def check_option(value: Any, name: str, options: Iterable[Any]) -> Any:
    """``value`` if it is one of ``options`` (compared with ==); the options are listed."""
    options = list(options)
    try:
        ok = any(value == o and type(value) is type(o) for o in options) or (
            isinstance(value, str) and value in [o for o in options if isinstance(o, str)]
        )
    except Exception:  # pragma: no cover - exotic __eq__
        ok = False
    if not ok:
        raise ValueError(f"{name}: unknown option {_show(value)}; choose one of {options}")
    return value


def check_callable(value: Any, name: str, *, allow_none: bool = True, signature: str = "") -> Any:
    """``value`` if callable (or None when allowed)."""
    if value is None and allow_none:
        return None
    if not callable(value):
        what = f" {signature}" if signature else ""
        raise TypeError(f"{name}: expected a callable{what}, got {type(value).__name__}")
    return value


def check_array(
    X: Any,
    name: str = "X",
    *,
    ndim: int | None = 2,
    min_rows: int = 1,
    min_cols: int = 1,
    dtype: Any = "float",
    finite: bool = True,
    accept_sparse: bool = False,
    copy: bool = False,
) -> Any:
    """``X`` as a NumPy array, or a clear error that names it.

    - pandas frames and series give their values; lists are converted;
    - masked arrays are refused (say which values to use instead of the mask);
    - sparse matrices are refused unless ``accept_sparse`` (then returned as CSR);
    - ``dtype="float"``: booleans and integers become float64, float16 becomes float32,
      longdouble becomes float64, float32 and float64 are kept; object, string, complex and
      datetime arrays are refused;
    - ``finite``: NaN and infinite values are refused, naming the first bad row;
    - shape: ``ndim`` dimensions, at least ``min_rows`` rows and ``min_cols`` columns.
    """
    import scipy.sparse as sp

    if sp.issparse(X):
        if not accept_sparse:
            raise TypeError(
                f"{name}: a scipy sparse matrix ({X.shape[0]} x {X.shape[1]}) is not accepted "
                f"here; pass a dense array (X.toarray()) if it fits in memory"
            )
        X = sp.csr_matrix(X)
        if X.dtype.kind not in "biuf":
            raise TypeError(f"{name}: expected numeric values, got dtype {X.dtype}")
        if X.dtype.kind != "f":
            X = X.astype(np.float64)
        if finite and not np.isfinite(X.data).all():
            raise ValueError(f"{name}: holds NaN or infinite values")
        return X
    if isinstance(X, np.ma.MaskedArray):
        raise TypeError(
            f"{name}: a masked array is not accepted; fill or drop the masked values first "
            f"(e.g. X.filled(value) or X.compressed())"
        )
    if hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):
        try:
            X = X.to_numpy()
        except Exception as exc:
            raise TypeError(f"{name}: cannot be read as an array ({exc})") from exc
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name}: expected an array, got a string {_show(X)}")
    if X is None:
        raise TypeError(f"{name}: expected an array, got None")
    try:
        arr = np.array(X, copy=copy) if copy else np.asarray(X)
    except Exception as exc:
        raise TypeError(
            f"{name}: cannot be read as an array ({type(exc).__name__}: {exc})"
        ) from exc
    if dtype == "float":
        kind = arr.dtype.kind
        if kind == "b" or kind in "iu":
            arr = arr.astype(np.float64)
        elif kind == "f":
            if arr.dtype == np.float16:
                arr = arr.astype(np.float32)
            elif arr.dtype.itemsize > 8:
                arr = arr.astype(np.float64)
        elif kind == "O":
            try:
                arr = arr.astype(np.float64)
            except (TypeError, ValueError):
                raise TypeError(
                    f"{name}: expected numeric values, got an object array that does not "
                    f"convert to numbers (ragged rows or non-numeric entries?)"
                ) from None
        else:
            what = {
                "U": "strings",
                "S": "bytes",
                "c": "complex numbers",
                "M": "dates",
                "m": "time spans",
            }
            raise TypeError(
                f"{name}: expected numeric values, got {what.get(kind, arr.dtype)} (dtype {arr.dtype})"
            )
    elif dtype is not None:
        arr = arr.astype(dtype)
    if ndim is not None and arr.ndim != ndim:
        shape_hint = " of shape (n_inputs, n_features)" if ndim == 2 else ""
        raise ValueError(
            f"{name}: expected a {ndim}-D array{shape_hint}, got {arr.ndim}-D with shape {arr.shape}"
        )
    if arr.ndim >= 1 and arr.shape[0] < min_rows:  # min_rows=0 accepts an empty array
        if arr.shape[0] == 0:
            raise ValueError(f"{name}: is empty (shape {arr.shape})")
        raise ValueError(f"{name}: has {arr.shape[0]} rows, needs at least {min_rows}")
    if arr.ndim >= 2 and arr.shape[1] < min_cols:
        if arr.shape[1] == 0:
            raise ValueError(f"{name}: is empty (shape {arr.shape})")
        raise ValueError(f"{name}: has {arr.shape[1]} columns, needs at least {min_cols}")
    if finite and arr.dtype.kind == "f" and not _all_finite(arr):
        ok = np.isfinite(arr)
        if not ok.all():
            bad = ~ok.reshape(len(arr), -1).all(axis=1) if arr.ndim > 1 else ~ok
            rows = np.flatnonzero(bad)
            row = int(rows[0])
            kind = "NaN" if np.isnan(arr[row]).any() else "infinite"
            where = f"row {row} holds {kind} values" if arr.ndim > 1 else f"entry {row} is {kind}"
            raise ValueError(
                f"{name}: {where} ({len(rows)} {'row(s)' if arr.ndim > 1 else 'entries'} not finite)"
            )
    return arr


def _all_finite(arr: np.ndarray, block_bytes: int = 1 << 26) -> bool:
    """Whether every value is finite, checked in blocks of rows, so that a large (or
    memory-mapped) array is streamed through instead of getting a mask as large as itself.
    The pages of a read-only memory map are handed back to the OS after each block, so that
    checking a mapped file does not keep it resident."""
    if arr.ndim < 2 or arr.nbytes <= block_bytes:
        return bool(np.isfinite(arr).all())
    step = max(1, block_bytes // max(arr.nbytes // len(arr), 1))
    release = _page_release(arr)
    for s in range(0, len(arr), step):
        block = arr[s : s + step]
        ok = bool(np.isfinite(block).all())
        if release is not None:
            release(block)
        if not ok:
            return False
    return True


def _page_release(arr: np.ndarray):
    """For an array backed by a read-only ``np.memmap``: a function that drops a block's
    pages from the process (``madvise(MADV_DONTNEED)``; they stay in the page cache and are
    read again on the next access). None for anything else."""
    import mmap

    base = arr
    while base is not None and not isinstance(base, np.memmap):
        base = getattr(base, "base", None)
    mm = getattr(base, "_mmap", None)
    if (
        mm is None
        or getattr(base, "mode", None) != "r"
        or not hasattr(mm, "madvise")
        or not hasattr(mmap, "MADV_DONTNEED")
    ):
        return None
    view = np.frombuffer(mm, dtype=np.uint8)
    start_addr = view.ctypes.data
    size = len(view)
    del view

    def release(block: np.ndarray) -> None:
        if not block.flags.c_contiguous or block.nbytes == 0:
            return
        begin = block.ctypes.data - start_addr
        if begin < 0 or begin + block.nbytes > size:
            return
        aligned = begin - begin % mmap.PAGESIZE
        try:
            mm.madvise(mmap.MADV_DONTNEED, aligned, begin + block.nbytes - aligned)
        except (OSError, ValueError):
            pass

    return release


def check_vector(value: Any, name: str, n: int, *, numeric: bool = False) -> np.ndarray:
    """``value`` as a 1-D array of length ``n`` (one entry per input)."""
    if numeric:
        arr = check_array(value, name, ndim=1)
    else:
        arr = np.asarray(value)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(
            f"{name}: expected shape ({n},) (one entry per input), got shape {arr.shape}"
        )
    return arr


def check_index_array(
    value: Any, name: str, n: int, *, unique: bool = False, allow_empty: bool = True
) -> np.ndarray:
    """``value`` as sorted-as-given int64 indices in ``[0, n)``. Negative, fractional,
    boolean-as-number and out-of-range indices are refused (no wrap-around: ``-1`` is not the
    last item). A boolean mask of length ``n`` is accepted and converted."""
    if isinstance(value, (numbers.Integral,)) and not isinstance(value, (bool, np.bool_)):
        value = [value]
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise TypeError(f"{name}: cannot be read as indices ({exc})") from exc
    if arr.dtype.kind == "b":
        if arr.ndim == 1 and arr.shape[0] == n:
            return np.flatnonzero(arr).astype(np.int64)
        raise TypeError(f"{name}: a boolean mask must have length {n}, got shape {arr.shape}")
    arr = arr.ravel()
    if arr.size == 0:
        if not allow_empty:
            raise ValueError(f"{name}: is empty; give at least one index")
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            bad = arr[~(np.isfinite(arr) & (arr == np.round(arr)))][0]
            raise ValueError(f"{name}: indices must be whole numbers, got {bad.item()!r}")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer indices, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if arr.min() < 0 or arr.max() >= n:
        bad = int(arr[(arr < 0) | (arr >= n)][0])
        raise IndexError(f"{name}: index {bad} is out of range [0, {n})")
    if unique and len(np.unique(arr)) != len(arr):
        raise ValueError(f"{name}: holds duplicate indices")
    return arr


def check_same_rows(arrays: Sequence[Any], names: Sequence[str]) -> int:
    """The common number of rows of ``arrays``, or an error naming the two that disagree."""
    n = None
    first = None
    for arr, nm in zip(arrays, names):
        rows = arr.shape[0]
        if n is None:
            n, first = rows, nm
        elif rows != n:
            raise ValueError(
                f"{nm}: has {rows} rows but {first} has {n}; both must hold one row per input, "
                f"in the same order"
            )
    return int(n or 0)


def check_random_state(random_state: Any, name: str = "random_state") -> np.random.RandomState:
    """A ``numpy.random.RandomState`` from None (fresh entropy), an int, a RandomState
    (returned as is) or a ``numpy.random.Generator`` (a RandomState sharing its bit
    generator). Same input, same draws: an int gives exactly scikit-learn's stream."""
    if random_state is None:
        return np.random.RandomState()
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, np.random.Generator):
        return np.random.RandomState(random_state.bit_generator)
    if isinstance(random_state, (numbers.Integral,)) and not isinstance(
        random_state, (bool, np.bool_)
    ):
        value = int(random_state)
        if not 0 <= value < 2**32:
            raise ValueError(f"{name}: an integer seed must lie in [0, 2**32), got {value}")
        return np.random.RandomState(value)
    raise TypeError(
        f"{name}: expected None, an integer seed, a numpy RandomState or a numpy Generator, "
        f"got {type(random_state).__name__} {_show(random_state)}"
    )


def check_generator(random_state: Any, name: str = "random_state") -> np.random.Generator:
    """A ``numpy.random.Generator`` from None, an int (``default_rng(int)``), a Generator
    (returned as is) or a RandomState (a Generator sharing its bit generator)."""
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.Generator(random_state._bit_generator)
    if isinstance(random_state, (numbers.Integral,)) and not isinstance(
        random_state, (bool, np.bool_)
    ):
        value = int(random_state)
        if value < 0:
            raise ValueError(f"{name}: an integer seed must be >= 0, got {value}")
        return np.random.default_rng(value)
    raise TypeError(
        f"{name}: expected None, an integer seed, a numpy RandomState or a numpy Generator, "
        f"got {type(random_state).__name__} {_show(random_state)}"
    )


def check_budget(amount: float, limit: float, what: str, hint: str) -> None:
    """Refuse up front work that would take hours or memory beyond reason: ``amount`` of
    something (cells, pairs, operations) against ``limit``, with the estimate in the message
    and what to change (``hint``)."""
    if amount > limit:
        raise ValueError(f"{what}: would need about {amount:.3g} (limit {limit:.3g}); {hint}")
