"""Text repair and junk removal for the clean step (the Ziya2 paper's DP step).

Each operation is one function from text to text; `clean_documents` applies them in
order and reports which ones changed the document. Order matters:

 1. strip_bom            byte-order marks at the start
 2. fix_mojibake         UTF-8 read as Windows-1252 / Latin-1 (ftfy), only where it can occur
 3. strip_ansi           terminal escape sequences
 4. strip_html           tags, comments, script/style blocks and entities left in text
 5. remove_control_chars control (Cc) and format (Cf) characters but newline and tab,
                         private-use (Co) characters and noncharacters
 6. remove_emoji         emoji (with modifiers, joiners, flags, keycaps) and emoticons
 7. remove_special_symbols  decorative symbols (box drawing, geometric shapes, dingbats)
 -- language identification happens here, on the text so far --
 8. normalize_unicode    the width/compatibility rule below
 9. to_simplified        Traditional -> Simplified Chinese (zh only; OpenCC)
10. fix_punctuation      repeated and improper punctuation
11. normalize_whitespace line endings, runs of spaces, blank lines

Unicode normalisation rule (step 8): NFKC for every character (so full-width Latin
letters and digits become ASCII, ligatures split, compatibility ideographs unify), except
that in Chinese documents the full-width punctuation block (U+FF01-FF0F, FF1A-FF20,
FF3B-FF40, FF5B-FF65) and the ideographic space U+3000 are kept as they are: ，：；！？（）
are the correct punctuation of Chinese text. English documents get NFKC throughout.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import NamedTuple

from ziya_data.udfs import languages

# ---------------------------------------------------------------- 1-2 encoding


def strip_bom(text: str) -> str:
    return text.lstrip("\ufeff")


# UTF-8 read as cp1252/Latin-1 shows a lead byte (0xC2-0xF4: Â..ô) followed by a
# continuation byte (0x80-0xBF, as cp1252 or Latin-1 shows it). Without such a pair there
# is no mojibake of that kind, and ftfy (slow) is not called.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def fix_mojibake(text: str) -> str:
    """Repair UTF-8 that was decoded as Windows-1252/Latin-1, line by line (ftfy only sees
    the lines that show the damage)."""
    if text.isascii() or not _MOJIBAKE_HINT.search(text):
        return text
    import ftfy

    return "\n".join(
        ftfy.fix_encoding(line) if _MOJIBAKE_HINT.search(line) else line
        for line in text.split("\n")
    )


# ---------------------------------------------------------------- 3-4 markup

# CSI sequences (ESC [ ... final), OSC sequences (ESC ] ... BEL or ESC \), two-byte escapes, lone ESC.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x1b")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text) if "\x1b" in text else text


_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9:-]*(?:\s[^<>]{0,2000})?/?>")
_HTML_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|tr|h[1-6]|ul|ol|table|section|article)\b[^<>]*>", re.IGNORECASE
)


def strip_html(text: str) -> str:
    """Remove markup left in text. Block tags become line breaks so words do not run together."""
    if "<" not in text and "&" not in text:
        return text
    if "&" in text and _HTML_ENTITY.search(text):
        text = html.unescape(text)
    if "<" in text:
        text = _SCRIPT_STYLE.sub(" ", text)
        text = _HTML_COMMENT.sub(" ", text)
        text = _BLOCK_TAG.sub("\n", text)
        text = _HTML_TAG.sub("", text)
    return text


# ---------------------------------------------------------------- 5-7 characters

_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 and C1 controls but tab and newline (CR is handled as a line ending)
    "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"  # format
    "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"  # private use
    "\ufdd0-\ufdef\ufffe\uffff"  # noncharacters
    "\U000e0000-\U000e007f]"  # tag characters
)
_ASCII_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_CR = re.compile(r"\r\n?")


def remove_control_chars(text: str) -> str:
    text = _CR.sub("\n", text) if "\r" in text else text
    return (_ASCII_CONTROL if text.isascii() else _CONTROL).sub("", text)


_EMOJI = re.compile(
    "(?:[\U0001f000-\U0001faff\U0001fc00-\U0001ffff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\u3030\u303d\u3297\u3299]"
    "[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\u20e3]*"
    "(?:\u200d[\U0001f000-\U0001faff\u2600-\u27bf][\ufe0f\U0001f3fb-\U0001f3ff]*)*)"
    "|[0-9#*]\ufe0f?\u20e3"  # keycaps
    "|[\ufe0e\ufe0f]"
)
_EMOJI_GATE = re.compile(
    "[\u2300-\u27bf\u2b00-\u2bff\u3030\u303d\u3297\u3299\ufe0e\ufe0f\U0001f000-\U0001ffff]"
)
# Western emoticons must stand alone: whitespace or the text's edge before them (checked
# in _standalone, so the pattern can start with its first character and scan fast),
# whitespace, edge or punctuation after.
_WESTERN_EMOTICON = re.compile(
    r"(?:[:;=](?:['\-o^]?[)(\]\[dDpPoO3|/\\*@]+|'\()|<3|[xX]D)(?=\s|$|[.,!?])", re.M
)
# Kaomoji: a short bracketed run built from the characters kaomoji are made of, ^_^, T_T.
_KAOMOJI = re.compile(
    r"[oO]?[(（][^\s()（）\w]{0,3}[\^*>T°\-=｡･・ω▽∀益´`≧≦◕‿□ﾟ_￣︶][^\s()（）]{0,8}[)）][oO]?[╯ﾉノ/]?"
    r"|(?<![A-Za-z0-9^])\^[_\-.]?\^(?![A-Za-z0-9^])|(?<![A-Za-z0-9])T[_.]T(?![A-Za-z0-9])"
)
# Every kaomoji above holds one of these; text without them skips the kaomoji pattern.
_KAOMOJI_GATE = re.compile("[\\^_°ω▽∀益´`≧≦◕‿□ﾟ￣︶｡･・]")


def _standalone(match: re.Match) -> str:
    start = match.start()
    text = match.string
    return "" if start == 0 or text[start - 1].isspace() else match.group(0)


def remove_emoji(text: str) -> str:
    if not text.isascii() and _EMOJI_GATE.search(text):
        text = _EMOJI.sub("", text)
    if _KAOMOJI_GATE.search(text):
        text = _KAOMOJI.sub("", text)
    if ":" in text or ";" in text or "=" in text or "<3" in text or "xD" in text or "XD" in text:
        text = _WESTERN_EMOTICON.sub(_standalone, text)
    return text


# Decorative symbol blocks. Degree, currency, ℃, ©, ®, ™ and maths stay.
_SPECIAL_SYMBOLS = re.compile(
    "[\u2500-\u25ff\u2700-\u27bf\u2b00-\u2bff\u2190-\u21ff\u3013\u203b\u00a4\u2605\u2606]+"
)


def remove_special_symbols(text: str) -> str:
    return text if text.isascii() else _SPECIAL_SYMBOLS.sub(" ", text)


# ---------------------------------------------------------------- 8-9 normalisation

_ZH_KEEP_WIDTH = re.compile("([\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u3000]+)")


def normalize_unicode(text: str, lang: str) -> str:
    """NFKC, keeping full-width punctuation in Chinese text (see the module docstring)."""
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    if not languages.get(lang).fullwidth_punctuation:
        return unicodedata.normalize("NFKC", text)
    parts = _ZH_KEEP_WIDTH.split(text)
    # Odd positions are the kept runs.
    return "".join(p if i % 2 else unicodedata.normalize("NFKC", p) for i, p in enumerate(parts))


_CONVERTERS: dict[str, object] = {}


def to_simplified(text: str, config: str = "t2s") -> str:
    """Traditional -> Simplified with OpenCC (converter built once per process)."""
    converter = _CONVERTERS.get(config)
    if converter is None:
        import opencc

        converter = _CONVERTERS[config] = opencc.OpenCC(config)
    return converter.convert(text)


# ---------------------------------------------------------------- 10-11 punctuation, whitespace

_REPEATED_MARK = re.compile(r"([!?,;:！？，；：、。~～])\1+")
_LONG_DOTS = re.compile(r"\.{4,}")
_LONG_ELLIPSIS = re.compile(r"…{3,}")
_SEPARATOR_RUN = re.compile(r"[-=_*#~+]{4,}")
_MIXED_MARKS = re.compile(r"([!?！？])[!?！？]+")
_SPACE_BEFORE_MARK = re.compile(r" +([,.;:!?])(?=\s|$)")
# Every run the first five rules act on starts with a doubled mark or a ?! pair. Written
# to start with the class (the pair as a mark whose predecessor was one too): Python's re
# then skips to the marks, where an alternation at the top is tried at every position
# (3.4x the time on the real bench corpus, the same documents found).
_RUN_GATE = re.compile(r"([!?,;:！？，；：、。~～.…\-=_*#+])(?:\1|(?<=[!?！？])[!?！？])")
_LEADING_MARK = re.compile(r"^[ \t]*[,;:，；：、。.!?！？]+[ \t]*", re.M)
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# The ASCII mark comes first so the scan is fast; the lookbehind then checks the Chinese
# character before it.
_ASCII_MARK_IN_ZH = re.compile(f"([,;:!?])(?<=[{_CJK}].)(?=[{_CJK}“‘（]|$)", re.M)
_TO_FULL_WIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}


def _drop_space_after_word(match: re.Match) -> str:
    start = match.start()
    return match.group(1) if start > 0 and match.string[start - 1].isalnum() else match.group(0)


def fix_punctuation(text: str, lang: str) -> str:
    """Collapse repeated marks, drop separator runs and marks that open a line; in zh,
    ASCII marks written between Chinese characters become their full-width forms; in en,
    no space before a mark that follows a word."""
    if _RUN_GATE.search(text):
        text = _REPEATED_MARK.sub(r"\1", text)
        text = _MIXED_MARKS.sub(r"\1", text)
        text = _LONG_DOTS.sub("...", text)
        text = _LONG_ELLIPSIS.sub("……", text)
        text = _SEPARATOR_RUN.sub(" ", text)
    text = _LEADING_MARK.sub("", text)
    language = languages.get(lang)
    if language.fullwidth_punctuation:
        if not text.isascii():
            text = _ASCII_MARK_IN_ZH.sub(lambda m: _TO_FULL_WIDTH[m.group(1)], text)
    elif language.unspaced_marks and (
        " ," in text or " ." in text or " ;" in text or " :" in text or " !" in text or " ?" in text
    ):
        text = _SPACE_BEFORE_MARK.sub(_drop_space_after_word, text)
    return text


_LINE_SEPARATORS = re.compile("[\u2028\u2029\u0085]")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def normalize_whitespace(text: str) -> str:
    """One line-ending form (LF), single spaces inside lines (tabs and exotic spaces
    included), no spaces at line ends, at most one blank line in a row, no outer blanks."""
    if "\u2028" in text or "\u2029" in text or "\x85" in text:
        text = _LINE_SEPARATORS.sub("\n", text)
    # str.split() with no argument splits on every Unicode whitespace run, at C speed.
    text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
    if "\n\n\n" in text:
        text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()


# ---------------------------------------------------------------- the document pipeline

PRE_LANGUAGE_OPS: list[tuple[str, Callable[[str], str]]] = [
    ("strip_bom", strip_bom),
    ("fix_mojibake", fix_mojibake),
    ("strip_ansi", strip_ansi),
    ("strip_html", strip_html),
    ("remove_control_chars", remove_control_chars),
    ("remove_emoji", remove_emoji),
    ("remove_special_symbols", remove_special_symbols),
]
POST_LANGUAGE_OPS = [
    "normalize_unicode",
    "to_simplified",
    "fix_punctuation",
    "normalize_whitespace",
]
OPERATIONS = [name for name, _ in PRE_LANGUAGE_OPS] + POST_LANGUAGE_OPS


def _apply(text: str, steps) -> tuple[str, list[str]]:
    """Run named operations in order; return the text and the names of those that changed it."""
    changed = []
    for name, op in steps:
        new = op(text)
        if new != text:
            changed.append(name)
            text = new
    return text, changed


def pre_language(text: str) -> tuple[str, list[str]]:
    """Steps 1-7: returns the text and the names of the operations that changed it."""
    return _apply(text, PRE_LANGUAGE_OPS)


def post_language(text: str, lang: str, opencc_config: str = "t2s") -> tuple[str, list[str]]:
    """Steps 8-11 for a document of language `lang`."""
    steps: list[tuple[str, Callable[[str], str]]] = [
        ("normalize_unicode", lambda t: normalize_unicode(t, lang)),
        (
            "to_simplified",
            (lambda t: to_simplified(t, opencc_config))
            if languages.get(lang).simplify_script
            else (lambda t: t),
        ),
        ("fix_punctuation", lambda t: fix_punctuation(t, lang)),
        ("normalize_whitespace", normalize_whitespace),
    ]
    return _apply(text, steps)


def content_length(text: str) -> int:
    """Characters that are not whitespace: the length rules' measure for zh and en alike."""
    return len(text) - sum(text.count(c) for c in " \n\t")


