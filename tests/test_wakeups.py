"""Wake-up calls (#11, part 3) in a real database: booking and its refusals, claiming each due booking
exactly once (two claimers at once, a lease that expires, a clean release), retries and the front
desk's alert, a guest who checked out, the message's words, the CLI. Every test taking `database`
runs on SQLite and on PostgreSQL. The gateway's part (real SIP calls) is in tests/voice/test_wakeups.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from test_messages import run_receptionist

from bot.db.engine import open_database
from bot.hotel import stays, stays_csv, wakeups
from bot.hotel.csvfile import read_csv
from bot.hotel.wakeups import BookingError, DialResult, WakeupStatus
from bot.org.model import WakeupNote
from bot.org.orgfile import OrgFileError, parse_org_file
from bot.org.store import load_directory, replace_directory
from bot.records import messages

HOTEL = Path(__file__).resolve().parent.parent / "bot" / "hotel"
DEMO_HOTEL = HOTEL.parent / "org" / "demo_hotel.yml"
NOTE_ZH, NOTE_EN = "今天多云，最高气温十八度。", "Today: cloudy, high of 18 degrees."
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 12, 4, 22, 0, tzinfo=SHANGHAI)
"""The evening: 0801 (张伟, zh), 0802 (Anna Miller, en, leaves on the 5th), 0902 (Lefèvre, fr) are in house."""
SEVEN = dt.datetime(2026, 12, 5, 7, 0, tzinfo=SHANGHAI)


def import_demo_hotel(database, directory=None, now: dt.datetime = T0) -> None:
    """The demo organisation (its general mailbox takes the alerts) and the demo hotel's rooms and stays."""
    with database.session() as session:
        if directory is not None:
            replace_directory(session, directory)
        stays_csv.import_rooms(session, read_csv(HOTEL / "demo_rooms.csv", stays_csv.ROOM_COLUMNS,
                                                 stays_csv.ROOM_REQUIRED))
    with database.session() as session:
        stays_csv.import_stays(session, read_csv(HOTEL / "demo_stays.csv", stays_csv.STAY_COLUMNS,
                                                 stays_csv.STAY_REQUIRED), now=now, zone=SHANGHAI)


@pytest.fixture
def hotel(database, demo_directory):
    import_demo_hotel(database, demo_directory)
    return database


def _book(database, room: str = "0801", due: dt.datetime = SEVEN, now: dt.datetime = T0, **options):
    with database.session() as session:
        return wakeups.book(session, room, due, now=now, zone=SHANGHAI, **options)


def _claim(database, now: dt.datetime, limit: int = 100, holder: str = "test", lease_s: float = 180.0):
    with database.session() as session:
        return wakeups.claim_due(session, now, limit, holder, lease_s)


def _record(database, claim, result, now, **options):
    with database.session() as session:
        return wakeups.record_result(session, claim, result, now, **options)


# ---------------------------------------------------------------------------------- booking


def test_a_booking_is_for_the_guest_in_the_room_in_their_language(hotel):
    zhang = _book(hotel, "0801")
    anna = _book(hotel, "0802", due=SEVEN + dt.timedelta(minutes=30))
    lefevre = _book(hotel, "0902")
    asked = _book(hotel, "0812", language="en")

    assert (zhang.room, zhang.status, zhang.attempts, zhang.language) == ("0801", WakeupStatus.BOOKED, 0, "zh")
    assert zhang.due_at == SEVEN and zhang.next_attempt_at == SEVEN and zhang.booked_by == "operator"
    assert anna.language == "en" and lefevre.language == "en" and asked.language == "en"
    with hotel.session() as session:
        assert zhang.stay_id == stays.active_stay(session, "0801", T0, SHANGHAI).id
        assert [w.room for w in wakeups.list_wakeups(session)] == ["0801", "0902", "0812", "0802"]


def test_booking_the_same_room_and_time_again_returns_the_booking_already_there(hotel):
    first = _book(hotel, "0801", booked_by="guest", conversation="sip-1")
    again = _book(hotel, "801", booked_by="guest", conversation="sip-1")
    assert again.id == first.id
    with hotel.session() as session:
        assert len(wakeups.list_wakeups(session, include_finished=True)) == 1


