"""Readability of a document (the Ziya2 paper's RA attribute), from counts.

`score(text, lang)` returns the components and the combined `readability` in [0, 1],
higher is better:

    readability = 0.3 * ease + 0.7 * grammar

and, apart, `completeness` (whether paragraphs and the text end as sentences do), which
does not lower `readability`: an excerpt or a crawl cut mid-sentence is short of an
ending, not of grammar, and a score that counted it so agreed less with teachers'
levels (bench.attribute_quality: OneStopEnglish triples ordered by the combined score
73.5% with the cut counted in, 78.8% without; by ease alone 86.2%; grammar and
completeness hardly vary between the levels of one article, as edited text is correct at
every level). `correctness` = grammar * completeness is kept for the human-review
comparison.

* ease: how hard the text is to read.
  en: the Flesch reading ease mapped to [0, 1]: clamp(flesch_reading_ease / 100).
  zh: the mean of two counts, each mapped to [0, 1]:
      clamp(1 - (mean_sentence_chars - 15) / 60)   (15 characters or fewer: easiest)
      clamp((common_char_share - 0.85) / 0.15)     (share of the 3,500 most common characters)
* grammar: the paper's sense of readability, grammatical and formatting correctness:

      grammar = clamp(1 - sum(WEIGHTS[c] * rate[c]))   over the GRAMMAR faults

  and completeness likewise over the COMPLETENESS faults (rates are shares of
  paragraphs, of sentences or of characters).

The English formulas are the standard ones, with a vowel-group syllable counter:
    flesch_reading_ease  = 206.835 - 1.015 * words/sentences - 84.6 * syllables/words
    flesch_kincaid_grade = 0.39 * words/sentences + 11.8 * syllables/words - 15.59
"""

from __future__ import annotations

import functools
import itertools
import re

from ziya_data.udfs import languages, rules, segment, tokenizers

# Weight of each error rate in `correctness` (a rate of 1/weight alone makes it 0).
WEIGHTS = {
    "unbalanced_pairs": 1.0,  # share of paragraphs with an unmatched bracket or quote
    "repeated_punctuation": 2.0,  # runs like "!!!", "，，" per sentence
    "improper_punctuation": 2.0,  # space before a mark, a line opening with one, per sentence
    "mixed_width": 2.0,  # zh: half-width marks between Chinese characters; en: full-width marks
    "missing_final": 0.5,  # share of longer paragraphs without sentence-final punctuation
    "lowercase_start": 1.0,  # en: share of sentences starting with a lowercase letter
    "garbled": 20.0,  # share of characters that are decoding residue
    "incomplete_ending": 0.2,  # 1 when the text stops mid-sentence
}
COMPLETENESS = ("missing_final", "incomplete_ending")
GRAMMAR = tuple(k for k in WEIGHTS if k not in COMPLETENESS)
EASE_WEIGHT = 0.3
# Every component `score` may return (the language picks which counts are present).
COMPONENTS = (
    "flesch_reading_ease", "flesch_kincaid_grade", "mean_sentence_chars", "mean_sentence_words",
    "common_char_share", "ease", *WEIGHTS, "grammar", "completeness", "correctness",
)  # fmt: skip

_PAIRS = {
    "(": ")",
    "（": "）",
    "[": "]",
    "【": "】",
    "{": "}",
    "《": "》",
    "「": "」",
    "『": "』",
    "“": "”",
}
_CLOSERS = {v: k for k, v in _PAIRS.items()}
_PAIR_MARKS = re.compile("[" + re.escape("".join(_PAIRS) + "".join(_CLOSERS)) + "]")
# A quotation running on into the next paragraph opens without closing (news style).
_MAY_RUN_ON = {"“", "「", "『"}
# Two or more marks in a row, except the ellipses and dashes that are written that way.
_REPEATED = re.compile(r"([,，。！？!?；;：:、])\1+")
# A word, then spaces, then a mark. The pattern starts at the spaces so the scan can
# skip to them; `_space_before_marks` checks the word character before.
_EN_SPACE_BEFORE = re.compile(r"\s+(?:[,;:!?](?!\w)|\.(?=\s|$))")
_LINE_OPENS_WITH_MARK = re.compile(r"^\s*[,，。;；:：!！?？、]")
_MOJIBAKE = re.compile(r"[\ufffd\ue000-\uf8ff]|[ÃÂ][\u0080-\u00bf]|â€|ï¼|ã€")
_MOJIBAKE_FIRST = re.compile(r"[\ufffd\ue000-\uf8ffÃÂâïã]")  # a character _MOJIBAKE starts with
_TRAILING_CUT = re.compile(r"(?:[,，、;；:：\-—]|\.\.\.|…)\s*$")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")
_SPLIT_VOWELS = re.compile(r"(?<![ctsgx])io|(?<![ctsx])i[au]")


def _space_before_marks(text: str) -> int:
    """How often a word is followed by spaces and then , ; : ! ? or a lone full stop."""
    return sum(
        1
        for m in _EN_SPACE_BEFORE.finditer(text)
        if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_")
    )


