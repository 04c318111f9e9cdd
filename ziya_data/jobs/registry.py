"""Every job, declared once: its name, module, config section, the other sections it
reads, the tables it reads and writes, and whether it is a pipeline step.

The CLI, the pipeline, the Airflow DAG factory, the notebooks and the README's job table
all read this list; adding a job is its module plus one entry here. The root config
(`Config`) is built from it: the shared sections (lake, spark, tables) and one section
per job that has a config class.
"""

from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass
from functools import cache
from typing import Any

from ziya_data.jobs.clean import CleanConfig
from ziya_data.jobs.config import ConfigError, SparkConfig, TablesConfig, option
from ziya_data.jobs.dedup import DedupConfig
from ziya_data.jobs.evaluate import EvaluateConfig
from ziya_data.jobs.filter import FilterConfig
from ziya_data.jobs.ingest import IngestConfig
from ziya_data.jobs.score import ScoreConfig
from ziya_data.jobs.train_lm import TrainLmConfig


@dataclass(frozen=True)
class Job:
    name: str  # as typed on the command line
    module: str  # the module with run(spark, settings) (or run_local) and main()
    summary: str  # one line: what it reads and writes
    config: type | None = None  # its config section's class (section name: `section`)
    uses: tuple[str, ...] = ()  # other sections it reads
    reads: tuple[str, ...] = ()  # keys of its section naming tables it reads
    writes: tuple[str, ...] = ()  # keys of its section naming tables it writes
    step: bool = False  # one of pipeline.steps
    spark: bool = True  # False: runs on the driver alone (no session)
    whole_config: bool = False  # given the whole config (it runs or inspects other jobs)

    @property
    def section(self) -> str:
        return self.name.replace("-", "_")

    def load(self):
        return importlib.import_module(self.module)


JOBS: tuple[Job, ...] = (
    Job("ingest", "ziya_data.jobs.ingest", "input files -> raw (+ rejects): JSONL, Parquet, text, Delta tables",
        IngestConfig, writes=("output",), step=True),
    Job("clean", "ziya_data.jobs.clean", "raw -> clean: language, encoding, Traditional->Simplified, junk characters",
        CleanConfig, reads=("input",), writes=("output",), step=True),
    Job("train-lm", "ziya_data.jobs.train_lm", "reference text -> the KenLM models the filter scores with",
        TrainLmConfig, uses=("clean",)),
    Job("filter", "ziya_data.jobs.filter", "clean -> filtered: rule filters and KenLM perplexity tiers",
        FilterConfig, uses=("train_lm", "clean"), reads=("input",), writes=("output",), step=True),
    Job("dedup", "ziya_data.jobs.dedup", "filtered -> deduped + duplicates: URL, exact and near-duplicate removal",
        DedupConfig, reads=("input",), writes=("output", "duplicates", "index"), step=True),
    Job("score", "ziya_data.jobs.score", "deduped -> scored + score_summary: coherence, readability, similarity",
        ScoreConfig, reads=("input",), writes=("output", "summary"), step=True),
    Job("evaluate", "ziya_data.jobs.evaluate", "scored -> evaluation: the data-evaluation gate, report, review sample",
        EvaluateConfig, uses=("score",), reads=("input",), writes=("output",), step=True),
    Job("fit-scaling-law", "ziya_data.jobs.fit_scaling_law",
        "fit the data-centric scaling law to observed training runs (no Spark)", spark=False),
    Job("pipeline", "ziya_data.jobs.pipeline", "run the configured steps in order",
        whole_config=True),
    Job("status", "ziya_data.jobs.status",
        "each step's last write: run ids and versions, and any step left half-finished",
        whole_config=True),
    Job("vacuum", "ziya_data.jobs.vacuum",
        "remove files no table version needs (old versions, killed writes) past the retention",
        whole_config=True),
)  # fmt: skip

SHARED_SECTIONS = ("lake", "spark", "tables")


def get(name: str) -> Job:
    for job in JOBS:
        if job.name == name:
            return job
    raise KeyError(f"unknown job {name!r}")


def steps() -> list[str]:
    """The pipeline's steps, in order."""
    return [job.name for job in JOBS if job.step]


