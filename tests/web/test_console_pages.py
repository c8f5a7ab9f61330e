"""What staff do on each page, through real HTTP, checked in the database afterwards."""

from __future__ import annotations

import argparse
import csv
import html
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from console_seed import HOSTILE, LIVE, PASSWORDS, RECORDED
from console_server import start_console
from sqlalchemy import select, update

from bot.db.engine import open_database
from bot.db.tables import CallRow, ConsoleUserRow, TurnRow
from bot.org.model import Presence
from bot.org.store import load_directory
from bot.records import messages, visits
from bot.rules.calendar import duty_person
from bot.web import ConsoleSettings, audit, auth
from bot.web.cli import register
from bot.web.i18n import EN, ZH

TEMPLATES = Path(__file__).resolve().parents[2] / "bot" / "web" / "templates"
PAGES = Path(__file__).resolve().parents[2] / "bot" / "web" / "pages"


def _turn_id(console, conversation: str, who: str = "caller") -> int:
    with console.database.session() as session:
        return session.execute(select(TurnRow.id).join(CallRow).where(
            CallRow.conversation == conversation, TurnRow.who == who).order_by(TurnRow.id)).scalars().first()


# ---------------------------------------------------------------------------------- board


def test_the_live_board_shows_calls_in_progress_presence_and_who_is_on_duty(console):
    page = console.client("oscar").get("/").text
    assert "+8613700000009" in page  # the call in progress
    assert "+8613800000001" not in page  # an ended call is not live
    assert 'id="person-li-na"' in page
    with console.database.session() as session:
        duty = duty_person(load_directory(session), console.seeded.now)
    assert duty is not None and duty.name in page


def test_changing_presence_on_the_board_reaches_the_directory_and_the_audit_log(console):
    client = console.client("oscar")
    response = client.post("/presence/li-na", data={"csrf": client.csrf(), "presence": "in_meeting"})
    assert response.status_code == 303
    assert console.context.directory.current().person("li-na").presence is Presence.IN_MEETING
    with console.database.session() as session:
        [entry] = audit.entries(session, action="presence.change")
    assert (entry.username, entry.target, entry.detail) == ("oscar", "li-na", "available → in_meeting")
    bad = client.post("/presence/li-na", data={"csrf": client.csrf(), "presence": "asleep"})
    assert bad.status_code == 400


# ---------------------------------------------------------------------------------- calls


def test_calls_are_found_by_caller_words_said_outcome_and_date(console):
    client = console.client("oscar")

    def found(query: str, who=client) -> set[str]:
        return set(re.findall(r'href="/calls/([^"#/]+)" class="strong"', who.get("/calls?" + query).text))

    assert found("words=发票", console.client("sam")) == {RECORDED}  # a supervisor searches what was said
    assert found("words=发票") == found("") and 'name="words"' not in client.get("/calls").text  # an operator not
    assert found("caller=李先生") == {RECORDED}
    assert found("caller=8613800000002") == {HOSTILE}
    assert found("outcome=message") == {HOSTILE}
    with console.database.session() as session:
        zone = ZoneInfo(load_directory(session).organization.timezone)
    today = console.seeded.now.astimezone(zone).date().isoformat()  # the day as staff there see it
    assert LIVE in found(f"from={today}&to={today}") or console.seeded.now.astimezone(zone).hour < 1
    assert found("from=2001-01-01&to=2001-01-02") == set()


def test_a_supervisor_hears_the_recording_streamed_with_ranges(console):
    client = console.client("sam")
    page = client.get(f"/calls/{RECORDED}").text
    assert f'src="/calls/{RECORDED}/recording"' in page
    whole = client.get(f"/calls/{RECORDED}/recording")
    assert whole.status_code == 200 and whole.headers["Content-Type"] == "audio/wav"
    assert whole.content == console.seeded.recording.read_bytes()
    part = client.get(f"/calls/{RECORDED}/recording", headers={"Range": "bytes=0-43"})
    assert part.status_code == 206 and part.content == whole.content[:44]
    with console.database.session() as session:
        assert [e.target for e in audit.entries(session, action="recording.play")] == [RECORDED, RECORDED]


@pytest.mark.parametrize("stored", ["/etc/passwd", "../../etc/passwd", "2026/missing.wav"])
def test_only_files_under_the_recordings_folder_are_ever_served(console, stored):
    with console.database.session() as session:
        session.execute(update(CallRow).where(CallRow.conversation == HOSTILE).values(recording=stored))
    assert console.client("sam").get(f"/calls/{HOSTILE}/recording").status_code == 404


