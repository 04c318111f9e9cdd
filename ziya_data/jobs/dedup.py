"""dedup: the Ziya2 paper's content de-duplication (CD), `filtered` -> `deduped` + `duplicates`.

Three kinds of link between documents:
  url    URLs that normalise to the same page `ziya_data.udfs.dedup.normalize_url`)
  exact  texts equal once punctuation, symbols, emoji and whitespace are removed
  near   MinHash LSH (datasketch, scheme pinned) or SimHash (64 bits, pigeonhole blocks)
         among one representative per exact group; candidate pairs are verified (exact
         Jaccard of the shingle-hash sets, or the Hamming distance) before they count.

Same-URL and exact links are identities: their connected components are the groups.
Near similarity is not transitive, so near pairs link groups without merging them: a
greedy pass by rank in parallel rounds (star_assign) keeps a group when it is better
than all its remaining neighbours and removes those neighbours with it, so every removed
document's group is similar to the group of the document it points to. A group keeps its
best document: quality tier high before medium, then lowest perplexity, then smallest
doc_id. The graph works on narrow node rows (keys and ranking columns); text meets it
only at the end. The result does not depend on partitioning. A graph of at most
`driver_graph_edges` edges is collected once and solved and placed on the driver
(udfs.dedup.place_duplicates); a larger one stays in Spark: min-label propagation with
pointer jumping for the groups, star_assign's rounds as joins, placement by joins. Both
give the same rows (tests compare them).

Oversized buckets (boilerplate shared by many pages) are capped: a bucket with more than
`max_bucket_size` members links each member to one member only (the smallest document
number), so it yields n-1 candidate pairs instead of n(n-1)/2.

Keys (the Python part that reads text) are cached in the index table; a run keys only
documents the index does not hold, and the rest works on keys alone (Spark SQL, and numpy
over packed keys for the bucket search and verification), so it equals a full run.

The stages hold intermediate frames with `hold(df, cut=True)` (runtime.holding): each
ends the lineage, as label propagation's plan would otherwise grow with every round (a
local checkpoint; on a cluster one kept in two copies, so a lost executor loses none).

Every input row ends in `deduped` (with `dup_count`: itself and the documents pointing to it) or in
`duplicates` (`doc_id`, `kept_doc_id` of the final kept document, `method`, `similarity`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

if __name__ == "__main__" and not __package__:  # spark-submit jobs/dedup.py
    sys.path[0] = str(Path(__file__).resolve().parents[2])  # the package root, not jobs/

from ziya_data.jobs.config import ConfigError, option
from ziya_data.jobs.runtime import (
    JobError,
    RunContext,
    holding,
    samples_tokens,
    text_summary,
    text_totals,
    token_sample,
)

KEY_COLUMNS = ("_url_key", "_exact_key", "_bands", "_shingles", "_simhash")
# How keys are computed (udfs.dedup); raised when that changes, so old index rows are rebuilt.
# 2: shingle ids by polynomial over unit ids instead of xxh32 of the shingle strings.
# 3: exact_text removes punctuation before NFKC (a combining mark right after it now
#    combines with the letter before).
# 4: shingle units by script, not by the lang column (CJK characters and words alike).
# 5: shingle ids by position-free prefix hashes (batched per Arrow batch), band keys by a
#    polynomial of their rows with fmix64 instead of xxh64.
# 6: _shingles packed as binary (4 bytes a hash) instead of array<int>.
# 7: a word's unit id is the polynomial of its code points (not xxh64 of its UTF-8); the
#    exact key hashes the exact text in UTF-32-LE, taken from the shingle pass, whose fold
#    puts a space where punctuation was (a combining mark after it no longer joins the
#    letter before it, as in plain NFKC).
KEY_VERSION = 7
# What the key columns depend on: an index built with other values is rebuilt.
KEY_SETTINGS = (
    "near_method",
    "shingle_en",
    "shingle_zh",
    "num_perm",
    "bands",
    "rows",
    "seed",
    "max_hamming",
)


@dataclass(frozen=True)
class DedupConfig:
    input: str = "filtered"
    output: str = "deduped"
    duplicates: str = "duplicates"
    url: bool = True
    exact: bool = True
    # minhash | simhash | none
    near_method: str = option("minhash", choices=["minhash", "simhash", "none"])
    # Shingle sizes in units (a word, or a CJK character: by script, no lang column
    # needed): shingle_en for texts of mostly words, shingle_zh for mostly CJK characters.
    shingle_en: int = option(5, min=1)
    shingle_zh: int = option(4, min=1)
    # MinHash: permutations, bands x rows (bands * rows <= num_perm), seed, verified Jaccard.
    num_perm: int = option(128, min=16)
    # 25 x 5: a pair at Jaccard 0.7 is a candidate with probability 0.99 (16 x 8: 0.61).
    bands: int = option(25, min=1)
    rows: int = option(5, min=1)
    seed: int = 1
    jaccard_threshold: float = option(0.7, min=0.0, max=1.0)
    # SimHash: Hamming distance at most this (pigeonhole blocks: max_hamming + 1).
    max_hamming: int = option(3, min=0, max=15)
    # A bucket with more members links each to one of them only.
    max_bucket_size: int = option(100, min=2)
    # Label propagation rounds at most (each round halves nothing; chains are short).
    max_rounds: int = option(30, min=1)
    # A duplicate graph of at most this many edges (identity and verified near pairs) is
    # resolved on the driver, with the same answer as Spark's rounds (each a few jobs);
    # a larger one, or any with 0, by Spark, so the driver's memory for it stays bounded.
    driver_graph_edges: int = option(1_000_000, min=0)
    # Table caching every document's keys (band keys, shingle hashes, fingerprint), so a
    # later run computes them only for documents it has not seen; empty: no index.
    index: str = "dedup_index"

    def validate(self) -> None:
        if self.bands * self.rows > self.num_perm:
            raise ConfigError(
                "config keys 'dedup.bands' x 'dedup.rows' must not exceed dedup.num_perm"
            )


def _rank_key():
    """A document's place in the choice of which copy to keep, as one orderable struct,
    smallest best: tier high, then medium, then none; lower perplexity, a missing one
    last; then the smaller doc_id. Unique (doc_id), so minima pick one document."""
    from pyspark.sql import functions as F

    tier = (
        F.when(F.col("quality_tier") == "high", 0)
        .when(F.col("quality_tier") == "medium", 1)
        .otherwise(2)
    )
    return F.struct(
        tier.alias("tier"),
        F.col("ppl").isNull().alias("no_ppl"),
        F.coalesce(F.col("ppl"), F.lit(0.0)).alias("ppl"),
        F.col("doc_id").alias("doc_id"),
    )


def _group_edges(docs, key: str):
    """Edges linking every member of a group of equal `key` to the group's smallest
    doc_id (n-1 edges per group of n)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keyed = docs.where(F.col(key).isNotNull()).select("doc_id", key)
    head = F.min("doc_id").over(Window.partitionBy(key))
    return (
        keyed.withColumn("_head", head)
        .where(F.col("doc_id") != F.col("_head"))
        .select(F.col("_head").alias("a"), F.col("doc_id").alias("b"))
    )


