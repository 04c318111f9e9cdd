import gzip
import json

from demo import corpus
from tests.conftest import delta_rows, make_config
from ziya_data.jobs import registry


def test_generator_is_deterministic_and_complete(tmp_path):
    a = corpus.write(tmp_path / "a", 600)
    b = corpus.write(tmp_path / "b", 600)
    assert a == b
    for f in (tmp_path / "a" / "corpus").iterdir():
        assert f.read_bytes() == (tmp_path / "b" / "corpus" / f.name).read_bytes()
    assert set(a["kinds"]) == {"clean", *corpus.MIX}
    truth = [json.loads(line) for line in (tmp_path / "a" / "truth.jsonl").open()]
    ids = {t["id"] for t in truth}
    assert len(ids) == 600
    for t in truth:
        if t["kind"] in ("exact_dup", "near_dup", "url_dup"):
            assert t["dup_of"] in ids
    # Injected defects are really in the text.
    texts = {}
    for f in (tmp_path / "a" / "corpus").iterdir():
        for line in gzip.open(f):
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and "text" in rec:
                texts[rec["id"]] = rec["text"]
    by_defect = {}
    for t in truth:
        for d in t["defects"]:
            by_defect.setdefault(d, []).append(texts[t["id"]])
    assert all("\x1b[" in x for x in by_defect["ansi"])
    import ftfy
    import opencc

    assert all(ftfy.fix_text(x) != x for x in by_defect["mojibake"])
    to_simplified = opencc.OpenCC("t2s")
    assert all(to_simplified.convert(x) != x for x in by_defect["traditional"])
    assert not any(
        to_simplified.convert(x) != x for x in texts.values() if x in by_defect.get("near_dup", [])
    )


def test_demo_corpus_ingests_with_expected_rejects(spark, lake, tmp_path):
    summary = corpus.write(tmp_path / "demo", 400)
    result = registry.run(
        spark, "ingest", make_config(lake, f"ingest.input={tmp_path / 'demo' / 'corpus'}")
    )
    assert result["rows_in"] == summary["input_lines"]
    assert result["kept"] == summary["documents"]
    assert result["reasons"] == summary["broken_lines"]
    raw_sources = {
        r["source"]: r["n"]
        for r in delta_rows(lake / "raw", "SELECT source, count(*) AS n FROM t GROUP BY source")
    }
    assert raw_sources == summary["sources"]


def test_real_corpus_by_document_count_is_the_start_of_the_larger_one():
    """bench.scale's points: N documents of the real-text generator are the first N of any
    larger corpus of the same seed, planted copies included."""
    import itertools

    from bench import real_corpus

    pools = {name: [f"{name} unit {i} " + "words " * (i % 60) for i in range(40)]
             for name, _, _ in real_corpus.MIX}  # fmt: skip
    by_count = list(real_corpus.documents(pools, float("inf"), seed=7, max_docs=300))
    by_size = list(itertools.islice(real_corpus.documents(pools, 1e9, seed=7), 500))
    assert len(by_count) == 300
    assert by_count == by_size[:300]
    assert any(truth for _, truth in by_count)  # planted copies among the first 300
    assert len(list(real_corpus.documents(pools, 2000, seed=7, max_docs=300))) < 300
