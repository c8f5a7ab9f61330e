"""Field-tested libraries against the project's hand-written parsers, on what callers really say.

Candidates: `phonenumbers` (call-back numbers, after `cn2an` or a plain digit map turns spoken digits
into Arabic ones), `dateparser` and `jionlp` (the time in "约了下午两点", "I have a two o'clock with…"),
and jieba.posseg person (nr) / organisation (nt) tags against `caller_identity`. The project has no
time-of-day parser (`frame.appointment_of` only says whether there is an appointment), so the time
table shows how well each library would do if adopted, next to a "no parser" row that says None.

The labelled sets below are caller turns from tests/conversations/{zh,en}/*.yml (expected values from
their `outcome:`) plus turns written in the same style: fillers, no punctuation, digits as words. They
are for measuring only; like the conversation set itself they must never become training data.

None of the candidates is a project dependency. Install them outside the project venv and run:

    .venv/bin/pip install --target /tmp/libbench-site phonenumbers cn2an dateparser jionlp
    PYTHONPATH=/tmp/libbench-site .venv/bin/python bench/parser_libraries.py

A library that cannot be imported is skipped with the reason printed. The script prints accuracy
(exact match), failures and per-call latency (p50/p95 in microseconds, after one warm-up pass; the
first call of each parser is shown separately) and, when every candidate was there, rewrites the
measured part of bench/results/parser_libraries.md; the recommendation above its marker line is kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import io
import re
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.dialogue.parse import caller_identity, phone_number  # noqa: E402
from bot.dialogue.parse.times import clock_time  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "parser_libraries.md"
MARKER = "<!-- Everything below is written by bench/parser_libraries.py; edit above this line. -->"
REPEATS = 20
NOW = dt.datetime(2026, 11, 25, 9, 15)
"""The conversations' Wednesday morning: what "明天", "today" are relative to."""

Accepted = str | tuple[str, ...] | None
"""An expected value: one string, several acceptable spellings ("周先生" or "周"), or None."""

# ============================================================================ labelled sets

