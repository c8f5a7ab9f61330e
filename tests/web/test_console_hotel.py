"""The console's hotel pages (issue #11), through real HTTP against the console on the demo hotel:
guests in house and a stay's edit form, check out now, the room list, the stays export with its
preview, wake-up calls booked, refused and cancelled, the wake-up note set (and refused as the
organisation file refuses it), a failed one highlighted with its alert on the
messages board; roles, CSRF, a company's 404, no staff mobile on any page; one booking through the
form in headless Chromium. The HTTP tests run on SQLite and PostgreSQL.

The stays are dated around today (the console works on the real clock), not the demo's December 2026.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from console_seed import PASSWORDS
from console_server import Console, start_console
from conversation_set import leaks
from sqlalchemy import select

from bot.db.tables import StayRow, WakeupRow
from bot.hotel import stays_csv, wakeups
from bot.hotel.csvfile import read_csv
from bot.hotel.wakeups import DialResult, WakeupStatus
from bot.org.model import Directory
from bot.org.orgfile import parse_org_file
from bot.org.store import load_directory
from bot.records import messages
from bot.web import audit

ROOT = Path(__file__).resolve().parents[2]
HOTEL_ORG = ROOT / "bot" / "org" / "demo_hotel.yml"
ROOMS = ROOT / "bot" / "hotel" / "demo_rooms.csv"
SHANGHAI = ZoneInfo("Asia/Shanghai")
HOTEL_PAGES = ["/hotel", "/hotel/rooms", "/hotel/wakeups", "/hotel/stays-import", "/hotel/stays/1"]


def _today() -> dt.date:
    return dt.datetime.now(SHANGHAI).date()


def stays_csv_text(today: dt.date | None = None, dnd_0801: str = "no", with_0902: bool = True) -> str:
    """Four guests in house around `today` (room 0803 and others left empty)."""
    day = today or _today()
    rows = [
        ("0801", "张伟", "Zhang Wei", day - dt.timedelta(days=1), day + dt.timedelta(days=2), "no", dnd_0801, "no", "zh"),
        ("0802", "", "Anna Miller", day - dt.timedelta(days=2), day + dt.timedelta(days=1), "no", "no", "no", "en"),
        ("0812", "欧阳娜娜", "Nana Ouyang", day - dt.timedelta(days=3), day + dt.timedelta(days=4), "yes", "no", "no",
         "zh"),
    ]
    if with_0902:
        rows.append(("0902", "", "Jean-Luc Lefèvre", day, day + dt.timedelta(days=3), "no", "no", "yes", "fr"))
    head = "room,guest_name_zh,guest_name_latin,arrival,departure,vip,dnd,no_calls,language\n"
    return head + "".join(",".join(str(v) for v in row) + "\n" for row in rows)


@pytest.fixture(scope="session")
def hotel_directory() -> Directory:
    return parse_org_file(HOTEL_ORG)


def start_hotel(db_url: str, directory: Directory, folder: Path) -> tuple[Console, object]:
    running, server = start_console(db_url, directory, folder)
    stays_file = folder / "stays.csv"
    stays_file.write_text(stays_csv_text(), encoding="utf-8")
    with running.database.session() as session:
        stays_csv.import_rooms(session, read_csv(ROOMS, stays_csv.ROOM_COLUMNS, stays_csv.ROOM_REQUIRED), directory)
    with running.database.session() as session:
        stays_csv.import_stays(session, read_csv(stays_file, stays_csv.STAY_COLUMNS, stays_csv.STAY_REQUIRED),
                               zone=SHANGHAI)
    return running, server


@pytest.fixture
def hotel(db_url: str, hotel_directory: Directory, tmp_path: Path) -> Iterator[Console]:
    running, server = start_hotel(db_url, hotel_directory, tmp_path)
    yield running
    server.stop()
    running.database.close()


def _stay_id(console: Console, room: str) -> int:
    with console.database.session() as session:
        return session.execute(select(StayRow.id).where(StayRow.room == room, StayRow.status == "active")).scalar_one()


def _stay(console: Console, room: str) -> StayRow:
    with console.database.session() as session:
        row = session.get(StayRow, _stay_id(console, room))
        session.expunge(row)
        return row


def _stay_form(stay: StayRow, **changes) -> dict[str, str]:
    values = {"do_not_disturb": stay.do_not_disturb, "no_calls": stay.no_calls, "vip": stay.vip,
              "language": stay.language or "", "departure": stay.departure.isoformat(), **changes}
    form = {k: v for k, v in values.items() if not isinstance(v, bool)}
    form.update({k: "1" for k, v in values.items() if v is True})
    return form


def _wakeup_rows(console: Console) -> list[WakeupRow]:
    with console.database.session() as session:
        rows = session.execute(select(WakeupRow).order_by(WakeupRow.id)).scalars().all()
        for row in rows:
            session.expunge(row)
        return rows


# ---------------------------------------------------------------------------------- guests and stays


def test_guests_in_house_are_listed_with_their_flags_and_found_by_name_or_room(hotel):
    client = hotel.client("oscar")
    page = client.get("/hotel")
    assert page.status_code == 200
    for shown in ("0801", "张伟 / Zhang Wei", "Anna Miller", "欧阳娜娜", "VIP", "Jean-Luc Lefèvre", "谢绝来电"):
        assert shown in page.text
    assert 'href="/hotel"' in client.get("/").text  # the nav link, for a hotel
    for query, room in (("812", "0812"), ("ouyang nana", "0812"), ("anna", "0802"), ("张玮", "0801")):
        found = client.get("/hotel", params={"q": query}).text
        assert re.findall(r'<td class="mono strong">([^<]+)</td>', found) == [room], query


def test_an_operator_sets_do_not_disturb_on_a_stay_and_it_is_stored_and_audited(hotel):
    client = hotel.client("oscar")
    stay = _stay(hotel, "0801")
    path = f"/hotel/stays/{stay.id}"
    form = client.get(path)
    assert form.status_code == 200 and 'name="do_not_disturb"' in form.text
    saved = client.post(path, data={"csrf": client.csrf(path), **_stay_form(stay, do_not_disturb=True)})
    assert saved.status_code == 303
    after = _stay(hotel, "0801")
    assert after.do_not_disturb and not after.vip and after.language == "zh"
    with hotel.database.session() as session:
        [entry] = audit.entries(session, action="stay.edit")
    assert entry.username == "oscar" and "0801" in entry.target and entry.detail == "do_not_disturb=yes"
    assert "免打扰" in client.get("/hotel").text


def test_a_stay_edit_with_mistakes_says_why_and_changes_nothing(hotel):
    client = hotel.client("oscar")
    stay = _stay(hotel, "0801")
    path = f"/hotel/stays/{stay.id}"
    bad = client.post(path, data={"csrf": client.csrf(path), **_stay_form(
        stay, vip=True, language="klingon!", departure=(stay.arrival - dt.timedelta(days=1)).isoformat())})
    assert bad.status_code == 422
    assert "ISO 639" in bad.text and "is not after the arrival" in bad.text
    assert not _stay(hotel, "0801").vip
    later = (stay.departure + dt.timedelta(days=3)).isoformat()
    moved = client.post(path, data={"csrf": client.csrf(path), **_stay_form(stay, departure=later, language="en")})
    assert moved.status_code == 303
    assert _stay(hotel, "0801").departure.isoformat() == later and _stay(hotel, "0801").language == "en"


def test_check_out_now_ends_the_stay_and_cancels_its_wake_up_calls(hotel):
    client = hotel.client("oscar")
    stay_id = _stay_id(hotel, "0802")
    booked = client.post("/hotel/wakeups", data={"csrf": client.csrf("/hotel/wakeups"), "room": "0802",
                                                 "time": "07:00"})
    assert booked.status_code == 303
    done = client.post(f"/hotel/stays/{stay_id}/checkout", data={"csrf": client.csrf("/hotel")})
    assert done.status_code == 303
    with hotel.database.session() as session:
        assert session.get(StayRow, stay_id).status == "checked_out"
        [entry] = audit.entries(session, action="stay.checkout")
    assert entry.username == "oscar" and "0802" in entry.target
    assert [r.status for r in _wakeup_rows(hotel)] == ["cancelled"]
    assert "Anna Miller" not in client.get("/hotel").text
    again = client.post(f"/hotel/stays/{stay_id}/checkout", data={"csrf": client.csrf("/hotel")})
    assert again.status_code == 409


def test_the_rooms_are_listed_with_their_guests(hotel):
    page = hotel.client("oscar").get("/hotel/rooms").text
    assert "A-1203" in page and "6801" in page and "欧阳娜娜 / Nana Ouyang" in page
    assert "空房" in page  # 0803 has nobody


def test_the_stays_export_is_previewed_before_it_is_applied(hotel):
    client = hotel.client("ada")
    text = stays_csv_text(dnd_0801="yes", with_0902=False)
    preview = client.post("/hotel/stays-import", data={"csrf": client.csrf("/hotel/stays-import"), "csv_text": text})
    assert preview.status_code == 200
    assert "Jean-Luc Lefèvre" in preview.text and "not in the export" in preview.text
    assert "do_not_disturb" in preview.text
    assert not _stay(hotel, "0801").do_not_disturb  # nothing stored yet
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', preview.text).group(1)
    applied = client.post("/hotel/stays-import/confirm", data={"csrf": client.csrf("/hotel/stays-import"),
                                                               "csv_text": text, "digest": digest})
    assert applied.status_code == 303 and applied.headers["Location"] == "/hotel/stays-import?done=0+1+1"
    assert _stay(hotel, "0801").do_not_disturb
    with hotel.database.session() as session:
        assert session.execute(select(StayRow.status).where(StayRow.room == "0902")).scalar_one() == "checked_out"
        [entry] = audit.entries(session, action="stays.import")
    assert entry.username == "ada" and "checked out 1" in entry.detail


def test_a_stale_or_wrong_stays_export_changes_nothing(hotel):
    client = hotel.client("ada")
    token = client.csrf("/hotel/stays-import")
    text = stays_csv_text(dnd_0801="yes")
    stale = client.post("/hotel/stays-import/confirm", data={"csrf": token, "csv_text": text, "digest": "0" * 64})
    assert stale.status_code == 409 and not _stay(hotel, "0801").do_not_disturb
    wrong = client.post("/hotel/stays-import", data={"csrf": token, "csv_text": text.replace("0812", "0999")})
    assert wrong.status_code == 422 and "no room 0999" in wrong.text


# ---------------------------------------------------------------------------------- wake-up calls


def test_the_operator_books_a_wake_up_call_sees_it_listed_and_cancels_it(hotel):
    client = hotel.client("oscar")
    booked = client.post("/hotel/wakeups", data={"csrf": client.csrf("/hotel/wakeups"), "room": "801",
                                                 "time": "06:30", "language": "en"})
    assert booked.status_code == 303
    [row] = _wakeup_rows(hotel)
    assert (row.room, row.language, row.status, row.booked_by) == ("0801", "en", "booked", "operator")
    assert row.due_at.astimezone(SHANGHAI).strftime("%H:%M") == "06:30"
    page = client.get("/hotel/wakeups").text
    assert f'id="wakeup-{row.id}"' in page and "06:30" in page and "已预订" in page and "张伟 / Zhang Wei" in page
    cancelled = client.post(f"/hotel/wakeups/{row.id}/cancel", data={"csrf": client.csrf("/hotel/wakeups")})
    assert cancelled.status_code == 303
    assert _wakeup_rows(hotel)[0].status == "cancelled"
    assert "已取消" in client.get("/hotel/wakeups").text
    with hotel.database.session() as session:
        assert [e.action for e in audit.entries(session, username="oscar") if e.action.startswith("wakeup.")] == [
            "wakeup.cancel", "wakeup.book"]


def test_the_operator_sets_the_wake_up_note_checked_as_in_the_organisation_file(hotel):
    client = hotel.client("oscar")
    note_zh, note_en = "今天多云，最高气温十八度。", "Today: cloudy, high of 18 degrees."
    assert 'id="wakeup-note"' in client.get("/hotel/wakeups").text
    saved = client.post("/hotel/wakeups/note", data={"csrf": client.csrf("/hotel/wakeups"), "note_zh": note_zh,
                                                     "note_en": note_en})
    assert saved.status_code == 303 and saved.headers["Location"] == "/hotel/wakeups?done=note"
    page = client.get("/hotel/wakeups?done=note").text
    assert "叫醒附言已保存。" in page and f'value="{note_zh}"' in page and f'value="{note_en}"' in page
    with hotel.database.session() as session:
        stored = load_directory(session)
    assert (wakeups.wakeup_note(stored, "zh"), wakeups.wakeup_note(stored, "en")) == (note_zh, note_en)

    for bad, why in (("Questions? Call 8801.", "spells a number guests may not be told"),
                     ("Sunny. " * 14, "is 97 characters long; at most 80")):
        refused = client.post("/hotel/wakeups/note", data={"csrf": client.csrf("/hotel/wakeups"), "note_zh": "",
                                                           "note_en": bad})
        assert refused.status_code == 422 and "policy.wakeup_note.en: " + why in refused.text, why
        assert "未保存：" in refused.text and f'value="{bad.strip()}"' in refused.text  # kept to correct
    with hotel.database.session() as session:
        assert load_directory(session) == stored  # nothing changed

    cleared = client.post("/hotel/wakeups/note", data={"csrf": client.csrf("/hotel/wakeups"), "note_zh": " ",
                                                       "note_en": ""})
    assert cleared.status_code == 303
    with hotel.database.session() as session:
        assert wakeups.wakeup_note(load_directory(session), "zh") is None
        assert [e.action for e in audit.entries(session, username="oscar")].count("wakeup.note") == 2


@pytest.mark.parametrize(("room", "time", "reason"), [
    ("0803", "07:00", "no guest is staying in room 0803"),
    ("0999", "07:00", "no room &#39;0999&#39; on the room list"),
    ("0801", "2020-01-01T07:00", "is not in the future"),
    ("0801", "seven", "a wake-up time is HH:MM"),
    ("0802", "+30 days", "a wake-up time is HH:MM"),
])
def test_a_refused_booking_shows_its_reason_on_the_form(hotel, room, time, reason):
    client = hotel.client("oscar")
    refused = client.post("/hotel/wakeups", data={"csrf": client.csrf("/hotel/wakeups"), "room": room, "time": time})
    assert refused.status_code == 422
    assert reason in refused.text and "未预订" in refused.text
    assert f'value="{room}"' in refused.text  # the form keeps what was typed
    assert _wakeup_rows(hotel) == []


def test_a_booking_after_the_guests_checkout_is_refused(hotel):
    client = hotel.client("oscar")
    leaving = _stay(hotel, "0802").departure + dt.timedelta(days=1)
    refused = client.post("/hotel/wakeups", data={"csrf": client.csrf("/hotel/wakeups"), "room": "0802",
                                                  "time": f"{leaving}T07:00"})
    assert refused.status_code == 422 and "after the guest&#39;s checkout" in refused.text


def test_a_failed_wake_up_is_highlighted_and_its_alert_is_on_the_messages_board(hotel):
    now = dt.datetime.now(dt.timezone.utc)
    due = now + dt.timedelta(minutes=2)
    with hotel.database.session() as session:
        booked = wakeups.book(session, "0812", due, now=now, zone=SHANGHAI)
    for attempt in range(3):
        moment = due + dt.timedelta(minutes=6 * attempt, seconds=1)  # retries 5 min after a result
        with hotel.database.session() as session:
            [claim] = wakeups.claim_due(session, moment, 10, "test")
        with hotel.database.session() as session:
            wakeups.record_result(session, claim, DialResult.NO_ANSWER, now=moment + dt.timedelta(seconds=30))
    [row] = _wakeup_rows(hotel)
    assert row.status == WakeupStatus.FAILED.value and row.alert_message
    client = hotel.client("oscar")
    page = client.get("/hotel/wakeups").text
    assert re.search(rf'<tr id="wakeup-{booked.id}" class="overdue failed', page)
    assert "无人应答" in page and "已通知前台" in page and f'href="/messages#message-{row.alert_message}"' in page
    assert "<td>3</td>" in page  # attempts
    board = client.get("/messages").text
    assert f'id="message-{row.alert_message}"' in board
    assert "叫醒服务无人应答：0812 房间" in board and "紧急" in board
    with hotel.database.session() as session:
        alert = messages.get_message(session, row.alert_message)
    assert alert.urgent and alert.recipient == "front-desk"  # the hotel's general mailbox


# ---------------------------------------------------------------------------------- who may


def test_the_hotel_pages_are_404_for_a_company(console):
    client = console.client("ada")
    for path in [*HOTEL_PAGES, "/hotel/wakeups/1/cancel"]:
        assert client.get(path).status_code in (404, 405), path
    token = client.csrf()
    assert client.post("/hotel/wakeups", data={"csrf": token, "room": "0801", "time": "07:00"}).status_code == 404
    assert client.post("/hotel/wakeups/note", data={"csrf": token, "note_en": "Sunny."}).status_code == 404
    assert client.post("/hotel/stays/1", data={"csrf": token, "departure": "2030-01-01"}).status_code == 404
    assert client.get("/hotel").status_code == 404
    assert 'href="/hotel"' not in client.get("/").text


def test_signed_out_users_are_sent_to_sign_in_and_operators_cannot_import_stays(hotel):
    anonymous = hotel.client()
    for path in HOTEL_PAGES:
        response = anonymous.get(path)
        assert response.status_code == 303 and response.headers["Location"].startswith("/signin"), path
    assert anonymous.post("/hotel/wakeups", data={"room": "0801", "time": "07:00"}).status_code == 303
    operator = hotel.client("oscar")
    for path in ("/hotel", "/hotel/rooms", "/hotel/wakeups", f"/hotel/stays/{_stay_id(hotel, '0801')}"):
        assert operator.get(path).status_code == 200, path
    assert operator.get("/hotel/stays-import").status_code == 403
    assert "/hotel/stays-import" not in operator.get("/hotel").text
    token = operator.csrf("/hotel")
    refused = operator.post("/hotel/stays-import/confirm", data={"csrf": token, "csv_text": stays_csv_text(),
                                                                 "digest": "0" * 64})
    assert refused.status_code == 403
    assert hotel.client("sam").get("/hotel/stays-import").status_code == 403
    assert hotel.client("ada").get("/hotel/stays-import").status_code == 200
    assert _wakeup_rows(hotel) == []


def test_changes_without_the_sessions_csrf_token_are_refused(hotel):
    client = hotel.client("oscar")
    stay = _stay(hotel, "0801")
    form = _stay_form(stay, do_not_disturb=True)
    assert client.post(f"/hotel/stays/{stay.id}", data=form).status_code == 403
    assert client.post(f"/hotel/stays/{stay.id}", data={**form, "csrf": "forged"}).status_code == 403
    assert client.post(f"/hotel/stays/{stay.id}/checkout", data={}).status_code == 403
    assert client.post("/hotel/wakeups", data={"room": "0801", "time": "07:00"}).status_code == 403
    assert client.post("/hotel/wakeups/note", data={"note_en": "Sunny."}).status_code == 403
    other = hotel.client("ada").csrf("/hotel")  # a real token, another session's
    assert client.post("/hotel/wakeups", data={"csrf": other, "room": "0801", "time": "07:00"}).status_code == 403
    token = client.csrf("/hotel")
    assert client.post("/hotel/wakeups", data={"csrf": token, "room": "0801", "time": "07:00"},
                       headers={"Origin": "https://evil.example"}).status_code == 403
    assert not _stay(hotel, "0801").do_not_disturb and _stay(hotel, "0801").status == "active"
    assert _wakeup_rows(hotel) == []


def test_no_hotel_page_shows_a_staff_mobile(hotel, hotel_directory):
    client = hotel.client("ada")
    client.post("/hotel/wakeups", data={"csrf": client.csrf("/hotel/wakeups"), "room": "0801", "time": "07:00"})
    mobiles = [p.mobile for p in hotel_directory.people if p.mobile]
    assert mobiles
    for lang in ("zh", "en"):
        client.get(f"/lang/{lang}?next=/")
        for path in [*HOTEL_PAGES, "/hotel?q=zhang", "/messages"]:
            page = client.get(path)
            assert page.status_code == 200, path
            assert [m for m in mobiles if leaks(page.text, m)] == [], path


def test_the_hotel_pages_speak_english_too(hotel):
    client = hotel.client("oscar")
    client.get("/lang/en?next=/hotel")
    page = client.get("/hotel").text
    assert "Guests in house" in page and "在住客人" not in page
    wakeups_page = client.get("/hotel/wakeups").text
    assert "Book a wake-up call" in wakeups_page and ">English<" in wakeups_page


# ---------------------------------------------------------------------------------- in a browser


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_an_operator_books_a_wake_up_call_through_the_form_in_chromium(hotel_directory, tmp_path):
    playwright_api = pytest.importorskip("playwright.sync_api")
    from test_console_browser import ARGS, VIEWPORT

    running, server = start_hotel(f"sqlite:///{tmp_path / 'receptionist.db'}", hotel_directory, tmp_path)
    try:
        with playwright_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = chromium.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
            page.goto(running.url + "/signin")
            page.fill("input[name=username]", "oscar")
            page.fill("input[name=password]", PASSWORDS["oscar"])
            page.click("button.primary")
            page.wait_for_url(running.url + "/")
            page.click("nav a[href='/hotel']")
            page.wait_for_url(running.url + "/hotel")
            page.click(f"#stay-{_stay_id(running, '0812')} a[href^='/hotel/wakeups']")
            page.wait_for_url(re.compile(r".*/hotel/wakeups\?room=0812$"))
            assert page.input_value("#book-wakeup input[name=room]") == "0812"
            page.fill("#book-wakeup input[name=time]", "06:45")
            page.select_option("#book-wakeup select[name=language]", "en")
            page.click("#book-wakeup button.primary")
            page.wait_for_url(re.compile(r".*/hotel/wakeups\?done=booked#wakeup-\d+$"))
            row = page.locator("table.wakeups tbody tr").first
            assert "0812" in row.inner_text() and "06:45" in row.inner_text()
            page.fill("#book-wakeup input[name=room]", "0803")
            page.fill("#book-wakeup input[name=time]", "06:45")
            page.click("#book-wakeup button.primary")
            assert "no guest is staying in room 0803" in page.locator(".alert.error").inner_text()
            chromium.close()
    finally:
        server.stop()
        running.database.close()
    [booked] = _wakeup_rows(running)
    assert (booked.room, booked.language, booked.booked_by) == ("0812", "en", "operator")
