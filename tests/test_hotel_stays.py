"""A hotel's rooms and stays (#11, part 1) in a real database: the PMS export's import, its dry
run and its mistakes, finding guests by room, extension and name, automatic checkout, the CLI
and the migration. Every test taking `database` runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import inspect
from test_messages import run_receptionist

from bot.db.engine import alembic_config, make_engine, migrate, open_database
from bot.hotel import checkout, rooms, stays, stays_csv
from bot.hotel.csvfile import read_csv
from bot.hotel.stays import StayError, StayStatus
from bot.org.orgfile import OrgFileError
from bot.org.store import replace_directory

HOTEL = Path(__file__).resolve().parent.parent / "bot" / "hotel"
DEMO_ROOMS = HOTEL / "demo_rooms.csv"
DEMO_STAYS = HOTEL / "demo_stays.csv"
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
STAY_HEADER = ["room", "guest_name_zh", "guest_name_latin", "arrival", "departure", "vip", "dnd", "no_calls",
               "language"]


def _write(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _demo_stay_rows() -> list[list[str]]:
    with DEMO_STAYS.open(encoding="utf-8") as f:
        return list(csv.reader(f))[1:]


def _import_rooms(database, path: Path = DEMO_ROOMS, **options) -> stays_csv.RoomsImport:
    table = read_csv(path, stays_csv.ROOM_COLUMNS, stays_csv.ROOM_REQUIRED)
    with database.session() as session:
        return stays_csv.import_rooms(session, table, **options)


def _import_stays(database, path: Path = DEMO_STAYS, now: dt.datetime = T0, **options) -> stays_csv.StaysImport:
    table = read_csv(path, stays_csv.STAY_COLUMNS, stays_csv.STAY_REQUIRED)
    with database.session() as session:
        return stays_csv.import_stays(session, table, now=now, zone=SHANGHAI, **options)


def _snapshot(database) -> tuple[list, list]:
    with database.session() as session:
        return rooms.list_rooms(session), stays.list_stays(session)


@pytest.fixture
def hotel(database):
    """The demo hotel's rooms and stays, imported at T0 (2026-12-04 10:00 in Shanghai)."""
    _import_rooms(database)
    _import_stays(database)
    return database


# ---------------------------------------------------------------------------------- import


def test_the_demo_export_is_imported_and_importing_it_again_changes_nothing(database):
    rooms_report = _import_rooms(database)
    stays_report = _import_stays(database)
    first = _snapshot(database)
    again_rooms = _import_rooms(database)
    again_stays = _import_stays(database, now=T0 + dt.timedelta(hours=1))

    assert (len(rooms_report.added), rooms_report.unchanged) == (10, 0)
    assert [c.room for c in stays_report.added] == ["0801", "0802", "0812", "0901", "0902", "A-1203", "A-1201"]
    assert (again_rooms.added, again_rooms.changed, again_rooms.removed, again_rooms.unchanged) == ([], [], [], 10)
    assert (again_stays.added, again_stays.changed, again_stays.checked_out) == ([], [], [])
    assert again_stays.unchanged == 7
    assert _snapshot(database) == first
    room_list, stay_list = first
    by_room = {s.room: s for s in stay_list}
    assert next(r for r in room_list if r.number == "A-1203").to_json() == {"number": "A-1203", "extension": "7203",
                                                                           "floor": "12"}
    assert by_room["0812"].vip and by_room["0901"].do_not_disturb and by_room["0902"].no_calls
    assert by_room["0902"].guest_name_latin == "Jean-Luc Lefèvre" and by_room["0902"].language == "fr"
    assert by_room["0801"].arrival == dt.date(2026, 12, 2) and by_room["0801"].departure == dt.date(2026, 12, 6)
    assert all(s.status is StayStatus.ACTIVE for s in stay_list)