PHONE_CASES: list[tuple[str, str | None]] = [
    # tests/conversations (the outcome's callback, or None where the caller gave no number)
    ("一八六 一二三四 七七六六", "18612347766"),
    ("行吧 我是包装厂的老鲁 电话一三三 五五七七 九九一一 你跟他说纸箱下周一送到", "13355779911"),
    ("那好吧 留个言 电话一三三 零一二三 四五六七", "13301234567"),
    ("幺三九 零零幺幺 二二三三", "13900112233"),
    ("行吧 那我留个资料 我姓严 电话零二零 六六五五 四四三三 做网站推广的", "02066554433"),
    ("行 我姓滕 电话一三九 五七一二 三三零八 上次反映的路灯问题 想问问处理到哪一步了", "13957123308"),
    ("对 一三九 五七一二 三三八零", "13957123380"),
    ("好的 我姓鲍 电话一三九 零五一二 七七八六 麻烦她把十月份的付款回单发我一下", "13905127786"),
    ("那留个言 我是德邦的小甘 电话一三九 二二七六 零零四五 让她确认一下周五提货的车牌", "13922760045"),
    ("电话不对 是一三八 不是一三九 一三八 二二七六 零零四五", "13822760045"),
    ("可以 我姓章 电话一三八 五一二三 四三二一 你们那个供应商门户我登不进去了", "13851234321"),
    ("那留言吧 我是顺丰结算中心的小苗 电话就打我这个手机 是上个月的发票的事", None),
    ("一三二 一一一一 四四四四", "13211114444"),
    ("那就留个言吧 我是临江街道社区服务站的小谭 电话八六二三 五五七一 她让我报的高龄老人名单已经弄好了", "86235571"),
    ("我知道今天不上班 就想给不动产登记科的孔燕留个言 我叫庞晓峰 手机一八九 五一零七 二二六八 上次说我缺一份完税证明",
     "18951072268"),
    ("行 那你帮我留个言吧 我是中通的周先生 电话一三九 一二三四 五六七八 就是上周那批货的发票 请她回个电话", "13912345678"),
    ("麻烦帮我给采购部的谢涛留个话 我是宁波恒通钢材的蔡文 电话幺三五 七七八八 二零四六 明天的送货时间要改到下午",
     "13577882046"),
    ("我姓吕 双口吕 电话是零五一二 六六八三 四四二一 就是问下我们那批托盘什么时候能到", "051266834421"),
    ("哦下班了啊 那帮我给人事的唐悦留个言 我是前两天来面试的杨帆 电话一五二 零六八一 三三七九 想问一下结果出来没有 不急",
     "15206813379"),
    ("帮我找下法务的方静 她要是不在我就留个言 我是大成律师事务所的陶律师 电话一三零 二二四五 六八九一 关于那份保密协议的修改意见",
     "13022456891"),
    ("不用打他手机 我给他留言 我是城投公司的翁工 电话一三九 五八八二 零零三六 明天现场踏勘改到九点", "13958820036"),
    ("你直接帮我给他留个言吧 约个采访的事 电话一八六 零五七一 八八二零", "18605718820"),
    ("不用了 留个言吧 我是德勤的审计 姓范 电话一三六 一二零八 九九四七 年审的补充资料清单我发他邮箱了", "13612089947"),
    ("不用转了 帮我给他留个言就行 电话一三八 零六二七 五五一九 就说姚军问上次样品的测试报告出来没有", "13806275519"),
    ("不急不急 明天再说也行 你帮我留个言 我姓孙 电话一三七 二二三三 四四五五", "13722334455"),
    ("好 我姓黎 电话一八九 一二三四 零九八七 赶紧让人回我", "18912340987"),
    ("回电就打我现在用的这个", None),
    ("可以 我姓殷 电话就是我现在打的这个 我想问下入职体检的报告交给谁", None),
    ("yes it's Priya Nair, call me on one three nine one two three four eight eight seven seven, "
     "it's about the visa letter for our engineer", "13912348877"),
    ("one three nine, one two three four, eight eight seven seven, yes", "13912348877"),
    ("sure. Tom Walsh from Domino, number one three nine zero zero one one two two five nine, "
     "tell her the revised price list is in her inbox", "13900112259"),
    ("no sorry the number is one three eight not one three nine, so one three eight zero zero one one two two five nine",
     "13800112259"),
    ("plus six zero one two three four five six seven eight", "+6012345678"),
    ("ok, it's Ben Carter from Fortinet, call me back on this number, the firewall licence renewal is due Friday", None),
    ("one three seven zero zero four four five five six six", "13700445566"),
    ("yeah could you ask him to call me back, it's Vikram Shah from Tata Motors, my number is plus nine one nine eight "
     "two zero one two three four five six, it's about the shipping date for our order", "+919820123456"),
    ("hi I just want to leave a message for Amy Zhou in accounts, this is Linda Foster from Maersk, number is zero two "
     "one six one two three four four five five, tell her the credit note is ready", "02161234455"),
    ("ok then just tell her Emma Clarke from the British Chamber called, please call me back on one three eight zero "
     "one nine two seven seven three one, it's about the seminar next Friday", "13801927731"),
    ("Marco Bianchi, my number is one three nine one one two two zero zero three three, "
     "I'd like to know if my title transfer papers are ready", "13911220033"),
    ("no don't bother with his mobile, I'll leave a message. it's Ji-ho Park from Samsung SDI, call me on plus eight "
     "two one zero five five five zero one two three four, it's about the printhead samples", "+821055501234"),
    ("plus four four seven seven zero zero nine zero zero one two three", "+447700900123"),
    ("sure, it's Anil Kapoor, my number is one three six zero zero zero zero five six seven eight, "
     "our coder shows error forty two", "13600005678"),
    ("Hi, I'm Anna Schmidt from Bosch, I have a two o'clock meeting with Peter Lin.", None),
    # written in the same style
    ("呃 那个 我的手机是一三六 一二零八 九九四七", "13612089947"),
    ("电话是021-5888 1234", "02158881234"),
    ("座机零二一 五八八八 一二三四 转 八零一二", "02158881234"),
    ("打我办公室 021-58881234 转8012 找我就行", "02158881234"),
    ("我手机号13912345678", "13912345678"),
    ("幺三八 幺幺幺幺 二二二二", "13811112222"),
    ("电话 一 三 九 一 二 三 四 五 六 七 八", "13912345678"),
    ("呃 一三九 嗯 一二三四 五六七八", "13912345678"),
    ("+86 139 1234 5678", "+8613912345678"),
    ("加八六 一三九 一二三四 五六七八", "+8613912345678"),
    ("我们是三号楼二零一室 电话一八六零五七一八八二零", "18605718820"),
    ("我有三批货没到 你让他回我一三七零零二二三三四四", "13700223344"),
    ("我打了三次了都没人接", None),
    ("一二三", None),
    ("我要投诉 你们的货晚了两个多星期", None),
    ("零二一 六二三四 五六七八", "02162345678"),
    ("手机 139-1234-5678", "13912345678"),
    ("一三九一二三四五六七八 对 是这个", "13912345678"),
    ("电话 幺八六 幺二三四 七七六六 谢谢啊", "18612347766"),
    ("那个 电话一五三 一二三四 五零九八 找我", "15312345098"),
    ("一三八零一九二七七三一", "13801927731"),
    ("额 零五一二 六六八三 四四二一 是我办公室", "051266834421"),
    ("分机八零一二 我姓王", None),
    ("my number is one three eight double five six seven triple two one", "13855672221"),
    ("it's oh two one five eight eight eight one two three four extension eight oh one two", "02158881234"),
    ("call me on plus eight six one three nine one two three four five six seven eight", "+8613912345678"),
    ("um my mobile is one three nine double oh one one two two three three", "13900112233"),
    ("you can reach me on 139 1234 5678 any time after two", "13912345678"),
    ("my number is five five five zero one three four", "5550134"),
    ("it's the number I'm calling from", None),
    ("I'll be in room two oh one until three", None),
    ("double five double five zero one three four", "55550134"),
    # other numbers in the same breath: an order, a contract, an amount are not a call-back number
    ("订单号是二零二六一一二五零零一 电话一三九一二三四五六七八", "13912345678"),
    ("我们的订单号二零二六一一二五零零一 你让他查一下", None),
    ("合同编号 二零二六 一一二五 零零三 他知道的", None),
    ("发票金额一万两千三百块 还差五千没付", None),
    ("the PO number is four five zero zero one two three four five six, can she check it", None),
]

