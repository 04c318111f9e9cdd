"""Benchmarks: every pipeline step on the demo corpus scaled to --docs documents, or on
the real-text corpus of bench.real_corpus (--corpus real, --mb of text).

    python -m bench.run --docs 20000            (make bench BENCH_DOCS=20000)
    python -m bench.run --corpus real --mb 100  (make bench, beside the synthetic one)
    python -m bench.run --corpus real --docs 100000 --steps none --pipeline
                                                (one point of make bench-scale)

For each step it reports docs/s, MB/s (UTF-8 bytes of the step's input text),
MB/s per core and the peak memory of the whole process tree (driver, JVM and
Python workers), beside a baseline that only reads the step's input and writes
it back: the floor for that step. With --pipeline, each step's CPU seconds are also
split into the JVM's, the Python workers' and the driver's, with the cores the step kept
busy, and the JVM's into its task threads, the driver's calls, the JIT and the garbage
collector. Session start-up is excluded. Results are printed and written to
bench/out/results-<corpus>.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import threading
import time
from pathlib import Path

from demo import corpus
from ziya_data.jobs import config as config_mod
from ziya_data.jobs import registry, train_lm
from ziya_data.jobs.registry import Config
from ziya_data.jobs.session import session
from ziya_data.jobs.tables import Tables

OUT = Path(__file__).resolve().parent / "out"


_TICK = os.sysconf("SC_CLK_TCK")


def read_stat(path: str) -> tuple[str, float, list[bytes]] | None:
    """(name, CPU seconds used, the fields after the name) of a process's or thread's
    /proc stat file; None when it is gone. os.read: half the time of open() on the few
    hundred files a sample reads."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            head, tail = os.read(fd, 4096).rsplit(b")", 1)
        finally:
            os.close(fd)
        fields = tail.split()
        cpu = (int(fields[11]) + int(fields[12])) / _TICK
        return head.split(b"(", 1)[1].decode("utf-8", "replace"), cpu, fields
    except (OSError, IndexError, ValueError):
        return None


