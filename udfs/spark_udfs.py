"""The one module that wraps the plain-Python functions of `udfs` for Spark.

Functions here work on Arrow record batches (`DataFrame.mapInArrow`), so the
per-row cost is the library's, not Spark's. Heavy objects (models, converters,
tokenizers) are built once per Python worker, lazily, by the functions they serve.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import pyarrow as pa

from udfs import records

RECORD_SCHEMA_DDL = "text string, url string, orig_id string, source string, meta string, reason string, detail string"
_RECORD_FIELDS = ("text", "url", "orig_id", "source", "meta", "reason", "detail")


def _records_to_batch(recs: list[records.Record]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {name: pa.array([getattr(r, name) for r in recs], pa.string()) for name in _RECORD_FIELDS}
    )


def _parse_batches(
    batches: Iterator[pa.RecordBatch], parse: Callable, data_column: str, fields: records.Fields
) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        data = batch.column(data_column).to_pylist()
        paths = batch.column("path").to_pylist()
        yield _records_to_batch([parse(raw, path, fields) for raw, path in zip(data, paths)])


def json_lines_parser(fields: records.Fields) -> Callable:
    """mapInArrow function: (line binary, path string) -> RECORD_SCHEMA_DDL rows."""
    return functools.partial(
        _parse_batches, parse=records.parse_json_line, data_column="line", fields=fields
    )


def text_files_parser(fields: records.Fields) -> Callable:
    """mapInArrow function: (content binary, path string) -> RECORD_SCHEMA_DDL rows."""
    return functools.partial(
        _parse_batches, parse=records.parse_text_file, data_column="content", fields=fields
    )


# ---------------------------------------------------------------- clean


def clean_output_schema(input_schema):
    """The input's columns (text replaced) plus what clean adds; built from Spark's schema."""
    from pyspark.sql.types import ArrayType, DoubleType, StringType, StructField, StructType

    return StructType(
        [*input_schema.fields]
        + [
            StructField("lang", StringType()),
            StructField("lang_score", DoubleType()),
            StructField("_reject_reason", StringType()),
            StructField("_reject_detail", StringType()),
            StructField("clean_ops", ArrayType(StringType())),
        ]
    )


def _clean_batches(batches: Iterator[pa.RecordBatch], settings: dict) -> Iterator[pa.RecordBatch]:
    import pyarrow.compute as pc

    from udfs.textclean import clean_document

    for batch in batches:
        original = batch.column("text")
        texts = original.to_pylist()
        results = [clean_document(t or "", **settings) for t in texts]
        # Most documents come out unchanged: keep their Arrow values, build only the new ones.
        changed = [r.text != t for r, t in zip(results, texts)]
        columns = {name: batch.column(name) for name in batch.schema.names}
        if any(changed):
            new_text = pa.array(
                [r.text if c else None for r, c in zip(results, changed)], pa.string()
            )
            columns["text"] = pc.if_else(pa.array(changed, pa.bool_()), new_text, original)
        columns["lang"] = pa.array([r.lang for r in results], pa.string())
        columns["lang_score"] = pa.array([r.lang_score for r in results], pa.float64())
        columns["_reject_reason"] = pa.array([r.reason for r in results], pa.string())
        columns["_reject_detail"] = pa.array([r.detail for r in results], pa.string())
        columns["clean_ops"] = pa.array([r.operations for r in results], pa.list_(pa.string()))
        yield pa.RecordBatch.from_pydict(columns)


def cleaner(settings: dict) -> Callable:
    """mapInArrow function applying `udfs.textclean.clean_document(**settings)` to `text`."""
    return functools.partial(_clean_batches, settings=settings)


# ---------------------------------------------------------------- language models and rules


def _training_lines(batches: Iterator[pa.RecordBatch], zh_backend: str) -> Iterator[pa.RecordBatch]:
    from udfs import lm

    for batch in batches:
        langs, lines = [], []
        for lang, text in zip(batch.column("lang").to_pylist(), batch.column("text").to_pylist()):
            for line in lm.training_lines(text or "", lang, zh_backend):
                langs.append(lang)
                lines.append(line)
        yield pa.RecordBatch.from_pydict(
            {"lang": pa.array(langs, pa.string()), "line": pa.array(lines, pa.string())}
        )


def lm_training_lines(zh_backend: str) -> Callable:
    """mapInArrow function: (lang, text) -> (lang, line), one KenLM training line per paragraph."""
    return functools.partial(_training_lines, zh_backend=zh_backend)


def filter_output_schema(input_schema):
    from pyspark.sql.types import (
        ArrayType,
        DoubleType,
        IntegerType,
        StringType,
        StructField,
        StructType,
    )

    return StructType(
        [f for f in input_schema.fields if f.name not in FILTER_COLUMNS]
        + [
            StructField("ppl", DoubleType()),
            StructField("lm_tokens", IntegerType()),
            StructField("removed_share", DoubleType()),
            StructField("rule_hits", ArrayType(StringType())),
            StructField("_reject_reason", StringType()),
            StructField("_reject_detail", StringType()),
        ]
    )


FILTER_COLUMNS = ("ppl", "lm_tokens", "removed_share", "rule_hits", "ppl_quantile", "quality_tier")
_LEXICONS: dict[tuple, object] = {}


def _lexicon(word_lists: dict, lang: str):
    """The Aho-Corasick lexicon for these lists, built once per worker process. Keyed by
    content: the lists arrive unpickled afresh with every task."""
    from udfs import rules

    key = (lang, repr(sorted((c, sorted(v.items())) for c, v in word_lists.items())))
    lex = _LEXICONS.get(key)
    if lex is None:
        lex = _LEXICONS[key] = rules.Lexicon(word_lists, lang)
    return lex


def _filter_batches(batches: Iterator[pa.RecordBatch], config: dict) -> Iterator[pa.RecordBatch]:
    """Rules first (a rejected document is not scored), then perplexity of what remains."""
    import pyarrow.compute as pc

    from udfs import lm, rules

    settings: rules.Settings = config["settings"]
    models: dict[str, str] = config["models"]
    for batch in batches:
        original = batch.column("text")
        texts = original.to_pylist()
        out_text, ppl, tokens, removed, hits, reasons, details, changed = (
            [],
            [],
            [],
            [],
            [],
            [],
            [],
            [],
        )
        for text, lang in zip(texts, batch.column("lang").to_pylist()):
            text = text or ""
            outcome = rules.apply_rules(text, lang, _lexicon(config["word_lists"], lang), settings)
            reason, detail, score = outcome.reason, outcome.detail, lm.Perplexity(None, 0)
            if reason is None:
                if lang not in models:
                    reason, detail = "no_language_model", lang
                else:
                    score = lm.perplexity(outcome.text, lang, models[lang], config["zh_segmenter"])
                    if score.ppl is None:
                        reason = "no_tokens_to_score"
            changed.append(outcome.text != text)
            out_text.append(outcome.text if outcome.text != text else None)
            ppl.append(score.ppl)
            tokens.append(score.tokens)
            removed.append(outcome.removed_share)
            hits.append(outcome.hits)
            reasons.append(reason)
            details.append(detail)
        columns = {n: batch.column(n) for n in batch.schema.names if n not in FILTER_COLUMNS}
        if any(changed):
            columns["text"] = pc.if_else(
                pa.array(changed, pa.bool_()), pa.array(out_text, pa.string()), original
            )
        columns["ppl"] = pa.array(ppl, pa.float64())
        columns["lm_tokens"] = pa.array(tokens, pa.int32())
        columns["removed_share"] = pa.array(removed, pa.float64())
        columns["rule_hits"] = pa.array(hits, pa.list_(pa.string()))
        columns["_reject_reason"] = pa.array(reasons, pa.string())
        columns["_reject_detail"] = pa.array(details, pa.string())
        yield pa.RecordBatch.from_pydict(columns)


def document_filter(config: dict) -> Callable:
    """mapInArrow function applying the rule registry and KenLM perplexity to each document.
    `config`: settings (udfs.rules.Settings), word_lists, models {lang: path}, zh_segmenter."""
    return functools.partial(_filter_batches, config=config)


# ---------------------------------------------------------------- dedup


def _dedup_key_batches(batches: Iterator[pa.RecordBatch], config: dict) -> Iterator[pa.RecordBatch]:
    import hashlib

    from udfs import dedup

    method, n_en, n_zh = config["method"], config["shingle_en"], config["shingle_zh"]
    for batch in batches:
        url_keys, exact_keys, bands = [], [], []
        for url, text, lang in zip(
            batch.column("url").to_pylist(),
            batch.column("text").to_pylist(),
            batch.column("lang").to_pylist(),
        ):
            text = text or ""
            url_keys.append(dedup.normalize_url(url))
            exact_keys.append(
                hashlib.blake2b(dedup.exact_text(text).encode("utf-8"), digest_size=16).hexdigest()
            )
            shingle_set = dedup.shingles(text, lang, n_zh if lang == "zh" else n_en)
            if method == "none" or not shingle_set:
                bands.append([])
            elif method == "minhash":
                signature = dedup.minhash(shingle_set, config["num_perm"], config["seed"])
                bands.append(dedup.band_keys(signature, config["bands"], config["rows"]))
            else:
                bands.append(
                    dedup.simhash_blocks(dedup.simhash(shingle_set), config["max_hamming"])
                )
        yield pa.RecordBatch.from_pydict(
            {
                "doc_id": batch.column("doc_id"),
                "_url_key": pa.array(url_keys, pa.string()),
                "_exact_key": pa.array(exact_keys, pa.string()),
                "_bands": pa.array(bands, pa.list_(pa.int64())),
            }
        )


def dedup_keys(config: dict) -> Callable:
    """mapInArrow function: (doc_id, url, text, lang) -> (doc_id, _url_key, _exact_key, _bands)."""
    return functools.partial(_dedup_key_batches, config=config)


DEDUP_KEYS_DDL = "doc_id string, _url_key string, _exact_key string, _bands array<bigint>"


def _pair_similarity_batches(
    batches: Iterator[pa.RecordBatch], config: dict
) -> Iterator[pa.RecordBatch]:
    from udfs import dedup

    n_en, n_zh = config["shingle_en"], config["shingle_zh"]
    for batch in batches:
        sims = []
        for ta, tb, la, lb in zip(
            batch.column("text_a").to_pylist(), batch.column("text_b").to_pylist(),
            batch.column("lang_a").to_pylist(), batch.column("lang_b").to_pylist(),
        ):  # fmt: skip
            sa = dedup.shingles(ta or "", la, n_zh if la == "zh" else n_en)
            sb = dedup.shingles(tb or "", lb, n_zh if lb == "zh" else n_en)
            if config["method"] == "simhash":
                sims.append(1.0 - dedup.hamming(dedup.simhash(sa), dedup.simhash(sb)) / 64.0)
            else:
                sims.append(dedup.jaccard(sa, sb))
        yield pa.RecordBatch.from_pydict(
            {
                "a": batch.column("a"),
                "b": batch.column("b"),
                "similarity": pa.array(sims, pa.float64()),
            }
        )


def pair_similarity(config: dict) -> Callable:
    """mapInArrow function: candidate pairs with both texts -> (a, b, similarity): exact
    Jaccard of the shingle sets (MinHash), or 1 - Hamming/64 of the SimHashes."""
    return functools.partial(_pair_similarity_batches, config=config)
