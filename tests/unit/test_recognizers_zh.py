"""Chinese identifiers: resident ID check digit and birth date, mobile formats, bank cards."""

from __future__ import annotations

import datetime as dt

import pytest

from appliance.privacy.recognizers_zh import (
    CnBankCardRecognizer,
    CnMobileRecognizer,
    CnPersonRecognizer,
    CnResidentIdRecognizer,
    luhn_valid,
    resident_id_valid,
)

TODAY = dt.date(2026, 11, 22)


def found(recognizer, text: str) -> list[str]:
    entity = recognizer.supported_entities[0]
    return [text[r.start:r.end] for r in recognizer.analyze(text, [entity])]


@pytest.mark.parametrize(("value", "ok"), [
    ("11010519491231002X", True),    # GB 11643 example, check digit X
    ("11010519491231002x", True),    # lower-case x
    ("110105194912310021", False),   # wrong check digit
    ("110105194902300023", False),   # 30 February
    ("110105203012310029", False),   # born in the future
    ("010105194912310021", False),   # region cannot start with 0
    ("110105491231002", True),       # legacy 15-digit, born 1949-12-31
    ("110105491331002", False),      # legacy with month 13
])
def test_resident_id_validation(value: str, ok: bool) -> None:
    assert ok == resident_id_valid(value, TODAY)


def test_resident_id_in_text_only_when_valid() -> None:
    rec = CnResidentIdRecognizer(today=lambda: TODAY)
    text = "编号11010519491231002X，错号110105194912310021，订单号 202611220001234567"
    assert ["11010519491231002X"] == found(rec, text)


def test_resident_id_near_miss_after_a_cue_word_is_still_masked() -> None:
    """A mistyped check digit right after 身份证号 is somebody's ID all the same: masked at a
    lower score. Without the cue a failed check is not an ID."""
    rec = CnResidentIdRecognizer(today=lambda: TODAY)
    (near,) = rec.analyze("身份证号 110105194912310021", ["CN_RESIDENT_ID"])
    (exact,) = rec.analyze("身份证号 11010519491231002X", ["CN_RESIDENT_ID"])
    assert 0.4 <= near.score < exact.score
    assert [] == found(rec, "流水 110105194912310021")
    assert ["110105 19491231 002X"] == found(rec, "ID card: 110105 19491231 002X")


@pytest.mark.parametrize("number", [
    "13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "+8613800138000",
    "0086-138-0013-8000", "19912345678", "138.0013.8000", "1 3 8 0 0 1 3 8 0 0 0",
    "(+86) 138 0013 8000",
])
def test_mobile_formats(number: str) -> None:
    assert [number] == found(CnMobileRecognizer(), f"电话：{number}。")


@pytest.mark.parametrize("text", ["版本 1.38.0013.8000", "订单 1380013800012", "12800138000"])
def test_mobile_distractors(text: str) -> None:
    assert [] == found(CnMobileRecognizer(), text)


def test_bank_cards_need_luhn_and_16_to_19_digits() -> None:
    rec = CnBankCardRecognizer()
    assert luhn_valid("6222021234567890128")
    assert ["6222 0212 3456 7890 128"] == found(rec, "卡号 6222 0212 3456 7890 128 谢谢")
    assert [] == found(rec, "编号 6222 0212 3456 7890 127")       # Luhn fails, no cue
    (near,) = rec.analyze("卡号 6222 0212 3456 7890 127", ["CN_BANK_CARD"])  # cue word
    assert 0.4 <= near.score < 0.7
    assert [] == found(rec, "编号 622202123456789")                # 15 digits
    unionpay = rec.analyze("6222021234567890128", ["CN_BANK_CARD"])[0]
    other = rec.analyze("4111111111111111", ["CN_BANK_CARD"])[0]
    assert unionpay.score > other.score


@pytest.mark.parametrize(("text", "name"), [
    ("我叫王伟，今天来办理业务。", "王伟"),
    ("联系人：欧阳娜娜 电话", "欧阳娜娜"),
    ("请转告李明先生。", "李明"),
    ("客户张三丰的卡号", "张三丰"),
    ("姓名：刘洋", "刘洋"),
])
def test_chinese_names_after_or_before_a_cue(text: str, name: str) -> None:
    assert [name] == found(CnPersonRecognizer(), text)


@pytest.mark.parametrize("text", ["王国很大", "黄河流经九个省", "张家界的风景"])
def test_surname_characters_without_a_cue_are_not_names(text: str) -> None:
    assert [] == found(CnPersonRecognizer(), text)


# Chinese names without a cue word (recognizers_zh_names), issue 37: the forms real text has.

@pytest.fixture(scope="module")
def segment_recognizer():
    from appliance.privacy.recognizers_zh_names import CnNameSegmentRecognizer

    rec = CnNameSegmentRecognizer()
    rec.load()
    return rec


def names_in(rec, text: str) -> list[str]:
    """What the recognizer finds at the policy's default threshold, merged as the analyzer
    merges overlapping findings."""
    spans = sorted((r.start, r.end) for r in rec.analyze(text, ["PERSON"]) if r.score >= 0.4)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [text[s:e] for s, e in merged]


