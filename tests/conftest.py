"""One local SparkSession for the whole test session, and small helpers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    """The test session carries Delta's jars, so both table backends run in it; the jobs'
    tests choose delta-rs, the embedded default, unless they ask for another."""
    from ziya_data.jobs.config import SparkConfig, TablesConfig
    from ziya_data.jobs.session import build

    warehouse = tmp_path_factory.mktemp("warehouse")
    session = build(
        SparkConfig(local_master="local[2]", shuffle_partitions=4, driver_memory="2g",
                    conf={"spark.sql.warehouse.dir": str(warehouse)}),
        TablesConfig(backend="delta"),
    )  # fmt: skip
    yield session
    session.stop()


BACKENDS = ("delta-rs", "delta")


def make_config(lake, *overrides: str):
    """The root config with `lake` and --set style overrides (tables.backend delta-rs,
    the embedded default, unless an override says otherwise)."""
    from ziya_data.jobs import config
    from ziya_data.jobs.registry import Config

    return config.load(Config, None, [f"lake={lake}", "tables.backend=delta-rs", *overrides])


@pytest.fixture
def lake(tmp_path):
    return tmp_path / "lake"


def delta_rows(path, sql: str = "SELECT * FROM t") -> list[dict]:
    """Rows of a Delta table read by delta-rs alone (independent of Spark)."""
    from demo.summary import query

    return query(str(path), sql)


def needs_shared_data():
    return pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is not present")
