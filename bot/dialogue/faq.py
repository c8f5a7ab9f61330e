"""Inquiries (问讯服务): the organisation's FAQ, and the address, hours and directions.

The organisation keeps a FAQ file (docs/faq.md): entries of questions and an answer in Chinese
and English. `Faq.answer` finds the entry a caller's question means, in either language and
through recogniser homophones, and returns None rather than a guess: the rulebook's clerk "gives
a clear answer" or, when the question is beyond them, hands over, so below the threshold the
engine offers the operator or a message. The receptionist never makes up an answer.

Address, hours and directions need no entry: they are computed from the directory (hours through
`bot.rules.calendar`, so holidays and make-up days are always current).

Matching: each question is cut into content parts: for Chinese, what stays between its function
words (jieba finds the words; "可以停车吗" → 停车, "外卖放哪" → 外卖放), for English the words that
are not stop words, stemmed. A question matches when all its parts are in the caller's text (or
at least two of three or more): Chinese parts as substrings or, for parts of three characters or
more, by sound (无限网 for 无线网); English words by stem, or longer words despite a typo
(rapidfuzz).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from bot.config import DEMO_FAQ
from bot.directory.pinyin import is_han, sounds_alike
from bot.org.model import WEEKDAYS, Directory, Span
from bot.org.orgfile import OrgFileError, Problem, _Doc, _load_yaml, _Section
from bot.privacy import is_safe_for_caller
from bot.rules.calendar import DayHours, day_hours, open_state, to_local, weekday_key

__all__ = ["DEMO_FAQ", "Faq", "FaqAnswer", "FaqEntry", "FaqError", "load_faq", "parse_faq_text"]

DIRECTIONS_ID = "directions"
"""The entry `directions_answer` uses when the FAQ has one."""

MIN_SCORE = 0.8
"""A question whose words are all found (a homophone or typo counts 0.85) matches."""
PARTIAL_SCORE = 0.66
"""A question of three parts or more also matches with two of three found."""
HOMOPHONE_CREDIT = 0.85
SHORT_HOMOPHONE_CREDIT = 0.6
"""Two-character words sound alike too often (快递 / 块地) to match on sound alone."""
TYPO_CREDIT = 0.85
TYPO_RATIO = 90
MAX_QUESTION_CHARS = 500
"""A caller's question is cut to this length before matching."""

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_TOP_KEYS = ("faq",)
_ENTRY_KEYS = ("id", "questions", "answer")
_ANSWER_KEYS = ("zh", "en")

_ZH_STOP = frozenset("""
请问 请 问 问问 问一下 一下 想 想问 我想 我要 要 需要 我 我们 你 你们 您 您们 贵公司 公司 贵司 的 了 吗 呢 吧 啊 呀
么 嘛 是 在 有 有没有 没有 可以 可不可以 能 能不能 能否 怎么 怎么样 怎样 如何 哪里 哪儿 在哪 在哪里 在哪儿 哪 哪个
什么 多少 几 这 那 这里 那里 这边 那边 这个 那个 一般 一个 你好 您好 知道 告诉 就 都 还 也 给 让 用 会 应该 得
到 去 从 和 跟 与 或 把 被 呃 嗯
""".split())
_EN_STOP = frozenset("""
where what how when who which why is are am was were be been can could would will shall should do does did i me my
we our us you your yours the a an to of in on at for there here it its this that these those please tell know want
like need about any some have has had and or with from by if i'm i'd i'll what's where's how's there's is hi hello
thanks thank ok okay so just also as up out off into make do go let one there's
""".split())
_LATIN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


class FaqError(OrgFileError):
    """The FAQ file has mistakes; `problems` says where each one is (key path and line)."""

    def __init__(self, problems: list[Problem], source: str = "FAQ file") -> None:
        super().__init__(problems, source)


# ============================================================================ the data


@dataclass(frozen=True)
class FaqEntry:
    id: str
    questions: tuple[str, ...]
    answer_zh: str
    answer_en: str

    def answer(self, language: str) -> str:
        return self.answer_en if _is_english(language) else self.answer_zh


@dataclass(frozen=True)
class FaqAnswer:
    """The entry that answers a caller's question, and how sure the match is."""

    entry_id: str
    text: str
    """The answer in the requested language."""
    score: float
    """0.8–1.0 for a full match; lower only for a partial match of a long question."""
    matched: str
    """The FAQ question that matched (for the transcript and for tuning the file)."""


