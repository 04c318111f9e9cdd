"""clean's adapter: every Arrow batch of documents through udfs.textclean.clean_documents."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import pyarrow as pa

ADDED = pa.schema(
    [
        ("lang", pa.string()),
        ("lang_score", pa.float64()),
        ("pre_chars", pa.int32()),  # non-space characters after junk removal
        ("chars", pa.int32()),  # of the cleaned text; null when cleaning stopped early
        ("clean_text", pa.string()),  # the cleaned text where it differs from the input
        ("clean_ops", pa.list_(pa.string())),  # the operations that changed the document
    ]
)


def _clean_batches(batches: Iterator[pa.RecordBatch], settings: dict) -> Iterator[pa.RecordBatch]:
    from ziya_data.udfs.textclean import clean_documents

    for batch in batches:
        texts = batch.column("text").to_pylist()
        results = clean_documents([t or "" for t in texts], **settings)
        changed = [r.text is not None and r.text != t for r, t in zip(results, texts)]
        columns = {n: batch.column(n) for n in batch.schema.names if n not in ADDED.names}
        columns["lang"] = pa.array([r.lang for r in results], pa.string())
        columns["lang_score"] = pa.array([r.lang_score for r in results], pa.float64())
        columns["pre_chars"] = pa.array([r.pre_chars for r in results], pa.int32())
        columns["chars"] = pa.array([r.chars for r in results], pa.int32())
        columns["clean_text"] = pa.array(
            [r.text if c else None for r, c in zip(results, changed)], pa.string()
        )
        columns["clean_ops"] = pa.array([r.operations for r in results], pa.list_(pa.string()))
        yield pa.RecordBatch.from_pydict(columns)


def cleaner(settings: dict) -> Callable:
    """mapInArrow function applying `udfs.textclean.clean_documents(**settings)` to `text`:
    the input's columns plus ADDED."""
    return functools.partial(_clean_batches, settings=settings)
