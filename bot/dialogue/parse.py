"""Reading the caller's answers: a name, a company, a number, yes or no, a choice, a score.

What arrives is a speech recogniser's output or a typed chat line, in Chinese or English:
no punctuation, digits as words ("一三九…", "five five five"), homophones, fillers. Each
function here takes that text (and, where the NLU found them, its entities), returns a plain
value or None when the text does not say it, and never raises, whatever the input.

None means "the caller did not say": the dialogue engine then asks again or offers the
operator. These functions guess only where a front-desk clerk would not hesitate either.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from bot.directory.spoken import DigitRun, digit_runs, digits_to_words, normalise

MAX_TEXT_CHARS = 2000
"""Longer text is cut before parsing: nobody answers a question with more."""
MAX_MATTER_CHARS = 200
MIN_PHONE_DIGITS = 5
MAX_PHONE_DIGITS = 15

_PUNCT = " \t\r\n.,!?;:。，！？；：、…~～\"'“”‘’()（）[]【】<>《》-—_/\\|"
_CLAUSE_BREAK = re.compile(r"[\s.,!?;:。，！？；：、…~～\"“”()（）\[\]【】<>《》|/\\]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’.\-]*")


def _clean(text: object) -> str:
    """Text as a bounded, NFKC-folded string with control characters dropped; '' for non-text."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS])
    return "".join(ch for ch in text if ch in "\t\n" or unicodedata.category(ch)[0] != "C").strip()


def _has_han(text: str) -> bool:
    return bool(_HAN.search(text))


def _entity(entities: Mapping[str, str] | None, key: str) -> str | None:
    """A non-empty entity value, tidied; None when absent or unusable."""
    if not entities or not isinstance(entities, Mapping):
        return None
    value = entities.get(key)
    if not isinstance(value, str):
        return None
    value = _clean(value).strip(_PUNCT)
    return value[:60] if value else None


def _clauses(text: str) -> list[str]:
    return [c for c in _CLAUSE_BREAK.split(text) if c]


# ============================================================================ names and companies


@dataclass(frozen=True)
class Identity:
    """Who the caller said they are, as far as they said it."""

    name: str | None = None
    company: str | None = None


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
    "印务", "印刷", "食品", "服饰", "文化", "教育", "机构", "协会", "委员会", "局", "厅", "厂", "店",
)
_ZH_BRANDS = (
    "顺丰", "京东", "圆通", "中通", "申通", "韵达", "邮政", "德邦", "极兔", "百世", "菜鸟", "美团", "饿了么",
    "闪送", "达达", "阿里巴巴", "阿里", "腾讯", "百度", "华为", "小米", "淘宝", "天猫", "拼多多", "滴滴",
    "新东方", "联想", "海尔", "格力",
)
_ZH_NOT_COMPANY_START = frozenset("来找给送帮去要想在是到过拿取办问说做我你他她这那")
_ZH_PRONOUNS = frozenset({"你们", "您们", "我们", "他们", "她们", "你", "您", "他", "她", "我", "贵公司", "这边", "那边"})

_ZH_CALLED = re.compile(r"(?:我的名字叫|我名字叫|我的名字是|我名字是|我的姓名是|姓名是|名字叫|名字是|本人叫|我叫|叫我|我是叫)(.+)")
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
    for stop in ("是", "的", "找", "想", "要", "在", "打", "给", "来", "从", "和", "跟", "啊", "呢", "吧", "呀", "我", "请"):
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
    if candidate[0] in _ZH_NOT_COMPANY_START or any(ch in "吗呢吧啊呀嗯" for ch in candidate):
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
    return surname if (surname in _COMPOUND_SURNAMES or surname in _SURNAMES) else None


def _zh_identity(text: str) -> Identity:
    """Name and company from a Chinese utterance, clause by clause."""
    name: str | None = None
    company: str | None = None
    for clause in _clauses(text):
        found_name, found_company = _zh_clause_identity(clause)
        if name is None or (found_name and found_name.startswith(name) and len(found_name) > len(name)):
            name = found_name or name  # "免贵姓张，张三": the full name completes the surname
        company = company or found_company
    return Identity(name, company)


