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

import itertools
import logging
import re
import threading
from typing import Any

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.privacy.recognizer_base import OwnRecognizer, cue_before, make_result
from appliance.privacy.recognizers_zh import SURNAMES

#: Dictionary "names" at least this frequent in jieba's dictionary are ordinary words.
COMMON_WORD_FREQ = 100
#: Dictionary words rarer than this are as good as unknown (许子: 2).
RARE_WORD_FREQ = 5
_JOINERS = frozenset(("和", "与", "跟", "及", "、", "或", "同"))
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
#: A character counts as one given names use when at least this many of the dictionary's
#: person names (surname + one or two characters) have it in their given name: 伟 (2,000+),
#: 秀 and 婷 do; 钥, 件 and 秒 do not (金钥 "key", 张卡 "the card" are no names).
GIVEN_CHAR_MIN = 3
#: A two-character word after a lone surname is a given name (陈 秀美, 林 志豪) when both its
#: characters are common in given names and it is no frequent word of its own (美丽 is 3,036).
GIVEN_WORD_MAX_FREQ = 1000
#: ... and "common in given names" means at least this many dictionary names for that rule:
#: 秀 (183), 豪 (41) and 彬 (15) are; 出 (6) and 错 (4) of 出错 "go wrong" are not.
GIVEN_WORD_CHAR_MIN = 10
#: A surname standing alone before a possible given name must start names more often than it
#: is a word of its own: dictionary names starting with it / its frequency as a word. 陈 (0.17),
#: 林 and 许 (0.05) and 田 (0.034) pass; 时, 和, 于, 高, 方, 文 (0.02 and under) are words first.
SURNAME_RATIO_MIN = 0.03
#: A character that starts this many of the dictionary's person names is a surname when it
#: stands apart by a space beside a given name (屠: 24, 隆: 50; 也, 书, 号: 0 or 1).
SPACED_SURNAME_NAMES = 20
#: Characters that are surnames and measure words: after a demonstrative or a numeral they
#: count things (这张卡, 一位客户, 两项任务), they do not start a name.
CLASSIFIERS = frozenset("张位条把本支台部件份项名个只头匹间座架辆根块片首篇封段层双对")
_COUNTING = frozenset("这那哪每几一二两三四五六七八九十百千万半多某该此各0123456789")
_NAME_TAGS = frozenset({"nr", "nrfg", "nrt"})
_COMPOUND = frozenset(s for s in SURNAMES if len(s) == 2)
_SINGLE = frozenset(s for s in SURNAMES if len(s) == 1)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_CUES = re.compile(r"我叫|我是|名叫|姓名|名字|联系人|聯繫人|患者|客户|客戶|用户|用戶|申请人|"
                   r"收件人|寄件人|持卡人|员工|員工|乘客|经办人|负责人|同事|朋友|家属|"
                   r"(?i:name|contact)")

#: Words after which a person's name comes: roles, 由/感谢/交给, a list's separator.
_LEFT_STRONG = re.compile(
    r"经理|客户|客戶|医生|大夫|老师|教授|主任|总监|总裁|董事长|律师|护士|同学|同事|师傅|"
    r"负责人是|联系人是|联系人|收件人|由|感谢|谢谢|联系|交给|转告|通知|告诉|询问|邀请|委托|"
    r"采访|拜访|陪同|嫁给|娶了|叫|找|问|、|和|与|跟|及")
#: Weaker: a clause boundary before the name.
_LEFT_WEAK = re.compile(r"[，。！？；：,.!?;:（(“\"「]|是|请|让|给|被|把|对|向")
#: What a person does or is, right after the name.
_RIGHT_STRONG = re.compile(
    r"说|讲|表示|认为|主持|记录|批准|审批|投诉|发言|请假|打电话|打来|来电|回复|负责|签字|签名|"
    r"提交|提出|报告|汇报|同意|拒绝|建议|介绍|先生|女士|小姐|同学|老师|经理|教授|医生|总|"
    r"的电话|的手机|的邮箱|的地址|的帮助|的意见|的支持|你好|您好|昨天|今天|明天|下周|上周|"
    r"处理|补充|确认|审核|反馈|办理|签收|提供|安排|发来|发给|回电|到场|出席|参加|"
    r"刚才|已经|正在|将|会|也|都")
