"""Arrow adapters: one module per step, each giving the function the step's job hands to
`DataFrame.mapInArrow`. They turn Arrow record batches into the plain-Python calls of
`ziya_data.udfs` and back, and import neither pyspark nor the jobs: they measure, and the
jobs decide (reject reasons and thresholds are Spark SQL in the job modules).

Each adapter module names the columns it adds as a pyarrow schema (`ADDED`, or `OUTPUT`
for an adapter whose output does not carry its input's columns); the job turns that into
Spark's schema. Heavy objects (models, tokenizers, lexicons) are built once per worker
process, lazily, by the functions that use them.
"""

from __future__ import annotations

from collections.abc import Callable

_LEXICONS: dict[tuple, object] = {}


def lexicons(word_lists: dict) -> Callable:
    """lang -> the rules.Lexicon of these word lists, built once per worker process. Keyed
    by content, as the lists arrive unpickled afresh with every task; the key costs about
    as much as scoring a short document, so a task computes it once, here."""
    from ziya_data.udfs import rules

    content = repr(sorted((c, sorted(v.items())) for c, v in word_lists.items()))

    def lexicon(lang: str):
        lex = _LEXICONS.get((lang, content))
        if lex is None:
            lex = _LEXICONS[(lang, content)] = rules.Lexicon(word_lists, lang)
        return lex

    return lexicon


def local_path(file) -> str:
    """Where a file the task was given is on this worker: a path as it is, or a shipped
    reference's local_path() (jobs.shipping.Shipped: Spark's copy)."""
    return file if isinstance(file, str) else file.local_path()


def replace_column(columns: dict, name: str, changed: list[bool], new_values: list, original):
    """Set `columns[name]` to `new_values` where `changed`, the original Arrow values
    elsewhere: most documents come out unchanged, and keeping their values is cheaper
    than building them again."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if any(changed):
        columns[name] = pc.if_else(
            pa.array(changed, pa.bool_()), pa.array(new_values, pa.string()), original
        )
