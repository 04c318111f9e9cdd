"""Dedup precision and recall on real English news with natural duplicates (../shared/data).

    python -m bench.dedup_quality [--set dedup.near_method=simhash ...]

Runs ingest -> clean -> dedup (over `clean`) on BBC (2,225 articles) and a sample of 20
Newsgroups posts, then compares with the exhaustive truth: every pair of documents whose
exact Jaccard on the same shingles (5 words) reaches the threshold. Exhaustive, but not
quadratic: pairs that share no shingle have Jaccard 0, so an inverted index over shingles
gives every pair that can qualify. Recall: truth pairs that end in one cluster. Precision:
duplicate rows whose document and kept document form a truth pair or are joined by
truth pairs (the same truth component).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from collections import defaultdict
from pathlib import Path

from ziya_data.jobs import config as config_mod
from ziya_data.jobs import registry
from ziya_data.jobs.registry import Config
from ziya_data.jobs.session import session
from ziya_data.udfs import dedup as D

ROOT = Path(__file__).resolve().parents[1]


def truth_pairs(docs: dict[str, set[str]], threshold: float) -> set[tuple[str, str]]:
    index: dict[str, list[str]] = defaultdict(list)
    for doc_id, sh in docs.items():
        for s in sh:
            index[s].append(doc_id)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for ids in index.values():
        if len(ids) > 200:
            continue  # a shingle in hundreds of posts (a signature line) pairs them all; skip
        ids = sorted(ids)
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                shared[(a, b)] += 1
    pairs = set()
    for (a, b), inter in shared.items():
        union = len(docs[a]) + len(docs[b]) - inter
        if union and inter / union >= threshold:
            pairs.add((a, b))
    return pairs


def components(pairs) -> dict[str, str]:
    parent: dict[str, str] = {}

    def find(x):
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for pair in pairs for x in pair}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "dedup_quality"))
    parser.add_argument("--usenet", type=int, default=4000, help="20 Newsgroups posts to include")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args(argv)
    shared, out = Path(args.shared), Path(args.out)
    (out / "corpus").mkdir(parents=True, exist_ok=True)
    sets = {
        "en_bbc": [
            json.loads(line)["text"]
            for line in gzip.open(shared / "en_news" / "bbc_fulltext_2225.jsonl.gz")
        ],
        "en_20news": random.Random(1).sample(
            [
                json.loads(line)["text"]
                for line in gzip.open(shared / "en_news" / "20news_bydate.jsonl.gz")
            ],
            args.usenet,
        ),
    }
    for name, texts in sets.items():
        with open(out / "corpus" / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            for i, text in enumerate(texts):
                fh.write(json.dumps({"id": f"{name}-{i}", "text": text}) + "\n")
    cfg = config_mod.load(Config, None, [f"lake={out / 'lake'}", f"ingest.input={out / 'corpus'}", "dedup.input=clean",
                                         "dedup.url=false", *args.overrides])  # fmt: skip
    with session(cfg.spark) as spark:
        registry.run(spark, "ingest", cfg)
        registry.run(spark, "clean", cfg)
        result = registry.run(spark, "dedup", cfg)
    from ziya_data.lake import query

    rows = query(str(out / "lake" / "clean"), "SELECT doc_id, source, lang, text FROM t")
    report = {"dedup": result, "sources": {}}
    dups = query(str(out / "lake" / "duplicates"), "SELECT doc_id, kept_doc_id, method FROM t")
    final = {d["doc_id"]: d["kept_doc_id"] for d in dups}
    for source in sets:
        docs = {
            r["doc_id"]: D.shingles(r["text"], r["lang"], cfg.dedup.shingle_en)
            for r in rows
            if r["source"] == source
        }
        truth = truth_pairs(docs, cfg.dedup.jaccard_threshold)
        comp = components(truth)
        found = [d for d in dups if d["doc_id"] in docs]
        correct = sum(
            comp.get(d["doc_id"], d["doc_id"]) == comp.get(d["kept_doc_id"], d["kept_doc_id"])
            for d in found
        )
        recalled = sum(final.get(a, a) == final.get(b, b) for a, b in truth)
        report["sources"][source] = {
            "documents": len(docs),
            "truth_pairs": len(truth),
            "duplicate_rows": len(found),
            "precision": round(correct / len(found), 4) if found else None,
            "recall": round(recalled / len(truth), 4) if truth else None,
        }
    text = json.dumps(report, indent=2)
    (out / "report.json").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
