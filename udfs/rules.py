"""Rule-based filtering (the Ziya2 paper's RF step): a registry of rules applied
document -> paragraph -> sentence.

* Document rules look at the whole text and reject it; the first that fires names the
  reason. Structural rules (navigation bars, forms, short lines) come before length so a
  menu page is rejected as a menu, not merely as short.
* Paragraph rules remove a line (advertising, gambling, boilerplate, navigation, form).
* Sentence rules remove a sentence (toxicity) or mask what they match (privacy).
* A document that loses more than `max_removed_share` of its characters to paragraph and
  sentence rules is rejected with the rule that removed the most; one left too short is
  rejected as `too_short_after_filter`.

Every threshold is a parameter with a default here; the filter job's config overrides
them by "rule.param" keys. Units: en counts words, zh counts characters; n-gram rules use
words for en and characters for zh with n doubled (a Chinese word is about two characters).
Word lists live in conf/rules/ (<category>.<lang>.txt, '#' lines are comments).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from udfs import segment

LEVELS = ("document", "paragraph", "sentence")
CATEGORIES = (
    "toxic_explicit", "toxic_violent", "toxic_terrorist", "toxic_discriminatory", "advertising", "gambling",
    "boilerplate", "form_fields", "navigation", "stopwords", "garbled", "function_words",
)  # fmt: skip
# Categories used as sets of whole lines or words: common words, kept out of the search.
SET_ONLY = ("stopwords", "navigation", "function_words")
TOO_SHORT_AFTER_FILTER = "too_short_after_filter"


# ---------------------------------------------------------------- word lists


def load_word_lists(rules_dir: str | Path) -> dict[str, dict[str, list[str]]]:
    """{category: {lang: [terms]}} from <category>.<lang>.txt files ('all' = every language)."""
    lists: dict[str, dict[str, list[str]]] = {c: {} for c in CATEGORIES}
    for path in sorted(Path(rules_dir).glob("*.txt")):
        category, _, lang = path.stem.rpartition(".")
        if category not in lists:
            continue
        terms = [ln.strip().lower() for ln in path.read_text(encoding="utf-8").splitlines()]
        lists[category][lang] = [t for t in terms if t and not t.startswith("#")]
    return lists


def bundled_rules_dir() -> Path:
    """conf/rules of a source checkout, else the copy installed with the package."""
    import sys

    here = Path(__file__).resolve().parents[1] / "conf" / "rules"
    return here if here.is_dir() else Path(sys.prefix) / "share" / "ziya-data" / "rules"


_DEFAULT_LEXICONS: dict[str, Lexicon] = {}


def default_lexicon(lang: str) -> Lexicon:
    """The lexicon of the bundled word lists, built once per process."""
    lex = _DEFAULT_LEXICONS.get(lang)
    if lex is None:
        lex = _DEFAULT_LEXICONS[lang] = Lexicon(load_word_lists(bundled_rules_dir()), lang)
    return lex


class Lexicon:
    """All word lists of one language in one Aho-Corasick automaton: one pass finds every
    term of every category. English terms match whole words only."""

    def __init__(self, lists: dict[str, dict[str, list[str]]], lang: str):
        import ahocorasick

        self.lang = lang
        self.terms: dict[str, set[str]] = {}
        categories_of: dict[str, list[str]] = {}
        for category, by_lang in lists.items():
            self.terms[category] = set(by_lang.get(lang, [])) | set(by_lang.get("all", []))
            if category in SET_ONLY:
                continue  # looked up word by word, never searched for
            for term in self.terms[category]:
                categories_of.setdefault(term, []).append(category)
        self.automaton = ahocorasick.Automaton()
        for term, categories in categories_of.items():
            self.automaton.add_word(term, (len(term), tuple(categories)))
        self.empty = not categories_of
        if not self.empty:
            self.automaton.make_automaton()

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, category) of every term in `text` (case-insensitive)."""
        if self.empty:
            return []
        low = text.lower()
        out = []
        for last, (length, categories) in self.automaton.iter(low):
            start, end = last + 1 - length, last + 1
            if self.lang != "zh" and not _whole_word(low, start, end):
                continue
            out += [(start, end, c) for c in categories]
        return out


def _whole_word(low: str, start: int, end: int) -> bool:
    before = low[start - 1] if start > 0 else " "
    after = low[end] if end < len(low) else " "
    first, last = low[start], low[end - 1]
    return not (first.isalnum() and before.isalnum()) and not (last.isalnum() and after.isalnum())


# ---------------------------------------------------------------- document view


_BLANK_LINE = re.compile(r"\n\s*\n")
_BLANK_RUN = re.compile(r"\n{3,}")


