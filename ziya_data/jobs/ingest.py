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
import re
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
    # A file, a folder (read recursively) or a glob, local or a URI; or a table: a Delta
    # table's path or URI, a catalog table name, a folder of Parquet files.
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


@dataclass(frozen=True)
class InputFile:
    path: str
    size: int | None
    mtime: int | None  # ms


def _hidden(name: str) -> bool:
    return name.startswith((".", "_"))


def list_input(spark, spec: str, key: str = "ingest.input") -> list[InputFile]:
    """Input files of a path, folder or glob (hidden and _-files skipped, folders read
    recursively); `key` names the config key in the error when nothing matches. A local
    spec is listed here; a URI (s3://, abfss://, ...) by Spark, which reads it."""
    from ziya_data.jobs.tables import is_local

    if not is_local(spec):
        return _list_remote(spark, spec, key)
    spec = spec.removeprefix("file://")
    if os.path.isdir(spec):
        found = []
        for root, dirs, files in os.walk(spec):
            dirs[:] = sorted(d for d in dirs if not _hidden(d))
            found += [os.path.join(root, f) for f in sorted(files) if not _hidden(f)]
    else:
        found = sorted(p for p in glob.glob(spec, recursive=True) if os.path.isfile(p))
    if not found:
        raise JobError(f"{key} '{spec}' matches no files")
    out = []
    for path in found:
        st = os.stat(path)
        out.append(InputFile(os.path.abspath(path), st.st_size, st.st_mtime_ns // 1_000_000))
    return out


def _list_remote(spark, spec: str, key: str) -> list[InputFile]:
    """Files under a URI as Spark lists them (names, sizes and times only)."""
    try:
        rows = (
            spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(spec)
            .select("path", "length", "modificationTime").collect()
        )  # fmt: skip
    except Exception as exc:  # AnalysisException: the path does not exist
        raise JobError(f"{key} '{spec}' cannot be listed: {str(exc).splitlines()[0]}") from None
    files = [
        InputFile(r["path"], int(r["length"]), int(r["modificationTime"].timestamp() * 1000))
        for r in rows
        if not any(_hidden(part) for part in r["path"][len(spec.rstrip("/")) :].split("/"))
    ]
    if not files:
        raise JobError(f"{key} '{spec}' matches no files")
    return sorted(files, key=lambda f: f.path)


def input_fingerprint(files: list[InputFile]) -> str:
    """Changes when any input file is added, removed or rewritten."""
    h = hashlib.sha256()
    for f in files:
        h.update(json.dumps([f.path, f.size, f.mtime]).encode())
    return h.hexdigest()[:16]


_GLOB_CHARS = re.compile(r"([\\*?\[\]{}])")


def literal_paths(files: list[str]) -> list[str]:
    """Paths as Spark's readers take them literally: they expand glob characters, so a
    file named doc[1].jsonl would be read as doc1.jsonl (escaped, it is itself)."""
    return [_GLOB_CHARS.sub(r"\\\1", f) for f in files]


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

    # Cast to binary so invalid UTF-8 reaches Python as bytes and can be rejected.
    lines = (
        _json_lines(spark, files)
        .where(~_blank_line())
        .select(
            F.col("value").cast("binary").alias("line"), F.col("_metadata.file_path").alias("path")
        )
    )
    return map_batches(lines, json_lines_parser(_fields(cfg)), output=OUTPUT)


def _json_lines(spark, files: list[str]):
    """The files' lines, split at \\n only: a bare \\r inside a JSON record (legal in a
    string's raw bytes of some exporters) does not split it. CRLF lines keep their \\r,
    which JSON reads as whitespace."""
    return spark.read.format("text").option("lineSep", "\n").load(literal_paths(files))


def _read_text_files(spark, files: list[str], cfg: IngestConfig):
    from ziya_data.adapters.ingest import OUTPUT, text_files_parser

    content = spark.read.format("binaryFile").load(literal_paths(files)).select("content", "path")
    return map_batches(content, text_files_parser(_fields(cfg)), output=OUTPUT)


def _read_parquet(spark, files: list[str], cfg: IngestConfig):
    # The union of the files' columns, whatever order they are listed in.
    df = spark.read.option("mergeSchema", "true").parquet(*literal_paths(files))
    return rows_as_records(df, cfg, "the Parquet input")


def rows_as_records(df, cfg: IngestConfig, what: str, default_source=None):
    """Rows of a table (Parquet files, a Delta table) as parsed records: the configured
    fields mapped, the other columns as `meta`; `default_source` (a column) when the rows
    name none, else the file name."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    types = dict((f.name, f.dataType) for f in df.schema.fields)
    if cfg.text_field not in types:
        raise JobError(
            f"ingest.text_field '{cfg.text_field}' is not a column of {what} "
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
    if default_source is None:
        default_source = F.regexp_extract(F.col("_metadata.file_path"), r"([^/]+?)(\.[^/]*)?$", 1)
    source = (
        F.lit(cfg.source) if cfg.source else F.coalesce(optional(cfg.source_field), default_source)
    )
    text = F.col(cfg.text_field)
    # The other columns as JSON; null when they are all null (as for a JSON line without
    # other fields), so files with and without a column give the same record.
    meta = F.lit(None).cast("string")
    if others:
        packed = F.to_json(F.struct(*others))
        meta = F.when(packed != "{}", packed)
    return df.select(
        text.alias("text"),
        optional(cfg.url_field).alias("url"),
        optional(cfg.id_field).alias("orig_id"),
        source.alias("source"),
        meta.alias("meta"),
        F.when(text.isNull(), F.lit(records.MISSING_TEXT)).alias("error"),
        F.when(text.isNull(), F.lit(f"'{cfg.text_field}' is null")).alias("error_detail"),
    )


READERS = {"jsonl": _read_jsonl, "parquet": _read_parquet, "text": _read_text_files}


def _blank_line():
    """A line of nothing but whitespace (blank lines are not records)."""
    from pyspark.sql import functions as F

    return F.col("value").rlike(r"^\s*$")


def count_records(spark, by_format: dict[str, list[str]], listed: list[InputFile]) -> int:
    """How many records the input holds, counted apart from the parsing (the accounting's
    `rows in`): non-blank JSON lines, text files, Parquet rows. Each listed file must be
    read once as itself: a file read twice or not at all (Spark's readers expand glob
    characters in names) fails the run before anything is written."""
    from urllib.parse import unquote

    from pyspark.sql import functions as F

    total = 0
    seen: dict[str, int] = {}
    for fmt, paths in by_format.items():
        if fmt == "jsonl":
            per_file = (
                _json_lines(spark, paths).groupBy(F.col("_metadata.file_path").alias("f"))
                .agg(F.count("*").alias("lines"), F.sum((~_blank_line()).cast("int")).alias("n"))
                .collect()
            )  # fmt: skip
            for row in per_file:
                seen[row["f"]] = seen.get(row["f"], 0) + 1
                total += int(row["n"] or 0)
        elif fmt == "text":
            total += len(paths)
        else:
            total += spark.read.option("mergeSchema", "true").parquet(*literal_paths(paths)).count()

    def plain(uri: str) -> str:  # file:///a/b%20c and /a/b c alike
        return (
            "/" + unquote(uri[len("file:") :]).lstrip("/")
            if uri.startswith("file:")
            else unquote(uri)
        )

    jsonl = {plain(p) for p in by_format.get("jsonl", [])}
    nonempty = {plain(f.path) for f in listed if f.size and plain(f.path) in jsonl}
    read = {plain(p) for p in seen}
    doubled = [p for p, n in seen.items() if n > 1]
    if read - jsonl or nonempty - read or doubled:
        raise JobError(
            "ingest: the input files were not read as listed (missing: "
            f"{sorted(nonempty - read)[:3]}, unexpected: {sorted(read - jsonl)[:3]}); nothing was written"
        )
    return total


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


def read_table_input(spark, cfg: IngestConfig, storage_options: dict):
    """(records, its version) when ingest.input is a table rather than files: a Delta
    table (path or URI; its current snapshot, never the folder's files, which include
    removed ones), a catalog table name (catalog.schema.table or schema.table), or a
    Parquet folder read as one table (its partition columns restored). None otherwise."""
    from pyspark.sql import functions as F

    from ziya_data.jobs.tables import CATALOG_NAME, is_local, read_delta_rs

    spec = cfg.input
    name = spec.rstrip("/").rsplit("/", 1)[-1]
    if CATALOG_NAME.fullmatch(spec) and not os.path.exists(spec):
        if spark.catalog.tableExists(spec):
            df = spark.table(spec)
            return rows_as_records(df, cfg, f"table {spec}", F.lit(name.rsplit(".", 1)[-1])), None
    from deltalake import DeltaTable

    local = spec.removeprefix("file://")
    if _is_delta_table(spec, storage_options):
        version = DeltaTable(spec, storage_options=storage_options or None).version()
        from ziya_data.jobs.tables import delta_jars_present

        if delta_jars_present(spark):
            df = spark.read.format("delta").option("versionAsOf", version).load(spec)
        else:
            df = read_delta_rs(spark, spec, storage_options, version)
        return rows_as_records(df, cfg, f"the Delta table {spec}", F.lit(name)), version
    if is_local(spec) and os.path.isdir(local) and _is_parquet_folder(local):
        df = spark.read.option("mergeSchema", "true").parquet(literal_paths([local])[0])
        return rows_as_records(df, cfg, f"the Parquet folder {spec}"), None
    return None


def _is_delta_table(spec: str, storage_options: dict) -> bool:
    from deltalake import DeltaTable

    from ziya_data.jobs.tables import is_local

    if is_local(spec):
        return os.path.isdir(os.path.join(spec.removeprefix("file://"), "_delta_log"))
    try:
        return DeltaTable.is_deltatable(spec, storage_options or None)
    except Exception:  # not a table (a file, a glob): read as files
        return False


def _is_parquet_folder(folder: str) -> bool:
    """A folder of Parquet files, possibly in key=value partition folders (a table
    Spark or another engine wrote), not a mix of input files."""
    data = [
        os.path.join(root, f)
        for root, dirs, files in os.walk(folder)
        for f in files
        if not _hidden(f) and not _hidden(os.path.basename(root))
    ]
    nested = any(
        d for root, dirs, _ in os.walk(folder) for d in dirs if "=" not in d and not _hidden(d)
    )
    return bool(data) and not nested and all(f.endswith(".parquet") for f in data)


def read_input(spark, cfg: IngestConfig, key: str = "ingest.input", storage_options=None):
    """The input as parsed records (one DataFrame), and what identifies the input's
    state for the run id: a table's version, or the files' names, sizes and times."""
    table = read_table_input(spark, cfg, storage_options or {})
    if table is not None:
        records_df, version = table
        return records_df, {"table": cfg.input, "version": version, "records": records_df.count()}
    files = list_input(spark, cfg.input, key)
    state = {"count": len(files), "fingerprint": input_fingerprint(files)}
    by_format: dict[str, list[str]] = {}
    for f in files:
        fmt = cfg.format if cfg.format != "auto" else detect_format(f.path)
        by_format.setdefault(fmt, []).append(f.path)
    frames = [READERS[fmt](spark, paths, cfg) for fmt, paths in sorted(by_format.items())]
    parsed = frames[0]
    for frame in frames[1:]:
        parsed = parsed.unionByName(frame)
    state["records"] = count_records(spark, by_format, files)
    return parsed, state


def run(spark, settings) -> dict:
    section: IngestConfig = settings.section
    ctx = RunContext.start(spark, settings)
    parsed, state = read_input(spark, section, storage_options=settings.tables.storage_options)
    rows_in = state.pop("records")
    ctx.input_versions["table" if "table" in state else "files"] = state
    counts = write_step(ctx, transform(parsed, section), section.output, rows_in=rows_in)
    return {"job": "ingest", "run_id": ctx.run_id, "output": section.output, **counts.as_dict()}


def main(argv=None) -> int:
    from ziya_data.jobs import cli

    return cli.main_for("ingest", argv)


if __name__ == "__main__":
    raise SystemExit(main())
