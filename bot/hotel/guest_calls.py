"""A call for a hotel guest (#11, seeds: 酒店总机): whom to put through, or what to ask instead.

The caller gives a guest's name, a room number, or both. The switchboard's rule (seeds: "根据客人
提供的住客姓名、房号查找号码；若要找的客人与登记客人不符，问清对方姓名"):

| the caller gives | and | decision (`GuestCall`) | phrase |
| --- | --- | --- | --- |
| nothing | | ASK_GUEST | ask_guest |
| a room | policy.room_only_connect is false (default) | ASK_GUEST_NAME | ask_guest_name |
| a room | room_only_connect, the room has a guest | as for that guest (CONNECT, TAKE_MESSAGE) | |
| a room | room_only_connect, no guest there | NOT_FOUND | room_not_found |
| a room and a name | the name is the room's guest's (even partly: 王先生, Mr Miller) | CONNECT | connect |
| a room and a name | it is not (or the room is empty, or unknown) | MISMATCH: ask the caller's name, offer a message | mismatch (mismatch_known_caller from a room) |
| a name | exactly one guest has it in full | CONNECT | connect |
| a name | several guests have it | ASK_ROOM (rooms never listed) | ask_room |
| a name | a surname with a title, or one word, and nobody has it in full | ASK_FULL_NAME | ask_full_name |
| a name | nobody has it | NOT_FOUND (offer a message) | not_found |

A guest to be put through who has do-not-disturb on is TAKE_MESSAGE (dnd); one whose room has
no phone is TAKE_MESSAGE (no_line). A "no calls" (privacy) guest is taken out of the hotel's
guest list before anything is decided, so every answer about them is exactly the answer about a
guest who is not there: same decision, same words. A caller is never told a room number or
extension: the phrases (`bot.hotel.phrases`) carry only the name the caller said; the
`extension` of a CONNECT is for the transfer payload only.

Pure: a database session and the moment in, a frozen decision out; no Rasa. A transfer payload
reaches the client as it is, so the dialogue should put a room's extension in one only on the
phone channel (as for mobiles, `bot.privacy.may_connect_mobile`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.dialogue.parse.identity_zh import _SURNAMES
from bot.digit_forms import chunks, is_separator
from bot.directory.pinyin import is_han
from bot.directory.resolve import _COMPOUND_SURNAMES, _LATIN_STOPWORDS, normalise
from bot.hotel.checkout import hotel_checkout_time
from bot.hotel.rooms import get_room
from bot.hotel.stays import (
    _TITLES_LATIN,
    _TITLES_ZH,
    SOUND_SCORE,
    StayRecord,
    find_stays_by_name,
    in_house,
    name_match,
    stay_by_extension,
)
from bot.org.model import Directory

FULL_MATCH_SCORE = SOUND_SCORE
"""A name matches a guest in full from this score (as written, in pinyin, or sounding alike);
below it only partly (the surname with a title, some of the words)."""


class GuestCall(str, Enum):
    CONNECT = "connect"
    TAKE_MESSAGE = "take_message"
    ASK_GUEST = "ask_guest"
    ASK_GUEST_NAME = "ask_guest_name"
    ASK_FULL_NAME = "ask_full_name"
    ASK_ROOM = "ask_room"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class GuestCallDecision:
    kind: GuestCall
    phrase: str
    """The key of what to say (`bot.hotel.phrases.guest_call_text`)."""
    name: str = ""
    """The guest's name as the caller said it, cleaned of request words: the only name said back."""
    extension: str | None = None
    """The room's phone, for the transfer (CONNECT only). Never said or shown to a caller."""
    stay_id: int | None = None
    """Staff side: the stay called (CONNECT, TAKE_MESSAGE), for the call record and a message."""
    caller_stay_id: int | None = None
    """Staff side: the caller is this guest (an internal call from their room's phone)."""


@dataclass(frozen=True)
class GuestRequest:
    """What a caller's words give: a guest's name and a room number, each possibly empty."""

    name: str = ""
    room: str = ""


# ---------------------------------------------------------------------------------- deciding


def caller_guest(session: Session, extension: str | None, now: dt.datetime, zone: dt.tzinfo | None = None,
                 checkout_time: dt.time | None = None) -> StayRecord | None:
    """The guest calling, when `extension` (an internal caller's number) is an occupied room's phone;
    the hotel's time zone and checkout time are the stored organisation's unless given."""
    if not extension or not extension.strip():
        return None
    when = checkout_time if checkout_time is not None else hotel_checkout_time(session)
    return stay_by_extension(session, extension, now, zone, when)


