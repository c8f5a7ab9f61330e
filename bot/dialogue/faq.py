"""Inquiries (问讯服务): the organisation's FAQ, and the address, hours and directions.

The organisation keeps a FAQ file (docs/faq.md): entries of questions and an answer in Chinese
and English. `Faq.answer` finds the entry a caller's question means, in either language and
through recogniser homophones, and returns None rather than a guess: the rulebook's clerk "gives
a clear answer" or, when the question is beyond them, hands over, so below the threshold the
engine offers the operator or a message. The receptionist never makes up an answer.

Address, hours and directions need no entry: `bot.dialogue.inquiries` answers them from the directory.

Matching: each question is cut into content parts: for Chinese, what stays between its function
words (jieba finds the words; "可以停车吗" → 停车, "外卖放哪" → 外卖放), for English the words that
are not stop words, stemmed. A question matches when all its parts are in the caller's text (or
at least two of three or more): Chinese parts as substrings or, for parts of three characters or
more, by sound (无限网 for 无线网); English words by stem, or longer words despite a typo
(rapidfuzz).
"""

from __future__ import annotations

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
from bot.dialogue.inquiries import address_answer, directions_answer, hours_answer, weekly_hours
from bot.directory.pinyin import is_han, sounds_alike
from bot.org.model import Directory
from bot.org.orgfile import OrgFileError, Problem, _Doc, _load_yaml, _Section
from bot.privacy import is_safe_for_caller

__all__ = ["DEMO_FAQ", "Faq", "FaqAnswer", "FaqEntry", "FaqError", "address_answer", "directions_answer",
           "hours_answer", "load_faq", "parse_faq_text", "weekly_hours"]

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
_TOP_KEYS = ("organization", "faq")
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
    organization: str = ""
    """The organisation this FAQ is for (its `organization.name`); '' = whichever is loaded."""
    _questions: tuple[_Question, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.entries and not self._questions:
            questions = tuple(
                _Question(entry.id, question, words)
                for entry in self.entries for question in entry.questions if (words := question_words(question))
            )
            object.__setattr__(self, "_questions", questions)

    def for_organization(self, name: str) -> Faq:
        """This FAQ, or an empty one when it was written for another organisation: a deployment
        that imports its own organisation file but keeps the demo FAQ must not tell its callers
        the demo company's parking, wifi and e-mail addresses."""
        return self if not self.organization or self.organization == name else _NO_FAQ

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


_NO_FAQ = Faq()


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
    return Faq(tuple(entry for _, entry in read), organization=root.text("organization"))


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


def _is_english(language: str) -> bool:
    return isinstance(language, str) and language.lower().startswith("en")

