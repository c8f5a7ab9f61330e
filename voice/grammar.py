"""Names from the directory help the recogniser: a Vosk runtime grammar for the turns where a name is expected.

    Directory ──NameGrammar.build──▶ DirectoryGrammar (JSON phrase list, phrase → entries)
    audio ──NameTurnRecognizer──▶ plain Recognizer ─┐
                                  grammar Recognizer ┴▶ NameUtterance (the grammar's text when it names
                                                        an entry, else the plain text: free-text fallback)

A Vosk runtime grammar can only use words of the model's vocabulary: any other word makes Vosk drop
the whole phrase (a warning in its log). So the vocabulary is read once per model (`model_vocabulary`,
from `graph/words.txt` or, when there is none, the symbol table stored in `graph/Gr.fst`), and a
phrase that is not all vocabulary is split into the fewest vocabulary words (a Korean name as
surname + given name, "윤 서준"; a Chinese name as characters, "王 强") or left out.

The grammar also holds carrier words (what callers say around a name: 씨, 부탁, 我找, please) and the
model's unknown-word token when it has one: without them, every syllable of a carrier phrase or of a
sentence that is not a name is forced onto some name. Whatever the grammar hears, the same audio is
also decoded by the plain model, and its text is what the dialogue gets unless the grammar's
transcript names a directory entry. This costs about 5% more than the plain model alone: a grammar
decode is cheap (a few percent of the plain decode, see bench/results/grammar.md).

The grammar is rebuilt when the directory's version changes (cached by version): a new person is
recognisable at the next name turn, without a retrain or a restart. No Rasa imports here.
"""

from __future__ import annotations

import json
import re
import struct
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

import vosk

from bot.org.model import Directory
from voice.stt import Decode, Partial, Recognizer, Utterance

UNKNOWN_TOKENS = ("[unk]", "<unk>", "<UNK>")
"""The unknown-word token of a model, as the graph's words.txt writes it; the zh and en small models
have `[unk]` (a garbage word: speech that is not a grammar phrase); the Korean model has `<UNK>` in
its symbol table only (measured: adding it changes nothing there)."""

CARRIER_WORDS: dict[str, tuple[str, ...]] = {
    "ko": ("씨", "님", "부탁", "합니다", "부탁합니다", "부탁해요", "부탁드립니다", "좀", "바꿔", "주세요", "계세요",
           "있나요", "어", "그", "저", "음", "요", "네", "연결", "해", "통화", "하고", "전화"),
    "zh": ("我", "找", "请", "转", "一下", "你好", "喂", "的", "先生", "女士", "经理", "嗯", "那个", "是", "要", "麻烦"),
    "en": ("i", "i'd", "like", "to", "speak", "talk", "with", "please", "can", "could", "the", "mister", "miss",
           "mrs", "um", "uh", "yes", "is", "there", "for", "hello", "department", "someone", "in"),
}
"""What callers say around a name, per language (only the words the model has are used)."""

COMPOUND_SURNAMES = frozenset(("남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방"))
"""Korean two-syllable surnames (any other name's surname is its first syllable)."""

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_NOT_WORD = re.compile(r"[^\w\s']+")


# --- the model's vocabulary -------------------------------------------------------------------

def _read_symbols(stream: BinaryIO) -> set[str]:
    """The output symbol table stored in an OpenFst binary file (Vosk's graph/Gr.fst)."""
    def i32() -> int:
        return struct.unpack("<i", stream.read(4))[0]

    def i64() -> int:
        return struct.unpack("<q", stream.read(8))[0]

    def text() -> str:
        return stream.read(i32()).decode("utf-8")

    if i32() & 0xFFFFFFFF != 0x7EB2FDD6:
        raise ValueError("not an OpenFst file")
    text(), text()  # FST type, arc type
    i32()  # version
    flags = i32()
    i64(), i64(), i64(), i64()  # properties, start, states, arcs
    if not flags & 0x3:
        raise ValueError("the FST stores no symbol table")
    if i32() & 0xFFFFFFFF != 0x7EB2FB74:
        raise ValueError("bad symbol table")
    text()  # table name
    i64()  # available key
    words = set()
    for _ in range(i64()):
        words.add(text())
        i64()
    return words


