"""evaluate: the Ziya2 paper's data evaluation (DE): automatic metrics on a random
sample, a pass/fail gate, a human-review round trip, and a report of the whole pipeline.

Automatic metrics (paper Table 1) on a seeded random sample of `input` (the whole table
when it has fewer than `whole_table_below` rows), from udfs.quality:
  level 1, regular expressions and word lists, as rates per 1,000 tokens: privacy
  (emails, phone, ID and card numbers), toxic words, advertising words, web-page
  function words (HTML); level 2, model- and count-based: mean perplexity, informativeness
  (distinct 3-gram share), mean readability and coherence; level 3, human review: the
  unqualified rate of the imported labels. Distributions: language, length, topic.

The gate compares each metric with its threshold in `gate` (a metric without one, or
not measurable on this table, is reported, not judged). The verdicts go to the
`evaluation` table, the report and the JSON summary; a failing gate then fails the job
with a message naming the metric and the step to tighten (AS: perplexity tiers, RF: rules).

Human review: `review_sample` documents, a random sample stratified by source and
language, are exported as CSV and JSONL with the annotation criteria beside them
(REVIEW_CRITERIA); `review_labels` imports the filled-in file and reports the
unqualified rate and the coherence, readability and toxicity scores (paper Table 4).
"""

from __future__ import annotations

import csv
import json
import math
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__" and not __package__:  # spark-submit jobs/evaluate.py
    sys.path[0] = str(Path(__file__).resolve().parents[2])  # the package root, not jobs/

from ziya_data.jobs.config import ConfigError, option
from ziya_data.jobs.runtime import (
    JobError,
    RunContext,
    holding,
    map_batches,
    reject_counts,
    say,
    text_summary,
    text_totals,
    token_estimate,
    topic_lexicons,
    word_lists,
)

# metric -> (level, direction, step to tighten when it fails, what it measures)
METRICS = {
    "sampled_documents": (0, "min", "neither: the input is empty", "documents evaluated"),
    "privacy_per_1k_tokens": (1, "max", "RF", "emails, phone, ID and card numbers"),
    "toxic_per_1k_tokens": (1, "max", "RF", "toxic word-list terms"),
    "advertising_per_1k_tokens": (1, "max", "RF", "advertising and gambling terms"),
    "html_per_1k_tokens": (1, "max", "RF", "HTML tags, entities, script fragments"),
    "mean_perplexity": (2, "max", "AS", "KenLM perplexity (filter step)"),
    "distinct_3gram_share": (2, "min", "RF", "informativeness: distinct share of 3-grams"),
    "mean_readability": (2, "min", "AS", "readability (score step)"),
    "mean_coherence": (2, "min", "RF", "coherence (score step)"),
    "human_unqualified_rate": (3, "max", "AS and RF", "reviewed documents with any fault"),
}
DEFAULT_GATE = {
    "sampled_documents": 1.0,  # a gate over nothing does not pass
    "privacy_per_1k_tokens": 1.0,
    "toxic_per_1k_tokens": 1.0,
    "advertising_per_1k_tokens": 1.0,
    "html_per_1k_tokens": 1.0,
    "distinct_3gram_share": 0.5,
    "mean_readability": 0.5,
    "mean_coherence": 0.5,
    "human_unqualified_rate": 0.1,
}
FUNNEL_TABLES = ["raw", "clean", "filtered", "deduped", "scored"]
REVIEW_LABELS = ("coherence", "readability", "toxic")
REVIEW_CRITERIA = """\
# Annotation criteria (the Ziya2 paper's human evaluation)

Fill in one row per document: 1 = the document passes the criterion, 0 = it fails.
Leave a cell empty if you cannot judge; empty cells are not counted.

coherence   1 if the text is consistent and useful as a whole. 0 if it holds
            advertisements, a URL navigation bar, form boilerplate, or pieces that are
            not related to each other (a product title repeated many times, unrelated
            snippets joined together).
readability 1 if the text is grammatically and formally correct. 0 on grammar or
            punctuation errors, incomplete sentences, garbled characters, or text that
            reads as broken machine translation.
toxic       1 if the text is free of toxic content. 0 if it holds explicit, violent,
            terrorist or discriminatory content, or personal data (emails, phone or ID
            numbers).
notes       free text, optional.

A document is unqualified when any of the three is 0.
"""


