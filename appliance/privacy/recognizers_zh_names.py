"""Chinese names without a cue word: 张敏和刘洋下周去上海出差.

:class:`~appliance.privacy.recognizers_zh.CnPersonRecognizer` finds names where the text says
one follows (我叫, 姓名：, …先生). Everywhere else a segmenter must tell 王伟 the person from
王国 the kingdom. jieba ships its dictionary (349,046 words with part-of-speech tags) and an HMM
for words the dictionary lacks in its sdist, so it runs offline; the dictionary tags person
names ``nr``. On their own those tags are noisy in both directions (文明 "civilisation" is
tagged nr in the dictionary; 小张 is tagged n), so a token counts as a name when:

- it starts with a common surname (single or compound) and is 2–4 characters long, and
- it is either not in the dictionary at all (jieba's HMM joined the characters into a new
  word — most real people's names) without a character of a function word after the surname
  (:data:`NOT_IN_GIVEN_NAMES`), or a dictionary word tagged as a name and rarer than
  :data:`COMMON_WORD_FREQ` (frequent "names" in the dictionary are words: 白雪, 文明, 黎明);
- or it is 小/老 + surname (小张, 老王), unless the dictionary gives that pair an ordinary
  meaning (:data:`XIAO_LAO_WORDS`: 小时 hour, 老师 teacher, 小于 less than …);
- or a compound surname token is followed by a one- or two-character given name (欧阳 娜娜).

Scores sit under the cue recognizer's (0.85); a cue word before the name raises them to it.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.privacy.recognizer_base import cue_before, make_result
from appliance.privacy.recognizers_zh import SURNAMES

#: Dictionary "names" at least this frequent in jieba's dictionary are ordinary words.
COMMON_WORD_FREQ = 100
#: 小/老 + surname pairs that jieba's dictionary gives an ordinary meaning.
XIAO_LAO_WORDS = frozenset((
    "小时", "老师", "小麦", "小于", "小康", "小孔", "小路", "小米", "小马", "小牛", "小车", "小农",
    "小包", "老翁", "小费", "小叶", "小曲", "小钱", "老牛", "小童", "老庄", "小房", "小商", "老成",
    "小宗", "老路", "小龙", "小毛", "小史", "小吃", "小区", "小心", "小学", "小姐", "老板", "老家",
    "老公", "老婆", "老人", "老实", "老年", "老虎", "小说", "小组", "小孩", "小型", "小子", "小数"))
#: Characters that function words and directions are made of, and given names almost never:
#: a new word containing one after its surname is a phrase (向前走, 史上), not a name.
NOT_IN_GIVEN_NAMES = frozenset("上下前后左右里外中间来去走是的了在有和与说要会能把被对从到也"
                               "都就还又很最更不没这那么们个之所为以及其而或但如吗呢吧啊着过"
                               "给让向往")
_NAME_TAGS = frozenset({"nr", "nrfg", "nrt"})
_COMPOUND = frozenset(s for s in SURNAMES if len(s) == 2)
_SINGLE = frozenset(s for s in SURNAMES if len(s) == 1)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_CUES = re.compile(r"我叫|我是|名叫|姓名|名字|联系人|聯繫人|患者|客户|客戶|用户|用戶|申请人|"
                   r"收件人|寄件人|持卡人|员工|員工|乘客|经办人|负责人|同事|朋友|家属|"
                   r"(?i:name|contact)")

_lock = threading.Lock()
_tokenizer: Any = None
_freq: dict[str, int] = {}
_tags: dict[str, str] = {}


def load_segmenter() -> Any:
    """jieba's segmenter and its dictionary's tags, initialised once (about 1 s)."""
    global _tokenizer, _freq, _tags  # noqa: PLW0603 - one process-wide dictionary, built once
    with _lock:
        if _tokenizer is None:
            import jieba  # noqa: PLC0415
            import jieba.posseg  # noqa: PLC0415

            jieba.setLogLevel(logging.ERROR)
            jieba.initialize()
            _freq = jieba.dt.FREQ
            # The dictionary's part-of-speech tags (posseg reads them from the same file).
            _tags = jieba.posseg.dt.word_tag_tab
            _tokenizer = jieba.dt
        return _tokenizer


def _surname_start(word: str) -> bool:
    return word[:2] in _COMPOUND or word[:1] in _SINGLE


class CnNameSegmentRecognizer(EntityRecognizer):
    ENTITY = "PERSON"
    SCORE = 0.65
    DICTIONARY_NAME = 0.5
    XIAO_LAO = 0.55
    CUED = 0.85

    def __init__(self, language: str = "en") -> None:
        super().__init__(supported_entities=[self.ENTITY], supported_language=language,
                         name=type(self).__name__)

    def load(self) -> None:
        load_segmenter()

    def _judge(self, word: str) -> tuple[float, str] | None:
        n = len(word)
        if n == 2 and word[0] in "小老" and word[1] in _SINGLE:
            return None if word in XIAO_LAO_WORDS else (self.XIAO_LAO, "小/老 + surname")
        if not 2 <= n <= 4 or not _surname_start(word):
            return None
        freq = _freq.get(word)
        if not freq:
            # Not a dictionary word: the HMM joined these characters as a new word.
            given = word[2:] if word[:2] in _COMPOUND else word[1:]
            if NOT_IN_GIVEN_NAMES.intersection(given):
                return None
            return self.SCORE, "segmented as a new word starting with a surname"
        if _tags.get(word) in _NAME_TAGS and freq < COMMON_WORD_FREQ:
            return self.DICTIONARY_NAME, "rare dictionary name"
        return None

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities or _CJK_RUN.search(text) is None:
            return []
        seg = load_segmenter()
        out = []
        for run in _CJK_RUN.finditer(text):
            pos = run.start()
            words = list(seg.cut(run.group(0)))
            for i, word in enumerate(words):
                start, pos = pos, pos + len(word)
                found = self._judge(word)
                end = pos
                if found is None and word in _COMPOUND and i + 1 < len(words):
                    given = words[i + 1]
                    if 1 <= len(given) <= 2 and (_tags.get(given) in _NAME_TAGS
                                                 or not _freq.get(given)):
                        found, end = (self.SCORE, "compound surname + given name"), \
                            pos + len(given)
                if found is None:
                    continue
                score, why = found
                cued = cue_before(_CUES, text, start, window=8)
                if cued:
                    score, why = self.CUED, why + ", cue word"
                out.append(make_result(self, self.ENTITY, start, end, score, why, cued))
        return out
