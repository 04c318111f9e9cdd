"""Rule-based filtering (the Ziya2 paper's RF step): a registry of rules applied
document -> paragraph -> sentence, with privacy masking.

    lexicon         word lists (conf/rules/<category>.<lang>.txt) and the Aho-Corasick lexicon
    registry        Rule, the REGISTRY, Settings (thresholds and switches over the defaults)
    document        Doc, the per-document view the rules share
    ngrams          n-gram profiles over unit ids (numpy)
    document_rules  rules that reject a whole document
    line_rules      paragraph rules (remove a line) and sentence rules (remove a sentence)
    pii             privacy patterns and masking
    apply           the rules applied to a document or an Arrow batch's worth of them

Every threshold is a rule parameter with a default; the filter job's config overrides
them by "rule.param" keys.
"""

# The rule modules register their rules on import, in this order (document rules, then
# line rules, then privacy): the order rules run in and the README's table lists them.
from ziya_data.udfs.rules import document_rules, line_rules, pii  # noqa: F401
from ziya_data.udfs.rules.apply import (
    TOO_SHORT_AFTER_FILTER,
    Outcome,
    apply_rules,
    apply_rules_batch,
)
from ziya_data.udfs.rules.document import Doc, seed_ngram_profiles
from ziya_data.udfs.rules.document_rules import TERMINAL_MARKS, is_navigation_line
from ziya_data.udfs.rules.lexicon import (
    CATEGORIES,
    Lexicon,
    WordListError,
    default_lexicon,
    load_word_lists,
)
from ziya_data.udfs.rules.ngrams import NgramProfile, ngram_profiles
from ziya_data.udfs.rules.pii import PII_RULES, luhn_ok, mask_pii, may_hold_pii, valid_cn_id
from ziya_data.udfs.rules.registry import (
    LEVELS,
    REGISTRY,
    Rule,
    Settings,
    default_thresholds,
    rule_table,
)

__all__ = [
    "CATEGORIES", "LEVELS", "PII_RULES", "REGISTRY", "TERMINAL_MARKS", "TOO_SHORT_AFTER_FILTER",
    "Doc", "Lexicon", "NgramProfile", "Outcome", "Rule", "Settings", "WordListError",
    "apply_rules", "apply_rules_batch", "default_lexicon", "default_thresholds",
    "is_navigation_line", "load_word_lists", "luhn_ok", "mask_pii", "may_hold_pii", "ngram_profiles",
    "rule_table", "seed_ngram_profiles", "valid_cn_id",
]  # fmt: skip
