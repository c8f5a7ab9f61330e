"""Wake-up calls placed by the real gateway (#11, part 3): `Gateway` as production builds it (its UserAgent,
pyttsx3 prompts, the WakeupDialer it starts and stops) dials SIPp "room phones" at the booked time of a
test clock. Checked from the phone's side: SIPp's scenario (INVITE answered, the gateway's BYE received,
CANCELs when not answered) and the audio the gateway sent to the phone's media address (a socket the
phone's SDP names), compared with the rendered message. The records' part: tests/test_wakeups.py.

(Named test_wakeup_calls.py, not test_wakeups.py: pytest without packages cannot hold two test modules of
one name, and tests/test_wakeups.py is the records' tests.)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from voice_helpers import SIPP_DIR, free_udp_port, require_binary, wait_until_bound

from bot.db.engine import Database, open_database
from bot.db.tables import RoomRow, StayRow
from bot.hotel import wakeups
from bot.hotel.wakeups import WakeupStatus
from bot.org.orgfile import parse_org_file
from bot.records import messages
from voice.audio import Codec, Pcm, decode
from voice.gateway import Gateway, GatewayConfig
from voice.sip.rtp import parse_rtp
from voice.sip.ua import DialOutcome
from voice.transfer import DialPlan

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from test_wakeups import (  # the records' tests' hotel
    DEMO_HOTEL,
    NOTE_ZH,
    SEVEN,
    SHANGHAI,
    T0,
    import_demo_hotel,
)

pytestmark = pytest.mark.slow

RING_S = 2.0
RETRY = dt.timedelta(seconds=3)


class RoomPhone:
    """A SIPp UAS standing in for room phones (any number of calls), its messages traced to a file."""

    def __init__(self, scenario: str, workdir: Path, calls: int = 1, rtp_sink: int | None = None,
                 timeout_s: float = 120.0) -> None:
        self.scenario = SIPP_DIR / scenario
        self.workdir = workdir
        self.calls = calls
        self.rtp_sink = rtp_sink
        self.timeout_s = timeout_s
        self.port = free_udp_port()
        self.process: asyncio.subprocess.Process | None = None

    @property
    def address(self) -> tuple[str, int]:
        return "127.0.0.1", self.port

    async def start(self) -> RoomPhone:
        sipp = require_binary("sipp", "sip-tester")
        self.workdir.mkdir(parents=True, exist_ok=True)
        extra = ["-set", "rtp_sink", str(self.rtp_sink)] if self.rtp_sink else []
        self.process = await asyncio.create_subprocess_exec(
            sipp, "-sf", str(self.scenario), *extra, "-i", "127.0.0.1", "-p", str(self.port), "-mi", "127.0.0.1",
            "-mp", str(free_udp_port()), "-m", str(self.calls), "-nostdin", "-timeout", f"{int(self.timeout_s)}s",
            "-timeout_error", "-trace_err", "-error_file", str(self.workdir / "errors.log"), "-trace_msg",
            "-message_file", str(self.workdir / "messages.log"),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, cwd=self.workdir)
        await wait_until_bound(self.port, self.process)
        return self

    async def finish(self, timeout_s: float = 120.0) -> tuple[int, str]:
        assert self.process is not None
        try:
            _, stderr = await asyncio.wait_for(self.process.communicate(), timeout_s)
        except asyncio.TimeoutError:
            self.process.kill()
            await self.process.wait()
            return -1, "the room phone's scenario did not finish"
        errors = self.workdir / "errors.log"
        return self.process.returncode or 0, (errors.read_text(errors="replace") if errors.exists() else "") + \
            stderr.decode(errors="replace")

    def invites(self) -> list[str]:
        """The extension dialled (Request-URI user) of every call the phone received, in order: INVITEs
        with distinct Call-IDs (a retransmission before the phone answered is the same call)."""
        log = self.workdir / "messages.log"
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        calls: dict[str, str] = {}
        room = None
        for line in lines:
            if line.startswith("INVITE sip:"):
                room = line.split()[1].split("@")[0].removeprefix("sip:")
            elif room is not None and line.lower().startswith(("call-id:", "i:")):
                calls.setdefault(line.split(":", 1)[1].strip(), room)
                room = None
        return list(calls.values())

    def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()


class RtpSink(asyncio.DatagramProtocol):
    """The phone's ear: every RTP packet sent to the address the phone's SDP gave, with its arrival time."""

    def __init__(self) -> None:
        self.packets: list[tuple[float, bytes]] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.packets.append((time.monotonic(), data))

    @property
    def port(self) -> int:
        assert self.transport is not None
        return self.transport.get_extra_info("sockname")[1]

    def audio(self) -> Pcm:
        frames = [parse_rtp(data) for _, data in self.packets]
        return Pcm(b"".join(decode(p.payload, Codec.PCMA) for p in frames if p is not None and p.payload_type == 8),
                   8000)


async def rtp_sink() -> RtpSink:
    sink = RtpSink()
    await asyncio.get_running_loop().create_datagram_endpoint(lambda: sink, local_addr=("127.0.0.1", 0))
    return sink


def voiced_seconds(pcm: Pcm, frame: int = 320, level: float = 200.0) -> float:
    return sum(1 for i in range(0, len(pcm.data) - frame + 1, frame)
               if Pcm(pcm.data[i:i + frame], 8000).rms > level) * frame / 2 / 8000


def clock_from(start: dt.datetime) -> Callable[[], dt.datetime]:
    """`start`, running at the wall clock's pace from now."""
    began = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - began)


