"""The Airflow DAG end to end: Airflow 3 in its own virtualenv (`make setup` builds
.venv/airflow), `airflow dags test` on the DAG file in dags/, every task a spark-submit by
the Spark provider's SparkSubmitOperator on the embedded Spark (`local[2]`), the settings
from Variables and the run's params, each task's JSON result in XCom, and the tables equal
to the embedded run's."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tools.compare_lakes import compare
from ziya_data import bundle
from ziya_data.jobs.tables import PIPELINE_TABLES

AIRFLOW_VENV = ROOT / ".venv" / "airflow"
AIRFLOW = AIRFLOW_VENV / "bin" / "airflow"
TASKS = {"ingest", "clean", "train_lm", "filter", "dedup", "score", "evaluate"}


def _airflow_env(home) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PYSPARK"))}
    return {
        **env,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # spark-submit (pyspark's) and the Python the jobs run on: the project's venv.
        "PATH": f"{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}",
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
    }


def _airflow(env, *args, timeout=120) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(AIRFLOW), *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done


@pytest.fixture(scope="module")
def dag_run(reference_corpus, tmp_path_factory):
    if not AIRFLOW.exists():
        pytest.fail("Airflow's virtualenv is missing: run `make setup`")
    home = tmp_path_factory.mktemp("airflow")
    (home / "dags").mkdir()
    shutil.copy(ROOT / "dags" / "ziya_data_pipeline.py", home / "dags")
    dist = tmp_path_factory.mktemp("dist")
    env = _airflow_env(home)
    env.update({
        "AIRFLOW_CONN_SPARK_DEFAULT": json.dumps({"conn_type": "spark", "host": "local[2]"}),
        "AIRFLOW_VAR_ZIYA_DATA_LAKE": str(home / "lake"),
        "AIRFLOW_VAR_ZIYA_DATA_APPLICATION": str(bundle.write_main(dist)),
        "AIRFLOW_VAR_ZIYA_DATA_PY_FILES": str(bundle.write_zip(dist)),
    })  # fmt: skip
    _airflow(env, "db", "migrate")
    errors = _airflow(env, "dags", "list-import-errors", "-o", "json").stdout
    assert "ziya_data_pipeline" not in errors, errors
    overrides = [
        f"ingest.input={reference_corpus / 'corpus'}",
        f"train_lm.input={reference_corpus / 'reference'}",
        f"train_lm.model_dir={home / 'models'}",
        f"evaluate.report_dir={home / 'report'}",
        "evaluate.fail_on_gate=false",
    ]
    conf = json.dumps({"overrides": overrides})
    test = _airflow(env, "dags", "test", "ziya_data_pipeline", "-c", conf, timeout=900)
    db = sqlite3.connect(home / "airflow.db")
    (run_id,) = db.execute(
        "SELECT run_id FROM dag_run WHERE dag_id='ziya_data_pipeline'"
    ).fetchone()
    states = json.loads(
        _airflow(
            env, "tasks", "states-for-dag-run", "ziya_data_pipeline", run_id, "-o", "json"
        ).stdout
    )
    xcoms = {
        task: json.loads(value)
        for task, value in db.execute(
            "SELECT task_id, value FROM xcom WHERE key='return_value' AND run_id=?", (run_id,)
        )
    }
    return {"home": home, "states": states, "xcoms": xcoms, "log": test.stdout + test.stderr}


def test_every_task_succeeds_and_returns_its_result(dag_run):
    states = {s["task_id"]: s["state"] for s in dag_run["states"]}
    assert states == dict.fromkeys(TASKS, "success"), states
    xcoms = dag_run["xcoms"]
    assert set(xcoms) == TASKS
    for task, result in xcoms.items():
        assert result["job"] == task.replace("_", "-")
    # The steps read what the one before wrote, and no row is lost on the way.
    for before, after in (("ingest", "clean"), ("clean", "filter"), ("filter", "dedup")):
        assert xcoms[after]["rows_in"] == xcoms[before]["kept"], (before, after)
    for step in ("ingest", "clean", "filter"):
        assert xcoms[step]["rows_in"] == xcoms[step]["kept"] + xcoms[step]["rejected"]
    assert set(xcoms["train_lm"]["models"]) == {"en", "zh"}
    assert sum(xcoms["filter"]["tiers"].values()) > 0


def test_the_dag_writes_the_tables_of_the_embedded_run(dag_run, delta_route_run):
    lake, _, _ = delta_route_run
    verdicts = compare(
        str(dag_run["home"] / "lake"), str(lake), {"run_id"}, {*PIPELINE_TABLES, "rejects"},
        digits=12,
    )  # fmt: skip
    assert all(v.startswith("same") for v in verdicts.values()), verdicts
    assert (dag_run["home"] / "report" / "report.html").is_file()


CHECKS = """
import warnings
warnings.simplefilter("error", DeprecationWarning)
from ziya_data.airflow_dags import ZiyaDataSubmitOperator, pipeline_dag, _as_list

dag = pipeline_dag("d", steps=["ingest", "clean"], train_lm=False)
assert [t.task_id for t in dag.tasks] == ["ingest", "clean"], dag.tasks
op = ZiyaDataSubmitOperator(task_id="x", job="clean", lake="lake", config_file="")
try:
    op.job_arguments("r.json")
except ValueError as exc:
    assert "relative" in str(exc)
else:
    raise AssertionError("a relative lake was accepted")
op.lake, op.config_file, op.overrides = "s3://b/lake", "/etc/z.yaml", "['a.b=1', 'c.d=2']"
assert op.job_arguments("r.json") == [
    "--lake", "s3://b/lake", "--config", "/etc/z.yaml", "--set", "a.b=1", "--set", "c.d=2",
    "--result-file", "r.json", "clean",
], op.job_arguments("r.json")
assert _as_list(str(["ingest.input=/data/it's here", "a=b"])) == ["ingest.input=/data/it's here", "a=b"]
assert _as_list("a=b; c=d") == ["a=b", "c=d"] and _as_list("") == []
op.master = "spark://10.0.0.1:7077"
assert op._get_hook()._connection["master"] == "spark://10.0.0.1:7077"
try:
    ZiyaDataSubmitOperator(task_id="y", job="cleaning")
except KeyError:
    pass
else:
    raise AssertionError("an unknown job was accepted")
print("ok")
"""


def test_operator_settings_without_deprecated_imports(tmp_path):
    if not AIRFLOW.exists():
        pytest.fail("Airflow's virtualenv is missing: run `make setup`")
    env = _airflow_env(tmp_path)
    env["AIRFLOW_CONN_SPARK_DEFAULT"] = json.dumps({"conn_type": "spark", "host": "yarn"})
    done = subprocess.run(
        [str(AIRFLOW_VENV / "bin" / "python"), "-c", CHECKS],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr
