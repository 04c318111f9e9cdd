"""evaluate's adapter: the per-document measures of udfs.quality."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import pyarrow as pa

from ziya_data.adapters import lexicons

_COUNTS = ("privacy", "toxic", "advertising", "html")
OUTPUT = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source", pa.string()),
        ("lang", pa.string()),
        ("chars", pa.int32()),
        ("tokens", pa.int32()),
        *[(name, pa.int32()) for name in _COUNTS],
        ("distinct_3gram", pa.float64()),
        ("compression_ratio", pa.float64()),
        ("topic", pa.string()),
    ]
)


def _measure_batches(batches: Iterator[pa.RecordBatch], config: dict) -> Iterator[pa.RecordBatch]:
    from ziya_data.udfs import languages, quality

    lexicon = lexicons(config["word_lists"])  # once per task
    for batch in batches:
        names = batch.schema.names
        texts = [t or "" for t in batch.column("text").to_pylist()]
        langs = batch.column("lang").to_pylist() if "lang" in names else [None] * len(texts)
        cols: dict[str, list] = {
            k: [] for k in (*_COUNTS, "distinct_3gram", "compression_ratio", "topic")
        }
        for text, lang in zip(texts, langs):
            lang = lang or languages.DEFAULT
            m = quality.doc_measures(text, lang, lexicon(lang), config["topics"])
            for k in cols:
                cols[k].append(m[k])
        out = {
            "doc_id": batch.column("doc_id"),
            "source": batch.column("source")
            if "source" in names
            else pa.nulls(len(texts), pa.string()),
            "lang": pa.array(langs, pa.string()),
            "chars": batch.column("_chars"),
            "tokens": batch.column("_tokens"),
        }
        out.update({k: pa.array(cols[k], pa.int32()) for k in _COUNTS})
        out["distinct_3gram"] = pa.array(cols["distinct_3gram"], pa.float64())
        out["compression_ratio"] = pa.array(cols["compression_ratio"], pa.float64())
        out["topic"] = pa.array(cols["topic"], pa.string())
        out.update({c: batch.column(c) for c in config.get("carry", ())})
        yield pa.RecordBatch.from_pydict(out)


def document_measures(config: dict) -> Callable:
    """mapInArrow function: (doc_id, text, _chars, _tokens, lang?, source?) -> OUTPUT
    (length and tokens come from Spark SQL), then the columns `config["carry"]` names,
    passed through. `config`: word_lists, topics, carry."""
    return functools.partial(_measure_batches, config=config)
