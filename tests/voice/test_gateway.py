"""The gateway end to end: SIPp callers and staff phones, the real Rasa and action servers, real prompts.

Each test places a real SIP call (SIPp) to voice.gateway; the dialogue answers over HTTP exactly as
in production (tests/rasa_servers.py); staff phones are SIPp UAS scenarios addressed directly by
the dial plan. What a caller would notice is checked: what they heard (the gateway's recording and
the dialogue's replies), where they were put through, and the call record staff would read.
"""

from __future__ import annotations

import asyncio
import sys
import time
import wave
from pathlib import Path

import pytest
from gateway_helpers import SPEECH, StaffPhone, Step, caller_scenario, keys, staff_answers_scenario
from voice_helpers import eventually, run_sipp

from bot.db.engine import open_database
from voice.audio import SAMPLE_WIDTH, Pcm
from voice.gateway import Gateway, GatewayConfig
from voice.transfer import DialPlan

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rasa_servers import Servers


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory):
    from bot.config import PROJECT_ROOT
    from bot.training import current_model

    # The model of the current training data, else the newest trained one (the gateway only needs a dialogue).
    trained = sorted((PROJECT_ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    model = current_model() or (trained[-1] if trained else None)
    if model is None:
        pytest.skip("no trained dialogue model: `make test` or `python -m bot.training --ensure` trains it")
    work = tmp_path_factory.mktemp("rasa")
    running = Servers(workdir=work, model=model, db_url=f"sqlite:///{work / 'receptionist.db'}").start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def prompts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prompts")


OFFICE_HOURS = "2026-11-25T10:15:00+08:00"
"""The calls happen on a Wednesday morning (the servers run with RECEPTIONIST_TEST_CLOCK=1), whatever the real time."""


def config(servers: Servers, tmp_path: Path, prompts_dir: Path, routes: dict[str, tuple[str, int]],
           rasa_url: str | None = None, **extra) -> GatewayConfig:
    return GatewayConfig(rasa_url=rasa_url or servers.rasa_url, api_token=servers.token,
                         channel_token=servers.tokens["phone"],
                         recordings_dir=tmp_path / "recordings", prompts_dir=prompts_dir, sip_port=0,
                         dial_plan=DialPlan(routes=routes), dialogue_timeout_s=extra.pop("dialogue_timeout_s", 20.0),
                         first_metadata={"now": OFFICE_HOURS}, **extra)


async def call_gateway(cfg: GatewayConfig, db_url: str, steps: list[Step], tmp_path: Path, hang_up: bool,
                       staff: StaffPhone | None = None, wait_bye_ms: int = 90000,
                       caller_number: str = "+8613800000000",
                       sipp_extra: list[str] | None = None) -> tuple[Gateway, int, str, tuple[int, str]]:
    database = open_database(db_url)
    gateway = Gateway(cfg, database)
    await gateway.start()
    try:
        if staff is not None:
            await staff.start()
        scenario = caller_scenario(steps, tmp_path / "caller.xml", hang_up=hang_up, wait_bye_ms=wait_bye_ms,
                                   caller_number=caller_number)
        code, log = await run_sipp(str(scenario), ("127.0.0.1", gateway.ua.port), tmp_path / "caller",
                                   service="8888", timeout_s=150, extra=sipp_extra)
        staff_result = await staff.finish() if staff is not None else (0, "")
        # the session saves its recording as the call ends
        await eventually(lambda: bool(gateway.sessions) and gateway.sessions[-1].recording is not None)
        return gateway, code, log, staff_result
    finally:
        await gateway.close()
        database.close()


def run(coro):
    return asyncio.run(coro)


def _record_with_recording(servers: Servers, conversation: str, timeout_s: float = 30.0) -> dict:
    """The call record once the recording is linked: the gateway stores it as the call ends, after
    the caller's side has already finished."""
    deadline = time.monotonic() + timeout_s
    record = servers.call_record(conversation)
    while not record.get("recording") and time.monotonic() < deadline:
        time.sleep(0.2)
        record = servers.call_record(conversation)
    return record


def test_a_caller_keys_an_extension_and_is_put_through_to_the_staff_phone(servers, tmp_path, prompts_dir):
    (tmp_path / "caller").mkdir()
    staff = StaffPhone(staff_answers_scenario(tmp_path / "staff.xml", talk_ms=3000), tmp_path / "staff")
    cfg = config(servers, tmp_path, prompts_dir, {"8202": staff.address})

    gateway, code, log, (staff_code, staff_log) = run(call_gateway(
        cfg, servers.db_url, [Step(pause_ms=1500), *keys("8202")], tmp_path, hang_up=False, staff=staff))

    assert code == 0, f"the caller was not hung up on after the staff phone hung up: {log}"
    assert staff_code == 0, f"the staff phone was not rung, answered and bridged: {staff_log}"
    session = gateway.sessions[-1]
    assert session.transcript_sent == ["8202"]
    assert any("李娜" in text for text in session.spoken), session.spoken
    assert session.outcome == "transfer:answered"
    record = _record_with_recording(servers, session.conversation)
    assert record["outcome"] == "transferred" and record["transferred_to"] == "li-na"
    assert record["recording"] and Path(record["recording"]).is_file()
    assert gateway.ua.errors == 0 and gateway.failed_calls == 0


def test_a_busy_phone_brings_the_caller_back_to_the_receptionist_who_offers_a_message(servers, tmp_path, prompts_dir):
    (tmp_path / "caller").mkdir()
    staff = StaffPhone("staff_busy.xml", tmp_path / "staff")
    cfg = config(servers, tmp_path, prompts_dir, {"8202": staff.address})

    gateway, code, log, (staff_code, staff_log) = run(call_gateway(
        cfg, servers.db_url, [Step(pause_ms=1500), *keys("8202"), Step(pause_ms=14000)], tmp_path, hang_up=True,
        staff=staff))

    assert code == 0, log
    assert staff_code == 0, staff_log
    session = gateway.sessions[-1]
    assert session.outcome == "transfer:busy"
    assert any("通话中" in text for text in session.spoken), session.spoken
    assert any("留言" in text for text in session.spoken), "the receptionist must offer to take a message"
    said = [t["text"] for t in servers.call_record(session.conversation)["transcript"] if t["who"] == "receptionist"]
    assert any("留言" in text for text in said)


def test_a_phone_nobody_picks_up_is_cancelled_and_the_receptionist_offers_a_message(servers, tmp_path, prompts_dir):
    (tmp_path / "caller").mkdir()
    staff = StaffPhone("staff_no_answer.xml", tmp_path / "staff")
    cfg = config(servers, tmp_path, prompts_dir, {"8202": staff.address})

    gateway, code, log, (staff_code, staff_log) = run(call_gateway(
        cfg, servers.db_url, [Step(pause_ms=1500), *keys("8202"), Step(pause_ms=40000)], tmp_path, hang_up=True,
        staff=staff))

    assert code == 0, log
    assert staff_code == 0, f"the staff phone must be CANCELled after the ring time-out: {staff_log}"
    session = gateway.sessions[-1]
    assert session.outcome == "transfer:no_answer"
    assert any("留言" in text for text in session.spoken[2:]), session.spoken


def test_the_recording_holds_the_greeting_as_synthesised(servers, tmp_path, prompts_dir, korean_model_path):
    (tmp_path / "caller").mkdir()
    # with a speech model the greeting is followed by silence (no "key the extension" notice)
    cfg = config(servers, tmp_path, prompts_dir, {}, speech_paths={"ko": korean_model_path}, speech_language="ko")

    gateway, code, log, _ = run(call_gateway(cfg, servers.db_url, [Step(pause_ms=13000)], tmp_path, hang_up=True))

    assert code == 0, log
    session = gateway.sessions[-1]
    greeting_text = session.spoken[0]
    assert "华信科技" in greeting_text
    greeting = run(_prompt(prompts_dir, greeting_text))
    with wave.open(str(session.recording)) as wav:
        assert wav.getnchannels() == 2 and wav.getframerate() == 8000
    sent = _heard_by(session.recording, "gateway")
    frame = 320
    voiced = [i for i in range(0, len(sent.data), frame) if Pcm(sent.data[i:i + frame], 8000).rms > 60]
    heard = Pcm(sent.data[voiced[0]:voiced[-1] + frame], 8000)
    expected_voiced = [i for i in range(0, len(greeting.data), frame) if Pcm(greeting.data[i:i + frame], 8000).rms > 60]
    expected = Pcm(greeting.data[expected_voiced[0]:expected_voiced[-1] + frame], 8000)
    assert abs(heard.duration_s - expected.duration_s) < 0.1, (heard.duration_s, expected.duration_s)
    assert abs(heard.rms - expected.rms) / expected.rms < 0.1, (heard.rms, expected.rms)
    assert _record_with_recording(servers, session.conversation)["recording"] == str(session.recording)


async def _prompt(prompts_dir: Path, text: str) -> Pcm:
    from voice.tts import Synthesizer

    synthesizer = Synthesizer(prompts_dir)
    try:
        prompt = await synthesizer.prompt(text, "zh")
        assert prompt.cached, "the greeting the caller heard was rendered into this cache"
        return prompt.pcm
    finally:
        await synthesizer.close()


def test_a_silent_dialogue_puts_the_caller_through_to_the_operator(servers, tmp_path, prompts_dir):
    from voice_helpers import free_udp_port

    (tmp_path / "caller").mkdir()
    staff = StaffPhone(staff_answers_scenario(tmp_path / "operator.xml", talk_ms=2000), tmp_path / "operator")
    dead = f"http://127.0.0.1:{free_udp_port()}"
    cfg = config(servers, tmp_path, prompts_dir, {"8000": staff.address}, rasa_url=dead, dialogue_timeout_s=3.0)

    gateway, code, log, (staff_code, staff_log) = run(call_gateway(
        cfg, servers.db_url, [], tmp_path, hang_up=False, staff=staff))

    assert code == 0, log
    assert staff_code == 0, f"the operator's phone was not rung and connected: {staff_log}"
    session = gateway.sessions[-1]
    assert session.outcome == "transfer:answered"
    assert "转接人工" in session.spoken[0]


def test_a_number_outside_the_directory_is_never_dialled(servers, tmp_path, prompts_dir):
    from voice.transfer import Transfers, allowed_destinations

    async def scenario() -> tuple[str | None, str | None, str | None]:
        database = open_database(servers.db_url)
        gateway = Gateway(config(servers, tmp_path, prompts_dir, {}), database)
        try:
            transfers: Transfers = gateway.services.transfers
            return (await transfers.permitted("+86 139 0000 0012"), await transfers.permitted("13800138000"),
                    await transfers.permitted("8202"))
        finally:
            await gateway.close()
            database.close()

    mobile, outside, extension = run(scenario())
    assert mobile == "+8613900000012" and extension == "8202"
    assert outside is None
    assert {"8099", "8000"} <= allowed_destinations(_directory(servers.db_url)), "duty line and operator"


def _directory(db_url: str):
    from bot.org.store import load_directory

    database = open_database(db_url)
    try:
        with database.session() as session:
            return load_directory(session)
    finally:
        database.close()



def test_korean_speech_reaches_the_dialogue_which_after_repeats_hands_the_caller_to_the_operator(
        servers, tmp_path, prompts_dir, korean_model_path):
    from gateway_helpers import rtp_pcap
    from voice_helpers import espeak

    (tmp_path / "caller").mkdir()
    speech = espeak("안녕하세요 반갑습니다", "ko", 8000, tmp_path)
    pcap = rtp_pcap(speech.data, tmp_path / "korean.pcap")
    staff = StaffPhone(staff_answers_scenario(tmp_path / "operator.xml", talk_ms=2000), tmp_path / "operator")
    cfg = config(servers, tmp_path, prompts_dir, {"8000": staff.address}, speech_paths={"ko": korean_model_path},
                 speech_language="ko")
    said = Step(pcap=str(pcap))
    steps = [Step(pause_ms=10000), said, Step(pause_ms=12000), said, Step(pause_ms=3000)]

    gateway, code, log, (staff_code, staff_log) = run(call_gateway(
        cfg, servers.db_url, steps, tmp_path, hang_up=False, staff=staff))

    session = gateway.sessions[-1]
    assert len(session.transcript_sent) == 2, (session.transcript_sent, session.spoken)
    assert code == 0, log
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in text) for text in session.transcript_sent), \
        f"the Korean model's transcript must reach the dialogue: {session.transcript_sent}"
    assert staff_code == 0, f"after two turns it did not understand, the operator's phone must be connected: {staff_log}"
    assert session.outcome == "transfer:answered"
    caller_turns = [t["text"] for t in servers.call_record(session.conversation)["transcript"] if t["who"] == "caller"]
    assert caller_turns == session.transcript_sent