IDENTITY_CASES: list[tuple[str, Accepted, Accepted]] = [
    # (utterance, name, company); honorific forms accept the bare surname too
    ("行 那你帮我留个言吧 我是中通的周先生 电话一三九 一二三四 五六七八 就是上周那批货的发票", ("周先生", "周"), "中通"),
    ("我姓詹", "詹", None),
    ("行吧 我是包装厂的老鲁 电话一三三 五五七七 九九一一 你跟他说纸箱下周一送到", ("老鲁", "鲁"), "包装厂"),
    ("我姓池 池塘的池", "池", None),
    ("杭州万达机械", None, "杭州万达机械"),
    ("我是中信银行的客户经理 姓尚 找林总聊一下今年的授信", "尚", "中信银行"),
    ("刘建", "刘建", None),
    ("顺丰供应链", None, "顺丰供应链"),
    ("卜 占卜的卜 卜凡", "卜凡", None),
    ("我叫柯宇航", "柯宇航", None),
    ("宁波东港包装", None, "宁波东港包装"),
    ("我叫应秀兰", "应秀兰", None),
    ("阳光养老院的", None, "阳光养老院"),
    ("我姓冯 锦华模具的", "冯", "锦华模具"),
    ("我叫黎明轩 苏州银行的 来送对公开户的资料 约了十一点", "黎明轩", "苏州银行"),
    ("你好 我是江南设计院的 叫曹敬 来建设审批科送补正材料 跟黄科长约了两点半", "曹敬", "江南设计院"),
    ("那就留个言吧 我是临江街道社区服务站的小谭 电话八六二三 五五七一", ("小谭", "谭"), "临江街道社区服务站"),
    ("麻烦帮我给采购部的谢涛留个话 我是宁波恒通钢材的蔡文 电话幺三五 七七八八 二零四六", "蔡文", "宁波恒通钢材"),
    ("喂 我是昆山达丰电子的小孟 找一下售后的吴晓军 上次他来修的那台喷码机又报墨路故障了", ("小孟", "孟"), "昆山达丰电子"),
    ("你好 我是上海博远自动化的赵一鸣 跟技术部马骏马总监约了十点 过来看样机", "赵一鸣", "上海博远自动化"),
    ("帮我找下法务的方静 她要是不在我就留个言 我是大成律师事务所的陶律师 电话一三零 二二四五 六八九一",
     ("陶律师", "陶"), "大成律师事务所"),
    ("不用打他手机 我给他留言 我是城投公司的翁工 电话一三九 五八八二 零零三六", ("翁工", "翁"), ("城投公司", "城投")),
    ("我找郑主任 我是临江日报的记者 姓晏", "晏", "临江日报"),
    ("不用了 留个言吧 我是德勤的审计 姓范 电话一三六 一二零八 九九四七", "范", "德勤"),
    ("你好 我是苏州精工机电的钱立 找一下陈总 上周约好了今天电话谈新一期喷码机的合同", "钱立", "苏州精工机电"),
    ("我是江苏联华的副总 姓霍 找陈总 有急事 我们那批出口设备被海关扣了", "霍", "江苏联华"),
    ("我姓傅 华阳电气的", "傅", "华阳电气"),
    ("免贵姓聂", "聂", None),
    ("区教育局", None, ("区教育局", "教育局")),
    ("你好 我是区发改局的 姓包 找一下郑主任", "包", ("区发改局", "发改局")),
    ("邬 邬家的邬 邬建平", "邬建平", None),
    ("那留言吧 我是深圳芯源的技术支持 姓卢 你让他看一下邮件", "卢", "深圳芯源"),
    ("你好 麻烦找一下财务总监钱波", None, None),
    ("我找一下陈国栋陈总", None, None),
    ("周敏在不在", None, None),
    ("哦 我叫王海涛", "王海涛", None),
    ("华东包装材料公司的", None, ("华东包装材料公司", "华东包装材料")),
    ("我是前两天来面试的杨帆", "杨帆", None),
    ("喂 我是常州新澳食品的生产主管 我姓胡 你们给我们装的那条贴标线刚才停了", "胡", "常州新澳食品"),
    ("我是常熟华润包装的 姓尹 找一下售后赵磊", "尹", "常熟华润包装"),
    ("你好 我们是园区消防大队的 来做年度消防检查 我姓祁 跟你们行政孙主管约好了的", "祁", ("园区消防大队", "消防大队")),
    ("没有单位 我是个人 老百姓", None, None),
    ("呃 我是那个 嗯 京东物流的 姓张 张伟", "张伟", "京东物流"),
    ("我叫欧阳娜娜 是华为的", "欧阳娜娜", "华为"),
    ("Lucas Moreau", "Lucas Moreau", None),
    ("Yusuf Demir", "Yusuf Demir", None),
    ("yes it's Priya Nair, call me on one three nine one two three four eight eight seven seven", "Priya Nair", None),
    ("sure. Tom Walsh from Domino, number one three nine zero zero one one two two five nine", "Tom Walsh", "Domino"),
    ("Panasonic", None, "Panasonic"),
    ("ok, it's Ben Carter from Fortinet, call me back on this number", "Ben Carter", "Fortinet"),
    ("Paul Smith, Kuehne Nagel", "Paul Smith", "Kuehne Nagel"),
    ("this is Sam Whitfield from HSBC, I'd like to speak to Peter Lin about the credit line review", "Sam Whitfield", "HSBC"),
    ("Nadia Rossi, from Barilla", "Nadia Rossi", "Barilla"),
    ("Lukas Weber, Krones, we have a four thirty about the spare parts", "Lukas Weber", "Krones"),
    ("hello my name is Sarah Kim, I'm with Hanwha, we're setting up a subsidiary here", "Sarah Kim", "Hanwha"),
    ("Hi, James Wright, Baker McKenzie, I'm here for my eleven o'clock with Mr Zhao in business registration",
     "James Wright", "Baker McKenzie"),
    ("Hi, I'm Anna Schmidt from Bosch, I have a two o'clock meeting with Peter Lin.", "Anna Schmidt", "Bosch"),
    ("good morning this is Mark Ellis from Siegwerk I'd like to speak to Mr Chen about the ink supply agreement",
     "Mark Ellis", "Siegwerk"),
    ("yeah could you ask him to call me back, it's Vikram Shah from Tata Motors, my number is plus nine one",
     "Vikram Shah", "Tata Motors"),
    ("Hello, Daniel Okafor, DHL Supply Chain, here to see Mia Hu about the new storage contract",
     "Daniel Okafor", ("DHL Supply Chain", "DHL")),
    ("hi it's Mateo from Zebra Technologies, I need to talk to Yvonne about our visit on Thursday",
     "Mateo", "Zebra Technologies"),
    ("Could I speak to Kevin Brown please", None, None),
    ("this is Rachel Tan, CFO of Lion Foods Singapore. I need Mr Chen urgently", "Rachel Tan",
     ("Lion Foods Singapore", "Lion Foods")),
    ("no company, I'm here for myself", None, None),
    ("it's Hannah Reid", "Hannah Reid", None),
]

