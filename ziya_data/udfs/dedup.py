"""Duplicate detection, plain Python: URL normalisation, exact keys, shingles, MinHash
(datasketch) and SimHash signatures, LSH band keys, and the similarity checks that verify
a candidate pair.

Shingles are hashed without building their strings (`batch_shingle_ids`): each unit (a
CJK character, or a word of another script; see "shingles" below, no language needed)
gets a 64-bit id (a CJK character's code point, the position-free polynomial of a word's
code points), a shingle's id is the position-free polynomial of its units' mixed ids
modulo 2**64 (rules.ngrams), finished with MurmurHash3's 64-bit mixer. Equal shingles
get equal ids; `shingles` keeps the string definition the tests hold the ids to.

Batches: the dedup job keys an Arrow batch of texts at once. Their code points are folded,
classified into units and exact texts, and the units shingled, de-duplicated, MinHashed
and banded by numpy over the whole batch (`batch_*`), with no Python work per character
or shingle; the one-text functions are batches of one.

Stability: MinHash is datasketch's `affine32` scheme with datasketch's permutations for
the configured seed, over the 32-bit shingle hashes (the ids' top halves); a test holds
`batch_minhash` to datasketch's own MinHash, value for value, so signatures do not change
with how they are computed. Band keys are a polynomial of the band's rows, mixed;
SimHash votes with the 64-bit ids. Short texts are handled explicitly: a text with fewer
units than the shingle size is one shingle of all its units, so two identical short
texts match and a short text never matches everything.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import cache
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from ziya_data.udfs.rules.ngrams import fmix64

# ---------------------------------------------------------------- URLs

TRACKING_PARAM = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|yclid|mc_cid|mc_eid|spm|_ga|_gl|igshid|msclkid)$", re.I
)
DEFAULT_PORTS = {"http": "80", "https": "443"}


# http(s), a plain host (no user, port or IPv6 brackets), a path without query: most
# URLs, normalised without urlsplit (a test holds both routes equal).
_PLAIN_URL = re.compile(r"(?i:https?)://([A-Za-z0-9.-]+)(/[^?#\s]*)?(?:#.*)?", re.DOTALL)


def normalize_url(url: str | None) -> str | None:
    """A URL reduced to what identifies the page: scheme folded (http and https are the same
    page), host lowercased without "www." and default port, no fragment, no tracking
    parameters (utm_*, fbclid, gclid, ...), remaining query parameters sorted."""
    if not url or not url.strip():
        return None
    url = url.strip()
    plain = _PLAIN_URL.fullmatch(url)
    if plain is None:
        return _normalize_parsed_url(url)
    host = plain.group(1).lower().rstrip(".")
    host = host[4:] if host.startswith("www.") else host
    return f"https://{host}{plain.group(2) or '/'}"


def _normalize_parsed_url(url: str) -> str | None:
    """normalize_url of any stripped URL, by urlsplit."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return url
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


def _punctuation_chars() -> list[str]:
    """The punctuation of the ASCII, General Punctuation, CJK and full-width blocks that
    `exact_text` removes anyway, NFKC maps to removed characters only, and that never
    combine with a neighbour: a space in their place before NFKC gives what removing
    them after it would."""
    blocks = ((0x21, 0x80), (0x2000, 0x2070), (0x3000, 0x3040), (0xFF01, 0xFF66))
    return [
        c
        for start, end in blocks
        for c in map(chr, range(start, end))
        if _NOT_WORD.fullmatch(c)
        and not unicodedata.combining(c)
        and unicodedata.category(c)[0] != "M"
        and not _NOT_WORD.sub("", unicodedata.normalize("NFKC", c))
    ]


# Spaces and that punctuation, which _fold turns into a space.
_PUNCTUATION = re.compile("[\\s" + "".join(re.escape(c) for c in _punctuation_chars()) + "]+")
_ASCII_NOT_WORD = bytes(b for b in range(128) if not chr(b).isalnum())
_ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")


