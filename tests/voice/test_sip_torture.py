"""Malformed SIP never stops the gateway: RFC 4475's torture messages, truncated, oversized and
random datagrams are answered correctly or dropped, and then a real caller (SIPp) still gets through."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import socket
from pathlib import Path

import pytest
from rfc4475 import CASES
from voice_helpers import run_sipp

from voice.sip.message import SipParseError, parse
from voice.sip.ua import Call, UserAgent

VALID_INVITE = (
    b"INVITE sip:8000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKfuzz\r\n"
    b"From: <sip:1001@127.0.0.1>;tag=fz\r\nTo: <sip:8000@127.0.0.1>\r\nCall-ID: fuzz@127.0.0.1\r\n"
    b"CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:1001@127.0.0.1:5999>\r\nContent-Type: application/sdp\r\n"
    b"Content-Length: 129\r\n\r\nv=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    b"m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
)


@pytest.mark.parametrize(("name", "data", "verdict"), CASES, ids=[c[0] for c in CASES])
def test_rfc4475_message_verdicts(name: str, data: bytes, verdict: str | int | None):
    if verdict == "any":
        with contextlib.suppress(SipParseError):
            parse(data)
        return
    if verdict == "accept":
        message = parse(data)
        assert message.call_id and message.cseq[0] >= 0
        return
    with pytest.raises(SipParseError) as refused:
        parse(data)
    if isinstance(verdict, int):
        assert refused.value.status == verdict, f"{name}: answered {refused.value.status}, RFC 4475 expects {verdict}"


EXPECTED_ANSWERS = {"wsinv": 481, "intmeth": 501, "escnull": 405, "esc02": 501, "invut": 415, "bext01": 420,
                    "clerr": 400, "ncl": 400, "scalar02": 400, "quotbal": 400, "ltgtruri": 400, "lwsruri": 400,
                    "lwsstart": 400, "trws": 400, "badvers": 505, "mismatch01": 400, "mcl01": 400}


def garbage(rng: random.Random) -> list[bytes]:
    """Truncations and mutations of a valid INVITE, random bytes, oversized packets."""
    packets = [VALID_INVITE[:cut] for cut in range(0, len(VALID_INVITE), 23)]
    for _ in range(150):
        mutated = bytearray(VALID_INVITE.replace(b"fuzz", f"fz{rng.random()}".encode()))
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        packets.append(bytes(mutated))
    packets += [bytes(rng.randrange(256) for _ in range(rng.randint(1, 1400))) for _ in range(100)]
    packets += [b"INVITE sip:x@y SIP/2.0\r\nVia: " + b"A" * 60_000 + b"\r\n\r\n", b"\x00" * 65_000,
                b"\r\n" * 30_000, b"SIP/2.0 200 OK\r\n" + b"X: y\r\n" * 5000 + b"\r\n"]
    return packets


def test_torture_and_garbage_then_a_normal_call_is_answered(tmp_path: Path):
    answered: list[Call] = []

    async def on_call(call: Call) -> None:
        answered.append(call)
        await asyncio.sleep(0.3)

    async def exchange(sock: socket.socket, data: bytes) -> int | None:
        """Send one datagram; the status of the first final (non-100) response, or None."""
        loop = asyncio.get_running_loop()
        call_id = re.search(rb"(?im)^(?:call-id|i)\s*:\s*(\S+)", data)
        await loop.sock_sendall(sock, data)
        try:
            while True:
                reply = await asyncio.wait_for(loop.sock_recv(sock, 65535), 0.5)
                status = int(reply.split(b" ", 2)[1])
                if status != 100 and call_id and call_id.group(1) in reply:  # not another call's retransmission
                    return status
        except asyncio.TimeoutError:
            return None

    async def scenario() -> tuple[dict[str, int | None], int, str, UserAgent]:
        ua = UserAgent("127.0.0.1", 0, on_call=on_call)
        await ua.start()
        try:
            answers: dict[str, int | None] = {}
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.setblocking(False)
                sock.connect(("127.0.0.1", ua.port))
                for name, data, _ in CASES:
                    answers[name] = await exchange(sock, data)
                for packet in garbage(random.Random(4475)):
                    with contextlib.suppress(OSError):
                        sock.send(packet)
            # from another address: the torture's unanswered INVITEs hold this one's share of calls
            code, log = await run_sipp("caller_hung_up_on.xml", ("127.0.0.1", ua.port), tmp_path, timeout_s=20,
                                       local_ip="127.0.0.2")
            return answers, code, log, ua
        finally:
            await ua.close()

    answers, code, log, ua = asyncio.run(scenario())

    assert {name: answers[name] for name in EXPECTED_ANSWERS} == EXPECTED_ANSWERS
    assert answers["insuf"] is None and answers["bigcode"] is None, "unanswerable messages must be dropped"
    assert code == 0, f"after the torture the gateway did not answer a normal call:\n{log}"
    assert any(call.info.caller_id == "+8613800000000" for call in answered)
    assert ua.errors == 0, "a message made a handler raise"
    assert ua.malformed > 50
