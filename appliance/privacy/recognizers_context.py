"""Names and birth dates that only the shape of the text around them gives away.

A word is a name because of what the sentence does with it, not because of how it looks:
"My name is Sofia", "Everyone calls me Erle", "What's your last name? — Okafor.", a transcript
line "Mineko: I lost my card", "our founders: L'Heureux, Long and Crosby". The NER model reads a
few words of context and misses most of these, and no word list holds every name. These
recognizers read the structure instead:

- :class:`IntroducedNameRecognizer`: the words after a phrase that introduces or names a
  person ("my (first|last|…) name is", "call me", "known as", "goes by", "nicknamed",
  "this is … speaking", a title such as Mr/Dr/Prof) and, more cautiously, after "I'm",
  "named", "called", verbs whose object is a person ("send the photos to", "call … at"), a
  relation ("my boss", "our neighbour"), a wish ("Sorry Amleto,"); and words in a frame only a
  person fills ("… and I went", "… from HR", "Is … coming?", "…'s place"). A word in CJK script
  alone in such a slot of an English sentence is a name when it can be one (see
  :func:`cjk_name_like`).
- :class:`AnswerRecognizer`: the answer to a question asking for a name or a date of birth,
  in the same line or the next one ("When were you born?\\n14/03/1987" — no cue word stands
  next to the date).
- :class:`SpeakerLabelRecognizer`: the speaker labels of a transcript or chat log (a reply of
  one word counts inside a dialogue).
- :class:`NameListRecognizer`: the items of a list of people after a word that says they are
  people (founders, attendees, authors, cc …).

What counts as a name word (:func:`name_words`): a word that is not a function word; a
capitalised word after a strong cue; a lower-case one only when it is a census first name or
no ordinary English word. Name particles (van der, de la, bin, al-) are taken along when a
capitalised word follows them.
"""

from __future__ import annotations

import itertools
import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.privacy import recognizers_zh_names as zh_names
from appliance.privacy.lexicon import COMMON_SURNAMES, Lexicon, ordinary_word
from appliance.privacy.recognizer_base import OwnRecognizer, make_result
from appliance.privacy.recognizers_gdpr import EN_PLACE_NAMES
from appliance.privacy.recognizers_ids import _DATE as DATE_PATTERN
from appliance.privacy.recognizers_ids import _DOB_CUE as BIRTH_CUE
from appliance.privacy.recognizers_names import gazetteer, stop_words, surname_ranks
from appliance.privacy.recognizers_scripts import FOREIGN_ITEM

#: One word of a name: letters with inner apostrophes and hyphens (L'Heureux, Gonzalez-Ruiz,
#: O'Brien, curly apostrophes too), Latin letters with diacritics included.
_NAME_WORD = (r"[A-Za-zÀ-ÖØ-öø-ÿĀ-žƀ-ʯḀ-ỿ][A-Za-zÀ-ÖØ-öø-ÿĀ-žƀ-ʯḀ-ỿ'’\-]*")
#: A name in Hangul, kanji (a given name alone may be one character: 浩), kanji with hiragana
#: (くみ子) or katakana after an English cue ("My name is 김민준"), one word or two (花子 佐々木).
_CJK_ONE = r"(?:[\uac00-\ud7a3]{2,4}|[\u3005\u3040-\u309f\u4e00-\u9fff]{1,4}|[\u30a0-\u30ff]{2,10})"
_CJK_LETTER = r"[\uac00-\ud7a3\u3005\u3040-\u30ff\u4e00-\u9fff]"
_CJK_NAME_WORD = rf"{_CJK_ONE}(?:[ \t]{_CJK_ONE})?(?!{_CJK_LETTER})"
_PARTICLES = frozenset(("van", "der", "den", "de", "del", "della", "di", "da", "do", "dos", "das",
                        "du", "la", "le", "von", "zu", "bin", "binti", "ibn", "al", "el", "ten",
                        "ter", "af", "st", "mac", "ap", "y"))
#: Up to four words after a cue, stopped at punctuation other than ' - . (initials).
_WORDS_AFTER = re.compile(rf"[ \t]*[\"“'‘「]?({_NAME_WORD}\.?(?:[ \t]+{_NAME_WORD}\.?){{0,3}}"
                          rf"|(?<!{_CJK_LETTER})(?:{_CJK_NAME_WORD}))")
_CALL = re.compile(r"(?i)call")
_CAMEL = re.compile(r"[a-z][A-Z]")
_SLAVIC_TITLE = re.compile(r"(?i)(?:pan|pani|panem|panu|pana|panią|paní)\.?")
_SLAVIC_TEXT = re.compile("[ąćęłńśźżřůěĄĆĘŁŃŚŹŻŘŮĚ]")
_NAME_PREFIX = re.compile(r"(?:Mc|Mac|O['’]|D['’]|De|Di|Da|Le|La|Van|Von)[A-Z]")
_LOWER_TITLE = re.compile(r"(?:mr|mrs|ms|miss|dr|prof)\.?")
#: A verb of getting in touch, whose object a number or an address follows ("ring Jade 07…").
_CONTACT_VERB = re.compile(r"(?i)call|ring|reach|text|phone|message|whatsapp|dm|bel|bell")
#: English words after a CJK name, on its line: the name sits in an English sentence.
_LATIN_AROUND = re.compile(r"[^\n]*?[A-Za-z]{2}|[ \t]*[,.!?]?[ \t]*(?:\r?\n|$)")
_CJK_START = re.compile(_CJK_LETTER)
_HAN_ONLY = re.compile(r"[\u3005\u4e00-\u9fff]+")


def cjk_name_like(value: str) -> bool:
    """``value`` (CJK script, one word or a given name and a surname) can be a name: kana and
    Hangul always; Chinese characters when its first word is a given name (one character; two
    that are no frequent word, or that given names are made of: 建华) or starts with a surname,
    never a frequent word such as a place (北京, 上海) or 高兴."""
    word = value.split(maxsplit=1)[0]
    if not _HAN_ONLY.fullmatch(word):
        return True
    zh_names.load_segmenter()  # the dictionary's words and names, loaded once
    return zh_names._given_name(word) or zh_names._given_word(word) or (
        len(word) >= 2 and zh_names._surname_start(word)
        and zh_names._freq.get(word, 0) < zh_names.COMMON_WORD_FREQ)


#: What follows a word that is part of an address, handle or file name.
_IDENTIFIER_NEXT = re.compile(r"[@/\\_]|\.[A-Za-z0-9]")
#: The weak cues that are verbs taking a person: a lower-case first name may follow them.
_PERSON_VERB = re.compile(r"(?i)(?!i'?m|i\s|i’m|named|called|call|saw\b|seen\b)")
#: Weak cues of wishing someone well: what follows may be a firm or a word ("Thanks Apple!").
_WISHING = re.compile(r"(?i)sorry|congrat|happy|good\s+(?:luck|night)|thank|cheers|bye|"
                      r"welcome|well\s+done|miss\s+you|love\s+you|see\s+you")
#: Weak cues of seeing someone: what follows is as often a film, a brand or a month.
_SEEING = re.compile(r"(?i)saw|seen|proud\s+of")
_QUOTE = re.compile(r"[ \t]*[\"“'‘][A-Za-zÀ-ÿ]")
_CONTRACTION = re.compile(r"['’](?:s|m|re|ll|ve|d|t)$")
_TITLES = (r"(?:mr|mrs|ms|miss|mx|dr|prof|professor|sir|dame|madam|mister|doctor|rev|"
           r"herr|herrn|frau|mme|mlle|señor|señora|sr|sra|dra|lic|grandma|grandpa|granny|"
           r"auntie|aunt|uncle|"
           # Polish and Czech (inflected: "z panem Wiśniewskim"), Italian ("l'avv. De Luca",
           # "la sig.ra Rossi"), Dutch, Romanian
           r"pan|pani|panem|panu|pana|panią|paní|avv|avvocato|dott|dott\.ssa|dottor|dottoressa|"
           r"sig\.ra|sig\.na|signor|signora|prof\.ssa|dhr|mevr|domnul|doamna)")
#: Jobs written in lower case before a person's name in news and reports ("presenter Clive
#: Underhill-Smythe", "the striker Ana Lima").
_OCCUPATIONS = (r"(?:presenter|broadcaster|actor|actress|singer|songwriter|rapper|musician|"
                r"comedian|journalist|reporter|novelist|author|poet|painter|photographer|chef|"
                r"footballer|striker|goalkeeper|midfielder|defender|athlete|boxer|cyclist|"
                r"sprinter|senator|minister|councillor|councilor|mayor|governor|chairman|"
                r"chairwoman|founder|co-founder|producer|spokesman|spokeswoman|spokesperson|"
                r"barrister|solicitor|detective|inspector|sergeant|constable|lecturer|"
                r"researcher|scientist|economist|businessman|businesswoman|entrepreneur|"
                r"activist|campaigner|headteacher|headmaster|headmistress|surgeon|pastor|"
                r"priest|bishop|vicar|rabbi|imam|veteran|pensioner|grandmother|grandfather|"
                r"widow|widower|schoolboy|schoolgirl|teenager|designer|architect|pianist|"
                r"guitarist|drummer|director|filmmaker)")
#: The shape of a surname with an apostrophe: O'Neill, D'Arcy (a curly one too).
_IRISH_NORMAN = re.compile(r"[OD]['’][A-Z][a-z]")
#: Surnames this common are names even as a speaker label (Smith:, Baker:), where rarer surnames
#: that are also ordinary words are roles (Agent:, Driver:, Guest:).
COMMON_LABEL_SURNAMES = 1_000
_MODIFIERS = r"(?:full|first|last|middle|family|given|maiden|legal|real|nick|sur|christian)"


def role_word(word: str, lexicon: Lexicon) -> bool:
    """A word that labels a role or a field rather than a person: an ordinary word, even when
    it is also a surname (Agent, Guest, Driver, Genre), unless it is a first name or one of the
    :data:`COMMON_LABEL_SURNAMES` most common surnames (Smith, Baker, Long)."""
    firsts, _ = gazetteer()
    key = word.upper().replace("’", "'")
    if key in firsts:
        return False
    if word.lower() in stop_words():
        return True
    rank = surname_ranks().get(key)
    if rank is not None and rank <= COMMON_LABEL_SURNAMES:
        return False
    return lexicon.is_word(word) or (word.isupper() and len(word) <= 4)


#: A label at the start of a line: up to three words and a colon.
_LINE_LABEL = re.compile(rf"(?m)^[ \t]*({_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,2}})[ \t]*:")


def in_field_label(text: str, start: int, end: int, lexicon: Lexicon) -> bool:
    """``text[start:end]`` lies in a line's label ("Genre:", "Summer Sale:", "Grace Period:")
    whose last word is a role or field word: a heading or a key, not a speaker."""
    line_start = text.rfind("\n", 0, start) + 1
    m = _LINE_LABEL.match(text, line_start)
    if m is None or not (m.start(1) <= start and end <= m.end(1)):
        return False
    last = re.findall(_NAME_WORD, m.group(1))[-1]
    return role_word(last, lexicon)


