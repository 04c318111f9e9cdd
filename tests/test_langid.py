"""Language identification: the script rule, and parity of langdetect-rs with langdetect."""

import gzip
import json
import random

from demo import corpus
from tests.conftest import SHARED_DATA, needs_shared_data
from ziya_data.udfs import langid


def test_languages_and_script_rule():
    assert langid.detect("The council approved the budget for the new parks on Monday.")[0] == "en"
    assert langid.detect("市政府周一批准了新公园的建设预算。")[0] == "zh"
    assert langid.detect("今天天氣很好，我們去公園吧")[0] == "zh"  # langdetect alone says ko
    assert langid.detect("안녕하세요, 오늘 날씨가 정말 좋네요.")[0] == "ko"
    assert langid.detect("今日はいい天気ですね。公園に行きましょう。")[0] == "ja"
    assert langid.detect("1234 5678") == (None, 0.0)
    lang, score = langid.detect("Der Stadtrat hat gestern einen neuen Plan vorgestellt.")
    assert lang == "de" and score > 0.9


def test_detection_is_deterministic():
    text = "Mixed 中文 and English text, 一半一半 written together in one line."
    assert len({langid.detect(text) for _ in range(5)}) == 1


def _parity(texts):
    mismatches = [
        t[:80]
        for t in texts
        if langid.detect_raw(t, "langdetect") != langid.detect_raw(t, "langdetect-rs")
    ]
    assert mismatches == []
    assert langid.detect_many(texts, "langdetect-rs") == [
        langid.detect(t, "langdetect") for t in texts
    ]


def test_langdetect_rs_matches_langdetect_on_the_demo_corpus(tmp_path):
    corpus.write(tmp_path, 300)
    texts = []
    for f in sorted((tmp_path / "corpus").iterdir()):
        for line in gzip.open(f):
            try:
                texts.append(json.loads(line)["text"])
            except (ValueError, KeyError, TypeError):
                pass
    _parity(texts)


@needs_shared_data()
def test_langdetect_rs_matches_langdetect_on_shared_data():
    rng = random.Random(7)
    texts = []
    drcd = [
        json.loads(line)["text"]
        for line in open(SHARED_DATA / "zh_text" / "drcd_zh_tw_wiki_paragraphs.jsonl")
    ]
    texts += rng.sample(drcd, 150)
    news = [
        line.split("\t", 1)[1]
        for line in open(SHARED_DATA / "zh_text" / "thucnews_cnews_sample1000.tsv")
    ]
    texts += [t[:3000] for t in rng.sample(news, 100)]
    fortunes = (
        (SHARED_DATA / "zh_text" / "debian_fortunes_zh" / "chinese")
        .read_text(errors="replace")
        .split("\n%\n")
    )
    texts += rng.sample([f for f in fortunes if f.strip()], 150)
    bbc = [
        json.loads(line)["text"]
        for line in gzip.open(SHARED_DATA / "en_news" / "bbc_fulltext_2225.jsonl.gz")
    ]
    texts += [t[:3000] for t in rng.sample(bbc, 100)]
    _parity(texts)