def test_a_dry_run_reports_added_changed_and_checked_out_and_stores_nothing(hotel, tmp_path):
    rows = [r for r in _demo_stay_rows() if r[0] != "0802"]             # Anna Miller left early
    next(r for r in rows if r[0] == "0801")[4] = "2026-12-09"           # Zhang Wei stays longer
    next(r for r in rows if r[0] == "0812")[7] = "yes"                  # Ouyang Nana: no calls now
    rows.append(["0915", "陈静", "", "2026-12-04", "2026-12-06", "", "", "", ""])
    path = _write(tmp_path / "stays.csv", STAY_HEADER, rows)
    before = _snapshot(hotel)
    dry = _import_stays(hotel, path, now=T0 + dt.timedelta(hours=2), dry_run=True)
    assert _snapshot(hotel) == before
    stored = _import_stays(hotel, path, now=T0 + dt.timedelta(hours=2))

    assert dry == stored
    assert [(c.room, c.guest) for c in dry.added] == [("0915", "陈静")]
    assert [(c.room, c.fields) for c in dry.changed] == [("0801", ("departure",)), ("0812", ("no_calls",))]
    assert [(c.room, c.guest, c.fields) for c in dry.checked_out] == [("0802", "Anna Miller", ("not in the export",))]
    assert dry.unchanged == 4
    summary = "\n".join(dry.summary())
    assert "stays: added 1, changed 2, checked out 1, unchanged 4" in summary
    assert "  ~ 0801 张伟 / Zhang Wei (2026-12-02 → 2026-12-09): departure" in summary
    assert "  - 0802 Anna Miller (2026-12-03 → 2026-12-05): not in the export" in summary
    with hotel.session() as session:
        by_room = {s.room: s for s in stays.list_stays(session)}
    assert by_room["0802"].status is StayStatus.CHECKED_OUT and by_room["0802"].checked_out_at is not None
    assert by_room["0801"].departure == dt.date(2026, 12, 9) and by_room["0812"].no_calls
    assert by_room["0915"].status is StayStatus.ACTIVE and not by_room["0915"].vip


def test_a_column_left_out_keeps_what_was_stored(hotel, tmp_path):
    rows = [[r[0], r[1], r[2], r[3], r[4]] for r in _demo_stay_rows()]
    path = _write(tmp_path / "stays.csv", STAY_HEADER[:5], rows)
    report = _import_stays(hotel, path)
    with hotel.session() as session:
        by_room = {s.room: s for s in stays.list_stays(session)}
    assert report.unchanged == 7
    assert by_room["0812"].vip and by_room["0901"].do_not_disturb and by_room["0902"].no_calls


def test_chinese_headers_and_gb18030_are_read(database, tmp_path):
    _import_rooms(database)
    header = ["房号", "姓名", "英文名", "入住日期", "离店日期", "贵宾", "免打扰", "保密", "语言"]
    rows = [["0801", "张伟", "", "2026/12/2", "2026-12-06 12:00", "是", "否", "", "中文"]]
    report = _import_stays(database, _write(tmp_path / "stays.csv", header, rows, encoding="gb18030"))
    with database.session() as session:
        (stay,) = stays.list_stays(session)
    assert [c.guest for c in report.added] == ["张伟"]
    assert (stay.arrival, stay.departure, stay.vip, stay.language) == (dt.date(2026, 12, 2), dt.date(2026, 12, 6),
                                                                        True, "zh")


def test_a_listed_stay_already_past_its_checkout_is_stored_checked_out_and_an_extension_reopens_it(hotel, tmp_path):
    after_checkout = dt.datetime(2026, 12, 5, 12, 30, tzinfo=SHANGHAI)
    assert [s.room for s in checkout.run_checkout(hotel, after_checkout, zone=SHANGHAI)] == ["0802", "0901"]
    rows = _demo_stay_rows()
    next(r for r in rows if r[0] == "0802")[4] = "2026-12-07"          # Anna Miller extended at the desk
    rows.append(["0803", "", "Early Bird", "2026-12-01", "2026-12-03", "", "", "", ""])
    report = _import_stays(hotel, _write(tmp_path / "stays.csv", STAY_HEADER, rows), now=after_checkout)
    with hotel.session() as session:
        by_room = {s.room: s for s in stays.list_stays(session)}
    assert [(c.room, c.fields) for c in report.added] == [("0803", ("departed",))]
    assert "  + 0803 Early Bird (2026-12-01 → 2026-12-03) (already departed)" in report.summary()
    assert by_room["0803"].status is StayStatus.CHECKED_OUT and by_room["0803"].checked_out_at == after_checkout
    assert [(c.room, c.fields) for c in report.changed] == [("0802", ("departure", "status"))]
    assert report.checked_out == [] and report.unchanged == 6           # 0901 departed and stays out
    assert by_room["0802"].status is StayStatus.ACTIVE and by_room["0802"].checked_out_at is None
    assert by_room["0901"].status is StayStatus.CHECKED_OUT


def test_an_empty_export_is_refused_rather_than_checking_everyone_out(hotel, tmp_path):
    with pytest.raises(OrgFileError, match="no stays: an empty export would check every guest out"):
        _import_stays(hotel, _write(tmp_path / "stays.csv", STAY_HEADER, []))


# ---------------------------------------------------------------------------------- mistakes


def _set(row: int, column: int, value: str):
    def edit(rows: list[list[str]]) -> None:
        rows[row][column] = value
    return edit


