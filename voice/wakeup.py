"""Wake-up calls from the gateway: at the booked time, ring the room and say the time, twice.

    every poll_s:  claim_due (bot/hotel/wakeups.py: taken once across every gateway on the database)
                   ─▶ for each, concurrently (at most MAX_CONCURRENT_DIALS):
                        INVITE the room's extension (DialPlan) ─▶ answered: the message twice, BYE ─▶ "answered"
                                                             └─▶ busy / no answer (CANCEL after ring_timeout_s) / failed
                        ─▶ record_result: retried 5 minutes later, twice; then failed, and the front desk gets a message

The dialler runs in the gateway's event loop (Gateway.start / Gateway.close); the database work runs in
threads. The clock is injectable (`now`), as are the ring time and the retry delay, so tests wait seconds.
Stopping (`close`) gives back the bookings not answered yet (`release`: the next gateway dials them at
once); a gateway that dies mid-dial loses its claims when their lease expires, and they are dialled then.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.db.engine import Database
from bot.db.tables import utcnow
from bot.hotel import wakeups
from bot.hotel.stays import organisation_zone
from bot.hotel.wakeups import DialResult, WakeupClaim
from bot.records import leases
from voice.sip.ua import Call, UserAgent
from voice.transfer import DialPlan, dial_string
from voice.tts import Prompt, SynthesisError, Synthesizer

log = logging.getLogger(__name__)

MAX_CONCURRENT_DIALS = 200
"""Wake-up calls ringing or speaking at once per gateway (an RTP socket and a task each). 500 calls due
in the same minute are all dialled within it (bench/wakeup_bench.py, bench/results/wakeups.md)."""
POLL_S = 2.0
"""How often due bookings are looked for: a call starts at most this late (plus the claim's own time)."""
RING_TIMEOUT_S = 45.0
"""How long the room's phone rings before the attempt counts as not answered (CANCEL)."""
REPEATS = 2
"""The message is said this many times."""
PAUSE_S = 1.0
"""Silence between the two times."""
MESSAGE_LIMIT_S = 60.0
"""The longest the gateway stays on a wake-up call (a weather line that never ends, a stuck pacer)."""
KEEP_DIALS = 5000
"""Dials remembered in `WakeupDialer.dials` (tests, the benchmark, logs)."""


@dataclass
class Dial:
    """One attempt, as the gateway saw it."""

    wakeup: int
    room: str
    extension: str | None
    attempt: int
    started_at: dt.datetime
    """The dialler's clock when the INVITE went out (`now()`)."""
    due_at: dt.datetime
    result: str = ""
    status: int = 0
    spoken: int = 0
    """Times the message was played to the end."""
    seconds: float = 0.0
    """From the answer to the hang-up."""
    text: str = ""


class WakeupDialer:
    def __init__(self, ua: UserAgent, database: Database, dial_plan: DialPlan, synthesizer: Synthesizer, *,
                 now: Callable[[], dt.datetime] = utcnow, poll_s: float = POLL_S,
                 ring_timeout_s: float = RING_TIMEOUT_S, retry_delay: dt.timedelta = wakeups.RETRY_DELAY,
                 max_retries: int = wakeups.MAX_RETRIES, concurrency: int = MAX_CONCURRENT_DIALS,
                 lease_s: float = wakeups.WAKEUP_LEASE_S, pause_s: float = PAUSE_S,
                 extra_line: Callable[[str], str | None] | None = None, holder: str | None = None) -> None:
        self.ua = ua
        self.database = database
        self.dial_plan = dial_plan
        self.synthesizer = synthesizer
        self.now = now
        self.poll_s = poll_s
        self.ring_timeout_s = ring_timeout_s
        self.retry_delay = retry_delay
        self.max_retries = max_retries
        self.concurrency = concurrency
        self.lease_s = lease_s
        self.pause_s = pause_s
        self.extra_line = extra_line
        """The optional last sentence for a language (a weather line), or None: called (in a thread, so it
        may read the database) once per language for each batch of claims, just before they are dialled."""
        self.holder = holder or f"wakeup:{leases.new_holder()}"
        self.dials: list[Dial] = []
        self.errors = 0
        self._active: dict[asyncio.Task[None], WakeupClaim] = {}
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._slot_freed = asyncio.Event()
        self._answered: set[int] = set()
        """Bookings whose call is answered (being spoken to): a stop lets them finish."""

    # -- running ------------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.ensure_future(self._run())

    @property
    def in_progress(self) -> int:
        return len(self._active)

    async def close(self, grace_s: float = 5.0) -> None:
        """Stop claiming; calls still ringing are cancelled and their bookings given back (dialled again at
        once by the next gateway); a call being spoken to gets `grace_s` to finish, then is hung up."""
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        active = list(self._active)
        speaking = [task for task, claim in self._active.items() if claim.id in self._answered]
        for task in active:
            if task not in speaking:
                task.cancel()  # still ringing: CANCEL, and the booking is given back
        if speaking:
            _, late = await asyncio.wait(speaking, timeout=grace_s)
            for task in late:
                task.cancel()
        await asyncio.gather(*active, return_exceptions=True)

    async def _run(self) -> None:
        while not self._stop.is_set():
            full = False
            try:
                free = self.concurrency - len(self._active)
                claimed = await self.run_once() if free > 0 else 0
                full = free <= 0 or claimed == free
            except Exception:
                self.errors += 1
                log.exception("wake-up calls: claiming due bookings failed; trying again in %s s", self.poll_s)
            self._slot_freed.clear()
            waits = [asyncio.ensure_future(self._stop.wait())]
            if full:  # more may be due: claim again as soon as a call ends
                waits.append(asyncio.ensure_future(self._slot_freed.wait()))
            try:
                await asyncio.wait(waits, timeout=self.poll_s, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in waits:
                    waiting.cancel()

    async def run_once(self) -> int:
        """Claim what is due now (up to the free slots) and start dialling it; how many were claimed."""
        free = self.concurrency - len(self._active)
        if free <= 0:
            return 0
        moment = self.now()
        claims, zone, extras = await asyncio.to_thread(self._claim, moment, free)
        for claim in claims:
            task = asyncio.ensure_future(self._call(claim, zone, extras.get(claim.language)))
            self._active[task] = claim
            task.add_done_callback(self._done)
        if claims:
            log.info("wake-up calls: dialling %d (room %s%s)", len(claims), claims[0].room,
                     f" and {len(claims) - 1} more" if len(claims) > 1 else "")
        return len(claims)

    def _claim(self, moment: dt.datetime, limit: int) -> tuple[list[WakeupClaim], dt.tzinfo, dict[str, str | None]]:
        """(claims, the hotel's zone, each claimed language's extra line: read now, so a change counts
        from the next dial)."""
        with self.database.session() as session:
            if not wakeups.any_due(session, moment):
                return [], dt.timezone.utc, {}
        with self.database.session() as session:
            claims = wakeups.claim_due(session, moment, limit, self.holder, self.lease_s)
            zone = organisation_zone(session)
        return claims, zone, {language: self._extra(language) for language in {c.language for c in claims}}

    def _extra(self, language: str) -> str | None:
        """`extra_line` for `language`; a failure is logged and the guests are woken without it."""
        if self.extra_line is None:
            return None
        try:
            return self.extra_line(language)
        except Exception:
            log.exception("wake-up calls: the extra line in %s could not be read; calling without it", language)
            return None

    def _done(self, task: asyncio.Task[None]) -> None:
        self._active.pop(task, None)
        self._slot_freed.set()
        if not task.cancelled() and task.exception() is not None:
            self.errors += 1
            log.error("wake-up call failed", exc_info=task.exception())

    # -- one call -------------------------------------------------------------------------------

    async def _call(self, claim: WakeupClaim, zone: dt.tzinfo, extra: str | None = None) -> None:
        moment = self.now()
        dial = Dial(claim.id, claim.room, claim.extension, claim.attempt, moment, claim.due_at)
        self.dials.append(dial)
        del self.dials[:-KEEP_DIALS]
        try:
            dial.result = await self._ring_and_speak(claim, dial, moment.astimezone(zone), extra)
        except asyncio.CancelledError:
            if claim.id in self._answered:  # the guest picked up: that counts, stopping or not
                dial.result = DialResult.ANSWERED.value
                await asyncio.shield(self._store(claim, dial))
            else:
                await asyncio.shield(asyncio.to_thread(self._release, claim))
                dial.result = "released"
            raise
        except Exception:
            log.exception("wake-up call %d to room %s failed", claim.id, claim.room)
            dial.result = DialResult.FAILED.value
        finally:
            self._answered.discard(claim.id)
        await self._store(claim, dial)

    async def _ring_and_speak(self, claim: WakeupClaim, dial: Dial, local: dt.datetime, extra: str | None) -> str:
        number = dial_string(claim.extension or "")
        routed = self.dial_plan.route(number) if number else None
        if routed is None:
            log.error("wake-up call %d: room %s has no phone the gateway can dial (%r)", claim.id, claim.room,
                      claim.extension)
            return DialResult.FAILED.value
        text = wakeups.wakeup_message(local, claim.language, extra)
        dial.text = text
        prompt = asyncio.ensure_future(self.synthesizer.prompt(text, claim.language))  # renders while it rings
        try:
            outcome = await self.ua.dial(routed[0], routed[1], self.ring_timeout_s)
            dial.status = outcome.status
            call = outcome.call
            if call is None:
                return outcome.result
            self._answered.add(claim.id)
            answered = time.monotonic()
            try:
                spoken = await asyncio.wait_for(self._speak(call, await prompt), MESSAGE_LIMIT_S)
            except SynthesisError as exc:  # picked up, so awake: answered, and the silence is logged
                log.error("wake-up call %d: the message could not be rendered (%s)", claim.id, exc)
                spoken = 0
            except asyncio.TimeoutError:
                spoken = 0
            finally:
                dial.seconds = time.monotonic() - answered
                await call.hangup()
            dial.spoken = spoken
            return DialResult.ANSWERED.value
        finally:
            if not prompt.done():
                prompt.cancel()
            await asyncio.gather(prompt, return_exceptions=True)

    async def _speak(self, call: Call, prompt: Prompt) -> int:
        """The message REPEATS times, PAUSE_S apart; stops when the guest hangs up. Times played to the end."""
        spoken = 0
        for n in range(REPEATS):
            if n:
                await asyncio.sleep(self.pause_s)
            if call.state == "ended" or not await call.rtp.play(prompt.pcm.data):
                break
            spoken += 1
        return spoken

    async def _store(self, claim: WakeupClaim, dial: Dial) -> None:
        def store() -> None:
            with self.database.session() as session:
                after = wakeups.record_result(session, claim, dial.result, self.now(), self.retry_delay,
                                              self.max_retries, seconds=dial.seconds or None)
            if after is None:
                log.warning("wake-up call %d: cancelled, or taken over by another gateway, while dialling; "
                            "result %s not recorded", claim.id, dial.result)
            elif after.status is wakeups.WakeupStatus.FAILED:
                log.warning("wake-up call %d to room %s: not answered after %d attempts; front desk alerted "
                            "(message %s)", claim.id, claim.room, after.attempts, after.alert_message)

        try:
            await asyncio.to_thread(store)
        except Exception:
            self.errors += 1
            log.exception("wake-up call %d: the result %s could not be stored; the lease expires and it is "
                          "dialled again", claim.id, dial.result)

    def _release(self, claim: WakeupClaim) -> None:
        try:
            with self.database.session() as session:
                wakeups.release(session, claim, self.now())
        except Exception:  # the lease expires instead, and it is dialled then
            log.exception("wake-up call %d could not be given back", claim.id)