def _zh_clause_identity(clause: str) -> tuple[str | None, str | None]:
    clause = re.sub(r"^(?:嗯|呃|额|啊|哦|喂|你好|您好|那个|就是)+", "", clause)
    if not clause:
        return None, None
    called = _ZH_CALLED.search(clause)
    if called:
        return _zh_name_from(called.group(1)), None
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
    if clause.startswith(("我找", "找", "帮我", "请", "麻烦")):
        return None, None
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
        is_company = _zh_looks_like_company(before, named_person_follows=person is not None or not after)
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


# --------------------------------------------------------------------------------- English names

_EN_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "madam", "mx"})
_EN_STOP = frozenset("""
a an the and or but if so of to in on at by for from with without about regarding re as into onto than then
i i'm im me my mine we we're us our you you're your yours he him his she her they them their it it's its
this that these those there here what who whom which where when why how whose
is am are was were be been being do does did done have has had having will would shall should can could may
might must not no yes yeah yep yup nope nah ok okay okey sure fine alright right well oh um uh er erm hmm
hello hi hey dear thanks thank please sorry excuse pardon bye goodbye morning afternoon evening
calling call called speaking speak talk talking looking look trying try want wanted wanting need needs like
would just only also again back returning return get got go going went come coming came see saw know knew
tell told ask asked say said give gave leave left take took make made let put keep hold wait waiting
customer client supplier vendor visitor guest colleague friend partner candidate delivery courier driver
interested important urgent emergency new old good great bad happy glad busy free available late early
number phone mobile cell line extension message name surname first last email address office home work
someone somebody anyone anybody nobody everyone person people manager department boss operator reception
something anything nothing everything one two three four five six seven eight nine ten zero
today tomorrow yesterday now later soon earlier before after time minute minutes hour hours day days week
very really quite actually basically maybe perhaps probably definitely certainly course
appointment meeting interview invoice payment order parcel package
i'd i'll i've we'll we've that's what's let's can't don't won't isn't wasn't didn't doesn't there's who's
""".split())
_EN_COMPANY_STOP = _EN_STOP - {"new", "first", "good", "great", "one", "global"}
_EN_ORG_SUFFIXES = frozenset({
    "corp", "corporation", "inc", "incorporated", "ltd", "limited", "llc", "llp", "plc", "co", "company", "group",
    "bank", "technologies", "technology", "tech", "logistics", "express", "consulting", "systems", "solutions",
    "trading", "holdings", "partners", "associates", "media", "foods", "travel", "legal", "hotels", "hotel",
    "airlines", "insurance", "couriers", "industries", "international", "labs", "studio", "studios", "gmbh", "ag",
})
_EN_INTRO = re.compile(
    r"\b(?:my name is|my name's|the name is|the name's|name is|name's|this is|it's|it is|i'm|i am|im|"
    r"you can call me|call me|i go by|you're speaking with|you are speaking with|speaking with|here is)\s+",
    re.IGNORECASE,
)
_EN_NAME_ENDS = frozenset({"here", "speaking", "calling", "from", "with", "of", "at", "and", "a", "an", "the"})
_EN_COMPANY_INTRO = re.compile(
    r"\b(?:calling from|i'm from|im from|i am from|from|on behalf of|representing|i represent|"
    r"i work for|i work at|work for|work at|works for|works at|my company is|our company is|the company is|"
    r"company name is|company's|company is|company called|i'm with|im with|i am with|we're with|we are with)\s+"
    r"(?:the\s+)?",
    re.IGNORECASE,
)
_EN_SURNAME_FIRST = re.compile(r"\b(?:surname|last name|family name)\s+(\w+)\W+(?:and\s+)?(?:my\s+)?first name\s+(\w+)",
                               re.IGNORECASE)


_LATIN_NAME_WORD = re.compile(r"[a-zà-öø-ÿ][a-zà-öø-ÿ'’\-]{0,19}")


def _name_token(word: str) -> bool:
    bare = word.lower().strip(".'’-")
    return (bool(_LATIN_NAME_WORD.fullmatch(bare)) and not bare.endswith(("'s", "’s"))
            and bare.replace("’", "'") not in _EN_STOP)


