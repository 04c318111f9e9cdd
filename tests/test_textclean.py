"""Each clean operation on hand-made zh and en text with its exact expected output."""

import pytest

from ziya_data.udfs import textclean as T


def test_strip_bom():
    assert T.strip_bom("\ufeffHello") == "Hello"
    assert T.strip_bom("\ufeff你好") == "你好"


@pytest.mark.parametrize(
    "bad, good",
    [
        ("The cafÃ© in ZÃ¼rich was naÃ¯ve.", "The café in Zürich was naïve."),
        ("ä¸­æ–‡ç½‘é¡µ", "中文网页"),
        ("Plain ASCII stays.", "Plain ASCII stays."),
        ("Crème brûlée is fine already.", "Crème brûlée is fine already."),
    ],
)
def test_fix_mojibake(bad, good):
    assert T.fix_mojibake(bad) == good


def test_strip_ansi():
    assert T.strip_ansi("a \x1b[31mred\x1b[0m word") == "a red word"
    assert T.strip_ansi("\x1b[1;32m绿色\x1b[0m的字\x1b[2J") == "绿色的字"
    assert T.strip_ansi("title\x1b]0;window\x07 end") == "title end"


def test_strip_html():
    assert (
        T.strip_html('<div class="x">Hello&nbsp;world &amp; more</div>')
        == "\nHello\xa0world & more\n"
    )
    assert T.strip_html("<p>第一段</p><p>第二段<br/>换行</p>") == "\n第一段\n\n第二段\n换行\n"
    assert T.strip_html("a <span style='c'>b</span> <!-- note --> c") == "a b   c"
    assert T.strip_html("x<script>var a = 1 < 2;</script>y") == "x y"
    assert T.strip_html("3 < 5 and 7 > 2") == "3 < 5 and 7 > 2"  # not markup
    assert T.strip_html("&lt;b&gt;bold&lt;/b&gt;") == "bold"


def test_remove_control_chars():
    assert T.remove_control_chars("a\x00b\x07c\x7fd\u200be\ue000f\u202eg") == "abcdefg"
    assert T.remove_control_chars("中\u200d文\ufeff字\x0c") == "中文字"
    assert (
        T.remove_control_chars("keep\ttab\nand newline\r\nCRLF\rCR")
        == "keep\ttab\nand newline\nCRLF\nCR"
    )


def test_remove_emoji_and_emoticons():
    assert T.remove_emoji("Great day 😀🎉 ok 👍🏽 fine") == "Great day  ok  fine"
    assert T.remove_emoji("flag 🇨🇳 heart ❤️ family 👨‍👩‍👧 key 1️⃣") == "flag  heart  family  key "
    assert T.remove_emoji("nice :-) and ;) also :D") == "nice  and  also "
    assert (
        T.remove_emoji("好的^_^ 哭了T_T 开心(^_^) 掀桌(╯°□°）╯ 比心o(*^▽^*)o")
        == "好的 哭了 开心 掀桌 比心"
    )
    # Not emoticons: list markers, times, ratios, code.
    assert (
        T.remove_emoji("see (1) and (a); at 10:30; ratio 3:2; f(x)")
        == "see (1) and (a); at 10:30; ratio 3:2; f(x)"
    )


def test_remove_special_symbols():
    assert T.remove_special_symbols("■■ 新闻 ◆ 头条 →") == "  新闻   头条  "
    assert T.remove_special_symbols("25℃, © 2024, ¥30, 5°, 2×3") == "25℃, © 2024, ¥30, 5°, 2×3"


def test_normalize_unicode_en_and_zh():
    assert T.normalize_unicode("Ｈｅｌｌｏ，ｗｏｒｌｄ！１２３ ﬁne", "en") == "Hello,world!123 fine"
    # zh keeps full-width punctuation but narrows letters and digits.
    assert T.normalize_unicode("价格：ＲＭＢ１２３元！（含税）", "zh") == "价格：RMB123元！（含税）"
    assert T.normalize_unicode("已经规范的文本。", "zh") == "已经规范的文本。"


def test_to_simplified():
    assert T.to_simplified("今天天氣很好，我們去公園吧！") == "今天天气很好，我们去公园吧！"
    assert T.to_simplified("這個軟體的資料庫", "tw2sp") == "这个软件的数据库"
    assert T.to_simplified("简体中文保持不变。") == "简体中文保持不变。"


def test_fix_punctuation():
    assert (
        T.fix_punctuation("Wait!!! Really?!?! Yes .... ok , fine", "en")
        == "Wait! Really? Yes ... ok, fine"
    )
    assert (
        T.fix_punctuation("真的吗？？？好的。。。。。太棒了！！", "zh") == "真的吗？好的。太棒了！"
    )
    assert T.fix_punctuation("你好,世界!这是测试:好的", "zh") == "你好，世界！这是测试：好的"
    assert T.fix_punctuation("，开头的逗号\n=========\n正文……", "zh") == "开头的逗号\n \n正文……"
    assert T.fix_punctuation("Version 1.2.3, e.g. this...", "en") == "Version 1.2.3, e.g. this..."
    # A mixed pair is the only run: the gate must let it through on its own.
    assert T.fix_punctuation("Really?! Sure.", "en") == "Really? Sure."
    assert T.fix_punctuation("真的！？好", "zh") == "真的！好"
    assert T.fix_punctuation("Done… ?", "en") == "Done… ?"  # a mark, a space, a mark: no run


def test_normalize_whitespace():
    assert T.normalize_whitespace("  a \t b\u3000c  \n\n\n\n d \u2028e  ") == "a b c\n\nd\ne"
    assert T.normalize_whitespace("第一段\n\n\n第二段") == "第一段\n\n第二段"


def test_clean_document_reports_operations_and_measures():
    r = T.clean_document("\ufeff<p>今天天氣很好，我們去公園吧！！！</p>\x1b[0m 大家都很開心😀")
    assert r.lang == "zh" and r.text == "今天天气很好，我们去公园吧！\n大家都很开心"
    assert r.chars == len("今天天气很好，我们去公园吧！大家都很开心")
    assert r.operations == [
        "strip_bom",
        "strip_ansi",
        "strip_html",
        "remove_emoji",
        "to_simplified",
        "fix_punctuation",
        "normalize_whitespace",
    ]
    # Work stops where the job will reject: too short for a language, or not a kept one.
    short = T.clean_document("ok 👍")
    assert (short.text, short.lang, short.pre_chars, short.operations) == (
        None,
        None,
        2,
        ["remove_emoji"],
    )
    assert T.clean_document("😀😀😀").pre_chars == 0
    german = T.clean_document("Der Stadtrat hat gestern einen neuen Plan vorgestellt.")
    assert (german.text, german.lang, german.chars) == (None, "de", None)
    unchanged = "The council met on Monday. It approved the budget for the parks."
    assert T.clean_document(unchanged) == T.CleanResult(
        unchanged, "en", T.clean_document(unchanged).lang_score, 53, 53, []
    )
    # a batch gives each document what it gets alone, whatever stops where
    batch = [
        "\ufeff<p>今天天氣很好，我們去公園吧！！！</p> 大家都很開心😀", "ok 👍", "😀😀😀", "",
        "Der Stadtrat hat gestern einen neuen Plan vorgestellt.", unchanged,
        "使用 gdm3 启动 X 会话时，你必须安装 menu-xdg 软件包，然后运行 apt-get install 命令。",
    ]  # fmt: skip
    assert T.clean_documents(batch) == [T.clean_document(t) for t in batch]
    assert [r.lang for r in T.clean_documents(batch)] == ["zh", None, None, None, "de", "en", "zh"]
