"""The gateway: SIP calls in, a conversation with the dialogue (over HTTP only) for each.

    UserAgent (voice/sip) ─▶ on_call ─▶ CallSession (voice/call_session.py) ─▶ DialogueClient (Rasa REST)
                                                 ├─ Synthesizer (prompts) / SpeechModels (Vosk, shared)
                                                 ├─ Transfers (voice/transfer.py: directory numbers only)
                                                 └─ CallRecorder ─▶ var/recordings/<conversation>.wav ─▶ call record

The directory is read (never written) through `bot.org.store.DirectoryCache`; the dialogue is
reached only through its HTTP API. A call's failure is logged and ends that call only.
`python -m voice.gateway` runs it alone (`receptionist run` starts it with the servers).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.db.engine import Database
from bot.hotel import wakeups as wakeup_records
from bot.org.model import Directory
from bot.org.store import DirectoryCache, NoOrganization
from bot.records import calls as call_records
from bot.records import messages
from voice.call_session import (
    MAX_BRIDGED_CALL_S,
    MAX_CALL_S,
    PHRASES,
    RTP_TIMEOUT_S,
    SILENCE_S,
    CallSession,
    SessionServices,
)
from voice.dialogue_client import DialogueClient
from voice.grammar import model_vocabulary
from voice.recording import recording_name
from voice.sip.ua import MAX_CALLS, MAX_CALLS_PER_SOURCE, Account, Call, UserAgent
from voice.stt import DecodeLoad, SpeechModels, decoding_workers
from voice.transfer import DialPlan, Transfers
from voice.tts import Synthesizer
from voice.wakeup import WakeupDialer

log = logging.getLogger(__name__)

WARM_RECOGNIZERS = 2
"""Recognizers prepared per speech language at start (in the background); calls add more as they end."""
OVERLOAD_WAIT_S = 1.0
"""New calls are refused (503, Retry-After: a proxy tries the next gateway) while a decode has waited
longer than this for a free worker in the last few seconds: past capacity, a new caller is answered
cleanly elsewhere instead of every caller here being understood late."""


@dataclass(frozen=True)
class GatewayConfig:
    rasa_url: str
    api_token: str
    """Rasa's HTTP API token (transfer results)."""
    recordings_dir: Path
    prompts_dir: Path
    sip_host: str = "127.0.0.1"
    sip_port: int = 5062
    advertised_host: str | None = None
    user: str = "receptionist"
    account: Account | None = None
    """Register to a PBX as this extension; None: answer INVITEs sent straight to us."""
    dial_plan: DialPlan = field(default_factory=DialPlan)
    speech_paths: dict[str, Path] = field(default_factory=dict)
    speech_language: str | None = None
    dialogue_timeout_s: float = 3.0
    inter_digit_s: float = 1.5
    blind_by_refer: bool = False
    internal_peers: frozenset[str] = frozenset()
    """Source addresses (the PBX) whose calls from a directory extension are internal calls."""
    silence_s: float = SILENCE_S
    """A caller silent this long is asked whether they are still there; as long again: goodbye (call_session.py)."""
    rtp_timeout_s: float = RTP_TIMEOUT_S
    """No RTP from the caller this long: the call is ended (their phone vanished without a BYE)."""
    max_call_s: float = MAX_CALL_S
    """The longest call with the receptionist; then the caller is told, and it ends."""
    max_bridged_call_s: float = MAX_BRIDGED_CALL_S
    """The longest call once put through to staff (from the answer); then both are told, and it ends."""
    max_calls: int = MAX_CALLS
    """Calls answered at once (503 beyond); the PBX's and trusted peers' calls count too."""
    max_calls_per_source: int = MAX_CALLS_PER_SOURCE
    """Calls at once from one untrusted address (486 beyond): not the PBX, not `internal_peers`."""
    tts_rate: int = 160
    tts_workers: int = 2
    channel_token: str = ""
    """The REST channel's token for the phone client: what makes the conversations phone calls."""
    first_metadata: dict[str, Any] = field(default_factory=dict)
    """Sent with each call's first message besides the caller's details; tests put their clock here
    ({"now": ...}), which the dialogue honours only with RECEPTIONIST_TEST_CLOCK=1 (contract section 3)."""


def new_conversation_id(sip_call_id: str) -> str:
    """The dialogue's conversation id: ours, not the caller's Call-ID (which a caller could reuse to
    step into someone else's conversation); a readable prefix of the Call-ID is kept for the logs."""
    return f"sip-{recording_name(sip_call_id)[:-4][:16]}-{secrets.token_hex(6)}"


CLOSE_GRACE_S = 15.0
"""On a stop, how long the calls hung up get to finish: a turn still with the dialogue, filing a voice
message, storing the recording and linking it in the call record (each usually well under a second)."""