@dataclass(frozen=True)
class EvaluateConfig:
    # The table evaluated, and the table of verdicts written.
    input: str = "scored"
    output: str = "evaluation"
    # Share of the table sampled (paper: 1%). A table of fewer rows than whole_table_below
    # is evaluated whole; a larger one by a sample of at least about that many rows (a
    # rate per 1,000 tokens needs no more, and the job's time stays bounded).
    sample_fraction: float = option(0.01, min=0.0, max=1.0)
    whole_table_below: int = option(10000, min=0)
    seed: int = 42
    # Metric -> threshold ("max" metrics fail above it, "min" metrics below it).
    gate: dict[str, float] = option(dict(DEFAULT_GATE))
    # Fail the job (exit 1) when a gated metric fails.
    fail_on_gate: bool = True
    # Where report.html, summary.json and the review files go (a local or mounted path);
    # empty: <lake>/_reports/evaluate.
    report_dir: str = ""
    # Word lists and topic lexicons; empty: the bundled conf/rules and conf/topics.
    rules_dir: str = ""
    topics_dir: str = ""
    # Documents exported for human review (0: none).
    review_sample: int = option(1000, min=0)
    # Filled-in review file (CSV or JSONL with doc_id, coherence, readability, toxic).
    review_labels: str = ""
    # Tables whose rows, characters and tokens make the funnel (missing ones are skipped).
    funnel_tables: list[str] = option(list(FUNNEL_TABLES))
    histogram_bins: int = option(20, min=2, max=200)

    def validate(self) -> None:
        for name in self.gate:
            if name not in METRICS:
                raise ConfigError(
                    f"config key 'evaluate.gate.{name}' is not a metric; known: {', '.join(METRICS)}"
                )


class GateFailed(JobError):
    """The evaluated data does not meet the gate; the message says what to tighten."""


# ---------------------------------------------------------------- measuring


# Attributes of the score step, carried beside the measures when the table has them.
ATTRIBUTES = ("ppl", "coherence", "readability", "similarity")


def measure(sample, cfg: EvaluateConfig):
    """Per-document measures of `sample` (adapters.evaluate.OUTPUT), with the score
    step's attribute columns it has carried beside them."""
    import pyarrow as pa
    from pyspark.sql import functions as F

    from ziya_data.adapters.evaluate import OUTPUT, document_measures

    missing = {"doc_id", "text"} - set(sample.columns)
    if missing:
        raise JobError(f"evaluate.input has no column {', '.join(sorted(missing))}")
    attrs = [c for c in ATTRIBUTES if c in sample.columns]
    config = {
        "word_lists": word_lists("evaluate.rules_dir", cfg.rules_dir),
        "topics": topic_lexicons("evaluate.topics_dir", cfg.topics_dir),
        "carry": attrs,
    }
    # Length and tokens are Spark SQL; the UDF passes them through beside what needs Python.
    counted = sample.select(
        *[c for c in sample.columns if c not in attrs],
        *[F.col(c).cast("double").alias(c) for c in attrs],
        F.length("text").cast("int").alias("_chars"),
        token_estimate().cast("int").alias("_tokens"),
    )
    schema = pa.schema([*OUTPUT, *[(c, pa.float64()) for c in attrs]])
    return map_batches(counted, document_measures(config), output=schema)


def sample_share(cfg: EvaluateConfig, rows: int) -> float:
    """The share of a table of `rows` rows that is evaluated (see EvaluateConfig)."""
    if rows < cfg.whole_table_below:
        return 1.0
    return min(1.0, max(cfg.sample_fraction, cfg.whole_table_below / rows))


