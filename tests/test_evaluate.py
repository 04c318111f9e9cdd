"""The evaluate job: metrics with known values, the gate (fails on planted PII, passes on
clean text), the human-review round trip, the report in headless Chromium, and the
scaling-law fitter's command."""

import csv
import json
import shutil
import subprocess

import numpy as np
import pytest

from tests.conftest import delta_rows, make_config
from tests.test_attributes import EN_CLEAN, ZH_CLEAN
from ziya_data.jobs import evaluate, registry
from ziya_data.jobs.tables import Tables
from ziya_data.udfs import quality, rules, scaling

TOPICS = quality.load_topics()
LEX = {lang: rules.default_lexicon(lang) for lang in ("en", "zh")}


# ---------------------------------------------------------------- per-document measures


def _tokens(spark, texts):
    df = spark.createDataFrame([(t,) for t in texts], "text string")
    return [r["n"] for r in df.select(evaluate.token_estimate().alias("n")).collect()]


def test_tokens_count_english_words_and_chinese_characters(spark):
    assert _tokens(spark, ["The bridge opens in 2025."]) == [5]
    assert _tokens(spark, ["老桥明年通车。"]) == [6]
    assert _tokens(spark, ["Ziya2 模型"]) == [3]
    assert _tokens(spark, ["Don't stop"]) == [2]  # inner apostrophes, as tokenizers.en_words


def test_informativeness_measures():
    assert quality.distinct_3gram_share("a b c d e", "en") == 1.0
    # a b a b a b: 3-grams (a,b,a) (b,a,b) x2 each -> 2 distinct of 4
    assert quality.distinct_3gram_share("a b a b a b", "en") == 0.5
    # zh: characters, spaces left out: 8 3-grams, 今天天 and 天天气 twice
    assert quality.distinct_3gram_share("今天 天气很好\n今天天气", "zh") == 0.75
    assert quality.distinct_3gram_share("今天", "zh") == 1.0
    assert quality.compression_ratio("spam " * 200) < quality.compression_ratio(EN_CLEAN)


def test_measures_count_privacy_toxic_ads_and_html():
    text = "Mail jane.doe@example.com or call 13812345678. <div>Buy now</div> &nbsp;"
    m = quality.doc_measures(text, "en", LEX["en"], TOPICS)
    assert m["privacy"] == 2
    assert m["advertising"] == 1
    assert m["html"] == 3  # <div>, </div>, &nbsp;
    assert quality.doc_measures(EN_CLEAN, "en", LEX["en"], TOPICS)["privacy"] == 0


def test_privacy_matches_line_by_line_equal_the_whole_texts_matches():
    """Only lines that can hold a match are searched; the count equals the patterns' over
    the whole text, on random texts of digits, separators, '@' and line breaks."""
    import random

    from ziya_data.udfs import rules

    rng = random.Random(1)
    pool = list("0123456789 -+()@.abcX\n")
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 80))) for _ in range(5000)]
    texts.append("call 13812345678\nor mail a@b.cn\nID 11010519491231002X")
    counts = [quality.privacy_matches(t) for t in texts]
    assert counts == [sum(len(p.find(t)) for p in rules.PII_RULES) for t in texts]
    assert counts[-1] == 3 and sum(counts) > 300  # the draw holds many matches


def test_topic_by_keyword_lexicons():
    sport = "The team won the match and the coach praised every player after the season."
    assert quality.topic(sport, "en", TOPICS) == "sports"
    assert quality.topic("球队在决赛中获得冠军，教练称赞每一名球员。", "zh", TOPICS) == "sports"
    assert quality.topic("The cat sat on the mat.", "en", TOPICS) == "other"


def test_judge_directions_and_missing_values():
    values = {"privacy_per_1k_tokens": 2.0, "mean_coherence": 0.7, "distinct_3gram_share": 0.4}
    gate = {"privacy_per_1k_tokens": 1.0, "mean_coherence": 0.5, "distinct_3gram_share": 0.5}
    v = {x["metric"]: x["verdict"] for x in evaluate.judge(values, gate)}
    assert v["privacy_per_1k_tokens"] == "fail"
    assert v["mean_coherence"] == "pass"
    assert v["distinct_3gram_share"] == "fail"
    assert v["mean_perplexity"] == "not_measured"
    msg = evaluate.gate_message(evaluate.judge(values, gate))
    assert "privacy_per_1k_tokens = 2 > 1 (tighten RF)" in msg


# ---------------------------------------------------------------- the job


