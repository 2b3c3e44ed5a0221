"""Vectorised text rendering of ids, money, timestamps and dates as Arrow string arrays."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_HEX_UPPER = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
_SCRAMBLE = 387_420_489  # 3**18: coprime with every power of ten, so the map is a bijection


def fixed_width(data: np.ndarray) -> pa.Array:
    """A (rows, width) uint8 array of ASCII bytes as an Arrow string array."""
    rows, width = data.shape
    offsets = np.arange(rows + 1, dtype=np.int32) * width
    return pa.StringArray.from_buffers(
        rows, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data).tobytes())
    )


def hex_digits(words: np.ndarray, upper: bool = False) -> np.ndarray:
    """Hex digits of uint64 words, as a (rows, 16 * words) uint8 array."""
    words = np.asarray(words, dtype=np.uint64)
    words = words if words.ndim == 2 else words[:, None]
    big_endian = words.astype(">u8").view(np.uint8).reshape(len(words), 8 * words.shape[1])
    table = _HEX_UPPER if upper else _HEX
    out = np.empty((len(words), big_endian.shape[1] * 2), dtype=np.uint8)
    out[:, 0::2] = table[big_endian >> 4]
    out[:, 1::2] = table[big_endian & 15]
    return out


def hex_ids(prefix: str, words: np.ndarray, length: int = 16, upper: bool = False) -> pa.Array:
    """``prefix`` followed by ``length`` hex digits of random words."""
    digits = hex_digits(words, upper)[:, :length]
    return concat(prefix, fixed_width(digits)) if prefix else fixed_width(digits)


def uuids(words: np.ndarray, upper: bool = False) -> pa.Array:
    """UUID-4 formatted strings (8-4-4-4-12) from pairs of random uint64 words."""
    digits = hex_digits(words, upper)
    digits[:, 12] = ord("4")  # version nibble, as real UUID-4s have
    digits[:, 16] = (_HEX_UPPER if upper else _HEX)[8 + (digits[:, 16] % 4)]
    out = np.full((len(digits), 36), ord("-"), dtype=np.uint8)
    for lo, hi, at in ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24)):
        out[:, at : at + hi - lo] = digits[:, lo:hi]
    return fixed_width(out)


def random_words(rng: np.random.Generator, rows: int, per_row: int = 1) -> np.ndarray:
    """Random uint64 words, shape (rows, per_row)."""
    return rng.integers(0, 2**64, size=(rows, per_row), dtype=np.uint64)


def scrambled(numbers: np.ndarray, digits: int, offset: int = 0) -> np.ndarray:
    """A bijection of ``[0, 10**digits)`` that makes sequential numbers look random."""
    if digits > 10:
        raise ValueError("scrambled ids have at most 10 digits")
    modulus = 10**digits
    n = np.asarray(numbers, dtype=np.int64) % modulus
    return (n * _SCRAMBLE + offset) % modulus


def padded(numbers: np.ndarray, width: int) -> pa.Array:
    """Non-negative integers as zero-padded decimal strings."""
    return pc.utf8_lpad(
        pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0"
    )


def codes(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` followed by zero-padded numbers, e.g. ``ORD-00012345``."""
    return concat(prefix, padded(numbers, width))


def integers(values: np.ndarray) -> pa.Array:
    """Integers as decimal strings."""
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def money(pence: np.ndarray) -> pa.Array:
    """Amounts in pence as plain decimal strings with two places (``12.50``)."""
    pence = np.asarray(pence, dtype=np.int64)
    pounds, rest = np.divmod(np.abs(pence), 100)
    text = concat(integers(pounds), ".", padded(rest, 2))
    return pc.if_else(pa.array(pence < 0), concat("-", text), text)


def decimals(values: np.ndarray, places: int = 2) -> pa.Array:
    """Floats rounded to ``places`` decimals, as short strings (``0.35``, ``-1``)."""
    return pc.cast(pa.array(np.round(np.asarray(values, dtype=np.float64), places)), pa.string())


def timestamps(seconds: np.ndarray, unit: str = "s") -> pa.Array:
    """UTC epoch seconds (or milliseconds with ``unit="ms"``) as Arrow timestamps."""
    return pa.array(np.asarray(seconds, dtype=np.int64), pa.timestamp(unit, tz="UTC"))


