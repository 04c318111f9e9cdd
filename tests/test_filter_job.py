"""train-lm and filter on the demo corpus, scored against the generator's ground truth."""

import json

import pytest

from demo import corpus
from tests.conftest import delta_rows, make_config
from ziya_data.jobs import filter as filter_job
from ziya_data.jobs import registry
from ziya_data.jobs.config import ConfigError
from ziya_data.jobs.runtime import JobError

# What each junk kind may be rejected for (any of these is the right reason).
RIGHT_REASONS = {
    "ad": {"advertising", "gambling", "stop_words"},
    "nav": {"navigation_bar", "short_line_ratio", "navigation_line"},
    "form": {"form_boilerplate", "form_line"},
    "toxic": {"toxic_explicit", "toxic_violent", "toxic_terrorist", "toxic_discriminatory"},
    "garbled": {
        "garbled_chars",
        "rare_char_share",
        "vowelless_words",
        "unpunctuated_run",
        "perplexity_low_quality",
    },
}


@pytest.fixture(scope="module")
def filtered(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("filter_demo")
    corpus.write(root / "demo", 1500, reference_docs=300)
    cfg = make_config(root / "lake", f"ingest.input={root / 'demo' / 'corpus'}",
                      f"train_lm.input={root / 'demo' / 'reference'}")  # fmt: skip
    registry.run(spark, "ingest", cfg)
    registry.run(spark, "clean", cfg)
    trained = registry.run(spark, "train-lm", cfg)
    result = registry.run(spark, "filter", cfg)
    truth = {t["id"]: t for t in map(json.loads, open(root / "demo" / "truth.jsonl"))}
    return root / "lake", cfg, trained, result, truth


def _by_id(rows):
    return {json.loads(r["meta"])["id"]: r for r in rows}


def test_models_and_manifest(filtered):
    lake, cfg, trained, _, _ = filtered
    manifest = json.loads((lake / "_models" / "kenlm" / "manifest.json").read_text())
    assert set(manifest["languages"]) == {"zh", "en"}
    assert manifest["languages"]["zh"]["tokenization"] == "jieba-words:jieba-rs"
    assert all(m["training_lines"] > 100 for m in trained["models"].values())


def test_accounting_reasons_and_pii(filtered):
    lake, _, _, result, truth = filtered
    kept = _by_id(delta_rows(lake / "filtered"))
    rejected = _by_id(delta_rows(lake / "rejects", "SELECT * FROM t WHERE step = 'filter'"))
    clean_rows = delta_rows(lake / "clean", "SELECT count(*) AS n FROM t")[0]["n"]
    assert result["rows_in"] == clean_rows == len(kept) + len(rejected)
    for doc_id, t in truth.items():
        if t["kind"] in RIGHT_REASONS and doc_id in rejected | kept:
            assert doc_id in rejected, (t["kind"], kept.get(doc_id, {}).get("text", "")[:80])
            assert rejected[doc_id]["reason"] in RIGHT_REASONS[t["kind"]], (
                t["kind"],
                rejected[doc_id]["reason"],
            )
    clean_ids = [i for i, t in truth.items() if t["kind"] == "clean"]
    by_rule = [
        i for i in clean_ids if i in rejected and rejected[i]["reason"] != "perplexity_low_quality"
    ]
    assert len(by_rule) / len(clean_ids) < 0.02
    for doc_id, t in truth.items():
        if t["kind"] == "pii" and doc_id in kept:
            text = kept[doc_id]["text"]
            assert "@" not in text and any(
                tag in text for tag in ("[EMAIL]", "[PHONE]", "[ID]", "[CARD]")
            ), text[-120:]
            assert any(h.startswith("pii_") for h in kept[doc_id]["rule_hits"])


def test_tiers_match_the_configured_quantiles(filtered):
    lake, cfg, _, result, _ = filtered
    rows = delta_rows(
        lake / "filtered",
        "SELECT lang, quality_tier, count(*) AS n FROM t GROUP BY lang, quality_tier",
    )
    ranked = delta_rows(
        lake / "rejects",
        "SELECT count(*) AS n FROM t WHERE step = 'filter' AND reason = 'perplexity_low_quality'",
    )
    per_lang = {}
    for r in rows:
        per_lang.setdefault(r["lang"], {})[r["quality_tier"]] = r["n"]
    low = {}
    for r in delta_rows(
        lake / "rejects",
        "SELECT extra FROM t WHERE step = 'filter' AND reason = 'perplexity_low_quality'",
    ):
        lang = json.loads(r["extra"])["lang"]
        low[lang] = low.get(lang, 0) + 1
    assert sum(low.values()) == ranked[0]["n"]
    # the reported tiers (counted with the reasons, in one pass) are the table's
    reported = {f"{lang}:{tier}": n for lang, t in per_lang.items() for tier, n in t.items()}
    assert result["tiers"] == reported and sum(reported.values()) == result["kept"]
    for lang, tiers in per_lang.items():
        total = tiers["high"] + tiers["medium"] + low[lang]
        assert abs(tiers["high"] / total - 0.3) < 0.02, (lang, tiers, low[lang])
        assert abs((tiers["high"] + tiers["medium"]) / total - 0.6) < 0.02, (lang, tiers, low[lang])
    sample = delta_rows(lake / "filtered", "SELECT lang, ppl, ppl_quantile, quality_tier FROM t")
    assert all(0 <= r["ppl_quantile"] <= 1 and r["ppl"] > 0 for r in sample)
    for lang in per_lang:  # within a language, every high document beats every medium one
        ppl = {
            tier: [r["ppl"] for r in sample if r["lang"] == lang and r["quality_tier"] == tier]
            for tier in ("high", "medium")
        }
        assert max(ppl["high"]) <= min(ppl["medium"])


def test_rule_hits_recorded_and_errors(spark, filtered, tmp_path):
    lake, cfg, _, result, _ = filtered
    hits = result["tallies"]["rule_hits"]
    assert hits["navigation_bar"] >= 1 and hits["advertising"] >= 1 and hits["pii_email"] >= 1
    with pytest.raises(JobError, match="no KenLM models under .* train them first"):
        registry.run(spark, "filter", make_config(tmp_path / "empty"))
    with pytest.raises(ConfigError, match="filter.thresholds.doc_too_short.bogus"):
        make_config(tmp_path, "filter.thresholds.doc_too_short.bogus=3")
    with pytest.raises(ConfigError, match="unknown rule 'nope'"):
        make_config(tmp_path, "filter.disabled_rules=[nope]")


def test_cuts_below_counts_like_a_scan(spark):
    """The CASE-tree binary search gives the count of cuts below each value, with ties
    (a cut equal to the value is not below it) and repeated cuts."""
    import random

    from pyspark.sql import functions as F

    rng = random.Random(4)
    rows = []
    for _ in range(300):
        cuts = sorted(
            rng.choice([1.0, 2.0, 2.0, 3.5, 7.0, 9.0]) + rng.randint(0, 3) for _ in range(9)
        )
        value = rng.choice([*cuts, 0.5, 5.0, 20.0])
        rows.append((value, cuts, sum(c < value for c in cuts)))
    df = spark.createDataFrame(rows, "value double, cuts array<double>, expected int")
    got = df.select(
        filter_job.cuts_below(F.col("cuts"), F.col("value"), 0, 9).alias("got"), "expected"
    ).collect()
    assert [r["got"] for r in got] == [r["expected"] for r in got]
    assert len({r["expected"] for r in got}) >= 8  # the values fall at many positions


def test_transform_decides_reasons_in_spark_sql(spark):
    """The adapter reports the rule that fired and the perplexity; the job's SQL makes the
    reasons: a rule's name first, then no model for the language."""
    from ziya_data.jobs.filter import FilterConfig, transform

    prose = (
        "The council approved the new budget for the city parks this year. It will pay for "
        "new trees, benches and paths in every district of the town, and the work starts in May."
    )
    docs = spark.createDataFrame(
        [
            ("ok", prose, "en"),
            ("short", "It is the end of the story.", "en"),
            ("french", prose, "fr"),
        ],
        "doc_id string, text string, lang string",
    )
    rows = {r["doc_id"]: r for r in transform(docs, FilterConfig(), models={}).collect()}
    assert rows["short"]["_reject_reason"] == "doc_too_short"
    assert rows["short"]["_reject_detail"] == "7 words"
    assert (rows["ok"]["_reject_reason"], rows["ok"]["_reject_detail"]) == (
        "no_language_model",
        "en",
    )
    assert rows["french"]["_reject_reason"] == "no_language_model"
    assert all(r["ppl"] is None and r["quality_tier"] is None for r in rows.values())


def test_tiers_are_exact_ranks_however_the_rows_are_partitioned(spark):
    """Tier cuts and ppl_quantile from the histogram equal those of a full sort (values
    spread wider than a bin, with ties), and the same rows in 1 or 7 shuffled partitions
    get the same tiers; rows a rule rejected are not ranked; the cut points are computed
    once."""
    import math
    import random

    from ziya_data.jobs.filter import FilterConfig, assign_tiers
    from ziya_data.jobs.runtime import REJECT_DETAIL, REJECT_REASON

    rng = random.Random(11)
    rows = []
    for lang, n in (("en", 2001), ("zh", 999)):
        steps = rng.sample(range(20000), n)  # 1.001 apart at least: over 4 bins
        values = [10 * 1.001**k for k in steps] + [10 * 1.001**k for k in steps[:40]]  # ties
        rows += [(f"{lang}{i}", lang, v, None) for i, v in enumerate(values)]
        rows += [(f"{lang}-rule{i}", lang, 1.5, "doc_too_short") for i in range(30)]

    def expected(lang):
        ranked = sorted(v for _, g, v, reason in rows if g == lang and reason is None)
        at = [ranked[max(1, math.ceil(q * len(ranked))) - 1] for q in (0.3, 0.6)]
        cuts = [ranked[max(1, math.ceil(k / 100 * len(ranked))) - 1] for k in range(1, 100)]
        return at, cuts

    want = {lang: expected(lang) for lang in ("en", "zh")}
    schema = f"doc_id string, lang string, ppl double, {REJECT_REASON} string"
    one = spark.createDataFrame(rows, schema).coalesce(1)
    seven = spark.createDataFrame(rng.sample(rows, len(rows)), schema).repartition(7)
    results = []
    for df in (one, seven):
        scored = df.withColumn(REJECT_DETAIL, df[REJECT_REASON])
        tiered = assign_tiers(scored, FilterConfig())
        # The cut points arrive as rows computed once: no pass over the result (counts,
        # writes) aggregates the documents again.
        assert "Aggregate" not in tiered._jdf.queryExecution().optimizedPlan().toString()
        got = tiered.collect()
        results.append(
            {r["doc_id"]: (r["quality_tier"], r["ppl_quantile"], r[REJECT_REASON]) for r in got}
        )
    assert results[0] == results[1]
    for doc_id, lang, ppl, reason in rows:
        tier, quantile, got_reason = results[0][doc_id]
        if reason is not None:
            assert (tier, quantile, got_reason) == (None, None, reason)
            continue
        (high, medium), cuts = want[lang]
        assert tier == ("high" if ppl <= high else "medium" if ppl <= medium else None)
        assert got_reason == (None if tier else "perplexity_low_quality")
        assert quantile == sum(c < ppl for c in cuts) / 100
    tiers = [t for t, _, _ in results[0].values()]
    assert tiers.count("high") == math.ceil(0.3 * 2041) + math.ceil(0.3 * 1039)