def _title_case(words: list[str]) -> str:
    return " ".join(w if any(c.isupper() for c in w) else w[:1].upper() + w[1:] for w in words)


def _latin_name_at_start(text: str) -> str | None:
    """"John Smith from Acme" → John Smith, "Dr. Patel" → Dr. Patel, "Victoria a supplier" → Victoria."""
    words = text.split()
    name: list[str] = []
    for word in words:
        bare = word.strip(_PUNCT).strip(".")
        if not bare:
            break
        if bare.lower() in _EN_TITLES and not name:
            name.append(bare.capitalize() + ".")
            continue
        if not _name_token(bare) or len(name) >= 4:
            break
        name.append(bare)
        if word.endswith((",", ";")):
            break
    real = [w for w in name if w.lower().rstrip(".") not in _EN_TITLES]
    if not real or not _LATIN_WORD.fullmatch(real[0]):
        return None
    if real[-1].lower() in _EN_ORG_SUFFIXES:
        return None
    return _title_case(name)


def _en_company_at_start(text: str) -> str | None:
    """"Acme Corp about the invoice" → Acme Corp; "my mobile" → None."""
    words: list[str] = []
    for word in text.split()[:8]:
        bare = word.strip(_PUNCT.replace("&", "").replace(".", ""))
        if not bare or (bare.lower() in _EN_COMPANY_STOP and bare.lower() not in _EN_ORG_SUFFIXES):
            break
        words.append(bare.rstrip("."))
        if word.endswith((",", ";")) or len(words) >= 5:
            break
    if not words or not any(ch.isalpha() for ch in words[0]):
        return None
    return " ".join(words)


def _en_identity(text: str) -> Identity:
    company = None
    for match in _EN_COMPANY_INTRO.finditer(text):
        company = _en_company_at_start(text[match.end():])
        if company:
            break
    swapped = _EN_SURNAME_FIRST.search(text)
    if swapped and _name_token(swapped.group(1)) and _name_token(swapped.group(2)):
        return Identity(_title_case([swapped.group(2), swapped.group(1)]), company)
    name = None
    for match in _EN_INTRO.finditer(text):
        following = text[match.end():]
        if re.match(r"(?:with|from|calling)\b", following, re.IGNORECASE):
            continue
        name = _latin_name_at_start(following)
        if name:
            company = company or _en_company_after_name(following, name)
            break
    if name is None:
        name = _en_bare_name(text)
    if name and company and name.lower() == company.lower():
        name = None
    return Identity(name, company or _en_bare_company(text))


def _en_company_after_name(text: str, name: str) -> str | None:
    """"Kim with Northwind" → Northwind: "with" right after the caller's name names the company."""
    rest = " ".join(text.split()[len(name.split()):])
    match = re.match(r"[\s,]*(?:with|from|of)\s+(?:the\s+)?", rest, re.IGNORECASE)
    return _en_company_at_start(rest[match.end():]) if match else None


def _en_bare_name(text: str) -> str | None:
    """A whole answer that is just a name, possibly followed by "here", "speaking", "from X"."""
    text = re.sub(r"^(?:hi|hello|hey|yes|yeah|oh|um|uh|well)\b[\s,]*", "", text.strip(), flags=re.IGNORECASE)
    name = _latin_name_at_start(text)
    if not name:
        return None
    rest = text.split()[len(name.split()):]
    if not rest or rest[0].strip(_PUNCT).lower() in _EN_NAME_ENDS or text.split()[len(name.split()) - 1].endswith(","):
        return name
    return None


def _en_bare_company(text: str) -> str | None:
    """"Acme Corp", "Harbor Bank": a whole answer that ends like a company name."""
    words = text.strip(_PUNCT).split()
    if 1 < len(words) <= 6 and words[-1].lower().strip(".") in _EN_ORG_SUFFIXES:
        candidate = _en_company_at_start(text)
        if candidate and len(candidate.split()) == len(words):
            return candidate
    return None


# ------------------------------------------------------------------------------------ public