@pytest.mark.parametrize(("edit", "expected"), [
    (_set(0, 3, "2026-13-01"), "line 2: column 4 (arrival): '2026-13-01' is not a date (YYYY-MM-DD)"),
    (_set(1, 4, ""), "line 3: column 5 (departure): a date is needed (YYYY-MM-DD)"),
    (_set(2, 4, "2026-11-30"), "line 4: column 5 (departure): the departure 2026-11-30 is not after the arrival "
                               "2026-12-01"),
    (_set(3, 0, "0999"), "line 5: column 1 (room): no room 0999 on the room list"),
    (_set(4, 2, ""), "line 6: column 2 (guest_name_zh): a guest name is needed"),
    (_set(5, 1, "Wang Fang"), "line 7: column 2 (guest_name_zh): 'Wang Fang' has no Chinese characters"),
    (_set(5, 2, "王芳"), "line 7: column 3 (guest_name_latin): '王芳' is not a name in Latin letters"),
    (_set(0, 5, "maybe"), "line 2: column 6 (vip): 'maybe' is neither yes nor no"),
    (_set(0, 6, "2"), "line 2: column 7 (dnd): '2' is neither yes nor no"),
    (_set(0, 7, "?"), "line 2: column 8 (no_calls): '?' is neither yes nor no"),
    (_set(0, 8, "Klingon!"), "line 2: column 9 (language): 'Klingon!' is not a language"),
    (_set(1, 0, "0801"), "line 3: column 4 (arrival): room 0801 is taken from 2026-12-02 to 2026-12-06 at line 2"),
    (lambda rows: rows.append(list(rows[0])), "line 9: column 4 (arrival): room 0801 arriving 2026-12-02 is already "
                                              "at line 2"),
    (lambda rows: rows[0].append("extra"), "line 2: column 10: 10 cells but the header has 9"),
    (_set(0, 1, "张" * 201), "line 2: column 2 (guest_name_zh): too long (201 characters, at most 200)"),
])
def test_each_mistake_names_its_line_and_column_and_nothing_changes(hotel, tmp_path, edit, expected):
    rows = _demo_stay_rows()
    edit(rows)
    before = _snapshot(hotel)
    with pytest.raises(OrgFileError) as caught:
        _import_stays(hotel, _write(tmp_path / "stays.csv", STAY_HEADER, rows), dry_run=False)
    assert expected in str(caught.value)
    assert _snapshot(hotel) == before


def test_all_mistakes_are_reported_at_once(hotel, tmp_path):
    rows = _demo_stay_rows()
    rows[0][3] = "soon"
    rows[6][5] = "perhaps"
    with pytest.raises(OrgFileError) as caught:
        _import_stays(hotel, _write(tmp_path / "stays.csv", STAY_HEADER, rows))
    assert [(p.line, p.path) for p in caught.value.problems] == [(2, "column 4 (arrival)"), (8, "column 6 (vip)")]


@pytest.mark.parametrize(("header", "expected"), [
    (["room", "guest", "arrival", "departure"], "line 1: column 2 ('guest'): unknown column"),
    (["room", "guest_name_zh", "arrival"], "line 1: (header): missing column(s): departure"),
    (["room", "arrival", "departure"], "missing column(s): guest_name_zh or guest_name_latin"),
    (["room", "姓名", "guest_name_zh", "arrival", "departure"], "column 3 ('guest_name_zh'): the column "
                                                                "guest_name_zh is already column 2"),
])
def test_header_mistakes_are_reported_and_change_nothing(hotel, tmp_path, header, expected):
    before = _snapshot(hotel)
    with pytest.raises(OrgFileError) as caught:
        _import_stays(hotel, _write(tmp_path / "stays.csv", header, [["0801"] + ["x"] * (len(header) - 1)]))
    assert expected in str(caught.value)
    assert _snapshot(hotel) == before


def test_untitled_trailing_columns_of_a_spreadsheet_are_ignored(hotel, tmp_path):
    rows = [[*row, "", ""] for row in _demo_stay_rows()]
    report = _import_stays(hotel, _write(tmp_path / "stays.csv", [*STAY_HEADER, "", ""], rows))
    assert report.unchanged == 7


def test_a_file_that_is_not_text_is_refused(tmp_path):
    path = tmp_path / "stays.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\x30\x81")
    with pytest.raises(OrgFileError, match="neither UTF-8 nor GB18030"):
        read_csv(path, stays_csv.STAY_COLUMNS)


# ---------------------------------------------------------------------------------- rooms


