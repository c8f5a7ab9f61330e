"""The console in a real browser: headless Debian Chromium driven by Playwright.

Signs in, finds a call and plays its recording, changes a message's status and a presence,
checks access control, and saves a screenshot of every staff page at 1366×768 into
tests/artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from console_seed import HOSTILE, PASSWORDS, RECORDED, WAV_SECONDS
from console_server import Console, start_console

from bot.db.tables import MessageRow

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def site(demo_directory, tmp_path_factory) -> Iterator[Console]:
    folder = tmp_path_factory.mktemp("console")
    running, server = start_console(f"sqlite:///{folder / 'receptionist.db'}", demo_directory, folder)
    yield running
    server.stop()
    running.database.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _page(browser, site: Console, username: str | None, lang: str = "zh"):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN" if lang == "zh" else "en-US")
    page = context.new_page()
    if username:
        page.goto(site.url + "/signin")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORDS[username])
        page.click("button.primary")
        page.wait_for_url(site.url + "/")
    return page


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


STAFF_PAGES = [
    ("01-board", "/"),
    ("02-calls", "/calls"),
    ("03-call-transcript", f"/calls/{RECORDED}"),
    ("04-call-hostile-text", f"/calls/{HOSTILE}"),
    ("05-messages", "/messages"),
    ("06-visitors", "/visitors"),
    ("07-badge", "/visitors/1/badge"),
    ("08-statistics", "/stats"),
    ("09-nlu-review", "/review"),
    ("10-organisation", "/admin/organisation"),
    ("11-hours-duty", "/admin/hours"),
    ("12-staff-list", "/admin/staff-import"),
    ("13-users", "/admin/users"),
    ("14-audit-log", "/admin/audit"),
]


def test_every_staff_page_renders_and_is_photographed_in_both_languages(browser, site):
    signin = _page(browser, site, None)
    signin.goto(site.url + "/signin")
    _shot(signin, "00-signin")
    signin.context.close()
    for lang in ("zh", "en"):
        page = _page(browser, site, "ada", lang)
        if lang == "en":
            page.goto(site.url + "/lang/en?next=/")
        for name, path in STAFF_PAGES:
            response = page.goto(site.url + path)
            assert response.status == 200, path
            assert page.locator("h1, .badge-name").first.is_visible()
            _shot(page, f"{name}-{lang}")
        page.context.close()
    # the staff pages' own shots only (numbered): the kiosk's (kiosk-*.png) share the folder
    assert len(list(SCREENSHOTS.glob("[0-9][0-9]-*-zh.png"))) == len(STAFF_PAGES)


def test_a_supervisor_finds_a_call_by_what_was_said_and_plays_its_recording(browser, site):
    page = _page(browser, site, "sam")
    page.goto(site.url + "/calls")
    page.fill("input[name=words]", "发票")
    page.click("form[role=search] button.primary")
    rows = page.locator("table.calls tbody tr")
    assert rows.count() == 1
    rows.first.locator("a.strong").click()
    page.wait_for_url(f"**/calls/{RECORDED}")
    assert "关于发票的事" in page.locator(".transcript").inner_text()
    audio = page.locator("audio#recording")
    page.wait_for_function("() => document.querySelector('audio#recording').readyState >= 1", timeout=10_000)
    duration = audio.evaluate("a => a.duration")
    assert abs(duration - WAV_SECONDS) < 0.05
    audio.evaluate("a => a.play()")
    page.wait_for_function("() => document.querySelector('audio#recording').currentTime > 0.3", timeout=10_000)
    assert audio.evaluate("a => a.error") is None
    _shot(page, "15-call-playing")
    page.context.close()


def test_an_operator_acknowledges_a_message_with_a_click(browser, site):
    page = _page(browser, site, "oscar")
    page.goto(site.url + "/messages")
    row = page.locator(f"#message-{site.seeded.new_message}")
    row.locator("form[action$='/acknowledge'] button").click()
    page.wait_for_load_state()
    row = page.locator(f"#message-{site.seeded.new_message}")
    assert "已确认" in row.locator(".chip.status-acknowledged").inner_text()
    with site.database.session() as session:
        assert session.get(MessageRow, site.seeded.new_message).status == "acknowledged"
    page.context.close()


def test_presence_changes_as_soon_as_it_is_chosen(browser, site):
    page = _page(browser, site, "oscar")
    page.goto(site.url + "/")
    with page.expect_navigation():
        page.select_option("#person-chen-jing select[name=presence]", "away")
    assert page.locator("#person-chen-jing .dot").get_attribute("class") == "dot away"
    assert site.context.directory.current().person("chen-jing").presence.value == "away"
    page.context.close()


def test_an_operator_cannot_open_the_directory_editor(browser, site):
    page = _page(browser, site, "oscar")
    response = page.goto(site.url + "/admin/organisation")
    assert response.status == 403
    assert page.locator("a[href='/admin/organisation']").count() == 0  # not even offered
    _shot(page, "16-operator-forbidden")
    page.context.close()


def test_a_signed_out_browser_is_sent_to_sign_in(browser, site):
    page = _page(browser, site, None)
    page.goto(site.url + "/calls?words=x")
    assert page.url.startswith(site.url + "/signin?next=")
    assert page.locator("input[name=password]").is_visible()
    page.context.close()


def test_a_forged_csrf_token_is_refused(browser, site):
    page = _page(browser, site, "oscar")
    page.goto(site.url + "/messages")
    target = site.seeded.overdue_message
    form = page.locator(f"#message-{target} form[action$='/close']")
    form.locator("input[name=csrf]").evaluate("input => { input.value = 'forged-token' }")
    with page.expect_navigation() as navigation:
        form.locator("button").click()
    assert navigation.value.status == 403
    with site.database.session() as session:
        assert session.get(MessageRow, target).status != "closed"
    page.context.close()
