"""Tokenizers and character tables the language profiles are made of: Chinese words by
jieba's dictionary model, English words, and per-character classes (digits, capitals,
common and rare Chinese characters).

Chinese segmentation uses jieba's dictionary model. Two Rust implementations may stand
in for `jieba` where they give its tokens: `jieba-rs` (the rjieba binding of jieba-rs,
the default) and `jieba-next`. With the HMM for unknown words turned off both matched
jieba on every one of 26,208 texts (THUCNews, ChineseWebText, DRCD, reviews, fortunes,
random strings of awkward characters, each raw and normalised; tests re-check on the
project's fixtures and, when present, on ../shared/data); with the HMM on jieba-next did
not, so the HMM is off by default. The tokenizer is built once per process, lazily, with
an optional user dictionary (its words, read once by the caller).

With a Rust backend and the HMM off, words come from `_cut_no_hmm`: jieba's accurate
mode (split into blocks of Han characters, letters and digits; best route through each
block by the dictionary; single letters and digits in a row joined; every other
character a token of its own), with only the blocks handed to Rust. The block split is
jieba's own (Han characters up to U+9FD5, letters, digits and +#&._%-), so jieba-rs's
wider CJK ranges never come into play. jieba-rs cuts a block whole, and the per-text
cutter (zh_cutter) hands it a whole text with no character beyond jieba's range: one
call instead of one a block, the same words. From jieba-next the route is read and
walked here, as its Python layers of generators cost more than the route itself. On the
bench's Chinese text jieba-rs takes about half the time of the jieba-next walk.
"""

from __future__ import annotations

import functools
import logging
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

ZH_BACKENDS = ("jieba-rs", "jieba-next", "jieba")
ZH_DEFAULT = ZH_BACKENDS[0]  # the fastest; all give jieba's tokens
_TOKENIZERS: dict[tuple[str, str], object] = {}


UserWords = tuple  # of (word, frequency or None, tag or None), as read_user_dict gives them


def zh_tokenizer(backend: str = ZH_DEFAULT, user_words: UserWords = ()):
    """The jieba tokenizer for (backend, user dictionary), built once per process. The
    user dictionary is read here for every backend (rjieba has no reader; jieba-next's
    keeps a byte-order mark as part of the first word)."""
    key = (backend, user_words)
    tok = _TOKENIZERS.get(key)
    if tok is None:
        if backend == "jieba-rs":
            import rjieba

            tok = rjieba.Jieba()
        elif backend == "jieba":
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tok = jieba.Tokenizer()
        elif backend == "jieba-next":
            import jieba_next

            logging.getLogger("jieba_next").setLevel(logging.WARNING)
            tok = jieba_next.Tokenizer()
        else:
            raise ValueError(f"unknown Chinese segmenter {backend!r}")
        for word, freq, tag in user_words:
            tok.add_word(word, freq, tag)
        _TOKENIZERS[key] = tok
    return tok


# jieba's block pattern (accurate mode): what the dictionary route segments.
_ZH_BLOCK = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&._%-]+)")
_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)
_ASCII_LETTER_OR_DIGIT = re.compile("[a-zA-Z0-9]")
_USER_DICT_LINE = re.compile(r"^(.+?)( [0-9]+)?( [a-z]+)?$")


def read_user_dict(path: str) -> UserWords:
    """(word, frequency or None, tag or None) per line of a jieba user dictionary, read
    as jieba reads one ("word [freq] [tag]"; without a frequency jieba suggests one). Read
    where the path is (the driver); the words travel to the workers with the task."""
    entries = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip().lstrip("\ufeff")
            if not line:
                continue
            word, freq, tag = _USER_DICT_LINE.match(line).groups()
            entries.append((word, int(freq) if freq else None, tag.strip() if tag else None))
    return tuple(entries)


def _block_cutter(backend: str, user_words: UserWords = ()) -> Callable[[str], list[str]] | None:
    """A function giving the words of one block (_ZH_BLOCK) by the dictionary route
    without the HMM, from a Rust backend; None for jieba (Python)."""
    tok = zh_tokenizer(backend, user_words)
    if backend == "jieba-rs":
        cut = tok.cut
        return lambda block: cut(block, False)
    if backend != "jieba-next":
        return None
    if tok._rust_prefix is None:  # built on first use
        tok.check_initialized()
        tok._ensure_rust_prefix()
    if tok._rust_prefix is None:  # no Rust extension: the library's own Python route
        return None
    route = tok._rust_prefix.get_dag_and_calc
    return lambda block: _walk_route(route(block), block)