def exact_text(text: str) -> str:
    """The text with punctuation, symbols, emoji and whitespace removed, case and width
    folded (NFKC, casefold): pages that differ only in those count as the same (Ziya2's
    exact dedup). It is the text's shingle units end to end (units() below), and the
    dedup job takes it from the same pass (batch_units)."""
    if text.isascii():  # its own NFKC form: bytes in, a table lowers and deletes
        return text.encode("ascii").translate(_ASCII_LOWER, _ASCII_NOT_WORD).decode("ascii")
    text = _fold(text)
    return text if text.isalnum() else _NOT_WORD.sub("", text)  # isalnum: all \w but _


# ---------------------------------------------------------------- shingles
#
# Units are script-aware and need no language column: in the text folded by NFKC and
# casefold, each CJK character (Han, Kana, Hangul: scripts written without spaces) is one
# unit and each run of other letters and digits is one unit (a word). So a Chinese clause
# with English names in it shingles the same whether or not a `lang` says zh, and one
# changed character changes n shingles, not the whole clause. A text whose units are
# mostly CJK characters takes shingles of `n_chars` units, others of `n_words`.

_CJK_RANGES = (
    (0x1100, 0x1200), (0x3040, 0x3100), (0x3130, 0x3190), (0x31F0, 0x3200), (0x3400, 0x4DC0),
    (0x4E00, 0xA000), (0xAC00, 0xD7B0), (0xF900, 0xFB00), (0xFF66, 0xFFA0), (0x20000, 0x30000),
)  # fmt: skip
_SEPARATOR, _CJK_UNIT, _WORD_CHAR = 0, 1, 2


@cache
def _unit_classes():
    """Code point -> separator, CJK unit or word character, for every code point."""
    table = np.zeros(0x110000, dtype=np.uint8)
    # Letters and digits (str.isalnum) make words; listed once, by blocks of code points.
    alnum = [c for c in range(0x110000) if chr(c).isalnum()]
    table[alnum] = _WORD_CHAR
    for start, end in _CJK_RANGES:
        table[start:end][table[start:end] == _WORD_CHAR] = _CJK_UNIT
    return table


