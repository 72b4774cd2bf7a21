"""Development probe for Chinese names: how many are fully masked, per template family and source.

Names come from two sources, alternating: Faker's ``zh_CN`` and ``zh_TW`` providers, and a
generator of this probe's own (:func:`own_name`): a surname drawn from a list written here (the
common ones, rarer ones of the Hundred Family Surnames, compound ones), one or two given-name
characters from a list written here, combined at random — not from jieba's dictionary, which
the recognizer reads — half of them written in traditional characters (OpenCC ``s2t``). They
are placed in Chinese templates written for this probe, grouped by family (chat, lists, forms,
CSV, JSON, titles after a name, names as subjects, news style, dialogue, letters, signatures,
English names beside Chinese ones, pinyin, minority names written with an interpunct …), not
in the held-out evaluation's (``bench/pii_corpora/``). A name counts as masked only when every
one of its characters lies inside a finding (a half-masked name leaks).

Prints one JSON line (names placed, masked, recall, ``[names, masked]`` per source and per
family), then ``LEAK`` lines (family, source, the name, the text, newlines shown as a return
symbol) for the families chosen, up to ``show`` per family.

    .venv/bin/python tools/pii_dev/zh_names.py 3000 8           # 3,000 texts, 8 leaks per family
    .venv/bin/python tools/pii_dev/zh_names.py 3000 30 news,verb # only these families' leaks
"""

# The templates' full-width punctuation is the point: it is how Chinese text sits around a name.
# ruff: noqa: RUF001

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

import opencc
from faker import Faker

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from appliance.config import PiiConfig
from appliance.privacy.analyzer import Analyzer