def _walk_route(ends: list[int], block: str) -> list[str]:
    """The words of a block from its route: for each position, the last index of the best
    word starting there (jieba-next). Single letters and digits in a row are one token."""
    out: list[str] = []
    x, n, run = 0, len(block), -1
    if _ASCII_LETTER_OR_DIGIT.search(block) is None:  # Chinese only: each step a word
        append = out.append
        while x < n:
            y = ends[x] + 1
            append(block[x:y])
            x = y
        return out
    while x < n:
        y = ends[x] + 1
        if y - x == 1 and block[x] in _ASCII_ALNUM:
            if run < 0:
                run = x
        else:
            if run >= 0:
                out.append(block[run:x])
                run = -1
            out.append(block[x:y])
        x = y
    if run >= 0:
        out.append(block[run:])
    return out


def _cut_no_hmm(cut_block: Callable[[str], list[str]], text: str) -> list[str]:
    """Words of `text` in jieba's accurate mode without the HMM, whitespace dropped
    (module docstring); `cut_block` from _block_cutter."""
    out: list[str] = []
    for i, block in enumerate(_ZH_BLOCK.split(text)):
        if i % 2:
            out += cut_block(block)
        elif block:  # between blocks: each non-space character stands alone
            out += [c for c in block if not c.isspace()]
    return out


def zh_words(
    text: str, backend: str = ZH_DEFAULT, hmm: bool = False, user_words: UserWords = ()
) -> list[str]:
    """Chinese words of `text` (whitespace tokens dropped); HMM off, zh_cutter's words."""
    if not hmm:
        return zh_cutter(backend, user_words)(text)
    return _library_words(text, backend, user_words, hmm)


def _library_words(text: str, backend: str, user_words: UserWords, hmm: bool) -> list[str]:
    """The backend's own cut of the whole text, whitespace tokens dropped."""
    tok = zh_tokenizer(backend, user_words)
    if backend == "jieba-rs":
        return [w for w in tok.cut(text, hmm) if not w.isspace()]
    return [w for w in tok.lcut(text, HMM=hmm) if not w.isspace()]


# CJK characters in jieba-rs's blocks but not in jieba's (_ZH_BLOCK).
_BEYOND_JIEBA_HAN = re.compile("[\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")


def _cut_whole(cut: Callable, cut_block: Callable, text: str) -> list[str]:
    """_cut_no_hmm of jieba-rs in one call a text rather than one a block (57k real
    paragraphs: 1.4 s instead of 2.1 s): jieba-rs splits its blocks as jieba, but for CJK
    characters beyond jieba's range, which only a dictionary word holding one would show
    (jieba's own dictionary has none); a text with one goes block by block."""
    if _BEYOND_JIEBA_HAN.search(text):
        return _cut_no_hmm(cut_block, text)
    return [w for w in cut(text, False) if not w.isspace()]


_CUTTERS: dict[tuple[str, str], Callable[[str], list[str]]] = {}


def zh_cutter(backend: str = ZH_DEFAULT, user_words: UserWords = ()) -> Callable[[str], list[str]]:
    """A function giving one text's Chinese words with the HMM off, built once per
    backend and dictionary: the per-text call skips the backend lookup."""
    key = (backend, user_words)
    cut = _CUTTERS.get(key)
    if cut is None:
        cut_block = _block_cutter(backend, user_words)
        if backend == "jieba-rs":
            cut = functools.partial(_cut_whole, zh_tokenizer(backend, user_words).cut, cut_block)
        elif cut_block is None:  # jieba itself (or jieba-next without Rust): its own route
            cut = functools.partial(
                _library_words, backend=backend, user_words=user_words, hmm=False
            )
        else:
            cut = functools.partial(_cut_no_hmm, cut_block)
        cut = _CUTTERS[key] = cut
    return cut


_EN_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# ASCII text: letters, digits and apostrophes kept, every other byte a space.
_ASCII_WORD_BYTES = bytes(
    c if c < 128 and (chr(c).isalnum() or c == ord("'")) else 32 for c in range(256)
)
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*")


def en_words(text: str) -> list[str]:
    """English words: runs of letters and digits, with inner apostrophes (don't, O'Neil).
    ASCII text (most English) takes a byte table and a split, or where apostrophes need
    the pattern, an ASCII one: faster than the Unicode classes (tested equal)."""
    if not text.isascii():
        return _EN_WORD.findall(text)
    spaced = text.encode("ascii").translate(_ASCII_WORD_BYTES).decode("ascii")
    return _ASCII_WORD.findall(spaced) if "'" in spaced else spaced.split()


