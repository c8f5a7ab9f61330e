"""Transfers: only to the directory's numbers; blind by REFER, or supervised (dial, wait, bridge).

    supervised:  caller hears hold audio ─▶ INVITE destination ─▶ 486/600 busy | ring time-out: CANCEL, no_answer
                 | other failure: failed | 200: (announced: announcement + "press 1 / 2" to the callee) ─▶ bridge
    blind:       REFER to the caller; the NOTIFY sipfrag's status is the result

Nothing a caller says or keys becomes a destination: the dialogue's `transfer` payload names a
destination, and it is dialled only when the organisation's directory has it (an extension, a
staff mobile, a department, the operator or the duty line). The PBX address is configuration.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from bot.dialogue.parse import yes_no
from bot.org.model import Directory
from voice.sip.ua import Call, DialOutcome, Dtmf, Hangup, TransferProgress, UserAgent, dial_result

log = logging.getLogger(__name__)

ACCEPT_TIMEOUT_S = 15.0
"""How long an announced callee has, after the announcement, to accept (key 1, "yes") or decline (key 2, "no")."""
ANNOUNCEMENT_LIMIT_S = 60.0

_KO_DECLINE = re.compile(r"아니|안 ?돼|안 ?받|못 ?받|나중에|거절")
_KO_ACCEPT = re.compile(r"네|예|응|좋아|연결|받을|받겠|돌려")


def spoken_consent(text: str) -> bool | None:
    """What a callee said to an announcement: accept (True), decline (False) or neither ("喂?", "who?").

    Chinese and English are read by the dialogue's own yes/no reading; Korean (the one speech model
    the package registry carries, used by the tests) by a few words."""
    if re.search(r"[\uac00-\ud7a3]", text):
        return False if _KO_DECLINE.search(text) else (True if _KO_ACCEPT.search(text) else None)
    return yes_no(text)


def dial_string(number: str) -> str:
    """A number as the PBX is dialled: digits, and + * #; spaces and dashes dropped."""
    return re.sub(r"[^0-9+*#]", "", number)[:32]


def allowed_destinations(directory: Directory) -> frozenset[str]:
    """Every number the gateway may ever dial: extensions, mobiles, department lines, operator, duty line."""
    numbers = [directory.organization.operator, directory.after_hours.duty_phone]
    numbers += [p.extension for p in directory.people] + [p.mobile for p in directory.people]
    numbers += [d.extension for d in directory.departments]
    return frozenset(dial_string(n) for n in numbers if n and dial_string(n))


@dataclass(frozen=True)
class DialPlan:
    """Where calls to directory numbers go: the PBX (`proxy`), or a phone addressed directly (`routes`)."""

    proxy: tuple[str, int] | None = None
    domain: str = ""
    routes: Mapping[str, tuple[str, int]] = field(default_factory=dict)

    def route(self, number: str) -> tuple[str, tuple[str, int]] | None:
        """(SIP URI, next hop) for a dial string; None when there is nowhere to send it."""
        if number in self.routes:
            host, port = self.routes[number]
            return f"sip:{number}@{host}:{port}", (host, port)
        if self.proxy is None:
            return None
        return f"sip:{number}@{self.domain or self.proxy[0]}", self.proxy


