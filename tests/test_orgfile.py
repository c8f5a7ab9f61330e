"""The organisation file: every kind of mistake is reported with its place, and changes nothing."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEMO_ORG
from bot.org.model import Level, Presence
from bot.org.orgfile import OrgFileError, dump_org_text, parse_org_text
from bot.org.store import load_directory

DEMO_TEXT = DEMO_ORG.read_text(encoding="utf-8")
RECEPTIONIST = [sys.executable, "-m", "bot.cli"]


def _problems(text: str) -> list[str]:
    with pytest.raises(OrgFileError) as caught:
        parse_org_text(text)
    return [str(p) for p in caught.value.problems]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_contract_example_parses():
    text = (Path(__file__).parent / "fixtures" / "contract_example.yml").read_text(encoding="utf-8")
    directory = parse_org_text(text)
    person = directory.person("zhang-wei")
    assert person.level is Level.EXECUTIVE and person.presence is Presence.AVAILABLE
    assert directory.department("finance").topics[:2] == ("报销", "发票")
    assert directory.hours["sat"] is None and str(directory.hours["mon"]) == "08:30-17:30"


def test_export_reads_back_equal(demo_directory):
    assert parse_org_text(dump_org_text(demo_directory)) == demo_directory


MISTAKES = [
    ("unknown top-level key", ("hours:", "opening:\n  mon: closed\nhours:"), "opening", "unknown key"),
    ("unknown person key", ("presence: away}", "presence: away, phone: '1'}"), "people[10].phone", "unknown key"),
    ("missing name", ("  name: 华信科技有限公司\n", ""), "organization.name", "is required"),
    ("bad time zone", ("Asia/Shanghai", "Mars/Olympus"), "organization.timezone", "not a known time zone"),
    ("bad hours", ('mon: "08:30-17:30"', 'mon: "8h to 5h"'), "hours.mon", "not opening hours"),
    ("hours backwards", ('tue: "08:30-17:30"', 'tue: "17:30-08:30"'), "hours.tue", "closes before it opens"),
    ("bad level", ("level: executive, department: management, extension: \"8001\"",
                   "level: boss, department: management, extension: \"8001\""), "people[0].level", "not one of"),
    ("unknown department", ("department: finance, extension: \"8202\"", "department: money, extension: \"8202\""),
     "people[4].department", "no department has the id 'money'"),
    ("duplicate extension", ('extension: "8202"', 'extension: "8201"'), "people[4].extension", "already used"),
    ("duplicate person id", ("id: li-na,", "id: liu-fang,"), "people[4].id", "already used"),
    ("unknown assistant", ("assistant: zhao-min}", "assistant: nobody}"), "people[0].assistant", "no person"),
    ("unknown duty manager", ("duty_manager: wang-qiang", "duty_manager: ghost"), "after_hours.duty_manager",
     "no person"),
    ("roster person unknown", ("{weekday: sat, person: liu-yang}", "{weekday: sat, person: ghost}"),
     "duty_roster[6].person", "no person"),
    ("roster with both", ("{weekday: mon, person: sun-lei}", "{weekday: mon, date: 2026-12-01, person: sun-lei}"),
     "duty_roster[1]", "exactly one"),
    ("holiday ends early", ("{date: 2026-05-01, to: 2026-05-05", "{date: 2026-05-01, to: 2026-04-05"),
     "holidays[3].to", "ends before it starts"),
    ("bad date", ("{date: 2026-10-10,", "{date: 2026-13-10,"), "holidays[5].date", "not a date"),
    ("bad mobile", ('mobile: "+86 139 0000 0012"', 'mobile: "call me"'), "people[4].mobile", "not a phone number"),
    ("bad email", ("email: li.na@huaxin.example", "email: li.na-at-huaxin"), "people[4].email", "not an e-mail"),
    ("bad extension", ('operator: "8000"', 'operator: "front desk"'), "organization.operator", "not an extension"),
    ("bad policy", ("ring_seconds: 5", "ring_seconds: 500"), "policy.ring_seconds", "whole number"),
    ("duplicate key", ("  kind: company\n", "  kind: company\n  kind: hotel\n"), "organization.kind", "twice"),
    ("bad language", ("languages: [zh, en]", "languages: [zh, fr]"), "organization.languages", "'fr'"),
]


@pytest.mark.parametrize(("change", "path", "message"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_each_mistake_names_its_path_and_line(change, path, message):
    old, new = change
    assert old in DEMO_TEXT, old
    text = DEMO_TEXT.replace(old, new, 1)
    problems = _problems(text)
    assert any(path in p and message in p for p in problems), problems
    # the line number is the line of the offending key (or its entry)
    first = next(p for p in problems if path in p)
    assert first.startswith("line ")


def test_line_number_points_at_the_mistake():
    text = DEMO_TEXT.replace("level: boss", "").replace(
        'id: li-na, name: 李娜', 'id: li-na, name: 李娜, favourite: tea', 1)
    (problem,) = _problems(text)
    assert problem.startswith(f"line {_line_of(text, 'favourite: tea')}:")


def test_broken_yaml_and_empty_files():
    assert "not valid YAML" in _problems("organization: [unclosed\n")[0]
    assert "empty" in _problems("")[0]
    assert "must be a mapping" in _problems("- just\n- a list\n")[0]


def _run(args: list[str], db_url: str, **kw) -> subprocess.CompletedProcess:
    env = {"RECEPTIONIST_DB": db_url, "PATH": "/usr/bin:/bin"}
    return subprocess.run(RECEPTIONIST + args, capture_output=True, text=True, env=env, timeout=60, **kw)


def test_import_of_a_broken_file_changes_nothing(demo_db, db_url, tmp_path, monkeypatch, capsys):
    """Every kind of mistake, through the real command (in-process for speed): exit 2, nothing stored."""
    from bot.cli import main

    monkeypatch.setenv("RECEPTIONIST_DB", db_url)
    before = _snapshot(demo_db)
    for name, (old, new), *_ in MISTAKES:
        bad = tmp_path / f"{name.replace(' ', '_')}.yml"
        bad.write_text(DEMO_TEXT.replace(old, new, 1), encoding="utf-8")
        assert main(["org", "import", str(bad)]) == 2, name
        err = capsys.readouterr().err
        assert "Nothing was changed" in err and "line " in err, (name, err)
    assert _snapshot(demo_db) == before


def test_import_export_round_trip_through_the_cli(database, db_url, tmp_path, demo_directory):
    result = _run(["org", "import", str(DEMO_ORG)], db_url)
    assert result.returncode == 0, result.stderr
    assert "28 people" in result.stdout
    exported = _run(["org", "export"], db_url)
    assert exported.returncode == 0
    assert parse_org_text(exported.stdout) == demo_directory


def test_a_second_import_replaces_the_organisation_and_keeps_records(demo_db, db_url, tmp_path):
    from bot.db.tables import CallRow

    with demo_db.session() as session:
        session.add(CallRow(conversation="call-keep", channel="phone"))
    smaller = DEMO_TEXT.replace("  - {id: cao-yi,", "  - {id: cao-yi-gone,").replace("cao-yi-gone", "cao-yi2")
    path = tmp_path / "org.yml"
    path.write_text(smaller, encoding="utf-8")
    assert _run(["org", "import", str(path)], db_url).returncode == 0
    with demo_db.session() as session:
        directory = load_directory(session)
        assert directory.person("cao-yi") is None and directory.person("cao-yi2") is not None
        assert session.query(CallRow).filter_by(conversation="call-keep").count() == 1


def _snapshot(database) -> object:
    with database.session() as session:
        return dataclasses.replace(load_directory(session), version=0)
