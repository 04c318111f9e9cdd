"""The one table layer: Delta tables under a lake root, with or without Delta's jars.

Two backends behind one interface (read at a version, write with append or
overwrite, commit metadata, history):

* `delta`: Spark's own `format("delta")`, where the io.delta jars are on the
  classpath (Databricks, clusters with delta-spark, the embedded session with
  tables.backend=delta). With `tables.catalog` set, tables are catalog tables
  (`<catalog>.<schema>.<name>`, spark.table / saveAsTable) instead of paths.
* `delta-rs`: Spark writes Parquet files into a fresh batch folder inside the
  table, then one delta-rs commit adds them to the Delta log (DESIGN.md §5).
  Reads take the snapshot's file list from delta-rs and give it to
  `spark.read.parquet`. A write that fails before its commit leaves the table
  at its previous version; its batch folder is removed. Every delta-rs call gets
  `tables.storage_options` (object-store endpoint and credentials).

Commit metadata is a JSON object stored as the commit's `userMetadata` on both
routes, so `history()` returns the same thing whichever wrote the table, and a
table written by one route is read by the other.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ziya_data.jobs.config import TablesConfig

# The tables the pipeline writes under their default names, in pipeline order (the
# rejects table is named by tables.rejects).
PIPELINE_TABLES = (
    "raw", "clean", "filtered", "deduped", "duplicates", "scored", "score_summary", "evaluation",
)  # fmt: skip

# A table name: a folder under the lake and a catalog identifier alike.
TABLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_URI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# Commits tried before a writer gives up to concurrent ones (each a reload and a new try).
COMMIT_ATTEMPTS = 10
# How the tables' Parquet files are written, set for each write as session settings, which
# every Parquet writer's Hadoop conf takes (Delta's own ignores writer options), also in a
# session the job did not start (Databricks), where a spark.hadoop.* setting made at run
# time would not reach it. A spark.hadoop.<key> the session has (set when it was started)
# wins; a session that refuses a setting (serverless compute allows only some) writes
# with its own.
PARQUET_SETTINGS = {
    # No dictionary encoding: the columns that carry the bytes (text, doc_id, url, meta)
    # are all distinct, so the writer built a dictionary for each and threw it away (the
    # real corpus's raw table writes in 0.60 s instead of 0.79 s, 0.5% larger).
    "parquet.enable.dictionary": "false",
    # 16 MB row groups: a table of text splits into enough tasks to keep every core busy
    # (a 128 MB row group is one task however long its Python work takes).
    "parquet.block.size": str(16 * 1024 * 1024),
}
CATALOG_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*){1,2}")


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


def scheme(location: str) -> str | None:
    """The URI scheme of a location (s3, abfss, gs, dbfs, file), None for a plain path."""
    match = _URI.match(location)
    if match is None or (len(match.group(1)) == 1 and location[1:3] in (":\\", ":/")):
        return None  # a Windows drive letter is not a scheme
    return match.group(1).lower()


def is_local(location: str) -> bool:
    """A path on this machine's file system (or a mount of one, such as /Volumes/...)."""
    return scheme(location) in (None, "file")


def _local_path(location: str) -> str:
    return location[len("file://") :] if location.startswith("file://") else location