@pytest.mark.parametrize(("room", "due", "why"), [
    ("0999", SEVEN, "no room '0999'"),
    ("0803", SEVEN, "no guest is staying in room 0803"),
    ("0801", T0 - dt.timedelta(minutes=1), "is not in the future"),
    ("0802", dt.datetime(2026, 12, 5, 13, 0, tzinfo=SHANGHAI), "after the guest's checkout (2026-12-05 12:00)"),
])
def test_a_booking_that_cannot_be_kept_is_refused_saying_why(hotel, room, due, why):
    with pytest.raises(BookingError, match=why.replace("(", r"\(").replace(")", r"\)")):
        _book(hotel, room, due)
    with pytest.raises(BookingError, match="not 'fr'"):
        _book(hotel, "0801", language="fr")
    with hotel.session() as session:
        assert wakeups.list_wakeups(session, include_finished=True) == []


def test_a_time_of_day_is_the_next_such_time_in_the_hotels_zone():
    assert wakeups.parse_due("07:00", T0, SHANGHAI) == SEVEN
    assert wakeups.parse_due("23:15", T0, SHANGHAI) == dt.datetime(2026, 12, 4, 23, 15, tzinfo=SHANGHAI)
    assert wakeups.parse_due("6：30", T0, SHANGHAI) == dt.datetime(2026, 12, 5, 6, 30, tzinfo=SHANGHAI)
    assert wakeups.parse_due("2026-12-05T06:45", T0, SHANGHAI) == dt.datetime(2026, 12, 5, 6, 45, tzinfo=SHANGHAI)
    assert wakeups.parse_due("2026-12-04T23:00Z", T0, SHANGHAI) == dt.datetime(2026, 12, 4, 23, 0, tzinfo=dt.timezone.utc)
    with pytest.raises(BookingError, match="HH:MM"):
        wakeups.parse_due("seven", T0, SHANGHAI)


def test_the_wakeup_message_says_the_time_in_the_guests_language():
    assert wakeups.wakeup_message(dt.time(7, 0), "zh") == "早上好，现在是七点整，这是您的叫醒服务。"
    assert wakeups.wakeup_message(dt.time(7, 0), "en") == "Good morning, it is seven o'clock. This is your wake-up call."
    assert wakeups.wakeup_message(dt.time(6, 30), "zh") == "早上好，现在是六点半，这是您的叫醒服务。"
    assert wakeups.wakeup_message(dt.time(6, 5), "zh").startswith("早上好，现在是六点零五分")
    assert wakeups.wakeup_message(dt.time(14, 45), "zh") == "下午好，现在是两点四十五分，这是您的叫醒服务。"
    assert wakeups.wakeup_message(dt.time(6, 5), "en").startswith("Good morning, it is six oh five.")
    assert wakeups.wakeup_message(dt.time(19, 42), "en").startswith("Good evening, it is seven forty-two.")
    assert wakeups.wakeup_message(dt.time(7, 0), "en", "Today: sunny, 12 degrees.").endswith(
        "wake-up call. Today: sunny, 12 degrees.")


def hotel_with_note(zh: str = NOTE_ZH, en: str = NOTE_EN):
    """The demo hotel's organisation with a wake-up note (as `policy.wakeup_note` gives it)."""
    directory = parse_org_file(DEMO_HOTEL)
    return dataclasses.replace(directory, policy=dataclasses.replace(directory.policy,
                                                                     wakeup_note=WakeupNote(zh=zh, en=en)))


def test_the_hotels_wakeup_note_ends_the_message_in_the_guests_language():
    directory = hotel_with_note(en="")
    zh = wakeups.wakeup_message(dt.time(7, 0), "zh", wakeups.wakeup_note(directory, "zh"))
    en = wakeups.wakeup_message(dt.time(7, 0), "en", wakeups.wakeup_note(directory, "en"))
    assert zh == "早上好，现在是七点整，这是您的叫醒服务。今天多云，最高气温十八度。"
    assert en == "Good morning, it is seven o'clock. This is your wake-up call."  # no English note: nothing added
    assert wakeups.wakeup_note(parse_org_file(DEMO_HOTEL), "zh") is None
    assert wakeups.wakeup_note(directory, "fr") is None


def test_a_wakeup_note_is_scrubbed_before_a_guest_hears_it():
    """The stored note was checked, but what is said goes through the privacy scrub all the same."""
    leaky = hotel_with_note(zh="总经理手机 139 0571 0001。", en="The manager is on 8801.")
    assert "0001" not in wakeups.wakeup_note(leaky, "zh") and "***" in wakeups.wakeup_note(leaky, "zh")
    assert wakeups.wakeup_note(leaky, "en") == "The manager is on ***."