#: Placeholders: ``{n}``, ``{m}`` and ``{k}`` are three full names of one source; ``{s}`` is the
#: surname of ``{n}`` alone and ``{g}`` its given name alone (the name to check is then that
#: part); ``{w}``, ``{v}`` and ``{x}`` see the "spaced" family; ``{p}`` a pinyin name; ``{e}``
#: an English given name (not checked).
FAMILIES: dict[str, list[str]] = {
    # The probe's first templates.
    "base": [
        "{n}：你好，请问快递什么时候到？", "{n}: 明天的会议改到下午三点。",
        "参会人员：{n}、{m}、{k}",
        "昨天{n}去了北京出差。", "这个问题{n}已经处理好了。", "请把文件交给{n}。",
        "{n}和{m}是同学。",
        "签字：{n}", "审批人 {n}", "{n},13812345678,北京市海淀区", '{{"name": "{n}", "age": 30}}',
        "Meeting with {n} at 3pm.", "Please call {n} tomorrow.", "值班表：周一 {n}，周二 {m}",
        "{n}在群里说今天不加班了。", "感谢{n}的帮助！", "作者：{n}", "负责人{n}明天休假。",
        "— {n}\n销售部", "我今天见到了{n}，他看起来很累。", "{n}同志被评为先进个人。", "收货人{n}",
        "{n}老师布置了作业。", "这次比赛的冠军是{n}。", "{n} 2023-05-01 请假一天",
        "病人{n}今日出院。",
        "from: {n}\nto: {m}", "| {n} | 销售 | 北京 |", "{n}（工号 A123）", "{n}说：“好的。”",
    ],
    # A full name with a title or role after it.
    "title": [
        "{n}经理，您好！", "请{n}老师到三楼办公室。", "{n}总今天不在公司。", "今天是{n}医生值班。",
        "{n}女士的快递到了。", "{n}主任批准了这个方案。", "{n}教授的讲座很精彩。",
        "{n}律师已经收到材料。",
        "我们请到了{n}博士。", "{n}同学请回答这个问题。", "{n}阿姨每天早上来打扫。",
        "{n}师傅修好了空调。",
        "这是{n}董事长的办公室。", "{n}院长出席了会议。", "找{n}处长签个字。",
        "{n}护士长正在查房。",
    ],
    # A surname alone with a title, or 小/老/阿 forms (the surname or given name is checked).
    "short": [
        "{s}经理，您好！", "请{s}老师到三楼办公室。", "{s}总今天不在公司。", "今天是{s}医生值班。",
        "{s}女士的快递到了。", "小{s}，你过来一下。", "老{s}昨天请假了。", "我跟小{s}说过了。",
        "{s}工说图纸改好了。", "这事得问{s}姐。", "{s}哥明天请客。", "阿{g}今天没来上班。",
        "{s}主任批准了这个方案。", "{s}教授的讲座很精彩。", "{s}先生，请稍等。",
        "{s}师傅修好了空调。",
    ],
    # A name as the sentence's subject, with no cue before it.
    "subject": [
        "{n}昨天去了银行。", "{n}今年三十五岁，在一家外企上班。", "{n}上个月刚从深圳调过来。",
        "{n}是我大学时的室友。", "{n}把钥匙落在车里了。", "{n}正在开会，晚点回你。",
        "{n}下午要去医院复查。", "{n}住在三号楼二单元。", "{n}带着孩子去了公园。",
        "{n}每天早上六点起床跑步。", "{n}毕业于复旦大学。", "{n}对这个结果很满意。",
        "{n}的妈妈打电话来了。", "{n}买了一辆新车。", "{n}今天请病假。", "{n}出生在湖南长沙。",
    ],
    # News style.
    "news": [
        "据新华社报道，{n}表示将继续推进改革。", "记者{n}报道：今年夏粮再获丰收。",
        "{n}指出，要加强基础设施建设。", "{n}强调，安全生产责任重于泰山。",
        "公司董事长{n}在发布会上宣布了新计划。", "本报讯（记者 {n}）昨日，市政府召开会议。",
        "{n}在接受采访时说，明年的目标是翻一番。", "出席会议的有{n}、{m}等领导。",
        "{n}当选为新一届理事会主席。", "文/{n}  图/{m}", "（责任编辑：{n}）", "通讯员 {n}",
        "{n}透露，新产品将于下月上市。", "{n}介绍说，该项目总投资五亿元。",
    ],
    # A name followed by a verb.
    "verb": [
        "{n}说这件事他来处理。", "{n}认为方案还需要修改。", "{n}告诉我明天不用来了。",
        "{n}问我周末有没有空。", "{n}觉得这样不太好。", "{n}决定辞职回老家。",
        "{n}打算下个月结婚。",
        "{n}希望大家准时到。", "{n}发现账目有问题。", "{n}知道这件事吗？", "{n}笑着点了点头。",
        "{n}同意了我们的请求。", "{n}提醒大家注意安全。", "{n}写了一份报告。", "{n}想请假三天。",
        "刚才{n}打电话找你。",
    ],
    # Lists, parentheses.
    "list": [
        "{n}、{m}和{k}三人获得一等奖。", "获奖名单：{n}、{m}、{k}。", "本组成员有{n}、{m}、{k}",
        "{n}，{m}，{k}请到前台登记。", "项目负责人（{n}）已确认。", "联系人（{n}，电话见附件）",
        "由{n}（组长）和{m}（副组长）负责。", "{n}/{m}/{k}", "主讲人：{n}；主持人：{m}",
        "1. {n}\n2. {m}\n3. {k}", "- {n}\n- {m}", "评委：{n} {m} {k}",
    ],
    # English names beside Chinese ones, and Chinese names in English text.
    "english": [
        "{e} {n} 是我们的新同事。", "{n}（{e}）负责华东区。", "{n} ({e}) will join the call.",
        "Dear {n},\n感谢您的来信。", "Thanks, {n}", "CC: {n}, {m}", "Attendees: {n}, {m} and {k}.",
        "{e} {s} ({n}) joined the team in May.", "我的英文名是{e}，中文名叫{n}。",
        "Reviewer: {n}", "@{n} 请看一下这个 PR", "Assigned to {n} on Monday.",
    ],
    # Dialogue transcripts and chat.
    "dialogue": [
        "{n}：你好\n{m}：你好，有什么事？", "{n}：我到了\n{m}：好的，马上下来", "[10:32] {n}: 收到",
        "{n} 10:15\n今天的会取消了", "{n}：“你怎么才来？”\n{m}：“路上堵车。”", "【{n}】已加入群聊",
        "{n}撤回了一条消息", "{n} 邀请 {m} 加入了群聊", "回复 {n}：同意", "{n}：@{m} 文件发你了",
    ],
    # Letters, greetings and signatures.
    "letter": [
        "致 {n}：\n您好！", "亲爱的{n}：\n见字如面。", "尊敬的{n}先生：", "{n}同学：\n你好！",
        "此致\n敬礼\n{n}\n2024年5月1日", "谢谢！\n{n}", "祝好，\n{n}", "——{n}", "学生：{n}",
        "{n}\n市场部经理\n电话：010-12345678", "落款：{n}", "您好{n}，您的订单已发货。",
    ],
    # Records: CSV, JSON, key-value, tables.
    "record": [
        "{n},男,35,工程师", "姓名,年龄\n{n},28\n{m},31", '{{"author": "{n}", "id": 7}}',
        '{{"user": {{"name": "{n}"}}}}', "name={n}&city=北京", "<name>{n}</name>",
        "| 1 | {n} | 财务部 |", "{n}\t销售部\t主管", "申请人：{n}  身份证号：见附件", "持有人 {n}",
        "员工编号 1024 {n} 研发部", "{n};{m};{k}",
    ],
    # A surname and a given name apart by a space: ``{w}`` is "given surname" (Western order),
    # ``{v}`` "surname given" (separate form fields joined); or in separate fields.
    "spaced": [
        "姓：{s}  名：{g}", "Name: {w}", "客户 {v} 已签收", "{w}，你好",
        "Last name {s}, first name {g}",
        "{v}（经理）", "{w}昨天去了银行。", "联系人：{w}", "{w}说这件事他来处理。",
        "感谢{w}的帮助！",
        "Please contact {w} about the invoice.", "Dear {w},", "参会人员：{w}、{x}", "{w},35,北京",
        '{{"name": "{w}"}}', "我叫{w}，很高兴认识你。", "Regards,\n{w}", "{w} 明天到上海。",
    ],
    # Pinyin names (English recognizers' work; checked all the same).
    "pinyin": [
        "我的英文名字是 {p}。", "{p} 明天到上海。", "Contact: {p}", "{p} 说没问题。",
        "Please ask {p} to sign.", "请联系 {p}，电话见附件。",
    ],
    # --- Families added for issue "names nobody here wrote": Chinese-character names in
    # English-language registers, and names with no cue in Chinese prose.
    # English sentences with a name in Chinese characters.
    "en_prose": [
        "I talked to {n} yesterday and she agreed to the new deadline.",
        "{n} is our new product manager.", "Can you forward this to {n}?",
        "According to {n}, the build has been broken since Friday.",
        "{n} and {m} will review the pull request.", "My colleague {n} recommended this place.",
        "The report was written by {n} and checked by {m}.", "We hired {n} last month.",
        "Ask {n} whether the invoice was paid.", "{n}'s laptop needs a new battery.",
        "Thanks to {n} for the quick fix!", "I think {n} already left for the airport.",
        "It was {n} who found the bug.", "Let me loop in {n} from finance.",
    ],
    # Code and structured data.
    "code": [
        'author = "{n}"', "user = User(name='{n}', age=31)",
        '{{"owner": "{n}", "role": "admin", "active": true}}', "owner: {n}\nteam: infra",
        "id,name,dept\n17,{n},QA\n18,{m},Ops", "INSERT INTO users (name, email) VALUES "
        "('{n}', 'a@example.com');", "2024-03-01 12:00:01 INFO login ok user={n} ip=10.0.0.7",
        "# TODO({n}): remove this workaround", "SELECT * FROM staff WHERE name = '{n}';",
        "customers = ['{n}', '{m}', '{k}']", "send_mail(to=\"{n}\", subject=\"hi\")",
        "[WARN] payment failed for customer \"{n}\" (order 8812)", "- name: {n}\n  email: x@y.io",
        "Co-authored-by: {n} <dev@example.com>", "assignee = '{n}'  # backend",
    ],
    # English lists and bullets.
    "en_list": [
        "Team members:\n- {n}\n- {m}\n- {k}", "Speakers: {n}, {m}, and {k}",
        "1) {n} – design\n2) {m} – backend", "* {n} (PM)\n* {m} (QA)",
        "On call this week: {n}; next week: {m}.", "Winners: {n}, {m}",
        "Guests\n{n}\n{m}\n{k}", "Reviewers: {n} / {m}", "• {n}\n• {m}",
    ],
    # E-mail headers, greetings and signatures in English.
    "email": [
        "From: {n} <sales@example.com>\nTo: {m} <ops@example.com>\nSubject: Q3 budget",
        "Best regards,\n{n}\nSenior Engineer", "Hi {n},\n\nPlease find the file attached.",
        "Cheers,\n{n}", "Reply-To: {n} <r@example.com>", "On Tue, 3 May, {n} wrote:\n> OK",
        "--\n{n} | Sales Director | ACME Ltd.", "Hello {n}, your order has shipped.",
        "Sincerely yours,\n{n}", "To: {n}\nCc: {m}",
    ],
    # Chat with speaker labels, and Q&A, in English.
    "en_chat": [
        "{n}: are we still on for lunch?\n{m}: yes, 12:30", "[09:14] {n}: deploy done",
        "<{n}> anyone seen the logs?", "{n} joined the channel", "@{n} can you check this?",
        "User {n}: how do I reset my password?\nAgent: use the link.",
        "Q: Who signed the contract?\nA: {n}.", "Q: Who is the driver?\nA: {n}",
        "{n} (10:02 AM): running late", "Customer: {n}\nIssue: refund not received",
    ],
    # English forms.
    "en_form": [
        "Name: {n}\nPhone: 555-0100", "Full name: {n}", "Applicant: {n}",
        "Emergency contact: {n} (mother)", "Patient - {n}", "Signed: {n}",
        "Passenger: {n}   Seat 14C", "Student: {n}, Grade 3", "Owner {n}, since 2019",
    ],
    # Chinese prose without a cue word: subject, object after a preposition, before a verb.
    "bare": [
        "我和{n}一起去吃饭。", "他跟{n}吵了一架。", "这份合同要给{n}看看。", "让{n}先回家休息。",
        "请{n}明天早点来。", "钱包被{n}捡到了。", "他把{n}送到了车站。", "与{n}合作很愉快。",
        "{n}说明天会下雨。", "{n}表示不同意。", "{n}认为这样不公平。", "{n}的孩子今年上小学。",
        "我昨天遇到{n}了。", "妈妈很喜欢{n}。", "大家都在等{n}。", "这本书是{n}送给我的。",
        "她嫁给了{n}。", "{n}和{m}去年结婚了。", "听说{n}要调走了。", "{n}一进门就开始抱怨。",
        "邻居{n}家的狗又跑出来了。", "上周五{n}没来上班。",
    ],
    # Names of a given shape, in a mix of registers (the name's shape is what is tested).
    "compound": [], "single": [], "rare": [], "trad": [],
    # 阿 + given name ({a}), 小 + surname ({j}), 老 + surname ({o}), without a title; the
    # whole form is checked.
    "nick": [
        "{a}说他今晚不回来了。", "{j}昨天生病了。", "{o}的儿子考上了大学。",
        "我刚跟{o}通过电话。", "Ask {j} about it.", "{a}和{j}都来了。",
        "这事交给{o}吧。", "{a}：我到楼下了", "{j}，帮我拿一下。", "{o}家在三楼。",
        "Thanks {a}!", "{j}跟我说过这件事。", "我们几个请{o}吃饭。", "{a}的店今天没开门。",
    ],
    # Tibetan, Mongolian and Uyghur names (no Han surname) of this probe's own generator
    # (:func:`ethnic_name`): ``{t}`` and ``{u}``.
    "ethnic": [
        "{t}昨天从拉萨回来了。", "我和{t}是同事。", "请{t}到前台登记。", "{t}说草原上下雪了。",
        "Please ask {t} to call me.", "获奖者：{t}、{u}", "name: {t}", "{t}的女儿在北京读书。",
        "{t}: 好的，马上到", "感谢{t}的帮助。", "Driver: {t}", "是{t}开车送我们去的。",
    ],
}