@dataclass
class Transferring:
    """What one supervised transfer needs from the call it belongs to."""

    caller: Call
    destination: str
    ring_timeout_s: float
    announcement: str = ""
    speak_to: Callable[[Call, str], Awaitable[bool]] | None = None
    """Speak a text to a call (the announcement to the callee); True when it was all played."""
    hear_consent: Callable[[Call, asyncio.Queue[bool]], Awaitable[None]] | None = None
    """Recognise the callee's spoken answer, putting accept (True) or decline (False) on the queue."""
    caller_gone: asyncio.Event = field(default_factory=asyncio.Event)
    caller_gave_up: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when the caller, on hold, keyed something else: stop ringing, report no answer."""


class Transfers:
    def __init__(self, ua: UserAgent, dial_plan: DialPlan, directory: Callable[[], Awaitable[Directory]]) -> None:
        self.ua = ua
        self.dial_plan = dial_plan
        self._directory = directory

    async def permitted(self, destination: str) -> str | None:
        """The dial string for `destination` when the directory has it, else None (and it is logged)."""
        number = dial_string(destination or "")
        try:
            allowed = allowed_destinations(await self._directory())
        except Exception:
            log.exception("the directory cannot be read: no transfer is allowed")
            return None
        if number not in allowed:
            log.warning("refused to dial %r: not a number in the directory", destination[:40])
            return None
        return number

    async def blind(self, caller: Call, destination: str, progress: asyncio.Queue[TransferProgress],
                    caller_gone: asyncio.Event, timeout_s: float = 40.0) -> str:
        """REFER the caller to a directory number; the NOTIFY outcome (from `progress`) as a transfer result."""
        number = await self.permitted(destination)
        routed = self.dial_plan.route(number) if number else None
        if routed is None:
            return "failed"
        try:
            status = await caller.refer(routed[0])
        except Exception as exc:  # no answer to the REFER (SipTimeout) or the call is gone
            log.info("REFER failed: %r", exc)
            return "failed"
        if status != 202:
            return "failed"
        return await _refer_outcome(progress, caller_gone, timeout_s)

    async def dial(self, job: Transferring) -> tuple[str, Call | None]:
        """Call the destination; (result, the callee's call when it was answered and accepted)."""
        number = await self.permitted(job.destination)
        routed = self.dial_plan.route(number) if number else None
        if routed is None:
            return "failed", None
        dialling = asyncio.ensure_future(self.ua.dial(routed[0], routed[1], job.ring_timeout_s))
        gone = asyncio.ensure_future(job.caller_gone.wait())
        gave_up = asyncio.ensure_future(job.caller_gave_up.wait())
        try:
            await asyncio.wait({dialling, gone, gave_up}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            gave_up.cancel()
        if not dialling.done():  # the caller hung up, or keyed something else, while it rang: stop ringing
            dialling.cancel()
            with contextlib.suppress(BaseException):
                await dialling
            return ("no_answer" if job.caller_gave_up.is_set() and not job.caller_gone.is_set() else "failed"), None
        try:
            outcome: DialOutcome = dialling.result()
        except Exception:
            log.exception("dialling %s failed", number)
            return "failed", None
        if outcome.call is None:
            return outcome.result, None
        if job.announcement and not await self._accepted(job, outcome.call):
            await outcome.call.hangup()
            return "declined", None
        return "answered", outcome.call

    async def _accepted(self, job: Transferring, callee: Call) -> bool:
        """Announce the caller to the callee; accepted by key 1 or a spoken yes, declined by key 2, a spoken
        no, hanging up or silence. The callee may answer while the announcement is still playing."""
        answers: asyncio.Queue[bool] = asyncio.Queue()
        helpers = [asyncio.ensure_future(_keyed_consent(callee, answers))]
        if job.hear_consent is not None:
            helpers.append(asyncio.ensure_future(job.hear_consent(callee, answers)))
        answer = asyncio.ensure_future(answers.get())
        try:
            if job.speak_to is not None:
                speaking = asyncio.ensure_future(job.speak_to(callee, job.announcement))
                await asyncio.wait({speaking, answer}, timeout=ANNOUNCEMENT_LIMIT_S, return_when=asyncio.FIRST_COMPLETED)
                if not speaking.done():
                    callee.rtp.stop_playback()
                    await asyncio.gather(speaking, return_exceptions=True)
            await asyncio.wait_for(asyncio.shield(answer), ACCEPT_TIMEOUT_S)
            return answer.result()
        except asyncio.TimeoutError:
            return False
        finally:
            answer.cancel()
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(answer, *helpers, return_exceptions=True)


async def _keyed_consent(callee: Call, answers: asyncio.Queue[bool]) -> None:
    """Key 1 accepts, key 2 declines; hanging up declines."""
    while True:
        event = await callee.events.get()
        if isinstance(event, Dtmf) and event.digit in "12":
            answers.put_nowait(event.digit == "1")
            return
        if isinstance(event, Hangup):
            answers.put_nowait(False)
            return


async def _refer_outcome(progress: asyncio.Queue[TransferProgress], caller_gone: asyncio.Event,
                         timeout_s: float) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while (remaining := deadline - loop.time()) > 0 and not caller_gone.is_set():
        with contextlib.suppress(asyncio.TimeoutError):
            event = await asyncio.wait_for(progress.get(), min(remaining, 0.5))
            if event.final:
                return dial_result(event.status)
    return "answered" if caller_gone.is_set() else "no_answer"  # the caller's phone left us for the target


async def bridge(caller: Call, callee: Call, record_caller: Callable[[bytes], None] | None,
                 caller_gone: asyncio.Event) -> str:
    """Connect the two calls' audio through the gateway until one side hangs up; who hung up first."""
    def from_caller(pcm: bytes) -> None:
        if record_caller is not None:
            record_caller(pcm)
        callee.rtp.feed(pcm)

    caller.rtp.stop_playback()
    caller.rtp.on_audio = from_caller
    callee.rtp.on_audio = caller.rtp.feed
    waits = {asyncio.ensure_future(caller_gone.wait()): "caller", asyncio.ensure_future(callee.ended.wait()): "callee"}
    try:
        done, _ = await asyncio.wait(set(waits), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
    first = waits[next(iter(done))]
    with contextlib.suppress(Exception):
        await (callee.hangup() if first == "caller" else caller.hangup())
    return first
