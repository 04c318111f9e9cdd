"""Pure-Python text functions of ziya-data (no pyspark import here).

`udfs.spark_udfs` is the one module that wraps them for Spark.
"""


class computed_once:
    """A property computed on first read and then stored on the instance (its later
    reads are plain attribute reads), as functools.cached_property, without the lock
    Python 3.11's takes on each first read: the rules' per-document views compute
    about a million of them per 100 MB of text (0.3 s of the lock alone)."""

    def __init__(self, compute):
        self.compute, self.name, self.__doc__ = compute, compute.__name__, compute.__doc__

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value