def test_the_room_list_reports_added_changed_and_removed_and_rooms_may_swap_extensions(hotel, tmp_path):
    rows = [["0801", "6802", "8"], ["0802", "6801", "8"], ["0803", "6803", "8"], ["0812", "6812", "8"],
            ["0901", "6901", "9"], ["0902", "6902", "9"], ["a-1201", "7201", "12"], ["A-1202", "7202", "12"],
            ["A-1203", "7203", "12"], ["1001", "6001", "10"]]                       # 0915 gone, 1001 new
    path = _write(tmp_path / "rooms.csv", ["room", "extension", "floor"], rows)
    before = _snapshot(hotel)
    dry = _import_rooms(hotel, path, dry_run=True)
    assert _snapshot(hotel) == before
    stored = _import_rooms(hotel, path)
    with hotel.session() as session:
        extensions = {r.number: r.extension for r in rooms.list_rooms(session)}
    assert dry == stored
    assert [c.number for c in stored.added] == ["1001"] and [c.number for c in stored.removed] == ["0915"]
    assert [(c.number, c.fields) for c in stored.changed] == [("0801", ("extension",)), ("0802", ("extension",))]
    assert "rooms: added 1, changed 2, removed 1, unchanged 7" in "\n".join(stored.summary())
    assert (extensions["0801"], extensions["0802"], extensions["A-1201"]) == ("6802", "6801", "7201")


@pytest.mark.parametrize(("rows", "expected"), [
    ([["08 12", "6812", "8"]], "line 2: column 1 (room): '08 12' is not a room number"),
    ([["", "6812", "8"]], "line 2: column 1 (room): a room number is needed"),
    ([["0812", "6812", "8"], ["0812", "6813", "8"]], "line 3: column 1 (room): room 0812 is already at line 2"),
    ([["0812", "68-12", "8"]], "line 2: column 2 (extension): '68-12' is not an extension (digits)"),
    ([["0812", "6812", "8"], ["0813", "6812", "8"]], "line 3: column 2 (extension): extension 6812 is already used "
                                                     "at line 2"),
    ([["0812", "8201", "8"]], "line 2: column 2 (extension): extension 8201 is 刘芳's in the directory"),
    ([["0812", "6812", "第八层楼" * 5]], "line 2: column 3 (floor): too long (20 characters, at most 16)"),
])
def test_room_list_mistakes_name_their_line_and_column_and_change_nothing(hotel, demo_directory, tmp_path, rows,
                                                                          expected):
    before = _snapshot(hotel)
    path = _write(tmp_path / "rooms.csv", ["room", "extension", "floor"], rows)
    with pytest.raises(OrgFileError) as caught:
        _import_rooms(hotel, path, directory=demo_directory)
    assert expected in str(caught.value)
    assert _snapshot(hotel) == before


def test_a_room_with_an_active_stay_cannot_leave_the_list(hotel, tmp_path):
    path = _write(tmp_path / "rooms.csv", ["room"], [["0801"], ["0802"], ["0803"], ["0812"], ["0901"], ["0915"],
                                                     ["A-1201"], ["A-1202"], ["A-1203"]])   # 0902 gone
    before = _snapshot(hotel)
    with pytest.raises(OrgFileError, match=r"room 0902: not on the list but stay \d+ there is active"):
        _import_rooms(hotel, path)
    assert _snapshot(hotel) == before


def test_a_room_is_found_by_its_number_in_any_case_or_without_its_leading_zero_and_by_extension(hotel):
    with hotel.session() as session:
        assert rooms.get_room(session, " a-1203 ").number == "A-1203"
        assert rooms.get_room(session, "812").number == "0812"
        assert rooms.get_room(session, "0999") is None
        assert rooms.room_by_extension(session, "6901").number == "0901"


# ---------------------------------------------------------------------------------- finding guests


@pytest.mark.parametrize(("said", "room", "how"), [
    ("张伟", "0801", "name"),
    ("张玮", "0801", "sound"),             # a recogniser's homophone
    ("zhang wei", "0801", "name"),         # the registered Latin name, any case
    ("Wei ZHANG", "0801", "name"),
    ("Ouyang Nana", "0812", "name"),
    ("nana ouyang", "0812", "name"),
    ("Li Xiaoming", "0901", "pinyin"),     # registered in characters only
    ("xiaoming li", "0901", "pinyin"),
    ("anna MILLER", "0802", "name"),
    ("Miller Anna", "0802", "name"),
    ("jean-luc lefevre", "0902", "name"),  # accents dropped
    ("Mr. Lefèvre", "0902", "part"),
    ("王女士", "A-1203", "part"),
])
def test_guests_are_found_by_name_as_staff_are(hotel, said, room, how):
    with hotel.session() as session:
        found = stays.find_stays_by_name(session, said, T0, zone=SHANGHAI)
    assert [(m.stay.room, m.matched) for m in found][:1] == [(room, how)]


def test_a_name_in_characters_finds_a_guest_registered_in_pinyin_only(database, tmp_path):
    _import_rooms(database)
    rows = [["0803", "", "ZHANG/XIAOMING", "2026-12-03", "2026-12-06", "", "", "", ""]]
    _import_stays(database, _write(tmp_path / "stays.csv", STAY_HEADER, rows))
    with database.session() as session:
        found = stays.find_stays_by_name(session, "张晓明", T0, zone=SHANGHAI)
    assert [(m.stay.room, m.matched, m.score) for m in found] == [("0803", "pinyin", stays.PINYIN_SCORE)]


