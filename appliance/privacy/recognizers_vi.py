"""Vietnamese names (issue 37): "Tôi là Nguyễn Thị Lan", "anh Trần Văn Hùng", "Kính gửi bà Lê
Ngọc Ánh", written in Latin letters with Vietnamese tone marks, which the English model reads
as anything (it tags "Khách hàng", customer, as a person and leaves the name).

In Vietnamese text the English model's PERSON findings that have no such shape are dropped
(:func:`vietnamese_name`, used by the analyzer).

A Vietnamese name is family name, then one to three capitalised syllables: a middle name (Văn,
Thị, Hữu, Ngọc …) and the given name. About twenty family names cover nine people in ten
(Nguyễn alone four in ten), so the rule needs no list of given names:

- a family name of :data:`SURNAMES`, then one to three capitalised one-syllable words, with
  a letter only Vietnamese writes (ơ, ư, a hook or a dot below, a tone over a hat or a breve)
  in the name or, at least twice, in the text ("Nguyễn Lan", "Trần Huy"; not "Mai Anh" in
  English, "Lê Anh" in French, nor "Tran Hung" without marks);
- not a place: a street's number or word before it ("25 Lý Thường Kiệt", "đường Lê Lợi",
  "phố Trần Hưng Đạo"), a province or district of that shape (Hà Nội, Cao Bằng, Hoàng Mai),
  or the words of one before it ("quận", "tỉnh", "TP.").
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.privacy.recognizer_base import OwnRecognizer, make_result

#: The common Vietnamese family names.
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
            "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Đoàn", "Lâm", "Trịnh", "Trương",
            "Lương", "Phùng", "Quách", "Vương", "Đào", "Tạ", "Tô", "Lưu", "Kiều", "Triệu",
            "Cao", "Mai", "Hà", "Thái", "Châu", "Tăng", "Lại", "Khổng", "Nghiêm")
_VI_LOWER = "a-zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
_VI_UPPER = "A-ZÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_SYLLABLE = rf"[{_VI_UPPER}][{_VI_LOWER}]{{0,6}}"
_NAME = re.compile(
    rf"(?<![\w'’\-])(?P<v>(?:{'|'.join(SURNAMES)})(?:[ \t]+{_SYLLABLE}){{1,3}})(?![\w'’\-])")
#: Letters only Vietnamese writes among the Latin ones: a horn, a hook or a dot below, a tone
#: mark over a hat or a breve (not French and Portuguese é, ê, ã, õ, Romanian ă, Croatian đ).
_VIETNAMESE_LETTER = re.compile(
    "[ảạằắẳẵặầấẩẫậẻẽẹềếểễệỉĩịỏọồốổỗộơờớởỡợủũụưừứửữựỳỷỹỵ]", re.IGNORECASE)
#: Text with this many of those letters is Vietnamese: the English model's reading of it is
#: noise ("Khách hàng", customer, as a person).
_VIETNAMESE_TEXT = 2
#: Before a place of that shape: a house number, a street's or an area's word.
_PLACE_BEFORE = re.compile(
    r"(?i)(?:[0-9][0-9A-Za-z/\-]*|đường|phố|đ\.|p\.|ngõ|ngách|hẻm|số|quận|q\.|huyện|tỉnh|"
    r"thành[ \t]+phố|tp\.?|phường|xã|thị[ \t]+xã|thị[ \t]+trấn|cầu|chợ|hồ|sông|núi|trường|"
    r"bệnh[ \t]+viện|công[ \t]+ty(?:[ \t]+(?:tnhh|cổ[ \t]+phần|cp))?|ngân[ \t]+hàng|street|"
    r"st\.|road|rd\.|ave\.?|district|"
    r"province|city)[ \t,]*\Z")
#: Provinces, cities and districts that read as a family name and a syllable.
_PLACES = frozenset((
    "Hà Nội", "Hà Giang", "Hà Tĩnh", "Hà Nam", "Hà Đông", "Hà Tiên", "Cao Bằng", "Cao Lãnh",
    "Lâm Đồng", "Thái Bình", "Thái Nguyên", "Hoàng Mai", "Hồ Chí Minh", "Hồ Gươm", "Hồ Tây",
    "Phan Thiết", "Phan Rang", "Lê Chân", "Đông Anh", "Mai Châu", "Châu Đốc", "Lý Sơn",
    "Bùi Viện", "Hoàng Sa", "Trường Sa", "Lương Sơn", "Đồng Nai", "Trần Phú"))


def vietnamese_letters(text: str) -> bool:
    """``text`` has a letter only Vietnamese writes."""
    return _VIETNAMESE_LETTER.search(text) is not None


def vietnamese_text(text: str) -> bool:
    """``text`` is written in Vietnamese (see :data:`_VIETNAMESE_TEXT`)."""
    return len(_VIETNAMESE_LETTER.findall(text, 0, 4000)) >= _VIETNAMESE_TEXT


def vietnamese_name(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The Vietnamese name in ``text[start:end]`` (a finding of the English model): the part
    with a name's shape that is no place ("Trần Văn Hùng" of "Anh Trần Văn Hùng"), if any."""
    for m in _NAME.finditer(text, start, end):
        if _name_here(text, m):
            return m.span("v")
    return None


#: Words a place's or an institution's name starts with: city, province, district, school,
#: hospital, company, bank, market, airport, hotel.
_PLACE_START = re.compile(r"(?i)(?:thành[ \t]+phố|tỉnh|quận|huyện|phường|trường|bệnh[ \t]+viện|"
                          r"công[ \t]+ty|ngân[ \t]+hàng|chợ|sân[ \t]+bay|khách[ \t]+sạn)"
                          r"(?![^\W\d_])")


def vietnamese_place(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` holds one of :data:`_PLACES`, starts with a place's or an
    institution's word ("Thành phố Hồ Chí Minh", "Trường Tiểu học Kim Đồng"), or stands after
    one or a number ("TP. Hồ Chí Minh", "đường Lê Lợi")."""
    value = text[start:end].strip()
    return any(p in value for p in _PLACES) or _PLACE_START.match(value) is not None \
        or _PLACE_BEFORE.search(text, max(0, start - 16), start) is not None


def _name_here(text: str, m: re.Match[str]) -> bool:
    value = m.group("v")
    if any(value == p or value.startswith(p + " ") for p in _PLACES):
        return False
    return _PLACE_BEFORE.search(text, max(0, m.start() - 16), m.start()) is None


class VietnameseNameRecognizer(OwnRecognizer):
    """Vietnamese names by their shape (see the module docstring)."""

    ENTITY = "PERSON"
    #: Over the English model's 0.85: a name it finds inside the model's wider span (two
    #: names joined by "và") survives Presidio's removal of contained findings.
    SCORE = 0.86

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities or not _VIETNAMESE_LETTER.search(text):
            return []
        in_vietnamese = vietnamese_text(text)
        out = []
        for m in _NAME.finditer(text):
            if not _name_here(text, m):
                continue
            if not in_vietnamese and not _VIETNAMESE_LETTER.search(m.group("v")):
                continue  # "Mai Anh", "Lê Anh" in English or French: no Vietnamese letter
            out.append(make_result(self, self.ENTITY, *m.span("v"), self.SCORE,
                                   "a Vietnamese family name and its syllables", cued=False))
        return out
