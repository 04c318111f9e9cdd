"""Pure-Python text functions of ziya-data (no pyspark import here).

`udfs.spark_udfs` is the one module that wraps them for Spark.
"""
