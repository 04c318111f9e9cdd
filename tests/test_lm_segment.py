"""Segmentation (with parity to jieba) and KenLM normalisation, training and scoring."""

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from demo import prose
from tests.conftest import SHARED_DATA, needs_shared_data
from ziya_data.udfs import lm, segment, tokenizers
from ziya_data.udfs.languages import en
from ziya_data.udfs.textclean import remove_control_chars


def test_sentences_and_words():
    assert segment.sentences("今天天气很好。我们去公园吧！“真的吗？”他问。结尾", "zh") == [
        "今天天气很好。", "我们去公园吧！", "“真的吗？”", "他问。", "结尾"]  # fmt: skip
    assert segment.sentences("Mr. Smith came. He left!\nNew line", "en") == [
        "Mr. Smith came.",
        "He left!",
        "New line",
    ]
    assert tokenizers.en_words("Don't stop, O'Neil: 3.5%") == ["Don't", "stop", "O'Neil", "3", "5"]
    # ASCII text takes a byte path to the words of the Unicode pattern, and ASCII classes
    # to the language model's tokens
    rng = random.Random(2)
    every_ascii = [chr(c) for c in range(128)]
    for _ in range(3000):
        text = "".join(rng.choice(every_ascii + ["a", "'", " "] * 4) for _ in range(30))
        assert lm.tokens(text, "en") == en._LM_TOKEN.findall(text), repr(text)
    for _ in range(3000):
        text = "".join(rng.choice("aZ9 '_-,.\n\t") for _ in range(rng.randint(0, 40)))
        assert tokenizers.en_words(text) == tokenizers._EN_WORD.findall(text), text
    assert tokenizers.zh_words("市政府周一批准了新公园的建设预算。") == [
        "市政府", "周一", "批准", "了", "新", "公园", "的", "建设", "预算", "。"]  # fmt: skip


RUST_BACKENDS = ("jieba-rs", "jieba-next")


@pytest.mark.parametrize("backend", RUST_BACKENDS)
def test_fast_cut_gives_jiebas_tokens(backend):
    """zh_words hands only jieba's blocks to the Rust backend (tokenizers._cut_no_hmm); it
    must give what jieba's own lcut gives, on the awkward cases too: letters and digits
    inside Chinese, hyphens, CJK characters beyond
    jieba's range (inside jieba-rs's), runs of spaces, tabs, full-width marks, emoji. So
    must the per-text cutter, which hands jieba-rs whole texts."""
    rng = random.Random(11)
    awkward = list("中文分词测试北京大学生活动-_.%&#+ aZ9\t\n\u3000㐀鿐豈𠀀😀，。!?、·—…Àé")
    texts = [prose.zh_document(rng) for _ in range(100)] + [
        "iPhone15 在 2024年 发布，价格5999元。",
        "a b  c\t中文\u3000空格 x1y2 ……！？",
        "C++ 和 C# 的 3.5% 增长 & 下降_测试",
        "表情😀符号★ 与 email@example.com 地址",
        "T-恤 和 A-B-C 的 3-5 天",
        "",
        "   ",
    ]
    texts += ["".join(rng.choice(awkward) for _ in range(rng.randint(1, 40))) for _ in range(1000)]
    texts += [lm.normalize(t) for t in texts]
    reference = tokenizers.zh_tokenizer("jieba")
    for text in texts:
        expected = [w for w in reference.lcut(text, HMM=False) if not w.isspace()]
        assert tokenizers.zh_words(text, backend) == expected, text[:40]
        assert tokenizers.zh_cutter(backend)(text) == expected, text[:40]


@pytest.mark.parametrize("backend", tokenizers.ZH_BACKENDS)
def test_segmenters_follow_a_user_dictionary(backend, tmp_path):
    udict = tmp_path / "user.txt"
    # with a frequency and tag, and without (jieba suggests one that keeps the word whole)
    udict.write_text("\ufeff子曰学而时习之 100 n\n不亦说乎\n", encoding="utf-8")
    text = "子曰学而时习之，不亦说乎"
    assert tokenizers.zh_words(text, backend) == list(text)
    assert tokenizers.zh_words(text, backend, user_words=tokenizers.read_user_dict(str(udict))) == [
        "子曰学而时习之", "，", "不亦说乎"]  # fmt: skip
    # a word with a hyphen is found (jieba's blocks hold "-"); one with a CJK character
    # beyond jieba's range is not (its blocks do not hold that character)
    udict.write_text("COVID-19 100 n\n㐀中 100 n\n", encoding="utf-8")
    words = tokenizers.read_user_dict(str(udict))
    text = "新冠COVID-19疫情 㐀中国"
    expected = ["新", "冠", "COVID-19", "疫情", "㐀", "中国"]
    assert tokenizers.zh_words(text, backend, user_words=words) == expected
    assert tokenizers.zh_cutter(backend, words)(text) == expected
    assert tokenizers.zh_cutter(backend, words)("新冠COVID-19疫情") == expected[:4]