#: A second template group, written apart from :data:`FAMILIES` (issue 37) for registers of
#: everyday Chinese those leave out: ``--set fresh`` runs it alone, ``--set all`` both. Each
#: family is one kind of document: WeChat group chat and its system lines, meeting minutes
#: (参会人员, 记录人), delivery notices and waybills, school notices, medical records, court
#: documents (原告, 被告, 审判长) and news bylines (记者, 通讯员, 责编).
FRESH_FAMILIES: dict[str, list[str]] = {
    "wechat": [
        "{n}拍了拍{m}", "“{n}”通过扫描二维码加入群聊", "{n}修改群名为“周末爬山小分队”",
        "你已添加了{n}，现在可以开始聊天了。", "{n}：[语音] 12″", "{n}：[图片]",
        "{n}领取了你的红包", "{n}向你转账 200.00 元", "{m}：@{n} 晚上几点到？",
        "[{n}] 我先下了，明天见", "群主{n}发布了新公告", "{n}：收到收到👌",
        "{n}（备注：楼下超市）", "{n} 撤回了一条消息，{m} 说：没事",
    ],
    "minutes": [
        "会议时间：3月5日14:00\n参会人员：{n}、{m}、{k}\n记录人：{n}",
        "主持：{n}　记录：{m}", "缺席：{m}（请假）", "会上，{n}汇报了三季度的进展。",
        "{m}提出预算需要再压缩一成。", "决议：由{n}牵头，{m}配合，月底前完成。",
        "下一步：{k}负责跟进客户反馈。", "列席：{n}、{m}", "经讨论，大家同意{n}的方案。",
        "{n}补充：测试环境下周才能到位。", "会议纪要由{m}整理，{n}审阅。",
        "行动项：1）{n}：更新排期；2）{m}：联系供应商",
    ],
    "delivery": [
        "收件人：{n}　电话：138****5678", "寄件人 {n}\n地址：杭州市西湖区文三路 8 号",
        "您的快件已由{n}代签收，如有疑问请联系快递员。",
        "快递员{n}（电话 13900001111）正在为您派送",
        "签收人：{n}（本人）", "【速运】您的包裹已放至驿站，取件人：{n}",
        "外卖已送达，骑手{n}祝您用餐愉快", "收货人 {n} 拒收，原因：包装破损",
        "运单号 SF1234567890 收方：{n}", "请{n}先生/女士于今日18点前取件",
    ],
    "school": [
        "{n}同学在期中考试中获得年级第一名。", "请{n}的家长于本周五下午到校面谈。",
        "三年二班 {n} 今日缺勤", "班主任：{n}　副班主任：{m}", "表扬名单：{n}、{m}、{k}",
        "{n}和{m}代表学校参加市运动会。", "学号 20230117　姓名 {n}　成绩 92",
        "本周值日生：{n}", "{n}家长：孩子最近上课有些走神，请多关注。",
        "优秀作文　作者：五年级 {n}",
    ],
    "medical": [
        "患者{n}，男，45岁，因胸痛2小时入院。", "主治医师：{n}　护士：{m}",
        "姓名：{n}　性别：女　床号：12", "{n}，女，32岁，主诉头痛三天。",
        "家属{m}签字同意手术。", "今日查房，{n}主任指示继续观察。", "检验报告　受检者：{n}",
        "转诊：由{n}医师转至心内科", "{n}术后恢复良好，明日可出院。", "处方医师 {n}　审核 {m}",
    ],
    "legal": [
        "原告：{n}，男，汉族，1980年出生，住北京市朝阳区。", "被告{m}辩称，其已按约付款。",
        "委托诉讼代理人：{k}，北京某律师事务所律师。", "审判长　{n}\n审判员　{m}\n书记员　{k}",
        "本院认为，被告{m}的行为构成违约。", "上诉人（原审原告）{n}不服一审判决。",
        "证人{k}出庭作证。", "被执行人{n}名下无可供执行的财产。",
        "申请人{n}与被申请人{m}劳动争议一案",
        "第三人：{k}",
    ],
    "byline": [
        "（记者 {n} 通讯员 {m}）", "本报记者 {n} 摄", "文｜{n}　编辑｜{m}",
        "新华社北京5月1日电（记者{n}、{m}）", "来源：晚报　作者：{n}", "责编：{n}　审核：{m}",
        "{n}/文　{m}/图", "本报讯（见习记者{n}）", "特约评论员 {n}", "校对：{k}",
    ],
}
#: Which families ``--set`` runs.
SETS = {"base": FAMILIES, "fresh": FRESH_FAMILIES, "all": {**FAMILIES, **FRESH_FAMILIES}}

