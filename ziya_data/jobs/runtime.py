"""What every job shares at run time: its context and the accounted write of a step.

A step's `transform` returns one DataFrame in which each row is either kept or
carries a reject reason (`_reject_reason`, `_reject_detail`). `write_step` writes
the kept rows to the output table and the rest to the rejects table (replacing
that step's earlier rejects), then checks rows in = kept + rejected.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ziya_data.jobs.config import TablesConfig, section_hash
from ziya_data.jobs.tables import Tables

REJECT_REASON = "_reject_reason"
REJECT_DETAIL = "_reject_detail"

# Columns every rejects row carries; the rest of the original row goes to `extra` as JSON.
REJECT_BASE_COLUMNS = ("doc_id", "text", "source", "url", "meta")


class JobError(RuntimeError):
    """A job failed for a reason the user can act on; the CLI prints it on one line."""


_CONSOLE: list = []


def console():
    """Where messages for the person running a job go (stdout holds only the result):
    stderr. Under spark-submit, Spark merges the Python driver's stderr into its stdout
    (PythonRunner), so there it is spark-submit's own stderr: the parent JVM's, where
    Linux shows it in /proc."""
    if not _CONSOLE:
        stream = None
        if "PYSPARK_GATEWAY_PORT" in os.environ and "SPARK_ENV_LOADED" in os.environ:
            try:  # spark-submit's own stderr, when this process may write to it
                stream = open(f"/proc/{os.getppid()}/fd/2", "w", buffering=1)  # noqa: SIM115
            except OSError:
                pass
        _CONSOLE.append(stream)
    return _CONSOLE[0] or sys.stderr


def say(job: str, message: str) -> None:
    """One progress line: `ziya-data JOB HH:MM:SS message`."""
    print(f"ziya-data {job} {time.strftime('%H:%M:%S')} {message}", file=console(), flush=True)


@dataclass(frozen=True)
class JobSettings:
    """What a job's `run` is given (jobs.registry.settings_for): its own config section,
    the other sections it names in the registry, and where the tables are."""

    job: str
    section: Any  # the job's own config dataclass (None for a job without one)
    lake: str
    tables: TablesConfig
    uses: dict[str, Any] = field(default_factory=dict)
    root: Any = None  # the whole config: jobs that run or inspect others (registry)
    args: Any = None  # the job's own command-line options (argparse), if it has any

    def use(self, name: str) -> Any:
        """Another section this job named in the registry (a KeyError is a registry bug)."""
        return self.uses[name]


def check_lake(lake: str) -> None:
    """A local lake must be a folder this process can write (or be able to become one):
    found before any work, with one clear line, not as a failed write at the end."""
    from pathlib import Path

    from ziya_data.jobs.tables import TableError, is_local

    if not is_local(lake):
        return
    path = Path(lake.removeprefix("file://")).absolute()
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is None:
        return
    if existing == path and not path.is_dir():
        raise TableError(f"the lake {path} is a file, not a folder; set --lake to a folder")
    if not existing.is_dir():
        raise TableError(f"the lake {path} cannot be made: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise TableError(f"the lake {path} is not writable ({existing}: permission denied)")


@dataclass
class RunContext:
    """One run of one job: its settings, the lake's tables, the input versions it read."""

    spark: Any
    settings: JobSettings
    tables: Tables
    input_versions: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.time)

    @classmethod
    def start(cls, spark, settings: JobSettings) -> RunContext:
        check_lake(settings.lake)
        return cls(spark, settings, Tables(spark, settings.lake, settings.tables))

    @property
    def job(self) -> str:
        return self.settings.job

    @property
    def section(self) -> Any:
        return self.settings.section

    @property
    def config_hash(self) -> str:
        return section_hash(self.section)

    @property
    def run_id(self) -> str:
        """Deterministic: the same job on the same input versions with the same config
        has the same run id, so a re-run rewrites identical rows."""
        blob = json.dumps(
            [self.job, self.input_versions, self.config_hash], sort_keys=True, default=str
        )
        return f"{self.job}-{hashlib.sha256(blob.encode()).hexdigest()[:12]}"

    def commit_metadata(self, **extra: Any) -> dict:
        return {
            "job": self.job,
            "run_id": self.run_id,
            "input_versions": self.input_versions,
            "config_hash": self.config_hash,
            **extra,
        }

    def read_input(self, name: str):
        """Read an input table and remember its version for the commit metadata: a table
        of the lake by name, or a Delta table elsewhere by path or URI, or a catalog table
        (Tables.read_external)."""
        from ziya_data.jobs.tables import TABLE_NAME

        if not TABLE_NAME.fullmatch(name):
            df, version = self.tables.read_external(name)
            self.input_versions[name] = version
            say(self.job, f"reading {name} (version {version})")
            return df
        version = self.tables.version(name)
        if version is None:
            raise JobError(
                f"input table '{name}' does not exist under {self.tables.root}; "
                f"run the step that writes it first, or set {self.job.replace('-', '_')}.input"
            )
        self.input_versions[name] = version
        say(self.job, f"reading {self.tables.location(name)} (version {version})")
        from ziya_data.jobs.status import check_input

        check_input(self.tables, name)
        return self.tables.read(name, version)


