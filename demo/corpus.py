"""The demo corpus: a seeded mix of clean prose and every defect the pipeline must handle,
written with its ground truth.

    python -m demo.corpus --docs 4000 --out demo-data

writes
    demo-data/corpus/<source>.jsonl.gz   the input (fields: id, url, text, date; some lines broken)
    demo-data/truth.jsonl                one line per document id: kind, lang, defects, duplicate links
    demo-data/truth_summary.json         counts per kind and the broken lines per expected ingest reason
    demo-data/reference/{en,zh}.jsonl    clean reference prose (for training the language models)
    demo-data/benchmarks/science.jsonl   stand-in benchmark items (the score step's similarity)

Kinds and what the pipeline is expected to do with them:
    clean            plain prose                                      keep
    traditional      zh prose in Traditional characters               keep, converted to Simplified
    repairable       prose with HTML remnants, control chars, ANSI
                     codes, emoji/emoticons, mojibake                 keep, repaired by clean
    pii              prose with emails, phones, ID and card numbers   keep, PII masked by filter
    other_lang       fr/de/es/ru/ja/ko prose                          reject at clean (lang_not_allowed)
    short            a few characters                                 reject at clean
    ad, nav, form, toxic, garbled                                     reject at filter
    exact_dup        copy of another document (maybe differing only
                     in punctuation, emoji or whitespace)             duplicate (exact) of `dup_of`
    near_dup         lightly edited copy                              duplicate (near) of `dup_of`
    url_dup          same URL (up to normalisation), new text         duplicate (url) of `dup_of`
    near_miss        shares a paragraph with `similar_to` only        keep (not a duplicate)
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import string
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from demo import prose

SEED = 20231106  # the Ziya2 paper's arXiv month, as good a seed as any

# Share of each generated kind (the rest is clean prose).
MIX = {
    "traditional": 0.04,
    "other_lang": 0.03,
    "short": 0.02,
    "repairable": 0.08,
    "pii": 0.03,
    "ad": 0.025,
    "nav": 0.025,
    "form": 0.015,
    "toxic": 0.02,
    "garbled": 0.02,
    "exact_dup": 0.04,
    "near_dup": 0.04,
    "url_dup": 0.02,
    "near_miss": 0.02,
}
BROKEN_LINE_SHARE = 0.005

EMOJI = ["😀", "🎉", "👍", "🔥", "❤️", "🙏", "😂", "🚀", "✨", "🌟", "👏🏽", "🇨🇳"]
EMOTICONS = [":-)", ";)", "(^_^)", "^_^", ":D", "T_T", "(╯°□°）╯", "o(*^▽^*)o"]
CONTROL = [
    "\x00",
    "\x01",
    "\x07",
    "\x08",
    "\x0b",
    "\x0c",
    "\x1f",
    "\x7f",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\ue000",
]
ANSI = ["\x1b[31m", "\x1b[1;32m", "\x1b[0m", "\x1b[4m", "\x1b[2J", "\x1b[0;33;40m"]
# Inline markup lands between words; block tags wrap whole paragraphs (as on real pages).
HTML_INLINE = [
    "&nbsp;",
    "&amp;",
    "&quot;",
    '<span style="color:red">',
    "</span>",
    '<a href="/next">',
    "</a>",
    "<b>",
]

EN_ADS = [
    "BUY NOW and save 70% on all watches!!!",
    "Limited time offer: free shipping on every order.",
    "Click here to claim your free gift card today.",
    "Best price guaranteed, order before midnight.",
    "Call our hotline now for a special discount.",
    "Online casino bonus: deposit 10 and get 100 free spins.",
    "Cheap loans approved in 5 minutes, no credit check.",
    "Lose 10 kg in one week with our miracle pills.",
]
ZH_ADS = [
    "限时特价！全场商品一律五折，先到先得！",
    "点击领取优惠券，下单立减一百元。",
    "加微信咨询，免费送小礼品。",
    "全场包邮，买一送一，数量有限！",
    "澳门在线赌场，注册即送彩金，百家乐真人投注。",
    "低价代开发票，联系客服QQ。",
    "无抵押贷款，五分钟到账，不看征信。",
    "祖传秘方，一周瘦十斤，无效退款。",
]
EN_NAV = [
    "Home",
    "News",
    "Sports",
    "Business",
    "Weather",
    "Contact us",
    "About",
    "Login",
    "Register",
    "Sitemap",
    "Privacy policy",
    "Terms of use",
    "Careers",
    "Help",
    "Subscribe",
    "Search",
]
ZH_NAV = [
    "首页",
    "新闻",
    "体育",
    "财经",
    "娱乐",
    "科技",
    "登录",
    "注册",
    "联系我们",
    "关于我们",
    "网站地图",
    "隐私政策",
    "帮助中心",
    "返回顶部",
    "上一篇",
    "下一篇",
]
EN_FORM = [
    "Name: ________",
    "Email: ________",
    "Password: ________",
    "Confirm password: ________",
    "Phone: ________",
    "[ Submit ]  [ Reset ]",
    "Required fields are marked *",
    "Remember me",
    "Forgot your password?",
    "Enter the code shown above:",
]
ZH_FORM = [
    "用户名：________",
    "密码：________",
    "确认密码：________",
    "手机号：________",
    "验证码：________",
    "【提交】【重置】",
    "带*号为必填项",
    "记住我",
    "忘记密码？",
    "请输入上方图片中的字符：",
]
EN_TOXIC = [
    "They should kill them all and burn the village.",
    "Here is how to build a bomb at home.",
    "Join the terrorist attack planned for Friday.",
    "Those people are subhuman vermin.",
    "Watch free porn videos and nude cams here.",
    "We will massacre every one of them.",
]
ZH_TOXIC = [
    "把他们全部杀光，一个不留。",
    "教你在家制作炸弹的详细方法。",
    "周五的恐怖袭击计划已经定好了。",
    "那些人都是低等民族，不配活着。",
    "免费色情视频，裸聊约炮点这里。",
    "我们要血洗整个村子。",
]
GARBLE_ZH = "锟斤拷烫屯鐨勬槸浣犵殑鍚嶅瓧"


def sloppy_cp1252(data: bytes) -> str:
    """Bytes read as Windows-1252, its five undefined bytes taken as Latin-1 (as browsers do)."""
    return "".join(
        chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252") for b in data
    )


@dataclass
class Doc:
    id: str
    source: str
    lang: str
    kind: str
    text: str
    url: str
    date: str
    defects: list[str] = field(default_factory=list)
    dup_of: str | None = None
    similar_to: str | None = None

    def record(self) -> dict:
        return {"id": self.id, "url": self.url, "text": self.text, "date": self.date}

    def truth(self) -> dict:
        return {
            "id": self.id,
            "source": self.source,
            "lang": self.lang,
            "kind": self.kind,
            "url": self.url,
            "defects": self.defects,
            "dup_of": self.dup_of,
            "similar_to": self.similar_to,
        }


class Generator:
    def __init__(self, seed: int = SEED):
        self.rng = random.Random(seed)
        self.counter = 0
        self._s2t = None  # OpenCC converter, built on first use

    # ------------------------------------------------------------ basics

    def _id(self, source: str) -> str:
        self.counter += 1
        return f"{source}-{self.counter:07d}"

    def _date(self) -> str:
        return f"2023-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"

    def _url(self, source: str, doc_id: str) -> str:
        host = {
            "news_en": "news.example.com",
            "web_en": "www.example.org",
            "news_zh": "news.example.cn",
            "web_zh": "www.example.com.cn",
            "forum": "bbs.example.net",
            "wiki_tw": "wiki.example.tw",
        }[source]
        slug = "".join(self.rng.choice(string.ascii_lowercase) for _ in range(8))
        return (
            f"https://{host}/{self.rng.randint(2019, 2023)}/{slug}-{doc_id.rsplit('-', 1)[1]}.html"
        )

    def prose(self, lang: str) -> str:
        return prose.en_document(self.rng) if lang == "en" else prose.zh_document(self.rng)

    def new(self, source: str, lang: str, kind: str, text: str, **kw) -> Doc:
        doc_id = self._id(source)
        return Doc(
            doc_id,
            source,
            lang,
            kind,
            text,
            kw.pop("url", None) or self._url(source, doc_id),
            self._date(),
            **kw,
        )

    # ------------------------------------------------------------ kinds

    def clean(self, lang: str) -> Doc:
        return self.new("news_en" if lang == "en" else "news_zh", lang, "clean", self.prose(lang))

    def traditional(self) -> Doc:
        if self._s2t is None:
            import opencc

            self._s2t = opencc.OpenCC("s2t")
        return self.new(
            "wiki_tw",
            "zh",
            "traditional",
            self._s2t.convert(self.prose("zh")),
            defects=["traditional"],
        )

    def other_lang(self) -> Doc:
        lang = self.rng.choice(sorted(prose.OTHER_LANGUAGES))
        return self.new(
            "forum",
            lang,
            "other_lang",
            prose.other_document(self.rng, lang),
            defects=["other_lang"],
        )

    def short(self) -> Doc:
        lang = self.rng.choice(["en", "zh"])
        text = self.rng.choice(
            ["ok", "Thanks!", "lol", "+1", "bump"]
            if lang == "en"
            else ["好的", "顶", "哈哈哈", "谢谢", "沙发"]
        )
        return self.new("forum", lang, "short", text, defects=["short"])

    def _insert_between_words(self, text: str, pieces: list[str], count: int, lang: str) -> str:
        if lang == "zh":
            # After sentence ends, so no word is split.
            parts = text.split("。")
            for _ in range(count):
                i = self.rng.randrange(len(parts))
                parts[i] = parts[i] + self.rng.choice(pieces)
            return "。".join(parts)
        words = text.split(" ")
        for _ in range(count):
            i = self.rng.randrange(len(words))
            words[i] = words[i] + " " + self.rng.choice(pieces)
        return " ".join(words)

    def repairable(self, lang: str) -> Doc:
        base = self.prose(lang)
        defect = self.rng.choice(["html", "control", "ansi", "emoji", "mojibake"])
        if defect == "html":
            sep = "\n\n" if lang == "en" else "\n"
            wrapped = sep.join(f'<div class="para"><p>{p}</p></div>' for p in base.split(sep))
            text = self._insert_between_words(wrapped, HTML_INLINE, 6, lang)
        elif defect == "control":
            text = self._insert_between_words(base, CONTROL, 8, lang)
        elif defect == "ansi":
            text = self._insert_between_words(base, ANSI, 6, lang)
        elif defect == "emoji":
            text = self._insert_between_words(base, EMOJI + EMOTICONS, 6, lang)
        else:
            # UTF-8 bytes read as Windows-1252 in one paragraph: the classic mojibake.
            paras = base.split("\n")
            i = self.rng.randrange(len(paras))
            accented = paras[i] + (
                " Café owners in Zürich were naïve about it." if lang == "en" else ""
            )
            paras[i] = sloppy_cp1252(accented.encode("utf-8"))
            text = "\n".join(paras)
        source = "web_en" if lang == "en" else "web_zh"
        return self.new(source, lang, "repairable", text, defects=[defect])

    def pii(self, lang: str) -> Doc:
        base = self.prose(lang)
        items = [
            self._email(),
            self._cn_mobile(),
            self._cn_landline(),
            self._intl_phone(),
            self._cn_id(),
            self._card(),
        ]
        chosen = self.rng.sample(items, 3)
        if lang == "en":
            line = f"For details contact {chosen[0]} or call {chosen[1]}. Reference number {chosen[2]}."
        else:
            line = f"详情请联系{chosen[0]}，或致电{chosen[1]}，登记号码{chosen[2]}。"
        sep = "\n\n" if lang == "en" else "\n"
        return self.new(
            "web_en" if lang == "en" else "web_zh", lang, "pii", base + sep + line, defects=["pii"]
        )

    def _email(self) -> str:
        user = "".join(
            self.rng.choice(string.ascii_lowercase) for _ in range(self.rng.randint(4, 9))
        )
        return f"{user}{self.rng.randint(1, 99)}@{self.rng.choice(['mail.example.com', 'qq.example.cn', 'corp.example.org'])}"

    def _cn_mobile(self) -> str:
        return (
            "1"
            + self.rng.choice("3456789")
            + "".join(self.rng.choice(string.digits) for _ in range(9))
        )

    def _cn_landline(self) -> str:
        return (
            f"0{self.rng.choice(['10', '21', '755', '571'])}-{self.rng.randint(2000000, 89999999)}"
        )

    def _intl_phone(self) -> str:
        return f"+1 {self.rng.randint(201, 989)} 555 {self.rng.randint(1000, 9999)}"

    def _cn_id(self) -> str:
        region = self.rng.choice(["110101", "310104", "440305", "330106"])
        birth = f"{self.rng.randint(1950, 2005)}{self.rng.randint(1, 12):02d}{self.rng.randint(1, 28):02d}"
        body = region + birth + f"{self.rng.randint(0, 999):03d}"
        weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
        return body + check

    def _card(self) -> str:
        digits = [6, 2] + [self.rng.randint(0, 9) for _ in range(13)]
        total = 0
        for i, d in enumerate(reversed(digits)):
            total += (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 == 0 else d
        return "".join(map(str, digits)) + str((10 - total % 10) % 10)

    def junk(self, kind: str, lang: str) -> Doc:
        source = "web_en" if lang == "en" else "web_zh"
        en = lang == "en"
        if kind == "ad":
            lines = self.rng.sample(EN_ADS if en else ZH_ADS, self.rng.randint(5, 8))
            lines.append(self._cn_mobile() if not en else "Hotline: 1-800-555-0199")
            text = "\n".join(lines)
        elif kind == "nav":
            items = EN_NAV if en else ZH_NAV
            lines = [self.rng.choice(items) for _ in range(self.rng.randint(15, 30))]
            lines.insert(self.rng.randrange(len(lines)), " | ".join(self.rng.sample(items, 6)))
            text = "\n".join(lines)
        elif kind == "form":
            text = "\n".join(self.rng.sample(EN_FORM if en else ZH_FORM, self.rng.randint(6, 10)))
        elif kind == "toxic":
            base = self.prose(lang).split("\n\n" if en else "\n")[0]
            picked = self.rng.sample(EN_TOXIC if en else ZH_TOXIC, 6)
            join, sep = (" ", "\n\n") if en else ("", "\n")
            text = join.join(picked[:3]) + sep + base + sep + join.join(picked[3:])
        else:  # garbled
            if en:
                words = [
                    "".join(self.rng.choice("qxzjkvbwptrnm") for _ in range(self.rng.randint(3, 9)))
                    for _ in range(self.rng.randint(80, 200))
                ]
                text = " ".join(words) + " ï¿½ï¿½ Ã¢â‚¬Å“ " * 5
            else:
                text = "".join(
                    self.rng.choice(GARBLE_ZH) for _ in range(self.rng.randint(200, 500))
                )
        return self.new(source, lang, kind, text, defects=[kind])

    # ------------------------------------------------------------ duplicates

    def exact_dup(self, original: Doc) -> Doc:
        variant = self.rng.choice(["identical", "punctuation", "emoji", "whitespace"])
        text = original.text
        if variant == "punctuation":
            text = text.replace(",", "").replace("，", "、").replace(".", "!").replace("。", "！")
        elif variant == "emoji":
            text = self._insert_between_words(text, EMOJI, 4, original.lang)
        elif variant == "whitespace":
            text = text.replace(" ", "  ").replace("\n", "\n\n")
        return self.new(
            original.source, original.lang, "exact_dup", text, dup_of=original.id, defects=[variant]
        )

    def near_dup(self, original: Doc) -> Doc:
        if original.lang == "en":
            words = original.text.split(" ")
            for _ in range(max(1, len(words) // 60)):
                i = self.rng.randrange(len(words))
                words[i] = self.rng.choice(["also", "still", "again", "now", "indeed"])
            text = " ".join(words) + "\n\nThis article was updated with new figures."
        else:
            sentences = original.text.split("。")
            i = self.rng.randrange(len(sentences))
            sentences[i] = sentences[i].replace("的", "之", 1) + "，记者注意到"
            text = "。".join(sentences) + "\n（本文已更新）"
        return self.new(
            original.source,
            original.lang,
            "near_dup",
            text,
            dup_of=original.id,
            defects=["near_dup"],
        )

    def url_dup(self, original: Doc) -> Doc:
        url = original.url.replace("https://", self.rng.choice(["http://", "HTTPS://"]))
        host = url.split("/")[2]
        if host.lower().startswith("www."):
            url = url.replace(host, host[4:], 1)
        url += self.rng.choice(
            ["?utm_source=feed&utm_medium=rss", "#comments", "?utm_campaign=spring"]
        )
        # New text on the same page: an updated version that is not a textual copy.
        return self.new(
            original.source,
            original.lang,
            "url_dup",
            self.prose(original.lang),
            url=url,
            dup_of=original.id,
            defects=["same_url"],
        )

    def near_miss(self, original: Doc) -> Doc:
        sep = "\n\n" if original.lang == "en" else "\n"
        first = original.text.split(sep)[0]
        rest = self.prose(original.lang).split(sep)[1:]
        return self.new(
            original.source,
            original.lang,
            "near_miss",
            sep.join([first, *rest]),
            similar_to=original.id,
            defects=["shares_a_paragraph"],
        )

    # ------------------------------------------------------------ corpus

    def corpus(self, n_docs: int) -> list[Doc]:
        counts = {kind: max(1, round(n_docs * share)) for kind, share in MIX.items()}
        n_clean = max(10, n_docs - sum(counts.values()))
        docs = [self.clean("en" if i % 2 == 0 else "zh") for i in range(n_clean)]
        originals = docs[:]  # duplicates and near misses derive from clean documents
        for kind, count in counts.items():
            for _ in range(count):
                lang = self.rng.choice(["en", "zh"])
                if kind == "traditional":
                    docs.append(self.traditional())
                elif kind == "other_lang":
                    docs.append(self.other_lang())
                elif kind == "short":
                    docs.append(self.short())
                elif kind == "repairable":
                    docs.append(self.repairable(lang))
                elif kind == "pii":
                    docs.append(self.pii(lang))
                elif kind in ("ad", "nav", "form", "toxic", "garbled"):
                    docs.append(self.junk(kind, lang))
                else:
                    original = self.rng.choice(originals)
                    docs.append(getattr(self, kind)(original))
        self.rng.shuffle(docs)
        return docs

    def broken_lines(self, n: int) -> list[tuple[bytes, str]]:
        """Lines ingest must reject, with the reason it must give."""
        out = []
        for i in range(n):
            kind = i % 5
            if kind == 0:
                out.append(
                    (b'{"id": "broken-%d", "text": "an unterminated string' % i, "malformed_json")
                )
            elif kind == 1:
                out.append(
                    (b'{"id": "broken-%d", "text": "bad bytes \xff\xfe here"}' % i, "invalid_utf8")
                )
            elif kind == 2:
                out.append((b'{"id": "broken-%d", "body": "no text field"}' % i, "missing_text"))
            elif kind == 3:
                out.append((b'{"id": "broken-%d", "text": "   "}' % i, "empty_text"))
            else:
                out.append((b'["not", "an", "object", %d]' % i, "json_not_an_object"))
        return out


def write_benchmark(path: Path, seed: int, items_per_lang: int = 40) -> None:
    """A stand-in for a downstream benchmark's test items, for the score step's similarity:
    single sentences on the science topic in both languages."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for lang, sentence, topic in (
            ("en", prose.en_sentence, "science"),
            ("zh", prose.zh_sentence, "科技"),
        ):
            for i in range(items_per_lang):
                item = {"id": f"science-{lang}-{i}", "lang": lang, "text": sentence(rng, topic)}
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")


