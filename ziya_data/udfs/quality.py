"""Per-document measures for the data-evaluation step (the Ziya2 paper's Table 1):
counts the evaluate job sums into corpus-level rates and distributions.

* tokens (counted by the evaluate job in Spark SQL, jobs.runtime.token_estimate):
  English words plus Chinese characters, one Han character = one token. Rates are "per
  1,000 tokens" in this unit, for every language alike.
* privacy: e-mail addresses, phone numbers, Chinese ID numbers and bank card numbers
  (the filter step's patterns, with their checksums).
* toxic, advertising: terms of the word lists (toxic_*; advertising and gambling).
* html: web-page function words: HTML tags, entities and script fragments.
* informativeness: the share of distinct 3-grams among all 3-grams (en words, zh
  characters; 1.0 = nothing repeats) and the zlib compression ratio (compressed /
  raw bytes; repetitive text compresses better, so lower = less informative).
* topic: the topic lexicon (conf/topics/<topic>.<lang>.txt) with the most distinct
  terms in the document, at least two; otherwise "other".
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from ziya_data import resources
from ziya_data.udfs import languages, rules, tokenizers

_HTML = re.compile(
    r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>|&(?:nbsp|amp|lt|gt|quot|#\d+);|<script|javascript:",
    re.I,
)
_TOXIC = ("toxic_explicit", "toxic_violent", "toxic_terrorist", "toxic_discriminatory")
_ADS = ("advertising", "gambling")
MIN_TOPIC_TERMS = 2


def load_topics(folder=None) -> dict[str, dict[str, frozenset[str]]]:
    """{lang: {topic: terms}} from the <topic>.<lang>.txt files of `folder` (a path or an
    importlib.resources Traversable; None: the bundled lexicons). '#' lines are comments."""
    folder = resources.topics() if folder is None else folder
    folder = Path(folder) if isinstance(folder, str) else folder
    out: dict[str, dict[str, frozenset[str]]] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".txt") or entry.name.startswith((".", "_")):
            continue
        topic, _, lang = entry.name[: -len(".txt")].rpartition(".")
        terms = [ln.strip().lower() for ln in entry.read_text(encoding="utf-8").splitlines()]
        out.setdefault(lang, {})[topic] = frozenset(t for t in terms if t and not t.startswith("#"))
    return out


def distinct_3gram_share(text: str, lang: str) -> float:
    """Distinct share of the 3-grams of the language's units (characters or words)."""
    if languages.get(lang).counts_chars:  # a 3-gram of characters is a 3-character slice
        chars = "".join(text.split())
        count = len(chars) - 2
        return len({chars[i : i + 3] for i in range(count)}) / count if count > 0 else 1.0
    units = tokenizers.en_words(text.lower())
    grams = [tuple(units[i : i + 3]) for i in range(len(units) - 2)]
    return len(set(grams)) / len(grams) if grams else 1.0


def compression_ratio(text: str) -> float:
    raw = text.encode("utf-8")
    return len(zlib.compress(raw, 6)) / len(raw) if raw else 1.0


def topic(text: str, lang: str, topics: dict[str, dict[str, frozenset[str]]]) -> str:
    lexicons = topics.get(lang, {})
    if not lexicons:
        return "other"
    language = languages.get(lang)
    words = set(language.word_cutter(tokenizers.ZH_DEFAULT, ())(text))
    if language.cased:
        words = {w.lower() for w in words}
    best, best_hits = "other", MIN_TOPIC_TERMS - 1
    for name in sorted(lexicons):
        hits = len(words & lexicons[name])
        if hits > best_hits:
            best, best_hits = name, hits
    return best


def privacy_matches(text: str) -> int:
    """Matches of the privacy patterns in `text`, looked for only in the lines that can
    hold one (rules.may_hold_pii: an '@' or enough digits), as the filter does. No pattern
    matches across a line break, so the count is the whole text's (tested); most lines
    skip the patterns, which cost about 200 us a document on real text."""
    if not rules.may_hold_pii(text):
        return 0
    lines = [line for line in text.split("\n") if rules.may_hold_pii(line)]
    return sum(len(p.find(line)) for line in lines for p in rules.PII_RULES)


def doc_measures(text: str, lang: str, lexicon: rules.Lexicon, topics) -> dict:
    found = lexicon.find(text)
    return {
        "privacy": privacy_matches(text),
        "toxic": sum(c in _TOXIC for _, _, c in found),
        "advertising": sum(c in _ADS for _, _, c in found),
        "html": len(_HTML.findall(text)),
        "distinct_3gram": distinct_3gram_share(text, lang),
        "compression_ratio": compression_ratio(text),
        "topic": topic(text, lang, topics),
    }