_RIGHT_WEAK = re.compile(r"[，。！？；：,.!?;:）)”\"」、]|是|在|的|请|要|去|来|和|与|跟")
#: A colon and a value with a digit in it: what follows a field's label.
_LABEL_VALUE = re.compile(r"\s*[:：]\s*\S{0,12}?\d")
_LATIN_PUNCT = frozenset("<>[]{}=/|-_*#@&+~`“”‘’")
_LATIN_NEAR = re.compile(r"[A-Za-z0-9,.:;!?'\"()\s]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_lock = threading.Lock()
_tokenizer: Any = None
_freq: dict[str, int] = {}
_dictionary_names: frozenset[str] = frozenset()
_given_chars: dict[str, int] = {}
_name_starts: dict[str, int] = {}


def load_segmenter() -> Any:
    """jieba's segmenter and the dictionary's person names, initialised once (about 1 s)."""
    global _tokenizer, _freq, _dictionary_names, _given_chars, _name_starts  # noqa: PLW0603 - built once per process
    if _tokenizer is not None:  # built: read-only from here on, no lock on the hot path
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba  # noqa: PLC0415

            jieba.setLogLevel(logging.ERROR)
            jieba.initialize()
            # The dictionary's lines are "word frequency tag"; only the person-name tags are
            # kept (jieba.posseg would load its whole HMM to read the same file).
            with jieba.get_dict_file() as f:
                names = {parts[0] for line in f
                         if len(parts := line.decode("utf-8").split()) == 3
                         and parts[2] in _NAME_TAGS}
            _freq = jieba.dt.FREQ
            _dictionary_names = frozenset(names)
            _given_chars = _count_given_chars(names)
            _name_starts = {}
            for name in names:
                if 2 <= len(name) <= 3:
                    _name_starts[name[0]] = _name_starts.get(name[0], 0) + 1
            _tokenizer = jieba.dt
        return _tokenizer


def _surname_start(word: str) -> bool:
    return word[:2] in _COMPOUND or word[:1] in _SINGLE


class CnNameSegmentRecognizer(OwnRecognizer):
    ENTITY = "PERSON"
    SCORE = 0.65
    DICTIONARY_NAME = 0.5
    XIAO_LAO = 0.55
    FRAMED = 0.6
    GIVEN_WORD = 0.55
    SPACED = 0.6
    PART = 0.55
    CUED = 0.85

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
            if NOT_IN_GIVEN_NAMES.intersection(given) or not _name_chars(given, n) \
                    or (n == 2 and not _surname_first(word[0])):
                return None
            return self.SCORE, "segmented as a new word starting with a surname"
        given = word[2:] if word[:2] in _COMPOUND else word[1:]
        if word in _dictionary_names and freq < COMMON_WORD_FREQ and len(given) <= 2 \
                and not NOT_IN_GIVEN_NAMES.intersection(given):
            # 向前走 and 严格遵守 are tagged names in the dictionary too: a given name has at
            # most two characters, and none of a function word.
            return self.DICTIONARY_NAME, "rare dictionary name"
        return None

    def _names(self, words: list[str]) -> list[tuple[int, int, float, str]]:  # noqa: C901, PLR0912, PLR0915 - one pass, token by token
        """(start, end, score, why) of each name in the run ``words`` was cut from;
        offsets are characters into the run."""
        starts = [0]
        for w in words:
            starts.append(starts[-1] + len(w))
        names: list[tuple[int, int, float, str]] = []
        taken: set[int] = set()  # token indices inside a name

        def add(first: int, last: int, start: int, end: int, score: float, why: str) -> None:  # noqa: PLR0913, PLR0917 - a span
            names.append((start, end, score, why))
            taken.update(range(first, last + 1))

        i, n = 0, len(words)
        while i < n:
            word = words[i]
            nxt = words[i + 1] if i + 1 < n else ""
            at = starts[i]
            if word in ("小", "老") and nxt[:1] in _SINGLE \
                    and word + nxt[:1] not in XIAO_LAO_WORDS and set(nxt[1:]) <= NOT_IN_GIVEN_NAMES:
                add(i, i + 1, at, at + 2, self.XIAO_LAO, "小/老 + surname")  # 老 曹说
                i += 2
                continue
            if len(word) > 2 and word[0] in "小老" and word[1] in _SINGLE \
                    and word[:2] not in XIAO_LAO_WORDS and set(word[2:]) <= NOT_IN_GIVEN_NAMES:
                add(i, i, at, at + 2, self.XIAO_LAO, "小/老 + surname")  # 小罗说
                i += 1
                continue
            if word in _COMPOUND and _given_name(nxt):
                add(i, i + 1, at, starts[i + 2], self.SCORE, "compound surname + given name")
                i += 2
                continue
            if len(word) == 2 and _surname_start(word) and _freq.get(word, 0) < RARE_WORD_FREQ \
                    and word not in _dictionary_names and len(nxt) == 1 \
                    and _given_name(nxt):
                # An unknown three-character name whose first two characters happen to be a
                # rare dictionary word: jieba splits it 2 + 1 (许子 志).
                add(i, i + 1, at, starts[i + 2], self.DICTIONARY_NAME, "rare word + one character")
                i += 2
                continue
            prev = words[i - 1] if i else ""
            if len(word) == 1 and word in _SINGLE and prev in _JOINERS \
                    and _split_given(nxt) and _freq.get(word + nxt, 0) < RARE_WORD_FREQ \
                    and (_given_name(nxt) or i + 2 >= n
                         or words[i + 2] in ("一起", "一同")
                         or _RIGHT_STRONG.match(words[i + 2]) is not None
                         or _RIGHT_WEAK.match(words[i + 2]) is not None):
                # A name the segmenter split after its surname, listed after a joiner:
                # 我和 宋 建国 一起, 、赵 玉兰.
                add(i, i + 1, at, starts[i + 2], self.DICTIONARY_NAME, "joined surname + given")
                i += 2
                continue
            if word[:1] in CLASSIFIERS and prev and all(c in _COUNTING for c in prev):
                i += 1  # 这张卡, 一位客户: a measure word, not a surname
                continue
            if len(word) == 1 and word in _SINGLE and _surname_first(word) and _given_word(nxt) \
                    and _freq.get(word + nxt, 0) < RARE_WORD_FREQ:
                # A surname the segmenter left alone before a word that given names are made
                # of: 陈 秀美, 林 志豪 (秀美 "graceful" is also a word).
                add(i, i + 1, at, starts[i + 2], self.GIVEN_WORD, "surname + given-name word")
                i += 2
                continue
            found = self._judge(word)
            if found is None and len(word) in (3, 4) and not _freq.get(word) \
                    and word[-1] in NOT_IN_GIVEN_NAMES:
                # The HMM glued the next word's first character to a name: 陈婷来 (办公室).
                found = self._judge(word[:-1])
                if found is not None:
                    add(i, i, at, starts[i + 1] - 1, *found)
                    i += 1
                    continue
            if found is not None:
                add(i, i, at, starts[i + 1], *found)
            i += 1
        # Names listed together: 罗海和徐娜, 张伟、李娜 — a surname-initial word joined to a name
        # by a conjunction is a name too.
        for k, word in enumerate(words):
            if k in taken or not 2 <= len(word) <= 3 or not _surname_start(word) \
                    or not _given_name(word[1:]):
                continue
            joined = any(0 <= j < n and words[j] in _JOINERS and o in taken
                         for j, o in ((k + 1, k + 2), (k - 1, k - 2)))
            if joined:
                names.append((starts[k], starts[k + 1], self.DICTIONARY_NAME,
                              "listed with a name"))
        return names

    @staticmethod
    def _in_latin(text: str, run: re.Match[str]) -> bool:
        """Latin text, digits, spaces or punctuation on both sides of ``run``."""
        return all(not c or _LATIN_NEAR.match(c) or c in _LATIN_PUNCT
                   for c in (text[run.start() - 1:run.start()], text[run.end():run.end() + 1]))

    def _name_part_in_latin(self, text: str, run: re.Match[str]) -> bool:  # noqa: PLR0911 - one check a line
        """``run`` is a given name or a surname on its own, written in Chinese inside Latin
        text ("Hi 志远,", "Last name: 屠", "cc: 梓辰"): one to three characters with Latin text,
        digits, spaces or punctuation on both sides, that are either exactly a surname or made
        of characters given names use and no common word (你好, 谢谢, 邮箱 stay)."""
        word = run.group(0)
        if not 1 <= len(word) <= 3:
            return False
        if not self._in_latin(text, run):
            return False
        if _LABEL_VALUE.match(text, run.end()):
            return False  # 工号: EMP-1234 — a field's label before its value
        if len(word) == 1:  # a surname more often than a word of its own: 张, not 和 or 高
            return word in _SINGLE and _surname_first(word)
        if _exact_surname(word):
            return _freq.get(word, 0) < COMMON_WORD_FREQ or word in _dictionary_names
        # A given name alone: two characters (three-character runs are full names, see
        # _alone), characters given names use, and no dictionary word unless a rare name.
        if len(word) != 2 or NOT_IN_GIVEN_NAMES.intersection(word):
            return False
        if not all(_given_chars.get(c, 0) >= GIVEN_CHAR_MIN for c in word):
            return False
        freq = _freq.get(word, 0)
        return freq < RARE_WORD_FREQ or (word in _dictionary_names and freq < COMMON_WORD_FREQ)

    def _alone(self, text: str, run: re.Match[str], latin: bool) -> bool:  # noqa: PLR0911 - one check a line
        """``run`` is two to four Chinese characters between Latin words ("Please contact 唐建华
        about …"), starting with a surname and no common word: a name, whatever the segmenter
        makes of it."""
        word = run.group(0)
        # A rarer surname (one that starts many of the dictionary's names: 屠, 郦) counts for
        # three characters set in Latin text, where a Chinese word is the exception.
        rare_surname = len(word) == 3 and latin and self._in_latin(text, run) \
            and _name_starts.get(word[0], 0) >= SPACED_SURNAME_NAMES and _rare_surname_name(word)
        if not 2 <= len(word) <= 4 or not (_surname_start(word) or rare_surname):
            return False
        given = word[2:] if word[:2] in _COMPOUND and len(word) > 2 else word[1:]
        if NOT_IN_GIVEN_NAMES.intersection(given):
            return False
        freq = _freq.get(word, 0)
        if freq >= RARE_WORD_FREQ and (word not in _dictionary_names or freq >= COMMON_WORD_FREQ):
            return False  # 王国, 高兴, 索引: a word
        if len(word) == 4 and word[:2] not in _COMPOUND and word not in _dictionary_names \
                and _freq.get(word[:2], 0) >= COMMON_WORD_FREQ:
            return False  # 文件格式: four characters are a name only with a compound surname
        # Without the HMM, so that only dictionary words count.
        first, *rest = load_segmenter().cut(word, HMM=False)
        if len(first) >= 2 and _freq.get(first, 0) >= RARE_WORD_FREQ \
                and first not in _dictionary_names:
            return False  # 安装匹配, 文件格式: the "surname" starts a word of its own
        if any(len(w) >= 2 and _freq.get(w, 0) >= COMMON_WORD_FREQ and not _given_word(w)
               for w in rest):
            return False  # 时出错, 于目录: a character and a common word, not a name
        if not _name_chars(given, len(word)):
            return False
        if len(word) <= 3:
            # Two or three characters set apart by punctuation, spaces or Latin text on both
            # sides (the run is all there is between them): a field, a list item, a speaker
            # label: "周一 高宇, 周二 黄婷", "方洁 (工号 ...)", "冼亮: 你好". A common word there
            # (周二, 金额, 索引) was turned away above.
            return True
        before = text[run.start() - 1:run.start()] if run.start() else ""
        after = text[run.end():run.end() + 1]
        # Latin text or a space on both sides (the start or end of the text counts as one).
        if not all(not c or _LATIN_NEAR.match(c) for c in (before, after)):
            return False
        # In Chinese text, only a token set apart by spaces ("杨红梅 明天到").
        return latin or all(not c or c.isspace() for c in (before, after))

    def _framed(self, run: str, listed: bool = False) -> list[tuple[int, int, float, str]]:
        """Names the segmenter splits (戴/建立, 石/明远) but the sentence frames: a surname and
        a one- or two-character given name between a word that introduces a person (由, 经理,
        感谢, 负责人是, a list's 、) and one that says what a person does (说, 主持, 请假, 的帮助)
        or ends the clause. At least one side must be a strong frame (:data:`_LEFT_STRONG`,
        :data:`_RIGHT_STRONG`); the start of the text counts as a weak left frame."""
        found: list[tuple[int, int, float, str]] = []
        lefts: list[tuple[int, bool]] = [(0, listed)]
        lefts += [(m.end(), True) for m in _LEFT_STRONG.finditer(run)]
        lefts += [(m.end(), False) for m in _LEFT_WEAK.finditer(run)]
        for at, strong_left in lefts:
            for length in (2, 3, 4):
                name = run[at:at + length]
                if len(name) < length or not _surname_start(name):
                    continue
                given = name[2:] if name[:2] in _COMPOUND and length > 2 else name[1:]
                if not 1 <= len(given) <= 2 or NOT_IN_GIVEN_NAMES.intersection(given) \
                        or not _name_chars(given, length):
                    continue
                # 李子, 黄金: a dictionary word that is no name needs a person's frame on both
                # sides (经理黄金说 is someone; 黄金价格 is gold).
                word = _freq.get(name, 0) >= RARE_WORD_FREQ and name not in _dictionary_names
                end = at + length
                strong_right = _RIGHT_STRONG.match(run, end) is not None
                weak_right = end == len(run) or _RIGHT_WEAK.match(run, end) is not None
                if (strong_left and strong_right) or (not word and strong_right):
                    found.append((at, end, self.FRAMED, "framed by what a person does"))
                    break
                if not word and strong_left and weak_right:
                    found.append((at, end, self.FRAMED, "framed as a person"))
                    break
        return found

    def _spaced(self, text: str) -> list[tuple[int, int]]:
        """Names written as two runs with one space between, a surname on one side and a given
        name on the other: 志远 屠, 李 玉兰, 欧阳 娜娜 (forms with separate first- and
        last-name fields, and Western name order, join them so). Chinese puts no space between
        words, so two such runs are rarely anything else; the given side must be one or two
        characters that given names use, and no common word."""
        found = []
        runs = list(_CJK_RUN.finditer(text))
        for a, b in itertools.pairwise(runs):
            left, right = a.group(0), b.group(0)
            if b.start() != a.end() + 1 or text[a.end()] != " " or len(left) > 2 \
                    or len(right) > 2:
                continue
            # One character each side (王 刚, 月 日): only a surname of the common list.
            single = len(left) == len(right) == 1
            if (_exact_surname(left, single) and _spaced_given(right)) \
                    or (_exact_surname(right, single) and _spaced_given(left)):
                found.append((a.start(), b.end()))
        return found

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities or _CJK_RUN.search(text) is None:
            return []
        seg = load_segmenter()
        out = []
        latin = _LATIN_WORD.search(text) is not None
        spaced = self._spaced(text)
        out += [make_result(self, self.ENTITY, start, end, self.SPACED, "surname and given name "
                            "apart by a space", False) for start, end in spaced]
        for run in _CJK_RUN.finditer(text):
            if self._alone(text, run, latin):
                names = [(0, len(run.group(0)), self.SCORE, "a name standing alone in Latin text")]
            elif latin and self._name_part_in_latin(text, run):
                names = [(0, len(run.group(0)), self.PART, "a given name or surname alone in "
                          "Latin text")]
            else:
                names = self._names(list(seg.cut(run.group(0))))
            covered = {i for s, e, _, _ in names for i in range(s, e)}
            # A run right after a list's 、 or a label's colon (参会人员: 曾淑英、姚勇) starts
            # where a name is introduced.
            listed = run.start() > 0 and text[run.start() - 1] in "、：:;；"
            names += [n for n in self._framed(run.group(0), listed)
                      if not covered.intersection(range(n[0], n[1]))]
            for rel_start, rel_end, base, reason in names:
                start = run.start() + rel_start
                cued = cue_before(_CUES, text, start, window=8)
                score, why = (self.CUED, reason + ", cue word") if cued else (base, reason)
                out.append(make_result(self, self.ENTITY, start, run.start() + rel_end, score,
                                       why, cued))
        return out


def _count_given_chars(names: set[str]) -> dict[str, int]:
    """How many of the dictionary's person names use each character in their given name."""
    counts: dict[str, int] = {}
    for name in names:
        if name[:2] in _COMPOUND and 3 <= len(name) <= 4:
            given = name[2:]
        elif name[:1] in _SINGLE and 2 <= len(name) <= 3:
            given = name[1:]
        else:
            continue
        for c in given:
            counts[c] = counts.get(c, 0) + 1
    return counts


def _name_chars(given: str, length: int) -> bool:
    """The given part of a ``length``-character candidate is made of given-name characters:
    every character for a two-character candidate (金钥 is no name), at least one for longer
    ones (a rare character in a three-character name is common: 陈宥萱)."""
    common = [_given_chars.get(c, 0) >= GIVEN_CHAR_MIN for c in given]
    return all(common) if length <= 2 else any(common)


def _rare_surname_name(word: str) -> bool:
    """``word`` reads as a rarer surname and a two-character given name, nothing else: not
    in the dictionary, a surname more than a word (not 无, 位), its first character alone when
    the dictionary cuts it, nothing after it but a given name (志远) or no dictionary word, and
    given-name characters only."""
    if _freq.get(word, 0) or not _surname_first(word[0]):
        return False  # a word; or 无, 位: characters that are words first
    first, *rest = load_segmenter().lcut(word, HMM=False)
    return first == word[0] \
        and all(len(t) == 1 or _freq.get(t, 0) < RARE_WORD_FREQ or t in _dictionary_names
                or _given_word(t) for t in rest) \
        and all(_given_chars.get(c, 0) >= GIVEN_CHAR_MIN for c in word[1:])


def _exact_surname(run: str, common: bool = False) -> bool:
    """``run`` is a surname: one of the common ones, or a character that starts at least
    :data:`SPACED_SURNAME_NAMES` of the dictionary's person names (屠, 郦 and 隆 are rare
    surnames the common list leaves out)."""
    return run in _SINGLE or run in _COMPOUND \
        or (not common and len(run) == 1 and _name_starts.get(run, 0) >= SPACED_SURNAME_NAMES)


def _spaced_given(run: str) -> bool:
    """``run`` can be a given name written apart from its surname: characters given names use,
    no function word, and no common word unless the dictionary lists it as a name."""
    if NOT_IN_GIVEN_NAMES.intersection(run) or (_exact_surname(run) and len(run) == 2):
        return False
    if not _name_chars(run, 3):  # one character given names use is enough (裳婷, 姣何)
        return False
    # Every single character is a frequent word (刚, 静): only two are judged as a word.
    return len(run) == 1 or _freq.get(run, 0) < COMMON_WORD_FREQ or run in _dictionary_names \
        or _given_word(run)  # 建华, 秀美: words, and given names first


def _surname_first(char: str) -> bool:
    """``char`` starts names more often than it stands as a word (see SURNAME_RATIO_MIN)."""
    return _name_starts.get(char, 0) >= SURNAME_RATIO_MIN * max(1, _freq.get(char, 0))


def _given_word(token: str) -> bool:
    """``token`` is a two-character word that can be a given name: both characters common in
    given names, no function word, and no frequent word (美丽, 国家)."""
    return len(token) == 2 and _CJK_RUN.fullmatch(token) is not None \
        and not NOT_IN_GIVEN_NAMES.intersection(token) \
        and _freq.get(token, 0) < GIVEN_WORD_MAX_FREQ \
        and all(_given_chars.get(c, 0) >= GIVEN_WORD_CHAR_MIN for c in token)


def _split_given(token: str) -> bool:
    """``token`` can be the given name of a name split after its surname: one or two CJK
    characters, none of a function word (the frequency of 建国 or 建平 as words says nothing)."""
    return 1 <= len(token) <= 2 and _CJK_RUN.fullmatch(token) is not None \
        and not NOT_IN_GIVEN_NAMES.intersection(token)


def _given_name(token: str) -> bool:
    """``token`` can be a given name: one or two CJK characters, none of a function word,
    and not a frequent word of its own."""
    if not 1 <= len(token) <= 2 or _CJK_RUN.fullmatch(token) is None \
            or NOT_IN_GIVEN_NAMES.intersection(token):
        return False
    return len(token) == 1 or token in _dictionary_names \
        or _freq.get(token, 0) < COMMON_WORD_FREQ
