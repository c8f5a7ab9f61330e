"""Routing by meaning: which department handles what the caller describes, in their own words.

An organisation file's `topics:` list a few words per department, and callers use others: "你们的
产品侵犯了我们的专利" is for Legal, "last month's freight invoice" for Finance, "我想应聘" for HR.
This module holds a bilingual lexicon of what common departments handle (`DOMAINS`), maps each
domain onto the organisation's departments by their names and aliases (a department called 法务部
or "Legal" handles legal matters), and scores an utterance against every department: the
lexicon's words, plus the department's own topics.

`TopicRouter.route(text)` returns the departments it points to, best first, and whether the best
is clearly ahead. The dialogue connects to a clear winner and otherwise names the two best and
lets the caller choose, never the operator by default. Nothing here is learned from training data:
a directory change (a department renamed, one added) takes effect at once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.org.model import Department, Directory

CLEAR_RATIO = 1.6
"""With a word that settles it, the best department is clear at this many times the second."""
FAR_AHEAD = 3.0
"""Without one, it must be more than this many times the second."""
MIN_SCORE = 1.0
"""Less than one full word of evidence is no evidence for the best department."""
MIN_SECOND = 0.5
"""…but a second department with a single character ("税那边") is still worth offering."""
OWN_TOPIC_WEIGHT = 1.5
STRONG_WEIGHT = 1.8
"""A department's own `topics:` say more than the general lexicon."""


@dataclass(frozen=True)
class Domain:
    """A kind of department: the words in its name that identify it, and what callers say about
    the matters it handles (both languages; English words match as word prefixes: "infring")."""

    id: str
    marks: tuple[str, ...]
    words: tuple[str, ...]
    strong: tuple[str, ...] = ()
    """Words that settle it on their own ("invoice" in "freight invoice" is Finance's)."""