def _user_folder(key: str, folder: str):
    """The folder a `*_dir` setting names, None when it is empty (the bundled data); a
    clear error naming the key when it is not a folder."""
    from pathlib import Path

    if folder and not Path(folder).is_dir():
        raise JobError(f"{key} '{folder}' is not a folder")
    return folder or None


def word_lists(key: str, folder: str) -> dict:
    """The word lists of the folder setting `key` names (`folder`), or the bundled ones
    when it is empty. Read on the driver: the lists travel to the workers with the task."""
    from ziya_data.udfs import rules

    try:
        return rules.load_word_lists(_user_folder(key, folder))
    except rules.WordListError as exc:
        raise JobError(f"{key}: {exc}") from None


def topic_lexicons(key: str, folder: str) -> dict:
    """The topic lexicons of the folder setting `key` names, or the bundled ones."""
    from ziya_data.udfs import quality

    return quality.load_topics(_user_folder(key, folder))


# The rejects table holds each step's rejects for each output table in a partition of
# its own (step, output): a run replaces its own and no other.
REJECT_PARTITIONS = ["step", "output"]


def rejects_frame(result, step: str, output: str, run_id: str):
    """Rows of `result` that carry a reject reason, in the rejects table's shape."""
    from pyspark.sql import functions as F

    cols = result.columns
    extra_cols = [
        c for c in cols if c not in REJECT_BASE_COLUMNS and c not in (REJECT_REASON, REJECT_DETAIL)
    ]
    base = [
        F.col(c) if c in cols else F.lit(None).cast("string").alias(c) for c in REJECT_BASE_COLUMNS
    ]
    extra = (
        F.to_json(F.struct(*[F.col(c) for c in extra_cols]))
        if extra_cols
        else F.lit(None).cast("string")
    )
    return result.where(F.col(REJECT_REASON).isNotNull()).select(
        F.col("doc_id"),
        F.lit(step).alias("step"),
        F.lit(output).alias("output"),
        F.col(REJECT_REASON).alias("reason"),
        F.col(REJECT_DETAIL).cast("string").alias("detail"),
        F.lit(run_id).alias("run_id"),
        *base[1:],
        extra.alias("extra"),
    )


def reject_counts(tables) -> dict[str, dict[str, int]]:
    """{step: {reason: rows}} of the rejects table, most frequent reason first (a bounded
    aggregate); empty when no step has rejected anything yet."""
    from pyspark.sql import functions as F

    if not tables.exists(tables.rejects):
        return {}
    agg = tables.read(tables.rejects).groupBy("step", "reason").count()
    out: dict[str, dict[str, int]] = {}
    for r in agg.orderBy("step", F.desc("count"), "reason").collect():
        out.setdefault(r["step"], {})[r["reason"]] = int(r["count"])
    return out


def token_estimate():
    """Tokens of `text` in Spark SQL: English words (letters and digits, inner apostrophes
    kept, as udfs.tokenizers.en_words) plus Chinese characters, one token each. The unit of
    evaluate's per-1,000-token rates and of the funnel."""
    from pyspark.sql import functions as F

    # One counting pass (no spaced copy of the text, no array of matches): a Chinese
    # character, or a run of other letters and digits with inner apostrophes.
    han = "\\x{4e00}-\\x{9fff}"
    letters = f"[\\p{{L}}\\p{{N}}&&[^{han}]]"
    return F.regexp_count("text", F.lit(f"[{han}]|{letters}+(?:['’]{letters}+)*"))


# A written table's tokens are counted on a hash sample of about this many of the step's
# input rows and scaled by its characters (the ratio is all the funnel needs; a regular
# expression over every row cost more than the rest of evaluate).
TOKEN_SAMPLE_ROWS = 10_000
_TEXT_TOTALS = ("_chars", "_sample_chars", "_sample_tokens")


def samples_tokens(rows: int) -> bool:
    """Whether the tokens of a frame of `rows` rows are counted on a sample."""
    return rows >= TOKEN_SAMPLE_ROWS