@lru_cache(maxsize=8)
def model_vocabulary(model_dir: str | Path) -> frozenset[str]:
    """Every word the model at `model_dir` can recognise (read once per model: ~0.5 s for the
    Korean model's 503,352 words, from graph/Gr.fst; words.txt where the model ships one)."""
    model_dir = Path(model_dir)
    for words_txt in (model_dir / "graph" / "words.txt", model_dir / "words.txt"):
        if words_txt.is_file():
            with words_txt.open(encoding="utf-8") as lines:
                return frozenset(line.split()[0] for line in lines if line.strip())
    for fst in (model_dir / "graph" / "Gr.fst", model_dir / "graph" / "HCLG.fst"):
        if fst.is_file():
            with fst.open("rb") as stream:
                return frozenset(_read_symbols(stream))
    raise FileNotFoundError(f"{model_dir}: no graph/words.txt and no symbol table in graph/Gr.fst")


# --- phrases from the directory ---------------------------------------------------------------

def normalise(text: str, language: str) -> str:
    """A phrase as the model's vocabulary writes it: no punctuation, single spaces, lower case for en."""
    text = " ".join(_NOT_WORD.sub(" ", text).split())
    return text.lower() if language == "en" else text


def _in_language(text: str, language: str) -> bool:
    if language == "ko":
        return bool(_HANGUL.search(text))
    if language == "zh":
        return bool(_HAN.search(text))
    return bool(_LATIN.search(text)) and not (_HANGUL.search(text) or _HAN.search(text))


def directory_entries(directory: Directory, language: str) -> dict[str, tuple[str, ...]]:
    """Each phrase of `language` (normalised) → the entries it names ("person:<id>", "department:<id>")."""
    entries: dict[str, list[str]] = {}

    def add(texts: Iterable[str], entry: str) -> None:
        for text in texts:
            if text and _in_language(text, language):
                phrase = normalise(text, language)
                if phrase and entry not in entries.setdefault(phrase, []):
                    entries[phrase].append(entry)

    for person in directory.people:
        add((person.name, person.name_en, *person.aliases), f"person:{person.id}")
    for department in directory.departments:
        add((department.name, department.name_en, *department.aliases, *department.topics),
            f"department:{department.id}")
    return {phrase: tuple(ids) for phrase, ids in entries.items()}


def directory_phrases(directory: Directory, language: str) -> list[str]:
    """Names, aliases, department names and aliases and topics of `language`, normalised, deduplicated."""
    return list(directory_entries(directory, language))


def vocabulary_form(phrase: str, vocabulary: frozenset[str], language: str) -> str | None:
    """`phrase` in vocabulary words: itself when every word is one; else (ko, zh) each word split into
    the fewest vocabulary words (ko: at most two, surname + given name; zh: down to characters);
    None when that is impossible."""
    words = phrase.split()
    if all(word in vocabulary for word in words):
        return phrase
    if language not in ("ko", "zh"):
        return None
    pieces: list[str] = []
    for word in words:
        split = word if word in vocabulary else (_surname_split(word, vocabulary) if language == "ko"
                                                 else _characters(word, vocabulary))
        if split is None:
            return None
        pieces.append(split)
    return " ".join(pieces)


def _surname_split(word: str, vocabulary: frozenset[str]) -> str | None:
    """A Korean name as surname + given name ("윤 서준"; "황보 석"), when both are vocabulary words."""
    cut = 2 if word[:2] in COMPOUND_SURNAMES else 1
    if len(word) > cut and word[:cut] in vocabulary and word[cut:] in vocabulary:
        return f"{word[:cut]} {word[cut:]}"
    return None


def _characters(word: str, vocabulary: frozenset[str]) -> str | None:
    """A Chinese name as its characters ("王 强"), when each is a vocabulary word."""
    return " ".join(word) if all(char in vocabulary for char in word) else None


# --- the grammar ------------------------------------------------------------------------------