def gateway(database: Database, tmp_path: Path, dial_plan: DialPlan, clock: Callable[[], dt.datetime],
            name: str = "gw") -> Gateway:
    """The production gateway (no dialogue is needed: nobody calls in), its dialler on the test clock."""
    config = GatewayConfig(rasa_url="http://127.0.0.1:9", api_token="-", recordings_dir=tmp_path / name / "rec",
                           prompts_dir=tmp_path / "prompts", sip_port=0, dial_plan=dial_plan)
    built = Gateway(config, database)
    dialer = built.wakeups
    dialer.now, dialer.poll_s, dialer.ring_timeout_s, dialer.retry_delay = clock, 0.3, RING_S, RETRY
    return built


def wakeup(database: Database, wakeup_id: int) -> wakeups.WakeupRecord:
    with database.session() as session:
        found = wakeups.get_wakeup(session, wakeup_id)
    assert found is not None
    return found


async def until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@pytest.fixture
def hotel_db(sqlite_url, demo_directory):
    database = open_database(sqlite_url)
    import_demo_hotel(database, demo_directory)
    yield database
    database.close()


def _book(database: Database, room: str, due: dt.datetime = SEVEN, **options) -> wakeups.WakeupRecord:
    with database.session() as session:
        return wakeups.book(session, room, due, now=T0, zone=SHANGHAI, **options)


# ---------------------------------------------------------------------------------- answered


@pytest.mark.parametrize(("room", "extension", "words"), [
    ("0801", "6801", "早上好，现在是七点整，这是您的叫醒服务。"),
    ("0802", "6802", "Good morning, it is seven o'clock. This is your wake-up call."),
])
def test_at_the_booked_time_the_room_is_called_and_hears_the_message_twice(hotel_db, tmp_path, room, extension,
                                                                           words):
    booked = _book(hotel_db, room)

    async def scenario() -> tuple:
        sink = await rtp_sink()
        phone = await RoomPhone("wakeup_room_phone.xml", tmp_path / "phone", rtp_sink=sink.port).start()
        gw = gateway(hotel_db, tmp_path, DialPlan(routes={extension: phone.address}),
                     clock_from(SEVEN - dt.timedelta(seconds=6)))  # the gateway starts (prompts rendered) well before the time
        try:
            await gw.start()
            assert gw.wakeups.dials == []  # not yet due
            await until(lambda: wakeup(hotel_db, booked.id).status is WakeupStatus.ANSWERED, 60, "the answered call")
            code, errors = await phone.finish(30)
            prompt = await gw.synthesizer.prompt(words, booked.language)
        finally:
            phone.stop()
            await gw.close()
            sink.transport.close()
        return gw.wakeups.dials, code, errors, prompt, sink, phone.invites()

    dials, code, errors, prompt, sink, invites = asyncio.run(scenario())
    assert code == 0, errors  # INVITE answered, and the gateway's BYE came after the message
    assert invites == [extension]
    [dial] = dials
    assert dial.text == words and dial.spoken == 2 and dial.result == "answered"
    assert SEVEN <= dial.started_at < SEVEN + dt.timedelta(seconds=2)  # at the booked time, by the test clock
    after = wakeup(hotel_db, booked.id)
    assert (after.attempts, after.last_result, after.finished_at is not None) == (1, "answered", True)

    heard, said = voiced_seconds(sink.audio()), voiced_seconds(prompt.pcm)
    assert said > 1.5
    assert abs(heard - 2 * said) <= 0.2, (heard, said)  # the message, twice, all of it reached the phone
    span = sink.packets[-1][0] - sink.packets[0][0]
    length = 2 * len(prompt.pcm.data) / 2 / 8000 + gw_pause()
    assert length - 0.3 <= span <= length + 1.0, (span, length)  # the call lasted as long as the message
    assert after.history[0]["seconds"] == pytest.approx(length, abs=1.0)