class Doc:
    """A document with the measures the rules share, computed once when first asked for."""

    def __init__(self, text: str, lang: str, lexicon: Lexicon):
        self.text, self.lang, self.lexicon = text, lang, lexicon

    @cached_property
    def lines(self) -> list[str]:
        return [ln.strip() for ln in self.text.split("\n") if ln.strip()]

    @cached_property
    def blocks(self) -> list[str]:
        """Paragraphs separated by blank lines."""
        return [b.strip() for b in _BLANK_LINE.split(self.text) if b.strip()]

    @cached_property
    def chars(self) -> int:
        return len(self.text) - self.text.count(" ") - self.text.count("\n")

    @cached_property
    def words(self) -> list[str]:
        return segment.en_words(self.text)

    @cached_property
    def units(self) -> list[str]:
        """Words for en, non-space characters for zh."""
        return self.words if self.lang == "en" else list(self._zh_chars)

    @cached_property
    def unit_count(self) -> int:
        return len(self.words) if self.lang == "en" else len(self._zh_chars)

    @cached_property
    def _zh_chars(self) -> str:
        return "".join(self.text.split())

    @cached_property
    def matches(self) -> list[tuple[int, int, str]]:
        return self.lexicon.find(self.text)

    def hits(self, category: str) -> int:
        return sum(1 for m in self.matches if m[2] == category)

    def ngram_n(self, n: int) -> int:
        return n if self.lang == "en" else 2 * n

    @cached_property
    def _unit_ids(self):
        """(unit ids, unit lengths): units as numbers (set by seed_ngram_profiles for a
        batch of documents)."""
        return unit_ids([self])

    def ngrams(self, n: int) -> NgramProfile:
        """Top n-gram coverage and repeated n-gram coverage, as shares of unit characters,
        one n-gram size at a time (the 2-gram profile bounds the others, and most
        documents need no other)."""
        cache = self.__dict__.setdefault("_ngram_cache", {})
        if n not in cache:
            if n == self.ngram_n(2):
                seed_ngram_profiles([self])  # a batch of one: the 2-gram repeats too
            else:
                ids, lengths = self._unit_ids
                cache[n] = ngram_profiles(ids, lengths, [0, len(ids)], n)[0][0]
        return cache[n]

    def repeats_at_most(self, n: int, limit: float) -> bool:
        """Whether ngrams(n).dup_share <= limit, settled by cheaper bounds where one does.
        Each occurrence of a repeated n-gram is made of repeated shorter ones, so the
        2-gram coverage bounds it, and tighter, the coverage of the runs of repeated
        2-grams long enough to make an n-gram (repeated_chain_share); past 5 units the
        5-gram coverage too. Most documents are settled without an n-gram sort."""
        base = self.ngram_n(2)
        if base < n and (
            self.ngrams(base).dup_share <= limit or self.repeated_chain_share(n) <= limit
        ):
            return True
        middle = self.ngram_n(5)
        if middle < n and self.ngrams(middle).dup_share <= limit:
            return True
        return self.ngrams(n).dup_share <= limit

    def repeated_chain_share(self, n: int) -> float:
        """An upper bound of ngrams(n).dup_share, n >= ngram_n(2): the share of unit
        characters inside n-grams whose every 2-gram (ngram_n(2)) is repeated. A repeated
        n-gram is one of them (its two occurrences repeat each of its 2-grams)."""
        import numpy as np

        base = self.ngram_n(2)
        self.ngrams(base)
        repeated = self.__dict__["_base_repeats"]  # 2-gram at this unit is repeated
        links = n - base + 1  # 2-grams in an n-gram
        if len(repeated) < links or not repeated.any():
            return 0.0
        run = np.concatenate(([0], np.cumsum(repeated)))
        starts = np.flatnonzero(run[links:] - run[:-links] == links)
        if len(starts) == 0:
            return 0.0
        units = len(repeated)
        edges = np.bincount(starts, minlength=units + 1) - np.bincount(
            starts + n, minlength=units + 1
        )
        lengths = self._unit_ids[1]
        return float(lengths[np.cumsum(edges[:-1]) > 0].sum() / self._unit_offsets[-1])

    def top_share_bound(self, n: int) -> float:
        """An upper bound of ngrams(n).top_share, n >= ngram_n(2), from the 2-gram profile:
        an n-gram occurs at most as often as the top 2-gram (each of its occurrences starts
        with one of its prefix's) and covers at most the widest run of n units. Most
        documents stay far below the limits, so their 3- and 4-gram sorts are skipped."""
        top = self.ngrams(self.ngram_n(2)).top_count
        _, lengths = self._unit_ids
        if top < 2 or len(lengths) < n:
            return 0.0  # no 2-gram repeats, so no n-gram does
        offsets = self._unit_offsets
        if self.lang == "zh":
            widest = n  # a unit is one character
        else:
            widest = int((offsets[n:] - offsets[:-n]).max())
        return top * widest / int(offsets[-1])

    @cached_property
    def _unit_offsets(self):
        """Where each unit starts, in unit characters, and their total at the end."""
        import numpy as np

        return np.concatenate(([0], np.cumsum(self._unit_ids[1])))

    def count(self, pattern: re.Pattern) -> int:
        return len(pattern.findall(self.text))

    def char_counts(self, common_n: int = 3500) -> segment.CharCounts:
        """Digits, capitals and Chinese characters (segment.char_counts), once per n."""
        cache = self.__dict__.setdefault("_char_counts", {})
        if common_n not in cache:
            cache[common_n] = segment.char_counts(self.text, common_n)
        return cache[common_n]


@dataclass(frozen=True)
class NgramProfile:
    # characters covered by the most frequent n-gram (all its occurrences; of equally
    # frequent n-grams, the one with the most characters)
    top_share: float
    dup_share: float  # characters inside n-grams that occur more than once
    top_count: int = 0  # occurrences of the most frequent n-gram (0: none repeats)


_BASE = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
_POWERS: list = []


def _powers(length: int):
    """BASE**i and BASE**-i modulo 2**64 for i < length (grown on demand, kept)."""
    if not _POWERS or len(_POWERS[0]) < length:
        # doubled at least, so batches of growing size do not rebuild it each time
        size = max(length, 4096, 2 * len(_POWERS[0]) if _POWERS else 0)
        _POWERS[:] = [_power_table(_BASE, size), _power_table(pow(_BASE, -1, 2**64), size)]
    return _POWERS[0], _POWERS[1]