def caller_identity(text: str, entities: Mapping[str, str] | None = None) -> Identity:
    """The caller's own name and company from one utterance; the NLU's entities win when present."""
    clean = _clean(text)
    if not clean:
        found = Identity()
    elif _has_han(clean):
        found = _zh_identity(clean)
    else:
        found = _en_identity(clean)
    return Identity(
        name=_entity(entities, "caller_name") or found.name,
        company=_entity(entities, "company") or found.company,
    )


def caller_name(text: str, entities: Mapping[str, str] | None = None) -> str | None:
    """The caller's own name: "我叫王明" → 王明, "我姓王" → 王, "我是顺丰快递的小李" → 小李,
    "this is John from Acme" → John; None for "我找李娜", "不知道", "ok"."""
    return caller_identity(text, entities).name


def company(text: str, entities: Mapping[str, str] | None = None) -> str | None:
    """The caller's company: "我是星辰贸易的王五" → 星辰贸易, "from Acme Corp" → Acme Corp."""
    return caller_identity(text, entities).company


# ============================================================================ phone numbers

_SAID_ZEROS_BEFORE = re.compile(r"(?:^|\s)((?:(?:oh|o)\s+)+)$")
""""oh two one …": spoken.digit_runs drops a leading "oh" as an exclamation; in a phone number it is 0."""
_PLUS_BEFORE = re.compile(r"(?:\+|\bplus|加)\s*$")
_JOINERS = re.compile(r"^[\s\-–—.,，、()（）/]*$")


def phone_number(text: str) -> str | None:
    """A call-back number as digits, with a leading + for an international one; None unless 5–15 digits.

    Reads "139 1234 5678", "一三九一二三四五六七八", "幺三九…", "+86 139-1234-5678",
    "five five five zero one three four", "021-5888 1234". With several numbers, the one after
    a keyword (电话, number...) wins, then the longest valid one.
    """
    clean = normalise(_clean(text))
    if not clean:
        return None
    try:
        runs = digit_runs(clean)
    except (ValueError, IndexError, KeyError):
        return None
    candidates = []
    for start, digits, keyed in _joined_runs(clean, runs):
        zeros = _SAID_ZEROS_BEFORE.search(clean[max(0, start - 12):start])
        if zeros:
            digits = "0" * len(zeros.group(1).split()) + digits
        plus = "+" if _PLUS_BEFORE.search(clean[max(0, start - 6):start]) else ""
        if MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
            candidates.append((keyed, len(digits), plus + digits))
    if not candidates:
        return None
    return max(candidates, key=lambda c: (c[0], c[1]))[2]


def _joined_runs(text: str, runs: list[DigitRun]) -> list[tuple[int, str, bool]]:
    """(start, digits, after a keyword) per number; runs separated only by punctuation
    ("139，1234，5678") are one number."""
    joined: list[list] = []
    for run in runs:
        if joined and _JOINERS.match(text[joined[-1][1]:run.start]):
            joined[-1][1:4] = [run.end, joined[-1][2] + run.digits, joined[-1][3] or run.after_keyword]
        else:
            joined.append([run.start, run.end, run.digits, run.after_keyword])
    return [(start, digits, keyed) for start, _, digits, keyed in joined]


def format_number_for_readback(digits: str, language: str) -> str:
    """A number read back digit by digit in groups: "13912345678" → "一三九 一二三四 五六七八" /
    "one three nine, one two three four, five six seven eight". '' when there are no digits."""
    clean = _clean(digits)
    plus = clean.startswith("+")
    only = "".join(ch for ch in clean if ch.isascii() and ch.isdigit())
    if not only:
        return ""
    groups = _groups(only, plus)
    zh = str(language or "").lower().startswith("zh")
    if zh:
        return " ".join(digits_to_words(g, "zh") for g in groups)
    return ", ".join(digits_to_words(g, "en") for g in groups)


def _groups(digits: str, plus: bool) -> list[str]:
    if plus:
        code_length = 1 if digits[:1] in ("1", "7") else 2
        return ["+" + digits[:code_length], *_groups(digits[code_length:], False)] if len(digits) > code_length \
            else ["+" + digits]
    if len(digits) == 11 and digits.startswith("1"):
        return [digits[:3], digits[3:7], digits[7:]]
    if digits.startswith("0") and len(digits) >= 9:
        area = 3 if digits[1] in "12" else 4
        return [digits[:area], *_groups(digits[area:], False)]
    return _groups_of_four(digits)


