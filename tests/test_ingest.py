import gzip
import json

import pytest

from tests.conftest import delta_rows, make_config
from ziya_data.jobs import registry
from ziya_data.jobs.runtime import JobError
from ziya_data.jobs.session import session_settings
from ziya_data.jobs.tables import Tables
from ziya_data.udfs import records

FIELDS = records.Fields()


# ---------------------------------------------------------------- pure parsing


def test_parse_json_line_errors():
    ok = records.parse_json_line(
        b'{"id": 7, "text": "hi", "url": "u", "lang_hint": "en"}', "/x/news.jsonl", FIELDS
    )
    assert (ok.text, ok.url, ok.orig_id, ok.source, ok.error) == ("hi", "u", "7", "news", None)
    assert json.loads(ok.meta) == {"id": 7, "lang_hint": "en"}
    cases = {
        b'{"text": "unterminated': records.MALFORMED_JSON,
        b'{"text": "\xff\xfe"}': records.INVALID_UTF8,
        b'{"body": "x"}': records.MISSING_TEXT,
        b'{"text": 5}': records.TEXT_NOT_STRING,
        b"[1, 2]": records.NOT_AN_OBJECT,
        b'{"text": "a \\ud800 b"}': records.INVALID_UNICODE,
    }
    for line, error in cases.items():
        rec = records.parse_json_line(line, "/x/a.jsonl", FIELDS)
        assert rec.error == error, line
        assert rec.text is not None and rec.text.encode("utf-8")  # always storable
    # Blank and oversized texts are readable: the job decides on them (test below).
    blank = records.parse_json_line(b'{"text": " \\n "}', "/x/a.jsonl", FIELDS)
    assert (blank.error, blank.text) == (None, " \n ")


def test_parse_json_line_fields_as_stored():
    """meta is the other fields as sorted JSON with non-ASCII kept; a bare control
    character inside a string is text; a lone surrogate in any field is made storable;
    one byte-order mark is dropped; non-string ids and sources are JSON."""
    rec = records.parse_json_line(
        '\ufeff{"text": "a\rb", "z": "中", "id": [1], "a": {"y": 2, "x": "é"},'
        ' "url": "http://x/\\udc00", "source": {"k": 1}}'.encode(),
        "/x/news.jsonl",
        FIELDS,
    )
    assert (rec.text, rec.error, rec.orig_id, rec.source) == ("a\rb", None, "[1]", '{"k": 1}')
    assert rec.meta == '{"a": {"x": "é", "y": 2}, "id": [1], "z": "中"}'
    assert rec.url == "http://x/?" and rec.url.encode("utf-8")
    twice = records.parse_json_line(b'\xef\xbb\xbf\xef\xbb\xbf{"text": "x"}', "/x/a.jsonl", FIELDS)
    assert twice.error == records.MALFORMED_JSON


def test_transform_decides_blank_large_and_repeated_records(spark):
    from ziya_data.jobs.ingest import IngestConfig, transform

    parsed = spark.createDataFrame(
        [
            ("fine text", "u1", None, "s", None, None, None),
            ("fine text", "u1", None, "s", None, None, None),  # the same record again
            (" \t\u3000\x1c\n", None, None, "s", None, None, None),  # Python strips all of it
            ("x" * 40, None, None, "s", None, None, None),
            ("{broken", None, None, "s", None, "malformed_json", "Expecting value"),
        ],
        "text string, url string, orig_id string, source string, meta string, "
        "error string, error_detail string",
    )
    rows = transform(parsed, IngestConfig(max_text_bytes=30)).collect()
    outcome = sorted((r["_reject_reason"] or "", r["_reject_detail"] or "") for r in rows)
    assert outcome == [
        ("", ""),
        ("duplicate_record", ""),
        ("empty_text", ""),
        ("malformed_json", "Expecting value"),
        ("too_large", "40 bytes > 30"),
    ]


def test_source_from_path_and_fixed_source():
    assert records.source_from_path("/data/web_zh.jsonl.gz") == "web_zh"
    rec = records.parse_json_line(b'{"text": "t", "source": "s1"}', "/f.jsonl", FIELDS)
    assert rec.source == "s1"
    rec = records.parse_json_line(
        b'{"text": "t", "source": "s1"}', "/f.jsonl", records.Fields(fixed_source="fx")
    )
    assert rec.source == "fx" and json.loads(rec.meta) == {"source": "s1"}


# ---------------------------------------------------------------- the job


