"""ingest: input files (JSONL / JSONL.gz, Parquet, plain text) -> table `raw` (+ rejects).

Every non-blank input line (JSONL), row (Parquet) or file (text) becomes one row of
`raw` or one row of `rejects` with a reason: the record could not be read (malformed
JSON, invalid UTF-8, no text field: the adapter says which), or this job's rules
reject it (empty or oversized text, a repeated identical record). `doc_id` is a content
hash of source, url, original id and text, so a re-run writes identical rows.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__" and not __package__:  # spark-submit ziya_data/jobs/ingest.py
    sys.path[0] = str(Path(__file__).resolve().parents[2])  # the package root, not jobs/

from ziya_data.jobs.config import option
from ziya_data.jobs.runtime import (
    REJECT_DETAIL,
    REJECT_REASON,
    JobError,
    RunContext,
    map_batches,
    write_step,
)
from ziya_data.udfs import records

FORMATS = ("jsonl", "parquet", "text")
# Reject reasons this job decides (the adapter names records it cannot read).
EMPTY_TEXT = "empty_text"
TOO_LARGE = "too_large"
DUPLICATE_RECORD = "duplicate_record"


@dataclass(frozen=True)
class IngestConfig:
    # A file, a folder (read recursively) or a glob; local or a cluster URI.
    input: str = "./demo-data/corpus"
    output: str = "raw"
    format: str = option("auto", choices=["auto", *FORMATS])
    text_field: str = "text"
    id_field: str = "id"
    url_field: str = "url"
    source_field: str = "source"
    # A fixed source for every record; empty: the record's source field, else the file name.
    source: str = ""
    max_text_bytes: int = option(8_000_000, min=1)


def detect_format(path: str) -> str:
    name = path.lower()
    if name.endswith((".jsonl", ".jsonl.gz", ".json", ".json.gz", ".ndjson", ".ndjson.gz")):
        return "jsonl"
    if name.endswith(".parquet"):
        return "parquet"
    return "text"


def list_input(spec: str, key: str = "ingest.input") -> list[str]:
    """Input files of a local path, folder or glob (hidden and _-files skipped); `key`
    names the config key in the error when nothing matches."""
    if "://" in spec and not spec.startswith("file://"):
        return [spec]  # cluster storage: Spark lists it
    spec = spec.removeprefix("file://")
    if os.path.isdir(spec):
        found = []
        for root, dirs, files in os.walk(spec):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
            found += [os.path.join(root, f) for f in sorted(files) if not f.startswith((".", "_"))]
    else:
        found = sorted(p for p in glob.glob(spec, recursive=True) if os.path.isfile(p))
    if not found:
        raise JobError(f"{key} '{spec}' matches no files")
    return [os.path.abspath(p) for p in found]


def input_fingerprint(files: list[str]) -> str:
    """Changes when any input file is added, removed or rewritten."""
    h = hashlib.sha256()
    for f in files:
        st = os.stat(f) if os.path.exists(f) else None
        h.update(
            json.dumps([f, st.st_size if st else None, st.st_mtime_ns if st else None]).encode()
        )
    return h.hexdigest()[:16]


def _fields(cfg: IngestConfig) -> records.Fields:
    return records.Fields(
        text=cfg.text_field,
        id=cfg.id_field,
        url=cfg.url_field,
        source=cfg.source_field,
        fixed_source=cfg.source,
    )


def _read_jsonl(spark, files: list[str], cfg: IngestConfig):
    from pyspark.sql import functions as F

    from ziya_data.adapters.ingest import OUTPUT, json_lines_parser

    lines = spark.read.format("text").load(files)
    # Cast to binary so invalid UTF-8 reaches Python as bytes and can be rejected.
    lines = lines.where(F.trim(F.col("value")) != "").select(
        F.col("value").cast("binary").alias("line"), F.col("_metadata.file_path").alias("path")
    )
    return map_batches(lines, json_lines_parser(_fields(cfg)), output=OUTPUT)


def _read_text_files(spark, files: list[str], cfg: IngestConfig):
    from ziya_data.adapters.ingest import OUTPUT, text_files_parser

    content = spark.read.format("binaryFile").load(files).select("content", "path")
    return map_batches(content, text_files_parser(_fields(cfg)), output=OUTPUT)


def _read_parquet(spark, files: list[str], cfg: IngestConfig):
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    df = spark.read.parquet(*files)
    types = dict((f.name, f.dataType) for f in df.schema.fields)
    if cfg.text_field not in types:
        raise JobError(
            f"ingest.text_field '{cfg.text_field}' is not a column of the Parquet input "
            f"(columns: {', '.join(types)})"
        )
    if not isinstance(types[cfg.text_field], StringType):
        raise JobError(
            f"ingest.text_field '{cfg.text_field}' is {types[cfg.text_field].simpleString()}, not string"
        )

    def optional(name):
        return F.col(name).cast("string") if name in types else F.lit(None).cast("string")

    taken = {cfg.text_field, cfg.url_field, cfg.source_field}
    others = [c for c in df.columns if c not in taken]
    file_source = F.regexp_extract(F.col("_metadata.file_path"), r"([^/]+?)(\.[^/]*)?$", 1)
    source = (
        F.lit(cfg.source) if cfg.source else F.coalesce(optional(cfg.source_field), file_source)
    )
    text = F.col(cfg.text_field)
    return df.select(
        text.alias("text"),
        optional(cfg.url_field).alias("url"),
        optional(cfg.id_field).alias("orig_id"),
        source.alias("source"),
        (F.to_json(F.struct(*others)) if others else F.lit(None).cast("string")).alias("meta"),
        F.when(text.isNull(), F.lit(records.MISSING_TEXT)).alias("error"),
        F.when(text.isNull(), F.lit(f"'{cfg.text_field}' is null")).alias("error_detail"),
    )


READERS = {"jsonl": _read_jsonl, "parquet": _read_parquet, "text": _read_text_files}


def _blank(text):
    """Python's `not text.strip()` in Spark SQL: nothing but whitespace (Unicode's, and
    the four separators Python also strips)."""
    from pyspark.sql import functions as F

    return F.coalesce(text.rlike(r"^[\p{IsWhite_Space}\x1c-\x1f]*$"), F.lit(True))


def transform(parsed, cfg: IngestConfig):
    """Parsed records -> raw rows plus reject rows (`_reject_reason` set).

    `parsed` has the columns of `adapters.ingest.OUTPUT`. A record that could not be
    read is rejected with its error; a readable one that is blank or larger than
    `max_text_bytes` is rejected here. Identical records (same source, url, original id
    and text) share a doc_id; the first is kept and the others are rejected as
    `duplicate_record`.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    text, size = F.col("text"), F.octet_length(F.col("text"))
    too_large = size > F.lit(cfg.max_text_bytes)
    reason = F.coalesce(
        F.col("error"),
        F.when(_blank(text), F.lit(EMPTY_TEXT)).when(too_large, F.lit(TOO_LARGE)),
    )
    detail = F.when(F.col("error").isNotNull(), F.col("error_detail")).when(
        reason == TOO_LARGE, F.format_string("%d bytes > %d", size, F.lit(cfg.max_text_bytes))
    )
    parsed = parsed.select("text", "url", "orig_id", "source", "meta", reason.alias("reason"),
                           detail.alias("detail"))  # fmt: skip
    key = F.concat_ws(
        "\u001f",
        F.coalesce(F.col("source"), F.lit("")),
        F.coalesce(F.col("url"), F.lit("")),
        F.coalesce(F.col("orig_id"), F.lit("")),
        F.coalesce(F.col("text"), F.lit("")),
    )
    # Rejects get an id from their reason too, so a broken line never collides with a document.
    doc_id = F.substring(
        F.sha2(
            F.when(F.col("reason").isNull(), key).otherwise(
                F.concat_ws("\u001f", F.col("reason"), key)
            ),
            256,
        ),
        1,
        32,
    )
    with_id = parsed.withColumn("doc_id", doc_id)
    nth = F.row_number().over(Window.partitionBy("doc_id").orderBy(F.col("meta").asc_nulls_first()))
    with_id = with_id.withColumn("_nth", nth)
    reason = F.when(F.col("reason").isNotNull(), F.col("reason")).when(
        F.col("_nth") > 1, F.lit(DUPLICATE_RECORD)
    )
    return with_id.select(
        "doc_id",
        "text",
        "source",
        "url",
        "meta",
        reason.alias(REJECT_REASON),
        F.col("detail").alias(REJECT_DETAIL),
    )


def read_input(spark, cfg: IngestConfig, key: str = "ingest.input"):
    """All input files as parsed records (one DataFrame), per detected or set format."""
    files = list_input(cfg.input, key)
    by_format: dict[str, list[str]] = {}
    for f in files:
        by_format.setdefault(cfg.format if cfg.format != "auto" else detect_format(f), []).append(f)
    frames = [READERS[fmt](spark, paths, cfg) for fmt, paths in sorted(by_format.items())]
    parsed = frames[0]
    for frame in frames[1:]:
        parsed = parsed.unionByName(frame)
    return parsed, files


def run(spark, settings) -> dict:
    section: IngestConfig = settings.section
    ctx = RunContext.start(spark, settings)
    parsed, files = read_input(spark, section)
    ctx.input_versions["files"] = {"count": len(files), "fingerprint": input_fingerprint(files)}
    counts = write_step(ctx, transform(parsed, section), section.output)
    return {"job": "ingest", "run_id": ctx.run_id, "output": section.output, **counts.as_dict()}


def main(argv=None) -> int:
    from ziya_data.jobs import cli

    return cli.main_for("ingest", argv)


if __name__ == "__main__":
    raise SystemExit(main())
