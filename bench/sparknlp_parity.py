"""spark-nlp's rule-based SentenceDetector against the project's sentence splitter
(udfs.segment.sentences) on real zh and en text from ../shared/data: the share of
documents split into the same sentences, the share of boundaries both place, and each
one's throughput. spark-nlp's jar for Spark 4 / Scala 2.13 is not served here, so this
runs on a Spark 3.5 environment with spark-nlp 5.5.3 (the jar passed with --jar):

    PYTHONPATH=. v35/bin/python -m bench.sparknlp_parity --jar spark-nlp_2.12-5.5.3.jar

It needs pyspark, spark-nlp and this project importable; it writes
bench/out/sparknlp_parity.json.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from bench import shared_data
from ziya_data.udfs import segment

OUT = Path(__file__).resolve().parent / "out"
ZH_BOUNDS = ["。", "！", "？", "；", "…"]


def texts() -> dict[str, list[str]]:
    return {
        "zh": shared_data.thucnews()[:500]
        + [r["raw_content"] for r in shared_data.chinesewebtext()],
        "en": shared_data.bbc()[:500] + shared_data.newsgroups()[:500],
    }


def boundaries(sentences: list[str]) -> set[int]:
    """Ends of sentences as offsets in the text with white space removed (both splitters
    may trim differently)."""
    out, pos = set(), 0
    for s in sentences:
        pos += len(re.sub(r"\s+", "", s))
        out.add(pos)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--jar", required=True)
    args = parser.parse_args(argv)
    from pyspark.ml import Pipeline
    from pyspark.sql import SparkSession
    from sparknlp.annotator import SentenceDetector
    from sparknlp.base import DocumentAssembler

    spark = (SparkSession.builder.master("local[2]").config("spark.jars", args.jar)
             .config("spark.driver.memory", "4g").getOrCreate())  # fmt: skip
    report = {"spark": spark.version}
    for lang, docs in texts().items():
        started = time.time()
        ours = [segment.sentences(t, lang) for t in docs]
        ours_s = time.time() - started
        detector = (SentenceDetector().setInputCols(["document"]).setOutputCol("sentences")
                    .setExplodeSentences(False).setCustomBoundsStrategy("append"))  # fmt: skip
        if lang == "zh":
            detector = detector.setCustomBounds(ZH_BOUNDS)
        # Line breaks end sentences in ours; the same for spark-nlp, paragraph by paragraph.
        rows = [(i, line) for i, t in enumerate(docs) for line in t.split("\n") if line.strip()]
        df = spark.createDataFrame(rows, "doc int, text string").repartition(2).cache()
        df.count()
        pipeline = Pipeline(stages=[DocumentAssembler().setInputCol("text").setOutputCol("document"),
                                    detector]).fit(df)  # fmt: skip
        pipeline.transform(df).select("doc").count()  # warm-up
        started = time.time()
        out = pipeline.transform(df).select("doc", "text", "sentences.result").collect()
        theirs_s = time.time() - started
        # Rows come back in partition order: put each paragraph's sentences back in place.
        split = {(row["doc"], row["text"]): list(row["result"]) for row in out}
        theirs = [
            [s for line in t.split("\n") if line.strip() for s in split[(i, line)]]
            for i, t in enumerate(docs)
        ]
        same = sum(boundaries(a) == boundaries(b) for a, b in zip(ours, theirs))
        both = sum(len(boundaries(a) & boundaries(b)) for a, b in zip(ours, theirs))
        union = sum(len(boundaries(a) | boundaries(b)) for a, b in zip(ours, theirs))
        nbytes = sum(len(t.encode()) for t in docs)
        report[lang] = {
            "documents": len(docs),
            "sentences_ours": sum(map(len, ours)),
            "sentences_spark_nlp": sum(map(len, theirs)),
            "documents_split_alike": round(same / len(docs), 4),
            "boundaries_agreed": round(both / union, 4) if union else None,
            "mb_per_s_ours_one_core": round(nbytes / 1e6 / ours_s, 2),
            "mb_per_s_spark_nlp_two_cores": round(nbytes / 1e6 / theirs_s, 2),
        }
        print(lang, json.dumps(report[lang]))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "sparknlp_parity.json").write_text(json.dumps(report, indent=2) + "\n")
    spark.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