def _power_table(base: int, size: int):
    """base**i modulo 2**64 for i < size: each filled half times base**half fills the next
    (uint64 products wrap modulo 2**64, so they are exact)."""
    import numpy as np

    table = np.empty(size, dtype=np.uint64)
    table[0], filled = 1, 1
    with np.errstate(over="ignore"):
        while filled < size:
            step = min(filled, size - filled)
            table[filled : filled + step] = table[:step] * np.uint64(pow(base, filled, 2**64))
            filled += step
    return table


def prefix_hashes(ids):
    """H[i] = sum of ids[j] * BASE**j for j < i (mod 2**64): any n-gram hash in O(1)."""
    import numpy as np

    pw, _ = _powers(len(ids) + 1)
    out = np.zeros(len(ids) + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        np.cumsum(ids * pw[: len(ids)], out=out[1:])
    return out


def unit_ids(docs: list[Doc]):
    """The units of `docs` (all of one kind: characters or words) as one array of uint64
    ids and one of float lengths: a character's code point, a word's hash."""
    import numpy as np

    if docs and docs[0].lang == "zh":
        text = "".join(d._zh_chars for d in docs).encode("utf-32-le", "surrogatepass")
        ids = np.frombuffer(text, dtype=np.uint32).astype(np.uint64)
        return ids, np.ones(len(ids))
    words = [w for d in docs for w in d.words]
    ids = np.fromiter(map(hash, words), dtype=np.int64, count=len(words)).view(np.uint64)
    return ids, np.fromiter(map(len, words), dtype=np.float64, count=len(words))


def seed_ngram_profiles(docs: list[Doc]) -> None:
    """Give each document its units and its 2-gram profile (ngram_n(2), with the repeated
    2-grams), computed for all of them in one ngram_profiles call: the profile every
    document needs. N-gram hashes are position-free (prefix_hashes), so the documents'
    units are simply laid end to end; each document's numbers are those of a batch of one
    (tested)."""
    import numpy as np

    groups: dict[tuple, list[Doc]] = {}
    for d in docs:
        groups.setdefault((d.lang == "zh", d.ngram_n(2)), []).append(d)
    for (chars, n), group in groups.items():
        ids, lengths = unit_ids(group)
        sizes = [len(d._zh_chars) if chars else len(d.words) for d in group]
        bounds = np.concatenate(([0], np.cumsum(sizes)))
        profiles, repeats = ngram_profiles(ids, lengths, bounds, n)
        for d, a, b, profile in zip(group, bounds[:-1].tolist(), bounds[1:].tolist(), profiles):
            d.__dict__["_unit_ids"] = (ids[a:b], lengths[a:b])
            d.__dict__["_base_repeats"] = repeats[a:b]
            d.__dict__.setdefault("_ngram_cache", {})[n] = profile


def ngram_profiles(ids, lengths, bounds, n: int):
    """The n-gram profile of every document [bounds[i], bounds[i+1]) of the units `ids`
    (with character `lengths`), and per unit whether the n-gram starting there is
    repeated in its document. Of equally frequent n-grams the top one is the one with the
    most characters."""
    import numpy as np
    import pandas as pd

    bounds = np.asarray(bounds)
    docs, units = len(bounds) - 1, len(ids)
    empty = NgramProfile(0.0, 0.0)
    if units < n:
        return [empty] * docs, np.zeros(units, dtype=bool)
    prefix = prefix_hashes(ids)
    _, inv = _powers(units + 1)
    doc_of_unit = np.repeat(np.arange(docs), np.diff(bounds))
    starts = np.arange(units - n + 1)
    starts = starts[starts + n <= bounds[doc_of_unit[starts] + 1]]  # within one document
    doc = doc_of_unit[starts]
    if len(starts) == 0:
        return [empty] * docs, np.zeros(units, dtype=bool)
    # An n-gram's hash mixed with its document's number, counted in a hash table (no sort):
    # each position learns how often its n-gram occurs in its document. Two pairs meeting
    # on one key is as likely as two n-grams meeting on one hash, which the per-document
    # profile accepts too.
    with np.errstate(over="ignore"):
        keys = (prefix[starts + n] - prefix[starts]) * inv[starts]
        keys += doc.astype(np.uint64) * np.uint64(_BASE)
    codes, _ = pd.factorize(keys)
    occurrences = np.bincount(codes)[codes]
    # positions are in document order: per-document maxima over their stretches
    first_gram = np.searchsorted(doc, np.arange(docs))
    has_grams = np.flatnonzero(np.bincount(doc, minlength=docs))
    top = np.zeros(docs, dtype=np.int64)
    top[has_grams] = np.maximum.reduceat(occurrences, first_gram[has_grams])
    char_offset = np.concatenate(([0.0], np.cumsum(lengths)))
    gram_chars = char_offset[starts + n] - char_offset[starts]
    top_chars = np.zeros(docs)
    top_chars[has_grams] = np.maximum.reduceat(
        np.where(occurrences == top[doc], gram_chars, 0.0), first_gram[has_grams]
    )
    repeated = starts[occurrences > 1]
    repeated_at = np.zeros(units, dtype=bool)
    repeated_at[repeated] = True
    edges = np.bincount(repeated, minlength=units + 1) - np.bincount(
        repeated + n, minlength=units + 1
    )
    covered_chars = np.concatenate(
        ([0.0], np.cumsum(np.where(np.cumsum(edges[:-1]) > 0, lengths, 0.0)))
    )
    dup_chars = covered_chars[bounds[1:]] - covered_chars[bounds[:-1]]
    total = char_offset[bounds[1:]] - char_offset[bounds[:-1]]
    grams = np.diff(bounds) - n + 1
    out = []
    for i in range(docs):
        if grams[i] < 2 or top[i] < 2 or total[i] == 0:
            out.append(empty)
        else:
            out.append(
                NgramProfile(
                    float(top[i] * top_chars[i] / total[i]),
                    float(dup_chars[i] / total[i]),
                    int(top[i]),
                )
            )
    return out, repeated_at


# ---------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Rule:
    name: str  # also the reject reason
    level: str
    languages: tuple[str, ...]
    params: dict[str, float]
    check: Callable
    description: str


REGISTRY: dict[str, Rule] = {}


def rule(level: str, languages: tuple[str, ...] = ("en", "zh"), **params: float):
    def register(fn: Callable) -> Callable:
        name = fn.__name__
        REGISTRY[name] = Rule(
            name, level, languages, params, fn, (fn.__doc__ or "").strip().split("\n")[0]
        )
        return fn

    return register


def default_thresholds() -> dict[str, float]:
    return {f"{r.name}.{k}": v for r in REGISTRY.values() for k, v in r.params.items()}


# ---- document rules: structure first ----

# A bare character class: the regex scan can skip straight to a separator.
_NAV_SEPARATORS = re.compile(r"[|·•»>/]")


def is_navigation_line(line: str, lexicon: Lexicon) -> bool:
    """Every item of the (stripped) line, between separators, is a menu word."""
    items = [i for i in map(str.strip, _NAV_SEPARATORS.split(line.lower())) if i]
    nav = lexicon.terms["navigation"]
    return bool(items) and all(i in nav for i in items)


@rule("document", min_lines=5, max_share=0.5)
def navigation_bar(doc: Doc, p) -> str | None:
    """Most lines are navigation menu items (a site's menu, not content)."""
    if len(doc.lines) < p["min_lines"]:
        return None
    # Only short lines can be menus; most documents have too few to reach the share.
    short = [ln for ln in doc.lines if len(ln) < 80]
    if len(short) <= p["max_share"] * len(doc.lines):
        return None
    share = sum(is_navigation_line(ln, doc.lexicon) for ln in short) / len(doc.lines)
    return f"{share:.2f} of lines" if share > p["max_share"] else None


@rule("document", min_lines=4, max_share=0.5)
def form_boilerplate(doc: Doc, p) -> str | None:
    """Most lines are web-form labels and buttons."""
    if len(doc.lines) < p["min_lines"]:
        return None
    if not any(m[2] == "form_fields" for m in doc.matches):
        return None
    form = doc.lexicon.terms["form_fields"]
    share = sum(len(ln) < 40 and any(f in ln.lower() for f in form) for ln in doc.lines) / len(
        doc.lines
    )
    return f"{share:.2f} of lines" if share > p["max_share"] else None


@rule("document", min_lines=5, max_share=0.6, en_chars=30, zh_chars=12)
def short_line_ratio(doc: Doc, p) -> str | None:
    """Most lines are short fragments (menus, lists of links, tag clouds)."""
    if len(doc.lines) < p["min_lines"]:
        return None
    limit = p["en_chars"] if doc.lang == "en" else p["zh_chars"]
    share = sum(len(ln) < limit for ln in doc.lines) / len(doc.lines)
    return f"{share:.2f} of lines" if share > p["max_share"] else None


def _above(share: float, limit: float) -> str | None:
    """A document rule's verdict: the measured share as detail when it exceeds the limit."""
    return f"{share:.2f}" if share > limit else None


def _repeated_share(units: list[str]) -> float:
    """Share of units that repeat an earlier one (Gopher's duplicate-line fraction)."""
    return 1 - len(set(units)) / len(units)


def _repeated_char_share(units: list[str]) -> float:
    """Share of characters inside units that repeat an earlier one."""
    seen, dup = set(), 0
    for unit in units:
        if unit in seen:
            dup += len(unit)
        seen.add(unit)
    return dup / max(1, sum(map(len, units)))


@rule("document", max_share=0.3)
def duplicate_lines(doc: Doc, p) -> str | None:
    """A large share of lines are repeats of other lines."""
    if len(doc.lines) < 3:
        return None
    share = _repeated_share(doc.lines)
    return _above(share, p["max_share"])


@rule("document", max_share=0.2)
def duplicate_line_chars(doc: Doc, p) -> str | None:
    """A large share of characters sit in repeated lines."""
    share = _repeated_char_share(doc.lines)
    return _above(share, p["max_share"])


@rule("document", max_share=0.3)
def duplicate_paragraphs(doc: Doc, p) -> str | None:
    """A large share of blank-line separated paragraphs are repeats."""
    if len(doc.blocks) < 3:
        return None
    share = _repeated_share(doc.blocks)
    return _above(share, p["max_share"])


@rule("document", max_share=0.2)
def duplicate_paragraph_chars(doc: Doc, p) -> str | None:
    """A large share of characters sit in repeated paragraphs."""
    share = _repeated_char_share(doc.blocks)
    return _above(share, p["max_share"])


@rule("document", max_share=0.2)
def top_2gram_share(doc: Doc, p) -> str | None:
    """The most frequent 2-gram covers too much of the text (a title repeated)."""
    share = doc.ngrams(doc.ngram_n(2)).top_share
    return _above(share, p["max_share"])


@rule("document", max_share=0.18)
def top_3gram_share(doc: Doc, p) -> str | None:
    """The most frequent 3-gram covers too much of the text."""
    if doc.top_share_bound(doc.ngram_n(3)) <= p["max_share"]:
        return None
    share = doc.ngrams(doc.ngram_n(3)).top_share
    return _above(share, p["max_share"])


@rule("document", max_share=0.16)
def top_4gram_share(doc: Doc, p) -> str | None:
    """The most frequent 4-gram covers too much of the text."""
    if doc.top_share_bound(doc.ngram_n(4)) <= p["max_share"]:
        return None
    share = doc.ngrams(doc.ngram_n(4)).top_share
    return _above(share, p["max_share"])


def _limit(doc: Doc, p) -> float:
    """The language's threshold: zh_max_share for Chinese where the rule has one."""
    return p.get("zh_max_share", p["max_share"]) if doc.lang == "zh" else p["max_share"]


def _repeats_above(doc: Doc, k: int, limit: float) -> str | None:
    """The verdict of a repeated k-gram rule (k scaled for zh)."""
    n = doc.ngram_n(k)
    return None if doc.repeats_at_most(n, limit) else f"{doc.ngrams(n).dup_share:.2f}"


# Gopher's thresholds are for English words. On Chinese characters (n doubled) real news
# repeats more (names, titles): measured on THUCNews, 12% of articles exceed 0.15 at the
# 5-gram step and 6% exceed 0.25, against 16% of the spam-laden ChineseWebText pages.
@rule("document", max_share=0.15, zh_max_share=0.25)
def dup_5gram_share(doc: Doc, p) -> str | None:
    """Too much of the text sits in repeated 5-grams (copy-paste, spinning)."""
    return _repeats_above(doc, 5, _limit(doc, p))


@rule("document", max_share=0.13, zh_max_share=0.22)
def dup_7gram_share(doc: Doc, p) -> str | None:
    """Too much of the text sits in repeated 7-grams."""
    return _repeats_above(doc, 7, _limit(doc, p))


@rule("document", max_share=0.10, zh_max_share=0.2)
def dup_10gram_share(doc: Doc, p) -> str | None:
    """Too much of the text sits in repeated 10-grams."""
    return _repeats_above(doc, 10, _limit(doc, p))


# ---- document rules: character-level quality ----


@rule("document", max_per_1k_chars=2.0)
def garbled_chars(doc: Doc, p) -> str | None:
    """Residue of broken decoding (锟斤拷, ï¿½, replacement characters)."""
    rate = 1000 * doc.hits("garbled") / max(1, doc.chars)
    return f"{rate:.1f} per 1k chars" if rate > p["max_per_1k_chars"] else None


@rule("document", ("zh",), max_share=0.3, common_chars=3500)
def rare_char_share(doc: Doc, p) -> str | None:
    """Too many Chinese characters outside the common set (text decoded with the wrong codec)."""
    counts = doc.char_counts(int(p["common_chars"]))
    if counts.han < 20:
        return None
    share = 1 - counts.han_common / counts.han
    return _above(share, p["max_share"])


_VOWELLESS_WORD = re.compile(r"\b[b-df-hj-np-tv-xzB-DF-HJ-NP-TV-XZ]{2,}\b")
# On ASCII text \b means the same with ASCII classes, which the engine checks faster.
_VOWELLESS_WORD_ASCII = re.compile(_VOWELLESS_WORD.pattern, re.ASCII)
_DIGIT = re.compile(r"\d")


@rule("document", ("en",), max_share=0.25)
def vowelless_words(doc: Doc, p) -> str | None:
    """Too many alphabetic words without a vowel (keyboard mash, random strings)."""
    if len(doc.words) < 10:
        return None
    pattern = _VOWELLESS_WORD_ASCII if doc.text.isascii() else _VOWELLESS_WORD
    share = doc.count(pattern) / len(doc.words)
    return _above(share, p["max_share"])


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


@rule("document", ("zh",), max_run=150)
def unpunctuated_run(doc: Doc, p) -> str | None:
    """A run of Chinese characters far longer than any real sentence, without punctuation."""
    longest = max((len(m) for m in _CJK_RUN.findall(doc.text)), default=0)
    return f"{longest} chars" if longest > p["max_run"] else None


@rule("document", ("zh",), min_share=0.4)
def low_cjk_share(doc: Doc, p) -> str | None:
    """A zh document whose non-space characters are mostly not Chinese."""
    share = doc.char_counts().cjk / max(1, doc.chars)
    return f"{share:.2f}" if share < p["min_share"] else None


@rule("document", ("en",), min=3.0, max=10.0)
def mean_word_length(doc: Doc, p) -> str | None:
    """Mean word length outside the range of natural English."""
    if len(doc.words) < 10:
        return None
    mean = sum(map(len, doc.words)) / len(doc.words)
    return f"{mean:.1f}" if not p["min"] <= mean <= p["max"] else None


@rule("document", max_ratio=0.1)
def symbol_word_ratio(doc: Doc, p) -> str | None:
    """Too many '#' and ellipsis symbols per word (hashtag spam, truncated snippets)."""
    symbols = doc.text.count("#") + doc.text.count("...") + doc.text.count("…")
    ratio = symbols / max(1, doc.unit_count)
    return f"{ratio:.2f}" if ratio > p["max_ratio"] else None


@rule("document", max_share=0.25)
def digit_ratio(doc: Doc, p) -> str | None:
    """Too many digits (tables of numbers, phone lists, logs)."""
    share = doc.char_counts().digits / max(1, doc.chars)
    return _above(share, p["max_share"])


@rule("document", ("en",), max_share=0.3)
def uppercase_ratio(doc: Doc, p) -> str | None:
    """Too many capital letters (SHOUTING, spam)."""
    letters = sum(map(len, doc.words))  # letters and digits of words: close enough, and cheap
    if letters < 50:
        return None
    share = doc.char_counts().upper / letters
    return _above(share, p["max_share"])


_URL = re.compile(r"https?://\S+|www\.\S+", re.I)


@rule("document", max_per_100_units=2.0)
def url_density(doc: Doc, p) -> str | None:
    """Too many URLs for the amount of text (link farms)."""
    if "http" not in doc.text and "www." not in doc.text:
        return None
    rate = 100 * len(_URL.findall(doc.text)) / max(1, doc.unit_count)
    return f"{rate:.1f} per 100" if rate > p["max_per_100_units"] else None


_SCRIPT = re.compile(r"function\s*\(|\bvar\s+\w+\s*=|=\s*\"")


@rule("document", max_per_100_chars=1.0)
def markup_density(doc: Doc, p) -> str | None:
    """Code or HTML left in the text (braces, angle brackets, script statements)."""
    text = doc.text
    marks = text.count("{") + text.count("}") + text.count("<") + text.count(">")
    if "function" in text or "var " in text or "=" in text:
        marks += len(_SCRIPT.findall(text))
    rate = 100 * marks / max(1, doc.chars)
    return f"{rate:.2f} per 100 chars" if rate > p["max_per_100_chars"] else None


TERMINAL_MARKS = (
    "。",
    "！",
    "？",
    ".",
    "!",
    "?",
    "”",
    '"',
    "’",
    "'",
    "…",
    "）",
    ")",
    "；",
    ";",
    "：",
    ":",
)


@rule("document", min_lines=3, min_share=0.4)
def terminal_punctuation(doc: Doc, p) -> str | None:
    """Too few lines end like sentences (lists, menus, scraped fragments)."""
    if len(doc.lines) < p["min_lines"]:
        return None
    share = sum(ln.endswith(TERMINAL_MARKS) for ln in doc.lines) / len(doc.lines)
    return f"{share:.2f}" if share < p["min_share"] else None


@rule("document", min_lines=3, max_share=0.9)
def bullet_lines(doc: Doc, p) -> str | None:
    """Almost every line is a bullet point."""
    if len(doc.lines) < p["min_lines"]:
        return None
    share = sum(ln.startswith(("•", "-", "*", "·", "●", "▪", "◦")) for ln in doc.lines) / len(
        doc.lines
    )
    return _above(share, p["max_share"])


@rule("document", min_lines=3, max_share=0.3)
def ellipsis_lines(doc: Doc, p) -> str | None:
    """Many lines end with an ellipsis (truncated teasers)."""
    if len(doc.lines) < p["min_lines"]:
        return None
    share = sum(ln.endswith(("...", "…")) for ln in doc.lines) / len(doc.lines)
    return _above(share, p["max_share"])


@rule("document", ("en",), min_hits=2)
def stop_words(doc: Doc, p) -> str | None:
    """English prose uses function words; word salad and lists do not."""
    stop, found = doc.lexicon.terms["stopwords"], set()
    for word in doc.words[:2000]:
        if word.lower() in stop:
            found.add(word.lower())
            if len(found) >= p["min_hits"]:
                return None
    return f"{len(found)} distinct"


@rule("document", en_min_words=30, zh_min_chars=50)
def doc_too_short(doc: Doc, p) -> str | None:
    """Too little text to be a useful training document."""
    if doc.lang == "en":
        return f"{len(doc.words)} words" if len(doc.words) < p["en_min_words"] else None
    return f"{doc.chars} chars" if doc.chars < p["zh_min_chars"] else None


@rule("document", max_chars=500_000)
def doc_too_long(doc: Doc, p) -> str | None:
    """Longer than any real page (dumps, concatenated files)."""
    return f"{doc.chars} chars" if doc.chars > p["max_chars"] else None


# ---- paragraph rules: remove a line ----


@rule("paragraph", min_hits=2)
def advertising(line: str, hits: Counter, doc: Doc, p) -> bool:
    """A line of sales or spam phrases (distinct ones: a word said twice is not an ad)."""
    return hits["advertising"] >= p["min_hits"]


@rule("paragraph", min_hits=2)
def gambling(line: str, hits: Counter, doc: Doc, p) -> bool:
    """A line promoting gambling."""
    return hits["gambling"] >= p["min_hits"]


@rule("paragraph", min_hits=1, max_chars=200)
def boilerplate_line(line: str, hits: Counter, doc: Doc, p) -> bool:
    """A short line of page furniture (cookies, copyright, back to top)."""
    return hits["boilerplate"] >= p["min_hits"] and len(line) <= p["max_chars"]


@rule("paragraph")
def navigation_line(line: str, hits: Counter, doc: Doc, p) -> bool:
    """A line made only of navigation menu items."""
    return len(line) < 80 and is_navigation_line(line, doc.lexicon)


@rule("paragraph", min_hits=1, max_chars=40)
def form_line(line: str, hits: Counter, doc: Doc, p) -> bool:
    """A short line that is a form label or button."""
    return hits["form_fields"] >= p["min_hits"] and len(line) <= p["max_chars"]


# ---- sentence rules: remove a sentence ----


@rule("sentence", min_hits=1)
def toxic_explicit(sentence: str, hits: Counter, doc: Doc, p) -> bool:
    """Sexually explicit content or solicitation."""
    return hits["toxic_explicit"] >= p["min_hits"]


@rule("sentence", min_hits=1)
def toxic_violent(sentence: str, hits: Counter, doc: Doc, p) -> bool:
    """Incitement to violence."""
    return hits["toxic_violent"] >= p["min_hits"]


@rule("sentence", min_hits=1)
def toxic_terrorist(sentence: str, hits: Counter, doc: Doc, p) -> bool:
    """Terrorism and weapons-making."""
    return hits["toxic_terrorist"] >= p["min_hits"]


@rule("sentence", min_hits=1)
def toxic_discriminatory(sentence: str, hits: Counter, doc: Doc, p) -> bool:
    """Dehumanising or hateful language about groups."""
    return hits["toxic_discriminatory"] >= p["min_hits"]


# ---- privacy: mask (or drop the sentence) ----

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_CN_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")
_PHONE = re.compile(
    r"(?<![\d+])(?:\+\d{1,3}[ -]?)?(?:\(?\d{2,4}\)?[ -])\d{3,4}[ -]?\d{3,4}(?!\d)|(?<!\d)0\d{2,3}-\d{7,8}(?!\d)"
)
_CN_ID = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def valid_cn_id(number: str) -> bool:
    """GB 11643 check digit."""
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    return "10X98765432"[total % 11] == number[17].upper()


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        total += (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d
    return total % 10 == 0


@dataclass(frozen=True)
class PiiRule:
    name: str
    mask: str
    find: Callable[[str], list[tuple[int, int]]]


def _spans(
    pattern: re.Pattern, check: Callable[[str], bool] | None = None
) -> Callable[[str], list[tuple[int, int]]]:
    def find(text: str) -> list[tuple[int, int]]:
        return [m.span() for m in pattern.finditer(text) if check is None or check(m.group(0))]

    return find


PII_RULES = [  # order matters: ID numbers before cards before phones, so one number is one kind
    PiiRule("pii_email", "[EMAIL]", _spans(_EMAIL)),
    PiiRule("pii_cn_id", "[ID]", _spans(_CN_ID, valid_cn_id)),
    PiiRule("pii_bank_card", "[CARD]", _spans(_CARD, lambda s: luhn_ok(re.sub(r"\D", "", s)))),
    PiiRule("pii_phone", "[PHONE]", lambda t: _spans(_CN_MOBILE)(t) + _spans(_PHONE)(t)),
]
for _pii in PII_RULES:
    REGISTRY[_pii.name] = Rule(
        _pii.name, "sentence", ("en", "zh"), {}, _pii.find, f"Privacy: masks {_pii.mask}"
    )


def mask_pii(text: str, enabled: set[str]) -> tuple[str, list[str]]:
    """Replace emails, phone numbers, Chinese ID numbers and bank card numbers by tags."""
    if not _may_hold_pii(text):
        return text, []
    hits = []
    for pii in PII_RULES:
        if pii.name not in enabled:
            continue
        spans = pii.find(text)
        if spans:
            hits += [pii.name] * len(spans)
            for start, end in sorted(spans, reverse=True):
                text = text[:start] + pii.mask + text[end:]
    return text, hits


# ---------------------------------------------------------------- applying the rules


@dataclass(frozen=True)
class Settings:
    thresholds: dict[str, float]
    disabled: frozenset[str] = frozenset()
    max_removed_share: float = 0.3
    pii_action: str = "mask"  # mask | drop_sentence

    @cached_property
    def params(self) -> dict[str, dict[str, float]]:
        """Each rule's parameters: its defaults with the configured thresholds on top."""
        return {r.name: {k: self.thresholds.get(f"{r.name}.{k}", v) for k, v in r.params.items()}
                for r in REGISTRY.values()}  # fmt: skip

    def active(self, level: str, lang: str) -> list[Rule]:
        cache = self.__dict__.setdefault("_active", {})
        if (level, lang) not in cache:
            cache[(level, lang)] = [
                r for r in REGISTRY.values()
                if r.level == level and lang in r.languages and r.name not in self.disabled and not r.name.startswith("pii_")
            ]  # fmt: skip
        return cache[(level, lang)]

    def without_terms(self, level: str, lang: str) -> list[Rule]:
        """The active rules that can fire on a unit holding no word-list term: those
        without a `min_hits` of at least 1."""
        cache = self.__dict__.setdefault("_without_terms", {})
        if (level, lang) not in cache:
            cache[(level, lang)] = [
                r for r in self.active(level, lang) if self.params[r.name].get("min_hits", 0) < 1
            ]
        return cache[(level, lang)]

    @cached_property
    def pii_enabled(self) -> set[str]:
        return {p.name for p in PII_RULES if p.name not in self.disabled}


@dataclass
class Outcome:
    text: str
    reason: str | None = None
    detail: str | None = None
    hits: list[str] = field(default_factory=list)
    removed_share: float = 0.0


def apply_rules(text: str, lang: str, lexicon: Lexicon, settings: Settings) -> Outcome:
    """All rules on one document (module docstring). The outcome's text is the document
    after paragraph and sentence removals and privacy masking; a rejected outcome keeps
    the input text."""
    return _apply(Doc(text, lang, lexicon), settings)


def apply_rules_batch(
    texts: list[str], langs: list[str], lexicon: Callable[[str], Lexicon], settings: Settings
) -> list[Outcome]:
    """apply_rules on each document of a batch, with the 2-gram profiles all documents
    need computed together (seed_ngram_profiles). `lexicon` maps a language to its
    lexicon."""
    docs = [Doc(text, lang, lexicon(lang)) for text, lang in zip(texts, langs)]
    seed_ngram_profiles(docs)
    return [_apply(doc, settings) for doc in docs]


def _apply(doc: Doc, settings: Settings) -> Outcome:
    text, lang, lexicon = doc.text, doc.lang, doc.lexicon
    for r in settings.active("document", lang):
        detail = r.check(doc, settings.params[r.name])
        if detail is not None:
            return Outcome(text, r.name, detail, [r.name])

    para_rules = settings.active("paragraph", lang)
    para_rules_without_terms = settings.without_terms("paragraph", lang)
    sent_rules = settings.active("sentence", lang)
    removed: Counter = Counter()
    hits: list[str] = []
    match_ends = sorted(m[1] for m in doc.matches)
    # Lines are searched for privacy only where the whole document could hold some.
    pii_possible = "@" in text or doc.char_counts().digits >= _PII_MIN_DIGITS
    out_lines, offset = [], 0
    for line in text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        if not line.strip():
            out_lines.append(line)
            continue
        # Search a line again only when the document search found something inside it.
        first = bisect.bisect_right(match_ends, start)
        has_match = first < len(match_ends) and match_ends[first] <= start + len(line)
        line_hits = _distinct_hits(lexicon, line) if has_match else _NO_HITS
        candidates = para_rules if line_hits else para_rules_without_terms
        dropped = next(
            (r for r in candidates if r.check(line, line_hits, doc, settings.params[r.name])), None
        )
        if dropped is not None:
            removed[dropped.name] += len(line.strip())
            hits.append(dropped.name)
            continue
        if line_hits or (pii_possible and _may_hold_pii(line)):
            line = _sentence_pass(
                line, lang, lexicon, settings, sent_rules, bool(line_hits), removed, hits, doc
            )
        out_lines.append(line)

    new_text = "\n".join(out_lines).strip()
    if "\n\n\n" in new_text:  # a removed line between blank ones
        new_text = _BLANK_RUN.sub("\n\n", new_text)
    share = sum(removed.values()) / max(1, doc.chars)
    if share > settings.max_removed_share:
        worst = max(removed.items(), key=lambda kv: (kv[1], kv[0]))[0]
        return Outcome(text, worst, f"{share:.2f} of text removed", hits, share)
    short = REGISTRY["doc_too_short"]
    if removed and short.name not in settings.disabled:
        detail = short.check(Doc(new_text, lang, lexicon), settings.params[short.name])
        if detail is not None:
            return Outcome(text, TOO_SHORT_AFTER_FILTER, detail, hits, share)
    return Outcome(new_text, None, None, hits, share)


def _distinct_hits(lexicon: Lexicon, text: str) -> Counter:
    """Per category, how many different terms of it the text holds."""
    return Counter(
        category for category, _ in {(m[2], text[m[0] : m[1]].lower()) for m in lexicon.find(text)}
    )


_NO_HITS: Counter = Counter()  # read only
# The digit patterns need at least this many digits (a phone: 2 + 3 + 3; mobile numbers,
# landlines with area code, ID and card numbers more).
_PII_MIN_DIGITS = 8


def _may_hold_pii(text: str) -> bool:
    return "@" in text or len(_DIGIT.findall(text)) >= _PII_MIN_DIGITS


def _sentence_pass(line, lang, lexicon, settings, sent_rules, search, removed, hits, doc) -> str:
    kept = []
    for sentence in segment.sentences(line, lang):
        s_hits = _distinct_hits(lexicon, sentence) if search else _NO_HITS
        toxic = next(
            (
                r
                for r in sent_rules
                if s_hits and r.check(sentence, s_hits, doc, settings.params[r.name])
            ),
            None,
        )
        if toxic is not None:
            removed[toxic.name] += len(sentence.strip())
            hits.append(toxic.name)
            continue
        masked, pii_hits = mask_pii(sentence, settings.pii_enabled)
        if pii_hits:
            hits += pii_hits
            if settings.pii_action == "drop_sentence":
                removed[pii_hits[0]] += len(sentence.strip())
                continue
            sentence = masked
        kept.append(sentence)
    if lang == "zh":
        return "".join(kept)
    return " ".join(s.strip() for s in kept)


def rule_table() -> str:
    """The registry as the README's markdown table (a test keeps the README equal to it)."""
    rows = [
        "| rule (= reject reason) | level | languages | defaults | catches |",
        "|---|---|---|---|---|",
    ]
    for r in REGISTRY.values():
        params = (
            ", ".join(
                f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in r.params.items()
            )
            or "-"
        )
        rows.append(
            f"| `{r.name}` | {r.level} | {','.join(r.languages)} | {params} | {r.description} |"
        )
    return "\n".join(rows) + "\n"
