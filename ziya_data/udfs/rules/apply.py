"""Applying the registry to documents: document rules, then paragraph rules line by
line, then sentence rules and privacy masking within the lines that could need them. A
document that loses more than `max_removed_share` of its characters is rejected with the
rule that removed the most; one left too short, as `too_short_after_filter`.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ziya_data.udfs import languages, segment
from ziya_data.udfs.rules.document import (
    Doc,
    seed_char_counts,
    seed_more_profiles,
    seed_ngram_profiles,
)
from ziya_data.udfs.rules.lexicon import Lexicon
from ziya_data.udfs.rules.pii import PII_MIN_DIGITS, mask_pii, may_hold_pii
from ziya_data.udfs.rules.registry import REGISTRY, Settings

TOO_SHORT_AFTER_FILTER = "too_short_after_filter"
_BLANK_RUN = re.compile(r"\n{3,}")


@dataclass
class Outcome:
    text: str
    reason: str | None = None
    detail: str | None = None
    hits: list[str] = field(default_factory=list)
    removed_share: float = 0.0


def apply_rules(text: str, lang: str, lexicon: Lexicon, settings: Settings) -> Outcome:
    """All rules on one document (module docstring). The outcome's text is the document
    after paragraph and sentence removals and privacy masking; a rejected outcome keeps
    the input text."""
    return _apply(Doc(text, lang, lexicon), settings)


def apply_rules_batch(
    texts: list[str], langs: list[str], lexicon: Callable[[str], Lexicon], settings: Settings
) -> list[Outcome]:
    """apply_rules on each document of a batch. The document rules before the first
    n-gram rule run first; the 2-gram profiles that rule needs are then computed in one
    call (seed_ngram_profiles) for the documents none of them rejected, and the rest of
    the rules run, with the larger profiles the n-gram rules say they will read
    (Rule.prefetch) computed likewise. `lexicon` maps a language to its lexicon."""
    docs = [Doc(text, lang, lexicon(lang)) for text, lang in zip(texts, langs)]
    # Most documents reach a rule that counts character classes (digits, Chinese).
    seed_char_counts(docs)
    outcomes: list[Outcome | None] = []
    for doc in docs:
        first_ngram = settings.first_ngram_rule(doc.lang)
        outcomes.append(_rejection(doc, settings, 0, first_ngram))
    undecided = [i for i, outcome in enumerate(outcomes) if outcome is None]
    seed_ngram_profiles([docs[i] for i in undecided])
    # The larger profiles the later rules will read: a rule that an earlier one makes
    # unnecessary wastes a batch's share, less than the call per document it saves.
    seed_more_profiles([
        (docs[i], n)
        for i in undecided
        for r in settings.prefetching(docs[i].lang)
        if (n := r.prefetch(docs[i], settings.params[r.name])) is not None
    ])  # fmt: skip
    for i in undecided:
        outcomes[i] = _apply(docs[i], settings, settings.first_ngram_rule(docs[i].lang))
    return outcomes


def _rejection(doc: Doc, settings: Settings, start: int, stop: int | None) -> Outcome | None:
    """The outcome of the first of the document rules [start:stop] that fires, if one does."""
    for r in settings.active("document", doc.lang)[start:stop]:
        detail = r.check(doc, settings.params[r.name])
        if detail is not None:
            return Outcome(doc.text, r.name, detail, [r.name])
    return None


def _apply(doc: Doc, settings: Settings, first_rule: int = 0) -> Outcome:
    """All rules on one document, the document rules from `first_rule` on (the earlier
    ones passed it already)."""
    text, lang, lexicon = doc.text, doc.lang, doc.lexicon
    rejected = _rejection(doc, settings, first_rule, None)
    if rejected is not None:
        return rejected

    para_rules = settings.active("paragraph", lang)
    para_rules_without_terms = settings.without_terms("paragraph", lang)
    sent_rules = settings.active("sentence", lang)
    removed: Counter = Counter()
    hits: list[str] = []
    match_ends = sorted(m[1] for m in doc.matches)
    # Lines are searched for privacy only where the whole document could hold some.
    pii_possible = "@" in text or doc.char_counts().digits >= PII_MIN_DIGITS
    out_lines, offset = [], 0
    for line in text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        if not line.strip():
            out_lines.append(line)
            continue
        # Search a line again only when the document search found something inside it.
        first = bisect.bisect_right(match_ends, start)
        has_match = first < len(match_ends) and match_ends[first] <= start + len(line)
        line_hits = _distinct_hits(lexicon, line) if has_match else _NO_HITS
        candidates = para_rules if line_hits else para_rules_without_terms
        dropped = next(
            (r for r in candidates if r.check(line, line_hits, doc, settings.params[r.name])), None
        )
        if dropped is not None:
            removed[dropped.name] += len(line.strip())
            hits.append(dropped.name)
            continue
        if line_hits or (pii_possible and may_hold_pii(line)):
            line = _sentence_pass(
                line, lang, lexicon, settings, sent_rules, bool(line_hits), removed, hits, doc
            )
        out_lines.append(line)

    new_text = "\n".join(out_lines).strip()
    if "\n\n\n" in new_text:  # a removed line between blank ones
        new_text = _BLANK_RUN.sub("\n\n", new_text)
    share = sum(removed.values()) / max(1, doc.chars)
    if share > settings.max_removed_share:
        worst = max(removed.items(), key=lambda kv: (kv[1], kv[0]))[0]
        return Outcome(text, worst, f"{share:.2f} of text removed", hits, share)
    short = REGISTRY["doc_too_short"]
    if removed and short.name not in settings.disabled:
        detail = short.check(Doc(new_text, lang, lexicon), settings.params[short.name])
        if detail is not None:
            return Outcome(text, TOO_SHORT_AFTER_FILTER, detail, hits, share)
    return Outcome(new_text, None, None, hits, share)


def _distinct_hits(lexicon: Lexicon, text: str) -> Counter:
    """Per category, how many different terms of it the text holds."""
    return Counter(
        category for category, _ in {(m[2], text[m[0] : m[1]].lower()) for m in lexicon.find(text)}
    )


_NO_HITS: Counter = Counter()  # read only


def _sentence_pass(line, lang, lexicon, settings, sent_rules, search, removed, hits, doc) -> str:
    kept = []
    for sentence in segment.sentences(line, lang):
        s_hits = _distinct_hits(lexicon, sentence) if search else _NO_HITS
        toxic = next(
            (
                r
                for r in sent_rules
                if s_hits and r.check(sentence, s_hits, doc, settings.params[r.name])
            ),
            None,
        )
        if toxic is not None:
            removed[toxic.name] += len(sentence.strip())
            hits.append(toxic.name)
            continue
        masked, pii_hits = mask_pii(sentence, settings.pii_enabled)
        if pii_hits:
            hits += pii_hits
            if settings.pii_action == "drop_sentence":
                removed[pii_hits[0]] += len(sentence.strip())
                continue
            sentence = masked
        kept.append(sentence)
    return languages.get(lang).join_sentences(kept)