def _voiced_share(pcm: Pcm, frame: int = 320, level: float = 200.0) -> float:
    frames = [pcm.data[i:i + frame] for i in range(0, len(pcm.data) - frame + 1, frame)]
    return sum(1 for f in frames if Pcm(f, 8000).rms > level) / max(1, len(frames))


def _heard_by(recording: Path, side: str) -> Pcm:
    """One channel of a call's stereo recording: "caller" (left, what they said) or "gateway" (right,
    what the caller heard: prompts, hold audio, the bridged callee)."""
    import audioop

    with wave.open(str(recording)) as wav:
        data = wav.readframes(wav.getnframes())
    left, right = (1, 0) if side == "caller" else (0, 1)
    return Pcm(audioop.tomono(data, SAMPLE_WIDTH, left, right), 8000)


@pytest.mark.parametrize("key", ["1", "2"])
def test_an_announced_transfer_to_the_general_manager_connects_only_when_he_accepts(servers, tmp_path, prompts_dir, key):
    """The finance director (8201) calls through the PBX and keys the general manager (8001), an executive:
    the call is announced to him; key 1 connects the two, key 2 brings the caller back to the receptionist."""
    (tmp_path / "caller").mkdir()
    talk_ms = 6000
    executive = StaffPhone(staff_answers_scenario(tmp_path / "gm.xml", accept_key=key, accept_after_ms=2500,
                                                  talk_ms=talk_ms, hung_up_on=key == "2"), tmp_path / "gm")
    cfg = config(servers, tmp_path, prompts_dir, {"8001": executive.address}, internal_peers=frozenset({"127.0.0.1"}))
    steps = [Step(pause_ms=1500), *keys("8001")] + ([] if key == "1" else [Step(pause_ms=22000)])

    gateway, code, log, (exec_code, exec_log) = run(call_gateway(
        cfg, servers.db_url, steps, tmp_path, hang_up=key == "2", staff=executive, caller_number="8201"))

    session = gateway.sessions[-1]
    assert session.outcome == ("transfer:answered" if key == "1" else "transfer:declined"), \
        (session.outcome, session.transcript_sent, session.spoken)
    assert code == 0, log
    assert exec_code == 0, f"the executive's phone was not rung, answered and (for key 1) bridged: {exec_log}"
    assert len(session.announced) == 1 and "刘芳" in session.announced[0], session.announced
    assert "8201" not in session.announced[0] and "财务" in session.announced[0]
    record = _record_with_recording(servers, session.conversation)
    heard = _heard_by(session.recording, "gateway")
    if key == "1":
        assert session.outcome == "transfer:answered"
        assert record["outcome"] == "transferred" and record["transferred_to"] == "zhang-jianhua"
        # the executive's voice (SIPp's speech) reached the caller: the last seconds are speech, not hold chimes
        last = Pcm(heard.data[-int(8000 * (talk_ms - 1000) / 1000) * 2:], 8000)
        assert _voiced_share(last) > 0.5, _voiced_share(last)
    else:
        assert session.outcome == "transfer:declined"
        assert record["outcome"] != "transferred"
        back = session.spoken[2:]
        assert back, "after the executive declined, the receptionist must speak to the caller again"


