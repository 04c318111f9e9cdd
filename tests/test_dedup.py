"""Dedup: the pure functions with known answers, and the job on the demo corpus."""

import json
import random

import numpy as np
import pytest

from demo import corpus
from tests.conftest import delta_rows, make_config
from ziya_data.jobs import dedup, registry
from ziya_data.jobs.runtime import JobError
from ziya_data.jobs.session import session_settings
from ziya_data.udfs import dedup as D


def test_normalize_url():
    same = [
        "https://www.example.com/a/b?b=2&a=1",
        "HTTP://WWW.Example.com:80/a/b?a=1&b=2#comments",
        "https://example.com:443/a/b?utm_source=feed&a=1&utm_medium=rss&b=2",
        "http://example.com/a/b?a=1&fbclid=xyz&b=2",
    ]
    assert {D.normalize_url(u) for u in same} == {"https://example.com/a/b?a=1&b=2"}
    assert D.normalize_url("https://example.com/a/b?a=1") != D.normalize_url(
        "https://example.com/a/c?a=1"
    )
    assert D.normalize_url("https://example.com:8080/x") == "https://example.com:8080/x"
    assert D.normalize_url(None) is None and D.normalize_url("  ") is None


def test_plain_urls_normalise_as_urlsplit_does():
    """normalize_url's shortcut for plain URLs gives what the urlsplit route gives, on
    random URLs that mix plain and unusual parts."""
    rng = random.Random(5)
    schemes = ["http", "https", "HTTPS", "ftp", "hTTp"]
    hosts = ["example.com", "WWW.Example.COM", "www.a-b.cn.", "news.example.cn", "x", "例子.cn",
             "user@host.com", "host.com:80", "host.com:8080", "[::1]", "www.", "host.com:x"]  # fmt: skip
    paths = ["", "/", "/a/b.html", "/%E4%B8%AD", "/a b", "/a\tb", "/über", "//x", "/a;p"]
    tails = ["", "#top", "#", "?", "?b=2&a=1", "?utm_source=x", "?a=1#f", "#a?b=1"]
    urls = [
        f"{rng.choice(schemes)}://{rng.choice(hosts)}{rng.choice(paths)}{rng.choice(tails)}"
        for _ in range(3000)
    ]
    urls += [f" {u}\n" for u in urls[:200]] + ["https://", "http:///a", "https://.", "mailto:a@b"]
    plain = 0
    for url in urls:
        plain += D._PLAIN_URL.fullmatch(url.strip()) is not None
        assert D.normalize_url(url) == D._normalize_parsed_url(url.strip()), url
    assert plain > 500  # the shortcut was taken, not only the general route


def test_exact_text_ignores_punctuation_emoji_space_and_case():
    assert (
        D.exact_text("Hello, World!! 😀\n ok") == D.exact_text("hello world ok") == "helloworldok"
    )
    assert D.exact_text("你好，世界！🎉") == D.exact_text("你好、世界。") == "你好世界"
    assert D.exact_text("hello world") != D.exact_text("hello word")
    # width, case and normalization form fold
    assert D.exact_text("ＡＢＣ１２３ ａｂｃ") == "abc123abc"
    assert D.exact_text("e\u0301te\u0301, 水温。") == D.exact_text("été 水温") == "été水温"


def test_exact_text_equals_the_plain_definition():
    """The fast path (punctuation a space first, NFKC only when the text needs it) equals
    NFKC -> casefold -> remove, on random texts over Unicode's planes 0-2, combining
    marks anywhere (after punctuation too: a space does not combine with them)."""
    import re
    import unicodedata

    not_word = re.compile(r"[\W_]+")

    def plain(text):
        return not_word.sub("", unicodedata.normalize("NFKC", text).casefold())

    chars = [chr(c) for c in range(0x20, 0x3_0000) if not 0xD800 <= c < 0xE000]
    marks = [c for c in chars if unicodedata.combining(c) or unicodedata.category(c)[0] == "M"]
    no_marks = sorted(set(chars) - set(marks))
    letters = [c for c in no_marks if c.isalpha()]
    rng = random.Random(7)
    for _ in range(3000):  # every character but the marks
        text = "".join(rng.choice(no_marks) for _ in range(rng.randint(0, 40)))
        assert D.exact_text(text) == plain(text), text
    punctuation = [c for c in no_marks if not c.isalnum()]
    for _ in range(3000):  # letters, punctuation and marks
        pools = (letters, punctuation, marks)
        text = "".join(rng.choice(rng.choice(pools)) for _ in range(rng.randint(0, 30)))
        assert D.exact_text(text) == plain(text), text
    for _ in range(3000):  # ASCII (its own path)
        text = "".join(chr(rng.randrange(128)) for _ in range(rng.randint(0, 40)))
        assert D.exact_text(text) == plain(text), text
    for _ in range(3000):  # letters and marks, no punctuation
        text = "".join(rng.choice(letters if rng.random() < 0.6 else marks) for _ in range(20))
        assert D.exact_text(text) == plain(text), text
    for text in ("ǰ", "ﬁ", "Å", "ß", "İ", "ＡＢＣ", "①②", "ｶﾞ", "ｶ゙", "ㄱㅏ", "각", "™℃㎏"):
        assert D.exact_text(text) == plain(text), text


