"""ziya-data: the Ziya2 data pipeline (clean, filter, dedup, score, evaluate) as PySpark
jobs over Delta tables.

Subpackages: `jobs` (one module per spark-submit job and the runtime they share),
`adapters` (the Arrow batch functions the jobs hand to Spark), `udfs` (plain-Python text
functions, no pyspark), and `conf` (the default config, word lists and topic lexicons,
read with importlib.resources).
"""

__version__ = "0.2.0"
