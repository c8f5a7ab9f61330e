"""The console's caller-ID notes (#12, point 2), through real HTTP against the console on the demo
company (SQLite and PostgreSQL): an operator adds, edits and removes a note (stored, audited with who);
a mistaken number is refused with nothing stored; CSRF (missing, forged, another origin) is refused; a
live call from a noted number, made by the real dialogue engine, shows the note on the live board (name,
company, a VIP chip, a nuisance chip), and the caller hears no number."""

from __future__ import annotations

import re

from console_server import Console
from sqlalchemy import select

from bot.db.tables import AuditRow
from bot.dialogue.engine import Receptionist
from bot.dialogue.faq import DEMO_FAQ, load_faq
from bot.dialogue.state import Heard, Start
from bot.org.store import DirectoryCache
from bot.records import caller_notes


def notes(console: Console) -> list[caller_notes.CallerNote]:
    with console.database.session() as session:
        return caller_notes.list_notes(session)


def note_audit(console: Console) -> list[tuple[str, str, str]]:
    with console.database.session() as session:
        rows = session.execute(select(AuditRow).where(AuditRow.action.like("caller_note.%"))
                               .order_by(AuditRow.id)).scalars()
        return [(r.username, r.action, r.target) for r in rows]


def save(client, **form: str):
    return client.post("/caller-notes", data={"csrf": client.csrf("/caller-notes"), **form})


def test_an_operator_adds_edits_and_removes_a_note(console):
    oscar = console.client("oscar")
    page = oscar.get("/caller-notes")
    assert page.status_code == 200 and "来电备注" in page.text and "还没有来电备注。" in page.text
    assert 'href="/caller-notes"' in oscar.get("/").text

    added = save(oscar, number="+86 138 0013 8000", name="王建国", company="星辰贸易", vip="on", note="老客户")
    assert added.status_code == 303 and added.headers["Location"] == "/caller-notes?done=saved"
    [note] = notes(console)
    assert (note.number, note.name, note.company, note.vip, note.nuisance, note.note) == \
        ("+8613800138000", "王建国", "星辰贸易", True, False, "老客户")
    assert note.updated_by == "operator:oscar"
    listed = oscar.get("/caller-notes?done=saved").text
    assert "已保存。" in listed and "+8613800138000" in listed and '<span class="chip vip">VIP</span>' in listed

    form = oscar.get("/caller-notes?number=13800138000").text  # the same number, written without +86
    assert "编辑备注" in form and 'value="王建国"' in form and 'name="vip" checked' in form
    edited = save(oscar, number="008613800138000", name="王建国", company="", nuisance="on")
    assert edited.status_code == 303
    [note] = notes(console)
    assert note.number == "+8613800138000" and note.nuisance and not note.vip and note.company is None
    assert '<span class="chip urgent">骚扰</span>' in oscar.get("/caller-notes").text

    removed = oscar.post("/caller-notes/remove", data={"csrf": oscar.csrf("/caller-notes"), "number": note.number})
    assert removed.status_code == 303 and notes(console) == []
    assert "来电备注已删除。" in oscar.get(removed.headers["Location"]).text
    again = oscar.post("/caller-notes/remove", data={"csrf": oscar.csrf("/caller-notes"), "number": note.number})
    assert again.status_code == 404
    assert note_audit(console) == [("oscar", "caller_note.set", "+8613800138000"),
                                   ("oscar", "caller_note.set", "+8613800138000"),
                                   ("oscar", "caller_note.remove", "+8613800138000")]


def test_a_mistake_is_shown_and_nothing_is_stored(console):
    oscar = console.client("oscar")
    for number in ("", "call me", "12", "1" * 30):
        refused = save(oscar, number=number, name="x")
        assert refused.status_code == 422 and 'role="alert"' in refused.text, number
    too_long = save(oscar, number="13800138000", name="王" * 150)
    assert too_long.status_code == 422 and 'value="13800138000"' in too_long.text  # the form is kept
    assert notes(console) == [] and note_audit(console) == []


def test_csrf_and_signed_out_are_refused(console):
    oscar = console.client("oscar")
    token = oscar.csrf("/caller-notes")
    assert oscar.post("/caller-notes", data={"number": "13800138000"}).status_code == 403
    assert oscar.post("/caller-notes", data={"number": "13800138000", "csrf": "forged"}).status_code == 403
    assert oscar.post("/caller-notes", data={"number": "13800138000", "csrf": token},
                      headers={"Origin": "https://evil.example"}).status_code == 403
    with console.database.session() as session:
        caller_notes.set_note(session, "13800138000", name="王建国")
    assert oscar.post("/caller-notes/remove", data={"number": "13800138000"}).status_code == 403
    assert len(notes(console)) == 1 and note_audit(console) == []
    signed_out = console.client().get("/caller-notes")
    assert signed_out.status_code in {302, 303} and "/signin" in signed_out.headers["Location"]


def test_a_live_call_from_a_noted_number_shows_its_note_on_the_board(console):
    with console.database.session() as session:
        caller_notes.set_note(session, "13800138000", name="王建国", company="星辰贸易", vip=True)
        caller_notes.set_note(session, "+86 139 1234 5678", name="钱七", nuisance=True)
    r = Receptionist(console.database, DirectoryCache(console.database), load_faq(DEMO_FAQ))
    r.handle(None, Start("vip-call", channel="phone", caller_id="+8613800138000"))
    state = r.handle(None, Start("pest-call", channel="phone", caller_id="13912345678")).state
    reply = r.handle(state, Heard("pest-call", "帮我转一下财务部李娜", "request_person", 0.95))
    assert not [p for p in reply.payloads if p["type"] == "transfer"]
    board = console.client("oscar").get("/board/live").text
    assert "VIP：王建国" in board and "星辰贸易" in board and '<span class="chip vip">VIP</span>' in board
    assert "钱七" in board and '<span class="chip urgent">骚扰</span>' in board
    [pest] = [row for row in re.findall(r"<tr.*?</tr>", board, re.S) if "13912345678" in row]
    assert "钱七" in pest and "骚扰" in pest and "VIP" not in pest
    [vip] = [row for row in re.findall(r"<tr.*?</tr>", board, re.S) if "+8613800138000" in row]
    assert "王建国" in vip and "星辰贸易" in vip and "VIP" in vip and "骚扰" not in vip
    english = console.client("oscar")
    english.get("/lang/en?next=/")
    assert '<span class="chip urgent">nuisance</span>' in english.get("/board/live").text
