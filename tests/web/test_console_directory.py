"""The operator's directory (#12, point 2) in a real browser: headless Debian Chromium driven by Playwright,
against the real console on the demo company (SQLite and PostgreSQL). The operator finds a person by pinyin
initials (from the live board's quick lookup, and by the page's instant filter) and by floor; the frequent
tab and the board list the most-called first once calls are recorded; no mobile number is ever on the page;
the search works without script."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from console_seed import PASSWORDS
from console_server import Console

from bot.privacy import digits_of
from bot.records import calls

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def signed_in(browser, console: Console, username: str = "oscar", lang: str = "zh"):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN" if lang == "zh" else "en-US")
    page = context.new_page()
    page.goto(console.url + "/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("button.primary")
    page.wait_for_url(console.url + "/")
    if lang == "en":
        page.goto(console.url + "/lang/en?next=/")
    return page


def visible_names(page, scope: str) -> list[str]:
    return [row.locator("td").first.inner_text().split("\n")[0].split(" ")[0]
            for row in page.locator(f"{scope} tr.dir-entry").all() if row.is_visible()]


def mobiles_in(html: str, console: Console) -> list[str]:
    """Whose mobile the page shows, however it is spaced (+86 139 0000 0012, 13900000012)."""
    people = console.context.directory.current().people
    return [p.id for p in people if re.search(r"[\s()-]*".join(digits_of(p.mobile)[-11:]), html)]


def no_mobile_on(page, console: Console) -> None:
    assert mobiles_in(page.content(), console) == []


def record_calls(console: Console, target: str, count: int, tag: str) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    with console.database.session() as session:
        for n in range(count):
            conversation = f"{tag}-{n}"
            at = now - dt.timedelta(hours=n + 1)
            calls.start_call(session, conversation, "phone", caller_id=f"+86138000{n:05d}", at=at)
            calls.add_turn(session, conversation, "system", f"[transfer to {target}, blind]", at=at)
            calls.end_call(session, conversation, "transferred", transferred_to=target,
                           at=at + dt.timedelta(minutes=2))


def test_the_operator_finds_a_person_by_pinyin_initials_and_by_floor(browser, console):
    page = signed_in(browser, console)
    panel = page.locator("#quick-lookup")
    assert "快速查找" in panel.inner_text()
    panel.locator("input[name=q]").fill("ln")
    with page.expect_navigation():
        panel.locator("input[name=q]").press("Enter")
    assert "/directory?q=ln" in page.url
    first = page.locator("#results tr.dir-entry").first
    assert "李娜" in first.inner_text() and "8202" in first.inner_text() and "财务部" in first.inner_text()
    assert "在岗" in first.inner_text()
    no_mobile_on(page, console)

    page.goto(console.url + "/directory")
    assert len(visible_names(page, ".dir-group")) == 36  # 8 department lines and 28 people
    page.fill("#directory-q", "zjh")  # typed, not submitted: the list filters itself
    page.wait_for_function("() => document.querySelectorAll('tr.dir-entry:not([hidden])').length === 1")
    assert visible_names(page, ".dir-group") == ["张建华"]
    page.fill("#directory-q", "zz")
    assert page.locator("#directory-none").is_visible()

    page.click("nav.tabs >> text=按楼层")
    page.wait_for_url("**/directory?view=floor*")
    floors = {section.locator("h2").inner_text().split("\n")[0].split(" ")[0]: section
              for section in page.locator("section.dir-group").all()}
    assert list(floors) == ["3楼", "4楼", "5楼"]
    assert "刘芳" in visible_names(page, "#floor-3") and "刘芳" not in visible_names(page, "#floor-1")
    assert "李娜" in visible_names(page, "#floor-1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "directory-floor-zh.png"), full_page=True)

    page.locator("#floor3-liu-fang a.presence").click()  # presence is changed on the live board
    page.wait_for_url(console.url + "/#person-liu-fang")
    assert page.locator("#person-liu-fang select").input_value() == "available"
    page.context.close()


def test_frequent_shows_the_most_called_first_after_calls_are_recorded(browser, console):
    record_calls(console, "sun-li", 3, "hr-calls")
    page = signed_in(browser, console)
    quick = page.locator("#quick-lookup ol.quick-frequent li")
    assert "孙丽" in quick.first.inner_text() and "3 个通话" in quick.first.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "directory-board-quick-lookup-zh.png"), full_page=True)
    page.goto(console.url + "/directory?view=frequent")
    rows = page.locator("#frequent tr.dir-entry")
    assert [rows.nth(n).locator("td").first.inner_text().split(" ")[0] for n in range(3)] == ["孙丽", "财务部", "李娜"]
    assert rows.first.locator(".count-cell").inner_text() == "3 个通话"

    record_calls(console, "li-na", 4, "finance-calls")
    page.reload()
    assert page.locator("#frequent tr.dir-entry").first.locator("td").first.inner_text().startswith("李娜")
    assert page.locator("#frequent tr.dir-entry").first.locator(".count-cell").inner_text() == "5 个通话"
    no_mobile_on(page, console)
    page.context.close()

    english = signed_in(browser, console, lang="en")
    english.goto(console.url + "/directory?view=frequent")
    first = english.locator("#frequent tr.dir-entry").first
    assert first.locator("td").first.inner_text().startswith("Nina Li") and "Finance" in first.inner_text()
    assert "Most asked for, last 30 days" in english.locator("#frequent h2").inner_text()
    english.context.close()


def test_the_search_works_without_script_and_is_for_staff_only(console):
    signed_out = console.client().get("/directory?q=ln")
    assert signed_out.status_code in {302, 303} and "/signin" in signed_out.headers["Location"]
    oscar = console.client("oscar")
    for path in ("/directory?q=cwb", "/directory?view=floor", "/directory?view=frequent", "/directory?q=139", "/"):
        page = oscar.get(path)
        assert page.status_code == 200, path
        assert mobiles_in(page.text, console) == [], path
    found = oscar.get("/directory?q=cwb").text
    results = re.search(r'<section class="card dir-group" id="results">.*?</section>', found, re.S).group(0)
    assert results.index("财务部") < results.index("李娜") and "8200" in results
    assert "没有找到。" in oscar.get("/directory?q=139").text  # a mobile's digits find nobody
    assert 'href="/directory"' in oscar.get("/").text
