"""Who a Chinese-speaking caller says they are: "我是中通的周先生", "免贵姓王", "星辰贸易的王五"."""

from __future__ import annotations

import re

from bot.dialogue.parse.identity_en import _latin_name_at_start
from bot.dialogue.parse.text import _HAN, _HAN_RUN, _PUNCT, Identity, _clauses

_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤"
    "温康施文牛樊葛邢乔伍庞颜倪庄聂章鲁岳翟殷詹欧耿兰焦俞左柳甘祝包宁符舒阮柯纪梅童凌毕单季裴霍涂苗谷"
    "盛曲翁冉骆蓝游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤穆卓缪简芦麦褚娄窦戚岑景费卜冷晏席卫米柏宗瞿桂"
    "佟臧闵苟邬卞姬栾隋商刁沙荣巫寇桑郎甄仲虞敖巩佘迟邝鞠惠荆冀郁胥栗燕楚鄢谌奚粟冼蔺阚扈晁芮邸雍辜裘"
    "亓邰赫杭逯茹诸嵇湛戎茅明安易于"
)
_COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "东方", "慕容", "司徒", "夏侯", "皇甫", "尉迟", "公孙", "令狐", "长孙",
    "宇文", "独孤", "南宫", "西门", "端木", "百里", "呼延", "轩辕",
)
_ZH_HONORIFICS = (
    "先生", "女士", "小姐", "太太", "老师", "经理", "总监", "主任", "主管", "博士", "教授", "律师", "医生",
    "师傅", "老板", "会计", "秘书", "工", "总", "姐", "哥",
)
_ZH_FAMILIAR = ("小", "老", "阿")
_ZH_NAME_STOP_CHARS = frozenset("的了吗呢吧啊呀哦嗯找要想是在不没有个这那什么谁哪你我他她们说请问转打电话号码急好对上下和跟给从来去就")
_ZH_NOT_NAMES = frozenset({
    "明天", "马上", "高兴", "方便", "周末", "白天", "安排", "安全", "文件", "程序", "程度", "金额", "石头",
    "江湖", "华为", "明白", "于是", "易懂", "钱包", "黄色", "白色", "蓝色", "毛病", "高级", "高端", "温度",
    "杜绝", "陈述", "许可", "许多", "余额", "费用", "管理", "宁愿", "任何", "任务", "沈阳", "常州",
    "邮件", "时间", "方面", "方法", "方案", "康复", "申请", "孙子", "高速", "宋体", "林业", "包裹", "金融",
})
_ZH_CUT_WORDS = (
    "之前", "以前", "刚才", "现在", "今天", "明天", "昨天", "上午", "下午", "晚上", "就行", "就好", "就可以",
    "一下", "麻烦", "请问", "电话", "手机", "号码", "这边", "那边", "谢谢", "你好", "您好",
)
_ZH_RELATIONS = re.compile(
    r"^(?:他|她|你们|您|贵公司)?(?:的)?(?:老客户|客户|朋友|同事|同学|供应商|合作伙伴|家人|亲戚|老乡|代理|律师)"
)
_ZH_SPELLINGS = (
    "弓长张", "木子李", "耳东陈", "口天吴", "立早章", "文刀刘", "双木林", "古月胡", "草头黄", "三横王",
    "言午许", "禾口程", "人可何", "子小孙", "关耳郑", "双口吕", "门口闫", "女古姑", "日天昊", "走肖赵",
)
_ZH_SPELLED_AS = re.compile(r"(\S)\S{0,3}的\1")
"""黄色的黄, 谢谢的谢: a caller spelling out the surname, not part of the name."""

