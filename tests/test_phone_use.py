"""Phone-use requests and approval (#12, point 6; bot/phone_use) on SQLite and PostgreSQL, with the demo
company's departments and real console users: a request is checked (number, kind, minutes, purpose) and
nothing is stored on a mistake; only the head of the requester's department (or an admin) decides, never
their own request, and only once; the 3-day rule with a test clock, through the real message sweep and a
real SMTP server (the finance head gets the e-mail); the monthly report's figures in Beijing time."""

# ruff: noqa: F811 (pytest fixtures imported from smtp_server are parameter names here)
from __future__ import annotations

import datetime as dt
import email

import pytest
from smtp_server import smtp_server  # noqa: F401

from bot.db.engine import Database
from bot.org.store import DirectoryCache
from bot.phone_use import requests as phone
from bot.phone_use.report import month_bounds, monthly_report, parse_month, report_csv, total
from bot.phone_use.requests import Kind, Status
from bot.records import mailer, messages
from bot.web import auth
from bot.web.roles import set_department

BEIJING = dt.timezone(dt.timedelta(hours=8))
T = dt.datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING)
"""When the urgent call was made (a Tuesday morning, Beijing time)."""
USERS = {  # name: (role, department)
    "fay": ("operator", "finance"), "fiona": ("operator", "finance"), "fred": ("supervisor", "finance"),
    "felix": ("supervisor", "finance"), "sue": ("supervisor", "sales"), "sam": ("operator", "sales"),
    "ada": ("admin", None), "oscar": ("operator", None),
}


@pytest.fixture
def office(demo_db: Database) -> Database:
    """The demo company with console users in finance and sales, heads (supervisors) and an admin."""
    with demo_db.session() as session:
        for name, (role, department) in USERS.items():
            auth.create_user(session, name, f"{name}-password-1", role, display_name=name.title())
            if department:
                set_department(session, name, department)
    return demo_db


def request(db: Database, who: str = "fay", now: dt.datetime = T, **changes) -> phone.PhoneRequest:
    values = {"number": "010-6552 8888", "purpose": "与北京客户核对合同", "minutes": 10,
              "kind": "long_distance", "callee": "北京 星辰贸易", **changes}
    with db.session() as session:
        return phone.create_request(session, who, now=now, **values)


def decide(db: Database, request_id: int, who: str, approve: bool = True, now: dt.datetime = T,
           note: str | None = None) -> phone.PhoneRequest:
    with db.session() as session:
        return (phone.approve if approve else phone.decline)(session, request_id, who, note=note, now=now)


def stored(db: Database, request_id: int) -> phone.PhoneRequest:
    with db.session() as session:
        return phone.get_request(session, request_id)


# ---------------------------------------------------------------------------------- filing


def test_a_request_is_filed_for_the_requesters_own_department(office):
    filed = request(office, "fay", department="sales")  # a user tied to a department files for it, not another
    assert (filed.department, filed.number, filed.kind, filed.status) == \
        ("finance", "01065528888", Kind.LONG_DISTANCE, Status.REQUESTED)
    assert (filed.requester, filed.requester_name, filed.minutes, filed.callee) == ("fay", "Fay", 10, "北京 星辰贸易")
    assert filed.urgent_made_at is None and filed.deadline is None and not phone.is_flagged(filed, T + dt.timedelta(days=30))
    unattached = request(office, "oscar", department="sales", number="+852 2345 6789", kind="hk_macau")
    assert unattached.department == "sales" and unattached.number == "+85223456789"
    with office.session() as session:
        assert [r.id for r in phone.own_requests(session, "fay")] == [filed.id]