DOMAINS: tuple[Domain, ...] = (
    Domain("legal", ("法务", "法律", "法规", "legal", "law"), (
        "专利", "侵权", "侵犯", "商标", "版权", "著作权", "知识产权", "律师函", "律师", "诉讼", "起诉", "官司", "仲裁", "法院",
        "传票", "违约", "合同纠纷", "条款", "合规", "法律", "索赔", "patent", "infring", "trademark", "copyright",
        "intellectual property", "lawsuit", "sue ", "suing", "litigation", "court", "subpoena", "arbitration",
        "legal", "breach", "clause", "lawyer", "attorney", "cease and desist", "compliance", "claim for damages",
        "假冒", "仿冒", "山寨", "盗版", "冒牌", "counterfeit", "fake", "knock-off", "knockoff", "pirat", "logo",
        "look exactly like"),
        strong=("专利", "侵权", "律师函", "诉讼", "起诉", "假冒", "仿冒", "patent", "infring", "lawsuit", "litigation",
                "cease and desist", "counterfeit", "fake")),
    Domain("contracts", ("法务", "legal", "销售", "sales"), (
        "合同", "协议", "contract", "agreement")),
    Domain("finance", ("财务", "会计", "出纳", "结算", "finance", "financial", "accounting", "accounts"), (
        "发票", "开票", "付款", "货款", "打款", "欠款", "回款", "对账", "账单", "报销", "收款", "转账", "汇款", "结算", "账期",
        "钱还没", "没付", "拖欠", "invoice", "payment", "paid", "billing", "bill ", "remittance", "statement of account",
        "reconcil", "overdue", "accounts payable", "accounts receivable", "wire transfer"),
        strong=("发票", "货款", "对账", "invoice", "payment", "paid", "overdue")),
    Domain("hr", ("人力", "人事", "hr", "human resources", "personnel", "people"), (
        "应聘", "求职", "招聘", "招人", "招工", "普工", "简历", "面试", "入职", "离职", "工资条", "岗位", "找工作", "工作机会",
        "实习", "在招", "还招", "招不招", "job", "vacanc", "opening for", "career", "recruit", "hiring", "resume", "cv ", "my cv",
        "apply for", "application for the", "position", "employment", "internship"),
        strong=("应聘", "求职", "简历", "招聘", "在招", "还招", "招不招", "job", "resume", "my cv", "recruit", "vacanc")),
    Domain("procurement", ("采购", "供应链", "purchasing", "procurement", "sourcing", "supply chain"), (
        "供应商", "供货", "合格供应商", "投标", "招标", "采购", "进货", "询价单", "supplier", "vendor", "supply you",
        "tender", "bid", "purchase order", "whoever places your orders", "sourcing"),
        strong=("供应商", "supplier", "vendor", "purchase order")),
    Domain("tenders", ("招投标", "投标部", "招标部", "tender", "bids"), (
        "标书", "投标", "中标", "招标", "资质", "集采", "带量采购", "bid", "tender", "qualification certificate",
        "centralised purchasing", "centralized purchasing"),
        strong=("标书", "投标", "中标", "招标", "bid", "tender")),
    Domain("sales", ("销售", "营销", "业务部", "市场部", "sales", "marketing", "business development"), (
        "买", "购买", "价格", "多少钱", "什么价", "报价", "订购", "订货", "订单", "订的", "下单", "order ", "our order", "代理", "经销", "样品", "样机", "产品介绍",
        "优惠", "buy", "purchas", "price", "quote", "quotation", "pricing", "how much", "distributor", "dealer",
        "brochure", "demo", "place an order", "order some", "discount", "卖给我们", "卖给我们的", "签单", "签合同",
        "sold us", "sold me", "signed the order", "our account manager", "salesman", "salesperson"),
        strong=("报价", "询价", "quote", "quotation", "a price", "price for", "how much")),
    Domain("service", ("售后", "客服", "维修", "after-sales", "customer service", "service department",
                       "customer support", "technical support"), (
        "坏了", "故障", "维修", "修一下", "堵了", "卡纸", "不工作", "不能用", "用不了", "不好用", "报修", "保修", "退货",
        "换货", "质量问题", "出问题", "毛病", "安装", "调试", "不出墨", "不打印", "broken", "repair", "fault", "not working",
        "jam", "warranty", "return", "replacement", "defect", "error code", "stopped working", "keeps failing",
        "doesn't work", "does not work", "malfunction", "install", "修机器", "修的", "来修", "没人来修", "白杠", "糊了",
        "打不出", "报错", "fix the", "fix our", "technician", "engineer to come"),
        strong=("坏了", "故障", "报修", "保修", "broken", "repair", "not working", "warranty", "stopped working")),
    Domain("engineering", ("技术部", "研发", "技术中心", "工程部", "engineering", "r&d", "research and development"), (
        "硬件", "软件", "电路", "图纸", "研发", "固件", "技术方案", "技术参数", "接口", "hardware", "software", "firmware",
        "circuit", "drawing", "technical spec", "engineer")),
    Domain("it", ("信息部", "信息中心", "信息技术", "it部", "电脑部", "it support", "it helpdesk", "information systems",
                  "information technology"), (
        "电脑", "上不了网", "断网", "网络", "共享盘", "邮箱", "密码", "系统权限", "账号", "登录", "vpn", "打印机连",
        "computer", "laptop", "network", "internet", "email account", "password", "log in", "login",
        "account locked", "shared drive", "wifi")),
    Domain("admin", ("行政", "总务", "后勤", "administration", "facilities", "general affairs"), (
        "会议室", "访客", "停车", "车位", "车辆", "办公用品", "保洁", "门禁", "空调", "饮水", "食堂", "meeting room",
        "parking", "visitor badge", "cleaning", "office supplies", "access card", "air conditioning", "canteen")),
    Domain("logistics", ("物流", "储运", "仓储", "运输", "logistics", "shipping", "warehouse", "distribution"), (
        "发货", "送货", "货车", "司机", "到货", "物流", "运单", "仓库", "提货", "配送", "发出来", "发出", "还没到", "没收到货",
        "几点能到", "shipment", "shipping", "delivery ", "truck", "driver", "tracking", "warehouse", "dispatch",
        "ship ", "ships", "arrive", "freight", "consignment", "pick up the goods"),
        strong=("发货", "送货", "货车", "物流", "shipment", "tracking", "truck")),
    Domain("pr", ("公关", "品牌", "宣传", "媒体", "新闻", "public relations", "communications", "press", "media"), (
        "采访", "记者", "媒体", "报道", "新闻", "发布会", "journalist", "reporter", "press", "media", "news",
        "article", "newspaper")),
    Domain("security", ("保卫", "安保", "安全部", "保安部", "security department", "security office", "security team"), (
        "保安", "门卫", "盗窃", "被偷", "可疑", "闯入", "监控", "theft", "stolen", "suspicious", "break-in",
        "cctv", "security guard")),
    Domain("production", ("生产", "制造", "工厂", "车间", "production", "manufacturing", "plant"), (
        "生产线", "车间", "产能", "排产", "停产", "交期", "production line", "workshop", "capacity", "lead time")),
    Domain("quality", ("质量", "品质", "质检", "quality", "qa"), (
        "质量问题", "检验", "不合格", "质检报告", "飞行检查", "药监", "监管局", "gmp", "gsp", "quality", "inspection",
        "certificate", "non-conform", "inspector", "regulator"),
        strong=("飞行检查", "药监", "gmp", "gsp", "inspection")),
    # a government service centre's sections
    Domain("business_registration", ("市场主体", "工商", "市场监管", "business registration",
                                     "company registration", "market regulation"), (
        "营业执照", "执照", "开店", "re:开.{0,6}(?:店|公司|厂|餐馆|饭馆|超市|铺子|铺面|小铺|摊|门面)", "办什么手续", "re:(?:关掉|注销|不做了?).{0,4}(?:公司|店)|(?:公司|店).{0,6}(?:关掉|注销|不做了)", "开公司", "注册公司", "个体户", "个体工商户", "注销", "经营范围", "名称核准", "法人变更",
        "外资企业", "外商投资", "foreign enterprise", "foreign invest", "foreign-invested",
        "re:regist\\w* (?:a |an |my |our )?(?:\\w+ ){0,3}(?:company|business|firm)",
        "business licen", "licence", "license", "register a company", "re:open (?:a|an|my|our) (?:\\w+ ){0,2}(?:shop|cafe|café|restaurant|store|business|company|bar)", "sole proprietor",
        "close down", "close my company", "start a business")),
    Domain("social_security", ("社保", "社会保障", "人社", "social security", "social insurance"), (
        "退休金", "养老金", "养老保险", "医保", "社保卡", "失业金", "失业保险", "工伤", "生育保险", "参保", "缴费", "pension",
        "retirement", "medical insurance", "unemployment benefit", "social security card", "maternity", "医保卡",
        "不给交保险", "停缴", "断缴", "insurance card", "health insurance", "stopped paying the insurance",
        "stop to pay the insurance", "hospital say", "re:(?:insurance|card)\\b.{0,40}\\bnot working")),
    Domain("real_estate", ("不动产", "房产", "房管", "real estate", "property registration"), (
        "过户", "房产证", "不动产证", "二手房", "买房", "卖房", "抵押", "产权", "房本", "title deed", "property transfer",
        "transfer of ownership", "house title", "mortgage", "buying a flat", "selling a flat", "名下",
        "re:房子?.{0,10}(?:改到|转到|过到|改成|写上?).{0,4}名", "继承", "sold our flat", "sold my flat",
        "buyer's name", "ownership papers", "in the buyer", "put the flat", "put it in", "inherit")),
    Domain("tax", ("税务", "办税", "tax"), (
        "个税", "个人所得税", "汇算", "退税", "报税", "纳税", "税票", "增值税", "多交了", "交税", "税", "清税", "发票",
        "领发票", "开发票", "代开",
        "re:税.{0,6}(?:清掉|清一下|清了|要清|结清)", "income tax", "tax clearance",
        "tax refund", "tax return", "vat", "overpaid")),
    Domain("civil_affairs", ("民政", "civil affairs"), (
        "低保", "救助", "困难补助", "婚姻登记", "结婚证", "离婚", "殡葬", "养老院", "残疾", "补贴", "welfare",
        "subsistence allowance", "marriage", "divorce", "funeral", "disability allowance", "elderly care")),
    Domain("hotline", ("热线", "12345", "信访", "投诉", "hotline", "complaints", "public feedback"), (
        "投诉", "反映", "举报", "扰民", "噪音", "油烟", "烧烤", "邻居", "物业", "半夜", "受不了", "report", "complain",
        "noise", "neighbour", "neighbor", "barking", "nuisance", "all night"),
        strong=("投诉", "举报", "扰民", "噪音", "complain", "noise", "nuisance")),
    Domain("construction", ("建设", "规划", "城建", "建筑", "construction", "planning", "building control"), (
        "加建", "加盖", "扩建", "施工", "规划许可", "违章建筑", "违建", "建房", "盖房", "add a floor", "second floor",
        "extension to", "build", "building permit", "planning permission", "construction", "renovat")),
)