def test_nobody_is_found_for_a_name_not_staying_nor_for_a_guest_not_yet_arrived_or_gone(hotel):
    with hotel.session() as session:
        assert stays.find_stays_by_name(session, "陈静", T0, zone=SHANGHAI) == []
        assert stays.find_stays_by_name(session, "Kenji Sato", T0, zone=SHANGHAI) == []        # arrives on the 5th
        later = dt.datetime(2026, 12, 5, 15, 0, tzinfo=SHANGHAI)
        assert [m.stay.room for m in stays.find_stays_by_name(session, "Kenji Sato", later, zone=SHANGHAI)] == [
            "A-1201"]
        assert stays.find_stays_by_name(session, "Anna Miller", later, zone=SHANGHAI) == []    # left at 12:00


def test_a_no_calls_guest_is_found_with_the_flag_for_the_layer_that_answers_callers(hotel):
    with hotel.session() as session:
        (match,) = stays.find_stays_by_name(session, "Jean-Luc Lefèvre", T0, zone=SHANGHAI)
    assert match.stay.no_calls


def test_the_guest_of_a_room_and_of_its_extension_and_the_changeover_day(hotel, tmp_path):
    rows = [*_demo_stay_rows(), ["0802", "", "Tom Baker", "2026-12-05", "2026-12-08", "", "", "", "en"]]
    _import_stays(hotel, _write(tmp_path / "stays.csv", STAY_HEADER, rows))
    morning = dt.datetime(2026, 12, 5, 11, 59, tzinfo=SHANGHAI)
    noon = dt.datetime(2026, 12, 5, 12, 0, tzinfo=SHANGHAI)
    with hotel.session() as session:
        assert stays.active_stay(session, "0802", T0, zone=SHANGHAI).guest == "Anna Miller"
        assert stays.active_stay(session, "0802", morning, zone=SHANGHAI).guest == "Anna Miller"
        assert stays.active_stay(session, "0802", noon, zone=SHANGHAI).guest == "Tom Baker"
        assert stays.active_stay(session, "0803", T0, zone=SHANGHAI) is None
        assert stays.stay_by_extension(session, "6812", T0, zone=SHANGHAI).guest == "欧阳娜娜 / Nana Ouyang"
        assert stays.stay_by_extension(session, "6803", T0, zone=SHANGHAI) is None
        assert stays.stay_by_extension(session, "9999", T0, zone=SHANGHAI) is None


# ---------------------------------------------------------------------------------- by hand


def _stay_in(database, room: str) -> stays.StayRecord:
    with database.session() as session:
        found = stays.active_stay(session, room, T0, zone=SHANGHAI)
    assert found is not None
    return found


def test_a_stay_is_changed_by_hand_only_in_the_fields_given(hotel):
    zhang = _stay_in(hotel, "0801")
    with hotel.session() as session:
        first = stays.update_stay(session, zhang.id, {"do_not_disturb": True, "language": " EN ", "vip": False}, T0,
                                  SHANGHAI)
    with hotel.session() as session:
        second = stays.update_stay(session, zhang.id, {"departure": "2026-12-09", "language": ""}, T0, SHANGHAI)
        again = stays.update_stay(session, zhang.id, {"departure": dt.date(2026, 12, 9), "do_not_disturb": True}, T0,
                                  SHANGHAI)
    with hotel.session() as session:
        after = stays.get_stay(session, zhang.id)
        assert stays.get_stay(session, 9999) is None
    assert first == {"do_not_disturb": True, "language": "en"}      # not a VIP already: unchanged
    assert second == {"language": None, "departure": dt.date(2026, 12, 9)} and again == {}
    assert (after.do_not_disturb, after.no_calls, after.vip, after.language) == (True, False, False, None)
    assert (after.arrival, after.departure, after.status) == (zhang.arrival, dt.date(2026, 12, 9), StayStatus.ACTIVE)