@pytest.mark.parametrize(("text", "name"), [
    ("高宇打算下个月结婚。", "高宇"),              # a verb the frames did not know
    ("钱雪峰透露，新产品将于下月上市。", "钱雪峰"),
    ("柴永平上个月刚从深圳调过来。", "柴永平"),     # a time word after the name
    ("刚才郜婷打电话找你。", "郜婷"),              # no frame before: a token's start
    ("您好毛可，您的订单已发货。", "毛可"),          # a greeting before
    ("记者王明报道：今年夏粮再获丰收。", "王明"),
    ("黄家豪下午要去医院复查。", "黄家豪"),          # 黄家 is a word; the name ends a token
])
def test_a_name_framed_by_what_a_person_does(segment_recognizer, text: str, name: str) -> None:
    """A surname and given name between a token's start and a verb, a time word or a role
    after it is a name, whatever the segmenter made of it."""
    assert name in names_in(segment_recognizer, text)


@pytest.mark.parametrize(("text", "name"), [
    ("黃玉英是我大学时的室友。", "黄玉英"),          # 黄玉/英是: the last character glued on
    ("孫惠超出生在湖南长沙。", "孙惠超"),            # 孙惠/超出/生: the frame 出生 decides
    ("严萍英笑着点了点头。", "严萍英"),
    ("亲爱的慕容燕婧：", "慕容燕婧"),              # compound surname, two given characters
])
def test_a_three_character_name_is_not_half_masked(segment_recognizer, text: str,
                                                   name: str) -> None:
    """The segmenter cuts a three-character name after its second character; the whole name
    is found, not its first two characters."""
    from appliance.privacy.normalize import normalize

    found = names_in(segment_recognizer, normalize(text).text)
    assert [name] == [n for n in found if n[0] == name[0]]


@pytest.mark.parametrize(("text", "names"), [
    ("郭师傅修好了空调。", ["郭"]),
    ("找程处长签个字。", ["程"]),
    ("张总今天不在公司。", ["张总"]),
    ("王工说图纸改好了。", ["王工"]),
    ("欧阳经理，您好！", ["欧阳"]),
])
def test_a_surname_before_a_title(segment_recognizer, text: str, names: list[str]) -> None:
    assert names == names_in(segment_recognizer, text)


@pytest.mark.parametrize("text", [
    "他向老师请教了一个问题。", "和经理沟通一下。", "应老师要求提交作业。", "这位老师很好。",
    "各位同学请注意。", "公司总经理出席了会议。", "我们的老师很好",
])
def test_a_title_after_a_word_that_is_no_surname(segment_recognizer, text: str) -> None:
    assert [] == names_in(segment_recognizer, text)


@pytest.mark.parametrize(("text", "names"), [
    ("史雪、白辉和熊明欣三人获得一等奖。", ["史雪", "白辉", "熊明欣"]),
    ("方志、陆然凯和邹琪三人获得一等奖。", ["方志", "陆然凯", "邹琪"]),   # 方志 is also a word
    ("出席会议的有付胜、何敏信等领导。", ["付胜", "何敏信"]),
    ("评委：芦信 莫慧燕 云昊林", ["芦信", "莫慧燕", "云昊林"]),
])
def test_items_listed_with_a_name_are_names(segment_recognizer, text: str,
                                            names: list[str]) -> None:
    assert names == names_in(segment_recognizer, text)


def test_speakers_of_a_transcript_beside_a_named_one(segment_recognizer) -> None:
    """陈建成 reads as 陈 + 建成 "built" alone; beside the speaker 侯建铭 it is a speaker too."""
    text = "侯建铭：你怎么才来？\n陈建成：路上堵车。"
    assert ["侯建铭", "陈建成"] == names_in(segment_recognizer, text)
    assert [] == names_in(segment_recognizer, "注意：请先保存\n说明：见文档")


@pytest.mark.parametrize(("text", "name"), [
    ("我叫惠美 王，很高兴认识你。", "惠美 王"),     # Western order inside a sentence
    ("感谢忠梅 余的帮助！", "忠梅 余"),
    ("感謝衛婉 範的幫助！", "衛婉 範"),
    ("丹 甄昨天去了银行。", "丹 甄"),
])
def test_a_name_apart_by_a_space_inside_a_sentence(segment_recognizer, text: str,
                                                   name: str) -> None:
    from appliance.privacy.normalize import normalize

    view = normalize(text).text  # the recognizers read traditional characters as simplified
    assert [normalize(name).text] == names_in(segment_recognizer, view)


@pytest.mark.parametrize("text", [
    "文件 已保存", "请输入 用户名", "无法打开 文件夹", "提高 效率", "我们 今天 开会",
])
def test_words_apart_by_a_space_are_not_names(segment_recognizer, text: str) -> None:
    assert [] == names_in(segment_recognizer, text)


