"""The one table layer: Delta tables under a lake root, with or without Delta's jars.

Two backends behind one interface (read at a version, write with append or
overwrite, commit metadata, history):

* `delta`: Spark's own `format("delta")`, where the io.delta jars are on the
  classpath (Databricks, clusters with delta-spark).
* `delta-rs`: Spark writes Parquet files into a fresh batch folder inside the
  table, then one delta-rs commit adds them to the Delta log (DESIGN.md §5).
  Reads take the snapshot's file list from delta-rs and give it to
  `spark.read.parquet`. A write that fails before its commit leaves the table
  at its previous version; its batch folder is removed.

Commit metadata is a JSON object stored as the commit's `userMetadata` on both
routes, so `history()` returns the same thing whichever wrote the table.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from ziya_data.jobs.config import TablesConfig

# The tables the pipeline writes under their default names, in pipeline order (the
# rejects table is named by tables.rejects).
PIPELINE_TABLES = (
    "raw", "clean", "filtered", "deduped", "duplicates", "scored", "score_summary", "evaluation",
)  # fmt: skip


class TableError(RuntimeError):
    """A user-fixable table problem (missing table, unsupported feature)."""


@dataclass(frozen=True)
class Commit:
    version: int
    timestamp_ms: int
    operation: str
    metadata: dict


def delta_jars_present(spark) -> bool:
    """Whether Spark's own Delta support is configured in this session."""
    if "DATABRICKS_RUNTIME_VERSION" in os.environ:
        return True
    try:
        extensions = spark.conf.get("spark.sql.extensions", "") or ""
    except Exception:
        extensions = ""
    return "DeltaSparkSessionExtension" in extensions


def _is_local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")


def _local_path(uri: str) -> str:
    return uri[len("file://") :] if uri.startswith("file://") else uri


