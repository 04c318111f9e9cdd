"""Word lists and the lexicon built from them.

Word lists are data (`<category>.<lang>.txt`, one term a line, '#' lines are comments,
`all` for every language) in the package's conf/rules or a folder the user names. A
file whose category is not one of CATEGORIES is an error: a misspelt file name would
otherwise switch a rule off without a word.
"""

from __future__ import annotations

from pathlib import Path

from ziya_data import resources
from ziya_data.udfs import languages

CATEGORIES = (
    "toxic_explicit", "toxic_violent", "toxic_terrorist", "toxic_discriminatory", "advertising", "gambling",
    "boilerplate", "form_fields", "navigation", "stopwords", "garbled", "function_words",
)  # fmt: skip
# Categories used as sets of whole lines or words: common words, kept out of the search.
SET_ONLY = ("stopwords", "navigation", "function_words")


class WordListError(ValueError):
    """A word-list folder the rules cannot use (unknown category, no such folder)."""


def load_word_lists(folder=None) -> dict[str, dict[str, list[str]]]:
    """{category: {lang: [terms]}} from the <category>.<lang>.txt files of `folder` (a
    path or an importlib.resources Traversable; None: the bundled lists)."""
    folder = resources.rules() if folder is None else folder
    if isinstance(folder, (str, Path)):
        folder = Path(folder)
        if not folder.is_dir():
            raise WordListError(f"word-list folder '{folder}' does not exist")
    lists: dict[str, dict[str, list[str]]] = {c: {} for c in CATEGORIES}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".txt") or entry.name.startswith((".", "_")):
            continue
        category, _, lang = entry.name[: -len(".txt")].rpartition(".")
        if category not in lists:
            raise WordListError(
                f"word list '{entry.name}' names unknown category {category or lang!r} "
                f"(known: {', '.join(CATEGORIES)}; files are <category>.<lang>.txt)"
            )
        terms = [ln.strip().lower() for ln in entry.read_text(encoding="utf-8").splitlines()]
        lists[category][lang] = [t for t in terms if t and not t.startswith("#")]
    return lists


_DEFAULT_LEXICONS: dict[str, Lexicon] = {}


def default_lexicon(lang: str) -> Lexicon:
    """The lexicon of the bundled word lists, built once per process."""
    lex = _DEFAULT_LEXICONS.get(lang)
    if lex is None:
        lex = _DEFAULT_LEXICONS[lang] = Lexicon(load_word_lists(), lang)
    return lex


class Lexicon:
    """All word lists of one language in one Aho-Corasick automaton: one pass finds every
    term of every category. English terms match whole words only."""

    def __init__(self, lists: dict[str, dict[str, list[str]]], lang: str):
        import ahocorasick

        self.lang = lang
        self.whole_words = languages.get(lang).whole_word_terms
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
            if self.whole_words and not _whole_word(low, start, end):
                continue
            out += [(start, end, c) for c in categories]
        return out


def _whole_word(low: str, start: int, end: int) -> bool:
    before = low[start - 1] if start > 0 else " "
    after = low[end] if end < len(low) else " "
    first, last = low[start], low[end - 1]
    return not (first.isalnum() and before.isalnum()) and not (last.isalnum() and after.isalnum())