class NameWords:
    """Tells name words from ordinary ones (see the module docstring)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._lexicon = lexicon
        self._stop = stop_words()

    def ordinary(self, word: str) -> bool:
        if _IRISH_NORMAN.match(word):
            return False  # O'Neill, D'Arcy: WordNet lists a famous one, the shape is a name's
        return ordinary_word(word, self._lexicon)

    def role(self, word: str) -> bool:
        return role_word(word, self._lexicon)

    def known(self, word: str) -> bool:
        return self._lexicon.is_word(word)

    def first_name(self, word: str) -> bool:
        return word.upper() in gazetteer()[0]

    def _before_surname(self, words: list[re.Match[str]], i: int) -> bool:
        """Word ``i`` (capitalised, an English word too) is followed by a capitalised surname
        that is no English word: a given name that is also a word ("Transfer 200 EUR to Tilde
        Koch", "send it to Rose Okafor")."""
        if i + 1 >= len(words):
            return False
        nxt = words[i + 1].group(0).rstrip(".")
        return nxt[:1].isupper() and nxt.upper() in gazetteer()[1] and not self.ordinary(nxt)

    def take(self, text: str, start: int, *, strong: bool,  # noqa: C901, PLR0912 - one pass, word by word
             limit: int = 3) -> tuple[int, int] | None:
        """The name words starting at ``start`` (after spaces and an opening quote), at most
        ``limit`` words besides particles. ``strong``: the cue says a name follows, so any
        capitalised word that is not a function word counts; otherwise a capitalised word
        must not be an ordinary word (census names excepted)."""
        m = _WORDS_AFTER.match(text, start)
        if m is None:
            return None
        firsts, _ = gazetteer()
        if re.fullmatch(_CJK_NAME_WORD, m.group(1)):
            # Alone in English text after a cue, a word in these scripts is a name; after a
            # weak cue only when the line is English around it ("send the photos to 治?").
            if strong or (_LATIN_AROUND.match(text, m.end(1)) and cjk_name_like(m.group(1))):
                return m.span(1)
            return None
        words = list(re.finditer(rf"{_NAME_WORD}\.?", m.group(1)))
        base = m.start(1)
        kept: list[re.Match[str]] = []
        pending: list[re.Match[str]] = []  # particles waiting for a capitalised word
        count = 0
        for i, w in enumerate(words):
            word = w.group(0).rstrip(".")
            lower = word.lower()
            if _IDENTIFIER_NEXT.match(text, base + w.start() + len(word)):
                break  # "ann@example.com", "j.doe", "report.pdf": part of an identifier
            if lower in _PARTICLES and not word[:1].isupper():
                pending.append(w)  # van der Vlist, "dos hastuti": kept if a name word follows
                continue
            if kept and re.match(r"[ \t]*[:：]", text[base + w.end():base + w.end() + 3]):
                break  # the next turn's label: "A: Rain. Q: Just Rain?"
            if kept and len(word) == 1 and w.group(0).endswith("."):
                kept.append(w)  # a middle initial: "angelo c. lanfranchi"
                continue
            if not kept and len(word) == 1 and word.isupper() and w.group(0).endswith("."):
                pending.append(w)  # a first initial: "J. Smith", kept if a name follows
                continue
            if _CONTRACTION.sub("", lower) in self._stop \
                    and not (word[:1].isupper() and word.upper() in firsts):
                break
            if word[:1].isupper():
                if not strong and self.ordinary(word) and not (
                        not kept and self._before_surname(words, i)):
                    break
            elif not (word.upper() in firsts or (not self.ordinary(word) and len(word) > 1)):
                break  # lower case: only a first name or no English word at all
            if kept and not word[:1].isupper() and kept[0].group(0)[:1].isupper():
                break  # "Sofia and", "Erle from": the name ended at the case change
            kept += [*pending, w]
            pending = []
            count += 1
            if count >= limit:
                break
        if not kept:
            return None
        end = kept[-1].end()
        if kept[-1].group(0).endswith(".") and len(kept[-1].group(0).rstrip(".")) > 1:
            end -= 1  # a sentence's full stop, not an initial
        return base + kept[0].start(), base + end


class _ContextRecognizer(OwnRecognizer):
    ENTITY = "PERSON"
    SCORE = 0.75

    def __init__(self, lexicon: Lexicon, language: str = "en") -> None:
        super().__init__(language)
        self._words = NameWords(lexicon)

    def load(self) -> None:
        gazetteer()

    def _result(self, start: int, end: int, why: str, score: float | None = None,
                entity: str | None = None) -> RecognizerResult:
        return make_result(self, entity or self.ENTITY, start, end,
                           self.SCORE if score is None else score, why, cued=True)


class IntroducedNameRecognizer(_ContextRecognizer):
    """Names after phrases that introduce or name someone."""

    _STRONG = re.compile(
        r"(?i)(?<![A-Za-z])(?:"
        rf"(?:my|his|her|their|your|the\s+(?:caller|customer|patient|client)'?s?)\s+"
        rf"(?:{_MODIFIERS}\s*)?name(?:\s+is|\s+was|'s|’s|:)"
        rf"|{_MODIFIERS}\s*name\s+(?:is|was)"
        # A form's field: "Given names: Franco", "First name: くみ子".
        # (one start per field: not every position inside a long blank run)
        rf"|(?:(?<![^\n])[ \t]*|(?:(?<=[ \t]{{2}})|(?<=\t))(?![ \t]))"
        rf"{_MODIFIERS}\s*names?[ \t]*[:：]"
        r"|known(?:\s+[a-z]+){0,4}?\s+as|goes\s+by|go\s+by|went\s+by"
        r"|nicknamed(?:\s+(?:me|him|her|them)(?![A-Za-z]))?"
        r"|a\.?k\.?a\.?"
        r"|nick-?name(?:\s+is|\s+was|'s|’s|\s*:)|name'?s|i\s+am\s+called|i'?m\s+called"
        r"|short\s+for|(?:know|knows|knew)\s+(?:me|him|her|them)\s+as"
        # "You can call me Tilde": a capitalised word (no day or month) after "call me"
        r"|call(?:s|ed)?\s+me(?=[ \t]+(?!(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:jan|feb"
        r"|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b)(?-i:[A-ZÀ-Þ][a-zß-ÿ]))"
        r"|this\s+is"
        rf"(?=[ \t]+{_NAME_WORD}(?:[ \t]+{_NAME_WORD})?,?[ \t]+(?:speaking|here|from|calling)\b)"
        # "Hi there, Kenes speaking": a name and "speaking" after a greeting or at the start.
        rf"|(?:^|(?<=[,.!?:])|(?<=\n))(?=[ \t]*{_NAME_WORD}(?:[ \t]+{_NAME_WORD})?[ \t]+"
        r"(?:speaking|here\b(?=[ \t]*[,.!-])))"
        rf"|(?<![A-Za-z]){_TITLES}\.?(?=[ \t]+(?:[A-ZÀ-Þ]|{_CJK_LETTER}))"
        r")")
    _WEAK = re.compile(r"(?i)(?<![A-Za-z])(?:i'?m|i\s+am|i’m|named|"
                       # A title in dictated lower case: "ring mr abara", "call back mrs
                       # lindqvist" (the words after it: a given name or no English word).
                       r"(?-i:mr|mrs|ms|miss|dr|prof)\.?(?=[ \t]+[a-z])|"
                       # A meeting's motion, an approval: "seconded by Sparrow".
                       r"(?:seconded|proposed|nominated|moved|endorsed|sponsored|countersigned|"
                       r"witnessed|authori[sz]ed|verified|minuted|raised|actioned)\s+by|"
                       # Whose name an account or booking is in: "in the name of Fitzgerald".
                       r"in\s+(?:the\s+)?names?\s+of|under\s+the\s+name(?:\s+of)?|"
                       r"(?:booked|registered|reserved)\s+under|"
                       # What a label or a cheque bears: 'a coat labelled "M. Underwood"'.
                       r"labell?ed|made\s+out\s+to|payable\s+to|addressed\s+to|"
                       r"(?:forwarding|forwarded|forwards|sending|sends|handing|handed|passing|"
                       r"passed)(?:\s+(?:this|it|them))?\s+to|"
                       # A job before a name in news: "Former BBC presenter Clive Underhill".
                       rf"(?-i:{_OCCUPATIONS})(?=[ \t]+(?-i:[A-ZÀ-Þ]))|"
                       # "we called her Franck": the pronoun belongs to the cue
                       r"call(?:s|ed|ing)?\s+(?:me|him|her|them)(?![A-Za-z])|called|"
                       r"signed\s+by|speaking\s+with|talking\s+to|spoke\s+(?:with|to)|"
                       # "(alias Tilde)", "alias: Tilde", "under the alias Tilde" ("the alias
                       # Main points to origin" is git's or a shell's alias)
                       r"\(alias|alias:|(?:by|under|using|uses|used)\s+the\s+alias|"
                       # "Call Thom at 0268 095188", "ring João Miguel on +55 …", "ring Jade
                       # 07123 456789", "DM Sarah or call 07700 …", "message Ana on ana@…",
                       # Dutch "bel Sanne 06-…": a contact verb, a name, then the number or
                       # the address to reach them by.
                       r"(?:call|ring|reach|text|phone|message|whatsapp|dm|bel|bell)"
                       r"(?=[ \t]+[^\W\d_][\w'’\-]*(?:[ \t]+[^\W\d_][\w'’\-]*)?"
                       r"(?:[ \t]+(?:at|on|op|or[ \t]+(?:call|text|ring|phone|whatsapp)"
                       r"(?:[ \t]+(?:at|on))?))?[ \t]+(?:\+?\(?[0-9](?:[ ()./\-]?[0-9]){6}|"
                       r"[\w.+\-]+@\w))|"
                       # Verbs whose object is a person: "forward this to Huxley".
                       r"(?:forward(?:ed)?|send|sent|give|gave|hand|pass|reply|replied|write|wrote|"
                       r"report(?:s|ed)?|talk(?:ed)?|speak|chat(?:ted)?|met|meet(?:ing)?|show|"
                       r"showed|lend|lent|bring|brought|take|took|mail|mailed|explain|explained)"
                       # "send the photos to Vera", "give my keys to Tracy"
                       r"(?:\s+(?:this|it|them|these|that|those|(?:the|my|our|your|his|her|"
                       r"their|some|a|an)\s+[a-z]+))?\s+(?:to|with)|"
                       r"say\s+(?:hello|hi|hey|thanks|goodbye|bye)\s+to|ask(?:ed)?\s+for|"
                       # Who receives money: "Transfer 200 EUR to Pascal Schacht".
                       r"(?:transfer(?:red)?|wire[ds]?|pa(?:y|id)|send|sent|refund(?:ed)?|"
                       r"remit(?:ted)?)\s+(?:[€$£]\s?)?[0-9][0-9.,]*(?:\s?(?:[A-Z]{3}|[€$£]|"
                       r"euros?|dollars?|pounds?|francs?|z[łl]oty))?\s+to|"
                       # Who someone is to the writer: "my boss Mark", "our neighbour Ana Lima".
                       r"(?:my|our|your|his|her|their)\s+(?:(?:little|older|younger|big|best|"
                       r"new|old|dear|late)\s+)?(?:boss|sister|brother|mum|mom|mother|dad|"
                       r"father|wife|husband|son|daughter|friend|colleague|co-?worker|"
                       r"neighbou?r|landlord|landlady|cousin|aunt|uncle|niece|nephew|grandma|"
                       r"grandpa|grandmother|grandfather|granddaughter|grandson|partner|"
                       r"boyfriend|girlfriend|fianc[ée]e?|roommate|flatmate|housemate|"
                       r"teacher|tutor|coach|doctor|dentist|lawyer|accountant|manager|"
                       r"supervisor|assistant|stepmother|stepfather|stepson|stepdaughter)|"
                       # Who holds an account or receives a payment: "account holder Tilde Koch".
                       r"(?:(?:account|card)[ \t]*holder|beneficiary|payee)(?:[ \t]+(?:is|was))?:?|"
                       r"attn\.?:?|c/o|"
                       # Greetings and wishes that name the one addressed: "Sorry Amleto,".
                       r"(?:sorry|congrats|congratulations|happy\s+birthday|good\s+luck|"
                       r"thanks|thank\s+you|cheers|bye|dear|hi|hello|hey|"
                       r"welcome\s+back|well\s+done|good\s+night|miss\s+you|love\s+you|"
                       r"see\s+you(?:\s+soon)?),?"
                       rf"(?=[ \t]+(?:(?-i:[A-ZÀ-Þ])|{_CJK_LETTER})[^\W\d_]*[ \t]*[,!.?])|"
                       # A sign-off and the name after it on its line: "Regards, J. Smith".
                       r"(?:(?:best|kind|warm|many)\s+(?:regards|wishes|thanks)|regards|"
                       r"sincerely|yours(?:\s+(?:truly|sincerely|faithfully))?|love|xoxo|hugs|"
                       r"warmly|rgds),?(?=[ \t]+[^\n]{1,40}(?:\r?\n|$))|"
                       r"saw|seen|proud\s+of|"
                       r"(?:ask|asked|tell|told|e-?mail(?![ \t]+from)(?:ed)?|ping(?:ed)?|"
                       r"thank(?:ed)?|remind(?:ed)?|invite(?:d)?|introduce(?:d)?|"
                       r"notif(?:y|ied)|inform(?:ed)?|cc(?:'d)?|bcc|visit(?:ed)?|"
                       r"phone(?:d)?|text(?![ \t]+from)(?:ed)?|contact(?:ed)?|hire(?:d)?|"
                       r"interview(?:ed)?)|"
                       r"on\s+behalf\s+of|married\s+to|assigned\s+to|"
                       # Verbs whose object is a person: "the manager praised Kati".
                       r"(?:praised|congratulated|hugged|kissed|promoted|blamed|greeted|"
                       r"welcomed|befriended|comforted|scolded|consoled|dated|divorced)|"
                       # What someone sends or shares: "a postcard from Anjeza", "coffee with
                       # Arisztid" (a firm's "email from Zalando" reads the same: weak cue).
                       r"(?:postcard|letter|note|card|gift|present|voicemail|text|e-?mail|"
                       r"message|call|visit|hug|kiss)\s+from|"
                       r"(?:coffee|lunch|dinner|drinks|breakfast|a\s+chat|a\s+date|a\s+word)"
                       r"\s+with|"
                       # Attribution: "written by Nicole das Neves", "chaired by Nils Dahl".
                       r"(?:written|prepared|approved|reviewed|authored|submitted|presented|"
                       r"edited|translated|organi[sz]ed|hosted|chaired|led|filed|requested|"
                       r"recorded|taken|drawn|painted|photographed|interviewed|accompanied|"
                       r"replaced|succeeded|trained|supervised|treated|examined|referred)\s+by"
                       r")(?=[ \t])")

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = []
        for regex, strong in ((self._STRONG, True), (self._WEAK, False)):
            for m in regex.finditer(text):
                # A quoted word right after the phrase is what someone is called ("Chip").
                quoted = _QUOTE.match(text, m.end()) is not None
                if strong and _SLAVIC_TITLE.fullmatch(m.group(0)) and not _SLAVIC_TEXT.search(text):
                    continue  # "a pan Tefal", "Pani Puri": Polish and Czech titles in their text
                found = self._words.take(text, m.end(), strong=strong or quoted)
                if found is None:
                    continue
                if not (strong or quoted) and not text[found[0]].isupper() \
                        and not _CJK_START.match(text, found[0]) and not _CALL.match(m.group(0)) \
                        and not _LOWER_TITLE.fullmatch(m.group(0)) \
                        and not (_PERSON_VERB.match(m.group(0)) and self._words.first_name(
                            text[found[0]:found[1]].split(maxsplit=1)[0])):
                    continue  # "I'm kinda", "named after": these weak cues need a capital
                if not (strong or quoted) and self._thing_not_person(text, m, found):
                    continue
                if _LOWER_TITLE.fullmatch(m.group(0)):
                    if not all(self._party_name(w) for w in text[found[0]:found[1]].split()):
                        continue  # "ms word", "dr server": the words after it are a name's
                    found = (m.start(), found[1])  # "mrs lindqvist" whole, as "Dr Lee" is
                first = text[found[0]:found[1]].split(maxsplit=1)[0]
                if not (strong or quoted) and (
                        first.lower() in _SOFTWARE
                        # "An email from Zalando": firms send mail too; one word there must be
                        # a listed name ("a message from Ana", "the email from Phillips")
                        or (_FIRM_SENDS.search(m.group(0)) and first == text[found[0]:found[1]]
                            and first.upper() not in gazetteer()[0]
                            and first.upper() not in gazetteer()[1])):
                    continue
                if not (strong or quoted) and (
                        first.lower() in _CALENDAR  # "see you Monday!", "I saw May"
                        # "Thanks Apple!", "Cheers Boss!", "Happy birthday Mom!" (one word:
                        # "Tilde Koch" is a name)
                        or (_WISHING.match(m.group(0)) and first == text[found[0]:found[1]]
                            and self._words.known(first) and not self._words.first_name(first))
                        # "I saw Netflix": seeing needs a name people are given
                        or (_SEEING.fullmatch(m.group(0).strip())
                            and not self._words.first_name(first)
                            and not _CJK_START.match(first))):
                    continue
                out.append(self._result(*found, "introduced as a name",
                                        None if strong else 0.6))
        return out + self._framed(text) + self._labelled(text)

    def _thing_not_person(self, text: str, m: re.Match[str], found: tuple[int, int]) -> bool:
        """What a weak cue introduced is a place, a product or a firm: "sent the package to
        London", "forwarded the alert to PagerDuty", "ring Tesco 0800 …"."""
        value = text[found[0]:found[1]]
        return value in EN_PLACE_NAMES \
            or (_CAMEL.search(value) is not None and not _NAME_PREFIX.match(value)) \
            or (_CONTACT_VERB.fullmatch(m.group(0)) is not None
                and not self._contactable(value.split()))

    def _contactable(self, words: list[str]) -> bool:
        """Whom one calls, texts or messages at a number: a capitalised given name first, or a
        surname the census lists last ("Call Thom at …", "ring Jade 07…", "DM Sarah or call
        …"); not a firm's, a desk's or a function's name ("ring Tesco 0800 …", "call malloc
        16 times")."""
        if not words or not words[0][:1].isupper():
            return False
        return self._words.first_name(words[0]) or (
            len(words) > 1 and words[-1].upper() in gazetteer()[1]
            and not self._words.known(words[-1]))

    def _not_all_ordinary(self, text: str, found: tuple[int, int]) -> bool:
        """``found`` holds a word that reads as a name: not every word ordinary, and no
        acronym ("TBD"), day, month or known place at its start."""
        words = re.findall(_NAME_WORD, text[found[0]:found[1]])
        words = [w for w in words if len(w) > 1 or not w.isupper()]  # initials aside
        if not words or (words[0].isupper() and len(words[0]) <= 4) \
                or words[0].lower() in _CALENDAR or words[0].lower() in _SOFTWARE \
                or text[found[0]:found[1]] in EN_PLACE_NAMES:
            return False
        if any(any(c.isupper() for c in w[1:].replace("-", "").replace("'", ""))
               and not w.isupper() and not self._words.first_name(w)
               and not re.match(r"(?:Mc|Mac|O'|O’|D'|D’|De|Di|Da|Le|La|Van|Von)[A-Z]", w)
               for w in words):
            return False  # DevOps, GitHub: a product
        return not all(self._words.ordinary(w) for w in words)

    def _party_name(self, word: str) -> bool:
        """The last word after a party's title is a name: a given name, no English word, or
        one of the 10,000 most frequent surnames ("Hill", "Wainwright"); a rarer surname that
        is a word too is the title's noun ("Customer Service", "Patient Portal")."""
        word = word.strip(".,")
        return self._words.first_name(word) or not self._words.known(word) or (
            surname_ranks().get(word.upper(), COMMON_SURNAMES) <= COMMON_SURNAMES // 2)

    def _labelled(self, text: str) -> list[RecognizerResult]:
        """Names in the frames of records and minutes: a role's label ("Manager: Anil
        Kapoor"), who is to act ("Action: Ignatius Mbeki to circulate", "Huxley to follow
        up"), a relative ("my husband, Rhys"), a spelled name ("T-S-H-A-B-A-L-A"), a chat's
        greeting in lower case ("hey priya") and a thanked one ("Thanks, Cormac —")."""
        out = []
        for m in _ROLE_LABEL.finditer(text):
            found = self._words.take(text, m.end(), strong=True)
            if found is not None and self._not_all_ordinary(text, found):
                out.append(self._result(*found, "a role's label"))
        for m in _PARTY_BEFORE_NAME.finditer(text):
            found = self._words.take(text, m.end(), strong=False)
            if found is not None and _PARTY_NAME_END.match(text, found[1]) \
                    and self._not_all_ordinary(text, found) \
                    and self._party_name(text[found[0]:found[1]].rsplit(maxsplit=1)[-1]):
                out.append(self._result(*found, "a party's title before the name", 0.6))
        for m in _TO_ACT.finditer(text):
            found = self._words.take(text, m.start("v"), strong=True)
            if found is None or found[1] != m.end("v") or (
                    m.group("title") and (len(m.group("v").split()) < 2 or m.group("at") != ":")):
                continue  # "Postgres to MySQL": a title after one word is a migration
            if self._not_all_ordinary(text, found):
                out.append(self._result(*found, "who is to act", 0.6))
        for m in _RELATION.finditer(text):
            found = self._words.take(text, m.end(), strong=True)
            if found is not None and text[found[0]].isupper() \
                    and self._not_all_ordinary_or_first(text, found):
                out.append(self._result(*found, "a relative named", 0.6))
        lasts = gazetteer()[1]
        for m in _SURNAME_FIRST.finditer(text):
            last, given = m.group("l"), m.group("f")
            if last.upper() in lasts and last not in EN_PLACE_NAMES \
                    and not self._words.ordinary(given) and given not in EN_PLACE_NAMES \
                    and given.lower() not in _CALENDAR and not self._words.ordinary(last):
                out.append(self._result(m.start("l"), m.end("f"), "surname, given name", 0.6))
        return out + self._addressed(text)

    def _addressed(self, text: str) -> list[RecognizerResult]:
        """A chat's greeting in lower case ("hey priya"), one thanked after a comma ("Thanks,
        Cormac —") and a name spelled out after it or a request to spell it."""
        out = []
        firsts = gazetteer()[0]
        for m in _LOWER_GREETING.finditer(text):
            word = m.group("v")
            if word.upper() in firsts and not self._words.known(word) \
                    and word not in stop_words():
                out.append(self._result(*m.span("v"), "greeted in a chat", 0.6))
        for m in _THANKED.finditer(text):
            word = m.group("v")
            if (self._words.first_name(word) or not self._words.known(word)) \
                    and word.lower() not in _CALENDAR and word not in EN_PLACE_NAMES \
                    and word.lower() not in _FIRM_ENDS:  # "Thanks for calling Acme, Inc."
                out.append(self._result(*m.span("v"), "addressed after thanks", 0.6))
        out += self._texted(text)
        for m in _SPELLED.finditer(text):
            letters = re.sub(r"[^A-Za-z]", "", m.group(0)).lower()
            before = text[max(0, m.start() - 120):m.start()]
            said = [w for w in re.findall(_NAME_WORD, before) if w.lower() == letters]
            if (said and not self._words.ordinary(said[-1])) \
                    or _SPELL_CUE.search(text, max(0, m.start() - 200), m.start()):
                out.append(self._result(*m.span(), "a name spelled out", 0.6))
        return out

    def _texted(self, text: str) -> list[RecognizerResult]:
        """Names in a text message's or a voicemail's frames: who speaks after a greeting
        (:data:`_SELF_NAMED`), whom a birthday wish is for (:data:`_WISHED`) and who signs a
        short message (:data:`_SMS_SIGNED`). The word is a census first name or no English
        word, and no day, month, place or stop word."""
        out = []
        stop = stop_words()

        def name_like(word: str) -> bool:
            return (self._words.first_name(word) or not self._words.known(word)) \
                and word.lower() not in stop and word.lower() not in _CALENDAR \
                and word not in EN_PLACE_NAMES and word.lower() not in _SOFTWARE

        for regex, why in ((_SELF_NAMED, "who speaks, after a greeting"),
                           (_WISHED, "wished a happy birthday")):
            out += [self._result(*m.span("v"), why, 0.6) for m in regex.finditer(text)
                    if name_like(m.group("v"))]
        if len(_TURN_LABEL.findall(text)) >= 2:
            out += [self._result(*m.span("v"), "opens a turn of a dialogue", 0.6)
                    for m in _TURN_OPENS.finditer(text) if name_like(m.group("v"))
                    and m.group("v").lower() not in _SIGNOFF_WORDS]
        if len(text) <= 320 and "\n" not in text.strip():
            m = _SMS_SIGNED.search(text)
            # A capitalised first name alone, or any name-like word a kiss follows.
            # An acronym in capitals ("… see below. LTYPE") signs nothing.
            if m is not None and name_like(m.group("v")) and not m.group("v").isupper() \
                    and m.group("v").lower() not in _SIGNOFF_WORDS and (
                    m.group("x") or (m.group("v")[0].isupper() and not self._words.known(
                        m.group("v")))):
                out.append(self._result(*m.span("v"), "signs a text message", 0.6))
        return out

    def _not_all_ordinary_or_first(self, text: str, found: tuple[int, int]) -> bool:
        """After a word for a relative, a capitalised word is a name even when it is a word
        too ("my cousin Yaw"), unless a day, a month, a place or software."""
        value = text[found[0]:found[1]]
        first = value.split(maxsplit=1)[0]
        return first.lower() not in _CALENDAR and value not in EN_PLACE_NAMES \
            and first.lower() not in _SOFTWARE and not (first.isupper() and len(first) <= 4)

    def _framed(self, text: str) -> list[RecognizerResult]:
        """Names in a frame only a person fills (:data:`_SUBJECT`) and owners of what only a
        person has (:data:`_POSSESSOR`)."""
        out = []
        for m in _SUBJECT.finditer(text):
            group = next(g for g in ("v", "w", "x") if m.group(g))
            word = m.group(group)
            # A first name, or no word at all: "Is Monday ok?" asks about a day (a surname too).
            if (self._words.first_name(word) or not self._words.known(word)) \
                    and word.lower() not in _CALENDAR and word not in EN_PLACE_NAMES:
                out.append(self._result(*m.span(group), "a person in the sentence's frame", 0.6))
        out += self._subjects(text)
        for m in _DASH_SIGNED.finditer(text):
            word = m.group("v").split(maxsplit=1)[0]
            if self._words.first_name(word) or (_CJK_START.match(word) and cjk_name_like(word)):
                out.append(self._result(*m.span("v"), "a name signing a line", 0.6))
        for m in _POSSESSOR.finditer(text):
            if _CJK_START.match(m.group("v")):
                if cjk_name_like(m.group("v")):
                    out.append(self._result(*m.span("v"), "owner of a home or a relative", 0.6))
                continue
            words = list(re.finditer(r"\S+", m.group("v")))
            if len(words) > 1 and self._words.ordinary(words[0].group(0)):
                words = words[1:]  # "Yesterday Amir's": the sentence's first word
            if not any(self._words.ordinary(w.group(0)) or w.group(0) in EN_PLACE_NAMES
                       or w.group(0).lower() in _CALENDAR for w in words):
                out.append(self._result(m.start("v") + words[0].start(), m.end("v"),
                                        "owner of a home or a relative", 0.6))
        firsts, lasts = gazetteer()
        for m in _NAMED_POSSESSOR.finditer(text):
            word = m.group("v")
            key = word.upper().replace("’", "'")
            if (key in firsts or key in lasts) and not self._words.known(word) \
                    and word not in EN_PLACE_NAMES and word.lower() not in _CALENDAR \
                    and word.lower() not in _SOFTWARE:
                out.append(self._result(*m.span("v"), "a known name owning something", 0.6))
        return out

    def _unknown_name(self, word: str) -> bool:
        """A capitalised word that reads as a name in a person's slot: a first name, or no
        word the lexicon knows (no place, day or month, acronym or CamelCase identifier)."""
        if word.lower() in _CALENDAR or word in EN_PLACE_NAMES or word.isupper() \
                or word.lower() in stop_words() \
                or word.lower() in _SOFTWARE:  # "Many asked", "Some said", "Jenkins called"
            return False
        if any(c.isupper() for c in word[1:].replace("-", "")) and not self._words.first_name(word):
            return False  # GitHub, PyPI: a product, unless a listed name (McKenzie)
        if not self._words.known(word):
            return True
        # A word the lexicon knows: a first name that is no ordinary word, or one of the most
        # common surnames (WordNet lists Watson and Castro as nouns; "Apple says" is a firm).
        rank = surname_ranks().get(word.upper().replace("’", "'"))
        return not self._words.ordinary(word) and (
            self._words.first_name(word) or (rank is not None and rank <= COMMON_LABEL_SURNAMES))

    def _subjects(self, text: str) -> list[RecognizerResult]:
        """The subject of a verb of saying or thinking, and a name in a cleft sentence."""
        out = []
        for m in _SPEAKS.finditer(text):
            words = list(re.finditer(r"\S+", m.group("v")))
            if len(words) > 1 and (self._words.ordinary(words[0].group(0))
                                   or self._words.known(words[0].group(0))):
                words = words[1:]  # "Yesterday Holstad said": the sentence's first word
            at = m.start("v") + words[0].start()
            if _ARTICLE_BEFORE.search(text, max(0, at - 6), at):
                continue  # "The Bill presented to Parliament": a thing, not a person
            firsts, lasts = gazetteer()
            listed = any(w.group(0).upper() in firsts or w.group(0).upper() in lasts
                         for w in words)
            if m.group("verb") in ("owns", "maintains") \
                    and any(self._words.known(w.group(0)) for w in words):
                continue  # "the Copyright Holder maintains": owning takes no word, only names
            if (listed or _HUMAN_VERB.fullmatch(m.group("verb"))) \
                    and all(self._unknown_name(w.group(0)) for w in words):
                out.append(self._result(m.start("v") + words[0].start(), m.end("v"),
                                        "subject of a verb of saying or thinking", 0.6))
        for m in _CLAUSE_SUBJECT.finditer(text):
            parts = m.group("v").split()
            if (any(self._words.first_name(w) or w.upper() in gazetteer()[1] for w in parts)
                    or _HUMAN_CLAUSE_VERB.fullmatch(m.group("verb"))) \
                    and all(self._unknown_name(w) for w in parts):
                out.append(self._result(*m.span("v"), "subject of a clause of time", 0.6))
        for m in _CLEFT.finditer(text):
            group = "v" if m.group("v") else "w"
            # "It was Postgres who lost the data": software is spoken of as a who too
            # (:data:`_SOFTWARE`, in :meth:`_unknown_name`); a name the lists lack ("It was
            # Bernadetta who") is still read
            if all(self._unknown_name(w) for w in m.group(group).split()):
                out.append(self._result(*m.span(group), "a person in a cleft sentence", 0.6))
        return out


_CAPITAL = "A-ZÀ-ÖØ-ÞĀ-ʯḀ-ỿ"
#: A record's or a ticket's label for the person in a role: "Manager: Anil Kapoor.",
#: "Requester: Saoirse Ní Bhriain | Org: …". (Speakers of a transcript — agent, caller — are
#: left to :class:`SpeakerLabelRecognizer`: what follows them is speech.)
_ROLE_LABEL = re.compile(
    # One start per label: a line's start with its indent, or right after ". " or a gap of
    # two blanks — not every position inside a long blank run (quadratic on padded text).
    r"(?im)(?:^[ \t]*|(?:(?<=[.;|][ \t])|(?<=[ \t]{2}))(?![ \t]))(?:[-*•][ \t]*)?"
    r"(?:(?:line|account|project|hiring|case|reporting|duty|shift)[ \t]+)?"
    r"(?:manager|supervisor|requester|requestor|chair(?:person)?|approver|reviewer|"
    r"coordinator|organi[sz]er|witness|sponsor|mentor|tutor|teacher|consultant|referrer|"
    r"technician|handler|case[ \t]?worker|officer|point[ \t]+of[ \t]+contact|next[ \t]+of[ \t]+kin|"
    r"emergency[ \t]+contact|guarantor|signatory|interviewer|interviewee|assignee|"
    r"minute[ \t-]?taker|note[ \t-]?taker|scribe|facilitator|secretary|treasurer|"
    r"action(?:[ \t]+items?)?|actions?|follow[ \t-]?up|owner|lead|on[ \t-]?call|referred[ \t]+by|"
    r"prepared[ \t]+by|approved[ \t]+by|reviewed[ \t]+by|requested[ \t]+by|spouse|partner|"
    r"gp|physician|doctor|nurse|tenant|landlord|landlady)"
    r"[ \t]*[:：][ \t]*(?=[A-ZÀ-Þ])")
#: A record's party written as a title before the name, without a colon, at the start of a
#: clause: a police or court record's "Complainant Felicity Wainwright states", an interview
#: note's "Candidate Hill did well", a courier's "Driver Raj will arrive". The name is read
#: without the strong cue's licence (an ordinary capitalised word ends it: "Customer Service
#: asks", "Patient Portal", "Driver Update") and is followed by a lower-case word or the
#: clause's end (:data:`_PARTY_NAME_END`).
_PARTY_BEFORE_NAME = re.compile(
    r"(?m)(?:^|(?<=[.;:!?][ \t])|(?<=[.;:!?][ \t]{2}))[ \t]*(?:[-*•][ \t]*)?"
    r"(?:Complainant|Claimant|Defendant|Respondent|Appellant|Applicant|Candidate|Driver|"
    r"Courier|Suspect|Victim|Witness|Addressee|Consignee|Pupil|Resident|Tenant|Patient|"
    r"Customer|Client|Passenger)[ \t]+(?=[A-ZÀ-Þ])")
_PARTY_NAME_END = re.compile(r"[ \t]+[a-z]|[ \t]*(?:[,.;:)(]|\(|$)")
#: Minutes and action lists: who is to do what ("Huxley to follow up", "Action: Ignatius
#: Mbeki to circulate the budget"), or what someone moves to ("Promotion: Mbali Zulu to
#: Senior Analyst"). The name starts a clause: the text, a line, or after a colon, a
#: semicolon, a sentence's end or a bullet.
_TO_ACT = re.compile(
    r"(?m)(?:^[ \t]*(?:[-*•][ \t]*)?|(?P<at>[:;.!?])[ \t]+)"
    rf"(?P<v>[{_CAPITAL}][^\W\d_]+(?:[\-'’][^\W\d_]+)*(?:[ \t]+[{_CAPITAL}][^\W\d_]+"
    r"(?:[\-'’][^\W\d_]+)*){0,2})[ \t]+to[ \t]+"
    r"(?:(?:follow[ \t]+up|circulate|send|share|draft|prepare|review|check|confirm|contact|"
    r"chase|email|e-mail|call|phone|ring|book|arrange|organi[sz]e|schedule|update|"
    r"investigate|look[ \t]+into|liaise|set[ \t]+up|write|present|report|fix|collect|own|"
    r"lead|coordinate|finali[sz]e|provide|reply|respond|order|sort|ask|speak|talk|"
    r"distribute|source|cover|test|escalate|raise|compile|attend|bring|update|circulate|"
    r"invite|notify|inform|brief|draft|action|agree|sign|approve|submit|send|handle|take|"
    r"pick[ \t]+up|drop|buy|pay|refund|visit|meet|email)(?![A-Za-z])"
    rf"|(?P<title>[{_CAPITAL}][a-z]+))")
#: A relative named after the word for them, a comma between allowed: "It's under my
#: husband, Rhys ap Gruffydd", "congrats to my cousin Yaw".
_RELATION = re.compile(
    r"(?i)(?<![A-Za-z])(?:my|our|your|his|her|their)[ \t]+(?:(?:little|older|younger|big|"
    r"baby|twin|late|step)[ \t]*)?(?:sister|brother|mum|mom|mother|dad|father|wife|husband|"
    r"son|daughter|cousin|aunt|auntie|uncle|niece|nephew|grandma|grandpa|grandmother|"
    r"grandfather|granddaughter|grandson|boyfriend|girlfriend|fianc[ée]e?|spouse|"
    r"sister-in-law|brother-in-law|mother-in-law|father-in-law|son-in-law|daughter-in-law|"
    r"godson|goddaughter|godmother|godfather|stepmother|stepfather|stepson|stepdaughter)"
    r",?(?=[ \t]+(?-i:[A-ZÀ-Þ]))")
#: A chat's greeting in lower case and the name after it: "hey priya did u get …".
_LOWER_GREETING = re.compile(
    r"(?m)(?:^|(?<=[\s,(]))(?:hey|hi|hiya|hello|yo|morning|thanks|thx|ty|cheers|congrats|"
    r"sorry)[ \t,]+(?P<v>[a-z][a-z'\-]{2,})(?![\w'’\-])")
#: Who is speaking, after a greeting, in a voicemail or a text: "Hi Aunty Bisi, it's Tolu, call
#: me back", "heyyy JOSH it's becca lol" (issue 37).
_SELF_NAMED = re.compile(
    r"(?im)(?:^|(?<=[\s,(]))(?:he+y+|hi+|hiya|hello+|morning|evening)(?![A-Za-z])[^.!?\n]{0,40}?"
    r"(?:,|\s)[ \t]*it['’]?s[ \t]+(?:(?:only|just)[ \t]+)?(?:me[ \t]*,?[ \t]+)?"
    r"(?P<v>[^\W\d_][^\W\d_'’\-]+)(?=[ \t]*(?:[,.!?;:\n—–]|$|-[ \t]|here|again|lol|x+\b))")
#: A birthday wish and the one wished, in lower case or not: "happy bday kez!! 🎉".
_WISHED = re.compile(
    r"(?i:(?<![A-Za-z])happy[ \t]+(?:b-?day|birthday|bday|anniversary))[ \t,]+"
    r"(?P<v>[^\W\d_][^\W\d_'’\-]+)(?=[ \t]*(?:[!.,?\n]|$|[^\w\s]))")
#: A text message signed at its end by one word after its last sentence, kisses allowed:
#: "Pick up Tyler at 3, I'm stuck at work. Mo", "running late, sorry!! lil x".
_SMS_SIGNED = re.compile(
    r"[.!?][ \t]+(?P<v>[^\W\d_][^\W\d_'’\-]{1,14})(?P<x>[ \t]+[xX]{1,4})?"
    r"[ \t]*[.!]*[ \t]*\Z")
#: A turn of a dialogue written on one line that opens with a name and a comma or a question
#: mark: one named in reply or asked after ("A: Nils, from Oslo.", "B: Declan? Yes, this
#: morning."). Two turns at least make the dialogue.
_TURN_OPENS = re.compile(
    r"(?:^|(?<=[.!?\"”][ \t]))(?:[A-Z]|Q|Caller|Agent|Customer|User|Me|Them)[ \t]*:[ \t]+"
    r"(?P<v>[A-ZÀ-ÖØ-Þ][^\W\d_'’\-]+)[ \t]*(?:\?|,(?=[ \t]+[a-z]))")
_TURN_LABEL = re.compile(r"(?:^|(?<=\s))(?:[A-Z]|Q|Caller|Agent|Customer|User|Me|Them)[ \t]*:[ \t]")
#: How a text message ends that names no one: "See you soon. Love x", "Ta. Night x".
_SIGNOFF_WORDS = frozenset(("love", "lots", "soon", "later", "thanks", "thx", "ta", "cheers",
                            "bye", "night", "nite", "hugs", "xoxo", "mum", "mom", "dad", "nan",
                            "gran", "sis", "bro", "babe", "hun", "luv", "ok", "okay", "yes",
                            "no", "sorry", "please", "pls", "plz", "asap", "tonight", "tomorrow",
                            "today", "thank", "welcome", "congrats", "enjoy", "done"))
#: The one thanked or greeted, after a comma, ending the clause: "Thanks for your help
#: earlier, Cormac — the issue is resolved."
_THANKED = re.compile(
    r"(?<![A-Za-z])(?i:thanks|thank[ \t]+you|sorry|cheers|congrat[a-z]*|welcome|well[ \t]+done|"
    r"good[ \t]+(?:morning|night|luck)|see[ \t]+you|love[ \t]+you|miss[ \t]+you|hi|hello|hey)"
    rf"[^.!?\n,]{{0,60}},[ \t]+(?P<v>[{_CAPITAL}][^\W\d_]+)(?=[ \t]*(?:[—–!?.,:]|-[ \t]|\r?\n|$))")
#: A name written surname first, as records and rosters write it, after a word that takes a
#: person and ending its clause: "Refund approved for Bird, Talulah."
_SURNAME_FIRST = re.compile(
    r"(?<![A-Za-z])(?:for|to|by|from|with|of|re|[:：])[ \t]+"
    rf"(?P<l>[{_CAPITAL}][^\W\d_]+(?:-[{_CAPITAL}][^\W\d_]+)?)[ \t]*,[ \t]*"
    rf"(?P<f>[{_CAPITAL}][^\W\d_]+(?:-[{_CAPITAL}][^\W\d_]+)?)(?=[ \t]*(?:[.;)]|\r?\n|$))")
#: A word spelled out letter by letter: "T-S-H-A-B-A-L-A-L-A", "S M I T H".
_SPELLED = re.compile(r"(?<![\w\-.])(?:[A-Za-z](?:[-.][A-Za-z]){3,}|[A-Z](?: [A-Z]){3,})(?![\w\-])")
_SPELL_CUE = re.compile(r"(?i)\bspell")
#: A firm's legal form after a comma: "Acme, Inc." names no one.
_FIRM_ENDS = frozenset(("inc", "ltd", "llc", "llp", "corp", "co", "gmbh", "plc", "ag", "sa",
                        "bv", "nv", "pty", "limited", "srl", "spa", "oy", "ab", "as"))
#: Software and services whose names the census lists as surnames or that a person's frame
#: holds ("When Jenkins called the webhook", "Jenkins's pipeline", "It was Postgres who"):
#: no person in a weak frame.
_SOFTWARE = frozenset((
    "jenkins", "redis", "postgres", "postgresql", "terraform", "debian", "ubuntu", "kafka",
    "jira", "maven", "ansible", "nginx", "grafana", "kubernetes", "docker", "heroku", "vercel",
    "netlify", "gradle", "splunk", "jekyll", "django", "webpack", "hadoop", "mongodb", "mysql",
    "mariadb", "kibana", "zabbix", "nagios", "github", "gitlab", "bitbucket", "gmail",
    "zalando", "shopify", "paypal", "twilio"))
#: Weak cues that firms fill as often as people: "an email from Zalando".
_FIRM_SENDS = re.compile(r"(?i)(?:e-?mail|message|text|call|voicemail)\s+from$")
#: Days, months and feasts: capitalised words a frame holds that are no people.
_CALENDAR = frozenset(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                       "sunday", "january", "february", "march", "april", "may", "june", "july",
                       "august", "september", "october", "november", "december", "today",
                       "tomorrow", "tonight", "christmas", "easter"))
#: A capitalised word in a frame only a person fills: "Dita and I", "me and Tom", "Konstanty
#: from HR called", "Is Naja coming to dinner?"
_SUBJECT = re.compile(
    rf"(?<![\w'’\-])(?P<v>[{_CAPITAL}][^\W\d_]+)(?=[ \t]+and[ \t]+I[ \t]+(?:am|are|were|was|"
    r"will|have|had|went|'re|’re|'ll|’ll|'ve|’ve|would|should|can|could|both|just|also|"
    r"[a-z]+ed)\b"
    r"|[ \t]+from[ \t]+(?:HR|IT|accounting|finance|sales|marketing|legal|support|payroll|"
    r"reception|the\s+(?:office|team|bank|school|club|gym|front\s+desk|[a-z]+\s+team)|"
    r"next\s+door|upstairs|downstairs|work|school|church)\b)"
    rf"|(?i:(?<![A-Za-z])me[ \t]+and[ \t]+)(?P<w>[{_CAPITAL}][^\W\d_]+)(?![\w'’\-])"
    rf"|(?<![A-Za-z])(?:Is|Was|Has|Will|Did|Does|Can)[ \t]+(?P<x>[{_CAPITAL}][^\W\d_]+)[ \t]+"
    r"(?:coming|going|joining|still|already|around|back|here|there|ok|okay|free|available|"
    r"home|awake|asleep|feeling|doing|bringing|driving|staying|leaving|arriving|called|"
    r"texted|replied|finished|done|ready)\b")
#: A first name signing a note after a dash at the end of its line: "if found call 0381625257
#: - Emmanuel" (a bullet "- Milk" starts its line; the name must be a census first name).
_DASH_SIGNED = re.compile(
    rf"(?<=\S)[ \t]+[-–—~][ \t]*(?P<v>[{_CAPITAL}][^\W\d_]+(?:-[^\W\d_]+)?"
    rf"(?:[ \t]+[{_CAPITAL}][^\W\d_]+)?|{_CJK_NAME_WORD})[ \t]*[.!]?[ \t]*(?=\r?\n|$)")
#: One or two capitalised words (or a CJK name) before 's and what only a person has: a home,
#: a wedding, a relative ("Dinner at Amir's place", "Ana Lima's husband").
_POSSESSOR = re.compile(
    rf"(?<![\w'’\-])(?P<v>[{_CAPITAL}][^\W\d_]+(?:-[^\W\d_]+)?"
    rf"(?:[ \t]+[{_CAPITAL}][^\W\d_]+(?:-[^\W\d_]+)?)?"
    rf"|(?<!{_CJK_LETTER}){_CJK_NAME_WORD})['’]s[ \t]+"
    r"(?:(?:new|old|little|big|own)[ \t]+)?"
    r"(?:place|house|home|flat|apartment|birthday|wedding|funeral|mum|mom|mother|dad|father|"
    r"wife|husband|son|daughter|kids|children|brother|sister|boyfriend|girlfriend|fianc[ée]e?|"
    r"parents|grandma|grandmother|grandpa|grandfather|baby|aunt|uncle|cousin|dog|cat|"
    r"nephew|niece|grandson|granddaughter|twin|twins|family|friends?|colleagues?|boss|"
    r"bike|bicycle|desk|shift|handwriting|signature|salary|payslip|retirement|promotion|"
    r"farewell|leaving\s+party|bedroom|cv|résumé|resume)"
    r"(?![A-Za-z])")
#: A surname or given name before 's and any noun: "Nowak's report", "Dimitrije's notes" — read
#: only when the word is a known name (census or world lists) that is no English word.
_NAMED_POSSESSOR = re.compile(
    rf"(?<![\w'’\-])(?P<v>[{_CAPITAL}][^\W\d_]+(?:-[^\W\d_]+)?)['’]s[ \t]+"
    r"(?:(?:new|old|latest|last|first|own|short|long)[ \t]+)?[a-z]{3,}(?![A-Za-z])")
#: Verbs of saying, thinking and feeling: their subject is a person ("Holstad thinks we should
#: wait", "# FIXME: Ivana knows why this sleeps", "Kowalski argued that …") — or software spoken
#: of as one ("Firefox says", "Git thinks"), so a word no name list holds needs one of
#: :data:`_HUMAN_VERB`.
_PERSON_VERBS = (r"(?:says|said|thinks|thought|knows|knew|argued|argues|wrote|asked|agreed|"
                 r"disagreed|disagrees|suggested|suggests|believes|believed|replied|insisted|"
                 r"insists|recommends|recommended|prefers|preferred|mentioned|explained|"
                 r"confirmed|promised|decided|reckons|told|admitted|claimed|complained|"
                 r"laughed|smiled|nodded|apologi[sz]ed|emailed|texted|feels|felt|hopes|hoped|"
                 r"remembers|remembered|forgot|reali[sz]ed|noticed|wondered|wonders|"
                 r"has\s+agreed|owns|maintains|will\s+(?:review|check|ask|call|handle|decide)|"
                 # what a person does at work: "Grace presented Q4 numbers"
                 r"presented|chaired|attended|volunteered|resigned|apologised|interviewed)")
#: Verbs that software is not said to do: a subject no name list holds is a person with these.
_ARTICLE_BEFORE = re.compile(r"(?i)(?<![A-Za-z])(?:the|a|an|this|that|its)[ \t]+\Z")
_HUMAN_VERB = re.compile(r"argued|argues|agreed|disagreed|disagrees|apologi[sz]ed|laughed|smiled|"
                         r"nodded|promised|admitted|believes|believed|wondered|wonders|"
                         r"remembers|remembered|forgot|emailed|texted|insisted|insists|hopes|"
                         r"hoped|feels|felt|reckons|has\s+agreed")
_SPEAKS = re.compile(
    rf"(?<![\w'’\-@#./])(?P<v>[{_CAPITAL}][^\W\d_]+(?:-[{_CAPITAL}][^\W\d_]+)?"
    rf"(?:[ \t]+[{_CAPITAL}][^\W\d_]+(?:-[{_CAPITAL}][^\W\d_]+)?)?)"
    rf"[ \t]+(?P<verb>{_PERSON_VERBS})(?![A-Za-z])")
#: The subject of a clause of time or reason whose verb a person does: "When Roger called, I
#: was on the train", "Everything changed when Smolarek left the company". Trains leave and
#: apps crash, so a word no name list holds needs one of :data:`_HUMAN_CLAUSE_VERB`.
_CLAUSE_SUBJECT = re.compile(
    r"(?<![A-Za-z])(?:[Ww]hen|[Aa]fter|[Bb]efore|[Uu]ntil|[Oo]nce|[Bb]ecause|[Ss]ince|[Ww]hile|"
    r"[Uu]nless|[Aa]s[ \t]+soon[ \t]+as)[ \t]+"
    rf"(?P<v>[{_CAPITAL}][^\W\d_]+(?:-[{_CAPITAL}][^\W\d_]+)?"
    rf"(?:[ \t]+[{_CAPITAL}][^\W\d_]+(?:-[{_CAPITAL}][^\W\d_]+)?)?)[ \t]+"
    r"(?P<verb>called|phoned|rang|texted|emailed|replied|arrived|left|came[ \t]+back|"
    r"got[ \t]+back|returned|woke[ \t]+up|resigned|retired|quit|joined|moved[ \t]+(?:in|out)|"
    r"was[ \t]+born|got[ \t]+married|showed[ \t]+up|said|asked|told)(?![A-Za-z])")
#: (Services reply, ask and say things too: "After Redis replied", "Before Terraform asked".)
_HUMAN_CLAUSE_VERB = re.compile(r"phoned|texted|emailed|resigned|retired|woke[ \t]+up|"
                                r"was[ \t]+born|got[ \t]+married")
#: Cleft sentences and naming frames only a person fills: "It was Saale who found the bug",
#: "Claudy is what they call me".
_CLEFT = re.compile(
    rf"(?<![A-Za-z])(?:[Ii]t|[Tt]hat)[ \t]+(?:was|is|'s|’s)[ \t]+"
    rf"(?P<v>[{_CAPITAL}][^\W\d_]+(?:[ \t]+[{_CAPITAL}][^\W\d_]+)?)[ \t]+who(?![A-Za-z])"
    rf"|(?<![\w'’\-])(?P<w>[{_CAPITAL}][^\W\d_]+)[ \t]+is[ \t]+what[ \t]+(?:[a-z]+[ \t]+){{0,2}}"
    r"call(?:s|ed)?[ \t]+(?:me|him|her|them)(?![A-Za-z])")


_NAME_QUESTION = re.compile(
    r"(?i)(?:"
    rf"(?:what|wht)(?:'s|’s|\s+is|\s+was|s)\s+(?:your|his|her|their|the\s+\w+'?s)\s+"
    rf"(?:{_MODIFIERS}\s*)?name"
    rf"|(?:may|can|could)\s+i\s+(?:have|get|take|ask)\s+(?:for\s+)?your\s+(?:{_MODIFIERS}\s*)?name"
    r"|who\s+(?:am\s+i|are\s+you|is\s+this)(?:\s+(?:speaking|talking|chatting)\s+(?:with|to))?"
    r"|who\s+(?:is|was|are|were)\s+(?:the|your|our|their)\s+(?:[a-z]+\s+){0,2}"
    r"(?:holder|owner|customer|patient|client|contact|caller|sender|recipient|applicant|"
    r"manager|employee|tenant|guest|passenger|driver|buyer|seller|author|assignee|signatory|"
    r"beneficiary|doctor|teacher|lawyer|agent|representative|person)"
    rf"|(?:your|the)\s+(?:{_MODIFIERS}\s*)?name,?\s+please"
    rf"|(?:^|\n)[ \t]*(?:{_MODIFIERS}\s*)?name"
    r"|how\s+do\s+you\s+spell\s+(?:your|that)(?:\s+(?:last|first)?\s*name)?"
    # "And your first name?", "Q: Your surname?", "Could you spell your last name?"
    # A form's question with its verb left out: "Partner's name?", "Q: Mother's maiden name?"
    r"|(?:^|(?<=[\n:.?!])[ \t]*)(?:partner|spouse|husband|wife|mother|father|mum|mom|dad|"
    r"parent|guardian|child|son|daughter|baby|brother|sister|sibling|carer|doctor|gp|dentist|"
    r"landlord|tenant|employer|manager|witness|contact|kin|owner|cardholder|patient)['’]s\s+"
    rf"(?:{_MODIFIERS}\s*)?name"
    rf"|(?<![A-Za-z])(?:your|his|her|their)\s+(?:{_MODIFIERS}\s*)?name"
    r"(?:,?\s+(?:please|again|for\s+me|for\s+the\s+record))?"
    r")\s*\?"
    # A request that ends its sentence: "Please state your name.", "Spell your surname:"
    r"|(?<![A-Za-z])(?:state|spell|give|tell|enter|confirm|type|write)\s+(?:me\s+|us\s+)?"
    rf"(?:your|his|her|their)\s+(?:{_MODIFIERS}\s*)?name(?:,?\s+please)?\s*[.:!]")
#: The birth words of the date-of-birth recognizer, in every language it reads ("Wann sind
#: Sie geboren?", "Quelle est votre date de naissance ?", "¿Cuándo naciste?", "您的出生年月?").
_BIRTH_WORD = rf"(?:date\s+of\s+birth|birth\s*-?\s*date|birthday|d\.?o\.?b\b\.?|born|{BIRTH_CUE})"
#: A question that mentions a birth ("Can I have your date of birth, please?", "And the birth
#: date on the account?", "When were you born?", "Full name and date of birth, please.",
#: "生年月日を教えてください。"), or a request for one ending its sentence
#: ("Please enter your date of birth.", "To verify you, confirm your DOB:"). The answer is
#: looked for after it, so a date inside the same sentence ("send the birthday card by
#: 12/05") is none.
_BIRTH_QUESTION = re.compile(
    rf"(?i)(?<![A-Za-z]){_BIRTH_WORD}(?![A-Za-z])[^?？.!。\n]{{0,40}}?"
    r"(?:[?？]|,?[ \t]+please[ \t]*[.!:]"
    r"|(?:教えて|ください|下さい|알려|주세요|주십시오|告诉|提供|填写)[^?？.!。\n]{0,8}[。.!！])"
    r"|(?<![A-Za-z])(?:please|kindly|confirm|provide|enter|verify|give|tell|state|type|share|"
    r"need|send|what|when|which)(?![A-Za-z])[^?.!\n]{0,40}?"
    rf"(?<![A-Za-z]){_BIRTH_WORD}(?![A-Za-z])[^?.!:\n]{{0,30}}(?:[.!:]|(?=\n))")
#: What may stand between a question and its answer: the rest of the line, a line break and a
#: speaker label, and words that lead into the answer.
_ANSWER_LEAD = re.compile(
    r"[ \t]*(?:\\n|\r?\n)?[ \t]*(?:[-*>•—–][ \t]*)?(?:[^\W\d_][\w'’ \-]{0,24}[ \t]?[:：][ \t]*)?"
    r"(?:(?:sure|yes|yeah|ok(?:ay)?|of\s+course|certainly|well|um+|uh+|it'?s|it\s+is|it’s|"
    r"that'?s|that\s+is|i\s+was\s+born(?:\s+on)?|born(?:\s+on)?|my\s+(?:\w+\s+)?name\s+is|i'?m|"
    r"i\s+am|on|the)(?![A-Za-z])[ \t,!.]*)*", re.IGNORECASE)
_DATE = re.compile(rf"(?i){DATE_PATTERN}(?![0-9])")
#: A bare year answers a birth question ("Q: What year were you born?\nA: 1999, so 25.",
#: "答: 1988年"), when it opens the answer.
_YEAR_ANSWER = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}(?:年|년)?(?![0-9]|[./\-:][0-9])")
#: An answer of one or two capitalised words that end their clause or line.
_ANSWER_ALONE = re.compile(rf"[{_CAPITAL}][^\W\d_'’\-]+(?:[\-'’][^\W\d_]+)*"
                           rf"(?:[ \t]+[{_CAPITAL}][^\W\d_'’\-]+(?:[\-'’][^\W\d_]+)*)?"
                           r"[ \t]*(?:[,.!]|\r?\n|$)")
