"""How dedup's time grows with the input, and what its index saves: dedup over the first
10,000 and the first 100,000 documents (by doc_id) of the bench corpus's `clean` table,
each without an index; then 100,000 documents of which 90,000 are already in the index
(an incremental run over old plus a new batch).

    python -m bench.dedup_scaling [--docs 130000] [--large 100000]

Needs the bench lake of `make bench BENCH_DOCS=<docs>` (its `clean` table). Results go
to bench/out/dedup_scaling.json.
"""

from __future__ import annotations

import argparse
import json
import os

from bench.run import OUT, input_size, measure
from ziya_data.jobs import config as config_mod
from ziya_data.jobs import registry
from ziya_data.jobs.registry import Config
from ziya_data.jobs.session import session
from ziya_data.jobs.tables import Tables


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=130000, help="the bench lake to use")
    parser.add_argument("--large", type=int, default=100000,
                        help="documents of the large run (at most what clean holds); the small run has a tenth")  # fmt: skip
    args = parser.parse_args(argv)
    lake = OUT / f"lake-{args.docs}"
    cfg = config_mod.load(Config, None, [f"lake={lake}"])
    cores = os.cpu_count() or 1
    results = []
    with session(cfg.spark) as spark:
        tables = Tables(spark, cfg.lake, cfg.tables)
        if not tables.exists("clean"):
            raise SystemExit(
                f"no clean table in {lake}: run make bench BENCH_DOCS={args.docs} first"
            )
        ordered = tables.read("clean").orderBy("doc_id")
        args.large = min(args.large, ordered.count())
        args.small = args.large // 10
        old = int(args.large * 0.9)
        for n in (args.small, args.large, old):
            tables.write(ordered.limit(n), f"scale_{n}", mode="overwrite")

        def run(n, index=""):
            overrides = [f"lake={lake}", f"dedup.input=scale_{n}", f"dedup.index={index}",
                         f"dedup.output=scale_deduped_{n}", f"dedup.duplicates=scale_duplicates_{n}"]  # fmt: skip
            run_cfg = config_mod.load(Config, None, overrides)
            return lambda: registry.run(spark, "dedup", run_cfg)

        for n in (args.small, args.large):
            docs, nbytes = input_size(spark, tables, f"scale_{n}")
            results.append(measure(f"dedup {n} docs, no index", run(n), docs, nbytes, cores))
            print(json.dumps(results[-1]))
        # Incremental: the index already holds the first 90%.
        index = "scale_index"
        run(old, index)()
        docs, nbytes = input_size(spark, tables, f"scale_{args.large}")
        label = f"dedup {args.large} docs, {old} in the index"
        results.append(measure(label, run(args.large, index), docs, nbytes, cores))
        print(json.dumps(results[-1]))
    growth = results[1]["seconds"] / results[0]["seconds"]
    report = {"cores": cores, "results": results, "time_growth_small_to_large": round(growth, 2)}
    (OUT / "dedup_scaling.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"time {args.small} -> {args.large} docs: x{growth:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