def test_the_wakeup_note_is_set_checked_and_cleared_in_the_stored_organisation(database):
    with database.session() as session:
        replace_directory(session, parse_org_file(DEMO_HOTEL))
    with database.session() as session:
        before, after = wakeups.set_wakeup_note(session, {"zh": f"  {NOTE_ZH} ", "en": NOTE_EN})
    assert before == WakeupNote() and after == WakeupNote(zh=NOTE_ZH, en=NOTE_EN)
    with database.session() as session:
        stored = load_directory(session)
    assert stored.policy.wakeup_note == after and stored.version == 2
    assert wakeups.wakeup_message(dt.time(6, 30), "en", wakeups.wakeup_note(stored, "en")) == (
        "Good morning, it is six thirty. This is your wake-up call. Today: cloudy, high of 18 degrees.")

    for bad, path in (({"en": "x" * 81}, "policy.wakeup_note.en"), ({"zh": "请拨 8801"}, "policy.wakeup_note.zh"),
                      ({"en": "Sunny.\nWindy."}, "policy.wakeup_note.en"), ({"fr": "Soleil."}, "policy.wakeup_note.fr")):
        with pytest.raises(OrgFileError) as caught, database.session() as session:
            wakeups.set_wakeup_note(session, {"zh": "", **bad})
        assert [p.path for p in caught.value.problems] == [path], bad
    with database.session() as session:
        assert load_directory(session) == stored  # nothing changed, not even the version
        assert wakeups.set_wakeup_note(session, {"zh": NOTE_ZH, "en": NOTE_EN})[1] == after
    with database.session() as session:
        assert load_directory(session).version == 2  # the same note again: nothing stored
        assert wakeups.set_wakeup_note(session, {"zh": "", "en": " "})[1] == WakeupNote()
    with database.session() as session:
        cleared = load_directory(session)
    assert cleared.policy.wakeup_note == WakeupNote() and cleared.version == 3
    assert dataclasses.replace(cleared, version=0) == parse_org_file(DEMO_HOTEL)  # the rest as it was


def test_only_a_hotel_has_a_wakeup_note(database, demo_directory):
    with database.session() as session:
        replace_directory(session, demo_directory)
    with pytest.raises(OrgFileError, match=r"policy\.wakeup_note: is for a hotel only"), database.session() as session:
        wakeups.set_wakeup_note(session, {"en": NOTE_EN})
    with database.session() as session:
        assert dataclasses.replace(load_directory(session), version=0) == demo_directory


# ---------------------------------------------------------------------------------- claiming


def test_a_due_booking_is_claimed_once_until_its_lease_expires(hotel):
    booked = _book(hotel)
    assert _claim(hotel, SEVEN - dt.timedelta(seconds=1)) == []

    [claim] = _claim(hotel, SEVEN, holder="gateway-a")
    assert (claim.id, claim.room, claim.extension, claim.language, claim.attempt) == (booked.id, "0801", "6801", "zh", 1)
    assert _claim(hotel, SEVEN + dt.timedelta(seconds=179), holder="gateway-b") == []
    with hotel.session() as session:
        assert wakeups.get_wakeup(session, booked.id).status is WakeupStatus.DIALLING

    # gateway-a died mid-dial: once its lease has expired the booking is taken again, and a-'s late result is refused
    [again] = _claim(hotel, SEVEN + dt.timedelta(seconds=180), holder="gateway-b")
    assert again.id == booked.id and again.lease != claim.lease
    assert _record(hotel, claim, DialResult.ANSWERED, SEVEN + dt.timedelta(seconds=181)) is None
    done = _record(hotel, again, DialResult.ANSWERED, SEVEN + dt.timedelta(seconds=200), seconds=9.5)
    assert (done.status, done.attempts, done.last_result) == (WakeupStatus.ANSWERED, 1, "answered")
    assert done.history[0]["seconds"] == 9.5
    assert _claim(hotel, SEVEN + dt.timedelta(hours=1)) == []


def test_a_released_claim_is_due_again_at_once_and_its_attempt_not_counted(hotel):
    booked = _book(hotel)
    [claim] = _claim(hotel, SEVEN)
    with hotel.session() as session:
        assert wakeups.release(session, claim, SEVEN)
    [again] = _claim(hotel, SEVEN + dt.timedelta(seconds=1))
    assert again.id == booked.id and again.attempt == 1


