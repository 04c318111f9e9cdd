"""The package installs and runs from what users ship: a wheel in a fresh virtualenv, and
the --py-files zip on the path. Every data file is found through importlib.resources."""

import json
import subprocess
import sys
import zipfile

from tests.conftest import ROOT
from ziya_data import bundle, resources

# Every shipped data file and its bytes, as a check run in another interpreter prints them.
LIST_RESOURCES = """
import hashlib, json
from importlib.resources import files
import ziya_data, ziya_data.resources as r
found = {}
for name in r.listing():
    entry = files("ziya_data")
    for part in name.split("/"):
        entry = entry / part
    found[name] = hashlib.sha256(entry.read_bytes()).hexdigest()
print(json.dumps({"file": ziya_data.__file__, "resources": found}))
"""


def _source_resources() -> dict[str, str]:
    import hashlib

    conf = ROOT / "ziya_data" / "conf"
    return {
        p.relative_to(ROOT / "ziya_data").as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(conf.rglob("*"))
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }


def test_resources_list_every_data_file_of_the_source_tree():
    expected = _source_resources()
    assert sorted(resources.listing()) == sorted(expected)
    assert {"conf/pipeline.yaml", "conf/rules/gambling.zh.txt", "conf/topics/sports.en.txt"} <= set(
        expected
    )


def test_wheel_installs_in_a_fresh_venv_and_finds_every_resource(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    (wheel,) = wheels.glob("ziya_data-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "ziya_data/conf/pipeline.yaml" in names and "ziya_data/jobs/log4j2.properties" in names
    assert not any(n.startswith(("jobs/", "udfs/", "tests/")) for n in names)  # no top-level clash
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    out = subprocess.run(
        [str(python), "-c", LIST_RESOURCES], check=True, capture_output=True, text=True,
        cwd=tmp_path,
    )  # fmt: skip
    found = json.loads(out.stdout)
    assert found["file"].startswith(str(venv))
    assert found["resources"] == _source_resources()


def test_the_py_files_zip_runs_the_cli_and_finds_every_resource(tmp_path):
    archive = bundle.write_zip(tmp_path / "dist")
    assert archive.name == f"ziya_data-{__import__('ziya_data').__version__}.zip"
    # The zip first on the path, as spark-submit --py-files puts it on the executors'.
    script = f"import sys; sys.path.insert(0, {str(archive)!r})\n" + LIST_RESOURCES
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    found = json.loads(out.stdout)
    assert found["file"].startswith(str(archive))
    assert found["resources"] == _source_resources()
    # The job code runs from it too: the CLI prints the default config from the zipped YAML's values.
    cli = (
        f"import sys; sys.path.insert(0, {str(archive)!r})\n"
        "from ziya_data.jobs import cli, registry\n"
        "assert registry.__file__.startswith(sys.path[0]), registry.__file__\n"
        "raise SystemExit(cli.main(['config', '--set', 'clean.min_chars=7']))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", cli], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    assert "min_chars: 7" in out.stdout and "lake: ./lake" in out.stdout
    # Same sources, same bytes (entries carry a fixed date).
    assert bundle.write_zip(tmp_path / "again").read_bytes() == archive.read_bytes()
