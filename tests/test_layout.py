"""The tree keeps its conventions: every job is declared once and has config, transform,
run and main; the text functions and the Arrow adapters never import pyspark."""

import ast
import dataclasses

from tests.conftest import ROOT
from ziya_data.jobs import registry


def test_every_job_has_the_contract():
    names = [job.name for job in registry.JOBS]
    assert len(names) == len(set(names))
    for job in registry.JOBS:
        module = job.load()
        # A driver-only command (no Spark) has run_local instead of run.
        assert callable(getattr(module, "run" if job.spark else "run_local", None)), job.name
        assert callable(getattr(module, "main", None)), job.name
        if job.step:
            assert callable(getattr(module, "transform", None)), job.name
        if job.config is not None:
            assert dataclasses.is_dataclass(job.config) and job.config.__dataclass_params__.frozen
            fields = {f.name for f in dataclasses.fields(job.config)}
            assert set(job.reads) | set(job.writes) <= fields, job.name
        for used in job.uses:
            assert hasattr(registry.Config(), used), (job.name, used)


def test_root_config_has_a_section_per_job_with_one():
    sections = {f.name for f in dataclasses.fields(registry.Config)}
    expected = {job.section for job in registry.JOBS if job.config is not None}
    assert expected | {"lake", "spark", "tables", "pipeline"} == sections


def test_text_functions_and_adapters_do_not_import_pyspark_or_jobs():
    for folder in ("udfs", "adapters"):
        for path in (ROOT / "ziya_data" / folder).rglob("*.py"):
            tree = ast.parse(path.read_text())
            names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
            names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
            assert not any(n.startswith("pyspark") for n in names), path
            assert not any(n.startswith("ziya_data.jobs") for n in names), path


def test_readme_lists_every_job_and_rule():
    from ziya_data.udfs import rules

    readme = (ROOT / "README.md").read_text()
    # The job and rule tables are the registries' own (regenerate with job_table(), rule_table()).
    assert registry.job_table() in readme
    missing = [name for name in rules.REGISTRY if f"`{name}`" not in readme]
    assert missing == []
    assert rules.rule_table() in readme
