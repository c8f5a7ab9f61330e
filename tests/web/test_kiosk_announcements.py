"""Lobby announcements (#12, point 7) for real: the console server (SQLite and PostgreSQL) with its clock
set just before an announcement's time, a supervisor adding it through the console's form, and a real
kiosk in headless Chromium that shows it as a notice and plays it (server-side speech), in both
languages and as often as asked, once, and not again after a reload. The console lists it with its
next time; an operator may only read; a mistake is refused (422) with nothing stored. No dialogue
servers: the kiosk's greeting is made by the console, and an announcement never reaches the dialogue.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from console_seed import PASSWORDS, seed
from console_server import Client, ServerThread
from sqlalchemy import select

from bot.announcements import list_all
from bot.config import Settings
from bot.context import Context
from bot.db.engine import Database, open_database
from bot.db.tables import AuditRow
from bot.org.model import Directory
from bot.org.store import DirectoryCache
from bot.web import ConsoleSettings, build_app
from bot.web.pages.announcements import AnnouncementSettings, configure_announcements

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NINE = dt.datetime(2026, 12, 4, 9, 0, tzinfo=SHANGHAI)
"""A Friday morning in the demo company's zone: the announcement's time."""
POLL_S = 1.0
AUDIO_LOG = """window.audioLog = [];
for (const kind of ["playing", "ended"]) {
  document.addEventListener(kind, (event) => window.audioLog.push([kind, event.target.getAttribute("src")]), true);
}"""
"""What the kiosk's audio element plays, in order (media events do not bubble; they are captured)."""

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]


class Clock:
    """The server's clock for announcements: set to a moment, then running in real time from there."""

    def __init__(self, moment: dt.datetime) -> None:
        self._lock = threading.Lock()
        self.set(moment)

    def set(self, moment: dt.datetime) -> None:
        with self._lock:
            self._base, self._started = moment.astimezone(dt.timezone.utc), time.monotonic()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self._base + dt.timedelta(seconds=time.monotonic() - self._started)


class Site:
    def __init__(self, url: str, database: Database, clock: Clock) -> None:
        self.url, self.database, self.clock = url, database, clock

    def client(self, username: str) -> Client:
        client = Client(self.url)
        client.sign_in(username, PASSWORDS[username])
        return client


@pytest.fixture
def site(db_url: str, demo_directory: Directory, tmp_path: Path) -> Iterator[Site]:
    database = open_database(db_url)
    seed(database, demo_directory, tmp_path / "recordings")
    context = Context(settings=Settings(var_dir=tmp_path, database_url=db_url), database=database,
                      directory=DirectoryCache(database))
    app = build_app(context, ConsoleSettings(recordings_dir=tmp_path / "recordings"))
    clock = Clock(NINE - dt.timedelta(minutes=10))
    configure_announcements(app, AnnouncementSettings(clock=clock, poll_s=POLL_S))
    server = ServerThread(app)
    yield Site(server.start(), database, clock)
    server.stop()
    database.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _add(client: Client, **form: str) -> requests.Response:
    page = client.get("/announcements")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post("/announcements", data={"csrf": csrf, **form})


def _audit(site: Site) -> list[tuple[str, str]]:
    with site.database.session() as session:
        rows = session.execute(select(AuditRow).where(AuditRow.action.like("announcement.%"))
                               .order_by(AuditRow.id)).scalars()
        return [(row.username, row.action) for row in rows]