@dataclass(frozen=True)
class StopReport:
    """What the gateway's stop (Gateway.close) did, for the launcher's log."""

    calls: int
    """Calls in progress when the stop came (hung up)."""
    recordings: int
    """Of those, the ones whose recording was saved."""
    voice_messages: int
    """Of those, the ones that were leaving a voice message (filed for staff)."""
    late: int
    """Calls that had not finished storing when the grace period ran out."""
    seconds: float


class Gateway:
    _closing = False
    """Set by close(): a call answered from then on is hung up at once."""

    def __init__(self, config: GatewayConfig, database: Database) -> None:
        self.config = config
        self.database = database
        self.directory_cache = DirectoryCache(database)
        trusted = config.internal_peers | ({config.account.registrar[0]} if config.account else set())
        self.ua = UserAgent(config.sip_host, config.sip_port, on_call=self._on_call, user=config.user,
                            advertised_host=config.advertised_host, max_calls=config.max_calls,
                            max_calls_per_source=config.max_calls_per_source, trusted_peers=frozenset(trusted))
        self.dialogue = DialogueClient(config.rasa_url, config.api_token, config.dialogue_timeout_s,
                                       channel_token=config.channel_token)
        self.synthesizer = Synthesizer(config.prompts_dir, rate=config.tts_rate, workers=config.tts_workers)
        self.speech_models = SpeechModels(config.speech_paths) if config.speech_paths else None
        self.executor = decoding_workers(len(os.sched_getaffinity(0)))
        """Speech decoding, one worker per core: more threads than cores only share the same CPU."""
        self.decode_load = DecodeLoad()
        self.ua.overloaded = self._overloaded
        self.sessions: list[CallSession] = []
        """Every call this gateway took (kept for tests, the benchmark and logs; trimmed to the last 500)."""
        self.failed_calls = 0
        self._in_progress: dict[asyncio.Task[Any], CallSession] = {}
        """The calls being handled: on close they are hung up and given time to store their records."""
        self._registration: asyncio.Task[None] | None = None
        self._warming: asyncio.Future[None] | None = None
        self.wakeups = WakeupDialer(self.ua, database, config.dial_plan, self.synthesizer,
                                    extra_line=self.wakeup_note)
        """Wake-up calls (voice/wakeup.py): started with the gateway, stopped first on close."""
        self.services = SessionServices(
            dialogue=self.dialogue, synthesizer=self.synthesizer,
            transfers=Transfers(self.ua, config.dial_plan, self.directory),
            directory=self.directory, speech_models=self.speech_models, speech_language=config.speech_language,
            executor=self.executor, decode_load=self.decode_load, recordings_dir=config.recordings_dir, link_recording=self.link_recording,
            file_voicemail=self.file_voicemail,
            inter_digit_s=config.inter_digit_s, blind_by_refer=config.blind_by_refer,
            first_metadata=config.first_metadata, internal_peers=config.internal_peers,
            silence_s=config.silence_s, rtp_timeout_s=config.rtp_timeout_s, max_call_s=config.max_call_s,
            max_bridged_call_s=config.max_bridged_call_s,
        )

    def _overloaded(self) -> str | None:
        """Speech decoding is so far behind that a new call would make every call's recognition worse."""
        behind = self.decode_load.behind_s
        return f"speech recognition {behind:.1f} s behind" if behind > OVERLOAD_WAIT_S else None

    async def directory(self) -> Directory:
        return await asyncio.to_thread(self.directory_cache.current)

    def wakeup_note(self, language: str) -> str | None:
        """The wake-up message's last line (the stored organisation's `policy.wakeup_note`), read at each
        dial, so a change made in the console or by an import counts from the next call (blocking: the
        dialler calls it in a thread, once per language for each batch it claims)."""
        try:
            directory = self.directory_cache.current()
        except NoOrganization:
            return None
        return wakeup_records.wakeup_note(directory, language)

    async def start(self) -> tuple[str, int]:
        """Open the SIP socket, load the speech models, render the fixed prompts; say what is missing."""
        address = await self.ua.start()
        self.wakeups.start()
        if self.speech_models is not None:
            failed = await self.speech_models.load_all()
            for language, why in failed.items():
                log.error("speech model for %s failed to load (%s): keypad only in %s", language, why, language)
            for language in self.speech_models.configured:  # directory grammars read it: once, not at a call
                path = self.speech_models.path(language)
                if language not in failed and path is not None:
                    with contextlib.suppress(OSError, ValueError):
                        await asyncio.to_thread(model_vocabulary, path)
                warm = self.speech_models.recognizers(language, 8000)
                if warm is not None:  # the first callers' recognition costs a third (stt.WarmRecognizers)
                    self._warming = asyncio.ensure_future(asyncio.to_thread(warm.warm, WARM_RECOGNIZERS, 1.0))
        missing = [lang for lang in ("zh", "en") if lang not in self.config.speech_paths]
        if missing:
            log.warning("no speech model for %s: callers in %s can key an extension, or 0 for the operator",
                        ", ".join(missing), ", ".join(missing))
        fixed = ("keypad_only", "failsafe", "voicemail", "voicemail_thanks", "still_there", "silence_goodbye",
                 "max_duration")
        await self.synthesizer.prerender((text, lang) for key in fixed for lang, text in PHRASES[key].items())
        if self.config.account is not None:
            self._registration = asyncio.ensure_future(self.ua.stay_registered(self.config.account))
        log.info("SIP gateway listening on %s:%d", *address)
        return address

    async def _on_call(self, call: Call) -> None:
        if self._closing:  # answered just as the stop came (new INVITEs get 503 from then on)
            await call.hangup()
            return
        session = CallSession(call, self.services, new_conversation_id(call.info.call_id))
        log.info("call %s answered (%d in progress)", session.conversation, len(self._in_progress) + 1)
        self.sessions.append(session)
        del self.sessions[:-500]
        task = asyncio.current_task()
        assert task is not None
        self._in_progress[task] = session
        try:
            await session.run()
        except Exception:
            self.failed_calls += 1
            log.exception("call %s failed; the gateway carries on", session.conversation)
        finally:
            self._in_progress.pop(task, None)

    async def link_recording(self, conversation: str, caller_id: str, path: str) -> None:
        def store() -> None:
            with self.database.session() as session:
                call_records.start_call(session, conversation, call_records.Channel.PHONE, caller_id=caller_id or None)
                call_records.set_recording(session, conversation, path)

        await asyncio.to_thread(store)

    async def file_voicemail(self, conversation: str, caller_id: str, seconds: float) -> None:
        """A caller nobody could answer left a voice message (or hung up first, `seconds` 0): a message for
        the general mailbox (or the first department), with the caller's number to call back; the audio is
        the call's recording."""
        directory = await self.directory()
        recipient = directory.policy.general_mailbox or (directory.departments[0].id if directory.departments
                                                         else "operator")
        if seconds >= 1:
            text = (f"语音留言（系统无法应答，无人接听时留下，约 {seconds:.0f} 秒）：请在控制台收听本次通话录音并回电。\n"
                    f"Voice message ({seconds:.0f} s), left when the receptionist could not answer and nobody took "
                    "the call: listen to this call's recording in the console and call back.")
        else:
            text = ("未接来电：系统无法应答，也无人接听，来电人未留言便挂断了。请回电。\n"
                    "Missed call: the receptionist could not answer, nobody took the call, and the caller hung up "
                    "before leaving a message. Please call back.")

        try:  # caller ID is untrusted: a number that cannot be called back is left out, the message kept
            callback = messages.normalize_callback_number(caller_id or None)
        except ValueError:
            callback = None

        def store() -> None:
            with self.database.session() as session:
                call_records.start_call(session, conversation, call_records.Channel.PHONE, caller_id=caller_id or None)
                messages.take_message(session, recipient, text, caller_name="", callback_number=callback,
                                      conversation=conversation)

        await asyncio.to_thread(store)
        log.info("call %s: voice message filed for %s", conversation, recipient)

    @property
    def calls_in_progress(self) -> int:
        return len(self._in_progress)

    async def close(self, grace_s: float = CLOSE_GRACE_S) -> StopReport:
        """Stop, in order: take no new call (an INVITE gets 503 with Retry-After), hang up the calls in
        progress and give them up to `grace_s` to finish: a turn the dialogue is still answering, filing
        the voice message being left, saving the recording and linking it in the call record; so a
        restart loses nothing already said. The dialogue must still be up meanwhile (bot/launcher.py
        stops it after the gateway). Then close the SIP socket and the clients."""
        started = time.monotonic()
        self._closing = True
        if self._warming is not None:  # a thread cannot be stopped: let it finish its recognizer (~1 s)
            await asyncio.gather(self._warming, return_exceptions=True)
        await self.wakeups.close()  # ringing wake-up calls given back undialled, one being spoken to finishes
        self.ua.max_calls = 0  # the UA answers new INVITEs 503 from now on
        if self._registration is not None:
            self._registration.cancel()
            await asyncio.gather(self._registration, return_exceptions=True)
        in_progress = dict(self._in_progress)
        late: set[asyncio.Task[Any]] = set()
        if in_progress:
            log.info("hanging up %d call(s) in progress; up to %.0f s to store their recordings and voice messages",
                     len(in_progress), grace_s)
            await self.ua.hang_up_all()
            _, late = await asyncio.wait(in_progress, timeout=grace_s)
            if late:
                log.error("%d call(s) did not finish storing within %.0f s", len(late), grace_s)
        finished = [session for task, session in in_progress.items() if task not in late]
        report = StopReport(calls=len(in_progress), recordings=sum(s.recording is not None for s in finished),
                            voice_messages=sum(s.outcome == "failsafe:voicemail" for s in finished),
                            late=len(late), seconds=time.monotonic() - started)
        await self.ua.close()
        await self.dialogue.close()
        await self.synthesizer.close()
        self.executor.shutdown(wait=False, cancel_futures=True)
        return report
