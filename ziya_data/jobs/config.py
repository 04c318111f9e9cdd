"""The one config loader: YAML (safe_load) into frozen, typed dataclasses.

Every section is a frozen dataclass whose defaults are the embedded default
(`ziya_data/conf/pipeline.yaml` documents the same values and a test keeps the two
equal).
Unknown keys, wrong types and out-of-range values raise `ConfigError` naming the
key. `--set section.key=value` overrides are parsed as YAML scalars.

Field metadata understood by the loader:
  min / max   numeric bounds (inclusive)
  choices     allowed values (for a list field: allowed items)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import types
import typing
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """A user-fixable config problem; the CLI prints it on one line and exits 2."""


def option(default: Any = dataclasses.MISSING, *, doc: str = "", **checks: Any) -> Any:
    """A dataclass field with validation metadata (min, max, choices)."""
    meta = {"doc": doc, **checks}
    if isinstance(default, (list, dict)):
        value = default
        return dataclasses.field(default_factory=lambda: type(value)(value), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


# ---------------------------------------------------------------- runtime sections


@dataclasses.dataclass(frozen=True)
class SparkConfig:
    app_name: str = "ziya-data"
    # Used only when nothing else (spark-submit, Databricks) has set a master.
    local_master: str = "local[*]"
    # Applied only to the embedded local session (a cluster sizes its own driver).
    driver_memory: str = "4g"
    # 0: one per local core.
    shuffle_partitions: int = option(0, min=0)
    log_level: str = option("WARN", choices=["ERROR", "WARN", "INFO", "DEBUG"])
    conf: dict[str, str] = option({})
    # The embedded driver JVM's class-data archive (session.class_archive): auto (a file in
    # the user's cache, written by the first run), off, or a path.
    class_archive: str = "auto"
    # The embedded driver JVM's just-in-time compilers (session.JIT_OPTIONS): c1, the quick
    # compiler alone, or full (C1 then C2).
    jit: str = option("c1", choices=["c1", "full"])

    def validate(self) -> None:
        if not re.fullmatch(r"\d+[kmgtp]?b?", self.driver_memory.strip(), re.IGNORECASE):
            raise ConfigError(
                f"config key 'spark.driver_memory' is {self.driver_memory!r}; give a size "
                "such as 4g or 2048m"
            )
        if not re.fullmatch(r"local(\[(\*|\d+)(,\d+)?\])?", self.local_master.strip()):
            raise ConfigError(
                f"config key 'spark.local_master' is {self.local_master!r}; the embedded "
                "default takes local, local[N] or local[*] (a cluster's master comes from "
                "spark-submit --master)"
            )


@dataclasses.dataclass(frozen=True)
class TablesConfig:
    # auto: Spark's own Delta when its jars are present, else delta-rs commits.
    backend: str = option("auto", choices=["auto", "delta", "delta-rs"])
    rejects: str = "rejects"
    # How a step's result is held while kept rows and rejects are written from it
    # (jobs.runtime.holding).
    materialize: str = option("auto", choices=["auto", "checkpoint", "persist", "none"])
    # Options of the object store for delta-rs (its names: AWS_ENDPOINT_URL,
    # AWS_ACCESS_KEY_ID, AZURE_STORAGE_ACCOUNT_NAME, GOOGLE_SERVICE_ACCOUNT...); the
    # embedded session gives the S3 ones to Spark's s3a too. The environment fills the rest.
    storage_options: dict[str, str] = option({})
    # A catalog and schema (e.g. main.ziya): table names become <catalog>.<schema>.<name>,
    # read with spark.table and written with saveAsTable (the Delta-jar route). Empty: paths
    # under the lake.
    catalog: str = ""

    def validate(self) -> None:
        if self.catalog and self.backend == "delta-rs":
            raise ConfigError(
                "config key 'tables.catalog' needs Spark's own Delta (tables.backend auto or "
                "delta): delta-rs writes paths, not catalog tables"
            )
        if self.catalog and not re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)?", self.catalog):
            raise ConfigError(
                f"config key 'tables.catalog' is {self.catalog!r}; give schema or catalog.schema"
            )


# ---------------------------------------------------------------- loading


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))


def _coerce(value: Any, tp: Any, key: str, meta: typing.Mapping[str, Any]) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise ConfigError(f"config key '{key}' must be a mapping, got {value!r}")
        return from_dict(tp, value, key)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _coerce(value, args[0], key, meta)
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"config key '{key}' must be a list, got {value!r}")
        (item_tp,) = typing.get_args(tp)
        items = [_coerce(v, item_tp, f"{key}[{i}]", {}) for i, v in enumerate(value)]
        allowed = meta.get("choices")
        for item in items:
            if allowed is not None and item not in allowed:
                raise ConfigError(
                    f"config key '{key}' has {item!r}; allowed: {', '.join(map(str, allowed))}"
                )
        return items
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"config key '{key}' must be a mapping, got {value!r}")
        _, val_tp = typing.get_args(tp)
        return {str(k): _coerce(v, val_tp, f"{key}.{k}", {}) for k, v in value.items()}
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if tp is str and isinstance(value, bool):  # YAML reads true as a bool: "true" here
        value = "true" if value else "false"
    elif tp is str and isinstance(value, (int, float)):
        value = str(value)
    if tp is typing.Any:
        return value
    if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
        raise ConfigError(f"config key '{key}' must be {_type_name(tp)}, got {value!r}")
    if "min" in meta and value < meta["min"]:
        raise ConfigError(f"config key '{key}' is {value}, below the minimum {meta['min']}")
    if "max" in meta and value > meta["max"]:
        raise ConfigError(f"config key '{key}' is {value}, above the maximum {meta['max']}")
    if "choices" in meta and value not in meta["choices"]:
        raise ConfigError(
            f"config key '{key}' is {value!r}; allowed: {', '.join(map(str, meta['choices']))}"
        )
    return value


def from_dict(cls: type, data: dict, prefix: str = "") -> Any:
    """Build dataclass `cls` from a mapping, refusing unknown keys."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields:
            where = f"{prefix}.{key}" if prefix else str(key)
            raise ConfigError(f"config key '{where}' is unknown (known here: {', '.join(fields)})")
    kwargs = {}
    for name, f in fields.items():
        key = f"{prefix}.{name}" if prefix else name
        if name in data:
            kwargs[name] = _coerce(data[name], hints[name], key, f.metadata)
        elif dataclasses.is_dataclass(hints[name]):
            kwargs[name] = from_dict(hints[name], {}, key)
    obj = cls(**kwargs)
    check = getattr(obj, "validate", None)
    if check is not None:
        check()
    return obj


