"""The rule registry: every rule declared once with its level, languages and default
parameters; `Settings` overlays the configured thresholds and switches.

Levels run in order: document rules reject a whole document (the first that fires names
the reason), paragraph rules remove a line, sentence rules remove a sentence, privacy
rules mask what they match. Within a level rules run in the order they are declared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

LEVELS = ("document", "paragraph", "sentence")


@dataclass(frozen=True)
class Rule:
    name: str  # also the reject reason
    level: str
    languages: tuple[str, ...] | None  # None: every language
    params: dict[str, float]
    check: Callable
    description: str
    masks: str | None = None  # privacy rules: the tag that replaces a match
    ngrams: bool = False  # the check reads the document's n-gram profiles (Doc.ngrams)
    # (doc, params) -> the n-gram size beyond the 2-gram profile the check will read for
    # this document, or None: apply_rules_batch computes those for a batch at once.
    prefetch: Callable | None = None


REGISTRY: dict[str, Rule] = {}


def rule(
    level: str,
    languages: tuple[str, ...] | None = None,
    *,
    ngrams: bool = False,
    prefetch: Callable | None = None,
    **params: float,
):
    """Register the decorated check under its function name; `languages`: the codes it
    applies to (None: all); `ngrams`: it reads n-gram profiles, which apply_rules_batch
    computes for the documents no earlier rule rejected, all at once; `prefetch`: which
    larger n-gram profile it will read for a document (Rule.prefetch)."""
    if level not in LEVELS:
        raise ValueError(f"unknown rule level {level!r}")
    if prefetch is not None and not ngrams:
        raise ValueError("a rule with a prefetch reads n-gram profiles: give ngrams=True")

    def register(fn: Callable) -> Callable:
        name = fn.__name__
        REGISTRY[name] = Rule(
            name, level, languages, params, fn, (fn.__doc__ or "").strip().split("\n")[0],
            ngrams=ngrams, prefetch=prefetch,
        )  # fmt: skip
        return fn

    return register


def default_thresholds() -> dict[str, float]:
    return {f"{r.name}.{k}": v for r in REGISTRY.values() for k, v in r.params.items()}


@dataclass(frozen=True)
class Settings:
    thresholds: dict[str, float]
    disabled: frozenset[str] = frozenset()
    max_removed_share: float = 0.3
    pii_action: str = "mask"  # mask | drop_sentence

    @cached_property
    def params(self) -> dict[str, dict[str, float]]:
        """Each rule's parameters: its defaults with the configured thresholds on top."""
        return {r.name: {k: self.thresholds.get(f"{r.name}.{k}", v) for k, v in r.params.items()}
                for r in REGISTRY.values()}  # fmt: skip

    def active(self, level: str, lang: str) -> list[Rule]:
        """The enabled rules of a level for a language, in order (privacy rules apart)."""
        cache = self.__dict__.setdefault("_active", {})
        if (level, lang) not in cache:
            cache[(level, lang)] = [
                r for r in REGISTRY.values()
                if r.level == level and (r.languages is None or lang in r.languages)
                and r.name not in self.disabled and r.masks is None
            ]  # fmt: skip
        return cache[(level, lang)]

    def first_ngram_rule(self, lang: str) -> int:
        """Where in active("document", lang) the first rule reading n-gram profiles stands
        (the number of rules when none does)."""
        cache = self.__dict__.setdefault("_first_ngram_rule", {})
        if lang not in cache:
            rules = self.active("document", lang)
            cache[lang] = next((i for i, r in enumerate(rules) if r.ngrams), len(rules))
        return cache[lang]

    def prefetching(self, lang: str) -> list[Rule]:
        """The active document rules of a language that say which profiles they read."""
        cache = self.__dict__.setdefault("_prefetching", {})
        if lang not in cache:
            cache[lang] = [r for r in self.active("document", lang) if r.prefetch is not None]
        return cache[lang]

    def without_terms(self, level: str, lang: str) -> list[Rule]:
        """The active rules that can fire on a unit holding no word-list term: those
        without a `min_hits` of at least 1."""
        cache = self.__dict__.setdefault("_without_terms", {})
        if (level, lang) not in cache:
            cache[(level, lang)] = [
                r for r in self.active(level, lang) if self.params[r.name].get("min_hits", 0) < 1
            ]
        return cache[(level, lang)]

    @cached_property
    def pii_enabled(self) -> set[str]:
        return {r.name for r in REGISTRY.values() if r.masks and r.name not in self.disabled}


def rule_table() -> str:
    """The registry as the README's markdown table (a test keeps the README equal to it)."""
    rows = [
        "| rule (= reject reason) | level | languages | defaults | catches |",
        "|---|---|---|---|---|",
    ]
    from ziya_data.udfs import languages

    for r in REGISTRY.values():
        params = (
            ", ".join(
                f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in r.params.items()
            )
            or "-"
        )
        rows.append(
            f"| `{r.name}` | {r.level} | {','.join(r.languages or languages.codes())} | {params} "
            f"| {r.description} |"
        )
    return "\n".join(rows) + "\n"