def test_a_batch_gets_each_texts_exact_key_from_its_units():
    """The exact key the job stores is BLAKE2b-128 of exact_text in UTF-32-LE, taken from
    the batch's shingle pass: equal for every text and its copy in another batch, on the
    ASCII and the general path alike (one text with a CJK character, one without)."""
    import hashlib

    rng = random.Random(3)
    pool = "aZ9 ,.!_'\n\t\x00中國，。「」ＡＢｅ\u0301\u3000ß😀-"
    texts = ["", "   ", "Hello, World!", "hello world", "你好，世界！", "你好、世界。"] + [
        "".join(rng.choice(pool) for _ in range(rng.randint(0, 30))) for _ in range(400)
    ]
    keys = D.batch_exact_keys(D.batch_units(texts))
    for text, key in zip(texts, keys):
        want = hashlib.blake2b(D.exact_text(text).encode("utf-32-le"), digest_size=16)
        assert key == want.hexdigest(), text
        assert D.batch_exact_keys(D.batch_units([text])) == [key], text
    assert keys[2] == keys[3] and keys[4] == keys[5] and keys[0] == keys[1]
    assert keys[2] != keys[4]
    # the letters of a batch are each text's exact text, in order
    units = D.batch_units(texts)
    letters = units.letters.tobytes().decode("utf-32-le")
    assert letters == "".join(D.exact_text(t) for t in texts)


def test_shingles_short_texts_and_jaccard():
    assert D.shingles("ok", 5) == {"ok"}
    assert D.shingles("好的", 5) == {"好 的"}
    assert D.shingles("!!!", 5) == set()
    assert D.shingles("a b c d e f", 5) == {"a b c d e", "b c d e f"}
    assert D.shingles("一二三四五六", 5) == {"一 二 三 四 五", "二 三 四 五 六"}
    a, b = D.shingles("a b c d e f g", 5), D.shingles("a b c d e f h", 5)
    assert D.jaccard(a, b) == pytest.approx(2 / 4)


def test_shingle_units_follow_the_script_not_a_language():
    # Each CJK character a unit, each word of another script a unit, in one text.
    assert D.units("使用 gdm3 启动X会话，安装menu-xdg。") == [
        "使", "用", "gdm3", "启", "动", "x", "会", "话", "安", "装", "menu", "xdg",
    ]  # fmt: skip
    assert D.units("ＡＢＣ１２３汉字 Don't") == ["abc123", "汉", "字", "don", "t"]
    # A text of mostly CJK units takes n_chars, one of mostly words n_words.
    assert D.shingles("一二三四五六", 2, 4) == {"一 二 三 四", "二 三 四 五", "三 四 五 六"}
    assert D.shingles("one two three 四", 2, 4) == {"one two", "two three", "three 四"}
    # One character changed in a Chinese clause changes a few shingles, not all of them.
    x = "国家统计局今天发布了第三季度的经济数据显示增长平稳"
    y = "国家统计局今天发布了第三季度的经济数据显示增长稳定"
    assert D.jaccard(D.shingles(x, 5), D.shingles(y, 5)) > 0.75


SHINGLE_TEXTS = [
    "ok", "好的", "!!!", "", "a b c d e f", "一二三四五六", "a b a b a b a b",
    "The Council approved the new plan; the council approved it again.",
    "ＡＢＣ全角字母和数字１２３，半角abc与123。哈哈哈哈哈哈哈",
    "代码\ud800测试文本内容",  # a stray surrogate
    "Ünïcode wörds and 中文 mixed, ß and ﬁ ligatures",
]  # fmt: skip


def test_shingle_ids_stand_for_the_shingle_strings():
    """Ids are computed without building shingle strings; equal shingles must get equal
    ids and different ones different ids, so counts and Jaccard values carry over."""
    for text in SHINGLE_TEXTS:
        strings = D.shingles(text, 5)
        assert len(D.shingle_ids(text, 5)) == len(strings), text
        assert len(D.shingle_hashes(text, 5)) == len(strings), text
    pairs = [
        ("a b c d e f g h i j", "a b c d e f g h i k"),
        ("今天天气很好我们去公园散步吧", "今天天气很好我们去海边散步吧"),
        ("Huawei 发布 Mate 60 手机 today", "Huawei 发布 Mate 70 手机 today"),
    ]
    for x, y in pairs:
        want = D.jaccard(D.shingles(x, 3), D.shingles(y, 3))
        hx, hy = (set(D.shingle_hashes(t, 3).tolist()) for t in (x, y))
        assert D.jaccard(hx, hy) == pytest.approx(want)
    # width and case do not make a new shingle
    assert np.array_equal(
        D.shingle_hashes("ＡＢＣ１２３汉字", 3), D.shingle_hashes("abc123汉字", 3)
    )
    # a unit's id is fmix64 of its code point (CJK) or of the polynomial of its word's code
    # points, whatever the batch: random texts, alone and together
    from ziya_data.udfs.rules.ngrams import _BASE, fmix64

    def unit_id(unit: str) -> int:
        value = sum(ord(c) * pow(_BASE, k, 2**64) for k, c in enumerate(unit)) % 2**64
        return int(fmix64(np.array([value], dtype=np.uint64))[0])

    rng = random.Random(11)
    pool = "ab Z9'_-,\n\t中國，Ａé\u0301ß😀"
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 40))) for _ in range(500)]
    together = D.batch_units(texts)
    for i, text in enumerate(texts):
        want = [unit_id(u) for u in D.units(text)]
        assert D.unit_ids(text)[0].tolist() == want, text
        assert together.ids[together.bounds[i] : together.bounds[i + 1]].tolist() == want, text
    # the sets are distinct and sorted, as np.unique would give them
    rng = np.random.default_rng(5)
    for size in (0, 1, 2, 7, 400):
        values = rng.integers(0, 50, size).astype(np.uint32)
        assert np.array_equal(D.distinct_sorted(values), np.unique(values))
    for text in SHINGLE_TEXTS:
        assert np.array_equal(
            D.shingle_ids(text, 5), np.unique(D.batch_shingle_ids(D.batch_units([text]), 5)[0])
        )