TIME_CASES: list[tuple[str, str | None]] = [
    # the time of day as HH:MM; a bare hour from 1 to 7 is in the afternoon (see _office_hour)
    ("你好 我找行政部的孙丽 来送合同的 约了下午两点", "14:00"),
    ("你好 我是上海博远自动化的赵一鸣 跟技术部马骏马总监约了十点 过来看样机", "10:00"),
    ("我叫黎明轩 苏州银行的 来送对公开户的资料 约了十一点", "11:00"),
    ("你好 我是江南设计院的 叫曹敬 来建设审批科送补正材料 跟黄科长约了两点半", "14:30"),
    ("有 约的下午两点", "14:00"),
    ("约了的 他让我三点前到", "15:00"),
    ("电话里约过了 说下午都在", None),
    ("没有约 我就是过来问问", None),
    ("喂你好 我是区住建局的易科长 找一下郑主任 下午三点那个老旧小区改造协调会 要跟他确认一下议程", "15:00"),
    ("不用打他手机 我给他留言 我是城投公司的翁工 电话一三九 五八八二 零零三六 明天现场踏勘改到九点", "09:00"),
    ("下周二上午的大会议室我们想借用一下", None),
    ("yes, ten o'clock", "10:00"),
    ("yes at ten thirty", "10:30"),
    ("Lukas Weber, Krones, we have a four thirty about the spare parts", "16:30"),
    ("hello my name is Sarah Kim, I'm with Hanwha, I have an appointment with Vivian Li at ten about our foreign "
     "investment filing", "10:00"),
    ("Hi, James Wright, Baker McKenzie, I'm here for my eleven o'clock with Mr Zhao in business registration", "11:00"),
    ("Hi, I'm Anna Schmidt from Bosch, I have a two o'clock meeting with Peter Lin.", "14:00"),
    ("yes at three", "15:00"),
    ("no, I don't, I just walked in", None),
    ("十点半", "10:30"),
    ("下午三点一刻", "15:15"),
    ("明天上午十点", "10:00"),
    ("呃 约的是九点半 我来早了", "09:30"),
    ("跟王经理约了下午四点", "16:00"),
    ("约了两点 我姓李", "14:00"),
    ("我们约的十点四十五", "10:45"),
    ("约的下午2点", "14:00"),
    ("他让我三点钟过来", "15:00"),
    ("约了十四点", "14:00"),
    ("嗯 约的早上九点", "09:00"),
    ("约了一点半 可能早到了一会儿", "13:30"),
    ("我约了上午十一点 跟人事面试", "11:00"),
    ("约好了的 差不多三点左右", "15:00"),
    ("我来送快递的 没约", None),
    ("I have a two o'clock with Peter Lin", "14:00"),
    ("at 2 pm", "14:00"),
    ("eleven o'clock", "11:00"),
    ("um I'm meeting Kevin at half past two", "14:30"),
    ("we said nine thirty", "09:30"),
    ("my appointment is at 3:15", "15:15"),
    ("it's a quarter to four meeting", "15:45"),
    ("yeah I'm booked in for 10 am with HR", "10:00"),
    ("no appointment, I just need to drop off a parcel", None),
    ("I called earlier and they said come by at two", "14:00"),
]