def test_a_change_by_hand_that_cannot_be_made_says_every_reason_and_changes_nothing(hotel, tmp_path):
    rows = [*_demo_stay_rows(), ["A-1203", "", "Next Guest", "2026-12-12", "2026-12-14", "", "", "", "en"]]
    _import_stays(hotel, _write(tmp_path / "stays.csv", STAY_HEADER, rows))
    wang = _stay_in(hotel, "A-1203")                                   # 2026-12-03 to 12-10
    with pytest.raises(StayError) as caught, hotel.session() as session:
        stays.update_stay(session, wang.id, {"vip": True, "language": "Chinese", "departure": "2026-12-13"}, T0,
                          SHANGHAI)
    assert caught.value.errors == ["the language is an ISO 639 code like zh, en or fr, not 'chinese'",
                                   "room A-1203 has another guest arriving before 2026-12-13"]
    for departure, now, why in (("2026-12-02", T0, "the departure 2026-12-02 is not after the arrival 2026-12-03"),
                                ("2026-12-04", T0 + dt.timedelta(hours=3), "has passed its checkout time"),
                                ("soon", T0, "the departure is a date like 2026-12-06, not 'soon'")):
        with pytest.raises(StayError, match=why), hotel.session() as session:
            stays.update_stay(session, wang.id, {"departure": departure}, now, SHANGHAI)
    with pytest.raises(ValueError, match="a stay's room is not changed by hand"), hotel.session() as session:
        stays.update_stay(session, wang.id, {"room": "0803"}, T0, SHANGHAI)
    with pytest.raises(stays.UnknownStay, match="no stay 9999"), hotel.session() as session:
        stays.update_stay(session, 9999, {"vip": True}, T0, SHANGHAI)
    with hotel.session() as session:
        assert stays.get_stay(session, wang.id) == wang
        stays.check_out(session, wang.id, T0)
    with pytest.raises(StayError, match="this stay is checked out"), hotel.session() as session:
        stays.update_stay(session, wang.id, {"vip": True}, T0, SHANGHAI)


def test_guests_are_named_for_staff_by_stay(hotel):
    ids = {room: _stay_in(hotel, room).id for room in ("0801", "0802")}
    with hotel.session() as session:
        assert stays.guest_names(session, [*ids.values(), 9999]) == {
            ids["0801"]: "张伟 / Zhang Wei", ids["0802"]: "Anna Miller"}
        assert stays.guest_names(session, []) == {}


# ---------------------------------------------------------------------------------- checkout


def test_stays_are_checked_out_after_the_departure_days_checkout_time_once(hotel):
    just_before = dt.datetime(2026, 12, 5, 11, 59, tzinfo=SHANGHAI)
    noon = dt.datetime(2026, 12, 5, 12, 0, tzinfo=SHANGHAI)
    with hotel.session() as session:
        assert stays.check_out_departed(session, just_before, zone=SHANGHAI) == []
    with hotel.session() as session:
        done = stays.check_out_departed(session, noon, zone=SHANGHAI)
    with hotel.session() as session:
        again = stays.check_out_departed(session, noon + dt.timedelta(hours=3), zone=SHANGHAI)
        active = [s.room for s in stays.list_stays(session, status=StayStatus.ACTIVE)]
    assert [(s.room, s.status, s.checked_out_at) for s in done] == [("0802", StayStatus.CHECKED_OUT, noon),
                                                                   ("0901", StayStatus.CHECKED_OUT, noon)]
    assert again == []
    assert active == ["0801", "0812", "0902", "A-1201", "A-1203"]


def test_the_checkout_time_is_the_hotels_and_in_its_time_zone(hotel):
    one_pm = dt.datetime(2026, 12, 5, 13, 0, tzinfo=SHANGHAI)
    with hotel.session() as session:
        assert stays.check_out_departed(session, one_pm, zone=SHANGHAI, checkout_time=dt.time(14, 0)) == []
        in_utc = dt.datetime(2026, 12, 5, 4, 0, tzinfo=dt.timezone.utc)     # 12:00 in Shanghai
        assert len(stays.check_out_departed(session, in_utc, zone=SHANGHAI)) == 2


def test_the_time_zone_comes_from_the_stored_organisation(hotel, demo_directory):
    with hotel.session() as session:
        assert stays.organisation_zone(session) == dt.timezone.utc
        replace_directory(session, demo_directory)
    with hotel.session() as session:
        assert stays.organisation_zone(session) == SHANGHAI
        in_utc = dt.datetime(2026, 12, 5, 4, 0, tzinfo=dt.timezone.utc)
        assert [s.room for s in stays.check_out_departed(session, in_utc)] == ["0802", "0901"]


def test_the_periodic_checkout_runs_on_the_real_clock_until_stopped(database, tmp_path):
    import threading

    _import_rooms(database)
    today = dt.datetime.now(dt.timezone.utc).date()
    rows = [["0803", "", "Gone Yesterday", str(today - dt.timedelta(days=3)), str(today - dt.timedelta(days=1)),
             "", "", "", ""],
            ["0812", "", "Still Here", str(today - dt.timedelta(days=1)), str(today + dt.timedelta(days=2)),
             "", "", "", ""]]
    _import_stays(database, _write(tmp_path / "stays.csv", STAY_HEADER, rows),
                  now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=3))
    stop = threading.Event()
    passes: list[list[str]] = []

    def seen(done: list) -> None:
        passes.append([s.guest for s in done])
        if len(passes) == 2:
            stop.set()

    checkout.checkout_forever(database, 0.01, stop, on_checkout=seen)
    assert passes == [["Gone Yesterday"], []]


