"""Dedup precision and recall on real news with natural and planted duplicates
(../shared/data).

    python -m bench.dedup_quality [--set dedup.near_method=simhash ...]

English:
Runs ingest -> clean -> dedup (over `clean`) on BBC (2,225 articles) and a sample of 20
Newsgroups posts, then compares with the exhaustive truth: every pair of documents whose
exact Jaccard on the same shingles (5 words) reaches the threshold. Exhaustive, but not
quadratic: pairs that share no shingle have Jaccard 0, so an inverted index over shingles
gives every pair that can qualify. Recall: truth pairs that end in one cluster. Precision:
duplicate rows whose document and kept document form a truth pair or are joined by
truth pairs (the same truth component).

Chinese: THUCNews articles with planted near copies (a few characters changed, inserted
and deleted, a sentence added or cut) and a sample of online-shopping reviews with their
natural copies; truth is the planted pairs plus every pair whose character-3-gram Jaccard
(computed here, on the text with whitespace removed) reaches the threshold. Dedup runs
twice, over `clean` and over `raw` (which has no lang column): recall must not depend on
it.
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


def char_grams(text: str, n: int = 3) -> set[str]:
    s = "".join(text.split())
    return {s[i : i + n] for i in range(max(1, len(s) - n + 1))}


def plant_near_copy(text: str, rng: random.Random) -> str:
    """A near copy: about 2% of the characters replaced, inserted or deleted, and the last
    sentence dropped or one sentence repeated at the end."""
    chars = list(text)
    for _ in range(max(1, len(chars) // 50)):
        i = rng.randrange(len(chars))
        what = rng.random()
        if what < 0.4:
            chars[i] = rng.choice(
                "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
            )
        elif what < 0.7:
            chars.insert(i, rng.choice("，。的了"))
        else:
            del chars[i]
    out = "".join(chars)
    sentences = [x for x in out.split("。") if x]
    if len(sentences) > 3 and rng.random() < 0.5:
        out = "。".join(sentences[:-1]) + "。"
    else:
        out += sentences[0] + "。" if sentences else ""
    return out


def zh_sets(shared: Path, seed: int = 3) -> tuple[dict[str, list[str]], set[tuple[str, str]]]:
    """Chinese texts by source (ids zh_news-i, zh_reviews-i) and the planted pairs."""
    from bench import shared_data

    rng = random.Random(seed)
    news = shared_data.thucnews(shared)[:600]
    copies = {}
    for i in rng.sample(range(len(news)), 150):
        copies[len(news) + len(copies)] = (i, plant_near_copy(news[i][:1500], rng))
    news = [t[:1500] for t in news] + [c for _, c in copies.values()]
    planted = {(f"zh_news-{i}", f"zh_news-{j}") for j, (i, _) in copies.items()}
    reviews = [r for r in shared_data.reviews(shared) if len(r) >= 40]
    return {"zh_news": news, "zh_reviews": rng.sample(reviews, 6000)}, planted


def zh_report(sets, planted, threshold, dups_by_input) -> dict:
    """Recall of planted and natural pairs, precision, per dedup input (clean, raw)."""
    truth = set(planted)
    for source, texts in sets.items():
        docs = {f"{source}-{i}": char_grams(t) for i, t in enumerate(texts)}
        truth |= truth_pairs(docs, threshold)
    comp = components(truth)
    out = {}
    for name, dups in dups_by_input.items():
        final = {d["id"]: d["kept"] for d in dups}
        planted_found = sum(final.get(a, a) == final.get(b, b) for a, b in planted)
        recalled = sum(final.get(a, a) == final.get(b, b) for a, b in truth)
        correct = sum(comp.get(d["id"], d["id"]) == comp.get(d["kept"], d["kept"]) for d in dups)
        out[name] = {
            "truth_pairs": len(truth), "planted": len(planted), "duplicate_rows": len(dups),
            "planted_recall": round(planted_found / len(planted), 4),
            "recall": round(recalled / len(truth), 4),
            "precision": round(correct / len(dups), 4) if dups else None,
        }  # fmt: skip
    return out


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
    zh, planted = zh_sets(shared)
    for name, texts in {**sets, **zh}.items():
        with open(out / "corpus" / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            for i, text in enumerate(texts):
                fh.write(json.dumps({"id": f"{name}-{i}", "text": text}, ensure_ascii=False) + "\n")
    cfg = config_mod.load(Config, None, [f"lake={out / 'lake'}", f"ingest.input={out / 'corpus'}", "dedup.input=clean",
                                         "dedup.url=false", *args.overrides])  # fmt: skip
    over_raw = config_mod.load(Config, None, [
        f"lake={out / 'lake'}", "dedup.input=raw", "dedup.url=false", "dedup.output=deduped_raw",
        "dedup.duplicates=duplicates_raw", "dedup.index=", *args.overrides])  # fmt: skip
    with session(cfg.spark) as spark:
        registry.run(spark, "ingest", cfg)
        registry.run(spark, "clean", cfg)
        result = registry.run(spark, "dedup", cfg)
        registry.run(spark, "dedup", over_raw)
    from ziya_data.lake import query

    def duplicates_by_record_id(table: str, source_table: str) -> list[dict]:
        ids = {
            r["doc_id"]: json.loads(r["meta"])["id"]
            for r in query(str(out / "lake" / source_table), "SELECT doc_id, meta FROM t")
        }
        rows = query(str(out / "lake" / table), "SELECT doc_id, kept_doc_id FROM t")
        return [{"id": ids[r["doc_id"]], "kept": ids[r["kept_doc_id"]]} for r in rows
                if ids[r["doc_id"]].startswith("zh_")]  # fmt: skip

    rows = query(str(out / "lake" / "clean"), "SELECT doc_id, source, text FROM t")
    report = {"dedup": result, "sources": {}}
    dups = query(str(out / "lake" / "duplicates"), "SELECT doc_id, kept_doc_id, method FROM t")
    final = {d["doc_id"]: d["kept_doc_id"] for d in dups}
    for source in sets:
        docs = {
            r["doc_id"]: D.shingles(r["text"], cfg.dedup.shingle_en, cfg.dedup.shingle_zh)
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
    report["zh"] = zh_report(zh, planted, cfg.dedup.jaccard_threshold, {
        "over clean": duplicates_by_record_id("duplicates", "raw"),
        "over raw (no lang)": duplicates_by_record_id("duplicates_raw", "raw"),
    })  # fmt: skip
    text = json.dumps(report, indent=2)
    (out / "report.json").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
