"""score's adapter: coherence, readability and similarity per document, from one
segmentation shared by all three (udfs.coherence, udfs.readability, udfs.similarity)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa

from ziya_data.adapters import lexicons, local_path


def added(reference_names: list[str]) -> pa.Schema:
    """The columns the scorer adds, one similarity_<name> per reference set."""
    from ziya_data.udfs import coherence, readability

    return pa.schema(
        [
            ("tokens", pa.int32()),
            ("coherence", pa.float64()),
            ("readability", pa.float64()),
            ("similarity", pa.float64()),
            *[(f"similarity_{n}", pa.float64()) for n in reference_names],
            ("coherence_parts", _struct_type(coherence.COMPONENTS)),
            ("readability_parts", _struct_type(readability.COMPONENTS)),
        ]
    )


def _struct_type(fields: tuple[str, ...]) -> pa.StructType:
    return pa.struct([(f, pa.float64()) for f in fields])


_EMBEDDERS: dict[str, object] = {}


def _embedder(spec: dict):
    """The embedder a spec names; a model loads once per worker process."""
    from ziya_data.udfs import similarity

    if spec["kind"] == "hashed":
        return spec["embedder"]
    name = local_path(spec["path"]) if spec["kind"] == "folder" else spec["name"]
    model = _EMBEDDERS.get(name)
    if model is None:
        model = _EMBEDDERS[name] = similarity.model_embedder(name)
    return model


def _score_batches(batches: Iterator[pa.RecordBatch], config: dict) -> Iterator[pa.RecordBatch]:
    from ziya_data.udfs import coherence, readability, segment

    refs: dict[str, np.ndarray] = config["references"]
    schema = added(sorted(refs))
    embedder = _embedder(config["embedder"])
    hashed = config["embedder"]["kind"] == "hashed"
    lexicon = lexicons(config["word_lists"])  # once per task
    for batch in batches:
        texts = [t or "" for t in batch.column("text").to_pylist()]
        langs = batch.column("lang").to_pylist()
        out = {k: [] for k in ("tokens", "coherence", "readability", "ch_parts", "ra_parts")}
        sims = {name: [] for name in refs}
        dense = None if hashed or not refs else embedder.embed(texts, langs)
        for row, (text, lang) in enumerate(zip(texts, langs)):
            lex = lexicon(lang)
            seg = segment.Segmented(text, lang, config["zh_segmenter"], config["user_words"])
            ch = coherence.score(text, lang, seg, lex)
            ra = readability.score(text, lang, seg, lex)
            out["tokens"].append(seg.word_count)
            out["coherence"].append(ch.pop("coherence"))
            out["readability"].append(ra.pop("readability"))
            out["ch_parts"].append(ch)
            out["ra_parts"].append(ra)
            words = None
            if hashed:  # the content words coherence used, when the lists agree
                fw = embedder.function_words.get(lang, set())
                words = [w for ws in seg.content(fw) for w in ws]
            for name, mean in refs.items():
                if hashed:
                    sims[name].append(embedder.similarity(text, lang, mean, words))
                else:
                    sims[name].append(float(dense[row] @ mean))
        columns = {n: batch.column(n) for n in batch.schema.names if n not in schema.names}
        columns["tokens"] = pa.array(out["tokens"], pa.int32())
        columns["coherence"] = pa.array(out["coherence"], pa.float64())
        columns["readability"] = pa.array(out["readability"], pa.float64())
        mean_sim = [sum(v) / len(v) for v in zip(*sims.values())] if sims else [None] * len(texts)
        columns["similarity"] = pa.array(mean_sim, pa.float64())
        for name, values in sims.items():
            columns[f"similarity_{name}"] = pa.array(values, pa.float64())
        columns["coherence_parts"] = _struct_column(out["ch_parts"], coherence.COMPONENTS)
        columns["readability_parts"] = _struct_column(out["ra_parts"], readability.COMPONENTS)
        yield pa.RecordBatch.from_pydict(columns)


def _struct_column(dicts: list[dict], fields: tuple[str, ...]) -> pa.StructArray:
    """Dicts of numbers as one struct column (a missing key is null)."""
    return pa.StructArray.from_arrays(
        [pa.array([d.get(f) for d in dicts], pa.float64()) for f in fields], names=list(fields)
    )


def attribute_scorer(config: dict) -> Callable:
    """mapInArrow function: the input's columns plus added(reference names). `config`:
    word_lists, zh_segmenter, user_words (read_user_dict), references {name: mean unit
    vector}, embedder
    spec."""
    return functools.partial(_score_batches, config=config)