def token_sample(rows: int):
    """The rows of a frame of `rows` rows whose tokens are counted: all of them below
    TOKEN_SAMPLE_ROWS, else about that many chosen by a hash of doc_id (the same rows
    on a re-run, however the frame is partitioned). `rows` is a step's input, so of a
    step that rejects many the sample holds fewer kept rows (filter's on the real
    corpus: 3,822), still within 1% of a full count there."""
    from pyspark.sql import functions as F

    if not samples_tokens(rows):
        return F.lit(True)
    scale = 1 << 20
    cut = max(1, round(scale * TOKEN_SAMPLE_ROWS / rows))
    return F.pmod(F.xxhash64("doc_id"), F.lit(scale)) < F.lit(cut)


def text_totals(sample, kept=None) -> list:
    """Aggregates of the `text` column over the rows where `kept` holds, for
    text_summary: their characters, and the characters and tokens of those where
    `sample` (a boolean column, e.g. token_sample) holds too."""
    from pyspark.sql import functions as F

    kept = F.lit(True) if kept is None else kept
    sampled = kept & sample
    chars = F.length("text")
    return [
        F.sum(F.when(kept, chars)).alias("_chars"),
        F.sum(F.when(sampled, chars)).alias("_sample_chars"),
        F.sum(F.when(sampled, token_estimate())).alias("_sample_tokens"),
    ]


def text_summary(table: str, rows: int, sampled: bool, aggregates: Sequence) -> dict:
    """What a table written whole holds: rows, characters and tokens (`tokens_sampled`:
    estimated from the sample of text_totals), recorded in its commit for the funnel.
    `aggregates`: rows of text_totals' columns, summed here."""
    chars, sample_chars, tokens = (
        sum(int(r[c] or 0) for r in aggregates) for c in _TEXT_TOTALS
    )  # fmt: skip
    if sampled:
        tokens = round(chars * tokens / sample_chars) if sample_chars else 0
    return {"table": table, "rows": rows, "chars": chars, "tokens": tokens,
            "tokens_sampled": sampled}  # fmt: skip


@dataclass(frozen=True)
class StepCounts:
    rows_in: int
    kept: int
    rejected: int
    reasons: dict[str, int]
    tallies: dict[str, dict[str, int]] = field(default_factory=dict)
    kept_by: dict[str, int] = field(default_factory=dict)  # "value:value" -> kept rows
    text: dict = field(default_factory=dict)  # text_summary of the output written

    def as_dict(self) -> dict:
        out = {
            "rows_in": self.rows_in,
            "kept": self.kept,
            "rejected": self.rejected,
            "reasons": self.reasons,
        }
        if self.tallies:
            out["tallies"] = self.tallies
        if self.kept_by:
            out["kept_by"] = self.kept_by
        if self.text:
            out["text"] = self.text
        return out


@contextlib.contextmanager
def holding(ctx: RunContext) -> Iterator[Callable]:
    """A function `hold(df, cut=False)` that holds a frame computed once for the several
    reads that follow, as tables.materialize says; what it held is let go when the block
    ends. `cut=True` also ends the frame's lineage (an iterative algorithm's plan would
    otherwise grow with every round).

    checkpoint: a local checkpoint keeps rows on the executors, about half the CPU of
    building and reading Spark's compressed columnar cache (measured on the filter
    bench); on one machine no executor is lost without the driver. persist: Spark's
    cache, recomputed where an executor is lost; a cut is a local checkpoint kept in two
    copies on different executors, so one lost executor loses none. auto: checkpoint on
    a local master, persist on a cluster. none: nothing held (cuts are still local
    checkpoints). The checkpoints' blocks go when Spark's cleaner finds them
    unreferenced."""
    from pyspark import StorageLevel

    from ziya_data.jobs.session import is_local

    how = ctx.settings.tables.materialize
    if how == "auto":
        how = "checkpoint" if is_local(ctx.spark) else "persist"
    persisted = []

    def hold(df, cut: bool = False):
        if how == "checkpoint":
            return df.localCheckpoint()
        if cut:
            replicated = how == "persist"
            return df.localCheckpoint(
                storageLevel=StorageLevel.MEMORY_AND_DISK_2 if replicated else None
            )
        if how == "persist":
            persisted.append(df.persist(StorageLevel.MEMORY_AND_DISK))
            return persisted[-1]
        return df

    try:
        yield hold
    finally:
        for df in persisted:
            df.unpersist()


@contextlib.contextmanager
def materialized(ctx: RunContext, df) -> Iterator:
    """`df` held (see holding) for the length of the block."""
    with holding(ctx) as hold:
        yield hold(df)


