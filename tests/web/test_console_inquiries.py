"""The console's inquiries and follow-ups (#12, point 3), through real HTTP against the console on the
demo company (SQLite and PostgreSQL): questions the receptionist passed on are listed by department
with the caller's callback, a department user sees and answers only their own (answered once,
audited, an empty answer refused with nothing stored), answered questions are listed with the answer
the caller heard; a call rated 2 or less is a follow-up a supervisor closes with what was done, and
the live board counts both."""

from __future__ import annotations

import datetime as dt

import pytest
from console_server import Client, Console
from sqlalchemy import select

from bot.db.tables import AuditRow
from bot.records import calls, inquiries, messages
from bot.web import auth
from bot.web.roles import set_department

T0 = dt.datetime(2026, 12, 8, 2, 5, tzinfo=dt.timezone.utc)
DEPARTMENT_USERS = {"hana": ("hana-hr-pass-1", "hr"), "fei": ("fei-finance-1", "finance")}


@pytest.fixture
def seeded(console: Console) -> dict[str, int]:
    with console.database.session() as session:
        for name, (password, department) in DEPARTMENT_USERS.items():
            auth.create_user(session, name, password, "operator", display_name=name.title())
            set_department(session, name, department)
        social = inquiries.record_unanswered(session, "inq-call-1", "你们公司社保是每个月几号交的啊", "hr",
                                             language="zh", at=T0)
        callback = messages.take_message(session, "hr", "你们公司社保是每个月几号交的啊", "孟晓光",
                                         callback_number="13912345678", conversation="inq-call-1", at=T0)
        inquiries.link_message(session, social.id, callback.id, callback.callback_number)
        invoice = inquiries.record_unanswered(session, "inq-call-2", "发票开错了能不能重开", "finance", at=T0)
        nobody = inquiries.record_unanswered(session, "inq-call-3", "你们明年会不会在成都开分公司", None, at=T0)
        inquiries.record_answered(session, "inq-call-4", "车停哪儿", "faq", "访客车位在地下二层。", faq_id="parking",
                                  at=T0)
        calls.ensure_call(session, "rated-call", channel="phone", caller_id="+8613900001111")
        calls.set_satisfaction(session, "rated-call", 1)
        follow_up = inquiries.open_follow_up(session, "rated-call", 1, caller_id="+8613900001111", at=T0)
    return {"social": social.id, "invoice": invoice.id, "nobody": nobody.id, "follow_up": follow_up.id}


def department_user(console: Console, name: str) -> Client:
    client = console.client()
    assert client.sign_in(name, DEPARTMENT_USERS[name][0]).status_code == 303
    return client


def answer(client: Client, inquiry_id: int, text: str):
    return client.post(f"/inquiries/{inquiry_id}/reply", data={"csrf": client.csrf("/inquiries"), "answer": text})


def stored(console: Console, inquiry_id: int) -> inquiries.Inquiry:
    with console.database.session() as session:
        return inquiries.get_inquiry(session, inquiry_id)


def audited(console: Console, prefix: str) -> list[tuple[str, str, str]]:
    with console.database.session() as session:
        rows = session.execute(select(AuditRow).where(AuditRow.action.like(f"{prefix}%")).order_by(AuditRow.id))
        return [(r.username, r.action, r.target) for r in rows.scalars()]


def test_questions_passed_on_are_listed_with_the_callback_and_answered_by_their_department(console, seeded):
    oscar = console.client("oscar")
    page = oscar.get("/inquiries").text
    assert "咨询记录" in page and 'href="/inquiries"' in page
    for question in ("社保是每个月几号交", "发票开错了能不能重开", "成都开分公司"):
        assert question in page
    assert "孟晓光" in page and "13912345678" in page  # the callback the caller left
    assert "车停哪儿" not in page  # answered ones are on their own tab
    answered = oscar.get("/inquiries?view=answered").text
    assert "车停哪儿" in answered and "访客车位在地下二层。" in answered

    hana = department_user(console, "hana")
    own = hana.get("/inquiries").text
    assert "社保是每个月几号交" in own and "发票开错了" not in own and "成都开分公司" not in own
    assert answer(hana, seeded["invoice"], "可以").status_code == 404  # another department's: not even seen
    assert answer(hana, seeded["social"], "   ").status_code == 422
    assert stored(console, seeded["social"]).status is inquiries.InquiryStatus.OPEN

    done = answer(hana, seeded["social"], "每月 15 日前缴纳，已电话告知孟先生。")
    assert done.status_code == 303
    replied = stored(console, seeded["social"])
    assert replied.status is inquiries.InquiryStatus.REPLIED and replied.replied_by == "operator:hana"
    assert "每月 15 日前缴纳" in hana.get("/inquiries").text
    assert answer(hana, seeded["social"], "again").status_code == 409

    assert answer(oscar, seeded["invoice"], "可以重开").status_code == 403  # Finance's to answer
    assert answer(oscar, seeded["nobody"], "暂无计划，已回电说明。").status_code == 303  # the operator's own
    assert audited(console, "inquiry.") == [("hana", "inquiry.reply", str(seeded["social"])),
                                            ("oscar", "inquiry.reply", str(seeded["nobody"]))]


def test_a_low_rating_is_followed_up_by_a_supervisor(console, seeded):
    oscar = console.client("oscar")
    assert oscar.get("/follow-ups").status_code == 403
    assert 'id="open-follow-ups"' not in oscar.get("/").text
    sam = console.client("sam")
    board = sam.get("/").text
    assert 'id="open-follow-ups"' in board and 'id="open-inquiries"' in board
    page = sam.get("/follow-ups").text
    assert "+8613900001111" in page and "1 / 5" in page and 'href="/calls/rated-call"' in page

    url = f"/follow-ups/{seeded['follow_up']}/done"
    assert sam.post(url, data={"csrf": sam.csrf("/follow-ups"), "note": ""}).status_code == 422
    closed = sam.post(url, data={"csrf": sam.csrf("/follow-ups"), "note": "已回电致歉，转接问题已报修。"})
    assert closed.status_code == 303
    with console.database.session() as session:
        (follow_up,) = inquiries.list_follow_ups(session)
    assert follow_up.status is inquiries.FollowUpStatus.DONE and follow_up.done_by == "supervisor:sam"
    assert "已回电致歉" in sam.get("/follow-ups").text and "没有待跟进的回访。" in sam.get("/follow-ups").text
    assert sam.post(url, data={"csrf": sam.csrf("/follow-ups"), "note": "again"}).status_code == 409
    assert audited(console, "follow_up.") == [("sam", "follow_up.done", str(seeded["follow_up"]))]


def test_the_pages_speak_english_and_refuse_a_forged_form(console, seeded):
    sam = console.client("sam")
    sam.cookies.set("fd_lang", "en")
    page = sam.get("/inquiries").text
    assert "Passed on" in page and "waiting for an answer" in page
    forged = sam.post(f"/inquiries/{seeded['invoice']}/reply", data={"csrf": "forged", "answer": "x"})
    assert forged.status_code == 403 and stored(console, seeded["invoice"]).status is inquiries.InquiryStatus.OPEN
