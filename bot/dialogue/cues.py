"""Does what the caller said carry the words an intent needs? A check on the NLU's reading.

The intent classifier reads the whole utterance and can be sure of the wrong thing: "个税汇算多交了
怎么退回来" as a question about the address, "our coder keeps jamming, can somebody help" as a
request to leave a message. Some intents make the receptionist do something the caller did not
ask for (read out the address, start taking a message), so they count only when the text has a
word of that kind; otherwise the turn is read as if the NLU had not been sure (intent None), and
the text decides: whom or what department it names, what matter it describes.
"""

from __future__ import annotations

import re

_PLACE = (r"地址|在哪|哪里|哪儿|位置|怎么走|怎么去|怎么过去|怎么到|路线|几楼|地铁|公交|停车|"
          r"address|where (?:are|is) (?:you|your|the (?:office|company|building|centre|center|entrance))|"
          r"where'?s (?:your|the (?:office|company|building|centre|center|entrance))|where (?:do|can) i (?:go|find|park)|"
          r"where exactly|located|location|directions|get (?:to|there)|find you|which floor|metro|subway|bus")
"""Words of a question about where the organisation is: not "where's my shipment", "where can I report it"."""
_TIME = (r"几点|时间|开门|关门|下班|上班|营业|周末|节假日|假期|开放|休息|"
         r"hours|open|clos|when|weekend|holiday|what time|today|tomorrow")
_MESSAGE = (r"留言|留个言|留话|留个话|转告|转达|带个话|告诉他|告诉她|回电|回个电话|回我|打给我|联系我|给我回|回复我|"
            r"message|call (?:me )?back|get back to me|ring me|contact me|let (?:him|her|them) know|"
            r"tell (?:him|her|them)|pass (?:it |this )?on|note for|return my call")

_SELLING = (r"推广|合作|产品|介绍|优惠|促销|代理|加盟|报价|方案|营销|广告|网站|服务商|供应|采购|业务|贷款|保险|理财|培训|招商|"
            r"演示|系统|软件|平台|设备|做\S{1,8}的|"
            r"猎头|机会|展会|offer|promot|partner|product|service|solution|demo|discount|deal|quote|advertis|"
            r"marketing|opportunit|introduc|sell|supplier|vendor|loan|insurance|training|sponsor|recruit|headhunt|"
            r"software|platform|system|we make|we offer|we provide")
_NUMBER = (r"电话|号码|手机|联系方式|微信|怎么联系|多少号|分机|number|mobile|cell|phone|contact|reach (?:him|her|them)|"
           r"whatsapp|wechat|extension")

_THEIR_NUMBER = re.compile(
    r"(?:把|给我|告诉我|发我|报一下|说一下|要一下|问一下|查一下|要个)[^，。,.]{0,12}?(?:手机|电话|号码|联系方式|微信)|"
    r"(?:手机|电话|号码|手机号|联系方式|微信)(?:号码?)?(?:是|是多少|多少|给我|发我|告诉我)|"
    r"\b(?:what'?s|what is|give me|could (?:i|you)(?: maybe)? (?:get|have|give me)|can (?:i|you) (?:get|have|give me)|"
    r"may i (?:get|have)|need|want|send me)\b[^.?!]{0,40}?\b(?:mobile|cell|phone number|number|contact details|wechat)\b",
    re.IGNORECASE)
"""Asking for somebody's number ("把吴晓军的手机号给我", "陈总的手机号是多少", "what's Director Zheng's
mobile", "could I get Qiu Feng's mobile number")."""
_OWN_NUMBER = re.compile(r"打我(?:这个|的)?(?:手机|电话)|我(?:的)?(?:手机|电话)(?:号)?(?:是|就是|打)|"
                         r"(?:电话|手机)[^，。,.]{0,6}(?:打不通|没人接|接不通)|"
                         r"回个?电话|回电|回我|留个?(?:电话|号码|手机)|\d{7,}|[零一二三四五六七八九幺]{7,}|"
                         r"\b(?:my (?:number|mobile|cell|phone)|call me (?:on|at)|reach me (?:on|at)|call ?back)\b",
                         re.IGNORECASE)
"""The caller's own number, or a line that does not answer: not asking for one ("电话就打我这个手机",
"司机电话一直打不通")."""


_OTHER_NUMBERS = re.compile(r"房间号|房号|几号房|号房|工单号|\b(?:room|case|ticket|order) number\b", re.IGNORECASE)


def asks_for_a_number(text: str) -> bool:
    """The caller asks for somebody's phone number, in so many words."""
    text = text or ""
    if _OTHER_NUMBERS.search(text):
        return False  # a room number (never told either, but not a phone number) or a case number
    return bool(_THEIR_NUMBER.search(text)) and not (_OWN_NUMBER.search(text) and not re.search(
        r"(?:他|她|他们|[^我你]的)(?:手机|电话|号码)|\b(?:his|her|their|'s) (?:mobile|cell|number|phone)", text,
        re.IGNORECASE))


_LEAVING = (r"再见|拜拜|挂|谢谢|多谢|感谢|没事了|没别的|没有了|不用了|就这样|就这些|算了|好的|好吧|行|嗯|"
            r"bye|thank|cheers|that'?s (?:all|it)|nothing else|no(?:pe)?\b|ok|okay|great|fine|see you")