def write(out: Path, n_docs: int, seed: int = SEED, reference_docs: int = 600) -> dict:
    gen = Generator(seed)
    docs = gen.corpus(n_docs)
    broken = gen.broken_lines(max(5, round(n_docs * BROKEN_LINE_SHARE)))
    corpus_dir = out / "corpus"
    corpus_dir.mkdir(parents=True, exist_ok=True)
    for old in corpus_dir.glob("*.jsonl.gz"):
        old.unlink()
    by_source: dict[str, list[bytes]] = {}
    for doc in docs:
        by_source.setdefault(doc.source, []).append(
            json.dumps(doc.record(), ensure_ascii=False).encode()
        )
    web = sorted(s for s in by_source if s.startswith("web_"))
    for i, (line, _) in enumerate(broken):
        lines = by_source[web[i % len(web)]]
        lines.insert(gen.rng.randrange(len(lines) + 1), line)
    for source, lines in by_source.items():
        # mtime=0 keeps the files byte-identical for the same seed.
        with (
            open(corpus_dir / f"{source}.jsonl.gz", "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh,
        ):
            fh.write(b"\n".join(lines) + b"\n")
    with open(out / "truth.jsonl", "w", encoding="utf-8") as fh:
        for doc in sorted(docs, key=lambda d: d.id):
            fh.write(json.dumps(doc.truth(), ensure_ascii=False) + "\n")
    ref_dir = out / "reference"
    ref_dir.mkdir(exist_ok=True)
    ref_gen = Generator(seed + 1)
    for lang in ("en", "zh"):
        with open(ref_dir / f"{lang}.jsonl", "w", encoding="utf-8") as fh:
            for i in range(reference_docs):
                fh.write(
                    json.dumps(
                        {"id": f"ref-{lang}-{i}", "text": ref_gen.prose(lang)}, ensure_ascii=False
                    )
                    + "\n"
                )
    write_benchmark(out / "benchmarks" / "science.jsonl", seed + 2)
    summary = {
        "seed": seed,
        "documents": len(docs),
        "broken_lines": dict(Counter(reason for _, reason in broken)),
        "input_lines": len(docs) + len(broken),
        "kinds": dict(sorted(Counter(d.kind for d in docs).items())),
        "sources": dict(sorted(Counter(d.source for d in docs).items())),
    }
    (out / "truth_summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    )
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=4000, help="number of documents (default 4000)")
    parser.add_argument("--out", default="demo-data", help="output folder (default demo-data)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    summary = write(Path(args.out), args.docs, args.seed)
    print(
        f"demo corpus: {summary['documents']} documents + {sum(summary['broken_lines'].values())} broken lines "
        f"-> {args.out}/corpus"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