def test_the_general_manager_can_accept_by_saying_yes(servers, tmp_path, prompts_dir, korean_model_path):
    """With a speech model the callee may answer the announcement by voice (here Korean "네", "yes", the only
    model the package registry carries); the caller is then connected as with key 1."""
    from gateway_helpers import rtp_pcap
    from voice_helpers import espeak

    (tmp_path / "caller").mkdir()
    yes = rtp_pcap(espeak("네", "ko", 8000, tmp_path).data, tmp_path / "yes.pcap")
    executive = StaffPhone(staff_answers_scenario(tmp_path / "gm.xml", answer_pcap=str(yes), accept_after_ms=3000,
                                                  talk_ms=4000), tmp_path / "gm")
    cfg = config(servers, tmp_path, prompts_dir, {"8001": executive.address}, internal_peers=frozenset({"127.0.0.1"}),
                 speech_paths={"ko": korean_model_path}, speech_language="ko")

    gateway, code, log, (exec_code, exec_log) = run(call_gateway(
        cfg, servers.db_url, [Step(pause_ms=1500), *keys("8001")], tmp_path, hang_up=False, staff=executive,
        caller_number="8201"))

    assert code == 0, log
    assert exec_code == 0, exec_log
    session = gateway.sessions[-1]
    assert len(session.announced) == 1
    assert session.outcome == "transfer:answered", session.outcome


