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


# Issue 37, second round: documents' roles and verbs, rare surnames, Tibetan names, verbs and
# prepositions after a clause's subject; and the ordinary words beside each that must stay.

@pytest.mark.parametrize(("text", "name"), [
    ("被告许文涛辩称其不知情。", "许文涛"),      # court papers: a role before, 辩称 after
    ("快递员莫嘉欣正在派送", "莫嘉欣"),          # a delivery notice's role
    ("骑手章宇祝您用餐愉快", "章宇"),            # ... not 祝您: no given name holds a pronoun
    ("本报记者 沈嘉怡 摄", "沈嘉怡"),            # a role, then the name apart by a space
    ("审判员\u3000高明远", "高明远"),
    ("听说曾建要调走了。", "曾建"),              # 听说 introduces a clause about a person
    ("会议纪要由于振丽整理", "于振丽"),          # 由 + 于振丽, before what a person does
    ("请江秋的家长于下周一到校。", "江秋"),      # kin after 的 say a person; not 于下周
])
def test_a_name_framed_by_a_document_role_or_verb(rec: CnNameSegmentRecognizer, text: str,
                                                  name: str) -> None:
    assert [name] == names_in(rec, text)


@pytest.mark.parametrize(("text", "name"), [
    ("请转告仉志强明天来。", "仉志强"),          # 仉, 缑, 冼: hardly written as words
    ("缑丽娟的电话打不通。", "缑丽娟"),
    ("冼思敏认为可以。", "冼思敏"),
    ("让仉建去处理。", "仉建"),                  # two characters, between weak frames
    ("晋涛昨天来过。", "晋涛"),                  # 晋 starts names more than it is a word
    ("雲海子同學：你好！", "云海子"),            # 云/海子: a rarer surname before 同学
])
def test_a_rare_surname_where_a_person_stands(rec: CnNameSegmentRecognizer, text: str,
                                              name: str) -> None:
    assert [name] == names_in(rec, text)


@pytest.mark.parametrize(("text", "name"), [
    ("我和扎西顿珠是同事。", "扎西顿珠"), ("感谢白玛格桑的帮助。", "白玛格桑"),
    ("Please ask 次仁卓玛 to call me.", "次仁卓玛"),
])
def test_tibetan_names_of_two_parts(rec: CnNameSegmentRecognizer, text: str, name: str) -> None:
    assert [name] == names_in(rec, text)


@pytest.mark.parametrize("text", [
    # a frame's last character in a common word with the next (由于), before no verb
    "由于出现了太多错误，处理过程被中止了。", "由於空的動態字串字組替換而無法載入",
    # words before a verb: 查询/指定, 索引/引用, 高亮/显示
    "表记录类型和查询指定记录不匹配", "包括被索引引用到的对象", "高亮显示当前进程和其所有祖先",
    # characters bound in words (执行绪, 馈流) and transliterated places after a rare surname
    "不能啟動執行緒來複製資料", "Atom 聯合供稿饋流", "戈雷尼亚村-波利亚内", "伊納里薩米語",
    "塔沃哈姆莱茨市", "打印机墨用完了。",
    # a pronoun is no given name; 原告方 is the plaintiff's side; one Tibetan part alone
    "'%s' 包含您正在編寫的一個中間版本的信件。", "原告方提交了证据。", "洛桑是瑞士的城市。",
    "被告知会议取消了。", "家长于本周五下午到校。",   # 于/本周: a preposition before a word
    # a common word kept whole by the segmenter, a title after a role (review 54, defect 6)
    "听说明天会下雨。", "听说明年会涨价。", "请 司机 师傅 等一下", "遇到王府井的店",
    "请 班主任 老师 签字",
])
def test_words_beside_the_new_frames_stay_unmasked(rec: CnNameSegmentRecognizer,
                                                    text: str) -> None:
    assert [] == names_in(rec, text)


@pytest.mark.parametrize(("text", "name"), [
    ("听说张伟会来。", "张伟"),            # the frame still finds a name beside those words
    ("请 司机 刘强 等一下", "刘强"),
    ("请 司机 王师傅 等一下", "王师傅"),
])
def test_names_beside_common_words_and_titles(rec: CnNameSegmentRecognizer, text: str,
                                              name: str) -> None:
    assert [name] == names_in(rec, text)