def decide_guest_call(session: Session, directory: Directory, now: dt.datetime, *, name: str | None = None,
                      room: str | None = None, caller_extension: str | None = None) -> GuestCallDecision:
    """What to do with a call for a guest (module docstring). `name` and `room` are what the caller
    said (extracted, or whole: request words and a room number inside `name` are set aside);
    `caller_extension` the internal extension the call comes from, if any."""
    zone = ZoneInfo(directory.organization.timezone)
    checkout_time = directory.policy.checkout_time
    caller = caller_guest(session, caller_extension, now, zone, checkout_time)
    caller_id = caller.id if caller else None
    said = guest_request(name or "")
    guest_name = said.name
    room_said = (room or "").strip() or said.room

    def decision(kind: GuestCall, phrase: str, stay: StayRecord | None = None, extension: str | None = None
                 ) -> GuestCallDecision:
        return GuestCallDecision(kind, phrase, guest_name, extension, stay.id if stay else None, caller_id)

    def put_through(stay: StayRecord) -> GuestCallDecision:
        if stay.do_not_disturb:
            return decision(GuestCall.TAKE_MESSAGE, "dnd", stay)
        found = get_room(session, stay.room)
        if found is None or not found.extension:
            return decision(GuestCall.TAKE_MESSAGE, "no_line", stay)
        return decision(GuestCall.CONNECT, "connect", stay, found.extension)

    if room_said:
        guest = _room_guest(session, room_said, now, zone, checkout_time)
        if not guest_name:
            if not directory.policy.room_only_connect:
                return decision(GuestCall.ASK_GUEST_NAME, "ask_guest_name")
            return put_through(guest) if guest else decision(GuestCall.NOT_FOUND, "room_not_found")
        if guest and name_match(guest_name, guest.guest_name_zh, guest.guest_name_latin):
            return put_through(guest)
        return decision(GuestCall.MISMATCH, "mismatch_known_caller" if caller else "mismatch")
    if not guest_name:
        return decision(GuestCall.ASK_GUEST, "ask_guest")
    full = [m.stay for m in find_stays_by_name(session, guest_name, now, zone, checkout_time)
            if not m.stay.no_calls and m.score >= FULL_MATCH_SCORE]
    if len(full) == 1:
        return put_through(full[0])
    if full:
        return decision(GuestCall.ASK_ROOM, "ask_room")
    if is_partial_name(guest_name):
        return decision(GuestCall.ASK_FULL_NAME, "ask_full_name")
    return decision(GuestCall.NOT_FOUND, "not_found")


def _room_guest(session: Session, room: str, now: dt.datetime, zone: dt.tzinfo,
                checkout_time: dt.time) -> StayRecord | None:
    """The guest a caller may be put through to in `room` ("812" finds 0812): None when the room is
    unknown or empty, or its guest asked for no calls (then nobody is there, as far as callers know)."""
    found = get_room(session, room)
    if found is None:
        return None
    stays = in_house(session, now, zone, checkout_time, room=found.number)
    guest = stays[0] if stays else None  # on a changeover morning, the departing guest (bot.hotel.stays)
    return None if guest is None or guest.no_calls else guest


# ---------------------------------------------------------------------------------- the caller's words

_ROOM_WORDS_ZH = ("房间号", "房间", "房号", "号房", "客房", "号", "房", "室")
_REQUEST_ZH = (
    "请帮我", "帮我转", "麻烦你", "麻烦您", "找一下", "转一下", "接一下", "帮我", "帮忙", "麻烦", "请问", "你好",
    "您好", "谢谢", "一下", "转接", "接通", "电话", "我找", "我要找", "我想找", "住客", "客人", "房客", "入住",
    "住在", "的话", "那位", "这位", "可以", "请转", "请接", "请找",
    "你们那儿", "你们这儿", "你们那边", "你们这边", "你们", "那儿", "这儿", "酒店", "她叫", "他叫", "名字叫", "名字是",
    "叫做", "全名是", "全名叫", "留个言", "留言", "留个口信", "告诉我", "能不能", "能否", "查一下",
    "在不在", "在吗", "在嘛", "住你们", "住这儿", "住这里", "住这边", "有没有", "一位",
)
_LEAD_ZH = frozenset("的了我你您是在有找转接帮请给要想和跟与就都也还说问打个这那住叫她他呃嗯喂哦来")
_TRAIL_ZH = frozenset("的了吗呢吧啊呀谢哈在住")
"""Not a name's last character: "陈思远在吗", "赵婉清住你们酒店吗" (a name ending in 在 or 住 is rare)."""
_LATIN_NOISE = _LATIN_STOPWORDS | {
    "room", "rm", "guest", "guests", "staying", "stays", "calling", "no", "number", "find", "looking", "trying",
    "come", "phone", "line", "reach", "ring", "dial", "help", "may", "might", "should", "let", "know", "tell",
    "leave", "message", "hotel", "called", "name", "sorry", "wondering", "possible", "there's",
    "um", "uh", "er", "erm", "hmm", "think", "believe", "maybe", "yeah", "yep",
    "wait", "actually", "oops", "then", "well", "alright", "sure", "see", "visit", "visiting", "meet",
    "im", "its", "hes", "shes", "thats", "theyre", "ill", "id", "dont", "cant", "whats",  # as recognisers write them
}
_INTRODUCTION = re.compile(r"(?:\bthis is|\bmy name is|\bname's|\bi'?m|\bi am|\bit'?s)\s*$", re.IGNORECASE)
"""Before the caller's own name ("this is Tom Walsh, for Anna Miller"): not the guest's, when another is said."""
_CORRECTION = re.compile(r"不对|错了|说错|搞错|哦不|应该是|我是说|改成|其实是|"
                         r"\b(?:no|wait|sorry|i mean|actually|correction|make that)\b", re.IGNORECASE)