def _iso_digits(seconds: np.ndarray, millis: np.ndarray | None = None) -> np.ndarray:
    """``YYYY-MM-DDTHH:MM:SS`` (plus ``.mmm``) as a (rows, 19 or 23) uint8 array."""
    seconds = np.asarray(seconds, dtype=np.int64)
    day, second = np.divmod(seconds, 86_400)
    first = int(day.min()) if len(day) else 0
    span = (int(day.max()) - first + 1) if len(day) else 1
    epoch = dt.date(1970, 1, 1)
    dates = "".join((epoch + dt.timedelta(days=first + i)).isoformat() + "T" for i in range(span))
    table = np.frombuffer(dates.encode(), dtype=np.uint8).reshape(span, 11)
    out = np.empty((len(seconds), 23 if millis is not None else 19), dtype=np.uint8)
    out[:, :11] = table[day - first]
    hour, rest = np.divmod(second, 3600)
    minute, sec = np.divmod(rest, 60)
    for at, value in ((11, hour), (14, minute), (17, sec)):
        out[:, at] = 48 + value // 10
        out[:, at + 1] = 48 + value % 10
    out[:, 13] = out[:, 16] = ord(":")
    if millis is not None:
        out[:, 19] = ord(".")
        ms = np.asarray(millis, dtype=np.int64)
        out[:, 20], out[:, 21], out[:, 22] = 48 + ms // 100, 48 + ms // 10 % 10, 48 + ms % 10
    return out


def _with_suffix(digits: np.ndarray, suffix: np.ndarray | bytes) -> pa.Array:
    tail = np.frombuffer(suffix, dtype=np.uint8)[None, :] if isinstance(suffix, bytes) else suffix
    tail = np.broadcast_to(tail, (len(digits), tail.shape[1]))
    return fixed_width(np.concatenate([digits, tail], axis=1))


def iso_utc(seconds: np.ndarray) -> pa.Array:
    """UTC epoch seconds as ISO 8601 with ``Z`` (``2025-03-04T10:15:00Z``)."""
    return _with_suffix(_iso_digits(seconds), b"Z")


def iso_utc_millis(millis: np.ndarray) -> pa.Array:
    """UTC epoch milliseconds as ISO 8601 with ``Z`` (``2025-03-04T10:15:00.123Z``)."""
    seconds, fraction = np.divmod(np.asarray(millis, dtype=np.int64), 1000)
    return _with_suffix(_iso_digits(seconds, fraction), b"Z")


def iso_local(seconds: np.ndarray, offset_seconds: np.ndarray) -> pa.Array:
    """UTC epoch seconds as local ISO 8601 time with its offset (``...T11:15:00+01:00``)."""
    offset_seconds = np.asarray(offset_seconds, dtype=np.int64)
    digits = _iso_digits(np.asarray(seconds, dtype=np.int64) + offset_seconds)
    hours, minutes = np.divmod(np.abs(offset_seconds) // 60, 60)
    tail = np.empty((len(digits), 6), dtype=np.uint8)
    tail[:, 0] = np.where(offset_seconds < 0, ord("-"), ord("+"))
    tail[:, 1], tail[:, 2] = 48 + hours // 10, 48 + hours % 10
    tail[:, 3] = ord(":")
    tail[:, 4], tail[:, 5] = 48 + minutes // 10, 48 + minutes % 10
    return _with_suffix(digits, tail)


def iso_dates(days: np.ndarray) -> pa.Array:
    """Days since the Unix epoch as ``YYYY-MM-DD``."""
    return pc.strftime(pa.array(np.asarray(days, dtype=np.int32), pa.date32()), format="%Y-%m-%d")


def concat(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays and literals; null if any part is null."""
    arrays = [p for p in parts if not isinstance(p, str)]
    if not arrays:
        raise ValueError("concat needs at least one array")
    return pc.binary_join_element_wise(*parts, "")


def take(values: tuple[str, ...] | list[str] | pa.Array, index: np.ndarray) -> pa.Array:
    """Strings of a vocabulary at the given positions (null where the position is -1)."""
    vocab = values if isinstance(values, pa.Array) else pa.array(list(values), pa.string())
    index = np.asarray(index, dtype=np.int64)
    return vocab.take(pa.array(index, mask=index < 0))


def where(
    mask: np.ndarray, when_true: pa.Array | str | None, when_false: pa.Array | str | None
) -> pa.Array:
    """Element-wise choice between two string arrays (or literals, or null)."""
    return pc.if_else(
        pa.array(np.asarray(mask, dtype=bool)), _scalar(when_true), _scalar(when_false)
    )


def choose(index: np.ndarray, *options: pa.Array | str) -> pa.Array:
    """The option chosen per row by ``index`` (0-based)."""
    return pc.choose(pa.array(np.asarray(index, dtype=np.int8)), *(_scalar(o) for o in options))


def nulls_where(mask: np.ndarray, values: pa.Array) -> pa.Array:
    """``values`` with nulls where ``mask`` is true."""
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), pa.scalar(None, values.type), values)


def _scalar(value: pa.Array | str | None) -> pa.Array | pa.Scalar:
    if isinstance(value, pa.Array | pa.ChunkedArray):
        return value
    return pa.scalar(value, pa.string())
