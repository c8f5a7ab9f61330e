""""我改天再来", "I'll come back tomorrow": a visitor who will come again, and when they said.

The rulebooks (../shared/seeds, 行政前台岗位职责): 若来访者表示下次再来，则需在《来访登记簿》上注明,
and the host is told. A small pattern, not the NLU: the training data is not this feature's to change.
"""

from __future__ import annotations

import re

_ZH_WHEN = (r"今天下午|今天晚些|今晚|明天(?:上午|下午|早上)?|明早|后天(?:上午|下午)?|"
            r"下(?:个)?(?:周|星期|礼拜)[一二三四五六日天]?|(?:这|本)?(?:周|星期|礼拜)[一二三四五六日天]|"
            r"改天|过两天|过几天|回头|晚点|晚些时候|下次|下回|等会儿?|一会儿?|\d{1,2}号|[一二三四五六七八九十]{1,3}号")
_ZH_CUE = re.compile(r"(?:改天|过两天|过几天|下次|下回|回头|明天|后天|下(?:个)?(?:周|星期|礼拜)|晚点|晚些时候|等会儿?|"
                     r"一会儿?|今天下午)\S{0,4}?再(?:过)?来|再(?:过)?来(?:一趟|一次)?(?:吧|好了)|下次再来|改天再来|"
                     r"(?:明天|后天|下周|改天)(?:再)?过来")
_EN_WHEN = (r"tomorrow(?: morning| afternoon)?|later(?: today| on)?|this afternoon|next week|another day|"
            r"some other time|next time|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
            r"in a (?:few|couple of) days|another time")
_EN_CUE = re.compile(rf"\b(?:i'?ll|i will|i can|i'?m going to|we'?ll|we will|i shall|let me)\s+(?:just\s+)?"
                     rf"(?:come|drop|stop|pop)\s+(?:back|by|in|round|again)(?:\s+again)?"
                     rf"(?:\s+(?P<when>{_EN_WHEN}))?|\b(?:come|drop) (?:back|by) (?P<when2>{_EN_WHEN})",
                     re.IGNORECASE)


def coming_again(text: str) -> str | None:
    """When the visitor said they will come again ("明天上午", "tomorrow", "改天" when they did
    not say), or None when the text does not say they will come again."""
    text = " ".join((text or "").split())
    if not text:
        return None
    english = _EN_CUE.search(text)
    if english:
        return (english.group("when") or english.group("when2") or "another day").lower()
    if not _ZH_CUE.search(text):
        return None
    when = re.search(_ZH_WHEN, text)
    return when.group(0) if when and when.group(0) not in {"回头", "下次", "下回"} else "改天"