def _parity(texts):
    for backend in RUST_BACKENDS:
        diff = [
            t[:60]
            for t in texts
            if tokenizers.zh_words(t, backend) != tokenizers.zh_words(t, "jieba")
        ]
        assert diff == [], backend


def test_rust_segmenters_match_jieba_on_project_text():
    rng = random.Random(3)
    _parity([prose.zh_document(rng) for _ in range(200)])


@needs_shared_data()
def test_rust_segmenters_match_jieba_on_shared_data():
    news = [
        line.split("\t", 1)[1]
        for line in open(SHARED_DATA / "zh_text" / "thucnews_cnews_sample1000.tsv")
    ]
    web = [
        json.loads(line)["raw_content"]
        for line in open(
            SHARED_DATA / "zh_text" / "chinesewebtext" / "cc2021-43_cleared1_100docs.jsonl"
        )
    ]
    _parity(random.Random(5).sample(news, 150) + web[:50])


def test_decimal_digits_are_what_the_regex_digit_class_matches():
    every = "".join(map(chr, range(0x110000)))
    assert tokenizers.decimal_digits() == tuple(m.start() for m in re.finditer(r"\d", every))
    assert {ord("7"), ord("٣"), ord("７")} <= set(tokenizers.decimal_digits())
    assert ord("²") not in tokenizers.decimal_digits()  # a digit, but not a decimal one


def test_normalisation_and_training_lines():
    assert lm.normalize("Hello, World! 2024年，价格：１２元。") == "hello, world! 0000年,价格:00元."
    # non-ASCII text takes an array lookup: the same as the translate table
    rng = random.Random(3)
    pool = list("aZ9 ,.\t\n\x00\x7f…“”《》，。１２٣߀Ⅻ中文É\ud800\U0001f600") + list(
        map(chr, lm._PUNCT)
    )
    for _ in range(2000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 30)))
        expected = remove_control_chars(text.lower().translate(lm._normalize_table()))
        assert lm.normalize(text) == expected, repr(text)
    assert lm.training_lines("The cat sat.\n\nIt was 3 pm!", "en") == [
        "the cat sat .",
        "it was 0 pm !",
    ]
    assert lm.training_lines("市政府批准了方案。\n居民表示欢迎。", "zh") == [
        "市政府 批准 了 方案 .",
        "居民 表示 欢迎 .",
    ]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    lmplz = Path(sys.prefix) / "kenlm" / "bin"
    work = tmp_path_factory.mktemp("lm")
    rng = random.Random(11)
    lines = [line for _ in range(400) for line in lm.training_lines(prose.en_document(rng), "en")]
    (work / "train.txt").write_text("\n".join(lines) + "\n")
    with open(work / "train.txt", "rb") as src, open(work / "m.arpa", "wb") as out:
        subprocess.run([str(lmplz / "lmplz"), "-o", "3", "-S", "200M", "-T", str(work), "--discount_fallback"],
                       stdin=src, stdout=out, stderr=subprocess.DEVNULL, check=True)  # fmt: skip
    subprocess.run([str(lmplz / "build_binary"), str(work / "m.arpa"), str(work / "m.binary")],
                   capture_output=True, check=True)  # fmt: skip
    return str(work / "m.binary")


def test_perplexity_orders_fluent_above_garbled(tiny_model):
    rng = random.Random(99)
    fluent = lm.perplexity(prose.en_document(rng), "en", tiny_model)
    shuffled_words = prose.en_document(rng).split()
    rng.shuffle(shuffled_words)
    shuffled = lm.perplexity(" ".join(shuffled_words), "en", tiny_model)
    garbled = lm.perplexity("qxz vbnm trwp kjhg zxcv " * 20, "en", tiny_model)
    assert fluent.ppl < shuffled.ppl < garbled.ppl
    assert fluent.tokens > 50
    assert lm.perplexity("", "en", tiny_model) == lm.Perplexity(None, 0)
    # Token-weighted over paragraphs: one paragraph scored alone equals the document of that paragraph.
    one = "The council met on Monday."
    assert lm.perplexity(one, "en", tiny_model).ppl == pytest.approx(
        lm.perplexity(one + "\n\n", "en", tiny_model).ppl
    )


def test_common_characters_are_the_dictionarys_most_frequent():
    """The array count equals a plain reading of jieba's dict.txt: per character, the summed
    counts of the words holding it; ties in order of first appearance."""
    from importlib.resources import files

    freq: dict[str, int] = {}
    with (files("jieba") / "dict.txt").open(encoding="utf-8") as fh:
        for line in fh:
            word, count, *_ = line.split(" ")
            for ch in word:
                if "\u4e00" <= ch <= "\u9fff":
                    freq[ch] = freq.get(ch, 0) + int(count)
    ranked = sorted(freq, key=lambda c: -freq[c])
    for n in (10, 500, 3500, len(ranked) + 5):
        assert tokenizers.common_zh_chars(n) == frozenset(ranked[:n]), n
    assert {"的", "是", "中"} <= tokenizers.common_zh_chars(500)
