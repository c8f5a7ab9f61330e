"""The operator's desk (#12, point 2): a call handed to the operator appears on the live board with
what the receptionist understood (whom the caller wanted, who they are, the matter) and the
conversation so far, so the operator never asks again; the operator role may read the transcript of
a call handed to them, and still not of other calls. Real Rasa and action servers on the demo
company (the transcript written by the tracker store's hook, as in production), the real console on
the same database, and the board in headless Chromium."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from console_server import Console, start_console
from rasa_servers import Servers, bearer, customs, texts

from bot.db.engine import open_database
from bot.launcher import rasa_command
from bot.org.model import Directory, Span
from bot.org.store import replace_directory
from bot.training import current_model

CALLER = "+8613700001234"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def always_open(directory: Directory) -> Directory:
    """The demo company open round the clock (the test runs on the real clock, at any hour)."""
    every_day = {day: Span(dt.time(0, 0), dt.time.max) for day in directory.hours}
    return dataclasses.replace(directory, hours=every_day, holidays=())


class DemoServers(Servers):
    directory: Directory

    def start(self) -> DemoServers:
        database = open_database(self.db_url)
        try:
            with database.session() as session:
                replace_directory(session, self.directory)
        finally:
            database.close()
        self.start_actions(wait=False)
        self._spawn("rasa", rasa_command(self.model))
        self._wait("actions", f"{self.action_url}/health", bearer(self.action_secret))
        self._wait("rasa", f"{self.rasa_url}/")
        return self


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, demo_directory) -> Iterator[tuple[DemoServers, Console]]:
    model = current_model()
    if model is None:
        pytest.skip("no trained dialogue model for the current config, domain and data: run `make model`")
    workdir = tmp_path_factory.mktemp("operator-desk")
    servers = DemoServers(workdir, model, f"sqlite:///{workdir / 'receptionist.db'}")
    servers.directory = always_open(demo_directory)
    servers.start()
    console, server = start_console(servers.db_url, servers.directory, workdir / "console")
    try:
        yield servers, console
    finally:
        server.stop()
        console.database.close()
        servers.stop()


def say(servers: Servers, sender: str, text: str) -> list[dict]:
    metadata = {"channel": "phone", "caller_id": CALLER, "internal": False} if not text else None
    status, body = servers.say(sender, text, metadata)
    assert status == 200, body
    return body


@pytest.fixture(scope="module")
def handed_over(desk) -> str:
    """王五 of 星辰贸易 asks for 刘总监 about a quote; no answer; he asks for a person."""
    servers, _ = desk
    sender = "desk-handover-1"
    say(servers, sender, "")
    body = say(servers, sender, "喂 你好 我是星辰贸易的王五 找一下你们销售部的刘经理 关于下个月展会报价的事")
    assert [c["target"] for c in customs(body) if c["type"] == "transfer"] == ["liu-fang"]
    status, body = servers.report(sender, "no_answer")
    assert status == 200, body
    body = say(servers, sender, "呃 算了 你帮我转人工吧")
    (transfer,) = [c for c in customs(body) if c["type"] == "transfer"]
    assert transfer["target"] == "operator"
    assert transfer["handover"] == {"wanted": "刘总监", "caller": "王五（星辰贸易）", "matter": "关于下个月展会报价的事"}
    assert all("139" not in t for t in texts(body))
    return sender


def test_the_board_shows_the_handed_over_call_with_what_was_understood(desk, handed_over):
    _, console = desk
    board = console.client("oscar").get("/board/live").text
    card = board[board.index(f'id="handover-{handed_over}"'):]
    card = card[:card.index("</article>")]
    assert "刘总监" in card and "王五（星辰贸易）" in card and "关于下个月展会报价的事" in card
    assert "找一下你们销售部的刘经理" in card and "你帮我转人工吧" in card  # the caller's own words so far
    assert "正在为您转接人工服务" in card  # and what the receptionist said


def test_the_operator_reads_the_transcript_of_a_call_handed_to_them_but_of_no_other(desk, handed_over):
    servers, console = desk
    other = "desk-not-handed"
    say(servers, other, "")
    say(servers, other, "你好 请问你们几点下班")
    operator = console.client("oscar")
    page = operator.get(f"/calls/{handed_over}").text
    assert "找一下你们销售部的刘经理" in page and "Mark misunderstood" not in page and "标记" not in page
    hidden = operator.get(f"/calls/{other}").text
    assert "几点下班" not in hidden and "主管" in hidden  # "shown to supervisors"
    assert "几点下班" in console.client("sam").get(f"/calls/{other}").text


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_the_operator_sees_the_handover_on_the_live_board_in_a_browser(desk, handed_over):
    playwright_api = pytest.importorskip("playwright.sync_api")
    from console_seed import PASSWORDS

    _, console = desk
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(locale="zh-CN")
            page.goto(console.url + "/signin")
            page.fill("input[name=username]", "oscar")
            page.fill("input[name=password]", PASSWORDS["oscar"])
            page.click("button.primary")
            page.wait_for_url(console.url + "/")
            card = page.locator(f"#handover-{handed_over}")
            card.wait_for(state="visible", timeout=10_000)
            assert "王五（星辰贸易）" in card.inner_text() and "刘总监" in card.inner_text()
            card.get_by_role("link").first.click()
            page.wait_for_url(f"**/calls/{handed_over}")
            assert page.locator("ol.turns").inner_text().count("刘经理") >= 1
        finally:
            browser.close()
