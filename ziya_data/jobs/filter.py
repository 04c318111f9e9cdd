"""filter: the Ziya2 paper's automatic scoring (AS) and rule-based filtering (RF),
`clean` -> `filtered` (+ rejects).

RF: the rule registry of `udfs.rules` (document, then paragraph, then sentence rules;
privacy masked). AS: KenLM perplexity per document (token-weighted over paragraphs),
ranked per language (optionally per language and source) by quantiles taken from a
histogram of the scores, no global sort: the lowest `high_quantile` share is tier `high`,
up to `medium_quantile` is `medium`, the rest is rejected as `perplexity_low_quality`
(paper: 30% / 60%). The histogram's counts do not depend on how rows are partitioned or
in which order partial results merge, so the same input always gets the same tiers.

Rules run first and the ranking covers the documents that pass them, so spam and
menus neither distort the perplexity ranking nor hide behind a perplexity reason: a
document rejected for a rule carries that rule's name. The adapter reports the rule
that fired and the perplexity; this job's SQL turns them into reasons (the rule's name,
no_language_model, no_tokens_to_score, perplexity_low_quality). Per-rule hit counts are
recorded with the run; `rule_hits` stays on each filtered row.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__" and not __package__:  # spark-submit jobs/filter.py
    sys.path[0] = str(Path(__file__).resolve().parents[2])  # the package root, not jobs/

from ziya_data.jobs.config import ConfigError, option
from ziya_data.jobs.runtime import (
    REJECT_DETAIL,
    REJECT_REASON,
    JobError,
    RunContext,
    holding,
    map_batches,
    word_lists,
    write_step,
)
from ziya_data.udfs.tokenizers import ZH_DEFAULT

# Reject reasons this job gives besides the rules' names.
PERPLEXITY_REJECT = "perplexity_low_quality"
NO_LANGUAGE_MODEL = "no_language_model"
NO_TOKENS = "no_tokens_to_score"
QUANTILE_STEPS = 100  # ppl_quantile resolution: 1%


@dataclass(frozen=True)
class FilterConfig:
    input: str = "clean"
    output: str = "filtered"
    # Perplexity tiers (paper: lowest 30% high, 30-60% medium, the rest rejected).
    high_quantile: float = option(0.3, min=0.0, max=1.0)
    medium_quantile: float = option(0.6, min=0.0, max=1.0)
    # Rank within language and source instead of within language only.
    rank_by_source: bool = False
    # Histogram bins per tenfold of perplexity for the tier cut points: a cut is the
    # highest perplexity in the bin holding the exact rank, at most 10**(1/accuracy) times
    # the exact quantile's (10000: 0.023% above it). Higher: closer, more bins to count.
    quantile_accuracy: int = option(10000, min=100)
    # Word lists and patterns (<category>.<lang>.txt); empty: the bundled conf/rules.
    rules_dir: str = ""
    disabled_rules: list[str] = option([])
    # Threshold overrides as "rule.param": value (defaults: README's rule table).
    thresholds: dict[str, float] = option({})
    # A document losing more than this share of its characters to paragraph and sentence
    # rules is rejected with the rule that removed most.
    max_removed_share: float = option(0.3, min=0.0, max=1.0)
    # Privacy matches: mask them ([EMAIL], [PHONE], [ID], [CARD]) or drop the sentence.
    pii_action: str = option("mask", choices=["mask", "drop_sentence"])

    def validate(self) -> None:
        from ziya_data.udfs import rules

        if self.medium_quantile < self.high_quantile:
            raise ConfigError(
                "config key 'filter.medium_quantile' must not be below filter.high_quantile"
            )
        known = rules.default_thresholds()
        for key in self.thresholds:
            if key not in known:
                raise ConfigError(f"config key 'filter.thresholds.{key}' is not a rule parameter")
        for name in self.disabled_rules:
            if name not in rules.REGISTRY:
                raise ConfigError(f"config key 'filter.disabled_rules' names unknown rule {name!r}")


def rule_settings(cfg: FilterConfig):
    from ziya_data.udfs import rules

    return rules.Settings(
        thresholds={**rules.default_thresholds(), **cfg.thresholds},
        disabled=frozenset(cfg.disabled_rules),
        max_removed_share=cfg.max_removed_share,
        pii_action=cfg.pii_action,
    )


def score_documents(clean, cfg: FilterConfig, models: dict[str, str], zh_segmenter: str):
    """Rules and perplexity per document (the Python-heavy part), with the reject
    columns: the rule that fired, else no model for the language, else nothing to score."""
    from pyspark.sql import functions as F

    from ziya_data.adapters.filter import ADDED, RECOMPUTED, document_filter

    missing = {"doc_id", "text", "lang"} - set(clean.columns)
    if missing:
        raise JobError(
            f"filter.input has no column {', '.join(sorted(missing))}; run clean on it first"
        )
    config = {
        "settings": rule_settings(cfg),
        "word_lists": word_lists("filter.rules_dir", cfg.rules_dir),
        "models": models,
        "zh_segmenter": zh_segmenter,
    }
    measured = map_batches(clean, document_filter(config), added=ADDED, drop=RECOMPUTED)
    no_model = ~F.col("lang").isin(*models) if models else F.lit(True)
    reason = F.coalesce(
        F.col("rule"),
        F.when(no_model, F.lit(NO_LANGUAGE_MODEL)).when(F.col("ppl").isNull(), F.lit(NO_TOKENS)),
    )
    detail = F.when(F.col("rule").isNotNull(), F.col("rule_detail")).when(no_model, F.col("lang"))
    return measured.select(
        *[c for c in measured.columns if c not in ("rule", "rule_detail")],
        reason.alias(REJECT_REASON),
        detail.alias(REJECT_DETAIL),
    )


def cuts_below(cuts, value, lo: int, hi: int):
    """How many of the sorted array `cuts` lie below `value`, by a binary search over
    positions [lo, hi) written out as nested CASE expressions: about 7 comparisons per row,
    compiled, where a higher-order filter over the 99 cuts is interpreted per element (8x
    the time on 2M rows)."""
    from pyspark.sql import functions as F

    if lo == hi:
        return F.lit(lo)
    mid = (lo + hi) // 2
    return F.when(
        F.element_at(cuts, mid + 1) < value, cuts_below(cuts, value, mid + 1, hi)
    ).otherwise(cuts_below(cuts, value, lo, mid))


def cut_points(ranked, groups: list[str], quantiles: list[float], bins_per_decade: int):
    """Per group: `_cuts`, the perplexity at each 1/QUANTILE_STEPS of its rows' ranks
    (ascending), and `_tier`, that at each of `quantiles`. The perplexity at a quantile q
    of n rows is the highest of the log-scale bin holding the row of rank ceil(q * n).
    Counts and maxima per bin merge the same in any order (percentile_approx's sketches
    do not: its cut points moved a few rows between runs of the same input), and the
    bins are few (at most bins_per_decade per tenfold of perplexity per group), so their
    running totals take a window over a small table, not a sort of the rows."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    bins = ranked.groupBy(*groups, F.floor(F.log10("ppl") * bins_per_decade).alias("_bin")).agg(
        F.count(F.lit(1)).alias("_n"), F.max("ppl").alias("_top")
    )
    upto = Window.partitionBy(*groups).orderBy("_bin").rowsBetween(Window.unboundedPreceding, 0)
    totals = bins.select(
        *groups,
        "_n",
        "_top",
        F.sum("_n").over(upto).alias("_upto"),
        F.sum("_n").over(Window.partitionBy(*groups)).alias("_total"),
    )
    # Step k's rank ceil(k * total / STEPS) lies in the bin (upto - n, upto] exactly when
    # (upto - n) * STEPS / total < k <= upto * STEPS / total (the quotients of counts far
    # below 2**53 are exact enough for floor to be right).
    first = F.floor((F.col("_upto") - F.col("_n")) * QUANTILE_STEPS / F.col("_total")) + 1
    last = F.least(
        F.lit(QUANTILE_STEPS - 1), F.floor(F.col("_upto") * QUANTILE_STEPS / F.col("_total"))
    )
    # The bins holding a step's rank, as spans of steps (each step in exactly one).
    span = F.when(first <= last, F.struct(first.alias("first"), last.alias("last"), "_top"))

    def at(q: float):
        rank = F.greatest(F.lit(1), F.ceil(F.col("_total") * F.lit(q)))
        return F.min(F.when(F.col("_upto") >= rank, F.col("_top")))

    found = totals.groupBy(*groups).agg(
        F.collect_list(span).alias("_spans"), F.array(*[at(q) for q in quantiles]).alias("_tier")
    )
    cuts = F.transform(
        F.sequence(F.lit(1), F.lit(QUANTILE_STEPS - 1)),
        lambda k: F.array_min(
            F.filter("_spans", lambda s: (s["first"] <= k) & (k <= s["last"]))["_top"]
        ),
    )
    return found.select(*groups, cuts.alias("_cuts"), "_tier")


