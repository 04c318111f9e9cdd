"""Coherence of a document (the Ziya2 paper's CH attribute), from what its annotators
flag: advertising, URL navigation bars, form boilerplate, a line repeated many times,
and unrelated pieces joined together.

`score(text, lang)` returns the components (each a share in [0, 1]) and

    coherence = product over components c of (1 - min(1, WEIGHTS[c] * share[c]))

so one clean signal leaves 1.0 and each flagged kind of content costs in proportion to
how much of the document it takes.

Unrelated pieces: each unit (a paragraph; windows of three sentences when there are
fewer than three paragraphs) is compared with the rest of the document by the cosine of
their content-word counts (segment.content_words: function words and numbers left out;
zh words of two or more characters). `unrelated` is the share of characters in units of at least
MIN_UNIT_WORDS content words whose cosine falls below UNRELATED_COSINE.

Topic shift: unrelated pieces miss two long texts joined, as each half is at home among
its own sentences. So the document is also cut in two at every boundary between windows
of sentences, and the two sides compared; where the weakest cut's cosine falls below
SHIFT_COSINE, `topic_shift` is the smaller side's share of the characters, scaled by how
far below (see topic_shift). On THUCNews and BBC it tells an article from half of two
articles joined with an AUC of 0.96-0.98 (bench.attribute_quality).
"""

from __future__ import annotations

import bisect
import math
import operator
import re
from collections import Counter

from ziya_data.udfs import languages, rules, segment

WEIGHTS = {
    "advertising": 2.0,  # share of characters in sentences selling or promoting gambling
    "navigation": 2.0,  # share of lines that are menu items
    "form": 2.0,  # share of characters in sentences of form fields or site boilerplate
    "url": 4.0,  # share of characters inside URLs
    "repeated_lines": 1.5,  # share of lines that repeat an earlier line
    "repeated_title": 1.0,  # extra copies of the first line inside the text, per sentence
    "unrelated": 1.0,  # share of characters in units unrelated to the rest
    "link_list": 1.0,  # share of lines in runs of LIST_RUN or more short lines (link lists)
    "topic_shift": 1.5,  # the smaller side of a cut where the topic changes, by how much
}
LIST_RUN = 3  # lines shorter than the language's short_line_chars
COMPONENTS = tuple(WEIGHTS)
UNRELATED_COSINE = 0.05
MIN_UNIT_WORDS = 5
SENTENCE_WINDOW = 3
# Topic shift: the text cut between windows of SHIFT_WINDOW sentences, at least
# SHIFT_MIN_SIDE windows on each side; the cut whose two sides share the fewest content
# words (cosine of their counts) is where two texts would have been joined. Measured on
# real news (THUCNews, BBC) against halves of two articles joined: a tenth of the articles
# fall below 0.08-0.10 at their weakest cut, nine in ten splices below 0.06-0.075.
SHIFT_WINDOW = 2
SHIFT_MIN_SIDE = 2
SHIFT_COSINE = 0.06
# A sentence counts as advertising (or form) with two different terms of the kind, or
# one in a sentence shorter than this (a slogan or a contact line, not prose).
SHORT_SENTENCE = 40

_URL = re.compile(r"https?://\S+|www\.\S+", re.I)
_AD = ("advertising", "gambling")
_FORM = ("form_fields", "boilerplate")


def unrelated_share(units: list[str], unit_words: list[list[str]]) -> float:
    """Share of characters in units whose content words hardly overlap the rest's."""
    if not any(len(words) >= MIN_UNIT_WORDS for words in unit_words):
        return 0.0  # no unit has the words to be judged (most short documents)
    total = Counter(w for words in unit_words for w in words)
    counts = list(total.values())
    total_sq = sum(map(operator.mul, counts, counts))
    total_n = sum(counts)
    chars = sum(len(u) for u in units) or 1
    flagged = 0
    for unit, words in zip(units, unit_words):
        if len(words) < MIN_UNIT_WORDS or total_n - len(words) < MIN_UNIT_WORDS:
            continue
        # cosine(bag, total - bag) without building the difference:
        # bag.(total - bag) = bag.total - |bag|^2; |total - bag|^2 = |total|^2 - 2 bag.total + |bag|^2
        bag = Counter(words)
        counts = list(bag.values())
        dot_total = sum(map(operator.mul, counts, map(total.__getitem__, bag)))
        bag_sq = sum(map(operator.mul, counts, counts))
        rest_sq = total_sq - 2 * dot_total + bag_sq
        dot = dot_total - bag_sq
        cos = dot / math.sqrt(bag_sq * rest_sq) if rest_sq > 0 else 0.0
        if cos < UNRELATED_COSINE:
            flagged += len(unit)
    return flagged / chars