def test_each_turn_shows_its_intent_and_confidence(console):
    page = console.client("sam").get(f"/calls/{HOSTILE}").text
    assert "ask_hours · 0.41" in page
    assert 'class="intent low"' in page  # a low confidence stands out


def test_a_misunderstood_turn_is_exported_as_a_rasa_nlu_example(console):
    client = console.client("sam")
    turn = _turn_id(console, HOSTILE)
    response = client.post(f"/calls/{HOSTILE}/turns/{turn}/review",
                           data={"csrf": client.csrf(), "misunderstood": "1", "correct_intent": "leave_message"})
    assert response.status_code == 303
    unlabelled = _turn_id(console, RECORDED)
    client.post(f"/calls/{RECORDED}/turns/{unlabelled}/review", data={"csrf": client.csrf(), "misunderstood": "1"})
    with console.database.session() as session:
        assert session.get(TurnRow, turn).misunderstood is True
    exported = client.get("/review/nlu.yml")
    assert exported.headers["Content-Disposition"].endswith('filename="misunderstood-nlu.yml"')
    data = yaml.safe_load(exported.text)
    assert data["nlu"] == [{"intent": "leave_message", "examples": "- <img src=x onerror=alert(1)> 我要报销\n"}]
    assert "# needs an intent: '你好，我找财务部的李娜，关于发票的事'" in exported.text
    assert f'<li id="turn-{turn}" class="turn caller misunderstood">' in client.get(f"/calls/{HOSTILE}").text


def test_only_what_the_caller_said_can_be_marked_and_unmarking_clears_the_export(console):
    client = console.client("sam")
    reply = _turn_id(console, HOSTILE, who="receptionist")
    assert client.post(f"/calls/{HOSTILE}/turns/{reply}/review",
                       data={"csrf": client.csrf(), "misunderstood": "1"}).status_code == 400
    turn = _turn_id(console, HOSTILE)
    client.post(f"/calls/{HOSTILE}/turns/{turn}/review",
                data={"csrf": client.csrf(), "misunderstood": "1", "correct_intent": "leave_message"})
    client.post(f"/calls/{HOSTILE}/turns/{turn}/review", data={"csrf": client.csrf(), "misunderstood": "0"})
    assert yaml.safe_load(client.get("/review/nlu.yml").text)["nlu"] == []
    operator = console.client("oscar")
    assert operator.post(f"/calls/{HOSTILE}/turns/{turn}/review",
                         data={"csrf": operator.csrf(), "misunderstood": "1"}).status_code == 403


# ---------------------------------------------------------------------------------- messages


def test_overdue_and_flagged_messages_are_highlighted(console):
    page = console.client("oscar").get("/messages").text
    row = re.search(rf'<tr id="message-{console.seeded.overdue_message}" class="([^"]*)"', page).group(1)
    assert "overdue" in row and "flagged" in row
    fresh = re.search(rf'<tr id="message-{console.seeded.new_message}" class="([^"]*)"', page).group(1)
    assert "overdue" not in fresh


def test_staff_acknowledge_then_close_a_message(console):
    client = console.client("oscar")
    message = console.seeded.overdue_message
    assert client.post(f"/messages/{message}/acknowledge", data={"csrf": client.csrf()}).status_code == 303
    assert client.post(f"/messages/{message}/close", data={"csrf": client.csrf()}).status_code == 303
    with console.database.session() as session:
        record = messages.get_message(session, message)
        changes = [e.action for e in audit.entries(session)][:2]
    assert record.status is messages.MessageStatus.CLOSED
    assert changes == ["message.close", "message.acknowledge"]
    assert f'id="message-{message}"' not in client.get("/messages").text  # open messages only
    assert f'id="message-{message}"' in client.get("/messages?status=closed").text
    again = client.post(f"/messages/{message}/acknowledge", data={"csrf": client.csrf()})
    assert again.status_code == 409  # a closed message cannot be acknowledged


# ---------------------------------------------------------------------------------- visitors