_ZH_ORG_SUFFIXES = (
    "有限公司", "公司", "集团", "快递", "速运", "速递", "物流", "贸易", "商贸", "科技", "银行", "保险", "证券",
    "基金", "投资", "资本", "酒店", "宾馆", "饭店", "医院", "诊所", "大学", "学院", "学校", "中学", "小学",
    "事务所", "研究所", "研究院", "工作室", "中心", "传媒", "网络", "电子", "实业", "控股", "咨询", "地产",
    "置业", "建设", "工程", "设计", "广告", "餐饮", "超市", "航空", "汽车", "电器", "律所", "政府", "报社",
    "电视台", "出版社", "软件", "信息", "技术", "制药", "药业", "外卖", "商城", "百货", "电信", "移动", "联通",
    "印务", "印刷", "食品", "服饰", "文化", "教育", "机构", "协会", "委员会", "机械", "包装", "模具", "材料", "化工",
    "纺织", "服装", "家具", "建材", "五金", "塑胶", "塑料", "钢铁", "能源", "环保", "医药", "生物", "光电", "电气",
    "设备", "装饰", "物业", "家政", "设计院", "局", "厅", "厂", "店",
)
_ZH_BRANDS = (
    "顺丰", "京东", "圆通", "中通", "申通", "韵达", "邮政", "德邦", "极兔", "百世", "菜鸟", "美团", "饿了么",
    "闪送", "达达", "阿里巴巴", "阿里", "腾讯", "百度", "华为", "小米", "淘宝", "天猫", "拼多多", "滴滴",
    "新东方", "联想", "海尔", "格力",
)
_ZH_NOT_COMPANY_START = frozenset("来找给送帮去要想在是到过拿取办问说做我你他她这那约跟和刚已也还")
_ZH_PRONOUNS = frozenset({"你们", "您们", "我们", "他们", "她们", "你", "您", "他", "她", "我", "贵公司", "这边", "那边"})

_ZH_JOB_TITLE = re.compile(r"^(?:[\u4e00-\u9fff]{0,4})(?:经理|副总|总经理|老总|总监|主管|主任|记者|律师|会计|工程师|专员|助理|"
                           r"秘书|老板|业务员|销售|采购|司机|师傅|负责人|董事长|部长|科长|处长|代表|审计|技术支持|客服|财务|法务|"
                           r"人事|顾问|设计师|分析师|实习生|员工|工作人员|售后|快递员|送货员|驾驶员|编辑|研究员)$")
"""What the caller is at their company ("客户经理", "副总", "记者"): not a name, so what precedes 的 is."""
_ZH_CAME_TO = re.compile(r"[来去到](?:这|你们)?(?:面试|送|办|拿|取|交|问|谈|签|修|参加|开会|报到|应聘)")
_ZH_CALLED = re.compile(r"(?:^叫(?=[\u4e00-\u9fff]{2,3}$)|我的名字叫|我名字叫|我的名字是|我名字是|我的姓名是|姓名是|名字叫|名字是|本人叫|我叫|叫我|我是叫)(.+)")
_ZH_SURNAME = re.compile(r"(?:免贵姓|我姓|本人姓|姓)(.+)")
_ZH_I_AM = re.compile(r"(?:我这边是|我这里是|我就是|这边是|这里是|我是|我们是|本人是)(.+)")
_ZH_COMPANY_IS = re.compile(r"(?:我们公司是|我们公司叫|我们单位是|公司名字叫|公司名称是|公司名字是|公司名是|公司叫|公司是|单位是)(.+)")
_ZH_COMES_FROM = re.compile(r"(?:来自|我在)(.+?)(?:工作|上班|$)")
"""来自上海 / 我在楼下 are places, so these need a company-like name (星辰贸易, 顺丰)."""


def _zh_surname_of(candidate: str) -> str | None:
    for compound in _COMPOUND_SURNAMES:
        if candidate.startswith(compound):
            return compound
    return candidate[:1] if candidate[:1] in _SURNAMES else None


def _zh_split_honorific(candidate: str) -> tuple[str, str]:
    for honorific in _ZH_HONORIFICS:
        if candidate.endswith(honorific) and len(candidate) > len(honorific):
            return candidate[: -len(honorific)], honorific
    return candidate, ""


def _zh_is_name(candidate: str) -> bool:
    """王明, 欧阳娜娜, 小李, 老王, 王先生, 李工, 陆总: a Chinese personal name or how one is addressed."""
    if not candidate or not _HAN_RUN.fullmatch(candidate) or candidate in _ZH_NOT_NAMES:
        return False
    if any(candidate.endswith(suffix) for suffix in _ZH_ORG_SUFFIXES if len(suffix) >= 2 or len(candidate) >= 3):
        return False  # 东方贸易, 华夏科技, 包装厂: a company, though 东方, 华 and 包 are surnames
    core, honorific = _zh_split_honorific(candidate)
    if len(core) == 2 and core[0] in _ZH_FAMILIAR and core[1] in _SURNAMES:
        return True
    surname = _zh_surname_of(core)
    if surname is None:
        return False
    given = core[len(surname):]
    if any(ch in _ZH_NAME_STOP_CHARS for ch in given):
        return False
    if honorific:
        return len(given) <= 2
    return 1 <= len(given) <= 2