@pytest.mark.parametrize("changes, says", [
    ({"number": "call me"}, "not a phone number"), ({"number": "12"}, "not a phone number"),
    ({"number": "1" * 16}, "not a phone number"), ({"number": ""}, "not a phone number"),
    ({"number": "+44 20 7946 0958", "kind": "long_distance"}, "international number"),
    ({"number": "00852 2345 6789", "kind": "international"}, "hk macau number"),
    ({"number": "010 6552 8888", "kind": "international"}, "country code"),
    ({"kind": "private"}, "kind of call"), ({"minutes": 0}, "1 to 240"), ({"minutes": "241"}, "1 to 240"),
    ({"minutes": "ten"}, "whole number"), ({"purpose": "  "}, "what the call is for"),
    ({"purpose": "x" * 1001}, "too long"), ({"callee": "x" * 201}, "too long"),
    ({"urgent_made_at": T + dt.timedelta(hours=1)}, "future"),
])
def test_a_mistake_is_refused_and_nothing_is_stored(office, changes, says):
    with pytest.raises(phone.PhoneUseError, match=says):
        request(office, "fay", **changes)
    with office.session() as session:
        assert phone.list_requests(session) == []


def test_a_user_without_a_department_must_name_a_real_one_and_strangers_file_nothing(office):
    with office.session() as session:
        with pytest.raises(phone.PhoneUseError, match="choose the department"):
            phone.create_request(session, "oscar", number="13800138000", purpose="x", minutes=3, kind="outside")
        with pytest.raises(phone.PhoneUseError, match="no department"):
            phone.create_request(session, "oscar", number="13800138000", purpose="x", minutes=3, kind="outside",
                                 department="marketing", known_departments={"finance", "sales"})
        with pytest.raises(phone.NotAllowed):
            phone.create_request(session, "mallory", number="13800138000", purpose="x", minutes=3, kind="outside")
    with office.session() as session:
        assert phone.list_requests(session) == []


# ---------------------------------------------------------------------------------- deciding


def test_only_the_head_of_the_department_or_an_admin_decides_and_only_once(office):
    first, second = request(office, "fay"), request(office, "fay", number="021 5888 1234")
    for who in ("fiona", "sue", "sam", "oscar", "mallory"):  # a colleague, another department's head, nobody
        with pytest.raises(phone.NotAllowed):
            decide(office, first.id, who)
    assert stored(office, first.id).status is Status.REQUESTED
    approved = decide(office, first.id, "fred", note="同意", now=T + dt.timedelta(hours=1))
    assert (approved.status, approved.decided_by, approved.decided_at, approved.decision_note) == \
        (Status.APPROVED, "fred", T + dt.timedelta(hours=1), "同意")
    with pytest.raises(phone.AlreadyDecided):  # nothing is decided twice, by anyone
        decide(office, first.id, "felix", approve=False)
    with pytest.raises(phone.AlreadyDecided):
        decide(office, first.id, "ada", approve=False)
    assert stored(office, first.id).status is Status.APPROVED and stored(office, first.id).decided_by == "fred"
    declined = decide(office, second.id, "ada", approve=False, note="请用邮件")  # an admin, for any department
    assert (declined.status, declined.decided_by) == (Status.DECLINED, "ada")
    with pytest.raises(phone.UnknownRequest):
        decide(office, 9999, "fred")


def test_nobody_approves_their_own_request_not_even_a_head_or_an_admin(office):
    heads_own, admins_own = request(office, "fred"), request(office, "ada", department="sales")
    with pytest.raises(phone.NotAllowed, match="own request"):
        decide(office, heads_own.id, "fred")
    with pytest.raises(phone.NotAllowed, match="own request"):
        decide(office, admins_own.id, "ada")
    assert decide(office, heads_own.id, "felix").status is Status.APPROVED  # the department's other head
    assert decide(office, admins_own.id, "sue").status is Status.APPROVED
    with office.session() as session:
        fred, ada = phone.actor(session, "fred"), phone.actor(session, "ada")
        assert [r.id for r in phone.pending_for(session, fred)] == []
        assert phone.pending_for(session, phone.actor(session, "fay")) == []  # not a head: decides nothing
        request_by_fiona = phone.create_request(session, "fiona", number="13800138000", purpose="x", minutes=2,
                                                kind="outside", now=T)
        request_by_sam = phone.create_request(session, "sam", number="13800138001", purpose="y", minutes=2,
                                              kind="outside", now=T)
        assert [r.id for r in phone.pending_for(session, fred)] == [request_by_fiona.id]
        assert [r.id for r in phone.pending_for(session, ada)] == [request_by_fiona.id, request_by_sam.id]


