"""Chinese names of the shapes the first recognizer missed: names with no cue in prose (an
object after 等/给/把, a name the segmenter glued a particle to), 阿/小/老 forms, compound and
rarer surnames, names in Chinese characters inside English text, transliterated names; and
the ordinary words beside them that must stay unmasked."""

from __future__ import annotations

import pytest

from appliance.privacy.normalize import normalize
from appliance.privacy.recognizers_zh_names import CnNameSegmentRecognizer
from tests.unit.test_recognizers_zh import names_in as names_of


@pytest.fixture(scope="module")
def rec() -> CnNameSegmentRecognizer:
    recognizer = CnNameSegmentRecognizer()
    recognizer.load()
    return recognizer


def names_in(rec: CnNameSegmentRecognizer, text: str) -> list[str]:
    """What the recognizer finds in the analyzer's view of ``text`` at the default threshold,
    overlapping findings merged."""
    return names_of(rec, normalize(text).text)


@pytest.mark.parametrize(("text", "name"), [
    ("大家都在等曾涵。", "曾涵"),            # 曾 is a word first ("once"); 曾涵 a new word
    ("她嫁给了池然。", "池然"),
    ("钱蕾撤回了一条消息", "钱蕾"),          # what a chat says a person did
    ("常浩在群里说今天不加班了。", "常浩"),    # the segmenter glued 在 on: 常浩在
    ("让龙浩去处理。", "龙浩"),              # ... and 去: 龙浩去
])
def test_a_new_word_shaped_like_a_name(rec: CnNameSegmentRecognizer, text: str, name: str) -> None:
    assert [name] == names_in(rec, text)


@pytest.mark.parametrize(("text", "name"), [
    ("阿芳：我到楼下了", "阿芳"), ("阿彬的店今天没开门。", "阿彬"),
    ("小雲，帮我拿一下。", "小云"),          # 云 is a surname only after a cue elsewhere
    ("老陈家在三楼。", "老陈"),              # 陈家 "the Chen family" is a word
])
def test_a_xiao_lao_or_a_form(rec: CnNameSegmentRecognizer, text: str, name: str) -> None:
    assert [name] == names_in(rec, text)


@pytest.mark.parametrize(("text", "name"), [
    ("让上官雪胜去处理。", "上官雪胜"),       # 上官/雪胜去: the given name glued to 去
    ("公羊淑美昨天来过。", "公羊淑美"),       # a compound surname the cue list lacks
    ("请把文件交给鹿玉珍。", "鹿玉珍"),       # a rarer surname in a person's frame
    ("练桂兰写了一份报告。", "练桂兰"),
])
def test_compound_and_rarer_surnames(rec: CnNameSegmentRecognizer, text: str, name: str) -> None:
    assert [name] == names_in(rec, text)


@pytest.mark.parametrize(("text", "name"), [
    ("感謝邱婧的協助！", "邱婧"), ("桑萱 is our new product manager.", "桑萱"),
])
def test_given_name_characters_of_recent_names(rec: CnNameSegmentRecognizer, text: str, name: str) -> None:
    """婧 and 萱 are common in names given since the 1990s; the dictionary hardly has them."""
    assert [name] == names_in(rec, text)


@pytest.mark.parametrize(("text", "name"), [
    ("Please ask 冼思凯 to sign.", "冼思凯"),   # 冼 is hardly a word of its own
    ("Assigned to 母嘉毅.", "母嘉毅"),
    ("According to 曾建国, the build is broken.", "曾建国"),   # 建国 is a frequent word
    ("@謝聰明 can you check this?", "谢聪明"),
    ("Q: Who is the driver?\nA: 李宗翰", "李宗翰"),   # a person the dictionary lists
])
def test_a_chinese_name_in_english_text(rec: CnNameSegmentRecognizer, text: str, name: str) -> None:
    assert [name] == names_in(rec, text)


def test_transliterated_names() -> None:
    """A dotted name whose first part holds characters of function words elsewhere (不, 都),
    and the names without a Han surname listed beside it."""
    rec = CnNameSegmentRecognizer()
    rec.load()
    assert ["阿不都·热合曼"] == names_in(rec, "阿不都·热合曼明天到北京。")
    assert ["阿不都·热合曼", "格桑梅朵", "巴特尔"] == names_in(
        rec, "阿不都·热合曼、格桑梅朵和巴特尔三人获得一等奖。")


@pytest.mark.parametrize("text", [
    "我今天很高兴。", "这个王国的周末很方便。", "我们马上去林业局。", "请输入 PIN 以解锁这张卡",
    "圣巴泰勒米岛", "当鼠标掠过时可激活图标是否高亮", "储存区的路径", "利用 FILE 来映射 UID 和名称",
    "注意：若指定的指令调整了缓冲区", "任何复制的子模组都将使用远端分支",
    "操作符ANY/ALL (array)要求数组在右边", "--LTYPE-line-format=LFMT 使用 LFMT 格式化 LTYPE 输入行",
    "Portuguese (Macintosh, 无死键)", "Usage: %s [OPTION] [[文本域] MSGID]",
    "Translate 用户名 and 朋友们 please", "黄金价格上涨", "于是大家都走了", "白天很热",
    # ordinary words the rules for names without a frame took in while they were written
    "指定为某共享对象符号表的过滤器", "符合子部件未生效时的高宽比", "重命名包至 '%s' 失败",
    "显示文件每一行最后修改的版本和修改者", "特伦蒂诺-上阿迪杰", "圣基茨和尼维斯", "千里达及托巴哥",
    "许可证 GPLv3+: GNU GPL version 3", "export PGDATANEW=新集群/data",
])
def test_words_that_stay_unmasked(rec: CnNameSegmentRecognizer, text: str) -> None:
    assert [] == names_in(rec, text)
