"""Language identification with langdetect's model and semantics.

Backends: `langdetect` (the reference, pure Python, under 1 MB/s per core) and
`langdetect-rs` (a Rust port that claims bit-identical output; tests compare both on
the project's fixtures and on ../shared/data). Both are seeded, so a text always
gets the same answer.

The rule for mixed documents: the document's language is langdetect's top language
over the whole text. Its features are character n-grams sampled from the text, so each
language weighs in proportion to the characters written in it, and the dominant one
wins; its probability is `lang_score`. langdetect reads at most the first 10,000
characters of a text. zh-cn and zh-tw both map to `zh`.

Text mixing scripts is judged by script first (`script_view`): a Chinese text with
English words in it is judged on its Chinese, an English one with a few Chinese words on
its English; text in one kind of script goes to langdetect as it is.

One correction on top of langdetect, by script: Korean must show Hangul and Japanese
must show Kana. langdetect's Korean profile holds Hanja n-grams, and it labels about
half of real Traditional-Chinese Wikipedia paragraphs `ko` (measured on DRCD). So a
text without Hangul loses its `ko` candidate, one without Kana its `ja` candidate, and
the remaining probabilities are renormalised. If nothing remains, a text whose letters
are at least half Han characters is `zh`, scored by that Han share.
"""

from __future__ import annotations

import re

SEED = 0
BACKENDS = ("langdetect-rs", "langdetect")
_loaded: dict[str, object] = {}


def _module(backend: str):
    mod = _loaded.get(backend)
    if mod is None:
        if backend == "langdetect-rs":
            import langdetect_rs as mod
        elif backend == "langdetect":
            import langdetect as mod
        else:
            raise ValueError(f"unknown language-id backend {backend!r}")
        mod.DetectorFactory.seed = SEED
        _loaded[backend] = mod
    return mod


def normalize_code(code: str) -> str:
    return "zh" if code.startswith("zh") else code


_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_LETTER = re.compile(r"[^\W\d_]")
MAX_CHARS = 10_000  # what langdetect reads of a text


def _decide(text: str, langs) -> tuple[str | None, float]:
    """The language and its probability from langdetect's answer, after the script rule
    (module docstring); zh-cn and zh-tw count as one language."""
    pairs = [(normalize_code(item.lang), item.prob) for item in langs]
    head = text[:MAX_CHARS]
    before = len(pairs)
    if not _HANGUL.search(head):
        pairs = [p for p in pairs if p[0] != "ko"]
    if not _KANA.search(head):
        pairs = [p for p in pairs if p[0] != "ja"]
    if not pairs:
        letters = len(_LETTER.findall(head))
        han = len(_HAN.findall(head))
        return ("zh", han / letters) if letters and han / letters >= 0.5 else (None, 0.0)
    merged: dict[str, float] = {}
    for code, prob in pairs:
        merged[code] = merged.get(code, 0.0) + prob
    lang = max(merged, key=lambda k: (merged[k], k))
    total = sum(merged.values()) if len(pairs) < before else 1.0
    return lang, merged[lang] / total


# Han, Kana and Hangul: scripts written without spaces, where one character is one unit.
_CJK_CLASS = (
    "[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]"
)
_CJK = re.compile(_CJK_CLASS)
# A word of any other script: letters that are not CJK ("HP" in 喜欢HP这个牌子).
_WORD = re.compile(f"(?:(?!{_CJK_CLASS})[^\\W\\d_])+")


def script_view(text: str) -> str:
    """What langdetect is given: the text itself when it is written in one kind of script,
    else the part in the script that holds most of it. A text mixing CJK characters with
    words of another script (Chinese with English names, commands, product codes) counts
    each CJK character as one unit and each other word as one; the larger side is judged
    alone. langdetect's character n-grams would otherwise let a few English words
    outvote a Chinese text (a Debian fortune quoting `apt-get install menu-xdg` came out
    Norwegian)."""
    head = text[:MAX_CHARS]
    cjk = len(_CJK.findall(head))
    if not cjk:
        return text
    rest = _CJK.sub(" ", head)
    words = len(_WORD.findall(rest))
    if not words:
        return text
    if cjk >= words:
        return _WORD.sub(" ", head)
    return rest


def detect(text: str, backend: str = "langdetect-rs") -> tuple[str | None, float]:
    """(language, probability) of `text`; (None, 0.0) when it has no letters to judge."""
    mod = _module(backend)
    view = script_view(text)
    try:
        langs = mod.detect_langs(view)
    except mod.LangDetectException:
        return None, 0.0
    return _decide(view, langs)


def detect_many(texts: list[str], backend: str = "langdetect-rs") -> list[tuple[str | None, float]]:
    if backend == "langdetect-rs":
        mod = _module(backend)
        views = [script_view(t) for t in texts]
        results = mod.detect_langs_batch(views)
        return [(None, 0.0) if r is None else _decide(v, r) for v, r in zip(views, results)]
    return [detect(t, backend) for t in texts]


def detect_raw(text: str, backend: str) -> list[tuple[str, float]] | None:
    """langdetect's own answer (codes and probabilities), for parity checks between backends."""
    mod = _module(backend)
    try:
        return [(item.lang, item.prob) for item in mod.detect_langs(text)]
    except mod.LangDetectException:
        return None
