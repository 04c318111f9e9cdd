"""Chinese (Simplified; Traditional text is converted)."""

from __future__ import annotations

import re

from ziya_data.udfs.languages import Language, register
from ziya_data.udfs.tokenizers import zh_cutter

# A sentence ends at a terminal mark (and any closing quotes or brackets after it).
_SPLIT = re.compile(r"([。！？；!?]+[”’」』)）]*|…{2,}[”’」』)）]*)")
# An ASCII mark between Chinese characters: written with the wrong width.
_HALF_WIDTH = re.compile(r"[\u4e00-\u9fff][,;:!?]|[,;:!?][\u4e00-\u9fff]")


def sentences(line: str) -> list[str]:
    parts = _SPLIT.split(line)
    # split() with a group alternates text and delimiter: glue each mark to its text.
    joined = [
        parts[i] + (parts[i + 1] if i + 1 < len(parts) else "") for i in range(0, len(parts), 2)
    ]
    return [s for s in joined if s.strip()]


def content_words(words: list[str], function_words: set[str]) -> list[str]:
    """Words of two or more characters; function words and numbers left out."""
    return [w for w in words if len(w) >= 2 and not w.isdigit() and w not in function_words]


def lm_tokens(paragraph: str, zh_backend: str) -> list[str]:
    return zh_cutter(zh_backend)(paragraph)


CHINESE = register(
    Language(
        code="zh",
        name="Chinese",
        counts_chars=True,
        ngram_scale=2,
        word_cutter=zh_cutter,
        sentences=sentences,
        join_sentences="".join,  # the splitter keeps every character
        content_words=content_words,
        whole_word_terms=False,
        fullwidth_punctuation=True,
        simplify_script=True,
        short_line_chars=30,
        heading_chars=25,
        wrong_width_marks=_HALF_WIDTH,
        cased=False,
        unspaced_marks=False,
        ease="sentence_length",
        lm_tokens=lm_tokens,
        lm_tokenization="jieba-words",
        uses_segmenter=True,
        char_ngrams=(1, 2),
    )
)
