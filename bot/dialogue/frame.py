"""Everything one utterance says that the conversation needs, whatever was asked.

Callers give several facts in one breath: "行 那你帮我留个言吧 我是中通的周先生 电话一三九 一二三四
五六七八 就是上周那批货的发票 请她回个电话" holds the caller's name and company, a call-back number
and the matter. `harvest` reads them all, so that the receptionist asks only for what is still
missing and never again for what it was told.

The matter is what is left of the utterance once the clauses that do other work are set aside:
greetings and fillers, the caller introducing themselves, the request itself (找, 转, 留言, put me
through), numbers, and a bare "很急" / "不急". What remains ("上周那批货的发票") is what the callee
needs to hear.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.dialogue import parse

_CLAUSE = re.compile(r"[.,!?;:。，！？；：、…~～\"“”()（）\[\]【】<>《》|/\\]+|\s+(?=\S)")
_EN_CLAUSE = re.compile(r"[.,!?;:。，！？；：…()\[\]|/\\]+|\s+(?:and|but|so|because)\s+"
                        r"|\s+(?=(?:please |just |and )?(?:tell|let|ask) (?:him|her|them)\b)|\s+(?=my (?:number|name|phone)\b)"
                        r"|\s+(?=(?:this is|i'?m|it'?s) [A-Z])", re.IGNORECASE)

_IDENTITY = re.compile(
    r"我是|我叫|我姓|免贵姓|本人|我们是|这边是|这里是|^姓|名字|(?:^|\s)我们?(?!是|要|想|找|在|的|这|那|就|也)\S{2,12}的(?:\s|$)|"
    r"\b(?:this is|my name|i'?m|i am|it'?s)\b|\bcalling from\b|\bfrom (?:the )?[A-Z]|"
    r"\b(?:tell|let) (?:him|her|them)\b.*\b(?:called|rang|phoned)\b", re.IGNORECASE)
"""The caller introduces themselves: only then is a name in the utterance theirs (a bare 刘洋 is
more often whom they want)."""

_SET_ASIDE = re.compile(
    r"^留|^(?:喂+|你好|您好|hello|hi|hey|good (?:morning|afternoon|evening)|总机|行|好|好的|好吧|行吧|那好|那行|嗯+|对|对的|是的|那|那个|"
    r"呃+|额|um+|uh+|ok|okay|yes|yeah|please|thanks|谢谢|麻烦了?|就这样|就这些|不好意思|对不起|抱歉|sorry|excuse me|"
    r"哦?(?:不对)+|哦|no no|sorry no)$|^不用(?:了|打|转|找|接)"
    r"|我是|我叫|我姓|免贵|姓\S|这边是|这里是|我们是|this is|my name|i'?m |i am "
    r"|找|转|接一下|接个|帮我接|给我接|^(?:我)?(?:来|是来)?(?:拜访|来访)\S{0,6}$|见一下|见见|看望|visit|(?:see|meet) (?:mr|ms|mrs|dr|him|her)|留个?言|留个?话|带个?话|转告|回个?电话|回电|回我|打给我|打我|联系我|"
    r"^(?:我的|我)?(?:电话|号码|手机号?|分机|座机)|刚才(?:都)?(?:说|讲)(?:了|过)|already (?:said|told)|"
    r"speak (?:to|with)|talk (?:to|with)|put me through|looking for|get hold of|message for|leave a message|"
    r"call (?:me )?back|get back to me|my number|number is|reach me"
    r"|^(?:很|非常|特别|有点)?急+|^不急|^急着用$|不着急|(?:明天|下周|改天|回头|过两天|以后|节后|上班后?)再说|urgent|not urgent|no rush|no hurry|can wait|下班了"
    r"|^(?:(?:yes|yeah|ok|okay|sure|all right|alright|then|so|fine|just)\s+)*(?:a |take a |leave a )?message$"
    r"|\b(?:is|are) (?:\w+ ){0,3}(?:available|there|in)\s*\??$|\bisn'?t it\b|\bholiday\b|在不在|在吗|放假|下班了吗|还上班吗"
    r"|\b(?:give|tell|send) me (?:his|her|their|the) (?:cell|mobile|phone|number|direct)|手机号|号码给我|电话给我"
    r"|\b(?:can|could|may) i (?:get|have|speak|talk|reach)\b|\bi'?d like to (?:speak|talk)\b|\bno worries\b|"
    r"\bnever mind\b|\bthat'?s fine\b|\bfair enough\b",
    re.IGNORECASE)
_ONLY_DIGITS = re.compile(r"^[\d零〇一幺二两三四五六七八九十+\-\s]+$|^(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|"
                          r"nine|double|triple|plus)\s*)+$", re.IGNORECASE)

_APPOINTMENT = re.compile(
    r"约了|约好|约过|预约|有约|约的|约在|约定|appointment|have an? (?:\w+ )?(?:meeting|o'?clock)|meeting with|"
    r"\b(?:my|our) (?:\w+ )?(?:o'?clock|meeting)\b|"
    r"(?:i'?m|we'?re) expected|scheduled|booked|"
    r"(?:have|got) an? (?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,2})\b", re.IGNORECASE)
_NO_APPOINTMENT = re.compile(r"没(?:有)?(?:预约|约)|没约|no appointment|not (?:booked|expected)|without an appointment",
                             re.IGNORECASE)

_ABOUT = re.compile(r"\b(?:about|regarding|concerning|re)\b:?\s+(.+?)(?:[.;!?]|,?\s+(?:and )?my number|"
                    r",\s*(?:please |can you |could you )?(?:call|ring)|$)", re.IGNORECASE)
"""English callers name the matter after "about": "call me back about the quote we discussed"."""

_DOING = frozenset("来找给送帮去要想在是到过拿取办问说做交谈修看")
"""First characters of "来送发票的", "办执照的": what they come to do, not where they are from."""
_LANGUAGE_TALK = re.compile(r"中文不太好|中文不好|不会说中文|英[文语]不太?好|不会说英[文语]|说英[文语]|讲英[文语]|说中文|讲中文|"
                            r"speak (?:english|chinese)|"
                            r"in english|in chinese|my chinese|my english|don'?t speak", re.IGNORECASE)
_SPELLED = re.compile(r"(\S)\S{0,3}的\1|弓长张|立早章|木子李|耳东陈|口天吴|文刀刘|双木林|古月胡|草头黄|三横王|言午许|禾口程|"
                     r"人可何|子小孙|关耳郑|双口吕|门口闫|走肖赵|\bspelt?\b|\bspelled\b|as in\b")

MIN_MATTER_CHARS = 4
"""A shorter remainder ("那个吧") is no matter."""
MIN_ANSWER_MATTER_CHARS = 6
"""…and after an answer to another question, a short remainder is more of that answer."""


_MESSAGE_WISH = re.compile(r"留个?言|留个?话|带个?话|转告|(?:^|\s|那|就)留吧|留一个吧|"
                           r"让(?:他|她|人|他们|她们|同事)?(?:给我)?回(?:我)?(?:个)?电话|请(?:他|她|人|他们|同事)?(?:给我)?回电|"
                           r"给我回个?电话|"
                           r"leave (?:a|him a|her a) message|take a message|"
                           r"(?:have|ask) (?:him|her|them|someone) (?:to )?call me",
                           re.IGNORECASE)
_IF_NOT_IN = re.compile(r"(?:要是|如果|万一|假如)(?:他|她|人)?(?:不在|没接|不接|没空|忙)|不在的话|不在就|不在我就|"
                        r"\bif (?:he|she|they)(?:'s| is| are)? (?:not|isn'?t|aren'?t)|\botherwise\b|if nobody answers",
                        re.IGNORECASE)


def message_wish(text: str) -> str | None:
    """"now" when the caller asks to leave a message, "if_unanswered" for "她要是不在我就留个言"."""
    if not _MESSAGE_WISH.search(text or ""):
        return None
    return "if_unanswered" if _IF_NOT_IN.search(text) else "now"


@dataclass(frozen=True)
class Facts:
    name: str | None = None
    company: str | None = None
    callback: str | None = None
    matter: str | None = None
    appointment: bool | None = None
    appointment_time: str | None = None
    """"HH:MM", only when the utterance speaks of an appointment ("约了两点半", "my eleven o'clock")."""


def harvest(text: str, entities: Mapping[str, str] | None = None, caller_id: str | None = None) -> Facts:
    """What `text` says about the caller, their number, their matter and an appointment."""
    text = (text or "")[:parse.MAX_TEXT_CHARS]
    identity = parse.caller_identity(text, entities) if _IDENTITY.search(text) else parse.Identity()
    callback = parse.phone_number(text)
    if callback is None and caller_id and parse.wants_same_number(text):
        callback = caller_id
    appointment = appointment_of(text)
    return Facts(name=identity.name, company=identity.company, callback=callback, matter=matter_of(text),
                 appointment=appointment, appointment_time=parse.clock_time(text) if appointment else None)


def appointment_of(text: str) -> bool | None:
    """True for "约了十点", "I have a two o'clock with…"; False for "没有预约"; None when not said."""
    if _NO_APPOINTMENT.search(text or ""):
        return False
    return True if _APPOINTMENT.search(text or "") else None


def matter_of(text: str, answering: bool = False) -> str | None:
    """The part of `text` that says what it is about, or None. `answering`: the text answers a
    question about something else (the name, the company), so its first clause is that answer."""
    han = bool(re.search(r"[\u4e00-\u9fff]", text or ""))
    clauses = [c.strip() for c in (_CLAUSE if han else _EN_CLAUSE).split(text or "") if c and c.strip()]
    clauses = [_purpose_in_introduction(_after_request(c)) for c in clauses]
    kept = [c for c in clauses[1 if answering else 0:] if not _set_aside(c)]
    about = _ABOUT.search(text or "")
    if about and not han:
        kept = [about.group(1)]
    matter = parse.clean_matter((" " if han else ", ").join(kept))
    size = len(matter) if han else len(matter.split()) * 2
    return matter if size >= (MIN_ANSWER_MATTER_CHARS if answering else MIN_MATTER_CHARS) else None


_WHAT_THEY_DO = re.compile(r"^(?:是|就是)?(?:做|搞|生产|专门做|专做|卖)\S|^(?:we )?(?:make|making|sell|selling|do|build)\b",
                           re.IGNORECASE)


def describes_the_company(text: str) -> bool:
    """"汇川 做伺服电机的那个汇川", "Xaar, we make print heads": the company answered, then described."""
    han = bool(re.search(r"[\u4e00-\u9fff]", text or ""))
    clauses = [c.strip() for c in (_CLAUSE if han else _EN_CLAUSE).split(text or "") if c and c.strip()]
    first = clauses[0] if clauses else ""
    return any((len(first) >= 2 and first in clause) or _WHAT_THEY_DO.match(clause) for clause in clauses[1:])


_REQUEST_THEN_MATTER = re.compile(
    r"^.{0,6}?(?:找|转|接|跟)\S{1,8}?(?:聊一?下|谈一?下|谈谈|聊聊|说一?下|问一?下|商量一?下|沟通一?下|确认一?下|了解一?下|"
    r"反映一?下|汇报一?下)(?P<matter>\S{3,})")


def _after_request(clause: str) -> str:
    """"找林总聊一下今年的授信" → "今年的授信", "tell her the price list is in her inbox" → "the price
    list is in her inbox": the matter said in the same breath as the request."""
    found = _REQUEST_THEN_MATTER.match(clause)
    if found:
        return found.group("matter")
    told = _TELL_THEM.match(clause)
    return (told.group("matter") or told.group("zh")) if told else clause


