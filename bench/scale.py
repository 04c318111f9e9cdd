"""The scale curve: the whole pipeline on the real-text corpus at several document counts
(by default 10k, 100k and 1M; each a prefix of the same seeded generator), one fresh
process each, with time and peak memory per step, and the core-hours the largest run's
rate gives for the paper's 13 TB of raw text.

    python -m bench.scale                   (make bench-scale)
    python -m bench.scale --docs 10000,100000

Each point is `python -m bench.run --corpus real --docs N --steps none --pipeline`; the
curve is printed and written to bench/out/scale.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from bench.run import OUT

PAPER_RAW_MB = 13e6  # Ziya2's 13 TB of raw text


def point(docs: int, overrides: list[str]) -> tuple[dict, int]:
    """The pipeline's result at `docs` documents, and the cores it ran on."""
    subprocess.run(
        [sys.executable, "-m", "bench.run", "--corpus", "real", "--docs", str(docs),
         "--steps", "none", "--pipeline", *[f"--set={o}" for o in overrides]],
        check=True,
    )  # fmt: skip
    report = json.loads((OUT / f"results-real-{docs}docs.json").read_text())
    result = next(r for r in report["results"] if r["step"].startswith("pipeline"))
    return result, report["cores"]


def core_hours(result: dict, cores: int, raw_mb: float = PAPER_RAW_MB) -> float:
    """Core-hours for `raw_mb` of text at `result`'s rate per core."""
    return raw_mb / (result["input_mb"] / result["seconds"] / cores) / 3600


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--docs", default="10000,100000,1000000")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args(argv)
    runs = [point(int(n), args.overrides) for n in args.docs.split(",")]
    points = [result for result, _ in runs]
    largest, cores = runs[-1]
    curve = {"cores": cores, "points": points,
             "paper_core_hours": round(core_hours(largest, cores))}  # fmt: skip
    (OUT / "scale.json").write_text(json.dumps(curve, indent=2) + "\n")

    steps = list(largest["step_seconds"])
    print(f"\n{'docs':>9}{'MB':>8}{'s':>8}{'MB/s':>7}{'peak MB':>9}  " + "".join(
        f"{s:>16}" for s in steps))  # fmt: skip
    for p in points:
        cells = "".join(
            f"{p['step_seconds'].get(s, 0):>9.1f}s {p['step_peak_memory_mb'].get(s, 0):>5}M"
            for s in steps
        )
        print(f"{p['docs']:>9}{p['input_mb']:>8}{p['seconds']:>8}{p['mb_per_s']:>7}"
              f"{p['peak_memory_mb']:>9}  {cells}")  # fmt: skip
    print(f"\n{PAPER_RAW_MB / 1e6:g} TB of raw text at the {largest['docs']}-document rate: "
          f"about {curve['paper_core_hours']:,} core-hours\nwritten: {OUT / 'scale.json'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