#: Replies that are no name.
_NOT_ANSWERS = frozenset(("sure", "yes", "no", "nope", "yeah", "okay", "ok", "pass", "none",
                          "unknown", "same", "why", "sorry", "pardon", "what", "later", "skip",
                          "answer", "thanks", "correct", "right", "wrong", "hello", "hi",
                          "certainly", "absolutely", "fine", "great", "good", "nothing",
                          "anonymous", "private", "declined", "withheld", "redacted", "hmm",
                          "oh", "ah", "um", "uh", "well", "again", "really", "seriously"))
#: A word between a question and its answer.
_LEAD_WORDS = re.compile(r"[^\W\d_][\w'’\-]*")


class AnswerRecognizer(_ContextRecognizer):
    """The answer after a question that asks for a name or a date of birth."""

    def __init__(self, lexicon: Lexicon, language: str = "en") -> None:
        EntityRecognizer.__init__(self, supported_entities=["PERSON", "DATE_OF_BIRTH"],
                                  supported_language=language, name=type(self).__name__)
        self._words = NameWords(lexicon)

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        out = []
        if "PERSON" in entities:
            for q in _NAME_QUESTION.finditer(text):
                lead = _ANSWER_LEAD.match(text, q.end())
                at = lead.end() if lead else q.end()
                # Not strong: the text after a question may be an instruction ("What is the
                # customer's name? Answer with the name only.") rather than the answer.
                found = self._words.take(text, at, strong=False)
                if found is None and _ANSWER_ALONE.match(text, at):
                    # "A: Tiberius, don't laugh.": a word alone before a comma or the line's
                    # end is the answer, even when it is a word too
                    found = self._words.take(text, at, strong=True)
                    if found is not None and not self._words.first_name(text[found[0]:found[1]]) \
                            and text[found[0]:found[1]].lower() in _NOT_ANSWERS:
                        found = None
                if found is not None and text[found[0]].isalpha():
                    out.append(self._result(*found, "answer to a name question"))
        if "DATE_OF_BIRTH" in entities:
            for q in _BIRTH_QUESTION.finditer(text):
                date = _DATE.search(text, q.end(), min(len(text), q.end() + 60))
                # The answer starts with the date, after a speaker label and a few words
                # ("Caller: Yes, it's …"); "The hall is booked for 14/06" answers no question.
                if date is not None and "?" not in text[q.end():date.start()] \
                        and len(_LEAD_WORDS.findall(text, q.end(), date.start())) <= 4:
                    out.append(self._result(*date.span(), "answer to a birth question",
                                            0.85, "DATE_OF_BIRTH"))
                    continue
                year = _YEAR_ANSWER.search(text, q.end(), min(len(text), q.end() + 40))
                # A year only as the answer's first words: "Customer: 1985 I think", not
                # "I moved here in 2019".
                if year is not None and not {"?", "？"} & set(text[q.end():year.start()]) \
                        and len(_LEAD_WORDS.findall(text, q.end(), year.start())) <= 2:
                    out.append(self._result(*year.span(), "year answering a birth question",
                                            0.85, "DATE_OF_BIRTH"))
        return out


