"""Chinese names in the frames of everyday messages (issue 37): a name called out at the start
of a chat line, nicknames (阿X, 小X, X哥, X姐) as a clause's subject or object, a compound
surname before a given name written twice, a surname an answer speaks of, a surname and an
honorific in a notice, a name after a job title or a role in news and notices, a user
mentioned with @; and beside each the near miss the frame must leave alone (小心, 阿姨, 哥哥,
先生们, 副总裁表示)."""

from __future__ import annotations

import pytest

from appliance.config import PiiConfig
from appliance.privacy.analyzer import Analyzer
from appliance.privacy.masker import mask_texts


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    """The default profile's analyzer, without the PII model (the rules alone)."""
    return Analyzer(PiiConfig(models=()))


def person_spans(analyzer: Analyzer, text: str) -> list[tuple[int, int]]:
    return [(f.start, f.end) for f in mask_texts(analyzer, [text]).findings[0]
            if f.entity_type in {"PERSON", "PERSON_ZH"}]


def masked(analyzer: Analyzer, text: str, name: str, occurrence: int = 0) -> bool:
    """Every character of ``name`` (its ``occurrence``-th in ``text``) lies inside a finding:
    a name masked in half counts as leaked."""
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(name, at + 1)
    spans = person_spans(analyzer, text)
    return all(any(s <= i < e for s, e in spans) for i in range(at, at + len(name)))


def touched(analyzer: Analyzer, text: str, word: str) -> bool:
    """Some character of ``word`` (its first occurrence) lies inside a finding."""
    at = text.index(word)
    return any(s < at + len(word) and at < e for s, e in person_spans(analyzer, text))


# --- a name called out at the start of a chat line --------------------------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("婉清，你爸让你给他回个电话", "婉清"),
    ("小磊你到杭州了没？", "小磊"),
    ("微信：雅琴，明天的会改到下午了", "雅琴"),
    ("A：秀英，你吃饭了吗？", "秀英"),
])
def test_a_name_called_out_at_the_start_of_a_line(analyzer: Analyzer, text: str,
                                                  name: str) -> None:
    assert masked(analyzer, text, name)


@pytest.mark.parametrize(("text", "word"), [
    ("小心，你的包拉链开了", "小心"),            # "careful": a word, not 小 + a name
    ("明天，你记得带伞", "明天"),
    ("解码时，空白字符将被忽略", "解码时"),        # a clause of a manual, not a name
    ("据悉，你们公司下周放假", "据悉"),
])
def test_a_word_opening_a_line_is_no_name_called_out(analyzer: Analyzer, text: str,
                                                     word: str) -> None:
    assert not touched(analyzer, text, word)


# --- nicknames as a clause's subject or object ------------------------------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("群聊：阿杰说他周末去重庆，谁要带特产？", "阿杰"),
    ("胖哥明天给你转账，记得查收", "胖哥"),
    ("谢谢土豆哥帮我修电脑！", "土豆哥"),
    ("涛姐说今晚加班", "涛姐"),
    ("小明说他不来了", "小明"),
])
def test_a_nickname_as_subject_or_object(analyzer: Analyzer, text: str, name: str) -> None:
    assert masked(analyzer, text, name)


@pytest.mark.parametrize(("text", "word"), [
    ("阿姨说明天来打扫", "阿姨"),                # aunt / cleaner: a common noun
    ("哥哥说他今晚不回来", "哥哥"),
    ("大哥明天来吃饭", "大哥"),
    ("帅哥明天有空吗", "帅哥"),                  # a form of address, no name
    ("快递小哥明天上午到", "小哥"),
    ("表姐说她下周结婚", "表姐"),
    ("家姐说她明天回来", "家姐"),                # Cantonese "elder sister"
    ("小兔在草地上吃草", "小兔"),                # an animal: 兔 is hardly a given name's
])
def test_kin_words_and_forms_of_address_are_no_nicknames(analyzer: Analyzer, text: str,
                                                         word: str) -> None:
    assert not touched(analyzer, text, word)


# --- a compound surname and a given name written twice ----------------------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("新同事诸葛亮亮下周一报到。", "诸葛亮亮"),      # the segmenter reads 诸葛亮 / 亮
    ("请司马婷婷到前台领取快递。", "司马婷婷"),
])
def test_a_compound_surname_and_a_doubled_given_name(analyzer: Analyzer, text: str,
                                                     name: str) -> None:
    assert masked(analyzer, text, name)


