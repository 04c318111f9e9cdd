"""clean: the Ziya2 data-preprocessing (DP) step, `raw` -> `clean` (+ rejects).

Keeps Chinese and English (language by langdetect, see `udfs.langid`), repairs
encoding and Unicode, converts Traditional to Simplified Chinese, and removes control
characters, ANSI codes, markup, emoji, emoticons, special symbols and bad punctuation
`ziya_data.udfs.textclean` documents each operation and their order). Rejects: too_short,
empty_after_clean, lang_not_allowed, lang_uncertain. How many documents each operation
changed is recorded in the commit metadata (`counts.tallies.clean_ops`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__" and not __package__:  # spark-submit jobs/clean.py
    sys.path[0] = str(Path(__file__).resolve().parents[2])  # the package root, not jobs/

from ziya_data.jobs.config import ConfigError, option
from ziya_data.jobs.runtime import (
    REJECT_DETAIL,
    REJECT_REASON,
    JobError,
    RunContext,
    map_batches,
    write_step,
)
from ziya_data.udfs.langid import BACKENDS

OPENCC_CONFIGS = ["t2s", "tw2s", "hk2s", "tw2sp"]
# Reject reasons (stable names).
EMPTY_AFTER_CLEAN = "empty_after_clean"
TOO_SHORT = "too_short"
LANG_UNCERTAIN = "lang_uncertain"
LANG_NOT_ALLOWED = "lang_not_allowed"


@dataclass(frozen=True)
class CleanConfig:
    input: str = "raw"
    output: str = "clean"
    # Languages kept (ISO 639-1 as langdetect names them; zh covers zh-cn and zh-tw).
    languages: list[str] = option(["zh", "en"])
    # Below this probability of the top language a document is rejected as lang_uncertain.
    min_lang_score: float = option(0.6, min=0.0, max=1.0)
    # langdetect-rs (same answers as langdetect, checked by tests) or langdetect itself.
    langid_backend: str = option("langdetect-rs", choices=list(BACKENDS))
    # OpenCC conversion for zh documents: t2s, tw2s (Taiwan), hk2s (Hong Kong), tw2sp (with phrases).
    opencc_config: str = option("t2s", choices=OPENCC_CONFIGS)
    # Documents with fewer non-space characters after cleaning are rejected as too_short.
    min_chars: int = option(20, min=0)

    def validate(self) -> None:
        if not self.languages:
            raise ConfigError("config key 'clean.languages' must name at least one language")


def transform(raw, cfg: CleanConfig):
    """raw rows -> cleaned rows with `lang`, `lang_score`, `clean_ops` and reject columns."""
    from pyspark.sql import functions as F

    from ziya_data.adapters.clean import ADDED, cleaner

    missing = {"doc_id", "text"} - set(raw.columns)
    if missing:
        raise JobError(
            f"clean.input has no column {', '.join(sorted(missing))}; it needs doc_id and text"
        )
    # Re-cleaning a cleaned table recomputes these.
    raw = raw.drop(*[c for c in ("lang", "lang_score") if c in raw.columns])
    settings = {
        "languages": tuple(cfg.languages),
        "min_lang_score": cfg.min_lang_score,
        "min_chars": cfg.min_chars,
        "langid_backend": cfg.langid_backend,
        "opencc_config": cfg.opencc_config,
    }
    measured = map_batches(raw, cleaner(settings), added=ADDED)
    lang, score = F.col("lang"), F.col("lang_score")
    pre_chars, chars = F.col("pre_chars"), F.col("chars")
    uncertain = lang.isNull() | (score < cfg.min_lang_score)
    reason = (
        F.when(pre_chars == 0, F.lit(EMPTY_AFTER_CLEAN))
        .when(pre_chars < cfg.min_chars, F.lit(TOO_SHORT))
        .when(uncertain, F.lit(LANG_UNCERTAIN))
        .when(~lang.isin(*cfg.languages), F.lit(LANG_NOT_ALLOWED))
        .when(chars < cfg.min_chars, F.lit(TOO_SHORT))
    )
    detail = (
        F.when(pre_chars == 0, F.lit(None))
        .when(pre_chars < cfg.min_chars, F.format_string("%d chars < %d", pre_chars, F.lit(cfg.min_chars)))
        # bround: half-even rounding of the exact value, as Python's format rounds
        .when(uncertain, F.format_string("%s:%.3f", F.coalesce(lang, F.lit("None")), F.bround(score, 3)))
        .when(~lang.isin(*cfg.languages), lang)
        .when(chars < cfg.min_chars, F.format_string("%d chars < %d", chars, F.lit(cfg.min_chars)))
    )  # fmt: skip
    # A kept row takes the cleaned text; a rejected one keeps its input.
    text = F.when(reason.isNull(), F.coalesce("clean_text", "text")).otherwise(F.col("text"))
    return measured.select(
        *[text.alias(c) if c == "text" else F.col(c) for c in raw.columns],
        "lang", "lang_score", "clean_ops", reason.alias(REJECT_REASON), detail.alias(REJECT_DETAIL),
    )  # fmt: skip


def run(spark, settings) -> dict:
    section: CleanConfig = settings.section
    ctx = RunContext.start(spark, settings)
    raw = ctx.read_input(section.input)
    counts = write_step(
        ctx, transform(raw, section), section.output, rows_in=raw.count(), tallies=["clean_ops"]
    )
    return {"job": "clean", "run_id": ctx.run_id, "output": section.output, **counts.as_dict()}


def main(argv=None) -> int:
    from ziya_data.jobs import cli

    return cli.main_for("clean", argv)


if __name__ == "__main__":
    raise SystemExit(main())
