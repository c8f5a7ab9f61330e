"""Emergencies in a hotel (#11, point 5): fire, medical and security words in Chinese and English.

`emergency_kind(text)` says whether what a caller said is an emergency and of which kind. The
dialogue (hotels only) then connects the caller at once to the organisation file's
`organization.emergency` line, whatever was pending, and files an urgent record.

The words are those of a frightened caller, also as a speech recogniser writes them (no
punctuation, no apostrophes: "theres a fire"). Ordinary hotel requests that share a word are not
emergencies: 火锅, 火车, 打火机, 发火, "fire exit", "fireplace", 烟味 (a smoking complaint), 报警器
老是响 (a faulty alarm), 医院在哪 (an inquiry), 打架子鼓. A negation just before the word
("没有着火", "not on fire") is not one either.
"""

from __future__ import annotations

import re
import unicodedata

_FIRE = re.compile(
    r"着火|起火|失火|火灾|火警|冒烟|浓烟|烧起来|烧着了|火很大|好大的火|有火|"
    r"烟雾报警器?(?:响了|在响|一直响)|"
    r"\b(?:on fire|caught fire|catch(?:ing)? fire|fire in (?:the |my |room|our|a )|a fire\b(?! (?:exit|escape|door|drill|"
    r"extinguisher|alarm test|place|pit))|fire fire|there ?i?s fire|smoke (?:coming|everywhere|in (?:the|my|our)|from)|"
    r"(?:i |we |can )smell smoke|full of smoke|something(?:s| is) burning|flames)",
    re.IGNORECASE)
_MEDICAL = re.compile(
    r"晕倒|昏倒|晕过去|昏过去|昏迷|不省人事|救护车|(?:打|叫|拨)\s*(?:120|幺二零|一二零)|急救|心脏病|心梗|中风|"
    r"呼吸困难|喘不上气|喘不过气|没有?呼吸|没气了|抽搐|大出血|流了(?:好|很)多血|流血不止|倒在地上|叫不醒|"
    r"快(?:点)?叫医生|"
    r"\b(?:collapsed|passed out|fainted|unconscious|ambulance|heart attack|not breathing|cant breathe|can't breathe|"
    r"cannot breathe|stopped breathing|having a stroke|a seizure|bleeding (?:badly|heavily|a lot)|choking|overdose|"
    r"need a doctor (?:now|right now|urgently|quick))",
    re.IGNORECASE)
_SECURITY = re.compile(
    r"打架(?!子)|打起来了|斗殴|小偷|抢劫|被抢|持刀|拿着?刀|拿着?枪|闯进|闯入|撬门|砸门|有人跟踪|杀人|救命|"
    r"(?:打|叫|拨)\s*(?:110|幺幺零|一一零)|报警(?!器)|"
    r"\b(?:fight|fighting|thief|thieves|burglar|intruder|break[- ]in|broke into|breaking into|robbed|robbery|"
    r"mugged|a knife|a gun|weapon|attacked|assaulted|threatening (?:me|us)|call the police|help me please|"
    r"stranger in (?:my|our) room|someone(?: is|s)? (?:trying to get|in) (?:into )?(?:my|our) room)\b",
    re.IGNORECASE)

_NEGATED = re.compile(r"(?:没有|没|不是|并没|not|no|isnt|isn't|wasnt|wasn't)\s*(?:\S+\s*)?$", re.IGNORECASE)
"""A negation just before the word: "没有着火", "it's not on fire"."""
_NOT_AN_EMERGENCY = re.compile(
    r"烟雾报警器?(?:老是|总是|经常)|误报|(?:alarm|detector) (?:keeps|always)|fire[- ]?(?:exit|escape|drill|place|works?)|"
    r"fire-ly|fight(?:ing)? (?:a|the) cold",
    re.IGNORECASE)

KINDS = ("fire", "medical", "security")


def emergency_kind(text: str) -> str | None:
    """"fire", "medical" or "security" when `text` reports an emergency, else None."""
    text = unicodedata.normalize("NFKC", text or "")
    spoken = text.replace("’", "'")
    for kind, words in (("fire", _FIRE), ("medical", _MEDICAL), ("security", _SECURITY)):
        for found in words.finditer(spoken):
            before = spoken[max(0, found.start() - 8):found.start()]
            if _NEGATED.search(before):
                continue
            around = spoken[max(0, found.start() - 12):found.end() + 12]
            if _NOT_AN_EMERGENCY.search(around):
                continue
            return kind
    return None
