"""English."""

from __future__ import annotations

import re

from ziya_data.udfs.languages import Language, register
from ziya_data.udfs.tokenizers import en_words

# A sentence ends at . ! ? (and closing quotes or brackets) before a capital or digit.
_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREVIATION = re.compile(
    r"(?:^|\s)(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|vs|etc|e\.g|i\.e|U\.S|No|Inc|Ltd|Co)\.$"
)
_FULL_WIDTH = re.compile(r"[，。；：！？、]")
# Words and single punctuation marks; for ASCII text the same with ASCII classes, which
# the regex engine checks faster (tested equal).
_LM_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]")
_LM_TOKEN_ASCII = re.compile(
    r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*|[\x00-\x08\x0e-\x1b!-/:-@\[-^`{-\x7f]"
)


def sentences(line: str) -> list[str]:
    out: list[str] = []
    for part in _SPLIT.split(line):
        # "Mr." and "e.g." end no sentence (the tail holds the abbreviation and a space).
        if out and out[-1].endswith(".") and _ABBREVIATION.search(out[-1][-8:]):
            out[-1] = f"{out[-1]} {part}"
        elif part.strip():
            out.append(part)
    return out


def content_words(words: list[str], function_words: set[str]) -> list[str]:
    """Lowercased, a plural 's' dropped; function words, numbers and words under three
    letters left out."""
    out = []
    for w in words:
        lw = w.lower()
        if lw in function_words or lw.isdigit() or len(lw) < 3:
            continue
        out.append(lw[:-1] if lw.endswith("s") and not lw.endswith("ss") else lw)
    return out


def lm_tokens(paragraph: str, zh_backend: str) -> list[str]:
    return (_LM_TOKEN_ASCII if paragraph.isascii() else _LM_TOKEN).findall(paragraph)


ENGLISH = register(
    Language(
        code="en",
        name="English",
        counts_chars=False,
        ngram_scale=1,
        word_cutter=lambda zh_backend, user_words: en_words,
        sentences=sentences,
        join_sentences=lambda kept: " ".join(s.strip() for s in kept),
        content_words=content_words,
        whole_word_terms=True,
        fullwidth_punctuation=False,
        simplify_script=False,
        short_line_chars=60,
        heading_chars=60,
        wrong_width_marks=_FULL_WIDTH,
        cased=True,
        unspaced_marks=True,
        ease="flesch",
        lm_tokens=lm_tokens,
        lm_tokenization="words+punct",
    )
)