class Tables:
    """Named Delta tables below `root`."""

    def __init__(self, spark, root: str, cfg: TablesConfig | None = None):
        cfg = cfg or TablesConfig()
        self.spark = spark
        self.root = os.path.abspath(root) if _is_local(root) else root.rstrip("/")
        backend = cfg.backend
        if backend == "auto":
            backend = "delta" if delta_jars_present(spark) else "delta-rs"
        self.backend = backend
        self.rejects = cfg.rejects

    # ------------------------------------------------------------ naming

    def path(self, name: str) -> str:
        if not name or "/" in name or name.startswith(("_", ".")):
            raise TableError(
                f"table name {name!r} is not valid (plain names only, not starting with _ or .)"
            )
        return f"{self.root}/{name}"

    # ------------------------------------------------------------ reading

    def _delta_rs(self, name: str, version: int | None = None):
        from deltalake import DeltaTable
        from deltalake.exceptions import TableNotFoundError

        path = self.path(name)
        try:
            return DeltaTable(path, version=version) if version is not None else DeltaTable(path)
        except TableNotFoundError:
            raise TableError(f"table '{name}' does not exist at {path}") from None
        except Exception as exc:  # version out of range and similar
            if version is not None and "version" in str(exc).lower():
                raise TableError(f"table '{name}' has no version {version}") from None
            raise

    def exists(self, name: str) -> bool:
        if self.backend == "delta-rs":
            from deltalake import DeltaTable

            return DeltaTable.is_deltatable(self.path(name))
        try:
            self.spark.sql(f"DESCRIBE HISTORY delta.`{self.path(name)}` LIMIT 1").collect()
            return True
        except Exception:
            return False

    def version(self, name: str) -> int | None:
        """Current version of a table, or None if it does not exist."""
        if not self.exists(name):
            return None
        if self.backend == "delta-rs":
            return self._delta_rs(name).version()
        row = self.spark.sql(f"DESCRIBE HISTORY delta.`{self.path(name)}` LIMIT 1").collect()[0]
        return int(row["version"])

    def read(self, name: str, version: int | None = None):
        """The table as a DataFrame, at `version` if given (time travel)."""
        if self.backend == "delta":
            if not self.exists(name):
                raise TableError(f"table '{name}' does not exist at {self.path(name)}")
            reader = self.spark.read.format("delta")
            if version is not None:
                reader = reader.option("versionAsOf", version)
            return reader.load(self.path(name))
        return self._read_delta_rs(name, version)

    def _read_delta_rs(self, name: str, version: int | None):
        import pyarrow as pa
        from pyspark.sql.pandas.types import from_arrow_schema

        dt = self._delta_rs(name, version)
        protocol = dt.protocol()
        features = set(protocol.reader_features or [])
        config = dt.metadata().configuration or {}
        if "deletionVectors" in features or config.get("delta.enableDeletionVectors") == "true":
            raise TableError(
                f"table '{name}' uses deletion vectors, which the delta-rs route cannot read; "
                "run it with Delta's jars (tables.backend=delta) or rewrite it without them"
            )
        if config.get("delta.columnMapping.mode", "none") != "none" or "columnMapping" in features:
            raise TableError(
                f"table '{name}' uses column mapping, which the delta-rs route cannot read; "
                "run it with Delta's jars (tables.backend=delta)"
            )
        schema = from_arrow_schema(pa.schema(dt.schema().to_arrow()))
        files = dt.file_uris()
        if not files:
            return self.spark.createDataFrame([], schema)
        partition_columns = dt.metadata().partition_columns
        if not partition_columns:
            return self.spark.read.schema(schema).parquet(*files)
        # Partition values live in the paths below each batch folder; read each
        # batch with that folder as the base so Spark restores them.
        by_batch: dict[str, list[str]] = {}
        for f in files:
            rel = f[len(self.path(name)) + 1 :]
            by_batch.setdefault(rel.split("/", 1)[0], []).append(f)
        frames = [
            self.spark.read.schema(schema)
            .option("basePath", f"{self.path(name)}/{batch}")
            .parquet(*paths)
            for batch, paths in sorted(by_batch.items())
        ]
        result = frames[0]
        for frame in frames[1:]:
            result = result.unionByName(frame)
        return result.select(*schema.fieldNames())

    def history(self, name: str) -> list[Commit]:
        """Commits, newest first, with the metadata our jobs recorded."""
        if self.backend == "delta-rs":
            raw = self._delta_rs(name).history()
        else:
            rows = self.spark.sql(f"DESCRIBE HISTORY delta.`{self.path(name)}`").collect()
            raw = [
                {
                    "version": r["version"],
                    "timestamp": int(r["timestamp"].timestamp() * 1000),
                    "operation": r["operation"],
                    "userMetadata": r["userMetadata"],
                }
                for r in rows
            ]
        commits = []
        for entry in raw:
            meta = entry.get("userMetadata")
            commits.append(
                Commit(
                    version=int(entry.get("version", -1)),
                    timestamp_ms=int(entry.get("timestamp", 0)),
                    operation=str(entry.get("operation", "")),
                    metadata=json.loads(meta) if meta else {},
                )
            )
        return sorted(commits, key=lambda c: -c.version)

    # ------------------------------------------------------------ writing

    def write(
        self,
        df,
        name: str,
        *,
        mode: str = "overwrite",
        metadata: dict[str, Any] | None = None,
        partition_by: list[str] | None = None,
        replace_partition: dict[str, str] | None = None,
    ) -> int:
        """Write `df` to table `name` in one commit and return the new version.

        mode: "overwrite" replaces the table (or, with `replace_partition`, only the
        rows of that partition, e.g. {"step": "clean"} in the rejects table, and then
        every row of `df` must belong to that partition); "append" adds rows. Partition
        columns must hold plain ASCII values.
        """
        if mode not in ("overwrite", "append"):
            raise ValueError(f"mode must be overwrite or append, not {mode!r}")
        if replace_partition and not set(replace_partition) <= set(partition_by or []):
            raise ValueError("replace_partition keys must be partition columns")
        metadata = dict(metadata or {})
        if self.backend == "delta":
            return self._write_native(df, name, mode, metadata, partition_by, replace_partition)
        return self._write_delta_rs(df, name, mode, metadata, partition_by, replace_partition)

    def _write_native(self, df, name, mode, metadata, partition_by, replace_partition) -> int:
        writer = (
            df.write.format("delta")
            .mode(mode)
            .option("userMetadata", json.dumps(metadata, sort_keys=True))
        )
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        if replace_partition and self.exists(name):
            cond = " AND ".join(f"`{k}` = '{v}'" for k, v in replace_partition.items())
            writer = writer.option("replaceWhere", cond)
        writer.save(self.path(name))
        return self.version(name)

    def _write_delta_rs(self, df, name, mode, metadata, partition_by, replace_partition) -> int:
        import pyarrow as pa
        import pyarrow.fs as pafs
        import pyarrow.parquet as pq
        from deltalake import DeltaTable, Schema
        from deltalake.transaction import AddAction, CommitProperties, create_table_with_add_actions
        from pyspark.sql.pandas.types import to_arrow_schema

        table_path = self.path(name)
        batch = f"batch-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:12]}"
        batch_path = f"{table_path}/{batch}"
        fs, fs_root = pafs.FileSystem.from_uri(
            table_path if not _is_local(table_path) else _local_path(table_path)
        )
        if _is_local(table_path):
            fs_root = _local_path(table_path)
        try:
            folder = _single_partition_folder(partition_by, replace_partition)
            if folder is not None:
                # Every row goes to the one partition replaced: written straight into its
                # folder, which spares Spark's sort of all rows by the partition columns.
                df.drop(*partition_by).write.mode("errorifexists").format("parquet").save(
                    f"{batch_path}/{folder}"
                )
            else:
                writer = df.write.mode("errorifexists").format("parquet")
                if partition_by:
                    writer = writer.partitionBy(*partition_by)
                writer.save(batch_path)
            actions = []
            selector = pafs.FileSelector(f"{fs_root}/{batch}", recursive=True, allow_not_found=True)
            for info in fs.get_file_info(selector):
                rel = info.path[len(fs_root) + 1 :]
                leaf = rel.rsplit("/", 1)[-1]
                if (
                    info.type != pafs.FileType.File
                    or not leaf.endswith(".parquet")
                    or leaf.startswith(("_", "."))
                ):
                    continue
                with fs.open_input_file(info.path) as fh:
                    num_rows = pq.ParquetFile(fh).metadata.num_rows
                if num_rows == 0:
                    continue  # Spark writes a schema-only file for empty output; the log needs none
                partition_values = {}
                for part in rel.split("/")[1:-1]:
                    key, _, value = part.partition("=")
                    partition_values[key] = (
                        None if value == "__HIVE_DEFAULT_PARTITION__" else _unescape(value)
                    )
                actions.append(
                    AddAction(
                        rel,
                        info.size,
                        partition_values,
                        int(info.mtime.timestamp() * 1000)
                        if info.mtime
                        else int(time.time() * 1000),
                        True,
                        json.dumps({"numRecords": num_rows}),
                    )
                )
            arrow_schema = to_arrow_schema(df.schema, timezone="UTC")
            # Delta stores string columns as "string" whatever Arrow's width; keep nullability from Spark.
            arrow_schema = pa.schema(
                [pa.field(f.name, f.type, nullable=True) for f in arrow_schema]
            )
            props = CommitProperties(
                custom_metadata={"userMetadata": json.dumps(metadata, sort_keys=True)}
            )
            if DeltaTable.is_deltatable(table_path):
                table = DeltaTable(table_path)
                filters = [(k, "=", v) for k, v in (replace_partition or {}).items()] or None
                table.create_write_transaction(
                    actions,
                    mode=mode,
                    schema=arrow_schema,
                    partition_by=partition_by or None,
                    partition_filters=filters if mode == "overwrite" else None,
                    commit_properties=props,
                )
            else:
                create_table_with_add_actions(
                    table_path,
                    Schema.from_arrow(arrow_schema),
                    actions,
                    mode="error",
                    partition_by=partition_by or None,
                    commit_properties=props,
                )
        except BaseException:
            _remove_quietly(fs, f"{fs_root}/{batch}")
            raise
        return DeltaTable(table_path).version()


_PLAIN_PARTITION_VALUE = re.compile(r"[A-Za-z0-9_-]+")  # needs no escaping in a folder name


def _single_partition_folder(partition_by, replace_partition) -> str | None:
    """The folder ("step=filter") of the one partition a write replaces when it fixes every
    partition column to a plain value; None otherwise."""
    if not partition_by or set(partition_by) != set(replace_partition or {}):
        return None
    values = [str(replace_partition[k]) for k in partition_by]
    if not all(_PLAIN_PARTITION_VALUE.fullmatch(v) for v in values):
        return None
    return "/".join(f"{k}={v}" for k, v in zip(partition_by, values))


def _unescape(value: str) -> str:
    from urllib.parse import unquote

    return unquote(value)


def _remove_quietly(fs, path: str) -> None:
    try:
        fs.delete_dir(path)
    except Exception:
        pass