class Tables:
    """Named Delta tables below `root` (or in `cfg.catalog`)."""

    def __init__(self, spark, root: str, cfg: TablesConfig | None = None):
        cfg = cfg or TablesConfig()
        self.spark = spark
        self.root = os.path.abspath(_local_path(root)) if is_local(root) else root.rstrip("/")
        backend = cfg.backend
        if backend == "auto":
            backend = "delta" if delta_jars_present(spark) else "delta-rs"
        if backend == "delta" and not delta_jars_present(spark):
            raise TableError(
                "tables.backend is delta but this Spark session has no Delta Lake: start it "
                "with Delta's jars and io.delta.sql.DeltaSparkSessionExtension (the embedded "
                "session does so itself), or use tables.backend=delta-rs"
            )
        if backend == "delta-rs" and scheme(self.root) == "dbfs":
            raise TableError(
                f"the lake {self.root} is a dbfs: URI, which delta-rs cannot open: use Spark's "
                "Delta (tables.backend=delta, as on Databricks) or the /dbfs/... mount path"
            )
        self.backend = backend
        self.catalog = cfg.catalog
        self.rejects = cfg.rejects
        self.storage_options = {str(k): str(v) for k, v in cfg.storage_options.items()}

    # ------------------------------------------------------------ naming

    @staticmethod
    def check_name(name: str) -> str:
        """`name` if it is a valid table name; else a TableError saying why."""
        if not isinstance(name, str) or not TABLE_NAME.fullmatch(name):
            raise TableError(
                f"table name {name!r} is not valid: letters, digits, _ and - only, starting "
                "with a letter or digit (a table is a folder under the lake, not a path)"
            )
        return name

    def path(self, name: str) -> str:
        return f"{self.root}/{self.check_name(name)}"

    def identifier(self, name: str) -> str:
        """How Spark SQL names the table: catalog.schema.name, or delta.`path`."""
        if self.catalog:
            return f"{self.catalog}.{self.check_name(name)}"
        return "delta.`" + self.path(name).replace("`", "``") + "`"

    def location(self, name: str) -> str:
        """Where the table is, for messages."""
        return f"{self.catalog}.{name}" if self.catalog else self.path(name)

    # ------------------------------------------------------------ reading

    def _delta_rs(self, name: str, version: int | None = None):
        return open_delta_rs(self.path(name), self.storage_options, version, name)

    def exists(self, name: str) -> bool:
        if self.backend == "delta-rs":
            from deltalake import DeltaTable

            return DeltaTable.is_deltatable(self.path(name), self.storage_options or None)
        if self.catalog:
            return bool(self.spark.catalog.tableExists(self.identifier(name)))
        return self._newest_version(self.identifier(name)) is not None

    def _newest_version(self, identifier: str) -> int | None:
        """The newest version of a table Spark SQL names `identifier`, by Spark's Delta;
        None when there is no such Delta table. One history query (each is a Spark job and
        a read of the log, so a step's reads and writes ask once, not once to see the
        table and again for its version)."""
        try:
            row = self.spark.sql(f"DESCRIBE HISTORY {identifier} LIMIT 1").collect()
        except Exception:
            return None
        return int(row[0]["version"]) if row else None

    def version(self, name: str) -> int | None:
        """Current version of a table, or None if it does not exist."""
        if self.backend == "delta-rs":
            return self._delta_rs(name).version() if self.exists(name) else None
        return self._newest_version(self.identifier(name))

    def read(self, name: str, version: int | None = None):
        """The table as a DataFrame, at `version` if given (time travel)."""
        if self.backend == "delta-rs":
            return read_delta_rs(self.spark, self.path(name), self.storage_options, version, name)
        if version is None:  # one question to the log
            if not self.exists(name):
                raise TableError(f"table '{name}' does not exist at {self.location(name)}")
        else:  # time travel: the newest version answers both questions
            newest = self.version(name)
            if newest is None:
                raise TableError(f"table '{name}' does not exist at {self.location(name)}")
            if version > newest:
                raise TableError(f"table '{name}' has no version {version}")
        if self.catalog:
            at = f" VERSION AS OF {int(version)}" if version is not None else ""
            return self.spark.sql(f"SELECT * FROM {self.identifier(name)}{at}")
        reader = self.spark.read.format("delta")
        if version is not None:
            reader = reader.option("versionAsOf", version)
        return reader.load(self.path(name))

    def read_external(self, spec: str):
        """(rows, version) of a table outside the lake that a job's input names: a Delta
        table's path or URI (its current snapshot, by either route), or a catalog name
        (schema.table or catalog.schema.table)."""
        if CATALOG_NAME.fullmatch(spec) and not os.path.exists(spec):
            if not self.spark.catalog.tableExists(spec):
                raise TableError(f"table '{spec}' is not in the catalog")
            # A table that is not Delta has no versions (None).
            version = self._newest_version(spec) if delta_jars_present(self.spark) else None
            at = f" VERSION AS OF {version}" if version is not None else ""
            return self.spark.sql(f"SELECT * FROM {spec}{at}"), version
        location = os.path.abspath(_local_path(spec)) if is_local(spec) else spec
        dt = open_delta_rs(location, self.storage_options, None, spec)
        version = dt.version()
        if self.backend == "delta":
            return self.spark.read.format("delta").option("versionAsOf", version).load(
                location
            ), version
        return read_delta_rs(self.spark, location, self.storage_options, version, spec), version

    def history(self, name: str, limit: int | None = None) -> list[Commit]:
        """Commits, newest first (the newest `limit` only), with the metadata our jobs
        recorded."""
        if self.backend == "delta-rs":
            raw = self._delta_rs(name).history(limit)
        else:
            last = f" LIMIT {int(limit)}" if limit else ""
            rows = self.spark.sql(f"DESCRIBE HISTORY {self.identifier(name)}{last}").collect()
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
        from ziya_data.jobs.session import session_settings

        self.check_name(name)
        metadata = dict(metadata or {})
        write = self._write_native if self.backend == "delta" else self._write_delta_rs
        with session_settings(self.spark, self._parquet_settings(), skip_refused=True):
            return write(df, name, mode, metadata, partition_by, replace_partition)

    def _parquet_settings(self) -> dict[str, str]:
        """PARQUET_SETTINGS less those the session has as spark.hadoop.<key>. Asked of the
        session's conf, not its SparkContext, which Spark Connect does not have."""
        conf = self.spark.conf
        return {
            k: v for k, v in PARQUET_SETTINGS.items() if conf.get(f"spark.hadoop.{k}", None) is None
        }

    def _write_native(self, df, name, mode, metadata, partition_by, replace_partition) -> int:
        writer = (
            df.write.format("delta")
            .mode(mode)
            .option("userMetadata", json.dumps(metadata, sort_keys=True))
        )
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        # Asked only where it matters: a history query costs a Spark job.
        exists = bool(replace_partition or self.catalog) and self.exists(name)
        if replace_partition and exists:
            cond = " AND ".join(f"`{k}` = '{v}'" for k, v in replace_partition.items())
            writer = writer.option("replaceWhere", cond)
        elif mode == "overwrite":
            # A step's output may change its columns (another config); a partition
            # replace keeps the table's schema.
            writer = writer.option("overwriteSchema", "true")
        if self.catalog and not exists:  # a schema of its own the first time, where allowed
            with contextlib.suppress(Exception):
                self.spark.sql(f"CREATE SCHEMA IF NOT EXISTS {self.catalog}")
        for attempt in range(COMMIT_ATTEMPTS):
            try:
                if self.catalog and replace_partition and exists:
                    # saveAsTable would replace the whole catalog table (and Spark 4.2
                    # refuses it for partition columns not last); the V2 writer
                    # overwrites just the rows the condition selects.
                    from pyspark.sql import functions as F

                    df.writeTo(self.identifier(name)).option(
                        "userMetadata", json.dumps(metadata, sort_keys=True)
                    ).overwrite(F.expr(cond))
                elif self.catalog:
                    writer.saveAsTable(self.identifier(name))
                else:
                    writer.save(self.path(name))
                break
            except Exception as exc:
                # Delta's optimistic concurrency: another writer committed a conflicting
                # change first; the write is made again on the new version.
                if "Concurrent" not in type(exc).__name__ + str(exc)[:200]:
                    raise
                if attempt == COMMIT_ATTEMPTS - 1:
                    raise TableError(
                        f"table '{name}': other writers committed conflicting changes "
                        f"{COMMIT_ATTEMPTS} times in a row; run it again"
                    ) from None
                time.sleep(0.2 * (attempt + 1))
        return self.version(name)

    def _write_delta_rs(self, df, name, mode, metadata, partition_by, replace_partition) -> int:
        import pyarrow as pa
        from deltalake.transaction import AddAction
        from pyspark.sql.pandas.types import to_arrow_schema

        table_path = self.path(name)
        batch = f"batch-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:12]}"
        batch_path = f"{table_path}/{batch}"
        committed = False
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
            for rel, size, mtime_ms, num_rows in self._written_files(batch_path, batch):
                partition_values = {}
                for part in rel.split("/")[1:-1]:
                    key, _, value = part.partition("=")
                    partition_values[key] = (
                        None if value == "__HIVE_DEFAULT_PARTITION__" else unquote(value)
                    )
                # The file's own relative path: delta-rs encodes it as a URI in the log (the
                # protocol's form), and readers of either route decode it back.
                actions.append(
                    AddAction(rel, size, partition_values, mtime_ms, True,
                              json.dumps({"numRecords": num_rows}))
                )  # fmt: skip
            arrow_schema = to_arrow_schema(df.schema, timezone="UTC")
            # Delta stores string columns as "string" whatever Arrow's width; keep nullability from Spark.
            arrow_schema = pa.schema(
                [pa.field(f.name, f.type, nullable=True) for f in arrow_schema]
            )
            if not actions:  # nothing written: the batch folder holds no data
                self._remove_quietly(batch_path)
            self._commit_delta_rs(
                name, actions, mode, arrow_schema, metadata, partition_by, replace_partition
            )
            committed = True
        except BaseException:
            if not committed:  # files a committed version references are never removed
                self._remove_quietly(batch_path)
            raise
        return open_delta_rs(table_path, self.storage_options, None, name).version()

    def _commit_delta_rs(self, name, actions, mode, arrow_schema, metadata, partition_by,
                         replace_partition) -> None:  # fmt: skip
        """One commit of `actions`, checked against concurrent writers: delta-rs is told not
        to retry on its own, and when another commit lands first the table is reloaded and
        the commit made again on the new version, so an overwrite removes what that writer
        added too (two runs of a step leave one copy, not two) and writers of other
        partitions simply follow each other."""
        from deltalake import DeltaTable, Schema
        from deltalake.exceptions import CommitFailedError, DeltaError
        from deltalake.transaction import CommitProperties, create_table_with_add_actions

        table_path = self.path(name)
        options = self.storage_options or None
        props = CommitProperties(
            custom_metadata={"userMetadata": json.dumps(metadata, sort_keys=True)},
            max_commit_retries=0,
        )
        for attempt in range(COMMIT_ATTEMPTS):
            try:
                if DeltaTable.is_deltatable(table_path, options):
                    table = DeltaTable(table_path, storage_options=options)
                    self._check_layout(name, table, partition_by)
                    filters = [(k, "=", v) for k, v in (replace_partition or {}).items()] or None
                    table.create_write_transaction(
                        actions, mode=mode, schema=arrow_schema,
                        partition_by=partition_by or None,
                        partition_filters=filters if mode == "overwrite" else None,
                        commit_properties=props,
                    )  # fmt: skip
                else:
                    create_table_with_add_actions(
                        table_path, Schema.from_arrow(arrow_schema), actions, mode="error",
                        partition_by=partition_by or None, commit_properties=props,
                        storage_options=options,
                    )  # fmt: skip
                return
            except (CommitFailedError, DeltaError) as exc:
                lost_race = isinstance(exc, CommitFailedError) or "already exists" in str(exc)
                if not lost_race:
                    raise
                if attempt == COMMIT_ATTEMPTS - 1:
                    raise TableError(
                        f"table '{name}': other writers committed first {COMMIT_ATTEMPTS} "
                        "times in a row; this run's rows were not added (run it again)"
                    ) from None
                time.sleep(0.2 * (attempt + 1))

    def _check_layout(self, name: str, table, partition_by) -> None:
        have = list(table.metadata().partition_columns)
        if have != list(partition_by or []):
            raise TableError(
                f"table '{name}' at {self.path(name)} is partitioned by {have or 'nothing'}, "
                f"this write by {partition_by or 'nothing'}: an older layout (the rejects "
                "table is now partitioned by step and output); move it away or set another "
                "name (tables.rejects) and run the steps again"
            )

    def _written_files(self, batch_path: str, batch: str) -> list[tuple[str, int, int, int]]:
        """(path relative to the table, bytes, mtime in ms, rows) of each Parquet file with
        rows that a write left in its batch folder. On this machine's file system pyarrow
        reads them; elsewhere Spark lists them (any store Spark writes to, it can list)."""
        if is_local(batch_path):
            return _local_files(_local_path(batch_path), batch)
        from pyspark.sql import functions as F

        listed = (
            self.spark.read.format("binaryFile")
            .option("recursiveFileLookup", "true")
            .option("pathGlobFilter", "*.parquet")
            .load(batch_path)
            .select("path", "length", "modificationTime")
            .collect()
        )
        if not listed:
            return []
        counts = dict(
            self.spark.read.option("recursiveFileLookup", "true")
            .parquet(batch_path)
            .groupBy(F.col("_metadata.file_path"))
            .count()
            .collect()
        )
        out = []
        for row in listed:
            rows = counts.get(row["path"], 0)
            if rows:  # Spark writes a schema-only file for empty output; the log needs none
                rel = unquote(row["path"][row["path"].index(f"/{batch}/") + 1 :])
                mtime = int(row["modificationTime"].timestamp() * 1000)
                out.append((rel, int(row["length"]), mtime, int(rows)))
        return out

    def _remove_quietly(self, path: str) -> None:
        """Remove a failed write's batch folder (best effort: it is not in the log)."""
        try:
            import pyarrow.fs as pafs

            if is_local(path):
                pafs.LocalFileSystem().delete_dir(_local_path(path))
            else:
                fs, inner = pafs.FileSystem.from_uri(path)
                fs.delete_dir(inner)
        except Exception:
            pass


