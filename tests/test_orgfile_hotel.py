"""A hotel's organisation file (#11): the demo hotel, the emergency line and the hotel policy flags;
every mistake named with its line and key path, changing nothing; the checkout time reaches the
automatic checkout. Tests taking `database` run on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import DEMO_ORG
from bot.hotel import checkout, stays_csv
from bot.hotel.csvfile import read_csv
from bot.hotel.stays import StayStatus, list_stays
from bot.org.model import OrgKind, Policy, WakeupNote
from bot.org.orgfile import OrgFileError, dump_org_text, parse_org_file, parse_org_text
from bot.org.store import load_directory, replace_directory

ORG = Path(__file__).resolve().parent.parent / "bot" / "org"
HOTEL = Path(__file__).resolve().parent.parent / "bot" / "hotel"
DEMO_HOTEL = ORG / "demo_hotel.yml"
HOTEL_TEXT = DEMO_HOTEL.read_text(encoding="utf-8")
COMPANY_TEXT = DEMO_ORG.read_text(encoding="utf-8")
SHANGHAI = ZoneInfo("Asia/Shanghai")
CHECKOUT = 'checkout_time: "12:00"'
NOTE_ZH, NOTE_EN = "今天多云，最高气温十八度。", "Today: cloudy, high of 18 degrees."


def with_note(note: str, text: str = HOTEL_TEXT) -> str:
    """The demo hotel with `wakeup_note: <note>` after its checkout time."""
    return text.replace(CHECKOUT, f"{CHECKOUT}\n  wakeup_note: {note}", 1)


def _problems(text: str) -> list[str]:
    with pytest.raises(OrgFileError) as caught:
        parse_org_text(text)
    return [str(p) for p in caught.value.problems]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# ---------------------------------------------------------------------------------- the demo hotel


def test_the_demo_hotel_parses_with_its_emergency_line_and_policy():
    directory = parse_org_file(DEMO_HOTEL)
    org = directory.organization
    assert org.kind is OrgKind.HOTEL and org.emergency == "8119" and org.operator == "8000"
    assert directory.policy.room_only_connect is False and directory.policy.checkout_time == dt.time(12, 0)
    names = {d.id: (d.name, d.name_en) for d in directory.departments}
    assert names["front-desk"] == ("前台", "Front Desk") and names["housekeeping"][0] == "客房部"
    assert names["security"][0] == "保安部" and {"concierge", "restaurant"} <= names.keys()
    assert directory.person(directory.after_hours.duty_manager).title == "值班经理"
    assert any(p.title_en == "General Manager" for p in directory.people)
    assert all(p.name and p.name_en for p in directory.people)
    # open day and night: "24:00" is the end of the day
    assert all(span is not None and span.contains(dt.time(23, 59, 59)) for span in directory.hours.values())


def test_the_demo_hotels_extensions_are_not_its_rooms_phones(database):
    """The demo rooms import beside the demo hotel: no room phone is a directory extension."""
    directory = parse_org_file(DEMO_HOTEL)
    with database.session() as session:
        replace_directory(session, directory)
    table = read_csv(HOTEL / "demo_rooms.csv", stays_csv.ROOM_COLUMNS, stays_csv.ROOM_REQUIRED)
    with database.session() as session:
        report = stays_csv.import_rooms(session, table, directory=directory)
    assert len(report.added) == 10
    room_phones = {row[1] for row in (line.split(",") for line in (HOTEL / "demo_rooms.csv").read_text().split()[1:])}
    assert directory.organization.emergency not in room_phones
    assert directory.after_hours.duty_phone not in room_phones


def test_the_demo_hotel_exports_and_stores_unchanged(database):
    directory = parse_org_file(DEMO_HOTEL)
    text = dump_org_text(directory)
    assert parse_org_text(text) == directory
    assert "emergency: \"8119\"" in text and "checkout_time: \"12:00\"" in text and "00:00-24:00" in text
    with database.session() as session:
        replace_directory(session, directory)
    with database.session() as session:
        assert dataclasses.replace(load_directory(session), version=0) == directory


def test_a_company_export_gains_no_hotel_keys(demo_directory):
    text = dump_org_text(demo_directory)
    assert "room_only_connect" not in text and "checkout_time" not in text and "emergency" not in text
    assert parse_org_text(text) == demo_directory


def test_the_hotel_policy_is_read():
    text = HOTEL_TEXT.replace("room_only_connect: false", "room_only_connect: true").replace(
        'checkout_time: "12:00"', "checkout_time: 13:30")  # unquoted: a time, not YAML's base-60 810
    policy = parse_org_text(text).policy
    assert policy.room_only_connect is True and policy.checkout_time == dt.time(13, 30)
    without = parse_org_text(HOTEL_TEXT.replace("  room_only_connect: false", "#").replace(
        '  checkout_time: "12:00"', "#")).policy
    assert without.room_only_connect is Policy().room_only_connect is False
    assert without.checkout_time == Policy().checkout_time == dt.time(12, 0)


def test_the_wakeup_note_is_read_exported_and_stored(database):
    directory = parse_org_text(with_note(f'{{zh: "{NOTE_ZH}", en: "{NOTE_EN}"}}'))
    note = directory.policy.wakeup_note
    assert note == WakeupNote(zh=NOTE_ZH, en=NOTE_EN)
    assert (note.for_language("zh"), note.for_language("en"), note.for_language("fr")) == (NOTE_ZH, NOTE_EN, None)
    text = dump_org_text(directory)
    assert "wakeup_note:" in text and parse_org_text(text) == directory
    with database.session() as session:
        replace_directory(session, directory)
    with database.session() as session:
        assert load_directory(session).policy.wakeup_note == note
    # one language only (block style, a number and spaces trimmed); none at all; empty is none
    english = parse_org_text(with_note("\n    en: '  Sunny, 25 degrees.  '")).policy.wakeup_note
    assert english == WakeupNote(en="Sunny, 25 degrees.") and english.for_language("zh") is None
    assert parse_org_file(DEMO_HOTEL).policy.wakeup_note == WakeupNote() == Policy().wakeup_note
    assert "wakeup_note" not in dump_org_text(parse_org_file(DEMO_HOTEL))
    assert parse_org_text(with_note('{zh: "", en: ""}')).policy.wakeup_note == WakeupNote()


def test_a_company_may_have_an_emergency_line():
    text = COMPANY_TEXT.replace('  operator: "8000"\n', '  operator: "8000"\n  emergency: "8110"\n')
    assert parse_org_text(text).organization.emergency == "8110"
    assert parse_org_text(COMPANY_TEXT).organization.emergency is None


# ---------------------------------------------------------------------------------- mistakes

HOTEL_MISTAKES = [
    ("no emergency line", (HOTEL_TEXT, '  emergency: "8119"', "  address_en: 18 Yunqi Road"),
     "organization.emergency", "is required for a hotel", "organization:"),
    ("empty emergency line", (HOTEL_TEXT, 'emergency: "8119"', 'emergency: ""'),
     "organization.emergency", "is required for a hotel", "emergency:"),
    ("emergency line not an extension", (HOTEL_TEXT, 'emergency: "8119"', "emergency: security office"),
     "organization.emergency", "'security office' is not an extension", "emergency:"),
    ("emergency line a list", (HOTEL_TEXT, 'emergency: "8119"', 'emergency: ["8119", "8500"]'),
     "organization.emergency", "must be text", "emergency:"),
    ("room_only_connect not a flag", (HOTEL_TEXT, "room_only_connect: false", "room_only_connect: sometimes"),
     "policy.room_only_connect", "must be true or false", "room_only_connect:"),
    ("checkout time out of the day", (HOTEL_TEXT, 'checkout_time: "12:00"', 'checkout_time: "25:00"'),
     "policy.checkout_time", "'25:00' is not a time of day", "checkout_time:"),
    ("checkout time in words", (HOTEL_TEXT, 'checkout_time: "12:00"', "checkout_time: noon"),
     "policy.checkout_time", "'noon' is not a time of day", "checkout_time:"),
    ("checkout time an hour only", (HOTEL_TEXT, 'checkout_time: "12:00"', "checkout_time: 12"),
     "policy.checkout_time", "'12' is not a time of day", "checkout_time:"),
    ("checkout time minutes past 59", (HOTEL_TEXT, 'checkout_time: "12:00"', "checkout_time: 12:75"),
     "policy.checkout_time", "'12:75' is not a time of day", "checkout_time:"),
    ("unknown hotel policy key", (HOTEL_TEXT, 'checkout_time: "12:00"', 'late_checkout: "14:00"'),
     "policy.late_checkout", "unknown key 'late_checkout'", "late_checkout:"),
    ("hotel flag in a company file", (COMPANY_TEXT, "  general_mailbox: admin", "  general_mailbox: admin\n"
                                      "  room_only_connect: true"),
     "policy.room_only_connect", "is for a hotel only (organization.kind is 'company'", "room_only_connect:"),
    ("checkout time in a company file", (COMPANY_TEXT, "  general_mailbox: admin", "  general_mailbox: admin\n"
                                         '  checkout_time: "12:00"'),
     "policy.checkout_time", "is for a hotel only", "checkout_time:"),
    ("wake-up note too long", (HOTEL_TEXT, CHECKOUT, f'{CHECKOUT}\n  wakeup_note: {{en: "{"Sunny. " * 14}"}}'),
     "policy.wakeup_note.en", "is 97 characters long; at most 80", "wakeup_note:"),
    ("wake-up note on two lines", (HOTEL_TEXT, CHECKOUT, f'{CHECKOUT}\n  wakeup_note: {{en: "Sunny.\\nWindy."}}'),
     "policy.wakeup_note.en", "must be plain text on one line", "wakeup_note:"),
    ("wake-up note telling a staff mobile", (HOTEL_TEXT, CHECKOUT,
                                             f'{CHECKOUT}\n  wakeup_note: {{zh: "有事请拨一三九零五七一零零零一。"}}'),
     "policy.wakeup_note.zh", "spells a number guests may not be told", "wakeup_note:"),
    ("wake-up note telling a private extension", (HOTEL_TEXT, CHECKOUT,
                                                  f'{CHECKOUT}\n  wakeup_note: {{en: "Questions? Dial 8801."}}'),
     "policy.wakeup_note.en", "spells a number guests may not be told", "wakeup_note:"),
    ("wake-up note in another language", (HOTEL_TEXT, CHECKOUT, f'{CHECKOUT}\n  wakeup_note: {{fr: "Soleil."}}'),
     "policy.wakeup_note.fr", "unknown key 'fr' (allowed: zh, en)", "wakeup_note:"),
    ("wake-up note not per language", (HOTEL_TEXT, CHECKOUT, f"{CHECKOUT}\n  wakeup_note: Sunny."),
     "policy.wakeup_note", "must be a mapping", "wakeup_note:"),
    ("wake-up note a list", (HOTEL_TEXT, CHECKOUT, f"{CHECKOUT}\n  wakeup_note: {{en: [Sunny, Windy]}}"),
     "policy.wakeup_note.en", "must be text", "wakeup_note:"),
    ("wake-up note in a company file", (COMPANY_TEXT, "  general_mailbox: admin", "  general_mailbox: admin\n"
                                        "  wakeup_note: {en: Sunny.}"),
     "policy.wakeup_note", "is for a hotel only", "wakeup_note:"),
    ("a hotel turned company keeps hotel flags", (HOTEL_TEXT, "kind: hotel", "kind: company"),
     "policy.room_only_connect", "is for a hotel only", "room_only_connect:"),
    ("a company turned hotel has no emergency line", (COMPANY_TEXT, "kind: company", "kind: hotel"),
     "organization.emergency", "is required for a hotel", "organization:"),
]


def _without_line(text: str, needle: str) -> str:
    assert needle in text, needle
    return "".join(line for line in text.splitlines(keepends=True) if needle not in line)


def _broken(base: str, old: str, new: str) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


@pytest.mark.parametrize(("change", "path", "message", "line_of"), [m[1:] for m in HOTEL_MISTAKES],
                         ids=[m[0] for m in HOTEL_MISTAKES])
def test_each_hotel_mistake_names_its_path_and_line(change, path, message, line_of):
    text = _broken(*change)
    problems = _problems(text)
    found = [p for p in problems if f"{path}: " in p and message in p]
    assert found, problems
    assert found[0].startswith(f"line {_line_of(text, line_of)}: "), (found, line_of)


def test_all_hotel_mistakes_are_reported_at_once():
    text = _without_line(HOTEL_TEXT, 'emergency: "8119"').replace(
        "room_only_connect: false", "room_only_connect: maybe").replace('checkout_time: "12:00"', 'checkout_time: "9"')
    problems = _problems(text)
    assert len(problems) == 3, problems
    assert [p.split(": ")[1] for p in problems] == [
        "organization.emergency", "policy.room_only_connect", "policy.checkout_time"]


def test_stored_data_is_checked_the_same_way():
    """The console's forms and the database go through parse_org_data: the same checks, except that a
    hotel stored before hotels needed an emergency line still loads (its next import must give one)."""
    from bot.org.orgfile import directory_to_data, parse_org_data

    data = directory_to_data(parse_org_file(DEMO_HOTEL))
    data["policy"]["checkout_time"] = "24:30"
    data["organization"]["emergency"] = "SOS"
    with pytest.raises(OrgFileError) as caught:
        parse_org_data(data)
    assert sorted(p.path for p in caught.value.problems) == ["organization.emergency", "policy.checkout_time"]
    del data["organization"]["emergency"]
    data["policy"]["checkout_time"] = "11:00"
    older = parse_org_data(data)
    assert older.organization.emergency is None and older.policy.checkout_time == dt.time(11)
    data["policy"]["wakeup_note"] = {"zh": NOTE_ZH, "en": "x" * 81}
    with pytest.raises(OrgFileError) as caught:
        parse_org_data(data)
    assert [p.path for p in caught.value.problems] == ["policy.wakeup_note.en"]
    data["policy"]["wakeup_note"] = {"zh": NOTE_ZH}
    assert parse_org_data(data).policy.wakeup_note == WakeupNote(zh=NOTE_ZH)


def test_importing_a_broken_hotel_file_changes_nothing(database, db_url, tmp_path, monkeypatch, capsys):
    """Every hotel mistake through the real command (in process): exit 2, the stored hotel unchanged."""
    from bot.cli import main

    monkeypatch.setenv("RECEPTIONIST_DB", db_url)
    assert main(["org", "import", str(DEMO_HOTEL)]) == 0
    assert "云栖湖畔酒店" in capsys.readouterr().out
    before = _snapshot(database)
    for name, change, *_ in HOTEL_MISTAKES:
        bad = tmp_path / f"{name.replace(' ', '_')}.yml"
        bad.write_text(_broken(*change), encoding="utf-8")
        assert main(["org", "import", str(bad)]) == 2, name
        err = capsys.readouterr().err
        assert "Nothing was changed" in err and "line " in err, (name, err)
        assert main(["org", "validate", str(bad)]) == 2, name
        capsys.readouterr()
    assert _snapshot(database) == before
    assert main(["org", "validate", str(DEMO_HOTEL)]) == 0


def _snapshot(database) -> object:
    with database.session() as session:
        return dataclasses.replace(load_directory(session), version=0)


# ---------------------------------------------------------------------------------- the checkout time


def test_the_automatic_checkout_keeps_the_hotels_checkout_time(database, tmp_path):
    """policy.checkout_time reaches bot.hotel.checkout: with 14:00, a guest leaving today is still in at
    13:00 and checked out at 14:05; an explicit checkout_time still overrides the policy."""
    directory = parse_org_text(HOTEL_TEXT.replace('checkout_time: "12:00"', 'checkout_time: "14:00"'))
    with database.session() as session:
        replace_directory(session, directory)
        assert checkout.hotel_checkout_time(session) == dt.time(14, 0)
    rooms = read_csv(HOTEL / "demo_rooms.csv", stays_csv.ROOM_COLUMNS, stays_csv.ROOM_REQUIRED)
    guests = read_csv(HOTEL / "demo_stays.csv", stays_csv.STAY_COLUMNS, stays_csv.STAY_REQUIRED)
    arrived = dt.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
    with database.session() as session:
        stays_csv.import_rooms(session, rooms, directory=directory)
        stays_csv.import_stays(session, guests, now=arrived, zone=SHANGHAI, checkout_time=dt.time(14, 0))
    leaving = dt.datetime(2026, 12, 5, 13, 0, tzinfo=SHANGHAI)  # 0802 and 0901 depart on the 5th
    assert checkout.run_checkout(database, leaving) == []
    assert sorted(s.room for s in checkout.run_checkout(database, leaving + dt.timedelta(minutes=65))) == [
        "0802", "0901"]
    next_day = dt.datetime(2026, 12, 6, 12, 30, tzinfo=SHANGHAI)  # 0801 departs on the 6th
    assert checkout.run_checkout(database, next_day) == []
    assert [s.room for s in checkout.run_checkout(database, next_day, checkout_time=dt.time(12, 0))] == ["0801"]
    with database.session() as session:
        assert {s.room for s in list_stays(session, StayStatus.CHECKED_OUT)} == {"0801", "0802", "0901"}


def test_without_an_organisation_the_checkout_time_is_noon(database):
    with database.session() as session:
        assert checkout.hotel_checkout_time(session) == dt.time(12, 0)