def topic_shift(sentences: list[str], sentence_words: list[list[str]]) -> float:
    """The smaller side's share of the characters at the weakest cut, times how far its
    cosine lies below SHIFT_COSINE (0 when no cut falls below it). Windows move from the
    right side to the left one by one, the dot product and norms kept up to date."""
    k = SHIFT_WINDOW
    if math.ceil(len(sentences) / k) < 2 * SHIFT_MIN_SIDE:
        return 0.0  # too few windows for a cut (most short documents): no bags needed
    windows = [
        (sum(len(s) for s in sentences[i : i + k]),
         Counter(w for ws in sentence_words[i : i + k] for w in ws))
        for i in range(0, len(sentences), k)
    ]  # fmt: skip
    left: Counter = Counter()
    right: Counter = Counter()
    for _, bag in windows:
        right.update(bag)
    dot, left_sq = 0, 0
    right_sq = sum(v * v for v in right.values())
    total = sum(n for n, _ in windows) or 1
    left_chars, worst = 0, (1.0, 0.0)
    for cut in range(1, len(windows) - SHIFT_MIN_SIDE + 1):
        chars, bag = windows[cut - 1]
        left_chars += chars
        for word, n in bag.items():  # move the window's words from right to left
            lw, rw = left[word], right[word]
            dot += (lw + n) * (rw - n) - lw * rw
            left_sq += (lw + n) ** 2 - lw * lw
            right_sq += (rw - n) ** 2 - rw * rw
            left[word], right[word] = lw + n, rw - n
        if cut < SHIFT_MIN_SIDE:
            continue
        cos = dot / math.sqrt(left_sq * right_sq) if left_sq and right_sq else 0.0
        if cos < worst[0]:
            worst = (cos, min(left_chars, total - left_chars) / total)
    cos, side = worst
    return side * (1 - cos / SHIFT_COSINE) if cos < SHIFT_COSINE else 0.0


def _url_chars(text: str) -> int:
    # Substring tests first: most texts hold no URL, and the regex scan is slow.
    if "://" not in text and "www." not in text.lower():
        return 0
    return sum(len(m.group(0)) for m in _URL.finditer(text))


def _spans(text: str, parts: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each part in text, found in order (parts are substrings, in order)."""
    spans, pos = [], 0
    for part in parts:
        start = text.find(part, pos)
        if start < 0:  # not found as is (should not happen): an empty span
            spans.append((pos, pos))
            continue
        pos = start + len(part)
        spans.append((start, pos))
    return spans


def _terms_by_sentence(text: str, sentences: list[str], matches: list[tuple[int, int, str]]):
    """(sentence, {(category, term)}) for each sentence holding a whole lexicon match:
    one search of the text, matches dealt to sentences by position."""
    if not matches:
        return []
    spans = _spans(text, sentences)
    starts = [start for start, _ in spans]
    found: dict[int, set[tuple[str, str]]] = {}
    for a, b, category in matches:
        i = bisect.bisect_right(starts, a) - 1  # the last sentence starting at or before a
        if i >= 0 and b <= spans[i][1]:
            found.setdefault(i, set()).add((category, text[a:b].lower()))
    return [(sentences[i], terms) for i, terms in sorted(found.items())]


def list_line_share(lines: list[str], short: int) -> float:
    """Share of lines in runs of LIST_RUN or more consecutive short lines: lists of links,
    related articles or products. A heading or two between paragraphs does not count."""
    in_runs = run = 0
    for line in [*lines, "x" * short]:  # a long sentinel closes the last run
        if len(line) < short:
            run += 1
            continue
        in_runs += run if run >= LIST_RUN else 0
        run = 0
    return in_runs / max(1, len(lines))


def score(
    text: str,
    lang: str,
    seg: segment.Segmented | None = None,
    lexicon: rules.Lexicon | None = None,
) -> dict[str, float]:
    """Components and the combined `coherence` (module docstring)."""
    seg = seg or segment.Segmented(text, lang)
    lexicon = lexicon or rules.default_lexicon(lang)
    lines = [ln.strip() for ln in seg.paragraphs]
    n_lines = max(1, len(lines))
    chars = sum(len(ln) for ln in lines) or 1

    ad_chars = form_chars = 0
    for sentence, terms in _terms_by_sentence(text, seg.all_sentences, seg.terms(lexicon)):
        ad = sum(c in _AD for c, _ in terms)  # different terms, not repeats of one
        form = sum(c in _FORM for c, _ in terms)
        short = len(sentence.strip()) < SHORT_SENTENCE
        if ad >= 2 or (ad and short):
            ad_chars += len(sentence.strip())
        elif form >= 2 or (form and short):
            form_chars += len(sentence.strip())
    seen: set[str] = set()
    repeats = 0
    for line in lines:
        repeats += line in seen
        seen.add(line)
    title = lines[0] if lines and len(lines[0]) <= 60 and len(lines) > 1 else ""
    title_copies = "\n".join(lines[1:]).count(title) if len(title) >= 4 else 0

    per_sentence = seg.content(lexicon.terms.get("function_words", set()))
    if len(seg.paragraphs) >= 3:
        units, unit_words, i = seg.paragraphs, [], 0
        for sents in seg.sentences:
            unit_words.append([w for ws in per_sentence[i : i + len(sents)] for w in ws])
            i += len(sents)
    else:  # few paragraphs: windows of SENTENCE_WINDOW sentences stand in for them
        sents, k = seg.all_sentences, SENTENCE_WINDOW
        units = ["".join(sents[i : i + k]) for i in range(0, len(sents), k)]
        unit_words = [
            [w for ws in per_sentence[i : i + k] for w in ws] for i in range(0, len(sents), k)
        ]

    shares = {
        "advertising": ad_chars / chars,
        "navigation": sum(rules.is_navigation_line(ln, lexicon) for ln in lines) / n_lines,
        "form": form_chars / chars,
        "url": _url_chars(text) / chars,
        "repeated_lines": repeats / n_lines,
        "repeated_title": max(0, title_copies - 1) / max(1, len(seg.all_sentences)),
        "unrelated": unrelated_share(units, unit_words),
        "link_list": list_line_share(lines, languages.get(lang).short_line_chars),
        "topic_shift": topic_shift(seg.all_sentences, per_sentence),
    }
    coherence = 1.0
    for name, share in shares.items():
        coherence *= 1 - min(1.0, WEIGHTS[name] * share)
    return {**shares, "coherence": coherence}