class CleanResult(NamedTuple):
    """What cleaning found out about one document (the clean job decides from it)."""

    text: str | None  # the cleaned text; None when cleaning stopped before the end
    lang: str | None
    lang_score: float
    pre_chars: int  # non-space characters after junk removal (steps 1-7)
    chars: int | None  # non-space characters of the cleaned text; None as text
    operations: list[str]


def clean_documents(
    texts: Sequence[str],
    *,
    languages: Sequence[str] = ("zh", "en"),
    min_lang_score: float = 0.6,
    min_chars: int = 20,
    langid_backend: str = "langdetect-rs",
    opencc_config: str = "t2s",
) -> list[CleanResult]:
    """The whole clean step's work for many documents, as far as it is worth doing: junk
    removal (steps 1-7), then language identification only for a text of at least
    `min_chars` characters (their script views made at once: langid.detect_many), then
    the language's own steps (8-11) only for a language in `languages` detected with at
    least `min_lang_score`. The job rejects a document that stopped early, so the limits
    only spare work (and keep a two-word reply from being given a language)."""
    from ziya_data.udfs import langid

    junk_free = [pre_language(text) for text in texts]
    pre_chars = [content_length(cleaned) for cleaned, _ in junk_free]
    judged = [i for i, n in enumerate(pre_chars) if n and n >= min_chars]
    found = dict(zip(judged, langid.detect_many([junk_free[i][0] for i in judged], langid_backend)))
    results = []
    for i, (cleaned, ops) in enumerate(junk_free):
        lang, score = found.get(i, (None, 0.0))
        if i not in found or lang is None or score < min_lang_score or lang not in languages:
            results.append(CleanResult(None, lang, score, pre_chars[i], None, ops))
            continue
        cleaned, post_ops = post_language(cleaned, lang, opencc_config)
        results.append(
            CleanResult(cleaned, lang, score, pre_chars[i], content_length(cleaned), ops + post_ops)
        )
    return results


def clean_document(text: str, **settings) -> CleanResult:
    """clean_documents of one document."""
    return clean_documents([text], **settings)[0]
