import dataclasses
import typing

import pytest
import yaml

from tests.conftest import ROOT
from ziya_data.jobs import config
from ziya_data.jobs.config import ConfigError
from ziya_data.jobs.registry import Config

PIPELINE_YAML = ROOT / "ziya_data" / "conf" / "pipeline.yaml"


def _keys(cls, prefix=""):
    for f in dataclasses.fields(cls):
        tp = typing.get_type_hints(cls)[f.name]
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(tp):
            yield from _keys(tp, key + ".")
        else:
            yield key


def test_pipeline_yaml_equals_the_built_in_defaults():
    assert config.load(Config, str(PIPELINE_YAML)) == Config()


def test_pipeline_yaml_documents_every_key():
    data = yaml.safe_load(PIPELINE_YAML.read_text())
    for key in _keys(Config):
        node = data
        for part in key.split("."):
            assert part in node, f"conf/pipeline.yaml lacks {key}"
            node = node[part]
    text = PIPELINE_YAML.read_text()
    # Every key line is preceded by a comment line (documentation) or sits in a documented block.
    assert text.count("#") >= len(list(_keys(Config)))


def test_unknown_key_is_named(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("ingest:\n  text_fild: body\n")
    with pytest.raises(ConfigError, match=r"'ingest\.text_fild' is unknown"):
        config.load(Config, str(bad))


def test_unknown_section_is_named():
    with pytest.raises(ConfigError, match=r"'ingets' is unknown"):
        config.load(Config, None, ["ingets.input=x"])


def test_out_of_range_and_wrong_type_and_choices():
    with pytest.raises(
        ConfigError, match=r"'spark\.shuffle_partitions' is -1, below the minimum 0"
    ):
        config.load(Config, None, ["spark.shuffle_partitions=-1"])
    with pytest.raises(ConfigError, match=r"'ingest\.max_text_bytes' must be int"):
        config.load(Config, None, ["ingest.max_text_bytes=lots"])
    with pytest.raises(ConfigError, match=r"'tables\.backend' is 'parquet'; allowed"):
        config.load(Config, None, ["tables.backend=parquet"])
    with pytest.raises(ConfigError, match=r"'pipeline\.steps' has 'bogus'"):
        config.load(Config, None, ["pipeline.steps=[ingest, bogus]"])


def test_set_overrides_are_typed_and_dotted_map_keys_work():
    cfg = config.load(
        Config,
        None,
        [
            "spark.shuffle_partitions=3",
            "spark.conf.spark.executor.memory=8g",
            "ingest.source=web",
            "lake=/data/lake",
        ],
    )
    assert cfg.spark.shuffle_partitions == 3
    assert cfg.spark.conf == {"spark.executor.memory": "8g"}
    assert cfg.ingest.source == "web"
    assert cfg.lake == "/data/lake"


def test_file_values_then_overrides(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("lake: /x\ningest:\n  text_field: body\n  source: a\n")
    cfg = config.load(Config, str(f), ["ingest.source=b"])
    assert (cfg.lake, cfg.ingest.text_field, cfg.ingest.source) == ("/x", "body", "b")
    assert cfg.ingest.url_field == "url"  # untouched keys keep defaults


def test_bad_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        config.load(Config, str(tmp_path / "missing.yaml"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("ingest: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        config.load(Config, str(broken))
    with pytest.raises(ConfigError, match="section.key=value"):
        config.load(Config, None, ["no-equals-sign"])


def test_config_is_frozen_and_hash_is_stable():
    cfg = Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.lake = "x"
    assert config.section_hash(cfg.ingest) == config.section_hash(Config().ingest)
    assert config.section_hash(cfg.ingest) != config.section_hash(
        config.load(Config, None, ["ingest.source=z"]).ingest
    )


def test_local_cores_of_master_urls():
    import os

    from ziya_data.jobs.session import local_cores

    assert local_cores("local") == 1
    assert local_cores("local[3]") == 3
    assert local_cores("local[2,4]") == 2
    assert local_cores("local[*]") == (os.cpu_count() or 1)


def test_folder_settings_fall_back_to_the_bundled_data_and_name_the_key(tmp_path):
    from ziya_data.jobs.runtime import JobError, word_lists

    bundled = word_lists("filter.rules_dir", "")
    assert "online casino" in bundled["gambling"]["en"]
    (tmp_path / "gambling.en.txt").write_text("# mine\nroulette\n", encoding="utf-8")
    assert word_lists("filter.rules_dir", str(tmp_path))["gambling"] == {"en": ["roulette"]}
    with pytest.raises(JobError, match="score.rules_dir '/nowhere/rules' is not a folder"):
        word_lists("score.rules_dir", "/nowhere/rules")
    # A misspelt category would silently switch a rule off: it is an error naming the file.
    (tmp_path / "gamblng.en.txt").write_text("slots\n", encoding="utf-8")
    with pytest.raises(
        JobError,
        match="filter.rules_dir: word list 'gamblng.en.txt' names unknown category 'gamblng'",
    ):
        word_lists("filter.rules_dir", str(tmp_path))
