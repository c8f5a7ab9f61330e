"""The monthly staff list: what it adds, changes and removes, and mistakes that change nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.org.orgfile import OrgFileError
from bot.org.staff_csv import apply_staff_list, read_staff_csv

HEADER_EN = ["id", "name", "name_en", "department", "title", "level", "extension", "mobile", "email"]


def _demo_rows(directory) -> list[list[str]]:
    return [[p.id, p.name, p.name_en, p.department, p.title, p.level.value, p.extension or "", p.mobile or "",
             p.email or ""] for p in directory.people]


def _write(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_an_unchanged_list_changes_nothing(demo_directory, tmp_path):
    path = _write(tmp_path / "staff.csv", HEADER_EN, _demo_rows(demo_directory))
    result = apply_staff_list(demo_directory, read_staff_csv(path), str(path))
    assert (result.added, result.changed, result.removed) == ([], [], [])
    assert result.unchanged == len(demo_directory.people)


def test_added_changed_and_removed_are_reported(demo_directory, tmp_path):
    rows = [r for r in _demo_rows(demo_directory) if r[0] != "cao-yi"]
    li_na = next(r for r in rows if r[0] == "li-na")
    li_na[6] = "8209"                                  # new extension
    li_na[7] = "+86 139 0000 9999"                     # new mobile
    rows.append(["", "欧阳娜娜", "Nana Ouyang", "市场部", "市场专员", "staff", "8809", "", "nana@huaxin.example"])
    path = _write(tmp_path / "staff.csv", HEADER_EN, rows)
    result = apply_staff_list(demo_directory, read_staff_csv(path), str(path))
    assert [c.name for c in result.added] == ["欧阳娜娜"]
    assert result.added[0].person_id == "ou-yang-na-na"
    assert [(c.person_id, c.fields) for c in result.changed] == [("li-na", ("extension", "mobile"))]
    assert [c.person_id for c in result.removed] == ["cao-yi"]
    new_person = result.directory.person("ou-yang-na-na")
    assert new_person.department == "marketing" and new_person.extension == "8809"
    summary = "\n".join(result.summary())
    assert "added 1, changed 1, removed 1" in summary
    assert "9999" not in summary  # a mobile is named as changed, never shown


def test_chinese_headers_and_gb18030_are_read(demo_directory, tmp_path):
    header = ["姓名", "部门", "分机", "手机", "邮箱"]
    rows = [[p.name, p.department, p.extension or "", p.mobile or "", p.email or ""] for p in demo_directory.people]
    path = _write(tmp_path / "staff.csv", header, rows, encoding="gb18030")
    result = apply_staff_list(demo_directory, read_staff_csv(path), str(path))
    assert result.removed == [] and result.added == []


def test_presence_is_kept_for_people_on_the_list(demo_directory, tmp_path):
    path = _write(tmp_path / "staff.csv", HEADER_EN, _demo_rows(demo_directory))
    result = apply_staff_list(demo_directory, read_staff_csv(path), str(path))
    assert result.directory.person("guo-ting").presence.value == "on_leave"


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda rows: rows[4].__setitem__(3, "nowhere"), "line 6.department: no department called 'nowhere'"),
    (lambda rows: rows[4].__setitem__(6, "8201"), "line 6 (李娜).extension: extension '8201' is already used"),
    (lambda rows: rows[4].__setitem__(8, "not-an-email"), "line 6 (李娜).email: 'not-an-email' is not an e-mail"),
    (lambda rows: rows[4].__setitem__(5, "boss"), "line 6.level: 'boss' is not a level"),
])
def test_mistakes_name_the_line(demo_directory, tmp_path, edit, expected):
    rows = _demo_rows(demo_directory)
    edit(rows)
    path = _write(tmp_path / "staff.csv", HEADER_EN, rows)
    with pytest.raises(OrgFileError) as caught:
        apply_staff_list(demo_directory, read_staff_csv(path), str(path))
    assert any(expected in str(p) for p in caught.value.problems), caught.value.problems


def test_removing_someone_still_on_the_duty_roster_is_refused(demo_directory, tmp_path):
    rows = [r for r in _demo_rows(demo_directory) if r[0] != "chen-jing"]
    path = _write(tmp_path / "staff.csv", HEADER_EN, rows)
    with pytest.raises(OrgFileError) as caught:
        apply_staff_list(demo_directory, read_staff_csv(path), str(path))
    assert any("duty_roster" in p.path and "chen-jing" in p.message for p in caught.value.problems)


def test_unknown_column_and_missing_column(tmp_path):
    path = _write(tmp_path / "a.csv", ["name", "department", "shoe size"], [["李娜", "财务部", "38"]])
    with pytest.raises(OrgFileError, match="unknown column"):
        read_staff_csv(path)
    path = _write(tmp_path / "b.csv", ["name", "extension"], [["李娜", "8202"]])
    with pytest.raises(OrgFileError, match="missing column"):
        read_staff_csv(path)


def test_cli_import_reports_and_stores_and_a_bad_list_changes_nothing(demo_db, db_url, demo_directory, tmp_path):
    import subprocess
    import sys

    from bot.org.store import load_directory

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot.cli", "directory", "import", *args], capture_output=True,
                              text=True, env={"RECEPTIONIST_DB": db_url, "PATH": "/usr/bin:/bin"}, timeout=60)

    rows = [r for r in _demo_rows(demo_directory) if r[0] != "cao-yi"]
    good = _write(tmp_path / "good.csv", HEADER_EN, rows)
    dry = run(str(good), "--dry-run")
    assert dry.returncode == 0 and "removed 1" in dry.stdout and "dry run" in dry.stdout
    with demo_db.session() as session:
        assert load_directory(session).person("cao-yi") is not None
    done = run(str(good))
    assert done.returncode == 0 and "- 曹毅 (cao-yi)" in done.stdout
    with demo_db.session() as session:
        before = load_directory(session)
    assert before.person("cao-yi") is None
    rows[0][3] = "nowhere"
    bad = run(str(_write(tmp_path / "bad.csv", HEADER_EN, rows)))
    assert bad.returncode == 2 and "line 2.department" in bad.stderr and "Nothing was changed" in bad.stderr
    with demo_db.session() as session:
        assert load_directory(session) == before