def _local_files(folder: str, batch: str) -> list[tuple[str, int, int, int]]:
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    fs = pafs.LocalFileSystem()
    root = folder[: -len(batch) - 1]
    out = []
    for info in fs.get_file_info(pafs.FileSelector(folder, recursive=True, allow_not_found=True)):
        leaf = info.path.rsplit("/", 1)[-1]
        if (
            info.type != pafs.FileType.File
            or not leaf.endswith(".parquet")
            or leaf.startswith(("_", "."))
        ):
            continue
        with fs.open_input_file(info.path) as fh:
            rows = pq.ParquetFile(fh).metadata.num_rows
        if rows == 0:
            continue  # Spark writes a schema-only file for empty output; the log needs none
        mtime = int(info.mtime.timestamp() * 1000) if info.mtime else int(time.time() * 1000)
        out.append((info.path[len(root) + 1 :], info.size, mtime, rows))
    return out


def open_delta_rs(path: str, storage_options: dict | None = None, version: int | None = None,
                  name: str | None = None):  # fmt: skip
    """A delta-rs DeltaTable at `path`, with clear errors for a missing table or version."""
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    label = name or path
    try:
        return DeltaTable(path, version=version, storage_options=storage_options or None)
    except TableNotFoundError:
        raise TableError(f"table '{label}' does not exist at {path}") from None
    except Exception as exc:  # version out of range and similar
        if version is not None and "version" in str(exc).lower():
            raise TableError(f"table '{label}' has no version {version}") from None
        raise