#: A line that starts with a label and a colon, and says something after it.
# Blank runs possessive: two runs around an optional part, each able to give blanks back to
# the other, took a 20,000-blank line in time growing as its square (12 s).
_LABEL_LINE = re.compile(
    rf"(?m)^[ \t]*+(?:\[[^\]\n]{{1,24}}\][ \t]*+)?(?P<v>{_NAME_WORD}(?:[ \t]++{_NAME_WORD})"
    rf"{{0,2}}|{_CJK_NAME_WORD})[ \t]*+(?:\([^)\n]{{0,24}}\)|\[[0-9:.apmAPM \t]{{3,12}}\])?"
    r"[ \t]*+[:：][ \t]*+(?=\S)(?!//)")
#: What a speaker says in English: a word of Latin letters, and nothing in CJK script.
_ENGLISH_SPEECH = re.compile(rf"(?=[^\n]*[A-Za-z]{{2}})(?![^\n]*{_CJK_LETTER})")


#: A chat log's speaker: <handle>, [handle] or handle > at the start of a line (after an
#: optional [time]).
_CHAT_LINE = re.compile(
    r"(?m)^[ \t]*(?:\[[0-9:.\s]{4,12}\][ \t]*)?"
    rf"(?:<(?P<a>{_NAME_WORD})>|\[(?P<b>{_NAME_WORD})\]|(?P<c>{_NAME_WORD})[ \t]*>)"
    r"[ \t]+(?=\S)")
