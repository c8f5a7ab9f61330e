"""Free text → the person, department or extension a caller means.

What reaches the receptionist is a sentence from a caller or a speech recogniser: "你好，我找
财务部的李纳", "帮我转一下张总", "I'd like to speak to Nina Li please", "分机八零零一". The
`Resolver` finds every way the sentence names someone in one `Directory` snapshot:

- Chinese names, aliases and department words by sound (`bot.directory.pinyin`), so that
  recogniser homophones (李纳 for 李娜) and near-homophones (n/l, zh/z, in/ing...) still match;
- surname + title (张总, 刘总监, 李经理, Mr. Zhang, Director Liu) against levels and titles;
- English names, nicknames and pinyin in any order, with typos;
- extensions typed or spoken (`bot.directory.spoken`), but only extensions that belong to
  someone in the directory: a caller can never make the receptionist dial an arbitrary number.

It reports candidates with a score, says when two are too close to call (`ambiguous`) instead
of guessing, and lets a department mentioned in the same sentence pick between namesakes
("财务部的张伟"). The index is built from the snapshot alone, so a directory change takes
effect at the next lookup through `resolver_for`, with no training.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import unicodedata
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.directory import spoken
from bot.directory.pinyin import Closeness, SoundHit, SoundTrie, is_han, readings
from bot.org.model import Department, Directory, Level, Person

log = logging.getLogger(__name__)

PERSON = "person"
DEPARTMENT = "department"
OPERATOR = "operator"
DUTY = "duty"
_KIND_ORDER = {PERSON: 0, DEPARTMENT: 1, OPERATOR: 2, DUTY: 3}

AMBIGUITY_MARGIN = 0.05
"""Two candidates closer than this are reported as ambiguous, never guessed between."""
CONFIDENT_SCORE = 0.9
"""A single best candidate at or above this needs no confirmation from the caller."""
MIN_BEST_SCORE = 0.7
"""Below this a candidate is only a suggestion, never `best`."""
MAX_TEXT_CHARS = 5000
"""Longer text is cut: nobody says more in one turn, and the lookup must stay fast."""

HOMOPHONE_SCORE = 0.88
"""Every character sounds the same (李纳 for 李娜), plus up to CLOSENESS_BONUS for characters written
alike: 李纳 scores 0.92 and is confident; 政府 for 郑福, nothing written alike, stays below 0.9."""
NEAR_SCORE = 0.78
"""Some character only sounds alike loosely (李拉 for 李娜): never confident."""
CLOSENESS_BONUS = 0.08
TYPO_PENALTY = 0.15
"""Per edit in an English word."""
OUT_OF_ORDER_PENALTY = 0.01
DEMOTED_DEPARTMENT = 0.6
"""A department named next to a person is where to look, not whom to call."""
PERSON_FOUND_SCORE = 0.8

_FUNCTION_CHARS = frozenset("的了吗呢吧啊呀我你您他她它们是在有找转接帮请给一下个这那要想和跟与就都也还说问打谢好")
_REQUEST_WORDS = (
    "你好", "您好", "麻烦", "谢谢", "请问", "帮我", "帮忙", "一下", "在吗", "在不在", "转接", "接通", "电话",
    "分机", "找一下", "转一下", "有没有", "是不是", "可以", "能不能", "的话", "那个", "这个", "那位", "这位",
    "请帮", "联系", "留言", "打扰",
)
"""Words of a request around a name. A name may stand in for them only when written alike, or
(a recogniser's 和 for 何) with another character of the name written exactly; see `_by_sound`."""

_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 南宫 西门 独孤 万俟 申屠 澹台 太史".split()
)

_LATIN_STOPWORDS = frozenset(
    """a an the to i d m s t ll re ve me my you your is are am be can could would will like speak talk
    with please put through transfer connect call for of in on at and or hi hello hey yes no he she it we
    they this that want need ask about get give number extension ext from by was him her his do does did
    not so if as but just some any there here who what when where why how all someone somebody person
    office department dept team desk thanks thank okay ok good morning afternoon evening""".split()
)
"""English words that are never a name on their own (a pinyin surname like He still matches in a full name)."""


