"""ingest's adapters: raw bytes of JSON lines or whole text files -> records."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import pyarrow as pa

from ziya_data.udfs import records

# What a parser yields per input line or file: the record, or the error that makes it
# unreadable (with what could be read of it in `text`).
OUTPUT = pa.schema(
    [(name, pa.string()) for name in ("text", "url", "orig_id", "source", "meta", "error", "error_detail")]
)  # fmt: skip


def _records_to_batch(recs: list[records.Record]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {name: pa.array([getattr(r, name) for r in recs], pa.string()) for name in OUTPUT.names},
        schema=OUTPUT,
    )


def _parse_batches(
    batches: Iterator[pa.RecordBatch], parse: Callable, data_column: str, fields: records.Fields
) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        data = batch.column(data_column).to_pylist()
        paths = batch.column("path").to_pylist()
        yield _records_to_batch([parse(raw, path, fields) for raw, path in zip(data, paths)])


def json_lines_parser(fields: records.Fields) -> Callable:
    """mapInArrow function: (line binary, path string) -> OUTPUT rows."""
    return functools.partial(
        _parse_batches, parse=records.parse_json_line, data_column="line", fields=fields
    )


def text_files_parser(fields: records.Fields) -> Callable:
    """mapInArrow function: (content binary, path string) -> OUTPUT rows."""
    return functools.partial(
        _parse_batches, parse=records.parse_text_file, data_column="content", fields=fields
    )