def clamp(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return lo if x < lo else hi if x > hi else x


@functools.lru_cache(maxsize=1 << 18)  # words repeat (Zipf): most calls are lookups
def syllables(word: str) -> int:
    """English syllables by vowel groups: a silent final 'e' does not count ('make'),
    a consonant + 'le' ending does ('table'); every word has at least one."""
    w = word.lower().replace("’", "'").split("'")[0]
    if not w.isalpha():
        return 1  # numbers and symbols: one unit each
    count = len(_VOWEL_GROUP.findall(w))
    # "ia"/"io"/"iu" are two syllables ("giant", "radio") except in -cial, -tion, -sion, -gion.
    count += len(_SPLIT_VOWELS.findall(w))
    consonant_le = len(w) > 2 and w.endswith("le") and w[-3] not in "aeiouy"
    if w.endswith("e") and not consonant_le and not w.endswith(("ee", "ye")) and count > 1:
        count -= 1  # silent final e: "make", "role"; but "ta-ble"
    elif w.endswith("ely") and len(w) > 4 and w[-4] not in "aeiouy" and count > 2:
        count -= 1  # "hugely", "lately"
    elif (
        w.endswith(("ed", "es"))
        and not w.endswith(("ied", "ies"))
        and count > 1
        and w[-3] not in "tdsxzcg"
    ):
        count -= 1  # "jumped", "makes": the 'e' is silent; but "want-ed", "box-es"
    return max(1, count)


def flesch(words: int, sentences: int, syllable_count: int) -> tuple[float, float]:
    """(reading ease, Flesch-Kincaid grade) from the three counts."""
    if not words or not sentences:
        return 0.0, 0.0
    wps, spw = words / sentences, syllable_count / words
    return 206.835 - 1.015 * wps - 84.6 * spw, 0.39 * wps + 11.8 * spw - 15.59


def unbalanced(paragraph: str) -> bool:
    """A closing mark without its opener, or a bracket left open. Opening quotes may run
    on (see _MAY_RUN_ON); straight quotes are not paired (they double as inch marks)."""
    stack: list[str] = []
    for ch in _PAIR_MARKS.findall(paragraph):
        if ch in _PAIRS:
            stack.append(ch)
        elif ch in _CLOSERS:
            if not stack or stack[-1] != _CLOSERS[ch]:
                return True
            stack.pop()
    return any(ch not in _MAY_RUN_ON for ch in stack)


def _garbled_share(text: str, matches: list[tuple[int, int, str]]) -> float:
    """Share of characters that are decoding residue; `matches`: the lexicon's terms."""
    chars = 0
    if _MOJIBAKE_FIRST.search(text):  # most texts have none: one cheap scan says so
        chars = sum(len(m.group(0)) for m in _MOJIBAKE.finditer(text))
    chars += sum(e - s for s, e, c in matches if c == "garbled")
    return chars / max(1, len(text))


def score(
    text: str,
    lang: str,
    seg: segment.Segmented | None = None,
    lexicon: rules.Lexicon | None = None,
) -> dict[str, float]:
    """Components and the combined `readability` (module docstring). `seg` and `lexicon`
    let a caller reuse a segmentation and word lists it already has."""
    seg = seg or segment.Segmented(text, lang)
    lexicon = lexicon or rules.default_lexicon(lang)
    paragraphs, sents = seg.paragraphs, seg.all_sentences
    n_par, n_sent = max(1, len(paragraphs)), max(1, len(sents))
    out: dict[str, float] = {}

    n_words = seg.word_count
    language = languages.get(lang)
    if language.ease == "sentence_length":
        chars = tokenizers.char_counts(text)
        common_share = chars.han_common / chars.han if chars.han else 0.0
        sentence_chars = sum(len(s.strip()) for s in sents) / n_sent
        out["mean_sentence_chars"] = sentence_chars
        out["mean_sentence_words"] = n_words / n_sent
        out["common_char_share"] = common_share
        ease = (clamp(1 - (sentence_chars - 15) / 60) + clamp((common_share - 0.85) / 0.15)) / 2
    else:
        syl = sum(map(syllables, itertools.chain.from_iterable(seg.sentence_words)))
        fre, grade = flesch(n_words, len(sents), syl)
        out["flesch_reading_ease"] = fre
        out["flesch_kincaid_grade"] = grade
        out["mean_sentence_words"] = n_words / n_sent
        ease = clamp(fre / 100)
    out["ease"] = ease

    rates = {
        "unbalanced_pairs": sum(map(unbalanced, paragraphs)) / n_par,
        "repeated_punctuation": len(_REPEATED.findall(text)) / n_sent,
        "improper_punctuation": (
            sum(bool(_LINE_OPENS_WITH_MARK.match(p)) for p in paragraphs)
            + (_space_before_marks(text) if language.unspaced_marks else 0)
        )
        / n_sent,
        "mixed_width": len(language.wrong_width_marks.findall(text)) / n_sent,
        "missing_final": _missing_final_share(paragraphs, language.heading_chars),
        "lowercase_start": (
            sum(s.lstrip("\"'“‘([")[:1].islower() for s in sents) / n_sent
            if language.cased
            else 0.0
        ),
        "garbled": _garbled_share(text, seg.terms(lexicon)),
        "incomplete_ending": float(_incomplete(paragraphs)),
    }
    out.update(rates)
    grammar = clamp(1 - sum(WEIGHTS[k] * rates[k] for k in GRAMMAR))
    completeness = clamp(1 - sum(WEIGHTS[k] * rates[k] for k in COMPLETENESS))
    out["grammar"], out["completeness"] = grammar, completeness
    out["correctness"] = grammar * completeness
    out["readability"] = EASE_WEIGHT * ease + (1 - EASE_WEIGHT) * grammar
    return out


def _missing_final_share(paragraphs: list[str], heading_chars: int) -> float:
    # Headings and captions are short and end without a mark by design: only longer
    # paragraphs count (the language's heading_chars: 25 in zh, 60 in en).
    long = [p.rstrip() for p in paragraphs if len(p.strip()) >= heading_chars]
    if not long:
        return 0.0
    return sum(not p.endswith(rules.TERMINAL_MARKS) for p in long) / len(long)


def _incomplete(paragraphs: list[str]) -> bool:
    if not paragraphs:
        return True
    last = paragraphs[-1].rstrip()
    return bool(_TRAILING_CUT.search(last)) or (
        len(last) >= 20 and not last.endswith(rules.TERMINAL_MARKS)
    )
