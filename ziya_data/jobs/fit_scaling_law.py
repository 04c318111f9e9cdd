"""fit-scaling-law: fit the Ziya2 paper's data-centric scaling law to observed runs.

    ziya-data fit-scaling-law RUNS.csv [--bootstrap 100] [--predict CH RA SIM V ...]

RUNS.csv has one row per training run with columns ch, ra, sim, v (tokens) and loss.
The fit (udfs.scaling.fit: Huber loss, delta 1e-3, on log loss; L-BFGS-B from a grid
of starts) is printed with bootstrap 95% intervals, and the loss the law predicts for
each --predict point. Runs on the driver alone: no Spark session is started.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:
    sys.path[0] = str(Path(__file__).resolve().parents[2])  # the package root, not jobs/

from ziya_data.jobs.runtime import JobError

NEEDS_SPARK = False
COLUMNS = ("ch", "ra", "sim", "v", "loss")


def add_arguments(parser) -> None:
    parser.add_argument(
        "runs_file", metavar="RUNS_FILE", help="CSV with columns ch, ra, sim, v, loss"
    )
    parser.add_argument("--bootstrap", type=int, default=100, metavar="N",
                        help="bootstrap refits for the intervals (0: none; default 100)")  # fmt: skip
    parser.add_argument("--predict", nargs=4, type=float, action="append", default=[],
                        metavar=("CH", "RA", "SIM", "V"), help="predict the loss here (repeatable)")  # fmt: skip
    parser.add_argument("--huber-delta", type=float, default=1e-3)


def read_runs(path: str) -> list[list[float]]:
    p = Path(path)
    if not p.is_file():
        raise JobError(f"runs file '{path}' does not exist")
    with open(p, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise JobError(f"runs file '{path}' lacks column(s) {', '.join(missing)}")
        rows = []
        for n, r in enumerate(reader, 2):
            try:
                rows.append([float(r[c]) for c in COLUMNS])
            except (TypeError, ValueError):
                raise JobError(
                    f"runs file '{path}', line {n}: every column must be a number"
                ) from None
    return rows


def run_local(args) -> dict:
    from ziya_data.udfs import scaling

    rows = read_runs(args.runs_file)
    try:
        best = scaling.fit(rows, args.huber_delta)
    except ValueError as exc:
        raise JobError(f"cannot fit: {exc}") from None
    out: dict = {"job": "fit-scaling-law", "runs": best.rows, "params": best.params,
                 "objective": best.objective}  # fmt: skip
    if args.bootstrap:
        out["intervals_95"] = scaling.bootstrap(
            rows, args.bootstrap, delta=args.huber_delta, best=best
        )
    if args.predict:
        out["predictions"] = [
            {"ch": ch, "ra": ra, "sim": sim, "v": v, "loss": float(best.predict(ch, ra, sim, v))}
            for ch, ra, sim, v in args.predict
        ]
    out["note"] = (
        "alpha, E, the ratios A:B:C:F and the predictions are what runs pin down; "
        "the common scale of A, B, C, F trades off against alpha and E"
    )
    return out


def main(argv=None) -> int:
    from ziya_data.jobs import cli

    return cli.main_for("fit-scaling-law", argv)


if __name__ == "__main__":
    raise SystemExit(main())
