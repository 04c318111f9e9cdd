"""train-lm's adapter: documents -> KenLM training lines (udfs.lm.training_lines)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import pyarrow as pa

OUTPUT = pa.schema([("lang", pa.string()), ("line", pa.string())])


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
    """mapInArrow function: (lang, text) -> OUTPUT, one training line per paragraph."""
    return functools.partial(_training_lines, zh_backend=zh_backend)
