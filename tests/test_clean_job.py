"""The clean job on the demo corpus, scored against the generator's ground truth."""

import gzip
import json
import re

import opencc
import pytest

from demo import corpus
from tests.conftest import delta_rows, make_config
from ziya_data.jobs import registry
from ziya_data.jobs.runtime import JobError
from ziya_data.jobs.tables import Tables


@pytest.fixture(scope="module")
def demo_lake(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("clean_demo")
    corpus.write(root / "demo", 1000)
    cfg = make_config(root / "lake", f"ingest.input={root / 'demo' / 'corpus'}")
    registry.run(spark, "ingest", cfg)
    result = registry.run(spark, "clean", cfg)
    truth = {t["id"]: t for t in map(json.loads, open(root / "demo" / "truth.jsonl"))}
    original = {}
    for f in (root / "demo" / "corpus").iterdir():
        for line in gzip.open(f):
            try:
                rec = json.loads(line)
                original[rec["id"]] = rec["text"]
            except (ValueError, KeyError, TypeError):
                pass
    return root / "lake", cfg, result, truth, original


def _by_id(rows):
    return {json.loads(r["meta"])["id"]: r for r in rows}


def test_transform_decides_reasons_in_order(spark):
    from ziya_data.jobs.clean import CleanConfig, transform

    docs = {
        "kept": "The council met on Monday. It approved the budget for the parks.",
        "empty": "😀😀😀",
        "short": "ok 👍",
        "german": "Der Stadtrat hat gestern einen neuen Plan vorgestellt.",
        "digits": "1234567890 1234567890 1234567890",
        "short_after": "Thank you very much!!!!!!!!!!!!!!!!!!!!",
    }
    raw = spark.createDataFrame(sorted(docs.items()), "doc_id string, text string")
    rows = {r["doc_id"]: r for r in transform(raw, CleanConfig(min_chars=20)).collect()}
    reasons = {k: (r["_reject_reason"], r["_reject_detail"]) for k, r in rows.items()}
    assert reasons == {
        "kept": (None, None),
        "empty": ("empty_after_clean", None),
        "short": ("too_short", "2 chars < 20"),
        "german": ("lang_not_allowed", "de"),
        "digits": ("lang_uncertain", "None:0.000"),
        "short_after": ("too_short", "17 chars < 20"),
    }
    assert rows["short_after"]["text"] == docs["short_after"]  # a reject keeps its input
    assert rows["kept"]["lang"] == "en" and rows["kept"]["text"] == docs["kept"]


def test_accounting_and_rejects_by_kind(demo_lake):
    lake, _, result, truth, _ = demo_lake
    kept = _by_id(delta_rows(lake / "clean"))
    rejected = _by_id(delta_rows(lake / "rejects", "SELECT * FROM t WHERE step = 'clean'"))
    assert result["rows_in"] == len(truth) == len(kept) + len(rejected)
    assert result["kept"] == len(kept)
    for doc_id, t in truth.items():
        if t["kind"] == "other_lang":
            assert rejected[doc_id]["reason"] == "lang_not_allowed", t
        elif t["kind"] == "short":
            assert rejected[doc_id]["reason"] == "too_short", t
        elif t["kind"] != "garbled":  # garbled text may go here or at filter
            assert doc_id in kept, (t, rejected.get(doc_id))
    # A reject keeps the original text.
    some = next(i for i, t in truth.items() if t["kind"] == "other_lang")
    assert rejected[some]["text"] == demo_lake[4][some]


def test_no_defect_survives_and_clean_prose_is_untouched(demo_lake):
    lake, _, _, truth, original = demo_lake
    kept = _by_id(delta_rows(lake / "clean"))
    to_simplified = opencc.OpenCC("t2s")
    for doc_id, row in kept.items():
        text = row["text"]
        assert row["lang"] in ("zh", "en")
        assert not re.search(
            "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\ufeff\ue000-\uf8ff\x1b]", text
        ), doc_id
        assert not re.search("[\U0001f000-\U0001faff\u2600-\u27bf]", text), doc_id
        assert not re.search(r"</?[a-z]+[ >/]|&nbsp;|&amp;|Ã", text), doc_id
        if row["lang"] == "zh":
            assert to_simplified.convert(text) == text, doc_id
        if truth[doc_id]["kind"] in ("clean", "near_miss", "near_dup"):
            assert text == original[doc_id], doc_id
    trad = [i for i, t in truth.items() if t["kind"] == "traditional"]
    assert trad and all(kept[i]["text"] == to_simplified.convert(original[i]) for i in trad)


def test_operation_counts_are_recorded(spark, demo_lake):
    lake, cfg, result, truth, _ = demo_lake
    tallies = result["tallies"]["clean_ops"]
    n_traditional = sum(t["kind"] == "traditional" for t in truth.values())
    assert tallies["to_simplified"] >= n_traditional
    for defect, op in [
        ("ansi", "strip_ansi"),
        ("html", "strip_html"),
        ("mojibake", "fix_mojibake"),
        ("control", "remove_control_chars"),
        ("emoji", "remove_emoji"),
    ]:
        planted = sum(defect in t["defects"] for t in truth.values())
        assert tallies.get(op, 0) >= planted, (op, planted)
    meta = Tables(spark, str(lake)).history("clean")[0].metadata
    assert meta["counts"]["tallies"]["clean_ops"] == tallies
    assert meta["input_versions"] == {"raw": 0}


def test_rerun_replaces_and_other_inputs_keep_their_columns(spark, demo_lake, tmp_path):
    lake, cfg, result, _, _ = demo_lake
    again = registry.run(spark, "clean", cfg)
    assert (again["kept"], again["rejected"]) == (result["kept"], result["rejected"])
    assert (
        len(delta_rows(lake / "rejects", "SELECT * FROM t WHERE step = 'clean'"))
        == result["rejected"]
    )

    other = tmp_path / "lake"
    tables = Tables(spark, str(other))
    tables.write(
        spark.createDataFrame(
            [("d1", "Mixed case TEXT with an extra column here.", 5)],
            "doc_id string, text string, stars int",
        ),
        "reviews",
    )
    registry.run(
        spark, "clean", make_config(other, "clean.input=reviews", "clean.output=reviews_clean")
    )
    (row,) = delta_rows(other / "reviews_clean")
    assert (row["stars"], row["lang"]) == (5, "en")
    with pytest.raises(JobError, match="input table 'nothing' does not exist"):
        registry.run(spark, "clean", make_config(other, "clean.input=nothing"))