@dataclass(frozen=True)
class _Title:
    """What a title of address says about whom it fits: a level, or words in the person's title."""

    levels: frozenset[Level] = frozenset()
    keywords: tuple[str, ...] = ()
    anyone: bool = False


_EXEC = frozenset({Level.EXECUTIVE})
_DIRECTOR = frozenset({Level.DIRECTOR})
_MANAGER = frozenset({Level.MANAGER})
_LEAD = frozenset({Level.MANAGER, Level.DIRECTOR, Level.EXECUTIVE})

_TITLES_ZH: dict[str, _Title] = {
    "董事长": _Title(_EXEC, ("董事",)),
    "总经理": _Title(_EXEC, ("总经理",)),
    "总裁": _Title(_EXEC, ("总裁",)),
    "总监": _Title(_DIRECTOR, ("总监",)),
    "副总": _Title(_EXEC, ("副总",)),
    "董": _Title(_EXEC, ("董事",)),
    "总": _Title(_EXEC, ("总",)),
    "经理": _Title(_MANAGER, ("经理",)),
    "主任": _Title(_MANAGER, ("主任", "主管")),
    "主管": _Title(_MANAGER, ("主管", "主任")),
    "部长": _Title(frozenset({Level.MANAGER, Level.DIRECTOR}), ("部长",)),
    "处长": _Title(_LEAD, ("处长",)),
    "科长": _Title(_LEAD, ("科长",)),
    "局长": _Title(_LEAD, ("局长",)),
    "秘书": _Title(keywords=("秘书", "助理")),
    "助理": _Title(keywords=("助理", "秘书")),
    "老师": _Title(anyone=True),
    "先生": _Title(anyone=True),
    "女士": _Title(anyone=True),
    "小姐": _Title(anyone=True),
}
_TITLES_ZH_LONGEST_FIRST = sorted(_TITLES_ZH, key=len, reverse=True)
_TITLES_EN: dict[str, _Title] = {
    "mr": _Title(anyone=True), "mister": _Title(anyone=True), "mrs": _Title(anyone=True),
    "ms": _Title(anyone=True), "miss": _Title(anyone=True), "madam": _Title(anyone=True),
    "dr": _Title(anyone=True), "doctor": _Title(anyone=True),
    "director": _Title(_DIRECTOR, ("director",)),
    "manager": _Title(_MANAGER, ("manager",)),
    "supervisor": _Title(_MANAGER, ("supervisor",)),
    "president": _Title(_EXEC, ("president",)),
    "chairman": _Title(_EXEC, ("chairman",)),
}
SURNAME_HOMOPHONE = 0.93
SURNAME_NEAR = 0.85
"""How much a surname heard as a homophone (章总 for 张总) or near one (臧总) keeps of a title's score."""
TITLE_FIT_SCORES = {"level+title": 0.92, "title": 0.88, "level": 0.86, "anyone": 0.75, "none": 0.6}
"""Surname + title: both the level and the title fit; only the title words; only the level..."""


@dataclass(frozen=True)
class Candidate:
    kind: str
    """"person" | "department" | "operator" | "duty"."""
    id: str
    """Person id or department id ("operator" / "duty" for those two)."""
    name: str
    name_en: str
    department: str
    """Department id (for a department: its own id; empty for operator and duty)."""
    department_name: str
    extension: str | None
    score: float
    """0..1, higher is better."""
    matched: str
    """What matched: "name 李娜", "pinyin li na", "alias 张总", "topic 报销", "extension 8001"..."""