# ============================================================================ optional libraries


SKIPPED: list[str] = []
"""Libraries that could not be imported; with any, the results file is left as it is."""


def _load(name: str) -> ModuleType | None:
    """The module, or None with the reason printed (a fresh clone does not have the candidates)."""
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            return importlib.import_module(name)
    except Exception as error:  # any import failure means: skip this library
        print(f"skipped {name}: {type(error).__name__}: {error}")
        SKIPPED.append(name)
        return None


# ============================================================================ normalisers shared by the pipelines

_ZH_DIGIT_MAP = str.maketrans("零〇○一幺二两三四五六七八九", "00011223456789")
_EN_DIGIT_WORDS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                   "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_EN_REPEAT = {"double": 2, "triple": 3}
_WORD = re.compile(r"[A-Za-z]+|[^A-Za-z]+")


def _english_digits(text: str) -> str:
    """"one three eight double five" → "1 3 8 5 5", "plus four four" → "+ 4 4"; "oh" only next to digits."""
    tokens = _WORD.findall(text)
    out: list[str] = []
    for index, token in enumerate(tokens):
        word = token.lower()
        neighbours = [tokens[i].lower() for i in (index - 2, index + 2) if 0 <= i < len(tokens)]
        if word in ("oh", "o") and not any(n in _EN_DIGIT_WORDS or n in _EN_REPEAT for n in neighbours):
            out.append(token)
        elif word in _EN_DIGIT_WORDS:
            out.append(_EN_DIGIT_WORDS[word])
        elif word == "plus":
            out.append("+")
        else:
            out.append(token)
    joined = "".join(out)
    return re.sub(r"\b(double|triple)\s+(\d)", lambda m: m.group(2) * _EN_REPEAT[m.group(1).lower()], joined,
                  flags=re.IGNORECASE)


def _collapse_digits(text: str) -> str:
    """"1 3 9, 1 2 3 4" → "1391234", "+ 86" → "+86": a number said digit by digit is one token."""
    text = re.sub(r"(?<=\d)[ \t,，、]+(?=\d)", "", text)
    return re.sub(r"(?:\+|加)\s*(?=\d)", "+", text)


def digit_map(text: str) -> str:
    """Chinese digits one by one (幺 = 1, 两 = 2), English digit words, then runs joined."""
    return _collapse_digits(_english_digits(text.translate(_ZH_DIGIT_MAP)))


def cn2an_map(text: str, cn2an: ModuleType) -> str:
    """cn2an's reading of the Chinese numerals, the same English digit words, then runs joined."""
    try:
        converted = cn2an.transform(text, "cn2an")
    except Exception:  # cn2an raises on some inputs; then it reads nothing
        converted = text
    return _collapse_digits(_english_digits(converted))


# ============================================================================ library pipelines: phone numbers


def phonenumbers_pipeline(phonenumbers: ModuleType, normalise: Callable[[str], str],
                          lenient: bool = False) -> Callable[[str], str | None]:
    """Normalise, then the first PhoneNumberMatcher match (region CN) in the project's shape:
    national digits with the trunk 0 ("02158881234"), or +E.164 when the caller said plus."""
    leniency = phonenumbers.Leniency.POSSIBLE if lenient else phonenumbers.Leniency.VALID
    national = phonenumbers.PhoneNumberFormat.NATIONAL
    e164 = phonenumbers.PhoneNumberFormat.E164

    def parse(text: str) -> str | None:
        for match in phonenumbers.PhoneNumberMatcher(normalise(text), "CN", leniency=leniency):
            number = match.number
            number.extension = None  # recognised ("转", "extension"), but a call-back is the line itself
            if match.raw_string.lstrip().startswith("+") or number.country_code != 86:
                return phonenumbers.format_number(number, e164)
            return re.sub(r"\D", "", phonenumbers.format_number(number, national))
        return None

    return parse


