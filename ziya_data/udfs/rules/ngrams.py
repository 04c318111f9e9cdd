"""N-gram arithmetic over unit ids (numpy): rolling hashes and the per-document n-gram
profile (top n-gram coverage and repeated n-gram coverage) of many documents at once.

Units are numbers (a character's code point, a word's hash); an n-gram's hash is the
polynomial sum of its units' ids times powers of an odd base modulo 2**64, which any
prefix-hash difference gives in O(1) and which does not depend on where the n-gram
stands, so the units of many documents can be laid end to end.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NgramProfile:
    # characters covered by the most frequent n-gram (all its occurrences; of equally
    # frequent n-grams, the one with the most characters)
    top_share: float
    dup_share: float  # characters inside n-grams that occur more than once
    top_count: int = 0  # occurrences of the most frequent n-gram (0: none repeats)


_BASE = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
_FMIX = (33, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53)


def fmix64(x):
    """MurmurHash3's 64-bit finaliser of a uint64 array: every input bit reaches every
    output bit. In place: `x` is changed and returned (a new array per step cost more than
    the arithmetic)."""
    import numpy as np

    shift, m1, m2 = (np.uint64(v) for v in _FMIX)
    x ^= x >> shift
    x *= m1
    x ^= x >> shift
    x *= m2
    x ^= x >> shift
    return x


_POWERS: list = []


def _powers(length: int):
    """BASE**i and BASE**-i modulo 2**64 for i < length (grown on demand, kept)."""
    if not _POWERS or len(_POWERS[0]) < length:
        # doubled at least, so batches of growing size do not rebuild it each time
        size = max(length, 4096, 2 * len(_POWERS[0]) if _POWERS else 0)
        _POWERS[:] = [_power_table(_BASE, size), _power_table(pow(_BASE, -1, 2**64), size)]
    return _POWERS[0], _POWERS[1]


def _power_table(base: int, size: int):
    """base**i modulo 2**64 for i < size: each filled half times base**half fills the next
    (uint64 products wrap modulo 2**64, so they are exact)."""
    import numpy as np

    table = np.empty(size, dtype=np.uint64)
    table[0], filled = 1, 1
    with np.errstate(over="ignore"):
        while filled < size:
            step = min(filled, size - filled)
            table[filled : filled + step] = table[:step] * np.uint64(pow(base, filled, 2**64))
            filled += step
    return table


def prefix_hashes(ids):
    """H[i] = sum of ids[j] * BASE**j for j < i (mod 2**64): any n-gram hash in O(1)."""
    import numpy as np

    pw, _ = _powers(len(ids) + 1)
    out = np.zeros(len(ids) + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        np.cumsum(ids * pw[: len(ids)], out=out[1:])
    return out


def window_hashes(ids, starts, widths):
    """The position-free hash of ids[s : s + w] for each start s and width w (one number,
    or one per start): sum of ids[s + k] * BASE**k modulo 2**64, from prefix hashes."""
    import numpy as np

    prefix = prefix_hashes(ids)
    _, inverse = _powers(len(ids) + 1)
    with np.errstate(over="ignore"):
        return (prefix[starts + widths] - prefix[starts]) * inverse[starts]


# Ids up to this many are hashed by prefix differences, whose power tables (16 bytes an
# id, kept by _powers, which at most doubles them) then stay within 64 MB; longer ones
# segment by segment.
_PREFIX_IDS = 1 << 21


def segment_hashes(ids, starts, lengths):
    """window_hashes of segments that do not overlap (a text's words in its characters).
    Up to _PREFIX_IDS ids by window_hashes itself (a batch of 1,000 real documents' words:
    2.4x faster); beyond, with powers only as long as the longest segment: each id times
    BASE**(its place in its segment), summed per segment. Every length must be at least 1."""
    import numpy as np

    if not len(starts):
        return np.zeros(0, dtype=np.uint64)
    if len(ids) <= _PREFIX_IDS:
        return window_hashes(ids, starts, lengths)
    firsts = np.cumsum(lengths) - lengths  # each segment's first term
    place = np.arange(int(firsts[-1] + lengths[-1])) - np.repeat(firsts, lengths)
    powers, _ = _powers(int(lengths.max()) + 1)
    with np.errstate(over="ignore"):
        terms = ids[place + np.repeat(starts, lengths)].astype(np.uint64) * powers[place]
    return np.add.reduceat(terms, firsts)


def ngram_profiles(ids, lengths, bounds, n: int):
    """The n-gram profile of every document [bounds[i], bounds[i+1]) of the units `ids`
    (with character `lengths`), and per unit whether the n-gram starting there is
    repeated in its document. Of equally frequent n-grams the top one is the one with the
    most characters."""
    import numpy as np
    import pandas as pd

    bounds = np.asarray(bounds)
    docs, units = len(bounds) - 1, len(ids)
    empty = NgramProfile(0.0, 0.0)
    if units < n:
        return [empty] * docs, np.zeros(units, dtype=bool)
    doc_of_unit = np.repeat(np.arange(docs), np.diff(bounds))
    starts = np.arange(units - n + 1)
    starts = starts[starts + n <= bounds[doc_of_unit[starts] + 1]]  # within one document
    doc = doc_of_unit[starts]
    if len(starts) == 0:
        return [empty] * docs, np.zeros(units, dtype=bool)
    # An n-gram's hash mixed with its document's number, counted in a hash table (no sort):
    # each position learns how often its n-gram occurs in its document. The number goes in
    # scrambled (fmix64), as the n-gram hash is linear in the unit ids: added plainly, it
    # made an n-gram of document d equal one of document d + k whose second unit was k
    # lower (characters are close code points), and a document's profile then depended
    # on its batch. Two pairs meeting on one key is now as likely as two n-grams meeting
    # on one hash, which the per-document profile accepts too.
    keys = window_hashes(ids, starts, n)
    keys ^= fmix64(np.arange(1, docs + 1, dtype=np.uint64))[doc]
    codes, _ = pd.factorize(keys)
    occurrences = np.bincount(codes)[codes]
    # positions are in document order: per-document maxima over their stretches
    first_gram = np.searchsorted(doc, np.arange(docs))
    has_grams = np.flatnonzero(np.bincount(doc, minlength=docs))
    top = np.zeros(docs, dtype=np.int64)
    top[has_grams] = np.maximum.reduceat(occurrences, first_gram[has_grams])
    char_offset = np.concatenate(([0.0], np.cumsum(lengths)))
    gram_chars = char_offset[starts + n] - char_offset[starts]
    top_chars = np.zeros(docs)
    top_chars[has_grams] = np.maximum.reduceat(
        np.where(occurrences == top[doc], gram_chars, 0.0), first_gram[has_grams]
    )
    repeated = starts[occurrences > 1]
    repeated_at = np.zeros(units, dtype=bool)
    repeated_at[repeated] = True
    edges = np.bincount(repeated, minlength=units + 1) - np.bincount(
        repeated + n, minlength=units + 1
    )
    covered_chars = np.concatenate(
        ([0.0], np.cumsum(np.where(np.cumsum(edges[:-1]) > 0, lengths, 0.0)))
    )
    dup_chars = covered_chars[bounds[1:]] - covered_chars[bounds[:-1]]
    total = char_offset[bounds[1:]] - char_offset[bounds[:-1]]
    grams = np.diff(bounds) - n + 1
    out = []
    for i in range(docs):
        if grams[i] < 2 or top[i] < 2 or total[i] == 0:
            out.append(empty)
        else:
            out.append(
                NgramProfile(
                    float(top[i] * top_chars[i] / total[i]),
                    float(dup_chars[i] / total[i]),
                    int(top[i]),
                )
            )
    return out, repeated_at