def sample_of(table, cfg: EvaluateConfig, rows: int):
    """The documents evaluated: the whole table when small, else a seeded sample."""
    share = sample_share(cfg, rows)
    return table if share >= 1.0 else table.sample(fraction=share, seed=cfg.seed)


def transform(table, cfg: EvaluateConfig, rows: int):
    """Per-document measures of the documents evaluated (a seeded sample when the table
    is large), with their attributes: everything the metrics, distributions and
    breakdowns are aggregated from."""
    return measure(sample_of(table, cfg, rows), cfg)


_SUMS = ("tokens", "privacy", "toxic", "advertising", "html")
_RATES = ("privacy", "toxic", "advertising", "html")
_MEANS = {"ppl": "mean_perplexity", "readability": "mean_readability",
          "coherence": "mean_coherence"}  # fmt: skip


def _histogram_specs(columns) -> dict[str, tuple]:
    """Distribution name -> (column, lo, hi, log10): lo and hi None take the data's range."""
    specs = {"length_chars": ("chars", None, None, True)}
    if "ppl" in columns:
        specs["perplexity"] = ("ppl", None, None, True)
    for c in ("coherence", "readability"):
        if c in columns:
            specs[c] = (c, 0.0, 1.0, False)
    if "similarity" in columns:
        specs["similarity"] = ("similarity", None, None, False)
    return specs


def _plotted(column: str, log10: bool):
    """The value a histogram counts: null where it has none (log10 of a value <= 0)."""
    from pyspark.sql import functions as F

    value = F.col(column).cast("double")
    return F.when(value > 0, F.log10(value)) if log10 else value


