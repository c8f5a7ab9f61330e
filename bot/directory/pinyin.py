"""Chinese by sound: tone-less pinyin keys, and a trie that finds names inside a sentence.

A speech recogniser writes what it heard with whatever characters fit the sound: 李娜 may
come out as 李纳 or 李拉. So names are compared by pinyin without tones, and a "loose" key
also folds the confusions most common in Mandarin speech (and in its recognisers):
zh/z, ch/c, sh/s and n/l initials, and -ng/-n finals (ing/in, eng/en, ang/an).

`SoundTrie` holds the directory's Chinese terms (names, aliases, department names) keyed
by loose syllables. `scan` walks a sentence once, trying every start position, and reports
each term it meets together with how close the sound was, character by character.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Generic, TypeVar

from pypinyin import Style, pinyin

T = TypeVar("T")

EXTRA_READINGS: dict[str, tuple[str, ...]] = {
    # surnames read differently from the character's usual reading
    "单": ("shan",), "曾": ("zeng",), "解": ("xie",), "仇": ("qiu",), "朴": ("piao",), "区": ("ou",),
    "查": ("zha",), "盖": ("ge",), "尉": ("yu",), "覃": ("qin",), "缪": ("miao",), "翟": ("zhai",),
    "种": ("chong",), "员": ("yun",), "召": ("shao",), "柏": ("bo",), "秘": ("bi",), "乐": ("yue",),
    "长": ("chang",), "朝": ("zhao",), "藏": ("zang",), "蔚": ("yu",), "茜": ("xi",),
    # everyday polyphones
    "行": ("hang",), "重": ("chong",), "传": ("zhuan",), "调": ("tiao",), "还": ("huan",), "都": ("du",),
    "薄": ("bo",), "便": ("pian",), "省": ("xing",), "参": ("shen",), "会": ("kuai",), "弹": ("tan",),
    "约": ("yao",), "强": ("jiang",), "露": ("lou",), "降": ("xiang",), "角": ("jue",), "率": ("shuai",),
    "系": ("ji",), "宿": ("xiu",), "给": ("ji",), "发": ("fa",), "大": ("dai",), "得": ("dei",),
}
"""Second readings that are really used. pypinyin also lists archaic ones (郝 shi, 王 yu) that
would only make unrelated names sound alike, so only the first reading and these are kept."""

_NG_FINALS_KEPT = ("ong",)
"""-ong has no -on counterpart, so it keeps its g."""


def is_han(ch: str) -> bool:
    return ("\u4e00" <= ch <= "\u9fff") or ("\u3400" <= ch <= "\u4dbf") or ("\uf900" <= ch <= "\ufaff")


@lru_cache(maxsize=65536)
def readings(ch: str) -> tuple[str, ...]:
    """Tone-less readings of one Han character, most common first; () for anything else.

    A Han character pypinyin cannot read is its own (only) reading, so it still matches itself.
    """
    if not is_han(ch):
        return ()
    found = pinyin(ch, style=Style.NORMAL, errors="ignore")
    primary = found[0][0] if found and found[0] else ""
    if not (primary.isascii() and primary.isalpha()):
        return (ch,)
    return (primary, *(r for r in EXTRA_READINGS.get(ch, ()) if r != primary))


@lru_cache(maxsize=4096)
def loose(syllable: str) -> str:
    """Fold the near-homophones a Mandarin recogniser confuses: shi→si, ning→lin, zhang→zan."""
    for retroflex, flat in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if syllable.startswith(retroflex):
            syllable = flat + syllable[2:]
            break
    else:
        if syllable.startswith("n") and len(syllable) > 1 and syllable != "ng":
            syllable = "l" + syllable[1:]
    if syllable.endswith("ng") and len(syllable) > 2 and not syllable.endswith(_NG_FINALS_KEPT):
        syllable = syllable[:-1]
    return syllable


@lru_cache(maxsize=65536)
def loose_keys(ch: str) -> frozenset[str]:
    return frozenset(loose(r) for r in readings(ch))


def syllables(text: str) -> list[str]:
    """The most common tone-less reading of each Han character ("李娜" → ["li", "na"])."""
    return [readings(ch)[0] for ch in text if is_han(ch)]


def sounds_alike(a: str, b: str) -> bool:
    """Same tone-less pinyin, character by character (李娜 / 李纳)."""
    return len(a) == len(b) and all(set(readings(x)) & set(readings(y)) for x, y in zip(a, b))


class Closeness:
    """How one character of a sentence matched one character of a term."""

    EXACT = 2
    HOMOPHONE = 1
    NEAR = 0


@dataclass(frozen=True)
class SoundHit(Generic[T]):
    """A term found in a sentence at [start, end), with the closeness of each character."""

    start: int
    end: int
    term: str
    payload: T
    closeness: tuple[int, ...]

    @property
    def exact(self) -> bool:
        return all(c == Closeness.EXACT for c in self.closeness)

    @property
    def near(self) -> bool:
        """At least one character only matched loosely (zh/z, n/l, in/ing...)."""
        return any(c == Closeness.NEAR for c in self.closeness)


@dataclass
class _Node(Generic[T]):
    children: dict[str, _Node[T]] = field(default_factory=dict)
    terms: list[tuple[str, T]] = field(default_factory=list)


class SoundTrie(Generic[T]):
    """Chinese terms keyed by loose syllables, found in a sentence in one pass."""

    def __init__(self) -> None:
        self._root: _Node[T] = _Node()
        self.size = 0

    def add(self, term: str, payload: T) -> None:
        """Index `term` (Han characters only) under every combination of its readings."""
        if not term or not all(is_han(ch) for ch in term):
            raise ValueError(f"only Han characters can be indexed by sound: {term!r}")
        nodes = [self._root]
        for ch in term:
            nodes = _unique([node.children.setdefault(key, _Node()) for node in nodes for key in loose_keys(ch)])
        for node in nodes:
            node.terms.append((term, payload))
        self.size += 1

    def scan(self, text: str) -> Iterator[SoundHit[T]]:
        """Every indexed term that sounds (loosely) like a stretch of `text`."""
        keys = [loose_keys(ch) if is_han(ch) else frozenset() for ch in text]
        for start in range(len(text)):
            if keys[start]:
                yield from self._walk(text, keys, start)

    def _walk(self, text: str, keys: list[frozenset[str]], start: int) -> Iterator[SoundHit[T]]:
        frontier = [self._root]
        position = start
        while frontier and position < len(text) and keys[position]:
            frontier = _unique([child for node in frontier for key in keys[position]
                                if (child := node.children.get(key)) is not None])
            position += 1
            seen: set[tuple[str, int]] = set()
            for node in frontier:
                for term, payload in node.terms:
                    if (term, id(payload)) not in seen:
                        seen.add((term, id(payload)))
                        yield SoundHit(start, position, term, payload, _closeness(text[start:position], term))


def _closeness(heard: str, term: str) -> tuple[int, ...]:
    return tuple(
        Closeness.EXACT if a == b else Closeness.HOMOPHONE if set(readings(a)) & set(readings(b)) else Closeness.NEAR
        for a, b in zip(heard, term)
    )


def _unique(nodes: list[_Node[T]]) -> list[_Node[T]]:
    if len(nodes) < 2:
        return nodes
    seen: dict[int, _Node[T]] = {}
    for node in nodes:
        seen.setdefault(id(node), node)
    return list(seen.values())
