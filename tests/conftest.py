"""One local SparkSession for the whole test session, and small helpers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
# The JVMs the tests start by spark-submit (its job files, Airflow's tasks, the cluster)
# live seconds on a few hundred rows: C2's compiles would never pay back, so they stop at
# C1 (a 300-document pipeline run: 0.76x the wall time), as the embedded session's do by
# default (spark.jit). The test session's own JVM runs for the whole suite and keeps C2
# (see `spark`). Results do not depend on the JIT.
SHORT_LIVED_JVM = "-XX:TieredStopAtLevel=1"
os.environ["SPARK_SUBMIT_OPTS"] = f"{os.environ.get('SPARK_SUBMIT_OPTS', '')} {SHORT_LIVED_JVM}"


@pytest.fixture(scope="session", autouse=True)
def class_archive(tmp_path_factory):
    """The driver JVMs of this test session map the class-data archive a local run writes
    (spark.class_archive: auto), spark-submit's too (SPARK_SUBMIT_OPTS, as the README tells
    spark-submit users): each starts a few seconds sooner. A tiny ingest writes it when
    there is none yet. (the archive or None, the ingest that wrote it or None)"""
    import gzip
    import subprocess

    from ziya_data.jobs import session
    from ziya_data.jobs.config import SparkConfig

    archive, written = session.class_archive(SparkConfig()), None
    if archive is None:
        return None, None
    tmp = tmp_path_factory.mktemp("class_archive")
    if not archive.is_file():
        (tmp / "in").mkdir()
        with gzip.open(tmp / "in" / "a.jsonl.gz", "wt") as fh:
            fh.write('{"text": "a document that writes the archive"}\n')
        written = subprocess.run(
            [sys.executable, "-m", "ziya_data", "--lake", str(tmp / "lake"), "--set",
             f"ingest.input={tmp / 'in'}", "--set", "spark.local_master=local[2]", "ingest"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    if archive.is_file():
        options = session.class_archive_options(archive)
        os.environ["SPARK_SUBMIT_OPTS"] = f"{os.environ.get('SPARK_SUBMIT_OPTS', '')} {options}"
    return archive, written


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    """The test session carries Delta's jars, so both table backends run in it; the jobs'
    tests choose delta-rs, the embedded default, unless they ask for another."""
    from ziya_data.jobs.config import SparkConfig, TablesConfig
    from ziya_data.jobs.session import build

    warehouse = tmp_path_factory.mktemp("warehouse")
    options = os.environ["SPARK_SUBMIT_OPTS"]
    os.environ["SPARK_SUBMIT_OPTS"] = options.replace(SHORT_LIVED_JVM, "")  # a long life: C2
    try:
        session = build(
            SparkConfig(local_master="local[2]", shuffle_partitions=4, driver_memory="2g",
                        jit="full", conf={"spark.sql.warehouse.dir": str(warehouse)}),
            TablesConfig(backend="delta"),
        )  # fmt: skip
    finally:
        os.environ["SPARK_SUBMIT_OPTS"] = options
    yield session
    session.stop()


BACKENDS = ("delta-rs", "delta")


def make_config(lake, *overrides: str):
    """The root config with `lake` and --set style overrides (tables.backend delta-rs,
    the embedded default, unless an override says otherwise)."""
    from ziya_data.jobs import config
    from ziya_data.jobs.registry import Config

    return config.load(Config, None, [f"lake={lake}", "tables.backend=delta-rs", *overrides])


@pytest.fixture
def lake(tmp_path):
    return tmp_path / "lake"


def delta_rows(path, sql: str = "SELECT * FROM t") -> list[dict]:
    """Rows of a Delta table read by delta-rs alone (independent of Spark)."""
    from ziya_data.lake import query

    return query(str(path), sql)


def needs_shared_data():
    return pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is not present")


@pytest.fixture(scope="session")
def reference_corpus(tmp_path_factory):
    """A small demo corpus (300 documents, 200 reference documents) several tests run the
    whole pipeline on."""
    from demo import corpus

    def make():
        root = tmp_path_factory.mktemp("reference_corpus")
        corpus.write(root, 300, reference_docs=200)
        return root

    return made_once(tmp_path_factory, "reference_corpus", make)


@pytest.fixture(scope="session")
def delta_route_run(spark, reference_corpus, tmp_path_factory):
    """train-lm and the pipeline on the reference corpus in this process, on Spark's own
    Delta route: the lake other runs (a cluster's, a killed one's, delta-rs's) must equal.
    (lake, pipeline result, model folder)."""
    from ziya_data.jobs import registry

    def make():
        lake = tmp_path_factory.mktemp("delta_route") / "lake"
        cfg = make_config(
            lake, "tables.backend=delta", f"ingest.input={reference_corpus / 'corpus'}",
            f"train_lm.input={reference_corpus / 'reference'}", "evaluate.fail_on_gate=false",
        )  # fmt: skip
        registry.run(spark, "train-lm", cfg)
        return lake, registry.run(spark, "pipeline", cfg), lake / "_models" / "kenlm"

    return made_once(tmp_path_factory, "delta_route_run", make)


def made_once(tmp_path_factory, name: str, make):
    """make() once per test session however many pytest-xdist workers ask for it (make
    test runs two): the first to take the lock makes it and leaves the value, pickled,
    beside the workers' folders; the others wait and load that. The whole-pipeline
    fixtures cost a minute each, too much to pay once per worker."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return make()
    import fcntl
    import pickle

    shared = tmp_path_factory.getbasetemp().parent  # this session's, common to its workers
    made = shared / f"{name}.pickle"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if made.is_file():
            return pickle.loads(made.read_bytes())
        value = make()
        made.write_bytes(pickle.dumps(value))
        return value
