"""Segmentation shared by the filter and score steps: paragraphs, sentences and words of
a text in its language (the language profiles of `udfs.languages` say how), and one
document split once for every measure (`Segmented`)."""

from __future__ import annotations

from ziya_data.udfs import computed_once, languages
from ziya_data.udfs.tokenizers import ZH_DEFAULT


def words(text: str, lang: str, zh_backend: str = ZH_DEFAULT) -> list[str]:
    """The words of `text` as its language segments them (jieba for zh)."""
    return languages.get(lang).word_cutter(zh_backend, ())(text)


def paragraphs(text: str) -> list[str]:
    """Non-empty lines: after cleaning, a line is a paragraph in every language."""
    return [line for line in text.split("\n") if line.strip()]


def sentences(text: str, lang: str) -> list[str]:
    """Sentences of one paragraph (or a whole text; line breaks also end sentences)."""
    split = languages.get(lang).sentences
    return [s for line in text.split("\n") if line.strip() for s in split(line)]


def content_words(words: list[str], lang: str, function_words: set[str]) -> list[str]:
    """Topic-bearing words (the language's rule: function words and numbers left out)."""
    return languages.get(lang).content_words(words, function_words)


class Segmented:
    """One document split once for every measure that needs it: paragraphs, the
    sentences of each paragraph, and the words of each sentence (jieba for zh)."""

    def __init__(self, text: str, lang: str, zh_backend: str = ZH_DEFAULT, user_words=()):
        self.text, self.lang = text, lang
        language = languages.get(lang)
        self.paragraphs = paragraphs(text)
        self.sentences = [language.sentences(p) for p in self.paragraphs]
        cut = language.word_cutter(zh_backend, user_words)
        self.words = [[cut(s) for s in ss] for ss in self.sentences]

    @computed_once
    def all_sentences(self) -> list[str]:
        return [s for ss in self.sentences for s in ss]

    @computed_once
    def sentence_words(self) -> list[list[str]]:
        return [w for ws in self.words for w in ws]

    @computed_once
    def paragraph_words(self) -> list[list[str]]:
        return [[w for ws in p for w in ws] for p in self.words]

    def terms(self, lexicon) -> list[tuple[int, int, str]]:
        """`lexicon.find(text)` (a rules.Lexicon), searched once per document: coherence
        and readability both use the matches."""
        cached = self.__dict__.get("_terms")
        if cached is None or cached[0] is not lexicon:
            cached = self._terms = (lexicon, lexicon.find(self.text))
        return cached[1]

    def content(self, function_words: set[str]) -> list[list[str]]:
        """Content words of each sentence (content_words), computed once per word list:
        coherence and similarity both use them."""
        cached = self.__dict__.get("_content")
        if cached is None or cached[0] != function_words:
            words = [content_words(ws, self.lang, function_words) for ws in self.sentence_words]
            cached = self._content = (function_words, words)
        return cached[1]

    @computed_once
    def word_count(self) -> int:
        return sum(len(w) for ws in self.words for w in ws)