def gw_pause() -> float:
    from voice.wakeup import PAUSE_S

    return PAUSE_S


class BusyRooms:
    """Room phones that are always busy (no SIP: what is checked is the message the gateway would say)."""

    def __init__(self) -> None:
        self.dialled: list[str] = []

    async def dial(self, target: str, dest: tuple[str, int], ring_timeout_s: float) -> DialOutcome:
        self.dialled.append(target)
        return DialOutcome("busy", 486)


class UnusedVoice:
    async def prompt(self, text: str, language: str) -> None:
        await asyncio.sleep(0)


def test_the_gateway_adds_the_stored_hotels_wakeup_note_read_again_for_each_dial(sqlite_url, tmp_path):
    """The production gateway's dialler, its phones and voice stubbed: the stored hotel's `policy.wakeup_note`
    ends the message in the guest's language (none in English here: nothing added); a note changed between
    two attempts (as the console does) is the one said at the next, without a restart."""
    database = open_database(sqlite_url)
    import_demo_hotel(database, parse_org_file(DEMO_HOTEL))
    with database.session() as session:
        wakeups.set_wakeup_note(session, {"zh": NOTE_ZH})
    zhang, anna = _book(database, "0801"), _book(database, "0802")
    plan = DialPlan(routes={"6801": ("127.0.0.1", 9), "6802": ("127.0.0.1", 9)})
    gw = gateway(database, tmp_path, plan, lambda: SEVEN)
    rooms = BusyRooms()
    gw.wakeups.ua, gw.wakeups.synthesizer = rooms, UnusedVoice()

    async def dial_due(at: dt.datetime) -> int:
        gw.wakeups.now = lambda: at
        claimed = await gw.wakeups.run_once()
        await until(lambda: gw.wakeups.in_progress == 0, 10, "the attempts to be recorded")
        return claimed

    async def scenario() -> None:
        assert await dial_due(SEVEN) == 2
        with database.session() as session:
            wakeups.set_wakeup_note(session, {"zh": "今天有雨，出门请带伞。", "en": "Rain today: take an umbrella."})
        assert await dial_due(SEVEN + RETRY) == 2

    try:
        asyncio.run(scenario())
        attempts = wakeup(database, zhang.id).attempts
    finally:
        gw.executor.shutdown(wait=False)
        database.close()
    said = {(d.wakeup, d.attempt): d.text for d in gw.wakeups.dials}
    assert said == {
        (zhang.id, 1): "早上好，现在是七点整，这是您的叫醒服务。今天多云，最高气温十八度。",
        (anna.id, 1): "Good morning, it is seven o'clock. This is your wake-up call.",
        (zhang.id, 2): "早上好，现在是七点整，这是您的叫醒服务。今天有雨，出门请带伞。",
        (anna.id, 2): "Good morning, it is seven o'clock. This is your wake-up call. Rain today: take an umbrella.",
    }
    assert len(rooms.dialled) == 4 and attempts == 2


# ---------------------------------------------------------------------------------- not answered


