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

Around those, what the sentence says of a person (issue 37): a surname before a title or role
(郭师傅, 刘处长, 张总); a surname and given name between a frame on the left (the start of a
token, a greeting, 记者) and what a person does or when on the right (打算, 透露, 下午); a
three-character name the segmenter cut after its second character (黄玉/英是) taken whole; items
listed with a name (、, 和, /, spaces, one per line) and the other speakers of a transcript;
a name written apart by a space inside a sentence (我叫惠美 王); parts joined by a middle dot
(买买提·艾力); a name after an English form's name field (First name: 志豪). Taiwan's common
surnames the cue list lacks (洪, 官) count as surnames here.

A second round (issue 37) for the registers documents have: roles before a name in court
papers, delivery notices, school and medical records and newsroom credits (被告, 快递员, 班主任,
责编), also set apart by a space (本报记者 沈嘉怡); what those documents say a person did
(辩称, 牵头, 代签收) or has (的家长); a frequent verb of the dictionary after a name a frame
introduces (听说曾建/调走), and 把/对/被 after a clause's subject; rarer surnames (the rest of
the Hundred Family Surnames, characters hardly written as words: 仉, 缑, 冼) before given-name
characters where a person stands; Tibetan names of two given-name parts (扎西顿珠). Pinyin and
romanised names are :class:`~appliance.privacy.recognizers_zh.PinyinNameRecognizer`'s.

A third round (issue 37) for everyday messages: a name called out at the start of a chat line
(慧敏, then a comma and 你…), nicknames (阿强, 小雪, 胖哥, 熊猫哥) as a clause's subject or after
a word that introduces a person, a user mentioned with @, a compound surname before a given name
written twice (诸葛亮亮), a surname an answer speaks of (欧阳是复姓, 我姓王), a surname alone
masked with the honorific after it (曹先生), job titles and roles before a name in news and
notices (副总裁, 家长, 发言人), and 于 before a time after one (范志远于昨日).

Scores sit under the cue recognizer's (0.85); a cue word before the name raises them to it.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import re
import threading
from typing import Any

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.privacy.recognizer_base import OwnRecognizer, cue_before, make_result
from appliance.privacy.recognizers_zh import _CUED_ONLY_SURNAMES, SURNAMES

#: Dictionary "names" at least this frequent in jieba's dictionary are ordinary words.
COMMON_WORD_FREQ = 100
#: Dictionary words rarer than this are as good as unknown (许子: 2).
RARE_WORD_FREQ = 5
#: A character rarer than this as a word of its own is hardly one: a rare surname (冼: 44,
#: 仉: 38, 缑: 21), not 非 (16,318) or 兆 (1,231).
RARE_CHAR_FREQ = 300
#: No Chinese name the recognizers find is longer (a compound surname and a long given name,
#: or a minority name's parts): how far back :func:`_merge` looks for an overlap.
_LONGEST_NAME = 16
_JOINERS = frozenset(("和", "与", "跟", "及", "、", "或", "同"))
_NICKNAME_WHY = "阿 + given name, or 小/老 + a rarer surname"
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
                               "给让向往你您我他她它咱")
#: Characters that given names of people born since the 1990s use and the dictionary's older
#: list of names hardly has (萱: none, 婧: 2); none of them is in an everyday word. They count
#: as given-name characters as much as the rules below ask.
MODERN_GIVEN_CHARS = "萱婧梓睿宸彤昕玥芮婕晗皓煜瀚筱芊姝嫣奕"
#: ... and for the rules that take a name without a frame on both sides, the share of a
#: character's uses that are in names (see :func:`_given_like`).
GIVEN_SHARE_MIN = 0.01
#: Characters of transliterated foreign words (尼维斯, 瓦利斯) that Han given names seldom use.
_TRANSLITERATION = frozenset("斯尔亚克特拉娃诺夫基奇茨莱耶巴萨坦")
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
#: A common word the dictionary also lists as a name is one, where a frame says a person
#: stands, only if each of its given-name characters is in at least this many given names
#: (王明: 明 in 600; not 王府井: 井 in 16, nor 师傅: 傅 in 24).
NAME_WORD_CHAR_MIN = 30
#: A surname standing alone before a possible given name must start names more often than it
#: is a word of its own: dictionary names starting with it / its frequency as a word. 陈 (0.17),
#: 林 and 许 (0.05) and 田 (0.034) pass; 时, 和, 于, 高, 方, 文 (0.02 and under) are words first.
SURNAME_RATIO_MIN = 0.03
#: ... and a rarer surname that starts a name in a person's frame: 鹿 (0.036) and 练 (0.011)
#: do; 无, 信 and 同 (0.003 and under) are words.
RARE_SURNAME_RATIO = 0.01
#: A character that starts this many of the dictionary's person names is a surname when it
#: stands apart by a space beside a given name (屠: 24, 隆: 50; 也, 书, 号: 0 or 1).
SPACED_SURNAME_NAMES = 20
#: Characters that are surnames and measure words: after a demonstrative or a numeral they
#: count things (这张卡, 一位客户, 两项任务), they do not start a name.
CLASSIFIERS = frozenset("张位条把本支台部件份项名个只头匹间座架辆根块片首篇封段层双对")
_COUNTING = frozenset("这那哪每几一二两三四五六七八九十百千万半多某该此各0123456789")
_NAME_TAGS = frozenset({"nr", "nrfg", "nrt"})
#: A verb of the dictionary (tagged ``v``) at least this frequent, as a token of its own right
#: after a surname and given-name characters that a frame on the left introduces, says what
#: that person does (听说/曾建/调走): a frame on the right as good as :data:`_RIGHT_STRONG`'s.
VERB_FREQ_MIN = 1000
#: Surnames common in Taiwan that the cue recognizer's list leaves out (洪 ranks about 20th
#: there; 凃 is how Taiwan writes 涂), and Taiwan's compound surnames 张简 and 范姜.
TAIWAN_SURNAMES = ("洪", "官", "粘", "凃", "张简", "范姜")
#: The compound surnames of the Hundred Family Surnames that the cue recognizer's list leaves
#: out, but for those that are ordinary words first (第五 "fifth", 东门, 公门).
MORE_COMPOUND_SURNAMES = ("公羊", "左丘", "太史", "公西", "漆雕", "乐正", "壤驷", "公良", "拓跋",
                          "夹谷", "宰父", "谷梁", "段干", "梁丘", "羊舌", "微生", "公孙", "仲孙",
                          "叔孙", "亓官", "司寇", "巫马", "颛孙", "子车", "闾丘", "鲜于", "叱干")
_COMPOUND = frozenset(s for s in (*SURNAMES, *TAIWAN_SURNAMES, *MORE_COMPOUND_SURNAMES)
                      if len(s) == 2)
#: (The compound surnames, for the analyzer: 欧阳锋 is 欧阳 + 锋.)
COMPOUND_SURNAMES = _COMPOUND
_SINGLE = frozenset(s for s in (*SURNAMES, *TAIWAN_SURNAMES) if len(s) == 1)
#: Single surnames of the Hundred Family Surnames outside the common list: the ones the cue
#: recognizer takes only after a cue, and those of its last lines (仉, 缑, 笪, 谯, 佴). Most are
#: words first (水, 平, 国): they start a name only where :func:`_rarer_surname` says so.
_HUNDRED_RARER = frozenset(_CUED_ONLY_SURNAMES.split("|")) | frozenset("仉督晋楚汝鄢钦缑亢况郈"
                                                                     "佴谯笪佟")
#: Transliterated names (Uyghur, Kazakh, foreign) join their parts with a middle dot:
#: 买买提·艾力, 迪丽热巴·迪力木拉提.
#: (Starting at a run's first character only: a long run without a dot is read once, not once
#: per character.)
_DOTTED_NAME = re.compile(r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff]+(?:[·‧・][\u4e00-\u9fff]+)+")
#: Single characters that end a dotted name's last part (艾力说, 艾力的).
_AFTER_DOTTED = frozenset("说是在的和与跟及等也将")
#: ... and the last characters of places written so (博卡斯·德尔托罗省, 圣·彼得堡).
_PLACE_ENDS = frozenset("省州市县区岛山河湖港城镇村国语族街路堡湾洲")
#: ... and one-character words that come before its first part (由迪丽热巴, 尊敬的艾尔肯); a
#: transliteration's own syllables may be function words elsewhere (阿不都·热合曼), so only
#: these stop it.
_BEFORE_DOTTED = frozenset("的了是在有和与跟及由叫给请让被把对向说为、")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
#: What follows the first syllables of a transliterated place or language (戈雷/尼亚村,
#: 伊纳/里萨米语): a word starting so after a rare surname's "name" says it is none.
_TRANSLIT_NEXT = _TRANSLITERATION | _PLACE_ENDS | frozenset("尼里姆维纳")
#: Tibetan personal names are two of a small stock of given-name parts, run together (扎西多吉,
#: 次仁卓玛, 格桑德吉); no part is a surname, so the Han rules above find none. Two parts in a
#: row are a name wherever they stand: one part alone (尼玛, 罗布) is left to a cue.
TIBETAN_NAME_PARTS = (
    "扎西", "次仁", "多吉", "多杰", "卓玛", "格桑", "德吉", "央金", "拉姆", "旺堆", "尼玛", "达瓦",
    "达娃", "平措", "索朗", "顿珠", "强巴", "洛桑", "罗桑", "普布", "边巴", "仁青", "白玛", "曲珍",
    "次旦", "罗布", "巴桑", "旦增", "丹增", "益西", "贡嘎", "嘎玛", "拉巴", "米玛", "群培", "琼达",
    "德庆", "央宗", "卓嘎", "次央", "桑珠", "嘉措", "加措", "欧珠", "阿旺", "土登", "次珠", "朗杰",
    "久美", "泽仁", "才让", "拉毛", "才旦", "措姆", "旺姆", "旺久", "拉珍", "德央", "巴珠", "贡布",
    "央拉", "次吉", "仓决", "卓措", "拉措", "边珍", "旺加", "布琼", "仁增", "次措", "普琼", "贡觉",
    "确吉", "丹珍", "诺布", "其美", "尼珍", "格列", "顿旦", "曲措", "斯朗", "玉珍", "吉宗", "次丹")