def write_step(
    ctx: RunContext,
    result,
    output: str,
    *,
    rows_in: int,
    tallies: Sequence[str] = (),
    keep_tallies: bool = False,
    kept_by: Sequence[str] = (),
    extra_metadata: dict | None = None,
    held_upstream: bool = False,
) -> StepCounts:
    """Write kept rows to `output` and rejected rows to the rejects table, accounted.

    `rows_in`, the input's row count as the caller counted it, must equal kept + rejected
    before anything is written (a transform never drops or doubles rows silently). The
    rejects go first, in the step's own partition; the output's commit records their
    version and both carry the run id, so a run killed between the two commits is found
    (`ziya-data status`, and any job reading the output) and mended by running the step
    again.
    `tallies` names array<string> columns (e.g. which operations changed a row):
    their items are counted into the commit metadata; the columns are stored only with
    `keep_tallies`. `kept_by` names columns whose value combinations are counted among
    the kept rows (in the same pass as the reasons). `held_upstream`: the result is a
    cheap projection of a frame the caller holds materialized, so it is read from there
    instead of being held again (a second copy of every text costs more than the
    projection).
    """
    from pyspark.sql import functions as F

    hold = contextlib.nullcontext(result) if held_upstream else materialized(ctx, result)
    with hold as result:
        say(ctx.job, "computing and counting the rows")
        has_text = "text" in result.columns
        kept_rows = F.col(REJECT_REASON).isNull()
        totals = text_totals(token_sample(rows_in), kept_rows) if has_text else []
        reason_rows = (
            result.groupBy(F.col(REJECT_REASON).alias("reason"), *kept_by)
            .agg(F.count("*").alias("count"), *totals).collect()
        )  # fmt: skip
        reasons: dict[str, int] = {}
        kept_counts: dict[str, int] = {}
        for r in reason_rows:
            if r["reason"] is not None:
                reasons[r["reason"]] = reasons.get(r["reason"], 0) + int(r["count"])
            elif kept_by:
                kept_counts[":".join(str(r[c]) for c in kept_by)] = int(r["count"])
        kept = sum(int(r["count"]) for r in reason_rows if r["reason"] is None)
        rejected = sum(reasons.values())
        total = kept + rejected
        if rows_in != total:
            raise JobError(
                f"{ctx.job}: accounting failed: {rows_in} rows in, {kept} kept + {rejected} "
                "rejected; nothing was written"
            )
        tally_counts = {}
        for column in tallies:
            rows = result.select(F.explode(column).alias("item")).groupBy("item").count().collect()
            tally_counts[column] = {
                r["item"]: int(r["count"]) for r in sorted(rows, key=lambda r: r["item"])
            }
        if not keep_tallies:
            result = result.drop(*tallies)
        counts = StepCounts(
            rows_in,
            kept,
            rejected,
            dict(sorted(reasons.items())),
            tally_counts,
            dict(sorted(kept_counts.items())),
            text_summary(output, kept, samples_tokens(rows_in), reason_rows) if has_text else {},
        )
        meta = ctx.commit_metadata(counts=counts.as_dict(), output=output, **(extra_metadata or {}))
        kept_df = result.where(F.col(REJECT_REASON).isNull()).drop(REJECT_REASON, REJECT_DETAIL)
        say(ctx.job, f"{total} rows: {kept} kept, {rejected} rejected; writing {output}")
        # Rejects first: if the output write then fails, a re-run replaces both.
        rejects_version = ctx.tables.write(
            rejects_frame(result, ctx.job, output, ctx.run_id),
            ctx.tables.rejects,
            mode="overwrite",
            partition_by=REJECT_PARTITIONS,
            replace_partition={"step": ctx.job, "output": output},
            metadata=meta,
        )
        ctx.tables.write(
            kept_df, output, mode="overwrite", metadata={**meta, "rejects_version": rejects_version}
        )
        return counts


def map_batches(df, fn, *, added=None, output=None, drop: Sequence[str] = ()):
    """`df.mapInArrow(fn)` with Spark's schema made from an adapter's pyarrow schema:
    `output` when the adapter yields only its own columns; otherwise the input's columns
    (less `drop` and any that `added` recomputes) followed by `added`."""
    from pyspark.sql.pandas.types import from_arrow_schema
    from pyspark.sql.types import StructType

    if output is not None:
        return df.mapInArrow(fn, from_arrow_schema(output))
    gone = set(drop) | set(added.names)
    kept = [f for f in df.schema.fields if f.name not in gone]
    return df.mapInArrow(fn, StructType(kept + list(from_arrow_schema(added).fields)))
