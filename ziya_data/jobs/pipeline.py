"""pipeline: the configured steps (`pipeline.steps`, by default every step of the
registry in order: ingest, clean, filter, dedup, score, evaluate), one after another on
one Spark session, then a summary of the tables.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

if __name__ == "__main__" and not __package__:  # spark-submit ziya_data/jobs/pipeline.py
    sys.path[0] = str(Path(__file__).resolve().parents[2])  # the package root, not jobs/


def summarize(tables) -> dict:
    """Rows per table and rejects per step and reason: bounded aggregates only."""
    from ziya_data.jobs.runtime import reject_counts
    from ziya_data.jobs.tables import PIPELINE_TABLES

    rows = {}
    for name in [*PIPELINE_TABLES, tables.rejects]:
        if tables.exists(name):
            rows[name] = tables.read(name).count()
    return {"rows": rows, "rejects": reject_counts(tables)}


def run(spark, settings) -> dict:
    from ziya_data.jobs import registry
    from ziya_data.jobs.tables import Tables

    cfg = settings.root
    for step in cfg.pipeline.steps:  # every step's tables, before the first step runs
        registry.check_tables(registry.get(step), cfg)
    results = []
    for step in cfg.pipeline.steps:
        started = time.monotonic()
        result = registry.run(spark, step, cfg)
        results.append({**result, "seconds": round(time.monotonic() - started, 1)})
    summary = summarize(Tables(spark, cfg.lake, cfg.tables))
    return {"job": "pipeline", "steps": results, **summary}


def main(argv=None) -> int:
    from ziya_data.jobs import cli

    return cli.main_for("pipeline", argv)


if __name__ == "__main__":
    raise SystemExit(main())