_SPEECH_OR_WORD = re.compile(r"[^\n]*[A-Za-z]")
#: What a speaker says: at least two words on the line, and no further "key:" on it (a line
#: of fields: "Username: jdoe42, display name: Janek").
_SPEECH = re.compile(r"(?![^\n]*\w[ \t]*:[ \t])[^\n]*?\S[ \t]+\S")
#: A reply of one word ("Agreed.", "saved!", "ok"): speech only inside a dialogue.
_ONE_WORD_REPLY = re.compile(r"[ \t]*[^\W\d_][^\W\d_'’]*[.!?…]*[ \t]*\r?$", re.MULTILINE)


_SEASONS = frozenset({"Spring", "Summer", "Autumn", "Fall", "Winter"})
_TITLED = re.compile(r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame)\.?[ \t]")
#: A line holding two turns or more: a label, a sentence, then another label.
_INLINE_DIALOGUE = re.compile(rf"(?m)^[^\n]*?[.!?\"”…][ \t]+{_NAME_WORD}[ \t]*:[ \t]+[^\n]*$")
#: One turn: a capitalised label at the line's start or after a sentence's end, then words up
#: to the end of a sentence that the next label or the line's end follows.
_INLINE_TURN = re.compile(
    rf"(?:(?<=\n)|^|(?<=[.!?\"”…][ \t]))[ \t]*"
    rf"(?P<v>(?-i:[A-Z]){_NAME_WORD}?(?:[ \t]+(?-i:[A-Z]){_NAME_WORD}?){{0,2}})[ \t]*:[ \t]+"
    rf"[^:\n]{{0,200}}?[^\s:][.!?\"”…]+(?=[ \t]+{_NAME_WORD}[ \t]*:[ \t]|[ \t]*$)",
    re.MULTILINE)


