"""Files the workers need (KenLM models, an embedding model's folder) sent to them through
Spark, never read by a path of the driver's: on a cluster the executors do not share the
driver's disk.

`ship(spark, path)` registers a file with Spark (SparkContext.addFile; a folder goes as
an archive, addArchive; Spark Connect and serverless compute take spark.addArtifacts)
and returns a `Shipped` reference to hand to the tasks: on a worker its `local_path()`
is where Spark put the copy (SparkFiles). On a local master the tasks run in this
process, so they read the driver's path and nothing is copied.

Spark registers a name once per session and refuses the same name with other content,
so a file ships under a name made from its path, size and modification time (a hard
link or copy of that name in a staging folder): a model retrained in place ships as a
new file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

_SHIPPED: set[str] = set()


@dataclass(frozen=True)
class Shipped:
    """A file or folder the tasks can read. `name`: what Spark serves it as (None: the
    tasks read `path` itself, as on a local master)."""

    path: str
    name: str | None = None

    def local_path(self) -> str:
        """Where it is where this code runs (on a worker: Spark's copy)."""
        if self.name is None:
            return self.path
        from pyspark import SparkFiles

        return SparkFiles.get(self.name)


def _runs_here(spark) -> bool:
    from ziya_data.jobs.session import is_local

    return is_local(spark)


def ship(spark, path: str) -> Shipped:
    """Make `path` (a file or a folder) readable by every task (module docstring)."""
    source = Path(path)
    if not source.exists():
        raise FileNotFoundError(path)
    if _runs_here(spark):
        return Shipped(str(source))
    stat = source.stat()
    key = f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    name = f"{digest}-{source.name}"
    if name not in _SHIPPED:
        staging = Path(tempfile.gettempdir()) / "ziya-data-shipped"
        staging.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            _register(spark, _archive(source, staging / f"{name}.tar.gz", name), archive=True)
        else:
            _register(spark, _staged_copy(source, staging / name), archive=False)
        _SHIPPED.add(name)
    return Shipped(str(source), name)


def _staged_copy(source: Path, target: Path) -> Path:
    """`source` under its shipping name (Spark serves a file by its own name, a symbolic
    link by its target's): a hard link where the file system allows, else a copy."""
    if not target.exists():
        tmp = target.with_name(target.name + ".tmp")
        tmp.unlink(missing_ok=True)
        try:
            os.link(source, tmp)
        except OSError:  # another file system
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    return target


def _archive(folder: Path, target: Path, name: str) -> Path:
    """The folder as a .tar.gz that Spark unpacks on each worker into a folder `name`."""
    if not target.exists():
        tmp = target.with_suffix(".tmp")
        with tarfile.open(tmp, "w:gz") as tar:
            for item in sorted(folder.iterdir()):
                tar.add(item, arcname=item.name)
        os.replace(tmp, target)
    return target


def _register(spark, path: Path, archive: bool) -> None:
    # An archive is unpacked into a folder named as the archive without ".tar.gz" when
    # given with a #fragment; the fragment is the name SparkFiles.get finds.
    uri = f"{path}#{path.name[: -len('.tar.gz')]}" if archive else str(path)
    try:
        context = spark.sparkContext
    except Exception:  # Spark Connect and serverless compute have no SparkContext
        spark.addArtifacts(uri, archive=archive, file=not archive)
        return
    if archive:
        context.addArchive(uri)
    else:
        context.addFile(uri)
