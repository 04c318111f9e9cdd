"""dedup's adapter: each document's keys (udfs.dedup): normalised URL, exact-text hash,
and for near duplicates the LSH band keys with what verification needs (MinHash: the
shingles' 32-bit hashes; SimHash: the fingerprint), and the exact Jaccard of candidate
pairs from those hashes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa

OUTPUT = pa.schema(
    [
        ("doc_id", pa.string()),
        ("_url_key", pa.string()),
        ("_exact_key", pa.string()),
        ("_bands", pa.list_(pa.int64())),
        # The sorted uint32 hashes packed little-endian (HASH; Spark has no uint32): bytes
        # cross between the JVM and Arrow as one copy where a list is converted value by
        # value (verification moves 100k pairs of these sets per 100 MB of text).
        ("_shingles", pa.binary()),
        ("_simhash", pa.int64()),
    ]
)
HASH = np.dtype("<u4")
_NO_HASHES = np.zeros(0, dtype=HASH)


def _dedup_key_batches(batches: Iterator[pa.RecordBatch], config: dict) -> Iterator[pa.RecordBatch]:
    from ziya_data.udfs import dedup

    method, n_en, n_zh = config["method"], config["shingle_en"], config["shingle_zh"]
    for batch in batches:
        texts = [t or "" for t in batch.column("text").to_pylist()]
        url_keys = [dedup.normalize_url(u) for u in batch.column("url").to_pylist()]
        units = dedup.batch_units(texts)  # one pass gives the exact texts and the shingles
        exact_keys = dedup.batch_exact_keys(units)
        # The near-duplicate keys of the whole batch at once (numpy, no call per document).
        # Shingle units follow the script, not a language column (udfs.dedup).
        empty = np.zeros(len(texts), dtype=bool)
        if method == "minhash":
            values, bounds = dedup.batch_shingle_hashes(units, n_en, n_zh)
            signatures = dedup.batch_minhash(values, bounds, config["num_perm"], config["seed"])
            band_rows = dedup.batch_band_keys(signatures, config["bands"], config["rows"])
            shingles = _packed_column(values, bounds, HASH)
            simhashes = pa.nulls(len(texts), pa.int64())
            empty = np.diff(bounds) == 0
        elif method == "simhash":
            ids, bounds = dedup.batch_shingle_ids(units, n_en, n_zh)
            fingerprints = [
                dedup.simhash(dedup.distinct_sorted(ids[a:b]))
                for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist())
            ]
            band_rows = np.array(
                [dedup.simhash_blocks(f, config["max_hamming"]) for f in fingerprints],
                dtype=np.int64,
            ).reshape(len(texts), config["max_hamming"] + 1)
            empty = np.diff(bounds) == 0
            shingles = _packed_column(_NO_HASHES, np.zeros(len(texts) + 1, dtype=np.int64), HASH)
            simhashes = pa.array(fingerprints, pa.int64(), mask=empty)
        else:
            band_rows = np.zeros((len(texts), 0), dtype=np.int64)
            shingles = _packed_column(_NO_HASHES, np.zeros(len(texts) + 1, dtype=np.int64), HASH)
            simhashes = pa.nulls(len(texts), pa.int64())
        # A text without shingles has no band keys (it would share a bucket with all such).
        band_counts = np.where(empty, 0, band_rows.shape[1])
        columns = {
            "doc_id": batch.column("doc_id"),
            "_url_key": pa.array(url_keys, pa.string()),
            "_exact_key": pa.array(exact_keys, pa.string()),
            "_bands": pa.ListArray.from_arrays(
                pa.array(np.concatenate(([0], np.cumsum(band_counts))).astype(np.int32)),
                pa.array(band_rows[~empty].ravel(), pa.int64()),
            ),
            "_shingles": shingles,
            "_simhash": simhashes,
        }
        for name in config.get("carry", ()):  # columns passed through unchanged
            columns[name] = batch.column(name)
        yield pa.RecordBatch.from_pydict(columns)


def _packed_column(values: np.ndarray, bounds: np.ndarray, kind: np.dtype) -> pa.BinaryArray:
    """Values laid end to end, row i values[bounds[i]:bounds[i + 1]], as one binary column
    of `kind` values (a Python list per row would cost more than hashing the shingles)."""
    data = values.astype(kind, copy=False)
    offsets = (bounds.astype(np.int64) * kind.itemsize).astype(np.int32)
    return pa.BinaryArray.from_buffers(
        pa.binary(), len(bounds) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def _unpacked(column: pa.Array, kind: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """(values end to end, bounds per row) of a binary column of _packed_column's layout,
    read in place; a null row counts as empty."""
    column = column.fill_null(b"") if column.null_count else column
    _, offsets, data = column.buffers()
    at = np.frombuffer(offsets, np.int32, len(column) + 1, column.offset * 4).astype(np.int64)
    size = kind.itemsize
    if at[-1] == at[0]:
        return np.zeros(0, kind), np.zeros(len(at), np.int64)
    return np.frombuffer(data, kind, (at[-1] - at[0]) // size, at[0]), (at - at[0]) // size


def _pair_similarity_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    from ziya_data.udfs import dedup

    for batch in batches:
        similarity = dedup.batch_jaccard(
            *_unpacked(batch.column("_sa"), HASH), *_unpacked(batch.column("_sb"), HASH)
        )
        yield pa.RecordBatch.from_pydict({
            "a": batch.column("a"), "b": batch.column("b"),
            "similarity": pa.array(similarity, pa.float64()),
        })  # fmt: skip


# (a, b, _sa, _sb: both documents' packed shingle hashes) -> PAIR_SIMILARITY.
PAIR_SIMILARITY = "a string, b string, similarity double"


def pair_similarity() -> Callable:
    """mapInArrow function: candidate pairs with both documents' `_shingles` (as _sa and
    _sb) -> PAIR_SIMILARITY, the exact Jaccard of the two sets."""
    return _pair_similarity_batches


def dedup_keys(config: dict) -> Callable:
    """mapInArrow function: (doc_id, url, text, carried columns) -> OUTPUT, then the
    columns named in config["carry"]."""
    return functools.partial(_dedup_key_batches, config=config)


# One row per part a batch has band keys in: the keys (packed int64) and each key's
# document number (the same layout).
BAND_PARTS = "_part int, keys binary, members binary"
_BAND_PARTS_ARROW = pa.schema(
    [("_part", pa.int32()), ("keys", pa.binary()), ("members", pa.binary())]
)


def _band_part_batches(batches: Iterator[pa.RecordBatch], parts: int):
    for batch in batches:
        bands = batch.column("_bands")
        keys = bands.flatten().to_numpy(zero_copy_only=False)
        counts = np.diff(bands.offsets.to_numpy()) if len(bands) else np.zeros(0, np.int64)
        members = np.repeat(batch.column("_member").to_numpy(zero_copy_only=False), counts)
        part = (keys.view(np.uint64) % np.uint64(parts)).astype(np.int32)
        order = np.argsort(part, kind="stable")
        keys, members, part = keys[order], members[order], part[order]
        cuts = np.searchsorted(part, np.arange(parts + 1))
        present = np.flatnonzero(np.diff(cuts))
        columns = {
            "_part": present,
            "keys": [keys[cuts[p] : cuts[p + 1]].tobytes() for p in present],
            "members": [members[cuts[p] : cuts[p + 1]].tobytes() for p in present],
        }
        yield pa.RecordBatch.from_pydict(columns, schema=_BAND_PARTS_ARROW)


def band_parts(parts: int) -> Callable:
    """mapInArrow function: (_member: a document's number, _bands) -> BAND_PARTS, each band
    key in part key mod `parts`: a batch's 25 keys a document cross the shuffle as a few
    rows of bytes, not one row each."""
    return functools.partial(_band_part_batches, parts=parts)


# Pairs of document numbers sharing a bucket.
MEMBER_PAIRS = "a bigint, b bigint"
_PAIRS_PER_BATCH = 65536


def _bucket_pair_batches(batches: Iterator[pa.RecordBatch], max_bucket_size: int):
    from ziya_data.udfs import dedup

    keys, members = [], []
    for batch in batches:  # the whole partition: a bucket's keys may be in any batch
        for packed_keys, packed_members in zip(batch.column("keys"), batch.column("members")):
            keys.append(np.frombuffer(packed_keys.as_buffer(), np.int64))
            members.append(np.frombuffer(packed_members.as_buffer(), np.int64))
    if not keys:
        return
    a, b = dedup.bucket_pairs(np.concatenate(keys), np.concatenate(members), max_bucket_size)
    for start in range(0, len(a), _PAIRS_PER_BATCH):
        end = start + _PAIRS_PER_BATCH
        yield pa.RecordBatch.from_pydict({"a": a[start:end], "b": b[start:end]})


def bucket_member_pairs(max_bucket_size: int) -> Callable:
    """mapInArrow function over a partition holding whole parts of BAND_PARTS rows ->
    MEMBER_PAIRS (udfs.dedup.bucket_pairs)."""
    return functools.partial(_bucket_pair_batches, max_bucket_size=max_bucket_size)