# ---------------------------------------------------------------------------------- CLI and migration


def test_the_cli_imports_lists_and_checks_out(sqlite_url, tmp_path, demo_directory):
    database = open_database(sqlite_url)
    with database.session() as session:
        replace_directory(session, demo_directory)                      # the hotel's time zone: Shanghai
    database.close()
    dry = run_receptionist(["hotel", "rooms", "import", str(DEMO_ROOMS), "--dry-run"], sqlite_url, tmp_path)
    stored = run_receptionist(["hotel", "rooms", "import", str(DEMO_ROOMS)], sqlite_url, tmp_path)
    at = ["--at", "2026-12-04T10:00+08:00"]
    stays_dry = run_receptionist(["hotel", "stays", "import", str(DEMO_STAYS), "--dry-run", *at], sqlite_url, tmp_path)
    listed_empty = run_receptionist(["hotel", "stays", "list", "--json"], sqlite_url, tmp_path)
    run_receptionist(["hotel", "stays", "import", str(DEMO_STAYS), *at], sqlite_url, tmp_path)
    early = run_receptionist(["hotel", "checkout", "--at", "2026-12-05T11:30"], sqlite_url, tmp_path)
    out = run_receptionist(["hotel", "checkout", "--at", "2026-12-05T12:30"], sqlite_url, tmp_path)
    listed = run_receptionist(["hotel", "stays", "list", "--json"], sqlite_url, tmp_path)
    table = run_receptionist(["hotel", "stays", "list", "--all"], sqlite_url, tmp_path)

    assert dry.returncode == 0, dry.stderr
    assert "rooms: added 10" in dry.stdout and "(dry run: nothing stored)" in dry.stdout
    assert "stored." in stored.stdout
    assert "stays: added 7" in stays_dry.stdout and json.loads(listed_empty.stdout) == []
    assert early.returncode == 0 and "checked out 0 stay(s)" in early.stdout
    assert out.returncode == 0 and "checked out 2 stay(s)" in out.stdout and "0802 Anna Miller" in out.stdout
    assert [s["room"] for s in json.loads(listed.stdout)] == ["0801", "0812", "0902", "A-1201", "A-1203"]
    assert "Jean-Luc Lefèvre" in table.stdout and "checked_out" in table.stdout


def test_the_cli_dates_the_demo_stays_around_today_and_moves_them_along_another_day(sqlite_url, tmp_path,
                                                                                   demo_directory):
    """--shift-to-today: the earliest arrival (0812, 1 December in the file) is three days before today, so
    today is the demo's 4 December: everyone in house but A-1201, expected tomorrow."""
    database = open_database(sqlite_url)
    with database.session() as session:
        replace_directory(session, demo_directory)                      # the hotel's time zone: Shanghai
    database.close()
    run_receptionist(["hotel", "rooms", "import", str(DEMO_ROOMS)], sqlite_url, tmp_path)
    first = run_receptionist(["hotel", "stays", "import", str(DEMO_STAYS), "--shift-to-today",
                              "--at", "2031-05-20T09:00"], sqlite_url, tmp_path)
    listed = json.loads(run_receptionist(["hotel", "stays", "list", "--json"], sqlite_url, tmp_path).stdout)
    database = open_database(sqlite_url)
    try:
        with database.session() as session:
            in_house = stays.in_house(session, dt.datetime(2031, 5, 20, 9, 0, tzinfo=SHANGHAI))
    finally:
        database.close()
    later = run_receptionist(["hotel", "stays", "import", str(DEMO_STAYS), "--shift-to-today",
                              "--at", "2031-05-21T09:00"], sqlite_url, tmp_path)

    assert first.returncode == 0, first.stderr
    assert "stays: added 7" in first.stdout and "moved by +1628 day(s)" in first.stdout
    dates = {s["room"]: (s["arrival"], s["departure"]) for s in listed}
    assert dates["0812"] == ("2031-05-17", "2031-05-24") and dates["0801"] == ("2031-05-18", "2031-05-22")
    assert dates["A-1201"] == ("2031-05-21", "2031-05-25") and dates["0802"][1] == "2031-05-21"
    assert [s.room for s in in_house] == ["0801", "0802", "0812", "0901", "0902", "A-1203"]
    # a day later: the stays of the first import are no longer listed (their arrival moved): checked out
    assert later.returncode == 0, later.stderr
    assert "stays: added 7, changed 0, checked out 7" in later.stdout and "moved by +1629 day(s)" in later.stdout