# ---------------------------------------------------------------------------------- the 3-day rule


def test_an_urgent_call_not_approved_within_3_days_is_flagged_by_the_sweep_and_the_head_is_emailed(
        office, smtp_server):
    urgent = request(office, "fay", urgent_made_at=T, now=T + dt.timedelta(hours=2))
    on_time = request(office, "fiona", urgent_made_at=T, now=T + dt.timedelta(hours=3), number="13800138000",
                      kind="outside")
    ordinary = request(office, "fay", now=T - dt.timedelta(hours=1), number="021 5888 1234")
    decide(office, on_time.id, "fred", now=T + dt.timedelta(days=2))
    cache, smtp = DirectoryCache(office), smtp_server.settings()

    almost = T + dt.timedelta(days=2, hours=23)
    mailer.run_sweep(office, cache, smtp, now=almost)
    assert stored(office, urgent.id).flagged_at is None and not phone.is_flagged(stored(office, urgent.id), almost)
    with office.session() as session:
        assert [r.id for r in phone.pending_for(session, phone.actor(session, "fred"), now=almost)] == \
            [ordinary.id, urgent.id]  # not flagged yet: by when the call was made

    late = T + dt.timedelta(days=3, minutes=1)
    assert phone.is_flagged(stored(office, urgent.id), late)  # computed from the clock, before any sweep
    mailer.run_sweep(office, cache, smtp, now=late)
    flagged = stored(office, urgent.id)
    assert flagged.flagged_at == late and flagged.status is Status.REQUESTED and flagged.flag_message
    with office.session() as session:
        [told] = [m for m in messages.list_messages(session) if m.id == flagged.flag_message]
        assert [r.id for r in phone.pending_for(session, phone.actor(session, "fred"), now=late)] == \
            [urgent.id, ordinary.id]  # flagged first
    assert told.recipient == "finance" and told.urgent and "01065528888" in told.text and "三日内未补办审批" in told.text
    mails = [email.message_from_bytes(m.raw) for m in smtp_server.received]
    heads = [m for m in mails if f"#{urgent.id}" in m.get_payload(decode=True).decode()]
    assert len(heads) == 1 and "liu.fang@huaxin.example" in heads[0]["To"]  # the finance director

    mailer.run_sweep(office, cache, smtp, now=late + dt.timedelta(hours=1))  # flagged once, told once
    assert stored(office, urgent.id).flagged_at == late
    with office.session() as session:
        assert sum(m.conversation == f"phone-use-{urgent.id}" for m in messages.list_messages(session)) == 1
    approved_on_time = stored(office, on_time.id)
    assert approved_on_time.flagged_at is None and not phone.is_flagged(approved_on_time, T + dt.timedelta(days=90))

    late_approval = decide(office, urgent.id, "fred", now=late + dt.timedelta(days=1))  # approved late: still flagged
    assert late_approval.status is Status.APPROVED and phone.is_flagged(late_approval, late + dt.timedelta(days=2))


def test_a_decline_within_3_days_is_a_decision_not_a_flag(office, smtp_server):
    urgent = request(office, "fay", urgent_made_at=T, now=T + dt.timedelta(hours=2))
    decide(office, urgent.id, "fred", approve=False, now=T + dt.timedelta(days=1))
    mailer.run_sweep(office, DirectoryCache(office), smtp_server.settings(), now=T + dt.timedelta(days=4))
    done = stored(office, urgent.id)
    assert done.status is Status.DECLINED and done.flagged_at is None
    assert not phone.is_flagged(done, T + dt.timedelta(days=4))


# ---------------------------------------------------------------------------------- the monthly report