def _in_dialogue(text: str, label: re.Match[str], latin: bool = False) -> bool:
    """The line of ``label`` is next to a line where another label says something: a reply of
    one word there ("Hunt: Agreed.") is a speaker's, not a field's value. ``latin``: that
    label is in Latin script ("Agent:", "Sam:"), as in an English transcript, or a CJK word
    that can be a name (稔, not 地址)."""
    line_start = text.rfind("\n", 0, label.start()) + 1
    line_end = text.find("\n", label.end())
    before = text.rfind("\n", 0, max(line_start - 1, 0)) + 1 if line_start else -1
    for at in (before, line_end + 1 if line_end >= 0 else -1):
        if at < 0 or at == line_start:
            continue
        m = _LABEL_LINE.match(text, at)
        if m is not None and m.group("v") != label.group("v") and _SPEECH.match(text, m.end()) \
                and not (latin and _CJK_START.match(m.group("v"))
                         and not cjk_name_like(m.group("v"))):
            return True
    return False


def _label_lines(text: str) -> dict[str, list[int]]:
    """Where each label of ``text`` labels a line (its starts, in order): read once per text,
    not once per label (a 4,000-line transcript read the whole text again for every line)."""
    lines: dict[str, list[int]] = {}
    for m in _LABEL_LINE.finditer(text):
        lines.setdefault(m.group("v"), []).append(m.start())
    return lines