#: Templates the name-shape families (compound, single, rare) draw from.
SHAPE_TEMPLATES = [
    "{n}昨天来过。", "我跟{n}说过了。", "请把钥匙交给{n}。", "{n}认为方案可行。",
    "{n}的电话打不通。", "让{n}去处理。", "Please ask {n} to sign.", "author: {n}",
    "{n}和{m}都同意。", "Best,\n{n}", "被{n}发现了。", "Assigned to {n}.",
]
#: ... and the traditional-character family (its own sentences, written in traditional).
TRAD_TEMPLATES = [
    "{n}昨天來過辦公室。", "請{n}回電。", "我跟{n}約好了週末見面。", "{n}說他明天不能來。",
    "負責人：{n}", "感謝{n}的協助！", "{n}和{m}是大學同學。", "這件事讓{n}處理。",
    "{n}覺得這樣不太好。", "報告由{n}撰寫。", "Contact: {n}", "{n}的兒子今年上國中。",
]

#: Minority names written with an interpunct (Uyghur, Kazakh transliterations) and Tibetan
#: and Mongolian names without a surname; placed in the templates of a few families.
MINORITY_NAMES = [
    "买买提·艾力", "阿不都·热合曼", "古丽娜尔·吐尔逊", "热依拉·阿布都", "艾尔肯·沙吾提",
    "努尔·白克力",
    "迪丽热巴·迪力木拉提", "阿依古丽·买买提", "扎西多吉", "次仁卓玛", "格桑梅朵", "央金拉姆",
    "巴特尔",
    "其其格", "那顺乌日图", "达瓦次仁", "尼玛顿珠", "白玛央宗",
]
MINORITY_FAMILIES = ("subject", "verb", "list", "record", "letter")