"""A caller correcting the room they said ("305 不对 是318", "three oh five, no wait, three eighteen")."""
_CORRECTED_WITHIN = 12
"""The room corrected to comes this close after the correction ("不对 是318"; not "sorry to bother you, …")."""
_NEGATED = re.compile(r"(?:不是|\bnot|\bisn'?t|\bwasn'?t)\s*(?:room\s*|房间\s*)?$", re.IGNORECASE)
"""Before a room that is not the one ("不是305，是318", "318, not 305")."""
_LATIN_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SURNAME_STOPWORDS = frozenset({"he", "an"})
"""Pinyin surnames (何, 安) that are also English words: a name's when written as one (He Ping)."""
_ROOM_PREFIX = re.compile(r"([A-Za-z])\s*-?\s*$")
_ROOM_AFTER = re.compile(r"^\s*(?:房间号|房间|房号|号房|号|房|室)")


def guest_request(text: str) -> GuestRequest:
    """The guest's name and room number in what a caller said: "找一下808的欧阳娜娜" → (欧阳娜娜, 808),
    "Nana Ouyang please" → (Nana Ouyang, ""), "room eight one two, Mr Miller" → (Mr Miller, 812),
    "A-1203的王女士" → (王女士, A-1203). A room is 3 to 5 digits however written (bot.digit_forms),
    with a letter before it when the hotel's numbers have one; the one corrected to when the caller
    changes their mind ("305 呃 不对 是318", "three oh five, no wait, three eighteen"); never the end of
    a phone number ("139 1234 5678"). The name is one run of words ("siyuan chen in room 305, he's
    expecting my call": Siyuan Chen; "有没有一位客人叫赵婉清": 赵婉清), the guest's rather than the
    caller's own ("this is Tom Walsh, for Anna Miller")."""
    text = unicodedata.normalize("NFKC", text or "")
    room, rest = _take_room(text)
    return GuestRequest(name=_name_in(rest), room=room)


def _take_room(text: str) -> tuple[str, str]:
    """The room said (a number of 3 to 5 digits, pieces split by spaces or dashes joined) and the text
    without it: the first, unless the caller corrects it ("305 呃 不对 是318": 318; the rooms
    corrected are taken out of the text too)."""
    runs: list[list] = []
    for chunk in chunks(text):
        if runs and is_separator(text[runs[-1][1]:chunk.start]) and len(runs[-1][2]) < 5:
            runs[-1][1], runs[-1][2] = chunk.end, runs[-1][2] + chunk.digits
        else:
            runs.append([chunk.start, chunk.end, chunk.digits])
    rooms: list[tuple[int, int, str]] = []
    for i, (start, end, digits) in enumerate(runs):
        if i > 0 and is_separator(text[runs[i - 1][1]:start]):
            continue  # the end of a longer number ("139 1234 5678"), not a room
        if 3 <= len(digits) <= 5:
            prefix = _ROOM_PREFIX.search(text[:start])
            letter = ""
            if prefix and (prefix.start() == 0 or not text[prefix.start() - 1].isalpha()):
                letter, start = prefix.group(1).upper() + "-", prefix.start()
            word = _ROOM_AFTER.match(text[end:])  # 812号房的…: the room word goes with the number
            rooms.append((start, end + (word.end() if word else 0), letter + digits))
    if not rooms:
        return "", text
    negated = {i for i, room in enumerate(rooms) if _NEGATED.search(text[rooms[i - 1][1] if i else 0:room[0]])}
    candidates = [i for i in range(len(rooms)) if i not in negated] or [0]
    chosen = candidates[0]
    for i in candidates[1:]:
        gap = text[rooms[chosen][1]:rooms[i][0]]
        cues = [cue.end() for cue in _CORRECTION.finditer(gap)]
        if cues and len(gap) - cues[-1] <= _CORRECTED_WITHIN:
            chosen = i
    rest = text
    for i in reversed(range(len(rooms))):
        if i <= chosen or i in negated:
            rest = rest[:rooms[i][0]] + " " + rest[rooms[i][1]:]
    return rooms[chosen][2], rest


