"""dedup's adapter: each document's keys (udfs.dedup): normalised URL, exact-text hash,
and for near duplicates the LSH band keys with what verification needs (MinHash: the
shingles' 32-bit hashes; SimHash: the fingerprint), and the exact Jaccard of candidate
pairs from those hashes."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa

OUTPUT = pa.schema(
    [
        ("doc_id", pa.string()),
        ("_url_key", pa.string()),
        ("_exact_key", pa.string()),
        ("_bands", pa.list_(pa.int64())),
        # The sorted uint32 hashes packed little-endian, 4 bytes each: Spark has no uint32,
        # and bytes cross between the JVM and Arrow as one copy where a list of ints is
        # converted value by value (verification moves 100k pairs of these per 100 MB).
        ("_shingles", pa.binary()),
        ("_simhash", pa.int64()),
    ]
)
_NO_HASHES = np.zeros(0, dtype=np.uint32)


def _dedup_key_batches(batches: Iterator[pa.RecordBatch], config: dict) -> Iterator[pa.RecordBatch]:
    from ziya_data.udfs import dedup

    method, n_en, n_zh = config["method"], config["shingle_en"], config["shingle_zh"]
    for batch in batches:
        texts = [t or "" for t in batch.column("text").to_pylist()]
        url_keys = [dedup.normalize_url(u) for u in batch.column("url").to_pylist()]
        exact_keys = [
            hashlib.blake2b(dedup.exact_text(t).encode("utf-8"), digest_size=16).hexdigest()
            for t in texts
        ]
        # The near-duplicate keys of the whole batch at once (numpy, no call per document).
        # Shingle units follow the script, not a language column (udfs.dedup).
        empty = np.zeros(len(texts), dtype=bool)
        if method == "minhash":
            values, bounds = dedup.batch_shingle_hashes(texts, n_en, n_zh)
            signatures = dedup.batch_minhash(values, bounds, config["num_perm"], config["seed"])
            band_rows = dedup.batch_band_keys(signatures, config["bands"], config["rows"])
            shingles = _packed_column(values, bounds)
            simhashes = pa.nulls(len(texts), pa.int64())
            empty = np.diff(bounds) == 0
        elif method == "simhash":
            ids, bounds = dedup.batch_shingle_ids(texts, n_en, n_zh)
            fingerprints = [
                dedup.simhash(dedup.distinct_sorted(ids[a:b]))
                for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist())
            ]
            band_rows = np.array(
                [dedup.simhash_blocks(f, config["max_hamming"]) for f in fingerprints],
                dtype=np.int64,
            ).reshape(len(texts), config["max_hamming"] + 1)
            empty = np.diff(bounds) == 0
            shingles = _packed_column(_NO_HASHES, np.zeros(len(texts) + 1, dtype=np.int64))
            simhashes = pa.array(fingerprints, pa.int64(), mask=empty)
        else:
            band_rows = np.zeros((len(texts), 0), dtype=np.int64)
            shingles = _packed_column(_NO_HASHES, np.zeros(len(texts) + 1, dtype=np.int64))
            simhashes = pa.nulls(len(texts), pa.int64())
        # A text without shingles has no band keys (it would share a bucket with all such).
        band_counts = np.where(empty, 0, band_rows.shape[1])
        columns = {
            "doc_id": batch.column("doc_id"),
            "_url_key": pa.array(url_keys, pa.string()),
            "_exact_key": pa.array(exact_keys, pa.string()),
            "_bands": _list_column(
                band_rows[~empty].ravel(), np.concatenate(([0], np.cumsum(band_counts))), pa.int64()
            ),
            "_shingles": shingles,
            "_simhash": simhashes,
        }
        for name in config.get("carry", ()):  # columns passed through unchanged
            columns[name] = batch.column(name)
        yield pa.RecordBatch.from_pydict(columns)


def _list_column(values: np.ndarray, bounds: np.ndarray, kind: pa.DataType) -> pa.ListArray:
    """Values laid end to end and their bounds per row as one list column (a Python list
    per row would cost more than hashing the shingles)."""
    offsets = pa.array(bounds.astype(np.int32))
    return pa.ListArray.from_arrays(offsets, pa.array(values, kind))


def _packed_column(values: np.ndarray, bounds: np.ndarray) -> pa.BinaryArray:
    """uint32 values laid end to end, row i values[bounds[i]:bounds[i + 1]], as one binary
    column of 4 bytes per value (little-endian)."""
    data = values.astype("<u4", copy=False)
    offsets = (bounds.astype(np.int64) * 4).astype(np.int32)
    return pa.BinaryArray.from_buffers(
        pa.binary(), len(bounds) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def _unpacked(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(uint32 values end to end, bounds per row) of a binary column of _packed_column's
    layout, read in place; a null row counts as empty."""
    column = column.fill_null(b"") if column.null_count else column
    _, offsets, data = column.buffers()
    at = np.frombuffer(offsets, np.int32, len(column) + 1, column.offset * 4).astype(np.int64)
    values = (
        np.frombuffer(data, "<u4", (at[-1] - at[0]) // 4, at[0]) if at[-1] > at[0] else _NO_HASHES
    )
    return values, (at - at[0]) // 4


def _pair_similarity_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    from ziya_data.udfs import dedup

    for batch in batches:
        similarity = dedup.batch_jaccard(
            *_unpacked(batch.column("_sa")), *_unpacked(batch.column("_sb"))
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
