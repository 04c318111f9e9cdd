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


def detect(text: str, backend: str = "langdetect-rs") -> tuple[str | None, float]:
    """(language, probability) of `text`; (None, 0.0) when it has no letters to judge."""
    mod = _module(backend)
    try:
        langs = mod.detect_langs(text)
    except mod.LangDetectException:
        return None, 0.0
    return _decide(text, langs)


def detect_many(texts: list[str], backend: str = "langdetect-rs") -> list[tuple[str | None, float]]:
    if backend == "langdetect-rs":
        mod = _module(backend)
        results = mod.detect_langs_batch(texts)
        return [(None, 0.0) if r is None else _decide(t, r) for t, r in zip(texts, results)]
    return [detect(t, backend) for t in texts]


def detect_raw(text: str, backend: str) -> list[tuple[str, float]] | None:
    """langdetect's own answer (codes and probabilities), for parity checks between backends."""
    mod = _module(backend)
    try:
        return [(item.lang, item.prob) for item in mod.detect_langs(text)]
    except mod.LangDetectException:
        return None