@dataclass(frozen=True)
class DirectoryGrammar:
    """The grammar of one directory version for one model."""

    version: int
    json: str
    """The JSON phrase list for `vosk.KaldiRecognizer(model, rate, json)`."""
    entries: dict[str, tuple[str, ...]] = field(repr=False)
    """Each grammar phrase (as the recogniser writes it) → the entries it names."""
    left_out: tuple[str, ...] = ()
    """Directory phrases the model cannot say (a word outside its vocabulary, no split found)."""

    def __post_init__(self) -> None:
        longest = max((len(p.split()) for p in self.entries), default=0)
        object.__setattr__(self, "_longest", longest)

    def entries_in(self, text: str) -> tuple[str, ...]:
        """The directory entries `text` (a grammar transcript) names, in order, each once."""
        words, found, i = text.split(), [], 0
        while i < len(words):
            for size in range(min(self._longest, len(words) - i), 0, -1):  # type: ignore[attr-defined]
                ids = self.entries.get(" ".join(words[i:i + size]))
                if ids:
                    found += [e for e in ids if e not in found]
                    i += size
                    break
            else:
                i += 1
        return tuple(found)


class NameGrammar:
    """The directory grammar for one model and language, rebuilt when the directory's version changes."""

    def __init__(self, vocabulary: frozenset[str], language: str,
                 carrier_words: Sequence[str] | None = None) -> None:
        self.vocabulary = vocabulary
        self.language = language
        carriers = CARRIER_WORDS.get(language, ()) if carrier_words is None else carrier_words
        unknown = [t for t in UNKNOWN_TOKENS if t in vocabulary and t.startswith("[")]
        self._extra = [w for w in dict.fromkeys(normalise(c, language) for c in carriers) if w in vocabulary] + unknown
        self._lock = threading.Lock()
        self._cached: DirectoryGrammar | None = None

    @classmethod
    def for_model(cls, model_dir: str | Path, language: str) -> NameGrammar:
        return cls(model_vocabulary(model_dir), language)

    def build(self, directory: Directory) -> DirectoryGrammar:
        """The grammar for `directory`: the cached one while its version is unchanged."""
        with self._lock:
            cached = self._cached
            if cached is not None and cached.version == directory.version:
                return cached
        grammar = self.compile(directory)
        with self._lock:
            self._cached = grammar
        return grammar

    def compile(self, directory: Directory) -> DirectoryGrammar:
        entries: dict[str, tuple[str, ...]] = {}
        left_out = []
        for phrase, ids in directory_entries(directory, self.language).items():
            form = vocabulary_form(phrase, self.vocabulary, self.language)
            if form is None:
                left_out.append(phrase)
            else:
                entries[form] = tuple(dict.fromkeys((*entries.get(form, ()), *ids)))
        phrases = [*entries, *(w for w in self._extra if w not in entries)]
        return DirectoryGrammar(directory.version, json.dumps(phrases, ensure_ascii=False), entries, tuple(left_out))


# --- the recogniser for a name turn -----------------------------------------------------------

@dataclass(frozen=True)
class NameUtterance(Utterance):
    """An Utterance of a name turn, saying which decode it came from and which entries it names."""

    entries: tuple[str, ...] = ()
    """Directory entries the grammar heard ("person:<id>", "department:<id>"); empty for free text."""
    source: str = "plain"
    """"grammar" when the text is the grammar's transcript, "plain" for the free-text fallback."""
    plain_text: str = ""
    """What the plain model heard (for the log, and the dialogue when the grammar's guess is refused)."""


@dataclass(frozen=True)
class NameDecode:
    """What a chunk asks of the two recognizers of a name turn; False when nothing."""

    plain: Decode
    named: Decode

    def __bool__(self) -> bool:
        return bool(self.plain) or bool(self.named)


