"""Quality figures on real third-party data (../shared/data), for the closing notes and README.

    python -m bench.quality [--shared ../shared/data] [--out bench/out/quality]

Builds an evaluation corpus, one JSONL file per source, from the shared data (read in
place; nothing is copied into the project), trains the KenLM models on held-out halves of
real news (THUCNews for zh, BBC for en), runs ingest -> clean -> filter, and reports per
source how many documents each step kept and why it rejected the rest, plus clean-step
checks on the ANSI-coded fortunes and the Traditional-Chinese Wikipedia paragraphs.

The 100 ChineseWebText pages carry our labels (bench/labels/chinesewebtext_labels.csv:
clean, or dirty with its kind: gambling injection, SEO spinning, product or teaser list,
...; labelled by reading each page). For them the report gives what the rules reject,
what the perplexity tiers reject after them, and how coherence ranks clean over dirty.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
from collections import Counter
from pathlib import Path

from bench import shared_data
from ziya_data.jobs import config as config_mod
from ziya_data.jobs import registry
from ziya_data.jobs.registry import Config
from ziya_data.jobs.session import session

ROOT = Path(__file__).resolve().parents[1]


def _jsonl(path: Path, texts) -> int:
    """One record per text; its url "<file stem>-<line>" finds it in the tables."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for i, text in enumerate(texts):
            record = {"id": f"{path.stem}-{i}", "url": f"{path.stem}-{i}", "text": text}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return n


def build_corpus(shared: Path, out: Path, seed: int = 7) -> dict:
    rng = random.Random(seed)
    corpus, reference = out / "corpus", out / "reference"
    sizes = {}
    news = shared_data.thucnews(shared)
    rng.shuffle(news)
    _jsonl(reference / "zh_thucnews_train.jsonl", news[:500])
    sizes["zh_thucnews"] = _jsonl(corpus / "zh_thucnews.jsonl", news[500:])
    web = [record["raw_content"] for record in shared_data.chinesewebtext(shared)]
    sizes["zh_chinesewebtext"] = _jsonl(corpus / "zh_chinesewebtext.jsonl", web)
    reviews = shared_data.reviews(shared)
    sizes["zh_reviews"] = _jsonl(corpus / "zh_reviews.jsonl", rng.sample(reviews, 2000))
    sizes["zh_tw_wiki"] = _jsonl(corpus / "zh_tw_wiki.jsonl", shared_data.drcd(shared))
    sizes["zh_fortunes"] = _jsonl(corpus / "zh_fortunes.jsonl", shared_data.fortunes(shared))
    bbc = shared_data.bbc(shared)
    rng.shuffle(bbc)
    _jsonl(reference / "en_bbc_train.jsonl", bbc[:1100])
    sizes["en_bbc"] = _jsonl(corpus / "en_bbc.jsonl", bbc[1100:])
    usenet = shared_data.newsgroups(shared)
    sizes["en_20news"] = _jsonl(corpus / "en_20news.jsonl", rng.sample(usenet, 2000))
    cc = shared_data.commoncrawl(shared)
    sizes["en_commoncrawl"] = _jsonl(corpus / "en_commoncrawl.jsonl", cc)
    return sizes


LABELS = ROOT / "bench" / "labels" / "chinesewebtext_labels.csv"