#: This probe's own surnames, by how often to draw them: common, rarer, compound.
OWN_COMMON = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤")
OWN_RARER = (
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪"
    "梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓"
    "古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商"
    "刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝屠郦寿云花平洪乐皮计伏支晁蔺阎廉储揭厉戎祖奚湛")
OWN_COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
                "夏侯", "司徒", "端木", "南宫", "西门", "长孙", "宇文", "独孤")
#: Characters given names are made of (written for this probe, not read from a dictionary).
OWN_GIVEN = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳成建国志文海峰亮东晨博翔瑞泽"
    "轩然子豪睿航昊天宏毅锋彬坤鸿远振嘉荣庆德光永春生胜祥忠兴良安福贵山川岩松柏立晓小新卫兵铭"
    "源哲楠芳娜敏静丽艳娟霞燕玲桂英秀兰萍红梅琳颖倩婷雪慧莉洁琴云莹丹璐佳怡欣悦蕾薇菲晶妍琪雯"
    "婧瑶萱涵彤诗雨梦思馨月凤珍玉翠美婉晴露蓉惠淑秋冬育家佩君宜可依若子一乐嘉雅晓慧义仁礼信")
#: English given names and pinyin for the ``{e}`` and ``{p}`` placeholders.
ENGLISH = ("Tom", "Linda", "Kevin", "Amy", "Jack", "Grace", "David", "Vivian", "Eric", "Cindy")
PINYIN_SURNAMES = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
                   "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Gao", "Lin", "Luo", "Ouyang")
