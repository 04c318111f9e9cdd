"""How well the score step's attributes agree with outside judgements, on the real
corpora in ../shared/data:

* readability vs the OneStopEnglish levels (the same Guardian article rewritten for
  elementary, intermediate and advanced readers): the share of article triples the
  score orders elementary > intermediate > advanced;
* our Flesch values vs another public implementation's (the `readability` package, fed
  the same sentences and words) on every OneStopEnglish text;
* coherence of the spam-laden ChineseWebText pages vs THUCNews articles: means and the
  AUC (chance that a news article outscores a web page);
* coherence of spliced articles (the first half of one news article joined to the
  second half of another of a different category: THUCNews for zh, BBC for en) vs the
  articles themselves: the AUC, and how many splices score as high as either of their
  two sources.

    python -m bench.attribute_quality [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
from pathlib import Path

from ziya_data.jobs.score import auc
from ziya_data.udfs import coherence, readability, segment

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LEVELS = ("elementary", "intermediate", "advanced")


def onestop(data: Path) -> dict:
    by_topic: dict[str, dict[str, str]] = collections.defaultdict(dict)
    with open(data / "readability" / "onestopenglish_texts.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            by_topic[r["topic"]][r["level"]] = r["text"]
    triples = [t for t in by_topic.values() if all(level in t for level in LEVELS)]
    parts = ("readability", "ease", "grammar", "completeness")
    ordered = dict.fromkeys(parts, 0)
    constant = dict.fromkeys(parts, 0)
    for texts in triples:
        scores = {level: readability.score(texts[level], "en") for level in LEVELS}
        for key in ordered:
            e, i, a = (scores[level][key] for level in LEVELS)
            ordered[key] += e > i > a
            constant[key] += e == i == a
    return {
        "triples": len(triples),
        "ordered_by_readability": ordered["readability"] / len(triples),
        "ordered_by_ease_alone": ordered["ease"] / len(triples),
        # The share of triples each part orders elementary > intermediate > advanced, and
        # how often it gives the three levels one value.
        "ordered_by_part": {k: round(v / len(triples), 4) for k, v in ordered.items()},
        "same_value_at_all_levels": {k: round(v / len(triples), 4) for k, v in constant.items()},
        **flesch_agreement([t[level] for t in triples for level in LEVELS]),
    }


def flesch_agreement(texts: list[str]) -> dict:
    """Our Flesch reading ease and grade beside the `readability` package's, given the
    same tokenisation (one sentence per line, words separated by spaces)."""
    try:
        import readability as other  # the PyPI package, not ours (udfs.readability)
    except ImportError:
        return {"flesch_comparison": "skipped: pip install readability"}
    ours_fre, theirs_fre, ours_grade, theirs_grade = [], [], [], []
    for text in texts:
        seg = segment.Segmented(text, "en")
        mine = readability.score(text, "en", seg)
        tokenized = "\n".join(" ".join(words) for words in seg.sentence_words if words)
        grades = other.getmeasures(tokenized, lang="en")["readability grades"]
        ours_fre.append(mine["flesch_reading_ease"])
        theirs_fre.append(grades["FleschReadingEase"])
        ours_grade.append(mine["flesch_kincaid_grade"])
        theirs_grade.append(grades["Kincaid"])
    diffs = [a - b for a, b in zip(ours_fre, theirs_fre)]
    return {
        "flesch_texts": len(texts),
        "flesch_ease_correlation": statistics.correlation(ours_fre, theirs_fre),
        "flesch_ease_mean_difference": statistics.mean(diffs),
        "flesch_ease_median_abs_difference": statistics.median(abs(d) for d in diffs),
        "kincaid_grade_correlation": statistics.correlation(ours_grade, theirs_grade),
        "kincaid_grade_mean_difference": statistics.mean(
            a - b for a, b in zip(ours_grade, theirs_grade)
        ),
    }


def web_vs_news(data: Path, news_docs: int = 500) -> dict:
    zh = data / "zh_text"
    with open(zh / "thucnews_cnews_sample1000.tsv", encoding="utf-8") as fh:
        news = [line.split("\t", 1)[1] for line in fh][:news_docs]
    with open(zh / "chinesewebtext" / "cc2021-43_cleared1_100docs.jsonl", encoding="utf-8") as fh:
        web = [json.loads(line)["raw_content"] for line in fh]

    def scores(texts):
        out = []
        for t in texts:
            seg = segment.Segmented(t, "zh")
            out.append(
                (
                    coherence.score(t, "zh", seg)["coherence"],
                    readability.score(t, "zh", seg)["readability"],
                )
            )
        return out

    n, w = scores(news), scores(web)
    return {
        "thucnews_docs": len(n),
        "chinesewebtext_docs": len(w),
        "coherence_mean_thucnews": statistics.mean(c for c, _ in n),
        "coherence_mean_chinesewebtext": statistics.mean(c for c, _ in w),
        "coherence_auc_news_over_web": auc([c for c, _ in n + w], [1] * len(n) + [0] * len(w)),
        "web_pages_below_0.8_coherence": sum(c < 0.8 for c, _ in w) / len(w),
        "news_below_0.8_coherence": sum(c < 0.8 for c, _ in n) / len(n),
        "readability_mean_thucnews": statistics.mean(r for _, r in n),
        "readability_mean_chinesewebtext": statistics.mean(r for _, r in w),
    }


def _halves(text: str, lang: str) -> tuple[str, str]:
    """A text's first and second half, cut between sentences (paragraph breaks kept)."""
    sentences = segment.sentences(text, lang)
    if len(sentences) < 4:
        return "", ""
    cut = len(sentences) // 2
    glue = "" if lang == "zh" else " "
    return glue.join(sentences[:cut]), glue.join(sentences[cut:])


def splices(data: Path, pairs: int = 300, seed: int = 11) -> dict:
    import random

    from bench import shared_data

    rng = random.Random(seed)
    labelled = {
        "zh": [(label, text) for label, text in shared_data.thucnews_labelled(data)],
        "en": [(json.loads(line)["category"], json.loads(line)["text"])
               for line in __import__("gzip").open(data / "en_news" / "bbc_fulltext_2225.jsonl.gz")],
    }  # fmt: skip
    out = {}
    for lang, docs in labelled.items():
        docs = [(c, t) for c, t in docs if len(segment.sentences(t, lang)) >= 8]

        def ch(t, lang=lang):
            return coherence.score(t, lang)["coherence"]

        originals, spliced, as_high = [], [], 0
        for _ in range(pairs):
            (ca, a), (cb, b) = rng.sample(docs, 2)
            while ca == cb:
                cb, b = rng.choice(docs)
            head, _ = _halves(a, lang)
            _, tail = _halves(b, lang)
            sa, sb, sx = ch(a), ch(b), ch(head + ("\n" if "\n" in a else "") + tail)
            originals += [sa, sb]
            spliced.append(sx)
            as_high += sx >= min(sa, sb)
        out[lang] = {
            "splices": pairs,
            "coherence_mean_articles": statistics.mean(originals),
            "coherence_mean_splices": statistics.mean(spliced),
            "auc_articles_over_splices": auc(
                originals + spliced, [1] * len(originals) + [0] * len(spliced)
            ),
            "splices_as_high_as_a_source": as_high / pairs,
        }
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    report = {
        "onestopenglish": onestop(args.data),
        "zh_web_vs_news": web_vs_news(args.data),
        "splices": splices(args.data),
    }
    print(json.dumps(report, indent=2))
    out = Path(__file__).resolve().parent / "out" / "attribute_quality.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