def _name_in(text: str) -> str:
    """The name in what is left of a caller's words: the longest run of Chinese characters that is
    not a request word, and the Latin words that are not (titles kept: Mr Miller)."""
    han = _han_name(text)
    latin = _latin_name(text)
    return " ".join(part for part in (han, latin) if part)


def _han_name(text: str) -> str:
    """The run of Chinese characters that is the name: one that starts with a surname and is as long
    as a name ("有没有一位客人叫赵婉清": 赵婉清), else the longest."""
    marked = "".join(ch if is_han(ch) else "|" for ch in text)
    for word in sorted((*_REQUEST_ZH, *_ROOM_WORDS_ZH[:5]), key=len, reverse=True):
        marked = marked.replace(word, "|")
    pieces = []
    for piece in marked.split("|"):
        while piece and piece[0] in _LEAD_ZH:
            piece = piece[1:]
        while piece and piece[-1] in _TRAIL_ZH:
            piece = piece[:-1]
        if piece:
            pieces.append(piece)
    if not pieces:
        return ""
    return max(pieces, key=lambda piece: (_looks_like_han_name(piece), len(piece)))


def _looks_like_han_name(piece: str) -> bool:
    """A surname, then the rest of a name (2 to 4 characters), or a surname with a title (王先生)."""
    core = next((piece[: -len(t)] for t in _TITLES_ZH if piece.endswith(t) and len(piece) > len(t)), piece)
    surname = core[:2] if core[:2] in _COMPOUND_SURNAMES else core[:1]
    return (surname in _COMPOUND_SURNAMES or surname in _SURNAMES) and (core != piece or 2 <= len(core) <= 4)


def _latin_name(text: str) -> str:
    """The Latin words of the name: the run of words that are not the request's ("i'm trying to reach
    siyuan chen in room 305, he's expecting my call": Siyuan Chen). Of several runs, one of two
    words or more (or with a title) over a lone word, the guest's over the caller's own ("this is
    Tom Walsh"), the first when still in doubt."""
    latin = "".join(" " if is_han(ch) or ch == "/" else ch for ch in text)
    found = list(_LATIN_WORD.finditer(latin))
    said = [m.group() for m in found]
    runs: list[list[int]] = []
    for i, word in enumerate(said):
        plain = normalise(word)
        after_title = i > 0 and normalise(said[i - 1]) in _TITLES_LATIN  # Mr He
        surname = (plain in _SURNAME_STOPWORDS and word[:1].isupper() and i + 1 < len(said)
                   and not _is_noise(said[i + 1]))  # He Ping, An Qi
        if plain in _TITLES_LATIN or after_title or surname or not _is_noise(word):
            if runs and runs[-1][-1] == i - 1:
                runs[-1].append(i)
            else:
                runs.append([i])
    best: list[str] = []
    best_rank: tuple[bool, bool] | None = None
    for run in runs:
        words = [said[i] for i in run]
        while words and normalise(words[-1]) in _TITLES_LATIN:
            words.pop()  # "... please, mr" : a title without a name
        if not words:
            continue
        named = [w for w in words if normalise(w) not in _TITLES_LATIN]
        rank = (not _INTRODUCTION.search(latin[:found[run[0]].start()]), len(named) >= 2 or len(named) < len(words))
        if best_rank is None or rank > best_rank:
            best, best_rank = words, rank
    return " ".join(w if not (w.islower() or w.isupper()) or len(w) < 2 else w.capitalize() for w in best)


def _is_noise(word: str) -> bool:
    """A word of the request, not of a name: "please", "I'd", "room", "twelve"."""
    return all(part in _LATIN_NOISE for part in re.split(r"['’-]", normalise(word))) or _is_number(word)


def _is_number(word: str) -> bool:
    """"twelve", "eight": a number said in words, never a name."""
    found = chunks(word)
    return len(found) == 1 and found[0].start == 0 and found[0].end == len(word)


def is_partial_name(name: str) -> bool:
    """Whether a name, as said, can only be part of a guest's name: a surname with a title (王先生,
    欧阳女士, Mr Miller), a lone Chinese surname or character, or a single Latin word."""
    han = "".join(ch for ch in name if is_han(ch))
    if han:
        core = next((han[: -len(t)] for t in _TITLES_ZH if han.endswith(t) and len(han) > len(t)), han)
        return len(core) == 1 or core in _COMPOUND_SURNAMES
    words = re.findall(r"[a-z]+", normalise(name))
    titled = any(w in _TITLES_LATIN for w in words)
    named = [w for w in words if w not in _TITLES_LATIN]
    return len(named) <= 1 or (titled and len(named) == 1)