def test_a_batch_keys_each_text_as_it_would_alone():
    """Texts laid end to end (ASCII and general paths mixed, empty and short texts among
    them) get the shingles and MinHash signatures each would get alone, and the
    signatures are the numbers datasketch's own MinHash gives."""
    texts = SHINGLE_TEXTS + [
        "Beijing 北京 hosts the 2026 summit; 代表们 met at 9am.",
        " ".join(f"w{i}" for i in range(9000)),  # more shingles than a MinHash slice
        "\x00null\x00 inside",
    ]
    texts = texts * 3
    values, bounds = D.batch_shingle_hashes(D.batch_units(texts), 5, 4)
    signatures = D.batch_minhash(values, bounds, 128, 1)
    keys = D.batch_band_keys(signatures, 16, 8)
    for i, text in enumerate(texts):
        alone = values[bounds[i] : bounds[i + 1]]
        assert np.array_equal(alone, D.shingle_hashes(text, 5, 4)), text
        assert len(alone) == len(D.shingles(text, 5, 4)), text
        assert np.array_equal(signatures[i], D.minhash_of_hashes(alone, 128, 1)), text
        assert keys[i].tolist() == D.band_keys(signatures[i], 16, 8)


def test_pairs_of_packed_shingle_sets_get_their_exact_jaccard():
    """Candidate pairs as the verification step sees them (shingle hashes packed as bytes,
    a batch of pairs at once, a sliced column among them) get the set Jaccard of each
    pair: a pair's values never meet another pair's, even when equal."""
    import pyarrow as pa

    from ziya_data.adapters.dedup import HASH, _packed_column, pair_similarity

    texts = SHINGLE_TEXTS + [
        "The council approved the new plan for the northern bus routes on Monday evening",
        "The council approved the new plan for the northern bus routes on Tuesday evening",
        "北京市今天发布了新的公交线路规划，市民可以在网上查询。",
        "北京市今天发布了新的地铁线路规划，市民可以在网上查询。",
        "",
    ]
    values, bounds = D.batch_shingle_hashes(D.batch_units(texts), 3, 2)
    packed = _packed_column(values, bounds, HASH)
    pairs = [(i, j) for i in range(len(texts)) for j in range(len(texts))]
    a, b = zip(*pairs)
    batch = pa.RecordBatch.from_pydict({
        "a": [str(i) for i in a], "b": [str(j) for j in b],
        "_sa": packed.take(pa.array(a)), "_sb": packed.take(pa.array(b)),
    })  # fmt: skip
    cut = batch.slice(3)  # buffers shared with the batch, offsets starting inside them
    got = [r for part in (batch, cut) for r in pair_similarity()(iter([part]))]
    sets = [set(D.shingle_hashes(t, 3, 2).tolist()) for t in texts]
    want = [1.0 if not sets[i] | sets[j] else D.jaccard(sets[i], sets[j]) for i, j in pairs]
    assert got[0].column("similarity").to_pylist() == pytest.approx(want)
    assert got[1].column("similarity").to_pylist() == pytest.approx(want[3:])
    near = pairs.index((len(texts) - 5, len(texts) - 4))
    assert 0.5 < want[near] < 1.0  # a real partial overlap is among them
    assert want[pairs.index((0, 0))] == 1.0


def test_bucket_pairs_pair_small_buckets_fully_and_capped_ones_to_their_smallest():
    keys = np.array([7, 7, 7, 9, 9, 5, 3, 3, 3, 3, 8], dtype=np.int64)
    members = np.array([30, 10, 20, 20, 10, 40, 60, 50, 70, 55, 90], dtype=np.int64)
    a, b = D.bucket_pairs(keys, members, max_bucket_size=3)
    # bucket 7 (3 members): all three pairs; bucket 9 repeats (10, 20): kept once; bucket 3
    # (4 members, over the cap): each to 50; buckets 5 and 8 have one member: no pair.
    assert list(zip(a.tolist(), b.tolist())) == [
        (10, 20), (10, 30), (20, 30), (50, 55), (50, 60), (50, 70),
    ]  # fmt: skip
    none = D.bucket_pairs(np.zeros(0, np.int64), np.zeros(0, np.int64), 3)
    assert [len(x) for x in none] == [0, 0]