def _fold(text: str) -> str:
    # Punctuation NFKC would only map to other separators becomes a space first: then
    # most Chinese text (full-width commas) passes the quick check and skips NFKC.
    text = _PUNCTUATION.sub(" ", text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.casefold()


def units(text: str) -> list[str]:
    """The shingle units of `text` as strings (see above): the definition the ids keep."""
    folded = _fold(text)
    classes = _unit_classes()
    out: list[str] = []
    word = []
    for ch in folded:
        kind = classes[ord(ch)]
        if kind == _WORD_CHAR:
            word.append(ch)
            continue
        if word:
            out.append("".join(word))
            word = []
        if kind == _CJK_UNIT:
            out.append(ch)
    if word:
        out.append("".join(word))
    return out


def shingle_size(cjk_units: int, all_units: int, n_words: int, n_chars: int | None) -> int:
    """n_chars for a text of mostly CJK units, else n_words."""
    n_chars = n_words if n_chars is None else n_chars
    return n_chars if 2 * cjk_units > all_units else n_words


def shingles(text: str, n_words: int, n_chars: int | None = None) -> set[str]:
    """Distinct shingles of n units (units joined by a space); a text shorter than n units
    is one shingle of all of them."""
    u = units(text)
    if not u:
        return set()
    cjk = sum(1 for x in u if _unit_classes()[ord(x[0])] == _CJK_UNIT and len(x) == 1)
    n = shingle_size(cjk, len(u), n_words, n_chars)
    if len(u) < n:
        return {" ".join(u)}
    return {" ".join(u[i : i + n]) for i in range(len(u) - n + 1)}


def _segment_positions(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """starts[i], starts[i] + 1, ..., starts[i] + counts[i] - 1 for every i, end to end."""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    skip = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return skip + np.arange(total, dtype=np.int64)


@cache
def _spaced_code_points() -> np.ndarray:
    """Bool per code point: the characters _PUNCTUATION matches (whitespace, the
    punctuation _punctuation_chars lists), which the fold turns into a space."""
    table = np.zeros(0x110000, dtype=bool)
    table[[c for c in range(0x3001) if chr(c).isspace()]] = True  # U+3000 is the last
    table[[ord(c) for c in _punctuation_chars()]] = True
    return table


def _batch_fold(texts: list[str]) -> list[str]:
    """_fold of every text, the punctuation replaced for all texts at once by numpy over
    their code points (the regex costs about 60 ns a character on Chinese text)."""
    joined = " ".join(texts)
    code_points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    code_points = np.where(_spaced_code_points()[code_points], np.uint32(32), code_points)
    spaced = code_points.tobytes().decode("utf-32-le", "surrogatepass")
    folded, start = [], 0
    for text in texts:
        part = spaced[start : start + len(text)]
        start += len(text) + 1
        if not part.isascii() and not unicodedata.is_normalized("NFKC", part):
            part = unicodedata.normalize("NFKC", part)
        folded.append(part.casefold())
    return folded


class Units(NamedTuple):
    """The shingle units of a batch of texts, end to end."""

    ids: np.ndarray  # mixed 64-bit unit ids; text i's are ids[bounds[i]:bounds[i + 1]]
    bounds: np.ndarray
    cjk: np.ndarray  # CJK units per text
    letters: np.ndarray  # uint32 code points of each text's exact_text, end to end
    letter_bounds: np.ndarray


def batch_units(texts: list[str]) -> Units:
    """The shingle units of many texts (see above) and their exact texts, by numpy over
    all their code points: the texts are folded and laid end to end, each followed by a
    space (a separator, so no word spans two texts), and every code point is classified
    by a table. A CJK unit's id is its code point, a word's the position-free polynomial
    of its code points (rules.ngrams.segment_hashes); both are mixed by fmix64. The
    letters (the code points that are not separators) are each text's exact_text."""
    from ziya_data.udfs.rules.ngrams import segment_hashes

    folded = _batch_fold(texts)
    code_points = np.frombuffer(
        "".join(f + " " for f in folded).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
    )
    lengths = np.fromiter(map(len, folded), dtype=np.int64, count=len(folded)) + 1
    text_starts = np.cumsum(lengths) - lengths
    kinds = _unit_classes()[code_points]
    word = kinds == _WORD_CHAR
    word_start = word.copy()
    word_start[1:] &= ~word[:-1]
    word_end = word.copy()  # the last character of a word (a text ends with a space)
    word_end[:-1] &= ~word[1:]
    is_unit = word_start | (kinds == _CJK_UNIT)
    at = np.flatnonzero(is_unit)
    ids = code_points[at].astype(np.uint64)
    starts = np.flatnonzero(word_start)
    ids[word_start[at]] = segment_hashes(code_points, starts, np.flatnonzero(word_end) + 1 - starts)
    is_letter = kinds != _SEPARATOR

    def per_text(mask: np.ndarray) -> np.ndarray:
        if not len(texts):
            return np.zeros(0, dtype=np.int64)
        return np.add.reduceat(mask, text_starts, dtype=np.int64)

    bounds = np.concatenate(([0], np.cumsum(per_text(is_unit))))
    letter_bounds = np.concatenate(([0], np.cumsum(per_text(is_letter))))
    cjk = per_text(kinds == _CJK_UNIT)
    return Units(fmix64(ids), bounds, cjk, code_points[is_letter], letter_bounds)


def batch_exact_keys(units: Units) -> list[str]:
    """Each text's exact key: BLAKE2b-128 (hex) of its exact_text in UTF-32-LE."""
    data = memoryview(units.letters.astype("<u4", copy=False)).cast("B")
    at = (units.letter_bounds * 4).tolist()
    return [hashlib.blake2b(data[a:b], digest_size=16).hexdigest() for a, b in zip(at[:-1], at[1:])]


def unit_ids(text: str) -> tuple[np.ndarray, int]:
    """(a 64-bit id per shingle unit of `text`, how many units are CJK characters)."""
    units = batch_units([text])
    return units.ids, int(units.cjk[0])


def batch_shingle_ids(units: Units, n_words: int, n_chars: int | None = None):
    """(the 64-bit id of every shingle of a batch's units, repeats included, laid end to
    end; bounds per text). A shingle's id is the position-free polynomial of its units' ids
    (rules.ngrams.prefix_hashes: sum of id_k * BASE**k), finished with fmix64; a text
    shorter than its shingle size is one shingle of all its units."""
    from ziya_data.udfs.rules.ngrams import window_hashes

    per_text = np.diff(units.bounds)
    n_chars = n_words if n_chars is None else n_chars
    width = np.minimum(np.where(2 * units.cjk > per_text, n_chars, n_words), per_text)
    count = np.where(per_text > 0, per_text - width + 1, 0)
    at = _segment_positions(units.bounds[:-1], count)
    shingle = window_hashes(units.ids, at, np.repeat(width, count))
    return fmix64(shingle), np.concatenate(([0], np.cumsum(count)))


def _distinct_per_text(values: np.ndarray, bounds: np.ndarray, bits: int):
    """(each text's distinct values, sorted, end to end; new bounds) for values of at
    most `bits` bits: one distinct_sorted of (text index, value) keys for all texts. The
    keys come in runs by text, which a merge sort uses (measured: half the time of the
    default sort on the real corpus's batches)."""
    text_of = np.repeat(np.arange(len(bounds) - 1, dtype=np.uint64), np.diff(bounds))
    keys = distinct_sorted((text_of << np.uint64(bits)) | values.astype(np.uint64), "stable")
    counts = np.bincount((keys >> np.uint64(bits)).astype(np.int64), minlength=len(bounds) - 1)
    return keys & np.uint64((1 << bits) - 1), np.concatenate(([0], np.cumsum(counts)))


def batch_shingle_hashes(units: Units, n_words: int, n_chars: int | None = None):
    """(distinct 32-bit shingle hashes per text, sorted, end to end as uint32; bounds):
    the ids' top halves. MinHash hashes these values and candidate pairs are verified
    with them (exact Jaccard of these sets), so verification needs no text and an
    incremental run needs only what the index stores."""
    ids, bounds = batch_shingle_ids(units, n_words, n_chars)
    values, bounds = _distinct_per_text(ids >> np.uint64(32), bounds, 32)
    return values.astype(np.uint32), bounds


def distinct_sorted(values: np.ndarray, kind: str | None = None) -> np.ndarray:
    """np.unique of a 1-D array, by a sort (np.sort's `kind`) and a mask (np.unique's
    hashing cost several times more at the few hundred values of one document)."""
    ordered = np.sort(values, kind=kind)
    keep = np.empty(len(ordered), dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def shingle_ids(text: str, n_words: int, n_chars: int | None = None) -> np.ndarray:
    """Distinct 64-bit ids of the shingles of one text, sorted (SimHash votes with these)."""
    return distinct_sorted(batch_shingle_ids(batch_units([text]), n_words, n_chars)[0])


def shingle_hashes(text: str, n_words: int, n_chars: int | None = None) -> np.ndarray:
    """batch_shingle_hashes of one text."""
    return batch_shingle_hashes(batch_units([text]), n_words, n_chars)[0]


def jaccard(a: set, b: set) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


# ---------------------------------------------------------------- MinHash LSH


_SKETCHES: dict[tuple[int, int], object] = {}


def _sketch(num_perm: int, seed: int):
    """datasketch's MinHash for these settings, scheme affine32 pinned and the identity as
    its hash function (the values are hashes already); made once per process, as
    drawing the permutations costs more than hashing a document."""
    from datasketch import MinHash

    m = _SKETCHES.get((num_perm, seed))
    if m is None:
        m = _SKETCHES[(num_perm, seed)] = MinHash(
            num_perm=num_perm, seed=seed, hashfunc=np.asarray, scheme="affine32"
        )
    return m


def minhash_of_hashes(hashes: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """MinHash signature (uint32 values) of one set of 32-bit shingle hashes, computed by
    datasketch itself: the definition batch_minhash is held to (tests)."""
    m = _sketch(num_perm, seed)
    m.clear()
    hashes = hashes.astype(np.uint32, copy=False)
    step = max(1, (1 << 16) // num_perm)  # datasketch's value x perm matrix kept small
    for start in range(0, len(hashes), step):
        m.update_batch([hashes[start : start + step]])
    return np.array(m.hashvalues, dtype=np.uint32)


_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))
# Values per slice of the batch. A slice is a permutation x value matrix (128 x 8,192 x
# 4 bytes, 4 MB) whose rows are reduced along their length: measured 5x faster than the
# value x permutation layout, whose per-text minima run across rows.
_SLICE_VALUES = 8192


def batch_minhash(values: np.ndarray, bounds: np.ndarray, num_perm: int, seed: int):
    """MinHash signatures (uint32, texts x num_perm) of many sets of 32-bit hashes laid end
    to end (text i: values[bounds[i]:bounds[i + 1]]), by datasketch's affine32 scheme
    with datasketch's own permutations for (num_perm, seed): each value pre-mixed with
    MurmurHash3's 32-bit finaliser, then a * h + b modulo 2**32 per permutation, the
    minimum per text. The same numbers datasketch gives one MinHash per text (tested),
    computed for the whole batch in slices: no Python call per document. An empty set's
    signature is all 2**32 - 1, as datasketch's."""
    a, b = (p.astype(np.uint32)[:, None] for p in _sketch(num_perm, seed).permutations)
    texts = len(bounds) - 1
    signatures = np.full((texts, num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    if not len(values):
        return signatures
    s1, m1, s2, m2 = _FMIX32
    h = values.astype(np.uint32)  # a copy, mixed in place
    h ^= h >> s1
    h *= m1
    h ^= h >> s2
    h *= m2
    h ^= h >> s1
    text_of = np.repeat(np.arange(texts), np.diff(bounds))
    block = np.empty((num_perm, _SLICE_VALUES), dtype=np.uint32)
    for start in range(0, len(h), _SLICE_VALUES):
        part = h[None, start : start + _SLICE_VALUES]
        rows = block[:, : part.shape[1]]
        np.multiply(a, part, out=rows)
        rows += b
        owner = text_of[start : start + part.shape[1]]
        firsts = np.flatnonzero(np.concatenate(([True], owner[1:] != owner[:-1])))
        lows = np.minimum.reduceat(rows, firsts, axis=1).T
        owners = owner[firsts]  # a text cut by the slice edge takes the smaller of both
        signatures[owners] = np.minimum(signatures[owners], lows)
    return signatures


def batch_band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One signed 64-bit key per band (texts x bands): the position-free polynomial of
    the band's rows (rules.ngrams.window_hashes) plus the band's number, finished with
    fmix64, so keys of different bands differ and a bucket is one key. Equal keys make a
    candidate pair."""
    from ziya_data.udfs.rules.ngrams import window_hashes

    if signatures.shape[1] < bands * rows:
        raise ValueError(
            f"signature of {signatures.shape[1]} values is shorter than {bands} bands x {rows} rows"
        )
    cells = signatures[:, : bands * rows].astype(np.uint64).ravel()
    keys = window_hashes(cells, np.arange(0, len(cells), rows), rows).reshape(-1, bands)
    with np.errstate(over="ignore"):
        keys += np.arange(1, bands + 1, dtype=np.uint64)
    return fmix64(keys).view(np.int64)


def band_keys(signature: np.ndarray, bands: int, rows: int) -> list[int]:
    """batch_band_keys of one signature."""
    return batch_band_keys(signature[None, :], bands, rows)[0].tolist()


def bucket_pairs(keys: np.ndarray, members: np.ndarray, max_bucket_size: int):
    """Candidate pairs (a, b), a < b, distinct, of the members (int64 numbers) that share a
    key: every pair within a bucket of at most max_bucket_size members, and in a larger
    bucket (boilerplate shared by many pages) each member with the bucket's smallest
    only (n - 1 pairs, not n(n - 1) / 2). Vectorised over all buckets: most keys are one
    document's, so the keys are sorted alone and only shared buckets' rows sorted again
    with their members."""
    if not len(keys):
        return members[:0], members[:0]
    order = np.argsort(keys)
    sorted_keys = keys[order]
    repeated = sorted_keys[1:] == sorted_keys[:-1]
    shared = np.concatenate((repeated, [False])) | np.concatenate(([False], repeated))
    order = order[shared]
    keys, members = keys[order], members[order]
    order = np.lexsort((members, keys))
    keys, members = keys[order], members[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    sizes = np.diff(np.concatenate((starts, [len(keys)])))
    size_at = np.repeat(sizes, sizes)  # per row: its bucket's size and place in it
    place = np.arange(len(keys)) - np.repeat(starts, sizes)
    # A row of a small bucket pairs with each row after it; a row of a capped bucket
    # after the first pairs with the first.
    small = size_at <= max_bucket_size
    after = np.where(small, size_at - 1 - place, 0)
    left = np.repeat(np.arange(len(keys)), after)
    right = left + 1 + np.arange(len(left)) - np.repeat(np.cumsum(after) - after, after)
    capped = ~small & (place > 0)
    # Members are sorted within a bucket, so a <= b already.
    a = np.concatenate((members[left], members[np.flatnonzero(capped) - place[capped]]))
    b = np.concatenate((members[right], members[capped]))
    order = np.lexsort((b, a))  # a pair sharing several buckets is kept once
    a, b = a[order], b[order]
    keep = np.concatenate(([True], (a[1:] != a[:-1]) | (b[1:] != b[:-1]))) & (a != b)
    return a[keep], b[keep]


def batch_jaccard(
    a_values: np.ndarray, a_bounds: np.ndarray, b_values: np.ndarray, b_bounds: np.ndarray
) -> np.ndarray:
    """Exact Jaccard of many pairs of sets at once: pair i is a_values[a_bounds[i]:a_bounds[i
    + 1]] and the same slice of b_values, each a sorted set of uint32 (batch_shingle_hashes).
    Every value is keyed by its pair's number in the top half, so each side is one sorted
    run; a stable sort of both runs is a single merge (timsort), and a value common to a
    pair is two equal neighbours in it. Two empty sets are equal (1.0)."""
    pairs = len(a_bounds) - 1
    a_sizes, b_sizes = np.diff(a_bounds), np.diff(b_bounds)
    keyed = [
        (np.repeat(np.arange(pairs, dtype=np.uint64), sizes) << np.uint64(32))
        | values.astype(np.uint64)
        for values, sizes in ((a_values, a_sizes), (b_values, b_sizes))
    ]
    merged = np.sort(np.concatenate(keyed), kind="stable")
    twins = merged[1:][merged[1:] == merged[:-1]]
    common = np.bincount((twins >> np.uint64(32)).astype(np.int64), minlength=pairs)
    union = a_sizes + b_sizes - common
    return np.where(union == 0, 1.0, common / np.maximum(union, 1))


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))


# ---------------------------------------------------------------- SimHash

_BITS = np.arange(64, dtype=np.uint64)


def simhash(ids: np.ndarray) -> int:
    """64-bit SimHash of distinct shingle ids (see shingle_ids; each shingle weighs one),
    as a signed 64-bit int."""
    if not len(ids):
        return 0
    bits = ((ids[:, None] >> _BITS) & np.uint64(1)).astype(np.int64)
    votes = bits.sum(axis=0) * 2 - len(ids)
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


# ---------------------------------------------------------------- the duplicate graph
# The same answers as the job's Spark rounds (jobs.dedup.connected_components and
# star_assign), for a graph small enough to solve in one process.


def components(pairs) -> dict:
    """Each node on a pair (a, b) -> the smallest node connected to it."""
    parent: dict = {}

    def root(x):
        top = x
        while parent.setdefault(top, top) != top:
            top = parent[top]
        while parent[x] != top:  # point the path straight at the root
            parent[x], x = top, parent[x]
        return top

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:  # the smaller root stays: a root is its set's smallest node
            parent[max(ra, rb)] = min(ra, rb)
    return {x: root(x) for x in list(parent)}


class GraphUnsettled(RuntimeError):
    """The greedy rounds did not empty the graph within their bound."""


def greedy_rounds(similar: dict, rank: dict, max_rounds: int) -> dict:
    """Which nodes a similarity graph removes and by which node: {removed: (remover,
    similarity)}. `similar`: {(g, h): similarity} with g != h, each pair once or both
    ways; `rank`: node -> its place (smaller is better, unique).

    In each round every node better than all its remaining neighbours is kept and removes
    them, each taking its best such neighbour (the smaller similarity on a tie, which a
    unique rank never makes); both leave the graph. Raises GraphUnsettled when edges
    remain after max_rounds rounds."""
    around: dict = {}
    for (g, h), s in similar.items():
        for x, y in ((g, h), (h, g)):
            nearby = around.setdefault(x, {})
            nearby[y] = max(s, nearby.get(y, s))
    removed: dict = {}
    for _ in range(max_rounds):
        if not around:
            return removed
        kept = [g for g, nearby in around.items() if rank[g] < min(rank[h] for h in nearby)]
        lost: dict = {}
        for g in kept:
            for h, s in around[g].items():
                if h not in lost or (rank[g], s) < (rank[lost[h][0]], lost[h][1]):
                    lost[h] = (g, s)
        removed.update(lost)
        for x in (*kept, *lost):
            for y in around.pop(x, {}):
                if y in around:
                    around[y].pop(x, None)
                    if not around[y]:
                        del around[y]
    if around:
        raise GraphUnsettled(f"edges remain after {max_rounds} rounds")
    return removed


class Node(NamedTuple):
    """What placing a document on the duplicate graph reads of it."""

    place: tuple  # its rank: smaller is better, unique, the doc_id last
    url_key: str | None
    exact_key: str | None


def place_duplicates(
    nodes: dict, links, *, url: bool, exact: bool, max_rounds: int
) -> list[tuple[str, str, str, float]]:
    """The duplicate rows of a graph solved in one process: (doc_id, kept_doc_id, method,
    similarity), sorted by doc_id. `nodes`: doc_id -> Node for every document on a link;
    `links`: (a, b, similarity), similarity None for an identity link (same URL, same
    text), which joins a and b into one group. Near links join groups without merging
    them (greedy_rounds picks the groups they remove). A group keeps its best document;
    a removed group's documents point to the best document of the group that removed
    them. The method, as the job's Spark placement names it: the same URL, else the same
    text, else near (its group was removed), else linked through another page at its URL
    (url), or through an exact copy (exact); similarity 1.0 unless near."""
    links = list(links)
    component = components((a, b) for a, b, s in links if s is None)
    group = lambda doc: component.get(doc, doc)  # noqa: E731
    best: dict = {}
    for doc, node in nodes.items():
        g = group(doc)
        if g not in best or node.place < best[g]:
            best[g] = node.place
    similar: dict = {}
    for a, b, s in links:
        ga, gb = group(a), group(b)
        if s is not None and ga != gb:
            pair = (min(ga, gb), max(ga, gb))
            similar[pair] = max(s, similar.get(pair, s))
    removed = greedy_rounds(similar, best, max_rounds)
    rows = []
    for doc in sorted(nodes):
        by = removed.get(group(doc))  # (the remover's group, similarity) or None
        kept = best[by[0] if by else group(doc)][-1]
        if kept == doc:
            continue
        mine, theirs = nodes[doc], nodes[kept]
        if url and mine.url_key is not None and mine.url_key == theirs.url_key:
            method = "url"
        elif exact and mine.exact_key is not None and mine.exact_key == theirs.exact_key:
            method = "exact"
        elif by:
            method = "near"
        else:
            method = "url" if url and mine.url_key is not None else "exact"
        rows.append((doc, kept, method, by[1] if method == "near" else 1.0))
    return rows
