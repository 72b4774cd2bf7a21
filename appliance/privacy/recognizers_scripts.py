"""Names written in a script other than Latin or Chinese: Cyrillic, Greek, Armenian (scripts
with capitals), Hebrew, Arabic and Persian, Georgian, Devanagari, Thai, Hangul and Japanese
(scripts without).

The English NER model and the name patterns read Latin letters only, so "Author: Финдо Стойков"
or "send_invite(to=\"Ευτέρπη Τσότρας\")" passed every one of them. Two observations make a
rule that needs no word list:

- In the cased scripts only proper nouns and a sentence's first word are capitalised, so two
  or three capitalised words in a row are a proper noun (a person's name, most often).
- In text written in Latin letters (an English prompt, code, a CSV file; at least a quarter of
  its letters, so that a short frame around two names counts), a short run of one to three
  words in another script is almost always a proper noun too: a name kept in its own script.
  A longer run is a quotation and stays.

So: a run of one to three words of one of these scripts is a name when the text around it is
mostly Latin (and, in a cased script, each word is capitalised); in text mostly in that
script, a run of two or three capitalised words of a cased script is. Japanese names written
"given family" in kanji or kana with a space ("美加子 山田") count as a run of two in Latin
text; a single Chinese word is left to the Chinese name recognizers.

Three frames need no Latin majority. A title written in the name's script goes with it: in a
cased script a small or abbreviated word right before the capitalised run ("пані", "г-жа",
"Др."), in the others a short list of titles ("جناب آقای", "الدكتور", "श्रीमती", "นางสาว"); after
one, a run of its script is a name in any text. A line with Latin letters ("aka", "owner:",
"Members:") around a run of two or three words of another script makes it a name even where
the other script has most of the text's letters. And a bullet or numbered list whose items in
these scripts all have a name's shape (two or three words of a script without capitals; a
Japanese "family given" pair; a Hangul word of three syllables after a common surname) is a
list of people: a list of things is written in single words ("- Молоко", "- 牛乳", "- 우유").
Arabic names keep their linking words (بن, عبد, أبو) inside the run.

In running text of its own language a name is found by its frame (:func:`_frame_names`): a
form's label with a colon ("氏名", "성함", "الاسم", "ФИО"), a greeting or self-introduction
("안녕하세요, …입니다", "مرحبا …", "Здравствуйте, …", "меня зовут …", "…と申します"), an
honorific after it ("…さん", "…様", "… 씨", "…고객님") or an Arabic title before it. Japanese
frames other than a label need kana (or 様) in the text: "王先生" in Chinese is the zh rules'.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.privacy.recognizer_base import OwnRecognizer, make_result
from appliance.privacy.recognizers_names import gazetteer

#: Capitals of the cased scripts (Greek with tonos, Cyrillic incl. Ukrainian and the letters
#: of Kazakh, Tatar and others, where capitals and small letters alternate: each word's first
#: letter is checked again with str.isupper; Armenian).
_CASED_UPPER = ("\u0386\u0388-\u038f\u0391-\u03a9\u0400-\u042f\u0460-\u0480\u048a-\u052f"
                "\u0531-\u0556")
#: Letters of the cased scripts, either case, and the apostrophes inside Ukrainian names.
_CASED_LETTER = "\u0370-\u03ff\u1f00-\u1fff\u0400-\u052f\u0531-\u0587\u02bc'’"
#: Letters only: an apostrophe inside a name is part of it, one before or after a run is the
#: quote around a value ('Ευτέρπη Τσότρας' in SQL or Python).
_LETTERS = _CASED_LETTER.removesuffix("\u02bc'’")
#: Letters (and combining marks) of scripts without capitals.
_CASELESS = ("\u05d0-\u05ea\u05b0-\u05c7\u0620-\u065f\u0670-\u06d3\u06fa-\u06ff\u10d0-\u10ff"
             "\u0900-\u0963\u0966-\u097f\u0e01-\u0e4e\uac00-\ud7a3\u3040-\u30ff")
_HAN = "\u4e00-\u9fff\u3005\u3006"
#: An apostrophe only inside a word (Сем'ян), never its last character (a closing quote).
_CASED_WORD = rf"[{_CASED_UPPER}][{_LETTERS}\-]*(?:['’ʼ][{_LETTERS}\-]+)*"
#: An apostrophe (straight or curly) or a geresh inside a name: מחאג'נה, ג'נא.
_CASELESS_WORD = rf"[{_CASELESS}][{_CASELESS}\-]*(?:['’\u05f3][{_CASELESS}]+)*"
_ANY_WORD = rf"[{_CASED_LETTER}{_CASELESS}][{_CASED_LETTER}{_CASELESS}\-]*"
_EDGE = rf"(?<![{_LETTERS}{_CASELESS}{_HAN}\w])"
_END = rf"(?![{_LETTERS}{_CASELESS}{_HAN}\w])"
#: Titles written in the scripts without capitals, before a name (Persian, Arabic with and
#: without the article, Hebrew, Devanagari, Thai, Georgian, Armenian is cased).
_CASELESS_TITLES = (
    "جناب|آقای|آقا|خانم|سرکار|دکتر|مهندس|استاد|حاج|حاجی|"
    "(?:ال)?(?:سيد|سيدة|آنسة|دكتور|دكتورة|أستاذ|أستاذة|شيخ|شيخة|مهندس|مهندسة|حاج|حاجة|"
    "أستاذ|سيّد|سيّدة)|"
    "מר|גב'|גברת|ד\"ר|פרופ'|הרב|"
    "श्री|श्रीमती|सुश्री|कुमारी|डॉ\\.?|डा\\.|प्रो\\.|माननीय|सम्मानात्मक|आदरसूचक|"
    "นาย|นาง|นางสาว|ดร\\.|คุณ|"
    "ბატონი|ქალბატონი|ბ-ნი|ქ-ნი")
#: A title before a capitalised run of a cased script: a word in small letters ("пані",
#: "тов.") or a capitalised abbreviation with a full stop ("Др.").
_CASED_LOWER = "\u03ac-\u03ce\u0430-\u045f\u0461-\u0481\u0561-\u0587"
_CASED_TITLE = (rf"(?:[{_CASED_LOWER}][{_CASED_LOWER}\-]{{0,7}}\.?"
                rf"|[{_CASED_UPPER}][{_CASED_LOWER}]{{0,3}}\.)")
#: Words that link the parts of an Arabic name ("بن", "عبد", "أبو"), kept inside the run.
_LINKS = "بن|بنت|ابن|بنو|أبو|ابو|عبد|آل|ال"
#: One to three words of one script, and the words around them (to see how long the run is);
#: before them, titles in that script.
_CASED_RUN = re.compile(rf"{_EDGE}(?P<title>{_CASED_TITLE}[ \t]+)?"
                        rf"(?P<name>{_CASED_WORD}(?:[ \t]+{_CASED_WORD}){{0,2}}){_END}")
_CASELESS_RUN = re.compile(
    rf"{_EDGE}(?P<title>(?:(?:{_CASELESS_TITLES})[ \t]+){{1,3}})?"
    rf"(?P<name>{_CASELESS_WORD}(?:[ \t]+(?:(?:{_LINKS})[ \t]+)?{_CASELESS_WORD}){{0,3}}){_END}")
_JAPANESE_NAME = re.compile(
    rf"(?<![{_HAN}\u3040-\u30ff\w])(?P<name>[{_HAN}\u3040-\u30ff]{{1,4}}[ \t\u3000]"
    rf"[{_HAN}\u3040-\u30ff]{{1,4}})(?![{_HAN}\u3040-\u30ff\w])")
#: An item of a bulleted or numbered list, one a line.
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*•·‣▪–]|\d{1,3}[.)])[ \t]+(?P<item>\S[^\n]*?)[ \t]*$",
                        re.MULTILINE)
#: Common Korean surnames (one syllable each); a Hangul word of three syllables after one
#: is a name's shape.
_KO_SURNAMES = ("김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진"
                "지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국")
_KOREAN_NAME = re.compile(rf"[{_KO_SURNAMES}][\uac00-\ud7a3]{{2}}")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
#: A word of kanji and kana without spaces (Japanese writes none between words).
_CJK_WORD = re.compile(rf"[{_HAN}\u3040-\u30ff]+")
#: printf and Python format codes in translated messages ("%s", "%1$d", "{name}").
_FORMAT_CODE = re.compile(r"%(?:\d+\$)?[-+ #0]*\d*(?:\.\d+)?[a-zA-Z]|\{[^}]*\}")
#: A maximal run of words of these scripts, of any length.
_FOREIGN_PHRASE = re.compile(rf"(?<!\w){_ANY_WORD}(?:['’\u05f3][{_CASELESS}]+)*"
                             rf"(?:[ \t]+{_ANY_WORD}(?:['’\u05f3][{_CASELESS}]+)*)*(?![.\w])")
#: An English word: Latin letters with a small one (an acronym, "PID", "COPY", is a term).
_ENGLISH_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]*[a-z\u00df-\u00ff][A-Za-z\u00c0-\u024f]*")
#: What may stand between two names of a Latin frame's line: punctuation, "and", "or".
_RUN_GAP = re.compile(r"[ \t]*(?:[,;|/\u3001\u060c&]|and|or)[ \t]*")
_LINK_WORDS = frozenset(_LINKS.split("|"))
_TITLE_WORD = re.compile(_CASELESS_TITLES)
#: What separates the items of an enumeration on one line.
_SEP = re.compile(r"[ \t]*(?:[,;|/\u3001\u060c]|\][ \t]*\[|[ \t](?:and|or|&)[ \t])[ \t]*")
_FOREIGN_WORD = re.compile(_ANY_WORD)
#: A whole item of one to three words of these scripts (a list item of a list of people).
FOREIGN_ITEM = re.compile(rf"(?:{_CASED_WORD}(?:[ \t]+{_CASED_WORD}){{0,2}}"
                          rf"|{_CASELESS_WORD}(?:[ \t]+{_CASELESS_WORD}){{0,2}})")
_LETTER = re.compile(r"[^\W\d_]")
#: The scripts told apart when counting a text's letters: (first code point, last, name).
_SCRIPTS = ((0x0370, 0x03ff, "greek"), (0x1f00, 0x1fff, "greek"), (0x0400, 0x052f, "cyrillic"),
            (0x0530, 0x058f, "armenian"), (0x0590, 0x05ff, "hebrew"), (0x0600, 0x06ff, "arabic"),
            (0x0900, 0x097f, "devanagari"), (0x0e00, 0x0e7f, "thai"), (0x10a0, 0x10ff, "georgian"),
            (0x3040, 0x30ff, "cjk"), (0x4e00, 0x9fff, "cjk"), (0xac00, 0xd7a3, "hangul"))
_LOWER_CASED = re.compile(rf"[{_CASED_LETTER}]")
_WORD_BEFORE = re.compile(rf"{_ANY_WORD}[ \t]+$")
_WORD_AFTER = re.compile(rf"[ \t]+{_ANY_WORD}")


class ForeignScriptNameRecognizer(OwnRecognizer):
    ENTITY = "PERSON"
    #: In Latin text; and two or more capitalised words in text of their own script.
    SCORE = 0.6

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        if _FOREIGN_WORD.search(text) is None and _JAPANESE_NAME.search(text) is None \
                and _JA_LABELLED.search(text) is None:
            return []
        letters = _letters_by_script(text)
        total = sum(letters.values())
        things = _enumerated_words(text) | _unnamed_list_items(text)
        out = []
        frames: dict[int, bool] = {}  # _latin_frame by line start: each line read once
        for regex in (_CASED_RUN, _CASELESS_RUN, _JAPANESE_NAME):
            for m in regex.finditer(text):
                found = self._run(text, m, letters, total, things, frames=frames,
                                  cased=regex is _CASED_RUN, japanese=regex is _JAPANESE_NAME)
                if found is not None:
                    out.append(make_result(self, self.ENTITY, found[0], found[1], self.SCORE,
                                           "proper noun in another script"))
        out.extend(make_result(self, self.ENTITY, start, end, self.SCORE,
                               "list of names in another script")
                   for start, end in _name_list_items(text))
        out.extend(make_result(self, self.ENTITY, start, end, self.SCORE,
                               "name in a frame of its own language")
                   for start, end in _frame_names(text))
        return out

    def _run(self, text: str, m: re.Match[str], letters: Counter[str], total: int,  # noqa: PLR0911, PLR0913 - one reason a line
             things: set[tuple[int, int]], *, cased: bool, japanese: bool,
             frames: dict[int, bool]) -> tuple[int, int] | None:
        """The span of the name in a run, or None where the run is no name."""
        name = m.group("name")
        words = name.split()
        titled = not japanese and m.group("title") is not None
        start, end = (m.start() if titled else m.start("name")), m.end("name")
        own = letters[_script(name[0])]
        # In text of other scripts, a short run of this one is a name: where they have a
        # quarter of the letters or more (a short English frame around two names, "Team:
        # 이현지; 이정훈", 'author = "ზინა კუპატაძე"', has no more); or where the run's own
        # line has Latin letters around a run of two or three words ("aka ცისანა იმნაძე",
        # "-- owner: გურამ რეხვიაშვილი").
        minority = own <= 3 * (total - own) or (len(words) >= 2 and _latin_frame(text, start,
                                                                                  frames))
        # A run of more than three words is a name only with a linking word inside it.
        if len(words) > 3 and not any(w in _LINK_WORDS for w in words[1:-1]):
            return None
        # There, two or three capitalised words are a name inside a phrase too (after a
        # title: "пані Олена Баранець", "Др. Свидна Тодорова"); in text of their own script a
        # phrase around them may be a firm's ("в Московском Государственном"). A caseless
        # title ("جناب آقای") makes the run a name whatever is around it.
        if not japanese and not (minority and cased and len(words) >= 2) \
                and not (titled and not cased) and self._in_phrase(text, start, end):
            return None  # a quoted sentence, not a name
        if not minority and not (cased and len(words) >= 2) and not (titled and not cased):
            return None
        if cased and any(not _LOWER_CASED.search(w[1:]) or w[1:].isupper()
                         for w in words if len(w) > 1):
            return None  # an acronym in capitals, not a name
        if cased and not all(w[0].isupper() for w in words):
            return None  # the extended Cyrillic block mixes capitals and small letters
        if cased and titled and not minority \
                and _LETTER.search(text[text.rfind("\n", 0, start) + 1:start]) is not None:
            start = m.start("name")  # a small word inside a sentence, not a title
        if (len(words) == 1 or not cased) and not titled and (start, end) in things:
            # one of a list of single words, or of a list of phrases in a script without
            # capitals that nothing says is of people: things, not people
            return None
        return start, end

    @staticmethod
    def _in_phrase(text: str, start: int, end: int) -> bool:
        """Another word of these scripts right before or after the run (a space apart): the
        run is part of a longer phrase."""
        return _WORD_BEFORE.search(text, max(0, start - 40), start) is not None \
            or _WORD_AFTER.match(text, end) is not None


def _latin_frame(text: str, at: int, frames: dict[int, bool] | None = None) -> bool:
    """Whether the line at ``at`` is an English frame around short runs of other scripts:
    words in Latin letters with small ones (three letters or more; format codes such as
    "%s" and acronyms such as "PID" aside) and, apart from them, only runs of two or three
    words (titles and Arabic linking words aside; an abbreviated title, "Др.", is no run)
    between punctuation ("aka ცისანა იმნაძე", "Members: A B; C D"). A translated message
    with a code or a term in Latin letters ("%s 연산자가 없음, 건너뜀",
    "이 플랫폼에서는 peer 인증이 지원되지 않음") has runs of other lengths, or runs with only
    a Latin word between them."""
    lo = text.rfind("\n", 0, at) + 1
    if frames is not None:
        if lo not in frames:  # many runs on one long line: the line is read once, not per run
            frames[lo] = _latin_frame(text, at)
        return frames[lo]
    hi = text.find("\n", at)
    line = text[lo:(len(text) if hi < 0 else hi)]
    if sum(len(w) for w in _ENGLISH_WORD.findall(_FORMAT_CODE.sub("", line))) < 3:
        return False
    runs = list(_FOREIGN_PHRASE.finditer(line))
    if any(not 2 <= len([w for w in r.group(0).split()
                         if w not in _LINK_WORDS and not _TITLE_WORD.fullmatch(w)]) <= 3
           for r in runs):
        return False
    return all(_RUN_GAP.fullmatch(line, a.end(), b.start()) for a, b in pairwise(runs))


def _enumerated_words(text: str) -> set[tuple[int, int]]:
    """Spans of single words of these scripts that are items of an enumeration of single
    words (two or more, one a line after bullets, or on one line between commas, semicolons,
    bars, slashes, brackets or "and"/"or"): "- Молоко\n- Хлеб", "Menu: სალათი, სუპი",
    "[Փակել] [Կաթ]", "- 豆腐\n- キャベツ". People in a list have full names; Korean names are
    one word, so a list whose Hangul words all have a Korean name's shape ("이현지") stays."""
    out: set[tuple[int, int]] = set()
    items = [(m.start("item"), m.end("item")) for m in _LIST_ITEM.finditer(text)]
    for line in re.finditer(r"[^\n]+", text):
        pieces, at = [], line.start()
        for sep in _SEP.finditer(text, line.start(), line.end()):
            pieces.append((at, sep.start()))
            at = sep.end()
        pieces.append((at, line.end()))
        if len(pieces) >= 2:
            items.extend(pieces)
            out |= _single_words(text, pieces)
    bulleted = [i for i in items if _LIST_ITEM.match(text, text.rfind("\n", 0, i[0]) + 1)]
    out |= _single_words(text, bulleted)
    return out