def to_dict(obj: Any) -> Any:
    return dataclasses.asdict(obj)


def _apply_override(data: dict, cls: type, assignment: str) -> None:
    if "=" not in assignment:
        raise ConfigError(f"--set needs section.key=value, got {assignment!r}")
    path, raw = assignment.split("=", 1)
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    parts = path.strip().split(".")
    node, node_cls = data, cls
    for i, part in enumerate(parts):
        hints = typing.get_type_hints(node_cls) if dataclasses.is_dataclass(node_cls) else {}
        if part not in hints:
            raise ConfigError(
                f"config key '{'.'.join(parts[: i + 1])}' is unknown (from --set {assignment})"
            )
        tp = hints[part]
        if i == len(parts) - 1:
            node[part] = value
            return
        if typing.get_origin(tp) is dict:
            # Keys of a mapping may contain dots (Spark settings): the rest of the path is the key.
            node.setdefault(part, {})
            node[part] = dict(node[part] or {})
            node[part][".".join(parts[i + 1 :])] = value
            return
        if not dataclasses.is_dataclass(tp):
            raise ConfigError(
                f"config key '{'.'.join(parts[: i + 1])}' is not a section (from --set {assignment})"
            )
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node, node_cls = node[part], tp


def load(cls: type, path: str | None = None, overrides: typing.Sequence[str] = ()) -> Any:
    """Load root config `cls` from YAML file `path` (or defaults) plus --set overrides."""
    data: dict = {}
    if path:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file '{path}' does not exist")
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(
                f"config file '{path}' is not valid YAML: {str(exc).splitlines()[0]}"
            ) from None
        if not isinstance(data, dict):
            raise ConfigError(f"config file '{path}' must hold a mapping of sections")
    for assignment in overrides:
        _apply_override(data, cls, assignment)
    return from_dict(cls, data)


def section_hash(section: Any) -> str:
    """Stable short hash of one config section (recorded with each commit)."""
    blob = json.dumps(to_dict(section), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def to_yaml(cfg: Any) -> str:
    """A config as YAML that `load` reads back to the same config."""
    return yaml.safe_dump(to_dict(cfg), sort_keys=False, allow_unicode=True, width=100)


_KEY_LINE = re.compile(r"^( *)([A-Za-z_][\w]*):")


def key_docs(yaml_text: str) -> dict[str, str]:
    """{"section.key": its comment} from a documented config file: the comment lines right
    above a top-level key or a key one level down (conf/pipeline.yaml is written so)."""
    docs: dict[str, str] = {}
    comment: list[str] = []
    section = None
    for line in yaml_text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comment.append(stripped.lstrip("#").strip())
            continue
        match = _KEY_LINE.match(line)
        if match and len(match.group(1)) in (0, 2):
            if not match.group(1):
                section = key = match.group(2)
            else:
                key = f"{section}.{match.group(2)}"
            if comment:
                docs[key] = " ".join(comment)
        comment = []
    return docs