class SpeakerLabelRecognizer(_ContextRecognizer):
    """Speaker labels: "Mineko: I lost my card." A label is a name when it is not an ordinary
    word (Agent, Customer, Subject, Note, Q, A are); leading ordinary words are roles and
    stay ("Agent Smith:" masks Smith)."""

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = []
        firsts, _ = gazetteer()
        labels = _label_lines(text)
        for m in _LABEL_LINE.finditer(text):
            starts = labels.get(m.group("v"), [])
            if _CJK_START.match(m.group("v")):
                # "晃: hi, can you call me back?": a CJK label on a line of English, in an
                # English dialogue ("备注: 请尽快", "备注: call back" are a form's fields).
                if _ENGLISH_SPEECH.match(text, m.end()) and cjk_name_like(m.group("v")) and (
                        _in_dialogue(text, m, latin=True) or len(starts) > 1):
                    out.append(self._result(*m.span("v"), "speaker label"))
                continue
            words = list(re.finditer(_NAME_WORD, m.group("v")))
            if not words or not words[0].group(0)[:1].isupper():
                continue
            keep = [w for w in words if not self._words.role(w.group(0))]
            if not keep:
                continue
            # Roles before the name stay; once the name starts, the rest of the label is it.
            again = bool(starts) and starts[-1] > m.start()  # the speaker speaks again
            if not _SPEECH.match(text, m.end()) and not again \
                    and not (_ONE_WORD_REPLY.match(text, m.end()) and _in_dialogue(text, m)):
                continue  # "Username: jdoe42": a field and its value, not a line of speech
            first = keep[0]
            rest = words[words.index(first):]
            if any(not w.group(0)[:1].isupper() for w in rest):
                continue  # "Sent from my phone:", "Note to self:" — a phrase, not a label
            if len(rest) > 1 and self._words.role(rest[-1].group(0)):
                continue  # "Summer Sale:", "Grace Period:": a heading ending in a word
            if m.group("v")[first.start():] in EN_PLACE_NAMES:
                continue  # "London: 5 stores"
            if len(rest) == 1 and len(first.group(0)) < 3 and first.group(0).upper() not in firsts:
                continue
            base = m.start("v")
            out.append(self._result(base + first.start(), base + rest[-1].end(),
                                    "speaker label"))
        out += self._chat_handles(text)
        out += self._inline_turns(text)
        return out

    def _inline_turns(self, text: str) -> list[RecognizerResult]:
        """Turns written on one line: "Hunter: the deal slipped. Sky: why?", "Summer: "Ship
        it." Winter: "Fine."". Two or more, each a label and a sentence ended before the next
        label: a form's fields have no sentences ("Name: Ann Lee Phone: 555"). A label counts
        when it is no role or field word (a given name that is a word too, Summer, is none)."""
        out = []
        for line in _INLINE_DIALOGUE.finditer(text):
            turns = list(_INLINE_TURN.finditer(text, line.start(), line.end()))
            if len(turns) < 2:
                continue
            labels = {t.group("v") for t in turns}
            # People talk here only when every label is a role (Agent) or a given name:
            # "Redis: hit! Postgres: slow." and "Spring: planting. Summer: harvest." are no
            # dialogue of people.
            if any(not self._words.role(w) and not self._words.first_name(w)
                   for label in labels if not _TITLED.match(label) for w in label.split()) \
                    or labels <= _SEASONS:
                continue
            for turn in turns:
                label = turn.group("v")  # one word here; longer labels ("Mr Lee") are others'
                if " " in label or "\t" in label or len(label) < 3 \
                        or not self._words.first_name(label) or label in EN_PLACE_NAMES:
                    continue
                out.append(self._result(*turn.span("v"), "speaker of a turn on one line"))
        return out

    def _chat_handles(self, text: str) -> list[RecognizerResult]:
        """Chat-log speakers: "<ramilə> morning", "[Bart] hi", "Mare > lunch?". A handle in
        lower case counts when it is no ordinary word; a log's "[INFO]" or "[ERROR]" is a
        field word."""
        out = []
        for m in _CHAT_LINE.finditer(text):
            group = next(g for g in ("a", "b", "c") if m.group(g))
            handle = m.group(group)
            if group == "c" and len(_CHAT_LINE.findall(text)) < 2:
                continue  # "Price > 100 dollars": one line is a comparison, not a chat
            if self._words.role(handle) or self._words.ordinary(handle) \
                    or handle in EN_PLACE_NAMES or len(handle) < 3:
                continue
            if not _SPEECH_OR_WORD.match(text, m.end()):
                continue
            out.append(self._result(*m.span(group), "chat handle"))
        return out


_PEOPLE = (r"(?:co-?founders?|founders?|attendees|participants|board\s+members|authors?|"
           r"co-?authors|speakers|guests|invitees|witnesses|signatories|employees|staff|team(?:\s+members)?|"
           r"contacts|cc|bcc|recipients|directors|panel(?:ists)?|candidates|students|volunteers|"
           r"organi[sz]ers|colleagues|co-?workers|interviewees|plaintiffs|defendants|parents|"
           r"children|kids|siblings|brothers|sisters|sons|daughters|grandchildren|friends|"
           r"roommates|tenants|patients|clients|customers|passengers|players|coaches|managers|"
           r"owners|partners|reviewers|approvers|assignees|attendants|hosts|nominees|winners|"
           r"judges|jurors|referees|finalists|recipients|heirs|trustees|executors|"
           r"beneficiaries|applicants|residents|occupants|instructors|teachers|mentors|"
           r"helpers|(?:new[ \t]+)?hires|joiners|newcomers|starters|leavers|shortlist|rota|"
           r"roster|line-?up|rsvps?|guest[ \t]+list)")
#: What names a list of people only as a line's label: "Present: …", "Who's coming: …".
_PEOPLE_LABEL = (r"(?:present|absent|invited|apologies(?:[ \t]+from)?|on[ \t]+call|"
                 r"who(?:'s|’s|[ \t]+is|[ \t]+are)[ \t]+(?:coming|going|joining|attending|"
                 r"invited|in|on[ \t]+call|here|away|off))")
_LIST_CUE = re.compile(
    # "Volunteers for Saturday:", "On the rota this week:": a few words, then the colon
    rf"(?im)(?<![A-Za-z]){_PEOPLE}[ \t]+(?:for|on|at|in|from|this|next|of)[ \t]+"
    r"[^\n:,.;!?]{1,30}?[ \t]*[:：]"
    rf"|(?<![A-Za-z]){_PEOPLE}(?:[ \t]+(?:are|were|include[sd]?|including|is|was))?"
    r"[ \t]*(?:[:：—–]|-[ \t]|,|[ \t](?=[A-Z]))"
    rf"|^[ \t]*{_PEOPLE_LABEL}[ \t]*[:：]"
    # A heading alone on its line, the list on the lines below it ("Judges\n  Ana Lima").
    rf"|^[ \t]*(?:our[ \t]+|the[ \t]+)?{_PEOPLE}[ \t]*[:：]?[ \t]*(?=\r?\n)")
#: A note in brackets after a list's item: "Ana (Mon), Bo (Wed)".
_ITEM_NOTE = r"(?:[ \t]*\([^()\n]{1,24}\))?(?:[ \t]*[✔✓✗✘☑☒✅❌])?"
_ITEM = rf"(?:[A-Z]\.[ \t]*)?{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,3}}{_ITEM_NOTE}"
_LIST = re.compile(rf"[ \t]*({_ITEM}(?:[ \t]*[,;、][ \t]*(?:and[ \t]+|&[ \t]*)?{_ITEM})*"
                   rf"(?:,?[ \t]+(?:and|&)[ \t]+{_ITEM})?)")


#: A bulleted or numbered list on the lines after a cue ("Attendees:\n- Ana Lima\n- …").
#: A line's mark: a bullet, a number, a checkbox ("[x]"), or an indent alone.
_MARK = r"(?:[ \t]*(?:[-*•·‣◦]|[0-9]{1,2}[.)]|\[[ xX]\])[ \t]+|[ \t]+(?=[^\W\d_]))"
_BULLET_LINE = rf"\r?\n{_MARK}[^\n]*"
_BULLETS = re.compile(rf"[ \t]*(?:{_BULLET_LINE}){{2,}}")
_BULLET_ITEM = re.compile(rf"\n{_MARK}(?P<v>\S)")
_MARKED = re.compile(r"\n[ \t]*(?:[-*•·‣◦]|[0-9]{1,2}[.)]|\[[ xX]\])")


class NameListRecognizer(_ContextRecognizer):
    """Items of a list of people: "our founders: L'Heureux, Long and Crosby"."""

    SCORE = 0.7

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = []
        for cue in _LIST_CUE.finditer(text):
            bullets = _BULLETS.match(text, cue.end())
            if bullets is not None:
                out += self._bulleted(text, bullets)
                continue
            out += [self._result(*found, "item of a list of people")
                    for found in _foreign_items(text, cue.end())]
            m = _LIST.match(text, cue.end())
            if m is None:
                continue
            items = re.split(r"[ \t]*(?:[,;、]|\band\b|&)[ \t]*(?:and[ \t]+)?", m.group(1))
            items = [i for i in (x.strip() for x in items) if i]
            if len(items) < 2:
                continue
            pos = m.start(1)
            places = []
            # A list written all in lower case (a chat's "who's coming: ana, bo and cy"), when
            # half its items or more are given names, or one is and none is an ordinary word
            # ("make, cmake and ninja" are tools).
            heads = [i.split()[0] for i in items]
            given = sum(self._words.first_name(h) for h in heads)
            lower = not any(c.isupper() for c in m.group(1)) and (2 * given >= len(items) or (
                given >= 1 and not any(self._words.ordinary(h) for h in heads)))
            for item in items:
                at = text.index(item, pos)
                pos = at + len(item)
                if item[:1].isupper() or item.split()[0].lower() in _PARTICLES or lower:
                    places.append(at)
            out += [self._result(*found, "item of a list of people")
                    for found in self._items(text, places)]
        return out


    def _bulleted(self, text: str, bullets: re.Match[str]) -> list[RecognizerResult]:
        """The names of a bulleted list below a cue; when most items read as names, the rest
        are names too ("- Agnieszka\n- Hollander\n- Pip")."""
        places = []
        for bullet in _BULLET_ITEM.finditer(bullets.group(0)):
            at = bullets.start() + bullet.start("v")
            if not text[at].isupper() and not _MARKED.match(bullet.group(0)):
                continue  # an indented line in lower case: code, not a name
            places.append(at)
        weak = [self._words.take(text, at, strong=False, limit=4)
                or _foreign_item(text, at, text.find("\n", at)) for at in places]
        most = 2 * sum(f is not None for f in weak) >= len(weak) >= 2
        out = []
        for at, item in zip(places, weak, strict=True):
            found = item
            if found is None and most and text[at].isupper():
                found = self._words.take(text, at, strong=True, limit=4)
            if found is not None:
                out.append(self._result(*found, "item of a list of people"))
        return out

    def _items(self, text: str, places: list[int]) -> list[tuple[int, int]]:
        """The names at ``places``, each an item of one list. The cue says these are people:
        when most items read as names, the rest are names too ("Panel: van de Tadeen, Bite,
        O Mionachain")."""
        weak = [self._words.take(text, at, strong=False, limit=4) for at in places]
        strong = 2 * sum(f is not None for f in weak) >= len(weak)
        found = [f if f is not None or not strong
                 else self._words.take(text, at, strong=True, limit=4)
                 for at, f in zip(places, weak, strict=True)]
        return [f for f in found if f is not None]


