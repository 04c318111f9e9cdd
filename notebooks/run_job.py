# Databricks notebook source
# MAGIC %md
# MAGIC # ziya-data: run one job (or the whole pipeline)
# MAGIC
# MAGIC Install the project on the cluster first (a wheel built with `pip wheel .`, or
# MAGIC `%pip install /Workspace/.../ziya-data`). Databricks provides Delta, so tables are
# MAGIC written with `format("delta")`. Fill in the widgets and run all cells.

# COMMAND ----------

dbutils.widgets.dropdown(  # noqa: F821 (provided by Databricks)
    "job", "pipeline", ["ingest", "clean", "filter", "dedup", "score", "evaluate", "train-lm", "pipeline"]
)
dbutils.widgets.text("lake", "dbfs:/ziya-data/lake")  # noqa: F821
dbutils.widgets.text("config", "")  # noqa: F821
dbutils.widgets.text("overrides", "")  # noqa: F821  one section.key=value per line or ';'

# COMMAND ----------

from ziya_data.jobs import config, registry

job = dbutils.widgets.get("job")  # noqa: F821
raw_overrides = dbutils.widgets.get("overrides").replace(";", "\n")  # noqa: F821
overrides = [line.strip() for line in raw_overrides.splitlines() if line.strip()]
overrides.append(f"lake={dbutils.widgets.get('lake')}")  # noqa: F821
cfg = config.load(registry.Config, dbutils.widgets.get("config") or None, overrides)  # noqa: F821

# COMMAND ----------

# `spark` is the notebook's session; the job uses it as it is and never stops it.
result = registry.run(spark, job, cfg)  # noqa: F821
result