def test_a_held_frame_is_counted_by_its_observation_or_else_by_a_count(spark, monkeypatch):
    """Dedup sizes its joins by a row count observed while a checkpoint computes the rows;
    where the observation stays empty (Spark Connect does not report a checkpoint's
    metrics), it counts the held rows instead."""
    import pyspark.sql

    frame = spark.range(1000).where("id % 3 = 0")
    held, rows = dedup._held_with_rows(frame, dedup._checkpoint)
    assert rows == 334 and held.count() == 334

    class Unreported(pyspark.sql.Observation):
        @property
        def get(self):
            return {}

    monkeypatch.setattr(pyspark.sql, "Observation", Unreported)
    held, rows = dedup._held_with_rows(frame, dedup._checkpoint)
    assert rows == 334 and sorted(r.id for r in held.collect())[:3] == [0, 3, 6]


def test_candidate_pairs_do_not_depend_on_the_partitioning(spark):
    """The bucket search over Spark (band keys split into parts, shuffled, paired by
    numpy per partition) finds each pair sharing a key once, however many partitions
    and parts it runs with; a capped bucket links its members to its smallest number."""
    from ziya_data.jobs.dedup import DedupConfig, _document_number, candidate_pairs

    rows = [("d0", [1, 2]), ("d1", [1, 3]), ("d2", [4, 2]), ("d3", [5, 6]), ("d4", [])]
    rows += [(f"s{i}", [100 + i, 99]) for i in range(5)]  # bucket 99: five, capped at 4
    docs = spark.createDataFrame(rows, "doc_id string, _bands array<bigint>").repartition(3)
    numbered = docs.select("doc_id", _document_number().alias("n")).collect()
    number = {r["doc_id"]: r["n"] for r in numbered}
    star = min((number[f"s{i}"], f"s{i}") for i in range(5))[1]
    expected = {("d0", "d1"), ("d0", "d2")} | {
        tuple(sorted((star, f"s{i}"))) for i in range(5) if f"s{i}" != star
    }
    name = {n: d for d, n in number.items()}
    before = spark.conf.get("spark.sql.shuffle.partitions")
    try:
        for partitions in ("1", "3"):
            spark.conf.set("spark.sql.shuffle.partitions", partitions)
            pairs = candidate_pairs(docs, DedupConfig(max_bucket_size=4)).collect()
            assert all(p["a"] < p["b"] for p in pairs)
            assert {tuple(sorted((name[p["a"]], name[p["b"]]))) for p in pairs} == expected
            assert len(pairs) == len(expected)
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", before)


def test_minhash_is_pinned_and_estimates_jaccard():
    from datasketch import MinHash

    x = "The council approved the new plan for the northern bus routes on Monday evening"
    y = "The council approved the new plan for the northern bus routes on Tuesday evening"
    hx, hy = D.shingle_hashes(x, 3), D.shingle_hashes(y, 3)
    sig = D.minhash_of_hashes(hx, 128, 1)
    assert sig.dtype == np.uint32 and len(sig) == 128
    assert np.array_equal(sig, D.minhash_of_hashes(hx.copy(), 128, 1))  # deterministic
    est = D.estimated_jaccard(sig, D.minhash_of_hashes(hy, 128, 1))
    assert abs(est - D.jaccard(D.shingles(x, 3), D.shingles(y, 3))) < 0.15
    assert np.array_equal(sig, D.minhash_of_hashes(hx, 128, 1))  # the shared sketch starts clean
    # a long document goes in by slices: the same signature as all values at once
    many = np.random.default_rng(3).integers(0, 2**32, 2000, dtype=np.uint64).astype(np.uint32)
    whole = MinHash(num_perm=128, seed=1, hashfunc=np.asarray, scheme="affine32")
    whole.update_batch([many])
    assert np.array_equal(D.minhash_of_hashes(many, 128, 1), whole.hashvalues.astype(np.uint32))
    # Cached permutations and the whole array as one batch item give exactly what a fresh
    # datasketch MinHash fed the values one by one gives.
    fresh = MinHash(num_perm=128, seed=1, hashfunc=int, scheme="affine32")
    fresh.update_batch(hx.tolist())
    assert np.array_equal(sig, np.asarray(fresh.hashvalues, dtype=np.uint64).astype(np.uint32))
    empty = D.minhash_of_hashes(np.zeros(0, dtype=np.uint32), 128, 1)
    assert np.array_equal(empty, np.full(128, 2**32 - 1, dtype=np.uint32))
    keys = D.band_keys(sig, 16, 8)
    assert len(keys) == 16 and all(-(2**63) <= k < 2**63 for k in keys)
    assert len(set(keys)) == 16  # each band its own keys
    assert keys != D.band_keys(D.minhash_of_hashes(hy, 128, 1), 16, 8)
    with pytest.raises(ValueError):
        D.band_keys(sig, 32, 8)


