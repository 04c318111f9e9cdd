"""vacuum: remove from the lake's tables the files no current version needs: files of
versions older than the retention, and files no commit ever referenced (the batch
folders of killed or failed writes), once they are older than the retention, so a write
still under way is never touched. Then empty folders go.

    ziya-data vacuum [--retention-hours 168] [--dry-run]

delta-rs tables: `DeltaTable.vacuum(full=True)`; Spark's Delta: `VACUUM ... RETAIN`.
Time travel to versions older than the retention is lost, as with Delta's own VACUUM.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:  # spark-submit ziya_data/jobs/vacuum.py
    sys.path[0] = str(Path(__file__).resolve().parents[2])  # the package root, not jobs/

from ziya_data.jobs.session import session_settings

DEFAULT_RETENTION_HOURS = 168  # Delta's default: a week


def add_arguments(parser) -> None:
    parser.add_argument("--retention-hours", type=int, default=DEFAULT_RETENTION_HOURS,
                        help=f"keep files younger than this (default {DEFAULT_RETENTION_HOURS})")  # fmt: skip
    parser.add_argument("--dry-run", action="store_true", help="list what would go")


def lake_tables(tables, cfg) -> list[str]:
    """The lake's tables: every folder with a Delta log (local lakes), else the names the
    config gives."""
    from ziya_data.jobs import registry
    from ziya_data.jobs.tables import is_local

    if is_local(tables.root) and not tables.catalog:
        root = Path(tables.root)
        return sorted(p.parent.name for p in root.glob("*/_delta_log")) if root.is_dir() else []
    names = {tables.rejects}
    for job in registry.JOBS:
        if job.config is not None:
            section = getattr(cfg, job.section)
            names |= {getattr(section, key) for key in job.writes if getattr(section, key)}
    return sorted(n for n in names if tables.exists(n))


def vacuum_table(tables, name: str, retention_hours: int, dry_run: bool) -> list[str]:
    from deltalake import DeltaTable

    if tables.backend == "delta":
        # Delta lists a table's files in parallelPartitionDiscovery.parallelism tasks
        # (10,000 by default: a minute of empty tasks for a small table); and refuses a
        # retention under a week unless told.
        settings = {"spark.sql.sources.parallelPartitionDiscovery.parallelism": "16"}
        if retention_hours < DEFAULT_RETENTION_HOURS:
            settings["spark.databricks.delta.retentionDurationCheck.enabled"] = "false"
        verb = "VACUUM {} RETAIN {} HOURS" + (" DRY RUN" if dry_run else "")
        with session_settings(tables.spark, settings):
            rows = tables.spark.sql(verb.format(tables.identifier(name), retention_hours)).collect()
        return [r[0] for r in rows] if dry_run else []
    table = DeltaTable(tables.path(name), storage_options=tables.storage_options or None)
    removed = table.vacuum(
        retention_hours=retention_hours, dry_run=dry_run, enforce_retention_duration=False,
        full=True,
    )  # fmt: skip
    if not dry_run:
        _remove_empty_folders(tables.path(name))
    return list(removed)


def _remove_empty_folders(table_path: str) -> None:
    """Folders a vacuum emptied (batch folders), deepest first; never the log."""
    from ziya_data.jobs.tables import is_local

    if not is_local(table_path):
        return  # object stores have no folders
    for root, dirs, files in os.walk(table_path, topdown=False):
        if root == table_path or "_delta_log" in Path(root).relative_to(table_path).parts:
            continue
        if not dirs and not files:
            os.rmdir(root)


def run(spark, settings) -> dict:
    from ziya_data.jobs.runtime import say
    from ziya_data.jobs.tables import Tables

    cfg, args = settings.root, settings.args
    tables = Tables(spark, cfg.lake, cfg.tables)
    report = {}
    for name in lake_tables(tables, cfg):
        removed = vacuum_table(tables, name, args.retention_hours, args.dry_run)
        report[name] = len(removed)
        say("vacuum", f"{name}: {len(removed)} files {'would go' if args.dry_run else 'removed'}")
    return {"job": "vacuum", "dry_run": args.dry_run, "retention_hours": args.retention_hours,
            "files": report}  # fmt: skip


def main(argv=None) -> int:
    from ziya_data.jobs import cli

    return cli.main_for("vacuum", argv)


if __name__ == "__main__":
    raise SystemExit(main())