def _scored_rows(n_per_stratum=10, pii_every=0):
    rows = []
    for source in ("news", "web"):
        for lang, text in (("en", EN_CLEAN), ("zh", ZH_CLEAN)):
            for i in range(n_per_stratum):
                body = (
                    f"{text}\n{source} {lang} item {i}."
                    if lang == "en"
                    else f"{text}\n第{i}条{source}。"
                )
                if pii_every and i % pii_every == 0:
                    body += " Contact jane.doe@example.com or 13812345678."
                doc_id = f"{source}-{lang}-{i:02d}"
                rows.append((doc_id, body, lang, source, 40.0 + i, 0.9, 0.8, 0.05))
    return rows


def _write_scored(spark, lake, rows):
    cfg = make_config(lake)
    df = spark.createDataFrame(
        rows,
        "doc_id string, text string, lang string, source string, ppl double, "
        "coherence double, readability double, similarity double",
    )
    Tables(spark, cfg.lake, cfg.tables).write(df, "scored", mode="overwrite")


def test_a_large_table_is_sampled_to_a_bounded_size_and_its_tokens_estimated(spark, lake):
    """Above whole_table_below rows the measures take a seeded sample of about that many
    rows, and the funnel estimates tokens from such a sample (rows and characters exact)."""
    rows = _scored_rows(n_per_stratum=100)  # 400 rows
    _write_scored(spark, lake, rows)
    cfg = make_config(lake, "evaluate.review_sample=0", "evaluate.whole_table_below=100")
    result = registry.run(spark, "evaluate", cfg)
    assert 60 <= result["sampled"] <= 140  # about 100 of 400, not 1%
    summary = json.loads((lake / "_reports" / "evaluate" / "summary.json").read_text())
    (step,) = summary["funnel"]
    assert step["rows"] == 400 and step["chars"] == sum(len(r[1]) for r in rows)
    exact = sum(_tokens(spark, [r[1] for r in rows]))
    assert step["tokens_sampled"] and step["tokens"] == pytest.approx(exact, rel=0.05)
    assert summary["sample"].startswith("25.00%")


def test_the_funnel_takes_what_each_step_recorded_which_equals_reading_the_tables(
    spark, delta_route_run
):
    """Every step records its output's rows, characters and tokens in the commit (on
    Spark's Delta route here: DESCRIBE HISTORY); evaluate's funnel takes those, and they
    equal what reading each table finds (300 documents: tokens counted, not sampled)."""
    lake, _, _ = delta_route_run
    cfg = make_config(lake, "tables.backend=delta")
    tables = Tables(spark, cfg.lake, cfg.tables)
    names = evaluate.FUNNEL_TABLES
    recorded = {n: evaluate.recorded_text(tables, n) for n in names}
    assert recorded == evaluate.scanned_text(tables, names, cfg.evaluate)
    assert recorded["raw"]["rows"] == 300 and not recorded["raw"]["tokens_sampled"]
    assert recorded["filtered"]["chars"] < recorded["clean"]["chars"]
    summary = json.loads((lake / "_reports" / "evaluate" / "summary.json").read_text())
    assert [{k: s[k] for k in recorded["raw"]} for s in summary["funnel"]] == [
        recorded[n] for n in names
    ]
    # The rejects table carries the same commit metadata but is not the table it names.
    assert evaluate.recorded_text(tables, tables.rejects) is None


def test_recorded_tokens_of_a_large_table_come_from_a_hash_sample(spark, monkeypatch):
    """Above TOKEN_SAMPLE_ROWS rows the tokens are counted on about that many rows, chosen
    by doc_id (the same on a re-run), and scaled by the characters (counted whole)."""
    from pyspark.sql import functions as F

    from ziya_data.jobs import runtime

    monkeypatch.setattr(runtime, "TOKEN_SAMPLE_ROWS", 100)
    texts = [r[1] for r in _scored_rows(n_per_stratum=100)]  # 400 rows
    df = spark.createDataFrame(
        [(f"d{i}", t, i % 4 == 0) for i, t in enumerate(texts)], "doc_id string, text string, gone boolean"
    )  # fmt: skip
    kept = [t for i, t in enumerate(texts) if i % 4]
    totals = df.agg(*runtime.text_totals(runtime.token_sample(400), ~F.col("gone"))).first()
    assert 40 <= totals["_sample_chars"] / (sum(map(len, kept)) / len(kept)) <= 120
    assert runtime.samples_tokens(400)
    text = runtime.text_summary("t", 300, True, [totals])
    assert text["chars"] == sum(map(len, kept))
    assert text["tokens"] == pytest.approx(sum(_tokens(spark, kept)), rel=0.05)
    # The same rows however the frame is partitioned (a re-run records the same figures).
    again = (
        df.repartition(3)
        .agg(*runtime.text_totals(runtime.token_sample(400), ~F.col("gone")))
        .collect()
    )
    assert text == runtime.text_summary("t", 300, True, again)