def validated_ours_pipeline(phonenumbers: ModuleType) -> Callable[[str], str | None]:
    """Our extraction, then phonenumbers as a check: a number is kept when it is a valid Chinese
    number, a possible international one (said with plus), or 7–8 digits (a local number without
    its area code, which no library can judge); an order or contract number is dropped."""

    def parse(text: str) -> str | None:
        found = phone_number(text)
        if found is None or 7 <= len(found) <= 8:
            return found
        try:
            number = phonenumbers.parse(found, "CN")
        except phonenumbers.NumberParseException:
            return None
        if found.startswith("+"):
            return found if phonenumbers.is_possible_number(number) else None
        return found if phonenumbers.is_valid_number(number) else None

    return parse


# ============================================================================ library pipelines: times

_EN_TIME_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                  "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15",
                  "thirty": "30", "forty-five": "45", "forty five": "45"}
_EN_TIME_WORD = re.compile(r"\b(" + "|".join(sorted(_EN_TIME_WORDS, key=len, reverse=True)) + r")\b", re.IGNORECASE)


def _office_hour(hour: int, minute: int) -> str:
    """HH:MM with a bare 1–7 read as afternoon, as a front desk hears "约了两点" / "at three";
    applied to every parser alike, so no library loses for not knowing office hours."""
    if 1 <= hour <= 7:
        hour += 12
    return f"{hour:02d}:{minute:02d}"