PINYIN_SYLLABLES = ("wei", "xiao", "ming", "hong", "li", "jun", "hua", "jian", "guo", "yan",
                    "fang", "na", "min", "jing", "qiang", "lei", "tao", "yu", "hao", "xin",
                    "zhi", "yuan", "jia", "yi", "chen", "rui", "ting", "mei", "lan", "feng")
#: Families whose names have a shape of their own (see :func:`shaped_name`).
SHAPED = ("compound", "single", "rare", "trad")
#: Name sources, by the index ``i % 4`` of the text.
SOURCES = ("faker_cn", "faker_tw", "own_cn", "own_tw")


def own_name(rnd: random.Random) -> tuple[str, str]:
    """(surname, given name) of this probe's own generator."""
    roll = rnd.random()
    if roll < 0.75:
        surname = rnd.choice(OWN_COMMON)
    elif roll < 0.95:
        surname = rnd.choice(OWN_RARER)
    else:
        surname = rnd.choice(OWN_COMPOUND)
    size = 1 if rnd.random() < 0.3 else 2
    return surname, "".join(rnd.choice(OWN_GIVEN) for _ in range(size))

#: Rarer surnames than :data:`OWN_RARER` (each a real surname; some are words too).
OWN_RARE = ("冼", "亓", "甯", "郜", "逯", "訾", "阚", "蒯", "禹", "竺", "鞠", "邸", "昝", "郄",
            "缑", "笪", "仉", "庹", "揭", "茹", "扈", "钮", "嵇", "荀", "芮", "邰", "宓", "闻",
            "皋", "阙", "戈", "晋", "练", "衣", "母", "朴", "么", "幸", "谈", "贝", "储", "漆",
            "植", "区", "符", "那", "哈", "拓", "才", "卯")
#: Compound surnames beyond :data:`OWN_COMPOUND`.
MORE_COMPOUND = ("司空", "澹台", "闻人", "钟离", "申屠", "赫连", "呼延", "百里", "东郭", "公羊",
                 "第五", "左丘", "濮阳", "太史")
