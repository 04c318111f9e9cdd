"""Dedup against text-dedup's MinHash on the same files and cores: the real-text corpus of
bench.real_corpus, its JSONL shards read by text-dedup 0.4.0 (`python -m
text_dedup.minhash`, in its own virtualenv, .venv/textdedup, made by `make bench`) and,
as the `raw` table of the bench lake, by ziya-data's dedup job with no index (every key
computed). Both with 5-unit shingles and Jaccard threshold 0.7. Reported: seconds
(text-dedup's own total; ours in a warm session, session start excluded for both), MB/s,
the ratio, and each tool's recall of the planted copies (a planted copy is found when
the copy or its original is removed).

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

TEXT_DEDUP = Path(__file__).resolve().parents[1] / ".venv" / "textdedup" / "bin" / "python"


def planted_recall(truth: list[dict], removed_ids: set[str]) -> dict:
    found = {"exact": [0, 0], "near": [0, 0]}
    for row in truth:
        hit = row["doc_id"] in removed_ids or row["original"] in removed_ids
        found[row["kind"]][0] += hit
        found[row["kind"]][1] += 1
    return {
        kind: round(hits / total, 4) if total else None for kind, (hits, total) in found.items()
    }


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
    args = parser.parse_args(argv)
    name = f"real-{args.mb:g}"
    data, lake = OUT / name, OUT / f"lake-{name}"
    truth = [json.loads(line) for line in open(data / "truth.jsonl", encoding="utf-8")]
    ids = {}
    for shard in sorted((data / "corpus").glob("*.jsonl.gz")):
        for line in gzip.open(shard, "rt", encoding="utf-8"):
            doc = json.loads(line)
            ids[doc["url"]] = doc["id"]
    cores = os.cpu_count() or 1
    nbytes = json.loads((data / "truth_summary.json").read_text())["text_bytes"]

    seconds, kept, read = run_text_dedup(data / "corpus", cores)
    theirs = {"seconds": seconds, "mb_per_s": round(nbytes / 1e6 / seconds, 2),
              "documents_read": read, "removed": read - len(kept),
              "planted_recall": planted_recall(truth, set(ids.values()) - kept)}  # fmt: skip
    print(json.dumps({"text-dedup": theirs}))

    overrides = [f"lake={lake}", "dedup.input=raw", "dedup.output=cmp_deduped",
                 "dedup.duplicates=cmp_duplicates", "dedup.index="]  # fmt: skip
    cfg = config_mod.load(Config, None, overrides)
    with session(cfg.spark) as spark:
        tables = Tables(spark, cfg.lake, cfg.tables)
        registry.run(spark, "dedup", cfg)  # warm-up: JIT, Python workers, caches
        started = time.time()
        result = registry.run(spark, "dedup", cfg)
        ours_seconds = round(time.time() - started, 1)
        # Only the removed documents' urls come to the driver (the join is Spark's).
        removed_urls = (
            tables.read("cmp_duplicates").select("doc_id")
            .join(tables.read("raw").select("doc_id", "url"), "doc_id")
            .select("url").collect()
        )  # fmt: skip
        removed = {ids[r["url"]] for r in removed_urls}
    ours = {"seconds": ours_seconds, "mb_per_s": round(nbytes / 1e6 / ours_seconds, 2),
            "documents_read": result["rows_in"], "removed": len(removed),
            "planted_recall": planted_recall(truth, removed)}  # fmt: skip
    report = {"corpus": name, "cores": cores, "text-dedup 0.4.0": theirs, "ziya-data": ours,
              "speed_ratio": round(seconds / ours_seconds, 2)}  # fmt: skip
    (OUT / "dedup_compare.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