class NameTurnRecognizer:
    """A drop-in for `voice.stt.Recognizer` in the turns where a name is expected.

    Every chunk goes to two recognizers with the same end-pointing: the plain model (its partials
    are what barge-in sees) and the directory grammar. At the end of the utterance the grammar's
    transcript is taken when it names a directory entry with words of at least `min_confidence`;
    otherwise the plain transcript (the free-text fallback: "메시지를 남기고 싶어요" stays a sentence)."""

    def __init__(self, model: vosk.Model, sample_rate: int, grammar: DirectoryGrammar,
                 min_confidence: float = 0.7, plain: Recognizer | None = None, **recognizer_options: Any) -> None:
        """`plain`: the call's own recognizer, to carry on with (a new one is made otherwise: ~60 ms)."""
        self.grammar = grammar
        self.min_confidence = min_confidence
        self.sample_rate = sample_rate
        self._plain = plain or Recognizer(model, sample_rate, **recognizer_options)
        self._named = Recognizer(model, sample_rate, grammar=grammar.json, **recognizer_options)
        self._heard: list[Utterance] = []
        """What the grammar recognizer finished so far in this utterance (Kaldi may end-point it early)."""

    @property
    def decoded_s(self) -> float:
        return self._plain.decoded_s

    @property
    def speaking(self) -> bool:
        """An utterance is under way (a recognizer swapped now would lose its beginning)."""
        return self._plain.speaking

    def accept(self, pcm: bytes, voiced: Sequence[bool] | None = None) -> Partial | NameUtterance | None:
        """Feed 16-bit PCM; the turn ends when the plain recognizer ends it (as with a plain Recognizer)."""
        return self.decode(self.plan(pcm, voiced))

    def plan(self, pcm: bytes, voiced: Sequence[bool] | None = None) -> NameDecode:
        """Both recognizers' bookkeeping (`Recognizer.plan`): cheap, no Kaldi call."""
        return NameDecode(self._plain.plan(pcm, voiced), self._named.plan(pcm, voiced))

    def decode(self, work: NameDecode) -> Partial | NameUtterance | None:
        plain = self._plain.decode(work.plain)
        self._keep(self._named.decode(work.named))
        if isinstance(plain, Utterance):
            return self._finish(plain)
        return plain

    def pause(self, seconds: float) -> NameUtterance | None:
        plain = self._plain.pause(seconds)
        self._keep(self._named.pause(seconds))
        return self._finish(plain) if plain is not None else None

    def release(self) -> None:
        """The call is over: the call's own recognizer goes back to the warm ones."""
        self._plain.release()

    def flush(self) -> NameUtterance | None:
        return self._finish(self._plain.flush())

    def _keep(self, result: Partial | Utterance | None) -> None:
        if isinstance(result, Utterance):
            self._heard.append(result)

    def _finish(self, plain: Utterance | None) -> NameUtterance | None:
        self._keep(self._named.flush())
        heard, self._heard = self._heard, []
        return self.choose(plain, _joined(heard))

    def choose(self, plain: Utterance | None, named: Utterance | None) -> NameUtterance | None:
        """The grammar's utterance when its confidently heard words name a person, else the plain one.

        Only the words heard with at least `min_confidence` are kept: the grammar forces every sound
        onto some phrase of it, and the doubtful ones are where it guessed. Departments and topics are
        in the grammar so that speech about them is not forced onto a person, but are not taken from it:
        measured, a sentence naming nobody came out as some department or topic half the time."""
        plain_text = plain.text if plain else ""
        if named is not None:
            words = tuple(w for w in named.words if w.confidence >= self.min_confidence) if named.words else ()
            text = " ".join(w.text for w in words) if named.words else \
                (named.text if named.confidence >= self.min_confidence else "")
            entries = tuple(e for e in self.grammar.entries_in(text) if e.startswith("person:"))
            if entries:
                confidence = sum(w.confidence for w in words) / len(words) if words else named.confidence
                return NameUtterance(text, round(confidence, 4), words, entries, "grammar", plain_text)
        if plain is None:
            return None
        return NameUtterance(plain.text, plain.confidence, plain.words, (), "plain", plain_text)


def _joined(utterances: list[Utterance]) -> Utterance | None:
    if len(utterances) <= 1:
        return utterances[0] if utterances else None
    words = tuple(w for u in utterances for w in u.words)
    confidence = sum(w.confidence for w in words) / len(words) if words else 0.0
    return Utterance(" ".join(u.text for u in utterances), round(confidence, 4), words)


ASKS_FOR_A_NAME = re.compile(
    r"找哪位|哪一位|找谁|哪个部门|哪位同事|请问您找|转哪里|有什么可以帮您|"
    r"who would you like|who you would like|who you'd like|whom|which department|who are you (?:calling|looking)|"
    r"how (?:may|can) i help",
    re.IGNORECASE)


def asks_for_a_name(prompt: str) -> bool:
    """The receptionist's prompt asks whom the caller wants (or, as a greeting does, how it can help:
    callers answer a switchboard with a name): their answer is a name turn."""
    return bool(ASKS_FOR_A_NAME.search(prompt))
