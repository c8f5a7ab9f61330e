"""The SIP user agent: one UDP socket, INVITE answered with G.711, BYE, OPTIONS, REFER, REGISTER.

    caller → INVITE ─▶ 100 Trying, 200 OK (SDP answer, retransmitted until ACK) ◀─ ACK
           → on_call(call) runs; call.events carries Dtmf / Hangup / TransferProgress
    caller → BYE    ─▶ 200 OK, Hangup("caller")   |  call.hangup() ─▶ BYE ◀─ 200
    call.refer(uri) ─▶ REFER ◀─ 202, NOTIFY (sipfrag) ─▶ 200: the transfer's outcome
    dial(uri, dest)  ─▶ INVITE (offer) ◀─ 1xx … ◀─ 200 ─▶ ACK | ◀─ 486/600: busy | ring time-out ─▶ CANCEL
    register(account) ─▶ REGISTER ◀─ 401/407 ─▶ REGISTER + digest ◀─ 200

`datagram_received` never raises: a datagram that is not a well-formed SIP message is answered
with 400 (when it carries enough to address a response) or dropped, and counted. Caller ID
and display name are untrusted input; `CallInfo` holds them already sanitised.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import re
import socket
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from voice.audio import Codec
from voice.sip.digest import authorization, parse_challenge
from voice.sip.message import (
    COMPACT,
    SipMessage,
    SipParseError,
    SipUri,
    address_uri,
    display_name,
    header_params,
    new_branch,
    new_call_id,
    new_tag,
    parse,
    response,
)
from voice.sip.rtp import RtpStream
from voice.sip.sdp import MediaOffer, SdpError, build_offer, build_sdp, choose_codec, parse_offer

log = logging.getLogger(__name__)

T1 = 0.5
T2 = 4.0
ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, NOTIFY, REFER, INFO"
MAX_CALLS = 30
"""Calls answered at once; the next INVITE gets 503 with Retry-After. Each call holds an RTP
socket, a prompt stream and a share of the speech recogniser: bench/voice_bench.py measures
about 4 speech calls per core, and calls on hold or keying cost far less. Set
RECEPTIONIST_SIP_MAX_CALLS to what the benchmark measures on the machine you deploy on."""
MAX_CALLS_PER_SOURCE = 4
"""Calls at once from one address that is not a trusted peer (the PBX); the next gets 486. A
phone makes one or two; a burst from one address is a flood, perhaps with a victim's SDP."""
RETRY_AFTER_S = 30
USER_AGENT = "Front Desk"
SUPPORTED = ("replaces", "timer")


class SipTimeout(Exception):
    """No final response to a request within timer F (RFC 3261 17.1.2.2)."""


def sanitize_number(user: str) -> str:
    """Caller ID from the From header's user part: its digits, + * and # (before any ;param), at most 32."""
    return re.sub(r"[^0-9+*#]", "", user.split(";", 1)[0])[:32]


def sanitize_name(name: str) -> str:
    return "".join(ch for ch in name if ch.isprintable() and ch not in "<>\"\\")[:64].strip()


@dataclass(frozen=True)
class Account:
    """An extension on a PBX (or a SIP registrar) that the gateway registers as."""

    registrar: tuple[str, int]
    """IP address and port of the registrar."""
    domain: str
    username: str
    password: str
    expires_s: int = 300


@dataclass(frozen=True)
class CallInfo:
    call_id: str
    caller_id: str
    """Sanitised caller number (digits, + * #): untrusted, never a routing decision on its own."""
    caller_name: str
    dialled: str
    """The number the caller dialled (the To user: a PBX rewrites the Request-URI to our contact)."""
    codec: Codec
    remote_rtp: tuple[str, int]
    peer: tuple[str, int]
    """Where the INVITE came from (the PBX, or the phone itself)."""


@dataclass(frozen=True)
class Dtmf:
    digit: str


@dataclass(frozen=True)
class Hangup:
    by: str
    """"caller" (BYE or CANCEL received), "gateway" (we sent BYE) or "timeout" (no ACK)."""


@dataclass(frozen=True)
class TransferProgress:
    """A NOTIFY about our REFER: the sipfrag status line the transfer target answered."""

    status: int
    final: bool


CallEvent = Dtmf | Hangup | TransferProgress


@dataclass(frozen=True)
class DialOutcome:
    """How a call we placed ended up: `call` is set (confirmed, ACKed) only when it was answered."""

    result: str
    """"answered", "busy" (486/600), "no_answer" (ring time-out, or 408/480/487) or "failed"."""
    status: int
    """The final status received (0: none; the time-out cancelled the call, or nothing answered)."""
    call: Call | None = None


def dial_result(status: int) -> str:
    """A final response to our INVITE, as a transfer result (contract section 3)."""
    if 200 <= status < 300:
        return "answered"
    if status in (486, 600):
        return "busy"
    if status in (408, 480, 487):
        return "no_answer"
    return "failed"


