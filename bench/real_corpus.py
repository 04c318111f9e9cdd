"""A benchmark corpus of real text at the shape of web-scale crawls: mostly short documents
(shopping reviews, news briefs, Usenet posts, news and encyclopaedia paragraphs, web
pages, Traditional Chinese, fortunes with their control characters), with planted exact
and near copies. Built from ../shared/data by a seeded generator:

    python -m bench.real_corpus --mb 100 --out bench/out/real-100

Each document joins 1-3 units (a review, a paragraph group, a post) of one source. Units
are dealt from a shuffled deck per source; once a deck is used up it is shuffled again
and a unit then always comes with at least one other, so no document repeats another by
chance. A share of documents are copied whole (exact) or with a few words changed (near):
those are the planted copies. Written: corpus/
(JSONL.gz shards: id, text, url, source), reference/ (held-out news for the KenLM
models), truth.jsonl (planted copy -> original) and truth_summary.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
from pathlib import Path

from bench import shared_data

SEED = 20261205
SHARD_DOCS = 20000
EXACT_SHARE, NEAR_SHARE = 0.02, 0.02
# (source, share of documents, units per document)
MIX = (
    ("reviews", 0.40, (1, 3)),
    ("ag_news", 0.10, (1, 2)),
    ("thucnews", 0.08, (1, 1)),
    ("bbc", 0.10, (1, 1)),
    ("newsgroups", 0.20, (1, 1)),
    ("drcd", 0.05, (1, 1)),
    ("fortunes", 0.05, (1, 2)),
    ("web", 0.02, (1, 1)),
)


def _paragraph_groups(texts: list[str], size: int = 2) -> list[str]:
    """Articles cut into groups of `size` paragraphs (a news page's excerpt)."""
    out = []
    for text in texts:
        paragraphs = [p.strip() for p in re.split(r"\n+|\u3000\u3000", text) if p.strip()]
        out += ["\n".join(paragraphs[i : i + size]) for i in range(0, len(paragraphs), size)]
    return out


def _sentence_groups(texts: list[str], size: int = 3) -> list[str]:
    """Chinese articles cut into groups of `size` sentences (a short news item)."""
    out = []
    for text in texts:
        sentences = [t for t in re.split(r"(?<=[。！？])", text) if t.strip()]
        out += ["".join(sentences[i : i + size]) for i in range(0, len(sentences), size)]
    return out


def units(shared: Path, reference_share: float = 0.1) -> tuple[dict[str, list[str]], list[str]]:
    """Per source its units, and the held-out news the language models train on."""
    thuc, bbc = shared_data.thucnews(shared), shared_data.bbc(shared)
    held_thuc, held_bbc = int(len(thuc) * reference_share), int(len(bbc) * reference_share)
    web = [r["raw_content"] for r in shared_data.chinesewebtext(shared)]
    web = _paragraph_groups(web + shared_data.commoncrawl(shared), size=6)
    pools = {
        "reviews": shared_data.reviews(shared),
        "ag_news": shared_data.ag_news(shared),
        "thucnews": _sentence_groups(thuc[held_thuc:]),
        "bbc": _paragraph_groups(bbc[held_bbc:]),
        "newsgroups": _paragraph_groups(shared_data.newsgroups(shared), size=4),
        "drcd": shared_data.drcd(shared),
        "fortunes": shared_data.fortunes(shared),
        "web": web,
    }
    return pools, thuc[:held_thuc] + bbc[:held_bbc]


def _near_copy(text: str, rng: random.Random) -> str:
    """A few words (or, in Chinese, characters) changed: about 3% of the units."""
    if re.search(r"[\u4e00-\u9fff]", text):
        chars = list(text)
        for _ in range(max(1, len(chars) // 40)):
            i = rng.randrange(len(chars))
            chars[i] = rng.choice("的了是在和有也就不人都一上")
        return "".join(chars)
    words = text.split(" ")
    for _ in range(max(1, len(words) // 30)):
        words[rng.randrange(len(words))] = rng.choice(["the", "a", "new", "said", "today"])
    return " ".join(words)


class Deck:
    """A source's units in a seeded shuffled order, reshuffled when used up."""

    def __init__(self, units: list[str], rng: random.Random):
        self.units, self.rng, self.rounds, self.next = list(units), rng, 0, 0
        rng.shuffle(self.units)

    def deal(self) -> str:
        if self.next == len(self.units):
            self.rng.shuffle(self.units)
            self.rounds, self.next = self.rounds + 1, 0
        self.next += 1
        return self.units[self.next - 1]


def documents(pools: dict[str, list[str]], target_bytes: float, seed: int = SEED,
              max_docs: int | None = None):  # fmt: skip
    """(doc, truth row or None) until `target_bytes` of text or `max_docs` documents,
    whichever comes first; seeded, so a smaller corpus is the start of a larger one."""
    rng = random.Random(seed)
    decks = {name: Deck(units, rng) for name, units in pools.items()}
    sources = [m[0] for m in MIX]
    weights = [m[1] for m in MIX]
    spans = {m[0]: m[2] for m in MIX}
    written, n, originals = 0, 0, []
    while written < target_bytes and (max_docs is None or n < max_docs):
        roll = rng.random()
        if originals and roll < EXACT_SHARE + NEAR_SHARE:
            original = rng.choice(originals)
            exact = roll < EXACT_SHARE
            text = original["text"] if exact else _near_copy(original["text"], rng)
            doc = {"id": f"r{n}", "text": text, "url": f"https://copy.example/{n}",
                   "source": original["source"]}  # fmt: skip
            truth = {"doc_id": doc["id"], "original": original["id"],
                     "kind": "exact" if exact else "near", "source": original["source"]}  # fmt: skip
        else:
            source = rng.choices(sources, weights)[0]
            deck = decks[source]
            k = rng.randint(*spans[source])
            if deck.rounds:  # a unit seen before never stands alone again
                k = max(k, 2)
            text = "\n".join(deck.deal() for _ in range(k))
            doc = {"id": f"r{n}", "text": text, "url": f"https://{source}.example/{n}",
                   "source": source}  # fmt: skip
            truth = None
            if len(text.encode()) >= 200 and len(originals) < 200000:
                originals.append(doc)
        written += len(doc["text"].encode())
        n += 1
        yield doc, truth


def write(out: Path, mb: float = 100, shared: Path = shared_data.DEFAULT, seed: int = SEED,
          docs: int | None = None) -> dict:  # fmt: skip
    """The corpus of `mb` MB of text or, when `docs` is given, of that many documents."""
    out = Path(out)
    pools, reference = units(shared)
    (out / "corpus").mkdir(parents=True, exist_ok=True)
    (out / "reference").mkdir(parents=True, exist_ok=True)
    with gzip.open(out / "reference" / "news.jsonl.gz", "wt", encoding="utf-8") as fh:
        for i, text in enumerate(reference):
            fh.write(json.dumps({"id": f"ref{i}", "text": text}, ensure_ascii=False) + "\n")
    shard, lines, nbytes, planted, sizes = None, 0, 0, 0, []
    with open(out / "truth.jsonl", "w", encoding="utf-8") as truth_fh:
        target = float("inf") if docs else int(mb * 1e6)
        for doc, truth in documents(pools, target, seed, docs):
            if lines % SHARD_DOCS == 0:
                if shard:
                    shard.close()
                shard = gzip.open(out / "corpus" / f"part-{lines // SHARD_DOCS:05d}.jsonl.gz",
                                  "wt", encoding="utf-8")  # fmt: skip
            shard.write(json.dumps(doc, ensure_ascii=False) + "\n")
            if truth:
                truth_fh.write(json.dumps(truth) + "\n")
                planted += 1
            lines += 1
            size = len(doc["text"].encode())
            nbytes += size
            sizes.append(size)
    shard.close()
    sizes.sort()
    summary = {"input_lines": lines, "text_bytes": nbytes, "planted_copies": planted,
               "median_bytes": sizes[len(sizes) // 2], "seed": seed}  # fmt: skip
    (out / "truth_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--mb", type=float, default=100)
    parser.add_argument("--docs", type=int, help="this many documents instead of --mb of text")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    print(json.dumps(write(args.out, args.mb, seed=args.seed, docs=args.docs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