_TIBETAN_NAME = re.compile("(?:" + "|".join(TIBETAN_NAME_PARTS) + "){2,3}")
_CUES = re.compile(r"我叫|我是|名叫|姓名|名字|联系人|聯繫人|患者|客户|客戶|用户|用戶|申请人|"
                   r"收件人|寄件人|持卡人|员工|員工|乘客|经办人|负责人|同事|朋友|家属|"
                   r"(?i:name|contact)")

#: Titles and roles said after a surname (王经理, 刘处长, 郭师傅, 张总).
TITLES = frozenset((
    "经理", "老师", "总", "医生", "大夫", "女士", "先生", "小姐", "主任", "教授", "律师",
    "博士", "阿姨", "师傅", "董事长", "院长", "处长", "局长", "科长", "部长", "校长", "厂长",
    "书记", "护士", "护士长", "总监", "主管", "秘书", "警官", "同志", "同学", "老板", "所长",
    "队长", "组长", "班长", "会计", "太太", "夫人", "总工", "工程师", "主席", "市长", "县长",
    "镇长", "村长"))
#: Honorifics that, after a surname alone, make with it all a notice calls the person (曹先生,
#: 欧阳女士): the surname and the honorific are masked together, so that no half is left.
HONORIFICS = frozenset(("先生", "女士", "小姐", "太太", "夫人"))
#: Characters after 阿 or 小 that make a word for kin or a common noun, not a nickname (阿姨,
#: 小弟, 阿婆, 小哥 "delivery guy").
_KIN_CHARS = frozenset("姨婆公爸妈爹娘哥姐弟妹叔伯婶嫂舅爷奶孩娃伙儿女子朋友")
#: What stands before 哥 or 姐 in a kin word, a rank or a common noun (大哥, 表姐, 帅哥, 空姐,
#: 师姐, 学姐, 的哥), not in a nickname (胖哥, 熊猫哥, 涛哥).
_NOT_BEFORE_GE = frozenset("大二三四五六七八九十老小表堂师帅靓亲俺我你他她学空港嫂歌哥姐"
                           "干义姑舅姨叔伯阿的了在是家")
#: A character after 阿 or 小 is a given name's when this many of the dictionary's names use
#: it (强, 白, 红), or a hundredth of its uses are in names (磊: 6 names, 78 uses); not 兔, 样,
#: 狗 or 满 (小兔, 小样, 小狗 and 小满 are words and animals).
NICK_CHAR_NAMES = 50
#: After a nickname that a clause starts with: what the person does (阿强说, 胖哥明天, 熊猫哥帮).
_NICK_RIGHT = re.compile(r"帮|给你|给我|让你|叫你|找你|问你|你|请|又|还|也|都|就|刚|已|在|要|去|来|"
                         r"发个|发消息|发信息|发短信|发微信|回电话|回个电话|打个电话|问一下|问问|"
                         r"说一声|带个话")
#: Where a chat line starts, so a name may be called out there (慧敏, then a comma and
#: 你妈让你回电话; 小雪你到广州了没), after a channel's label and its colon if any (微信, 群聊, A).
_VOCATIVE = re.compile(r"(?m)^[ \t]*(?:[^\s：:，,。]{1,6}[：:][ \t]*)?(?=[\u4e00-\u9fff])")
#: A user mentioned in a social post or a chat (@万晓晴 下次请你们吃火锅, 转发给@胖哥).
_MENTION = re.compile(r"(?<![A-Za-z0-9_.])[@＠](?P<v>[\u4e00-\u9fff]{2,4})(?=[^\u4e00-\u9fff]|$)")
_CALLED_AFTER = re.compile(r"(?P<sep>[，,！!～~]?)[ \t]*(?P<you>你|您)?")
#: A compound surname and a given name of one character written twice (诸葛亮亮, 欧阳娜娜): the
#: segmenter reads the famous name inside it (诸葛亮/亮).
_REDUPLICATED = re.compile(r"(?:" + "|".join(sorted(
    (s for s in (*SURNAMES, *TAIWAN_SURNAMES, *MORE_COMPOUND_SURNAMES) if len(s) == 2),
    key=len, reverse=True)) + r")(?P<c>[\u4e00-\u9fff])(?P=c)(?!(?P=c))")
#: A surname alone where an answer says what it is (欧阳是复姓, 王是单姓), or after 姓 in one
#: (我姓欧阳, 免贵姓王).
_SURNAME_SAID = re.compile(r"(?<![\u4e00-\u9fff])(?P<v>[\u4e00-\u9fff]{1,2})"
                           r"(?=是(?:一个)?(?:复|单|大|小)?姓|这个姓)"
                           r"|(?:我|他|她|您|你|免贵|本人|贵)姓(?P<w>[\u4e00-\u9fff]{1,2}?)"
                           r"(?=[^\u4e00-\u9fff]|是|名|叫|的|$)")
#: One-character titles the segmenter joins to the surname in one unknown word (王工, 李姐).
_SHORT_TITLES = frozenset("工姐哥叔总")
#: Surnames that are first a preposition, conjunction or adverb before a noun (向老师请教).
_NOT_BEFORE_TITLE = frozenset("和向于时应全连及与同从对")
#: Verbs the segmenter glues to the surname after them (找程/处长).
_TITLE_VERBS = frozenset("找问叫请让给被把对向由和与跟及见")
#: Words after which a person's name comes: roles, 由/感谢/交给, a list's separator.
_LEFT_STRONG = re.compile(
    r"经理|客户|客戶|医生|大夫|老师|教授|主任|总监|总裁|董事长|律师|护士|同学|同事|师傅|"
    r"负责人是|联系人是|联系人|收件人|由|感谢|谢谢|联系|交给|转告|通知|告诉|询问|邀请|委托|"
    r"采访|拜访|陪同|嫁给|娶了|叫|找|问|、|和|与|跟|及|"
    r"您好|你好|亲爱的|尊敬的|记者|通讯员|主持人|主讲人|评委|成员有|病人|患者|学生|有请|"
    r"恭喜|祝贺|表扬|批评|提醒|听说|遇到|遇见|碰到|见到|嫁给了|交给了|"
    # kin and neighbours named after the word for them (邻居陈家宏家, 室友张宁)
    r"邻居|室友|朋友|丈夫|妻子|老公|老婆|儿子|女儿|父亲|母亲|爸爸|妈妈|哥哥|姐姐|弟弟|妹妹|"
    r"男友|女友|未婚夫|未婚妻|舅舅|叔叔|阿姨|表哥|表姐|表弟|表妹|堂哥|堂姐|"
    # roles that name a person in documents (issue 37): court papers, waybills and delivery
    # notices, school notices, medical records, newsroom credits, a chat group's owner
    r"原告(?!方)|被告(?!方)|证人|被执行人|申请人|上诉人|第三人|当事人|代理人|审判长|审判员|书记员|"
    r"嫌疑人|骑手|快递员|配送员|派送员|司机|签收人|寄件人|取件人|收货人|群主|班主任|值日生|"
    r"家属|医师|受检者|编辑|责编|校对|评论员|撰稿|记录人|参会人员|出席人员|审核人|审阅人|"
    # ... and job titles and roles news and notices put before a name (副总裁范志远, 家长段红梅,
    # 发言人, 教练): a role noun written right before the person who holds it (not the X长
    # that end words too: 银行长期, 家乡长大)
    r"家长(?![们会])|理事长|秘书长|董事|总编|主编|发言人|创始人|合伙人|执行官|教练|领队|"
    r"经纪人|工程师|设计师|分析师|研究员|法官|检察官|民警|辅警|选手|运动员|演员|歌手|导演|"
    r"作者|译者|失主|车主|业主|房东|租客|网友|博主")
