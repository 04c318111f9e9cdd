"""One-screen summary of a lake: rows per table, rejects per step and reason, attributes
per source, and the evaluation gate's verdict with the report's path.

    python -m demo.summary --lake lake

It reads the tables with delta-rs alone (no Spark): a quick, independent look.
"""

from __future__ import annotations

import argparse
import json
import os

from deltalake import DeltaTable

from ziya_data.jobs.tables import PIPELINE_TABLES
from ziya_data.lake import query


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lake", default="lake")
    parser.add_argument("--rejects", default="rejects")
    args = parser.parse_args(argv)
    print(f"\nziya-data lake: {os.path.abspath(args.lake)}")
    print(f"{'table':<14}{'version':>8}{'rows':>10}")
    for name in [*PIPELINE_TABLES, args.rejects]:
        path = os.path.join(args.lake, name)
        if DeltaTable.is_deltatable(path):
            rows = query(path, "SELECT count(*) AS n FROM t")[0]["n"]
            print(f"{name:<14}{DeltaTable(path).version():>8}{rows:>10}")
    path = os.path.join(args.lake, args.rejects)
    if DeltaTable.is_deltatable(path):
        print(f"\n{'rejects: step':<14}{'reason':<28}{'rows':>8}")
        sql = "SELECT step, reason, count(*) AS n FROM t GROUP BY step, reason ORDER BY step, n DESC, reason"
        for row in query(path, sql):
            print(f"{row['step']:<14}{row['reason']:<28}{row['n']:>8}")
    path = os.path.join(args.lake, "score_summary")
    if DeltaTable.is_deltatable(path):
        print(f"\n{'source':<12}{'docs':>7}{'CH':>7}{'RA':>7}{'SIM':>7}{'tokens':>10}{'D':>11}")
        for r in query(path, "SELECT * FROM t ORDER BY source"):
            print(f"{r['source']:<12}{r['documents']:>7}{r['ch']:>7.3f}{r['ra']:>7.3f}"
                  f"{r['sim'] or 0:>7.3f}{r['v']:>10}{r['effective_volume']:>11.4g}")  # fmt: skip
    summary = os.path.join(args.lake, "_reports", "evaluate", "summary.json")
    if os.path.exists(summary):
        ev = json.loads(open(summary, encoding="utf-8").read())
        print(f"\nevaluation gate: {ev['gate'].upper()}"
              + (f" (failed: {', '.join(ev['failed'])})" if ev["failed"] else ""))  # fmt: skip
        for v in ev["verdicts"]:
            value = "-" if v["value"] is None else f"{v['value']:.4g}"
            print(f"  {v['metric']:<28}{value:>10}  {v['verdict']}")
        print(f"report: {os.path.abspath(os.path.join(os.path.dirname(summary), 'report.html'))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
