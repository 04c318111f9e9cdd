"""filter's adapter: the rule registry and KenLM perplexity per document."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import pyarrow as pa

from ziya_data.adapters import lexicons, local_path, replace_column

ADDED = pa.schema(
    [
        ("ppl", pa.float64()),  # null: a rule fired, no model for the language, no tokens
        ("lm_tokens", pa.int32()),
        ("removed_share", pa.float64()),  # of characters, by paragraph and sentence rules
        ("rule_hits", pa.list_(pa.string())),
        ("rule", pa.string()),  # the rule that rejects the document, if one does
        ("rule_detail", pa.string()),
    ]
)
# Columns a filtered table has that a second filter run computes again.
RECOMPUTED = (*ADDED.names, "ppl_quantile", "quality_tier")


def _filter_batches(batches: Iterator[pa.RecordBatch], config: dict) -> Iterator[pa.RecordBatch]:
    """Rules first (a document a rule rejects is not scored), then perplexity of the rest
    where the language has a model."""
    from ziya_data.udfs import lm, rules

    settings: rules.Settings = config["settings"]
    # lang -> the model file: a path, or a reference whose local_path() says where Spark
    # put its copy on this worker (jobs.shipping.Shipped)
    models = {lang: local_path(m) for lang, m in config["models"].items()}
    lexicon = lexicons(config["word_lists"])  # once per task
    for batch in batches:
        original = batch.column("text")
        texts = [text or "" for text in original.to_pylist()]
        langs = batch.column("lang").to_pylist()
        outcomes = rules.apply_rules_batch(texts, langs, lexicon, settings)
        out = {k: [] for k in ("text", "ppl", "tokens", "changed")}
        for text, lang, outcome in zip(texts, langs, outcomes):
            score = lm.Perplexity(None, 0)
            if outcome.reason is None and lang in models:
                score = lm.perplexity(outcome.text, lang, models[lang], config["zh_segmenter"])
            out["changed"].append(outcome.text != text)
            out["text"].append(outcome.text if outcome.text != text else None)
            out["ppl"].append(score.ppl)
            out["tokens"].append(score.tokens)
        columns = {n: batch.column(n) for n in batch.schema.names if n not in RECOMPUTED}
        replace_column(columns, "text", out["changed"], out["text"], original)
        columns["ppl"] = pa.array(out["ppl"], pa.float64())
        columns["lm_tokens"] = pa.array(out["tokens"], pa.int32())
        columns["removed_share"] = pa.array([o.removed_share for o in outcomes], pa.float64())
        columns["rule_hits"] = pa.array([o.hits for o in outcomes], pa.list_(pa.string()))
        columns["rule"] = pa.array([o.reason for o in outcomes], pa.string())
        columns["rule_detail"] = pa.array([o.detail for o in outcomes], pa.string())
        yield pa.RecordBatch.from_pydict(columns)


def document_filter(config: dict) -> Callable:
    """mapInArrow function: the input's columns (text masked and cut by the rules) plus
    ADDED. `config`: settings (udfs.rules.Settings), word_lists, models {lang: model file
    or shipped reference}, zh_segmenter."""
    return functools.partial(_filter_batches, config=config)
