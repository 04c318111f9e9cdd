"""The document view the rules share: lines, paragraphs, words, lexicon matches,
character classes and n-gram profiles of one document, each computed once when a rule
first asks for it."""

from __future__ import annotations

import re

from ziya_data.udfs import computed_once, languages, tokenizers
from ziya_data.udfs.rules.lexicon import Lexicon
from ziya_data.udfs.rules.ngrams import NgramProfile, ngram_profiles

_BLANK_LINE = re.compile(r"\n\s*\n")
_BLANK_RUN = re.compile(r"\n{3,}")


class Doc:
    """A document with the measures the rules share, computed once when first asked for."""

    def __init__(self, text: str, lang: str, lexicon: Lexicon):
        self.text, self.lang, self.lexicon = text, lang, lexicon
        self.language = languages.get(lang)

    @computed_once
    def lines(self) -> list[str]:
        return [ln.strip() for ln in self.text.split("\n") if ln.strip()]

    @computed_once
    def blocks(self) -> list[str]:
        """Paragraphs separated by blank lines."""
        return [b.strip() for b in _BLANK_LINE.split(self.text) if b.strip()]

    @computed_once
    def chars(self) -> int:
        return len(self.text) - self.text.count(" ") - self.text.count("\n")

    @computed_once
    def words(self) -> list[str]:
        return tokenizers.en_words(self.text)

    @computed_once
    def units(self) -> list[str]:
        """What the language counts: non-space characters (zh) or words (en)."""
        return list(self._chars) if self.language.counts_chars else self.words

    @computed_once
    def unit_count(self) -> int:
        return len(self._chars) if self.language.counts_chars else len(self.words)

    @computed_once
    def _chars(self) -> str:
        """The non-space characters."""
        return "".join(self.text.split())

    @computed_once
    def matches(self) -> list[tuple[int, int, str]]:
        return self.lexicon.find(self.text)

    def hits(self, category: str) -> int:
        return sum(1 for m in self.matches if m[2] == category)

    def ngram_n(self, n: int) -> int:
        """The n of an n-gram rule in this language's units."""
        return n * self.language.ngram_scale

    @computed_once
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
        documents stay far below the limits, so their 3- and 4-gram sorts are skipped.
        Once per n (a rule's prefetch asks before its check does)."""
        cache = self.__dict__.setdefault("_top_share_bounds", {})
        if n not in cache:
            cache[n] = self._top_share_bound(n)
        return cache[n]

    def _top_share_bound(self, n: int) -> float:
        top = self.ngrams(self.ngram_n(2)).top_count
        _, lengths = self._unit_ids
        if top < 2 or len(lengths) < n:
            return 0.0  # no 2-gram repeats, so no n-gram does
        offsets = self._unit_offsets
        if self.language.counts_chars:
            widest = n  # a unit is one character
        else:
            widest = int((offsets[n:] - offsets[:-n]).max())
        return top * widest / int(offsets[-1])

    @computed_once
    def _unit_offsets(self):
        """Where each unit starts, in unit characters, and their total at the end."""
        import numpy as np

        return np.concatenate(([0], np.cumsum(self._unit_ids[1])))

    def count(self, pattern: re.Pattern) -> int:
        return len(pattern.findall(self.text))

    def char_counts(self, common_n: int = 3500) -> tokenizers.CharCounts:
        """Digits, capitals and Chinese characters (tokenizers.char_counts), once per n."""
        cache = self.__dict__.setdefault("_char_counts", {})
        if common_n not in cache:
            cache[common_n] = tokenizers.char_counts(self.text, common_n)
        return cache[common_n]


def seed_char_counts(docs: list[Doc], common_n: int = 3500) -> None:
    """Give each document its char_counts(common_n), computed for all of them at once."""
    for d, counts in zip(docs, tokenizers.char_counts_many([d.text for d in docs], common_n)):
        d.__dict__.setdefault("_char_counts", {})[common_n] = counts


def unit_ids(docs: list[Doc]):
    """The units of `docs` (all of one kind: characters or words) as one array of uint64
    ids and one of float lengths: a character's code point, a word's hash."""
    import numpy as np

    if docs and docs[0].language.counts_chars:
        text = "".join(d._chars for d in docs).encode("utf-32-le", "surrogatepass")
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
    groups: dict[tuple, list[Doc]] = {}
    for d in docs:
        groups.setdefault((d.language.counts_chars, d.ngram_n(2)), []).append(d)
    for (chars, n), group in groups.items():
        ids, lengths = unit_ids(group)
        sizes = [len(d._chars) if chars else len(d.words) for d in group]
        bounds, repeats = _profile_batch(group, ids, lengths, sizes, n)
        for d, a, b in zip(group, bounds[:-1].tolist(), bounds[1:].tolist()):
            d.__dict__["_unit_ids"] = (ids[a:b], lengths[a:b])
            d.__dict__["_base_repeats"] = repeats[a:b]


def seed_more_profiles(wanted: list[tuple[Doc, int]]) -> None:
    """ngrams(n) of each (document, n) pair, one ngram_profiles call per n for all its
    documents: a profile a rule will read (its prefetch), at a batch's cost instead of
    a call's (about 120 us on a short document). The documents' units must be seeded
    (seed_ngram_profiles); each document's numbers are those of a batch of one (tested)."""
    import numpy as np

    by_size: dict[int, dict[Doc, None]] = {}  # an ordered set per n
    for d, n in wanted:
        if n not in d.__dict__.get("_ngram_cache", {}):
            by_size.setdefault(n, {})[d] = None
    for n, docs in by_size.items():
        group = list(docs)
        ids = np.concatenate([d._unit_ids[0] for d in group])
        lengths = np.concatenate([d._unit_ids[1] for d in group])
        _profile_batch(group, ids, lengths, [len(d._unit_ids[0]) for d in group], n)


def _profile_batch(group: list[Doc], ids, lengths, sizes: list[int], n: int):
    """ngram_profiles(n) of the documents of `group`, whose units (`sizes` each) are laid
    end to end in `ids` and `lengths`, each document's profile cached as its ngrams(n);
    (the documents' bounds in the units, per unit whether its n-gram repeats)."""
    import numpy as np

    bounds = np.concatenate(([0], np.cumsum(sizes)))
    profiles, repeats = ngram_profiles(ids, lengths, bounds, n)
    for d, profile in zip(group, profiles):
        d.__dict__.setdefault("_ngram_cache", {})[n] = profile
    return bounds, repeats
