"""Line rules: paragraph rules decide whether a line is removed, sentence rules whether
a sentence is. Each gets the unit, the distinct word-list terms it holds per category,
the document view and the rule's parameters.
"""

from __future__ import annotations

from collections import Counter

from ziya_data.udfs.rules.document import Doc
from ziya_data.udfs.rules.document_rules import is_navigation_line
from ziya_data.udfs.rules.registry import rule


@rule("paragraph", min_hits=2)
def advertising(line: str, hits: Counter, doc: Doc, p) -> bool:
    """A line of sales or spam phrases (distinct ones: a word said twice is not an ad)."""
    return hits["advertising"] >= p["min_hits"]


@rule("paragraph", min_hits=2)
def gambling(line: str, hits: Counter, doc: Doc, p) -> bool:
    """A line promoting gambling."""
    return hits["gambling"] >= p["min_hits"]


@rule("paragraph", min_hits=1, max_chars=200)
def boilerplate_line(line: str, hits: Counter, doc: Doc, p) -> bool:
    """A short line of page furniture (cookies, copyright, back to top)."""
    return hits["boilerplate"] >= p["min_hits"] and len(line) <= p["max_chars"]


@rule("paragraph")
def navigation_line(line: str, hits: Counter, doc: Doc, p) -> bool:
    """A line made only of navigation menu items."""
    return len(line) < 80 and is_navigation_line(line, doc.lexicon)


@rule("paragraph", min_hits=1, max_chars=40)
def form_line(line: str, hits: Counter, doc: Doc, p) -> bool:
    """A short line that is a form label or button."""
    return hits["form_fields"] >= p["min_hits"] and len(line) <= p["max_chars"]


# ---- sentence rules: remove a sentence ----


@rule("sentence", min_hits=1)
def toxic_explicit(sentence: str, hits: Counter, doc: Doc, p) -> bool:
    """Sexually explicit content or solicitation."""
    return hits["toxic_explicit"] >= p["min_hits"]


@rule("sentence", min_hits=1)
def toxic_violent(sentence: str, hits: Counter, doc: Doc, p) -> bool:
    """Incitement to violence."""
    return hits["toxic_violent"] >= p["min_hits"]


@rule("sentence", min_hits=1)
def toxic_terrorist(sentence: str, hits: Counter, doc: Doc, p) -> bool:
    """Terrorism and weapons-making."""
    return hits["toxic_terrorist"] >= p["min_hits"]


@rule("sentence", min_hits=1)
def toxic_discriminatory(sentence: str, hits: Counter, doc: Doc, p) -> bool:
    """Dehumanising or hateful language about groups."""
    return hits["toxic_discriminatory"] >= p["min_hits"]
