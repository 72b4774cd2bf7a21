"""Names in a non-Latin script inside English text (recognizers_scripts): titles written in
the name's script, short English frames ("aka", "owner:"), lists of people without an English
word, Japanese names with a space; and the ordinary words, menus and translated messages in
those scripts that must stay unmasked."""

from __future__ import annotations

import pytest

from appliance.privacy.recognizers_scripts import ForeignScriptNameRecognizer


@pytest.fixture(scope="module")
def recognizer() -> ForeignScriptNameRecognizer:
    return ForeignScriptNameRecognizer("en")


def found(recognizer: ForeignScriptNameRecognizer, text: str) -> list[str]:
    return sorted({text[r.start:r.end] for r in recognizer.analyze(text, ["PERSON"])})


# --- (a) lists of people with no English word --------------------------------------------

@pytest.mark.parametrize(("text", "names"), [
    ("- ნინო ბერიძე\n- გიორგი კაპანაძე", ["გიორგი კაპანაძე", "ნინო ბერიძე"]),
    ("* 최민호\n* 박지은", ["박지은", "최민호"]),
    ("1. अनीता शर्मा\n2. राहुल वर्मा", ["अनीता शर्मा", "राहुल वर्मा"]),
    ("• סהר לוי\n• עומר כהן", ["סהר לוי", "עומר כהן"]),
    ("- สมชาย ใจดี\n- มาลี ศรีสุข", ["มาลี ศรีสุข", "สมชาย ใจดี"]),
    ("1. 田中 一郎\n2. 高橋 花子", ["田中 一郎", "高橋 花子"]),
])
def test_lists_of_people_in_another_script(recognizer, text, names):
    assert found(recognizer, text) == names


@pytest.mark.parametrize("text", [
    "- 우유\n- 김치\n- 두부",                 # Korean groceries: not a name's shape
    "- Молоко\n- Хлеб\n- Сыр",              # one capitalised word each: things
    "* ყველი\n* პური",
    "1. दूध\n2. चावल\n3. दाल",
    "- 豆腐\n- キャベツ\n- 味噌",
    "- ขนมปัง\n- กาแฟ",
    "- 설정\n- 도움말",                      # a name-shaped word in a list of things
])
def test_lists_of_things_stay(recognizer, text):
    assert found(recognizer, text) == []


# --- (b) titles in the name's script -------------------------------------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("We thanked пан Тарас Мельник after the talk.", "пан Тарас Мельник"),
    ("The prize went to Проф. Стоян Илиев last year.", "Проф. Стоян Илиев"),
    ("Ask г-н Олег Петров for the keys.", "г-н Олег Петров"),
    ("Yesterday جناب آقای رضا کریمی called.", "جناب آقای رضا کریمی"),
    ("Our guest is الدكتور سامي حداد tonight.", "الدكتور سامي حداد"),
    ("Send it to श्रीमती कविता जोशी please.", "श्रीमती कविता जोशी"),
    ("Meet นางสาว พิมพ์ใจ ทองดี at noon.", "นางสาว พิมพ์ใจ ทองดี"),
])
def test_title_in_the_names_script_is_kept(recognizer, text, name):
    assert name in found(recognizer, text)


def test_small_word_inside_own_script_sentence_is_not_a_title(recognizer):
    text = "Мы поехали в Нижний Новгород и там остались."
    assert all(not f.startswith("в ") for f in found(recognizer, text))


# --- (c) short English frames: aka, keys, labels --------------------------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("aka ლევან ჯაფარიძე", "ლევან ჯაფარიძე"),
    ("aka נועה שפירא", "נועה שפירא"),
    ("a.k.a. Др. Пламен Колев", "Др. Пламен Колев"),
    ("-- owner: თამარ ლომიძე", "თამარ ლომიძე"),
    ("Members: ნატო გელაშვილი; დავით ხარაიშვილი", "ნატო გელაშვილი"),
    ("She writes as ليلى بنت سعيد بن راشد.", "ليلى بنت سعيد بن راشد"),
])
def test_short_english_frame(recognizer, text, name):
    assert name in found(recognizer, text)


@pytest.mark.parametrize("text", [
    "%s 연산자가 없음, 건너뜀",                       # translated messages with a code
    "이 플랫폼에서는 peer 인증이 지원되지 않음",
    "უცნობი აპლიკაცია (PID %d)",                    # an acronym is no English frame
    "잘못된 정리 모드 %s",
    "Menu: სალათი, სუპი, ხინკალი",                 # single words in an enumeration
    "Buttons: ถั่ว | เปิด",
    "Today: चाय and कॉफ़ी",
])
def test_translated_messages_and_enumerations_stay(recognizer, text):
    assert found(recognizer, text) == []


# --- (d) Japanese names with a space ---------------------------------------------------------

@pytest.mark.parametrize(("text", "names"), [
    ("Team: 佐々木 直人; 後藤 由美", ["佐々木 直人", "後藤 由美"]),
    ("Hi 野々村 真, see the attachment.", ["野々村 真"]),
])
def test_japanese_names_with_iteration_mark(recognizer, text, names):
    assert found(recognizer, text) == names


def test_korean_names_in_a_cued_line_stay_names(recognizer):
    assert found(recognizer, "Team: 한지민; 오세훈") == ["오세훈", "한지민"]


def test_no_person_entity_requested(recognizer):
    assert recognizer.analyze("- ნინო ბერიძე\n- გიორგი კაპანაძე", ["EMAIL_ADDRESS"]) == []


def test_korean_list_of_phrases_is_not_a_list_of_names(recognizer):
    # Korean names have no space: two-word Hangul items are phrases (UI strings here).
    assert found(recognizer, "- 설정 저장\n- 파일 열기") == []