_GROUPING = {6: (3, 3), 7: (3, 4), 8: (4, 4), 9: (3, 3, 3), 10: (3, 3, 4), 11: (3, 4, 4), 12: (4, 4, 4)}
"""How a number of each length is grouped when read back (the way people say them)."""


def _groups_of_four(digits: str) -> list[str]:
    """"555 0134", "5888 1234", "415 555 0199"; longer numbers in fours, short ones whole."""
    if len(digits) <= 5:
        return [digits]
    sizes = _GROUPING.get(len(digits))
    if sizes is None:
        head = {0: 4, 1: 5}.get(len(digits) % 4, len(digits) % 4)
        sizes = (head, *[4] * ((len(digits) - head) // 4))
    groups, index = [], 0
    for size in sizes:
        groups.append(digits[index:index + size])
        index += size
    return groups


def wants_same_number(text: str) -> bool:
    """The caller wants the call back on the line they are calling from: "就打这个号码", "本机",
    "the number I'm calling from"; not "不是这个号码" / "not this number"."""
    clean = _clean(text).lower()
    if not clean:
        return False
    if phone_number(clean) is not None:
        return False
    compact = re.sub(r"\s+", "", clean)
    if re.search(r"不是这个|不要打这个|别打这个|不用这个|换一个|另一个号", compact):
        return False
    if re.search(r"\bnot (?:this|the same|the one)\b|\bdifferent number\b|\banother number\b|\bdon'?t use\b", clean):
        return False
    if re.search(r"本机|来电号码|来电显示|这个号|这个电话|现在这个|打过来的|现在打的|原号码|这部手机|这个手机|能看到|这个就行|就打这个",
                 compact):
        return True
    return bool(re.search(
        r"\b(?:this|same|current) (?:number|line|phone|mobile)\b|\b(?:number|line|phone|one) (?:i'?m|i am) calling (?:from|on)\b"
        r"|\bcaller ?id\b"
        r"|\bnumber (?:you see|on your screen|that came up|showing)\b|\bthe one i'?m (?:on|using)\b",
        clean,
    ))


# ============================================================================ yes / no

_ZH_UNSURE = re.compile(r"不知道|不确定|不清楚|说不好|说不准|不一定|看情况|再说吧|我想想|考虑一下|随便")
_ZH_QUESTION = re.compile(r"是不是|对不对|好不好|行不行|可不可以|要不要|能不能|需不需要|有没有|吗$|么$|什么|为什么|怎么")
_ZH_AFFIRM_DESPITE_NEGATION = re.compile(r"没问题|没关系|没事|不错|不客气|不介意|当然|那当然|可不是")
_ZH_STRONG = [
    (False, re.compile(r"不用|不要|不需要|不必|算了|不了|不行|不对|不是|不可以|不好|别|没有|没|不|否|拒绝")),
    (True, re.compile(r"是的|是啊|是|对的|对啊|对|没错|正确|可以|行|需要|要|麻烦你|麻烦您|麻烦了|有|好啊|确定|确认|同意|当然|成|嗯嗯")),
]
_ZH_WEAK_AFFIRM = re.compile(r"好的|好|嗯|哦|噢|ok")
_ZH_POLITE = re.compile(r"对不起|不好意思|抱歉|谢谢|多谢")
_EN_UNSURE = re.compile(r"\b(?:not sure|i don'?t know|dunno|no idea|maybe|perhaps|depends|let me think)\b")
_EN_AFFIRM_DESPITE_NEGATION = re.compile(r"\b(?:no problem|not a problem|no worries|why not|of course not a problem|i don'?t mind|don'?t mind)\b")
_EN_QUESTION = re.compile(r"^(?:is|are|do|does|can|could|would|will|what|why|how|who|which|where|when)\b")
_EN_DENY = re.compile(r"\b(?:no|nope|nah|not|don'?t|do not|never mind|nevermind|negative|cancel|no thanks|no thank you|rather not|wrong|incorrect)\b")
_EN_AFFIRM = re.compile(r"\b(?:yes|yeah|yep|yup|ya|sure|please do|go ahead|do it|correct|right|absolutely|definitely|certainly|of course|affirmative|indeed|that's it|that is it|that's right|exactly|i would|i do|i did|great|perfect|fine|alright|all right)\b")
_EN_WEAK_AFFIRM = re.compile(r"\b(?:ok|okay|okey|k|please|well|oh)\b")


def yes_no(text: str, intent: str | None = None) -> bool | None:
    """Yes (True), no (False) or not said (None).

    The engine passes `intent` ("affirm" / "deny") only when the NLU is confident, and then it
    wins. Otherwise the first decided word counts ("是的，不过不急" → yes), except that a soft
    opener ("好", "嗯", "ok") gives way to what follows ("好的不用了" → no). Questions back
    ("是不是…") and "不知道" are None.
    """
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    clean = _clean(text).lower()
    if not clean:
        return None
    if _has_han(clean):
        return _zh_yes_no(re.sub(r"\s+", "", clean))
    return _en_yes_no(clean)


def _zh_yes_no(text: str) -> bool | None:
    if _ZH_UNSURE.search(text) or _ZH_QUESTION.search(text):
        return None
    text = _ZH_AFFIRM_DESPITE_NEGATION.sub("是", _ZH_POLITE.sub("", text))
    first: tuple[int, bool] | None = None
    for answer, pattern in _ZH_STRONG:
        match = pattern.search(text)
        if match and (first is None or match.start() < first[0]):
            first = (match.start(), answer)
    if first is not None:
        return first[1]
    return True if _ZH_WEAK_AFFIRM.search(text) else None


def _en_yes_no(text: str) -> bool | None:
    if _EN_UNSURE.search(text) or (_EN_QUESTION.match(text) and not re.match(r"^(?:do|can|could|would) (?:it|so)\b", text)):
        return None
    text = _EN_AFFIRM_DESPITE_NEGATION.sub(" yes ", text)
    deny, affirm = _EN_DENY.search(text), _EN_AFFIRM.search(text)
    if deny and affirm:
        return affirm.start() < deny.start()
    if deny:
        return False
    if affirm:
        return True
    return True if _EN_WEAK_AFFIRM.search(text) else None


# ============================================================================ choices and scores

_ZH_NUMERALS = {"一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_EN_ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5, "5th": 5,
    "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8, "8th": 8, "ninth": 9, "9th": 9, "tenth": 10,
}
_EN_CARDINALS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10}


def _number_word(word: str) -> int | None:
    word = word.strip().lower()
    if word.isascii() and word.isdigit():
        return int(word) if len(word) <= 2 else None
    if word in _EN_CARDINALS:
        return _EN_CARDINALS[word]
    if word and all(ch in _ZH_NUMERALS for ch in word) and len(word) <= 2:
        if word == "十":
            return 10
        if len(word) == 2 and word[0] == "十":
            return 10 + _ZH_NUMERALS[word[1]]
        return _ZH_NUMERALS[word[0]] if len(word) == 1 else None
    return None


def ordinal_choice(text: str, count: int) -> int | None:
    """Which of `count` offered options the caller picked, 0-based: "第二位" → 1, "后面那个" → the
    last, "倒数第二个", "the first one", "number two", "2"; None when unclear or out of range."""
    if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
        return None
    clean = _clean(text).lower()
    if not clean:
        return None
    position = _zh_ordinal(re.sub(r"\s+", "", clean), count) if _has_han(clean) else _en_ordinal(clean, count)
    if position is None:
        return None
    index = position - 1 if position > 0 else count + position
    return index if 0 <= index < count else None


def _zh_ordinal(text: str, count: int) -> int | None:
    """Position 1-based from the front, or negative from the back (-1 = last)."""
    from_end = re.search(r"倒数第([一二两三四五六七八九十\d]{1,2})", text)
    if from_end:
        value = _number_word(from_end.group(1))
        return -value if value else None
    nth = re.search(r"第([一二两三四五六七八九十\d]{1,2})", text)
    if nth:
        return _number_word(nth.group(1))
    if re.search(r"最后|后面|后边|后一|下面|下边|后者", text):
        return -1
    if re.search(r"前面|前边|前一|上面|上边|前者|头一", text):
        return 1
    if re.search(r"中间", text) and count % 2 == 1:
        return count // 2 + 1
    bare = re.fullmatch(r"(?:就|选|要)?([一二两三四五六七八九十\d]{1,2})(?:号|个|位)?(?:吧|啊)?", text)
    return _number_word(bare.group(1)) if bare else None


def _en_ordinal(text: str, count: int) -> int | None:
    words = re.findall(r"[a-z0-9]+", text)
    joined = " ".join(words)
    from_end = re.search(r"\b(?:second|2nd) (?:to|from) (?:the )?last\b|\blast but one\b|\bpenultimate\b", joined)
    if from_end:
        return -2
    if re.search(r"\b(?:last|latter|final|bottom)\b", joined):
        return -1
    if re.search(r"\b(?:former|top)\b", joined):
        return 1
    if re.search(r"\bmiddle\b", joined) and count % 2 == 1:
        return count // 2 + 1
    for word in words:
        if word in _EN_ORDINALS:
            return _EN_ORDINALS[word]
    numbered = re.search(r"\b(?:number|no|option|choice)\s+([a-z0-9]+)\b", joined)
    if numbered:
        return _number_word(numbered.group(1))
    bare = re.fullmatch(r"(?:the )?([a-z0-9]+)(?: one)?(?: please)?", joined)
    return _number_word(bare.group(1)) if bare else None


_SCORE_WORDS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(r"非常不满意|很不满意|特别不满意|极不满意|太差|很差|非常差|特别差|极差|糟糕|垃圾|差劲|"
                   r"\b(?:terrible|awful|horrible|very bad|very poor|very dissatisfied|very unsatisfied|"
                   r"very unhappy|extremely (?:bad|poor|dissatisfied)|worst|useless)\b")),
    (2, re.compile(r"不太满意|不满意|不是很满意|不怎么样|不太好|不好|较差|比较差|有点差|^差$|失望|"
                   r"\b(?:not (?:very |really |too )?(?:satisfied|happy|good|great)|dissatisfied|unsatisfied|"
                   r"unhappy|bad|poor|disappointed|disappointing)\b")),
    (5, re.compile(r"非常满意|十分满意|很满意|特别满意|太满意|超级满意|非常好|特别好|太好了|满分|完美|好极了|"
                   r"\b(?:very satisfied|extremely satisfied|very happy|excellent|perfect|outstanding|"
                   r"fantastic|amazing|brilliant|wonderful|superb|very good|really good|great)\b")),
    (4, re.compile(r"比较满意|挺满意|还算满意|满意|挺好|很好|不错|好的|好|"
                   r"\b(?:satisfied|happy|good|pretty good|quite good|not bad|nice|pleased)\b")),
    (3, re.compile(r"一般|还行|差不多|还可以|马马虎虎|凑合|过得去|普通|中等|"
                   r"\b(?:okay|ok|so so|so-so|average|alright|all right|fine|fair|mediocre|neutral|decent)\b")),
]
_ZH_SCORE = re.compile(r"([1-5一二两三四五])\s*(?:分|颗星|星|颗)")
_EN_SCORE = re.compile(r"\b([1-5]|one|two|three|four|five)\s*(?:out of (?:5|five)|/\s*5|stars?|points?)\b|\b(?:a|an)\s+([1-5])\b")


