"""A local stand-in for what a Databricks notebook is given: `dbutils.widgets` (values a
job task passes win over a widget's default) and `dbutils.jobs.taskValues` (values set by
the job's earlier tasks), and a runner that executes a source-format notebook cell by
cell. Magic cells (`# MAGIC ...`) are comments to Python and are skipped, as Databricks
would run them separately."""

from __future__ import annotations

import json
from pathlib import Path

CELL = "# COMMAND ----------"
TASK_VALUE_LIMIT = 48 * 1024  # bytes of JSON Databricks accepts per task value


class Widgets:
    def __init__(self, values: dict[str, str]):
        self.values = dict(values)
        self.declared: dict[str, str] = {}

    def text(self, name: str, default: str, label: str | None = None) -> None:
        self.declared[name] = default
        self.values.setdefault(name, default)

    def dropdown(self, name: str, default: str, choices, label: str | None = None) -> None:
        if default not in choices:
            raise ValueError(f"widget {name}: default {default!r} is not a choice")
        self.text(name, default)
        if self.values[name] not in choices:
            raise ValueError(f"widget {name}: {self.values[name]!r} is not one of {choices}")

    def get(self, name: str) -> str:
        if name not in self.declared:
            raise ValueError(f"InputWidgetNotDefined: {name}")
        return str(self.values[name])


class TaskValues:
    def __init__(self, store: dict, task_key: str):
        self.store, self.task_key = store, task_key

    def set(self, key: str, value) -> None:
        text = json.dumps(value)  # raises for a value that is not JSON
        if len(text.encode()) > TASK_VALUE_LIMIT:
            raise ValueError(f"task value {key} is {len(text)} bytes, over the limit")
        self.store[(self.task_key, key)] = json.loads(text)

    def get(self, taskKey: str, key: str, default=None, debugValue=None):  # noqa: N803
        if (taskKey, key) in self.store:
            return self.store[(taskKey, key)]
        if default is not None:
            return default
        raise ValueError(f"no task value {key} from task {taskKey}")


class Jobs:
    def __init__(self, store: dict, task_key: str):
        self.taskValues = TaskValues(store, task_key)  # noqa: N815 (Databricks' name)


class DBUtils:
    def __init__(self, widgets: dict[str, str], task_values: dict, task_key: str):
        self.widgets = Widgets(widgets)
        self.jobs = Jobs(task_values, task_key)


def cells(notebook: Path) -> list[str]:
    text = notebook.read_text(encoding="utf-8")
    assert text.startswith("# Databricks notebook source\n"), f"{notebook} is not source format"
    return [cell for cell in text.split(CELL) if cell.strip()]


def run_notebook(notebook: Path, spark, dbutils: DBUtils) -> dict:
    """Execute every cell in one namespace, as a notebook does; the namespace after."""
    namespace = {"spark": spark, "dbutils": dbutils, "__name__": "__main__"}
    for index, cell in enumerate(cells(notebook)):
        exec(compile(cell, f"{notebook.name}[cell {index}]", "exec"), namespace)
    return namespace
