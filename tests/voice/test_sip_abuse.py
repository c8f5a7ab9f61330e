"""The gateway's SIP and RTP under attack, with real peers: SIPp floods, a blind ACK, stray and forged
in-dialog requests, and RTP spoofed into a live call (tests/voice/sipp/abuse_*.xml).

Every other 127.x.y.z address is another host here: the attacker sends from one, the victim of a
reflection listens on another.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from voice_helpers import eventually, free_udp_port, run_sipp, udp_port_bound

from voice.sip.rtp import RtpGate, RtpPacket
from voice.sip.ua import Call, Dtmf, Hangup, UserAgent


class Victim(asyncio.DatagramProtocol):
    """A host whose address an attacker writes into SDP: counts the datagrams that reach it."""

    def __init__(self) -> None:
        self.received = 0

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received += 1


async def victim_socket(host: str) -> tuple[Victim, asyncio.DatagramTransport, int]:
    victim = Victim()
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(lambda: victim, local_addr=(host, 0))
    return victim, transport, transport.get_extra_info("sockname")[1]


def test_an_invite_flood_is_refused_beyond_the_caps_and_no_media_reaches_the_address_it_names(tmp_path: Path):
    calls_taken: list[Call] = []

    async def on_call(call: Call) -> None:
        calls_taken.append(call)

    async def scenario() -> tuple[UserAgent, int, list[str], tuple[tuple[int, str], tuple[int, str]]]:
        ua = UserAgent("127.0.0.1", 0, on_call=on_call, max_calls=6, max_calls_per_source=4)
        await ua.start()
        victim, transport, victim_port = await victim_socket("127.0.0.9")
        try:
            keys = ["-nd", "-key", "victim_ip", "127.0.0.9", "-key", "victim_port", str(victim_port)]
            one = await run_sipp("abuse_flood.xml", ("127.0.0.1", ua.port), tmp_path / "one", calls=10,
                                 extra=keys, local_ip="127.0.0.2")
            two = await run_sipp("abuse_flood.xml", ("127.0.0.1", ua.port), tmp_path / "two", calls=10,
                                 extra=keys, local_ip="127.0.0.3")
            await asyncio.sleep(2.0)  # the 200s are retransmitted meanwhile, unacknowledged
            states = [call.state for call in ua.calls.values()]
            return ua, victim.received, states, (one, two)
        finally:
            transport.close()
            await ua.close()

    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
    ua, reflected, states, runs = asyncio.run(scenario())

    assert all(code == 0 for code, _ in runs), runs
    assert ua.refused_calls == {486: 6, 503: 8}, (
        "4 calls from the first address, 2 more from the second fill the gateway's 6; the rest refused")
    assert states.count("early") == 6 and not calls_taken, "an INVITE nobody ACKs is never a call"
    assert reflected == 0, f"{reflected} packets went to the address the flood named"


def test_a_blind_ack_confirms_nothing_and_sends_no_media(tmp_path: Path):
    calls_taken: list[Call] = []

    async def on_call(call: Call) -> None:
        calls_taken.append(call)

    async def scenario() -> tuple[UserAgent, int, int, list[str]]:
        ua = UserAgent("127.0.0.1", 0, on_call=on_call)
        await ua.start()
        victim, transport, victim_port = await victim_socket("127.0.0.9")
        try:
            code, log = await run_sipp("abuse_blind_ack.xml", ("127.0.0.1", ua.port), tmp_path, local_ip="127.0.0.2",
                                       extra=["-nd", "-key", "victim_ip", "127.0.0.9", "-key", "victim_port",
                                              str(victim_port)])
            assert code == 0, log
            await asyncio.sleep(2.0)
            return ua, victim.received, ua.stray_requests, [call.state for call in ua.calls.values()]
        finally:
            transport.close()
            await ua.close()

    _, reflected, stray, states = asyncio.run(scenario())

    assert states == ["early"], "the ACK without our To tag must not confirm the call"
    assert not calls_taken
    assert stray >= 1
    assert reflected == 0, f"{reflected} RTP packets went to the address in the unconfirmed INVITE"


def _run_victim_call(tmp_path: Path, attack) -> tuple[int, str, list[object], Call]:
    """A victim's call (SIPp) up at the gateway; `attack(ua, call)` runs while it is; the victim's SIPp
    result, every event its call saw, and the call."""
    seen: list[object] = []
    taken: list[Call] = []

    async def on_call(call: Call) -> None:
        taken.append(call)
        while True:
            event = await asyncio.wait_for(call.events.get(), 60)
            seen.append(event)
            if isinstance(event, Hangup):
                return

    async def scenario() -> tuple[int, str]:
        ua = UserAgent("127.0.0.1", 0, on_call=on_call)
        await ua.start()
        try:
            victim = asyncio.ensure_future(run_sipp("abuse_victim_call.xml", ("127.0.0.1", ua.port),
                                                    tmp_path / "victim"))
            assert await eventually(lambda: bool(taken) and taken[0].rtp.stats.received > 20, 20)
            await attack(ua, taken[0])
            code, log = await victim
            await eventually(lambda: any(isinstance(e, Hangup) for e in seen), 10)
            return code, log
        finally:
            await ua.close()

    (tmp_path / "victim").mkdir()
    code, log = asyncio.run(scenario())
    return code, log, seen, taken[0]


def test_a_bye_and_a_key_press_without_the_dialog_tags_or_from_elsewhere_do_not_touch_the_call(tmp_path: Path):
    results: dict[str, tuple[int, str]] = {}

    async def attack(ua: UserAgent, call: Call) -> None:
        cid = ["-cid_str", call.info.call_id.replace("%", "%%"), "-nd"]
        (tmp_path / "untagged").mkdir()
        # knows the Call-ID only: no To tag, no From tag of the dialog
        results["untagged"] = await run_sipp("abuse_stray_requests.xml", ("127.0.0.1", ua.port),
                                             tmp_path / "untagged", extra=[*cid, "-key", "caller_tag", ";tag=guess",
                                                                           "-key", "our_tag", ""])
        (tmp_path / "forged").mkdir()
        # knows the whole dialog (Call-ID and both tags) but sends from another host than the caller's
        results["forged"] = await run_sipp("abuse_stray_requests.xml", ("127.0.0.1", ua.port), tmp_path / "forged",
                                           local_ip="127.0.0.2",
                                           extra=[*cid, "-key", "caller_tag", f";tag={call.remote_tag}",
                                                  "-key", "our_tag", f";tag={call.local_tag}"])
        results["still up"] = (0 if call.state == "confirmed" and not call.ended.is_set() else 1, call.state)

    code, log, seen, call = _run_victim_call(tmp_path, attack)

    for attempt in ("untagged", "forged"):
        code_, log_ = results[attempt]
        assert code_ == 0 and "unexpected" not in log_, f"{attempt}: the BYE and INFO were not both refused 481:\n{log_}"
    assert results["still up"] == (0, "confirmed"), "the call did not survive the attempts"
    assert code == 0, f"the victim's call was disturbed:\n{log}"
    assert [e for e in seen if isinstance(e, Dtmf)] == [], "a key press was injected"
    assert seen[-1] == Hangup("caller"), "the call ended only when the caller hung up"
    assert call.ua is not None and call.ua.stray_requests >= 4


def test_rtp_spoofed_from_another_port_is_neither_heard_nor_followed(tmp_path: Path):
    async def attack(ua: UserAgent, call: Call) -> None:
        spoofer_port = free_udp_port()
        (tmp_path / "spoofer").mkdir()
        spoofer = asyncio.ensure_future(_spoofer(spoofer_port, tmp_path / "spoofer"))
        assert await eventually(lambda: udp_port_bound(spoofer_port), 20), "SIPp did not start"
        await _invite_spoofer(spoofer_port, call.rtp.local_port)
        code, log = await spoofer
        assert code == 0, log

    negotiated: list[tuple[str, int]] = []

    async def remember(ua: UserAgent, call: Call) -> None:
        negotiated.append(call.rtp.remote)
        await attack(ua, call)
        negotiated.append(call.rtp.remote)

    code, log, seen, call = _run_victim_call(tmp_path, remember)

    assert code == 0, log
    assert [e for e in seen if isinstance(e, Dtmf)] == [], "the spoofed key press '1' reached the call"
    assert negotiated[0] == negotiated[1], "the call's media followed the spoofed packets"
    assert call.rtp.stats.dropped_foreign >= 5, "the spoofer's packets were not counted as refused"
    assert call.rtp.stats.received > 100, "the caller's own speech must still be heard"


async def _spoofer(port: int, workdir: Path) -> tuple[int, str]:
    from voice_helpers import SIPP_DIR, require_binary

    sipp = require_binary("sipp", "sip-tester")
    process = await asyncio.create_subprocess_exec(
        sipp, "-sf", str(SIPP_DIR / "abuse_rtp_spoofer.xml"), "-i", "127.0.0.1", "-p", str(port), "-mi", "127.0.0.1",
        "-mp", str(free_udp_port()), "-m", "1", "-nostdin", "-timeout", "20s", "-timeout_error", "-trace_err",
        "-error_file", str(workdir / "errors.log"), stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE, cwd=workdir)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    errors = workdir / "errors.log"
    return process.returncode or 0, (errors.read_text() if errors.exists() else "") + stderr.decode()


async def _invite_spoofer(spoofer_port: int, target_rtp_port: int) -> None:
    """What tells the spoofer where to aim: an INVITE whose SDP names the gateway's media port for the
    victim's call (an attacker finds it by scanning; the test just says it)."""
    loop = asyncio.get_running_loop()
    sdp = (f"v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           f"m=audio {target_rtp_port} RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.connect(("127.0.0.1", spoofer_port))
        sock.setblocking(False)
        here = sock.getsockname()[1]
        common = (f"Via: SIP/2.0/UDP 127.0.0.1:{here};branch=z9hG4bKspoof1\r\n"
                  f"From: <sip:x@127.0.0.1:{here}>;tag=x1\r\nTo: <sip:spoof@127.0.0.1:{spoofer_port}>\r\n"
                  "Call-ID: spoof-aim-1\r\nMax-Forwards: 70\r\n")
        invite = (f"INVITE sip:spoof@127.0.0.1:{spoofer_port} SIP/2.0\r\n{common}CSeq: 1 INVITE\r\n"
                  f"Contact: <sip:x@127.0.0.1:{here}>\r\nContent-Type: application/sdp\r\n"
                  f"Content-Length: {len(sdp)}\r\n\r\n{sdp}")
        await loop.sock_sendall(sock, invite.encode())
        reply = await asyncio.wait_for(loop.sock_recv(sock, 65535), 10)
        assert reply.startswith(b"SIP/2.0 200"), reply[:80]
        ack = f"ACK sip:spoof@127.0.0.1:{spoofer_port} SIP/2.0\r\n{common}CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
        await loop.sock_sendall(sock, ack.encode())


def _packet(sequence: int, ssrc: int = 1, payload_type: int = 8) -> RtpPacket:
    return RtpPacket(payload_type, False, sequence & 0xFFFF, sequence * 160, ssrc, b"\xd5" * 160)


def test_the_rtp_gate_latches_source_and_ssrc_and_checks_sequence_numbers():
    gate = RtpGate(("10.0.0.5", 4000))
    caller = ("10.0.0.5", 4000)
    assert gate.admit(caller, _packet(100))
    assert not gate.admit(("10.0.0.6", 4000), _packet(101)), "another IP"
    assert not gate.admit(("10.0.0.5", 4002), _packet(101)), "another port of the caller's IP"
    assert gate.admit(caller, _packet(101)) and gate.admit(caller, _packet(99)), "late packets are fine"
    assert not gate.admit(caller, _packet(30_000)), "a jump of 30,000 is not the same stream"
    assert gate.admit(caller, _packet(102)), "the stream goes on"
    assert not gate.admit(caller, _packet(9, ssrc=2)), "a new SSRC waits for a second packet in sequence"
    assert not gate.admit(caller, _packet(50, ssrc=2)), "out of sequence: probation starts again"
    assert gate.admit(caller, _packet(51, ssrc=2)), "two in sequence: the sender restarted its stream"
    assert not gate.admit(caller, _packet(103)), "the old SSRC now has to prove itself in turn"
    assert gate.admit(caller, _packet(65_535)) is False and gate.admit(caller, _packet(65_536)), "wrap-around"
    key_presses = RtpPacket(101, True, 7, 0, 99, b"\x01\x0a\x00\xa0")
    assert gate.admit(caller, key_presses), "key presses may come on an SSRC of their own"


def test_a_spoofer_who_speaks_first_loses_the_latch_to_the_negotiated_address():
    gate = RtpGate(("10.0.0.5", 4000))
    assert gate.admit(("10.0.0.5", 5555), _packet(1, ssrc=7)), "NAT: the first port heard is taken"
    assert gate.admit(("10.0.0.5", 4000), _packet(500, ssrc=8)), "the negotiated address takes it back"
    assert not gate.admit(("10.0.0.5", 5555), _packet(2, ssrc=7))