def _single_words(text: str, pieces: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The single words of ``pieces`` when every piece with letters of these scripts is one
    (after a label such as "Menu:" and brackets or quotes), and there are two or more."""
    words = []
    for lo, hi in pieces:
        piece = text[lo:hi]
        label = piece.rfind(":")
        core = piece[label + 1:] if label >= 0 else piece
        stripped = core.strip(" \t[](){}\"'«».")
        if not _FOREIGN_WORD.search(stripped) and not _CJK_WORD.fullmatch(stripped):
            continue
        if _FOREIGN_WORD.fullmatch(stripped) is None and _CJK_WORD.fullmatch(stripped) is None:
            return set()
        start = lo + (label + 1 if label >= 0 else 0) + core.index(stripped)
        words.append((start, start + len(stripped)))
    if all(_KOREAN_NAME.fullmatch(text[lo:hi]) for lo, hi in words):
        return set()  # "Team: 이현지; 이정훈": Korean names are written in one word
    return set(words) if len(words) >= 2 else set()


def _name_shaped(item: str) -> bool:
    """An item of a list that has a name's shape in a script without capitals (or Japanese):
    two or three words (or any after a title), a spaced Japanese pair, a Hangul word of three
    syllables after a common surname (Korean names have no space)."""
    m = _CASELESS_RUN.fullmatch(item)
    if m is not None:
        words = m.group("name").split()
        if m.group("title") is not None:
            return True
        if _script(words[0][0]) == "hangul":  # a Korean name is one word: "설정 저장" is none
            return len(words) == 1 and _KOREAN_NAME.fullmatch(words[0]) is not None
        return len(words) >= 2
    return _JAPANESE_NAME.fullmatch(item) is not None


def _name_list_items(text: str) -> list[tuple[int, int]]:
    """The items of a list of people written in a script without capitals: two or more items
    one a line, every one in these scripts of a name's shape (a list of things has
    one-word items: "- 우유", "- ხინკალი"), and something that says they are people
    (:func:`_people_listed`): two words are also an everyday phrase ("- לחם לבן", "- خبز
    أبيض", "- सफेद ब्रेड")."""
    if "\n" not in text:
        return []
    items = [m for m in _LIST_ITEM.finditer(text)
             if _FOREIGN_WORD.search(m.group("item")) or _JAPANESE_NAME.search(m.group("item"))]
    foreign = [m for m in items if not _LATIN_LETTER.search(m.group("item"))]
    if len(foreign) < 2 or not all(_name_shaped(m.group("item")) for m in foreign):
        return []
    if not _people_listed(text, foreign):
        return []
    return [(m.start("item"), m.end("item")) for m in foreign]


def _unnamed_list_items(text: str) -> set[tuple[int, int]]:
    """The items in scripts without capitals of a bulleted or numbered list (two or more
    such items) that nothing says is of people (:func:`_people_listed`): "Shopping list:\n-
    לחם לבן\n- חלב טרי" is not a list of names because its heading is in English."""
    if "\n" not in text:
        return set()
    foreign = [m for m in _LIST_ITEM.finditer(text)
               if _CASELESS_RUN.fullmatch(m.group("item")) is not None
               and _script(m.group("item")[0]) not in ("cjk", "hangul")]
    if len(foreign) < 2 or _people_listed(text, foreign):
        return set()
    return {(m.start("item"), m.end("item")) for m in foreign}


#: Common given names written in the scripts without capitals (Hebrew, Arabic, Persian,
#: Devanagari, Georgian): the first word of an item that says a list is of people.
_GIVEN_NAMES = frozenset("""
דוד משה יוסף אברהם יעקב יצחק שמואל דניאל מיכאל אורי נועם איתי יונתן עומר אריאל איתן רון גיא
אמיר עידו יואב אלון תומר רועי נדב שרה רחל לאה רבקה מרים אסתר נועה תמר מאיה יעל שירה מיכל
רונית אורית ענבל הילה טל גל שני ליאור דנה אביגיל חנה רות אילנה יוסי אבי חיים מרדכי אליהו שלמה
בנימין אהרון מנחם עמית אסף ניר ערן זיו אדם אליה מוחמד אחמד עלי
محمد أحمد احمد علي حسن حسين عمر خالد يوسف إبراهيم ابراهيم عبدالله مصطفى محمود سعيد سامي طارق
كريم ماجد فيصل سلطان ناصر فاطمة عائشة مريم زينب خديجة سارة نور ليلى هدى رنا ريم سلمى أمل منى
دينا ياسمين هند لينا عمرو ياسر هشام وليد رامي زياد
محمد علی حسین حسن رضا مهدی امیر احمد سعید مجید حمید مسعود جواد کاظم محسن مصطفی عباس ابراهیم
یوسف داود بهرام کیان آرش بابک کوروش داریوش فرهاد پرویز سیاوش زهرا فاطمه مریم زینب سارا نرگس
لیلا مینا نازنین شیرین پریسا الهام سمیرا نگار آزاده مهسا ستاره یاسمین هانیه نیلوفر فرشته رویا
ژیلا ستایش حدیث امیرعلی محمدرضا علیرضا
राहुल अमित सुनील अनिल राजेश संजय विजय अजय रवि सुरेश रमेश महेश दिनेश मुकेश राकेश अशोक प्रकाश
मनोज विनोद आनंद अर्जुन आदित्य रोहित विकास दीपक सचिन प्रिया पूजा अंजलि नेहा सुनीता अनीता कविता
रीता गीता सीता लक्ष्मी आरती नीता स्नेहा दिव्या आशा उषा मीना रेखा सुमन किरण जय राम श्याम कृष्ण
गोपाल हरि मोहन सोहन राज अरुण वरुण करण अभिषेक आकाश निखिल गौरव सौरभ कुणाल
გიორგი დავით ნიკოლოზ ლევან ირაკლი ზურაბ გოგა ალექსანდრე ლუკა საბა თორნიკე დათო მიხეილ ნინო
მარიამ ანა თამარ ეკატერინე ნათია მაკა ქეთევან სალომე ელენე ნანა ლიკა თეა
""".split())  # noqa: SIM905 - as a list literal, four times as long


#: A heading or label over a list of people, in English and in the scripts without
#: capitals (Hebrew, Arabic, Persian, Devanagari, Thai, Georgian).
_PEOPLE_CUE = re.compile(
    r"(?i)(?<![A-Za-z])(?:attendees|attending|participants|members|team|speakers|guests|"
    r"staff|people|names|contacts|authors|students|pupils|employees|invitees|invited|"
    r"panel(?:ists)?|committee|board|owners|reviewers|volunteers|players|candidates|"
    r"winners|present|absent|apologies|cast|crew|family|friends|colleagues|organi[sz]ers|"
    r"hosts|judges|signatories|residents|tenants|patients|clients|recipients|assignees|"
    r"maintainers|contributors|credits|who|roster|rota|on[ \t]+call|leads?|managers|"
    r"teachers|doctors|nurses|drivers|graduates|contestants|delegates|representatives|"
    r"partners|founders|directors|trustees)"
    r"(?![A-Za-z])"
    r"|משתתפים|נוכחים|צוות|חברי|חברים|שמות|אורחים|תלמידים|עובדים|מוזמנים|רשימת[ \t]+שמות|"
    r"המשתתפים|الحضور|المشاركون|المشاركين|الفريق|فريق|الأعضاء|أعضاء|الأسماء|أسماء|الضيوف|"
    r"الطلاب|الموظفون|الموظفين|المدعوون|شرکت[\u200c ]?کنندگان|اعضا|اعضای|تیم|اسامی|نام[\u200c ]?ها|"
    r"مهمانان|دانشجویان|کارکنان|प्रतिभागी|सदस्य|टीम|नाम|अतिथि|छात्र|कर्मचारी|उपस्थित|"
    r"ผู้เข้าร่วม|สมาชิก|ทีม|รายชื่อ|แขก|นักเรียน|พนักงาน|"
    r"მონაწილეები|წევრები|გუნდი|სახელები|სტუმრები|სტუდენტები|თანამშრომლები|დამსწრეები")
#: The last word of a name in Georgian (the suffixes of its surnames: -ძე, -შვილი, Megrelian
#: -უა, -ავა; not -ია and -ანი, which end many words) and in Persian (-زاده, -پور, -نژاد,
#: -نیا, -فر, -یان, -وند), after a stem of three letters or more (რძე, milk, is no name).
_SURNAME_FORM = re.compile(r"\w{3,}(?:ძე|შვილი|უა|ავა|زاده|پور|نژاد|نیا|فر|یان|وند)")
#: Arabic linking words of a name (ibn, bint, abd, abu, banu; not the article "ال" alone).
_NAME_LINKS = _LINK_WORDS - {"ال"}
#: A Latin name as an item of the same list: "John Smith" (a census first name first).
_LATIN_NAME_ITEM = re.compile(r"(?P<first>[A-Z][a-z'’\-]+)(?:[ \t]+[A-Z][a-z'’\-]+){1,2}")


def _people_listed(text: str, foreign: list[re.Match[str]]) -> bool:
    """Something says a list of two-word items in these scripts is of people, not of things:
    a heading or label over it that names people, an item with a title or a common given
    name first, an Arabic linking word (بن, عبد), a Georgian or Persian surname's ending, a
    Thai or Japanese pair apart by a space (both write words without spaces between them), a
    Korean name's shape, or a Latin name (a census first name first) in the same list."""
    first = foreign[0].start()
    line_start = text.rfind("\n", 0, first) + 1
    above = text[max(0, text.rfind("\n", 0, max(0, line_start - 1)) + 1):line_start]
    k = line_start
    while above and _LIST_ITEM.fullmatch(above.rstrip("\n")) is not None and k > 0:
        k = text.rfind("\n", 0, k - 1) + 1  # the heading is above the list's other items
        above = text[max(0, text.rfind("\n", 0, max(0, k - 1)) + 1):k]
    if _PEOPLE_CUE.search(above) or _PEOPLE_CUE.search(text[line_start:first]):
        return True
    for m in foreign:
        item = m.group("item")
        run = _CASELESS_RUN.fullmatch(item)
        words = item.split()
        if (run is not None and run.group("title") is not None) \
                or (words and words[0] in _GIVEN_NAMES) \
                or any(w in _NAME_LINKS for w in words) \
                or (len(words) >= 2 and _SURNAME_FORM.fullmatch(words[-1]) is not None) \
                or _script(item[0]) in ("thai", "cjk", "hangul"):
            return True
    latin = (_LATIN_NAME_ITEM.fullmatch(m.group("item")) for m in _LIST_ITEM.finditer(text))
    return any(n is not None and n.group("first").upper() in gazetteer()[0] for n in latin)


def _script(char: str) -> str:
    code = ord(char)
    return next((name for lo, hi, name in _SCRIPTS if lo <= code <= hi), "other")


def _letters_by_script(text: str) -> Counter[str]:
    """How many letters ``text`` has in each script (Latin and the rest count as "other")."""
    return Counter(_script(c) for c in _LETTER.findall(text))


#: Frames of the scripts' own languages around a name: a label of a form ("氏名", "성함:",
#: "الاسم:", "ФИО:"), a greeting or a self-introduction ("안녕하세요, …입니다", "مرحبا …",
#: "Здравствуйте, …", "меня зовут …"), an honorific after the name ("…さん", "… 씨",
#: "…고객님"). Each finds a name where the rules above find none: a single word, a run in
#: text of its own script, a Korean or Japanese name written without spaces around it.
_HANGUL = "\uac00-\ud7a3"
_KANA = "\u3040-\u30ff"
#: A Korean full name: a common surname and one or two syllables (three in all without a
#: label's colon: "기자", "배우", "정보", "이모" are words), ended by a particle or the end
#: of the word.
_KO_FULL = rf"[{_KO_SURNAMES}][{_HANGUL}]{{1,2}}"
_KO_FULL3 = rf"[{_KO_SURNAMES}][{_HANGUL}]{{2}}"
_KO_PARTICLE = (r"(?:입니다|이에요|예요|이고|이며|이라고|라고|이|가|은|는|을|를|"
                r"에게|께서|께|의|와|과|랑|이랑|님|씨|도|만)?")
_KO_NOT_AFTER = rf"(?![{_HANGUL}])"
#: Nouns of three syllables after a surname's syllable that are roles or things, not names
#: ("공무원입니다", "선생님", "고객님", "주부입니다").
_KO_NOT_NAMES = frozenset("""
공무원 선생님 선생 고객 고객님 사장 사장님 부장 과장 대리 팀장 회장 교수 원장 실장 차장 주임 주부
소방관 간호사 변호사 안내원 상담원 연구원 회사원 직원 정비사 조교 학생 기사 한국인 외국인 여러분
이번 오늘 지금 저희 우리 여기 거기 정말 진짜 고객센터 관리자 사용자 담당자 신청자 작성자
구매자 주최자 방문자 진행자 지원자 참가자 참석자 판매자 노동자 지도자 소방관 연구원 은행원 정치인
유튜버 마케터 한국인 신입생 전학생 안내원 도우미 하느님 이웃집 주인공 선배님 이모님 고모님
""".split())  # noqa: SIM905
_KO_ROLE = (r"(?:고객|선생|교수|사장|부장|과장|차장|대리|팀장|실장|원장|회원|기사|작가|감독|"
            r"의원|박사)님")
_KO_LABEL = (r"(?:성함|이름|성명|담당자|담당|작성자|신청자|예약자|보호자|수신인|수신자|발신인|"
             r"보내는[ \t]*사람|받는[ \t]*사람|대표자|환자명|고객명)")
#: A role before a name without a colon ("담당자 정민수에게"); not "이름" ("파일 이름 정규화").
_KO_ROLE_LABEL = r"(?:담당자|담당|작성자|신청자|예약자|보호자|수신인|수신자|발신인|대표자|고객명)"
#: A last syllable that is a particle: "정보는", "인수가", "문자로" are a word and a particle.
_KO_PARTICLE_END = frozenset("는을를의가과로에도와")
_KO_SELF = r"(?:입니다|이에요|예요|라고[ \t]*합니다|이라고[ \t]*합니다)"
_KO_FRAMES = re.compile(
    # a label of a form (with a colon: two syllables too) or a role before the name
    rf"{_KO_LABEL}[ \t]*[:：][ \t]*(?P<a>{_KO_FULL}){_KO_PARTICLE}{_KO_NOT_AFTER}"
    rf"|{_KO_ROLE_LABEL}[ \t]+(?P<f>{_KO_FULL3}){_KO_PARTICLE}{_KO_NOT_AFTER}"
    # a greeting or a self-introduction
    rf"|(?:안녕하세요|안녕하십니까|반갑습니다)[,.!\s]*(?:저는[ \t]+)?(?P<b>{_KO_FULL3})"
    rf"(?:{_KO_SELF}|이고|이며)"
    rf"|(?:저는|제[ \t]*이름은)[ \t]+(?P<c>{_KO_FULL3}){_KO_SELF}"
    # an honorific after the name (a space before it: two syllables too)
    rf"|(?<![{_HANGUL}])(?:(?P<d>{_KO_FULL3})[ \t]*|(?P<g>{_KO_FULL})[ \t]+)"
    rf"(?:씨|님|{_KO_ROLE}){_KO_PARTICLE}{_KO_NOT_AFTER}")
#: Honorifics after a Japanese name, and words ending in one that are no name ("皆さん",
#: "お客様", "様子"): the name is a run of two to four kanji or of katakana (or a spaced
#: "family given" pair), the honorific not followed by a kanji that makes a word of it.
_JA_NAME = (rf"(?:[{_HAN}]{{1,4}}[ \t\u3000][{_HAN}{_KANA}]{{1,4}}|[{_HAN}]{{2,4}}"
            r"|[\u30a1-\u30fa\u30fc]{2,8}(?:[・＝][\u30a1-\u30fa\u30fc]{2,8})?)")
_JA_HONORIFIC = r"(?:さん|様|さま|君|くん|ちゃん|先生|氏|殿)(?![子々式相])"
#: Hiragana after a kanji run that make it a word of a sentence, not a name.
_JA_NOT_HONORIFIC = r"(?!さん|さま|くん|ちゃん)[\u3041-\u3096]"
#: Labels of a Japanese form, also as the recognizers see them: the text's kanji in their
#: simplified form (normalize: "契約者" is read as "契约者").
_JA_LABEL = (r"(?:氏名|お名前|名前|フリガナ|担当者|担当|ご担当者|差出人|宛名|送信者|申込者|申請者|"
             r"申请者|代表者|責任者|责任者|患者名|利用者|契約者|契约者|連絡先氏名|连络先氏名|作成者|"
             r"依頼者)")
#: A Japanese form's label, in text without kana ("氏名: 佐藤 健太").
_JA_LABELLED = re.compile(rf"{_JA_LABEL}[ \t]*[：:]")
_JA_FRAMES = re.compile(
    # a label's value, not a word of a sentence ("名前: 空ではいけません")
    rf"{_JA_LABEL}[ \t]*[：:][ \t\u3000]*(?P<a>{_JA_NAME})(?!{_JA_NOT_HONORIFIC})"
    rf"(?P<more>(?:[（(][^）)\n]{{0,30}}[）)])?(?:[、,，][ \t]*{_JA_NAME}"
    rf"(?![{_HAN}{_KANA}])(?:[（(][^）)\n]{{0,30}}[）)])?)*)"
    rf"|(?<![{_HAN}\u30a1-\u30fa\u30fc])(?P<b>{_JA_NAME}){_JA_HONORIFIC}"
    # "私は山田と申します"; with "です" only a spaced pair ("私は元気です", "私は学生です")
    rf"|(?:私は|わたしは|僕は|仆は|俺は)[ \t\u3000]*(?:(?P<c>{_JA_NAME})[ \t\u3000]*"
    rf"(?:と申します|といいます|と言います)|(?P<f>[{_HAN}]{{1,4}}[ \t\u3000][{_HAN}{_KANA}]{{1,4}})"
    r"[ \t\u3000]*です)"
    rf"|(?<![{_HAN}{_KANA}])(?P<e>{_JA_NAME})(?:と申します|といいます)")
#: Words before an honorific that are no name ("皆", "お客", "奥", "神", "お疲れ"), and a
#: form's placeholders after a label ("担当者: 未定").
_JA_NOT_NAMES = frozenset("""
皆 お客 客 奥 神 王 同 仕 模 お疲れ ご苦労 お世話 皆々 各位 患者 利用者 お子 ご利用者 担当者 先生
ユーザー メンバー ゲスト オーナー スタッフ ファン ママ パパ プレイヤー カスタマー サポーター ゲーム
お母 お父 お兄 お姉 お爺 お婆 お嬢 坊ちゃん 旦那 若 殿 王子 姫 人 方 御 皆さま 各 お客さま 一般 社員
会員 生徒 学生 選手 監督 社長 部長 課長 店長 院長 校長 医者 医師 弁護士 運転手 乗客 読者 視聴者
未定 不明 未記入 空欄 調整中 募集中 全員 各自 本人 代理 未设定 未設定 无 無 なし 未定义
""".split())  # noqa: SIM905
_AR = "\u0620-\u064a\u066e-\u06d3\u064b-\u065f"
_AR_WORD = rf"[{_AR}]{{2,}}"
_AR_GREETING = (r"(?:مرحبا|مرحباً|مرحبًا|أهلا|أهلاً|اهلا|أهلًا|عزيزي|عزيزتي|صباح[ \t]+الخير|"
                r"مساء[ \t]+الخير|السلام[ \t]+عليكم|تحية[ \t]+طيبة|شكرا|شكراً|شكرًا)")
_AR_LABEL = (r"(?:الاسم(?:[ \t]+الكامل)?|اسم[ \t]+(?:العميل|المريض|الطالب|المستخدم|المرسل|المستلم)|"
             r"المرسل|المستلم|مقدم[ \t]+الطلب|المسؤول)")
#: Titles, also with a preposition or "and" joined to them ("بالسيدة", "وللدكتور").
_AR_TITLE = (r"(?:(?:[وبف]|وب)?(?:ال|لل)(?:سيد|سيدة|آنسة|أستاذ|أستاذة|استاذ|استاذة|دكتور|دكتورة|"
             r"شيخ|مهندس|مهندسة)|الحاج|د\.|م\.|أ\.)")  # not "الحاجة": also "the need"
_AR_FRAMES = re.compile(
    rf"(?<![{_AR}])(?:(?P<g>{_AR_GREETING})[ \t]*[،,]?[ \t]*(?:يا[ \t]+)?"
    rf"|(?P<label>{_AR_LABEL}[ \t]*[:：][ \t]*)|(?:اسمي|أنا[ \t]+اسمي)[ \t]*[:：]?[ \t]*"
    rf"|(?P<title>{_AR_TITLE})[ \t]*)"
    rf"(?P<name>{_AR_WORD}(?:[ \t]+(?:(?:{_LINKS})[ \t]+)?{_AR_WORD}){{0,2}})")
#: Words after an Arabic greeting that are no name: "مرحبا بكم", "عزيزي العميل".
_AR_NOT_NAMES = frozenset("""
بك بكم بكِ بكما بالجميع بالجميع جميعا جميعاً وسهلا وسهلاً ومرحبا العميل العملاء عميلنا
المستخدم الزبون المشترك المشتركين الجميع لكم لك لكِ على في من إلى عن مع يا صديقي صديقتي
أخي أختي الأعزاء الكرام سيدي سيدتي والدي أمي كل بعد إلا لقد لقد أنا نحن هذا هذه
""".split())  # noqa: SIM905
_RU_CUE = (r"(?:(?:[Мм]еня[ \t]+)?зовут[ \t]+|(?:Здравствуйте|Здравствуй|Привет|Добрый[ \t]+"
           r"(?:день|вечер)|Доброе[ \t]+утро|С[ \t]+уважением)[ \t]*[,!.]?[ \t\n]*"
           r"|(?:Уважаем(?:ый|ая)|Дорог(?:ой|ая))[ \t]+"
           # a form's label takes a colon: "Имя   Тип" is a table's header
           r"|(?:ФИО|Ф\.И\.О\.|Имя|Фамилия|Контактное[ \t]+лицо|Ответственный|Отправитель|"
           r"Получатель|Пациент|Заявитель|Исполнитель|Автор)[ \t]*:[ \t]*)")
_RU_WORD = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
_RU_FRAMES = re.compile(
    rf"(?<![\w])(?P<cue>{_RU_CUE})(?P<name>{_RU_WORD}(?: {_RU_WORD}){{0,2}})(?![\w])")
#: Capitalised words after a Russian greeting or label that are no name ("Здравствуйте, Коллеги").
_RU_NOT_NAMES = frozenset("""
Коллеги Друзья Господа Все Уважаемые Дорогие Клиент Пользователь Покупатель Спасибо Пожалуйста
Как Мы Я Вы Меня Нас Вас Ваш Ваша Это Сегодня Заявка Ваше Команда Добрый Доброе Хорошего Благодарим
Уважаемый Уважаемая Сообщаем Напоминаем Рады Не Нет Да
""".split())  # noqa: SIM905


def _frame_names(text: str) -> list[tuple[int, int]]:  # noqa: C901 - one frame a branch
    """Spans of names in the frames of their own language (see the constants above)."""
    out: list[tuple[int, int]] = []
    if re.search(f"[{_HANGUL}]", text):
        for m in _KO_FRAMES.finditer(text):
            group = next(g for g in "abcdfg" if m.group(g) is not None)
            name = m.group(group)
            if name not in _KO_NOT_NAMES and not (group == "f"
                                                  and name[-1] in _KO_PARTICLE_END):
                out.append(m.span(group))
    kana = re.search(f"[{_KANA}様]", text) is not None  # 様 is Japanese; Chinese writes 样
    for m in _JA_FRAMES.finditer(text):
        group = next(g for g in "abcef" if m.group(g) is not None)
        name = m.group(group)
        if group != "a" and not kana:
            continue  # kana make it Japanese: "王先生" in Chinese is the zh rules'
        if name in _JA_NOT_NAMES or name.split()[0] in _JA_NOT_NAMES \
                or any(name.endswith(w) for w in ("さま", "お客", "皆")):
            continue
        out.append(m.span(group))
        if group == "a" and m.group("more"):  # the other names of the label's list
            for n in re.finditer(rf"[、,，][ \t]*(?P<n>{_JA_NAME})",
                                 m.group("more")):
                out.append((m.start("more") + n.start("n"), m.start("more") + n.end("n")))
    if re.search(f"[{_AR}]", text):
        out.extend(_arabic_frames(text))
    if re.search("[А-ЯЁа-яё]", text):
        for m in _RU_FRAMES.finditer(text):
            words = m.group("name").split()
            if words[0] in _RU_NOT_NAMES:
                continue
            out.append(m.span("name"))
    return out


def _arabic_frames(text: str) -> list[tuple[int, int]]:
    """Names after an Arabic greeting, label or title. A run that punctuation ends (or the
    end of the line, after a form's label or a title) is the name whole; else its first word and the
    words after it that are a family name ("الفارسي"), a father's given name ("وليد حسن") or
    start with a linking word ("بن علي"): "مرحبا سامي كيف حالك" is a greeting, a name and a
    question."""
    out: list[tuple[int, int]] = []
    at = 0
    while (m := _AR_FRAMES.search(text, at)) is not None:
        at = m.end()
        words = m.group("name").split()
        if words[0] in _AR_NOT_NAMES:
            at = m.start("name")  # "أهلاً وسهلاً بالسيدة …": a title may follow
            continue
        tail = text[m.end("name"):m.end("name") + 2]
        keep = 1
        if (tail.lstrip(" \t")[:1] or "\n") in "،,.!؟?:؛;)" \
                or ((m.group("label") or m.group("title")) is not None
                    and not tail.strip(" \t")[:1].strip()):
            keep = len(words)
        else:
            while keep < len(words) and (words[keep].startswith("ال")
                                         or words[keep] in _GIVEN_NAMES
                                         or words[keep] in _LINK_WORDS):
                keep += 2 if words[keep] in _LINK_WORDS else 1
            keep = min(keep, len(words))
        while keep > 0 and words[keep - 1] in _AR_NOT_NAMES:
            keep -= 1
        if keep == 0:
            continue
        name, pos = m.group("name"), 0
        for w in words[:keep]:  # the end of the words kept (a space or a tab apart)
            pos = name.index(w, pos) + len(w)
        out.append((m.start("name"), m.start("name") + pos))
    return out
