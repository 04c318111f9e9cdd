"""Language identification on real text (../shared/data) and on mixed zh/en text built
from it: the share of documents the clean step would keep in their right language.

    python -m bench.langid_quality [--shared ../shared/data] [--backend langdetect-rs]

Each text goes through the clean step's junk removal (textclean.pre_language) and
langid.detect, and counts as right when the language is the expected one with at least
clean.min_lang_score (0.6) probability. Sets:

* real, one language: THUCNews, DRCD (Traditional), online-shopping reviews, Debian's
  Chinese fortunes (technical text with commands and package names), BBC, AG news, 20
  Newsgroups;
* mixed, built here (seeded): THUCNews passages with English words (from BBC) put in at
  10%, 25% and 40% of the words, or with command-line tokens; BBC passages with Chinese
  words (from THUCNews) at 5%, 15% and 30%. The expected language of a mixed text is the
  one that holds most of it, an English word and a Chinese character counting one each
  (so an English passage whose inserted Chinese words add up to more characters than it
  has words is expected zh). For the fortunes, both: how many are kept as zh (the
  source's language), and how many agree with that majority.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from bench import shared_data
from ziya_data.udfs import langid, textclean, tokenizers

MIN_SCORE = 0.6
MIN_CHARS = 20
COMMANDS = ["apt-get install", "gdm3", "menu-xdg", "sudo", "dpkg -i", "/etc/X11", "xorg.conf",
            "systemctl restart", "GNOME 3", "KDE", "Debian 12", "git clone", "vim", "Ubuntu"]  # fmt: skip


def _passages(texts: list[str], chars: int) -> list[str]:
    return [t.strip()[:chars] for t in texts if len(t.strip()) >= chars // 2]


def mix_english_into_chinese(zh: list[str], en_words: list[str], share: float, rng) -> list[str]:
    out = []
    for text in zh:
        units = list(text)
        han = sum(1 for c in units if "\u4e00" <= c <= "\u9fff")
        # English words that make `share` of the units (a Chinese character counts one).
        k = int(round(share * han / (1 - share)))
        for _ in range(k):
            units.insert(rng.randrange(len(units) + 1), f" {rng.choice(en_words)} ")
        out.append("".join(units))
    return out


def mix_chinese_into_english(en: list[str], zh_words: list[str], share: float, rng) -> list[str]:
    out = []
    for text in en:
        words = text.split()
        k = int(round(share * len(words) / (1 - share)))
        for _ in range(k):
            # a Chinese word of n characters is n units
            words.insert(rng.randrange(len(words) + 1), rng.choice(zh_words))
        out.append(" ".join(words))
    return out


def sets(shared: Path, seed: int = 5) -> dict[str, tuple[str, list[str]]]:
    rng = random.Random(seed)
    news = shared_data.thucnews(shared)
    bbc = shared_data.bbc(shared)
    reviews = [r for r in shared_data.reviews(shared) if len(r) >= MIN_CHARS]
    en_words = [w for t in bbc[:200] for w in re.findall(r"[A-Za-z]{3,}", t)]
    zh_words = [
        w for t in news[:200] for w in tokenizers.zh_words(t) if len(w) >= 2 and w.isalpha()
    ]
    zh_passages = _passages(news, 300)
    en_passages = _passages(bbc, 600)
    out = {
        "thucnews": ("zh", news),
        "drcd_traditional": ("zh", shared_data.drcd(shared)),
        "reviews": ("zh", rng.sample(reviews, 2000)),
        "fortunes": ("zh", shared_data.fortunes(shared)),
        "fortunes by majority": ("majority", shared_data.fortunes(shared)),
        "bbc": ("en", bbc),
        "ag_news": ("en", rng.sample(shared_data.ag_news(shared), 2000)),
        "20news": ("en", rng.sample(shared_data.newsgroups(shared), 1000)),
    }
    for share in (0.10, 0.25, 0.40):
        out[f"zh+en words {share:.0%}"] = (
            "majority", mix_english_into_chinese(rng.sample(zh_passages, 400), en_words, share, rng)
        )  # fmt: skip
    out["zh+commands 25%"] = (
        "majority", mix_english_into_chinese(rng.sample(zh_passages, 400), COMMANDS, 0.25, rng)
    )  # fmt: skip
    for share in (0.05, 0.15, 0.30):
        out[f"en+zh words {share:.0%}"] = (
            "majority", mix_chinese_into_english(rng.sample(en_passages, 400), zh_words, share, rng)
        )  # fmt: skip
    return out


# The truth is defined here, apart from the code under test.
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]")
_LATIN_WORD = re.compile("[A-Za-z\u00c0-\u024f]+")


def majority(text: str) -> str:
    """zh when CJK characters outnumber Latin words, else en."""
    return "zh" if len(_HAN.findall(text)) >= len(_LATIN_WORD.findall(text)) else "en"


def judge(texts: list[str], expected: str, backend: str) -> dict:
    """`expected`: a language, or "majority" (per text, by majority())."""
    right = judged = 0
    wrong: dict[str, int] = {}
    for text in texts:
        cleaned, _ = textclean.pre_language(text)
        if textclean.content_length(cleaned) < MIN_CHARS:
            continue  # clean rejects these as too short before any language
        judged += 1
        lang, score = langid.detect(cleaned, backend)
        want = majority(cleaned) if expected == "majority" else expected
        if lang == want and score >= MIN_SCORE:
            right += 1
        else:
            key = f"{lang}" if score >= MIN_SCORE else f"uncertain:{lang}"
            wrong[key] = wrong.get(key, 0) + 1
    top = dict(sorted(wrong.items(), key=lambda kv: -kv[1])[:4])
    return {
        "judged": judged,
        "right": right,
        "accuracy": round(right / max(1, judged), 4),
        "wrong": top,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(shared_data.DEFAULT))
    parser.add_argument("--backend", default="langdetect-rs")
    args = parser.parse_args(argv)
    report = {}
    for name, (expected, texts) in sets(Path(args.shared)).items():
        report[name] = {"expected": expected, **judge(texts, expected, args.backend)}
        print(f"{name:22} {expected}  {report[name]['right']:5}/{report[name]['judged']:<5} "
              f"{report[name]['accuracy']:.3f}  {report[name]['wrong']}")  # fmt: skip
    out = shared_data.ROOT / "bench" / "out" / "langid_quality.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
