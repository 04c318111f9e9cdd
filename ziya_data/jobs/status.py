"""status: what each step last wrote, and whether that write is whole.

A step writes in several commits: its rejects partition, then its output (dedup: the
duplicates, then the output; score: the output, then the summary), each carrying the
run id. A run killed between them leaves tables from two runs: its rejects and the
previous run's rows, say. `status` lists per step the run id and version of each table
it writes and flags such a step `half-finished`; every job refuses to read a table a
half-finished step left (RunContext.read_input), and running that step again mends it.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:  # spark-submit ziya_data/jobs/status.py
    sys.path[0] = str(Path(__file__).resolve().parents[2])  # the package root, not jobs/

# Outputs a step appends to rather than replaces: not part of one run's write.
APPEND_ONLY = {("dedup", "index")}


def _latest_rejects_run(tables, job: str, output: str) -> tuple[int, str] | None:
    """(version, run id) of the newest rejects commit of `job` for `output`."""
    if not tables.exists(tables.rejects):
        return None
    for commit in tables.history(tables.rejects):
        meta = commit.metadata
        if meta.get("job") == job and meta.get("output", output) == output:
            return commit.version, meta.get("run_id")
    return None


def step_state(tables, job, section, with_rejects: bool) -> dict:
    """The tables one step writes, their versions and run ids, and whether they agree."""
    written: dict[str, dict] = {}
    for key in job.writes:
        name = getattr(section, key)
        if not name or (job.name, key) in APPEND_ONLY or not tables.exists(name):
            continue
        commit = tables.history(name, limit=1)[0]
        written[name] = {"version": commit.version, "run_id": commit.metadata.get("run_id")}
    out = {"job": job.name, "tables": written}
    if not written:
        out["state"] = "not run"
        return out
    output = section.output
    if with_rejects and output in written:
        latest = _latest_rejects_run(tables, job.name, output)
        if latest is not None:
            written[f"{tables.rejects} ({job.name}, {output})"] = {
                "version": latest[0],
                "run_id": latest[1],
            }
    runs = {t["run_id"] for t in written.values()}
    out["state"] = "complete" if len(runs) == 1 else "half-finished"
    if len(runs) > 1:
        out["fix"] = f"run `ziya-data {job.name}` again"
    return out


# Steps whose rows are accounted into the rejects table.
WITH_REJECTS = {"ingest", "clean", "filter", "score"}


def check_input(tables, name: str) -> None:
    """Refuse to read a table that a half-finished step left (module docstring)."""
    from ziya_data.jobs import registry
    from ziya_data.jobs.runtime import JobError

    commit = tables.history(name, limit=1)[0]
    job_name = commit.metadata.get("job")
    if job_name not in {j.name for j in registry.JOBS} or job_name not in WITH_REJECTS:
        return
    latest = _latest_rejects_run(tables, job_name, commit.metadata.get("output", name))
    if latest is not None and latest[1] != commit.metadata.get("run_id"):
        raise JobError(
            f"table '{name}' is from a half-finished {job_name} run: its rejects are from run "
            f"{latest[1]}, its rows from run {commit.metadata.get('run_id')}; run "
            f"`ziya-data {job_name}` again first (`ziya-data status` shows every step)"
        )


def run(spark, settings) -> dict:
    from ziya_data.jobs import registry
    from ziya_data.jobs.tables import Tables

    cfg = settings.root
    tables = Tables(spark, cfg.lake, cfg.tables)
    steps = [
        step_state(tables, job, getattr(cfg, job.section), job.name in WITH_REJECTS)
        for job in registry.JOBS
        if job.step
    ]
    half = [s["job"] for s in steps if s["state"] == "half-finished"]
    return {"job": "status", "lake": tables.root, "steps": steps, "half_finished": half}


def main(argv=None) -> int:
    from ziya_data.jobs import cli

    return cli.main_for("status", argv)


if __name__ == "__main__":
    raise SystemExit(main())
