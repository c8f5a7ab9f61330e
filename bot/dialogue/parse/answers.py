"""Yes or no, urgency, and the caller's matter as it goes into a message."""

from __future__ import annotations

import re

from bot.dialogue.parse.text import _PUNCT, MAX_MATTER_CHARS, _clean, _has_han

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



# ============================================================================ urgency and the matter

_ZH_EMERGENCY = (r"冒烟|着火|起火|失火|火灾|漏水|漏油|漏气|泄漏|进水|淹了|爆炸|停产|停线|全停|都停|线停了|停了下来|"
                 r"报警器|警报|出事|事故|受伤|晕倒|昏倒|流血|翻进|闯进|有人闯|被盗|被偷|井盖|塌陷|坍塌|塌了|掉进去|掉下去|"
                 r"爆管|水管爆|水管裂|被困|困在电梯|电梯困人|闻到煤气|煤气味|燃气味")
"""Something is happening now: smoke, a leak, a stopped line, an alarm, an injury, a break-in."""
_EN_EMERGENCY = (r"smok(?:e|ing)|on fire|caught fire|a fire|fire (?:in|at|broke)|leak(?:s|ing)?|flood(?:ed|ing)?|explo(?:sion|ded)|"
                 r"(?:line|production|plant|machines?|system)s? (?:has |have |is |are )?(?:stopped|down)|"
                 r"alarm|injur(?:ed|y)|bleeding|collapsed|broke in|break-in|intruder|hole in the road|sinkhole|manhole|"
                 r"cover (?:is |has )?(?:gone|missing|off)|(?:has|have|had|just) burst|burst (?:pipe|main|water)|trapped|stuck in the (?:lift|elevator)|smell(?:s)? (?:of )?gas|"
                 r"gas smell|(?:deal with|fix|sort out|look at|come out to|handle) (?:it|this|that) (?:tonight|right now|now)")

_ZH_NOT_URGENT = re.compile(r"不是(?:啥|什么|很)?急事|没(?:啥|什么)急事|不(?:是很|太|怎么|用|必|需要)?(?:着急|急|紧急|赶)|没(?:那么|什么)?(?:急|着急)|不要紧|慢慢来|有空再|方便的时候|明天再说|明天(?:再)?(?:联系|回|打)|上班(?:以|之)?后再|等上班")
_EN_NOT_URGENT = re.compile(
    r"\bnot (?:that |very |really |too |an? )?(?:urgent|emergency|pressing|rush|hurry|in a hurry|important)\b"
    r"|\bno (?:rush|hurry|urgency)\b|\bwhenever\b|\bin (?:his|her|their) own time\b|\bnothing urgent\b|\bnon-?urgent\b"
    r"|\bcan wait\b|\b(?:wait )?(?:till|until) tomorrow\b"
)
_ZH_URGENT = re.compile(r"急|紧急|火急|马上|尽快|赶紧|赶快|立刻|立即|越快越好|要紧|加急|十万火急|刻不容缓|" + _ZH_EMERGENCY)
_EN_URGENT = re.compile(
    r"\b(?:urgent|urgently|emergency|asap|a\.s\.a\.p|as soon as possible|right away|immediately|"
    r"critical|in a hurry|hurry|time[- ]sensitive|(?:need|want|get) (?:someone|somebody|help) (?:now|here)|"
    r"" + _EN_EMERGENCY + r")\b"
)


def is_not_urgent(text: str) -> bool:
    """Whether the caller says outright that it is not urgent: "不急不急", "明天再说也行"... "no rush"."""
    clean = _clean(text).lower()
    return bool(clean) and bool(_ZH_NOT_URGENT.search(re.sub(r"\s+", "", clean)) or _EN_NOT_URGENT.search(clean))


def is_urgent(text: str) -> bool:
    """Whether the caller says it is urgent (很急, 尽快, urgent, asap) or describes an emergency (冒烟,
    漏水, the line has stopped); "不急" / "not urgent" said outright wins."""
    clean = _clean(text).lower()
    if not clean:
        return False
    compact = re.sub(r"\s+", "", clean)
    if _ZH_NOT_URGENT.search(compact) or _EN_NOT_URGENT.search(clean):
        return False
    return bool(_ZH_URGENT.search(compact) or _EN_URGENT.search(clean))


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
