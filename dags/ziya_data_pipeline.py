"""Airflow DAG: the ziya-data steps as spark-submit tasks, one after another.

Copy this file to the DAGs folder of an Airflow that can reach `spark-submit`, and set
the Airflow Variables `ziya_data_home` (a checkout or installed copy of the project),
`ziya_data_lake` (the lake URI) and optionally `ziya_data_master` and `ziya_data_config`.
Each task is `spark-submit ziya_data/jobs/<step>.py`, so a failed step fails its task (exit 1)
and a re-run replaces what that step wrote before.
"""

from __future__ import annotations

import pendulum
from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator

STEPS = ["ingest", "clean", "filter", "dedup", "score", "evaluate"]


def submit_command(step: str) -> str:
    home = Variable.get("ziya_data_home", default_var="/opt/ziya-data")
    lake = Variable.get("ziya_data_lake", default_var="/data/ziya-lake")
    master = Variable.get("ziya_data_master", default_var="yarn")
    config = Variable.get("ziya_data_config", default_var="")
    config_arg = f"--config {config} " if config else ""
    return f"spark-submit --master {master} {home}/ziya_data/jobs/{step}.py {config_arg}--lake {lake}"


with DAG(
    dag_id="ziya_data_pipeline",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["ziya-data", "llm-data"],
) as dag:
    previous = None
    for step in STEPS:
        task = BashOperator(task_id=step, bash_command=submit_command(step))
        if previous is not None:
            previous >> task
        previous = task
