"""Reading the pipeline's tables without Spark, with delta-rs's own query engine.

    from ziya_data.lake import read_table, query
    scored = read_table("lake/scored")                       # a pyarrow.Table
    query("lake/rejects", "SELECT step, count(*) AS n FROM t GROUP BY step")

Why not `DeltaTable(path).to_pyarrow_table()`: with deltalake 0.25-1.6 and pyarrow 16-26
(Python 3.11-3.13 alike) that read hands pyarrow a Python-implemented filesystem with
pre-buffered reads, whose I/O threads can still be finishing when the interpreter exits;
the process then aborts ("terminate called without an active exception", exit 134) in
most runs, after the data was read. No released pair of versions avoids it (measured:
README). delta-rs's query engine reads natively and exits cleanly (tested 20 times in
fresh processes).
"""

from __future__ import annotations


def query(path: str, sql: str, storage_options: dict | None = None) -> list[dict]:
    """Run SQL over the Delta table at `path` (named t); rows as dicts."""
    return _execute(path, sql, storage_options).to_pylist()


def read_table(path: str, version: int | None = None, storage_options: dict | None = None,
               columns: list[str] | None = None):  # fmt: skip
    """The table at `path` (at `version`) as a pyarrow.Table."""
    cols = ", ".join(f'"{c}"' for c in columns) if columns else "*"
    return _execute(path, f"SELECT {cols} FROM t", storage_options, version)


def _execute(path: str, sql: str, storage_options=None, version: int | None = None):
    import pyarrow as pa
    from deltalake import DeltaTable, QueryBuilder

    table = DeltaTable(path, version=version, storage_options=storage_options or None)
    return pa.table(QueryBuilder().register("t", table).execute(sql).read_all())