def assign_tiers(scored, cfg: FilterConfig):
    """Quantile cut points per group (a bounded histogram, collected to the driver), then
    a tier per document."""
    from pyspark.sql import functions as F

    groups = ["lang", "source"] if cfg.rank_by_source else ["lang"]
    ranked = scored.where(F.col(REJECT_REASON).isNull())
    cuts = cut_points(
        ranked, groups, [cfg.high_quantile, cfg.medium_quantile], cfg.quantile_accuracy
    )
    # A few rows per group, which every pass over the result reads (the counts, the
    # tallies, both writes): computed once and carried as local rows. Broadcast as a
    # query, they were aggregated from all documents again for each pass.
    cuts = scored.sparkSession.createDataFrame(cuts.collect(), cuts.schema)
    joined = scored.join(F.broadcast(cuts), groups, "left")
    quantile = cuts_below(F.col("_cuts"), F.col("ppl"), 0, QUANTILE_STEPS - 1) / F.lit(
        QUANTILE_STEPS
    )
    high_cut, medium_cut = F.element_at("_tier", 1), F.element_at("_tier", 2)
    tier = F.when(F.col("ppl") <= high_cut, "high").when(F.col("ppl") <= medium_cut, "medium")
    alive = F.col(REJECT_REASON).isNull()
    reason = F.when(alive & tier.isNull(), F.lit(PERPLEXITY_REJECT)).otherwise(F.col(REJECT_REASON))
    detail = F.when(
        alive & tier.isNull(), F.format_string("ppl %.1f > %.1f", F.col("ppl"), medium_cut)
    )
    columns = [c for c in scored.columns if c not in (REJECT_REASON, REJECT_DETAIL)]
    return joined.select(
        *columns,
        F.when(alive, quantile).alias("ppl_quantile"),
        F.when(alive, tier).alias("quality_tier"),
        reason.alias(REJECT_REASON),
        F.coalesce(detail, F.col(REJECT_DETAIL)).alias(REJECT_DETAIL),
    )


