"""Turning input records (JSON lines, text files) into documents, or the error that makes
one unreadable (malformed JSON, invalid UTF-8, no text field...). What is done with a
readable record (too large, empty) the ingest job decides."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath
from urllib.parse import unquote

# Why a record cannot be read: stable names, the ingest step's reject reasons.
MALFORMED_JSON = "malformed_json"
NOT_AN_OBJECT = "json_not_an_object"
INVALID_UTF8 = "invalid_utf8"
INVALID_UNICODE = "invalid_unicode"  # e.g. a lone surrogate from a \ud800 escape
MISSING_TEXT = "missing_text"
TEXT_NOT_STRING = "text_not_a_string"


@dataclass(frozen=True)
class Fields:
    text: str = "text"
    id: str = "id"
    url: str = "url"
    source: str = "source"
    fixed_source: str = ""  # when set, every record gets this source


@dataclass
class Record:
    """One input record: a document, or (error set) what could be read of an unreadable one."""

    text: str | None
    url: str | None = None
    orig_id: str | None = None
    source: str | None = None
    meta: str | None = None
    error: str | None = None
    error_detail: str | None = None


# One decoder and one encoder for all records: json.loads and json.dumps build a new one
# per call when given options, a fifth of the parse of a short record.
# Control characters inside strings (a bare \r from some exporters) are read as text: the
# clean step normalises them; a strict reader would lose the document.
_DECODER = json.JSONDecoder(strict=False)
_META_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


@lru_cache(maxsize=4096)  # every line of a file asks again
def source_from_path(path: str) -> str:
    """`.../news_en.jsonl.gz` -> `news_en`: the file name without its extensions (a URI's
    %-escapes decoded)."""
    name = unquote(PurePosixPath(path.rstrip("/")).name)
    return name.split(".", 1)[0] or name


def _as_optional_str(value) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else _META_ENCODER.encode(value)


def _checked_text(rec: Record, text, fields: Fields) -> Record:
    if text is None:
        rec.error, rec.error_detail = MISSING_TEXT, f"no field '{fields.text}'"
    elif not isinstance(text, str):
        rec.error = TEXT_NOT_STRING
        rec.error_detail = f"field '{fields.text}' is {type(text).__name__}"
    elif not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            rec.error, rec.error_detail = INVALID_UNICODE, str(exc)[:200]
            rec.text = text.encode("utf-8", "replace").decode("utf-8")
    return rec


def _safe(text: str) -> str:
    """Text that can be stored as UTF-8 whatever surrogates it holds."""
    if text.isascii():
        return text
    return text.encode("utf-8", "replace").decode("utf-8")


def _undecodable(data: bytes, exc: UnicodeDecodeError, **fields) -> Record:
    """A reject for bytes that are not UTF-8, keeping what can be shown of them."""
    return Record(
        data.decode("utf-8", "replace"),
        error=INVALID_UTF8,
        error_detail=f"byte offset {exc.start}",
        **fields,
    )


def parse_json_line(raw: bytes, path: str, fields: Fields) -> Record:
    """One line of a JSONL file -> Record."""
    default_source = fields.fixed_source or source_from_path(path)
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _undecodable(raw, exc, source=default_source)
    if line.startswith("\ufeff"):
        line = line[1:]
    try:
        obj = _DECODER.decode(line)
    except ValueError as exc:
        return Record(
            line, source=default_source, error=MALFORMED_JSON, error_detail=str(exc)[:200]
        )
    if not isinstance(obj, dict):
        return Record(
            line, source=default_source, error=NOT_AN_OBJECT, error_detail=type(obj).__name__
        )
    text = obj.pop(fields.text, None)
    url = obj.pop(fields.url, None)
    orig_id = obj.get(fields.id)  # stays in meta too: it is how users trace a row back
    record_source = obj.pop(fields.source, None) if not fields.fixed_source else None
    rec = Record(
        text=text if isinstance(text, str) else None,
        url=_as_optional_str(url),
        orig_id=_as_optional_str(orig_id),
        source=fields.fixed_source or _as_optional_str(record_source) or default_source,
        meta=_META_ENCODER.encode(obj) if obj else None,
    )
    rec = _checked_text(rec, text, fields)
    if rec.error is not None:
        # Keep what was read so the reject can be inspected.
        rec.text = _safe(line if rec.text is None else rec.text)
    rec.url, rec.orig_id, rec.meta = (
        _safe(v) if v else v for v in (rec.url, rec.orig_id, rec.meta)
    )
    return rec


def parse_text_file(content: bytes, path: str, fields: Fields) -> Record:
    """A whole plain-text file as one document."""
    source = fields.fixed_source or source_from_path(str(PurePosixPath(path).parent)) or "text"
    meta = json.dumps({"path": path}, ensure_ascii=False)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _undecodable(content, exc, source=source, meta=meta)
    if text.startswith("\ufeff"):
        text = text[1:]
    return _checked_text(Record(text, source=source, meta=meta, orig_id=path), text, fields)