def test_a_doubled_character_after_a_single_surname_word_is_no_name(analyzer: Analyzer) -> None:
    assert person_spans(analyzer, "大家高高兴兴地回家了。") == []


# --- a surname an answer speaks of ------------------------------------------------------------

@pytest.mark.parametrize(("text", "name", "occurrence"), [
    ("问：您贵姓？\n答：上官婉儿，上官是复姓。", "上官", 1),
    ("我姓欧阳，欧阳修的欧阳。", "欧阳", 0),
])
def test_a_surname_an_answer_speaks_of(analyzer: Analyzer, text: str, name: str,
                                       occurrence: int) -> None:
    assert masked(analyzer, text, name, occurrence)


def test_no_surname_where_an_answer_speaks_of_something_else(analyzer: Analyzer) -> None:
    assert person_spans(analyzer, "这是复姓吗？我姓什么不重要。") == []


# --- a surname and an honorific in a notice ---------------------------------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("【中通快递】傅先生，您的包裹已到驿站，请凭取件码领取。", "傅先生"),
    ("【某某银行】尊敬的蒋女士，您尾号1234的卡片已激活。", "蒋女士"),
    ("苗小姐，您预约的座位已保留。", "苗小姐"),
])
def test_a_surname_and_an_honorific_are_masked_together(analyzer: Analyzer, text: str,
                                                        name: str) -> None:
    assert masked(analyzer, text, name)


def test_honorifics_alone_are_no_names(analyzer: Analyzer) -> None:
    assert person_spans(analyzer, "先生们，女士们，欢迎光临！") == []


# --- a name after a job title or a role in news and notices -----------------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("据报道，某科技公司副总裁钟明轩于昨日出席了发布会。", "钟明轩"),
    ("一名6岁女孩走失，家长蒋丽华请知情人联系。", "蒋丽华"),
    ("该公司发言人秦海涛日前表示，产品将如期上市。", "秦海涛"),
])
def test_a_name_after_a_job_title_or_role(analyzer: Analyzer, text: str, name: str) -> None:
    assert masked(analyzer, text, name)


@pytest.mark.parametrize("text", [
    "据报道，该公司副总裁表示将于昨日公布结果。",
    "家长们请于本周五前提交回执。",
    "家长会于下周三召开。",
])
def test_a_role_without_a_name(analyzer: Analyzer, text: str) -> None:
    assert person_spans(analyzer, text) == []


# --- a user mentioned with @ ------------------------------------------------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("周末聚餐很开心！@邓雨桐 下次我请客", "邓雨桐"),
    ("@胖哥 记得把照片发群里", "胖哥"),
])
def test_a_user_mentioned_by_name(analyzer: Analyzer, text: str, name: str) -> None:
    assert masked(analyzer, text, name)


@pytest.mark.parametrize("text", ["转发@人民日报 的消息", "感谢@央视新闻 的报道"])
def test_an_organisation_mentioned_is_no_person(analyzer: Analyzer, text: str) -> None:
    assert person_spans(analyzer, text) == []


@pytest.mark.parametrize(("text", "name"), [
    ("诸葛亮下午提交了测试报告。", "诸葛亮"),
    ("这笔差旅费由司马光报销。", "司马光"),
    ("会议记录：欧阳修主持，讨论预算。", "欧阳修"),
])
def test_people_the_dictionary_knows_are_names_however_famous(analyzer: Analyzer, text: str,
                                                               name: str) -> None:
    """Writers take famous people's names for anyone's in examples and notes: a three-character
    person of the segmenter's dictionary counts whatever its frequency."""
    assert masked(analyzer, text, name)


@pytest.mark.parametrize("text", [
    "黄金周期间去黄鹤楼，看杜鹃花。", "他在莫斯科读书，喜欢柏拉图。", "提非纳字母 (柏柏尔语)",
    "钟祥市的季后赛门票售罄。",
])
def test_dictionary_places_and_words_stay(analyzer: Analyzer, text: str) -> None:
    assert [] == person_spans(analyzer, text)
