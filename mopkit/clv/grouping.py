"""Fast per-customer grouping of transactions: the numeric kernel behind :func:`mopkit.clv.clv_summary`.

Customer ids are turned into sort keys (fixed-width hex ids are packed into integers; for ids
longer than 16 bytes, such as the loader's 128-bit pseudonyms, the first 16 bytes are packed and
the rest compared within each group, falling back when two ids share a key; other text ids are
hashed by DuckDB with a collision check), then one or two
plain integer sorts group the rows; first/last period, distinct periods and repeat spend per
customer follow with ``reduceat``/``bincount``. Tested against lifetimes' own summary.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

FREQS = ("D", "W")
#: Text ids of at least this many rows are grouped by DuckDB hashes (see :func:`customer_codes`).
HASH_MIN_ROWS = 100_000


_NS_PER = {"ns": 86_400 * 10**9, "us": 86_400 * 10**6, "ms": 86_400 * 10**3, "s": 86_400}


def _days(values) -> np.ndarray:
    """Whole days since 1970-01-01 (floor) of datetime64 values of any resolution."""
    v = np.asarray(values)
    if v.dtype.kind != "M":
        v = pd.to_datetime(v).to_numpy()
    unit = np.datetime_data(v.dtype)[0]
    if unit in _NS_PER:
        return v.view(np.int64) // _NS_PER[unit]  # floor division: right for dates before 1970 too
    return v.astype("datetime64[D]").astype(np.int64)


def _periods(values: np.ndarray, freq: str) -> np.ndarray:
    """Integer period index: days since 1970-01-01, or Monday-based weeks."""
    day = _days(values)
    if freq == "D":
        return day
    if freq == "W":
        return (day + 3) // 7  # 1970-01-01 was a Thursday; weeks start on Monday as pandas' "W"
    raise ValueError(f"freq {freq!r} is not supported; use one of {list(FREQS)}")


def customer_codes(ids) -> tuple[np.ndarray, pd.Index]:
    """Integer code of each row's customer and the distinct customers, sorted.

    ``index[codes]`` gives back the ids; codes follow the sorted order of the ids (as pandas
    sorts them), so results indexed by code are already sorted by customer. Text ids held by
    Arrow (pandas' default ``str``) are grouped by a 64-bit hash computed in DuckDB, and the
    grouping is verified with a second, independent hash (of the reversed text): if two ids
    ever shared the first hash, the exact (slower) pandas factorisation is used instead, so the
    result is always exact. Integer, categorical and other ids use pandas directly.
    """
    codes, uniq, order = _codes_unsorted(ids)
    return _sorted_codes(codes, uniq, order)


def _codes_unsorted(ids) -> tuple[np.ndarray, pd.Index, np.ndarray | None]:
    """``(codes, distinct ids in code order, permutation sorting them or None if sorted)``."""
    s = ids if isinstance(ids, pd.Series) else pd.Series(ids)
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy().astype(np.int64)
        used = np.bincount(codes[codes >= 0], minlength=len(s.cat.categories)) > 0
        cats = s.cat.categories[used]
        codes = (np.cumsum(used) - 1)[codes]
        return codes, cats, (None if cats.is_monotonic_increasing else np.argsort(cats.to_numpy(), kind="stable"))
    if s.dtype.kind in "iu" and len(s):
        v = s.to_numpy()
        lo, hi = int(v.min()), int(v.max())
        if hi - lo <= 4 * len(v) + 1024:  # dense integer ids: no hashing needed
            present = np.bincount(v - lo, minlength=hi - lo + 1) > 0
            remap = np.cumsum(present) - 1
            return remap[v - lo].astype(np.int64), pd.Index(np.flatnonzero(present) + lo, dtype=s.dtype), None
    arrow = _arrow_strings(s)
    if arrow is not None and len(s) >= HASH_MIN_ROWS:
        got = _hashed_codes(arrow)
        if got is not None:
            codes, first = got
            reps = s.array.take(first)  # one id per code, in code order
            return codes, pd.Index(reps), _text_order(reps)
    codes, uniq = pd.factorize(s, sort=True)
    return codes.astype(np.int64), pd.Index(uniq), None


def _sorted_codes(codes, uniq: pd.Index, order):
    if order is None:
        return codes, uniq
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], uniq.take(order)


def _text_order(values) -> np.ndarray:
    """Permutation sorting distinct Arrow-held texts (DuckDB, byte order = pandas' order)."""
    import duckdb  # noqa: PLC0415
    import pyarrow as pa  # noqa: PLC0415

    tab = pa.table({"c": pa.array(values), "i": np.arange(len(values))})  # noqa: F841
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # no progress widget in notebook kernels
    try:
        return np.asarray(con.sql("SELECT i FROM tab ORDER BY c").fetchnumpy()["i"], dtype=np.int64)
    finally:
        con.close()


def _arrow_strings(s: pd.Series):
    """The Arrow array behind a text Series, or None."""
    if not hasattr(s.array, "__arrow_array__"):  # numpy-backed text: no zero-copy Arrow view
        return None
    try:
        import pyarrow as pa  # noqa: PLC0415

        arr = pa.array(s.array)  # zero copy: the ChunkedArray pandas already holds
    except (TypeError, ValueError, ImportError):
        return None
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) or arr.null_count:
        return None
    return arr


def _hashed_codes(arr):
    """(codes in first-appearance order, first row of each code) from DuckDB hashes, or None
    when the verification hash disagrees (a 64-bit collision: caller falls back to exact)."""
    import duckdb  # noqa: PLC0415
    import pyarrow as pa  # noqa: PLC0415

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # no progress widget in notebook kernels
    try:
        tab = pa.table({"c": arr})  # noqa: F841 - read by DuckDB's replacement scan
        got = con.sql("SELECT hash(c) AS h, hash(reverse(c)) AS h2 FROM tab").fetchnumpy()
    finally:
        con.close()
    h = np.asarray(got["h"]).view(np.int64)
    h2 = np.asarray(got["h2"])
    codes, _ = pd.factorize(h, size_hint=max(len(h) // 8, 1024))
    k = int(codes.max()) + 1
    first = np.empty(k, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    if not np.array_equal(h2[first][codes], h2):  # two ids shared the first hash
        return None
    return codes.astype(np.int64), first




_U64 = np.uint64
_LO_NIB, _HI_NIB, _ONES = _U64(0x0F0F0F0F0F0F0F0F), _U64(0xF0F0F0F0F0F0F0F0), _U64(0x0101010101010101)
_BLOCK = 1 << 15  # rows per block of the bit packing: its temporaries stay in the CPU cache


def _fixed_width_chunks(arr, max_width: int = 16) -> tuple[int, list] | None:
    """``(L, [(bytes, first byte, rows), ...])`` of Arrow texts that all have the same byte
    length ``0 < L <= max_width``, else None."""
    import pyarrow as pa  # noqa: PLC0415

    width, parts = None, []
    for ch in (arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]):
        if len(ch) == 0:
            continue
        bufs = ch.buffers()
        odt = np.dtype(np.int64 if pa.types.is_large_string(ch.type) else np.int32)
        off = np.frombuffer(bufs[1], dtype=odt, count=len(ch) + 1, offset=ch.offset * odt.itemsize)
        w = int(off[1] - off[0])
        width = w if width is None else width
        if w != width or not 0 < w <= max_width or not np.all(np.diff(off) == w):
            return None
        parts.append((np.frombuffer(bufs[2], dtype=np.uint8), int(off[0]), len(ch)))
    return None if width is None else (width, parts)


def _pack_hex_word(w: np.ndarray, varmask) -> np.ndarray | None:
    """The lowercase hex digits among the 8 bytes of each ``w`` (big-endian) selected by
    ``varmask``, packed 4 bits each into 32 bits in the same order (so integer order = text
    order); None if one of those bytes is not a lowercase hex digit."""
    v = w & _LO_NIB
    t = (w >> _U64(6)) & _ONES
    t *= _U64(9)
    v += t  # the digit's value for '0'-'9', 'a'-'f' (no carry between bytes: at most 24)
    e = ((v + _U64(0x0606060606060606)) >> _U64(4)) & _ONES
    e *= _U64(39)
    e += v
    e += _U64(0x3030303030303030)  # value written back as a hex digit
    e ^= w
    e |= v & _HI_NIB  # a value above 15 is not a digit either
    e &= varmask
    if e.any():
        return None
    v &= varmask
    v |= v >> _U64(4)
    v &= _U64(0x00FF00FF00FF00FF)
    v |= v >> _U64(8)
    v &= _U64(0x0000FFFF0000FFFF)
    v |= v >> _U64(16)
    v &= _U64(0xFFFFFFFF)
    return v


def _hex_id_keys(arr) -> tuple[np.ndarray, int, tuple] | None:
    """Exact order-preserving uint64 key of each text id, its bit width and ``([hi, lo], L)``,
    the ids as two big-endian words (right-aligned) and their byte length; or None.

    Works for ids of one byte length up to 16 whose varying characters are lowercase hex
    digits, as the loader's pseudonyms (``c_`` + hex); bytes equal in every id are left out
    (they cannot change the order), each hex digit takes 4 bits. Equal keys <=> equal ids, and
    keys sort as the texts do (byte order, as pandas sorts them).
    """
    got = _fixed_width_chunks(arr)
    if got is None:
        return None
    width, parts = got
    n = sum(rows for _, _, rows in parts)
    hi, lo = np.zeros(n, dtype=np.uint64), np.empty(n, dtype=np.uint64)
    at = 0
    for data, start, rows in parts:  # ids right-aligned in 16 bytes = 2 big-endian words, read in place
        if width >= 8:
            lo[at:at + rows] = np.ndarray((rows,), dtype=">u8", buffer=data, offset=start + width - 8, strides=(width,))
            if width > 8:
                hi[at:at + rows] = np.ndarray((rows,), dtype=">u8", buffer=data, offset=start, strides=(width,))
        else:
            pad = np.zeros((rows, 8), dtype=np.uint8)
            pad[:, 8 - width:] = data[start:start + rows * width].reshape(rows, width)
            lo[at:at + rows] = pad.view(">u8")[:, 0]
        at += rows
    if width > 8:
        hi >>= _U64(8 * (16 - width))
    packed = _pack_words([hi, lo], n)
    return None if packed is None else (*packed, ([hi, lo], width))


def _pack_words(words: list, n: int) -> tuple[np.ndarray, int] | None:
    """Order-preserving uint64 key (and its bit width) of the hex digits in the bytes that vary
    among ``words`` (two big-endian uint64 per id); None if one of them is not a hex digit."""
    masks = []
    for w in words:
        diff = int(np.bitwise_or.reduce(w)) ^ int(np.bitwise_and.reduce(w))
        masks.append(sum(0xFF << (8 * b) for b in range(8) if (diff >> (8 * b)) & 0xFF))
    key = np.zeros(n, dtype=np.uint64)
    used = [j for j in (0, 1) if masks[j]]
    for start in range(0, n, _BLOCK):
        k = None
        for j in used:
            part = _pack_hex_word(words[j][start:start + _BLOCK], _U64(masks[j]))
            if part is None:
                return None
            if k is None:
                k = part
            else:
                k <<= _U64(32)
                k |= part
        if k is not None:
            key[start:start + _BLOCK] = k
    orall = int(np.bitwise_or.reduce(key))
    if orall == 0:
        return key, 0
    tz = (orall & -orall).bit_length() - 1  # digits constant at the end: drop their zero bits
    if tz:
        key >>= _U64(tz)
    return key, (orall >> tz).bit_length()


def _hex_prefix_keys(arr) -> tuple[np.ndarray, int, list] | None:
    """For ids of one byte length above 16 (the loader's 128-bit pseudonyms, ``c_`` + 32 hex):
    the order-preserving key of their first 16 bytes (as :func:`_hex_id_keys`), its bit width,
    and the rest of each id as big-endian uint64 words (overlapping at the end), for the caller
    to check that no two different ids share a key; or None."""
    got = _fixed_width_chunks(arr, max_width=1 << 20)
    if got is None or got[0] <= 16:
        return None
    width, parts = got
    n = sum(rows for _, _, rows in parts)
    offs = sorted(set(range(16, width - 7, 8)) | {width - 8})
    hi, lo = np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint64)
    tails = [np.empty(n, dtype=np.uint64) for _ in offs]
    at = 0
    for data, start, rows in parts:
        for out, o in [(hi, 0), (lo, 8)] + list(zip(tails, offs)):
            out[at:at + rows] = np.ndarray((rows,), dtype=">u8", buffer=data, offset=start + o, strides=(width,))
        at += rows
    packed = _pack_words([hi, lo], n)
    return None if packed is None else (*packed, tails)


def _new_flags(sorted_values: np.ndarray) -> np.ndarray:
    new = np.empty(len(sorted_values), dtype=bool)
    new[0] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=new[1:])
    return new


def _group_by_key(key: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(row permutation putting rows in key order, stable; flags of the sorted rows starting a
    new key) by a value sort of ``key << row bits | row``, or None when the key is too wide.

    When that does not fit in 64 bits the rows are sorted by the key's high part; groups of
    equal high part holding several keys are then ordered by (low part, row), by a small
    lexsort when few rows are concerned (hash-like ids: almost never) or a second full sort.
    """
    n = len(key)
    rb = max((n - 1).bit_length(), 1)
    rows = np.arange(n, dtype=np.uint64)
    mask = _U64((1 << rb) - 1)
    if bits + rb <= 64:
        s = key << _U64(rb)
        s |= rows
        del rows
        s.sort()
        new = _new_flags(s >> _U64(rb))
        s &= mask
        return s.view(np.int64), new
    lob = bits + rb - 64  # bits of the low part left out of the first sort
    if 2 * rb + lob > 64:
        return None
    s = key >> _U64(lob)
    s <<= _U64(rb)
    s |= rows
    s.sort()
    new_hi = _new_flags(s >> _U64(rb))
    s &= mask
    perm = s.view(np.int64)
    lo = key[perm] & _U64((1 << lob) - 1)
    mixed = lo[1:] != lo[:-1]
    mixed &= ~new_hi[1:]  # same high part, another low part
    if not mixed.any():
        new_hi[1:] |= mixed
        return perm, new_hi
    group = np.cumsum(new_hi) - 1
    bad = np.zeros(int(group[-1]) + 1, dtype=bool)
    bad[group[1:][mixed]] = True
    at = np.flatnonzero(bad[group])  # rows of the groups to reorder
    if len(at) <= n // 16:
        sub = at[np.lexsort((perm[at], lo[at], group[at]))]
        perm[at] = perm[sub]
        lo[at] = lo[sub]
    else:
        s = ((group.astype(np.uint64) << _U64(lob)) | lo) << _U64(rb)
        s |= rows
        s.sort()
        s &= mask
        order = s.view(np.int64)
        perm, lo = perm[order], lo[order]
    new_hi[1:] |= lo[1:] != lo[:-1]
    return perm, new_hi


def _texts(raw, rows: np.ndarray, dtype):
    """Pandas text array (``dtype``) of the ids at ``rows`` from their words (Arrow buffers)."""
    import pyarrow as pa  # noqa: PLC0415

    (hi, lo), width = raw
    k = len(rows)
    b = np.empty((k, 2), dtype=">u8")
    b[:, 0] = hi[rows]
    b[:, 1] = lo[rows]
    data = np.ascontiguousarray(b.view(np.uint8).reshape(k, 16)[:, 16 - width:])
    offsets = pa.py_buffer(np.arange(k + 1, dtype=np.int64) * width)
    arr = pa.Array.from_buffers(pa.large_string(), k, [None, offsets, pa.py_buffer(data)])
    return pd.array(arr, dtype=dtype)


def _summary_from_text_keys(ids, per, amount, end_per, freq_multiplier, name) -> pd.DataFrame | None:
    """The summary by sorting integer keys of hex-like text ids (:func:`_hex_id_keys`); None when
    the ids do not qualify (the caller then uses hashed codes)."""
    s = ids if isinstance(ids, pd.Series) else pd.Series(ids)
    arr = _arrow_strings(s)
    if arr is None or len(s) == 0:
        return None
    got, prefix = _hex_id_keys(arr), False
    if got is None:
        got, prefix = _hex_prefix_keys(arr), True
    if got is None:
        return None
    key, bits, raw = got
    grouped = _group_by_key(key, bits)
    del key
    if grouped is None:
        return None
    perm, new = grouped
    if prefix:  # keys cover the first 16 bytes: the rest must agree within every group, else exact fallback
        for tail in raw:
            ts = tail[perm]
            if ((ts[1:] != ts[:-1]) & ~new[1:]).any():
                return None
        del ts, raw
    n = len(perm)
    starts = np.flatnonzero(new)
    k = len(starts)
    count_rows = np.diff(np.append(starts, n))
    p0 = int(per.min())  # periods relative to the first one, 4 bytes when they fit (faster gather)
    rel = per - p0
    per_s = (rel.astype(np.int32) if int(end_per) - p0 < 2**31 else rel)[perm]
    del rel
    first_r = np.minimum.reduceat(per_s, starts)
    first = first_r.astype(np.int64) + p0
    last = np.maximum.reduceat(per_s, starts).astype(np.int64) + p0
    step = np.diff(per_s)
    if ((step >= 0) | new[1:]).all():  # periods already in order within each customer (time-ordered rows)
        pnew = new.copy()
        pnew[1:] |= step != 0
        nper = np.add.reduceat(pnew, starts, dtype=np.int64)
    else:
        pb = max(int(end_per - p0).bit_length(), 1)
        code = np.cumsum(new, dtype=np.int64) - 1
        k2 = np.sort((code << pb) | per_s)
        nper = np.bincount(k2[_new_flags(k2)] >> pb, minlength=k)
    out = pd.DataFrame(
        {
            "frequency": (nper - 1).astype(float),
            "recency": (last - first) / freq_multiplier,
            "T": (end_per - first) / freq_multiplier,
        },
        index=pd.Index(s.array.take(perm[starts]) if prefix else _texts(raw, perm[starts], s.dtype), name=name),
    )
    if amount is not None:
        rep = per_s != np.repeat(first_r, count_rows)  # rows outside the customer's first period
        tot = np.add.reduceat(np.where(rep, amount[perm], 0.0), starts)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["monetary_value"] = np.where(nper > 1, tot / np.maximum(nper - 1, 1), 0.0)
    return out.astype(float)


def _summary_from_codes(codes, index, per, amount, end_per, freq_multiplier, name) -> pd.DataFrame:
    k = len(index)
    p0 = int(per.min())
    span = int(end_per - p0 + 1)
    key = codes * span
    key += per - p0
    key.sort()  # by customer, then period
    new = np.empty(len(key), dtype=bool)
    new[0] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    distinct = key[new]
    cust = distinct // span
    count = np.bincount(cust, minlength=k)  # every code has rows: count >= 1
    ends = np.cumsum(count)
    first = distinct[ends - count] % span + p0
    last = distinct[ends - 1] % span + p0
    out = pd.DataFrame(
        {
            "frequency": (count - 1).astype(float),
            "recency": (last - first) / freq_multiplier,
            "T": (end_per - first) / freq_multiplier,
        },
        index=index.rename(name),
    )
    if amount is not None:
        tot = np.bincount(codes, weights=np.where(per != first[codes], amount, 0.0), minlength=k)  # repeat periods only
        with np.errstate(invalid="ignore", divide="ignore"):
            out["monetary_value"] = np.where(count > 1, tot / np.maximum(count - 1, 1), 0.0)
    return out.astype(float)