def test_no_answer_is_retried_twice_after_the_delay_then_the_front_desk_is_alerted(hotel_db, tmp_path):
    booked = _book(hotel_db, "0812")

    async def scenario() -> tuple:
        phone = await RoomPhone("staff_no_answer.xml", tmp_path / "phone", calls=3).start()
        gw = gateway(hotel_db, tmp_path, DialPlan(routes={"6812": phone.address}), clock_from(SEVEN))
        try:
            await gw.start()
            await until(lambda: wakeup(hotel_db, booked.id).status is WakeupStatus.FAILED, 90, "the third attempt")
            code, errors = await phone.finish(30)
        finally:
            phone.stop()
            await gw.close()
        return gw.wakeups.dials, code, errors, phone.invites()

    dials, code, errors, invites = asyncio.run(scenario())
    assert code == 0, errors  # three INVITEs, each rang and was CANCELled (487, ACK)
    assert invites == ["6812"] * 3
    assert [d.result for d in dials] == ["no_answer"] * 3 and [d.attempt for d in dials] == [1, 2, 3]
    for before, after in itertools.pairwise(dials):
        gap = (after.started_at - before.started_at).total_seconds()
        assert RING_S + RETRY.total_seconds() - 0.1 <= gap <= RING_S + RETRY.total_seconds() + 3, gap
    failed = wakeup(hotel_db, booked.id)
    assert (failed.status, failed.attempts, [h["result"] for h in failed.history]) == (
        WakeupStatus.FAILED, 3, ["no_answer"] * 3)
    with hotel_db.session() as session:
        alert = messages.get_message(session, failed.alert_message)
        pending = [m.id for m in messages.pending_delivery(session)]
    assert alert is not None and alert.recipient == "admin" and alert.urgent
    assert "0812" in alert.text and "called 3 times with no answer" in alert.text
    assert pending == [alert.id]  # the message sweep e-mails it; the console's board lists it


def test_a_busy_room_is_retried_like_no_answer(hotel_db, tmp_path):
    booked = _book(hotel_db, "0801")

    async def scenario() -> tuple:
        busy = await RoomPhone("staff_busy.xml", tmp_path / "busy").start()
        routes = {"6801": busy.address}
        gw = gateway(hotel_db, tmp_path, DialPlan(routes=routes), clock_from(SEVEN))
        try:
            await gw.start()
            await until(lambda: wakeup(hotel_db, booked.id).status is WakeupStatus.RETRY, 30, "the busy attempt")
            sink = await rtp_sink()
            answering = await RoomPhone("wakeup_room_phone.xml", tmp_path / "room", rtp_sink=sink.port).start()
            routes["6801"] = answering.address  # the guest has put the phone back
            await until(lambda: wakeup(hotel_db, booked.id).status is WakeupStatus.ANSWERED, 60, "the retry")
            codes = [(await busy.finish(10))[0], (await answering.finish(30))[0]]
        finally:
            busy.stop()
            await gw.close()
        return gw.wakeups.dials, codes

    dials, codes = asyncio.run(scenario())
    assert codes == [0, 0]
    assert [(d.attempt, d.result, d.status) for d in dials] == [(1, "busy", 486), (2, "answered", 200)]
    assert [h["result"] for h in wakeup(hotel_db, booked.id).history] == ["busy", "answered"]


# ---------------------------------------------------------------------------------- restarts


def test_a_restart_before_the_wakeup_time_loses_nothing_and_calls_once(hotel_db, tmp_path):
    booked = _book(hotel_db, "0801")

    async def scenario() -> tuple:
        sink = await rtp_sink()
        phone = await RoomPhone("wakeup_room_phone.xml", tmp_path / "phone", rtp_sink=sink.port).start()
        plan = DialPlan(routes={"6801": phone.address})
        first = gateway(hotel_db, tmp_path, plan, clock_from(SEVEN - dt.timedelta(minutes=10)), "first")
        await first.start()
        await asyncio.sleep(1.0)
        await first.close()  # the service restarts well before 07:00
        second = gateway(hotel_db, tmp_path, plan, clock_from(SEVEN - dt.timedelta(seconds=1)), "second")
        try:
            await second.start()
            await until(lambda: wakeup(hotel_db, booked.id).status is WakeupStatus.ANSWERED, 60, "the call")
            await asyncio.sleep(2 * second.wakeups.poll_s + 1)  # time enough to dial it again, were it to
            code, errors = await phone.finish(30)
        finally:
            phone.stop()
            await second.close()
            sink.transport.close()
        return first.wakeups.dials, second.wakeups.dials, code, errors, phone.invites()

    before, after, code, errors, invites = asyncio.run(scenario())
    assert code == 0, errors
    assert before == [] and [d.wakeup for d in after] == [booked.id] and invites == ["6801"]
    assert wakeup(hotel_db, booked.id).attempts == 1


