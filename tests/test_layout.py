"""The tree keeps its conventions: every job module has config, transform, run, main."""

import ast
import importlib

from ziya_data.jobs import cli
from ziya_data.jobs.pipeline import STEPS
from tests.conftest import ROOT


def test_every_available_job_has_the_contract():
    for name, (module_name, _) in cli.JOBS.items():
        module = cli._load(module_name)
        if module is None:
            continue
        # A driver-only command (no Spark) has run_local instead of run.
        runner = "run" if getattr(module, "NEEDS_SPARK", True) else "run_local"
        assert callable(getattr(module, runner, None)), name
        assert callable(getattr(module, "main", None)), name
        if name in STEPS:
            assert callable(getattr(module, "transform", None)) or name == "pipeline", name


def test_udf_modules_do_not_import_pyspark():
    for path in (ROOT / "ziya_data" / "udfs").rglob("*.py"):
        if path.name == "spark_udfs.py":
            continue
        tree = ast.parse(path.read_text())
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not any(n.startswith("pyspark") for n in names), path


def test_airflow_dag_and_notebook_parse_and_name_real_jobs():
    dag = ast.parse((ROOT / "dags" / "ziya_data_pipeline.py").read_text())
    steps = next(
        n.value
        for n in ast.walk(dag)
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "STEPS"
    )
    assert [e.value for e in steps.elts] == [
        "ingest",
        "clean",
        "filter",
        "dedup",
        "score",
        "evaluate",
    ]
    assert set(e.value for e in steps.elts) <= set(cli.JOBS)
    ast.parse((ROOT / "notebooks" / "run_job.py").read_text())
    importlib.import_module("ziya_data.jobs.pipeline")


def test_readme_lists_every_rule():
    from ziya_data.udfs import rules

    readme = (ROOT / "README.md").read_text()
    missing = [name for name in rules.REGISTRY if f"`{name}`" not in readme]
    assert missing == []
    # The whole table, defaults included, is the registry's own (regenerate with rules.rule_table()).
    assert rules.rule_table() in readme