def test_a_visitor_is_checked_in_badged_and_checked_out(console):
    client = console.client("oscar")
    response = client.post("/visitors", data={"csrf": client.csrf(), "name": "孙女士", "company": "<b>Bold</b> Ltd",
                                              "purpose": "送合同", "host": "wang-qiang", "appointment": "1",
                                              "appointment_time": "14:30"})
    assert response.status_code == 303
    visit_id = int(response.headers["Location"].rsplit("-", 1)[1])
    page = client.get("/visitors").text
    assert "孙女士" in page and "14:30" in page
    badge = client.get(f"/visitors/{visit_id}/badge").text
    with console.database.session() as session:
        host = load_directory(session).person("wang-qiang")
    assert "孙女士" in badge and host.name in badge and "&lt;b&gt;Bold&lt;/b&gt; Ltd" in badge
    assert host.mobile not in badge and host.extension not in badge  # no staff contact details
    assert client.post(f"/visitors/{visit_id}/checkout", data={"csrf": client.csrf()}).status_code == 303
    with console.database.session() as session:
        assert visits.get_visit(session, visit_id).status is visits.VisitStatus.LEFT
    refused = client.post("/visitors", data={"csrf": client.csrf(), "name": "X", "host": "nobody-here"})
    assert refused.status_code == 400
    bad_time = client.post("/visitors", data={"csrf": client.csrf(), "name": "Y", "appointment": "1",
                                              "appointment_time": "25:00"})
    assert bad_time.status_code == 400 and "HH:MM" in bad_time.text


# ---------------------------------------------------------------------------------- organisation


def test_a_bad_organisation_file_shows_path_and_line_and_changes_nothing(console):
    client = console.client("ada")
    text = re.search(r'<textarea name="text"[^>]*>(.*?)</textarea>', client.get("/admin/organisation").text,
                     re.S).group(1)
    text = html.unescape(text)
    before = console.context.directory.current().version
    broken = text.replace("  name_en: Finance\n", "  name_en: Finance\n  colour: blue\n", 1)
    line = broken.splitlines().index("  colour: blue") + 1
    response = client.post("/admin/organisation", data={"csrf": client.csrf(), "text": broken})
    assert response.status_code == 422
    assert f'<span class="line">第 {line} 行</span>' in response.text
    assert "departments[1].colour" in response.text
    assert console.context.directory.current().version == before
    renamed = text.replace("name_en: Finance\n", "name_en: Finance & Accounts\n", 1)
    saved = client.post("/admin/organisation", data={"csrf": client.csrf(), "text": renamed})
    assert saved.status_code == 303
    assert console.context.directory.current().department("finance").name_en == "Finance & Accounts"
    with console.database.session() as session:
        assert [e.username for e in audit.entries(session, action="organisation.save")] == ["ada"]


def test_saving_the_organisation_file_never_undoes_a_presence_change_made_while_it_was_open(console):
    admin, operator = console.client("ada"), console.client("oscar")

    def editor() -> tuple[str, str]:
        page = admin.get("/admin/organisation").text
        text = html.unescape(re.search(r'<textarea name="text"[^>]*>(.*?)</textarea>', page, re.S).group(1))
        return text, re.search(r'name="version" value="(\d+)"', page).group(1)

    text, version = editor()
    assert operator.post("/presence/li-na", data={"csrf": operator.csrf(), "presence": "in_meeting"}).status_code == 303
    renamed = text.replace("name_en: Finance\n", "name_en: Finance & Accounts\n", 1)

    stale = admin.post("/admin/organisation", data={"csrf": admin.csrf(), "text": renamed, "version": version})

    assert stale.status_code == 409 and "未保存" in stale.text
    assert "Finance &amp; Accounts" in stale.text, "the admin's text is kept in the editor"
    directory = console.context.directory.current()
    assert directory.person("li-na").presence is Presence.IN_MEETING
    assert directory.department("finance").name_en == "Finance"
    text, version = editor()  # opened again: the current organisation, with the presence change
    renamed = text.replace("name_en: Finance\n", "name_en: Finance & Accounts\n", 1)
    saved = admin.post("/admin/organisation", data={"csrf": admin.csrf(), "text": renamed, "version": version})
    assert saved.status_code == 303
    directory = console.context.directory.current()
    assert directory.person("li-na").presence is Presence.IN_MEETING
    assert directory.department("finance").name_en == "Finance & Accounts"