def summarize(measures, bins: int) -> tuple[dict, dict, dict]:
    """(metric values, distributions, breakdowns by source and by language) of the
    measured documents, in three aggregate passes whatever the number of histograms and
    groups: one for the sums, means and histogram ranges, one for every histogram's
    bins, one for the groups (grouping sets)."""
    from pyspark.sql import functions as F

    attrs = [c for c in ATTRIBUTES if c in measures.columns]
    specs = _histogram_specs(measures.columns)
    totals = measures.agg(
        *[F.sum(c).alias(c) for c in _SUMS],
        F.avg("distinct_3gram").alias("distinct_3gram_share"),
        F.count("*").alias("docs"),
        *[F.avg(c).alias(f"mean_{c}") for c in attrs],
        *[agg(_plotted(col, log)).alias(f"{name}_{end}")
          for name, (col, lo, _, log) in specs.items() if lo is None
          for agg, end in ((F.min, "lo"), (F.max, "hi"))],
    ).first()  # fmt: skip
    tokens = totals["tokens"]
    values: dict[str, float | None] = {
        f"{c}_per_1k_tokens": 1000.0 * (totals[c] or 0) / tokens if tokens else None for c in _RATES
    }
    values["distinct_3gram_share"] = totals["distinct_3gram_share"]
    values["sampled_documents"] = float(totals["docs"])
    for column, metric in _MEANS.items():
        values[metric] = totals[f"mean_{column}"] if column in attrs else None

    ranges = {}
    for name, (col, lo, hi, log) in specs.items():
        lo = totals[f"{name}_lo"] if lo is None else lo
        hi = totals[f"{name}_hi"] if hi is None else hi
        ranges[name] = (col, lo, hi, log)
    binned = [
        F.struct(F.lit(name).alias("h"), _bin(_plotted(col, log), lo, hi, bins).alias("i"))
        for name, (col, lo, hi, log) in ranges.items() if lo is not None
    ]  # fmt: skip
    counts: dict[str, dict[int, int]] = {name: {} for name in ranges}
    if binned:
        rows = (
            measures.select(F.explode(F.array(*binned)).alias("b"))
            .where(F.col("b.i").isNotNull()).groupBy("b.h", "b.i").count().collect()
        )  # fmt: skip
        for r in rows:
            counts[r["h"]][r["i"]] = int(r["count"])
    distributions: dict = {}
    for name, (col, lo, hi, log) in ranges.items():
        if lo is None:
            distributions[name] = {"column": col, "edges": [], "counts": [], "log10": log}
            continue
        width = _bin_width(lo, hi, bins)
        distributions[name] = {
            "column": col,
            "edges": [lo + i * width for i in range(bins + 1)],
            "counts": [counts[name].get(i, 0) for i in range(bins)],
            "log10": log,
        }

    groups = measures.groupingSets(
        [["source"], ["lang"], ["topic"]], "source", "lang", "topic"
    ).agg(
        F.grouping_id().alias("_set"),
        F.count("*").alias("documents"),
        *[F.sum(c).alias(c) for c in ("tokens", "chars", *_RATES)],
        *[F.avg(c).alias(f"mean_{c}") for c in attrs],
    ).collect()  # fmt: skip
    # grouping_id: a bit per grouping column (source, lang, topic), set where it is not grouped.
    by = {"source": [], "lang": [], "topic": []}
    for r in groups:
        column = {0b011: "source", 0b101: "lang", 0b110: "topic"}[r["_set"]]
        by[column].append(r)
    breakdowns = {}
    for column in ("source", "lang"):
        rows = []
        for r in sorted(by[column], key=_nulls_first(column)):
            tokens = r["tokens"]
            row = {column: r[column], "documents": int(r["documents"]), "tokens": tokens,
                   "chars": r["chars"]}  # fmt: skip
            row |= {f"{c}_per_1k_tokens": 1000.0 * r[c] / tokens if tokens else None
                    for c in _RATES}  # fmt: skip
            row |= {f"mean_{c}": r[f"mean_{c}"] for c in attrs}
            rows.append(row)
        breakdowns[column] = rows
    distributions = {
        "language": {r["lang"]: int(r["documents"]) for r in by["lang"]},
        "topic": {r["topic"]: int(r["documents"])
                  for r in sorted(by["topic"], key=_nulls_first("topic"))},
        **distributions,
    }  # fmt: skip
    return values, distributions, breakdowns


def _nulls_first(column: str):
    """A sort key of rows by `column` as Spark orders it ascending: nulls first."""
    return lambda row: (row[column] is not None, row[column] or "")


def _bin_width(lo: float, hi: float, bins: int) -> float:
    """Width of each of `bins` equal bins from lo to hi (1 when the range is one value)."""
    return (hi - lo) / bins if hi > lo else 1.0


def _bin(value, lo: float, hi: float, bins: int):
    """The bin of `value` among `bins` equal bins from lo to hi (the edges' bins take
    what falls outside); null for a null value."""
    from pyspark.sql import functions as F

    width = _bin_width(lo, hi, bins)
    index = F.least(F.greatest(F.floor((value - lo) / width), F.lit(0)), F.lit(bins - 1))
    return index.cast("int")


def judge(values: dict[str, float | None], gate: dict[str, float]) -> list[dict]:
    """One verdict per metric: pass, fail, not_gated (no threshold) or not_measured."""
    verdicts = []
    for name, (level, direction, step, what) in METRICS.items():
        value, threshold = values.get(name), gate.get(name)
        if value is None:
            verdict = "not_measured"
        elif threshold is None:
            verdict = "not_gated"
        elif direction == "max":
            verdict = "pass" if value <= threshold else "fail"
        else:
            verdict = "pass" if value >= threshold else "fail"
        verdicts.append({
            "metric": name, "level": level, "direction": direction, "value": value,
            "threshold": threshold, "verdict": verdict, "tighten": step, "measures": what,
        })  # fmt: skip
    return verdicts


