"""Expected visitors on the console's Visitors page (#12, point 4), through real HTTP against the
console on the demo company (SQLite and PostgreSQL): an operator pre-registers a visitor (stored,
audited with who), sees them listed as not yet arrived, then arrived once the real dialogue engine
signs them in at the kiosk, and cancels another; mistakes are shown (422) with nothing stored; CSRF
and the signed-out are refused."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from console_server import Console
from sqlalchemy import select

from bot.db.tables import AuditRow, utcnow
from bot.dialogue.engine import Receptionist
from bot.dialogue.faq import DEMO_FAQ, load_faq
from bot.dialogue.state import Heard, Start
from bot.org.store import DirectoryCache
from bot.records import expected_visits, visits

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    return utcnow().astimezone(SHANGHAI).date()


def listed(console: Console) -> list[expected_visits.ExpectedVisit]:
    with console.database.session() as session:
        return expected_visits.list_expected(session, today() - dt.timedelta(days=1), days=30, cancelled=True)


def audited(console: Console) -> list[tuple[str, str]]:
    with console.database.session() as session:
        rows = session.execute(select(AuditRow).where(AuditRow.action.like("expected_visitor.%"))
                               .order_by(AuditRow.id)).scalars()
        return [(r.username, r.action) for r in rows]


def expect(client, **form: str):
    return client.post("/visitors/expected", data={"csrf": client.csrf("/visitors"), **form})


def test_an_operator_pre_registers_a_visitor_who_then_arrives_at_the_kiosk(console):
    oscar = console.client("oscar")
    page = oscar.get("/visitors")
    assert page.status_code == 200 and "登记预约访客" in page.text and "暂无预约访客。" in page.text
    saved = expect(oscar, name="王建国", company="东方精工", phone="13912345678", host="li-na",
                   day=today().isoformat(), time_from="", time_to="", purpose="年度对账", note="带合同原件")
    assert saved.status_code == 303 and saved.headers["Location"].startswith("/visitors?done=expected")
    [entry] = listed(console)
    assert (entry.name, entry.company, entry.phone, entry.host, entry.day, entry.purpose, entry.note) == \
        ("王建国", "东方精工", "13912345678", "li-na", today(), "年度对账", "带合同原件")
    assert entry.created_by == "operator:oscar" and not entry.arrived
    shown = oscar.get(saved.headers["Location"]).text
    row = shown.split(f'id="expected-{entry.id}"')[1].split("</tr>")[0]
    assert "预约访客已登记。" in shown and "王建国" in row and "李娜" in row and "未到" in row and "全天" in row

    receptionist = Receptionist(console.database, DirectoryCache(console.database), load_faq(DEMO_FAQ))
    state = receptionist.handle(None, Start("kiosk-expected", channel="kiosk")).state
    reply = receptionist.handle(state, Heard("kiosk-expected", "你好 我来找财务部的李娜 我姓王", "visitor_checkin", 0.9))
    assert "王建国您好，李娜在等您" in " ".join(reply.texts)

    row = oscar.get("/visitors").text.split(f'id="expected-{entry.id}"')[1].split("</tr>")[0]
    [arrived] = listed(console)
    with console.database.session() as session:
        visit = visits.get_visit(session, arrived.arrived_visit_id)
    assert "已到" in row and f"#{visit.id}" in row and "取消" not in row  # arrived: nothing to cancel
    assert (visit.name, visit.company, visit.appointment, visit.host) == ("王建国", "东方精工", True, "li-na")
    assert audited(console) == [("oscar", "expected_visitor.add")]


def test_an_expected_visit_is_cancelled_and_no_longer_listed(console):
    sam = console.client("sam")
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    expect(sam, name="Tom Walsh", company="Bristol Gauges", host="lin-feng", day=tomorrow, time_from="10:00",
           time_to="11:00", purpose="audit")
    [entry] = listed(console)
    assert entry.window == "10:00–11:00" and "10:00–11:00" in sam.get("/visitors").text
    cancelled = sam.post(f"/visitors/expected/{entry.id}/cancel", data={"csrf": sam.csrf("/visitors")})
    assert cancelled.status_code == 303
    page = sam.get(cancelled.headers["Location"]).text
    assert "预约已取消。" in page and "Tom Walsh" not in page and listed(console)[0].cancelled
    missing = sam.post("/visitors/expected/999/cancel", data={"csrf": sam.csrf("/visitors")})
    assert missing.status_code == 404
    assert audited(console) == [("sam", "expected_visitor.add"), ("sam", "expected_visitor.cancel")]


def test_a_mistake_is_shown_and_nothing_is_stored(console):
    oscar = console.client("oscar")
    good = {"name": "王建国", "host": "li-na", "day": today().isoformat()}
    for change in ({"name": ""}, {"host": "nobody-here"}, {"host": "finance"}, {"day": "下周一"},
                   {"time_from": "25:00"}, {"time_from": "11:00", "time_to": "10:00"}, {"company": "公" * 250}):
        refused = expect(oscar, **{**good, **change})
        assert refused.status_code == 422 and 'role="alert"' in refused.text, change
    kept = expect(oscar, **{**good, "name": "孟凡", "time_from": "9am"})
    assert 'value="孟凡"' in kept.text  # the form keeps what was typed
    assert listed(console) == [] and audited(console) == []


def test_csrf_and_signed_out_are_refused(console):
    oscar = console.client("oscar")
    token = oscar.csrf("/visitors")
    form = {"name": "王建国", "host": "li-na", "day": today().isoformat()}
    assert oscar.post("/visitors/expected", data=form).status_code == 403
    assert oscar.post("/visitors/expected", data={**form, "csrf": "forged"}).status_code == 403
    assert oscar.post("/visitors/expected", data={**form, "csrf": token},
                      headers={"Origin": "https://evil.example"}).status_code == 403
    signed_out = console.client().post("/visitors/expected", data=form, allow_redirects=False)
    assert signed_out.status_code in {302, 303, 403}
    assert listed(console) == []
    with console.database.session() as session:
        entry = expected_visits.add_expected(session, "王建国", "li-na", today())
    assert oscar.post(f"/visitors/expected/{entry.id}/cancel").status_code == 403
    assert not listed(console)[0].cancelled
