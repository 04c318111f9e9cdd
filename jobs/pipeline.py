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
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jobs.clean import CleanConfig
from jobs.config import ConfigError, SparkConfig, TablesConfig, option
from jobs.dedup import DedupConfig
from jobs.evaluate import EvaluateConfig
from jobs.filter import FilterConfig
from jobs.ingest import IngestConfig
from jobs.score import ScoreConfig
from jobs.train_lm import TrainLmConfig

# Step name -> module; a later step plugs in by adding itself here and to Config.
STEPS = {
    "ingest": "jobs.ingest",
    "clean": "jobs.clean",
    "filter": "jobs.filter",
    "dedup": "jobs.dedup",
    "score": "jobs.score",
    "evaluate": "jobs.evaluate",
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
    from jobs.runtime import reject_counts
    from jobs.tables import PIPELINE_TABLES

    rows = {}
    for name in [*PIPELINE_TABLES, tables.rejects]:
        if tables.exists(name):
            rows[name] = tables.read(name).count()
    return {"rows": rows, "rejects": reject_counts(tables)}


def run(spark, cfg: Config) -> dict:
    from jobs.tables import Tables

    results = []
    for step in cfg.pipeline.steps:
        module = importlib.import_module(STEPS[step])
        results.append(module.run(spark, cfg))
    summary = summarize(Tables(spark, cfg.lake, cfg.tables))
    return {"job": "pipeline", "steps": results, **summary}


def main(argv=None) -> int:
    from jobs import cli

    return cli.main_for("pipeline", argv)


if __name__ == "__main__":
    raise SystemExit(main())
