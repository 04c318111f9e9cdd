"""Readers for the real third-party corpora in ../shared/data (read in place; nothing is
copied into the project). Each returns a list of texts in the file's order; the quality
benchmarks sample from them with seeded generators."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "data"


def thucnews(shared: Path = DEFAULT) -> list[str]:
    """1,000 Sina news articles (zh), label stripped."""
    path = shared / "zh_text" / "thucnews_cnews_sample1000.tsv"
    return [line.split("\t", 1)[1].strip() for line in open(path, encoding="utf-8")]


def thucnews_labelled(shared: Path = DEFAULT) -> list[tuple[str, str]]:
    path = shared / "zh_text" / "thucnews_cnews_sample1000.tsv"
    return [tuple(line.rstrip("\n").split("\t", 1)) for line in open(path, encoding="utf-8")]


def chinesewebtext(shared: Path = DEFAULT) -> list[dict]:
    """100 Common Crawl Chinese pages, whole records (raw_content, url, title...)."""
    path = shared / "zh_text" / "chinesewebtext" / "cc2021-43_cleared1_100docs.jsonl"
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def reviews(shared: Path = DEFAULT) -> list[str]:
    """62,774 short online-shopping reviews (zh)."""
    path = shared / "zh_text" / "online_shopping_10_cats.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8-sig") as fh:
        return [row["review"] for row in csv.DictReader(fh) if row.get("review")]


def drcd(shared: Path = DEFAULT) -> list[str]:
    """2,000 Traditional-Chinese Wikipedia paragraphs."""
    path = shared / "zh_text" / "drcd_zh_tw_wiki_paragraphs.jsonl"
    return [json.loads(line)["text"] for line in open(path, encoding="utf-8")]


def fortunes(shared: Path = DEFAULT) -> list[str]:
    """Debian's Chinese fortunes (with their ANSI escapes), one record each."""
    raw = (shared / "zh_text" / "debian_fortunes_zh" / "chinese").read_bytes()
    return [f for f in raw.decode("utf-8", errors="replace").split("\n%\n") if f.strip()]


def bbc(shared: Path = DEFAULT) -> list[str]:
    path = shared / "en_news" / "bbc_fulltext_2225.jsonl.gz"
    return [json.loads(line)["text"] for line in gzip.open(path)]


def newsgroups(shared: Path = DEFAULT) -> list[str]:
    path = shared / "en_news" / "20news_bydate.jsonl.gz"
    return [json.loads(line)["text"] for line in gzip.open(path)]


def ag_news(shared: Path = DEFAULT) -> list[str]:
    """7,600 news titles with descriptions (en)."""
    with open(shared / "en_news" / "ag_news_test.csv", encoding="utf-8") as fh:
        return [f"{row[1]}. {row[2]}" for row in csv.reader(fh) if len(row) >= 3]


def commoncrawl(shared: Path = DEFAULT) -> list[str]:
    out = []
    for name in (
        "multiple_files_cc_en_head-0091.jsonl.gz",
        "multiple_files_cc_en_head-0174.jsonl.gz",
    ):
        out += [
            json.loads(line)["text"] for line in gzip.open(shared / "en_web" / "dolma_tests" / name)
        ]
    return out


def onestop_texts(shared: Path = DEFAULT) -> list[dict]:
    """OneStopEnglish: 189 articles at three reading levels (topic, level, text)."""
    path = shared / "readability" / "onestopenglish_texts.jsonl"
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def sohu_pairs(shared: Path = DEFAULT, kind: str = "dd") -> list[tuple[str, str, int]]:
    """Sohu 2021 text-matching pairs (zh): (text a, text b, label 0/3/5)."""
    path = shared / "similarity_gold" / f"sohu2021_{kind}-test.jsonl"
    out = []
    for line in open(path, encoding="utf-8"):
        row = json.loads(line)
        out.append((row["sentence1"], row["sentence2"], int(row["label"])))
    return out


def onestop_pairs(shared: Path = DEFAULT) -> list[tuple[str, str]]:
    """Aligned sentence pairs across OneStopEnglish reading levels (paraphrases)."""
    out = []
    for name in ("ADV-ELE", "ADV-INT", "ELE-INT"):
        blocks = (
            (shared / "similarity_gold" / "onestop_sentence_aligned" / f"{name}.txt")
            .read_text(encoding="utf-8", errors="replace")
            .split("*******")
        )
        for block in blocks:
            lines = [ln.strip() for ln in block.strip().splitlines() if ln.strip()]
            if len(lines) == 2:
                out.append((lines[0], lines[1]))
    return out