class ProcessSampler:
    """Samples the process tree (this process, the JVM it started and the JVM's Python
    workers): resident memory, and CPU seconds by kind, so a step's time can be split
    into what the JVM, the Python workers and the driver spent (cpu_by_step). The JVM's
    seconds are split further by what its threads do (JVM_THREADS), from their names."""

    KINDS = ("jvm", "python_workers", "driver")
    # The JVM's threads by the start of their names, as Linux keeps them (15 characters).
    # Spark runs tasks on its executor pool (a thread named for its task while it runs
    # one, "Executor task i..." between tasks); Python's calls into the JVM (planning and
    # running queries, Delta's commits) arrive on Py4J's threads, named Thread-N; the JIT
    # compiles on compiler threads; the collector's threads are G1's and the VM thread
    # (its pauses). The rest (schedulers, the block manager, listeners) is `other`.
    JVM_THREADS = (
        ("tasks", ("Executor task",)),
        ("python_calls", ("Thread-",)),
        ("jit", ("C1 CompilerThre", "C2 CompilerThre")),
        ("gc", ("GC Thread", "G1 ", "VM Thread")),
    )
    NAMED_PARTS = tuple(part for part, _ in JVM_THREADS)
    JVM_PARTS = (*NAMED_PARTS, "other")

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.peak = 0
        # (time.monotonic(), bytes, {kind: CPU seconds its processes have used so far,
        #  and "jvm:<part>": those of the JVM's threads of each named part})
        self.samples: list[tuple[float, int, dict[str, float]]] = []
        self._seen: dict[tuple[int, int], tuple[str, float]] = {}
        self._threads: dict[tuple[int, int, int], tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    @staticmethod
    def tree() -> tuple[int, dict[tuple[int, int], tuple[str, float]]]:
        """Resident bytes of the tree, and each of its processes, keyed by (pid, start
        time), with its kind and the CPU seconds it has used."""
        children: dict[int, list[int]] = {}
        stats: dict[int, tuple[str, int, int, float]] = {}
        page = os.sysconf("SC_PAGE_SIZE")
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            stat = read_stat(f"/proc/{entry}/stat")
            if stat is None:
                continue
            name, cpu, fields = stat
            pid, ppid = int(entry), int(fields[1])
            stats[pid] = (name, int(fields[19]), int(fields[21]) * page, cpu)
            children.setdefault(ppid, []).append(pid)
        rss, processes = 0, {}
        me, todo = os.getpid(), [os.getpid()]
        while todo:
            pid = todo.pop()
            todo += children.get(pid, [])
            if pid in stats:
                name, started, resident, cpu = stats[pid]
                rss += resident
                kind = "driver" if pid == me else "jvm" if name == "java" else "python_workers"
                processes[(pid, started)] = (kind, cpu)
        return rss, processes

    def _loop(self):
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    @classmethod
    def jvm_part(cls, thread_name: str) -> str:
        return next(
            (part for part, starts in cls.JVM_THREADS if thread_name.startswith(starts)), "other"
        )

    @classmethod
    def threads(cls, pid: int) -> dict[int, tuple[str, float]]:
        """Each thread of process `pid`: its JVM_PARTS part and the CPU seconds it used."""
        out = {}
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return out
        for tid in tids:
            stat = read_stat(f"/proc/{pid}/task/{tid}/stat")
            if stat is not None:
                out[int(tid)] = (cls.jvm_part(stat[0]), stat[1])
        return out

    def _sample(self):
        # A process that ended keeps the CPU it had at its last sample: its children's
        # times reach its parent only when reaped, and by then its kind is unknown.
        rss, processes = self.tree()
        self._seen.update(processes)
        cpu = dict.fromkeys(self.KINDS, 0.0)
        for kind, seconds in self._seen.values():
            cpu[kind] += seconds
        # The JVM's threads (a hundred-odd files, 1-2 ms a sample). A thread keeps what it
        # had used at its last sample; what it used after that is in no part, only in the
        # JVM's total, and jvm_cpu_by_step counts it as `other`. A thread stays in the
        # part it was first seen in, so that a renamed one does not move its past CPU.
        for pid, started in (key for key, (kind, _) in processes.items() if kind == "jvm"):
            for tid, (part, seconds) in self.threads(pid).items():
                first = self._threads.get((pid, started, tid), (part,))[0]
                self._threads[(pid, started, tid)] = (first, seconds)
        for part in self.NAMED_PARTS:
            cpu[f"jvm:{part}"] = 0.0
        for part, seconds in self._threads.values():
            if part != "other":
                cpu[f"jvm:{part}"] += seconds
        self.samples.append((time.monotonic(), rss, cpu))
        self.peak = max(self.peak, rss)

    def __enter__(self):
        self._sample()
        self._thread.start()
        return self

    def _spans(self, steps: list[dict]):
        """(job, start, end) of each of `steps`, taken one after another from the first
        sample on, for the seconds each step reports (so to about a second)."""
        start = self.samples[0][0]
        for step in steps:
            end = start + step["seconds"]
            yield step["job"], start, end
            start = end

    def peaks_by_step(self, steps: list[dict]) -> dict[str, int]:
        """The peak (MB) while each of `steps` ran."""
        return {
            job: round(
                max((rss for t, rss, _ in self.samples if start <= t <= end), default=0) / 2**20
            )
            for job, start, end in self._spans(steps)
        }

    def _spent(self, steps: list[dict], keys: tuple[str, ...]):
        """(job, seconds, {key: CPU seconds}) of each of `steps`: the totals of the last
        sample up to its end less those of the last one up to its start."""
        import bisect

        times = [s[0] for s in self.samples]

        def used(t: float) -> dict[str, float]:
            return self.samples[max(0, bisect.bisect_right(times, t) - 1)][2]

        for job, start, end in self._spans(steps):
            before, after = used(start), used(end)
            yield job, end - start, {k: round(max(0.0, after[k] - before[k]), 1) for k in keys}

    def cpu_by_step(self, steps: list[dict]) -> dict[str, dict[str, float]]:
        """CPU seconds of each kind while each of `steps` ran, and `busy_cores`: all of
        them over the step's seconds."""
        out = {}
        for job, seconds, spent in self._spent(steps, self.KINDS):
            spent["busy_cores"] = round(sum(spent.values()) / seconds, 2) if seconds else 0.0
            out[job] = spent
        return out

    def jvm_cpu_by_step(self, steps: list[dict]) -> dict[str, dict[str, float]]:
        """The JVM's CPU seconds while each of `steps` ran, by JVM_PARTS: `other` is the
        JVM's total (cpu_by_step's `jvm`) less the named parts."""
        keys = ("jvm", *(f"jvm:{part}" for part in self.NAMED_PARTS))
        out = {}
        for job, _, spent in self._spent(steps, keys):
            total = spent.pop("jvm")
            parts = {key.removeprefix("jvm:"): value for key, value in spent.items()}
            parts["other"] = round(max(0.0, total - sum(parts.values())), 1)
            out[job] = parts
        return out

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def input_size(spark, tables: Tables, table: str) -> tuple[int, int]:
    from pyspark.sql import functions as F

    row = (
        tables.read(table)
        .agg(F.count("*").alias("n"), F.sum(F.octet_length("text")).alias("b"))
        .collect()[0]
    )
    return int(row["n"]), int(row["b"] or 0)


def measure(label: str, fn, docs: int, nbytes: int, cores: int, mem=None) -> dict:
    """`fn` timed, with the peak memory that `mem` (a new ProcessSampler when None) samples."""
    mem = mem or ProcessSampler()
    with mem:
        start = time.perf_counter()
        fn()
        seconds = time.perf_counter() - start
    mb = nbytes / 1e6
    return {
        "step": label,
        "docs": docs,
        "input_mb": round(mb, 2),
        "seconds": round(seconds, 2),
        "docs_per_s": round(docs / seconds, 1),
        "mb_per_s": round(mb / seconds, 2),
        "mb_per_s_per_core": round(mb / seconds / cores, 2),
        "peak_memory_mb": round(mem.peak / 2**20),
    }


def step_input(cfg: Config, step: str) -> str | None:
    return getattr(getattr(cfg, step), "input", None) if step != "ingest" else None


def first_run(spark, job: str, cfg: Config, lake: Path) -> dict:
    """`job` run as on a lake it has not run on before: dedup's index from an earlier run
    (keys of the same documents) would spare dedup the work it is measured for."""
    if job in ("dedup", "pipeline") and cfg.dedup.index:
        shutil.rmtree(lake / cfg.dedup.index, ignore_errors=True)
    return registry.run(spark, job, cfg)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int,
                        help="documents of the corpus (demo: default 20000; real: instead of --mb)")  # fmt: skip
    parser.add_argument("--corpus", choices=("demo", "real"), default="demo")
    parser.add_argument("--mb", type=float, default=100, help="text of the real corpus")
    parser.add_argument("--pipeline", action="store_true",
                        help="also time the whole `pipeline` (every step, evaluate too)")  # fmt: skip
    parser.add_argument(
        "--steps",
        default=",".join(s for s in registry.steps() if s != "evaluate"),
        help="comma-separated steps to measure (default: all but evaluate; none: only --pipeline)",
    )
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], help="config override"
    )
    args = parser.parse_args(argv)

    if args.corpus == "real":
        from bench import real_corpus

        name = f"real-{args.docs}docs" if args.docs else f"real-{args.mb:g}"
        data = OUT / name
        if not (data / "truth_summary.json").exists():
            print(f"building the real-text corpus {name} ...")
            real_corpus.write(data, args.mb, docs=args.docs)
        overrides = [f"lake={OUT / f'lake-{name}'}", f"ingest.input={data / 'corpus'}",
                     f"train_lm.input={data / 'reference'}"]  # fmt: skip
    else:
        args.docs = args.docs or 20000
        name = str(args.docs)
        data = OUT / f"corpus-{args.docs}"
        if not (data / "truth_summary.json").exists():
            print(f"generating a demo corpus of {args.docs} documents ...")
            corpus.write(data, args.docs)
        benchmark = data / "benchmarks" / "science.jsonl"
        if not benchmark.exists():  # a corpus generated before the generator wrote one
            corpus.write_benchmark(benchmark, corpus.SEED + 2)
        overrides = [
            f"lake={OUT / f'lake-{args.docs}'}",
            f"ingest.input={data / 'corpus'}",
            f"train_lm.input={data / 'reference'}",
            f"score.references.science={benchmark}",
        ]
    lake = OUT / f"lake-{name}"
    cfg = config_mod.load(Config, None, [*overrides, *args.overrides])
    cores = os.cpu_count() or 1
    results = []
    with session(cfg.spark) as spark:
        tables = Tables(spark, cfg.lake, cfg.tables)
        if ("filter" in args.steps.split(",") or args.pipeline) and not (
            Path(train_lm.model_dir(cfg.train_lm, cfg.lake)) / train_lm.MANIFEST
        ).exists():
            registry.run(
                spark, "train-lm", cfg
            )  # the models filter scores with; not part of any measurement
        for step in [s for s in args.steps.split(",") if s not in ("", "none")]:
            if step == "ingest":
                files = sorted(str(p) for p in (data / "corpus").glob("*.jsonl.gz"))
                summary = json.loads((data / "truth_summary.json").read_text())
                docs = summary["input_lines"]
                nbytes = sum(len(line) for f in files for line in gzip.open(f))

                def baseline(files=files):
                    spark.read.text(files).write.mode("overwrite").parquet(
                        str(lake / "_bench_copy")
                    )
            else:
                table = step_input(cfg, step)
                docs, nbytes = input_size(spark, tables, table)

                def baseline(table=table):
                    tables.write(tables.read(table), "bench_copy", metadata={"job": "bench"})

            results.append(
                measure(f"{step} (baseline: read + write)", baseline, docs, nbytes, cores)
            )
            results.append(
                measure(
                    step, lambda step=step: first_run(spark, step, cfg, lake), docs, nbytes, cores
                )
            )
            print(json.dumps(results[-1]))
        if args.pipeline:
            summary = json.loads((data / "truth_summary.json").read_text())
            nbytes = summary.get("text_bytes") or sum(
                len(line) for f in (data / "corpus").glob("*.jsonl.gz") for line in gzip.open(f)
            )
            gate_off = config_mod.load(Config, None, [*overrides, *args.overrides,
                                                      "evaluate.fail_on_gate=false"])  # fmt: skip
            outcome = {}

            def whole_pipeline():
                outcome.update(first_run(spark, "pipeline", gate_off, lake))

            sampler = ProcessSampler()
            results.append(measure("pipeline (all steps)", whole_pipeline,
                                   summary["input_lines"], nbytes, cores, sampler))  # fmt: skip
            results[-1]["step_seconds"] = {s["job"]: s["seconds"] for s in outcome["steps"]}
            results[-1]["step_peak_memory_mb"] = sampler.peaks_by_step(outcome["steps"])
            results[-1]["step_cpu_seconds"] = sampler.cpu_by_step(outcome["steps"])
            results[-1]["step_jvm_cpu_seconds"] = sampler.jvm_cpu_by_step(outcome["steps"])
            print(json.dumps(results[-1]))
    OUT.mkdir(parents=True, exist_ok=True)
    report = {
        "corpus": args.corpus,
        "docs": args.docs,
        "cores": cores,
        "machine": platform.machine(),
        "python": platform.python_version(),
        "results": results,
    }
    results_file = OUT / f"results-{name}.json"
    results_file.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"\n{'step':<36}{'docs':>8}{'MB':>9}{'s':>8}{'docs/s':>10}{'MB/s':>8}{'MB/s/core':>11}{'peak MB':>9}"
    )
    for r in results:
        print(
            f"{r['step']:<36}{r['docs']:>8}{r['input_mb']:>9}{r['seconds']:>8}{r['docs_per_s']:>10}"
            f"{r['mb_per_s']:>8}{r['mb_per_s_per_core']:>11}{r['peak_memory_mb']:>9}"
        )
    for r in results:
        if "step_cpu_seconds" in r:
            print_cpu(r)
    print(f"\nwritten: {results_file}")
    return 0