# A table of at most this many rows (doc ids and small keys: tens of MB) is broadcast
# to the join's other side, which is then streamed instead of shuffled.
BROADCAST_ROWS = 1_000_000


def _checkpoint(df):
    """The hold of a run outside a job (tests, notebooks): a local checkpoint."""
    return df.localCheckpoint()


def _held_with_rows(df, hold):
    """(`df` held, its row count), the count observed while the hold computed it, so it
    costs no job of its own (a warm dedup of 300 documents: 26 jobs instead of 32). `hold`
    computes eagerly, as dedup's holds do (checkpoints). The observation sits in the
    checkpoint job's final stage, whose metrics Spark takes once per partition. Spark
    Connect (Databricks shared and serverless compute) reports no metrics for a
    checkpoint: there the held rows are counted."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    observation = Observation()
    held = hold(df.observe(observation, F.count(F.lit(1)).alias("rows")))
    observed = observation.get
    return held, int(observed["rows"]) if "rows" in observed else held.count()


def _materialized(df, hold):
    """`df` held and computed once; with a broadcast hint when it is small (see
    BROADCAST_ROWS). The hint holds through later selects and filters of the result."""
    return _broadcast_if_small(*_held_with_rows(df, hold))


def _broadcast_if_small(df, rows: int):
    """`df` of `rows` rows, with a broadcast hint when that is at most BROADCAST_ROWS."""
    from pyspark.sql import functions as F

    return F.broadcast(df) if rows <= BROADCAST_ROWS else df


# Band keys one task of the bucket search holds at most (16 bytes each, a few copies while
# sorting): the search's partitions grow with the corpus, a task's memory does not.
KEYS_PER_TASK = 8_000_000
# Parts per partition of the bucket search: parts go to partitions by hash, and several
# each even out the partitions' shares.
PARTS_PER_PARTITION = 8


def candidate_pairs(docs, cfg: DedupConfig, hold=_checkpoint, rows: int | None = None):
    """Pairs (a, b) of document numbers (_document_number), a < b, sharing a band key,
    materialized; a bucket of more than max_bucket_size documents links each to its
    member of smallest number only. Band keys carry their band (MinHash: the band's
    number mixed in; SimHash: the block number in the top byte), so a bucket is one key.

    Each Arrow batch of documents sends its band keys, split into parts by key, as a few
    rows of packed bytes; a partition gets whole parts and numpy pairs the members of
    its shared keys (udfs.dedup.bucket_pairs). On the real 100 MB corpus (4.3M band
    keys) this takes 1.7 s where Spark's aggregate over one exploded row per key, a join
    back to the members and a self-join took 5.2 s. Verification names the pairs; two
    documents of one number (a 64-bit collision) only add candidates, checked like any
    other. `rows`: the number of `docs` when the caller knows it (else counted)."""
    import math

    from ziya_data.adapters.dedup import BAND_PARTS, MEMBER_PAIRS, band_parts, bucket_member_pairs

    spark = docs.sparkSession
    bands_per_doc = cfg.max_hamming + 1 if cfg.near_method == "simhash" else cfg.bands
    partitions = max(
        int(spark.conf.get("spark.sql.shuffle.partitions")),
        math.ceil((docs.count() if rows is None else rows) * bands_per_doc / KEYS_PER_TASK),
    )
    parts = partitions * PARTS_PER_PARTITION
    numbered = (
        docs.select(_document_number().alias("_member"), "_bands")
        .mapInArrow(band_parts(parts), BAND_PARTS)
        .repartition(partitions, "_part")
        .mapInArrow(bucket_member_pairs(cfg.max_bucket_size), MEMBER_PAIRS)
    )
    return hold(numbered.distinct())


def _document_number():
    """A document's number while pairs are searched and verified: xxhash64 of its doc_id
    (a number crosses shuffles and numpy cheaper than a string)."""
    from pyspark.sql import functions as F

    return F.xxhash64("doc_id")


def verified_edges(docs, pairs, cfg: DedupConfig, hold=_checkpoint):
    """Candidate pairs (document numbers, candidate_pairs) that pass the similarity check,
    named: (a, b) doc_ids with a < b, and their similarity: the exact Jaccard of the two
    shingle-hash sets (MinHash), or 1 - Hamming/64 of the two fingerprints (SimHash).
    Over stored keys, no text: SimHash's in Spark SQL, MinHash's by numpy per Arrow
    batch. Only the documents on a pair are joined (the shingle sets are the widest
    column there is), and the join names them."""
    from pyspark.sql import functions as F

    numbers = pairs.select(F.col("a").alias("_member")).unionByName(
        pairs.select(F.col("b").alias("_member"))
    )
    docs = docs.withColumn("_member", _document_number()).join(
        _materialized(numbers.distinct(), hold), "_member"
    )
    key = "_simhash" if cfg.near_method == "simhash" else "_shingles"
    keys = hold(docs.select("_member", "doc_id", key))  # joined twice
    joined = pairs.join(keys.toDF("a", "_da", "_ka"), "a").join(keys.toDF("b", "_db", "_kb"), "b")
    named = joined.select(
        F.least("_da", "_db").alias("a"), F.greatest("_da", "_db").alias("b"), "_ka", "_kb"
    )  # both measures are symmetric: the keys need not follow the names' order
    if cfg.near_method == "simhash":
        similarity = 1.0 - F.bit_count(F.col("_ka").bitwiseXOR(F.col("_kb"))) / 64.0
        threshold = 1.0 - cfg.max_hamming / 64.0
        scored = named.select("a", "b", similarity.cast("double").alias("similarity"))
    else:
        from ziya_data.adapters.dedup import PAIR_SIMILARITY, pair_similarity

        # The exact Jaccard by numpy over each Arrow batch of pairs (udfs.dedup.batch_jaccard):
        # the real 100 MB corpus's 101k candidate pairs in 1.2 s, where Spark's
        # array_intersect, building a hash set per pair, took 4.4 s.
        scored = named.toDF("a", "b", "_sa", "_sb").mapInArrow(pair_similarity(), PAIR_SIMILARITY)
        threshold = cfg.jaccard_threshold
    return hold(scored.where(F.col("similarity") >= F.lit(threshold)))


# Jumps after each hook: a second one costs a stage, a round costs a job (and a chain
# of 40 settles in 4 rounds instead of 7).
JUMPS_PER_ROUND = 2


def connected_components(edges, max_rounds: int, hold=_checkpoint):
    """(doc_id, component) for every doc on an edge; component = smallest doc_id reachable.

    Label propagation that hooks roots, with pointer jumping. Every document starts with
    the smallest doc_id among itself and its neighbours as its label. Each round, an
    edge (a, b) whose b holds a smaller label than a offers it to a's label (the root a
    shares with its tree), which takes the smallest offer; then every document takes the
    label of its label, twice (jumps). Labels only fall and never leave the component, and a
    round that changes nothing means every edge joins equal labels, each its own root:
    the component's smallest doc_id, which no round can take from it. Offering to the
    root moves a whole tree at once, so the rounds grow with the log of the longest
    path (a test's chain of 40 settles in 4, well within the test's 8; the bench's 100k
    documents in 4)."""
    from pyspark.sql import functions as F

    both = edges.select("a", "b").unionByName(
        edges.select(F.col("b").alias("a"), F.col("a").alias("b"))
    )
    labels = (
        both.groupBy("a")
        .agg(F.min("b").alias("_nearest"))
        .select(F.col("a").alias("doc_id"), F.least("a", "_nearest").alias("component"))
    )
    for _ in range(max_rounds):
        offers = (
            both.join(labels.toDF("a", "_la"), "a")
            .join(labels.toDF("b", "_lb"), "b")
            .where(F.col("_lb") < F.col("_la"))
            .groupBy(F.col("_la").alias("doc_id"))
            .agg(F.min("_lb").alias("_offer"))
        )
        updated = labels.join(offers, "doc_id", "left").select(
            "doc_id",
            F.col("component").alias("_old"),
            F.least("component", F.coalesce("_offer", "component")).alias("component"),
        )
        for _ in range(JUMPS_PER_ROUND):
            parents = updated.select(
                F.col("doc_id").alias("component"), F.col("component").alias("_up")
            )
            updated = updated.join(parents, "component", "left").select(
                "doc_id",
                "_old",
                F.least("component", F.coalesce("_up", "component")).alias("component"),
            )
        updated = hold(updated)
        changed = updated.where(F.col("component") != F.col("_old")).limit(1).count()
        labels = updated.select("doc_id", "component")
        if changed == 0:
            return labels
    raise JobError(
        f"dedup: connected components did not settle in {max_rounds} rounds; raise dedup.max_rounds"
    )


def _key_config(cfg: DedupConfig) -> dict:
    return {
        "method": cfg.near_method, "shingle_en": cfg.shingle_en, "shingle_zh": cfg.shingle_zh,
        "num_perm": cfg.num_perm, "seed": cfg.seed, "bands": cfg.bands, "rows": cfg.rows,
        "max_hamming": cfg.max_hamming,
    }  # fmt: skip


def key_settings_hash(cfg: DedupConfig) -> str:
    import hashlib
    import json

    settings = {k: getattr(cfg, k) for k in KEY_SETTINGS}
    blob = json.dumps({**settings, "key_version": KEY_VERSION}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# What ranking needs besides the keys: carried with them, so the graph never joins text.
RANK_COLUMNS = ("quality_tier", "ppl")


def compute_keys(docs, cfg: DedupConfig, carry: tuple[str, ...] = ()):
    """(doc_id, key columns, `carry` columns passed through) for `docs` (the Python part:
    shingles, signatures)."""
    from pyspark.sql.pandas.types import from_arrow_schema
    from pyspark.sql.types import StructType

    from ziya_data.adapters.dedup import OUTPUT, dedup_keys

    schema = StructType(list(from_arrow_schema(OUTPUT).fields) + [docs.schema[c] for c in carry])
    config = {**_key_config(cfg), "carry": list(carry)}
    return docs.select("doc_id", "url", "text", *carry).mapInArrow(dedup_keys(config), schema)


def _documents(filtered):
    """The input rows with the columns dedup reads, defaults for the optional ones; a
    clear error when a required one is missing."""
    from pyspark.sql import functions as F

    missing = {"doc_id", "text"} - set(filtered.columns)
    if missing:
        raise JobError(f"dedup.input has no column {', '.join(sorted(missing))}")
    docs = filtered
    for name, default in (("url", None), ("quality_tier", None), ("ppl", None)):
        if name not in docs.columns:
            docs = docs.withColumn(
                name, F.lit(default).cast("double" if name == "ppl" else "string")
            )
    return docs


class Keys(NamedTuple):
    nodes: Any  # every document's node row: doc_id, key columns and RANK_COLUMNS
    node_rows: int
    fresh: Any  # the key rows computed now (for the index)
    fresh_rows: int


def gather_keys(docs, cfg: DedupConfig, cached_keys=None, hold=_checkpoint) -> Keys:
    """The node rows of every document and the key rows computed now, both materialized
    (the new keys are computed once; the job also appends them to the index), with their
    counts. Documents found in `cached_keys` (index rows: doc_id + key columns) are not
    keyed again."""
    new_docs = (
        docs
        if cached_keys is None
        else docs.join(cached_keys.select("doc_id"), "doc_id", "left_anti")
    )
    nodes, fresh_rows = _held_with_rows(compute_keys(new_docs, cfg, carry=RANK_COLUMNS), hold)
    fresh, node_rows = nodes.select("doc_id", *KEY_COLUMNS), fresh_rows
    if cached_keys is not None:
        cached = cached_keys.select("doc_id", *KEY_COLUMNS).join(
            docs.select("doc_id", *RANK_COLUMNS), "doc_id"
        )
        nodes, node_rows = _held_with_rows(cached.unionByName(nodes), hold)
    return Keys(nodes, node_rows, fresh, fresh_rows)


class Deduplicated(NamedTuple):
    deduped: Any  # the input rows not found to be duplicates, with dup_count
    duplicates: Any  # doc_id, kept_doc_id, method, similarity
    fresh_keys: Any  # the key rows computed in this run (for the index)
    keyed_now: int  # their number


def transform(filtered, cfg: DedupConfig, cached_keys=None, hold=_checkpoint) -> Deduplicated:
    """filtered rows -> deduped rows, duplicate rows and the keys computed now. The result
    depends only on the rows and their keys, so a run with an index equals a run without
    one. Documents found in `cached_keys` (index rows) are not keyed again."""
    docs = _documents(filtered)
    keys = gather_keys(docs, cfg, cached_keys, hold)
    deduped, duplicates = resolve(docs, keys.nodes, cfg, hold, keys.node_rows)
    if duplicates is None:
        duplicates = filtered.sparkSession.createDataFrame([], DUPLICATES_DDL)
    return Deduplicated(deduped, duplicates, keys.fresh, keys.fresh_rows)


DUPLICATES_DDL = "doc_id string, kept_doc_id string, method string, similarity double"


def resolve(docs, nodes, cfg: DedupConfig, hold=_checkpoint, node_rows: int | None = None):
    """Documents and their node rows (gather_keys; `node_rows` of them, counted when not
    given) -> (deduped rows with dup_count, duplicate rows). The graph works on the node
    rows; the documents' text meets it only at the end, when the duplicates are taken out
    (a broadcast join when they are few).

    Same-URL and exact links are identities (the same page, the same text): their
    connected components are the groups, so a copy of a page that lost to another page
    at its URL still goes with that page. Verified near pairs (searched among one
    representative per exact group) link groups, and near similarity is not transitive:
    A ~ B and B ~ C do not make A ~ C. So groups are resolved by star_assign, which
    removes a group only with a group it is itself similar to. Each group keeps its best
    document (_rank_key); a removed group's documents point to the best document of the
    group that removed them. A graph of at most driver_graph_edges edges is solved and
    placed on the driver (_solve_on_driver), with the same answer."""
    import functools

    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F

    identity = []
    if cfg.url:
        identity.append(_group_edges(nodes, "_url_key"))
    if cfg.exact:
        # also the copies left out of the near search and each member's representative
        exact_edges, exact_rows = _held_with_rows(_group_edges(nodes, "_exact_key"), hold)
        exact_edges = _broadcast_if_small(exact_edges, exact_rows)
        identity.append(exact_edges)
    near = None
    if cfg.near_method != "none":
        reps = nodes.select("doc_id", "_bands", "_shingles", "_simhash")
        rep_rows = node_rows
        if cfg.exact:  # an exact edge's b is a copy (each is the b of one edge): left out
            copies = exact_edges.select(F.col("b").alias("doc_id"))
            reps = reps.join(copies, "doc_id", "left_anti")
            rep_rows = None if node_rows is None else node_rows - exact_rows
        pairs = candidate_pairs(reps, cfg, hold, rep_rows)
        near = verified_edges(reps, pairs, cfg, hold)  # held
    if not identity and near is None:
        return docs.withColumn("dup_count", F.lit(1)), None

    members = nodes.select("doc_id", "_url_key", "_exact_key", _rank_key().alias("_key"))
    edges = hold(functools.reduce(DataFrame.unionByName, identity)) if identity else None
    solved = _solve_on_driver(members, edges, near, cfg)
    if solved is not None:
        duplicates, removed, counts = solved
    else:
        duplicates = _place_in_spark(members, edges, near, cfg, hold)
        counts = duplicates.groupBy(F.col("kept_doc_id").alias("doc_id")).agg(
            (F.count("*") + 1).alias("dup_count")
        )
        counts = _materialized(counts, hold)
        # duplicates is held already: its doc_ids need no copy of their own
        removed = _broadcast_if_small(duplicates.select("doc_id"), duplicates.count())
    deduped = (
        docs.join(removed, "doc_id", "left_anti")
        .join(counts, "doc_id", "left")
        .withColumn("dup_count", F.coalesce(F.col("dup_count"), F.lit(1)).cast("int"))
    )
    return deduped, duplicates


def _place_in_spark(members, edges, near, cfg: DedupConfig, hold=_checkpoint):
    """The duplicate rows (held) of a graph too large for the driver: the identity
    links' connected components are the groups, star_assign resolves the near links
    between groups, and each document points to its group's best document or, when its
    group was removed, to the best document of the group that removed it."""
    from pyspark.sql import functions as F

    if edges is not None:
        groups = connected_components(edges, cfg.max_rounds, hold)
        members = members.join(groups, "doc_id", "left")
        members = members.withColumn("_group", F.coalesce("component", "doc_id")).drop("component")
    else:
        members = members.withColumn("_group", F.col("doc_id"))
    members = hold(members)
    best = members.groupBy("_group").agg(F.min("_key").alias("_best"))

    removed_by = None
    if near is not None:  # near pairs of documents -> of groups, both ways
        group_of = members.select("doc_id", "_group")
        lifted = (
            near.join(group_of.toDF("a", "_ga"), "a").join(group_of.toDF("b", "_gb"), "b")
            .where(F.col("_ga") != F.col("_gb"))
        )  # fmt: skip
        both = lifted.select(F.col("_ga").alias("g"), F.col("_gb").alias("h"), "similarity")
        both = both.unionByName(
            lifted.select(F.col("_gb").alias("g"), F.col("_ga").alias("h"), "similarity")
        )
        both = both.groupBy("g", "h").agg(F.max("similarity").alias("similarity"))
        keyed = both.join(best.toDF("g", "gk"), "g").join(best.toDF("h", "hk"), "h")
        removed_by = star_assign(hold(keyed), cfg.max_rounds, hold)

    placed = members.join(best, "_group")
    if removed_by is not None:
        placed = placed.join(removed_by.withColumnRenamed("h", "_group"), "_group", "left")
    else:
        no_key = F.lit(None).cast(members.schema["_key"].dataType)
        placed = placed.select(
            "*", no_key.alias("wk"), F.lit(None).cast("double").alias("similarity")
        )
    placed = placed.withColumn("_kept", F.coalesce(F.col("wk.doc_id"), F.col("_best.doc_id")))
    kept_keys = members.select(
        F.col("doc_id").alias("_kept"), F.col("_url_key").alias("_kept_url"),
        F.col("_exact_key").alias("_kept_exact"),
    )  # fmt: skip
    dups = placed.where(F.col("doc_id") != F.col("_kept")).join(kept_keys, "_kept")
    # How a document relates to the kept one (udfs.dedup.place_duplicates names it the
    # same way): the same URL, the same text, similar text (its group was removed by the
    # kept one's), or, failing those, linked through another page at its URL.
    same_url = cfg.url & F.col("_url_key").isNotNull() & (F.col("_url_key") == F.col("_kept_url"))
    same_text = cfg.exact & (F.col("_exact_key") == F.col("_kept_exact"))
    method = (
        F.when(same_url, "url").when(same_text, "exact")
        .when(F.col("wk").isNotNull(), "near")
        .when(F.lit(cfg.url) & F.col("_url_key").isNotNull(), "url").otherwise("exact")
    )  # fmt: skip
    duplicates = dups.select(
        "doc_id", F.col("_kept").alias("kept_doc_id"), method.alias("method"),
        F.when(method == "near", F.col("similarity")).otherwise(F.lit(1.0)).alias("similarity"),
    )  # fmt: skip
    return hold(duplicates)


def star_assign(edges, max_rounds: int, hold=_checkpoint):
    """Which groups a near-duplicate graph removes, and by which group: (h, wk: the key of
    the best document of the group that removes h, similarity of their pair). `edges`:
    (g, h, gk, hk, similarity), both ways, gk and hk the groups' best keys.

    Greedy by rank, in parallel rounds: a group better than all its remaining
    neighbours is kept (the best group of the graph always is), and removes its
    neighbours, each taking the best such group; both leave the graph. Every removed
    group is similar to the group that removed it, and no two kept groups are (they
    would be neighbours, and the better one removes the other): the sequential greedy
    result. A chain of groups in falling rank settles one link per round; rounds are
    bounded by max_rounds."""
    import functools

    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F

    removed = []
    for _ in range(max_rounds):
        if not edges.limit(1).count():
            break
        around = edges.groupBy("g").agg(F.min("gk").alias("gk"), F.min("hk").alias("nk"))
        winners = around.where(F.col("gk") < F.col("nk")).select("g")
        losers = hold(
            edges.join(winners, "g")
            .groupBy("h")
            .agg(F.min(F.struct("gk", "similarity")).alias("_by"))
            .select("h", F.col("_by.gk").alias("wk"), F.col("_by.similarity").alias("similarity"))
        )
        removed.append(losers)
        gone = winners.select(F.col("g").alias("x")).unionByName(
            losers.select(F.col("h").alias("x"))
        )
        gone = _materialized(gone, hold)
        edges = hold(
            edges.join(gone.withColumnRenamed("x", "g"), "g", "left_anti").join(
                gone.withColumnRenamed("x", "h"), "h", "left_anti"
            )
        )
    else:
        if edges.limit(1).count():
            raise JobError(
                f"dedup: near-duplicate groups did not settle in {max_rounds} rounds; raise dedup.max_rounds"
            )
    return functools.reduce(DataFrame.unionByName, removed) if removed else None


def _places(key) -> list[tuple]:
    """A collected column of _rank_key structs (Arrow) as Python tuples that order as
    Spark orders the struct (Spark puts NaN above every number)."""
    tiers, no_ppl, ppl, doc_ids = (key.field(i).to_pylist() for i in range(4))
    return [
        (t, n, p != p, 0.0 if p != p else p, d)  # p != p: NaN
        for t, n, p, d in zip(tiers, no_ppl, ppl, doc_ids)
    ]


def _solve_on_driver(members, identity, near, cfg: DedupConfig):
    """The duplicate graph solved and placed on the driver when it has at most
    cfg.driver_graph_edges edges (udfs.dedup.place_duplicates: the same rows as
    connected_components, star_assign and the placement in Spark). Returns small frames
    made on the driver: the duplicate rows, their doc_ids, and (doc_id, dup_count) of
    each kept document others point to; the last two with a broadcast hint when small,
    for the joins that make `deduped`. None when the graph is larger (or
    driver_graph_edges is 0): Spark's rounds then resolve it. The Spark work is two
    collects: the edges, then the rank and keys of the documents on them."""
    import functools
    from collections import Counter

    import pyarrow as pa
    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F

    from ziya_data.udfs.dedup import GraphUnsettled, Node, place_duplicates

    parts = (
        []
        if identity is None
        else [identity.select("a", "b", F.lit(None).cast("double").alias("s"))]
    )
    if near is not None:
        parts.append(near.select("a", "b", F.col("similarity").alias("s")))
    if not parts or not cfg.driver_graph_edges:
        return None
    edges = functools.reduce(DataFrame.unionByName, parts)
    found = edges.limit(cfg.driver_graph_edges + 1).toArrow()
    if found.num_rows > cfg.driver_graph_edges:
        return None
    spark = members.sparkSession
    # Then what placing reads of the documents on an edge: their ids go out as a
    # broadcast, so the members are read once, without a shuffle.
    on_edge = pa.concat_arrays([found.column(c).combine_chunks() for c in ("a", "b")]).unique()
    wanted = _broadcast_if_small(spark.createDataFrame(pa.table({"doc_id": on_edge})), len(on_edge))
    about = members.join(wanted, "doc_id").select("doc_id", "_key", "_url_key", "_exact_key")
    about = about.toArrow()
    column = lambda table, name: table.column(name).combine_chunks()  # noqa: E731
    nodes = dict(zip(
        column(about, "doc_id").to_pylist(),
        map(Node, _places(column(about, "_key")), column(about, "_url_key").to_pylist(),
            column(about, "_exact_key").to_pylist()),
    ))  # fmt: skip
    try:
        rows = place_duplicates(
            nodes, zip(*(column(found, c).to_pylist() for c in ("a", "b", "s"))),
            url=cfg.url, exact=cfg.exact, max_rounds=cfg.max_rounds,
        )  # fmt: skip
    except GraphUnsettled:
        raise JobError(
            f"dedup: near-duplicate groups did not settle in {cfg.max_rounds} rounds; raise dedup.max_rounds"
        ) from None
    doc_ids, kept, methods, similarity = zip(*rows) if rows else ((), (), (), ())
    pointed_to = sorted(Counter(kept).items())
    duplicates = spark.createDataFrame(pa.table({
        "doc_id": pa.array(doc_ids, pa.string()), "kept_doc_id": pa.array(kept, pa.string()),
        "method": pa.array(methods, pa.string()), "similarity": pa.array(similarity, pa.float64()),
    }))  # fmt: skip
    counts = spark.createDataFrame(pa.table({
        "doc_id": pa.array([doc for doc, _ in pointed_to], pa.string()),
        "dup_count": pa.array([n + 1 for _, n in pointed_to], pa.int64()),
    }))  # fmt: skip
    removed = _broadcast_if_small(duplicates.select("doc_id"), len(rows))
    return duplicates, removed, _broadcast_if_small(counts, len(pointed_to))


def read_index(tables, cfg: DedupConfig):
    """(index rows built with the current key settings or None, whether the index must be
    rewritten rather than appended to)."""
    from pyspark.sql import functions as F

    if not cfg.index or not tables.exists(cfg.index):
        return None, True
    index = tables.read(cfg.index)
    expected = {"doc_id", "key_settings", *KEY_COLUMNS}
    if not expected <= set(index.columns):
        return None, True  # an older layout: rebuild
    current = F.col("key_settings") == key_settings_hash(cfg)
    # One job asks both: rows built with other settings, and repeated doc ids (two runs
    # appending at once), looked for on the ids alone; the wide rows are shuffled only if
    # there are any.
    per_id = index.groupBy("doc_id").agg(
        F.count("*").alias("rows"), F.min(current).alias("current")
    )
    stale, repeated = per_id.agg(
        F.coalesce(F.max(~F.col("current")), F.lit(False)),
        F.coalesce(F.max(F.col("rows") > 1), F.lit(False)),
    ).first()
    if stale:
        return None, True  # built with other shingle or band settings: rebuild
    if repeated:
        index = index.dropDuplicates(["doc_id"])
    return index, False


def run(spark, settings) -> dict:
    from pyspark.sql import functions as F

    section: DedupConfig = settings.section
    ctx = RunContext.start(spark, settings)
    tables = ctx.tables
    filtered = ctx.read_input(section.input)
    rows_in = filtered.count()
    cached, rebuild = read_index(tables, section)
    with holding(ctx) as hold:
        result = transform(filtered, section, cached, lambda df: hold(df, cut=True))
        # Counted with the characters and sampled tokens the funnel reads from the commit.
        totals = result.deduped.agg(
            F.count("*").alias("rows"), *text_totals(token_sample(rows_in))
        ).first()
        kept = int(totals["rows"])
        by_method = {
            r["method"]: int(r["count"])
            for r in result.duplicates.groupBy("method").count().collect()
        }
        if kept + sum(by_method.values()) != rows_in:
            raise JobError(
                f"dedup: accounting failed: {rows_in} rows in, {kept} kept + "
                f"{sum(by_method.values())} duplicates"
            )
        new_keys = result.keyed_now
        counts = {"rows_in": rows_in, "kept": kept, "duplicates": dict(sorted(by_method.items())),
                  "text": text_summary(section.output, kept, samples_tokens(rows_in), [totals])}  # fmt: skip
        meta = ctx.commit_metadata(
            counts=counts, keyed_now=new_keys, keys_from_index=rows_in - new_keys
        )
        tables.write(result.duplicates, section.duplicates, mode="overwrite", metadata=meta)
        tables.write(result.deduped, section.output, mode="overwrite", metadata=meta)
        if section.index and (new_keys or rebuild):
            tables.write(
                result.fresh_keys.withColumn("key_settings", F.lit(key_settings_hash(section))),
                section.index, mode="overwrite" if rebuild else "append", metadata=meta,
            )  # fmt: skip
    return {
        "job": "dedup", "run_id": ctx.run_id, "output": section.output, **counts,
        "keyed_now": new_keys, "keys_from_index": rows_in - new_keys,
    }  # fmt: skip


def main(argv=None) -> int:
    from ziya_data.jobs import cli

    return cli.main_for("dedup", argv)


if __name__ == "__main__":
    raise SystemExit(main())
