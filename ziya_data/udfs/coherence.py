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
}
LIST_RUN = 3  # lines shorter than the language's short_line_chars
COMPONENTS = tuple(WEIGHTS)
UNRELATED_COSINE = 0.05
MIN_UNIT_WORDS = 5
SENTENCE_WINDOW = 3
# A sentence counts as advertising (or form) with two different terms of the kind, or
# one in a sentence shorter than this (a slogan or a contact line, not prose).
SHORT_SENTENCE = 40

_URL = re.compile(r"https?://\S+|www\.\S+", re.I)
_AD = ("advertising", "gambling")
_FORM = ("form_fields", "boilerplate")


def unrelated_share(units: list[str], unit_words: list[list[str]]) -> float:
    """Share of characters in units whose content words hardly overlap the rest's."""
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
    }
    coherence = 1.0
    for name, share in shares.items():
        coherence *= 1 - min(1.0, WEIGHTS[name] * share)
    return {**shares, "coherence": coherence}
