import gzip
import json
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, delta_rows
from ziya_data.jobs import cli, session
from ziya_data.jobs.config import SparkConfig


def test_help_and_usage_errors(capsys):
    for argv in (["--help"], ["ingest", "--help"], ["pipeline", "--help"]):
        try:
            cli.main(argv)
        except SystemExit as exc:
            assert exc.code == 0
    out = capsys.readouterr().out
    assert "--set SECTION.KEY=VALUE" in out and "ingest" in out
    try:
        cli.main(["frobnicate"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err
    assert cli.main(["--set", "ingest.texx=1", "ingest"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "ziya-data ingest: error: config key 'ingest.texx' is unknown (from --set ingest.texx=1)"
    ]


def test_failed_job_exits_1_with_one_line(spark, lake, tmp_path, capsys):
    code = cli.main(
        ["--lake", str(lake), "--set", f"ingest.input={tmp_path}/none*.jsonl", "ingest"]
    )
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "matches no files" in err[0]


def test_options_after_the_job_and_pipeline(spark, lake, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"text": "The first document is a plain English sentence about parks."}\n'
        '{"text": "第二篇文档是一段关于城市公园建设的中文句子。"}\n{"text": "ok"}\nnot json\n'
    )
    code = cli.main(
        [
            "pipeline",
            "--lake",
            str(lake),
            "--set",
            f"ingest.input={src}",
            "--set",
            "pipeline.steps=[ingest, clean]",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"] == {"raw": 3, "clean": 2, "rejects": 2}
    assert out["rejects"] == {"ingest": {"malformed_json": 1}, "clean": {"too_short": 1}}


def test_spark_submit_runs_a_job_file(tmp_path):
    """The same job through spark-submit, as on a cluster (here with a local master)."""
    src = tmp_path / "in"
    src.mkdir()
    with gzip.open(src / "web.jsonl.gz", "wt") as fh:
        fh.write('{"text": "submitted one"}\n{"text": "submitted two"}\n')
    lake = tmp_path / "lake"
    submit = os.path.join(os.path.dirname(sys.executable), "spark-submit")
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    proc = subprocess.run(
        [
            submit,
            "--master",
            "local[1]",
            str(ROOT / "ziya_data" / "jobs" / "ingest.py"),
            "--lake",
            str(lake),
            "--set",
            f"ingest.input={src}",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(r["text"] for r in delta_rows(lake / "raw")) == ["submitted one", "submitted two"]


SESSION = """
import json, sys
from ziya_data.jobs.config import SparkConfig
from ziya_data.jobs.session import build
spark = build(SparkConfig(local_master="local[1]", class_archive=sys.argv[1],
                          conf={"spark.driver.extraJavaOptions": sys.argv[2]}))
print(json.dumps({"rows": spark.range(3).count()}))
spark.stop()
"""


def test_the_class_archive_is_written_whole_and_mapped(class_archive, tmp_path):
    """A local run writes the JVM's class-data archive as it exits (the session fixture's
    ingest, when the archive was not there yet: its stdout is still the job's JSON alone)
    and the next maps it: with -Xshare:on a JVM that cannot map its archive does not
    start at all."""
    archive, written = class_archive
    if archive is None:
        pytest.skip("no java binary to name the archive for")
    if written is not None:
        assert json.loads(written.stdout)["kept"] == 1, written.stderr[-2000:]
        assert not list(archive.parent.glob(f"{archive.name}.*.tmp"))
    assert archive.is_file() and archive.stat().st_size > 10_000_000
    env = {k: v for k, v in os.environ.items() if k != "SPARK_SUBMIT_OPTS"}

    def start(path):
        return subprocess.run([sys.executable, "-c", SESSION, str(path), "-Xshare:on"],
                              capture_output=True, text=True, env=env, timeout=300)  # fmt: skip

    mapped = start(archive)
    assert mapped.returncode == 0, mapped.stderr[-2000:]
    assert json.loads(mapped.stdout) == {"rows": 3}
    # The check has teeth: a JVM given a file that is no archive does not start.
    (tmp_path / "bad.jsa").write_bytes(b"not an archive")
    assert start(tmp_path / "bad.jsa").returncode != 0
    # Off (YAML reads a bare off as false).
    for setting in ("off", "false", "none"):
        assert session.class_archive(SparkConfig(class_archive=setting)) is None
    assert session.class_archive(SparkConfig(class_archive=str(archive))) == archive


def test_an_archive_is_moved_into_place_only_when_its_jvm_exited_well(tmp_path):
    """settle_archive closes the JVM's stdin (the gateway exits on EOF), waits, and moves
    the temporary archive into place only after an exit code of 0."""
    for code, kept in ((0, True), (1, False)):
        tmp, path = tmp_path / f"a{code}.jsa.1.tmp", tmp_path / f"a{code}.jsa"
        writer = f"cat > /dev/null; sleep 0.2; printf archive > {tmp}; exit {code}"
        proc = subprocess.Popen(["sh", "-c", writer], stdin=subprocess.PIPE)
        session.settle_archive(proc, tmp, path)
        assert not tmp.exists()
        assert path.is_file() == kept and (not kept or path.read_text() == "archive")


def test_a_reinstalled_spark_names_a_new_archive(tmp_path, monkeypatch):
    """The JVM will not map an archive written against jar files that have changed since
    (a fresh venv: the same Spark, new files), so the archive's name follows the jars."""
    jar = tmp_path / "spark" / "jars" / "spark-core.jar"
    jar.parent.mkdir(parents=True)
    jar.write_bytes(b"classes")
    monkeypatch.setenv("SPARK_HOME", str(tmp_path / "spark"))
    first = session.class_archive(SparkConfig())
    if first is None:
        pytest.skip("no java binary to name the archive for")
    assert session.class_archive(SparkConfig()) == first
    os.utime(jar, (jar.stat().st_atime, jar.stat().st_mtime + 60))
    assert session.class_archive(SparkConfig()) != first


def test_an_archive_no_run_mapped_for_a_month_goes_when_a_new_one_is_written(tmp_path):
    """Archives of installs that are gone do not pile up (about 170 MB each): mapping an
    archive marks it used, and writing a new one removes those unused for 30 days."""
    month_ago = time.time() - 31 * 86400
    gone, in_use = tmp_path / "spark-gone.jsa", tmp_path / "spark-in-use.jsa"
    for old in (gone, in_use):
        old.write_bytes(b"archive")
        os.utime(old, (month_ago, month_ago))
    assert "SharedArchiveFile" in session.class_archive_options(in_use)
    tmp, path = tmp_path / "spark-new.jsa.1.tmp", tmp_path / "spark-new.jsa"
    writer = f"cat > /dev/null; printf archive > {tmp}"
    session.settle_archive(subprocess.Popen(["sh", "-c", writer], stdin=subprocess.PIPE), tmp, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spark-in-use.jsa", "spark-new.jsa"]


JIT_LEVEL = """
from ziya_data.jobs.config import SparkConfig
from ziya_data.jobs.session import build
spark = build(SparkConfig(local_master="local[1]", class_archive="off"))
bean = spark._jvm.java.lang.management.ManagementFactory.getPlatformMXBean(
    spark._jvm.java.lang.Class.forName("com.sun.management.HotSpotDiagnosticMXBean"))
print(bean.getVMOption("TieredStopAtLevel").getValue())
print(bean.getVMOption("ReservedCodeCacheSize").getValue())
spark.stop()
"""


def test_the_embedded_jvm_stops_at_c1_unless_told_full(spark):
    """spark.jit: the embedded driver JVM compiles with C1 alone by default; full keeps
    C2 (the test session is built with full). Both reserve the same room for compiled
    code (C1 alone would reserve 48 MB, which a long session fills: compiling stops)."""
    env = {k: v for k, v in os.environ.items() if k != "SPARK_SUBMIT_OPTS"}
    done = subprocess.run([sys.executable, "-c", JIT_LEVEL], capture_output=True, text=True,
                          env=env, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    level, code_cache = done.stdout.split()[-2:]
    assert level == "1"
    bean = spark._jvm.java.lang.management.ManagementFactory.getPlatformMXBean(
        spark._jvm.java.lang.Class.forName("com.sun.management.HotSpotDiagnosticMXBean")
    )
    assert bean.getVMOption("TieredStopAtLevel").getValue() == "4"
    assert code_cache == bean.getVMOption("ReservedCodeCacheSize").getValue() == str(240 << 20)