def test_simhash_and_pigeonhole_blocks():
    # One word of 200 changed moves a few bits; an unrelated text about half of 64.
    near_bits, far_bits = [], []
    for v in range(40):
        base = " ".join(f"w{v}x{i}" for i in range(200))
        near = base.replace(f"w{v}x57", "other57")
        far = " ".join(f"t{v}y{i}" for i in range(200))
        fa, fb, fc = (D.simhash(D.shingle_ids(t, 3)) for t in (base, near, far))
        near_bits.append(D.hamming(fa, fb))
        far_bits.append(D.hamming(fa, fc))
    assert sorted(near_bits)[20] <= 4 and max(near_bits) < 12 < 16 < min(far_bits)
    # Within max_distance bits, at least one block key is shared.
    flipped = fa ^ (1 << 5) ^ (1 << 40) ^ (1 << 63)
    flipped = flipped - 2**64 if flipped >= 2**63 else flipped
    assert set(D.simhash_blocks(fa, 3)) & set(D.simhash_blocks(flipped, 3))


@pytest.fixture(scope="module")
def demo_clean(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("dedup_demo")
    corpus.write(root / "demo", 1200, reference_docs=10)
    cfg = make_config(
        root / "lake", f"ingest.input={root / 'demo' / 'corpus'}", "dedup.input=clean"
    )
    registry.run(spark, "ingest", cfg)
    registry.run(spark, "clean", cfg)
    truth = {t["id"]: t for t in map(json.loads, open(root / "demo" / "truth.jsonl"))}
    return root / "lake", cfg, truth


def _score(lake, truth):
    ids = {
        r["doc_id"]: json.loads(r["meta"])["id"]
        for r in delta_rows(lake / "clean", "SELECT doc_id, meta FROM t")
    }
    present = set(ids.values())
    dups = delta_rows(lake / "duplicates")
    final = {ids[d["doc_id"]]: ids[d["kept_doc_id"]] for d in dups}

    def cluster(x):
        return final.get(x, x)

    recall = {}
    for kind in ("url_dup", "exact_dup", "near_dup"):
        pairs = [
            (i, t["dup_of"])
            for i, t in truth.items()
            if t["kind"] == kind and i in present and t["dup_of"] in present
        ]
        recall[kind] = sum(cluster(a) == cluster(b) for a, b in pairs) / len(pairs)
    misses = [
        (i, t["similar_to"]) for i, t in truth.items() if t["kind"] == "near_miss" and i in present
    ]
    merged_misses = sum(cluster(a) == cluster(b) for a, b in misses if b in present)
    return recall, merged_misses, dups


def test_dedup_finds_planted_duplicates_and_keeps_near_misses_apart(spark, demo_clean):
    lake, cfg, truth = demo_clean
    result = registry.run(spark, "dedup", cfg)
    rows_in = delta_rows(lake / "clean", "SELECT count(*) AS n FROM t")[0]["n"]
    kept = delta_rows(lake / "deduped", "SELECT count(*) AS n, sum(dup_count) AS total FROM t")[0]
    recall, merged_misses, dups = _score(lake, truth)
    assert result["rows_in"] == rows_in == kept["n"] + len(dups)
    assert kept["total"] == rows_in  # dup_count adds up to every input row
    # every planted copy lands with its original, also when the original lost to another
    # page at its URL (one graph for URL, exact and near links)
    assert recall == {"url_dup": 1.0, "exact_dup": 1.0, "near_dup": 1.0}, recall
    assert merged_misses == 0
    assert {d["method"] for d in dups} == {"url", "exact", "near"}
    assert all(d["similarity"] >= 0.7 for d in dups if d["method"] == "near")


def test_dedup_is_deterministic_across_partitionings_and_simhash_works(spark, demo_clean):
    lake, cfg, truth = demo_clean
    registry.run(spark, "dedup", cfg)
    first = sorted(tuple(d.values()) for d in delta_rows(lake / "duplicates"))
    with session_settings(spark, {"spark.sql.shuffle.partitions": "7"}):
        registry.run(spark, "dedup", cfg)
    assert sorted(tuple(d.values()) for d in delta_rows(lake / "duplicates")) == first
    # The graph resolved by Spark's rounds instead of on the driver: the same answer.
    registry.run(spark, "dedup", make_config(lake, f"ingest.input={lake}", "dedup.input=clean",
                                             "dedup.driver_graph_edges=0"))  # fmt: skip
    assert sorted(tuple(d.values()) for d in delta_rows(lake / "duplicates")) == first

    simhash_cfg = make_config(lake, f"ingest.input={lake}", "dedup.input=clean", "dedup.near_method=simhash",
                              "dedup.max_hamming=10")  # fmt: skip
    registry.run(spark, "dedup", simhash_cfg)
    recall, merged_misses, _ = _score(lake, truth)
    assert recall["exact_dup"] >= 0.95 and recall["near_dup"] >= 0.8 and merged_misses == 0, recall


def test_incremental_run_equals_a_full_run(spark, demo_clean):
    """Old batch first (its keys go to the index), then old + new: only the new documents
    are keyed, and the result equals a run over everything without an index."""
    from pyspark.sql import functions as F

    from ziya_data.jobs.tables import Tables

    lake, base_cfg, _ = demo_clean
    tables = Tables(spark, str(lake), base_cfg.tables)
    everything = tables.read("clean")
    old = everything.where(F.xxhash64("doc_id") % 3 != 0)
    tables.write(old, "batch_old", mode="overwrite")
    tables.write(everything, "batch_all", mode="overwrite")

    full_cfg = make_config(lake, "dedup.input=batch_all", "dedup.index=", "dedup.output=full_deduped",
                           "dedup.duplicates=full_duplicates")  # fmt: skip
    full = registry.run(spark, "dedup", full_cfg)
    inc_cfg = make_config(lake, "dedup.index=inc_index")
    first = registry.run(
        spark, "dedup", make_config(lake, "dedup.index=inc_index", "dedup.input=batch_old")
    )
    n_old = old.count()
    assert first["keyed_now"] == n_old and first["keys_from_index"] == 0
    second = registry.run(
        spark, "dedup", make_config(lake, "dedup.index=inc_index", "dedup.input=batch_all")
    )
    assert second["keys_from_index"] == n_old
    assert second["keyed_now"] == everything.count() - n_old
    assert (
        delta_rows(lake / "inc_index", "SELECT count(*) AS n FROM t")[0]["n"] == everything.count()
    )

    def rows(name, columns):
        return sorted(
            tuple(r.values()) for r in delta_rows(lake / name, f"SELECT {columns} FROM t")
        )

    assert second["duplicates"] == full["duplicates"] and second["kept"] == full["kept"]
    assert rows(inc_cfg.dedup.duplicates, "*") == rows("full_duplicates", "*")
    assert rows(inc_cfg.dedup.output, "doc_id, dup_count") == rows(
        "full_deduped", "doc_id, dup_count"
    )


def test_connected_components_settle_long_chains_and_stars(spark):
    """A chain of 40 documents in doc_id order, one of 64 in random order, a star, and a
    pair: each component labelled by its smallest doc_id, within far fewer rounds than
    the chains are long."""
    chain = [(f"c{i:02d}", f"c{i + 1:02d}") for i in range(39)][::-1]
    shuffled = [f"r{i:02d}" for i in range(64)]
    random.Random(3).shuffle(shuffled)
    chain += [(shuffled[i], shuffled[i + 1]) for i in range(63)]
    star = [("s0", f"s{i}") for i in range(1, 6)]
    edges = spark.createDataFrame(chain + star + [("p2", "p1")], "a string, b string")
    labels = {r["doc_id"]: r["component"] for r in dedup.connected_components(edges, 8).collect()}
    assert len(labels) == 40 + 64 + 6 + 2
    assert {labels[f"c{i:02d}"] for i in range(40)} == {"c00"}
    assert {labels[f"r{i:02d}"] for i in range(64)} == {"r00"}
    assert {labels[f"s{i}"] for i in range(6)} == {"s0"}
    assert labels["p1"] == labels["p2"] == "p1"
    with pytest.raises(JobError, match="did not settle"):
        dedup.connected_components(edges, 2)


def test_an_index_with_repeated_doc_ids_is_read_once_per_document(spark, tmp_path):
    from ziya_data.jobs.tables import Tables

    cfg = make_config(tmp_path / "lake")
    tables = Tables(spark, cfg.lake, cfg.tables)
    hashes = (3).to_bytes(4, "little") + (4).to_bytes(4, "little")
    row = ("d1", None, "x", [1, 2], hashes, None, dedup.key_settings_hash(cfg.dedup))
    ddl = ("doc_id string, _url_key string, _exact_key string, _bands array<bigint>, "
           "_shingles binary, _simhash bigint, key_settings string")  # fmt: skip
    for _ in range(2):  # two appends of the same document
        tables.write(spark.createDataFrame([row], ddl), cfg.dedup.index, mode="append")
    index, rebuild = dedup.read_index(tables, cfg.dedup)
    assert not rebuild and [r["doc_id"] for r in index.collect()] == ["d1"]


def test_an_index_of_an_earlier_key_layout_is_rebuilt(spark, tmp_path, monkeypatch):
    """An index written by key version 5 (shingle hashes as array<int>) is not read: the
    run keys every document again and replaces the index with the current layout."""
    from ziya_data.jobs.tables import Tables

    cfg = make_config(tmp_path / "lake", "dedup.index=old_index")
    tables = Tables(spark, cfg.lake, cfg.tables)
    text = "the quick brown fox jumps over the lazy dog near the river bank today"
    docs = [("a", text), ("b", text + " again"), ("c", "something else entirely, not alike")]
    tables.write(spark.createDataFrame(docs, "doc_id string, text string"), "filtered")
    with monkeypatch.context() as patch:  # the settings hash key version 5 wrote
        patch.setattr(dedup, "KEY_VERSION", 5)
        old_hash = dedup.key_settings_hash(cfg.dedup)
    assert old_hash != dedup.key_settings_hash(cfg.dedup)
    ddl = ("doc_id string, _url_key string, _exact_key string, _bands array<bigint>, "
           "_shingles array<int>, _simhash bigint, key_settings string")  # fmt: skip
    old_rows = [(d, None, "x", [1], [1, 2], None, old_hash) for d, _ in docs]
    tables.write(spark.createDataFrame(old_rows, ddl), "old_index")

    result = registry.run(spark, "dedup", cfg)
    assert result["keyed_now"] == 3 and result["keys_from_index"] == 0
    assert result["duplicates"] == {"near": 1}
    index = tables.read("old_index")
    assert dict(index.dtypes)["_shingles"] == "binary" and index.count() == 3
    assert {r["key_settings"] for r in index.collect()} == {dedup.key_settings_hash(cfg.dedup)}


def test_chinese_near_copies_are_found_without_a_lang_column(spark):
    """Over a table without `lang` (raw), Chinese near copies are found as over clean:
    shingle units follow the script (before: every text was words, a Chinese clause one
    word, and a changed character broke every shingle)."""
    from demo import prose
    from ziya_data.jobs.dedup import DedupConfig, transform

    rng = random.Random(8)
    originals = [prose.zh_document(rng) for _ in range(12)]
    rows = [(f"o{i}", t) for i, t in enumerate(originals)]
    for i in range(6):  # a near copy: a few characters changed, an English name added
        chars = list(originals[i])
        for k in range(0, len(chars), 60):
            chars[k] = "某"
        rows.append((f"c{i}", "".join(chars) + " 来源：Xinhua News。"))
    docs = spark.createDataFrame(rows, "doc_id string, text string")
    assert "lang" not in docs.columns
    result = transform(docs, DedupConfig(url=False, index=""))
    pairs = {
        tuple(sorted((r["doc_id"], r["kept_doc_id"]))): r["method"]
        for r in result.duplicates.collect()
    }
    assert pairs == {(f"c{i}", f"o{i}"): "near" for i in range(6)}


def test_near_similarity_is_not_transitive(spark):
    """a ~ b and b ~ c, but a !~ c (Jaccard 0.78, 0.78 and 0.60 by 5-word shingles): a is
    kept, b removed with a, and c kept, as nothing similar to c is kept. Before, the
    chain made one cluster and c was removed as a copy of a page it does not resemble."""
    from ziya_data.jobs.dedup import DedupConfig, transform

    words = [f"w{i}" for i in range(130)]
    rows = [(name, " ".join(words[k : k + 100])) for name, k in (("a", 0), ("b", 12), ("c", 24))]
    x = {name: D.shingles(text, 5) for name, text in rows}
    assert D.jaccard(x["a"], x["b"]) > 0.7 and D.jaccard(x["b"], x["c"]) > 0.7
    assert D.jaccard(x["a"], x["c"]) < 0.7
    docs = spark.createDataFrame(rows, "doc_id string, text string")
    result = transform(docs, DedupConfig(url=False, index=""))
    dups = [(r["doc_id"], r["kept_doc_id"], r["method"]) for r in result.duplicates.collect()]
    assert dups == [("b", "a", "near")]
    assert {r["doc_id"]: r["dup_count"] for r in result.deduped.collect()} == {"a": 2, "c": 1}


def test_star_assign_removes_only_neighbours_of_kept_groups(spark):
    """A chain g1 - g2 - ... - g6 in falling rank keeps g1, g3, g5 and removes each
    of the others with its better neighbour; a triangle keeps its best; a group among
    kept ones takes the best."""
    chain = [(f"g{i}", f"g{i + 1}") for i in range(1, 6)]
    triangle = [("t1", "t2"), ("t2", "t3"), ("t1", "t3")]
    fork = [("f1", "f3"), ("f2", "f3")]
    pairs = chain + triangle + fork
    rows = [(g, h, g, h, 0.8) for g, h in pairs] + [(h, g, h, g, 0.8) for g, h in pairs]
    edges = spark.createDataFrame(
        rows, "g string, h string, gk string, hk string, similarity double"
    )
    removed = {r["h"]: r["wk"] for r in dedup.star_assign(edges, 10).collect()}
    assert removed == {"g2": "g1", "g4": "g3", "g6": "g5", "t2": "t1", "t3": "t1", "f3": "f1"}
    with pytest.raises(JobError, match="did not settle"):
        dedup.star_assign(edges, 1)


def test_the_driver_resolves_a_graph_as_sparks_rounds_do(spark):
    """components and greedy_rounds (the driver's path for small graphs) give what
    connected_components and star_assign give, on a random graph with random ranks (and
    on three more, through the placement, in the test below); and a node whose better
    neighbour is kept only in a later round, so it goes with the worse one that won
    first, in both."""
    rng = random.Random(5)
    nodes = [f"n{i:03d}" for i in range(120)]
    pairs = {tuple(sorted(rng.sample(nodes, 2))) for _ in range(150)}
    rank = {n: f"{rng.random():.12f}{n}" for n in nodes}
    edges = spark.createDataFrame(sorted(pairs), "a string, b string")
    labels = {r["doc_id"]: r["component"] for r in dedup.connected_components(edges, 30).collect()}
    assert D.components(sorted(pairs)) == labels
    similar = {p: round(rng.uniform(0.7, 1.0), 3) for p in pairs}
    rows = [
        (g, h, rank[g], rank[h], v) for (a, b), v in similar.items() for g, h in ((a, b), (b, a))
    ]
    keyed = spark.createDataFrame(
        rows, "g string, h string, gk string, hk string, similarity double"
    )
    spark_removed = {
        r["h"]: (r["wk"], r["similarity"]) for r in dedup.star_assign(keyed, 30).collect()
    }
    removed = D.greedy_rounds(similar, rank, 30)
    assert {h: (rank[g], v) for h, (g, v) in removed.items()} == spark_removed
    # w > x; k > h and g > h with k better than g; k waits on x, which w removes first.
    rank = {"w": 0, "x": 1, "k": 2, "g": 3, "h": 4}
    similar = {("w", "x"): 0.8, ("x", "k"): 0.8, ("k", "h"): 0.8, ("g", "h"): 0.9}
    assert D.greedy_rounds(similar, rank, 5) == {"x": ("w", 0.8), "h": ("g", 0.9)}
    chain = {("a", "b"): 0.8, ("b", "c"): 0.8, ("c", "d"): 0.8}  # settles in 2 rounds
    assert D.greedy_rounds(chain, {"a": 0, "b": 1, "c": 2, "d": 3}, 2) == {
        "b": ("a", 0.8),
        "d": ("c", 0.8),
    }
    with pytest.raises(D.GraphUnsettled):
        D.greedy_rounds(chain, {"a": 0, "b": 1, "c": 2, "d": 3}, 1)


def test_the_driver_places_duplicates_as_spark_does(spark):
    """The driver's placement (udfs.dedup.place_duplicates) gives Spark's duplicate rows
    and dup_counts, on random graphs of URL, exact and near links between documents of
    random rank (missing and NaN perplexities among them), with each kind of link off in
    turn."""
    from pyspark.sql import functions as F

    rng = random.Random(11)
    docs = []
    for i in range(160):
        url = rng.choice([None, f"u{rng.randrange(110)}"])
        ppl = rng.choice([None, float("nan"), round(rng.uniform(5, 500), 1)])
        docs.append(
            (f"d{i:03d}", url, f"e{rng.randrange(120)}", rng.choice(["high", "medium", None]), ppl)
        )
    nodes = spark.createDataFrame(
        docs, "doc_id string, _url_key string, _exact_key string, quality_tier string, ppl double"
    )
    members = nodes.select("doc_id", "_url_key", "_exact_key", dedup._rank_key().alias("_key"))
    near_pairs = {tuple(sorted(rng.sample([d[0] for d in docs], 2))) for _ in range(70)}
    near = spark.createDataFrame(
        [(a, b, round(rng.uniform(0.7, 1.0), 3)) for a, b in sorted(near_pairs)],
        "a string, b string, similarity double",
    )
    for url, exact in ((True, True), (True, False), (False, True)):
        cfg = dedup.DedupConfig(url=url, exact=exact)
        identity = [
            dedup._group_edges(nodes, k)
            for k, on in (("_url_key", url), ("_exact_key", exact))
            if on
        ]
        edges = identity[0] if len(identity) == 1 else identity[0].unionByName(identity[1])
        in_spark = dedup._place_in_spark(members, edges, near, cfg)
        spark_counts = in_spark.groupBy(F.col("kept_doc_id").alias("doc_id")).agg(
            (F.count("*") + 1).alias("n")
        )
        duplicates, removed, counts = dedup._solve_on_driver(members, edges, near, cfg)
        expected = sorted(tuple(r) for r in in_spark.collect())
        assert sorted(tuple(r) for r in duplicates.collect()) == expected
        assert sorted(r[0] for r in removed.collect()) == sorted(r[0] for r in expected)
        assert sorted(tuple(r) for r in counts.collect()) == sorted(
            tuple(r) for r in spark_counts.collect()
        )
        methods = {r[2] for r in expected}
        assert "near" in methods and ({"url"} if url else {"exact"}) <= methods, methods
    # No links at all: empty frames, not an error.
    no_links = spark.createDataFrame([], "a string, b string")
    found = dedup._solve_on_driver(members, no_links, None, dedup.DedupConfig())
    assert [frame.count() for frame in found] == [0, 0, 0]


def test_placement_names_how_a_removed_document_relates_to_the_kept_one():
    """Known answers: a page's copy at its URL is `url`; an exact copy of the losing page
    at that URL reaches the kept page only through the URL (`url`, or `exact` when it has
    no URL); a group removed by a similar group points to that group's best document
    with the pair's similarity."""
    N = D.Node
    nodes = {
        "p1": N((0, "p1"), "U", "E1"),
        "p2": N((1, "p2"), "U", "E2"),
        "q": N((2, "q"), "V", "E2"),
        "r": N((3, "r"), None, "E2"),
        "s": N((4, "s"), "W", "E9"),
        "t": N((5, "t"), "W", "E8"),
    }
    links = [
        ("p1", "p2", None),
        ("p2", "q", None),
        ("q", "r", None),
        ("s", "t", None),
        ("t", "q", 0.85),
    ]
    rows = D.place_duplicates(nodes, links, url=True, exact=True, max_rounds=5)
    assert rows == [
        ("p2", "p1", "url", 1.0),
        ("q", "p1", "url", 1.0),
        ("r", "p1", "exact", 1.0),
        ("s", "p1", "near", 0.85),
        ("t", "p1", "near", 0.85),
    ]