@dataclass(frozen=True)
class Resolution:
    query: str
    candidates: tuple[Candidate, ...]
    """Best first."""
    ambiguous: bool
    """Two or more candidates are too close to call: ask the caller, do not guess."""

    @property
    def best(self) -> Candidate | None:
        """The single answer that is clearly ahead of the rest, else None."""
        if self.ambiguous or not self.candidates or self.candidates[0].score < MIN_BEST_SCORE:
            return None
        return self.candidates[0]

    @property
    def confident(self) -> bool:
        """A best candidate scored high enough to act on without asking the caller to confirm."""
        best = self.best
        return best is not None and best.score >= CONFIDENT_SCORE


# ------------------------------------------------------------------------- the index


@dataclass(frozen=True, eq=False)
class _Target:
    kind: str
    id: str
    name: str
    name_en: str
    department: str
    department_name: str
    extension: str | None
    person: Person | None = None


@dataclass(frozen=True, eq=False)
class _Term:
    """One way the directory names a target: its name, an alias, a topic..."""

    target: _Target
    text: str
    source: str
    weight: float
    near_ok: bool = False
    """Whether a loose (near-homophone) match counts: yes for names, no for ordinary words."""
    hint: bool = False
    """An explicit department mention, which may pick between namesakes."""
    exact_only: bool = False
    """Counts only when written exactly: a given name alone is too weak to be heard by sound."""


@dataclass
class _Hit:
    target: _Target
    score: float
    matched: str
    span: tuple[str, int, int]
    """Where in the query: ("han" | "latin" | "digits", start, end)."""
    hint: bool = False


@dataclass
class _LatinIndex:
    """English words (names, nicknames, pinyin, department words) found in any order, with typos."""

    keys: list[tuple[tuple[str, ...], _Term]] = field(default_factory=list)
    by_token: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_length: dict[int, list[str]] = field(default_factory=dict)

    def add(self, tokens: tuple[str, ...], term: _Term) -> None:
        if not tokens:
            return
        self.keys.append((tokens, term))
        for token in set(tokens):
            self.by_token[token].append(len(self.keys) - 1)

    def freeze(self) -> None:
        lengths: dict[int, list[str]] = defaultdict(list)
        for token in self.by_token:
            if len(token) >= 3 and token not in _LATIN_STOPWORDS:
                lengths[len(token)].append(token)
        self.by_length = dict(lengths)
        self.by_token = dict(self.by_token)

    def scan(self, tokens: list[str]) -> Iterator[tuple[int, int, _Term, float]]:
        """(start, end, term, similarity) of every key found in `tokens` as a window in any order."""
        matches = self._token_matches(tokens)
        evaluated: set[tuple[int, int]] = set()
        for position, found in enumerate(matches):
            for vocab_token in found:
                for key_id in self.by_token[vocab_token]:
                    key_tokens, term = self.keys[key_id]
                    size = len(key_tokens)
                    for start in range(max(0, position - size + 1), min(position, len(tokens) - size) + 1):
                        if (key_id, start) in evaluated:
                            continue
                        evaluated.add((key_id, start))
                        similarity = _window_similarity(key_tokens, matches[start:start + size])
                        if similarity:
                            yield start, start + size, term, similarity

    def _token_matches(self, tokens: list[str]) -> list[dict[str, float]]:
        fuzzy: dict[str, dict[str, float]] = {}
        matches = []
        for token in tokens:
            if token in self.by_token:
                matches.append({token: 1.0})
            elif len(token) < 4 or token in _LATIN_STOPWORDS or token.isdigit():
                matches.append({})
            else:
                if token not in fuzzy:
                    fuzzy[token] = self._near_words(token)
                matches.append(fuzzy[token])
        return matches

    def _near_words(self, token: str) -> dict[str, float]:
        """Directory words within one typo (two for long words), transpositions counting as one."""
        most = 1 if len(token) <= 6 else 2
        found: dict[str, float] = {}
        for length in range(len(token) - most, len(token) + most + 1):
            bucket = self.by_length.get(length)
            if not bucket:
                continue
            for word, distance, _ in process.extract(token, bucket, scorer=OSA.distance, score_cutoff=most, limit=None):
                found[word] = 1.0 - TYPO_PENALTY * distance
        return found


