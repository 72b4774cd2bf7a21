"""Recognizers for Chinese identifiers, which Presidio does not ship.

- ``CN_RESIDENT_ID``: 居民身份证号码. 18 digits (the last may be X) with the GB 11643-1999 check
  digit and a valid birth date, contiguous or in groups of any size with one kind of separator
  (``110108-1992-0517-1907``, ``320 102 1961 0113 4498``, wrapped over a line); the legacy
  15-digit form with a valid 19YYMMDD birth date.
- ``CN_MOBILE``: mainland mobile numbers, 1[3-9]X XXXX XXXX, with or without +86 / 0086 and with
  spaces or hyphens as separators.
- ``CN_BANK_CARD``: UnionPay and other bank cards, 16-19 digits passing the Luhn check, with a
  space, doubled space or hyphen between digits; cards starting with 62 (UnionPay's IIN
  range) score higher.
- ``PERSON`` (Chinese): a common surname plus one or two characters, only where the text says a
  name follows or precedes (我叫, 姓名, 联系人, 先生, 女士...): without a Chinese NER model, context
  is what tells 王伟 the person from 王国 the kingdom.

All digits are matched as ASCII ``[0-9]``: ``\\d`` would also match full-width and other
Unicode digits, which the validators below do not understand.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import lru_cache

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.config import PiiConfig
from appliance.privacy.lexicon import Lexicon, model_lexicon
from appliance.privacy.recognizer_base import (
    CUED_NEAR_MISS_SCORE,
    OwnRecognizer,
    RegexRecognizer,
    make_result,
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _valid_date(year: int, month: int, day: int, today: dt.date) -> bool:
    try:
        born = dt.date(year, month, day)
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= today


def resident_id_valid(text: str, today: dt.date | None = None) -> bool:
    """True for a well-formed 18-digit ID with the right check digit, or a 15-digit legacy ID."""
    today = today or dt.datetime.now(dt.UTC).date()
    s = text.upper()
    if len(s) == 18 and s[:17].isascii() and s[:17].isdigit():
        if s[0] == "0" or not _valid_date(int(s[6:10]), int(s[10:12]), int(s[12:14]), today):
            return False
        total = sum(int(c) * w for c, w in zip(s[:17], _ID_WEIGHTS, strict=True))
        return _ID_CHECK[total % 11] == s[17]
    if len(s) == 15 and s.isascii() and s.isdigit():
        return s[0] != "0" and _valid_date(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]),
                                           today)
    return False


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


_SEP = r"[ .\-]"
#: Between two digit groups of an ID: one separator, spaces around it, or a line break (the
#: view joins a break between two digits into a space, but not one after a hyphen).
_GROUP_SEP = r"(?:[ ]{1,6}|[ ]{0,2}[\-./_][ ]{0,2}|[ ]?[\-./_]?[ ]*\r?\n[ ]*)"
_SEPARATOR_KINDS = re.compile(r"[^0-9Xx]+")


def one_separator(value: str) -> bool:
    """``value``'s digit groups are set apart by one kind of separator (or none): a space,
    however many, or one punctuation mark, with spaces or a line break around it. One more
    plain space may stand anywhere: where the line was wrapped inside a group."""
    seps = [sep.strip(" \r\n") or " " for sep in _SEPARATOR_KINDS.findall(value)]
    kinds = set(seps)
    return len(kinds) <= 1 or (len(kinds) == 2 and seps.count(" ") == 1)


def card_grouping(value: str) -> bool:
    """Digit groups as cards are printed: fours (the last group 1-4 digits, three groups or
    more), 4-6-5 (American Express) or 4-6-4 (Diners)."""
    lens = [len(g) for g in re.findall(r"[0-9]+", value)]
    if len(lens) >= 3 and all(n == 4 for n in lens[:-1]) and 1 <= lens[-1] <= 4:
        return True
    return lens in ([4, 6, 5], [4, 6, 4])


class CnResidentIdRecognizer(RegexRecognizer):
    ENTITY = "CN_RESIDENT_ID"
    # 18 digits (last may be X), contiguous or in groups (6-8-4 as on the card, 6-4-4-4,
    # 3-3-4-4-4 ...); 15 digits.
    REGEX = re.compile(rf"(?<![0-9A-Za-z])(?P<v>[1-9](?:{_GROUP_SEP}?[0-9]){{16}}"
                       rf"{_GROUP_SEP}?[0-9Xx]|[1-9][0-9]{{14}})"
                       rf"(?![0-9A-Za-z])(?!{_GROUP_SEP}[0-9])")
    CUES = re.compile(r"(?i)身份[证證]|[证證]件|公民身份|居民身份|id\s*(?:card|no|number|#)|"
                      r"identity|resident\s*id")
    SCORE = 1.0

    def __init__(self, language: str = "en", today: Callable[[], dt.date] | None = None) -> None:
        super().__init__(language)
        self._today = today or (lambda: dt.datetime.now(dt.UTC).date())

    def accept(self, match: re.Match[str], cued: bool) -> tuple[float, str] | None:
        value = re.sub(r"[^0-9Xx]", "", match.group("v"))
        if not one_separator(match.group("v")):
            return None  # 1101-0819 9205.1719 07: pieces of different numbers
        if resident_id_valid(value, self._today()):
            return self.SCORE, "check digit and birth date valid"
        if cued and len(value) == 18:
            # One mistyped digit next to 身份证号 is still somebody's ID number.
            return CUED_NEAR_MISS_SCORE, "check failed, cue word"
        return None


class CnMobileRecognizer(RegexRecognizer):
    ENTITY = "CN_MOBILE"
    # 1[3-9]X XXXX XXXX, with any single separator (space, dot, hyphen) between any digits.
    REGEX = re.compile(
        rf"(?<![0-9A-Za-z+])(?P<v>(?:(?:\+|00)86{_SEP}?)?(?:\(\+?86\){_SEP}?)?"
        rf"1{_SEP}?[3-9](?:{_SEP}?[0-9]){{9}})(?!{_SEP}?[0-9])(?![A-Za-z])")
    SCORE = 0.85
    CUES = re.compile(r"(?i)手机|手機|电话|電話|联系|聯繫|致电|拨打|微信|"
                      r"mobile|phone|cell|tel|call")
    _VERSION = re.compile(r"[0-9]+(?:\.[0-9]+){3,}")

    def accept(self, match: re.Match[str], cued: bool) -> tuple[float, str] | None:
        # Four or more dot-separated groups read as a version or build number (1.38.0013.8000),
        # unless a cue word says it is a phone number.
        if self._VERSION.fullmatch(match.group("v")) and not cued:
            return None
        return self.SCORE, "mobile number form"


class CnLandlineRecognizer(RegexRecognizer):
    """Mainland fixed lines: 0 + area code (10, 2X, or three digits) + a 7-8 digit number,
    as 010-12345678, (0755) 1234 5678, +86 21 1234 5678, with an optional extension."""

    ENTITY = "PHONE_NUMBER"
    REGEX = re.compile(
        r"(?<![0-9A-Za-z+])(?<![0-9][ \-])(?P<v>(?:(?:\+|00)86[ \-]?(?P<i>10|2[0-9]|[3-9][0-9]{2})"
        r"|\((?P<p>0(?:10|2[0-9]|[3-9][0-9]{2}))\)|(?P<a>0(?:10|2[0-9]|[3-9][0-9]{2})))"
        r"(?P<s>[ \-]?)[2-9][0-9]{2,3}[ \-]?[0-9]{4}(?:\s?(?:转|轉|ext\.?|x)\s?[0-9]{1,5})?)"
        # Not the first groups of a longer run (0992 7469 7942 8199 is no landline).
        r"(?![0-9A-Za-z])(?![ \-][0-9])")
    CUES = re.compile(r"(?i)电话|電話|座机|固话|传真|傳真|联系|聯繫|致电|拨打|tel|phone|fax|call")
    SCORE = 0.6

    def accept(self, match: re.Match[str], cued: bool) -> tuple[float, str] | None:
        if cued:
            return 0.85, "landline form, cue word"
        if match.group("i") or match.group("p") or match.group("s"):
            return self.SCORE, "landline form with area code set apart"
        return 0.3, "contiguous digits in landline form"  # context may lift it


class CnBankCardRecognizer(RegexRecognizer):
    ENTITY = "CN_BANK_CARD"
    OTHER_CARD_SCORE = 0.7
    REGEX = re.compile(r"(?<![0-9])(?P<v>[0-9](?:(?:[ ]{1,6}|[ ]{0,2}-[ ]{0,2})?[0-9]){15,18})"
                       r"(?![0-9])")
    CUES = re.compile(r"(?i)卡号|卡號|银行卡|銀行卡|账号|帳號|账户|信用卡|储蓄卡|card|account")

    def accept(self, match: re.Match[str], cued: bool) -> tuple[float, str] | None:
        digits = re.sub(r"[ -]", "", match.group("v"))
        if not 16 <= len(digits) <= 19 or not one_separator(match.group("v")):
            return None
        if not luhn_valid(digits):
            return (CUED_NEAR_MISS_SCORE, "Luhn failed, cue word") if cued else None
        return (0.95 if digits.startswith("62") else self.OTHER_CARD_SCORE), "Luhn valid"


# The most common Chinese surnames (covering the large majority of the population), single and
# compound, and rarer ones from the Hundred Family Surnames that are not everyday characters.
_SURNAMES = (
    "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|令狐|夏侯|长孙|宇文|轩辕|钟离|闻人|澹台|公冶|"
    "宗政|濮阳|淳于|单于|太叔|申屠|赫连|独孤|南宫|西门|呼延|万俟|端木|百里|东郭|司徒|司空|"
    "晁|蔺|邸|阎|廉|储|郜|揭|厉|戎|祖|伏|奚|湛|禹|狄|贝|谈|茅|昝|裘|郁|杭|嵇|钮|荀|芮|"
    "羿|邴|糜|隗|宓|郗|钭|幸|韶|蓟|邰|鄂|索|赖|胥|莘|逄|扈|郏|茹|宦|庾|暨|阙|蔚|夔|訾|阚|鞠|"
    "蒯|竺|逯|萧|傅|"
    "王|李|张|刘|陈|杨|黄|赵|吴|周|徐|孙|马|朱|胡|郭|何|高|林|罗|郑|梁|谢|宋|唐|许|韩|冯|邓|曹|"
    "彭|曾|肖|田|董|袁|潘|于|蒋|蔡|余|杜|叶|程|苏|魏|吕|丁|任|沈|姚|卢|姜|崔|钟|谭|陆|汪|范|金|"
    "石|廖|贾|夏|韦|付|方|白|邹|孟|熊|秦|邱|江|尹|薛|闫|段|雷|侯|龙|史|陶|黎|贺|顾|毛|郝|龚|邵|"
    "万|钱|严|覃|武|戴|莫|孔|向|汤|常|温|康|施|文|牛|樊|葛|邢|安|齐|易|乔|伍|庞|颜|倪|庄|聂|章|"
    "鲁|岳|翟|殷|詹|申|欧|耿|关|兰|焦|俞|左|柳|甘|祝|包|宁|尚|符|舒|阮|柯|纪|梅|童|凌|毕|单|季|"
    "裴|霍|涂|成|苗|谷|盛|曲|翁|冉|骆|蓝|路|游|辛|靳|管|柴|蒙|鲍|华|喻|祁|蒲|房|滕|屈|饶|解|牟|"
    "艾|尤|阳|时|穆|农|司|卓|古|吉|缪|简|车|项|连|芦|麦|褚|娄|窦|戚|岑|景|党|宫|费|卜|冷|晏|席|"
    "卫|米|柏|宗|瞿|桂|全|佟|应|臧|闵|苟|邬|边|卞|姬|师|和|仇|栾|隋|商|刁|沙|荣|巫|寇|桑|郎|甄|"
    "丛|仲|虞|敖|巩|明|佘|池|查|麻|苑|迟|邝"
)
SURNAMES: tuple[str, ...] = tuple(_SURNAMES.split("|"))
_CJK = r"[\u4e00-\u9fff]"
_HAS_CJK = re.compile(_CJK)
_BEFORE = r"(?:我叫|我是|名叫|姓名[:：]?\s*|名字[是叫:：]\s*|联系人[:：]?\s*|患者[:：]?\s*|" \
          r"客户[:：]?\s*|用户[:：]?\s*|申请人[:：]?\s*|收件人[:：]?\s*|持卡人[:：]?\s*|" \
          r"寄件人[:：]?\s*|员工[:：]?\s*|乘客[:：]?\s*)"
_NAME_END = (r"[的是在和与跟说来去已于等电手身卡住今昨要想，。、,.;；：:！!？?\s（(]"
             r"|[^\u4e00-\u9fff]")
_AFTER = r"(?=先生|女士|小姐|同志|老师|医生|教授|经理|同学)"
#: Honorifics that, after a surname alone, make with it all a notice calls the person by
#: (a delivery notice's 曹先生, then 您的快件已到达): masked with the surname, so that no half of
#: it is left.
_HONORIFIC = re.compile(r"先生|女士|小姐")


#: The rest of the Hundred Family Surnames (百家姓): rarer, and many of them ordinary words
#: too (水, 平, 国, 东), so they count only right after a cue word (我叫寿文馨, 姓 越).
_CUED_ONLY_SURNAMES = (
    "水|云|昌|凤|花|酆|乐|皮|元|平|计|强|危|支|经|干|宣|贲|洪|诸|滑|羊|於|惠|家|封|汲|松|井|"
    "富|乌|巴|弓|牧|山|蓬|班|仰|秋|伊|暴|束|薄|印|宿|怀|从|咸|籍|屠|阴|鬱|能|苍|双|闻|贡|劳|"
    "扶|堵|宰|郦|雍|郤|璩|濮|寿|通|燕|冀|浦|别|充|慕|习|鱼|容|慎|戈|终|居|衡|步|都|满|弘|匡|"
    "国|广|禄|东|殳|沃|利|越|隆|厍|勾|融|那|空|毋|乜|养|须|丰|巢|相|后|荆|红|权|盖|益|桓|公")
_ANY_SURNAME = f"{_SURNAMES}|{_CUED_ONLY_SURNAMES}"


class CnPersonRecognizer(RegexRecognizer):
    ENTITY = "PERSON"
    # After a cue the name is surname + one or two characters, ending where a particle, a
    # verb that usually follows a name, punctuation or non-CJK text begins. A form's separate
    # surname and given-name fields (姓 越, 名 文馨) are names too.
    REGEX = re.compile(
        rf"{_BEFORE}(?P<v>(?:{_ANY_SURNAME}){_CJK}{{1,2}})(?={_NAME_END}|$)"
        rf"|(?P<w>(?:{_SURNAMES}){_CJK}{{0,2}}?){_AFTER}"
        rf"|(?<![\u4e00-\u9fff])(?:姓氏|姓)\s*[:：]\s*(?P<s>(?:{_ANY_SURNAME}))(?={_NAME_END}|$)"
        rf"|(?<![\u4e00-\u9fff])名\s*[:：]\s*(?P<g>{_CJK}{{1,2}})(?={_NAME_END}|$)"
    )
    SCORE = 0.85

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        # Every branch of REGEX holds a Chinese character; tried at every position of a text
        # with none, it took 0.4 ms of a 650-character English paragraph.
        if _HAS_CJK.search(text) is None:
            return []
        return super().analyze(text, entities, nlp_artifacts)

    def value_span(self, match: re.Match[str]) -> tuple[int, int]:
        # "v": the name after a cue (我叫王伟); "w": the name before one (李明先生); "s" and
        # "g": a form's surname and given-name fields.
        group = next(g for g in ("v", "w", "s", "g") if match.group(g))
        start, end = match.span(group)
        if group == "w" and match.group("w") in SURNAMES:
            title = _HONORIFIC.match(match.string, end)  # 曹先生: a surname alone
            if title is not None:
                end = title.end()
        return start, end


def _words(text: str) -> frozenset[str]:
    """The words of ``text``, split at white space."""
    return frozenset(text.split())


#: The syllables of Mandarin in Hanyu Pinyin, without tones (ü written v or u).
PINYIN_SYLLABLES = _words("""
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu pa pai pan pang
pao pei pen peng pi pian piao pie pin ping po pou pu ma mai man mang mao me mei men meng mi mian
miao mie min ming miu mo mou mu fa fan fang fei fen feng fo fou fu da dai dan dang dao de dei den
deng di dian diao die ding diu dong dou du duan dui dun duo ta tai tan tang tao te teng ti tian
tiao tie ting tong tou tu tuan tui tun tuo na nai nan nang nao ne nei nen neng ni nian niang niao
nie nin ning niu nong nou nu nuan nun nuo nv nve la lai lan lang lao le lei leng li lia lian liang
liao lie lin ling liu lo long lou lu luan lun luo lv lve ga gai gan gang gao ge gei gen geng gong
gou gu gua guai guan guang gui gun guo ka kai kan kang kao ke kei ken keng kong kou ku kua kuai
kuan kuang kui kun kuo ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun
huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun qi qia qian qiang qiao qie qin
qing qiong qiu qu quan que qun xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun zha
zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo
cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui chun chuo
sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo
ra ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo za zai zan zang zao ze zei zen
zeng zi zong zou zu zuan zui zun zuo ca cai can cang cao ce cen ceng ci cong cou cu cuan cui cun
cuo sa sai san sang sao se sen seng si song sou su suan sui sun suo ya yan yang yao ye yi yin ying
yo yong you yu yuan yue yun wa wai wan wang wei wen weng wo wu e ei en eng er o ou""")
#: Surnames in pinyin (the common ones and compound ones).
PINYIN_SURNAMES = _words("""
Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Gao Lin Luo Zheng Liang
Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Yuan Pan Yu Jiang Cai Du Ye Cheng Su Wei
Lu Ding Ren Shen Yao Cui Zhong Tan Fan Jin Shi Liao Jia Xia Fu Fang Bai Zou Meng Xiong Qin Qiu
Yin Xue Yan Duan Lei Hou Long Tao Mao Hao Gong Shao Wan Qian Kong Mo Dai Qi Kang Niu Chang Wen
Tao Gu Lai Kou Ouyang Sima Shangguan Zhuge Situ Dongfang Huangfu Murong Linghu Xiahou""")
#: Cantonese and Wade-Giles surnames (Hong Kong, Macau, Taiwan, the diaspora), written before
#: a hyphenated given name: Chan Tai-man, Lee Siu-ming, Tsai Ing-wen.
ROMANISED_SURNAMES = _words("""
Chan Wong Lee Cheung Lau Ho Ng Leung Lam Tsang Chow Yip Kwok Chu Tse Cheng Lo Mak Fung Hui Yeung
Poon Tam Au Kwan Siu Choi Law Chiu Tsai Hsu Chang Kuo Hsieh Chou Tseng Kao Yeh Hsiao Tsui Kwong
Man Mok Pang Shum Szeto Tong Yiu Yuen Chung Koo Kong Lai Liu Lin Wu Huang Ma Ko Ku""")
#: Pinyin syllables that are also English words: a one-syllable given name or a capitalised
#: surname spelled so is the English word first ("He Can", "Long Men"); in capitals a
#: surname counts ("HE Qiang").
_PINYIN_ENGLISH = _words("""
a an bang ban bin bun can dang den die ding dong e fan gang gun hang he hen lie long man me men
nun pa pan pen pin ping run ran she shun sun tan ten tie yo you ye la le ma na o mo bo ha hi""")
#: Places written in pinyin that a pair of syllables may start (Hong Kong, Beijing Shi).
_PINYIN_PLACES = _words("""
Hong Beijing Shanghai Tianjin Chongqing Nanjing Guangzhou Shenzhen Wuhan Hangzhou Chengdu Harbin
Kunming Taipei Taibei Fujian Hunan Hubei Henan Hebei Shandong Shanxi Shaanxi Jiangsu Zhejiang
Anhui Jiangxi Sichuan Yunnan Guizhou Gansu Qinghai Hainan Jilin Liaoning Xinjiang Xizang
Guangdong Guangxi Ningxia Xiamen Suzhou Qingdao Dalian Shenyang Changsha Zhengzhou Jinan""")
#: Pinyin pairs that are no person: greetings and loanwords (Ni Hao, Qi Gong, Feng Shui, Tai Chi,
#: Wu Tang), places written in two words (Hu Nan, Jiang Xi, Zhong Shan, Shao Lin), compared
#: with the two words run together in lower case.
_PINYIN_NOT_NAMES = frozenset(w.lower() for w in _PINYIN_PLACES) | _words("""
nihao xiexie zaijian ganbei gongxi qigong gongfu kungfu taichi taiji fengshui wutang wushu
yinyang taote daode guanxi hutong hongbao jiaozi baozi mantou baijiu majiang renmin xinhua
zhonghua zhongguo putonghua shaolin zhongshan jinjiang wudang emei huangshan taishan facai
meiguo changjiang huanghe guzheng erhu weiqi huawei""")
#: Pinyin surnames that are also English words or acronyms in capitals (MA, WAN, HE).
_CAPS_WORDS = _PINYIN_ENGLISH | _words("wan gong tang kong")
_LATIN_NAME_PAIR = re.compile(
    r"(?<![A-Za-z0-9_'’-])(?P<a>[A-Z][a-z]+|[A-Z]{2,})[ \u00a0](?P<b>[A-Z][a-z]+(?:[-'’][a-z]+)?)"
    r"(?![A-Za-z0-9_'’]|-[A-Za-z])")


def pinyin_given(word: str) -> bool:
    """``word`` is a given name in pinyin: one or two syllables (Wei, Xiaoming, Xiao-ming)."""
    parts = [p.lower() for p in re.split(r"[-'’]", word)]
    if len(parts) == 2:
        return all(p in PINYIN_SYLLABLES for p in parts)
    w = parts[0]
    return w in PINYIN_SYLLABLES or any(
        w[:i] in PINYIN_SYLLABLES and w[i:] in PINYIN_SYLLABLES for i in range(1, len(w)))


@lru_cache(maxsize=1)
def _lexicon() -> Lexicon:
    """The default spaCy model's lexicon of English words (an empty one without the model),
    read on first use."""
    return model_lexicon(PiiConfig().spacy_model)


def _english_given(word: str) -> bool:
    """``word``, read as a pinyin given name of two syllables run together, is an English word
    (Panda, Human, Tango, Yoga): one syllable alone is checked against the shorter list
    :data:`_PINYIN_ENGLISH`, since many one-syllable names are a word of some dictionary."""
    return word.lower() not in PINYIN_SYLLABLES and "-" not in word \
        and bool(_lexicon().is_word(word))


class PinyinNameRecognizer(OwnRecognizer):
    """Chinese names in Latin letters (issue 37): a pinyin surname and a pinyin given name of
    one or two syllables in either order (Wang Wei, Zhang Xiaoming, Xiaoming Zhang), the
    surname in capitals as many documents write it (WANG Wei, SUN Xiaomin), and Hong Kong and
    Taiwan romanisations before a hyphenated given name (Lee Siu-ming, Tsai Ing-wen). Text in
    Chinese around them does not hide them (请联系 Qiang Chen). Syllables that are English words
    (He, Long, Can) count only as a surname in capitals or beside a two-syllable given name; a
    two-syllable given name that is an English word (Panda, Human) is none, nor a greeting, a
    loanword or a place (Ni Hao, Qi Gong, Hu Nan). A pair rejected does not hide the next one
    (Dear Zhang Wei)."""

    ENTITY = "PERSON"
    SCORE = 0.6

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = []
        pos = 0
        while (m := _LATIN_NAME_PAIR.search(text, pos)) is not None:
            if self._name(m.group("a"), m.group("b")):
                out.append(make_result(self, self.ENTITY, m.start(), m.end(), self.SCORE,
                                       "a Chinese name in pinyin"))
                pos = m.end()
            else:  # Dear Zhang / Zhang Wei: the second word may start a name
                pos = m.start("b")
        return out

    @staticmethod
    def _name(a: str, b: str) -> bool:
        caps = a.isupper()
        a_title = a if not caps else a.capitalize()
        if a_title in _PINYIN_PLACES or re.sub(r"[-'’]", "", a + b).lower() in _PINYIN_NOT_NAMES:
            return False
        if "-" in b or "'" in b or "’" in b:  # Lee Siu-ming, Wang Xiao-ming
            parts = re.split(r"[-'’]", b)
            # not an English compound (Law Non-profit, Long Follow-up)
            english = _lexicon().is_word(b) or (len(parts[-1]) >= 5 and _lexicon().is_word(
                parts[-1]) and parts[-1].lower() not in PINYIN_SYLLABLES)
            return (a_title in ROMANISED_SURNAMES or a_title in PINYIN_SURNAMES) \
                and all(2 <= len(p) <= 6 for p in parts) and not english
        long_given = pinyin_given(b) and b.lower() not in PINYIN_SYLLABLES
        # Surname first: WANG Wei, Zhang Xiaoming, Wang Wei; in capitals not an acronym before
        # an English word (WAN Ping, MA Human).
        if a_title in PINYIN_SURNAMES and pinyin_given(b) and not _english_given(b) \
                and ((caps and not (a.lower() in _CAPS_WORDS and b.lower() in _PINYIN_ENGLISH))
                     or long_given or (a.lower() not in _PINYIN_ENGLISH
                                       and b.lower() not in _PINYIN_ENGLISH)):
            return True
        # Given name first: Xiaoming Zhang, Qiang Chen.
        return not caps and b in PINYIN_SURNAMES and pinyin_given(a) and not _english_given(a) \
            and (a.lower() not in PINYIN_SYLLABLES
                 or (a.lower() not in _PINYIN_ENGLISH and b.lower() not in _PINYIN_ENGLISH))


def chinese_recognizers(language: str = "en") -> list[EntityRecognizer]:
    return [CnResidentIdRecognizer(language), CnMobileRecognizer(language),
            CnLandlineRecognizer(language), CnBankCardRecognizer(language),
            CnPersonRecognizer(language), PinyinNameRecognizer(language)]