def _zh_cut(text: str) -> str:
    """The leading run of Chinese characters, cut where the name or company phrase plainly ends."""
    match = _HAN_RUN.match(text)
    if not match:
        return ""
    run = match.group()
    for spelling in _ZH_SPELLINGS:
        run = run.replace(spelling, " ")
    run = _ZH_SPELLED_AS.sub(" ", run).split(" ")[0]
    for word in _ZH_CUT_WORDS:
        index = run.find(word)
        if index > 0:
            run = run[:index]
    return run


def _zh_name_from(text: str) -> str | None:
    """A name at the start of `text` ("王明找李娜" → 王明, "客户钱伟" → 钱伟), shortened if need be."""
    text = _ZH_RELATIONS.sub("", text, count=1)
    latin = _latin_name_at_start(text)
    if latin:
        return latin
    run = _zh_cut(text)
    for stop in ("是", "的", "找", "想", "要", "在", "打", "给", "来", "从", "和", "跟", "啊", "呢", "吧", "呀", "我", "请", "留"):
        index = run.find(stop, 1)
        if index > 0:
            run = run[:index]
    for length in range(min(len(run), 5), 1, -1):
        if _zh_is_name(run[:length]):
            return run[:length]
    return None


def _zh_looks_like_company(candidate: str, named_person_follows: bool = False) -> bool:
    """星辰贸易, 顺丰快递, 京东物流, 邮政; with a name after it (X的王五) almost anything but a pronoun."""
    if not candidate or len(candidate) > 30 or candidate in _ZH_PRONOUNS:
        return False
    if candidate[0] in _ZH_NOT_COMPANY_START or any(ch in "吗呢吧啊呀嗯给想" for ch in candidate):
        return False
    if any(candidate.endswith(s) and len(candidate) > len(s) for s in _ZH_ORG_SUFFIXES):
        return True
    if any(candidate.startswith(b) for b in _ZH_BRANDS):
        return True
    return named_person_follows and len(candidate) >= 2 and not _zh_is_name(candidate)


def _zh_company_text(text: str) -> str:
    """The company words at the start of `text`, without 来自/从 and a trailing 的 clause."""
    text = re.sub(r"^(?:来自|从)", "", text)
    return text.split("的", 1)[0].strip(_PUNCT)


def _zh_name_after_marker(text: str) -> str | None:
    """After 我叫 / 名字是, two or three characters are a name even with a rare surname (应秀兰)."""
    run = re.match(r"[\u4e00-\u9fff]{2,3}", text.strip(_PUNCT))
    if not run or any(ch in _ZH_NAME_STOP_CHARS for ch in run.group(0)):
        return None
    return run.group(0)


def _zh_surname_answer(rest: str) -> str | None:
    """After 姓: "王" → 王; "张，张三" / "张叫张三" → 张三; "王 王先生" → 王先生; "欧阳" → 欧阳."""
    rest = rest.strip(_PUNCT)
    surname = next((c for c in _COMPOUND_SURNAMES if rest.startswith(c)), rest[:1])
    if not surname or not _HAN.fullmatch(surname[0]):
        return None
    after = rest[len(surname):]
    full = re.search(re.escape(surname) + r"[\u4e00-\u9fff]{1,2}", after)
    if full:
        candidate = _zh_name_from(after[full.start():])
        if candidate and candidate.startswith(surname):
            return candidate
    if surname in _COMPOUND_SURNAMES or surname in _SURNAMES:
        return surname
    # after an explicit 姓 any surname counts (池, 计, 应: not every surname is in the list)
    return surname if surname not in _ZH_NAME_STOP_CHARS and after[:1] not in ("么", "啥") else None