@dataclass
class Call:
    info: CallInfo
    rtp: RtpStream
    local_tag: str
    local_uri: str
    remote_uri: str
    remote_tag: str
    remote_target: str
    route_set: list[str]
    invite: SipMessage
    answer_sdp: bytes = b""
    local_cseq: int = 0
    state: str = "early"
    """early → confirmed (ACK) → ended."""
    events: asyncio.Queue[CallEvent] = field(default_factory=asyncio.Queue)
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    ua: UserAgent | None = None
    inbound: bool = True
    """A call answered here (False: one the gateway placed, a transfer's leg)."""

    async def hangup(self, timeout_s: float = 8.0) -> None:
        assert self.ua is not None
        await self.ua.hangup(self, timeout_s)

    async def refer(self, target: str, timeout_s: float = 8.0) -> int:
        """Blind transfer: REFER the caller to `target` (a SIP URI); the REFER's final status (202 = accepted)."""
        assert self.ua is not None
        return await self.ua.refer(self, target, timeout_s)


def _uri_user(uri: str) -> str:
    try:
        return SipUri.parse(uri).user
    except SipParseError:
        return ""


def _server_key(request: SipMessage) -> tuple[str, ...]:
    """Which server transaction a request belongs to (RFC 3261 17.2.3, plus Call-ID and CSeq so that
    senders reusing a branch, or RFC 2543 senders without one, are never mistaken for retransmissions)."""
    vias = request.get_all("via")
    sent_by = vias[0].split(";", 1)[0] if vias else ""
    return (request.branch, sent_by, request.call_id, request.get("cseq") or "", request.method or "")


def _lenient_headers(data: bytes) -> dict[str, str]:
    """Enough of a broken request to address an error response to it (first of each header)."""
    found: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").split("\n")[1:60]:
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        name = COMPACT.get(name, name)
        if colon and name in ("via", "from", "to", "call-id", "cseq") and name not in found:
            found[name] = value.strip()
        if not line.strip():
            break
    return found


@dataclass(frozen=True)
class _InviteFinal:
    result: str
    status: int
    call_response: SipMessage | None = None


