"""The `ziya-data` command line, shared by the console script, `python -m ziya_data` and
`spark-submit ziya_data/jobs/<job>.py`.

    ziya-data [--config FILE] [--lake DIR] [--set section.key=value ...] JOB
    ziya-data JOB --help        the job's settings with their defaults
    ziya-data config            the effective config (defaults, file, overrides) as YAML
    ziya-data bundle            the package as one zip for spark-submit --py-files
    ziya-data --version

Exit codes: 0 success; 2 usage or config error (one line naming what is wrong);
1 a failed job (one line for errors the user can fix, a traceback otherwise).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import time
from collections.abc import Sequence

from ziya_data.jobs import config as config_mod

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _add_common(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=default,
        help="YAML config (default: the embedded default, `ziya-data config` prints it)",
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
    parser.add_argument(
        "--result-file",
        metavar="PATH",
        default=default,
        help="also write the JSON result to this file of the driver (what an orchestrator "
        "reads back: the Airflow operator puts it in XCom)",
    )


def settings_help(job) -> str:
    """The settings of a job's config section (and the sections it reads), with their
    defaults and what they mean (from the documented default config)."""
    from ziya_data import resources
    from ziya_data.jobs import registry

    if job.config is None and job.name != "pipeline":
        return ""
    docs = config_mod.key_docs(resources.default_config_text())
    defaults = registry.Config()
    sections = [job.section] if job.config is not None else ["pipeline"]
    lines = []
    for name in sections:
        lines.append(f"settings (--set {name}.KEY=VALUE; defaults shown):")
        section = getattr(defaults, name)
        for f in dataclasses.fields(section):
            value = json.dumps(getattr(section, f.name), ensure_ascii=False)
            lines.append(f"  {name}.{f.name} = {value}")
            doc = docs.get(f"{name}.{f.name}")
            if doc:
                lines.append(f"      {doc}")
    if job.uses:
        lines.append(f"also reads the sections: {', '.join(job.uses)}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    from ziya_data import __version__
    from ziya_data.jobs import registry

    parser = argparse.ArgumentParser(
        prog="ziya-data",
        description="The Ziya2 data pipeline as Spark jobs over Delta tables.",
    )
    parser.add_argument("--version", action="version", version=f"ziya-data {__version__}")
    _add_common(parser, suppress=False)
    sub = parser.add_subparsers(dest="job", metavar="JOB", required=True)
    for job in registry.JOBS:
        job_parser = sub.add_parser(
            job.name, help=job.summary, description=job.summary, epilog=settings_help(job),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip
        _add_common(job_parser, suppress=True)
        module = job.load()
        if hasattr(module, "add_arguments"):
            module.add_arguments(job_parser)
    for name, help_text in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        _add_common(command, suppress=True)
        if name == "bundle":
            from ziya_data import bundle

            bundle.add_arguments(command)
    return parser


# Commands that are not jobs: they start no Spark session.
COMMANDS = {
    "config": "print the effective config (defaults, --config file, --set overrides) as YAML",
    "bundle": "write the package as one zip for spark-submit --py-files",
}


def _error(job: str, message: str) -> None:
    from ziya_data.jobs.runtime import console

    print(f"ziya-data {job}: error: {message}", file=console())


def _print_result(result: dict, result_file: str | None = None) -> None:
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    print(text)
    if result_file:
        from pathlib import Path

        path = Path(result_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.replace(path)  # a reader never sees half a result


def load_config(config_file: str | None, overrides: Sequence[str], lake: str | None = None):
    """The root config from the defaults, a YAML file and --set overrides."""
    from ziya_data.jobs import registry

    overrides = list(overrides or [])
    if lake:
        overrides.append(f"lake={lake}")
    return config_mod.load(registry.Config, config_file, overrides)


def main(argv: Sequence[str] | None = None) -> int:
    from ziya_data.jobs import registry
    from ziya_data.jobs.runtime import JobError
    from ziya_data.jobs.tables import TableError

    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    name = args.job
    if name in COMMANDS or not registry.get(name).spark:
        return _driver_only(name, args)
    try:
        cfg = load_config(args.config, args.overrides, args.lake)
        steps = cfg.pipeline.steps if name == "pipeline" else [name]
        for step in steps:  # before a session starts: no JVM for a config error
            registry.check_tables(registry.get(step), cfg)
    except config_mod.ConfigError as exc:
        _error(name, str(exc))
        return EXIT_USAGE

    from ziya_data.jobs.session import session

    started = time.time()
    try:
        with session(cfg.spark, cfg.tables, cfg.lake) as spark:
            result = registry.run(spark, name, cfg, args)
    except (JobError, TableError) as exc:
        _error(name, str(exc))
        return EXIT_FAILED
    except config_mod.ConfigError as exc:
        _error(name, str(exc))
        return EXIT_USAGE
    except Exception as exc:
        message = explain(exc)
        if message is None:
            raise  # not one we know: the whole traceback
        _error(name, message)
        return EXIT_FAILED
    result = {**result, "seconds": round(time.time() - started, 1)}
    _print_result(result, getattr(args, "result_file", None))
    return EXIT_OK


_READ_FAILED = re.compile(r"Encountered error while reading file (\S+?)\.?\s")
_CAUSE = re.compile(r"Caused by: ([\w.$]+(?:Exception|Error)): ([^\n]*)")


def explain(exc: BaseException) -> str | None:
    """One line for a failure whose cause is the user's to fix (an unreadable input file,
    a lake that cannot be written), else None. Spark wraps them in long JVM traces."""
    text = str(exc)
    read = _READ_FAILED.search(text)
    if read:
        cause = _CAUSE.search(text)
        why = f"{cause.group(1).rsplit('.', 1)[-1]}: {cause.group(2)}" if cause else "unreadable"
        return f"cannot read input file {read.group(1)} ({why}): a truncated or corrupt file?"
    if (
        isinstance(exc, PermissionError)
        or "AccessDeniedException" in text
        or "Permission denied" in text
    ):
        return f"permission denied: {text.splitlines()[0][:300]}"
    return None


def _driver_only(name: str, args) -> int:
    """A command that needs no Spark session: `config`, or a job like fit-scaling-law."""
    from ziya_data.jobs import registry
    from ziya_data.jobs.runtime import JobError

    if name == "bundle":
        from ziya_data import bundle

        _print_result(bundle.run_local(args), getattr(args, "result_file", None))
        return EXIT_OK
    if name == "config":
        try:
            cfg = load_config(args.config, args.overrides, args.lake)
        except config_mod.ConfigError as exc:
            _error(name, str(exc))
            return EXIT_USAGE
        print(config_mod.to_yaml(cfg), end="")
        return EXIT_OK
    started = time.time()
    try:
        result = registry.get(name).load().run_local(args)
    except JobError as exc:
        _error(name, str(exc))
        return EXIT_FAILED
    seconds = round(time.time() - started, 1)
    _print_result({**result, "seconds": seconds}, getattr(args, "result_file", None))
    return EXIT_OK


def main_for(job: str, argv: Sequence[str] | None = None) -> int:
    """Entry point of `spark-submit ziya_data/jobs/<job>.py [options]`: the same options,
    the job fixed."""
    args = list(sys.argv[1:] if argv is None else argv)
    return main([job, *args])