def transform(clean, cfg: FilterConfig, models: dict[str, str], zh_segmenter: str = ZH_DEFAULT,
              hold=lambda df: df):  # fmt: skip
    """clean rows -> filtered rows with ppl, ppl_quantile, quality_tier, rule columns and
    reject columns. `models` maps a language to its KenLM model file (a shipping.Shipped,
    or a path where the tasks run in this process). The scored rows are
    read twice (the cut points, collected here, then the tiers): `hold` keeps them from
    being scored twice."""
    return assign_tiers(hold(score_documents(clean, cfg, models, zh_segmenter)), cfg)


def run(spark, settings) -> dict:
    from ziya_data.jobs import train_lm
    from ziya_data.jobs.shipping import ship

    section: FilterConfig = settings.section
    ctx = RunContext.start(spark, settings)
    manifest = train_lm.read_manifest(train_lm.model_dir(settings.use("train_lm"), settings.lake))
    # The models reach the executors through Spark, not by the driver's path.
    models = {lang: ship(spark, m["path"]) for lang, m in manifest["languages"].items()}
    missing = [lang for lang in settings.use("clean").languages if lang not in models]
    if missing:
        raise JobError(
            f"no KenLM model for {', '.join(missing)}; train one with `ziya-data train-lm`"
        )
    clean = ctx.read_input(section.input)
    # Scored once: the quantile aggregate, the counts and the writes all read the held
    # rows (unless tables.materialize is none: then each recomputes them).
    with holding(ctx) as hold:
        filtered = transform(clean, section, models, manifest["zh_segmenter"], hold)
        # Kept rows counted by language and tier: "en:high" -> rows (in the metadata too).
        counts = write_step(
            ctx, filtered, section.output, rows_in=clean.count(), tallies=["rule_hits"],
            keep_tallies=True,
            kept_by=["lang", "quality_tier"], held_upstream=True,
            extra_metadata={"models": {k: v["training_lines"] for k, v in manifest["languages"].items()}},
        )  # fmt: skip
    out = counts.as_dict()
    out["tiers"] = out.pop("kept_by", {})  # in the commit metadata as counts.kept_by
    return {"job": "filter", "run_id": ctx.run_id, "output": section.output, **out}


def main(argv=None) -> int:
    from ziya_data.jobs import cli

    return cli.main_for("filter", argv)


if __name__ == "__main__":
    raise SystemExit(main())
