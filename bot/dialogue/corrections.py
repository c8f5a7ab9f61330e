"""A read-back corrected in one field: "后面四位不对 是三三八零", "不是发票 是对账单", "是立早章 不是弓长张".

After "我复述一下：…对吗？" a caller who spots one mistake says only that one; everything else stands.
`correction(utterance, number, name, text)` finds which field they correct and its new value, or
says which field is wrong when they do not give the new value ("名字不对"), or None when the
utterance corrects nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.dialogue import parse
from bot.directory.spoken import digit_runs, normalise

_WRONG = re.compile(r"不对|错了|记错|搞错|说错|不是|改成|改一下|改为|wrong|not right|incorrect|mistake|should be|actually",
                    re.IGNORECASE)
_FIELD_WORDS = {
    "number": re.compile(r"电话|号码|手机|后面|前面|最后|number|digits", re.IGNORECASE),
    "name": re.compile(r"名字|姓名|姓|称呼|name|spell", re.IGNORECASE),
    "text": re.compile(r"内容|事情|事由|留言|意思|message|matter", re.IGNORECASE),
}
_TAIL = re.compile(r"(?:后面|最后|后|last)\s*(\S{1,5}?)\s*(?:位|个数字?|digits?)")
_ENDS_IN = re.compile(r"\bends? (?:in|with)\b|尾号|尾数", re.IGNORECASE)
""""it ends in five four four", "尾号是三三一九": as many digits at the end as are said."""
_HEAD = re.compile(r"(?:前面|开头|前|first)\s*(\S{1,5}?)\s*(?:位|个数字?|digits?)")
_ZH_SWAP = re.compile(r"不是(?P<old>[^\s,，。是]{1,12})[\s,，。]*(?:是|而是|改成|应该是)(?P<new>[^\s,，。]{1,30})")
_ZH_SWAP_BACK = re.compile(r"是(?P<new>[^\s,，。]{1,30}?)[\s,，。]*不是(?P<old>[^\s,，。]{1,12})")
_EN_SWAP = re.compile(r"\bnot (?:the )?(?P<old>[\w' ]{2,30}?),? (?:it'?s|but|rather) (?:the )?(?P<new>[\w' ]{2,40}?)"
                      r"(?:[,.;]|$)", re.IGNORECASE)
_EN_SWAP_BACK = re.compile(r"\bit'?s (?P<new>[\w']+)(?: [\w' ]{0,30}?)? not (?P<old>[\w']+)\b", re.IGNORECASE)
""""it's forty pallets four zero not fourteen": the new word first."""
_EN_NAME_SWAP = re.compile(r"\bit'?s (?P<new>[A-Z][\w'-]+),? not (?P<old>[A-Z][\w'-]+)")
_SPELLED_SURNAME = {spelled: spelled[-1] for spelled in (
    "弓长张", "立早章", "木子李", "耳东陈", "口天吴", "文刀刘", "双木林", "古月胡", "草头黄", "三横王", "言午许", "禾口程",
    "人可何", "子小孙", "关耳郑", "双口吕", "门口闫", "走肖赵")}
_COUNTS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8}


@dataclass(frozen=True)
class Correction:
    field: str
    """"number", "name" or "text"."""
    value: str | None
    """The corrected value, or None when the caller said only which field is wrong."""


def correction(utterance: str, number: str, name: str, text: str) -> Correction | None:
    """What `utterance` corrects in a read-back of (number, name, text), if anything."""
    said = utterance or ""
    found = _number(said, number) or _name(said, name) or _matter(said, text)
    if found is not None:
        return found
    if not _WRONG.search(said):
        return None
    field = next((f for f, words in _FIELD_WORDS.items() if words.search(said)), None)
    return Correction(field, None) if field else None


_OLD_DIGITS = re.compile(
    r"(?:而不是|不是)\s*[零〇一幺二两三四五六七八九洞\d]+"
    r"|\b(?:not|instead of)\s+(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple|\d+)[\s,-]*)+",
    re.IGNORECASE)
""""是三三幺九 不是三三幺五", "ends in five four four not five four one": the digits being replaced."""


def _number(said: str, number: str) -> Correction | None:
    said = _OLD_DIGITS.sub(" ", said)
    digits = parse.phone_number(said) or _short_digits(said)
    if not digits or not number:
        return None
    plain = digits.lstrip("+")
    if len(plain) > 11 and re.fullmatch(r"1[3-9]\d{9}", plain[-11:]) and not digits.startswith("+"):
        plain = digits = plain[-11:]  # "是一三八 不是一三九 一三八 二二七六 零零四五": the mobile said last
    for pattern, at_end in ((_TAIL, True), (_HEAD, False), (_ENDS_IN, True)):
        part = pattern.search(said)
        count = (_count(part.group(1)) if part.groups() else len(plain)) if part else None
        if count and len(plain) == count and count < len(number):
            return Correction("number", number[:-count] + plain if at_end else plain + number[count:])
    own = "".join(ch for ch in number if ch.isdigit())
    if plain == own or own.endswith(plain) or plain.endswith(own):
        return None  # the number said again (with or without the country code): a confirmation
    return Correction("number", digits) if len(plain) >= 7 else None


def _name(said: str, name: str) -> Correction | None:
    swap = _EN_NAME_SWAP.search(said)
    if swap and name and swap.group("old").lower() in name.lower():
        start = name.lower().index(swap.group("old").lower())
        return Correction("name", name[:start] + swap.group("new") + name[start + len(swap.group("old")):])
    for spelled, surname in _SPELLED_SURNAME.items():
        if spelled in said and not re.search("不是" + spelled, said):
            return Correction("name", surname + name[1:] if name else surname)  # read back again, spelled
    return None


def _matter(said: str, text: str) -> Correction | None:
    for pattern in (_ZH_SWAP, _ZH_SWAP_BACK, _EN_SWAP, _EN_SWAP_BACK):
        swap = pattern.search(said)
        if swap and swap.group("old").strip() and swap.group("old").strip() in text:
            return Correction("text", text.replace(swap.group("old").strip(), swap.group("new").strip(), 1))
    return None


def _short_digits(said: str) -> str | None:
    """"是三三八零": the few digits said to mend part of a number."""
    try:
        runs = digit_runs(normalise(said))
    except (ValueError, IndexError, KeyError):
        return None
    return "".join(run.digits for run in runs) or None


def _count(word: str) -> int | None:
    word = word.strip()
    if word.isdigit():
        return int(word)
    return _COUNTS.get(word) or {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}.get(word.lower())
