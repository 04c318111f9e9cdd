"""The pipeline on a real Spark cluster: a standalone master and two workers on
127.0.0.1, the lake and the input on an S3 server (S3Proxy), every step submitted with
spark-submit as the README shows, and the tables compared with an embedded run of the
same corpus on Spark's own Delta.

The workers cannot read the driver's files: each runs in a mount namespace where the
test's data folder (corpus, KenLM models, the embedded lake) and the package's source are
hidden under an empty tmpfs. So the code reaches them only through --py-files and the
models only through Spark (SparkFiles); a path of the driver's would fail the run.
"""

import json

import pytest

from demo import corpus
from tests import cluster
from tests.conftest import ROOT, make_config
from tools.compare_lakes import compare
from ziya_data import bundle
from ziya_data.jobs import registry
from ziya_data.jobs.session import project_jars, s3_conf
from ziya_data.jobs.tables import PIPELINE_TABLES

pytestmark = pytest.mark.skipif(
    not cluster.can_hide_folders() or cluster.s3proxy_jar() is None,
    reason="needs unshare (mount namespaces) and the S3Proxy jar (make setup)",
)
TABLES = {*PIPELINE_TABLES, "rejects", "dedup_index"}
LOOPBACK = {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("cluster_data")
    corpus.write(root / "demo", 600, reference_docs=300)
    return root


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    with cluster.s3_server(tmp_path_factory.mktemp("s3")) as server:
        yield server


@pytest.fixture(scope="module")
def embedded(spark, data):
    """The same corpus through the embedded session, on Spark's own Delta route."""
    lake = data / "embedded_lake"
    cfg = make_config(
        lake, "tables.backend=delta", f"ingest.input={data / 'demo' / 'corpus'}",
        f"train_lm.input={data / 'demo' / 'reference'}", "evaluate.fail_on_gate=false",
    )  # fmt: skip
    registry.run(spark, "train-lm", cfg)
    return lake, registry.run(spark, "pipeline", cfg)


@pytest.fixture(scope="module")
def submitted(data, s3, tmp_path_factory):
    """train-lm and pipeline by spark-submit on the cluster, lake and input on S3."""
    dist = tmp_path_factory.mktemp("dist")
    app = bundle.write_zip(dist), bundle.write_main(dist)
    corpus_uri = s3.upload(data / "demo" / "corpus", "input/corpus")
    reference_uri = s3.upload(data / "demo" / "reference", "input/reference")
    options = [f"--set=tables.storage_options.{k}={v}" for k, v in s3.options.items()]
    common = [
        "--lake", f"s3://{s3.bucket}/lake", *options,
        "--set", f"train_lm.model_dir={data / 'models'}",
        "--set", f"evaluate.report_dir={data / 'report'}",
    ]  # fmt: skip
    conf = {**LOOPBACK, **s3_conf(s3.options)}
    hidden = (data, ROOT / "ziya_data")
    results = {}
    with cluster.standalone(tmp_path_factory.mktemp("cluster"), workers=2, hidden=hidden) as cl:
        for job, extra in (
            ("train-lm", ["--set", f"train_lm.input={reference_uri}"]),
            ("pipeline", ["--set", f"ingest.input={corpus_uri}", "--set", "evaluate.fail_on_gate=false"]),
        ):  # fmt: skip
            done = cluster.submit(
                cl, [str(app[1]), job, *common, *extra], py_files=app[0],
                jars=project_jars("s3"), conf=conf, cwd=dist,
            )  # fmt: skip
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
            results[job] = json.loads(done.stdout)
            results[f"{job}_stderr"] = done.stderr
    return results


def test_the_cluster_run_writes_the_tables_of_the_embedded_run(embedded, submitted, s3):
    lake, local = embedded
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


def test_models_reached_the_workers_through_spark_not_a_driver_path(submitted, data):
    trained = submitted["train-lm"]["models"]
    assert {m["path"] for m in trained.values()} == {
        str(data / "models" / "en.binary"),
        str(data / "models" / "zh.binary"),
    }
    # The filter step scored with them on workers that cannot see data/models.
    steps = {s["job"]: s for s in submitted["pipeline"]["steps"]}
    assert sum(steps["filter"]["tiers"].values()) > 0
    assert "no_language_model" not in steps["filter"]["reasons"]


def test_cluster_logs_stay_quiet_and_stdout_is_one_json(submitted):
    # stdout parsed as one JSON document (the fixture did); stderr has no INFO flood.
    info = [ln for ln in submitted["pipeline_stderr"].splitlines() if " INFO " in ln]
    assert len(info) < 40, info[:10]