def satisfaction_score(text: str, entities: Mapping[str, str] | None = None) -> int | None:
    """A satisfaction score 1–5 from "五分", "5", "five stars", "非常满意" (5), "满意" (4),
    "一般" (3), "不满意" (2), "很差" (1); the NLU's `score` entity wins when it is 1–5."""
    entity = _entity(entities, "score")
    if entity:
        value = _number_word(entity)
        if value is not None and 1 <= value <= 5:
            return value
    clean = _clean(text).lower()
    if not clean:
        return None
    number = _score_number(clean)
    if number is not None:
        return number
    text_for_words = clean.replace("not bad", "pretty good")
    for score, pattern in _SCORE_WORDS:
        if pattern.search(text_for_words):
            return score
    return None


def _score_number(text: str) -> int | None:
    compact = text.strip(_PUNCT)
    value = _number_word(compact)
    if value is not None:
        return value if 1 <= value <= 5 else None
    if "满分" in text or re.search(r"\bfull marks\b", text):
        return 5
    match = _ZH_SCORE.search(text)
    if match and not re.search(r"十分$", text[: match.end()]):
        return _number_word(match.group(1))
    match = _EN_SCORE.search(text)
    if match:
        return _number_word(match.group(1) or match.group(2))
    return None


# ============================================================================ urgency and the matter