def _stored(site: Site) -> list:
    with site.database.session() as session:
        return list_all(session)


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_the_kiosk_says_an_announcement_at_its_time_once_and_the_console_lists_it(browser, site):
    sam, oscar = site.client("sam"), site.client("oscar")
    added = _add(sam, text_zh="早上好，欢迎光临华信科技。", text_en="Good morning, welcome to Huaxin Technology.",
                 kind="weekly", days=["1", "2", "3", "4", "5"], times="9:00", repeat="2", languages="both")
    assert added.status_code == 303, added.text
    (announcement,) = _stored(site)
    assert announcement.updated_by == "supervisor:sam" and announcement.repeat == 2
    listed = oscar.get("/announcements").text  # an operator reads, with the next time it plays
    assert "早上好，欢迎光临华信科技。" in listed and "2026-12-04 09:00" in listed
    assert 'action="/announcements"' not in listed and "停用" not in listed  # but has no form to change it
    assert 'href="/announcements"' in oscar.get("/").text

    site.clock.set(NINE - dt.timedelta(seconds=2))  # due while the kiosk's greeting is still being said
    context = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="zh-CN")
    page = context.new_page()
    page.add_init_script(AUDIO_LOG)
    assert page.goto(f"{site.url}/kiosk").status == 200
    assert page.locator(".bubble.announcement").count() == 0  # not before its time

    notices = page.locator(".bubble.notice.announcement")
    notices.nth(1).wait_for(timeout=30_000)
    assert notices.all_inner_texts() == ["广播：早上好，欢迎光临华信科技。",
                                         "广播：Good morning, welcome to Huaxin Technology."]
    zh_clip, en_clip = f"/kiosk/announcement/{announcement.id}/zh", f"/kiosk/announcement/{announcement.id}/en"
    heard = []
    for clip in (zh_clip, en_clip, zh_clip, en_clip):  # both languages in order, twice over
        page.wait_for_function(
            "(clip) => { const a = document.querySelector('#reply-audio');"
            " return a.getAttribute('src').startsWith(clip) && ['playing', 'ended'].includes(a.dataset.played); }",
            arg=clip, timeout=60_000)
        heard.append(page.locator("#reply-audio").get_attribute("src"))
        assert page.locator("#reply-audio").evaluate("a => a.duration") > 0.5
    assert [src.split("?")[0] for src in heard] == [zh_clip, en_clip, zh_clip, en_clip]
    played = page.evaluate("() => window.audioLog")
    greeting = played[0][1]
    assert greeting.startswith("/kiosk/audio/kiosk-") and played[:2] == [["playing", greeting], ["ended", greeting]]
    assert played[2][1].startswith(zh_clip)  # the greeting was not interrupted: the announcement came after
    _shot(page, "kiosk-06-announcement-zh")
    audio = requests.get(site.url + heard[0], timeout=60)
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"

    page.wait_for_timeout(4 * POLL_S * 1000)  # more polls after its time: said once only
    assert notices.count() == 2
    page.reload()  # a reloaded kiosk does not say it again either
    page.locator(".bubble.receptionist:not(.thinking)").first.wait_for(timeout=30_000)
    page.wait_for_timeout(4 * POLL_S * 1000)
    assert page.locator(".bubble.announcement").count() == 0
    context.close()

    console = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    console.goto(site.url + "/signin")
    console.fill("input[name=username]", "sam")
    console.fill("input[name=password]", PASSWORDS["sam"])
    console.click("button.primary")
    console.wait_for_url(site.url + "/")
    console.click("nav a[href='/announcements']")
    row = console.locator(f"#announcement-{announcement.id}")
    assert "2026-12-07 09:00" in row.locator(".next-time").inner_text()  # it plays next on Monday
    assert "星期一" in row.inner_text() and "×2" in row.inner_text()
    _shot(console, "console-announcements-zh")
    console.context.close()