def _write_jsonl_gz(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as fh:
        fh.write(b"\n".join(lines) + b"\n")


BAD_AND_GOOD = [
    b'{"id": 1, "text": "first document", "url": "https://a/1", "topic": "x"}',
    b'{"id": 2, "text": "second document"}',
    b"",  # blank lines are not records
    b'{"id": 1, "text": "first document", "url": "https://a/1", "topic": "x"}',  # identical record
    b'{"id": 3, "text": "broken',
    b'{"id": 4, "text": "bad \xff bytes"}',
    b'{"id": 5}',
    b'{"id": 6, "text": ""}',
]


def test_ingest_accounts_for_every_line_and_is_idempotent(spark, lake, tmp_path):
    _write_jsonl_gz(tmp_path / "in" / "web.jsonl.gz", BAD_AND_GOOD)
    cfg = make_config(lake, f"ingest.input={tmp_path / 'in'}")
    result = registry.run(spark, "ingest", cfg)
    assert result["rows_in"] == 7 and result["kept"] == 2 and result["rejected"] == 5
    assert result["reasons"] == {
        "duplicate_record": 1,
        "empty_text": 1,
        "invalid_utf8": 1,
        "malformed_json": 1,
        "missing_text": 1,
    }
    raw = sorted(delta_rows(lake / "raw"), key=lambda r: r["text"])
    assert [r["text"] for r in raw] == ["first document", "second document"]
    assert (
        raw[0]["source"] == "web"
        and raw[0]["url"] == "https://a/1"
        and json.loads(raw[0]["meta"]) == {"id": 1, "topic": "x"}
    )
    assert all(len(r["doc_id"]) == 32 for r in raw)
    rejects_before = sorted(
        (r["doc_id"], r["reason"], r["run_id"]) for r in delta_rows(lake / "rejects")
    )

    registry.run(spark, "ingest", cfg)  # same input again: same rows, not twice as many
    raw_again = sorted(delta_rows(lake / "raw"), key=lambda r: r["text"])
    assert raw_again == raw
    assert (
        sorted((r["doc_id"], r["reason"], r["run_id"]) for r in delta_rows(lake / "rejects"))
        == rejects_before
    )
    history = Tables(spark, str(lake)).history("raw")
    assert history[0].metadata["job"] == "ingest"
    assert history[0].metadata["counts"]["rows_in"] == 7
    assert history[0].metadata["input_versions"]["files"]["count"] == 1


def test_a_held_result_on_a_cluster_is_coalesced_before_it_is_written(spark, lake, tmp_path):
    """As on a cluster: adaptive execution on, 200 shuffle partitions, held frames
    persisted. Ingest's result (a shuffle by doc_id) is held, and a held plan keeps its
    partitions unless adaptive execution may change them (these 7 lines made 3 files,
    the 305 of the reference corpus 150)."""
    _write_jsonl_gz(tmp_path / "in" / "web.jsonl.gz", BAD_AND_GOOD)
    cfg = make_config(lake, f"ingest.input={tmp_path / 'in'}", "tables.materialize=persist")
    cluster = {"spark.sql.adaptive.enabled": "true", "spark.sql.shuffle.partitions": "200"}
    with session_settings(spark, cluster):
        result = registry.run(spark, "ingest", cfg)
    assert result["kept"] == 2 and result["rejected"] == 5
    assert len(list((lake / "raw").rglob("*.parquet"))) == 1
    assert len(delta_rows(lake / "raw")) == 2


def test_ingest_parquet_and_text_files(spark, lake, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    spark.createDataFrame(
        [
            ("p1", "parquet text one", "https://p/1", 3),
            ("p2", None, None, 4),
            ("p3", "  ", None, 5),
        ],
        "id string, body string, link string, stars int",
    ).coalesce(1).write.parquet(str(src / "reviews.parquet"))
    cfg = make_config(
        lake,
        f"ingest.input={src / 'reviews.parquet'}/*.parquet",
        "ingest.text_field=body",
        "ingest.url_field=link",
        "ingest.source=reviews",
    )
    result = registry.run(spark, "ingest", cfg)
    assert (result["kept"], result["reasons"]) == (1, {"empty_text": 1, "missing_text": 1})
    (row,) = delta_rows(lake / "raw")
    assert (row["text"], row["url"], row["source"], json.loads(row["meta"])) == (
        "parquet text one",
        "https://p/1",
        "reviews",
        {"id": "p1", "stars": 3},
    )

    docs = tmp_path / "docs" / "essays"
    docs.mkdir(parents=True)
    (docs / "a.txt").write_text("一篇中文文章。\n第二行。", encoding="utf-8")
    (docs / "b.txt").write_bytes(b"bad \xc3\x28 utf8")
    (docs / ".hidden").write_text("skipped")
    result = registry.run(spark, "ingest", make_config(lake, f"ingest.input={tmp_path / 'docs'}"))
    assert (result["kept"], result["reasons"]) == (1, {"invalid_utf8": 1})
    (row,) = delta_rows(lake / "raw")
    assert row["text"] == "一篇中文文章。\n第二行。" and row["source"] == "essays"


def test_ingest_user_errors(spark, lake, tmp_path):
    with pytest.raises(JobError, match="matches no files"):
        registry.run(
            spark, "ingest", make_config(lake, f"ingest.input={tmp_path / 'nothing*.jsonl'}")
        )
    spark.createDataFrame([("x",)], "content string").write.parquet(str(tmp_path / "p"))
    with pytest.raises(JobError, match="ingest.text_field 'text' is not a column"):
        registry.run(spark, "ingest", make_config(lake, f"ingest.input={tmp_path / 'p'}/*.parquet"))


def test_a_delta_table_is_read_at_its_snapshot_not_file_by_file(spark, lake, tmp_path):
    """A Delta folder holds the files of every version: read as files it doubles rows
    (504 for 252 before); as a table, only the current snapshot."""
    from ziya_data.jobs.config import TablesConfig

    source = Tables(spark, str(tmp_path / "other"), TablesConfig(backend="delta-rs"))
    first = spark.createDataFrame(
        [(f"old {i}", f"u{i}") for i in range(5)], "body string, link string"
    )
    source.write(first, "docs")
    second = spark.createDataFrame(
        [(f"new text {i}", f"v{i}") for i in range(3)], "body string, link string"
    )
    source.write(second, "docs", mode="overwrite")  # the old files stay in the folder
    cfg = make_config(lake, f"ingest.input={tmp_path / 'other' / 'docs'}", "ingest.text_field=body",
                      "ingest.url_field=link")  # fmt: skip
    result = registry.run(spark, "ingest", cfg)
    assert (result["rows_in"], result["kept"]) == (3, 3)
    rows = delta_rows(lake / "raw")
    assert sorted(r["text"] for r in rows) == [f"new text {i}" for i in range(3)]
    assert {r["source"] for r in rows} == {"docs"}
    history = Tables(spark, str(lake), TablesConfig(backend="delta-rs")).history("raw")
    assert history[0].metadata["input_versions"]["table"]["version"] == 1


def test_file_names_with_glob_characters_are_read_as_themselves(spark, lake, tmp_path):
    docs = tmp_path / "in"
    _write_jsonl_gz(docs / "doc[1].jsonl.gz", [b'{"id": "a", "text": "from the bracketed file"}'])
    _write_jsonl_gz(docs / "doc1.jsonl.gz", [b'{"id": "b", "text": "from the plain file"}'])
    _write_jsonl_gz(docs / "x{y,z}.jsonl.gz", [b'{"id": "c", "text": "from the braced file"}'])
    result = registry.run(spark, "ingest", make_config(lake, f"ingest.input={docs}"))
    assert (result["rows_in"], result["kept"]) == (3, 3)
    texts = sorted(r["text"] for r in delta_rows(lake / "raw"))
    assert texts == ["from the braced file", "from the bracketed file", "from the plain file"]


def test_parquet_folder_and_catalog_table_as_input(spark, lake, tmp_path):
    folder = tmp_path / "pq"
    spark.createDataFrame(
        [("text one here", "a"), ("text two here", "b"), ("text three", "a")],
        "text string, part string",
    ).write.partitionBy("part").parquet(str(folder))
    result = registry.run(spark, "ingest", make_config(lake, f"ingest.input={folder}"))
    assert result["kept"] == 3
    metas = sorted(json.loads(r["meta"])["part"] for r in delta_rows(lake / "raw"))
    assert metas == ["a", "a", "b"]  # the partition column restored, kept in meta
    spark.sql("CREATE SCHEMA IF NOT EXISTS ingest_src")
    spark.createDataFrame([("catalog row text",)], "text string").write.mode(
        "overwrite"
    ).saveAsTable("ingest_src.docs")
    result = registry.run(spark, "ingest", make_config(lake, "ingest.input=ingest_src.docs"))
    assert result["kept"] == 1
    assert [r["source"] for r in delta_rows(lake / "raw")] == ["docs"]