@dataclass(frozen=True)
class TopicMatch:
    department: str
    """Department id."""
    score: float
    words: tuple[str, ...]
    """What the caller said that points there (for the transcript)."""
    strong: bool = False
    """A word that settles it on its own was said ("invoice", "专利")."""


@dataclass(frozen=True)
class Routing:
    matches: tuple[TopicMatch, ...]
    """Best first; empty when nothing points anywhere."""

    @property
    def clear(self) -> TopicMatch | None:
        """The best department when it is clearly ahead: alone, or with a word that settles it and
        well ahead, or far ahead. Otherwise the caller is offered the two best."""
        if not self.matches or self.matches[0].score < MIN_SCORE:
            return None
        best = self.matches[0]
        second = self.matches[1].score if len(self.matches) > 1 else 0.0
        if second == 0.0 or (best.strong and best.score >= CLEAR_RATIO * second):
            return best
        return best if best.score > FAR_AHEAD * second else None

    @property
    def two_best(self) -> tuple[TopicMatch, ...]:
        """The two departments to offer, when the best has enough evidence."""
        return self.matches[:2] if self.matches and self.matches[0].score >= MIN_SCORE else ()


class TopicRouter:
    """The lexicon mapped onto one directory's departments."""

    def __init__(self, directory: Directory) -> None:
        self._words: dict[str, list[tuple[str, float]]] = {}
        self._domains: dict[str, set[str]] = {}
        for department in directory.departments:
            for domain in DOMAINS:
                if _is_domain(department, domain):
                    self._domains.setdefault(domain.id, set()).add(department.id)
                    for word in domain.words:
                        self._add(word, department.id, STRONG_WEIGHT if word in domain.strong else 1.0)
            for topic in department.topics:
                self._add(topic, department.id, OWN_TOPIC_WEIGHT)
        self._patterns = [(word, _pattern(word), targets) for word, targets in self._words.items()]

    def departments_of(self, domain: str) -> frozenset[str]:
        """The organisation's departments of one kind ("sales" → 销售部)."""
        return frozenset(self._domains.get(domain, ()))

    def _add(self, word: str, department: str, weight: float) -> None:
        key = word if word.startswith("re:") else _normal(word) + (" " if word.endswith(" ") else "")
        if key.strip():
            self._words.setdefault(key, []).append((department, weight))

    def route(self, text: str) -> Routing:
        heard = _normal(text if isinstance(text, str) else "")[:1000]
        scores: dict[str, float] = {}
        words: dict[str, list[str]] = {}
        strong: set[str] = set()
        taken: list[tuple[int, int]] = []
        for word, pattern, targets in sorted(self._patterns, key=lambda p: -len(p[0])):
            found = pattern.search(heard)
            if not found or any(s <= found.start() and found.end() <= e for s, e in taken):
                continue  # "发出" inside "发出来" counts once
            taken.append(found.span())
            strength = _strength(word)
            for department, weight in dict(targets).items():
                scores[department] = scores.get(department, 0.0) + strength * weight
                words.setdefault(department, []).append(word.strip())
                if weight >= STRONG_WEIGHT:
                    strong.add(department)
        matches = sorted(
            (TopicMatch(d, round(s, 3), tuple(words[d]), d in strong) for d, s in scores.items() if s >= MIN_SECOND),
            key=lambda m: (-m.score, m.department))
        return Routing(tuple(matches))


