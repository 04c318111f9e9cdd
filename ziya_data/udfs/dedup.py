"""Duplicate detection, plain Python: URL normalisation, exact keys, shingles, MinHash
(datasketch) and SimHash signatures, LSH band keys, and the similarity checks that verify
a candidate pair.

Shingles are hashed without building their strings (`shingle_ids`): each unit (a CJK
character, or a word of another script; see "shingles" below, no language needed) gets a
64-bit id (a CJK character's code point, xxh64 of a word), a shingle's id
is a polynomial of its units' mixed ids modulo 2**64, finished with MurmurHash3's
64-bit mixer. Equal shingles get equal ids; `shingles` keeps the string definition the
tests hold the ids to.

Stability: MinHash uses datasketch with the scheme pinned (`affine32`, seed from config)
over the 32-bit shingle hashes (`shingle_hashes`, the top half of the ids), so
signatures do not change with datasketch's defaults. Band keys use xxh64; SimHash votes
with the 64-bit ids. Short texts are handled explicitly: a text with fewer units than
the shingle size is one shingle of all its units, so two identical short texts match and
a short text never matches everything.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import xxhash

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


def _punctuation_pattern() -> re.Pattern:
    """Spaces and the punctuation of the ASCII, General Punctuation, CJK and full-width
    blocks that `exact_text` removes anyway, NFKC maps to removed characters only, and
    that never combine with a neighbour: removing them before NFKC gives what removing
    them after would."""
    blocks = ((0x21, 0x80), (0x2000, 0x2070), (0x3000, 0x3040), (0xFF01, 0xFF66))
    chars = [
        c
        for start, end in blocks
        for c in map(chr, range(start, end))
        if _NOT_WORD.fullmatch(c)
        and not unicodedata.combining(c)
        and unicodedata.category(c)[0] != "M"
        and not _NOT_WORD.sub("", unicodedata.normalize("NFKC", c))
    ]
    return re.compile("[\\s" + "".join(re.escape(c) for c in chars) + "]+")


_PUNCTUATION = _punctuation_pattern()
_ASCII_NOT_WORD = bytes(b for b in range(128) if not chr(b).isalnum())
_ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")


def exact_text(text: str) -> str:
    """The text with punctuation, symbols, emoji and whitespace removed, case and width
    folded (NFKC, casefold): pages that differ only in those count as the same (Ziya2's
    exact dedup)."""
    if text.isascii():  # its own NFKC form: bytes in, a table lowers and deletes
        return text.encode("ascii").translate(_ASCII_LOWER, _ASCII_NOT_WORD).decode("ascii")
    # Punctuation removed first leaves NFKC a shorter text that is mostly normal already
    # (Chinese once its full-width punctuation is gone): the quick check passes it as it is.
    text = _PUNCTUATION.sub("", text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = text.casefold()
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


_ROLL = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier of the shingle polynomial


_SHIFT_33 = np.uint64(33)
_FMIX_1, _FMIX_2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)


def _fmix64(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: every input bit reaches every output bit. In place:
    `x` is changed and returned (a new array per step cost more than the arithmetic)."""
    x ^= x >> _SHIFT_33
    x *= _FMIX_1
    x ^= x >> _SHIFT_33
    x *= _FMIX_2
    x ^= x >> _SHIFT_33
    return x


# Word -> id, per process. Keys are words as found (str) or, from ASCII texts, their
# lowercased bytes; both give xxh64 of the folded UTF-8 word.
_WORD_IDS: dict[str | bytes, int] = {}
_WORD_IDS_MAX = 1 << 20


def _new_word_id(word: str | bytes) -> int:
    if len(_WORD_IDS) >= _WORD_IDS_MAX:
        _WORD_IDS.clear()
    folded = word if isinstance(word, bytes) else word.encode("utf-8", "surrogatepass")
    value = _WORD_IDS[word] = xxhash.xxh64_intdigest(folded)
    return value


def _word_ids(words: list) -> list[int]:
    values = list(map(_WORD_IDS.get, words))
    if None in values:  # words repeat (Zipf): the cache saves most hash calls
        values = [_new_word_id(w) if v is None else v for v, w in zip(values, words)]
    return values


# ASCII: letters lowered, digits kept, everything else a space.
_ASCII_WORD_CHARS = bytes(c if c < 128 and chr(c).isalnum() else ord(" ") for c in _ASCII_LOWER)


def _ascii_words(text: str) -> list[bytes]:
    """units() of an ASCII text, as bytes (a table and a split)."""
    return text.encode("ascii").translate(_ASCII_WORD_CHARS).split()