def test_gate_passes_on_clean_text_and_writes_the_report(spark, lake, tmp_path):
    _write_scored(spark, lake, _scored_rows())
    cfg = make_config(lake, "evaluate.review_sample=0")
    result = registry.run(spark, "evaluate", cfg)
    assert result["gate"] == "pass" and result["failed"] == []
    assert result["sampled"] == 40  # small table: evaluated whole
    summary = json.loads((lake / "_reports" / "evaluate" / "summary.json").read_text())
    verdicts = {v["metric"]: v for v in summary["verdicts"]}
    assert verdicts["privacy_per_1k_tokens"]["value"] == 0.0
    assert verdicts["mean_coherence"]["value"] == pytest.approx(0.9)
    assert verdicts["mean_perplexity"]["verdict"] == "not_gated"
    assert verdicts["human_unqualified_rate"]["verdict"] == "not_measured"
    assert summary["distributions"]["language"] == {"en": 20, "zh": 20}
    assert [s["table"] for s in summary["funnel"]] == ["scored"]
    stored = {r["metric"]: r["verdict"] for r in delta_rows(cfg.lake + "/evaluation")}
    assert stored["privacy_per_1k_tokens"] == "pass"
    assert (lake / "_reports" / "evaluate" / "report.html").read_text().count(
        "data:image/png;base64"
    ) >= 5


def test_gate_fails_on_planted_pii_naming_metric_and_step(spark, lake):
    _write_scored(spark, lake, _scored_rows(pii_every=2))
    cfg = make_config(lake, "evaluate.review_sample=0")
    with pytest.raises(
        evaluate.GateFailed, match=r"privacy_per_1k_tokens = [\d.]+ > 1 \(tighten RF\)"
    ):
        registry.run(spark, "evaluate", cfg)
    stored = {r["metric"]: r for r in delta_rows(cfg.lake + "/evaluation")}
    assert stored["privacy_per_1k_tokens"]["verdict"] == "fail"
    # 20 of 40 documents carry an email and a phone number: 40 matches
    summary = json.loads((lake / "_reports" / "evaluate" / "summary.json").read_text())
    assert summary["gate"] == "fail"
    tokens = sum(_tokens(spark, [r[1] for r in _scored_rows(pii_every=2)]))
    assert stored["privacy_per_1k_tokens"]["value"] == pytest.approx(1000 * 40 / tokens)