def test_when_neither_the_dialogue_nor_the_operator_answers_the_caller_leaves_a_voice_message(
        servers, tmp_path, prompts_dir):
    from voice_helpers import free_udp_port

    (tmp_path / "caller").mkdir()
    operator = StaffPhone("staff_busy.xml", tmp_path / "operator")
    dead = f"http://127.0.0.1:{free_udp_port()}"
    cfg = config(servers, tmp_path, prompts_dir, {"8000": operator.address}, rasa_url=dead, dialogue_timeout_s=2.0)
    # The caller speaks after the tone and hangs up. The apology, the operator's busy line and the
    # voice-mail prompt take about 17 s here; speaking at 45 s leaves room for a machine 2.5 times
    # slower (SIPp cannot wait for the tone itself), and the 60 s recording still holds it all.
    steps = [Step(pause_ms=45000), Step(pcap=SPEECH), Step(pause_ms=3000)]

    gateway, code, log, (op_code, op_log) = run(call_gateway(
        cfg, servers.db_url, steps, tmp_path, hang_up=True, staff=operator, caller_number="13800138000"))

    assert code == 0, log
    assert op_code == 0, f"the operator's phone must be tried first: {op_log}"
    session = gateway.sessions[-1]
    assert session.outcome == "failsafe:voicemail", session.outcome
    assert any("提示音" in text for text in session.spoken), session.spoken
    left = _messages_for_call(servers.db_url, session.conversation)
    assert len(left) == 1, left
    assert left[0].recipient == "admin" and left[0].callback_number == "13800138000"
    assert "语音留言" in left[0].text and left[0].status.value == "new"
    record = _record_with_recording(servers, session.conversation)
    assert record["recording"], "the voice message is the call's recording, which staff play in the console"
    heard = _heard_by(Path(record["recording"]), "caller")
    # The caller talks for 3 s (SIPp's speech pcap, 30 ms packets) and hangs up: the last 5 s hold it.
    assert heard.duration_s > 20 and _voiced_share(Pcm(heard.data[-8000 * 2 * 5:], 8000)) > 0.3