def _window_similarity(key: tuple[str, ...], window: list[dict[str, float]]) -> float:
    """Best mean similarity of `key` to the window's words in any order (0 if some word is missing).

    Words in the directory's own order score OUT_OF_ORDER_PENALTY more: with a typo that fits
    two names ("Wei Jaing": Wei Jiang or Jing Wei), the one written that way comes first.
    """
    orders: Iterable[tuple[int, ...]] = (
        itertools.permutations(range(len(key))) if len(key) <= 4 else [tuple(range(len(key)))]
    )
    best = 0.0
    for order in orders:
        total = 0.0
        for key_token, slot in zip(key, order):
            similarity = window[slot].get(key_token)
            if similarity is None:
                break
            total += similarity
        else:
            in_order = order == tuple(range(len(key)))
            best = max(best, total / len(key) - (0.0 if in_order else OUT_OF_ORDER_PENALTY))
    return best


class Resolver:
    """An index of one directory snapshot; `resolve` maps free text to candidates."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self._sounds: SoundTrie[_Term] = SoundTrie()
        self._surnames: SoundTrie[_Target] = SoundTrie()
        self._latin = _LatinIndex()
        self._latin_surnames: dict[str, list[_Target]] = defaultdict(list)
        self._extensions: dict[str, list[_Target]] = defaultdict(list)
        self._acronyms: list[tuple[re.Pattern[str], _Term]] = []
        departments = {d.id: d for d in directory.departments}
        for department in directory.departments:
            self._index_department(department)
        for person in directory.people:
            self._index_person(person, departments.get(person.department))
        self._index_switchboard(directory)
        self._latin.freeze()

    # -------------------------------------------------------------- building the index

    def _index_department(self, department: Department) -> None:
        target = _Target(DEPARTMENT, department.id, department.name, department.name_en, department.id,
                         department.name, department.extension)
        self._add_term(_Term(target, department.name, "department", 1.0, hint=True))
        self._add_term(_Term(target, department.name_en, "department", 1.0, hint=True))
        for alias in department.aliases:
            self._add_term(_Term(target, alias, "alias", 1.0, hint=True))
        for topic in department.topics:
            self._add_term(_Term(target, topic, "topic", 0.9))
        self._add_extension(department.extension, target)

    def _index_person(self, person: Person, department: Department | None) -> None:
        target = _Target(PERSON, person.id, person.name, person.name_en, person.department,
                         department.name if department else "", person.extension, person)
        surname, given = split_chinese_name(person.name)
        self._add_term(_Term(target, person.name, "name", 1.0, near_ok=True))
        self._add_term(_Term(target, person.name_en, "name", 1.0))
        for alias in person.aliases:
            self._add_term(_Term(target, alias, "alias", 1.0, near_ok=True))
        if len(given) >= 2:
            self._add_term(_Term(target, given, "given name", 0.75, exact_only=True))
        if surname:
            self._surnames.add(surname, target)
        self._index_pinyin_name(target, surname, given)
        self._add_extension(person.extension, target)

    def _index_pinyin_name(self, target: _Target, surname: str, given: str) -> None:
        """Li Na, Na Li, lina, Jianhua (alone, weakly): how a Chinese name is typed in Latin letters."""
        surname_py = "".join(_reading(ch) for ch in surname)
        given_syllables = [_reading(ch) for ch in given]
        given_py = "".join(given_syllables)
        name_en_tokens = latin_tokens(target.name_en)
        for family in {surname_py, *(name_en_tokens[-1:] if len(name_en_tokens) > 1 else [])} - {"", given_py}:
            self._latin_surnames[family].append(target)
        if not (surname_py and given_py):
            return
        spelled = f"{surname_py} {given_py}"
        for tokens in {(surname_py, given_py), (surname_py, *given_syllables)}:
            self._latin.add(tokens, _Term(target, spelled, "pinyin", 0.98))
        for word in {surname_py + given_py, given_py + surname_py}:
            self._latin.add((word,), _Term(target, spelled, "pinyin", 0.92))
        given_words = {given_py, *name_en_tokens[:-1]} - _LATIN_STOPWORDS
        for word in given_words:
            if len(word) >= 3:
                self._latin.add((word,), _Term(target, word, "given name", 0.7, exact_only=True))

    def _index_switchboard(self, directory: Directory) -> None:
        operator = directory.organization.operator
        duty = directory.after_hours.duty_phone
        if operator:
            self._add_extension(operator, _Target(OPERATOR, "operator", "总机", "Operator", "", "", operator))
        if duty:
            self._add_extension(duty, _Target(DUTY, "duty", "值班电话", "Duty line", "", "", duty))

    def _add_term(self, term: _Term) -> None:
        """Index the Chinese part by sound and the Latin part by words; skip one-character terms."""
        han = "".join(ch for ch in term.text if is_han(ch))
        if len(han) >= 2:
            self._sounds.add(han, term)
        tokens = tuple(latin_tokens(term.text))
        if tokens and all(t in _LATIN_STOPWORDS for t in tokens):
            self._add_acronym(term)
        elif tokens and any(len(t) > 1 for t in tokens):
            self._latin.add(tokens, term)

    def _add_acronym(self, term: _Term) -> None:
        """"IT部", "IT": an acronym that is also an English word ("it") counts only in capitals, as
        typed ("转IT", "IT please"), never in "it's about the invoice"."""
        letters = "".join(re.findall(r"[A-Za-z]+", term.text))
        if len(letters) >= 2 and letters.isupper():
            self._acronyms.append((re.compile(rf"(?<![A-Za-z]){letters}(?![A-Za-z])"), term))

    def _add_extension(self, extension: str | None, target: _Target) -> None:
        digits = "".join(ch for ch in (extension or "") if ch.isdigit())
        if digits:
            self._extensions[digits].append(target)

    # -------------------------------------------------------------------- resolving

    def resolve(self, text: str, limit: int = 5) -> Resolution:
        """Every target `text` names, best first; ambiguous when the top two are too close to call."""
        query = text if isinstance(text, str) else ""
        try:
            return self._resolve(query, max(1, int(limit)))
        except Exception:  # a lookup must never break a call: report nothing found instead
            log.exception("resolving %r failed", query[:200])
            return Resolution(query=query, candidates=(), ambiguous=False)

    def _resolve(self, query: str, limit: int) -> Resolution:
        text = normalise(query[:MAX_TEXT_CHARS])
        reserved: set[int] = set()
        hits = self._title_hits_zh(text, reserved)
        hits += self._sound_hits(text, reserved)
        tokens = latin_tokens(text)
        hits += self._title_hits_en(tokens)
        hits += self._latin_hits(tokens)
        hits += self._acronym_hits(query[:MAX_TEXT_CHARS])
        hits = _suppress_overlaps(hits)
        hits += self._extension_hits(query[:MAX_TEXT_CHARS])
        hits = _apply_department_hints(hits)
        candidates = _rank(_merge(hits))
        ambiguous = len(candidates) >= 2 and round(candidates[0].score - candidates[1].score, 3) < AMBIGUITY_MARGIN
        return Resolution(query=query, candidates=tuple(candidates[:limit]), ambiguous=ambiguous)

    def _sound_hits(self, text: str, reserved: set[int]) -> list[_Hit]:
        hits = []
        request = _request_positions(text)
        for found in self._sounds.scan(text):
            term = found.payload
            closeness = _by_sound(found, text, reserved, request)
            if closeness is None or (Closeness.NEAR in closeness and not term.near_ok):
                continue
            if term.exact_only and not found.exact:
                continue
            score = term.weight * sound_quality(closeness)
            matched = f"{term.source} {term.text}"
            if not found.exact:
                sound = " ".join(_reading(ch) for ch in term.text if is_han(ch))
                matched = f"{term.source} {term.text} by sound: pinyin {sound} (heard {text[found.start:found.end]})"
            hits.append(_Hit(term.target, score, matched, ("han", found.start, found.end), term.hint))
        return hits

    def _title_hits_zh(self, text: str, reserved: set[int]) -> list[_Hit]:
        """张总, 刘总监, 孙主任: a surname right before a title of address.

        A title that fits someone reserves its characters: 经理 in 李经理 is then not read as
        part of a name (李静). One that fits nobody (万总 for 万忠凤) leaves them to the names.
        """
        hits: list[_Hit] = []
        taken: set[int] = set()
        for word in _TITLES_ZH_LONGEST_FIRST:
            start = text.find(word)
            while start != -1:
                span = range(start, start + len(word))
                if not taken.intersection(span):
                    taken.update(span)
                    found, fits = self._surname_title_hits(text, start, word)
                    if fits:
                        reserved.update(span)
                    hits += found
                start = text.find(word, start + 1)
        return hits

    def _surname_title_hits(self, text: str, title_at: int, word: str) -> tuple[list[_Hit], bool]:
        """The people a title names, and whether it fits someone whose surname sounds the same."""
        for size in (2, 1):
            heard = text[max(0, title_at - size):title_at]
            if len(heard) != size or not all(is_han(ch) for ch in heard):
                continue
            people = [(hit.payload, sound_quality(hit.closeness, 1.0, SURNAME_HOMOPHONE, SURNAME_NEAR))
                      for hit in self._surnames.scan(heard) if hit.start == 0 and hit.end == size]
            if people:
                span = ("han", title_at - size, title_at + len(word))
                return _title_fits(people, _TITLES_ZH[word], f"title {heard}{word}", span)
        return [], False

    def _title_hits_en(self, tokens: list[str]) -> list[_Hit]:
        """Mr. Zhang, Director Liu, Manager Sun."""
        hits: list[_Hit] = []
        for index, token in enumerate(tokens[:-1]):
            title = _TITLES_EN.get(token)
            family = tokens[index + 1]
            if title and family in self._latin_surnames:
                people = [(target, 1.0) for target in self._latin_surnames[family]]
                hits += _title_fits(people, title, f"title {token} {family}", ("latin", index, index + 2),
                                    english=True)[0]
        return hits

    def _latin_hits(self, tokens: list[str]) -> list[_Hit]:
        hits = []
        for start, end, term, similarity in self._latin.scan(tokens):
            if term.exact_only and similarity < 1.0:
                continue
            words = " ".join(tokens[start:end])
            typo = similarity < 1.0 - OUT_OF_ORDER_PENALTY - 1e-9
            matched = f"{term.source} {term.text} (heard {words})" if typo else f"{term.source} {term.text}"
            hits.append(_Hit(term.target, term.weight * similarity, matched, ("latin", start, end), term.hint))
        return hits

    def _acronym_hits(self, text: str) -> list[_Hit]:
        return [_Hit(term.target, term.weight, f"{term.source} {term.text}", ("acronym", m.start(), m.end()), term.hint)
                for pattern, term in self._acronyms for m in pattern.finditer(text)]

    def _extension_hits(self, text: str) -> list[_Hit]:
        """Only numbers that belong to someone in the directory: never an arbitrary number."""
        hits = []
        for run in spoken.digit_runs(text):
            for target in self._extensions.get(run.digits, ()):
                label = {OPERATOR: "operator", DUTY: "duty line"}.get(target.kind, "extension")
                hits.append(_Hit(target, 1.0, f"{label} {run.digits}", ("digits", run.start, run.end)))
        return hits


# ------------------------------------------------------------------------- scoring


def sound_quality(closeness: tuple[int, ...], exact: float = 1.0, homophone: float = HOMOPHONE_SCORE,
                  near: float = NEAR_SCORE) -> float:
    """1 when written alike; else the sound class plus a little for the share of exact characters."""
    if all(c == Closeness.EXACT for c in closeness):
        return exact
    base = near if any(c == Closeness.NEAR for c in closeness) else homophone
    return base + CLOSENESS_BONUS * sum(c == Closeness.EXACT for c in closeness) / len(closeness)


def _request_positions(text: str) -> set[int]:
    positions = {i for i, ch in enumerate(text) if ch in _FUNCTION_CHARS}
    for word in _REQUEST_WORDS:
        start = text.find(word)
        while start != -1:
            positions.update(range(start, start + len(word)))
            start = text.find(word, start + 1)
    return positions


def _by_sound(found: SoundHit[_Term], text: str, reserved: set[int], request: set[int]) -> tuple[int, ...] | None:
    """The closeness of a sound-alike, or None when it is made of the request rather than a name.

    A title already read (经理 in 李经理) never stands in for a name. A request word (找, 麻烦)
    stands in for a character of a name only as a near match, and only when another
    character is written exactly (找睿 for 赵睿, 和瑾 for 何瑾; never 麻烦 for 马芳).
    """
    closeness = list(found.closeness)
    for index, position in enumerate(range(found.start, found.end)):
        if closeness[index] == Closeness.EXACT:
            continue
        if position in reserved:
            return None
        if position in request:
            closeness[index] = Closeness.NEAR
            if Closeness.EXACT not in closeness:
                return None
    if Closeness.NEAR in closeness and Closeness.EXACT not in closeness and any(p in request for p in
                                                                                 range(found.start, found.end)):
        return None
    return tuple(closeness)


def _title_fits(people: list[tuple[_Target, float]], title: _Title, matched: str, span: tuple[str, int, int],
                english: bool = False) -> tuple[list[_Hit], bool]:
    """People with the surname whom the title fits; if it fits nobody, those with the very surname, weakly.

    The flag says whether the title fits someone whose surname sounds the same (not merely near).
    """
    scored = [(target, _fit(target.person, title, english), quality)
              for target, quality in people if target.person is not None]
    fitting = [entry for entry in scored if entry[1] != "none"]
    chosen = fitting or [entry for entry in scored if entry[2] >= SURNAME_HOMOPHONE]
    firm = any(quality >= SURNAME_HOMOPHONE for _, _, quality in fitting)
    hits = [_Hit(target, TITLE_FIT_SCORES[fit] * quality, matched, span) for target, fit, quality in chosen]
    return hits, firm


def _fit(person: Person, title: _Title, english: bool) -> str:
    if title.anyone:
        return "anyone"
    person_title = (person.title_en.lower() if english else person.title)
    by_title = any(keyword in person_title for keyword in title.keywords)
    by_level = person.level in title.levels
    if by_title and by_level:
        return "level+title"
    return "title" if by_title else "level" if by_level else "none"


def _suppress_overlaps(hits: list[_Hit]) -> list[_Hit]:
    """Keep the best reading of each stretch of text: a weaker hit overlapping a stronger one goes.

    Strength is score times length: 李岩涛 heard as 李盐套 explains three characters and beats
    李彦 matching two of them. Hits over exactly the same words stay together (both 张伟).
    """
    kept: list[_Hit] = []
    spans: list[tuple[str, int, int]] = []
    for hit in sorted(hits, key=lambda h: (-round(h.score * (h.span[2] - h.span[1]), 6), -h.score)):
        if hit.span in spans:
            kept.append(hit)
        elif not any(_overlap(hit.span, other) for other in spans):
            kept.append(hit)
            spans.append(hit.span)
    return kept


def _overlap(a: tuple[str, int, int], b: tuple[str, int, int]) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def _apply_department_hints(hits: list[_Hit]) -> list[_Hit]:
    """"财务部的张伟": a named department picks between namesakes and steps back behind the person."""
    hinted = {h.target.id for h in hits if h.hint and h.target.kind == DEPARTMENT and h.score >= 0.9}
    if hinted:
        by_mention: dict[tuple[str, int, int], list[_Hit]] = defaultdict(list)
        for hit in hits:
            if hit.target.kind == PERSON:
                by_mention[hit.span].append(hit)
        dropped: set[int] = set()
        for group in by_mention.values():
            if any(h.target.department in hinted for h in group):
                dropped.update(id(h) for h in group if h.target.department not in hinted)
        hits = [h for h in hits if id(h) not in dropped]
        for hit in hits:  # "Mr Tang at civil affairs", "民政的唐先生": that department's Tang is meant
            if hit.target.kind == PERSON and hit.target.department in hinted:
                hit.score = max(hit.score, CONFIDENT_SCORE)
    if any(h.target.kind == PERSON and h.score >= PERSON_FOUND_SCORE for h in hits):
        for hit in hits:
            if hit.target.kind == DEPARTMENT and hit.span[0] != "digits":
                hit.score *= DEMOTED_DEPARTMENT
    return hits


def _merge(hits: list[_Hit]) -> list[Candidate]:
    best: dict[tuple[str, str], _Hit] = {}
    for hit in hits:
        key = (hit.target.kind, hit.target.id)
        if key not in best or hit.score > best[key].score:
            best[key] = hit
    return [_candidate(hit) for hit in best.values()]


def _candidate(hit: _Hit) -> Candidate:
    t = hit.target
    return Candidate(kind=t.kind, id=t.id, name=t.name, name_en=t.name_en, department=t.department,
                     department_name=t.department_name, extension=t.extension,
                     score=round(min(1.0, max(0.0, hit.score)), 3), matched=hit.matched)


def _rank(candidates: list[Candidate]) -> list[Candidate]:
    return sorted(candidates, key=lambda c: (-c.score, _KIND_ORDER.get(c.kind, 9), c.name_en, c.id))


# ------------------------------------------------------------------------- text helpers


_LATIN_WORD = re.compile(r"[a-z0-9]+(?:&[a-z0-9]+)*")
"""Words, keeping R&D and AT&T whole."""


def normalise(text: str) -> str:
    """Full-width folded, lower case, accents dropped (Zhāng → zhang); Chinese untouched."""
    folded = unicodedata.normalize("NFKC", text).lower()
    if folded.isascii():
        return folded
    return "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))


def latin_tokens(text: str) -> list[str]:
    return _LATIN_WORD.findall(normalise(text))


def split_chinese_name(name: str) -> tuple[str, str]:
    """(surname, given name) of a Chinese name; ("", "") when the name is not Chinese."""
    han = "".join(ch for ch in name if is_han(ch))
    if len(han) < 2:
        return "", ""
    if len(han) >= 3 and han[:2] in _COMPOUND_SURNAMES:
        return han[:2], han[2:]
    return han[:1], han[1:]


def _reading(ch: str) -> str:
    found = readings(ch)
    return found[0] if found and found[0].isascii() else ""


# ------------------------------------------------------------------------- cache

_CACHE_SIZE = 8
_cache: OrderedDict[int, tuple[Directory, int, Resolver]] = OrderedDict()
_cache_lock = threading.Lock()


def resolver_for(directory: Directory) -> Resolver:
    """The resolver for this snapshot, built once; a new snapshot (or version) gets a new index.

    Callers may call this on every lookup: `DirectoryCache.current()` hands out the same
    snapshot object until the organisation changes, so the index is rebuilt exactly then.
    """
    key = id(directory)
    with _cache_lock:
        entry = _cache.get(key)
        if entry and entry[0] is directory and entry[1] == directory.version:
            _cache.move_to_end(key)
            return entry[2]
    resolver = Resolver(directory)
    with _cache_lock:
        _cache[key] = (directory, directory.version, resolver)
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return resolver
