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


def _dedup_key_batches(batches: Iterator[pa.RecordBatch], config: dict) -> Iterator[pa.RecordBatch]:
    from ziya_data.udfs import dedup

    method, n_en, n_zh = config["method"], config["shingle_en"], config["shingle_zh"]
    for batch in batches:
        url_keys, exact_keys, bands, shingle_sets, simhashes = [], [], [], [], []
        for url, text in zip(batch.column("url").to_pylist(), batch.column("text").to_pylist()):
            text = text or ""
            url_keys.append(dedup.normalize_url(url))
            folded = dedup.exact_text(text)
            exact_keys.append(hashlib.blake2b(folded.encode("utf-8"), digest_size=16).hexdigest())
            # Shingle units follow the script, not a language column (udfs.dedup).
            if method == "minhash":
                keys = dedup.shingle_hashes(text, n_en, n_zh)
            elif method == "simhash":
                keys = dedup.shingle_ids(text, n_en, n_zh)
            else:
                keys = ()
            if not len(keys):
                bands.append([])
                shingle_sets.append(_NO_HASHES)
                simhashes.append(None)
            elif method == "minhash":
                signature = dedup.minhash_of_hashes(keys, config["num_perm"], config["seed"])
                bands.append(dedup.band_keys(signature, config["bands"], config["rows"]))
                shingle_sets.append(keys.view(np.int32))
                simhashes.append(None)
            else:
                fingerprint = dedup.simhash(keys)
                bands.append(dedup.simhash_blocks(fingerprint, config["max_hamming"]))
                shingle_sets.append(_NO_HASHES)
                simhashes.append(fingerprint)
        columns = {
            "doc_id": batch.column("doc_id"),
            "_url_key": pa.array(url_keys, pa.string()),
            "_exact_key": pa.array(exact_keys, pa.string()),
            "_bands": pa.array(bands, pa.list_(pa.int64())),
            "_shingles": _list_column(shingle_sets),
            "_simhash": pa.array(simhashes, pa.int64()),
        }
        for name in config.get("carry", ()):  # columns passed through unchanged
            columns[name] = batch.column(name)
        yield pa.RecordBatch.from_pydict(columns)


def _list_column(arrays: list) -> pa.ListArray:
    """int32 arrays as one list column, built from their concatenation and offsets (a
    Python list per row would cost more than hashing the shingles)."""
    offsets = np.zeros(len(arrays) + 1, dtype=np.int32)
    np.cumsum([len(a) for a in arrays], out=offsets[1:])
    values = np.concatenate(arrays) if arrays else _NO_HASHES
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, pa.int32()))


def dedup_keys(config: dict) -> Callable:
    """mapInArrow function: (doc_id, url, text, carried columns) -> OUTPUT, then the
    columns named in config["carry"]."""
    return functools.partial(_dedup_key_batches, config=config)
