"""A synthetic directory for the resolver benchmark: thousands of realistic people.

Chinese names come from the most common surnames (weighted roughly by how common they are)
and given-name characters; English names are the pinyin, sometimes with an English
nickname. About 20 departments with aliases and topics, levels and titles as in a real
company, and a few deliberately duplicated full names in different departments.
Everything is drawn from one seeded `random.Random`, so a seed always gives the same directory.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

from bot.org.model import AfterHours, Department, Directory, Level, Organization, Person

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛")
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文辉玲萍红鹏宇浩凯峰晨雪婷欣宁斌飞亮波林琳"
    "志新海东梅兰凤云丹玉春燕晓俊宏伦佳慧颖倩琪瑶思雨嘉博轩涵子怡睿哲然梓晗欣妍诗航泽昊天逸凡成龙正"
    "永忠义德光荣福祥瑞庆春秋冬立坤鑫磊琦琴璐露蕾菲薇莹静婧晶瑾璇萌蓓悦越岩峻巍旭阳昕彤彬彦"
)
NICKNAMES = (
    "David Nina Jim Jenny Sunny William Lily Jay Linda Mary Tina Frank Howard Kevin Peter Fiona Leo Ray Snow "
    "Grace Cindy Meg Ethan Tony Jack Amy Alice Bella Chris Daniel Eric Emma Grace Helen Ivy Jason Jessica Joe "
    "Karen Leon Lucy Mark Michael Nancy Oscar Paul Rachel Richard Rose Sam Sandy Simon Sophie Steven Vicky "
    "Vincent Wendy Zoe Angela Bruce Carl Derek Elaine Felix Gary Hannah Irene Jacky Kelly Lisa Maggie Nick "
    "Olivia Patrick Queenie Robin Sara Terry Vivian Winnie Yvonne Allen Ben Cathy Dennis Eddie"
).split()

DEPARTMENTS: tuple[tuple[str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("management", "总经理办公室", "General Manager's Office", ("总经办", "management"), ("投资", "partnership")),
    ("finance", "财务部", "Finance", ("财务", "会计", "accounts"), ("报销", "发票", "invoice", "reimbursement")),
    ("sales", "销售部", "Sales", ("销售", "sales department"), ("报价", "购买", "quote", "pricing")),
    ("hr", "人力资源部", "Human Resources", ("人事部", "人事", "HR"), ("面试", "社保", "job", "resume")),
    ("rnd", "研发部", "Research and Development", ("技术部", "R&D", "engineering"), ("接口", "开发", "API")),
    ("support", "客户服务部", "Customer Service", ("客服", "售后", "support"), ("投诉", "维修", "complaint", "repair")),
    ("admin", "行政部", "Administration", ("行政", "前台", "administration"), ("快递", "停车", "parcel", "parking")),
    ("marketing", "市场部", "Marketing", ("市场", "品牌部", "marketing"), ("广告", "展会", "advertising")),
    ("legal", "法务部", "Legal", ("法务", "律师", "legal"), ("诉讼", "知识产权", "lawsuit", "trademark")),
    ("it", "信息中心", "IT", ("网管", "IT department"), ("电脑", "网络", "password", "laptop")),
    ("purchasing", "采购部", "Purchasing", ("采购", "procurement"), ("供应商", "采购订单", "supplier", "purchase order")),
    ("logistics", "物流部", "Logistics", ("物流", "仓库", "warehouse"), ("发货", "运输", "shipping", "delivery")),
    ("quality", "质量部", "Quality", ("质检", "品质部", "quality assurance"), ("质量问题", "检测", "inspection")),
    ("production", "生产部", "Production", ("生产", "车间", "manufacturing"), ("产能", "排产", "production line")),
    ("pr", "公关部", "Public Relations", ("公关", "public relations"), ("媒体", "采访", "press", "media")),
    ("training", "培训部", "Training", ("培训", "learning"), ("课程", "培训报名", "course", "workshop")),
    ("security", "保卫部", "Security", ("保安", "安保", "security office"), ("门禁", "监控", "access card", "cctv")),
    ("facilities", "后勤部", "Facilities", ("后勤", "物业", "facilities"), ("维修申请", "食堂", "canteen", "cleaning")),
    ("strategy", "战略发展部", "Strategy", ("战略部", "strategy"), ("并购", "规划", "merger", "planning")),
    ("audit", "审计部", "Internal Audit", ("审计", "audit"), ("内审", "稽核", "compliance")),
)

TITLES: dict[Level, tuple[tuple[str, str], ...]] = {
    Level.EXECUTIVE: (("总经理", "General Manager"), ("副总经理", "Deputy General Manager"), ("总裁", "President")),
    Level.DIRECTOR: (("总监", "Director"),),
    Level.MANAGER: (("经理", "Manager"), ("主任", "Supervisor"), ("主管", "Supervisor")),
    Level.STAFF: (("专员", "Specialist"), ("工程师", "Engineer"), ("会计", "Accountant"), ("助理", "Assistant"),
                  ("代表", "Representative")),
}
OPERATOR = "8000"
DUTY_PHONE = "8999"


@dataclass(frozen=True)
class GeneratedDirectory:
    directory: Directory
    duplicated_names: tuple[str, ...]
    """Full names deliberately given to two or three people in different departments."""


def pinyin_of(text: str) -> list[str]:
    return lazy_pinyin(text, style=Style.NORMAL)


def generate_directory(people: int = 2000, duplicates: int = 30, seed: int = 20261125) -> GeneratedDirectory:
    rng = random.Random(seed)
    departments = tuple(_department(i, spec) for i, spec in enumerate(DEPARTMENTS))
    names = _unique_names(rng, people - duplicates)
    duplicated = tuple(rng.sample(names, duplicates))
    extensions = iter(rng.sample(range(1000, 8000), people))
    levels = _levels(rng, people, len(departments))
    staff: list[Person] = []
    all_names = list(names) + list(duplicated)
    used_departments: dict[str, set[str]] = {}
    for index, (name, level) in enumerate(zip(all_names, levels)):
        department = _pick_department(rng, departments, used_departments.setdefault(name, set()), level)
        used_departments[name].add(department.id)
        staff.append(_person(rng, index, name, level, department, str(next(extensions))))
    rng.shuffle(staff)
    organization = Organization(name="演示集团有限公司", name_en="Demo Group Co., Ltd.", operator=OPERATOR)
    directory = Directory(
        organization=organization, hours={}, after_hours=AfterHours(duty_phone=DUTY_PHONE),
        departments=departments, people=tuple(staff), version=1,
    )
    return GeneratedDirectory(directory, duplicated)


def _department(index: int, spec: tuple[str, str, str, tuple[str, ...], tuple[str, ...]]) -> Department:
    dept_id, name, name_en, aliases, topics = spec
    return Department(id=dept_id, name=name, name_en=name_en, aliases=aliases, topics=topics,
                      extension=f"8{index + 1:02d}0")


def _unique_names(rng: random.Random, count: int) -> list[str]:
    weights = [1.0 / (1 + rank) ** 0.6 for rank in range(len(SURNAMES))]
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.01 else rng.choices(SURNAMES, weights)[0]
        given = "".join(rng.choice(GIVEN_CHARS) for _ in range(1 if rng.random() < 0.35 else 2))
        name = surname + given
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _levels(rng: random.Random, people: int, departments: int) -> list[Level]:
    levels = [Level.EXECUTIVE] * 15 + [Level.DIRECTOR] * departments + [Level.MANAGER] * (departments * 4)
    levels += [Level.STAFF] * (people - len(levels))
    rng.shuffle(levels)
    return levels


def _pick_department(rng: random.Random, departments: tuple[Department, ...], taken: set[str],
                     level: Level) -> Department:
    if level is Level.EXECUTIVE:
        return departments[0]
    choices = [d for d in departments if d.id not in taken] or list(departments)
    return rng.choice(choices)


def _person(rng: random.Random, index: int, name: str, level: Level, department: Department,
            extension: str) -> Person:
    syllables = pinyin_of(name)
    surname_size = 2 if name[:2] in COMPOUND_SURNAMES else 1
    family = "".join(syllables[:surname_size]).capitalize()
    given = "".join(syllables[surname_size:]).capitalize()
    title, title_en = rng.choice(TITLES[level])
    if level is not Level.EXECUTIVE:
        title = department.name.removesuffix("部") + title if rng.random() < 0.5 else title
    nickname = rng.choice(NICKNAMES) if rng.random() < 0.35 else ""
    return Person(
        id=f"p{index:05d}", name=name, department=department.id, extension=extension,
        name_en=f"{nickname or given} {family}", aliases=(nickname,) if nickname else (),
        title=title, title_en=title_en, level=level,
        mobile=f"+86 139 {index:04d} {index:04d}", email=f"p{index:05d}@example.com",
    )