def _messages_for_call(db_url: str, conversation: str) -> list:
    from bot.records.messages import list_messages

    database = open_database(db_url)
    try:
        with database.session() as session:
            return [m for m in list_messages(session) if m.conversation == conversation]
    finally:
        database.close()


def test_stopping_the_gateway_mid_call_hangs_up_and_keeps_the_recording(servers, tmp_path, prompts_dir):
    (tmp_path / "caller").mkdir()
    cfg = config(servers, tmp_path, prompts_dir, {})

    async def scenario() -> tuple[Gateway, int, str]:
        database = open_database(servers.db_url)
        gateway = Gateway(cfg, database)
        await gateway.start()
        try:
            scenario_file = caller_scenario([Step(pause_ms=1000)], tmp_path / "caller.xml", hang_up=False,
                                            wait_bye_ms=30000)
            calling = asyncio.ensure_future(run_sipp(str(scenario_file), ("127.0.0.1", gateway.ua.port),
                                                     tmp_path / "caller", service="8888", timeout_s=60))
            assert await eventually(lambda: bool(gateway.sessions) and bool(gateway.sessions[-1].spoken)), \
                "the greeting was never spoken"
            await asyncio.sleep(2.0)  # the caller has been listening for a while
            await gateway.close()  # a restart in the middle of the call
            code, log = await calling
            return gateway, code, log
        finally:
            database.close()

    gateway, code, log = run(scenario())

    assert code == 0, f"the caller must be hung up on cleanly (BYE), not left hanging: {log}"
    session = gateway.sessions[-1]
    assert session.recording is not None and session.recording.is_file()
    record = _record_with_recording(servers, session.conversation)
    assert record["recording"] == str(session.recording)


