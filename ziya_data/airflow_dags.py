"""Airflow 3: the pipeline as a DAG of spark-submit tasks, built by the Spark provider's
`SparkSubmitOperator` (apache-airflow-providers-apache-spark).

A DAG file in the DAGs folder needs two lines:

    from ziya_data.airflow_dags import pipeline_dag
    dag = pipeline_dag()

Each task is `spark-submit <application> --lake ... [--config ...] [--set ...] JOB` on the
Spark connection `conn_id` (its host is the master: `spark://HOST:7077`, `yarn`, `local[2]`).
The settings are templated, so a run takes them from its params, and the params' defaults
from Airflow Variables:

    ziya_data_lake         the lake URI (absolute: a task's working folder is not yours)
    ziya_data_config       a YAML config file on the Airflow worker (optional)
    ziya_data_application  the driver file (`ziya-data bundle` writes ziya_data_main.py)
    ziya_data_py_files     the bundle zip for --py-files (optional when the cluster's
                           Python has the package installed)

Params `lake`, `config`, `master` (empty: the connection's) and `overrides` (a list of
`section.key=value`) override them per run (`airflow dags trigger --conf`). Each task
returns the job's JSON result, so it is the task's XCom `return_value`.

This module imports only Airflow and the job registry, never pyspark.
"""

from __future__ import annotations

import ast
import json
import tempfile
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pendulum
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import DAG, Param

from ziya_data.jobs import registry

LAKE = "{{ params.lake or var.value.get('ziya_data_lake', '') }}"
CONFIG = "{{ params.config or var.value.get('ziya_data_config', '') }}"
MASTER = "{{ params.master }}"
APPLICATION = "{{ var.value.get('ziya_data_application', 'ziya_data_main.py') }}"
PY_FILES = "{{ var.value.get('ziya_data_py_files', '') }}"


class ZiyaDataSubmitOperator(SparkSubmitOperator):
    """spark-submit one ziya-data job; its JSON result is the task's return value.

    `lake`, `config_file`, `overrides` and `master` are templated. The job's driver writes
    its result with `--result-file` to a file of this worker, so the driver must run here
    (client deploy mode, the default for Python applications)."""

    template_fields: Sequence[str] = (
        *SparkSubmitOperator.template_fields,
        "lake",
        "config_file",
        "overrides",
        "master",
    )

    def __init__(
        self,
        *,
        job: str,
        lake: str = LAKE,
        config_file: str = CONFIG,
        overrides: Sequence[str] | str = "{{ params.overrides }}",
        master: str = MASTER,
        **kwargs: Any,
    ) -> None:
        registry.get(job)  # an unknown job fails when the DAG is parsed, not when it runs
        kwargs.setdefault("name", f"ziya-data {job}")
        super().__init__(**kwargs)
        self.job = job
        self.lake = lake
        self.config_file = config_file
        self.overrides = overrides
        self.master = master

    def job_arguments(self, result_file: str) -> list[str]:
        """The job's command line after the application, from the rendered settings."""
        lake = (self.lake or "").strip()
        if not lake:
            raise ValueError(
                "no lake: set the Airflow Variable ziya_data_lake or the run's param 'lake'"
            )
        if "://" not in lake and not lake.startswith("/"):
            raise ValueError(
                f"lake '{lake}' is relative: a task runs in a folder of Airflow's choosing; "
                "give an absolute path or a URI"
            )
        args = ["--lake", lake]
        if (self.config_file or "").strip():
            args += ["--config", self.config_file.strip()]
        for override in _as_list(self.overrides):
            args += ["--set", override]
        return [*args, "--result-file", result_file, self.job]

    def _get_hook(self):
        hook = super()._get_hook()
        master = (self.master or "").strip()
        if master:  # the run's param wins over the connection's host
            hook._connection["master"] = master
            hook._is_yarn = "yarn" in master
            hook._is_kubernetes = "k8s" in master
        return hook

    def execute(self, context) -> dict:
        with tempfile.TemporaryDirectory(prefix="ziya-data-") as tmp:
            result_file = str(Path(tmp) / "result.json")
            self.application_args = self.job_arguments(result_file)
            self.py_files = self.py_files or None
            super().execute(context)
            path = Path(result_file)
            if not path.is_file():
                raise RuntimeError(
                    f"ziya-data {self.job} wrote no result: was the driver run elsewhere "
                    "(cluster deploy mode)?"
                )
            return json.loads(path.read_text(encoding="utf-8"))


def _as_list(value) -> list[str]:
    """Overrides as rendered: a list, or the text of one (a template renders to str)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            value = ast.literal_eval(text)  # a rendered list is its Python repr
        else:
            value = text.replace(";", "\n").splitlines()
    return [str(item).strip() for item in value if str(item).strip()]


def pipeline_dag(
    dag_id: str = "ziya_data_pipeline",
    *,
    conn_id: str = "spark_default",
    steps: Sequence[str] | None = None,
    train_lm: bool = True,
    schedule: str | None = "@daily",
    start_date=None,
    retries: int = 2,
    retry_delay: timedelta = timedelta(minutes=5),
    application: str = APPLICATION,
    py_files: str = PY_FILES,
    spark_conf: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    **dag_kwargs: Any,
) -> DAG:
    """The pipeline's steps as a chain of ZiyaDataSubmitOperator tasks, with `train-lm`
    (when `train_lm`) beside ingest and clean, before filter: the filter scores with the
    models it trains."""
    steps = list(steps or registry.steps())
    for step in steps:
        registry.get(step)
    default_params = {
        "lake": Param("", type="string", description="lake URI (default: Variable ziya_data_lake)"),
        "config": Param("", type="string", description="YAML config file on the worker"),
        "master": Param("", type="string", description="Spark master (default: the connection's)"),
        "overrides": Param([], type="array", description="section.key=value settings"),
        **(params or {}),
    }
    dag = DAG(
        dag_id=dag_id,
        schedule=schedule,
        start_date=start_date or pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,  # two runs would write the same tables
        params=default_params,
        default_args={"retries": retries, "retry_delay": retry_delay},
        tags=["ziya-data", "llm-data"],
        **dag_kwargs,
    )

    def task(job: str) -> ZiyaDataSubmitOperator:
        return ZiyaDataSubmitOperator(
            task_id=job.replace("-", "_"),
            job=job,
            conn_id=conn_id,
            application=application,
            py_files=py_files,
            conf=dict(spark_conf or {}),
            dag=dag,
        )

    tasks = {step: task(step) for step in steps}
    for before, after in zip(steps, steps[1:]):
        tasks[before] >> tasks[after]
    if train_lm and "filter" in tasks:
        task("train-lm") >> tasks["filter"]
    return dag