def _foreign_item(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``text[start:end]`` (to the line's end when ``end`` is -1), stripped, when it is one to
    three words of a script other than Latin or Chinese (FOREIGN_ITEM): a name, in a list the
    cue says is of people ("Team: יובל הירש; יעל דנינו")."""
    end = len(text) if end < 0 else end
    item = text[start:end]
    lead = len(item) - len(item.lstrip())
    item = item.strip()
    if item and FOREIGN_ITEM.fullmatch(item):
        return start + lead, start + lead + len(item)
    return None


def _foreign_items(text: str, start: int) -> list[tuple[int, int]]:
    """The items of the rest of the line at ``start`` that are names in other scripts (see
    :func:`_foreign_item`), split at commas, semicolons and "and"."""
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    found = []
    for m in _FOREIGN_SPLIT.finditer(text, start, end):
        item = _foreign_item(text, m.start(), m.end())
        if item is not None:
            found.append(item)
    return found


#: The items of a line's list: what lies between commas, semicolons and "and".
_FOREIGN_SPLIT = re.compile(r"(?:(?!\band\b)[^,;、\n&])+")


#: Korean surnames (the most common, about 90 % of people).
_KO_SURNAMES = ("김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구"
                "민진지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용")
#: Role words that take the same honorifics as names (고객님, 担当者様).
_NOT_NAMES = frozenset((
    "고객", "선생", "사장", "부장", "과장", "대리", "회원", "여러분", "담당자", "担当者", "関係者",
    "責任者", "利用者", "お客", "皆", "先生", "社長", "部長", "課長", "会員", "患者"))


class HonorificNameRecognizer(_ContextRecognizer):
    """Korean and Japanese names by their honorifics and self-introductions: 김민준 씨,
    박서연님, 제 이름은 이지은입니다, 田中様, 長崎心愛さん, 名前は佐藤です, 氏名 山田太郎.
    (Chinese names have their own recognizers.)"""

    _KO = re.compile(
        rf"(?P<a>[{_KO_SURNAMES}][\uac00-\ud7a3]{{1,3}})[ \t]?(?:씨|님|선생님|고객님)"
        r"(?![\uac00-\ud7a3])"
        r"|(?:이름은|이름[ \t]*[:：]|성함은|성함[ \t]*[:：]|성명[ \t]*[:：]|저는)[ \t]*"
        rf"(?P<b>[{_KO_SURNAMES}][\uac00-\ud7a3]{{1,3}}?)"
        r"(?:입니다|이에요|예요|이고|라고|[ \t,.。]|$)")
    _JA = re.compile(
        r"(?P<a>[\u4e00-\u9fff]{2,4}|[\u30a0-\u30ff]{2,10})[ \t]?(?:さん|様|さま|氏|くん|ちゃん)"
        r"|(?:名前は|名前[ \t]*[:：]|氏名[ \t]*[:：]|私は)[ \t]*"
        r"(?P<b>[\u4e00-\u9fff]{2,4}?|[\u30a0-\u30ff]{2,10}?)"
        r"(?:です|と申します|といいます|[、。 ]|$)")

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = []
        for regex in (self._KO, self._JA):
            for m in regex.finditer(text):
                group = "a" if m.group("a") else "b"
                if m.group(group) in _NOT_NAMES:
                    continue
                out.append(self._result(*m.span(group), "honorific or self-introduction"))
        return out


_UNKNOWN_CAP = "[A-ZÀ-ÖØ-ÞĀ-ʯḀ-ỿ][a-zß-öø-ÿĀ-ʯḀ-ỿ'’\\-]+"
#: Lower-case particles between a given name and a surname: "Ibrahim bin Yusof", "Felipe de
#: Sousa Lima", "Anke van der Berg".
_PAIR_PARTICLES = frozenset(("bin", "binti", "bint", "ibn", "van", "von", "der", "den", "de",
                             "da", "do", "dos", "das", "di", "del", "della", "du", "ter", "ten",
                             "ap", "ben", "la", "le"))
_CAP_PAIR = re.compile(
    rf"(?<![A-Za-zÀ-ÖØ-öø-ÿĀ-ʯḀ-ỿ'’\-])(?P<v>{_UNKNOWN_CAP}(?:[ \t]+"
    rf"(?:(?:{'|'.join(sorted(_PAIR_PARTICLES))})[ \t]+){{0,2}}{_UNKNOWN_CAP}){{1,2}})"
    r"(?![A-Za-zÀ-ÖØ-öø-ÿĀ-ʯḀ-ỿ'’\-])")
_LINE_WORDS = re.compile(r"[^\W\d_][\w'’\-]*")
_HOUSE_NUMBER = re.compile(r"(?<![0-9.,:/\-])[0-9]{1,5}[A-Za-z]?[ \t]*,?[ \t]+\Z")
#: A line with a number of three digits or more is a record's ("Olumide Bakare  Finance  2231
#: 192.168.14.52"), not a heading, whatever its share of capitalised words.
_RECORD_DIGITS = re.compile(r"[0-9]{3}")


class UnknownPairRecognizer(_ContextRecognizer):
    """Two or three capitalised words in a row, none of them a word the lexicon knows (unless
    a census first name), a function word or a known place, in a line of running text (not a
    title-case heading): a proper name the small NER model did not know ("According to Lilja
    Pelkonen, …", "Yesterday Kutay Yıldırım met …"). Scored under the cued recognizers."""

    SCORE = 0.5

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = []
        lines: dict[int, tuple[int, int, bool]] = {}
        for m in _CAP_PAIR.finditer(text):
            words = [(w.start() + m.start("v"), w.end() + m.start("v"), w.group(0))
                     for w in re.finditer(r"\S+", m.group("v"))
                     if w.group(0) not in _PAIR_PARTICLES]
            # The pattern's ranges hold lower-case ơ, ā and ư too: the run ends at the first
            # word that is not capitalised ("Anh Tuấn ơi" is "Anh Tuấn"; "Cảm ơn" no pair).
            upper = next((i for i, (_, _, w) in enumerate(words) if not w[0].isupper()),
                         len(words))
            words = words[:upper]
            while words and self._known_word(words[0][2]):
                words.pop(0)  # "Yesterday Kutay ...": the sentence's first word
            while len(words) > 2 and self._known_word(words[-1][2]):
                words.pop()  # "Olumide Bakare Finance 2231": the next field's word
            if len(words) < 2 or any(self._known_word(w) or w in EN_PLACE_NAMES
                                     for _, _, w in words):
                continue
            start, end = words[0][0], words[-1][1]
            if text[start:end] in EN_PLACE_NAMES or _HOUSE_NUMBER.search(
                    text, max(0, start - 12), start):
                continue  # "51 Franklin St": a street after its house number
            line_start = text.rfind("\n", 0, start) + 1
            if line_start not in lines:  # each line read once, not once a match
                line_end = text.find("\n", end)
                whole = text[line_start:line_end if line_end >= 0 else None]
                line = _LINE_WORDS.findall(whole)
                lines[line_start] = (len(line), sum(w[:1].isupper() for w in line),
                                     _RECORD_DIGITS.search(whole) is not None)
            count, capitalised, record = lines[line_start]
            if (count < len(words) + 2 or capitalised * 2 > count) and not record:
                continue  # a heading, a title or a label: no running text around the words
            out.append(self._result(start, end, "capitalised words no lexicon knows",
                                    self.SCORE))
        return out

    def _known_word(self, word: str) -> bool:
        """An ordinary word, or one the lexicon knows that is no census first name (Cloud,
        Helm and Lake are surnames too, but here they name things)."""
        if _CONTRACTION.sub("", word.lower()) in stop_words():
            return True  # "I'm Declan": a pronoun and its verb
        return self._words.ordinary(word) or (self._words.known(word)
                                              and not self._words.first_name(word))


#: A field of a delimited record that can be a given name or a surname: one capitalised word.
_RECORD_WORD = re.compile(r"[^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*")
#: A login or account name made of a person's names (mary.roberts, j_smith is too short to say).
_USER_VALUE = re.compile(
    r"(?i)(?<![A-Za-z0-9_])(?:user(?:[_\-]?name)?|login|uid|owner|author|assignee|reporter|"
    r"account|committer|created[_\-]?by|updated[_\-]?by|modified[_\-]?by)[\"']?\s*[=:]\s*"
    r"[\"']?(?P<v>(?P<f>[^\W\d_]{2,})[._](?P<l>[^\W\d_]{2,}))(?![\w.@])")


#: A one-line log entry: a commit hash, a date (and time), then the author's name.
_COMMIT_LINE = re.compile(
    # One possessive run for the graph's margin: two runs that both take blanks split a long
    # run every way (20,000 tabs: 2.3 s).
    r"(?m)^[*|^ \t]*+[0-9a-f]{7,40}[ \t]+\(?[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T \t][0-9]{2}:[0-9]{2}(?::[0-9]{2})?(?:[ \t]*[+-][0-9]{2}:?[0-9]{2}|Z)?)?[ \t]+"
    rf"(?P<v>[{_CAPITAL}][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*"
    rf"(?:[ \t]+[{_CAPITAL}][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*){{1,2}})(?=[ \t]|$)")


#: A phone number's digits in a record's field: seven or more, spaces and dashes between.
_CONTACT_DIGITS = re.compile(r"(?<![\d.])\+?\d(?:[ \-]?\d){6,}(?![\d.])")


#: Capitalised words, then an age between commas (or before the line's or sentence's end).
_CAP = r"(?:[A-Z][a-zà-öø-ÿ]*(?:['’][A-Z]?[a-zà-öø-ÿ]+)?(?:-[A-Z][a-zà-öø-ÿ'’]+)?)"
_NAME_AGE = re.compile(
    rf"(?<![\w'’\-])(?P<v>{_CAP}(?:[ \t]+{_CAP}){{1,3}}),[ \t]*(?P<age>[0-9]{{1,3}})"
    r"(?:[ \t]*(?:y/?o|yrs?|years?(?:[ \t]+old)?))?(?=[ \t]*(?:[,;)]|$|\.(?:\s|$)))",
    re.MULTILINE)


class RecordNameRecognizer(_ContextRecognizer):
    """Names in records without a header: two neighbouring fields of a delimited line (three
    fields or more, split by commas, semicolons, tabs or bars) that are one capitalised word
    each, one of them a census first name and neither an ordinary word or a known place
    ("Carolina,Eriksson,42,Berlin", "Verhaar;Fatima;NL"); and a login written as a person's
    names after a user, owner or author key ("user=mary.roberts")."""

    SCORE = 0.6
    _DELIMITERS = (",", ";", "\t", "|")

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        # A listed given name and a listed surname, or a listed given name and a word no
        # lexicon knows ("user=gestur.logason"; "user=app.service" is neither).
        out = [self._result(m.start("v"), m.end("v"), "a login made of a person's names",
                            self.SCORE)
               for m in _USER_VALUE.finditer(text)
               if self._words.first_name(m.group("f")) and (
                   self._surname(m.group("l")) or not self._words.known(m.group("l")))]
        out += self._commit_lines(text)
        out += self._name_and_age(text)
        at = 0
        for line in text.splitlines(keepends=True):
            out += self._line_pairs(line, at)
            at += len(line)
        return out

    def _name_and_age(self, text: str) -> list[RecognizerResult]:
        """A person as case notes, referrals and registers write one: names, then the age
        between commas ("Blaze Whitfield, 17, low BMI", "re: Tyler-James O'Connor, 14,",
        "Child Olwen Pryce, 4, nursery"). Two to four capitalised words, a given name or a word
        no dictionary holds first, no role or field word last, no place; an age of 0-110.
        A given name that is a word too (Storm, Harper) is left to the other frames."""
        out = []
        for m in _NAME_AGE.finditer(text):
            if int(m.group("age")) > 110:
                continue
            words = [w for w in re.split(r"[ \t]+", m.group("v")) if w]
            while words and self._words.role(words[0]) \
                    and not self._words.first_name(words[0]) and len(words) > 2:
                words.pop(0)  # "Child Olwen Pryce": a role before the names
            name = " ".join(words)
            # A given name (or a word no dictionary holds) first, and no role or field word
            # last: not "Iron Man, 3", "Max Retries, 3", "Star Wars, 4", "See Figure A, 3".
            if len(words) < 2 or any(len(w) < 2 for w in words) \
                    or not ((self._words.first_name(words[0])
                             and not self._words.ordinary(words[0]))
                            or not self._words.known(words[0])) \
                    or self._words.role(words[-1]) \
                    or name in EN_PLACE_NAMES or words[-1] in EN_PLACE_NAMES:
                continue
            end = m.end("v")
            out.append(self._result(end - len(name), end, "names before an age", self.SCORE))
        return out

    def _line_pairs(self, line: str, at: int) -> list[RecognizerResult]:
        delimiter = next((d for d in self._DELIMITERS if line.count(d) >= 2), None)
        if delimiter is None:
            return []
        fields: list[tuple[int, int, str]] = []
        pos = at
        for raw in line.split(delimiter):
            value = raw.strip().strip("\"'")
            start = pos + raw.find(value) if value else pos
            fields.append((start, start + len(value), value))
            pos += len(raw) + len(delimiter)
        out = [self._result(s, e, "a person's name as a field of a record", self.SCORE)
               for s, e, value in fields if self._full_name(value)]
        contact = "@" in line or _CONTACT_DIGITS.search(line) is not None
        for (s1, e1, a), (s2, e2, b) in itertools.pairwise(fields):
            if not (self._name_word(a) and self._name_word(b)) \
                    or not (self._words.first_name(a) or self._words.first_name(b)
                            # "Lefebvre;Cyprien;c.l@x.fr": a listed surname beside a word no
                            # lexicon knows, in a record that holds a contact (an address, a
                            # phone number): "Kotlin,Gradle,1.9" is none
                            or (contact and self._surname(a) and not self._words.known(b))
                            or (contact and self._surname(b) and not self._words.known(a))):
                continue
            out += [self._result(s1, e1, "names in neighbouring fields of a record", self.SCORE),
                    self._result(s2, e2, "names in neighbouring fields of a record", self.SCORE)]
        return out

    def _commit_lines(self, text: str) -> list[RecognizerResult]:
        """The author of a one-line log entry ("a1b2c3d 2024-02-11 Ana Lima Merge branch"):
        two or three capitalised words after a commit hash and a date, the last dropped when
        it is an ordinary word (the subject's first word)."""
        out = []
        for m in _COMMIT_LINE.finditer(text):
            words = list(re.finditer(r"\S+", m.group("v")))
            if len(words) == 3 and self._words.ordinary(words[2].group(0)):
                words = words[:2]
            # A listed given name or a word no lexicon knows first, then listed names or such
            # words: "Fix Login Bug" is a subject with no author before it.
            if len(words) < 2 or not (self._words.first_name(words[0].group(0))
                                      or not self._words.known(words[0].group(0))) \
                    or not all(self._words.first_name(w.group(0)) or self._surname(w.group(0))
                               or not self._words.known(w.group(0)) for w in words[1:]):
                continue
            out.append(self._result(m.start("v") + words[0].start(), m.start("v") + words[-1].end(),
                                    "the author of a log line", self.SCORE))
        return out

    def _full_name(self, value: str) -> bool:
        """A census first name and one or two name words after it, particles allowed
        ("Maria Tiepolo", "Nicole das Neves")."""
        words = value.split()
        if not 2 <= len(words) <= 4 or not self._words.first_name(words[0]):
            return False
        rest = [w for w in words[1:] if w.lower() not in _PARTICLES]
        return 1 <= len(rest) <= 2 and all(self._name_word(w) for w in [words[0], *rest])

    def _name_word(self, value: str) -> bool:
        return len(value) > 1 and value[0].isupper() and not value.isupper() \
            and _RECORD_WORD.fullmatch(value) is not None and value not in EN_PLACE_NAMES \
            and (self._words.first_name(value) or not self._words.ordinary(value))

    @staticmethod
    def _surname(word: str) -> bool:
        return word.upper() in gazetteer()[1]


def context_recognizers(lexicon: Lexicon, language: str = "en") -> list[EntityRecognizer]:
    return [IntroducedNameRecognizer(lexicon, language), AnswerRecognizer(lexicon, language),
            SpeakerLabelRecognizer(lexicon, language), NameListRecognizer(lexicon, language),
            HonorificNameRecognizer(lexicon, language), UnknownPairRecognizer(lexicon, language),
            RecordNameRecognizer(lexicon, language)]


def recognizer_names() -> frozenset[str]:
    """Names of the recognizers here whose PERSON findings may be widened over name words."""
    return frozenset(c.__name__ for c in (IntroducedNameRecognizer, AnswerRecognizer,
                                          SpeakerLabelRecognizer, NameListRecognizer))