def dateparser_pipeline(dateparser: ModuleType, normalise: Callable[[str], str]) -> Callable[[str], str | None]:
    """search_dates (zh + en, relative to NOW); the first hit that carries a time of day."""
    search_dates = importlib.import_module(f"{dateparser.__name__}.search").search_dates
    settings = {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": NOW.replace(hour=0, minute=0)}
    """Midnight, so that a date alone ("明天") comes back at 00:00 and is not taken for a time."""

    def parse(text: str) -> str | None:
        try:
            found = search_dates(normalise(text), languages=["zh", "en"], settings=settings) or []
        except Exception:  # a library error counts as "no time found"
            return None
        for _, when in found:
            if when.hour or when.minute:
                return _office_hour(when.hour, when.minute)
        return None

    return parse


def jionlp_pipeline(jio: ModuleType) -> Callable[[str], str | None]:
    """jio.ner.extract_time relative to NOW: the start of the first time point that is accurate,
    or blur but at most two hours wide ("三点左右"), and not a whole day ("明天")."""
    base = NOW.timestamp()

    def parse(text: str) -> str | None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                found = jio.ner.extract_time(text, time_base=base, with_parsing=True)
        except Exception:  # jionlp raises on text it cannot read (English): no time found
            return None
        for entity in found:
            detail = entity.get("detail") or {}
            bounds = detail.get("time") or []
            if len(bounds) != 2 or not all(isinstance(b, str) and b[:1].isdigit() for b in bounds):
                continue  # an open span ("三点前": -inf to 03:59:59) has no start to report
            start, end = (dt.datetime.strptime(b[:19], "%Y-%m-%d %H:%M:%S") for b in bounds)
            narrow = end - start <= dt.timedelta(hours=2)
            if (detail.get("definition") == "accurate" or narrow) and (start.hour or start.minute):
                return _office_hour(start.hour, start.minute)
        return None

    return parse


def ours_time(text: str) -> str | None:
    """bot.dialogue.parse.times.clock_time, written after this bench measured the libraries below."""
    return clock_time(text)


# ============================================================================ identity: ours and jieba

_CALLEE_BEFORE = ("找", "转", "接", "给", "跟", "和", "约", "联系", "问", "让")
_ORG_START = {"nt", "ns", "nz"}
_ORG_PART = {"nt", "ns", "nz", "n", "vn", "nr", "j", "nrt", "an"}


def ours_identity(text: str) -> tuple[str | None, str | None]:
    found = caller_identity(text)
    return found.name, found.company


def jieba_identity_pipeline(posseg: ModuleType, chunk_companies: bool) -> Callable[[str], tuple[str | None, str | None]]:
    """The caller's name: the first person (nr) not right after 找/转/跟 (that one is who they want),
    adjacent nr pieces joined (黎明 + 轩); the company: the first nt word, or with `chunk_companies`
    the first run of place/brand/noun words that starts with ns/nz/nt and ends at 的 or a pause
    (宁波 + 恒通 + 钢材)."""

    def parse(text: str) -> tuple[str | None, str | None]:
        pairs = [(w.word, w.flag) for w in posseg.cut(text)]
        name: str | None = None
        company: str | None = None
        index = 0
        while index < len(pairs):
            word, flag = pairs[index]
            previous = next((w for w, _ in reversed(pairs[:index]) if w.strip()), "")
            if name is None and flag.startswith("nr") and not previous.endswith(_CALLEE_BEFORE):
                parts = [word]
                while index + 1 < len(pairs) and pairs[index + 1][1].startswith("nr"):
                    index += 1
                    parts.append(pairs[index][0])
                name = "".join(parts)
            elif company is None and flag == "nt":
                company = word
            elif company is None and chunk_companies and flag in _ORG_START:
                end = index
                while end + 1 < len(pairs) and pairs[end + 1][1] in _ORG_PART and pairs[end + 1][0].strip():
                    end += 1
                after = pairs[end + 1][0] if end + 1 < len(pairs) else ""
                if after in ("", "的") or not after.strip():
                    company = "".join(w for w, _ in pairs[index:end + 1])
                    if name is not None and company.endswith(name):
                        company = company[: -len(name)] or None
            index += 1
        return name, company

    return parse


# ============================================================================ measuring


@dataclass
class Result:
    parser: str
    task: str
    languages: tuple[str, ...]
    outcomes: list[tuple[str, Any, Any, bool]] = field(default_factory=list)
    """(utterance, expected, got, right) per case."""
    micros: list[float] = field(default_factory=list)
    first_call_ms: float = 0.0

    def accuracy(self, language: str | None = None) -> tuple[int, int]:
        rows = [o for o in self.outcomes if language is None or _language(o[0]) == language]
        return sum(1 for o in rows if o[3]), len(rows)

    @property
    def failures(self) -> list[tuple[str, Any, Any, bool]]:
        return [o for o in self.outcomes if not o[3]]


def _language(text: str) -> str:
    return "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"


def _accepts(expected: Accepted, got: str | None) -> bool:
    if isinstance(expected, tuple):
        return got in expected
    return got == expected


def measure(parser: str, task: str, func: Callable[[str], Any], cases: Sequence[tuple[str, Any]],
            check: Callable[[Any, Any], bool], languages: tuple[str, ...] = ("zh", "en")) -> Result:
    """Each case once for the answer (the very first call timed apart: lazy loading), then
    REPEATS more times each for the per-call latency."""
    result = Result(parser, task, languages)
    cases = [c for c in cases if _language(c[0]) in languages]
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        for number, (text, expected) in enumerate(cases):
            started = time.perf_counter_ns()
            got = func(text)
            if number == 0:
                result.first_call_ms = (time.perf_counter_ns() - started) / 1e6
            result.outcomes.append((text, expected, got, check(expected, got)))
        for _ in range(REPEATS):
            for text, _expected in cases:
                started = time.perf_counter_ns()
                func(text)
                result.micros.append((time.perf_counter_ns() - started) / 1e3)
    return result


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _identity_check(expected: tuple[Accepted, Accepted], got: tuple[str | None, str | None]) -> bool:
    return _accepts(expected[0], got[0]) and _accepts(expected[1], got[1])


def run() -> list[Result]:
    results: list[Result] = []
    phone_exact = _accepts
    identity_cases = [(text, (name, company)) for text, name, company in IDENTITY_CASES]

    # ---------------------------------------------------------------- phone numbers
    results.append(measure("ours: parse.phone_number", "phone", phone_number, PHONE_CASES, phone_exact))
    phonenumbers = _load("phonenumbers")
    cn2an = _load("cn2an")
    if phonenumbers is not None:
        results.append(measure("phonenumbers, raw text", "phone",
                               phonenumbers_pipeline(phonenumbers, lambda t: t), PHONE_CASES, phone_exact))
        results.append(measure("digit map → phonenumbers", "phone",
                               phonenumbers_pipeline(phonenumbers, digit_map), PHONE_CASES, phone_exact))
        results.append(measure("digit map → phonenumbers (POSSIBLE)", "phone",
                               phonenumbers_pipeline(phonenumbers, digit_map, lenient=True), PHONE_CASES, phone_exact))
        results.append(measure("ours → phonenumbers validity check", "phone", validated_ours_pipeline(phonenumbers),
                               PHONE_CASES, phone_exact))
        if cn2an is not None:
            results.append(measure("cn2an → phonenumbers", "phone",
                                   phonenumbers_pipeline(phonenumbers, lambda t: cn2an_map(t, cn2an)),
                                   PHONE_CASES, phone_exact))
            results.append(measure("cn2an → phonenumbers (POSSIBLE)", "phone",
                                   phonenumbers_pipeline(phonenumbers, lambda t: cn2an_map(t, cn2an), lenient=True),
                                   PHONE_CASES, phone_exact))

    # ---------------------------------------------------------------- caller identity
    results.append(measure("ours: parse.caller_identity", "identity", ours_identity, identity_cases, _identity_check))
    posseg = _load("jieba.posseg")
    if posseg is not None:
        jieba = _load("jieba")
        if jieba is not None:
            jieba.setLogLevel(60)
        results.append(measure("jieba.posseg nr / nt", "identity", jieba_identity_pipeline(posseg, False),
                               identity_cases, _identity_check, languages=("zh",)))
        results.append(measure("jieba.posseg nr + company chunk", "identity", jieba_identity_pipeline(posseg, True),
                               identity_cases, _identity_check, languages=("zh",)))

    # ---------------------------------------------------------------- times of day
    results.append(measure("ours: parse.clock_time", "time", ours_time, TIME_CASES, _accepts))
    dateparser = _load("dateparser")
    if dateparser is not None:
        results.append(measure("dateparser.search_dates", "time", dateparser_pipeline(dateparser, lambda t: t),
                               TIME_CASES, _accepts))
        if cn2an is not None:
            def numerals(text: str) -> str:
                words = _EN_TIME_WORD.sub(lambda m: _EN_TIME_WORDS[m.group(1).lower()], text)
                return cn2an_map(words, cn2an)

            results.append(measure("cn2an + number words → dateparser", "time",
                                   dateparser_pipeline(dateparser, numerals), TIME_CASES, _accepts))
    jio = _load("jionlp")
    if jio is not None:
        results.append(measure("jionlp.ner.extract_time", "time", jionlp_pipeline(jio), TIME_CASES, _accepts))
        results.append(measure("jionlp.ner.extract_time (zh only)", "time", jionlp_pipeline(jio), TIME_CASES,
                               _accepts, languages=("zh",)))
    return results


# ============================================================================ reporting


def _share(right: int, total: int) -> str:
    return f"{right}/{total} ({100 * right / total:.0f} %)" if total else "n/a"


def table(results: list[Result]) -> list[str]:
    lines = ["| task | parser | accuracy | zh | en | failures | p50 µs | p95 µs | first call ms |",
             "| --- | --- | --- | --- | --- | --- | ---: | ---: | ---: |"]
    for r in results:
        lines.append(
            f"| {r.task} | {r.parser} | {_share(*r.accuracy())} | {_share(*r.accuracy('zh'))} | "
            f"{_share(*r.accuracy('en'))} | {len(r.failures)} | {_percentile(r.micros, 0.5):,.0f} | "
            f"{_percentile(r.micros, 0.95):,.0f} | {r.first_call_ms:,.1f} |"
        )
    return lines


def _show(value: Any) -> str:
    return "None" if value is None else str(value)


def ours_wrong_library_right(results: list[Result]) -> list[str]:
    """Cases our parser gets wrong and some library pipeline gets right: bugs to look at."""
    lines: list[str] = []
    for task in ("phone", "identity"):
        ours = next((r for r in results if r.task == task and r.parser.startswith("ours")), None)
        if ours is None:
            continue
        for text, expected, got, right in ours.outcomes:
            if right:
                continue
            winners = [r.parser for r in results if r.task == task and not r.parser.startswith("ours")
                       and any(o[0] == text and o[3] for o in r.outcomes)]
            if winners:
                lines.append(f"- [{task}] `{text}`: expected {_show(expected)}, ours {_show(got)}; "
                             f"right in {', '.join(winners)}")
    return lines or ["- none"]


def failure_lists(results: list[Result]) -> list[str]:
    lines: list[str] = []
    for r in results:
        if not r.failures or r.parser.startswith("ours: none"):
            continue
        lines.append(f"\n### {r.task}: {r.parser} ({len(r.failures)} failures)\n")
        for text, expected, got, _ in r.failures:
            lines.append(f"- `{text}`: expected {_show(expected)}, got {_show(got)}")
    return lines


def _tree() -> str:
    """The commit measured, and whether the parsers had uncommitted changes (they count)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "bot"], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "an unknown commit"
    changed = [line[3:] for line in dirty if line.strip()]
    return f"commit {head}" + (f" plus uncommitted changes in {', '.join(changed)}" if changed else "")


def write_markdown(results: list[Result]) -> None:
    kept = ""
    if RESULTS.exists():
        existing = RESULTS.read_text(encoding="utf-8")
        if MARKER in existing:
            kept = existing.split(MARKER, 1)[0]
    if not kept:
        kept = "# Parser libraries against our parsers\n\n(Recommendation: write it here.)\n\n"
    versions = []
    for name in ("phonenumbers", "cn2an", "dateparser", "jionlp", "jieba"):
        try:
            from importlib.metadata import version

            versions.append(f"{name} {version(name)}")
        except Exception:  # not installed: not measured
            versions.append(f"{name} not installed")
    body = [
        MARKER, "",
        f"Measured {dt.date.today().isoformat()} on {_tree()} with Python {sys.version.split()[0]}; "
        f"{', '.join(versions)}.",
        f"Cases: {len(PHONE_CASES)} phone, {len(IDENTITY_CASES)} identity, {len(TIME_CASES)} time. "
        f"Latency: per call after a warm-up pass, {REPEATS} passes; the first call of each parser is apart.",
        "",
        *table(results), "",
        "## Our parser wrong, a library right", "",
        *ours_wrong_library_right(results), "",
        "## Failures", *failure_lists(results), "",
    ]
    RESULTS.write_text(kept + "\n".join(body), encoding="utf-8")


def main() -> None:
    results = run()
    print()
    print("\n".join(table(results)))
    print("\nOur parser wrong, a library right:")
    print("\n".join(ours_wrong_library_right(results)))
    for r in results:
        if r.failures and not r.parser.startswith("ours: none"):
            print(f"\n{r.task} / {r.parser}: {len(r.failures)} failures")
            for text, expected, got, _ in r.failures:
                print(f"   {text!r}: expected {_show(expected)}, got {_show(got)}")
    if SKIPPED:
        print(f"\nnot rewriting {RESULTS.relative_to(ROOT)}: {', '.join(SKIPPED)} missing (see the docstring)")
        return
    write_markdown(results)
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