def test_an_extension_as_caller_id_from_an_untrusted_address_is_an_outside_caller(servers, tmp_path, prompts_dir):
    """Anyone can put "8201" in From: unless the call comes from the PBX's address, the caller is asked who
    they are before the general manager is rung, like every outside caller."""
    (tmp_path / "caller").mkdir()
    cfg = config(servers, tmp_path, prompts_dir, {}, internal_peers=frozenset({"192.0.2.10"}))

    gateway, code, log, _ = run(call_gateway(
        cfg, servers.db_url, [Step(pause_ms=1500), *keys("8001"), Step(pause_ms=9000)], tmp_path, hang_up=True,
        caller_number="8201"))

    assert code == 0, log
    session = gateway.sessions[-1]
    assert session.announced == [] and not session.outcome.startswith("transfer"), (session.outcome, session.spoken)
    assert "华信科技" in session.spoken[0], "the outside greeting names the company"
    assert any("贵姓" in text or "哪家公司" in text or "单位" in text for text in session.spoken[2:]), session.spoken


def test_a_caller_on_hold_can_press_0_to_stop_the_ringing_and_reach_the_operator(servers, tmp_path, prompts_dir):
    """Keys work at any moment: on hold while 8202 rings, the caller presses 0. The ringing phone gets a
    CANCEL long before its 25 s ring time-out, and the operator's phone is rung next."""
    (tmp_path / "caller").mkdir()
    ringing = StaffPhone("staff_no_answer.xml", tmp_path / "staff")
    operator_steps = [Step(pause_ms=1500), *keys("8202"), Step(pause_ms=9000), *keys("0"), Step(pause_ms=12000)]
    cfg = config(servers, tmp_path, prompts_dir, {"8202": ringing.address})

    started = time.monotonic()
    gateway, code, log, (staff_code, staff_log) = run(call_gateway(
        cfg, servers.db_url, operator_steps, tmp_path, hang_up=True, staff=ringing))

    session = gateway.sessions[-1]
    assert session.transcript_sent[:2] == ["8202", "转人工"], (session.transcript_sent, session.spoken)
    assert code == 0, log
    assert staff_code == 0, f"the ringing phone must get a CANCEL (and the 487 an ACK): {staff_log}"
    assert time.monotonic() - started < 40, "the caller waited for the whole ring time-out"
    said = [t["text"] for t in servers.call_record(session.conversation)["transcript"] if t["who"] == "receptionist"]
    assert any("人工" in text or "总机" in text for text in said[2:]), said


def test_a_caller_who_hangs_up_while_the_operator_rings_is_still_a_missed_call_for_staff(servers, tmp_path, prompts_dir):
    """The caller gives up while the operator's phone rings. The ringing starts after the apology (about
    5 s here) and lasts 30 s, so hanging up at 20 s lands in it on a machine 3 times slower as well;
    a fixed moment before the tone itself (the busy line's few seconds) was missed under load."""
    from voice_helpers import free_udp_port

    (tmp_path / "caller").mkdir()
    operator = StaffPhone("staff_no_answer.xml", tmp_path / "operator")
    dead = f"http://127.0.0.1:{free_udp_port()}"
    cfg = config(servers, tmp_path, prompts_dir, {"8000": operator.address}, rasa_url=dead, dialogue_timeout_s=2.0)

    gateway, code, log, (op_code, op_log) = run(call_gateway(
        cfg, servers.db_url, [Step(pause_ms=20000)], tmp_path, hang_up=True, staff=operator,
        caller_number="13800138000"))

    assert code == 0, log
    assert op_code == 0, f"the operator's ringing phone must get a CANCEL when the caller hangs up: {op_log}"
    session = gateway.sessions[-1]
    assert session.outcome == "failsafe:voicemail", session.outcome
    [left] = _messages_for_call(servers.db_url, session.conversation)
    assert "未接来电" in left.text and left.callback_number == "13800138000"


BARGE_FRAME = 320
BARGE_VOICED_RMS = 200