@dataclass(frozen=True)
class PipelineConfig:
    # Steps run by `ziya-data pipeline`, in this order.
    steps: list[str] = option(steps(), choices=steps())


def _validate_root(cfg) -> None:
    if not cfg.lake:
        raise ConfigError("config key 'lake' must not be empty")


@cache
def config_class() -> type:
    """The root config: shared sections, one section per job with a config, pipeline."""
    fields: list[tuple[str, type, Any]] = [
        # Root of all tables: a local folder, or s3://, abfss://, gs://, dbfs:/, /Volumes/.
        ("lake", str, dataclasses.field(default="./lake")),
        ("spark", SparkConfig, dataclasses.field(default_factory=SparkConfig)),
        ("tables", TablesConfig, dataclasses.field(default_factory=TablesConfig)),
    ]
    fields += [
        (job.section, job.config, dataclasses.field(default_factory=job.config))
        for job in JOBS
        if job.config is not None
    ]
    fields.append(("pipeline", PipelineConfig, dataclasses.field(default_factory=PipelineConfig)))
    cls = dataclasses.make_dataclass(
        "Config", fields, frozen=True, namespace={"validate": _validate_root}
    )
    cls.__module__ = __name__  # picklable as ziya_data.jobs.registry.Config
    return cls


Config = config_class()


def settings_for(job: Job, cfg, args=None) -> Any:
    """What `job` is given: its own section, the sections it names, where the tables are
    (and, for a job that runs or inspects others, the whole config), and its own command
    line options, if it has any."""
    from ziya_data.jobs.runtime import JobSettings

    return JobSettings(
        job=job.name,
        section=getattr(cfg, job.section) if job.config is not None else None,
        lake=cfg.lake,
        tables=cfg.tables,
        uses={name: getattr(cfg, name) for name in job.uses},
        root=cfg if job.whole_config else None,
        args=args,
    )


def check_tables(job: Job, cfg) -> None:
    """Refuse, before anything is read or written, a job whose tables cannot work: an
    output that is not a plain table name, that is the rejects table (a step's rows
    would replace the rejects' layout), that is one of its own inputs (the step would
    overwrite what it reads), or two outputs that are one table."""
    from ziya_data.jobs.tables import TableError, Tables

    if job.config is None:
        return
    section = getattr(cfg, job.section)
    outputs = {f"{job.section}.{key}": getattr(section, key) for key in job.writes}
    outputs = {key: name for key, name in outputs.items() if name}  # dedup.index may be off
    inputs = {getattr(section, key) for key in job.reads}
    seen: dict[str, str] = {}
    for key, name in outputs.items():
        try:
            Tables.check_name(name)
        except TableError as exc:
            raise ConfigError(f"config key '{key}': {exc}") from None
        if name == cfg.tables.rejects:
            raise ConfigError(
                f"config key '{key}' is '{name}', the rejects table (tables.rejects): "
                "a step writes its rejects there itself; choose another output"
            )
        if name in inputs:
            raise ConfigError(
                f"config key '{key}' is '{name}', which {job.name} also reads: a step "
                "never overwrites its own input; choose another output"
            )
        if name in seen:
            raise ConfigError(
                f"config keys '{seen[name]}' and '{key}' name the same table '{name}'"
            )
        seen[name] = key


def run(spark, name: str, cfg, args=None) -> dict:
    """Run job `name` on `spark` with the root config `cfg` (and its command-line options
    `args`, if it takes any); its JSON-able result."""
    job = get(name)
    check_tables(job, cfg)
    return job.load().run(spark, settings_for(job, cfg, args))


def job_table() -> str:
    """The README's table of jobs (a test keeps the README equal to it)."""
    rows = ["| job | reads | writes | what it does |", "|---|---|---|---|"]
    defaults = Config()
    for job in JOBS:
        section = getattr(defaults, job.section, None) if job.config is not None else None
        reads = ", ".join(f"`{getattr(section, k)}`" for k in job.reads) or "-"
        writes = ", ".join(f"`{getattr(section, k)}`" for k in job.writes) or "-"
        rows.append(f"| `{job.name}` | {reads} | {writes} | {job.summary} |")
    return "\n".join(rows) + "\n"