#: Parts of Tibetan names (two make a name), Mongolian names, and Uyghur name parts (a given
#: name and the father's, joined by a middle dot).
TIBETAN_PARTS = ("扎西", "次仁", "多吉", "卓玛", "格桑", "德吉", "央金", "拉姆", "旺堆", "尼玛",
                 "达瓦", "平措", "索朗", "顿珠", "强巴", "洛桑", "普布", "边巴", "仁青", "白玛",
                 "曲珍", "次旦", "罗布", "巴桑")
MONGOLIAN = ("巴特尔", "乌兰", "其其格", "苏和", "额尔敦", "敖日格勒", "孟和", "斯琴", "图雅",
             "宝音", "朝鲁", "阿拉坦", "那仁", "乌力吉", "萨仁", "哈斯", "额尔德木图", "查干")
UYGHUR_PARTS = ("买买提", "艾力", "阿不都", "热合曼", "吐尔逊", "古丽", "阿依古丽", "努尔",
                "艾尔肯", "帕提古丽", "麦尔丹", "依明", "阿迪力", "玉苏甫", "热依汗", "肉孜",
                "阿卜杜拉", "米热", "沙吾提", "艾合买提")


def ethnic_name(rnd: random.Random) -> str:
    """A Tibetan (two parts run together), Mongolian, or Uyghur (parts joined by a dot) name."""
    roll = rnd.random()
    if roll < 0.4:
        a, b = rnd.sample(TIBETAN_PARTS, 2)
        return a + b
    if roll < 0.7:
        return rnd.choice(MONGOLIAN)
    a, b = rnd.sample(UYGHUR_PARTS, 2)
    return f"{a}·{b}"


def shaped_name(family: str, source: int, fakers: list[Faker], rnd: random.Random,
                s2t: Callable[[str], str]) -> tuple[str, str]:
    """(surname, given name) of the shape a name-shape family tests: a compound surname, a
    one-character given name, a rare surname, or any name in traditional characters."""
    faker = fakers[source] if source < 2 else None
    if family == "single":
        surname = faker.last_name() if faker else own_name(rnd)[0]
        given = (faker.first_name() if faker else rnd.choice(OWN_GIVEN))[:1]
        return (s2t(surname), s2t(given)) if source in (1, 3) else (surname, given)
    if family == "trad":
        pair = split_name(faker.name()) if faker else own_name(rnd)
        return s2t(pair[0]), s2t(pair[1])
    surname = rnd.choice((*OWN_COMPOUND, *MORE_COMPOUND) if family == "compound" else OWN_RARE)
    given = faker.first_name() if faker else own_name(rnd)[1]
    return (s2t(surname), s2t(given)) if source in (1, 3) else (surname, given)


def pinyin_name(rnd: random.Random) -> str:
    """A pinyin name in one of the orders and cases people write."""
    surname = rnd.choice(PINYIN_SURNAMES)
    given = "".join(rnd.choice(PINYIN_SYLLABLES) for _ in range(rnd.choice((1, 2)))).capitalize()
    return rnd.choice((f"{surname} {given}", f"{given} {surname}", f"{surname.upper()} {given}"))


def split_name(name: str) -> tuple[str, str]:
    """(surname, given name) of a Faker name: a two-character surname only when it is one."""
    compound = {*OWN_COMPOUND, "歐陽", "司馬", "諸葛", "東方", "皇甫", "尉遲", "長孫"}
    cut = 2 if name[:2] in compound and len(name) > 2 else 1
    return name[:cut], name[cut:]