_INTRODUCED_BY_PURPOSE = re.compile(r"^(?:我是|我就是)(?P<purpose>\S{0,5}?来\S{2,8}?)的\S{1,4}$")


def _purpose_in_introduction(clause: str) -> str:
    """"我是前两天来面试的杨帆" → "前两天来面试": the caller introduced by what they came for."""
    found = _INTRODUCED_BY_PURPOSE.match(clause)
    return found.group("purpose") if found else clause


_TELL_THEM = re.compile(r"^(?:(?:ok|okay|so|and|then|just|please)\s+)*(?:tell|let) (?:him|her|them)(?: know)?(?: that)?\s+"
                        r"(?P<matter>.{8,})$|^(?:你)?(?:跟|告诉|和)(?:他|她)说(?:一下|一声)?(?P<zh>\S{3,})$", re.IGNORECASE)


def _set_aside(clause: str) -> bool:
    if _ONLY_DIGITS.match(clause) or parse.phone_number(clause):
        return True
    if not re.search(r"[\u4e00-\u9fff]", clause) and len(clause.split()) <= 5 and parse.caller_identity(clause).name:
        return True  # "Tom Walsh from Domino": who is calling
    if not re.search(r"[\u4e00-\u9fff]", clause) and len(clause.split()) <= 3:
        return True  # "Kevin please", "Kevin Brown", "yes go ahead": a name or an answer, not a matter
    if _SPELLED.search(clause) or (len(clause) <= 3 and parse.caller_name(clause)):
        return True  # "双口吕", "占卜的卜", "卜凡": the name spelled out or said again
    company = parse.company(clause)
    if company and len(re.sub(r"^我是?|的\S{0,6}$", "", clause.replace(company, "")).strip("的 ")) <= 1:
        return True  # "苏州银行的", "我德邦物流的司机": where they are from
    if (re.fullmatch(r"[\u4e00-\u9fff]{2,8}的", clause) and clause[0] not in _DOING) \
            or re.match(r"(?i)from\s+\S+(?:\s+\S+){0,3}$", clause):
        return True  # "锦华模具的", "from Barilla": the company, in a word
    if _LANGUAGE_TALK.search(clause) or (parse.is_not_urgent(clause) and len(clause) <= 8):
        return True  # "我英语不太好", "也不是啥急事"
    if _APPOINTMENT.search(clause) and (len(re.sub(r"约了|约好了?|的|跟|和|\S{0,6}(?:点|半)", "", clause)) <= 10
                                        if re.search(r"[\u4e00-\u9fff]", clause) else not _ABOUT.search(clause)):
        return True  # "跟孙主管约好了的", "约了十点", "I have a two o'clock with…": the appointment, not the matter
    return bool(_SET_ASIDE.search(clause))