_ZH_NOT_URGENT = re.compile(r"不(?:是很|太|怎么|用|必|需要)?(?:着急|急|紧急|赶)|没(?:那么|什么)?(?:急|着急)|不要紧|慢慢来|有空再|方便的时候")
_EN_NOT_URGENT = re.compile(
    r"\bnot (?:that |very |really |too |an? )?(?:urgent|emergency|pressing|rush|hurry|in a hurry|important)\b"
    r"|\bno (?:rush|hurry|urgency)\b|\bwhenever\b|\bin (?:his|her|their) own time\b|\bnothing urgent\b|\bnon-?urgent\b"
)
_ZH_URGENT = re.compile(r"急|紧急|火急|马上|尽快|赶紧|赶快|立刻|立即|越快越好|要紧|加急|十万火急|刻不容缓")
_EN_URGENT = re.compile(
    r"\b(?:urgent|urgently|emergency|asap|a\.s\.a\.p|as soon as possible|right away|immediately|"
    r"critical|in a hurry|hurry|time[- ]sensitive)\b"
)


def is_urgent(text: str) -> bool:
    """Whether the caller says it is urgent (很急, 尽快, urgent, asap), not "不急" / "not urgent"."""
    clean = _clean(text).lower()
    if not clean:
        return False
    compact = re.sub(r"\s+", "", clean)
    remaining_zh = _ZH_NOT_URGENT.sub(" ", compact)
    remaining_en = _EN_NOT_URGENT.sub(" ", clean)
    return bool(_ZH_URGENT.search(remaining_zh) or _EN_URGENT.search(remaining_en))


