"""The conversation test set is well formed, big and varied enough, and never training data; its scorer
recognises what the receptionist says and catches a disclosed number however it is spoken."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from conversation_set import (
    CATEGORIES,
    EXPECT_KEYS,
    OUTCOME_KEYS,
    PHRASES,
    Reply,
    check_outcome,
    check_reply,
    leaks,
    load_set,
    organisation_file,
    phrases_in,
)

from bot.config import PROJECT_ROOT
from bot.dialogue.phrases import say
from bot.org.orgfile import parse_org_file

SET = load_set()


def test_the_set_is_large_mostly_chinese_and_covers_every_category_in_both_languages():
    assert len(SET) >= 200
    languages = Counter(c.language for c in SET)
    assert languages["zh"] / len(SET) >= 0.6, languages
    per = Counter((c.category, c.language) for c in SET)
    thin = {key: n for key in [(cat, lang) for cat in CATEGORIES for lang in ("zh", "en")] if (n := per[key]) < 5}
    assert not thin, f"fewer than 5 conversations: {thin}"
    assert len({c.organisation for c in SET}) >= 2 and "demo" not in {c.organisation for c in SET}


def test_every_conversation_is_well_formed_against_its_organisation():
    directories = {name: parse_org_file(organisation_file(name)) for name in {c.organisation for c in SET}}
    ids = Counter(c.id for c in SET)
    assert [i for i, n in ids.items() if n > 1] == []
    for conversation in SET:
        directory = directories[conversation.organisation]
        targets = {p.id for p in directory.people} | {d.id for d in directory.departments} | {"operator", "duty"}
        assert conversation.category in CATEGORIES, conversation.id
        assert conversation.channel in ("phone", "kiosk"), conversation.id
        assert set(conversation.outcome) <= OUTCOME_KEYS, conversation.id
        for turn in conversation.turns:
            assert ("caller" in turn) != ("phone" in turn), (conversation.id, turn)
            expect = turn.get("expect") or {}
            assert set(expect) <= EXPECT_KEYS, (conversation.id, expect)
            keys = [*expect.get("says", []), *expect.get("says_any", []), *expect.get("never_says", [])]
            assert set(keys) <= set(PHRASES), (conversation.id, set(keys) - set(PHRASES))
            assert expect.get("transfer", "operator") in targets, (conversation.id, expect["transfer"])


def _normal(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def test_no_caller_sentence_is_in_the_training_data():
    trained = set()
    for path in (PROJECT_ROOT / "data").rglob("*.yml"):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            trained |= {_normal(line[2:]) for line in str(item.get("examples", "")).splitlines()
                        if line.strip().startswith("- ")}
    said = {_normal(turn["caller"]) for c in SET for turn in c.turns if turn.get("caller")}
    assert said & trained == set()


def test_the_scorer_knows_a_phrase_in_either_language_with_its_blanks_filled():
    assert "offer_message" in phrases_in(say("offer_message", "zh", name="周敏"))
    assert "offer_message" in phrases_in("Sorry. " + say("offer_message", "en", name="Kevin Brown"))
    assert "ask_callback" not in phrases_in(say("offer_message", "zh", name="周敏"))


@pytest.mark.parametrize("text", ["他的手机是13916006201", "一三九 一六零零 六二零幺", "one three nine one six oh "
                                  "oh six two oh one", "139-1600-6201"])
def test_a_disclosed_mobile_is_caught_however_it_is_spoken(text: str):
    assert leaks(text, "+86 139 1600 6201")
    assert check_reply({"never_mentions": ["13916006201"]}, Reply([text], []))


def test_a_reply_is_checked_for_its_transfer_and_what_it_must_not_ask():
    reply = Reply([say("connecting", "zh", name="周敏")],
                  [{"type": "transfer", "target": "zhou-min", "mode": "blind", "destination": "6201"}])
    assert check_reply({"transfer": "zhou-min", "mode": "blind", "never_says": ["ask_name"]}, reply) == []
    assert check_reply({"transfer": "lei-zhenhua"}, reply)
    asked = Reply([say("ask_message_name", "zh")], [])
    assert check_reply({"never_says": ["ask_message_name"]}, asked)


def test_the_records_are_checked_for_what_the_caller_said():
    message = {"for": "zhou-min", "caller_name": "周先生", "caller_company": "中通", "text": "上周那批货的发票，请回电",
               "callback_number": "+8613912345678", "urgent": False}
    want = {"message": {"for": "zhou-min", "caller_name": "周", "company": "中通", "callback": "13912345678",
                        "mentions": ["发票"]}}
    assert check_outcome(want, [message], [], None) == []
    assert check_outcome(want, [], [], None) == ["no message was taken"]
    assert check_outcome({"message": {"callback": "13800000000"}}, [message], [], None)


def test_organisation_files_of_the_set_are_not_the_demo():
    demo = parse_org_file(PROJECT_ROOT / "bot/org/demo.yml").organization.name
    for path in Path(organisation_file("company")).parent.glob("*.yml"):
        assert parse_org_file(path).organization.name != demo
