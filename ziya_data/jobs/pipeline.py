"""pipeline: the steps in order (ingest, clean, filter, dedup, score, evaluate), and the
root config that holds every job's section.
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__" and not __package__:  # spark-submit jobs/pipeline.py
    sys.path[0] = str(Path(__file__).resolve().parents[2])  # the package root, not jobs/

from ziya_data.jobs.clean import CleanConfig
from ziya_data.jobs.config import ConfigError, SparkConfig, TablesConfig, option
from ziya_data.jobs.dedup import DedupConfig
from ziya_data.jobs.evaluate import EvaluateConfig
from ziya_data.jobs.filter import FilterConfig
from ziya_data.jobs.ingest import IngestConfig
from ziya_data.jobs.score import ScoreConfig
from ziya_data.jobs.train_lm import TrainLmConfig

# Step name -> module; a later step plugs in by adding itself here and to Config.
STEPS = {
    "ingest": "ziya_data.jobs.ingest",
    "clean": "ziya_data.jobs.clean",
    "filter": "ziya_data.jobs.filter",
    "dedup": "ziya_data.jobs.dedup",
    "score": "ziya_data.jobs.score",
    "evaluate": "ziya_data.jobs.evaluate",
}


@dataclass(frozen=True)
class PipelineConfig:
    steps: list[str] = option(list(STEPS), choices=list(STEPS))


def _section(cls):
    return dataclasses.field(default_factory=cls)


@dataclass(frozen=True)
class Config:
    """The whole configuration: runtime sections and one section per job."""

    # Root of all tables: a local folder, or s3://, abfss://, dbfs:/ on clusters.
    lake: str = "./lake"
    spark: SparkConfig = _section(SparkConfig)
    tables: TablesConfig = _section(TablesConfig)
    ingest: IngestConfig = _section(IngestConfig)
    clean: CleanConfig = _section(CleanConfig)
    train_lm: TrainLmConfig = _section(TrainLmConfig)
    filter: FilterConfig = _section(FilterConfig)
    dedup: DedupConfig = _section(DedupConfig)
    score: ScoreConfig = _section(ScoreConfig)
    evaluate: EvaluateConfig = _section(EvaluateConfig)
    pipeline: PipelineConfig = _section(PipelineConfig)

    def validate(self) -> None:
        if not self.lake:
            raise ConfigError("config key 'lake' must not be empty")


def summarize(tables) -> dict:
    """Rows per table and rejects per step and reason: bounded aggregates only."""
    from ziya_data.jobs.runtime import reject_counts
    from ziya_data.jobs.tables import PIPELINE_TABLES

    rows = {}
    for name in [*PIPELINE_TABLES, tables.rejects]:
        if tables.exists(name):
            rows[name] = tables.read(name).count()
    return {"rows": rows, "rejects": reject_counts(tables)}


def run(spark, cfg: Config) -> dict:
    from ziya_data.jobs.tables import Tables

    results = []
    for step in cfg.pipeline.steps:
        module = importlib.import_module(STEPS[step])
        results.append(module.run(spark, cfg))
    summary = summarize(Tables(spark, cfg.lake, cfg.tables))
    return {"job": "pipeline", "steps": results, **summary}


def main(argv=None) -> int:
    from ziya_data.jobs import cli

    return cli.main_for("pipeline", argv)


if __name__ == "__main__":
    raise SystemExit(main())
