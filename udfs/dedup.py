"""Duplicate detection, plain Python: URL normalisation, exact keys, shingles, MinHash
(datasketch) and SimHash signatures, LSH band keys, and the similarity checks that verify
a candidate pair.

Stability: MinHash uses datasketch with the scheme and hash function pinned
(`affine32`, xxh32 of the UTF-8 shingle, seed from config), so signatures do not change
with datasketch's defaults. Band keys and SimHash use xxh64. Short texts are handled
explicitly: a text with fewer units than the shingle size is one shingle of all its units,
so two identical short texts match and a short text never matches everything.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import xxhash

from udfs import segment

# ---------------------------------------------------------------- URLs

TRACKING_PARAM = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|yclid|mc_cid|mc_eid|spm|_ga|_gl|igshid|msclkid)$", re.I
)
DEFAULT_PORTS = {"http": "80", "https": "443"}


def normalize_url(url: str | None) -> str | None:
    """A URL reduced to what identifies the page: scheme folded (http and https are the same
    page), host lowercased without "www." and default port, no fragment, no tracking
    parameters (utm_*, fbclid, gclid, ...), remaining query parameters sorted."""
    if not url or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return url.strip()
    host = parts.hostname.lower().rstrip(".")
    host = host[4:] if host.startswith("www.") else host
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and str(port) not in DEFAULT_PORTS.values():
        host = f"{host}:{port}"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_PARAM.match(k)
    )
    path = parts.path or "/"
    return urlunsplit(("https", host, path, urlencode(query), ""))


# ---------------------------------------------------------------- exact keys

_NOT_WORD = re.compile(r"[\W_]+")


def exact_text(text: str) -> str:
    """The text with punctuation, symbols, emoji and whitespace removed, case and width
    folded: pages that differ only in those count as the same (Ziya2's exact dedup)."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


# ---------------------------------------------------------------- shingles

_CJK_OR_WORD = re.compile(r"[^\W_]")


def units(text: str, lang: str) -> list[str]:
    """Shingle units: lowercased words for en, letters and digits one by one for zh."""
    if lang == "zh":
        return _CJK_OR_WORD.findall(text.casefold())
    return [w.casefold() for w in segment.en_words(text)]


def shingles(text: str, lang: str, n: int) -> set[str]:
    """Distinct n-unit shingles; a text shorter than n units is one shingle of all of them."""
    u = units(text, lang)
    if not u:
        return set()
    joiner = "" if lang == "zh" else " "
    if len(u) < n:
        return {joiner.join(u)}
    return {joiner.join(u[i : i + n]) for i in range(len(u) - n + 1)}


def jaccard(a: set, b: set) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


# ---------------------------------------------------------------- MinHash LSH


def _xxh32(data: bytes) -> int:
    return xxhash.xxh32_intdigest(data)


_PERMUTATIONS: dict[tuple[int, int], object] = {}


def shingle_hashes(shingle_set: set[str]) -> np.ndarray:
    """xxh32 of each shingle (the hash datasketch is pinned to), sorted and distinct.
    The job verifies candidate pairs by the exact Jaccard of these sets, so it needs no
    text and an incremental run needs only what the index stores."""
    hashes = {xxhash.xxh32_intdigest(s.encode("utf-8")) for s in shingle_set}
    return np.array(sorted(hashes), dtype=np.uint32)


def minhash(shingle_set: set[str], num_perm: int, seed: int) -> np.ndarray:
    return minhash_of_hashes(shingle_hashes(shingle_set), num_perm, seed)


def _identity(value):
    return value


def minhash_of_hashes(hashes: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """MinHash signature (uint32 values) with datasketch, scheme affine32 and hash xxh32
    pinned, from the shingles' xxh32 values (hashed once, see shingle_hashes). The
    permutations (drawn from `seed`) are made once per process and handed to every
    MinHash: drawing them again for each document cost more than hashing it."""
    from datasketch import MinHash

    permutations = _PERMUTATIONS.get((num_perm, seed))
    if permutations is None:
        template = MinHash(num_perm=num_perm, seed=seed, hashfunc=_xxh32, scheme="affine32")
        permutations = _PERMUTATIONS[(num_perm, seed)] = template.permutations
    m = MinHash(
        num_perm=num_perm,
        seed=seed,
        hashfunc=_identity,
        scheme="affine32",
        permutations=permutations,
    )
    m.update_batch(hashes.tolist())
    return np.asarray(m.hashvalues, dtype=np.uint64).astype(np.uint32)


def band_keys(signature: np.ndarray, bands: int, rows: int) -> list[int]:
    """One signed 64-bit key per band: equal keys in a band make a candidate pair."""
    if len(signature) < bands * rows:
        raise ValueError(
            f"signature of {len(signature)} values is shorter than {bands} bands x {rows} rows"
        )
    raw = signature[: bands * rows].astype("<u4").tobytes()
    width = rows * 4
    return [
        xxhash.xxh64_intdigest(raw[b * width : (b + 1) * width], seed=b) - 2**63
        for b in range(bands)
    ]


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))


# ---------------------------------------------------------------- SimHash

_BITS = np.arange(64, dtype=np.uint64)


def simhash(shingle_set: set[str]) -> int:
    """64-bit SimHash of the shingles (each shingle weighs one), as a signed 64-bit int."""
    if not shingle_set:
        return 0
    hashes = np.fromiter(
        (xxhash.xxh64_intdigest(s.encode("utf-8")) for s in shingle_set), dtype=np.uint64
    )
    bits = ((hashes[:, None] >> _BITS) & np.uint64(1)).astype(np.int64)
    votes = bits.sum(axis=0) * 2 - len(hashes)
    value = 0
    for i in np.flatnonzero(votes > 0):
        value |= 1 << int(i)
    return value - 2**64 if value >= 2**63 else value


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & (2**64 - 1)).bit_count()


def simhash_blocks(fingerprint: int, max_distance: int) -> list[int]:
    """Pigeonhole bands: 64 bits in max_distance + 1 blocks; two fingerprints within
    max_distance bits agree on at least one block. Returns one key per block (the block's
    bits tagged with its index)."""
    value = fingerprint & (2**64 - 1)
    blocks = max_distance + 1
    edges = [round(i * 64 / blocks) for i in range(blocks + 1)]
    keys = []
    for i in range(blocks):
        width = edges[i + 1] - edges[i]
        part = (value >> edges[i]) & ((1 << width) - 1)
        keys.append((i << 56) | part)
    return keys