class UserAgent(asyncio.DatagramProtocol):
    """A SIP UA on UDP. `on_call(call)` runs for each answered call; the call ends when it returns."""

    def __init__(self, host: str, port: int = 0, on_call: Callable[[Call], Awaitable[None]] | None = None,
                 user: str = "receptionist", advertised_host: str | None = None, timer_f_s: float = 32 * T1,
                 max_calls: int = MAX_CALLS, max_calls_per_source: int = MAX_CALLS_PER_SOURCE,
                 trusted_peers: frozenset[str] = frozenset()) -> None:
        self.host = host
        self.max_calls = max_calls
        self.max_calls_per_source = max_calls_per_source
        self.overloaded: Callable[[], str | None] | None = None
        """Asked before answering a call: why the service is over capacity (503), or None."""
        self.trusted_peers = trusted_peers
        """Addresses (the PBX, the registrar) exempt from the per-source cap: every call comes through them."""
        self.refused_calls: Counter[int] = Counter()
        """INVITEs refused, by status: 503 (the gateway's cap) and 486 (their source's)."""
        self.stray_requests = 0
        """In-dialog requests that matched no call on Call-ID, both tags and source: answered 481."""
        self.port = port
        self.user = user
        self.advertised_host = advertised_host or host
        self.on_call = on_call
        self.timer_f_s = timer_f_s
        self.calls: dict[str, Call] = {}
        self.malformed = 0
        """Datagrams refused as not well-formed SIP (answered 4xx/5xx or dropped)."""
        self.errors = 0
        """Well-formed messages whose handling raised: logged, and the UA carried on."""
        self._transport: asyncio.DatagramTransport | None = None
        self._pending: dict[tuple[str, str], asyncio.Future[SipMessage]] = {}
        self._responded: dict[tuple[str, ...], bytes] = {}
        self._tasks: set[asyncio.Task[object]] = set()
        self._register_call_id = ""
        self._register_cseq = 0
        self._invite_clients: dict[str, Callable[[SipMessage], None]] = {}
        """Branch of an INVITE we sent → what to do with each response to it."""
        self._answering: dict[tuple[str, ...], str] = {}
        """INVITEs being answered (before their call exists) → their source IP: a retransmission gets
        100 again, and they count towards the caps."""

    # -- socket ---------------------------------------------------------------------------

    async def start(self) -> tuple[str, int]:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, local_addr=(self.host, self.port), family=socket.AF_INET)
        assert self._transport is not None
        self.port = self._transport.get_extra_info("sockname")[1]
        return self.host, self.port

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # a datagram transport

    def error_received(self, exc: Exception) -> None:
        log.debug("SIP socket error: %s", exc)

    async def hang_up_all(self, timeout_s: float = 2.0) -> None:
        """BYE to every call still up (a stop)."""
        live = [call for call in self.calls.values() if call.state != "ended"]
        await asyncio.gather(*(call.hangup(timeout_s=timeout_s) for call in live), return_exceptions=True)

    async def close(self) -> None:
        await self.hang_up_all()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._transport is not None:
            self._transport.close()

    def _spawn(self, coro: Awaitable[object], name: str) -> asyncio.Task[object]:
        task = asyncio.get_running_loop().create_task(coro, name=name)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.errors += 1
            log.error("SIP task %s failed", task.get_name(), exc_info=task.exception())

    def _send(self, message: SipMessage | bytes, addr: tuple[str, int]) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.sendto(message if isinstance(message, bytes) else message.to_bytes(), addr)

    @property
    def contact(self) -> str:
        return f"<sip:{self.user}@{self.advertised_host}:{self.port}>"

    def _via(self) -> str:
        return f"SIP/2.0/UDP {self.advertised_host}:{self.port};branch={new_branch()};rport"

    # -- receiving ------------------------------------------------------------------------

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if not data.strip(b"\r\n\x00 "):
            return  # keep-alive (RFC 5626 CRLF) or padding
        try:
            message = parse(data)
        except SipParseError as exc:
            self.malformed += 1
            self._reject_malformed(data, addr, exc)
            return
        except Exception:  # the parser has a bug: keep answering the next datagram
            self.malformed += 1
            log.exception("SIP parser failed on a datagram from %s", addr)
            return
        try:
            if message.is_request:
                self._on_request(message, addr)
            else:
                self._on_response(message)
        except Exception:
            self.errors += 1
            log.exception("handling %s from %s failed", message.method or message.status, addr)

    def _reject_malformed(self, data: bytes, addr: tuple[str, int], exc: SipParseError) -> None:
        log.info("malformed SIP from %s: %s", addr, exc)
        if exc.status == 0 or data.startswith(b"SIP/"):
            return
        found = _lenient_headers(data)
        if len(found) < 5 or not re.match(r"^\d+\s+\S+$", found["cseq"]) or found["cseq"].split()[1] == "ACK":
            return
        headers = [("via", found["via"]), ("from", found["from"]), ("to", found["to"]),
                   ("call-id", found["call-id"]), ("cseq", found["cseq"])]
        reason = re.sub(r"[\r\n]", " ", str(exc))[:100]
        self._send(SipMessage(None, None, exc.status, f"Bad Request ({reason})" if exc.status == 400 else
                              {416: "Unsupported URI Scheme", 505: "Version Not Supported", 513: "Message Too Large",
                               501: "Not Implemented", 483: "Too Many Hops"}.get(exc.status, "Bad Request"),
                              headers), addr)

    def _respond(self, request: SipMessage, addr: tuple[str, int], status: int, to_tag: str = "",
                 headers: list[tuple[str, str]] | None = None, body: bytes = b"") -> bytes:
        message = response(request, status, to_tag, headers, body)
        data = message.to_bytes()
        if status >= 200:
            key = _server_key(request)
            self._responded[key] = data
            asyncio.get_running_loop().call_later(32 * T1, self._responded.pop, key, None)
        self._send(data, addr)
        return data

    def _on_request(self, request: SipMessage, addr: tuple[str, int]) -> None:
        method = request.method or ""
        cached = self._responded.get(_server_key(request))
        if cached is not None and method != "ACK":
            self._send(cached, addr)  # a retransmission: same answer again
            return
        unsupported = [o for o in (request.get("require") or "").replace(",", " ").split() if o not in SUPPORTED]
        if unsupported and method not in ("ACK", "CANCEL"):
            self._respond(request, addr, 420, new_tag(), [("unsupported", ", ".join(unsupported))])
            return
        handler = {"INVITE": self._on_invite, "ACK": self._on_ack, "BYE": self._on_bye, "CANCEL": self._on_cancel,
                   "OPTIONS": self._on_options, "NOTIFY": self._on_notify, "INFO": self._on_info}.get(method)
        if handler is not None:
            handler(request, addr)
        elif method in ("REGISTER", "SUBSCRIBE", "MESSAGE", "PUBLISH", "REFER", "UPDATE", "PRACK"):
            self._respond(request, addr, 405, new_tag(), [("allow", ALLOW)])
        else:
            self._respond(request, addr, 501, new_tag(), [("allow", ALLOW)])

    def _on_options(self, request: SipMessage, addr: tuple[str, int]) -> None:
        self._respond(request, addr, 200, new_tag(), [("allow", ALLOW), ("accept", "application/sdp"),
                                                      ("user-agent", USER_AGENT)])

    def _on_invite(self, request: SipMessage, addr: tuple[str, int]) -> None:
        if _server_key(request) in self._answering:
            self._send(response(request, 100), addr)  # a retransmission while we answer
            return
        if request.call_id in self.calls or request.to_tag:
            call = self._dialog_of(request, addr)
            if call is not None:
                self._on_reinvite(call, request, addr)
            return
        refusal = self._over_capacity(addr)
        if refusal:
            self.refused_calls[refusal[0]] += 1
            log.warning("INVITE from %s refused (%d): %s", addr[0], refusal[0], refusal[1])
            self._respond(request, addr, refusal[0], new_tag(), [("retry-after", str(RETRY_AFTER_S))])
            return
        if request.body and (request.get("content-type") or "").split(";")[0].strip().lower() != "application/sdp":
            self._respond(request, addr, 415, new_tag(), [("accept", "application/sdp")])
            return
        try:
            offer = parse_offer(request.body)
            codec = choose_codec(offer)
        except SdpError as exc:
            log.info("INVITE from %s refused: %s", addr, exc)
            self._respond(request, addr, 488, new_tag())
            return
        self._send(response(request, 100), addr)
        self._answering[_server_key(request)] = addr[0]
        self._spawn(self._answer(request, addr, offer, codec), f"answer-{request.call_id[:16]}")

    def _over_capacity(self, addr: tuple[str, int]) -> tuple[int, str] | None:
        """(status, why) when a new call from `addr` would pass a cap; None when it may be answered."""
        sources = [call.info.peer[0] for call in self.calls.values() if call.inbound and call.state != "ended"]
        sources += self._answering.values()
        if len(sources) >= self.max_calls:
            return 503, f"{self.max_calls} calls already"
        busy = self.overloaded() if self.overloaded is not None else None
        if busy:
            return 503, busy
        if addr[0] not in self.trusted_peers and sources.count(addr[0]) >= self.max_calls_per_source:
            return 486, f"{self.max_calls_per_source} calls already from that address"
        return None

    def _dialog_of(self, request: SipMessage, addr: tuple[str, int]) -> Call | None:
        """The call an in-dialog request belongs to: same Call-ID, its From tag the peer's, its To tag
        ours, sent from the peer's side. Anything else (a blind ACK, a BYE without a To tag, a NOTIFY
        from elsewhere) is answered 481 (an ACK is dropped) and changes nothing."""
        call = self.calls.get(request.call_id)
        if (call is None or request.to_tag != call.local_tag or request.from_tag != call.remote_tag
                or addr[0] not in self._peer_addresses(call)):
            self.stray_requests += 1
            log.info("%s from %s matches no dialog: refused", request.method, addr[0])
            if request.method != "ACK":
                self._respond(request, addr, 481)
            return None
        return call

    def _peer_addresses(self, call: Call) -> set[str]:
        """Where the other side of a call may send from: the address its INVITE (or our INVITE) went
        through, and its Contact when that is an IP address (requests that bypass the proxy)."""
        addresses = {call.info.peer[0]}
        target = self._next_hop(call.remote_target, ("", 0))[0]
        if target:
            addresses.add(target)
        return addresses

    def _new_call(self, request: SipMessage, addr: tuple[str, int], offer: MediaOffer, codec: Codec,
                  rtp: RtpStream) -> Call:
        from_value, to_value = request.get("from") or "", request.get("to") or ""
        contact = request.get_all("contact")
        info = CallInfo(
            call_id=request.call_id,
            caller_id=sanitize_number(_uri_user(address_uri(from_value))),
            caller_name=sanitize_name(display_name(from_value)),
            dialled=sanitize_number(_uri_user(address_uri(to_value))),
            codec=codec, remote_rtp=(offer.address, offer.port), peer=addr,
        )
        return Call(
            info=info, rtp=rtp, local_tag=new_tag(), local_uri=address_uri(to_value), remote_uri=address_uri(from_value),
            remote_tag=request.from_tag, remote_target=address_uri(contact[0]) if contact else address_uri(from_value),
            route_set=request.get_all("record-route"), invite=request, ua=self,
        )

    async def _answer(self, request: SipMessage, addr: tuple[str, int], offer: MediaOffer, codec: Codec) -> None:
        loop = asyncio.get_running_loop()
        call_holder: list[Call] = []
        rtp = RtpStream(codec, (offer.address, offer.port), offer.telephone_event,
                        on_dtmf=lambda digit: call_holder[0].events.put_nowait(Dtmf(digit)))
        try:
            await loop.create_datagram_endpoint(lambda: rtp, local_addr=(self.host, 0), family=socket.AF_INET)
            call = self._new_call(request, addr, offer, codec, rtp)
            call_holder.append(call)
            self.calls[call.info.call_id] = call
        finally:
            self._answering.pop(_server_key(request), None)
        call.answer_sdp = build_sdp(self.advertised_host, rtp.local_port, codec, offer.telephone_event)
        ok = self._respond(request, addr, 200, call.local_tag, self._answer_headers(), call.answer_sdp)
        # No media before the ACK: the SDP's address is the caller's word until the dialog is
        # confirmed, and a burst of INVITEs naming a victim must not turn us into a reflector.
        if await self._retransmit_until_ack(call, ok, addr):
            rtp.start()
        else:
            log.warning("call %s: no ACK for our 200 OK", call.info.call_id)
            await self._end(call, "timeout")
            with contextlib.suppress(Exception):
                await self._send_bye(call, 4.0)
            return
        call.state = "confirmed"
        self._spawn(self._run_call(call), f"call-{call.info.call_id[:16]}")

    def _answer_headers(self) -> list[tuple[str, str]]:
        return [("contact", self.contact), ("allow", ALLOW), ("supported", "replaces"),
                ("user-agent", USER_AGENT), ("content-type", "application/sdp")]

    async def _retransmit_until_ack(self, call: Call, ok: bytes, addr: tuple[str, int]) -> bool:
        interval, waited = T1, 0.0
        while waited < 64 * T1:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(call.acked.wait()), interval)
                return True
            if call.ended.is_set():
                return False
            waited += interval
            interval = min(interval * 2, T2)
            self._send(ok, addr)
        return False

    async def _run_call(self, call: Call) -> None:
        try:
            if self.on_call is not None:
                await self.on_call(call)
        finally:
            if call.state != "ended":
                with contextlib.suppress(Exception):
                    await call.hangup()

    def _on_reinvite(self, call: Call, request: SipMessage, addr: tuple[str, int]) -> None:
        if call.state == "ended":
            self._respond(request, addr, 481)
            return
        if request.body:
            with contextlib.suppress(SdpError):
                offer = parse_offer(request.body)
                call.rtp.paused = offer.on_hold
                if not offer.on_hold:
                    call.rtp.negotiate((offer.address, offer.port))
        self._respond(request, addr, 200, call.local_tag, self._answer_headers(), call.answer_sdp)

    def _on_ack(self, request: SipMessage, addr: tuple[str, int]) -> None:
        if request.call_id not in self.calls:
            return  # the ACK of a refusal (4xx/5xx), or of a call already gone
        call = self._dialog_of(request, addr)
        if call is not None and request.cseq[0] == call.invite.cseq[0]:
            call.acked.set()

    def _on_bye(self, request: SipMessage, addr: tuple[str, int]) -> None:
        call = self._dialog_of(request, addr)
        if call is None:
            return
        self._respond(request, addr, 200)
        self._spawn(self._end(call, "caller"), "end-call")

    def _on_cancel(self, request: SipMessage, addr: tuple[str, int]) -> None:
        """CANCEL is matched to its INVITE's transaction (RFC 3261 9.2): branch, From tag and source."""
        call = self.calls.get(request.call_id)
        if (call is None or call.invite.branch != request.branch or request.from_tag != call.remote_tag
                or addr[0] != call.info.peer[0]):
            self._respond(request, addr, 481)
            return
        self._respond(request, addr, 200, call.local_tag)
        if call.state == "early" and not call.acked.is_set():
            self._respond(call.invite, call.info.peer, 487, call.local_tag)
            self._spawn(self._end(call, "caller"), "cancel-call")

    def _on_notify(self, request: SipMessage, addr: tuple[str, int]) -> None:
        call = self._dialog_of(request, addr)
        if call is None:
            return
        self._respond(request, addr, 200)
        match = re.match(rb"^SIP/2\.0 ([1-6]\d\d)", request.body.strip())
        if match and (request.get("event") or "").lower().startswith("refer"):
            status = int(match.group(1))
            final = status >= 200 or "terminated" in (request.get("subscription-state") or "").lower()
            call.events.put_nowait(TransferProgress(status, final))

    def _on_info(self, request: SipMessage, addr: tuple[str, int]) -> None:
        call = self._dialog_of(request, addr)
        if call is None:
            return
        self._respond(request, addr, 200)
        match = re.search(rb"Signal\s*=\s*([0-9*#A-Da-d])", request.body)
        if match and "dtmf" in (request.get("content-type") or "").lower():
            call.events.put_nowait(Dtmf(match.group(1).decode().upper()))

    def _on_response(self, message: SipMessage) -> None:
        if message.cseq[1] == "INVITE":
            handler = self._invite_clients.get(message.branch)
            if handler is not None:
                handler(message)
            return
        future = self._pending.get((message.branch, message.cseq[1]))
        if future is not None and not future.done() and (message.status or 0) >= 200:
            future.set_result(message)

    # -- ending calls ---------------------------------------------------------------------

    async def _end(self, call: Call, by: str) -> None:
        if call.state == "ended":
            return
        call.state = "ended"
        call.ended.set()
        await call.rtp.close()
        call.events.put_nowait(Hangup(by))
        asyncio.get_running_loop().call_later(32 * T1, self.calls.pop, call.info.call_id, None)

    async def hangup(self, call: Call, timeout_s: float = 8.0) -> None:
        if call.state == "ended":
            return
        await self._end(call, "gateway")
        with contextlib.suppress(SipTimeout):
            await self._send_bye(call, timeout_s)

    async def _send_bye(self, call: Call, timeout_s: float) -> SipMessage:
        request, dest = self._in_dialog(call, "BYE")
        return await self.transaction(request, dest, timeout_s)

    async def refer(self, call: Call, target: str, timeout_s: float = 8.0) -> int:
        request, dest = self._in_dialog(call, "REFER", [("refer-to", f"<{target}>"),
                                                              ("referred-by", f"<{call.local_uri}>")])
        return (await self.transaction(request, dest, timeout_s)).status or 0

    def _in_dialog(self, call: Call, method: str,
                         extra: list[tuple[str, str]] | None = None) -> tuple[SipMessage, tuple[str, int]]:
        """A request inside the call's dialog (RFC 3261 12.2.1.1), and where to send it."""
        call.local_cseq = max(call.local_cseq + 1, 1)
        headers = [("via", self._via()), ("max-forwards", "70"),
                   ("from", f"<{call.local_uri}>;tag={call.local_tag}"),
                   ("to", f"<{call.remote_uri}>" + (f";tag={call.remote_tag}" if call.remote_tag else "")),
                   ("call-id", call.info.call_id), ("cseq", f"{call.local_cseq} {method}"),
                   *(("route", route) for route in call.route_set),
                   ("contact", self.contact), ("user-agent", USER_AGENT), *(extra or [])]
        next_hop = address_uri(call.route_set[0]) if call.route_set else call.remote_target
        return SipMessage(method, call.remote_target, None, "", headers), self._next_hop(next_hop, call.info.peer)

    @staticmethod
    def _next_hop(uri: str, peer: tuple[str, int]) -> tuple[str, int]:
        """Where an in-dialog request goes: the next hop's address when it is an IP literal, else the peer.

        No DNS: the Contact and Record-Route come from the caller, and a name there must not
        make the gateway look up, or send to, a host of the caller's choosing.
        """
        try:
            parsed = SipUri.parse(uri)
            host = str(ipaddress.ip_address(parsed.host.strip("[]")))
        except (SipParseError, ValueError):
            return peer
        return host, parsed.port or 5060

    # -- client transactions --------------------------------------------------------------

    async def transaction(self, request: SipMessage, dest: tuple[str, int], timeout_s: float | None = None) -> SipMessage:
        """Send a non-INVITE request, retransmitting (T1 doubling up to T2) until a final response."""
        loop = asyncio.get_running_loop()
        key = (request.branch, request.method or "")
        future: asyncio.Future[SipMessage] = loop.create_future()
        self._pending[key] = future
        deadline = loop.time() + (timeout_s or self.timer_f_s)
        data, interval = request.to_bytes(), T1
        try:
            while True:
                self._send(data, dest)
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise SipTimeout(f"no answer to {request.method} from {dest[0]}:{dest[1]}")
                with contextlib.suppress(asyncio.TimeoutError):
                    return await asyncio.wait_for(asyncio.shield(future), min(interval, remaining))
                interval = min(interval * 2, T2)
        finally:
            self._pending.pop(key, None)

    # -- calls we place (supervised transfers) ------------------------------------------

    async def dial(self, target: str, dest: tuple[str, int], ring_timeout_s: float,
                   from_user: str | None = None) -> DialOutcome:
        """Call `target` (a SIP URI) through `dest`; wait up to `ring_timeout_s` for an answer, then CANCEL.

        Only the gateway chooses `target` and `dest` (from the directory and the configured PBX).
        """
        loop = asyncio.get_running_loop()
        call_holder: list[Call] = []
        rtp = RtpStream(Codec.PCMU, ("0.0.0.0", 0), None,
                        on_dtmf=lambda digit: call_holder[0].events.put_nowait(Dtmf(digit)) if call_holder else None)
        await loop.create_datagram_endpoint(lambda: rtp, local_addr=(self.host, 0), family=socket.AF_INET)
        invite = self._new_invite(target, from_user or self.user, build_offer(self.advertised_host, rtp.local_port))
        responses: asyncio.Queue[SipMessage] = asyncio.Queue()
        self._invite_clients[invite.branch] = responses.put_nowait
        try:
            outcome = await self._invite_transaction(invite, dest, ring_timeout_s, responses)
        except BaseException:
            await rtp.close()
            loop.call_later(32 * T1, self._invite_clients.pop, invite.branch, None)
            raise
        if outcome.call_response is None:
            await rtp.close()
            loop.call_later(32 * T1, self._invite_clients.pop, invite.branch, None)
            return DialOutcome(outcome.result, outcome.status)
        call = self._dialled_call(invite, outcome.call_response, dest, rtp)
        if call is None:
            await rtp.close()
            return DialOutcome("failed", outcome.status)
        call_holder.append(call)
        ack = self._ack_for_2xx(call)
        # a retransmitted 200 (our ACK was lost) gets the same ACK again
        self._invite_clients[invite.branch] = lambda m: self._send(ack[0], ack[1]) if (m.status or 0) >= 200 else None
        loop.call_later(64 * T1, self._invite_clients.pop, invite.branch, None)
        self._send(ack[0], ack[1])
        rtp.start()
        return DialOutcome("answered", outcome.status, call)

    def _new_invite(self, target: str, from_user: str, offer: bytes) -> SipMessage:
        local_uri = f"sip:{from_user}@{self.advertised_host}:{self.port}"
        headers = [("via", self._via()), ("max-forwards", "70"), ("from", f"<{local_uri}>;tag={new_tag()}"),
                   ("to", f"<{target}>"), ("call-id", new_call_id(self.advertised_host)), ("cseq", "1 INVITE"),
                   ("contact", self.contact), ("allow", ALLOW), ("user-agent", USER_AGENT),
                   ("content-type", "application/sdp")]
        return SipMessage("INVITE", target, None, "", headers, offer)

    async def _invite_transaction(self, invite: SipMessage, dest: tuple[str, int], ring_timeout_s: float,
                                  responses: asyncio.Queue[SipMessage]) -> _InviteFinal:
        """Send INVITE (retransmitted until a provisional), wait for a final response or CANCEL at the time-out."""
        data = invite.to_bytes()
        self._send(data, dest)
        progress = {"provisional": False}
        try:
            return await self._await_final(invite, dest, ring_timeout_s, responses, data, progress)
        except asyncio.CancelledError:
            # the gateway stopped wanting this call (the caller hung up or gave up): stop the phone ringing
            self._spawn(self._abandon(invite, dest, responses, progress["provisional"]), "abandon-invite")
            raise

    async def _await_final(self, invite: SipMessage, dest: tuple[str, int], ring_timeout_s: float,
                           responses: asyncio.Queue[SipMessage], data: bytes, progress: dict[str, bool]) -> _InviteFinal:
        loop = asyncio.get_running_loop()
        interval, provisional, cancelled = T1, False, False
        ring_deadline = loop.time() + ring_timeout_s
        next_retransmit = loop.time() + interval
        while True:
            now = loop.time()
            if not cancelled and now >= ring_deadline:
                if not provisional:
                    return _InviteFinal("failed", 0)  # nothing ever answered: no transaction to cancel
                cancelled = True
                self._spawn(self._cancel(invite, dest), "cancel-invite")
                ring_deadline = now + 32 * T1  # timer B for the 487 (or a late 200)
            if cancelled and now >= ring_deadline:
                return _InviteFinal("no_answer", 0)
            wake = ring_deadline if provisional else min(ring_deadline, next_retransmit)
            try:
                reply = await asyncio.wait_for(responses.get(), max(0.01, wake - loop.time()))
            except asyncio.TimeoutError:
                if not provisional and loop.time() >= next_retransmit:
                    self._send(data, dest)
                    interval = min(interval * 2, T2)
                    next_retransmit = loop.time() + interval
                continue
            status = reply.status or 0
            if status < 200:
                provisional = progress["provisional"] = True
                continue
            if status >= 300:
                self._send(self._ack_for_failure(invite, reply), dest)
                return _InviteFinal("no_answer" if cancelled else dial_result(status), status)
            if cancelled:  # answered just as we gave up: take it and end it
                self._spawn(self._answer_then_bye(invite, reply, dest), "late-answer")
                return _InviteFinal("no_answer", status)
            return _InviteFinal("answered", status, reply)

    async def _abandon(self, invite: SipMessage, dest: tuple[str, int], responses: asyncio.Queue[SipMessage],
                       provisional: bool) -> None:
        """Finish an INVITE nobody waits for any more: CANCEL it once it has rung (RFC 3261 9.1: not before
        a provisional), ACK the final response (487, or a busy that crossed it), and hang up a 200 that
        crossed it. Waits at most timer B."""
        cancelled = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 64 * T1
        while True:
            if provisional and not cancelled:
                cancelled = True
                self._spawn(self._cancel(invite, dest), "cancel-invite")
            try:
                reply = await asyncio.wait_for(responses.get(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                return
            status = reply.status or 0
            if status < 200:
                provisional = True
            elif status < 300:
                await self._answer_then_bye(invite, reply, dest)
                return
            else:
                self._send(self._ack_for_failure(invite, reply), dest)
                return

    async def _cancel(self, invite: SipMessage, dest: tuple[str, int]) -> None:
        headers = [h for h in invite.headers if h[0] in ("via", "from", "to", "call-id", "max-forwards")]
        headers.append(("cseq", f"{invite.cseq[0]} CANCEL"))
        with contextlib.suppress(SipTimeout):
            await self.transaction(SipMessage("CANCEL", invite.uri, None, "", headers), dest, 8.0)

    def _ack_for_failure(self, invite: SipMessage, reply: SipMessage) -> SipMessage:
        """ACK of a non-2xx final response: same transaction (branch), To with the response's tag."""
        headers = [h for h in invite.headers if h[0] in ("via", "from", "call-id", "max-forwards")]
        headers += [("to", reply.get("to") or ""), ("cseq", f"{invite.cseq[0]} ACK")]
        return SipMessage("ACK", invite.uri, None, "", headers)

    def _dialled_call(self, invite: SipMessage, reply: SipMessage, dest: tuple[str, int], rtp: RtpStream) -> Call | None:
        try:
            answer = parse_offer(reply.body)
            codec = choose_codec(answer)
        except SdpError as exc:
            log.warning("the callee's answer is unusable (%s): hanging up", exc)
            self._spawn(self._answer_then_bye(invite, reply, dest), "bad-answer")
            return None
        rtp.set_codec(codec, answer.telephone_event)
        rtp.negotiate((answer.address, answer.port))
        contact = reply.get_all("contact")
        to_value = reply.get("to") or ""
        info = CallInfo(call_id=invite.call_id, caller_id=sanitize_number(_uri_user(invite.uri or "")), caller_name="",
                        dialled=sanitize_number(_uri_user(invite.uri or "")), codec=codec,
                        remote_rtp=(answer.address, answer.port), peer=dest)
        call = Call(info=info, rtp=rtp, local_tag=invite.from_tag, local_uri=address_uri(invite.get("from") or ""),
                    remote_uri=address_uri(to_value), remote_tag=reply.to_tag,
                    remote_target=address_uri(contact[0]) if contact else invite.uri or "",
                    route_set=list(reversed(reply.get_all("record-route"))), invite=invite, local_cseq=invite.cseq[0],
                    state="confirmed", ua=self, inbound=False)
        call.acked.set()
        self.calls[call.info.call_id] = call
        return call

    def _ack_for_2xx(self, call: Call) -> tuple[bytes, tuple[str, int]]:
        """ACK of a 2xx: a new transaction inside the dialog, with the INVITE's CSeq number."""
        request, dest = self._in_dialog(call, "ACK")
        call.local_cseq -= 1
        request.headers = [(k, f"{call.invite.cseq[0]} ACK" if k == "cseq" else v) for k, v in request.headers]
        return request.to_bytes(), dest

    async def _answer_then_bye(self, invite: SipMessage, reply: SipMessage, dest: tuple[str, int]) -> None:
        rtp = RtpStream(Codec.PCMU, ("0.0.0.0", 0), None)
        info = CallInfo(invite.call_id, "", "", "", Codec.PCMU, ("0.0.0.0", 0), dest)
        contact = reply.get_all("contact")
        call = Call(info=info, rtp=rtp, local_tag=invite.from_tag, local_uri=address_uri(invite.get("from") or ""),
                    remote_uri=address_uri(reply.get("to") or ""), remote_tag=reply.to_tag,
                    remote_target=address_uri(contact[0]) if contact else invite.uri or "",
                    route_set=list(reversed(reply.get_all("record-route"))), invite=invite, local_cseq=invite.cseq[0],
                    ua=self)
        ack = self._ack_for_2xx(call)
        self._send(*ack)
        call.state = "ended"
        with contextlib.suppress(SipTimeout):
            await self._send_bye(call, 8.0)

    # -- registration ---------------------------------------------------------------------

    async def register(self, account: Account, expires_s: int | None = None) -> SipMessage:
        """REGISTER this UA's contact for `account` (answering one digest challenge); the final response."""
        expires = account.expires_s if expires_s is None else expires_s
        if not self._register_call_id:
            self._register_call_id = new_call_id(self.advertised_host)
        aor = f"sip:{account.username}@{account.domain}"
        from_tag, credentials = new_tag(), None
        for _attempt in range(2):
            self._register_cseq += 1
            headers = [("via", self._via()), ("max-forwards", "70"), ("from", f"<{aor}>;tag={from_tag}"),
                       ("to", f"<{aor}>"), ("call-id", self._register_call_id),
                       ("cseq", f"{self._register_cseq} REGISTER"), ("contact", self.contact),
                       ("expires", str(expires)), ("allow", ALLOW), ("user-agent", USER_AGENT)]
            if credentials is not None:
                headers.append(credentials)
            request = SipMessage("REGISTER", f"sip:{account.domain}", None, "", headers)
            reply = await self.transaction(request, account.registrar)
            if reply.status not in (401, 407) or credentials is not None:
                return reply
            challenge_header = "www-authenticate" if reply.status == 401 else "proxy-authenticate"
            challenge = parse_challenge(reply.get(challenge_header) or "")
            answer = authorization(challenge, "REGISTER", f"sip:{account.domain}", account.username, account.password)
            credentials = ("authorization" if reply.status == 401 else "proxy-authorization", answer)
        return reply

    def registered_for(self, reply: SipMessage, default: int) -> int:
        """Seconds the registrar granted our contact (its Contact `expires`, else Expires)."""
        for contact in reply.get_all("contact"):
            if f"@{self.advertised_host}:{self.port}" in contact:
                value = header_params(contact).get("expires", "")
                if value.isdigit():
                    return int(value)
        value = reply.get("expires") or ""
        return int(value) if value.isdigit() else default

    async def stay_registered(self, account: Account, on_status: Callable[[int], None] | None = None) -> None:
        """Register, then refresh before expiry; on failure retry with back-off. Runs until cancelled."""
        backoff = 5.0
        while True:
            try:
                reply = await self.register(account)
                status = reply.status or 0
            except (SipTimeout, SipParseError) as exc:
                log.warning("registration to %s failed: %s", account.registrar, exc)
                status = 0
            if on_status is not None:
                on_status(status)
            if status == 200:
                backoff = 5.0
                await asyncio.sleep(max(5.0, self.registered_for(reply, account.expires_s) * 0.8))
            else:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 300.0)