@dataclass(frozen=True)
class _Word:
    text: str
    han: bool

    @property
    def weight(self) -> int:
        """Specificity, to prefer the more precise of two matching questions."""
        return len(self.text) if self.han else max(2, len(self.text) // 2)


@dataclass(frozen=True)
class _Question:
    entry_id: str
    text: str
    words: tuple[_Word, ...]


@dataclass(frozen=True)
class Faq:
    """The organisation's FAQ, validated and ready to answer."""

    entries: tuple[FaqEntry, ...] = ()
    _questions: tuple[_Question, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.entries and not self._questions:
            questions = tuple(
                _Question(entry.id, question, words)
                for entry in self.entries for question in entry.questions if (words := question_words(question))
            )
            object.__setattr__(self, "_questions", questions)

    def entry(self, entry_id: str) -> FaqEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    def answer(self, text: str, language: str) -> FaqAnswer | None:
        """The entry that answers `text`, in `language` ("zh" / "en"); None unless the match is good."""
        heard = _Heard.of(text)
        if heard is None:
            return None
        best: tuple[float, int, _Question] | None = None
        for question in self._questions:
            score, weight = _match(question.words, heard)
            if score is None:
                continue
            if best is None or (score, weight) > best[:2]:
                best = (score, weight, question)
        if best is None:
            return None
        entry = self.entry(best[2].entry_id)
        if entry is None:
            return None
        return FaqAnswer(entry.id, entry.answer(language), round(best[0], 3), best[2].text)


# ============================================================================ matching


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().replace("wi-fi", "wifi").replace("e-mail", "email")


def _stem(word: str) -> str:
    """A crude English stem, applied the same way to questions and callers: parking/parked/parks → park."""
    word = word.replace("'", "")
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    else:
        for suffix in ("ing", "ed", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


@lru_cache(maxsize=1)
def _jieba() -> Any:
    """jieba, imported on first use (its dictionary takes a second to load), quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # jieba imports pkg_resources
        import jieba
    jieba.setLogLevel(logging.WARNING)
    return jieba


def question_words(question: str) -> tuple[_Word, ...]:
    """The content words of a FAQ question: "可以停车吗" → 停车; "where can I park" → park."""
    text = _normal(question)
    words: list[_Word] = []
    for chunk in re.split(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)", text):
        if not chunk:
            continue
        if _HAN_RUN.fullmatch(chunk):
            words.extend(_Word(part, han=True) for part in _chinese_parts(chunk))
        else:
            for token in _LATIN.findall(chunk):
                if token not in _EN_STOP and (len(token) >= 2 or token.isdigit()):
                    words.append(_Word(_stem(token) if not token.isdigit() else token, han=False))
    unique = list(dict.fromkeys(words))
    if all(len(w.text) < 2 for w in unique):
        return ()
    return tuple(unique)


def _chinese_parts(text: str) -> list[str]:
    """What remains of a Chinese question between its function words, kept in one piece:
    "可以停车吗" → 停车, "外卖放哪" → 外卖放, "丢了东西" → 丢 + 东西, "找工作" → 找工作 (so that
    "我找一下工作人员" is not a job application)."""
    parts: list[str] = []
    current = ""
    for token in _jieba().lcut(text):
        if token in _ZH_STOP:
            if current:
                parts.append(current)
            current = ""
        else:
            current += token
    if current:
        parts.append(current)
    return parts


@dataclass(frozen=True)
class _Heard:
    """A caller's question, prepared once for matching against every FAQ question."""

    han: str
    """Only the Chinese characters, joined (recognisers put spaces anywhere)."""
    stems: frozenset[str]
    long_stems: tuple[str, ...]

    @classmethod
    def of(cls, text: object) -> _Heard | None:
        if not isinstance(text, str):
            return None
        clean = _normal(text[:MAX_QUESTION_CHARS])
        han = "".join(ch for ch in clean if is_han(ch))
        latin = _LATIN.findall(clean)
        stems = frozenset(t if t.isdigit() else _stem(t) for t in latin)
        if not han and not stems:
            return None
        return cls(han, stems, tuple(s for s in stems if len(s) >= 5))


def _match(words: tuple[_Word, ...], heard: _Heard) -> tuple[float | None, int]:
    """(score, weight of the words found) when the question matches; (None, 0) otherwise."""
    credits = [_credit(word, heard) for word in words]
    found = [c for c in credits if c > 0]
    score = sum(credits) / len(words)
    weight = sum(w.weight for w, c in zip(words, credits) if c > 0)
    if score >= MIN_SCORE:
        return score, weight
    if len(words) >= 3 and len(found) >= 2 and score >= PARTIAL_SCORE:
        return score, weight
    return None, 0


def _credit(word: _Word, heard: _Heard) -> float:
    if word.han:
        if word.text in heard.han:
            return 1.0
        if _sounds_in(word.text, heard.han):
            return HOMOPHONE_CREDIT if len(word.text) >= 3 else SHORT_HOMOPHONE_CREDIT
        return 0.0
    if word.text in heard.stems:
        return 1.0
    if len(word.text) >= 5 and any(fuzz.ratio(word.text, s) >= TYPO_RATIO for s in heard.long_stems):
        return TYPO_CREDIT
    return 0.0


def _sounds_in(word: str, han: str) -> bool:
    size = len(word)
    return any(sounds_alike(han[i:i + size], word) for i in range(len(han) - size + 1))


# ============================================================================ reading the file


def parse_faq_text(text: str, source: str = "FAQ file") -> Faq:
    """Parse and validate a FAQ file's text; raise FaqError listing every mistake, or return it whole."""
    doc = _Doc()
    try:
        data = _load_yaml(text, doc)
    except OrgFileError as exc:
        raise FaqError(exc.problems, source) from None
    root = _Section(doc, data, "", _TOP_KEYS)
    if "faq" not in root.data:
        doc.error("faq", "is required (a list of entries)")
    read = [(path, _read_entry(doc, path, item)) for path, item in root.items("faq")]
    _check_unique(doc, read)
    if doc.problems:
        raise FaqError(sorted(doc.problems, key=lambda p: (p.line or 0, p.path)), source)
    return Faq(tuple(entry for _, entry in read))


def load_faq(path: str | Path, directory: Directory | None = None) -> Faq:
    """Read a FAQ file; with `directory`, also refuse answers that disclose a protected number."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FaqError([Problem("(file)", None, f"not UTF-8 text: {exc}")], str(path)) from None
    except OSError as exc:
        raise FaqError([Problem("(file)", None, f"cannot be read: {exc.strerror or exc}")], str(path)) from None
    faq = parse_faq_text(text, str(path))
    if directory is not None:
        problems = privacy_problems(faq, directory)
        if problems:
            raise FaqError(problems, str(path))
    return faq


def privacy_problems(faq: Faq, directory: Directory) -> list[Problem]:
    """Answers that would tell a caller a staff mobile or a private direct extension."""
    return [
        Problem(f"faq[{index}].answer.{language}", None,
                "discloses a staff mobile or a manager's direct extension; give a department's number instead")
        for index, entry in enumerate(faq.entries)
        for language, answer in (("zh", entry.answer_zh), ("en", entry.answer_en))
        if not is_safe_for_caller(answer, directory)
    ]


def _read_entry(doc: _Doc, path: str, data: Any) -> FaqEntry:
    """The entry as written; a field with a mistake is empty, and the mistake is in `doc.problems`."""
    section = _Section(doc, data, path, _ENTRY_KEYS)
    entry_id = section.matching("id", _ID, "an id (lower-case letters, digits, '-' or '_')", required=True)
    questions = section.texts("questions")
    if "questions" in section.data and isinstance(section.data["questions"], list) and not questions:
        doc.error(f"{path}.questions", "must list at least one question")
    elif "questions" not in section.data:
        doc.error(f"{path}.questions", "is required (the words callers use to ask)")
    for index, question in enumerate(questions):
        if not question_words(question):
            doc.error(f"{path}.questions[{index}]",
                      f"'{question}' has no word to match on (only words like 请问, 在哪里, where, how)")
    answer_zh, answer_en = _read_answer(doc, f"{path}.answer", section.data.get("answer"))
    return FaqEntry(entry_id or "", questions, answer_zh, answer_en)


def _read_answer(doc: _Doc, path: str, data: Any) -> tuple[str, str]:
    """(zh, en) of an entry's answer; both are required, so that every caller gets one."""
    if data is None:
        doc.error(path, "is required (zh: … and en: …)")
        return "", ""
    if not isinstance(data, dict):
        doc.error(path, "must be a mapping with a zh and an en answer")
        return "", ""
    answer = _Section(doc, data, path, _ANSWER_KEYS)
    return answer.text("zh", required=True), answer.text("en", required=True)


def _check_unique(doc: _Doc, entries: list[tuple[str, FaqEntry]]) -> None:
    """Ids are unique, and a question belongs to one entry only (else which answer would it get?)."""
    ids: dict[str, str] = {}
    questions: dict[str, str] = {}
    for path, entry in entries:
        if entry.id and entry.id in ids:
            doc.error(f"{path}.id", f"id '{entry.id}' is already used at {ids[entry.id]}")
        ids.setdefault(entry.id, path)
        for index, question in enumerate(entry.questions):
            key = " ".join(_normal(question).split())
            owner = questions.setdefault(key, f"{path}.questions[{index}]")
            if not owner.startswith(f"{path}."):
                doc.error(f"{path}.questions[{index}]", f"'{question}' is already a question of {owner}")


# ============================================================================ built-in inquiries

_DAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_WEEKDAY_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")
_HOLIDAYS_EN = {
    "元旦": "New Year's Day", "春节": "the Spring Festival", "除夕": "Chinese New Year's Eve",
    "清明": "the Qingming Festival", "清明节": "the Qingming Festival", "劳动节": "Labour Day",
    "五一": "Labour Day", "端午": "the Dragon Boat Festival", "端午节": "the Dragon Boat Festival",
    "中秋": "the Mid-Autumn Festival", "中秋节": "the Mid-Autumn Festival", "国庆": "National Day",
    "国庆节": "National Day", "圣诞节": "Christmas",
}
UPCOMING_HOLIDAY_DAYS = 7
"""A closed holiday starting within this many days is mentioned with the hours."""


def _is_english(language: str) -> bool:
    return isinstance(language, str) and language.lower().startswith("en")


def address_answer(directory: Directory, language: str) -> str:
    """Where the organisation is, in the caller's language (the Chinese address when no English one)."""
    org = directory.organization
    if _is_english(language):
        name = org.name_en or "We"
        address = org.address_en or org.address
        return f"{name} is at {address}." if address else "Sorry, I don't have our address here."
    if not org.address:
        return "抱歉，我这里查不到地址信息。"
    return f"{org.name}的地址是{org.address}。"


def directions_answer(directory: Directory, faq: Faq | None, language: str) -> str:
    """How to get here: the FAQ's `directions` entry when there is one, else the address."""
    entry = faq.entry(DIRECTIONS_ID) if faq is not None else None
    return entry.answer(language) if entry is not None else address_answer(directory, language)


def weekly_hours(directory: Directory, language: str) -> str:
    """The regular week: "周一至周五 08:30-17:30，周六、周日休息" /
    "Monday to Friday 08:30-17:30, closed Saturday and Sunday"."""
    english = _is_english(language)
    groups: list[tuple[list[int], Span | None]] = []
    for index, day in enumerate(WEEKDAYS):
        span = directory.hours.get(day)
        if groups and groups[-1][1] == span:
            groups[-1][0].append(index)
        else:
            groups.append(([index], span))
    pieces = []
    for days, span in groups:
        named = _day_range(days, english)
        if span is None:
            pieces.append(f"closed {named}" if english else f"{named}休息")
        else:
            pieces.append(f"{named} {_span_text(span, english)}")
    return ", ".join(pieces) if english else "，".join(pieces)


def hours_answer(directory: Directory, language: str, at: dt.datetime) -> str:
    """Opening hours for a caller: the regular week, then today (open now, not yet open, closed for
    the evening, a holiday or a make-up working day) and a closed holiday in the coming week."""
    english = _is_english(language)
    week = weekly_hours(directory, language)
    intro = f"Our hours are {week}." if english else f"我们的上班时间是{week}。"
    parts = [intro, _today_note(directory, at, english)]
    upcoming = _upcoming_holiday_note(directory, at, english)
    if upcoming:
        parts.append(upcoming)
    return " ".join(p for p in parts if p) if english else "".join(p for p in parts if p)


def _today_note(directory: Directory, at: dt.datetime, english: bool) -> str:
    state = open_state(directory, at)
    local = state.local_time
    today = day_hours(directory, local.date())
    holiday = today.holiday
    special = _special_day_note(directory, today, english)
    if state.open:
        closes = f"{state.closes_at:%H:%M}" if state.closes_at else ""
        return special + (f"We are open now, until {closes} today." if english else f"现在正在上班，今天{closes}下班。")
    upcoming = _when(local, state.next_open, english)
    if holiday is not None and holiday.closed:
        if english:
            return f"Today we are closed for {_holiday_en(holiday.name)}; {upcoming}."
        return f"今天{holiday.name or '节假日'}放假，{upcoming}。"
    if today.span is None:
        day = _DAYS_EN[local.weekday()] if english else _WEEKDAY_ZH[local.weekday()]
        return f"We are closed today, {day}; {upcoming}." if english else f"今天{day}休息，{upcoming}。"
    if local.time().replace(tzinfo=None) < today.span.opens:
        return special + (f"We are not open yet; {upcoming}." if english else f"现在还没到上班时间，{upcoming}。")
    return special + (f"We are closed for the day now; {upcoming}." if english else f"现在是下班时间，{upcoming}。")


def _special_day_note(directory: Directory, today: DayHours, english: bool) -> str:
    """A make-up working day (调休上班) or special hours today, which the weekly hours do not show."""
    holiday, span = today.holiday, today.span
    if holiday is None or span is None:
        return ""
    makeup = directory.hours.get(weekday_key(today.day)) is None
    hours = _span_text(span, english)
    if english:
        what = "a make-up working day" if makeup else f"a day with special hours ({_holiday_en(holiday.name)})"
        return f"Today is {what}: we are open {hours}. "
    if makeup:
        what = holiday.name if "调休" in holiday.name or "上班" in holiday.name else "是调休上班日"
        return f"今天{what}，上班时间{hours}。"
    return f"今天{holiday.name or '特别安排'}，上班时间调整为{hours}。"


def _upcoming_holiday_note(directory: Directory, at: dt.datetime, english: bool) -> str:
    """"另外，10月1日至10月7日国庆节放假。" for a closed holiday starting in the next few days."""
    today = to_local(directory, at).date()
    soon = [h for h in directory.holidays
            if h.closed and today < h.date <= today + dt.timedelta(days=UPCOMING_HOLIDAY_DAYS)]
    if not soon:
        return ""
    holiday = min(soon, key=lambda h: h.date)
    end = holiday.to or holiday.date
    if english:
        span = _date_en(holiday.date) if end == holiday.date else f"{_date_en(holiday.date)} to {_date_en(end)}"
        return f"Please note we will be closed {'on' if end == holiday.date else 'from'} {span} for " \
               f"{_holiday_en(holiday.name)}."
    span = _date_zh(holiday.date) if end == holiday.date else f"{_date_zh(holiday.date)}至{_date_zh(end)}"
    return f"另外，{span}{holiday.name or '节假日'}放假。"


def _when(local: dt.datetime, upcoming: dt.datetime | None, english: bool) -> str:
    """"明天08:30上班" / "we open again tomorrow at 08:30"."""
    if upcoming is None:
        return "no opening is scheduled in the coming weeks" if english else "近期暂无上班安排"
    days = (upcoming.date() - local.date()).days
    clock = f"{upcoming:%H:%M}"
    if english:
        when = "today" if days == 0 else "tomorrow" if days == 1 else \
            f"on {_DAYS_EN[upcoming.weekday()]} {_date_en(upcoming.date())}"
        return f"we open {'again ' if days else ''}{when} at {clock}"
    when = "今天" if days == 0 else "明天" if days == 1 else \
        f"{_date_zh(upcoming.date())}（{_WEEKDAY_ZH[upcoming.weekday()]}）"
    return f"{when}{clock}上班"


def _day_range(days: list[int], english: bool) -> str:
    names = _DAYS_EN if english else _DAYS_ZH
    if len(days) == 1:
        return names[days[0]]
    if len(days) == 2:
        return f"{names[days[0]]} and {names[days[1]]}" if english else f"{names[days[0]]}、{names[days[1]]}"
    return f"{names[days[0]]} to {names[days[-1]]}" if english else f"{names[days[0]]}至{names[days[-1]]}"


def _span_text(span: Span, english: bool) -> str:
    if span.opens == dt.time(0, 0) and span.closes == dt.time.max:
        return "open 24 hours" if english else "全天"
    return str(span)


def _date_zh(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _date_en(day: dt.date) -> str:
    return f"{day.day} {_MONTHS_EN[day.month - 1]}"


def _holiday_en(name: str) -> str:
    """An English name for a holiday the file names in Chinese (国庆节 → National Day)."""
    for chinese, english in _HOLIDAYS_EN.items():
        if chinese in name:
            return english
    return name if name and name.isascii() else "a public holiday"