def test_the_monthly_report_counts_each_department_in_beijing_time(office):
    december = T.replace(day=3)
    a = request(office, "fay", now=december, minutes=10)                                   # approved
    b = request(office, "fiona", now=december, minutes=5, number="13800138000", kind="outside")  # declined
    request(office, "fay", now=december, minutes=7, number="+44 20 7946 0958", kind="international")  # pending
    request(office, "fay", now=T + dt.timedelta(hours=1), minutes=3, urgent_made_at=T)  # urgent, never decided
    request(office, "sam", now=december, minutes=20, number="13800138001", kind="outside")  # sales, pending
    new_year = dt.datetime(2026, 12, 31, 23, 30, tzinfo=BEIJING)  # 15:30 UTC on the 31st: still December
    request(office, "fay", now=new_year, minutes=4)
    request(office, "fay", now=dt.datetime(2027, 1, 1, 0, 10, tzinfo=BEIJING), minutes=60)  # 16:10 UTC Dec 31: January
    request(office, "fay", now=dt.datetime(2026, 11, 30, 23, 0, tzinfo=BEIJING), minutes=60)  # November
    decide(office, a.id, "fred", now=december)
    decide(office, b.id, "fred", approve=False, now=december)

    with office.session() as session:
        rows = monthly_report(session, 2026, 12, BEIJING, now=T + dt.timedelta(days=10),
                              departments=["management", "finance", "sales"])
    figures = {row.department: row.as_dict() for row in rows}
    assert list(figures) == ["management", "finance", "sales"]
    assert figures["management"]["requests"] == 0
    assert figures["finance"] == {"department": "finance", "requests": 5, "approved": 1, "declined": 1, "pending": 3,
                                  "flagged": 1, "minutes": 29, "approved_minutes": 10}
    assert figures["sales"] == {"department": "sales", "requests": 1, "approved": 0, "declined": 0, "pending": 1,
                                "flagged": 0, "minutes": 20, "approved_minutes": 0}
    assert total(rows).requests == 6 and total(rows).minutes == 49
    assert report_csv(rows).splitlines()[:3] == [
        "department,requests,approved,declined,pending,flagged,minutes,approved_minutes",
        "management,0,0,0,0,0,0,0", "finance,5,1,1,3,1,29,10"]
    with office.session() as session:
        earlier = {r.department: r for r in monthly_report(session, 2026, 12, BEIJING, now=T + dt.timedelta(days=1))}
        january = monthly_report(session, 2027, 1, BEIJING, now=T)
    assert earlier["finance"].flagged == 0  # on the 2nd the urgent call was still within its 3 days
    assert [(r.department, r.requests, r.minutes) for r in january] == [("finance", 1, 60)]


def test_months_are_written_yyyy_mm():
    assert parse_month("2026-12") == (2026, 12)
    for wrong in ("2026-13", "2026-1", "12-2026", "", "2026/12", "1999-01"):
        with pytest.raises(ValueError):
            parse_month(wrong)
    start, end = month_bounds(2026, 12, BEIJING)
    assert start == dt.datetime(2026, 11, 30, 16, tzinfo=dt.timezone.utc)
    assert end == dt.datetime(2026, 12, 31, 16, tzinfo=dt.timezone.utc)


def test_the_report_from_the_command_line(office, db_url, monkeypatch, capsys):
    import json

    from bot.cli import main

    approved = request(office, "fay", now=T, minutes=10)
    request(office, "sam", now=T, minutes=20, number="13800138001", kind="outside")
    decide(office, approved.id, "fred", now=T)
    monkeypatch.setenv("RECEPTIONIST_DB", db_url)
    assert main(["phone-use", "report", "--month", "2026-12", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    by_department = {row["department"]: row for row in printed["departments"]}
    assert printed["month"] == "2026-12" and printed["total"]["requests"] == 2
    assert (by_department["finance"]["approved"], by_department["sales"]["pending"]) == (1, 1)
    assert main(["phone-use", "report", "--month", "2026-12"]) == 0
    table = capsys.readouterr().out
    assert "finance" in table and "approved_minutes" in table
    assert main(["phone-use", "report", "--month", "December"]) == 2
    assert "YYYY-MM" in capsys.readouterr().err