@cache
def common_zh_chars(n: int = 3500) -> frozenset[str]:
    """The `n` most frequent Chinese characters by jieba's dictionary (a frequency list that
    ships with the package): a character counts what the words holding it count."""
    import numpy as np

    freq, first_seen = _zh_char_frequencies()
    seen = np.flatnonzero(first_seen >= 0)
    # most frequent first; equal counts in order of first appearance in the file
    order = seen[np.lexsort((first_seen[seen], -freq[seen]))]
    return frozenset(chr(0x4E00 + int(i)) for i in order[:n])


@cache
def _zh_char_frequencies():
    """Per character of U+4E00-U+9FFF: the summed counts of jieba's dictionary words that
    hold it, and where in the file it first appears (-1: nowhere). Array arithmetic over
    the whole file; a loop over its 349,000 lines cost 0.8 s in every worker process."""
    from importlib.util import find_spec
    from pathlib import Path

    import numpy as np

    # found, not imported: importing jieba costs a worker about 0.13 s (pkg_resources)
    dict_path = Path(find_spec("jieba").origin).with_name("dict.txt")
    text = dict_path.read_text(encoding="utf-8")
    entries = re.findall(r"^(\S+) (\d+)", text, re.MULTILINE)
    words = [w for w, _ in entries]
    counts = np.array([c for _, c in entries], dtype=np.int64)
    code_points = np.frombuffer(
        "".join(words).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
    ).astype(np.int64)
    char_counts = np.repeat(counts, np.fromiter(map(len, words), np.int64, len(words)))
    han = (code_points >= 0x4E00) & (code_points <= 0x9FFF)
    index = code_points[han] - 0x4E00
    size = 0x9FFF - 0x4E00 + 1
    freq = np.bincount(index, weights=char_counts[han], minlength=size).astype(np.int64)
    first_seen = np.full(size, -1, dtype=np.int64)
    present, first = np.unique(index, return_index=True)
    first_seen[present] = first
    return freq, first_seen


@dataclass(frozen=True)
class CharCounts:
    """Characters of a text by class (fields in the order of _class_table's numbers)."""

    digits: int  # what the regex \\d matches: Unicode decimal digits
    upper: int  # A-Z and U+00C0-U+00DE
    cjk_ext_a: int  # U+3400-U+4DBF
    han_common: int  # U+4E00-U+9FFF among the n most common Chinese characters
    han_other: int  # the rest of U+4E00-U+9FFF

    @property
    def han(self) -> int:
        return self.han_common + self.han_other

    @property
    def cjk(self) -> int:
        return self.cjk_ext_a + self.han


_CLASS_OF = {name: code for code, name in enumerate(("other", *CharCounts.__dataclass_fields__))}


@cache
def decimal_digits() -> tuple[int, ...]:
    """Code points the regex \\d matches: Unicode decimal digits (category Nd), which are
    what str.isdecimal accepts (tested)."""
    return tuple(c for c in range(0x110000) if chr(c).isdecimal())


@cache
def _class_table(common_n: int):
    """Code point -> class number, for every code point (1.1 MB, built once per n)."""
    import numpy as np

    table = np.zeros(0x110000, dtype=np.uint8)
    table[list(decimal_digits())] = _CLASS_OF["digits"]
    table[ord("A") : ord("Z") + 1] = table[0xC0:0xDF] = _CLASS_OF["upper"]
    table[0x3400:0x4DC0] = _CLASS_OF["cjk_ext_a"]
    table[0x4E00:0xA000] = _CLASS_OF["han_other"]
    table[list(map(ord, common_zh_chars(common_n)))] = _CLASS_OF["han_common"]
    return table


def char_counts(text: str, common_n: int = 3500) -> CharCounts:
    """`text`'s characters by class (char_counts_many of one text)."""
    return char_counts_many([text], common_n)[0]


def char_counts_many(texts: list[str], common_n: int = 3500) -> list[CharCounts]:
    """Each text's characters by class, in one pass over all of them: their code points
    look up their class in a table and are counted per text (a few regex scans or
    str.translate cost several times more, and a short text's own numpy calls more than
    its characters: about 10 us a text)."""
    import numpy as np

    classes = len(_CLASS_OF)
    code_points = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), np.uint32)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    # One bin per (text, class): the text's number times the classes, plus the class.
    owner = np.repeat(np.arange(len(texts), dtype=np.int64) * classes, lengths)
    bins = owner + _class_table(common_n)[code_points]
    counts = np.bincount(bins, minlength=len(texts) * classes).reshape(len(texts), classes)
    return [CharCounts(*row[1:]) for row in counts.tolist()]