@pytest.mark.parametrize(("text", "name"), [
    ("尊敬的艾尔肯·沙吾提先生：", "艾尔肯·沙吾提"),
    ("热依拉·阿布都提醒大家注意安全。", "热依拉·阿布都"),
    ("由迪丽热巴·迪力木拉提负责。", "迪丽热巴·迪力木拉提"),
])
def test_a_name_joined_by_a_middle_dot(segment_recognizer, text: str, name: str) -> None:
    assert [name] == names_in(segment_recognizer, text)


@pytest.mark.parametrize(("text", "name"), [
    ("Last name: 林, first name: 志豪", "志豪"), ("Given name 俊", "俊"),
])
def test_a_name_after_an_english_name_field(segment_recognizer, text: str, name: str) -> None:
    assert name in names_in(segment_recognizer, text)


@pytest.mark.parametrize("text", [
    "王国很大", "他很高兴", "周末去爬山", "世界和平", "金融市场", "东方的太阳", "文明城市",
    "程序访问被拒绝", "可能的系统安全性问题", "输出协商的祖先提交", "只列印不包含该提交的引用",
    "您在执行动作时分割提交", "无法关闭已写入的档案", "时区缩写太多", "黄金价格上涨",
    "必要项将被删除", "在全域都启用",
])
def test_ordinary_words_that_look_like_names(segment_recognizer, text: str) -> None:
    assert [] == names_in(segment_recognizer, text)


# Chinese names in Latin letters (issue 37): pinyin, Hong Kong and Taiwan romanisations.

@pytest.mark.parametrize(("text", "name"), [
    ("请联系 Qiang Chen，电话见附件。", "Qiang Chen"),   # given name first, in Chinese text
    ("Gao Chen 明天到上海。", "Gao Chen"),
    ("请联系 SUN Xiaomin，电话见附件。", "SUN Xiaomin"),  # the surname in capitals
    ("Contact: HE Li", "HE Li"),                         # He is an English word, HE a surname
    ("I met Zhang Xiaoming yesterday.", "Zhang Xiaoming"),
    ("Haoming Lin will join the call.", "Haoming Lin"),
    ("Lee Siu-ming is our tenant.", "Lee Siu-ming"),     # Hong Kong: a hyphenated given name
    ("Tsai Ing-wen spoke.", "Tsai Ing-wen"),
    # a capitalised word before the name does not hide it (review 54, defect 4)
    ("Dear Zhang Wei, thanks.", "Zhang Wei"),
    ("Contact Wang Xiaoming today.", "Wang Xiaoming"),
    ("Professor Chen Jing said", "Chen Jing"),
])
def test_pinyin_and_romanised_names(text: str, name: str) -> None:
    from appliance.privacy.recognizers_zh import PinyinNameRecognizer

    assert found(PinyinNameRecognizer(), text) == [name]


@pytest.mark.parametrize("text", [
    "He Can help you.", "The Long Men caves", "Hong Kong office", "Beijing Shi", "Ding Dong",
    "New York Times", "Use Ping Pong mode", "Sun Ran out of fuel", "Long-term Plan",
    # greetings, loanwords and places in pinyin; English words read as two syllables; an
    # acronym in capitals before an English word (review 54, defect 5)
    "Ni Hao means hello.", "I practise Qi Gong", "Wu Tang Clan", "Feng Shui", "Tao Te Ching",
    "The MA Human Rights program", "Use the WAN Ping test.", "Fu Panda", "Long Tango",
    "Hu Nan", "Jiang Xi", "Shao Lin", "Zhong Shan", "Jin Jiang", "Mango Li",
    "Gong Xi Fa Cai to everyone!", "She plays the Gu Zheng.", "Charity Law Non-profit Guide",
])
def test_pinyin_look_alikes_are_no_names(text: str) -> None:
    from appliance.privacy.recognizers_zh import PinyinNameRecognizer

    assert found(PinyinNameRecognizer(), text) == []


def test_a_pinyin_pair_rejected_restarts_at_its_second_word() -> None:
    """Many capitalised words in a row (a title-cased line) are read once each: every pair is
    tried, and only the real name is found."""
    from appliance.privacy.recognizers_zh import PinyinNameRecognizer

    text = "Dear " * 1500 + "Zhang Wei"
    assert found(PinyinNameRecognizer(), text) == ["Zhang Wei"]


@pytest.mark.parametrize(("text", "expected"), [
    # many short runs after a role's or 人's space: each run's frame is read in a few
    # characters before it, not from the text's start (review 54, defect 3)
    ("人 " * 4000, []),
    ("记者 " * 2000, []),
    ("被告 张三，" * 1000, ["张三"] * 1000),
    # one long run without a dot or a space (the dotted-name and extension rules read it once)
    ("张" * 6000, None),
    ("扎西" * 3000, None),
    ("仉建" * 3000, []),
])
def test_long_adversarial_chinese_input(segment_recognizer, text: str,
                                        expected: list[str] | None) -> None:
    found_names = names_in(segment_recognizer, text)
    if expected is None:  # whatever is found lies inside the text, none over a whole run
        assert all(0 < len(n) <= 12 for n in found_names)
    else:
        assert found_names == expected