def unit_ids(text: str) -> tuple[np.ndarray, int]:
    """(a 64-bit id per shingle unit, mixed; how many units are CJK characters). A CJK
    unit's id is its code point, a word's xxh64 of its folded UTF-8."""
    if text.isascii():
        return _fmix64(np.array(_word_ids(_ascii_words(text)), dtype=np.uint64)), 0
    folded = _fold(text)
    code_points = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    kinds = _unit_classes()[code_points]
    cjk_at = np.flatnonzero(kinds == _CJK_UNIT)
    word = kinds == _WORD_CHAR
    starts = np.flatnonzero(word & ~np.concatenate(([False], word[:-1])))
    ends = np.flatnonzero(word & ~np.concatenate((word[1:], [False]))) + 1
    words = [folded[a:b] for a, b in zip(starts.tolist(), ends.tolist())]
    at = np.concatenate((cjk_at, starts))
    ids = np.concatenate((code_points[cjk_at].astype(np.uint64),
                          np.array(_word_ids(words), dtype=np.uint64)))  # fmt: skip
    return _fmix64(ids[np.argsort(at, kind="stable")]), len(cjk_at)


def _shingle_ids_all(text: str, n_words: int, n_chars: int | None = None) -> np.ndarray:
    """The id of every shingle, repeats included (module docstring)."""
    ids, cjk = unit_ids(text)
    if not len(ids):
        return ids
    n = shingle_size(cjk, len(ids), n_words, n_chars)
    width = min(n, len(ids))  # a text shorter than n units is one shingle of all of them
    count = len(ids) - width + 1
    rolled = np.zeros(count, dtype=np.uint64)
    for k in range(width):
        rolled = rolled * _ROLL + ids[k : k + count]
    return _fmix64(rolled)


def _distinct_sorted(values: np.ndarray) -> np.ndarray:
    """np.unique for the short arrays of one document (a sort and a mask; np.unique's
    hashing costs several times more at a few hundred values)."""
    ordered = np.sort(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def shingle_ids(text: str, n_words: int, n_chars: int | None = None) -> np.ndarray:
    """Distinct 64-bit ids of the shingles, sorted (SimHash votes with these)."""
    return _distinct_sorted(_shingle_ids_all(text, n_words, n_chars))


def shingle_hashes(text: str, n_words: int, n_chars: int | None = None) -> np.ndarray:
    """Distinct 32-bit shingle hashes (the ids' top halves), sorted: the values MinHash
    hashes and candidate pairs are verified with (exact Jaccard of these sets), so
    verification needs no text and an incremental run needs only what the index stores."""
    top = _shingle_ids_all(text, n_words, n_chars) >> np.uint64(32)
    return _distinct_sorted(top.astype(np.uint32))


def jaccard(a: set, b: set) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


# ---------------------------------------------------------------- MinHash LSH


_SKETCHES: dict[tuple[int, int], object] = {}


def minhash_of_hashes(hashes: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """MinHash signature (uint32 values) with datasketch, scheme affine32 pinned, of the
    32-bit shingle hashes (see shingle_hashes). The permutations (drawn from `seed`) are
    made once per process, with one MinHash that is cleared for each document: drawing
    them again, or even checking them for a new MinHash, cost more than hashing. The
    values are hashes already, so datasketch's hash function is the identity, and an
    array goes in as one batch item: datasketch stacks the items' hashes into one column
    either way, and this skips a Python call per value (tests hold it equal to feeding
    the values one by one, and to one batch, to a new MinHash)."""
    from datasketch import MinHash

    m = _SKETCHES.get((num_perm, seed))
    if m is None:
        m = _SKETCHES[(num_perm, seed)] = MinHash(
            num_perm=num_perm, seed=seed, hashfunc=np.asarray, scheme="affine32"
        )
    m.clear()
    hashes = hashes.astype(np.uint32, copy=False)
    # datasketch builds a values x num_perm matrix; kept to 256 KB a slice, it stays in
    # the CPU cache (past about 600 values x 128 it did not, and each value cost 4x more).
    step = max(1, (1 << 16) // num_perm)
    for start in range(0, len(hashes), step):
        m.update_batch([hashes[start : start + step]])
    return np.array(m.hashvalues, dtype=np.uint32)


def band_keys(signature: np.ndarray, bands: int, rows: int) -> list[int]:
    """One signed 64-bit key per band, seeded with the band number (so keys of different
    bands differ and a bucket is one key): equal keys make a candidate pair."""
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