_ZH_FILLERS = ("是这样的", "是这样", "这样的", "就是说", "就是", "那个", "这个", "然后", "我想说", "我想说的是",
               "嗯", "呃", "额", "啊", "哦", "噢", "喂")
_EN_FILLER_WORDS = re.compile(r"\b(?:um+|uh+|uhm|erm|er|hmm+|mm+|ah)\b[,\s]*", re.IGNORECASE)
_EN_LEADING = re.compile(r"^(?:well|so|like|okay|ok|you know|basically|yeah|right)\b[,\s]*", re.IGNORECASE)
_ZH_LONE_FILLERS = re.compile(r"[嗯呃]+")


def clean_matter(text: str) -> str:
    """The caller's matter for a message or an announcement, without fillers ("嗯", "那个", "就是",
    "是这样的", "um", "uh"), spaces tidied, at most about 200 characters ('' when nothing is left)."""
    clean = _clean(text)
    if not clean:
        return ""
    clean = _ZH_LONE_FILLERS.sub("", _EN_FILLER_WORDS.sub("", clean))
    clean = re.sub(r"\s+", " ", clean).strip(_PUNCT.replace("?", "").replace("？", ""))
    previous = None
    while previous != clean:
        previous = clean
        clean = _EN_LEADING.sub("", clean)
        for filler in _ZH_FILLERS:
            if clean.startswith(filler) and len(clean) > len(filler):
                clean = clean[len(filler):]
        clean = clean.lstrip(_PUNCT)
    clean = clean.rstrip(" ,，、")
    return _shorten(clean, MAX_MATTER_CHARS)


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if not _has_han(cut[-20:]) and " " in cut[limit // 2:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,，、") + "…"