#: Weaker: a clause boundary before the name.
_LEFT_WEAK = re.compile(r"[，。！？；：,.!?;:（(“\"「]|是|请|让|给|被|把|对|向")
#: Prepositions and the disposal marker after a clause's subject (张宁对这个结果很满意, 苏建成
#: 把钥匙落在车里了): after a name that starts a clause, they say a person acts.
_SUBJECT_PREP = frozenset("把对被给向从替")
#: Where a clause starts: the start of the run, or after clause punctuation.
_CLAUSE_START = re.compile(r"[，。！？；：,.!?;:]")
_LEFT_FRAME_END = re.compile(f"(?:{_LEFT_STRONG.pattern}|{_LEFT_WEAK.pattern})$")
#: What a person does or is, right after the name.
_RIGHT_STRONG = re.compile(
    r"说|讲|表示|认为|主持|记录|批准|审批|投诉|发言|请假|打电话|打来|来电|回复|负责|签字|签名|"
    r"提交|提出|报告|汇报|同意|拒绝|建议|介绍|先生|女士|小姐|同学|老师|经理|教授|医生|总|"
    r"的电话|的手机|的邮箱|的地址|的帮助|的意见|的支持|你好|您好|昨天|今天|明天|下周|上周|"
    r"处理|补充|确认|审核|反馈|办理|签收|提供|安排|发来|发给|回电|到场|出席|参加|"
    r"刚才|已经|正在|将|会|也|都|撤回|邀请|加入了|退出了|"
    # more of what a person does, and when (issue 37: 高宇打算, 钱雪峰透露, 林正义带着孩子)
    r"报道|打算|提醒|透露|指出|强调|宣布|当选|希望|决定|觉得|发现|知道|告诉|问|想|笑|哭|写|带着|"
    r"出生|毕业|住在|买了|获得|荣获|被评为|担任|今年|去年|今日|昨日|明日|上午|下午|晚上|"
    r"上个月|下个月|每天|刚|一直|曾经|本人|等人|等领导|日前|近日|当天|当日|"
    r"于(?=[昨今近前本上下明去当该日同次]|[0-9一二两三四五六七八九十])|帮我|帮忙|"
    r"主任|董事长|院长|处长|局长|科长|部长|校长|厂长|书记|博士|阿姨|师傅|律师|护士|总监|"
    r"主管|助理|秘书|大夫|警官|同志|"
    # ... and what documents say a person did or has (issue 37: minutes, court papers,
    # delivery notices, chat-group system lines, medical records)
    r"牵头|配合|整理|审阅|辩称|声称|称(?=[，,：:])|出庭|作证|代签收|签收|拒收|拍了拍|领取|转账|向你|向您|"
    r"修改|发布|术后|名下|家长|医师|代表|值班|缺勤|缺席|入院|出院|就诊|复查|主诉|坦言|"
    r"解释|承认|否认|签署|起诉|上诉|不服|申请|举报|反映|祝|发来|分享|点评|撰写|执笔|"
    # kin and colleagues said of a person (请余娜的家长到校)
    r"的家长|的父亲|的母亲|的爸爸|的妈妈|的孩子|的儿子|的女儿|的丈夫|的妻子|的家人|的同事|"
    r"的朋友|的老师|的班主任|的学生")
_RIGHT_WEAK = re.compile(r"[，。！？；：,.!?;:）)”\"」、]|是|在|的|请|要|去|来|和|与|跟|了")
#: An English form's name field before a name in Chinese (First name: 志豪, Surname 林).
_NAME_FIELD = re.compile(r"(?i)\b(?:first|given|middle|last|family|sur)[ _-]?name\s*[:：=,]?\s*"
                         r"(?P<v>[\u4e00-\u9fff]{1,3})(?![\u4e00-\u9fff])")
