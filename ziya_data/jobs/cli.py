"""The `ziya-data` command line, shared by the console script and `spark-submit jobs/<job>.py`.

    ziya-data [--config FILE] [--lake DIR] [--set section.key=value ...] JOB

Exit codes: 0 success; 2 usage or config error (one line naming what is wrong);
1 a failed job (one line for errors the user can fix, a traceback otherwise).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Sequence

from ziya_data.jobs import config as config_mod

# Job name -> (module, one-line help). Modules load lazily: a job that a later
# release adds is simply absent until then.
JOBS = {
    "ingest": ("ziya_data.jobs.ingest", "input files -> table raw (+ rejects)"),
    "clean": (
        "ziya_data.jobs.clean",
        "raw -> clean: language, encoding, Traditional->Simplified, junk characters",
    ),
    "filter": ("ziya_data.jobs.filter", "clean -> filtered: KenLM perplexity tiers and rule filters"),
    "dedup": (
        "ziya_data.jobs.dedup",
        "filtered -> deduped (+ duplicates): URL, exact and near-duplicate removal",
    ),
    "score": ("ziya_data.jobs.score", "deduped -> scored: coherence, readability, similarity"),
    "evaluate": ("ziya_data.jobs.evaluate", "the data-evaluation gate and report"),
    "train-lm": ("ziya_data.jobs.train_lm", "train the KenLM models the filter job scores with"),
    "fit-scaling-law": (
        "ziya_data.jobs.fit_scaling_law",
        "fit the data-centric scaling law to observed runs (no Spark)",
    ),
    "pipeline": ("ziya_data.jobs.pipeline", "run the configured steps in order"),
}

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _add_common(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=default,
        help="YAML config (default: the embedded default, as conf/pipeline.yaml)",
    )
    parser.add_argument(
        "--lake", metavar="DIR", default=default, help="root folder or URI of the tables (lake)"
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        metavar="SECTION.KEY=VALUE",
        action="append",
        default=argparse.SUPPRESS if suppress else [],
        help="override one config value (repeatable), e.g. --set dedup.input=raw",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ziya-data",
        description="The Ziya2 data pipeline as Spark jobs over Delta tables.",
    )
    _add_common(parser, suppress=False)
    sub = parser.add_subparsers(dest="job", metavar="JOB", required=True)
    for name, (module_name, help_text) in JOBS.items():
        job_parser = sub.add_parser(name, help=help_text, description=help_text)
        _add_common(job_parser, suppress=True)
        module = _load(module_name)
        if module is not None and hasattr(module, "add_arguments"):
            module.add_arguments(job_parser)
    return parser


def _load(module_name: str):
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise


def _error(job: str, message: str) -> None:
    print(f"ziya-data {job}: error: {message}", file=sys.stderr)


def _print_result(result: dict) -> None:
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))


def main(argv: Sequence[str] | None = None) -> int:
    from ziya_data.jobs.pipeline import Config
    from ziya_data.jobs.runtime import JobError
    from ziya_data.jobs.tables import TableError

    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    job = args.job
    module = _load(JOBS[job][0])
    if module is None:
        _error(job, f"the {job} job is not part of this release")
        return EXIT_USAGE
    if not getattr(module, "NEEDS_SPARK", True):  # a driver-only command
        started = time.time()
        try:
            result = module.run_local(args)
        except JobError as exc:
            _error(job, str(exc))
            return EXIT_FAILED
        _print_result({**result, "seconds": round(time.time() - started, 1)})
        return EXIT_OK
    overrides = list(args.overrides or [])
    if args.lake:
        overrides.append(f"lake={args.lake}")
    try:
        cfg = config_mod.load(Config, args.config, overrides)
    except config_mod.ConfigError as exc:
        _error(job, str(exc))
        return EXIT_USAGE

    from ziya_data.jobs.session import session

    started = time.time()
    try:
        with session(cfg.spark) as spark:
            result = module.run(spark, cfg)
    except (JobError, TableError) as exc:
        _error(job, str(exc))
        return EXIT_FAILED
    except config_mod.ConfigError as exc:
        _error(job, str(exc))
        return EXIT_USAGE
    result = {**result, "seconds": round(time.time() - started, 1)}
    _print_result(result)
    return EXIT_OK


def main_for(job: str, argv: Sequence[str] | None = None) -> int:
    """Entry point of `spark-submit jobs/<job>.py [options]`: the same options, job fixed."""
    args = list(sys.argv[1:] if argv is None else argv)
    return main([job, *args])
