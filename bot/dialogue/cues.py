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
          r"address|where|located|location|directions|get (?:to|there)|find you|which floor|metro|subway|bus")
_TIME = (r"几点|时间|开门|关门|下班|上班|营业|周末|节假日|假期|开放|休息|"
         r"hours|open|clos|when|weekend|holiday|what time|today|tomorrow")
_MESSAGE = (r"留言|留个言|留话|留个话|转告|转达|带个话|告诉他|告诉她|回电|回个电话|回我|打给我|联系我|给我回|回复我|"
            r"message|call (?:me )?back|get back to me|ring me|contact me|let (?:him|her|them) know|"
            r"tell (?:him|her|them)|pass (?:it |this )?on|note for|return my call")

_NUMBER = (r"电话|号码|手机|联系方式|微信|怎么联系|多少号|分机|number|mobile|cell|phone|contact|reach (?:him|her|them)|"
           r"whatsapp|wechat|extension")

NEEDS_CUE: dict[str, re.Pattern[str]] = {
    "ask_address": re.compile(_PLACE, re.IGNORECASE),
    "ask_directions": re.compile(_PLACE, re.IGNORECASE),
    "ask_hours": re.compile(_TIME, re.IGNORECASE),
    "leave_message": re.compile(_MESSAGE, re.IGNORECASE),
    "callback_request": re.compile(_MESSAGE, re.IGNORECASE),
    "ask_phone_number": re.compile(_NUMBER, re.IGNORECASE),
}


def plausible_intent(intent: str | None, text: str) -> str | None:
    """`intent`, or None when it is one that needs a cue word and the text has none."""
    pattern = NEEDS_CUE.get(intent or "")
    if pattern is None:
        return intent
    return intent if pattern.search(text or "") else None
