"""The one SparkSession builder.

It never sets a master that spark-submit or Databricks already chose; only when
none is set does it start the embedded default (`spark.local_master`). The
session is stopped on exit only if this code started it, so tests and notebooks
that own a session keep it. The embedded driver JVM maps a class-data archive its first
run wrote (`spark.class_archive`), and so starts a few seconds sooner.

The embedded session also brings what the config asks for from the jars `make setup`
fetched into <venv>/jars: Delta Lake's when `tables.backend` is `delta` (or tables are
catalog names), Spark's S3 connector when the lake is on S3, with the endpoint and
credentials of `tables.storage_options` (or the AWS_* environment). A cluster brings its
own (spark-submit --jars or --packages, Databricks).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from ziya_data.jobs.config import ConfigError, SparkConfig, TablesConfig

# Settings every session needs (DESIGN.md §5-6): timestamps delta-rs can read,
# Arrow transfer for Python UDFs, no _SUCCESS markers inside Delta batch folders.
REQUIRED_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
    "spark.hadoop.parquet.summary.metadata.level": "NONE",
    # Arrow batches of 1,000 documents (default 10,000): the JVM reads and converts the
    # next batch while Python works on this one (score: 45 s instead of 54 s on 108 MB).
    "spark.sql.execution.arrow.maxRecordsPerBatch": "1000",
    # A frame held by persist (tables.materialize on a cluster) has its shuffles coalesced
    # by adaptive execution like any other query; otherwise it keeps
    # spark.sql.shuffle.partitions (200 by default) partitions, and every later stage on
    # it runs that many tasks and a write makes that many files (305 lines ingested with a
    # cluster's settings: 200 tasks a stage, 150 files; with this, one file).
    "spark.sql.optimizer.canChangeCachedPlanOutputPartitioning": "true",
}


def _on_databricks() -> bool:
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


def _master_preset() -> bool:
    """True when spark-submit, Databricks or the environment chose the master already."""
    return (
        _on_databricks()
        or bool(os.environ.get("MASTER"))
        or "--master" in os.environ.get("PYSPARK_SUBMIT_ARGS", "")
        # spark-submit starts the Python driver with its gateway already running.
        or "PYSPARK_GATEWAY_PORT" in os.environ
    )


def _active_session():
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession()


def local_cores(master: str) -> int:
    """Cores of a local master URL: local, local[N], local[*], local[N,F]."""
    m = re.fullmatch(r"local(?:\[(\*|\d+)(?:,\d+)?\])?", master.strip())
    if m is not None and m.group(1) is None:
        return 1  # "local"
    if m is None or m.group(1) == "*":
        return os.cpu_count() or 1
    return int(m.group(1))


def is_local(spark) -> bool:
    """True when `spark` runs on a local master (driver and executor in one process)."""
    try:
        return spark.sparkContext.master.startswith("local")
    except Exception:  # Spark Connect and serverless have no SparkContext
        return False


def jar_folder(name: str) -> Path:
    """<venv>/jars/<name>: jars make setup fetched with Maven (tools/fetch-jars.sh)."""
    return Path(sys.prefix) / "jars" / name


def project_jars(name: str) -> list[str]:
    jars = sorted(str(p) for p in jar_folder(name).glob("*.jar"))
    if not jars:
        raise ConfigError(
            f"the {name} jars are not in {jar_folder(name)}: run `make setup` (it fetches "
            "them with Maven), or start Spark with them yourself"
        )
    return jars


DELTA_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    # A table's state is rebuilt in this many tasks (default 50: 50 tasks for every
    # small table read on one machine).
    "spark.databricks.delta.snapshotPartitions": "2",
}


def _uses_s3(lake: str) -> bool:
    return lake.split("://", 1)[0].lower() in ("s3", "s3a") if "://" in lake else False


# tables.storage_options (delta-rs's names) -> Spark's s3a settings.
_S3A_OPTIONS = {
    "AWS_ENDPOINT_URL": "fs.s3a.endpoint",
    "AWS_ACCESS_KEY_ID": "fs.s3a.access.key",
    "AWS_SECRET_ACCESS_KEY": "fs.s3a.secret.key",
    "AWS_SESSION_TOKEN": "fs.s3a.session.token",
    "AWS_REGION": "fs.s3a.endpoint.region",
}


def s3_conf(storage_options: dict[str, str]) -> dict[str, str]:
    """Spark settings for s3:// and s3a:// paths from the same options delta-rs gets (the
    AWS_* environment fills what they leave out)."""
    options = {k: os.environ[k] for k in _S3A_OPTIONS if k in os.environ}
    options |= {k.upper(): str(v) for k, v in storage_options.items()}
    conf = {
        "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3a.path.style.access": "true",
    }
    conf |= {f"spark.hadoop.{_S3A_OPTIONS[k]}": v for k, v in options.items() if k in _S3A_OPTIONS}
    if "AWS_ACCESS_KEY_ID" in options:
        conf["spark.hadoop.fs.s3a.aws.credentials.provider"] = (
            "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
        )
    return conf


def embedded_conf(tables: TablesConfig | None, lake: str) -> dict[str, str]:
    """What the embedded session needs for this config: Delta's jars and settings, the S3
    connector (see the module docstring)."""
    conf: dict[str, str] = {}
    jars: list[str] = []
    if tables is not None and (tables.backend == "delta" or tables.catalog):
        jars += project_jars("delta")
        conf |= DELTA_CONF
    if _uses_s3(lake):
        jars += project_jars("s3")
        conf |= s3_conf(tables.storage_options if tables else {})
        # S3A's default buffer is a file on the local filesystem, which it must be able to
        # cast to Hadoop's checksummed LocalFileSystem; the embedded session's is the raw
        # one (build), so the buffer is memory: its blocks (fs.s3a.multipart.size each,
        # at most fs.s3a.fast.upload.active.blocks per stream) bound what it holds.
        conf["spark.hadoop.fs.s3a.fast.upload.buffer"] = "bytebuffer"
    if jars:
        conf["spark.jars"] = ",".join(jars)
    return conf


# The driver JVM's class-data archive (Java's dynamic CDS): the classes a run loaded, which
# later JVMs map instead of loading and verifying again (a local session started in 3.9 s
# instead of 6.4, and its first query took 1.9 s instead of 3.2).
# Its warnings (classes it skips) would go to the JVM's stdout, a job's JSON: silenced.
# Java before 13 does not know the options and ignores them.
_QUIET_ARCHIVE = "-XX:+IgnoreUnrecognizedVMOptions -Xlog:cds=off -Xlog:cds+dynamic=off"
_STALE_SECONDS = 3600  # a temporary archive this old was left by a killed run
# Each install writes its own archive (~170 MB); one no run has mapped for this long
# belongs to an install that is gone, and goes when a new archive is written.
_UNUSED_SECONDS = 30 * 86400


def _java() -> Path | None:
    """The java that spark-class starts: $JAVA_HOME/bin/java, else java on the PATH."""
    home = os.environ.get("JAVA_HOME")
    found = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    return Path(found).resolve() if found and Path(found).is_file() else None


def _classpath_identity(spark_home: Path) -> str:
    """Name, size and modification time of every jar on the driver's class path: the JVM
    refuses an archive when any of them differs from when it was written (a reinstalled
    venv has the same Spark in new files)."""
    jars = sorted((spark_home / "jars").glob("*.jar"))
    return ";".join(f"{j.name}:{j.stat().st_size}:{j.stat().st_mtime_ns}" for j in jars)


def class_archive(cfg: SparkConfig) -> Path | None:
    """Where the embedded driver's class-data archive is (spark.class_archive): auto is a
    file in the user's cache named for this java binary and this Spark's jar files, so
    another Java, Spark or install never meets an archive it cannot map; None: off, or no
    java found."""
    setting = cfg.class_archive.strip()
    if setting.lower() in ("", "off", "false", "none"):  # YAML reads a bare off as false
        return None
    if setting != "auto":
        return Path(setting).expanduser().resolve()
    import pyspark

    java = _java()
    if java is None:
        return None
    spark_home = Path(os.environ.get("SPARK_HOME") or Path(pyspark.__file__).parent).resolve()
    stat = java.stat()
    identity = (
        f"{java}|{stat.st_size}|{stat.st_mtime_ns}|{spark_home}|{pyspark.__version__}|"
        + _classpath_identity(spark_home)
    )
    key = hashlib.sha256(identity.encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "ziya-data" / "jvm" / f"spark-{pyspark.__version__}-{key}.jsa"


def class_archive_options(path: Path) -> str:
    """Driver JVM options: map the archive at `path`; while there is none, write one as
    the JVM exits, under a temporary name this process moves into place once the JVM is
    done (at exit), so no JVM ever maps half a file. "" when the folder cannot be made."""
    if path.is_file():
        with contextlib.suppress(OSError):
            os.utime(path)  # in use: see _UNUSED_SECONDS
        return f"{_QUIET_ARCHIVE} -XX:SharedArchiveFile={shlex.quote(str(path))}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob(f"{path.name}.*.tmp"):
            if time.time() - stale.stat().st_mtime > _STALE_SECONDS:
                stale.unlink(missing_ok=True)
    except OSError:
        return ""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    atexit.register(lambda: settle_archive(_gateway_process(), tmp, path))
    return f"{_QUIET_ARCHIVE} -XX:ArchiveClassesAtExit={shlex.quote(str(tmp))}"


def _gateway_process():
    from pyspark import SparkContext

    return getattr(SparkContext._gateway, "proc", None)


def settle_archive(proc, tmp: Path, path: Path) -> None:
    """At exit: let the JVM `proc` finish (the gateway JVM exits when its stdin closes, and
    writes the archive as it goes), then move the archive into place if it exited well."""
    if proc is not None and proc.poll() is None:
        with contextlib.suppress(OSError):
            proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=120)
    if proc is not None and proc.returncode == 0 and tmp.is_file():
        with contextlib.suppress(OSError):
            os.replace(tmp, path)
            for other in path.parent.glob("*.jsa"):
                if other != path and time.time() - other.stat().st_mtime > _UNUSED_SECONDS:
                    other.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)


# The embedded JVM's compilers. On 2 cores the JVM shares the machine with the Python
# workers that do the per-document work, and C2's compile threads take CPU from them for
# code that mostly moves rows between Arrow and Spark: at C1 alone the real 100 MB
# pipeline took 0.80x the wall time (99 s against 120), its dedup 0.88x; at 585 MB the
# two were about even (462 s against 450), so big local runs may ask for full. At C1
# alone the JVM reserves 48 MB for compiled code instead of 240, and a session that runs
# many queries (a notebook) outgrows it: in a second real 100 MB pipeline in one session
# the JVM threw away half its compiled code at 43-45 MB and compiled it again (dedup
# 9.3-9.7 s against 6.5-7.9 s), and once 12 warm dedups filled it and the JVM stopped
# compiling for good ("CodeCache is full. Compiler has been disabled"). So C1 gets the
# full JIT's reservation (address space; memory is used only as code is compiled).
JIT_OPTIONS = {"c1": "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m", "full": ""}

_APPENDED = {"spark.jars": ",", "spark.driver.extraJavaOptions": " "}


def build(cfg: SparkConfig, tables: TablesConfig | None = None, lake: str = ""):
    """Return a SparkSession for `cfg`, reusing the active one if there is one. `tables`
    and `lake` say what the embedded session must bring (embedded_conf)."""
    from pyspark.sql import SparkSession

    active = _active_session()
    if active is not None:
        for key, value in {**REQUIRED_CONF, **cfg.conf}.items():
            with contextlib.suppress(Exception):  # some keys are static; fine if already set
                active.conf.set(key, value)
        return active

    # Workers must run the interpreter that runs the driver (DESIGN.md §6).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(cfg.app_name)
    local = not _master_preset()
    if local:
        log4j = Path(__file__).with_name("log4j2.properties")  # installed as a file
        archive = class_archive(cfg)
        java_options = f"-Dlog4j2.configurationFile=file:{log4j} {JIT_OPTIONS[cfg.jit]}"
        if archive is not None:
            java_options += f" {class_archive_options(archive)}"
        builder = (
            builder.master(cfg.local_master)
            .config("spark.driver.memory", cfg.driver_memory)
            .config(
                "spark.sql.shuffle.partitions",
                str(cfg.shuffle_partitions or local_cores(cfg.local_master)),
            )
            # Text steps spend their time in per-row Python work: smaller input splits,
            # and at least 4 per core, keep every local core busy to the end (3 splits
            # on 2 cores leave one core idle for a third of the run).
            .config("spark.sql.files.maxPartitionBytes", "32m")
            .config("spark.sql.files.minPartitionNum", str(4 * local_cores(cfg.local_master)))
            # Adaptive execution re-plans a query at every shuffle. On one machine, with a
            # shuffle partition per core, it has nothing to coalesce or split, and the
            # re-planning cost dedup's graph (dozens of small queries over keys) about 3 s
            # of 18 and a sixth of the JVM's CPU on the 100k bench. Clusters keep it
            # (skewed joins); `spark.conf` can turn it back on here.
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.ui.enabled", "false")
            # Local files without Hadoop's .crc side files: it builds their names as
            # relative URIs, which fails for a file named a:b.jsonl.
            .config("spark.hadoop.fs.file.impl", "org.apache.hadoop.fs.RawLocalFileSystem")
            .config("spark.ui.showConsoleProgress", "false")
        )
        extra = {**embedded_conf(tables, lake), "spark.driver.extraJavaOptions": java_options}
    else:
        extra = {}
    # Settings that are lists: the user's (spark.conf) are appended to ours rather than put
    # in their place (of two Java options the JVM takes the last, so the user's win).
    for key, separator in _APPENDED.items():
        if key in extra and cfg.conf.get(key):
            extra[key] += separator + cfg.conf[key]
    # The log level from the start (Spark applies it when the context starts), on a
    # cluster too: spark-submit's default prints hundreds of INFO lines a job.
    settings = {**REQUIRED_CONF, "spark.log.level": cfg.log_level, **extra}
    for key, value in {**settings, **{k: v for k, v in cfg.conf.items() if k not in extra}}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


@contextlib.contextmanager
def session_settings(spark, settings: dict[str, str], skip_refused: bool = False) -> Iterator:
    """Spark settings of `spark` changed for the length of a block, then back as they
    were (unset if they were not set). skip_refused: a setting the session refuses
    (Databricks serverless allows only some) is left as it is instead of failing."""
    before = {key: spark.conf.get(key, None) for key in settings}
    changed = {}  # what to put back: also when a later setting is refused and raises
    try:
        for key, value in settings.items():
            try:
                spark.conf.set(key, value)
            except Exception:
                if not skip_refused:
                    raise
                continue
            changed[key] = before[key]
        yield
    finally:
        for key, value in changed.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


@contextlib.contextmanager
def session(cfg: SparkConfig, tables: TablesConfig | None = None, lake: str = "") -> Iterator:
    """A session for the length of a job; stopped afterwards if we started it."""
    owned = _active_session() is None
    spark = build(cfg, tables, lake)
    try:
        yield spark
    finally:
        if owned and not _on_databricks():
            spark.stop()
