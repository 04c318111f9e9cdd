"""dedup's adapter: each document's keys (udfs.dedup): normalised URL, exact-text hash,
and for near duplicates the LSH band keys with what verification needs (MinHash: the
shingles' 32-bit hashes; SimHash: the fingerprint)."""

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
        ("_shingles", pa.list_(pa.int32())),  # Spark has no uint32
        ("_simhash", pa.int64()),
    ]
)
_NO_HASHES = np.zeros(0, dtype=np.int32)
_INT32 = pa.int32()


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
            shingles = _list_column(values.view(np.int32), bounds)
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
            shingles = _list_column(_NO_HASHES, np.zeros(len(texts) + 1, dtype=np.int64))
            simhashes = pa.array(fingerprints, pa.int64(), mask=empty)
        else:
            band_rows = np.zeros((len(texts), 0), dtype=np.int64)
            shingles = _list_column(_NO_HASHES, np.zeros(len(texts) + 1, dtype=np.int64))
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


def _list_column(
    values: np.ndarray, bounds: np.ndarray, kind: pa.DataType = _INT32
) -> pa.ListArray:
    """Values laid end to end and their bounds per row as one list column (a Python list
    per row would cost more than hashing the shingles)."""
    offsets = pa.array(bounds.astype(np.int32))
    return pa.ListArray.from_arrays(offsets, pa.array(values, kind))


def dedup_keys(config: dict) -> Callable:
    """mapInArrow function: (doc_id, url, text, carried columns) -> OUTPUT, then the
    columns named in config["carry"]."""
    return functools.partial(_dedup_key_batches, config=config)
