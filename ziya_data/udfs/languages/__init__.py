"""Language profiles: what the text functions need to know about a language, one module
per language (`en.py`, `zh.py`). Adding a language is one more module here that calls
`register(Language(...))`; every module of this package is loaded on first use.

A profile says how text in the language is counted (characters or words), segmented
(words, sentences), compared (content words), normalised (its own punctuation width,
script conversion) and judged where the measures differ by language (short lines,
headings, wrong-width marks, sentence case, the readability formula, the language
model's tokens). Thresholds the user sets stay rule parameters in the config.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Language:
    code: str  # as the clean step's `lang` column names it (ISO 639-1)
    name: str
    # Lengths and n-grams count characters (True: Chinese) or words (False).
    counts_chars: bool
    # The n-gram rules' n is scaled by this (a Chinese word is about two characters).
    ngram_scale: int
    # word_cutter(zh_backend, user_words) -> a function giving one text's words.
    word_cutter: Callable[[str, str], Callable[[str], list[str]]]
    # The sentences of one line, and the line they make again (when some were removed).
    sentences: Callable[[str], list[str]]
    join_sentences: Callable[[list[str]], str]
    # Topic-bearing words of a word list (function words given).
    content_words: Callable[[list[str], set[str]], list[str]]
    # Word-list terms match whole words only (not inside a longer word).
    whole_word_terms: bool
    # The full-width marks (，：；！？) are this language's own: NFKC leaves them, and
    # ASCII marks written between its characters become them.
    fullwidth_punctuation: bool
    # Traditional -> Simplified (OpenCC) after language identification.
    simplify_script: bool
    # Coherence: a line shorter than this many characters is a list item.
    short_line_chars: int
    # Readability: a paragraph shorter than this (characters) may end without a mark.
    heading_chars: int
    # Readability: punctuation of the other width in running text.
    wrong_width_marks: re.Pattern
    # The script has letter case (readability: sentences start with a capital; words are
    # compared lowercased).
    cased: bool
    # A space before , ; : ! ? is an error (readability) and is removed (clean).
    unspaced_marks: bool
    # Readability's ease formula: "flesch" or "sentence_length" (with common characters).
    ease: str
    # The language model's tokens of one normalised paragraph (lm_tokens(text, zh_backend)),
    # and how the manifest names them.
    lm_tokens: Callable[[str, str], list[str]]
    lm_tokenization: str
    # The tokenization names the Chinese segmenter used (models must be scored with it).
    uses_segmenter: bool = False
    # Similarity: character n-grams (these n) of the language's script as features too.
    char_ngrams: tuple[int, ...] = ()


_REGISTERED: dict[str, Language] = {}
# The profile of a language without one of its own (text functions never fail on a
# code they do not know; the clean step decides which languages are kept).
DEFAULT = "en"


def register(language: Language) -> Language:
    _REGISTERED[language.code] = language
    return language


@cache
def _load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def get(code: str | None) -> Language:
    """The profile of `code`, or the default profile when there is none."""
    _load_all()
    return _REGISTERED.get(code) or _REGISTERED[DEFAULT]  # type: ignore[arg-type]


def codes() -> tuple[str, ...]:
    """Every language with a profile."""
    _load_all()
    return tuple(sorted(_REGISTERED))