def read_delta_rs(spark, path: str, storage_options: dict | None = None,
                  version: int | None = None, name: str | None = None):  # fmt: skip
    """A Delta table as a Spark DataFrame through delta-rs: the snapshot's file list (never
    the folder: it holds removed and uncommitted files) read by spark.read.parquet."""
    import pyarrow as pa
    from pyspark.sql.pandas.types import from_arrow_schema

    label = name or path
    dt = open_delta_rs(path, storage_options, version, name)
    protocol = dt.protocol()
    features = set(protocol.reader_features or [])
    config = dt.metadata().configuration or {}
    if "deletionVectors" in features or config.get("delta.enableDeletionVectors") == "true":
        raise TableError(
            f"table '{label}' uses deletion vectors, which the delta-rs route cannot read; "
            "run it with Delta's jars (tables.backend=delta) or rewrite it without them"
        )
    if config.get("delta.columnMapping.mode", "none") != "none" or "columnMapping" in features:
        raise TableError(
            f"table '{label}' uses column mapping, which the delta-rs route cannot read; "
            "run it with Delta's jars (tables.backend=delta)"
        )
    schema = from_arrow_schema(pa.schema(dt.schema().to_arrow()))
    files = dt.file_uris()
    if not files:
        return spark.createDataFrame([], schema)
    partition_columns = dt.metadata().partition_columns
    if not partition_columns:
        return spark.read.schema(schema).parquet(*files)
    # Partition values live in the paths below each batch folder; read each batch with
    # that folder as the base so Spark restores them. delta-rs names the files below the
    # root as it resolved it (symbolic links followed: a lake under macOS's /tmp lies in
    # /private/tmp), so that root is looked for first, then the path as given.
    roots = [_local_path(dt.table_uri).rstrip("/"), _local_path(path).rstrip("/")]
    by_batch: dict[str, list[str]] = {}
    for f in files:
        for root in roots:
            at = f.find(root)
            if at >= 0:
                break
        else:
            raise TableError(f"table '{label}' lists a file outside its folder: {f}")
        base, rel = f[: at + len(root)], f[at + len(root) + 1 :]
        by_batch.setdefault(rel.split("/", 1)[0], []).append(f)
    frames = [
        spark.read.schema(schema).option("basePath", f"{base}/{batch}").parquet(*paths)
        for batch, paths in sorted(by_batch.items())
    ]
    result = frames[0]
    for frame in frames[1:]:
        result = result.unionByName(frame)
    return result.select(*schema.fieldNames())


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
