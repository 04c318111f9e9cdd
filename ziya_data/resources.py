"""The files that ship inside the package: the default config, its examples, the word
lists and the topic lexicons. Read through importlib.resources, so they are found the
same way in a source checkout, an installed wheel and a zip on sys.path (spark-submit
--py-files); nothing here assumes they are files on a disk.
"""

from __future__ import annotations

from importlib.resources import files

PACKAGE = "ziya_data"


def conf():
    """The package's conf folder (a Traversable: Path-like, possibly inside a zip)."""
    return files(PACKAGE) / "conf"


def rules():
    """Word lists, <category>.<lang>.txt."""
    return conf() / "rules"


def topics():
    """Topic lexicons, <topic>.<lang>.txt."""
    return conf() / "topics"


def default_config_text() -> str:
    """conf/pipeline.yaml: every key with its default and what it means."""
    return (conf() / "pipeline.yaml").read_text(encoding="utf-8")


def listing() -> list[str]:
    """Every shipped data file, as a path relative to the package (for checks)."""
    out = []

    def walk(node, prefix: str) -> None:
        for entry in sorted(node.iterdir(), key=lambda e: e.name):
            name = f"{prefix}/{entry.name}" if prefix else entry.name
            if entry.is_dir():
                walk(entry, name)
            elif not entry.name.endswith((".py", ".pyc")):
                out.append(name)

    walk(conf(), "conf")
    return out
