"""The visitor book in a real database: registering, meeting, leaving, listing by day, the CLI."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from test_messages import run_receptionist

from bot.db.engine import open_database
from bot.org.store import replace_directory
from bot.records import visits
from bot.records.visits import UnknownVisit, VisitStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 25, 9, 40, tzinfo=SHANGHAI)
CONTRACT_FIELDS = {"id", "name", "company", "purpose", "host", "appointment", "arrived_at", "left_at", "status"}


def _visitor(session, **overrides):
    values = {"name": "陈先生", "company": "东方贸易", "purpose": "商谈合作", "host": "zhang-jianhua",
              "appointment": True, "contact": "+86 137 0000 0000", "conversation": "kiosk-1", "at": T0}
    values.update(overrides)
    return visits.register_visit(session, **values)


def test_a_visitor_waits_then_goes_in_then_leaves(database):
    with database.session() as session:
        registered = _visitor(session)
    with database.session() as session:
        met = visits.admit(session, registered.id)
    with database.session() as session:
        left = visits.check_out(session, registered.id, at=T0 + dt.timedelta(hours=1))
    assert registered.status is VisitStatus.WAITING and registered.left_at is None
    assert registered.arrived_at == T0 and registered.arrived_at.tzinfo is not None
    assert met.status is VisitStatus.IN
    assert left.status is VisitStatus.LEFT and left.left_at == T0 + dt.timedelta(hours=1)


def test_checking_out_twice_keeps_the_first_time_and_a_departed_visitor_cannot_go_in(database):
    with database.session() as session:
        registered = _visitor(session)
        first = visits.check_out(session, registered.id, at=T0 + dt.timedelta(minutes=20))
        second = visits.check_out(session, registered.id, at=T0 + dt.timedelta(minutes=50))
        with pytest.raises(ValueError, match="already checked out"):
            visits.admit(session, registered.id)
        with pytest.raises(UnknownVisit, match="no visit has the id 77"):
            visits.check_out(session, 77)
    assert second == first and second.status is VisitStatus.LEFT


def test_a_visit_needs_a_name_and_sane_lengths(database):
    with database.session() as session:
        with pytest.raises(ValueError, match="name"):
            _visitor(session, name="   ")
        with pytest.raises(ValueError, match="too long"):
            _visitor(session, purpose="谈" * 2_001)
        assert visits.list_visits(session) == []


def test_an_appointment_time_is_kept_only_as_hh_mm_and_only_with_an_appointment(database):
    with database.session() as session:
        kept = visits.register_visit(session, "周凯", appointment=True, appointment_time="09:40")
        dropped = visits.register_visit(session, "吴迪", appointment=False, appointment_time="10:00")
        with pytest.raises(ValueError, match="HH:MM"):
            visits.register_visit(session, "郑雨", appointment=True, appointment_time="9点")
        assert visits.get_visit(session, kept.id).to_contract()["appointment_time"] == "09:40"
        assert visits.get_visit(session, dropped.id).appointment_time is None


def test_visits_are_listed_newest_first_by_day_in_the_organisations_time_zone(database):
    late_evening = dt.datetime(2026, 11, 25, 23, 30, tzinfo=SHANGHAI)   # 15:30 UTC, the 25th
    after_midnight = dt.datetime(2026, 11, 26, 0, 30, tzinfo=SHANGHAI)  # 16:30 UTC, still the 25th in UTC
    with database.session() as session:
        morning = _visitor(session, name="早上的访客", at=T0)
        evening = _visitor(session, name="晚上的访客", at=late_evening)
        night = _visitor(session, name="午夜后的访客", at=after_midnight)
        visits.check_out(session, morning.id)
    with database.session() as session:
        everyone = visits.list_visits(session)
        the_25th = visits.list_visits(session, day=dt.date(2026, 11, 25), zone=SHANGHAI)
        the_26th = visits.list_visits(session, day=dt.date(2026, 11, 26), zone=SHANGHAI)
        still_here = visits.list_visits(session, status="waiting")
    assert [v.id for v in everyone] == [night.id, evening.id, morning.id]
    assert [v.id for v in the_25th] == [evening.id, morning.id]
    assert [v.id for v in the_26th] == [night.id]
    assert [v.id for v in still_here] == [night.id, evening.id]


def test_contract_json_has_the_contract_field_names(database):
    with database.session() as session:
        registered = _visitor(session)
    as_json = json.loads(json.dumps(registered.to_contract(), ensure_ascii=False))
    assert set(as_json) >= CONTRACT_FIELDS
    assert (as_json["name"], as_json["host"], as_json["appointment"], as_json["status"]) == (
        "陈先生", "zhang-jianhua", True, "waiting")
    assert as_json["left_at"] is None
    assert dt.datetime.fromisoformat(as_json["arrived_at"]) == T0


def test_cli_lists_visitors_and_checks_them_out(sqlite_url, tmp_path, demo_directory):
    database = open_database(sqlite_url)
    with database.session() as session:
        replace_directory(session, demo_directory)
        first = _visitor(session, at=T0)
        second = _visitor(session, name="Ms. Smith", company="Acme", host="finance", appointment=False,
                          at=T0 + dt.timedelta(minutes=5))

    checkout = run_receptionist(["visitors", "checkout", str(first.id)], sqlite_url, tmp_path)
    listed = run_receptionist(["visitors", "list", "--json"], sqlite_url, tmp_path)
    table = run_receptionist(["visitors", "list"], sqlite_url, tmp_path)

    assert checkout.returncode == 0, checkout.stderr
    rows = json.loads(listed.stdout)
    assert [v["id"] for v in rows] == [second.id, first.id]
    assert all(set(v) >= CONTRACT_FIELDS for v in rows)
    assert (rows[1]["status"], rows[0]["status"]) == ("left", "waiting")
    assert rows[0]["appointment"] is False and rows[0]["host"] == "finance"
    assert "2026-11-25 09:45" in table.stdout  # shown in Shanghai time, where the organisation is
    with database.session() as session:
        assert visits.get_visit(session, first.id).status is VisitStatus.LEFT
    database.close()
