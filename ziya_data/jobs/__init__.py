"""ziya-data jobs: one module per spark-submit job, plus the runtime they share
(config, session, tables, runtime, cli)."""
