"""Dedup against text-dedup's MinHash on the same files and cores: the real-text corpus of
bench.real_corpus, its JSONL shards read by text-dedup 0.4.0 (`python -m
text_dedup.minhash`, in its own virtualenv, .venv/textdedup, made by `make bench`) and,
as the `raw` table of the bench lake, by ziya-data's dedup job with no index (every key
computed). Both with 5-unit shingles and Jaccard threshold 0.7. Reported: seconds
(text-dedup's own total; ours in a warm session, session start excluded for both), MB/s,
the ratio, each tool's recall of the planted copies per kind and language (a planted
copy is found when the copy or its original is removed), and ziya-data's precision: the
share of its (removed, kept) pairs that are planted copies or similar by the threshold
(text-dedup reports no kept document per removed one).

    python -m bench.dedup_compare [--mb 100]        (needs `make bench`'s real lake)
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.run import OUT
from ziya_data.jobs import config as config_mod
from ziya_data.jobs import registry
from ziya_data.jobs.registry import Config
from ziya_data.jobs.session import session
from ziya_data.jobs.tables import Tables
from ziya_data.udfs import dedup

THRESHOLD = 0.7

TEXT_DEDUP = Path(__file__).resolve().parents[1] / ".venv" / "textdedup" / "bin" / "python"


def language(text: str) -> str:
    """zh when most of the text's shingle units are CJK characters (the rule by which
    dedup shingles it by characters), else en."""
    ids, cjk = dedup.unit_ids(text)
    return "zh" if 2 * cjk > len(ids) else "en"


def planted_recall(truth: list[dict], removed_ids: set[str], texts: dict[str, str]) -> dict:
    """Share of the planted copies found (the copy or its original removed), per kind
    and language, and of the near copies whose shingle Jaccard with their original
    reaches the threshold (the ones a 0.7 threshold is meant to find: a few changed
    words in a short text can take a copy below it)."""
    found: dict[str, list[int]] = {}
    for row in truth:
        hit = row["doc_id"] in removed_ids or row["original"] in removed_ids
        lang = language(texts[row["original"]])
        groups = [row["kind"], f"{row['kind']} {lang}"]
        if row["kind"] == "near" and similar(texts[row["doc_id"]], texts[row["original"]]):
            groups += ["near at threshold", f"near at threshold {lang}"]
        for group in groups:
            counts = found.setdefault(group, [0, 0])
            counts[0] += hit
            counts[1] += 1
    return {g: {"recall": round(h / n, 4), "copies": n} for g, (h, n) in sorted(found.items())}


def similar(a: str, b: str) -> bool:
    """The same text once punctuation and case are gone, or shingle Jaccard >= the
    threshold (the job's shingles: 5 words, 4 Chinese characters)."""
    if dedup.exact_text(a) == dedup.exact_text(b):
        return True
    return dedup.jaccard(dedup.shingles(a, 5, 4), dedup.shingles(b, 5, 4)) >= THRESHOLD


def precision(removed: list[tuple[str, str, str]], truth: list[dict], texts: dict) -> dict:
    """Per method and language of the removed document: the share of (removed, kept)
    pairs that are copies by the planted truth or similar() (an original duplicate of
    the source data). A pair joined only through a chain of similar documents counts
    as wrong."""
    family = {r["doc_id"]: r["original"] for r in truth}
    right: dict[str, list[int]] = {}
    for doc, kept, method in removed:
        ok = family.get(doc, doc) == family.get(kept, kept) or similar(texts[doc], texts[kept])
        for group in ("all", method, f"{method} {language(texts[doc])}"):
            counts = right.setdefault(group, [0, 0])
            counts[0] += ok
            counts[1] += 1
    return {g: {"precision": round(k / n, 4), "removed": n} for g, (k, n) in sorted(right.items())}


def run_text_dedup(corpus: Path, cores: int) -> tuple[float, set[str], int]:
    """(seconds as text-dedup times itself, ids it removed, documents it read)."""
    if not TEXT_DEDUP.exists():
        raise SystemExit(f"{TEXT_DEDUP} is missing: `make bench` installs text-dedup there")
    work = Path(tempfile.mkdtemp(prefix="textdedup-"))
    try:
        cmd = [str(TEXT_DEDUP), "-m", "text_dedup.minhash", "--path", "json",
               "--data_files", str(corpus / "*.jsonl.gz"), "--split", "train",
               "--cache_dir", str(work / "cache"), "--output", str(work / "out"),
               "--column", "text", "--num_proc", str(cores), "--threshold", "0.7",
               "--num_perm", "128", "--ngram", "5"]  # fmt: skip
        env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "COLUMNS": "200"}
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
        log = done.stdout + done.stderr
        total = float(re.search(r"Total\s*:\s*([\d.]+)s", log).group(1))
        before = int(re.search(r"Before\s*:\s*(\d+)", log).group(1))
        code = ("import datasets,sys; d=datasets.load_from_disk(sys.argv[1]); "
                "print('\\n'.join(d['id']))")  # fmt: skip
        kept = subprocess.run([str(TEXT_DEDUP), "-c", code, str(work / "out")],
                              capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
        return total, set(kept), before
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--mb", type=float, default=100)
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        help="config override for ziya-data's dedup, e.g. dedup.bands=25")  # fmt: skip
    parser.add_argument("--ours-only", action="store_true",
                        help="skip text-dedup (ratio then from the last full run's file)")  # fmt: skip
    args = parser.parse_args(argv)
    name = f"real-{args.mb:g}"
    data, lake = OUT / name, OUT / f"lake-{name}"
    truth = [json.loads(line) for line in open(data / "truth.jsonl", encoding="utf-8")]
    ids, texts = {}, {}
    for shard in sorted((data / "corpus").glob("*.jsonl.gz")):
        for line in gzip.open(shard, "rt", encoding="utf-8"):
            doc = json.loads(line)
            ids[doc["url"]], texts[doc["id"]] = doc["id"], doc["text"]
    cores = os.cpu_count() or 1
    nbytes = json.loads((data / "truth_summary.json").read_text())["text_bytes"]

    if args.ours_only:
        theirs = json.loads((OUT / "dedup_compare.json").read_text())["text-dedup 0.4.0"]
        seconds = theirs["seconds"]
    else:
        seconds, kept, read = run_text_dedup(data / "corpus", cores)
        theirs = {"seconds": seconds, "mb_per_s": round(nbytes / 1e6 / seconds, 2),
                  "documents_read": read, "removed": read - len(kept),
                  "planted_recall": planted_recall(truth, set(ids.values()) - kept, texts)}  # fmt: skip
        print(json.dumps({"text-dedup": theirs}))

    overrides = [f"lake={lake}", "dedup.input=raw", "dedup.output=cmp_deduped",
                 "dedup.duplicates=cmp_duplicates", "dedup.index=", *args.overrides]  # fmt: skip
    cfg = config_mod.load(Config, None, overrides)
    with session(cfg.spark) as spark:
        tables = Tables(spark, cfg.lake, cfg.tables)
        registry.run(spark, "dedup", cfg)  # warm-up: JIT, Python workers, caches
        started = time.time()
        result = registry.run(spark, "dedup", cfg)
        ours_seconds = round(time.time() - started, 1)
        # Only the removed documents' urls, and their kept documents', come to the driver
        # (the joins are Spark's).
        urls = tables.read("raw").select("doc_id", "url")
        removed_rows = (
            tables.read("cmp_duplicates")
            .join(urls, "doc_id")
            .join(urls.toDF("kept_doc_id", "kept_url"), "kept_doc_id")
            .select("url", "kept_url", "method").collect()
        )  # fmt: skip
    pairs = [(ids[r["url"]], ids[r["kept_url"]], r["method"]) for r in removed_rows]
    removed = {doc for doc, _, _ in pairs}
    ours = {"seconds": ours_seconds, "mb_per_s": round(nbytes / 1e6 / ours_seconds, 2),
            "documents_read": result["rows_in"], "removed": len(removed),
            "planted_recall": planted_recall(truth, removed, texts),
            "precision": precision(pairs, truth, texts)}  # fmt: skip
    report = {"corpus": name, "cores": cores, "text-dedup 0.4.0": theirs, "ziya-data": ours,
              "speed_ratio": round(seconds / ours_seconds, 2)}  # fmt: skip
    if not args.ours_only and not args.overrides:
        (OUT / "dedup_compare.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