NEEDS_CUE: dict[str, re.Pattern[str]] = {
    "goodbye": re.compile(_LEAVING, re.IGNORECASE),
    "ask_address": re.compile(_PLACE, re.IGNORECASE),
    "ask_directions": re.compile(_PLACE, re.IGNORECASE),
    "ask_hours": re.compile(_TIME, re.IGNORECASE),
    "leave_message": re.compile(_MESSAGE, re.IGNORECASE),
    "callback_request": re.compile(_MESSAGE, re.IGNORECASE),
    "ask_phone_number": re.compile(_NUMBER, re.IGNORECASE),
    "sales_pitch": re.compile(_SELLING, re.IGNORECASE),
    "request_operator": re.compile(r"人工|总机|接线|工作人员|真人|前台|客服|operator|human|person|someone|somebody|"
                                   r"anyone|staff|reception|switchboard|real", re.IGNORECASE),
}


def plausible_intent(intent: str | None, text: str) -> str | None:
    """`intent`, or None when it is one that needs a cue word and the text has none. A request for
    somebody's number said in so many words is `ask_phone_number` whatever the NLU read, and a number
    mentioned without asking for one is not."""
    if asks_for_a_number(text):
        return "ask_phone_number"
    if intent == "ask_phone_number" and _OWN_NUMBER.search(text or ""):
        return None
    pattern = NEEDS_CUE.get(intent or "")
    if pattern is None:
        return intent
    return intent if pattern.search(text or "") else None


# ------------------------------------------------------------------ requests said in so many words

_FAREWELL = re.compile(r"再见|拜拜|先挂了|挂了啊|我先挂|回头再打|\b(?:bye|goodbye|bye-bye)\b", re.IGNORECASE)
_HUMAN = re.compile(
    r"(?:转|接|找|叫|要|给我)(?:个|一下|一个)?(?:人工|真人|工作人员|接线员|总机)|人工服务|转人工|"
    r"\b(?:real person|human being|a human|an operator|the operator|a member of staff|someone real|live person)\b",
    re.IGNORECASE)
_REDIRECT = re.compile(r"转|接|找|换|put me through|transfer me|connect me|speak to|talk to|instead|get me|"
                       r"\b(?:i'?ll|let me) (?:try|have)\b", re.IGNORECASE)
_ENGLISH = re.compile(r"speak english|in english|english please|说英文|讲英文|说英语|讲英语|用英文|用英语", re.IGNORECASE)
_CHINESE = re.compile(r"说中文|讲中文|说普通话|讲普通话|用中文|speak chinese|in chinese|mandarin", re.IGNORECASE)


_COMPLAINT = re.compile(r"投诉|\b(?:make|file|lodge|register) a complaint\b|\bcomplain(?:ing)? about\b|\bi want to complain\b",
                        re.IGNORECASE)


def says_complaint(text: str) -> bool:
    """"我要投诉你们", "I want to make a complaint": a complaint said in so many words."""
    return bool(_COMPLAINT.search(text or ""))


def says_goodbye(text: str) -> bool:
    """"算了 我明天直接去窗口问吧 再见", "never mind, bye": the caller is leaving, whatever was asked."""
    return bool(_FAREWELL.search(text or ""))


def asks_for_a_human(text: str) -> bool:
    """"你转人工吧", "叫个工作人员过来", "can I talk to a real person"; not "不用转人工了 让人给我回个电话"."""
    return any(not _DECLINED.search(text[max(0, m.start() - 20):m.start()]) for m in _HUMAN.finditer(text or ""))


_DECLINED = re.compile(r"(?:不用|不要|别|甭|无需|不必|不需要)[了再帮给我你]*$|\b(?:don'?t|no need to|not)\b[\w ]*$", re.I)


def put_through_to(text: str) -> str | None:
    """What follows the last words asking for a transfer ("算了张总也忙 你帮我转财务部李娜吧" →
    "财务部李娜吧"), to tell a new request from an answer that happens to contain a name; None
    when nothing asks for one."""
    tails = request_tails(text)
    return tails[0] if tails else None


def request_tails(text: str) -> list[str]:
    """What follows each word asking for a transfer, the last first ("其实你帮我转谢经理吧 找他也一样"
    → "他也一样", "谢经理吧 找他也一样")."""
    return [text[m.end():] for m in reversed(list(_REDIRECT.finditer(text or "")))]


def language_asked_for(text: str) -> str | None:
    """"can we speak English please" → en, "我还是说中文吧" → zh, else None."""
    if _ENGLISH.search(text or ""):
        return "en"
    return "zh" if _CHINESE.search(text or "") else None


_FILLERS = re.compile(r"喂|你好|您好|听得到吗|听得见吗|能听到吗|听到了吗|有人吗|那个|这个|呃|嗯|啊|哎|诶|唉|哦|"
                      r"\b(?:hello|hi|hey|um+|uh+|er+|hm+|can you hear me|are you there|anyone there)\b",
                      re.IGNORECASE)


def only_fillers(text: str) -> bool:
    """"喂 喂 听得到吗 那个 呃", "hello? um": nothing said yet but sounds that keep the line."""
    return not re.sub(r"[\W_]+", "", _FILLERS.sub("", text or ""))