# ------------------------------------------------------------------ barge-in
# What the caller heard is read from the call's recording (right channel: what the gateway sent; left:
# what the caller sent), aligned on the call's clock; bench/voice_bench.py times it on the wire.


def voiced_frames(pcm: Pcm) -> list[float]:
    """Start times (s) of the 20 ms frames with sound in them."""
    return [i / 2 / 8000 for i in range(0, len(pcm.data) - BARGE_FRAME + 1, BARGE_FRAME)
            if Pcm(pcm.data[i:i + BARGE_FRAME], 8000).rms >= BARGE_VOICED_RMS]


def runs(times: list[float], gap_s: float = 0.3) -> list[tuple[float, float]]:
    """Voiced frames joined into stretches of sound (start, end) where they are less than `gap_s` apart."""
    stretches: list[tuple[float, float]] = []
    for t in times:
        if stretches and t - stretches[-1][1] < gap_s:
            stretches[-1] = (stretches[-1][0], t + 0.02)
        else:
            stretches.append((t, t + 0.02))
    return stretches


def test_a_caller_who_speaks_over_the_greeting_stops_it_and_is_heard(servers, tmp_path, prompts_dir,
                                                                        korean_model_path):
    from gateway_helpers import rtp_pcap
    from voice_helpers import espeak

    (tmp_path / "caller").mkdir()
    speech = espeak("재무팀 부탁합니다", "ko", 8000, tmp_path)
    pcap = rtp_pcap(speech.data, tmp_path / "korean.pcap")
    cfg = config(servers, tmp_path, prompts_dir, {}, speech_paths={"ko": korean_model_path}, speech_language="ko")
    # the greeting takes about 3.5 s; the caller starts talking 1.5 s after answering
    steps = [Step(pause_ms=1500), Step(pcap=str(pcap)), Step(pause_ms=6000)]

    gateway, code, log, _ = run(call_gateway(cfg, servers.db_url, steps, tmp_path, hang_up=True))

    assert code == 0, log
    session = gateway.sessions[-1]
    assert "华信科技" in session.spoken[0]
    assert len(session.barge_ins) >= 1, "the caller's speech did not stop the greeting"
    caller_speaks = runs(voiced_frames(_heard_by(session.recording, "caller")))[0][0]
    greeting = runs(voiced_frames(_heard_by(session.recording, "gateway")))[0]
    assert greeting[0] < caller_speaks < greeting[1], (greeting, caller_speaks)
    stopped_after = greeting[1] - caller_speaks
    # on the wire (bench/voice_bench.py) this is under 150 ms; the recording's alignment allows some jitter
    assert stopped_after < 0.3, f"the greeting went on {stopped_after:.3f} s after the caller started speaking"
    assert session.transcript_sent and any("\uac00" <= ch <= "\ud7a3" for ch in session.transcript_sent[0]), \
        f"what the caller said over the greeting must be their turn: {session.transcript_sent}"


def test_our_own_greeting_echoed_back_by_the_phone_does_not_interrupt_it(servers, tmp_path, prompts_dir,
                                                                          korean_model_path):
    """SIPp's -rtp_echo sends every RTP packet back as it arrives: the loudest echo a line can have."""
    (tmp_path / "caller").mkdir()
    cfg = config(servers, tmp_path, prompts_dir, {}, speech_paths={"ko": korean_model_path}, speech_language="ko")

    gateway, code, log, _ = run(call_gateway(cfg, servers.db_url, [Step(pause_ms=7000)], tmp_path, hang_up=True,
                                             sipp_extra=["-rtp_echo"]))

    assert code == 0, log
    session = gateway.sessions[-1]
    echoed = runs(voiced_frames(_heard_by(session.recording, "caller")))
    assert echoed, "the phone did not echo the greeting: the test would prove nothing"
    assert session.barge_ins == [], "the greeting's own echo was taken for the caller speaking"
    assert session.transcript_sent == [], f"the echo became a turn: {session.transcript_sent}"
    greeting = runs(voiced_frames(_heard_by(session.recording, "gateway")))[0]
    full = session.spoken[0]
    assert "华信科技" in full and greeting[1] - greeting[0] > 2.5, f"the greeting was cut short: {greeting}"