def router_for(directory: Directory) -> TopicRouter:
    """One router per directory snapshot, kept on it (a snapshot is immutable; an import makes a new one)."""
    router = directory.__dict__.get("_topic_router")
    if router is None:
        router = TopicRouter(directory)
        object.__setattr__(directory, "_topic_router", router)
    return router


def _is_domain(department: Department, domain: Domain) -> bool:
    names = " ".join(_normal(n) for n in (department.name, department.name_en, *department.aliases, department.id))
    return any(_pattern(mark).search(names) for mark in domain.marks)


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def _pattern(word: str) -> re.Pattern[str]:
    """Chinese words anywhere; English words at a word start, so "infring" finds "infringes", and
    a trailing space ("sue ") asks for the whole word; "re:…" is a regular expression."""
    if word.startswith("re:"):
        return re.compile(word[3:])
    word = _normal(word) + (" " if word.endswith(" ") else "")
    if re.search(r"[a-z0-9]", word):
        end = r"\b" if word.endswith(" ") else ""
        return re.compile(r"(?<![a-z0-9-])" + re.escape(word.strip()) + end)
    return re.compile(re.escape(word))


def _strength(word: str) -> float:
    """A longer, more specific word counts more: 营业执照 over 执照, "purchase order" over "order"."""
    if word.startswith("re:"):
        return 1.2
    if re.search(r"[a-z]", word):
        return 1.0 + 0.25 * (len(word.split()) - 1)
    return {1: 0.6, 2: 1.0, 3: 1.2}.get(len(word.strip()), 1.4)