#: A colon and a value with a digit in it: what follows a field's label.
_LABEL_VALUE = re.compile(r"\s*[:：]\s*\S{0,12}?\d")
_LATIN_PUNCT = frozenset("<>[]{}=/|-_*#@&+~`“”‘’")
_LATIN_NEAR = re.compile(r"[A-Za-z0-9,.:;!?'\"()\s]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_LATIN_LETTERS = re.compile(r"[A-Za-z]")
_CJK_CHARS = re.compile(r"[\u4e00-\u9fff]")
#: One-character words that no name is made of, besides the function words: pronouns and what
#: English text quotes in Chinese (请按, 谢谢你, 你好).
_NOT_IN_NAMES = NOT_IN_GIVEN_NAMES | frozenset("你我他她它您们好请按点击再谢见吧嗯哦将")
_lock = threading.Lock()
_tokenizer: Any = None
_freq: dict[str, int] = {}
_dictionary_names: frozenset[str] = frozenset()
_given_chars: dict[str, int] = {}
_name_starts: dict[str, int] = {}
_verbs: frozenset[str] = frozenset()


def load_segmenter() -> Any:
    """jieba's segmenter and the dictionary's person names, initialised once (about 1 s)."""
    global _tokenizer, _freq, _dictionary_names, _given_chars, _name_starts, _verbs  # noqa: PLW0603 - built once per process
    if _tokenizer is not None:  # built: read-only from here on, no lock on the hot path
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba  # noqa: PLC0415

            jieba.setLogLevel(logging.ERROR)
            jieba.initialize()
            # The dictionary's lines are "word frequency tag"; only the person-name tags are
            # kept (jieba.posseg would load its whole HMM to read the same file).
            names, verbs = set(), set()
            with jieba.get_dict_file() as f:
                for line in f:
                    parts = line.decode("utf-8").split()
                    if len(parts) != 3:
                        continue
                    if parts[2] in _NAME_TAGS:
                        names.add(parts[0])
                    elif parts[2] == "v" and len(parts[0]) >= 2 \
                            and int(parts[1]) >= VERB_FREQ_MIN:
                        verbs.add(parts[0])
            _verbs = frozenset(verbs)
            _freq = jieba.dt.FREQ
            _dictionary_names = frozenset(names)
            _given_chars = _count_given_chars(names)
            for char in MODERN_GIVEN_CHARS:
                _given_chars[char] = max(_given_chars.get(char, 0), GIVEN_WORD_CHAR_MIN,
                                         int(GIVEN_SHARE_MIN * jieba.dt.FREQ.get(char, 0)) + 1)
            _name_starts = {}
            for name in names:
                if 2 <= len(name) <= 3:
                    _name_starts[name[0]] = _name_starts.get(name[0], 0) + 1
            _tokenizer = jieba.dt
        return _tokenizer


def given_name_alone(word: str) -> bool:
    """``word`` can stand alone as a given name: two characters that given names use, and no
    dictionary word unless a rare one or a name (思远, 梓辰; not 你好, 邮箱, 文明)."""
    load_segmenter()
    if len(word) != 2 or NOT_IN_GIVEN_NAMES.intersection(word):
        return False
    if not all(_given_chars.get(c, 0) >= GIVEN_CHAR_MIN for c in word):
        return False
    freq = _freq.get(word, 0)
    return freq < RARE_WORD_FREQ or (word in _dictionary_names and freq < COMMON_WORD_FREQ)


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

    def _judge(self, word: str, nxt: str = "", prev: str = "",  # noqa: PLR0911 - one check a line
               ) -> tuple[float, str] | None:
        """How ``word``, a token of the segmenter, reads as a name (``nxt`` and ``prev``: the
        tokens after and before it)."""
        n = len(word)
        if n == 2 and word[0] in "小老" and word[1] in _SINGLE:
            return None if word in XIAO_LAO_WORDS else (self.XIAO_LAO, "小/老 + surname")
        if _nickname(word):  # not extended by a character: 阿森/松 of 阿森松 (a place)
            return self.XIAO_LAO, _NICKNAME_WHY
        if 2 <= n <= 3 and not _surname_start(word) and not _freq.get(word) \
                and (word[0] in _HUNDRED_RARER or _hardly_a_word(word[0])) \
                and nxt[:1] not in _TRANSLIT_NEXT \
                and prev[-1:] not in _SINGLE \
                and _rare_name(word, token=True):
            # One new word of a rarer surname and given-name characters (晋晨, 仉华子); not
            # a place's transliteration (戈雷/尼亚村), nor the given name of a name whose
            # surname the segmenter glued to a verb (找付/凤华).
            return self.FRAMED, "a rarer surname and given-name characters, one new word"
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
        if word[0] in _NOT_BEFORE_TITLE and _freq.get(given, 0) >= COMMON_WORD_FREQ:
            return None  # 于/本周, 向/前方: a preposition before a word, however it is tagged
        if word in _dictionary_names and freq < COMMON_WORD_FREQ and len(given) <= 2 \
                and not NOT_IN_GIVEN_NAMES.intersection(given):
            # 向前走 and 严格遵守 are tagged names in the dictionary too: a given name has at
            # most two characters, and none of a function word.
            return self.DICTIONARY_NAME, "rare dictionary name"
        return None

    @staticmethod
    def _titled(word: str, nxt: str, prev: str) -> tuple[int, int] | None:
        """Where in ``word`` a surname stands before a title or role (郭/师傅, 刘/处长, 找程/
        处长, 王工, 李姐): the surname as a token of its own, or glued to a verb before it, or
        a surname and a one-character title the segmenter made one unknown word of. Characters
        that are prepositions or adverbs first are no surname there (向/老师, 连/老师)."""
        if len(word) == 1 and nxt in TITLES and word in _SINGLE and word not in _NOT_BEFORE_TITLE \
                and not (word in CLASSIFIERS and prev and all(c in _COUNTING for c in prev)):
            return 0, 1
        if nxt in TITLES and word in _COMPOUND:  # 欧阳/经理 (and 东方/经理 too)
            return 0, 2
        if len(word) == 2 and nxt in TITLES and word[0] in _TITLE_VERBS and word[1] in _SINGLE \
                and word[1] not in _NOT_BEFORE_TITLE and _freq.get(word, 0) < RARE_WORD_FREQ:
            return 1, 2
        if len(word) == 2 and word[0] in _SINGLE and word[1] in _SHORT_TITLES \
                and word[0] not in _NOT_BEFORE_TITLE and _freq.get(word, 0) < RARE_WORD_FREQ:
            return 0, 2
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
            title = self._titled(word, nxt, words[i - 1] if i else "")
            if title is not None:
                if title[1] == len(word) and nxt in HONORIFICS:  # 曹/先生: the two together
                    add(i, i + 1, at + title[0], starts[i + 2], self.FRAMED,
                        "surname before an honorific")
                    i += 2
                    continue
                add(i, i, at + title[0], at + title[1], self.FRAMED, "surname before a title")
                i += 1
                continue
            if word in ("小", "老") and nxt[:1] in _SINGLE \
                    and word + nxt[:1] not in XIAO_LAO_WORDS \
                    and set(nxt[1:]) <= NOT_IN_GIVEN_NAMES | {"家"}:
                add(i, i + 1, at, at + 2, self.XIAO_LAO, "小/老 + surname")  # 老 曹说
                i += 2
                continue
            if len(word) > 2 and word[0] in "小老" and word[1] in _SINGLE \
                    and word[:2] not in XIAO_LAO_WORDS \
                    and set(word[2:]) <= NOT_IN_GIVEN_NAMES | {"家"}:
                add(i, i, at, at + 2, self.XIAO_LAO, "小/老 + surname")  # 小罗说
                i += 1
                continue
            if word in _COMPOUND and _given_name(nxt):
                add(i, i + 1, at, starts[i + 2], self.SCORE, "compound surname + given name")
                i += 2
                continue
            if word in _COMPOUND and 2 <= len(nxt) <= 3 and nxt[-1] in NOT_IN_GIVEN_NAMES \
                    and not _freq.get(nxt) and _given_name(nxt[:-1]):
                # ... whose given name the HMM joined to the next word (上官/雪胜去/处理).
                add(i, i + 1, at, starts[i + 2] - 1, self.SCORE, "compound surname + given name")
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
            found = self._judge(word, nxt, prev)
            if found is None and len(word) in (3, 4) and not _freq.get(word) \
                    and word[-1] in NOT_IN_GIVEN_NAMES:
                # The HMM glued the next word's first character to a name: 陈婷来 (办公室).
                found = self._judge(word[:-1])
                if found is None and len(word) == 3 and _surname_start(word) \
                        and _new_name_token(word[:2], word[1]):
                    found = self.FRAMED, "a new word shaped like a name, a particle after it"
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

    def _name_part_in_latin(self, text: str, run: re.Match[str]) -> bool:
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
        # _alone).
        return given_name_alone(word)

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
        person = len(word) == 3 and word in _dictionary_names and latin \
            and self._in_latin(text, run) and word[0] in _SINGLE \
            and all(_given_like(c) for c in given)  # 李宗翰: a person of the dictionary
        if freq >= RARE_WORD_FREQ and (word not in _dictionary_names or freq >= COMMON_WORD_FREQ) \
                and not person:
            return False  # 王国, 高兴, 索引: a word
        if len(word) == 4 and word[:2] not in _COMPOUND and word not in _dictionary_names \
                and _freq.get(word[:2], 0) >= COMMON_WORD_FREQ:
            return False  # 文件格式: four characters are a name only with a compound surname
        # Without the HMM, so that only dictionary words count.
        first, *rest = load_segmenter().cut(word, HMM=False)
        if len(first) >= 2 and _freq.get(first, 0) >= RARE_WORD_FREQ \
                and first not in _dictionary_names:
            return False  # 安装匹配, 文件格式: the "surname" starts a word of its own
        # In Latin text a surname before one word of given-name characters is a name however
        # frequent the word (曾/建国, 谢/聪明); in Chinese text only a rarer word is.
        given_rest = latin and len(word) == 3 and first in _SINGLE and len(rest) == 1 \
            and first not in _NOT_BEFORE_TITLE and first not in _JOINERS \
            and self._in_latin(text, run) and _given_word(rest[0], frequent=True) \
            and all(_given_like(c) for c in rest[0])
        if not given_rest and any(len(w) >= 2 and _freq.get(w, 0) >= COMMON_WORD_FREQ
                                  and not _given_word(w) for w in rest):
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

    def _framed(self, run: str, listed: bool = False, words: tuple[str, ...] = (),  # noqa: C901, PLR0912, PLR0915 - one pass
                ) -> list[tuple[int, int, float, str]]:
        """Names the segmenter splits (戴/建立, 石/明远) but the sentence frames: a surname and
        a one- or two-character given name between a word that introduces a person (由, 经理,
        感谢, 负责人是, a list's 、) and one that says what a person does (说, 主持, 请假, 的帮助)
        or ends the clause. At least one side must be a strong frame (:data:`_LEFT_STRONG`,
        :data:`_RIGHT_STRONG`); the start of the text counts as a weak left frame, and so does
        the start of any of the segmenter's tokens (``words``: 刚才/郜婷/打电话) when the name
        ends where a token ends and neither starts with a common word (程序/访问, 时/分割)."""
        found: list[tuple[int, int, float, str]] = []
        lefts: list[tuple[int, bool]] = [(0, listed)]
        lefts += [(m.end(), True) for m in _LEFT_STRONG.finditer(run)]
        # where a frame of two characters or more ends (董事长/江进发: 长江 is no 由于)
        long_frames = {m.end() for m in _LEFT_STRONG.finditer(run) if m.end() - m.start() > 1}
        lefts += [(m.end(), False) for m in _LEFT_WEAK.finditer(run)]
        offsets = list(itertools.accumulate((len(w) for w in words), initial=0))
        starts = dict(zip(offsets[:-1], words, strict=True))  # token by where it starts
        bounds = set(offsets)  # where a token starts or ends
        framed = {at for at, _ in lefts}
        lefts += [(b, False) for b in starts if b not in framed and _token_left(starts, b)]
        for at, strong_left in lefts:
            # The frame's last character makes a common word with the next one (由于, 长江):
            # only what a person does on the right says a name starts there (由于振丽整理;
            # not 由于出现了).
            fallback = None  # a name before a verb, if no longer one is framed
            glued = 0 < at not in bounds and at not in long_frames \
                and starts.get(at - 1) == run[at - 1:at + 1] \
                and _freq.get(run[at - 1:at + 1], 0) >= COMMON_WORD_FREQ
            for length in (2, 3, 4):
                name = run[at:at + length]
                if len(name) < length:
                    continue
                # A rarer surname (鹿, 练: many of the dictionary's names start with it) starts
                # a three-character name of given-name characters only, and no word of its own
                # but one given names are made of (鹿/玉珍; not 若/指定, 子/模组).
                rare = not _surname_start(name) and _rare_name(name)
                if not rare and not _surname_start(name):
                    continue
                if at not in framed and at + length not in bounds:
                    continue  # a token's start frames only a name that ends a token (安全性)
                if not strong_left and at + length not in bounds \
                        and _freq.get(name[:2], 0) >= RARE_WORD_FREQ \
                        and (name[:2] not in _dictionary_names
                             or _freq.get(name[:2], 0) >= COMMON_WORD_FREQ):
                    continue  # after a weak frame, a word starts no name that ends inside
                    # a token (程序/访问, 时区/缩写; 董子/宁 and 黄家/豪 are names)
                given = name[2:] if name[:2] in _COMPOUND and length > 2 else name[1:]
                if not 1 <= len(given) <= 2 or NOT_IN_GIVEN_NAMES.intersection(given) \
                        or not _name_chars(given, length):
                    continue
                # A common word the segmenter keeps whole is that word, whatever frames it
                # (听说/明天/会, 遇到/王府井/的), and so is a title (司机 师傅, 老师); unless the
                # dictionary lists it as a name too, of characters given names often use
                # (记者/王明/报道, 李白).
                if name in TITLES or (
                        starts.get(at) == name and _freq.get(name, 0) >= COMMON_WORD_FREQ
                        and not (name in _dictionary_names and min(
                            _given_chars.get(c, 0) for c in given) >= NAME_WORD_CHAR_MIN)):
                    continue
                # A rarer dictionary word that is no name needs a person's frame on both sides.
                word = _freq.get(name, 0) >= RARE_WORD_FREQ and name not in _dictionary_names
                end = at + length
                right = _RIGHT_STRONG.match(run, end)
                # After a weak frame, the frame on the right is a token too (问, not 问题).
                strong_right = right is not None and (strong_left or right.end() in bounds)
                verb_right = end in bounds and starts.get(end, "") in _verbs and at in framed \
                    and _verb_subject(name, given)
                weak_right = end == len(run) or _RIGHT_WEAK.match(run, end) is not None
                if glued and not (strong_right or verb_right):
                    continue
                if (strong_left and strong_right) or (not word and strong_right):
                    found.append((at, end, self.FRAMED, "framed by what a person does"))
                    break
                if not word and strong_left and weak_right:
                    found.append((at, end, self.FRAMED, "framed as a person"))
                    break
                if not word and end in bounds and starts.get(end, "") in _SUBJECT_PREP \
                        and (at == 0 or _CLAUSE_START.match(run, at - 1) is not None) \
                        and _verb_subject(name, given):
                    found.append((at, end, self.FRAMED, "a clause's subject before 把, 对, 被"))
                    break
                if rare and _hardly_a_word(name[0]) and (weak_right or right is not None) \
                        and (at in framed or at + length in bounds):
                    # A surname hardly written as a word of its own (仉, 缑, 冼) before
                    # given-name characters, where a clause's part may stand (让仉建去).
                    found.append((at, end, self.FRAMED, "a rare surname where a person stands"))
                    break
                if (weak_right or right is not None) and starts.get(at) == name \
                        and (not rare or (length == 3 and (name[0] in _HUNDRED_RARER
                                                           or _hardly_a_word(name[0])))) \
                        and _new_name_token(name, given) \
                        and not (name[0] in CLASSIFIERS and run[at - 1:at] in _COUNTING):
                    # The segmenter made one new word of a surname and given-name characters
                    # (等/曾涵/。, 把/杨淑/送到): a name wherever a clause's part may stand.
                    found.append((at, end, self.FRAMED, "a new word shaped like a name"))
                    break
                if verb_right and not word and fallback is None:
                    # Only if no longer name is framed here: the verb may start with the
                    # name's last character (孙惠/超出/生: 孙惠超 before 出生).
                    fallback = (at, end, self.FRAMED, "before what a person does (a verb)")
            else:
                if fallback is not None:
                    found.append(fallback)
        return found

    def _nicknames(self, text: str, run: re.Match[str], words: list[str],
                   ) -> list[tuple[int, int, float, str]]:
        """Nicknames a clause names a person by (阿强, 小雪, 胖哥, 熊猫哥; see
        :func:`_nickname_form`) where a person stands: after a word that introduces one
        (感谢熊猫哥帮我搬家, 告诉阿强), or opening a clause before what a person does (阿强说,
        胖哥明天给你转账). Offsets are characters into the run."""
        chars = run.group(0)
        offsets = list(itertools.accumulate((len(w) for w in words), initial=0))
        bounds = set(offsets)
        lefts = {m.end() for m in _LEFT_STRONG.finditer(chars)}
        # "给小李发个消息", "打电话给阿强问一下": after 给 only with what a person does after it
        given_to = {m.end() for m in re.finditer("给", chars)} - lefts
        before = text[run.start() - 1:run.start()] if run.start() else ""
        clause = not before or not before.isalnum()  # the run opens a clause
        found: list[tuple[int, int, float, str]] = []
        for at in sorted(bounds | lefts | given_to):
            if at not in lefts and at not in given_to and not (at == 0 and clause):
                continue
            for length in (3, 2):
                end = at + length
                nick = chars[at:end]
                if len(nick) < length or not _nickname_form(nick) \
                        or chars[end:end + 1] in ("哥", "姐", "们", "夫", "妹", "弟"):
                    continue
                right = _RIGHT_STRONG.match(chars, end) is not None \
                    or _NICK_RIGHT.match(chars, end) is not None \
                    or any(chars.startswith(v, end) for v in words if v in _verbs)
                weak = end == len(chars) or _RIGHT_WEAK.match(chars, end) is not None
                if (at in lefts and (right or weak)) or (at == 0 and clause and right) \
                        or (at in given_to and right):
                    found.append((at, end, self.XIAO_LAO, _NICKNAME_WHY + ", framed"))
                    break
        return found

    @staticmethod
    def _extend(run: str, tokens: dict[int, str], name: tuple[int, int, float, str],
                ) -> tuple[int, int, float, str]:
        """``name`` with the next character when the segmenter glued a three-character name's
        last character to the word after it (黄玉/英是/我, 严萍/英笑/着): a name of a surname
        and one character, then a character given names use that starts a token the dictionary
        does not know (or stands alone at the end of the run: 慕容燕/婧), and after it what
        follows a name (是, 笑, a clause's end). ``tokens``: the run's tokens by their start."""
        start, end, score, why = name
        surname = 2 if run[start:start + 2] in _COMPOUND else 1
        if end - start != surname + 1 or end >= len(run) or why.startswith(_NICKNAME_WHY):
            return name
        char = run[end]
        token = tokens.get(end, "")  # the token that starts right after the name
        if not token or char in NOT_IN_GIVEN_NAMES or char in _PLACE_ENDS:
            return name
        rest = end + 1
        if len(token) == 1:  # 慕容燕/婧; not 米尔/语 or 贝格/州
            ok = rest == len(run) and (surname == 2 or _given_chars.get(char, 0) >= GIVEN_CHAR_MIN)
        else:
            ok = _given_chars.get(char, 0) >= GIVEN_CHAR_MIN \
                and _freq.get(token, 0) < RARE_WORD_FREQ and (
                _RIGHT_STRONG.match(run, rest) is not None
                or _RIGHT_WEAK.match(run, rest) is not None)
        return (start, rest, score, why + ", one more character") if ok else name

    @staticmethod
    def _spaced(text: str, seg: Any) -> list[tuple[int, int]]:
        """Names written as two parts with one space between, a surname on one side and a
        given name on the other: 志远 屠, 李 玉兰, 欧阳 娜娜 (forms with separate first- and
        last-name fields, and Western name order, join them so), also inside a sentence: 我叫
        惠美 王，感谢忠梅 余的帮助 (the part is then the segmenter's last token before the space
        or its first after it). Chinese puts no space between words, so two such parts are
        rarely anything else; the given side must be one or two characters that given names
        use, and no common word."""
        found = []
        runs = list(_CJK_RUN.finditer(text))
        for a, b in itertools.pairwise(runs):
            if b.start() != a.end() + 1 or text[a.end()] != " ":
                continue
            longer = len(a.group(0)) > 2 or len(b.group(0)) > 2
            for left in _edge_parts(seg, a.group(0), last=True):
                for right in _edge_parts(seg, b.group(0), last=False):
                    # One character each side (王 刚, 月 日), or a part cut from a sentence:
                    # only a surname of the common list.
                    common = longer or len(left) == len(right) == 1
                    if (_exact_surname(left, common) and _spaced_given(right)) \
                            or (_exact_surname(right, common) and _spaced_given(left)):
                        found.append((a.end() - len(left), b.start() + len(right)))
                        break
                else:
                    continue
                break
        return found

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities or _CJK_RUN.search(text) is None:
            return []
        seg = load_segmenter()
        out = []
        latin = _LATIN_WORD.search(text) is not None
        # Mostly English (code, lists, e-mail, chat): a Chinese word set alone in it is a name
        # more often than not, whatever its surname.
        english = latin and len(_LATIN_LETTERS.findall(text)) >= len(_CJK_CHARS.findall(text))
        spaced = self._spaced(text, seg)
        dotted = _dotted(seg, text)
        for run in _CJK_RUN.finditer(text):
            words = list(seg.cut(run.group(0)))
            if self._alone(text, run, latin):
                names = [(0, len(run.group(0)), self.SCORE, "a name standing alone in Latin text")]
            elif english and self._in_latin(text, run) and _unknown_in_english(run.group(0)):
                names = [(0, len(run.group(0)), self.FRAMED, "an unknown Chinese word set in "
                          "English text")]
            elif latin and self._name_part_in_latin(text, run):
                names = [(0, len(run.group(0)), self.PART, "a given name or surname alone in "
                          "Latin text")]
            else:
                names = self._names(words)
            # A run right after a list's 、 or a label's colon (参会人员: 曾淑英、姚勇) starts
            # where a name is introduced.
            listed = run.start() > 0 and (text[run.start() - 1] in "、：:;；"
                                          or _ROLE_APART.search(text, max(0, run.start() - 16),
                                                                run.start()) is not None)
            names = _merge(names, _famous(words, self.SCORE))
            names = _merge(names, self._framed(run.group(0), listed, tuple(words)))
            names = _merge(names, self._nicknames(text, run, words))
            tokens = dict(zip(itertools.accumulate((len(w) for w in words[:-1]), initial=0),
                              words, strict=True))  # each token by where it starts
            names = [self._extend(run.group(0), tokens, n) for n in names]
            for rel_start, rel_end, base, reason in names:
                start = run.start() + rel_start
                cued = cue_before(_CUES, text, start, window=8)
                score, why = (self.CUED, reason + ", cue word") if cued else (base, reason)
                out.append(make_result(self, self.ENTITY, start, run.start() + rel_end, score,
                                       why, cued))
        out += [make_result(self, self.ENTITY, *m.span("v"), self.FRAMED, "after a name field's "
                            "label", False) for m in _NAME_FIELD.finditer(text)]
        out += [make_result(self, self.ENTITY, start, end, self.FRAMED, why, False)
                for start, end, why in _called(text)]
        out += [make_result(self, self.ENTITY, *m.span(), self.SCORE, "Tibetan name parts",
                            cue_before(_CUES, text, m.start(), window=8))
                for m in _TIBETAN_NAME.finditer(text)]
        # Items listed with a name are names too (史雪、白辉和熊明欣三人, 芦信 莫慧燕 云昊林), and
        # so are the other speakers of a transcript whose speaker a name is.
        found = [(r.start, r.end, r.score) for r in out]
        found += [(start, end, self.SCORE) for start, end in dotted]  # 阿不都·热合曼、格桑梅朵
        out += [make_result(self, self.ENTITY, start, end, score, "listed with a name", False)
                for start, end, score in _listed(text, found)]
        out += [make_result(self, self.ENTITY, start, end, score, "a speaker beside a named one",
                            False) for start, end, score in _speakers(text, found)]
        # A name in two parts holds the findings inside it (艾尔肯 and 沙吾提 of 艾尔肯·沙吾提,
        # 卫婉 of 卫婉 范), with the best of their scores, so that the dot or the space between
        # the parts is masked too.
        parts = [(start, end, self.SCORE, "name parts joined by a middle dot")
                 for start, end in dotted]
        parts += [(start, end, self.SPACED, "surname and given name apart by a space")
                  for start, end in spaced]
        if not parts:
            return out
        # Found by start (a text of many parts would otherwise be read once per part).
        out.sort(key=lambda r: r.start)
        starts = [r.start for r in out]
        gone: set[int] = set()
        joined = []
        for start, end, base, why in parts:
            inside = [i for i in range(bisect.bisect_left(starts, start),
                                       bisect.bisect_left(starts, end))
                      if i not in gone and out[i].end <= end]
            score = max([base, *(out[i].score for i in inside)])
            gone.update(inside)
            joined.append(make_result(self, self.ENTITY, start, end, score, why,
                                      score >= self.CUED))
        return [r for i, r in enumerate(out) if i not in gone] + joined


def _dotted(seg: Any, text: str) -> list[tuple[int, int]]:
    """Names whose parts a middle dot joins (买买提·艾力): the parts between the dots, the
    last tokens before the first dot (up to four characters, none of a particle: 尊敬的/艾尔肯)
    and the first
    after the last one, up to a common word or a particle (沙吾提/先生, 艾力/说)."""
    found = []
    for m in _DOTTED_NAME.finditer(text):
        head, *_, tail = re.split(r"[·‧・]", m.group(0))
        start = m.start() + len(head)
        for w in reversed(list(seg.cut(head, HMM=False))):
            if m.start() + len(head) - (start - len(w)) > 4 or w in _BEFORE_DOTTED:
                break
            start -= len(w)
        end = m.end() - len(tail)
        for w in seg.cut(tail):
            if (len(w) == 1 and w in _AFTER_DOTTED) \
                    or (len(w) >= 2 and _freq.get(w, 0) >= COMMON_WORD_FREQ):
                break
            end += len(w)
        # Each outer part two characters or more, and no place (博卡斯·德尔托罗省).
        if m.start() + len(head) - start >= 2 and end - (m.end() - len(tail)) >= 2 \
                and text[end - 1] not in _PLACE_ENDS:
            found.append((start, end))
    return found


#: What separates the items of a list: punctuation, a conjunction, spaces, a line break and
#: the next line's bullet or number.
_LIST_SEP = (r"(?:\s*(?:[、，,;；/|]|\band\b|&|以及|和|及|与|跟)\s*"
             r"|\s*\n\s*(?:[-*•]|[0-9]{1,2}[.、)）])?\s*|\s+)")
_SEP_AFTER = re.compile(_LIST_SEP)
_SEP_BEFORE = re.compile(_LIST_SEP + r"$")
#: A role or a list's cue, then spaces, right before a run: the run starts where a name is
#: introduced (本报记者 计泽惠 摄, 审判长　沙山德, 审批人 余文章). Searched in the few
#: characters before the run only (a role is four characters at most), so that a text of many
#: runs is not rescanned from its start for each.
_ROLE_APART = re.compile(f"(?:{_LEFT_STRONG.pattern}|人)[ \t\u3000]{{1,4}}$")
_SPEAKER = re.compile(r"(?m)^[ \t]*(?P<v>[\u4e00-\u9fff]{2,4})[ \t]*[:：]")
#: After a listed name: the end of the list or of the clause, or a count of the people (三人).
_LIST_END = re.compile(r"$|[^\u4e00-\u9fff]|等|[一二两三四五六七八九十几]人|" + _RIGHT_WEAK.pattern)


def _list_item(item: str) -> bool:
    """``item`` can be a name listed beside one: a surname (a rarer one too) and a one- or
    two-character given name, no function word, no common word."""
    compound = item[:2] in _COMPOUND and len(item) > 2
    given = item[2:] if compound else item[1:]
    if not (compound or _exact_surname(item[0])) or not 1 <= len(given) <= 2 \
            or _NOT_IN_NAMES.intersection(given):
        return False  # (谢谢, 你好: words of thanks and greeting, not names)
    freq = _freq.get(item, 0)
    return freq < COMMON_WORD_FREQ or item in _dictionary_names


def _transliterated_item(item: str) -> bool:
    """``item``, listed beside a name, is a name without a Han surname (格桑梅朵 and 巴特尔 after
    阿不都·热合曼、): three to four characters, no function word, no word of the dictionary
    but a rare name, nor any word in it but a name (将/半角 of 将半角/全角键 is none)."""
    if not 3 <= len(item) <= 4 or _NOT_IN_NAMES.intersection(item):
        return False
    freq = _freq.get(item, 0)
    if freq >= RARE_WORD_FREQ and (item not in _dictionary_names or freq >= COMMON_WORD_FREQ):
        return False
    return all(len(t) == 1 or t in _dictionary_names for t in load_segmenter().cut(item, HMM=False))


def _listed(text: str, found: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Names listed beside ``found`` ones, one item after another in both directions: the
    next item starts after a list's separator and ends where the list or the clause goes on
    (熊明欣 of 和熊明欣三人); the one before ends at the separator and starts after anything but
    a Chinese character (or 由, 是, 有: 出席的有付胜、何敏信). An item may hold a name found in
    part (熊明 of 熊明欣)."""
    taken = sorted((s, e) for s, e, _ in found)
    seen = set(taken)
    longest = max((e - s for s, e in taken), default=0)
    out: list[tuple[int, int, float]] = []
    todo = list(found)
    while todo:
        start, end, score = todo.pop()
        for item in (_next_item(text, end), _previous_item(text, start)):
            if item is None or item in seen:
                continue
            a, b = item
            # the taken spans that could overlap it: those starting less than the longest
            # one's length before it, up to its end (not every one: a long list is quadratic)
            near = taken[bisect.bisect_left(taken, (a - longest, -1)):
                         bisect.bisect_left(taken, (b, -1))]
            if all(e <= a or b <= s or (a <= s and e <= b) for s, e in near):
                bisect.insort(taken, item)
                seen.add(item)
                longest = max(longest, b - a)
                out.append((a, b, score))
                todo.append((a, b, score))
    return out


def _speakers(text: str, found: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Speaker labels at the start of a line (陈建成：路上堵车) in a text where another speaker
    label is a name that was found: they name people too, when they read as a name."""
    labels = [m.span("v") for m in _SPEAKER.finditer(text)]
    named = [score for s, e, score in found for a, b in labels if s <= a and b <= e]
    if len(labels) < 2 or not named:
        return []
    return [(a, b, max(named)) for a, b in labels
            if _list_item(text[a:b]) and not any(s <= a and b <= e for s, e, _ in found)]


def _next_item(text: str, end: int) -> tuple[int, int] | None:
    after = _SEP_AFTER.match(text, end)
    if after is None or after.end() == end:
        return None
    at = after.end()
    for size in (4, 3, 2):
        item = text[at:at + size]
        if len(item) == size and _CJK_RUN.fullmatch(item) \
                and (_list_item(item) or _transliterated_item(item)) \
                and _LIST_END.match(text, at + size):
            return at, at + size
    return None


def _previous_item(text: str, start: int) -> tuple[int, int] | None:
    before = _SEP_BEFORE.search(text, max(0, start - 8), start)
    if before is None or before.start() == start:
        return None
    at = before.start()
    for size in (4, 3, 2):
        item = text[max(0, at - size):at]
        head = text[at - size - 1:at - size] if at - size > 0 else ""
        if len(item) == size and _CJK_RUN.fullmatch(item) \
                and (_list_item(item) or _transliterated_item(item)) \
                and (not _CJK_RUN.match(head) or head in "由是有"):
            return at - size, at
    return None


def _edge_parts(seg: Any, run: str, last: bool) -> list[str]:
    """The one- or two-character parts at the end (``last``) or start of ``run`` that a name
    may be: the whole run when that short, else the segmenter's token there, and the two or
    one characters there where the dictionary alone puts a word boundary (我/叫/惠美: the
    segmenter glues 叫惠美)."""
    if len(run) <= 2:
        return [run]
    tokens = list(seg.cut(run))
    parts = [tokens[-1] if last else tokens[0]]
    cuts = set(itertools.accumulate(len(w) for w in seg.cut(run, HMM=False)))
    for size in (2, 1):
        # ... and the rest of the run frames it: 我叫 before it, 的帮助 after it.
        if last and len(run) - size in cuts \
                and _LEFT_FRAME_END.search(run, 0, len(run) - size) is not None:
            parts.append(run[-size:])
        if not last and size in cuts and (_RIGHT_STRONG.match(run, size) is not None
                                          or _RIGHT_WEAK.match(run, size) is not None):
            parts.append(run[:size])
    return [p for p in dict.fromkeys(parts) if len(p) <= 2]


def _token_left(starts: dict[int, str], at: int) -> bool:
    """The token starting at ``at`` may start a name: it is no common word (程序, 关闭), and
    a surname standing alone is not followed by one (时/分割; 高/欣怡 is a name)."""
    token = starts[at]
    if token[0] in _NOT_BEFORE_TITLE or token in _JOINERS:
        return False  # 和/刘洋, 全域: a conjunction or an adverb, not the surname 和 or 全
    if len(token) >= 2:  # frequent dictionary "names" are words (祖先)
        freq = _freq.get(token, 0)
        return freq < RARE_WORD_FREQ or (token in _dictionary_names and freq < COMMON_WORD_FREQ)
    nxt = starts.get(at + 1, "")
    if len(nxt) < 2:  # 时/才, 项/将: a surname that is a word first stands alone as a word
        return _surname_first(token)
    return _freq.get(nxt, 0) < COMMON_WORD_FREQ or _given_word(nxt) or nxt in _dictionary_names


def _merge(names: list[tuple[int, int, float, str]], framed: list[tuple[int, int, float, str]],
           ) -> list[tuple[int, int, float, str]]:
    """``names`` and the ``framed`` ones that overlap none of them; a framed name that starts
    where the name it overlaps starts, and ends later, replaces it (孙惠 of 孙惠/超出/生: the
    frame 出生 says 孙惠超), so that no name is half masked; and a framed nickname replaces a
    two-character name one character after its start (给小李发个消息: 小李, not 李发).

    Kept in order of start, each framed name compared with the names that start at most
    :data:`_LONGEST_NAME` characters before it: linear in a long text, not quadratic."""
    out = sorted(names)
    starts = [n[0] for n in out]
    for f in framed:
        lo = bisect.bisect_left(starts, f[0] - _LONGEST_NAME)
        hi = bisect.bisect_left(starts, f[1])
        hit = [i for i in range(lo, hi) if f[0] < out[i][1]]
        if not hit:
            replace, keep = [], f
        elif all(f[0] == out[i][0] and out[i][1] < f[1] for i in hit):  # only ever to the right
            replace, keep = hit, (f[0], f[1], max(out[i][2] for i in hit), f[3])
        elif f[3].startswith(_NICKNAME_WHY) and all(
                out[i][0] == f[0] + 1 and out[i][1] - out[i][0] == 2 for i in hit):
            replace, keep = hit, f
        else:
            continue
        for i in reversed(replace):
            del out[i]
            del starts[i]
        at = bisect.bisect_left(starts, keep[0])
        out.insert(at, keep)
        starts.insert(at, keep[0])
    return out


#: Last characters of the dictionary's three-character "names" that are places, buildings,
#: plants and events (钟祥市, 黄鹤楼, 杜鹃花, 季后赛), and of peoples (蒙古人).
_NOT_A_NAME_END = frozenset("市县郡州省区镇乡村庄屯街路巷河湖江海港湾岛山岭峰岩洞桥庙寺宫殿"
                            "楼塔门城关堡营寨花草树木林园赛周节人族语")


#: More characters that spell foreign names and places out (莫斯科, 柏拉图): a "given name"
#: made only of these and :data:`_TRANSLITERATION`'s is a transliteration.
_SPELLED_OUT = _TRANSLITERATION | frozenset("科姆德森罗洛普布什卡索维契里图顿伦堡汉")


def _famous(words: list[str], score: float) -> list[tuple[int, int, float, str]]:
    """The dictionary's people of three characters, however often the dictionary writes them
    (诸葛亮, 司马光, 欧阳修, 张居正): a surname, then characters given names use; writers take
    them for anyone's name in examples and notes, and the frequency that marks 白雪 or 文明 as
    words marks these as famous. Not places, buildings and the like (钟祥市, 黄鹤楼), nor a
    frequent word after the surname (黄金周, 杜鹃花)."""
    out, at = [], 0
    for w in words:
        if len(w) == 3 and w in _dictionary_names and w[-1] not in _NOT_A_NAME_END:
            given = w[2:] if w[:2] in _COMPOUND else w[1:]
            surname_ok = w[:2] in _COMPOUND or (w[0] in _SINGLE
                                               and _freq.get(w[:2], 0) < COMMON_WORD_FREQ)
            if surname_ok and all(_given_like(c) for c in given) \
                    and not all(c in _SPELLED_OUT for c in given) and w[0] != w[1]:
                out.append((at, at + 3, score, "a person of the dictionary"))
        at += len(w)
    return out


def _given_like(char: str) -> bool:
    """``char`` is one given names are made of: at least :data:`GIVEN_WORD_CHAR_MIN` of the
    dictionary's names use it, and that many for how often it is written at all (a share of at
    least :data:`GIVEN_SHARE_MIN`): 涵 (10 names, 325 as a word), 然 and 芳 are; 号, 数, 可 and
    宽 (names use them too, in a hundredth of their uses or less) are not."""
    names = _given_chars.get(char, 0)
    return names >= GIVEN_WORD_CHAR_MIN and names >= GIVEN_SHARE_MIN * _freq.get(char, 0)


def _new_name_token(name: str, given: str) -> bool:
    """``name`` is a surname and a given name the dictionary does not know as a word (a rare
    dictionary entry is as good as none, 杨淑: 2), whose given-name characters are all common
    in given names: the shape of most people's names, and of few words a segmenter leaves
    unknown."""
    if len(name) == 2 and not _surname_first(name[0]) and name in _freq:
        return False  # 高亮: a word of the dictionary, however rare, after a word-first surname
    return _freq.get(name, 0) < RARE_WORD_FREQ and name[0] not in _NOT_BEFORE_TITLE \
        and name[-1] not in _PLACE_ENDS \
        and all(_given_like(c) and c not in _TRANSLITERATION for c in given)


def _unknown_in_english(word: str) -> bool:
    """``word``, set apart in mostly English text, is a name: no frequent word of the dictionary
    and nothing in it that is (用户名, 文本/域, 请按); two or three characters, the first a
    surname, a rarer one or a character hardly a word of its own (冼, 仉: 冼思凯), the rest
    given-name characters (思凯, 嘉毅; not 死键 of 无死键)."""
    if not 2 <= len(word) <= 5 or _NOT_IN_NAMES.intersection(word):
        return False
    freq = _freq.get(word, 0)
    if freq >= RARE_WORD_FREQ and (word not in _dictionary_names or freq >= COMMON_WORD_FREQ):
        return False
    if len(word) > 3:
        return False
    first = word[0]
    if not (_exact_surname(first) or _freq.get(first, 0) < RARE_CHAR_FREQ) \
            or not all(_given_like(c) for c in word[1:]):
        return False
    tokens = load_segmenter().lcut(word, HMM=False)
    # The dictionary tags some words as names (操作符, 格式化): one of its names counts only
    # with a surname of the common list.
    return (word in _dictionary_names and first in _SINGLE) or (
        tokens[0] == first and all(len(t) == 1 or _freq.get(t, 0) < RARE_WORD_FREQ
                                   or t in _dictionary_names or _given_word(t)
                                   for t in tokens[1:]))


def _nickname(word: str) -> bool:
    """``word`` is a token the dictionary does not know made of 阿 and a character given names
    use (阿芳), or of 小/老 and a surname of the rarer ones (小云). 阿姨, 阿里 and 小鸟 are words
    of the dictionary."""
    if not 2 <= len(word) <= 3 or word[0] not in "阿小老" or _freq.get(word, 0) >= RARE_WORD_FREQ \
            or word in XIAO_LAO_WORDS or NOT_IN_GIVEN_NAMES.intersection(word[1:]):
        return False
    if len(word) != 2:
        return False  # 阿萨帕, 阿迪杰: places and peoples written so
    return _given_like(word[1]) if word[0] == "阿" else _exact_surname(word[1])


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


def _verb_subject(name: str, given: str) -> bool:
    """``name``, before a verb, reads as a person doing it: given-name characters only, and no
    word of the dictionary inside it but a name or a given name (索引/行, 文字/行 and 项目/旁
    are no one)."""
    if not all(_given_like(c) and c not in _TRANSLITERATION for c in given) \
            or _freq.get(name, 0) >= COMMON_WORD_FREQ \
            or (len(name) == 2 and name in _freq and not _surname_first(name[0])):
        return False  # 查询; 高亮 (a word, however rare, after a word-first surname)
    return all(len(t) == 1 or _given_word(t) or _freq.get(t, 0) < RARE_WORD_FREQ
               or (t in _dictionary_names and _freq.get(t, 0) < COMMON_WORD_FREQ)
               for t in load_segmenter().cut(name, HMM=False))


def _hardly_a_word(char: str) -> bool:
    """``char`` is a CJK character hardly ever written as a word of its own (rarer than
    :data:`RARE_CHAR_FREQ`), no function word, and a surname: one of the Hundred Family
    Surnames or the first character of a name of the dictionary (仉: 38, 缑: 21, 冼: 44). Such a
    surname is a rare one more often than anything else where a person's name stands; a
    character bound in words (绪 of 执行绪, 馈 of 馈流) starts no name."""
    return _freq.get(char, 0) < RARE_CHAR_FREQ and char not in _NOT_IN_NAMES \
        and _CJK_RUN.fullmatch(char) is not None \
        and (char in _HUNDRED_RARER or _name_starts.get(char, 0) >= 1)


def _rarer_surname(char: str) -> bool:
    """``char`` may start a name though the common list lacks it: it is hardly a word (see
    :func:`_hardly_a_word`), or it is a surname (one of the Hundred Family Surnames, or one
    that starts :data:`SPACED_SURNAME_NAMES` of the dictionary's names) that starts names at
    least :data:`RARE_SURNAME_RATIO` as often as it is written as a word (鹿, 练; not 水, 国)."""
    if _hardly_a_word(char):
        return True
    if char in NOT_IN_GIVEN_NAMES or not (_exact_surname(char) or char in _HUNDRED_RARER):
        return False
    return _name_starts.get(char, 0) >= RARE_SURNAME_RATIO * _freq.get(char, 0)


def _rare_name(name: str, token: bool = False) -> bool:  # noqa: PLR0911 - one check a line
    """``name`` is a rarer surname (:func:`_rarer_surname`) and a given name of given-name
    characters only, no word of its own but one given names are made of (鹿/玉珍, 云/海子; not
    若/指定); a surname hardly a word, or one in a new word (``token``), a token of its own
    when only the dictionary cuts it (仉/华子; not 蜘蛛). Three
    characters; two too when the surname is hardly a word (仉建), or when the segmenter made
    one new word of them (``token``) and the surname starts names more than it is a word (哈敏)."""
    first = name[0]
    if not _rarer_surname(first) or len(name) not in (2, 3):
        return False
    if len(name) == 2 and not (_hardly_a_word(first)
                               or (token and _surname_first(first) and _exact_surname(first))):
        return False
    # After a surname hardly a word, or in a new word, characters many names use are enough
    # (缑/红, 朴/雨红); else they must be given-name characters first (see _given_like).
    loose = token or _hardly_a_word(first)
    if first in _TRANSLITERATION or not all(
            (_given_chars.get(c, 0) >= GIVEN_WORD_CHAR_MIN if loose else _given_like(c))
            and c not in _TRANSLITERATION for c in name[1:]):
        return False
    if len(name) == 3 and not (_freq.get(name[1:], 0) < RARE_WORD_FREQ or _given_word(name[1:])):
        return False
    if _freq.get(name, 0) >= RARE_WORD_FREQ:
        return False
    if not (token or _hardly_a_word(first)):
        return True  # a surname that starts many names: 云/海子 too
    tokens: list[str] = load_segmenter().lcut(name, HMM=False)
    return tokens[0] == first


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


def _given_word(token: str, frequent: bool = False) -> bool:
    """``token`` is a two-character word that can be a given name: both characters common in
    given names, no function word, and no frequent word (美丽, 国家) unless ``frequent``."""
    return len(token) == 2 and _CJK_RUN.fullmatch(token) is not None \
        and not NOT_IN_GIVEN_NAMES.intersection(token) \
        and (frequent or _freq.get(token, 0) < GIVEN_WORD_MAX_FREQ) \
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


def _nickname_form(word: str, called: bool = False) -> bool:
    """``word`` is shaped like a nickname a person goes by: 阿 and a character given names use
    (阿强, 阿芳; not 阿姨, 阿里), 小 and one (小磊, 小明; not 小心, 小弟, 小哥, 小三), or one or
    two characters and 哥 or 姐 (胖哥, 熊猫哥, 涛姐; not 大哥, 表姐, 帅哥, 空姐, 师姐, 哥哥). A
    word of the dictionary is that word (小草, 小兵, 小龙), unless a rarer one is ``called``
    out right before 你 (小雪你到了没: 小雪 is a solar term too)."""
    if not 2 <= len(word) <= 3 or _CJK_RUN.fullmatch(word) is None or word in XIAO_LAO_WORDS:
        return False
    if len(word) == 2 and word[0] in "阿小":
        char = word[1]
        limit = COMMON_WORD_FREQ if called and word[0] == "小" else RARE_WORD_FREQ
        names = _given_chars.get(char, 0)
        return char not in _KIN_CHARS and char not in _NOT_IN_NAMES and char not in _COUNTING \
            and names >= GIVEN_CHAR_MIN and _freq.get(word, 0) < limit \
            and (names >= NICK_CHAR_NAMES or names >= GIVEN_SHARE_MIN * _freq.get(char, 0))
    if word[-1] in "哥姐":
        # Two characters before it are a word (熊猫哥, 土豆哥) or one written twice (涛涛哥),
        # not a transliteration's syllables (托巴哥 of 千里达及托巴哥, 巴哥 "pug").
        head = word[:-1]
        return head[0] not in _NOT_BEFORE_GE and not _NOT_IN_NAMES.intersection(head) \
            and not _TRANSLIT_NEXT.intersection(head) and _freq.get(word, 0) < RARE_WORD_FREQ \
            and (len(head) == 1 or head[0] == head[1] or _freq.get(head, 0) >= RARE_WORD_FREQ)
    return False


def _vocative_name(word: str, sep: str, you: str) -> bool:
    """``word``, opening a chat line and called out (a comma or 你 after it), is a name: a
    nickname (:func:`_nickname_form`), or two characters many given names use that are no
    word of the dictionary (慧敏, 志强; not 明天, 据悉), or a surname and given-name characters
    (李秀英; not 解码时). A word of the dictionary (小雪 is a solar term too) counts only right
    before 你 or 您, but for a name the dictionary lists (志强). ``sep``: what follows the word
    (a comma; "@" for a user mentioned); ``you``: 你 or 您 after it, or nothing."""
    if not (sep or you):
        return False
    if _nickname_form(word, called=bool(you)):
        return True
    if _NOT_IN_NAMES.intersection(word) or word in TITLES or word[0] in "阿小老":
        return False  # (阿/小/老 and a character: a nickname or nothing)
    freq = _freq.get(word, 0)
    if freq >= RARE_WORD_FREQ and (word not in _dictionary_names or freq >= COMMON_WORD_FREQ):
        return False
    if len(word) == 3:  # a surname and given-name characters (李秀英; not 解码时)
        return _list_item(word) and _new_name_token(word, word[1:])
    return all(_given_chars.get(c, 0) >= GIVEN_WORD_CHAR_MIN for c in word) \
        and (bool(you) or freq < RARE_WORD_FREQ or word in _dictionary_names)


def _called(text: str) -> list[tuple[int, int, str]]:
    """Names the text calls a person by outside a clause's frame: a name called out at the start
    of a chat line (慧敏，你妈让你回电话), a user mentioned with @ (@万晓晴, @胖哥), a compound
    surname before a given name written twice (诸葛亮亮), a surname an answer speaks of (欧阳是
    复姓, 我姓王)."""
    found = []
    for m in _VOCATIVE.finditer(text):
        at = m.end()
        for length in (3, 2):
            word = text[at:at + length]
            after = _CALLED_AFTER.match(text, at + length)
            if len(word) == length and _CJK_RUN.fullmatch(word) and after is not None \
                    and _vocative_name(word, after.group("sep"), after.group("you") or ""):
                found.append((at, at + length, "a name called out at the start of a line"))
                break
    for m in _MENTION.finditer(text):
        # a name, a nickname or a given name (not @人民日报, @央视新闻, @微博小秘书)
        if _list_item(m.group("v")) or _vocative_name(m.group("v"), "@", ""):
            found.append((*m.span("v"), "a user mentioned by name"))
    for m in _REDUPLICATED.finditer(text):
        char = m.group("c")
        if char not in _NOT_IN_NAMES and _given_chars.get(char, 0) >= GIVEN_CHAR_MIN:
            found.append((*m.span(), "compound surname + a given name written twice"))
    for m in _SURNAME_SAID.finditer(text):
        group = "v" if m.group("v") else "w"
        if _exact_surname(m.group(group), common=True):
            found.append((*m.span(group), "a surname an answer speaks of"))
    return found
