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


def test_mixed_scripts_are_judged_by_the_script_that_holds_most_of_the_text():
    # Chinese technical text with commands and names (a Debian fortune's kind).
    fortune = "使用 gdm3 启动 X 会话时，你必须安装 menu-xdg 软件包，然后运行 apt-get install 命令。"
    assert langid.detect(fortune) == langid.detect(langid.script_view(fortune))
    lang, score = langid.detect(fortune)
    assert lang == "zh" and score > 0.9  # langdetect on the whole text: Norwegian or Catalan
    review = "我觉得本本还是不错的,简单干净.性能也还好.而且我喜欢HP这个牌子,我们家台式机也是HP的."
    assert langid.detect(review)[0] == "zh"
    # English with a few Chinese words stays English.
    english = (
        "The delegation visited 北京 and 上海 last week to discuss trade, tariffs and shipping."
    )
    assert langid.detect(english)[0] == "en"
    # One script: langdetect sees the text as it is.
    for pure in ("The council met on Monday.", "市政府周一批准了预算。", "1234"):
        assert langid.script_view(pure) is pure
    assert langid.script_view("喜欢HP这个牌子 ok").split() == [
        "喜欢",
        "这个牌子",
    ]  # the larger side
    assert langid.detect_many([fortune, english]) == [
        langid.detect(fortune),
        langid.detect(english),
    ]


@needs_shared_data()
def test_fortunes_and_mixed_text_from_shared_data_keep_their_language():
    """Before the script rule 88% of the Debian fortunes were kept as zh and 0-7% of
    Chinese passages with English words put in; now at least 99%."""
    from bench import langid_quality

    sets = langid_quality.sets(SHARED_DATA)
    for name in ("fortunes", "zh+en words 25%", "zh+commands 25%", "en+zh words 15%", "bbc"):
        expected, texts = sets[name]
        assert langid_quality.judge(texts, expected, "langdetect-rs")["accuracy"] >= 0.99, name


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


def test_script_views_of_a_batch_equal_the_regular_expression_definition():
    """The numpy views (all texts classified at once) equal the rule written with regular
    expressions, text by text, on random mixes of CJK, other letters, digits, marks,
    punctuation and lone surrogates, texts longer than langdetect reads among them."""
    import re

    cjk_class = (
        "[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
        "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]"
    )
    cjk, word = re.compile(cjk_class), re.compile(f"(?:(?!{cjk_class})[^\\W\\d_])+")

    def by_regex(text):
        head = text[: langid.MAX_CHARS]
        units = len(cjk.findall(head))
        if not units:
            return text
        rest = cjk.sub(" ", head)
        words = len(word.findall(rest))
        if not words:
            return text
        return word.sub(" ", head) if units >= words else rest

    rng = random.Random(5)
    pool = list("ab Zé中國カ한ー・0９²_ -,。\n\u0301\ud800𠀀ǅ")
    texts = ["", "中", "a", "中a", "a中", "中" * 6 + "x" * (langid.MAX_CHARS + 3)]
    texts += ["".join(rng.choice(pool) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    views = [by_regex(t) for t in texts]
    assert langid.script_views(texts) == views

    def han_only(view):  # what detect_many calls zh without langdetect
        head = view[: langid.MAX_CHARS]
        return bool(langid._HAN.search(head)) and not (
            langid._KANA.search(head) or langid._HANGUL.search(head) or word.search(head)
        )

    flags = [han_only(v) for v in views]
    assert langid._views_and_han_only(texts) == (views, flags)
    assert 50 < sum(flags) < len(flags) - 50  # both kinds are in the mix (114 Han only)


def test_text_in_han_alone_is_chinese_without_asking_langdetect(monkeypatch):
    mod = langid._module("langdetect-rs")
    asked = []

    def recording(text):
        asked.append(text)
        return detect_langs(text)

    detect_langs = mod.detect_langs
    monkeypatch.setattr(mod, "detect_langs", recording)
    texts = [
        "今天天氣很好，我們去公園吧",  # Traditional: langdetect alone says ko
        "我喜欢HP这个牌子, 我们家台式机也是HP的。",  # English words, fewer than Han characters
        "今日はいい天気ですね。",  # Kana: langdetect decides
        "The delegation visited 北京 last week to discuss trade.",  # mostly English
        "1234 5678",  # no letters: langdetect finds no features
    ]
    found = langid.detect_many(texts)
    assert found[:2] == [("zh", 1.0), ("zh", 1.0)]
    assert [lang for lang, _ in found[2:]] == ["ja", "en", None]
    assert len(asked) == 3 and asked[0] == texts[2]
