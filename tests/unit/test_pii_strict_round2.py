"""The strict (GDPR) profile, second round of organisations and addresses: bodies named by
the head noun of an institution (a surgery, a club, a school, a trust, a co-operative), the
body someone introducing themselves speaks for, Chinese senders' signatures and the bodies
before their departments; addresses with a level or a spoken "number", romanised Japanese,
Latin American grid, Japanese block-number and Korean road-name addresses. Near misses of
each frame stay unmasked."""

from __future__ import annotations

import pytest

from appliance.privacy.analyzer import Analyzer


def covered(analyzer: Analyzer, text: str, value: str, entity: str) -> bool:
    """Every character of ``value`` lies inside a finding of ``entity``."""
    at = text.index(value)
    spans = [(s.start, s.end) for s in analyzer.find(text) if s.entity_type == entity]
    return all(any(s <= i < e for s, e in spans) for i in range(at, at + len(value))
               if not text[i].isspace())


def types(analyzer: Analyzer, text: str) -> set[str]:
    return {s.entity_type for s in analyzer.find(text)}


@pytest.mark.parametrize(("text", "name"), [
    ("The claim against Harwood Health Trust was settled last week.", "Harwood Health Trust"),
    ("Repeat prescription sent by Elmsbrook Family Medicine today.", "Elmsbrook Family Medicine"),
    ("Please ring reception — Thornbury Medical Centre.", "Thornbury Medical Centre"),
    ("Vice-captain: Sione Tupou — Wellington Rowing Club", "Wellington Rowing Club"),
    ("Her daughter starts at Oakfield Primary School in September.", "Oakfield Primary School"),
    ("Order for Kisumu Dairy Co-op, 40 crates.", "Kisumu Dairy Co-op"),
    ("The keys are with Marlow & Pike Estate Agents.", "Marlow & Pike Estate Agents"),
    ("Results were sent over by Nova Clinics this morning.", "Nova Clinics"),
])
def test_institution_by_head_noun(strict: Analyzer, text: str, name: str) -> None:
    """Capitalised words before an institution's head noun name a body, ordinary words too."""
    assert covered(strict, text, name, "ORGANIZATION")


@pytest.mark.parametrize(("text", "name"), [
    ("Hello, this is Marta Silva from Brightwater Lettings, returning your call.",
     "Brightwater Lettings"),
    ("hey it's Tomasz from Kestrel Logistics, quick question about the invoice", "Kestrel Logistics"),
    ("I'm 22 and have two years experience at Pret Manger. Call me any time.", "Pret Manger"),
])
def test_body_someone_speaks_for(strict: Analyzer, text: str, name: str) -> None:
    assert covered(strict, text, name, "ORGANIZATION")


def test_experience_ends_at_the_sentence(strict: Analyzer) -> None:
    """The body after "experience at" stops at the sentence's end (not "Pret Manger. Call")."""
    text = "I have a year of experience at Pret Manger. Call me any time."
    spans = [text[s.start:s.end] for s in strict.find(text) if s.entity_type == "ORGANIZATION"]
    assert spans and all("Call" not in s for s in spans)


@pytest.mark.parametrize(("text", "name"), [
    ("【圆通速递】您的包裹已由快递员派送，请注意查收。", "圆通速递"),
    ("您好，我是太平洋保险的张明，想跟您确认一下保单信息。", "太平洋保险"),
    ("美团人事部：候选人面试时间已确定。", "美团"),
    ("申通快递：您的快件已到达驿站，请尽快领取。", "申通快递"),
    # Japanese institution suffixes
    ("紹介元：京都大学医学部附属病院", "京都大学医学部附属病院"),
    ("息子は県立北高等学校に通っています。", "県立北高等学校"),
])
def test_chinese_framed_bodies(strict: Analyzer, text: str, name: str) -> None:
    assert covered(strict, text, name, "ORGANIZATION")


@pytest.mark.parametrize("text", [
    # head nouns after words that name no body
    "Call your local Medical Centre if symptoms persist.",
    "Our Family Medicine team reviews every request.",
    "The Health Trust board meets monthly.",
    # an introduction without a capitalised body after it
    "Hi, it's Anna from work, call me back.",
    # Chinese brackets and lines that name a kind of message, not a sender
    "【温馨提示】明天有雨，请带伞。",
    "通知：明天上午九点开会。",
    "快递员：你好，包裹放门口可以吗？",
    # a department or event of no named body
    "春季招聘会下周举行。",
    "公司人事部：请提交材料。",
    # 病院 after common words only (a mental hospital), not a named one
    "他被送进了精神病院。",
])
def test_near_misses_name_no_body(strict: Analyzer, text: str) -> None:
    assert "ORGANIZATION" not in types(strict, text)


@pytest.mark.parametrize(("text", "value"), [
    ("Post it to Level 9, 30 Collins Street, Melbourne VIC 3000 please.",
     "Level 9, 30 Collins Street, Melbourne VIC 3000"),
    ("we are at number 14 Protea Road, Durban", "number 14 Protea Road, Durban"),
    ("Deliver to 14 Oxford Rd, Parktown, Johannesburg 2193 · thanks",
     "14 Oxford Rd, Parktown, Johannesburg 2193"),
    ("The parcel goes to 3-5-12 Higashi-Ikebukuro, Toshima-ku, Tokyo 170-0013.",
     "3-5-12 Higashi-Ikebukuro, Toshima-ku, Tokyo 170-0013"),
    ("Envío a Carrera 15 #88-64, Medellín mañana.", "Carrera 15 #88-64"),
    ("配送先：大阪府大阪市中央区難波5-1-60 なんばビル3F", "大阪府大阪市中央区難波5-1-60 なんばビル3F"),
    ("주소: 부산광역시 해운대구 센텀중앙로 79", "부산광역시 해운대구 센텀중앙로 79"),
    ("请送到越秀区环市路东12号。", "环市路东12号"),
])
def test_addresses_round2(strict: Analyzer, text: str, value: str) -> None:
    assert covered(strict, text, value, "ADDRESS")


@pytest.mark.parametrize("text", [
    "You reached level 14 in the game, 1 more to go.",
    "Calle 93 is closed for roadworks.",
    "Ratio 2-14-7 was the final score, see Game-ku notes.",
    "서울 강남구에서 만나요.",
    "The recipe serves 4, number 9 on the list.",
])
def test_address_near_misses(strict: Analyzer, text: str) -> None:
    assert "ADDRESS" not in types(strict, text)