def labelled_pages(lake: Path) -> dict:
    """The fate of each labelled ChineseWebText page (module docstring)."""
    from ziya_data.jobs.score import auc
    from ziya_data.lake import query
    from ziya_data.udfs import coherence

    labels = {f"zh_chinesewebtext-{r['line']}": r for r in csv.DictReader(open(LABELS))}
    web = "WHERE source = 'zh_chinesewebtext'"
    sql = f"SELECT url, step, reason FROM t {web}"
    fate = {r["url"]: f"{r['step']}:{r['reason']}" for r in query(str(lake / "rejects"), sql)}
    sql = f"SELECT url, quality_tier FROM t {web}"
    fate.update({r["url"]: f"kept:{r['quality_tier']}" for r in query(str(lake / "filtered"), sql)})
    sql = f"SELECT url, text, lang FROM t {web}"
    texts = {r["url"]: r for r in query(str(lake / "clean"), sql)}
    out: dict = {}
    for label in ("dirty", "clean"):
        ids = [i for i, r in labels.items() if r["label"] == label]
        by_rule = [i for i in ids if fate[i].startswith("filter:") and "perplexity" not in fate[i]]
        by_ppl = [i for i in ids if fate[i] == "filter:perplexity_low_quality"]
        out[label] = {
            "pages": len(ids),
            "rejected_by_clean": sum(fate[i].startswith("clean:") for i in ids),
            "rejected_by_rules": len(by_rule),
            "rejected_by_perplexity": len(by_ppl),
            "kept": sum(fate[i].startswith("kept:") for i in ids),
            "rule_reasons": dict(Counter(fate[i].split(":")[1] for i in by_rule).most_common()),
        }
    kinds = Counter(r["kind"] for r in labels.values() if r["label"] == "dirty")
    out["dirty_rejected_by_kind"] = {
        k: f"{sum(not fate[i].startswith('kept:') for i, r in labels.items() if r['kind'] == k)}/{n}"
        for k, n in kinds.items()
    }
    scored = [(coherence.score(r["text"], r["lang"])["coherence"], labels[i]["label"] == "clean")
              for i, r in texts.items() if r["lang"] == "zh"]  # fmt: skip
    out["coherence_auc_clean_over_dirty"] = auc([s for s, _ in scored], [int(y) for _, y in scored])
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "quality"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    sizes = build_corpus(Path(args.shared), out)
    cfg = config_mod.load(Config, None, [f"lake={out / 'lake'}", f"ingest.input={out / 'corpus'}",
                                         f"train_lm.input={out / 'reference'}"])  # fmt: skip
    from ziya_data.lake import query

    with session(cfg.spark) as spark:
        registry.run(spark, "ingest", cfg)
        clean_result = registry.run(spark, "clean", cfg)
        registry.run(spark, "train-lm", cfg)
        filter_result = registry.run(spark, "filter", cfg)
    lake = out / "lake"
    report: dict = {
        "sources": {},
        "clean": clean_result,
        "filter": {k: filter_result[k] for k in ("reasons", "tiers")},
    }
    raw = Counter(r["source"] for r in query(str(lake / "raw"), "SELECT source FROM t"))
    cleaned = Counter(r["source"] for r in query(str(lake / "clean"), "SELECT source FROM t"))
    kept = query(str(lake / "filtered"), "SELECT source, quality_tier FROM t")
    rejects = query(str(lake / "rejects"), "SELECT source, step, reason FROM t")
    for source in sorted(sizes):
        tiers = Counter(r["quality_tier"] for r in kept if r["source"] == source)
        reasons = Counter((r["step"], r["reason"]) for r in rejects if r["source"] == source)
        rule_rejects = sum(
            n
            for (step, reason), n in reasons.items()
            if step == "filter" and reason != "perplexity_low_quality"
        )
        report["sources"][source] = {
            "raw": raw[source],
            "clean_kept": cleaned[source],
            "passed_rules": cleaned[source] - rule_rejects,
            "passed_rules_share": round(
                (cleaned[source] - rule_rejects) / max(1, cleaned[source]), 3
            ),
            "tier_high": tiers["high"],
            "tier_medium": tiers["medium"],
            "kept_share_of_raw": round(sum(tiers.values()) / max(1, raw[source]), 3),
            "top_rejects": {f"{s}:{r}": n for (s, r), n in reasons.most_common(6)},
        }
    # Clean-step checks on the two zh_text sets the issue names.
    fortunes = [
        r["text"]
        for r in query(str(lake / "clean"), "SELECT text FROM t WHERE source = 'zh_fortunes'")
    ]
    fortunes_raw = [
        r["text"]
        for r in query(str(lake / "raw"), "SELECT text FROM t WHERE source = 'zh_fortunes'")
    ]
    wiki = [
        r["text"]
        for r in query(str(lake / "clean"), "SELECT text FROM t WHERE source = 'zh_tw_wiki'")
    ]
    import opencc

    t2s = opencc.OpenCC("t2s")
    report["clean_checks"] = {
        "fortunes_raw_with_ansi": sum("\x1b[" in t for t in fortunes_raw),
        "fortunes_clean_with_ansi_or_control": sum(
            bool(re.search("[\x00-\x08\x0b-\x1f\x7f]", t)) for t in fortunes
        ),
        "tw_wiki_kept": len(wiki),
        "tw_wiki_still_traditional": sum(t2s.convert(t) != t for t in wiki),
    }
    report["labelled_web_pages"] = labelled_pages(lake)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    (out / "quality.json").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