def test_two_claimers_at_once_take_every_due_booking_exactly_once(hotel, db_url):
    for n in range(60):
        _book(hotel, ("0801", "0802", "0812", "0902", "0901")[n % 5], due=SEVEN + dt.timedelta(seconds=n))
    taken: list[list[int]] = [[], [], [], []]
    start = threading.Barrier(4)

    def claimer(slot: int) -> None:
        database = open_database(db_url, upgrade=False)
        with database.session() as session:  # connected before the start, so all four start together
            session.execute(select(1))
        start.wait()
        try:
            for _ in range(40):
                claimed = [c.id for c in _claim(database, SEVEN + dt.timedelta(minutes=1), limit=2,
                                                holder=f"dialler-{slot}")]
                assert len(claimed) <= 2
                taken[slot] += claimed
                time.sleep(0.01)  # dialling what it took
        finally:
            database.close()

    threads = [threading.Thread(target=claimer, args=(slot,)) for slot in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    everything = sorted(i for ids in taken for i in ids)
    assert everything == sorted(set(everything)) and len(everything) == 60
    assert sum(bool(ids) for ids in taken) >= 2, "one claimer took everything: the race was not exercised"


# ---------------------------------------------------------------------------------- results


def test_no_answer_is_retried_twice_five_minutes_apart_then_the_front_desk_is_alerted(hotel):
    booked = _book(hotel, "0812")
    moment = SEVEN
    results = [DialResult.NO_ANSWER, DialResult.BUSY, DialResult.NO_ANSWER]
    for n, result in enumerate(results, start=1):
        [claim] = _claim(hotel, moment)
        assert claim.attempt == n
        after = _record(hotel, claim, result, moment + dt.timedelta(seconds=45))
        if n < 3:
            assert (after.status, after.attempts) == (WakeupStatus.RETRY, n)
            assert after.next_attempt_at == moment + dt.timedelta(seconds=45) + wakeups.RETRY_DELAY
            assert _claim(hotel, after.next_attempt_at - dt.timedelta(seconds=1)) == []
            moment = after.next_attempt_at
    assert (after.status, after.attempts, after.last_result) == (WakeupStatus.FAILED, 3, "no_answer")
    assert [h["result"] for h in after.history] == ["no_answer", "busy", "no_answer"]
    with hotel.session() as session:
        alert = messages.get_message(session, after.alert_message)
        assert alert is not None and alert.recipient == "admin"  # the demo organisation's general mailbox
        assert alert.urgent and alert.status.value == "new" and alert.callback_number == "6812"
        assert "0812" in alert.text and "欧阳娜娜" in alert.text and "07:00" in alert.text
        assert "called 3 times with no answer" in alert.text
        assert [m.id for m in messages.pending_delivery(session)] == [alert.id]  # the sweep e-mails it
    assert _claim(hotel, moment + dt.timedelta(hours=1)) == []
    assert booked.id == after.id


def test_a_guest_who_has_checked_out_is_not_called_nor_is_the_next_guest(hotel):
    booked = _book(hotel, "0802", due=dt.datetime(2026, 12, 5, 7, 0, tzinfo=SHANGHAI))
    with hotel.session() as session:
        stays.check_out(session, booked.stay_id, SEVEN - dt.timedelta(hours=1))
    assert _claim(hotel, SEVEN) == []
    with hotel.session() as session:
        after = wakeups.get_wakeup(session, booked.id)
    assert (after.status, after.last_result, after.attempts) == (WakeupStatus.CANCELLED, "checked_out", 0)


def test_the_front_desk_list_is_the_days_bookings_and_every_one_not_finished(hotel):
    late = _book(hotel, "0812", due=dt.datetime(2026, 12, 4, 23, 0, tzinfo=SHANGHAI))
    seven, half_past = _book(hotel, "0801"), _book(hotel, "0802", due=SEVEN + dt.timedelta(minutes=30))
    [ringing] = _claim(hotel, late.due_at, lease_s=86400.0)          # still ringing the next morning
    [answered] = _claim(hotel, SEVEN)
    _record(hotel, answered, DialResult.ANSWERED, SEVEN)
    with hotel.session() as session:
        wakeups.cancel(session, half_past.id, SEVEN)
    with hotel.session() as session:
        that_morning = wakeups.today_and_upcoming(session, SEVEN + dt.timedelta(hours=1), SHANGHAI)
        next_morning = wakeups.today_and_upcoming(session, SEVEN + dt.timedelta(days=1), SHANGHAI)
    assert ringing.id == late.id and answered.id == seven.id
    assert [(w.id, w.status) for w in that_morning] == [(late.id, WakeupStatus.DIALLING),
                                                        (seven.id, WakeupStatus.ANSWERED),
                                                        (half_past.id, WakeupStatus.CANCELLED)]
    assert [w.id for w in next_morning] == [late.id]                  # yesterday's finished ones are gone


def test_checking_a_guest_out_by_hand_cancels_their_bookings_still_to_come(hotel):
    answered, tomorrow = _book(hotel, "0801"), _book(hotel, "0801", due=SEVEN + dt.timedelta(days=1))
    neighbour = _book(hotel, "0802")
    [claim, _] = _claim(hotel, SEVEN, limit=2)
    _record(hotel, claim, DialResult.ANSWERED, SEVEN)
    with hotel.session() as session:
        assert wakeups.cancel_for_stay(session, answered.stay_id, SEVEN) == [tomorrow.id]
        assert wakeups.cancel_for_stay(session, answered.stay_id, SEVEN) == []
        status = {w.id: w.status for w in wakeups.list_wakeups(session, include_finished=True)}
    assert status == {answered.id: WakeupStatus.ANSWERED, tomorrow.id: WakeupStatus.CANCELLED,
                      neighbour.id: WakeupStatus.DIALLING}


def test_a_cancelled_booking_is_not_called_and_a_ringing_one_keeps_no_result(hotel):
    first = _book(hotel, "0801")
    second = _book(hotel, "0802")
    with hotel.session() as session:
        assert wakeups.cancel(session, first.id, T0).status is WakeupStatus.CANCELLED
        assert wakeups.cancel(session, first.id, T0).status is WakeupStatus.CANCELLED  # twice: a no-op
    [claim] = _claim(hotel, SEVEN)
    assert claim.id == second.id
    with hotel.session() as session:
        wakeups.cancel(session, second.id, SEVEN)
    assert _record(hotel, claim, DialResult.ANSWERED, SEVEN) is None
    with hotel.session() as session:
        assert wakeups.get_wakeup(session, second.id).status is WakeupStatus.CANCELLED
        assert wakeups.list_wakeups(session) == []
        assert len(wakeups.list_wakeups(session, include_finished=True)) == 2
        with pytest.raises(wakeups.UnknownWakeup):
            wakeups.cancel(session, 999)


# ---------------------------------------------------------------------------------- CLI


def test_the_cli_books_lists_and_cancels(sqlite_url, tmp_path, demo_directory):
    database = open_database(sqlite_url)
    import_demo_hotel(database, demo_directory)
    database.close()
    at = ["--at", "2026-12-04T22:00"]

    added = run_receptionist(["wakeups", "add", "0801", "07:00", *at, "--json"], sqlite_url, tmp_path)
    english = run_receptionist(["wakeups", "add", "A-1203", "06:30", "--language", "en", *at], sqlite_url, tmp_path)
    refused = run_receptionist(["wakeups", "add", "0803", "07:00", *at], sqlite_url, tmp_path)
    listed = run_receptionist(["wakeups", "list", "--json"], sqlite_url, tmp_path)
    table = run_receptionist(["wakeups", "list"], sqlite_url, tmp_path)

    assert added.returncode == 0, added.stderr
    booking = json.loads(added.stdout)
    assert (booking["room"], booking["due_local"], booking["language"], booking["booked_by"]) == (
        "0801", "2026-12-05 07:00", "zh", "cli")
    assert english.returncode == 0 and "A-1203 at 2026-12-05 06:30 (en)" in english.stdout
    assert refused.returncode == 2 and "no guest is staying in room 0803" in refused.stderr
    assert [(w["room"], w["status"]) for w in json.loads(listed.stdout)] == [("A-1203", "booked"), ("0801", "booked")]
    assert "0801" in table.stdout and "2026-12-05 07:00" in table.stdout

    cancelled = run_receptionist(["wakeups", "cancel", str(booking["id"])], sqlite_url, tmp_path)
    assert cancelled.returncode == 0 and "cancelled" in cancelled.stdout
    pending = json.loads(run_receptionist(["wakeups", "list", "--json"], sqlite_url, tmp_path).stdout)
    everything = json.loads(run_receptionist(["wakeups", "list", "--json", "--all"], sqlite_url, tmp_path).stdout)
    assert [w["room"] for w in pending] == ["A-1203"]
    assert {w["status"] for w in everything} == {"booked", "cancelled"}
