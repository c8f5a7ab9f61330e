"""The console's phone-use page (#12, point 6), through real HTTP against the console on the demo company
(SQLite and PostgreSQL), with console users tied to finance and sales: a member of staff files a
request (stored, audited) and a mistake is a 422 with the form kept and nothing stored; the finance head
approves it, while the sales head, the requester and a plain operator cannot (403) and a second decision
is a 409; an urgent call undecided for over 3 days is shown first and highlighted to the head; the
monthly report (table and CSV) counts it all; CSRF is required."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from console_server import Client, Console
from sqlalchemy import select

from bot.db.tables import AuditRow, utcnow
from bot.phone_use import requests as phone
from bot.web import auth
from bot.web.roles import set_department

STAFF = {"fay": ("fay-finance-pass-1", "operator", "finance"), "fred": ("fred-finance-head-1", "supervisor", "finance"),
         "sue": ("sue-sales-head-1", "supervisor", "sales")}
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def office(console: Console) -> Console:
    with console.database.session() as session:
        for name, (password, role, department) in STAFF.items():
            auth.create_user(session, name, password, role, display_name=name.title())
            set_department(session, name, department)
    return console


def staff(console: Console, name: str) -> Client:
    client = console.client()
    assert client.sign_in(name, STAFF[name][0]).status_code == 303
    return client


def file(client: Client, **form: str):
    values = {"number": "010-6552 8888", "kind": "long_distance", "callee": "北京 星辰贸易", "purpose": "核对合同",
              "minutes": "12", **form}
    return client.post("/phone-use", data={"csrf": client.csrf("/phone-use"), **values})


def decide(client: Client, request_id: int, outcome: str = "approve", note: str = ""):
    return client.post(f"/phone-use/{request_id}/{outcome}", data={"csrf": client.csrf("/phone-use"), "note": note})


def all_requests(console: Console) -> list[phone.PhoneRequest]:
    with console.database.session() as session:
        return phone.list_requests(session)


def audit_trail(console: Console) -> list[tuple[str, str, str]]:
    with console.database.session() as session:
        rows = session.execute(select(AuditRow).where(AuditRow.action.like("phone_use.%")).order_by(AuditRow.id))
        return [(r.username, r.action, r.target) for r in rows.scalars()]


def row(page: str, row_id: str) -> str:
    found = re.search(rf'<tr id="{row_id}".*?</tr>', page, re.S)
    assert found, row_id
    return found.group(0)


def test_staff_file_a_request_and_a_mistake_stores_nothing(office):
    fay = staff(office, "fay")
    page = fay.get("/phone-use")
    assert page.status_code == 200 and "电话使用" in page.text and "您还没有电话使用申请。" in page.text
    assert 'href="/phone-use"' in fay.get("/caller-notes").text and "待审批的申请" not in page.text  # not a head

    refused = file(fay, number="call me", purpose="给客户回电")
    assert refused.status_code == 422 and 'role="alert"' in refused.text and "not a phone number" in refused.text
    assert "给客户回电" in refused.text and 'value="call me"' in refused.text  # the form is kept
    assert file(fay, number="+44 20 7946 0958").status_code == 422  # international, filed as long distance
    assert file(fay, minutes="0").status_code == 422
    assert file(fay, urgent="on", made_at="").status_code == 422
    assert all_requests(office) == [] and audit_trail(office) == []

    filed = file(fay)
    assert filed.status_code == 303 and filed.headers["Location"] == "/phone-use?done=filed"
    [stored] = all_requests(office)
    assert (stored.requester, stored.department, stored.number, stored.kind.value, stored.minutes, stored.callee) == \
        ("fay", "finance", "01065528888", "long_distance", 12, "北京 星辰贸易")
    mine = fay.get(filed.headers["Location"]).text
    assert "申请已提交" in mine and "国内长途" in mine and "待审批" in row(mine, f"own-{stored.id}")
    assert audit_trail(office) == [("fay", "phone_use.request", f"phone-use #{stored.id}")]

    assert fay.post("/phone-use", data={"number": "13800138000", "purpose": "x", "minutes": "3",
                                        "kind": "outside"}).status_code == 403  # no CSRF token
    assert len(all_requests(office)) == 1


def test_only_the_head_of_the_department_approves(office):
    fay, fred, sue, oscar = staff(office, "fay"), staff(office, "fred"), staff(office, "sue"), office.client("oscar")
    file(fay)
    [filed] = all_requests(office)
    assert f'id="pending-{filed.id}"' not in sue.get("/phone-use").text  # another department's head
    for outsider in (sue, fay, oscar):
        assert decide(outsider, filed.id).status_code == 403
    assert all_requests(office)[0].status is phone.Status.REQUESTED

    pending = fred.get("/phone-use").text
    assert "Fay" in row(pending, f"pending-{filed.id}") and "01065528888" in pending
    approved = decide(fred, filed.id, note="同意，控制在15分钟内")
    assert approved.status_code == 303 and approved.headers["Location"] == "/phone-use?done=approved"
    [done] = all_requests(office)
    assert (done.status, done.decided_by, done.decision_note) == (phone.Status.APPROVED, "fred", "同意，控制在15分钟内")
    assert decide(fred, filed.id, "decline").status_code == 409  # decided once
    assert decide(office.client("ada"), filed.id, "decline").status_code == 409
    assert f'id="pending-{filed.id}"' not in fred.get("/phone-use").text
    seen = row(fay.get("/phone-use").text, f"own-{filed.id}")
    assert "已批准" in seen and "fred" in seen and "同意，控制在15分钟内" in seen
    assert audit_trail(office)[-1] == ("fred", "phone_use.approve", f"phone-use #{filed.id}")

    english = staff(office, "fay")
    english.get("/lang/en?next=/phone-use")
    assert "approved" in row(english.get("/phone-use").text, f"own-{filed.id}")


def test_an_admin_decides_for_any_department_and_declines(office):
    sue_request = file(staff(office, "sue"), number="13800138000", kind="outside")
    assert sue_request.status_code == 303
    [filed] = all_requests(office)
    ada = office.client("ada")
    assert f'id="pending-{filed.id}"' in ada.get("/phone-use").text
    assert decide(ada, filed.id, "decline", note="请改用邮件").status_code == 303
    assert all_requests(office)[0].status is phone.Status.DECLINED
    assert "已拒绝" in row(staff(office, "sue").get("/phone-use").text, f"own-{filed.id}")


def test_an_urgent_call_not_approved_for_3_days_is_shown_first_and_highlighted(office):
    now = utcnow()
    with office.database.session() as session:
        ordinary = phone.create_request(session, "fay", number="021 5888 1234", purpose="报价", minutes=5,
                                        kind="long_distance", now=now - dt.timedelta(days=5))
        late = phone.create_request(session, "fay", number="0755 8888 0000", purpose="紧急联系供应商", minutes=8,
                                    kind="long_distance", urgent_made_at=now - dt.timedelta(days=3, hours=1),
                                    now=now - dt.timedelta(days=3))
        recent = phone.create_request(session, "fay", number="13800138000", purpose="紧急", minutes=2,
                                      kind="outside", urgent_made_at=now - dt.timedelta(days=2), now=now)
    page = staff(office, "fred").get("/phone-use").text
    order = [int(n) for n in re.findall(r'<tr id="pending-(\d+)"', page)]
    assert order == [late.id, ordinary.id, recent.id]  # the flagged one first, then by call time
    flagged = row(page, f"pending-{late.id}")
    assert 'class="overdue"' in flagged and "逾期：三日内未补办审批" in flagged and "先行拨打" in flagged
    assert "逾期" not in row(page, f"pending-{recent.id}") and 'class="overdue"' not in row(page, f"pending-{recent.id}")
    assert "逾期：三日内未补办审批" in row(staff(office, "fay").get("/phone-use").text, f"own-{late.id}")
    assert f'id="pending-{late.id}"' not in staff(office, "sue").get("/phone-use").text


def test_the_monthly_report_per_department_and_its_csv(office):
    fay, fred, sam = staff(office, "fay"), staff(office, "fred"), office.client("sam")
    file(fay, minutes="10")
    file(fay, number="13800138000", kind="outside", minutes="4")
    file(staff(office, "sue"), number="+852 2345 6789", kind="hk_macau", minutes="6")
    first, second, _ = all_requests(office)
    decide(fred, first.id)
    decide(fred, second.id, "decline")
    month = utcnow().astimezone(SHANGHAI).strftime("%Y-%m")

    page = sam.get(f"/phone-use/report?month={month}")
    assert page.status_code == 200 and "电话使用月报" in page.text
    cells = lambda tr: re.findall(r'<t[dh][^>]*>([^<]*)</t[dh]>', row(page.text, tr))  # noqa: E731
    assert cells("dept-finance") == ["财务部", "2", "1", "1", "0", "0", "14", "10"]
    assert cells("dept-sales") == ["销售部", "1", "0", "0", "1", "0", "6", "0"]
    assert cells("dept-hr")[1:] == ["0"] * 7
    assert cells("dept-total") == ["合计", "3", "1", "1", "1", "0", "20", "10"]

    download = sam.get(f"/phone-use/report.csv?month={month}")
    assert download.status_code == 200 and download.headers["Content-Type"].startswith("text/csv")
    assert f'filename="phone-use-{month}.csv"' in download.headers["Content-Disposition"]
    by_department = {r["department"]: r for r in csv.DictReader(io.StringIO(download.text))}
    assert by_department["finance"]["approved_minutes"] == "10" and by_department["sales"]["pending"] == "1"

    assert sam.get("/phone-use/report?month=2026-13").status_code == 400
    assert staff(office, "fay").get("/phone-use/report").status_code == 403  # an operator: their own requests only
    empty = sam.get("/phone-use/report?month=2020-01").text
    assert re.findall(r'<t[dh][^>]*>([^<]*)</t[dh]>', row(empty, "dept-total"))[1:] == ["0"] * 7


# ---------------------------------------------------------------------------------- in a real browser

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


def signed_in_page(browser, console: Console, name: str):
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
    page.goto(console.url + "/signin")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", STAFF[name][0])
    page.click("button.primary")
    page.wait_for_url(console.url + "/")
    page.goto(console.url + "/phone-use")
    return page


def test_in_chromium_staff_report_an_urgent_call_and_the_head_approves_it(office, browser):
    fay = signed_in_page(browser, office, "fay")
    fay.fill("input[name=number]", "0755 8888 0000")
    fay.select_option("select[name=kind]", "long_distance")
    fay.fill("input[name=callee]", "深圳 供应商")
    fay.fill("textarea[name=purpose]", "紧急确认发货")
    fay.fill("input[name=minutes]", "6")
    fay.check("input[name=urgent]")
    fay.fill("input[name=made_at]", "2026-12-01T09:30")
    fay.click("text=提交申请")
    fay.wait_for_url(office.url + "/phone-use?done=filed")
    [filed] = all_requests(office)
    assert filed.urgent_made_at == dt.datetime(2026, 12, 1, 1, 30, tzinfo=dt.timezone.utc)  # 09:30 in Shanghai
    assert "先行拨打" in fay.inner_text(f"#own-{filed.id}")

    fred = signed_in_page(browser, office, "fred")
    flagged_row = fred.locator(f"#pending-{filed.id}")
    assert "逾期：三日内未补办审批" in flagged_row.inner_text()  # made days ago, still undecided
    assert flagged_row.get_attribute("class") == "overdue"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    fred.screenshot(path=str(SCREENSHOTS / "phone_use_head.png"), full_page=True)
    flagged_row.locator("input[name=note]").fill("补办审批，同意")
    flagged_row.locator("text=批准").click()
    fred.wait_for_url(office.url + "/phone-use?done=approved")
    assert "已批准该申请。" in fred.inner_text("main") and fred.locator(f"#pending-{filed.id}").count() == 0
    [done] = all_requests(office)
    assert (done.status, done.decided_by, done.decision_note) == (phone.Status.APPROVED, "fred", "补办审批，同意")
