"""The directory grammar (voice/grammar.py): real Vosk Korean model, espeak-ng speech over a µ-law phone line.

The test directory is tests/voice/korean_org.yml (made-up Korean names; the file says which are words
of the model). The plain-model figure and the grammar figure come from the same decode: the
NameTurnRecognizer keeps the plain transcript (`plain_text`) next to its choice.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from voice_helpers import espeak

from bot.org.orgfile import parse_org_file
from voice.audio import Codec, decode, encode, silence
from voice.grammar import (
    DirectoryGrammar,
    NameGrammar,
    NameTurnRecognizer,
    NameUtterance,
    directory_phrases,
    model_vocabulary,
)
from voice.stt import TELEPHONE_RATE, Utterance

ORG_FILE = Path(__file__).parent / "korean_org.yml"
RATE = TELEPHONE_RATE
CARRIERS = ("{} 씨 부탁합니다", "어 {} 씨 계세요", "{} 님 좀 바꿔 주세요")
NOT_NAMES = ("메시지를 남기고 싶어요", "내일 다시 전화하겠습니다", "잘 모르겠어요", "아니요 괜찮습니다", "네 감사합니다")


@pytest.fixture(scope="module")
def directory():
    return parse_org_file(ORG_FILE)


@pytest.fixture(scope="module")
def names(korean_model_path) -> NameGrammar:
    return NameGrammar(model_vocabulary(str(korean_model_path)), "ko")


def phone_line(text: str, tmp_path: Path) -> bytes:
    """`text` spoken by espeak-ng, 8 kHz, through G.711 µ-law and back (what the gateway decodes)."""
    return decode(encode(espeak(text, "ko", RATE, tmp_path).data, Codec.PCMU), Codec.PCMU)


def hear(recognizer: NameTurnRecognizer, pcm: bytes) -> list[NameUtterance]:
    audio = silence(RATE, 0.3) + pcm + silence(RATE, 1.0)
    results = [recognizer.accept(audio[i:i + 320]) for i in range(0, len(audio), 320)]
    results.append(recognizer.flush())
    return [r for r in results if isinstance(r, Utterance)]


def plain_names(text: str, grammar: DirectoryGrammar) -> set[str]:
    """Entries the plain transcript names (spaces ignored: "김 민수" counts as 김민수)."""
    compact = text.replace(" ", "")
    return {e for phrase, ids in grammar.entries.items() if phrase.replace(" ", "") in compact for e in ids}


def test_phrases_come_from_the_directory_in_the_models_words(directory, names: NameGrammar):
    phrases = directory_phrases(directory, "ko")
    assert {"김민수", "윤서준", "영업부", "영업팀", "견적", "김 부장"} <= set(phrases)
    assert "sales" not in phrases and "minsu kim" in directory_phrases(directory, "en")

    grammar = names.build(directory)
    allowed = json.loads(grammar.json)
    assert all(word in names.vocabulary for phrase in allowed for word in phrase.split())
    assert "김민수" in allowed and "윤 서준" in allowed and "윤서준" not in allowed  # OOV name: surname + given name
    assert set(grammar.left_out) == {"오하은", "노은비"}
    assert grammar.entries_in("어 윤 서준 씨 요") == ("person:yoon-seojun",)
    assert names.build(directory) is grammar, "same version: the cached grammar"


def test_the_grammar_recognises_directory_names_better_than_the_plain_model(korean_model, directory, names, tmp_path):
    grammar = names.build(directory)
    plain_right = grammar_right = 0
    heard = []
    for index, person in enumerate(directory.people):
        if person.name in grammar.left_out:
            continue
        said = CARRIERS[index % len(CARRIERS)].format(person.name)
        results = hear(NameTurnRecognizer(korean_model, RATE, grammar), phone_line(said, tmp_path))
        entry = f"person:{person.id}"
        plain_right += any(plain_names(r.plain_text, grammar) == {entry} for r in results)
        grammar_right += any(r.entries[:1] == (entry,) and r.source == "grammar" for r in results)
        heard.append((said, [(r.plain_text, r.text, r.source) for r in results]))

    print(f"names right: plain {plain_right}, grammar {grammar_right} of {len(heard)}")
    assert grammar_right >= max(3, plain_right + 1), heard


def test_sentences_that_name_nobody_are_not_turned_into_staff_names(korean_model, directory, names, tmp_path):
    grammar = names.build(directory)
    for said in NOT_NAMES:
        for result in hear(NameTurnRecognizer(korean_model, RATE, grammar), phone_line(said, tmp_path)):
            assert not [e for e in result.entries if e.startswith("person:")], (said, result)
            if result.source == "plain":
                assert result.text == result.plain_text  # the free-text fallback keeps what was said


def test_a_person_added_to_the_directory_is_recognised_without_a_restart(korean_model, directory, names, tmp_path):
    """Before: the directory without 이서연 (version v). After: she joins (version v + 1), same NameGrammar."""
    newcomer = next(p for p in directory.people if p.id == "lee-seoyeon")
    without = dataclasses.replace(directory, people=tuple(p for p in directory.people if p is not newcomer), version=41)
    with_her = dataclasses.replace(without, people=(*without.people, newcomer), version=42)
    speech = phone_line("어 이서연 씨 계세요", tmp_path)

    before = names.build(without)
    old = hear(NameTurnRecognizer(korean_model, RATE, before), speech)
    after = names.build(with_her)
    new = hear(NameTurnRecognizer(korean_model, RATE, after), speech)

    assert after is not before and "이서연" in json.loads(after.json) and "이서연" not in json.loads(before.json)
    assert not any("person:lee-seoyeon" in r.entries for r in old)
    assert any(r.entries[:1] == ("person:lee-seoyeon",) and r.source == "grammar" for r in new), new
    assert names.build(with_her) is after


def test_a_calls_recognizer_switches_to_the_names_for_a_name_turn_and_back(korean_model, directory, names, tmp_path):
    """The gateway's way (voice/call_session.py `_decode_names`): one Transcriber per call; for the turn
    after "请问您找哪位？" it decodes with a NameTurnRecognizer around the call's own recognizer, then
    with the plain one again. A switch is refused while the caller is mid-utterance."""
    import asyncio

    from voice.stt import Recognizer, Transcriber

    speech = phone_line("임도윤 씨 부탁합니다", tmp_path)
    audio = silence(RATE, 0.3) + speech + silence(RATE, 1.0)
    chunks = [audio[i:i + 320] for i in range(0, len(audio), 320)]

    async def scenario() -> tuple[list, list, bool]:
        plain = Recognizer(korean_model, RATE, language="ko")
        transcriber = Transcriber(plain)
        assert await transcriber.use(NameTurnRecognizer(korean_model, RATE, names.build(directory), plain=plain))
        named = [r for c in chunks if isinstance(r := await transcriber.feed(c), Utterance)]
        assert await transcriber.use(plain, unless_speaking=False)
        again = [r for c in chunks if isinstance(r := await transcriber.feed(c), Utterance)]
        for chunk in chunks[:60]:  # mid-utterance
            await transcriber.feed(chunk)
        refused = not await transcriber.use(NameTurnRecognizer(korean_model, RATE, names.build(directory), plain=plain))
        return named, again, refused

    named, again, refused = asyncio.run(scenario())

    assert [(r.source, r.entries[:1]) for r in named] == [("grammar", ("person:lim-doyun",))], named
    assert again and not any(isinstance(r, NameUtterance) for r in again)
    assert "임도윤" not in again[0].text, "the plain model alone does not know the name: the test would prove nothing"
    assert refused, "a switch mid-utterance would lose the beginning of what the caller is saying"


def test_the_prompts_that_ask_whom_the_caller_wants_make_name_turns():
    from bot.dialogue.phrases import PHRASES
    from voice.grammar import asks_for_a_name

    for key in ("greet_internal", "ask_whom", "how_can_i_help"):
        for language, text in PHRASES[key].items():
            assert asks_for_a_name(text), (key, language, text)
    assert not asks_for_a_name("好的，请稍等，正在为您转接李娜。")
    assert not asks_for_a_name("Sorry, Li Na is on the phone. Would you like to leave a message?")