def test_hours_holidays_and_duty_roster_are_edited_under_the_same_validation(console):
    client = console.client("ada")
    page = client.get("/admin/hours").text
    def field(name: str) -> str:
        match = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
        return html.unescape(match.group(1))

    form = {"csrf": client.csrf("/admin/hours"), "mon": "08:30-17:30", "tue": "08:30-17:30", "wed": "08:30-17:30",
            "thu": "08:30-17:30", "fri": "08:30-17:30", "sat": "25:00-26:00", "sun": "closed",
            "holidays": field("holidays"), "duty_roster": field("duty_roster"), "duty_phone": "8099",
            "duty_manager": "wang-qiang"}
    refused = client.post("/admin/hours", data=form)
    assert refused.status_code == 422 and "hours.sat" in refused.text
    form["sat"] = "09:00-12:00"
    form["duty_roster"] += "- {weekday: sun, person: nobody-at-all}\n"
    assert client.post("/admin/hours", data=form).status_code == 422
    form["duty_roster"] = field("duty_roster") + "- {date: 2030-01-01, person: li-na}\n"
    assert client.post("/admin/hours", data=form).status_code == 303
    directory = console.context.directory.current()
    assert str(directory.hours["sat"]) == "09:00-12:00"
    assert any(d.person == "li-na" and str(d.date) == "2030-01-01" for d in directory.duty_roster)


def _staff_csv(console, add: str) -> str:
    directory = console.context.directory.current()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "姓名", "部门", "分机"])
    for person in directory.people:
        writer.writerow([person.id, person.name, person.department, person.extension or ""])
    writer.writerow(["", add, "finance", "8299"])
    return out.getvalue()


def test_the_staff_list_is_previewed_before_it_is_applied(console):
    client = console.client("ada")
    preview = client.post("/admin/staff-import", files={"file": ("staff.csv", _staff_csv(console, "新同事").encode())},
                          data={"csrf": client.csrf()})
    assert preview.status_code == 200 and "新同事" in preview.text
    assert console.context.directory.current().person("xin-tong-shi") is None  # nothing stored yet
    digest = re.search(r'name="digest" value="([^"]+)"', preview.text).group(1)
    csv_text = html.unescape(re.search(r'<textarea name="csv_text" hidden>(.*?)</textarea>', preview.text, re.S).group(1))
    stale = client.post("/admin/staff-import/confirm", data={"csrf": client.csrf(), "digest": "0" * 64,
                                                             "csv_text": csv_text})
    assert stale.status_code == 409 and console.context.directory.current().person("xin-tong-shi") is None
    applied = client.post("/admin/staff-import/confirm", data={"csrf": client.csrf(), "digest": digest,
                                                               "csv_text": csv_text})
    assert applied.status_code == 303
    assert console.context.directory.current().person("xin-tong-shi").extension == "8299"


def test_a_staff_list_with_an_unknown_department_is_refused_with_its_line(console):
    client = console.client("ada")
    bad = "姓名,部门\n张三,财务部\n李四,火星部\n"
    response = client.post("/admin/staff-import", data={"csrf": client.csrf(), "csv_text": bad})
    assert response.status_code == 422 and "line 3" in response.text and "火星部" in response.text


# ---------------------------------------------------------------------------------- users


def test_an_admin_adds_a_user_who_can_then_sign_in_with_that_role(console):
    admin = console.client("ada")
    added = admin.post("/admin/users", data={"csrf": admin.csrf(), "username": "nina", "display_name": "Nina",
                                             "role": "supervisor", "password": "nina-password-1"})
    assert added.status_code == 303
    nina = console.client()
    assert nina.sign_in("nina", "nina-password-1").status_code == 303
    assert nina.get("/stats").status_code == 200 and nina.get("/admin/users").status_code == 403
    short = admin.post("/admin/users", data={"csrf": admin.csrf(), "username": "kid", "role": "operator",
                                             "password": "short"})
    assert short.status_code == 400


def test_the_last_admin_cannot_be_demoted_and_a_disabled_user_is_signed_out(console):
    admin = console.client("ada")
    demote = admin.post("/admin/users/ada", data={"csrf": admin.csrf(), "change": "role", "role": "operator"})
    assert demote.status_code == 400 and console.client("ada").get("/admin/users").status_code == 200
    oscar = console.client("oscar")
    assert oscar.get("/").status_code == 200
    assert admin.post("/admin/users/oscar", data={"csrf": admin.csrf(), "change": "disable"}).status_code == 303
    assert oscar.get("/").status_code == 303
    assert console.client().sign_in("oscar", PASSWORDS["oscar"]).status_code == 401


# ---------------------------------------------------------------------------------- statistics


