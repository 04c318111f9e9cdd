"""The one module that wraps the plain-Python functions of `udfs` for Spark.

Functions here work on Arrow record batches (`DataFrame.mapInArrow`), so the
per-row cost is the library's, not Spark's. Heavy objects (models, converters,
tokenizers) are built once per Python worker, lazily, by the functions they serve.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa

from ziya_data.udfs import records

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

    from ziya_data.udfs.textclean import clean_document

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
    from ziya_data.udfs import lm

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


def _lexicons(word_lists: dict) -> Callable:
    """lang -> the Aho-Corasick lexicon of these lists, built once per worker process.
    Keyed by content, as the lists arrive unpickled afresh with every task; the key
    costs about as much as scoring a short document, so a task computes it once, here."""
    from ziya_data.udfs import rules

    content = repr(sorted((c, sorted(v.items())) for c, v in word_lists.items()))

    def lexicon(lang: str):
        lex = _LEXICONS.get((lang, content))
        if lex is None:
            lex = _LEXICONS[(lang, content)] = rules.Lexicon(word_lists, lang)
        return lex

    return lexicon


def _filter_batches(batches: Iterator[pa.RecordBatch], config: dict) -> Iterator[pa.RecordBatch]:
    """Rules first (a rejected document is not scored), then perplexity of what remains."""
    import pyarrow.compute as pc

    from ziya_data.udfs import lm, rules

    settings: rules.Settings = config["settings"]
    models: dict[str, str] = config["models"]
    lexicon = _lexicons(config["word_lists"])  # once per task
    for batch in batches:
        original = batch.column("text")
        texts = [text or "" for text in original.to_pylist()]
        langs = batch.column("lang").to_pylist()
        outcomes = rules.apply_rules_batch(texts, langs, lexicon, settings)
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
        for text, lang, outcome in zip(texts, langs, outcomes):
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

    from ziya_data.udfs import dedup

    method, n_en, n_zh = config["method"], config["shingle_en"], config["shingle_zh"]
    for batch in batches:
        url_keys, exact_keys, bands, shingle_sets, simhashes = [], [], [], [], []
        for url, text, lang in zip(
            batch.column("url").to_pylist(),
            batch.column("text").to_pylist(),
            batch.column("lang").to_pylist(),
        ):
            text = text or ""
            url_keys.append(dedup.normalize_url(url))
            folded = dedup.exact_text(text)
            exact_keys.append(hashlib.blake2b(folded.encode("utf-8"), digest_size=16).hexdigest())
            n = n_zh if lang == "zh" else n_en
            if method == "minhash":
                keys = dedup.shingle_hashes(text, lang, n, folded)
            elif method == "simhash":
                keys = dedup.shingle_ids(text, lang, n, folded)
            else:
                keys = ()
            if not len(keys):
                bands.append([])
                shingle_sets.append(_NO_HASHES)
                simhashes.append(None)
            elif method == "minhash":
                signature = dedup.minhash_of_hashes(keys, config["num_perm"], config["seed"])
                bands.append(dedup.band_keys(signature, config["bands"], config["rows"]))
                shingle_sets.append(keys.view(np.int32))  # Spark has no uint32
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


_NO_HASHES = np.zeros(0, dtype=np.int32)


def _list_column(arrays: list) -> pa.ListArray:
    """int32 arrays as one list column, built from their concatenation and offsets (a
    Python list per row would cost more than hashing the shingles)."""
    offsets = np.zeros(len(arrays) + 1, dtype=np.int32)
    np.cumsum([len(a) for a in arrays], out=offsets[1:])
    values = np.concatenate(arrays) if arrays else _NO_HASHES
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, pa.int32()))


def dedup_keys(config: dict) -> Callable:
    """mapInArrow function: (doc_id, url, text, lang, carried columns) -> DEDUP_KEYS_DDL
    (URL key, exact key, band keys, and what verification needs: MinHash, the shingles'
    32-bit hashes; SimHash, the fingerprint), then the columns named in config["carry"]."""
    return functools.partial(_dedup_key_batches, config=config)


DEDUP_KEYS_DDL = (
    "doc_id string, _url_key string, _exact_key string, _bands array<bigint>, "
    "_shingles array<int>, _simhash bigint"
)


# ---------------------------------------------------------------- attribute scores

SCORE_COLUMNS = (
    "tokens",
    "coherence",
    "readability",
    "similarity",
    "coherence_parts",
    "readability_parts",
)


def score_output_schema(input_schema, reference_names: list[str]):
    from pyspark.sql.types import DoubleType, IntegerType, StringType, StructField, StructType

    from ziya_data.udfs import coherence, readability

    added = set(SCORE_COLUMNS) | {f"similarity_{n}" for n in reference_names}
    return StructType(
        [f for f in input_schema.fields if f.name not in added]
        + [
            StructField("tokens", IntegerType()),
            StructField("coherence", DoubleType()),
            StructField("readability", DoubleType()),
            StructField("similarity", DoubleType()),
            *[StructField(f"similarity_{n}", DoubleType()) for n in reference_names],
            StructField(
                "coherence_parts",
                StructType([StructField(c, DoubleType()) for c in coherence.COMPONENTS]),
            ),
            StructField(
                "readability_parts",
                StructType([StructField(c, DoubleType()) for c in readability.COMPONENTS]),
            ),
            StructField("_reject_reason", StringType()),
            StructField("_reject_detail", StringType()),
        ]
    )


_EMBEDDERS: dict[str, object] = {}


def _embedder(spec: dict):
    """The embedder a spec names; a sentence-transformers model loads once per worker."""
    from ziya_data.udfs import similarity

    if spec["kind"] == "hashed":
        return spec["embedder"]
    model = _EMBEDDERS.get(spec["path"])
    if model is None:
        model = _EMBEDDERS[spec["path"]] = similarity.SentenceTransformerEmbedder(spec["path"])
    return model


def _score_batches(batches: Iterator[pa.RecordBatch], config: dict) -> Iterator[pa.RecordBatch]:
    from ziya_data.udfs import coherence, readability, segment

    refs: dict[str, np.ndarray] = config["references"]
    embedder = _embedder(config["embedder"])
    hashed = config["embedder"]["kind"] == "hashed"
    lexicon = _lexicons(config["word_lists"])  # once per task
    for batch in batches:
        texts = [t or "" for t in batch.column("text").to_pylist()]
        langs = batch.column("lang").to_pylist()
        out = {k: [] for k in ("tokens", "coherence", "readability", "ch_parts", "ra_parts")}
        sims = {name: [] for name in refs}
        dense = None if hashed or not refs else embedder.embed(texts, langs)
        for row, (text, lang) in enumerate(zip(texts, langs)):
            lex = lexicon(lang)
            seg = segment.Segmented(text, lang, config["zh_segmenter"], config["user_dict"])
            ch = coherence.score(text, lang, seg, lex)
            ra = readability.score(text, lang, seg, lex)
            out["tokens"].append(seg.word_count)
            out["coherence"].append(ch.pop("coherence"))
            out["readability"].append(ra.pop("readability"))
            out["ch_parts"].append(ch)
            out["ra_parts"].append(ra)
            words = None
            if hashed:  # the content words coherence used, when the lists agree
                fw = embedder.function_words.get(lang, set())
                words = [w for ws in seg.content(fw) for w in ws]
            for name, mean in refs.items():
                if hashed:
                    sims[name].append(embedder.similarity(text, lang, mean, words))
                else:
                    sims[name].append(float(dense[row] @ mean))
        columns = {n: batch.column(n) for n in batch.schema.names if n not in config["replace"]}
        columns["tokens"] = pa.array(out["tokens"], pa.int32())
        columns["coherence"] = pa.array(out["coherence"], pa.float64())
        columns["readability"] = pa.array(out["readability"], pa.float64())
        mean_sim = [sum(v) / len(v) for v in zip(*sims.values())] if sims else [None] * len(texts)
        columns["similarity"] = pa.array(mean_sim, pa.float64())
        for name, values in sims.items():
            columns[f"similarity_{name}"] = pa.array(values, pa.float64())
        columns["coherence_parts"] = _struct_column(out["ch_parts"], coherence.COMPONENTS)
        columns["readability_parts"] = _struct_column(out["ra_parts"], readability.COMPONENTS)
        reasons, details = [], []
        for c, r in zip(out["coherence"], out["readability"]):
            if c < config["min_coherence"]:
                reasons.append("low_coherence")
                details.append(f"coherence {c:.3f} < {config['min_coherence']}")
            elif r < config["min_readability"]:
                reasons.append("low_readability")
                details.append(f"readability {r:.3f} < {config['min_readability']}")
            else:
                reasons.append(None)
                details.append(None)
        columns["_reject_reason"] = pa.array(reasons, pa.string())
        columns["_reject_detail"] = pa.array(details, pa.string())
        yield pa.RecordBatch.from_pydict(columns)


def _struct_column(dicts: list[dict], fields: tuple[str, ...]) -> pa.StructArray:
    """Dicts of numbers as one struct column (a missing key is null)."""
    return pa.StructArray.from_arrays(
        [pa.array([d.get(f) for d in dicts], pa.float64()) for f in fields], names=list(fields)
    )


def attribute_scorer(config: dict) -> Callable:
    """mapInArrow function adding coherence, readability, similarity (per reference set
    and their mean) and token counts. `config`: word_lists, zh_segmenter, user_dict,
    references {name: mean unit vector}, embedder spec, min_coherence, min_readability,
    replace (input columns the output recomputes)."""
    return functools.partial(_score_batches, config=config)


# ---------------------------------------------------------------- evaluation

EVAL_MEASURES_DDL = (
    "doc_id string, source string, lang string, chars int, tokens int, privacy int, toxic int, "
    "advertising int, html int, distinct_3gram double, compression_ratio double, topic string"
)


def _measure_batches(batches: Iterator[pa.RecordBatch], config: dict) -> Iterator[pa.RecordBatch]:
    from ziya_data.udfs import quality

    ints = ("privacy", "toxic", "advertising", "html")
    lexicon = _lexicons(config["word_lists"])  # once per task
    for batch in batches:
        names = batch.schema.names
        texts = [t or "" for t in batch.column("text").to_pylist()]
        langs = batch.column("lang").to_pylist() if "lang" in names else [None] * len(texts)
        cols: dict[str, list] = {
            k: [] for k in (*ints, "distinct_3gram", "compression_ratio", "topic")
        }
        for text, lang in zip(texts, langs):
            lang = lang or "en"
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
        out.update({k: pa.array(cols[k], pa.int32()) for k in ints})
        out["distinct_3gram"] = pa.array(cols["distinct_3gram"], pa.float64())
        out["compression_ratio"] = pa.array(cols["compression_ratio"], pa.float64())
        out["topic"] = pa.array(cols["topic"], pa.string())
        yield pa.RecordBatch.from_pydict(out)


def document_measures(config: dict) -> Callable:
    """mapInArrow function: (doc_id, text, _chars, _tokens, lang?, source?) ->
    EVAL_MEASURES_DDL rows (udfs.quality.doc_measures; length and tokens come from
    Spark SQL). `config`: word_lists, topics."""
    return functools.partial(_measure_batches, config=config)