def test_shifted_dates_keep_each_stay_s_length_and_the_file_s_mistakes_are_still_reported(database, tmp_path):
    _import_rooms(database)
    report = _import_stays(database, shift_to=dt.date(2027, 3, 10))
    assert report.shifted_days == 99 and len(report.added) == 7
    assert report.summary()[1] == "  (every arrival and departure moved by +99 day(s))"
    with database.session() as session:
        moved = {s.room: (s.arrival, s.departure) for s in stays.list_stays(session)}
    as_written = {r[0]: (dt.date.fromisoformat(r[3]), dt.date.fromisoformat(r[4])) for r in _demo_stay_rows()}
    assert moved == {room: (a + dt.timedelta(days=99), d + dt.timedelta(days=99)) for room, (a, d) in as_written.items()}
    assert _import_stays(database).shifted_days is None  # as written: every moved stay checked out again
    rows = _demo_stay_rows()
    rows[1][4] = rows[1][3]
    with pytest.raises(OrgFileError, match="line 3: column 5 \\(departure\\): the departure 2026-12-03 is not after"):
        _import_stays(database, _write(tmp_path / "bad.csv", STAY_HEADER, rows), shift_to=dt.date(2027, 3, 10))


def test_the_cli_sets_a_stay_by_hand(sqlite_url, tmp_path, demo_directory):
    database = open_database(sqlite_url)
    with database.session() as session:
        replace_directory(session, demo_directory)                      # the hotel's time zone: Shanghai
    database.close()
    at = ["--at", "2026-12-04T10:00"]
    run_receptionist(["hotel", "rooms", "import", str(DEMO_ROOMS)], sqlite_url, tmp_path)
    run_receptionist(["hotel", "stays", "import", str(DEMO_STAYS), *at], sqlite_url, tmp_path)

    def stays_set(*options: str):
        return run_receptionist(["hotel", "stays", "set", *options, *at], sqlite_url, tmp_path)

    done = stays_set("812", "--dnd", "on", "--language", "en", "--departure", "2026-12-09")
    same = stays_set("0812", "--dnd", "yes", "--no-calls", "off")
    cleared = stays_set("0812", "--language", "none")
    refused = stays_set("0812", "--departure", "2026-11-30")
    nobody = stays_set("0803", "--vip", "on")
    nothing = stays_set("0812")
    not_a_flag = stays_set("0812", "--dnd", "maybe")
    listed = json.loads(run_receptionist(["hotel", "stays", "list", "--json"], sqlite_url, tmp_path).stdout)

    assert done.returncode == 0, done.stderr
    assert "0812 欧阳娜娜 / Nana Ouyang: do_not_disturb=on, language=en, departure=2026-12-09" in done.stdout
    assert same.returncode == 0 and "nothing changed" in same.stdout
    assert cleared.returncode == 0 and "language=none" in cleared.stdout
    assert refused.returncode == 2 and "the departure 2026-11-30 is not after the arrival 2026-12-01" in refused.stderr
    assert nobody.returncode == 2 and "no guest is staying in room 0803" in nobody.stderr
    assert nothing.returncode == 2 and "nothing to change" in nothing.stderr
    assert not_a_flag.returncode == 2 and "on or off, not 'maybe'" in not_a_flag.stderr
    nana = next(s for s in listed if s["room"] == "0812")
    assert (nana["do_not_disturb"], nana["no_calls"], nana["language"], nana["departure"]) == (
        True, False, None, "2026-12-09")


def test_the_cli_reports_a_mistake_and_changes_nothing(sqlite_url, tmp_path):
    run_receptionist(["hotel", "rooms", "import", str(DEMO_ROOMS)], sqlite_url, tmp_path)
    rows = _demo_stay_rows()
    rows[2][0] = "0999"
    bad = run_receptionist(["hotel", "stays", "import", str(_write(tmp_path / "s.csv", STAY_HEADER, rows))],
                           sqlite_url, tmp_path)
    listed = run_receptionist(["hotel", "stays", "list", "--json"], sqlite_url, tmp_path)
    assert bad.returncode == 2
    assert "line 4: column 1 (room): no room 0999 on the room list" in bad.stderr
    assert "Nothing was changed." in bad.stderr
    assert json.loads(listed.stdout) == []


def test_the_migration_upgrades_and_downgrades(db_url):
    engine = make_engine(db_url)
    try:
        migrate(engine, "0004")
        assert not {"rooms", "stays"} & set(inspect(engine).get_table_names())
        migrate(engine)
        assert {"rooms", "stays"} <= set(inspect(engine).get_table_names())
        command.downgrade(alembic_config(engine), "0004")
        assert not {"rooms", "stays"} & set(inspect(engine).get_table_names())
        migrate(engine)
        assert {"rooms", "stays"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