def test_statistics_count_the_seeded_calls_and_export_them_as_csv(console):
    client = console.client("sam")
    page = client.get("/stats")
    assert page.status_code == 200 and page.text.count("<svg") >= 7
    exported = client.get("/stats.csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    figures = {(section, label): value for section, label, value in rows[1:]}
    assert figures[("calls", "total")] == "15"
    assert figures[("outcome", "message")] == "1"
    assert figures[("transfer_attempts", "财务部")] == "2"
    assert figures[("transfer_answered", "财务部")] == "1"  # li-na answered, the department line was busy
    assert figures[("satisfaction", "5")] == "1" and figures[("satisfaction", "2")] == "1"
    assert int(figures[("after_hours", "in_hours")]) + int(figures[("after_hours", "after_hours")]) == 15


# ---------------------------------------------------------------------------------- languages, cookies


def test_every_text_the_console_shows_has_its_chinese():
    used: set[str] = set()
    for path in [*TEMPLATES.glob("*.html"), *PAGES.glob("*.py")]:
        used |= set(re.findall(r'\bt\(\s*"([^"]+)"\s*\)', path.read_text(encoding="utf-8")))
        used |= set(re.findall(r"\bt\(\s*'([^']+)'\s*\)", path.read_text(encoding="utf-8")))
    nav = re.findall(r'\("/[^"]*", "([^"]+)", Role', (TEMPLATES / "base.html").read_text(encoding="utf-8"))
    codes = {"operator", "supervisor", "admin", "available", "busy", "in_meeting", "away", "on_leave", "phone", "kiosk",
             "chat", "caller", "receptionist", "system", "new", "notified", "acknowledged", "closed", "open", "all",
             "mon", "tue", "wed", "thu", "fri", "sat", "sun",
             *(f"outcome_{o}" for o in ("transferred", "message", "operator", "answered", "abandoned", "in_progress")),
             *(f"visit_{s}" for s in ("waiting", "in", "left"))}
    missing = sorted((used | set(nav) | codes) - set(ZH))
    assert missing == []
    assert {"outcome_operator", "visit_left"} <= set(EN)


def test_the_language_toggle_switches_the_console_to_english_and_back(console):
    client = console.client("oscar")
    assert "实时看板" in client.get("/").text
    switched = client.get("/lang/en?next=/calls")
    assert switched.headers["Location"] == "/calls"
    english = client.get("/").text
    assert "Live board" in english and "实时看板" not in english
    assert client.get("/lang/zh?next=https://evil.example").headers["Location"] == "/"
    for dodge in ("/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example", "/%5C/evil.example",
                  "/%20/evil.example"):
        assert client.get(f"/lang/zh?next={dodge}").headers["Location"] == "/", dodge


def test_cookies_are_marked_secure_when_configured_for_https(db_url, demo_directory, tmp_path):
    running, server = start_console(db_url, demo_directory, tmp_path,
                                    ConsoleSettings(secure_cookies=True, recordings_dir=tmp_path / "recordings"))
    try:
        client = running.client()
        form = client.get("/signin")
        token = re.search(r'name="form_token" value="([^"]+)"', form.text).group(1)
        # The browser would send the Secure sign-in cookie over https only; this client is told to.
        signed = client.post("/signin", data={"username": "ada", "password": PASSWORDS["ada"], "form_token": token},
                             cookies={"fd_signin": token})
    finally:
        server.stop()
        running.database.close()
    assert "Secure" in form.headers["Set-Cookie"]
    assert signed.status_code == 303
    assert "fd_session=" in signed.headers["Set-Cookie"] and "Secure" in signed.headers["Set-Cookie"]


# ---------------------------------------------------------------------------------- command line


def test_the_first_admin_is_made_on_the_command_line_and_can_sign_in(db_url, monkeypatch, capsys, tmp_path):

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command", required=True))
    monkeypatch.setenv("RECEPTIONIST_DB", db_url)
    monkeypatch.setenv("RECEPTIONIST_VAR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("first-admin-pass\n"))
    args = parser.parse_args(["users", "add", "root", "--role", "admin", "--name", "Root", "--password-stdin"])
    assert args.handler(args) == 0
    assert "added root (admin)" in capsys.readouterr().out
    database = open_database(db_url)
    try:
        with database.session() as session:
            user = auth.authenticate(session, "root", "first-admin-pass", ConsoleSettings())
            stored = session.execute(select(ConsoleUserRow.password_hash)).scalar_one()
    finally:
        database.close()
    assert user.role.value == "admin"
    assert stored.startswith("$argon2id$") and "first-admin-pass" not in stored
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    args = parser.parse_args(["users", "add", "tiny", "--password-stdin"])
    with pytest.raises(ValueError, match="at least 10"):
        args.handler(args)
