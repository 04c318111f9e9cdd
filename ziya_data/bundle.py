"""The package as one zip for `spark-submit --py-files` (Spark puts a .zip on the
executors' path; a .whl there is not importable). Built from wherever `ziya_data` is
imported from, so an installed wheel can produce it too:

    ziya-data bundle --out dist/        ->  dist/ziya_data-<version>.zip
                                            dist/ziya_data_main.py

and then, with the zip on every node's path and the small main file as the application:

    spark-submit --py-files dist/ziya_data-<version>.zip dist/ziya_data_main.py JOB [options]

The zip holds the package's code and its data files (read through importlib.resources,
which reads inside zips), not its dependencies: those are installed on the cluster's
Python, or shipped as a packed environment with `--archives`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import ziya_data

SKIPPED_DIRS = {"__pycache__"}
SKIPPED_SUFFIXES = (".pyc", ".pyo")


def package_files() -> list[tuple[Path, str]]:
    """(file, name inside the zip) for every file of the package."""
    root = Path(ziya_data.__file__).resolve().parent
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root.parent)
        if path.is_dir() or SKIPPED_DIRS & set(rel.parts) or path.suffix in SKIPPED_SUFFIXES:
            continue
        out.append((path, rel.as_posix()))
    return out


def write_zip(out_dir: str | Path) -> Path:
    """dist/ziya_data-<version>.zip: the package with its data files. Entries get a fixed
    date, so the same sources give the same bytes."""
    out = Path(out_dir) / f"ziya_data-{ziya_data.__version__}.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, name in package_files():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    tmp.replace(out)
    return out


MAIN = '''"""spark-submit entry point of ziya-data: the `ziya-data` command line, run by the
driver with the package from --py-files (written by `ziya-data bundle`)."""

from ziya_data.jobs.cli import main

raise SystemExit(main())
'''


def write_main(out_dir: str | Path) -> Path:
    """dist/ziya_data_main.py: the application file for spark-submit (any job, by name)."""
    out = Path(out_dir) / "ziya_data_main.py"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(MAIN, encoding="utf-8")
    return out


def add_arguments(parser) -> None:
    parser.add_argument(
        "--out", default="dist", metavar="DIR", help="folder for the zip (default dist)"
    )


def run_local(args) -> dict:
    path = write_zip(args.out)
    main = write_main(args.out)
    return {"job": "bundle", "zip": str(path.resolve()), "bytes": path.stat().st_size,
            "main": str(main.resolve())}  # fmt: skip
