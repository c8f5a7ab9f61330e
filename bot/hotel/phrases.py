"""What the receptionist says for each decision about a call for a guest (`bot.hotel.guest_calls`),
in Chinese and English.

A phrase carries at most one detail: the guest's name as the caller said it (`{name}`). Never a
room number, an extension, or anything the hotel knows about the guest (their registered name,
whether they are VIP, in which room): the caller learns nothing they did not say, and a "no calls"
guest's answer is word for word a missing guest's (the decision is the same, and so is the text).
"""

from __future__ import annotations

from bot.directory.pinyin import is_han
from bot.hotel.guest_calls import GuestCallDecision

GUEST_CALL_PHRASES: dict[str, dict[str, str]] = {
    "connect": {
        "zh": "好的，这就为您转接{name}的房间，请稍候。",
        "en": "Putting you through to {name}'s room, one moment please.",
    },
    "dnd": {
        "zh": "{name}现在不方便接听电话。请问您需要留言吗？我们会转交给客人。",
        "en": "{name} is not taking calls at the moment. May I take a message for them?",
    },
    "no_line": {
        "zh": "抱歉，{name}的房间电话暂时无法接通。请问您需要留言吗？我们会转交给客人。",
        "en": "I'm sorry, I can't put you through to {name}'s room just now. May I take a message for them?",
    },
    "ask_guest": {
        "zh": "请问您要找哪位客人？请告诉我客人的姓名。",
        "en": "Which guest would you like to speak to? May I have their name, please?",
    },
    "ask_guest_name": {
        "zh": "好的。为了保护客人的隐私，请问您要找的客人怎么称呼？",
        "en": "Certainly. To protect our guests' privacy, may I have the name of the guest you are calling?",
    },
    "ask_full_name": {
        "zh": "请问{name}的全名是什么？如果您知道房间号，也可以告诉我。",
        "en": "May I have {name}'s full name, please? Or the room number, if you know it.",
    },
    "ask_room": {
        "zh": "请问您知道{name}的房间号吗？",
        "en": "Do you know {name}'s room number, please?",
    },
    "mismatch": {
        "zh": "抱歉，我无法核实您要找的{name}住在这个房间，不能为您转接。请问您贵姓？需要的话，我可以为您留言。",
        "en": "I'm sorry, I can't confirm that {name} is in that room, so I can't put you through. "
              "May I have your name? I can take a message if you like.",
    },
    "mismatch_known_caller": {
        "zh": "抱歉，我无法核实您要找的{name}住在这个房间，不能为您转接。需要的话，我可以为您留言。",
        "en": "I'm sorry, I can't confirm that {name} is in that room, so I can't put you through. "
              "I can take a message if you like.",
    },
    "not_found": {
        "zh": "抱歉，我们没有查到{name}这位客人。需要的话，我可以为您留言，转交前台处理。",
        "en": "I'm sorry, I can't find a guest called {name}. I can take a message for the front desk if you like.",
    },
    "room_not_found": {
        "zh": "抱歉，这个房间现在无法为您转接。需要的话，我可以为您留言，转交前台处理。",
        "en": "I'm sorry, I can't put you through to that room. I can take a message for the front desk if you like.",
    },
}
"""Every phrase key of `GuestCallDecision.phrase`, in both languages."""

_GENERIC_NAME = {"zh": "这位客人", "en": "the guest"}


def spoken_name(name: str, language: str) -> str:
    """The part of the name the caller said that suits the language: the Chinese characters in
    Chinese, the Latin words in English, whichever there is when only one was said."""
    han = "".join(ch for ch in name if is_han(ch))
    latin = " ".join(w for w in "".join(" " if is_han(ch) else ch for ch in name).split())
    if language == "zh":
        return han or latin
    return latin or han


def guest_call_text(decision: GuestCallDecision, language: str) -> str:
    """What to say to the caller for `decision`, in `language` ("zh" or "en"; anything else: English)."""
    language = language if language in ("zh", "en") else "en"
    name = spoken_name(decision.name, language) or _GENERIC_NAME[language]
    text = GUEST_CALL_PHRASES[decision.phrase][language]
    if language == "en" and name == _GENERIC_NAME["en"] and text.startswith("{name}"):
        name = "The guest"
    return text.format(name=name)