def fully_covered(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether every character in ``[start, end)`` lies inside one of ``spans``."""
    return all(any(a <= j < b for a, b in spans) for j in range(start, end))


def make_names(source: int, fakers: list[Faker], rnd: random.Random,
               s2t: Callable[[str], str], family: str = "") -> list[tuple[str, str]]:
    """Three (surname, given name) pairs of one source (of the shape ``family`` tests)."""
    if family in SHAPED:
        return [shaped_name(family, source, fakers, rnd, s2t) for _ in range(3)]
    if source < 2:
        return [split_name(fakers[source].name()) for _ in range(3)]
    pairs = [own_name(rnd) for _ in range(3)]
    return [(s2t(s), s2t(g)) for s, g in pairs] if source == 3 else pairs


def place(template: str, pairs: list[tuple[str, str]], rnd: random.Random,
          minority: bool) -> tuple[str, list[str]]:
    """The text and the names in it to check."""
    full = [s + g for s, g in pairs]
    if minority:
        full = rnd.sample(MINORITY_NAMES, 3)
    values = {"n": full[0], "m": full[1], "k": full[2], "s": pairs[0][0], "g": pairs[0][1],
              "w": f"{pairs[0][1]} {pairs[0][0]}", "v": f"{pairs[0][0]} {pairs[0][1]}",
              "x": f"{pairs[1][1]} {pairs[1][0]}", "p": pinyin_name(rnd), "e": rnd.choice(ENGLISH),
              "a": "阿" + pairs[0][1][-1:], "j": "小" + pairs[0][0], "o": "老" + pairs[0][0],
              "t": ethnic_name(rnd), "u": ethnic_name(rnd)}
    while values["u"] == values["t"]:
        values["u"] = ethnic_name(rnd)
    text = template.format(**values)
    checked = [values[key] for key in "nmksgwvxpajotu" if "{" + key + "}" in template]
    if "{n}" in template and "{s}" in template:  # the surname is checked as part of {n}
        checked.remove(values["s"])
    return text, checked


def run(n: int = 3000, seed: int = 11, show: int = 8, only: frozenset[str] = frozenset(),
        template_set: str = "base") -> None:
    """Place names in ``n`` texts, print the JSON summary and up to ``show`` leaks per family
    (of the families of ``template_set``)."""
    rnd = random.Random(seed)
    fakers = [Faker("zh_CN"), Faker("zh_TW")]
    for faker in fakers:
        faker.seed_instance(seed)
    s2t = opencc.OpenCC("s2t").convert
    analyzer = Analyzer(PiiConfig())
    chosen = SETS[template_set]
    families = list(chosen)
    total = masked = 0
    per_source = {s: [0, 0] for s in SOURCES}
    minority_key = ["minority"] if set(MINORITY_FAMILIES) & set(families) else []
    per_family = {f: [0, 0] for f in [*families, *minority_key]}
    leaks: dict[str, list[str]] = {f: [] for f in per_family}
    for i in range(n):
        source = i % 4
        family = families[(i // 4) % len(families)]
        pool = TRAD_TEMPLATES if family == "trad" else SHAPE_TEMPLATES if family in SHAPED \
            else chosen[family]
        template = rnd.choice(pool)
        minority = family in MINORITY_FAMILIES and "{s}" not in template and rnd.random() < 0.1
        text, checked = place(template, make_names(source, fakers, rnd, s2t, family), rnd,
                              minority)
        spans = [(span.start, span.end) for span in analyzer.find(text)]
        key = "minority" if minority else family
        for name in checked:
            start = text.find(name)
            if start < 0:
                continue
            covered = fully_covered(spans, start, start + len(name))
            total += 1
            masked += covered
            for tally in (per_source[SOURCES[source]], per_family[key]):
                tally[0] += 1
                tally[1] += covered
            if not covered:
                found = " | ".join(text[a:b] for a, b in spans)
                leaks[key].append(f"{key} {SOURCES[source]} [{name}] {text} :: {found}"
                                  .replace("\n", "⏎"))
    summary = {
        "names": total,
        "masked": masked,
        "recall": round(masked / max(1, total), 3),
        "sources": per_source,
        "families": {f: [*t, round(t[1] / max(1, t[0]), 3)] for f, t in per_family.items()},
    }
    print(json.dumps(summary, ensure_ascii=False))
    for family, lines in leaks.items():
        if not only or family in only:
            for line in lines[:show]:
                print("LEAK", line)


def main() -> None:
    """Parse the command line and run the probe."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", nargs="?", type=int, default=3000, help="texts to probe (3000)")
    parser.add_argument("show", nargs="?", type=int, default=8, help="leaks per family (8)")
    parser.add_argument("families", nargs="?", default="",
                        help="comma-separated families whose leaks to print (all)")
    parser.add_argument("--seed", type=int, default=11, help="random seed (11)")
    parser.add_argument("--set", dest="template_set", choices=sorted(SETS), default="base",
                        help="template group: base (the first), fresh (issue 37's), all")
    args = parser.parse_args()
    run(args.n, args.seed, args.show, frozenset(filter(None, args.families.split(","))),
        args.template_set)


if __name__ == "__main__":
    main()