def test_a_restart_while_the_room_rings_gives_the_booking_back_and_the_next_gateway_calls(hotel_db, tmp_path):
    booked = _book(hotel_db, "0801")

    async def scenario() -> tuple:
        ringing = await RoomPhone("staff_no_answer.xml", tmp_path / "ringing").start()
        routes = {"6801": ringing.address}
        first = gateway(hotel_db, tmp_path, DialPlan(routes=routes), clock_from(SEVEN), "first")
        first.wakeups.ring_timeout_s = 30.0
        await first.start()
        await until(lambda: bool(first.wakeups.dials), 20, "the first dial")
        await asyncio.sleep(1.0)  # ringing
        await first.close()  # stopped mid-ring: CANCEL, and the booking is given back
        released = wakeup(hotel_db, booked.id)
        sink = await rtp_sink()
        answering = await RoomPhone("wakeup_room_phone.xml", tmp_path / "room", rtp_sink=sink.port).start()
        routes["6801"] = answering.address
        second = gateway(hotel_db, tmp_path, DialPlan(routes=routes), clock_from(SEVEN + dt.timedelta(seconds=5)),
                         "second")
        try:
            await second.start()
            await until(lambda: wakeup(hotel_db, booked.id).status is WakeupStatus.ANSWERED, 60, "the call")
            codes = [(await ringing.finish(20))[0], (await answering.finish(30))[0]]
        finally:
            ringing.stop()
            answering.stop()
            await second.close()
            sink.transport.close()
        return released, first.wakeups.dials, second.wakeups.dials, codes

    released, before, after, codes = asyncio.run(scenario())
    assert (released.status, released.attempts) == (WakeupStatus.BOOKED, 0)
    assert [d.result for d in before] == ["released"] and [d.result for d in after] == ["answered"]
    assert codes == [0, 0]  # the ringing phone got its CANCEL
    done = wakeup(hotel_db, booked.id)
    assert (done.attempts, [h["result"] for h in done.history]) == (1, ["answered"])


# ---------------------------------------------------------------------------------- two gateways


def _more_rooms(database: Database, count: int, first_extension: int = 5001) -> list[str]:
    """`count` more rooms, each with a guest in house (straight into the tables: a test's hotel)."""
    numbers = [f"{1001 + n}" for n in range(count)]
    with database.session() as session:
        for n, number in enumerate(numbers):
            session.add(RoomRow(number=number, extension=str(first_extension + n), floor="10"))
            session.add(StayRow(room=number, guest_name_latin=f"Guest {n}", arrival=dt.date(2026, 12, 3),
                                departure=dt.date(2026, 12, 8), language="en", status="active"))
    return numbers


def test_two_gateways_on_one_database_call_each_room_once(db_url, demo_directory, tmp_path):
    database = open_database(db_url)
    import_demo_hotel(database, demo_directory)
    rooms = _more_rooms(database, 16)
    booked = [_book(database, room) for room in rooms]

    async def scenario() -> tuple:
        sink = await rtp_sink()
        phone = await RoomPhone("wakeup_room_phone.xml", tmp_path / "phones", calls=len(rooms),
                                rtp_sink=sink.port).start()
        plan = DialPlan(proxy=phone.address, domain="hotel.test")
        gateways = [gateway(database, tmp_path, plan, clock_from(SEVEN - dt.timedelta(seconds=1)), f"gw{n}")
                    for n in range(2)]
        for gw in gateways:
            gw.wakeups.concurrency = 4  # each takes a few at a time: both are kept busy
        try:
            await asyncio.gather(*(gw.start() for gw in gateways))
            await until(lambda: all(wakeup(database, b.id).status is WakeupStatus.ANSWERED for b in booked), 120,
                        "every room's call")
            await asyncio.sleep(2)
            code, errors = await phone.finish(30)
        finally:
            phone.stop()
            await asyncio.gather(*(gw.close() for gw in gateways))
            sink.transport.close()
        return [gw.wakeups.dials for gw in gateways], code, errors, phone.invites()

    try:
        dials, code, errors, invites = asyncio.run(scenario())
        assert code == 0, errors
        assert sorted(invites) == sorted(str(5001 + n) for n in range(len(rooms)))  # each room's phone rang once
        assert all(dials), "one gateway did all the calls: the race was not exercised"
        assert sorted(d.wakeup for per in dials for d in per) == sorted(b.id for b in booked)
        assert {wakeup(database, b.id).attempts for b in booked} == {1}
    finally:
        database.close()