def gate_message(verdicts: list[dict]) -> str:
    failed = [v for v in verdicts if v["verdict"] == "fail"]
    parts = [
        f"{v['metric']} = {v['value']:.4g} {'>' if v['direction'] == 'max' else '<'} "
        f"{v['threshold']:g} (tighten {v['tighten']})"
        for v in failed
    ]
    return "evaluation gate failed: " + "; ".join(parts)


def funnel(tables, names: list[str], cfg: EvaluateConfig) -> list[dict]:
    """Rows, characters and tokens of each pipeline table that exists, and their share
    of the first (raw). A table the pipeline wrote whole carries them in its newest
    commit (runtime.text_summary: tokens from a hash sample of the step's rows); any other
    table is read (scanned_text)."""
    present = [n for n in names if tables.exists(n)]
    if not present:
        return []
    recorded = {n: text for n in present if (text := recorded_text(tables, n))}
    scanned = scanned_text(tables, [n for n in present if n not in recorded], cfg)
    steps = [dict(recorded.get(n) or scanned[n]) for n in present]
    first = steps[0]
    for s in steps:
        for k in ("rows", "chars", "tokens"):
            s[f"{k}_share"] = s[k] / first[k] if first[k] else None
    return steps


def recorded_text(tables, name: str) -> dict | None:
    """The text summary a step recorded in the newest commit of `name` (the table as it
    is now), or None when that commit holds none for this table (another writer's commit,
    an older release's)."""
    (newest,) = tables.history(name, limit=1) or [None]
    text = newest.metadata.get("counts", {}).get("text") if newest else None
    if not isinstance(text, dict) or text.get("table") != name:
        return None
    return {k: text[k] for k in ("table", "rows", "chars", "tokens", "tokens_sampled")}


def scanned_text(tables, names: list[str], cfg: EvaluateConfig) -> dict[str, dict]:
    """Rows, characters and tokens of tables read whole: rows and characters counted,
    tokens too below whole_table_below rows, else estimated from a seeded sample of the
    evaluation's size. Two passes over the tables together: one counts their rows (the
    sample shares need them), one takes the rest."""
    import functools

    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F

    if not names:
        return {}
    frames = {n: tables.read(n).select(F.lit(n).alias("_table"), "text") for n in names}
    union = functools.reduce(DataFrame.unionByName, frames.values())
    rows = {n: int(c) for n, c in union.groupBy("_table").count().collect()}
    shares = {n: sample_share(cfg, rows.get(n, 0)) for n in names}
    marked = functools.reduce(DataFrame.unionByName, [
        frame.withColumn("_sampled", F.rand(cfg.seed) < shares[n]) for n, frame in frames.items()
    ])  # fmt: skip
    sums = {
        r["_table"]: r
        for r in marked.groupBy("_table").agg(*text_totals(F.col("_sampled"))).collect()
    }
    return {
        n: text_summary(n, rows.get(n, 0), shares[n] < 1.0, [sums[n]] if n in sums else [])
        for n in names
    }


# ---------------------------------------------------------------- human review


def review_sample(table, n: int, seed: int):
    """`n` documents stratified by source and language (proportional allocation, see
    stratum_quotas), chosen by a seeded hash of doc_id (stable across runs)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    strata = [c for c in ("source", "lang") if c in table.columns]
    keyed = table.withColumn(
        "_stratum",
        F.concat_ws("/", *[F.coalesce(F.col(c), F.lit("-")) for c in strata])
        if strata
        else F.lit("all"),
    )
    sizes = {r["_stratum"]: int(r["count"]) for r in keyed.groupBy("_stratum").count().collect()}
    if not sizes:
        return keyed.limit(0)
    spark = table.sparkSession
    quotas = spark.createDataFrame(
        sorted(stratum_quotas(sizes, n).items()), "_stratum string, _quota int"
    )
    order = F.xxhash64(F.col("doc_id"), F.lit(seed))
    ranked = keyed.join(F.broadcast(quotas), "_stratum").withColumn(
        "_rank", F.row_number().over(Window.partitionBy("_stratum").orderBy(order, "doc_id"))
    )
    return ranked.where(F.col("_rank") <= F.col("_quota")).drop("_rank", "_quota")


def stratum_quotas(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Proportional allocation of n over strata by largest remainder: the quotas sum to
    n exactly (or to the table size when smaller) and no stratum gets more than it has."""
    total = sum(sizes.values())
    n = min(n, total)
    exact = {s: n * c / total for s, c in sizes.items()}
    quotas = {s: math.floor(q) for s, q in exact.items()}
    left = n - sum(quotas.values())
    for s in sorted(exact, key=lambda s: (quotas[s] - exact[s], s))[:left]:
        quotas[s] += 1
    return quotas


