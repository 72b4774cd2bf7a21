"""Names in the frames of their own language (recognizers_scripts, _frame_names): a form's
label ("氏名", "성함:", "الاسم:", "ФИО:"), a greeting or a self-introduction ("안녕하세요,
…입니다", "مرحبا …", "Здравствуйте, …", "меня зовут …"), an honorific after the name ("…さん",
"… 씨", "…고객님"), a title before it ("السيد …"); and the words that end in an honorific or
follow such a cue and are no name ("皆さん", "様子", "아저씨", "ФИО:" with no value)."""

from __future__ import annotations

import pytest

from appliance.privacy.normalize import normalize
from appliance.privacy.recognizers_scripts import ForeignScriptNameRecognizer, _frame_names


@pytest.fixture(scope="module")
def recognizer() -> ForeignScriptNameRecognizer:
    return ForeignScriptNameRecognizer("en")


def found(recognizer: ForeignScriptNameRecognizer, text: str) -> list[str]:
    """The names found in ``text`` as the analyzer's recognizers read it (normalised: the
    kanji of Japanese text in their simplified form)."""
    seen = normalize(text).text
    return sorted({seen[r.start:r.end] for r in recognizer.analyze(seen, ["PERSON"])})


def named(recognizer: ForeignScriptNameRecognizer, text: str, name: str) -> bool:
    """Whether one finding covers ``name`` whole."""
    seen = normalize(text).text
    at = seen.index(normalize(name).text)
    end = at + len(normalize(name).text)
    return any(r.start <= at and r.end >= end for r in recognizer.analyze(seen, ["PERSON"]))


# --- (a) Korean -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("안녕하세요, 김민준입니다. 연락처는 010-5555-1234입니다.", "김민준"),
    ("김서연 씨에게 전달해 주세요.", "김서연"),
    ("박지훈님, 주문하신 상품이 발송되었습니다.", "박지훈"),
    ("이수진 고객님의 예약이 확인되었습니다.", "이수진"),
    ("성함: 최영호", "최영호"),
    ("담당자 정민수에게 문의하세요.", "정민수"),
    ("저는 송하늘입니다.", "송하늘"),
    ("문의하신 내용은 조현우 과장님께 전달했습니다.", "조현우"),
])
def test_korean_frames(recognizer, text, name):
    assert named(recognizer, text, name)


@pytest.mark.parametrize("text", [
    "아저씨가 솜씨 좋게 고쳤어요.",        # 씨 inside a word
    "선생님께서 오셨습니다.",              # a role before 님
    "고객님, 주문이 완료되었습니다.",
    "저는 공무원입니다.",                   # a job, three syllables after a surname's one
    "저는 기자입니다.",
    "하나님께 감사드립니다.",
    "이모님이 오셨어요.",
    "파일 이름 정보가 없습니다.",           # "이름" without a colon in a message
    "작성자 정보를 확인하세요.",            # a noun and a particle after a role
])
def test_korean_near_misses(recognizer, text):
    assert found(recognizer, text) == []


# --- (b) Japanese -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "names"), [
    ("氏名：佐藤 健太", ["佐藤 健太"]),
    ("担当者：山本 美咲（株式会社ミライテック）、鈴木", ["山本 美咲", "鈴木"]),
    ("契約者：後藤 拓海", ["後藤 拓海"]),          # read as "契约者" after normalising
    ("田中さんに連絡してください。", ["田中"]),
    ("山田様、いつもありがとうございます。", ["山田"]),
    ("私は中村と申します。", ["中村"]),
    ("マリアさんは来週帰国します。", ["マリア"]),
    ("長谷川さまのご予約を承りました。", ["長谷川"]),
])
def test_japanese_frames(recognizer, text, names):
    assert all(named(recognizer, text, n) for n in names)


@pytest.mark.parametrize("text", [
    "皆さん、おはようございます。",          # さん in 皆さん
    "皆様のご協力に感謝します。",            # 様 in 皆様
    "様子を見てから決めましょう。",          # 様 in 様子
    "お客様各位、本日は臨時休業です。",
    "お疲れ様でした。",
    "私は学生です。",                        # "私は … です" without a spaced name
    "私は元気です。",
    "名前: 空ではいけません",                 # a label, then a sentence
    "担当者：未定",                          # a form's placeholder
    "ユーザーさんからの報告です。",
])
def test_japanese_near_misses(recognizer, text):
    assert found(recognizer, text) == []


def test_chinese_honorific_is_left_to_the_chinese_rules(recognizer):
    # no kana: "先生" after a Chinese surname is the zh recognizers' (no double handling)
    assert found(recognizer, "王先生今天不在。") == []
    assert found(recognizer, "张伟先生和李娜女士明天到。") == []


# --- (c) Arabic -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("مرحبا أحمد الفارسي، تم استلام طلبك.", "أحمد الفارسي"),
    ("السيد خالد المنصوري يرجى مراجعة الفرع.", "خالد المنصوري"),
    ("الاسم: فاطمة الزهراء", "فاطمة الزهراء"),
    ("عزيزي عمر، نشكرك على تواصلك.", "عمر"),
    ("المهندس وليد حسن أنهى المشروع.", "وليد حسن"),
    ("أهلاً وسهلاً بالسيدة رنا خوري", "رنا خوري"),
    ("اسمي ياسمين.", "ياسمين"),
])
def test_arabic_frames(recognizer, text, name):
    assert named(recognizer, text, name)


@pytest.mark.parametrize("text", [
    "مرحبا بكم في موقعنا",
    "عزيزي العميل، شكرا لك",
    "اسأل المستخدم عند الحاجة للمواثقة",       # "الحاجة" is "the need" too
])
def test_arabic_near_misses(recognizer, text):
    assert found(recognizer, text) == []


def test_arabic_greeting_stops_at_a_verb(recognizer):
    # no punctuation after the name: its first word, not the sentence after it
    text = "مرحبا سامي كيف حالك"
    assert found(recognizer, text) == ["سامي"]


# --- (d) Russian ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("Здравствуйте, Иван Петров!", "Иван Петров"),
    ("ФИО: Смирнова Анна Сергеевна", "Смирнова Анна Сергеевна"),
    ("Привет! Меня зовут Ольга, я из Казани.", "Ольга"),
    ("Уважаемая Елена, напоминаем о записи.", "Елена"),
    ("Имя: Ксения", "Ксения"),
    ("Добрый вечер, Артём.", "Артём"),
])
def test_russian_frames(recognizer, text, name):
    assert named(recognizer, text, name)


@pytest.mark.parametrize("text", [
    "ФИО:",                                    # a label without a value
    "ФИО: не указано",
    "Здравствуйте, коллеги!",
    "Меня зовут на собеседование.",
    "Уважаемые клиенты, сообщаем о перерыве.",
])
def test_russian_near_misses(recognizer, text):
    assert found(recognizer, text) == []


def test_a_label_takes_a_colon():
    # "Имя" over a table's column is no label: the frames find nothing in the header
    assert _frame_names("Имя               Тип              Адрес") == []
    assert _frame_names("Имя: Ксения") == [(5, 11)]
