"""The pipeline on a real Spark cluster: a standalone master and two workers on
127.0.0.1, the lake and the input on an S3 server (S3Proxy), every step submitted with
spark-submit as the README shows, and the tables compared with an embedded run of the
same corpus on Spark's own Delta. One worker is killed (kill -9, with its executor and
Python workers) as the filter step starts computing: Spark retries its tasks on the
other worker and the tables still equal the embedded run's.

The workers cannot read the driver's files: each runs in a mount namespace where the
test's data folder (corpus, KenLM models, the embedded lake) and the package's source are
hidden under an empty tmpfs. So the code reaches them only through --py-files and the
models only through Spark (SparkFiles); a path of the driver's would fail the run.
"""

import json
import subprocess
import sys

import pytest

from tests import cluster
from tests.conftest import ROOT
from tools.compare_lakes import compare
from ziya_data import bundle
from ziya_data.jobs.session import project_jars, s3_conf
from ziya_data.jobs.tables import PIPELINE_TABLES
from ziya_data.lake import query

pytestmark = pytest.mark.skipif(
    not cluster.can_hide_folders() or cluster.s3proxy_jar() is None,
    reason="needs unshare (mount namespaces) and the S3Proxy jar (make setup)",
)
TABLES = {*PIPELINE_TABLES, "rejects", "dedup_index"}
LOOPBACK = {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    with cluster.s3_server(tmp_path_factory.mktemp("s3")) as server:
        yield server


@pytest.fixture(scope="module")
def submitted(reference_corpus, s3, tmp_path_factory):
    """train-lm and pipeline by spark-submit on the cluster, lake and input on S3."""
    dist = tmp_path_factory.mktemp("dist")
    app = bundle.write_zip(dist), bundle.write_main(dist)
    corpus_uri = s3.upload(reference_corpus / "corpus", "input/corpus")
    reference_uri = s3.upload(reference_corpus / "reference", "input/reference")
    data = tmp_path_factory.mktemp("driver_only")  # models and report: the driver's disk
    options = [f"--set=tables.storage_options.{k}={v}" for k, v in s3.options.items()]
    common = [
        "--lake", f"s3://{s3.bucket}/lake", *options,
        "--set", f"train_lm.model_dir={data / 'models'}",
        "--set", f"evaluate.report_dir={data / 'report'}",
    ]  # fmt: skip
    conf = {**LOOPBACK, **s3_conf(s3.options)}
    # Hidden from the workers: the driver's files (its models, the corpus's local copy)
    # and the package's source.
    hidden = (data, reference_corpus, ROOT / "ziya_data")
    results = {"killed": [], "models": data / "models"}
    with cluster.standalone(tmp_path_factory.mktemp("cluster"), workers=2, hidden=hidden) as cl:

        def kill_a_worker_when_filter_computes(line: str) -> None:
            if "ziya-data filter" in line and "computing" in line and not results["killed"]:
                cl.kill_worker(1)
                results["killed"].append(line.strip())

        for job, extra in (
            ("train-lm", ["--set", f"train_lm.input={reference_uri}"]),
            ("pipeline", ["--set", f"ingest.input={corpus_uri}", "--set", "evaluate.fail_on_gate=false"]),
        ):  # fmt: skip
            done = cluster.submit(
                cl, [str(app[1]), job, *common, *extra], py_files=app[0],
                jars=project_jars("s3"), conf=conf, cwd=dist,
                on_stderr=kill_a_worker_when_filter_computes if job == "pipeline" else None,
            )  # fmt: skip
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
            results[job] = json.loads(done.stdout)
            results[f"{job}_stderr"] = done.stderr
    return results


def test_the_cluster_run_writes_the_tables_of_the_embedded_run(delta_route_run, submitted, s3):
    lake, local, _ = delta_route_run
    assert submitted["killed"], "a worker was to be killed during the filter step"
    assert submitted["pipeline"]["rows"] == local["rows"]
    assert submitted["pipeline"]["rejects"] == local["rejects"]
    verdicts = compare(
        f"s3://{s3.bucket}/lake", str(lake), {"run_id"}, TABLES, digits=12,
        options_a=s3.options,
    )  # fmt: skip
    assert all(v.startswith("same") for v in verdicts.values()), verdicts
    # Every input row is accounted for, on the cluster as at home.
    steps = {s["job"]: s for s in submitted["pipeline"]["steps"]}
    for job in ("ingest", "clean", "filter"):
        assert steps[job]["rows_in"] == steps[job]["kept"] + steps[job]["rejected"], job


def test_models_reached_the_workers_through_spark_not_a_driver_path(submitted):
    trained = submitted["train-lm"]["models"]
    models = submitted["models"]
    assert {m["path"] for m in trained.values()} == {
        str(models / "en.binary"),
        str(models / "zh.binary"),
    }
    # The filter step scored with them on workers that cannot see data/models.
    steps = {s["job"]: s for s in submitted["pipeline"]["steps"]}
    assert sum(steps["filter"]["tiers"].values()) > 0
    assert "no_language_model" not in steps["filter"]["reasons"]


def test_cluster_logs_stay_quiet_and_stdout_is_one_json(submitted):
    # stdout parsed as one JSON document (the fixture did); stderr has no INFO flood.
    info = [ln for ln in submitted["pipeline_stderr"].splitlines() if " INFO " in ln]
    assert len(info) < 40, info[:10]


def test_an_embedded_session_writes_its_lake_on_s3(s3, reference_corpus, tmp_path):
    """A run with no cluster (the embedded session) and its lake on S3. S3A buffers
    uploads in files of the local filesystem, which it casts to Hadoop's checksummed one;
    the embedded session's is the raw one, so it buffers in memory (session.embedded_conf).
    Before, every write failed with a ClassCastException."""
    corpus = s3.upload(reference_corpus / "corpus", "embedded/corpus")
    options = [f"--set=tables.storage_options.{k}={v}" for k, v in s3.options.items()]
    done = subprocess.run(
        [sys.executable, "-m", "ziya_data", "--lake", f"s3://{s3.bucket}/embedded", *options,
         "--set", f"ingest.input={corpus}", "ingest"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout)["kept"] == 300
    raw = f"s3://{s3.bucket}/embedded/raw"
    assert query(raw, "SELECT count(*) AS n FROM t", s3.options) == [{"n": 300}]
