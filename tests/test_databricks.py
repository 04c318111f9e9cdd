"""The Databricks bundle: databricks.yml names real notebooks and entry points, and its
pipeline job, run task by task with the notebook under a local dbutils stub and the test
session as `spark`, writes catalog tables equal to the embedded run's and passes each
step's result to the next as task values."""

import importlib.metadata
import re

import pytest
import yaml

from tests.conftest import ROOT
from tests.databricks_stub import DBUtils, run_notebook
from tools.compare_lakes import compare
from ziya_data.jobs import registry
from ziya_data.jobs.tables import PIPELINE_TABLES

BUNDLE = yaml.safe_load((ROOT / "databricks.yml").read_text(encoding="utf-8"))
JOBS = BUNDLE["resources"]["jobs"]
SCHEMA = "ziya_nb"


def resolve(value, variables: dict[str, str]):
    """${var.name} substituted, as the bundle CLI does on deploy."""
    if isinstance(value, str):
        return re.sub(r"\$\{var\.(\w+)\}", lambda m: variables[m.group(1)], value)
    if isinstance(value, list):
        return [resolve(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, variables) for k, v in value.items()}
    return value


def test_the_bundle_names_real_notebooks_jobs_and_entry_points():
    assert BUNDLE["artifacts"]["ziya_data"]["type"] == "whl"
    variables = set(BUNDLE["variables"])
    scripts = {ep.name: ep for ep in importlib.metadata.entry_points(group="console_scripts")}
    for job in JOBS.values():
        clusters = {c["job_cluster_key"] for c in job.get("job_clusters", [])}
        keys = [task["task_key"] for task in job["tasks"]]
        assert len(keys) == len(set(keys))
        for task in job["tasks"]:
            assert task["job_cluster_key"] in clusters
            for dep in task.get("depends_on", []):
                assert keys.index(dep["task_key"]) < keys.index(task["task_key"])
            assert {"whl": "./dist/*.whl"} in task["libraries"]
            if "notebook_task" in task:
                notebook = task["notebook_task"]
                assert (ROOT / notebook["notebook_path"]).is_file()
                registry.get(notebook["base_parameters"]["job"])
                upstream = notebook["base_parameters"]["upstream"]
                assert not upstream or {"task_key": upstream} in task["depends_on"]
            else:
                wheel = task["python_wheel_task"]
                assert wheel["package_name"] == "ziya_data"
                assert callable(scripts[wheel["entry_point"]].load())
                registry.get(wheel["parameters"][-1])
        used = set(re.findall(r"\$\{var\.(\w+)\}", yaml.safe_dump(job)))
        assert used <= variables, used - variables
    steps = [
        t["notebook_task"]["base_parameters"]["job"] for t in JOBS["ziya_data_pipeline"]["tasks"]
    ]
    assert [s for s in steps if s != "train-lm"] == registry.steps()


@pytest.fixture(scope="module")
def job_run(spark, reference_corpus, tmp_path_factory):
    """The pipeline job's tasks in order, each the notebook with the task's widgets (the
    job's parameters win over a task's base parameters, as on Databricks). The UC volume
    is a local folder; the tables are catalog tables of the session's catalog."""
    variables = {name: str(v["default"]) for name, v in BUNDLE["variables"].items()}
    variables.update(catalog="spark_catalog", schema=SCHEMA,
                     input=str(reference_corpus / "corpus"),
                     reference=str(reference_corpus / "reference"))  # fmt: skip
    job = resolve(JOBS["ziya_data_pipeline"], variables)
    volumes = tmp_path_factory.mktemp("databricks")
    parameters = {
        p["name"]: p["default"].replace("/Volumes/", f"{volumes}/Volumes/")
        for p in job["parameters"]
    }
    parameters["overrides"] += ";evaluate.fail_on_gate=false"
    values: dict = {}
    for task in job["tasks"]:
        widgets = {**task["notebook_task"]["base_parameters"], **parameters}
        run_notebook(ROOT / task["notebook_task"]["notebook_path"], spark,
                     DBUtils(widgets, values, task["task_key"]))  # fmt: skip
    return values, parameters, job


def test_the_job_passes_results_between_tasks(job_run, delta_route_run):
    values, parameters, job = job_run
    _, local, _ = delta_route_run
    embedded = {step["job"]: step for step in local["steps"]}
    for task in job["tasks"]:
        result = values[(task["task_key"], "result")]
        assert result["job"] == task["notebook_task"]["base_parameters"]["job"]
        if result["job"] in embedded:
            for key in ("rows_in", "kept", "rejected"):
                assert result.get(key) == embedded[result["job"]].get(key), (result["job"], key)
    assert values[("evaluate", "gate")] == embedded["evaluate"]["gate"]
    assert parameters["catalog"] == f"spark_catalog.{SCHEMA}"


def test_the_job_writes_catalog_tables_equal_to_the_embedded_run(spark, job_run, delta_route_run):
    lake, _, _ = delta_route_run
    for name in PIPELINE_TABLES:
        assert spark.catalog.tableExists(f"spark_catalog.{SCHEMA}.{name}"), name
    warehouse = spark.conf.get("spark.sql.warehouse.dir").removeprefix("file:")
    verdicts = compare(f"{warehouse}/{SCHEMA}.db", str(lake), {"run_id"}, set(PIPELINE_TABLES),
                       digits=12)  # fmt: skip
    assert all(v.startswith("same") for v in verdicts.values()), verdicts


def test_a_step_fails_when_its_input_changed_after_the_upstream_task(spark, job_run):
    values, parameters, _ = job_run
    tampered = dict(values)
    ingest = dict(tampered[("ingest", "result")])
    ingest["kept"] += 1  # as if another writer had appended to raw since
    tampered[("ingest", "result")] = ingest
    widgets = {"job": "clean", "upstream": "ingest", **parameters}
    with pytest.raises(RuntimeError, match="changed between the two tasks"):
        run_notebook(ROOT / "notebooks" / "run_job.py", spark, DBUtils(widgets, tampered, "clean"))