def _zh_identity(text: str) -> Identity:
    """Name and company from a Chinese utterance, clause by clause."""
    name: str | None = None
    company: str | None = None
    bare_name: str | None = None
    clauses = _clauses(text)
    asks = bool(_ZH_ASKS_FOR.search(text))
    introducing = len(clauses) == 1 or not asks
    leading_name = None
    for index, clause in enumerate(clauses):
        found_name, found_company = _zh_clause_identity(clause)
        if index == 0 and not _ZH_ASKS_FOR.search(clause):
            leading_name = found_name  # "何志强 我是远洋集团的": the name, then the introduction
        completes = bool(name and found_name and found_name.startswith(name) and len(found_name) > len(name))
        if completes or (name is None and _ZH_SAYS_WHO.search(clause)):
            name = found_name or name  # "免贵姓张，张三": the full name completes the surname
        elif not _ZH_SAYS_WHO.search(clause) and (introducing or found_company):
            bare_name = bare_name or found_name  # "给孔燕留个言 我叫庞晓峰": the one introduced is the caller
        company = company or found_company
        # "我是中通的 周先生": a name right after an introduction is the caller's; after "我找…" it is not
        introducing = not asks or (bool(_ZH_SAYS_WHO.search(clause) or found_company)
                                   and not _ZH_ASKS_FOR.search(clause))
    return Identity(name or bare_name or (leading_name if company else None), company)


_ZH_ASKS_FOR = re.compile(r"找|转|接|给|留言|留个|请")


_ZH_SAYS_WHO = re.compile(r"我是|我叫|我姓|免贵|本人|我们是|这边是|这里是|我这边|名字|姓名|^姓|^叫")


def _zh_clause_identity(clause: str) -> tuple[str | None, str | None]:
    clause = re.sub(r"^(?:嗯|呃|额|啊|哦|喂|你好|您好|那个|就是)+", "", clause)
    clause = re.sub(r"^是(?=\S{2,}的$)", "", clause)  # "我叫欧阳娜娜 是华为的"
    if not clause:
        return None, None
    called = _ZH_CALLED.search(clause)
    if called:
        return _zh_name_from(called.group(1)) or _zh_name_after_marker(called.group(1)), None
    surname = _ZH_SURNAME.search(clause)
    if surname and not re.search(r"[找叫]", clause[: surname.start()]):
        return _zh_surname_answer(surname.group(1)), None
    company_is = _ZH_COMPANY_IS.search(clause)
    if company_is:
        candidate = _zh_company_text(company_is.group(1))
        return None, candidate if _zh_looks_like_company(candidate, named_person_follows=True) else None
    comes_from = _ZH_COMES_FROM.search(clause)
    if comes_from:
        candidate = _zh_company_text(comes_from.group(1))
        return None, candidate if _zh_looks_like_company(candidate) else None
    i_am = _ZH_I_AM.search(clause)
    if i_am:
        return _zh_whole_identity(i_am.group(1), bare=False)
    if clause.startswith("我") and "的" in clause:
        found = _zh_whole_identity(re.sub(r"^我们?", "", clause), bare=False)  # "我德邦物流的司机": 是 left out
        if found[1]:
            return found
    if clause.startswith(("我找", "找", "帮我", "请", "麻烦")) or re.search(r"找|转|接一下|留言|留个", clause):
        return None, None  # "年审的事得找钱总监": a request, not an introduction
    return _zh_whole_identity(clause, bare=True)


def _zh_whole_identity(text: str, bare: bool) -> tuple[str | None, str | None]:
    """"顺丰快递的小李", "星辰贸易的", "王明", "星辰贸易", "你们的客户钱伟", "来面试的" → (name, company).

    After 我是 a name may be followed by more ("我是王明找李娜"); a bare answer must be the name
    alone, so that "李娜在吗" is not taken for the caller's name.
    """
    if "的" in text:
        before, after = text.split("的", 1)
        before = re.sub(r"^(?:来自|从)", "", before)
        person = _zh_name_from(after) if after else None
        follows = person is not None or not after or bool(_ZH_JOB_TITLE.match(after))  # 江苏联华的副总
        if not bare and _ZH_CAME_TO.search(before):
            return person, None  # "前两天来面试的杨帆": what they came for, not where from
        is_company = _zh_looks_like_company(before, named_person_follows=follows)
        if is_company and not _zh_is_name(before):
            return person, before
        if person and before in _ZH_PRONOUNS:
            return person, None
        return None, None
    candidate = _zh_cut(text)
    if _zh_looks_like_company(candidate):
        return None, candidate
    person = _zh_name_from(text)
    if person and bare and _ZH_RELATIONS.sub("", candidate, count=1).rstrip("啊吧呀哈") != person:
        return None, None
    return person, None