def print_cpu(result: dict) -> None:
    """The pipeline's CPU seconds per step by kind, with the cores each step kept busy,
    then the JVM's by what its threads do."""
    kinds = ProcessSampler.KINDS
    _print_cpu_table(result, "step_cpu_seconds", "CPU seconds", kinds, 16, busy=True)
    if "step_jvm_cpu_seconds" in result:
        parts = ProcessSampler.JVM_PARTS
        _print_cpu_table(result, "step_jvm_cpu_seconds", "JVM CPU s", parts, 14, busy=False)


def _print_cpu_table(result: dict, key: str, title: str, columns, width: int, busy: bool):
    print(
        f"\n{title:<14}{'s':>8}"
        + "".join(f"{c:>{width}}" for c in columns)
        + (f"{'busy cores':>12}" if busy else "")
    )
    totals = dict.fromkeys(columns, 0.0)
    for step, cpu in result[key].items():
        print(
            f"{step:<14}{result['step_seconds'][step]:>8}"
            + "".join(f"{cpu[c]:>{width}}" for c in columns)
            + (f"{cpu['busy_cores']:>12}" if busy else "")
        )
        for c in columns:
            totals[c] += cpu[c]
    all_busy = f"{sum(totals.values()) / result['seconds']:>12.2f}" if busy else ""
    print(
        f"{'all steps':<14}{result['seconds']:>8}"
        + "".join(f"{totals[c]:>{width}.1f}" for c in columns)
        + all_busy
    )


if __name__ == "__main__":
    raise SystemExit(main())
