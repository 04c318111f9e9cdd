import gzip
import json
import os
import subprocess
import sys

from tests.conftest import ROOT, delta_rows
from ziya_data.jobs import cli


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