def export_review(sample_df, folder: Path) -> dict:
    """review.csv, review.jsonl (empty label columns to fill in) and review_criteria.md."""
    columns = [c for c in ("doc_id", "source", "lang", "url") if c in sample_df.columns]
    rows = sample_df.select(*columns, "text").orderBy("_stratum", "doc_id").collect()  # bounded
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    header = [*columns, "text", *REVIEW_LABELS, "notes"]
    with open(folder / "review.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for r in rows:
            writer.writerow([r[c] for c in columns] + [r["text"], "", "", "", ""])
    with open(folder / "review.jsonl", "w", encoding="utf-8") as fh:
        for r in rows:
            item = {c: r[c] for c in columns} | {"text": r["text"]}
            item |= {k: None for k in REVIEW_LABELS} | {"notes": ""}
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    (folder / "review_criteria.md").write_text(REVIEW_CRITERIA, encoding="utf-8")
    return {"documents": len(rows), "csv": str(folder / "review.csv"),
            "jsonl": str(folder / "review.jsonl"), "criteria": str(folder / "review_criteria.md")}  # fmt: skip


def read_review(path: str) -> list[dict]:
    """Rows of a filled-in review file (CSV or JSONL); labels as 0/1 or None."""
    p = Path(path)
    if not p.is_file():
        raise JobError(f"evaluate.review_labels '{path}' is not a file")
    if p.suffix.lower() == ".csv":
        with open(p, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    else:
        rows = []
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    raise JobError(
                        f"evaluate.review_labels: line {n} of {path} is not JSON"
                    ) from None
    if rows and "doc_id" not in rows[0]:
        raise JobError(f"evaluate.review_labels: {path} has no doc_id column")
    out = []
    for r in rows:
        labels = {}
        for k in REVIEW_LABELS:
            v = r.get(k)
            v = None if v in (None, "") else str(v).strip()
            if v not in (None, "0", "1"):
                raise JobError(f"evaluate.review_labels: {k} of {r['doc_id']} is {v!r}, not 0 or 1")
            labels[k] = None if v is None else int(v)
        out.append({"doc_id": r["doc_id"], **labels})
    return out


def review_summary(rows: list[dict]) -> dict:
    """Paper Table 4: per criterion the score (share passing) among judged documents, and
    the unqualified rate (documents failing any criterion among those judged on any)."""
    out: dict = {"documents": len(rows)}
    for k in REVIEW_LABELS:
        judged = [r[k] for r in rows if r[k] is not None]
        out[f"{k}_judged"] = len(judged)
        out[f"{k}_score"] = sum(judged) / len(judged) if judged else None
    judged_any = [r for r in rows if any(r[k] is not None for k in REVIEW_LABELS)]
    unqualified = [r for r in judged_any if any(r[k] == 0 for k in REVIEW_LABELS)]
    out["judged"] = len(judged_any)
    out["unqualified"] = len(unqualified)
    out["unqualified_rate"] = len(unqualified) / len(judged_any) if judged_any else None
    return out


# ---------------------------------------------------------------- run


def report_dir(section: EvaluateConfig, lake: str) -> Path:
    if section.report_dir:
        return Path(section.report_dir)
    if "://" in lake or lake.startswith("dbfs:"):
        raise ConfigError(
            "config key 'evaluate.report_dir' must be set to a local or mounted folder "
            "when the lake is not a local path"
        )
    return Path(lake) / "_reports" / "evaluate"


def run(spark, settings) -> dict:
    from ziya_data.jobs import registry, report

    section: EvaluateConfig = settings.section
    out_dir = report_dir(section, settings.lake)
    ctx = RunContext.start(spark, settings)
    table = ctx.read_input(section.input)
    rows = table.count()
    with holding(ctx) as hold:
        measures = hold(transform(table, section, rows))
        values, distributions, breakdowns = summarize(measures, section.histogram_bins)
        sampled = int(values["sampled_documents"])
    # The distribution plots need nothing more: drawn on a thread of their own while the
    # passes below (review sample, funnel, rejects) wait on Spark. Only that thread draws
    # until its result is taken, as pyplot's state is not made for two.
    drawing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evaluate-plots")
    distribution_plots = drawing.submit(report.distribution_plots, distributions)
    drawing.shutdown(wait=False)  # its one task still runs

    review = {}
    if section.review_sample:
        review["export"] = export_review(
            review_sample(table, section.review_sample, section.seed), out_dir / "review"
        )
    if section.review_labels:
        review["labels"] = review_summary(read_review(section.review_labels))
        values["human_unqualified_rate"] = review["labels"]["unqualified_rate"]
    verdicts = judge(values, section.gate)
    failed = [v["metric"] for v in verdicts if v["verdict"] == "fail"]
    summary = {
        "job": "evaluate",
        "run_id": ctx.run_id,
        "table": section.input,
        "table_version": ctx.input_versions[section.input],
        "rows": rows,
        "sampled": sampled,
        "sample": "whole table" if rows < section.whole_table_below else f"{sample_share(section, rows):.2%} seeded {section.seed}",
        "gate": "fail" if failed else "pass",
        "failed": failed,
        "verdicts": verdicts,
        "funnel": funnel(ctx.tables, section.funnel_tables, section),
        "rejects": reject_counts(ctx.tables),
        "step_order": registry.steps(),
        "by_source": breakdowns["source"],
        "by_language": breakdowns["lang"],
        "distributions": distributions,
        "effective_volume": _score_summary(ctx.tables, settings.use("score").summary),
        "review": review,
    }  # fmt: skip
    verdict_df = spark.createDataFrame(
        [(v["metric"], v["level"], v["direction"], _num(v["value"]), _num(v["threshold"]), v["verdict"], v["tighten"]) for v in verdicts],
        "metric string, level int, direction string, value double, threshold double, verdict string, tighten string",
    )  # fmt: skip
    ctx.tables.write(verdict_df, section.output, mode="overwrite",
                     metadata=ctx.commit_metadata(gate=summary["gate"], failed=failed))  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n",
        encoding="utf-8",
    )
    (out_dir / "report.html").write_text(
        report.render(summary, distribution_plots.result()), encoding="utf-8"
    )
    result = {
        "job": "evaluate",
        "run_id": ctx.run_id,
        "gate": summary["gate"],
        "failed": failed,
        "report": str((out_dir / "report.html").resolve()),
        "summary": str((out_dir / "summary.json").resolve()),
        "sampled": sampled,
        **({"review": review} if review else {}),
    }  # fmt: skip
    say("evaluate", f"gate {summary['gate']}; report {result['report']}")
    if failed and section.fail_on_gate:
        raise GateFailed(f"{gate_message(verdicts)}; report: {result['report']}")
    return result


def _score_summary(tables, name: str) -> list[dict]:
    if not tables.exists(name):
        return []
    return [r.asDict() for r in tables.read(name).orderBy("source").collect()]


def _num(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def main(argv=None) -> int:
    from ziya_data.jobs import cli

    return cli.main_for("evaluate", argv)


if __name__ == "__main__":
    raise SystemExit(main())
