"""Privacy rules: e-mail addresses, Chinese ID numbers (with their check digit), bank
card numbers (Luhn) and phone numbers, found by pattern and masked with a tag (or the
sentence dropped, as the filter's pii_action says). The evaluate step counts the same
matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ziya_data.udfs.rules.registry import REGISTRY, Rule

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_CN_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")
_PHONE = re.compile(
    r"(?<![\d+])(?:\+\d{1,3}[ -]?)?(?:\(?\d{2,4}\)?[ -])\d{3,4}[ -]?\d{3,4}(?!\d)|(?<!\d)0\d{2,3}-\d{7,8}(?!\d)"
)
_CN_ID = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def valid_cn_id(number: str) -> bool:
    """GB 11643 check digit."""
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    return "10X98765432"[total % 11] == number[17].upper()


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        total += (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d
    return total % 10 == 0


@dataclass(frozen=True)
class PiiRule:
    name: str
    mask: str
    find: Callable[[str], list[tuple[int, int]]]


def _spans(
    pattern: re.Pattern, check: Callable[[str], bool] | None = None
) -> Callable[[str], list[tuple[int, int]]]:
    def find(text: str) -> list[tuple[int, int]]:
        return [m.span() for m in pattern.finditer(text) if check is None or check(m.group(0))]

    return find


PII_RULES = [  # order matters: ID numbers before cards before phones, so one number is one kind
    PiiRule("pii_email", "[EMAIL]", _spans(_EMAIL)),
    PiiRule("pii_cn_id", "[ID]", _spans(_CN_ID, valid_cn_id)),
    PiiRule("pii_bank_card", "[CARD]", _spans(_CARD, lambda s: luhn_ok(re.sub(r"\D", "", s)))),
    PiiRule("pii_phone", "[PHONE]", lambda t: _spans(_CN_MOBILE)(t) + _spans(_PHONE)(t)),
]
for _pii in PII_RULES:
    REGISTRY[_pii.name] = Rule(
        _pii.name, "sentence", None, {}, _pii.find, f"Privacy: masks {_pii.mask}", _pii.mask
    )


def mask_pii(text: str, enabled: set[str]) -> tuple[str, list[str]]:
    """Replace emails, phone numbers, Chinese ID numbers and bank card numbers by tags."""
    if not may_hold_pii(text):
        return text, []
    hits = []
    for pii in PII_RULES:
        if pii.name not in enabled:
            continue
        spans = pii.find(text)
        if spans:
            hits += [pii.name] * len(spans)
            for start, end in sorted(spans, reverse=True):
                text = text[:start] + pii.mask + text[end:]
    return text, hits


_DIGIT = re.compile(r"\d")
# The digit patterns need at least this many digits (a phone: 2 + 3 + 3; mobile numbers,
# landlines with area code, ID and card numbers more).
PII_MIN_DIGITS = 8


def may_hold_pii(text: str) -> bool:
    """False when no privacy pattern can match: no '@' and fewer than PII_MIN_DIGITS digits."""
    return "@" in text or len(_DIGIT.findall(text)) >= PII_MIN_DIGITS