def test_switched_off_it_is_not_said_and_not_served(browser, site):
    sam = site.client("sam")
    assert _add(sam, text_zh="请保管好随身物品。", text_en="Please mind your belongings.", kind="weekly",
                days=["5"], times="09:00", repeat="1", languages="kiosk").status_code == 303
    (announcement,) = _stored(site)
    form = sam.get(f"/announcements?edit={announcement.id}").text
    assert "编辑广播" in form and f'name="id" value="{announcement.id}"' in form and 'value="5" checked' in form
    edited = _add(sam, id=str(announcement.id), text_zh="请保管好您的随身物品。", text_en="", kind="weekly",
                  days=["5", "6"], times="09:00, 18:00", repeat="1", languages="kiosk")
    assert edited.status_code == 303
    (announcement,) = _stored(site)
    assert (announcement.text_zh, announcement.text_en) == ("请保管好您的随身物品。", None)
    assert announcement.schedule.days == (5, 6) and len(announcement.schedule.times) == 2
    page = sam.get("/announcements").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    off = sam.post(f"/announcements/{announcement.id}/active", data={"csrf": csrf, "active": "off"})
    assert off.status_code == 303 and not _stored(site)[0].active
    assert "已停用" in sam.get("/announcements").text
    assert requests.get(f"{site.url}/kiosk/announcement/{announcement.id}/zh", timeout=30).status_code == 404

    site.clock.set(NINE - dt.timedelta(seconds=3))
    context = browser.new_context(locale="zh-CN")
    kiosk = context.new_page()
    kiosk.goto(f"{site.url}/kiosk")
    kiosk.wait_for_timeout(6 * POLL_S * 1000)
    assert kiosk.locator(".bubble.announcement").count() == 0
    context.close()
    assert _audit(site) == [("sam", "announcement.add"), ("sam", "announcement.change"), ("sam", "announcement.off")]


def test_an_english_kiosk_hears_the_english_text_only(site):
    sam = site.client("sam")
    assert _add(sam, text_zh="请保管好随身物品。", text_en="Please mind your belongings.", kind="once",
                once_at="2026-12-04T09:00", repeat="1", languages="kiosk").status_code == 303
    site.clock.set(NINE + dt.timedelta(seconds=20))
    since = (NINE - dt.timedelta(seconds=10)).isoformat()
    answer = requests.get(f"{site.url}/kiosk/api/announcements", params={"lang": "en", "since": since},
                          timeout=30).json()
    (item,) = answer["announcements"]
    assert item["texts"] == ["Please mind your belongings."] and item["label"] == "Announcement: "
    assert [clip["language"] for clip in item["clips"]] == ["en"]
    again = requests.get(f"{site.url}/kiosk/api/announcements", params={"lang": "en", "since": answer["until"]},
                         timeout=30).json()
    assert again["announcements"] == []  # asked from the last answer's `until`: not again


def test_only_supervisors_change_announcements_and_mistakes_store_nothing(site):
    oscar, sam = site.client("oscar"), site.client("sam")
    page = oscar.get("/announcements")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    refused = oscar.post("/announcements", data={"csrf": csrf, "text_zh": "测试", "kind": "weekly", "days": "1",
                                                 "times": "09:00"})
    assert refused.status_code == 403
    for form, shown in [({"text_zh": "欢迎", "kind": "weekly", "days": ["1"], "times": "25:00"}, "播放时间格式应为"),
                        ({"text_zh": "", "text_en": "", "kind": "weekly", "days": ["1"], "times": "09:00"},
                         "请填写中文或英文内容"),
                        ({"text_zh": "欢迎", "kind": "weekly", "times": "09:00"}, "请至少选择一天"),
                        ({"text_zh": "有事请拨打 139 0000 0001", "kind": "weekly", "days": ["1"], "times": "09:00"},
                         "保密号码"),
                        ({"text_zh": "欢迎", "kind": "once", "once_at": ""}, "请填写播放的日期和时间")]:
        mistake = _add(sam, **form)
        assert mistake.status_code == 422 and shown in mistake.text, form
        assert 'role="alert"' in mistake.text
    missing_csrf = sam.post("/announcements", data={"text_zh": "欢迎", "kind": "weekly", "days": "1", "times": "9:00"})
    assert missing_csrf.status_code == 403
    assert _stored(site) == [] and _audit(site) == []
