"""train-lm: one KenLM n-gram model per language for the filter job's perplexity scoring.

Reads reference text (in production the user's Wikipedia dump; in the demo the clean
reference prose the demo generator writes), cleans it exactly as the clean job does
(so language and normalisation match what the filter will score), turns every paragraph
into one normalised, tokenised training line `ziya_data.udfs.lm`), and runs KenLM's own `lmplz`
and `build_binary` per language. Spark writes the training lines to files; the trainer
streams them from there (lmplz is a single-machine program). Models and a manifest
(languages, order, tokenisation, training lines and tokens) go to `model_dir`
(default <lake>/_models/kenlm), which must be a path every executor can read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__" and not __package__:  # spark-submit jobs/train_lm.py
    sys.path[0] = str(Path(__file__).resolve().parents[2])  # the package root, not jobs/

from ziya_data.jobs.config import ConfigError, option
from ziya_data.jobs.runtime import REJECT_REASON, JobError, RunContext, map_batches
from ziya_data.udfs.tokenizers import ZH_BACKENDS, ZH_DEFAULT

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class TrainLmConfig:
    # Reference text: files as ingest reads them (JSONL, Parquet, text), or table:<name>.
    input: str = "./demo-data/reference"
    text_field: str = "text"
    languages: list[str] = option(["zh", "en"])
    order: int = option(5, min=2, max=6)
    # Where models go (a folder the driver can write); empty: <lake>/_models/kenlm.
    model_dir: str = ""
    # Chinese segmenter for training and scoring: jieba-rs | jieba-next | jieba (the same
    # tokens, tested; the Rust ones faster). Filter scores with the one the models were trained with.
    zh_segmenter: str = option(ZH_DEFAULT, choices=list(ZH_BACKENDS))
    # Use at most this many reference documents per run (0: all).
    max_docs: int = option(0, min=0)
    # Memory lmplz may use (its -S option).
    lmplz_memory: str = "1G"
    # Folder holding lmplz and build_binary; empty: PATH, then <venv>/kenlm/bin (make setup).
    kenlm_bin: str = ""

    def validate(self) -> None:
        if not self.languages:
            raise ConfigError("config key 'train_lm.languages' must name at least one language")


def model_dir(section: TrainLmConfig, lake: str) -> str:
    """The folder of the KenLM models (shared by train-lm and filter)."""
    folder = section.model_dir or f"{lake.rstrip('/')}/_models/kenlm"
    if "://" in folder and not folder.startswith("file://") or folder.startswith("dbfs:"):
        raise ConfigError(
            "config key 'train_lm.model_dir' must be a local or mounted path (KenLM reads "
            "files); with the lake on object storage set it, e.g. to /dbfs/... or /Volumes/..."
        )
    return os.path.abspath(folder.removeprefix("file://"))


def read_manifest(folder: str) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise JobError(
            f"no KenLM models under {folder} (no {MANIFEST}); train them first with "
            "`ziya-data train-lm --set train_lm.input=YOUR_REFERENCE_TEXT` (make demo does it for the demo)"
        )
    return json.loads(path.read_text())


def find_tool(name: str, cfg: TrainLmConfig) -> str:
    candidates = [Path(cfg.kenlm_bin) / name] if cfg.kenlm_bin else []
    found = shutil.which(name)
    candidates += [Path(found)] if found else []
    candidates += [Path(sys.prefix) / "kenlm" / "bin" / name]
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    raise JobError(
        f"KenLM's {name} was not found; run `make setup` (it builds it) or set train_lm.kenlm_bin"
    )


def transform(docs, cfg: TrainLmConfig):
    """Documents with `text` and `lang` -> (lang, line): one training line per paragraph."""
    from pyspark.sql import functions as F

    from ziya_data.adapters.train_lm import OUTPUT, lm_training_lines

    docs = docs.where(F.col("lang").isin(cfg.languages)).select("lang", "text")
    return map_batches(docs, lm_training_lines(cfg.zh_segmenter), output=OUTPUT)


def _reference_docs(spark, ctx: RunContext):
    """The reference text with a language per document, cleaned as the clean job cleans."""
    from pyspark.sql import functions as F

    from ziya_data.jobs import clean, ingest

    section: TrainLmConfig = ctx.section
    if section.input.startswith("table:"):
        docs = ctx.read_input(section.input.removeprefix("table:"))
        if "text" not in docs.columns:
            raise JobError(f"table {section.input} has no text column")
    else:
        parsed, state = ingest.read_input(
            spark,
            ingest.IngestConfig(input=section.input, text_field=section.text_field),
            "train_lm.input",
            ctx.settings.tables.storage_options,
        )
        ctx.input_versions["files"] = state
        docs = parsed.where(F.col("error").isNull())
    if section.max_docs:
        docs = docs.limit(section.max_docs)
    if "lang" not in docs.columns:
        docs = docs.withColumn("doc_id", F.sha2(F.col("text"), 256))
        cleaning = ctx.settings.use("clean")
        docs = clean.transform(docs, cleaning).where(F.col(REJECT_REASON).isNull())
    return docs


def _gather_lines(lines, languages: list[str], work: Path) -> dict[str, tuple[Path, int, int]]:
    """The training lines, streamed to the driver one partition at a time, into
    <work>/<lang>.txt: {lang: (file, lines, tokens)} for the languages that have any."""
    handles = {lang: open(work / f"{lang}.txt", "w", encoding="utf-8") for lang in languages}
    counts = {lang: [0, 0] for lang in languages}
    try:
        for row in lines.toLocalIterator(prefetchPartitions=True):
            handle = handles.get(row["lang"])
            if handle is not None:
                handle.write(row["line"] + "\n")
                counts[row["lang"]][0] += 1
                counts[row["lang"]][1] += row["line"].count(" ") + 1
    finally:
        for handle in handles.values():
            handle.close()
    return {lang: (work / f"{lang}.txt", *counts[lang]) for lang in languages if counts[lang][0]}


def _train_one(lang: str, text_file: Path, out: Path, section: TrainLmConfig) -> dict:
    lmplz, build_binary = find_tool("lmplz", section), find_tool("build_binary", section)
    arpa = out / f"{lang}.arpa"
    with open(arpa, "wb") as arpa_out, open(text_file, "rb") as text_in:
        proc = subprocess.Popen(
            [lmplz, "-o", str(section.order), "-S", section.lmplz_memory, "-T", str(out), "--discount_fallback"],
            stdin=text_in, stdout=arpa_out, stderr=subprocess.PIPE,
        )  # fmt: skip
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.wait() != 0:
            raise JobError(
                f"lmplz failed for {lang}: {err.strip().splitlines()[-1] if err.strip() else 'no output'}"
            )
    binary = out / f"{lang}.binary"
    done = subprocess.run([build_binary, str(arpa), str(binary)], capture_output=True, text=True)
    if done.returncode != 0:
        raise JobError(f"build_binary failed for {lang}: {done.stderr.strip()[-300:]}")
    arpa.unlink()
    return {"path": str(binary), "order": section.order}


def run(spark, settings) -> dict:
    from ziya_data.udfs import lm

    section: TrainLmConfig = settings.section
    ctx = RunContext.start(spark, settings)
    out = Path(model_dir(section, settings.lake))
    out.mkdir(parents=True, exist_ok=True)
    work = out / f"_work-{uuid.uuid4().hex[:12]}"
    work.mkdir()
    try:
        gathered = _gather_lines(transform(_reference_docs(spark, ctx), section),
                                 section.languages, work)  # fmt: skip
        models = {}
        for lang in section.languages:
            if lang not in gathered:
                raise JobError(
                    f"the reference text in {section.input} has no {lang} documents to train on"
                )
            text_file, lines, tokens = gathered[lang]
            models[lang] = _train_one(lang, text_file, work, section)
            final = out / f"{lang}.binary"
            os.replace(models[lang]["path"], final)  # atomic: a model in use is never half-written
            models[lang].update(
                path=str(final), training_lines=lines, training_tokens=tokens,
                tokenization=lm.tokenization(lang, section.zh_segmenter),
            )  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    manifest = {
        "languages": models,
        "normalization": lm.NORMALIZATION,
        "zh_segmenter": section.zh_segmenter,
        "run_id": ctx.run_id,
        "input": section.input,
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return {"job": "train-lm", "run_id": ctx.run_id, "model_dir": str(out), "models": models}


def main(argv=None) -> int:
    from ziya_data.jobs import cli

    return cli.main_for("train-lm", argv)


if __name__ == "__main__":
    raise SystemExit(main())