def test_human_review_round_trip_reproduces_known_rates(spark, lake, tmp_path):
    _write_scored(spark, lake, _scored_rows(n_per_stratum=25))  # 100 documents, 4 strata
    cfg = make_config(lake, "evaluate.review_sample=20")
    result = registry.run(spark, "evaluate", cfg)
    export = result["review"]["export"]
    with open(export["csv"], newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 20
    strata = {(r["source"], r["lang"]) for r in rows}
    assert len(strata) == 4 and all(
        sum((r["source"], r["lang"]) == s for r in rows) == 5 for s in strata
    )
    assert "A document is unqualified" in open(export["criteria"], encoding="utf-8").read()
    # the annotator: every 4th document incoherent, every 5th toxic, one left unjudged
    for i, r in enumerate(rows):
        r["coherence"] = "0" if i % 4 == 0 else "1"
        r["readability"] = "1"
        r["toxic"] = "0" if i % 5 == 0 else "1"
    rows[1].update(coherence="", readability="", toxic="")
    filled = tmp_path / "filled.csv"
    with open(filled, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    judged = [i for i in range(20) if i != 1]
    bad = [i for i in judged if i % 4 == 0 or i % 5 == 0]
    cfg = make_config(lake, "evaluate.review_sample=0", f"evaluate.review_labels={filled}")
    with pytest.raises(evaluate.GateFailed, match="human_unqualified_rate"):
        registry.run(spark, "evaluate", cfg)  # 8 of 19 unqualified > 0.1
    labels = json.loads((lake / "_reports" / "evaluate" / "summary.json").read_text())["review"][
        "labels"
    ]
    assert labels["judged"] == 19
    assert labels["unqualified_rate"] == pytest.approx(len(bad) / 19)
    assert labels["coherence_score"] == pytest.approx(1 - sum(i % 4 == 0 for i in judged) / 19)
    assert labels["toxic_score"] == pytest.approx(1 - sum(i % 5 == 0 for i in judged) / 19)
    assert labels["readability_score"] == 1.0
    # the same file as JSONL gives the same figures
    jsonl = tmp_path / "filled.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert evaluate.review_summary(evaluate.read_review(str(jsonl))) == labels


def test_bad_review_labels_are_clear_errors(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("doc_id,coherence\nd1,yes\n")
    with pytest.raises(evaluate.JobError, match="coherence of d1 is 'yes'"):
        evaluate.read_review(str(path))


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_report_renders_in_headless_chromium_with_its_images(spark, lake, tmp_path):
    _write_scored(spark, lake, _scored_rows())
    registry.run(spark, "evaluate", make_config(lake, "evaluate.review_sample=0"))
    report = (lake / "_reports" / "evaluate" / "report.html").read_text()
    # A copy that, once loaded, puts the number of decoded images into its title.
    probe = report.replace(
        "</body>",
        "<script>window.onload = () => { const imgs = [...document.images];"
        " document.title = 'decoded ' + imgs.filter(i => i.naturalWidth > 0).length"
        " + ' of ' + imgs.length; };</script></body>",
    )
    page = tmp_path / "probe.html"
    page.write_text(probe)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout  # fmt: skip
    import re

    m = re.search(r"<title>decoded (\d+) of (\d+)</title>", dom)
    assert m, dom[:500]
    assert int(m.group(2)) >= 5 and m.group(1) == m.group(2)
    shot = tmp_path / "shot.png"
    subprocess.run(["chromium", *flags, f"--screenshot={shot}", "--window-size=1200,1600",
                    (lake / "_reports" / "evaluate" / "report.html").as_uri()],
                   capture_output=True, timeout=120)  # fmt: skip
    assert shot.stat().st_size > 20000  # a page of text and plots, not a blank one


def test_plots_drawn_beside_the_spark_passes_make_the_report_drawn_in_one_go(spark, lake):
    """evaluate draws the distribution plots on a thread of their own while its Spark
    passes run: the report it writes must be the one drawn in one go from its summary."""
    from ziya_data.jobs import report

    _write_scored(spark, lake, _scored_rows())
    registry.run(spark, "evaluate", make_config(lake, "evaluate.review_sample=0"))
    folder = lake / "_reports" / "evaluate"
    written = (folder / "report.html").read_text()
    summary = json.loads((folder / "summary.json").read_text())
    assert written == report.render(summary)
    distributions = written.split("<h2>Distributions (evaluated documents)</h2>")[1]
    assert distributions.split("</div>")[0].count("<img") == 7  # every plot drawn


# ---------------------------------------------------------------- the fitter's command


def test_fit_scaling_law_command(tmp_path, capsys):
    from ziya_data.jobs import cli

    rng = np.random.default_rng(5)
    n = 50
    ch, ra, sim = rng.uniform(0.3, 1, n), rng.uniform(0.3, 1, n), rng.uniform(0, 1, n)
    v = 10 ** rng.uniform(9, 12, n)
    loss = scaling.predicted_loss(ch, ra, sim, v, **scaling.PAPER_FIT)
    runs = tmp_path / "runs.csv"
    with open(runs, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["ch", "ra", "sim", "v", "loss"])
        w.writerows(np.c_[ch, ra, sim, v, loss].tolist())
    code = cli.main(
        ["fit-scaling-law", str(runs), "--bootstrap", "3", "--predict", "0.9", "0.9", "0.1", "1e11"]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["params"]["alpha"] == pytest.approx(0.06, rel=0.1)
    assert out["params"]["E"] == pytest.approx(0.31, rel=0.05)
    expected = scaling.predicted_loss(0.9, 0.9, 0.1, 1e11, **scaling.PAPER_FIT)
    assert out["predictions"][0]["loss"] == pytest.approx(expected, rel=1e-3)
    assert set(out["intervals_95"]) == set(scaling.PARAMS)
    assert cli.main(["fit-scaling-law", str(tmp_path / "absent.csv")]) == 1


def test_an_empty_table_fails_the_gate(spark, lake):
    _write_scored(spark, lake, [])
    with pytest.raises(evaluate.GateFailed, match="sampled_documents = 0 < 1"):
        registry.run(spark, "evaluate", make_config(lake, "evaluate.review_sample=0"))
