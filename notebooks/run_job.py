# Databricks notebook source
# MAGIC %md
# MAGIC # ziya-data: run one job (or the whole pipeline)
# MAGIC
# MAGIC The bundle's job (`databricks.yml`) runs this notebook once per step, with the
# MAGIC project's wheel attached as a task library and the step in the widget `job`.
# MAGIC Interactively, install the wheel first (`%pip install /Volumes/<catalog>/<schema>/
# MAGIC <volume>/ziya_data-<version>-py3-none-any.whl`, then `dbutils.library.restartPython()`),
# MAGIC fill in the widgets and run all cells.
# MAGIC
# MAGIC Widgets: `lake` (a `/Volumes/...` path, or any lake URI), `catalog` (`catalog.schema`
# MAGIC of the tables in Unity Catalog; empty: tables are paths under the lake), `config` (a
# MAGIC YAML file), `overrides` (`section.key=value`, one per line or `;`-separated) and
# MAGIC `upstream` (the task key of the step before this one in a job run).
# MAGIC
# MAGIC The job's result is this task's task value `result` (and `gate` for evaluate). A step
# MAGIC checks that it read as many rows as its upstream task wrote: another writer between
# MAGIC the two tasks fails the run instead of passing on other data.

# COMMAND ----------

JOBS = ["ingest", "clean", "train-lm", "filter", "dedup", "score", "evaluate", "pipeline", "status"]
dbutils.widgets.dropdown("job", "pipeline", JOBS)  # noqa: F821 (provided by Databricks)
dbutils.widgets.text("lake", "/Volumes/main/ziya/lake")  # noqa: F821
dbutils.widgets.text("catalog", "main.ziya")  # noqa: F821
dbutils.widgets.text("config", "")  # noqa: F821
dbutils.widgets.text("overrides", "")  # noqa: F821
dbutils.widgets.text("upstream", "")  # noqa: F821

# COMMAND ----------

import json

from ziya_data.jobs import cli, registry

job = dbutils.widgets.get("job")  # noqa: F821
raw_overrides = dbutils.widgets.get("overrides").replace(";", "\n")  # noqa: F821
overrides = [line.strip() for line in raw_overrides.splitlines() if line.strip()]
catalog = dbutils.widgets.get("catalog").strip()  # noqa: F821
if catalog:
    overrides.append(f"tables.catalog={catalog}")
cfg = cli.load_config(
    dbutils.widgets.get("config").strip() or None,  # noqa: F821
    overrides,
    dbutils.widgets.get("lake").strip(),  # noqa: F821
)
upstream_key = dbutils.widgets.get("upstream").strip()  # noqa: F821
# In a job run, the result the task before this one set; None when run by hand.
upstream = (
    dbutils.jobs.taskValues.get(taskKey=upstream_key, key="result", debugValue=None)  # noqa: F821
    if upstream_key
    else None
)

# COMMAND ----------

# `spark` is the notebook's session; the job uses it as it is and never stops it.
result = registry.run(spark, job, cfg)  # noqa: F821
if upstream and "rows_in" in result and "kept" in upstream:
    if result["rows_in"] != upstream["kept"]:
        raise RuntimeError(
            f"{job} read {result['rows_in']} rows, but {upstream['job']} (task {upstream_key}) "
            f"kept {upstream['kept']}: the table changed between the two tasks"
        )
result = json.loads(json.dumps(result, default=str))  # task values hold JSON only
dbutils.jobs.taskValues.set(key="result", value=result)  # noqa: F821
if "gate" in result:
    dbutils.jobs.taskValues.set(key="gate", value=result["gate"])  # noqa: F821
result
