"""One call, from answer to hang-up: the dialogue's words spoken, the caller's words and keys posted.

    answer ─▶ "" to the dialogue ─▶ greeting spoken (no speech model: "key the extension, 0 for the operator")
    caller audio ─▶ recorder, SpeechOnset ─▶ speech (not our echo) while a prompt plays: stop it (barge-in)
                             Transcriber
                                          └▶ Utterance ─▶ its text to the dialogue ─▶ replies spoken / carried out
    keys ─▶ digits until a pause (or #) ─▶ the extension as text; "0" alone ─▶ "operator" in the call's language
    transfer payload ─▶ voice/transfer.py ─▶ transfer_result to the dialogue ─▶ its replies spoken
    the dialogue silent for `dialogue_timeout_s` ─▶ the fail-safe prompt, then the operator
    the caller silent for `silence_s` ─▶ "are you still there?"; as long again ─▶ goodbye, hang up
    hangup payload (after the goodbye) ─▶ the line open until the caller's BYE, or CALLER_HANGS_UP_FIRST_S ─▶ our BYE
    no RTP from the caller for `rtp_timeout_s`, or the call over `max_call_s` ─▶ ended (watched by `_watch`)

Every wait has a time-out or ends with the call; the tasks a session starts are kept and
cancelled when it ends. One session's failure never reaches another call (voice/gateway.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.dialogue.language import detect_language
from bot.org.model import Directory
from voice.audio import decode, silence, tone
from voice.dialogue_client import DialogueClient, DialogueUnavailable, Reply
from voice.endpointing import FLOOR_RMS, EchoGuard, SpeechOnset, VoiceActivity
from voice.grammar import NameGrammar, NameTurnRecognizer, NameUtterance, asks_for_a_name
from voice.listener import SPEECH_RMS, Listener
from voice.recording import CallRecorder, recording_name
from voice.sip.ua import Call, Dtmf, Hangup, TransferProgress
from voice.stt import DecodeLoad, Partial, Recognizer, SpeechModels, Transcriber, Utterance
from voice.transfer import Transferring, Transfers, bridge, spoken_consent
from voice.tts import VOICES, Prompt, SynthesisError, Synthesizer, split_sentences

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

log = logging.getLogger(__name__)

ECHO_REACH_S = 0.6
"""How long after we send sound it may still come back down the line as echo (EchoGuard's reach)."""
VOICEMAIL_S = 60.0
"""The longest voice message a caller can leave when nobody can take the call."""
MAX_TURNS = 200
"""A call that goes on longer than this many turns is handed to the operator's care (ended)."""
SILENCE_S = 15.0
"""The receptionist waits for the caller (a question asked, a prompt played) and hears no speech and no
key for this long: "are you still there?", once; as long again: a polite goodbye and the call is ended
(outcome "silence"). Not while the call is put through to staff, on hold while a phone rings, or while a
voice message is being left (VOICEMAIL_S caps that)."""
RTP_TIMEOUT_S = 60.0
"""No RTP packet at all from the caller for this long: their phone or network is gone without a BYE, and
the call is ended (outcome "rtp_timeout"), whatever it is doing (talking to the receptionist, bridged to
staff, leaving a voice message). A phone sends a packet every 20 ms, silence included (even with silence
suppression, comfort noise every few seconds); PBXs use the same 60 s (Asterisk's rtptimeout). Not counted
while the caller holds the call (their re-INVITE said sendonly/inactive)."""
GOODBYES = frozenset({"silence_goodbye"})
"""The gateway's own endings after which the caller, too, may hang up first (the voice message's thanks
as well): not a time limit's notice, which ends the call at once."""
MAX_CALL_S = 3600.0
"""The longest call with the receptionist: a real one takes minutes; past an hour the caller is told and
the call ended (outcome "max_duration")."""
MAX_BRIDGED_CALL_S = 4 * 3600.0
"""The longest call once it is put through to staff (counted from the answer, like MAX_CALL_S): a staff
conversation may well last over an hour, but not four; that is a line left open. Both sides are told, then
it ends. Silence is never timed while bridged (the staff member and the caller may both be listening)."""
CALLER_HANGS_UP_FIRST_S = 3.0
"""When the dialogue ends the call (its `hangup` payload, after the goodbye), the line stays open this long
after the goodbye has played, and the caller hangs up first: the seed rulebook's 通话结束时等对方先挂机, as a
switchboard operator does, so a caller still saying "thanks, bye" is not cut off and the end of the goodbye
is not clipped by a BYE sent with its last packet. Their BYE in that time ends the call at once (a caller
hang-up; the gateway sends none); otherwise the gateway sends its BYE when the time is up. Nothing said or
keyed meanwhile is a new turn (the conversation is over), and a stop (Gateway.close), the RTP time-out and
the maximum duration still end the call at once."""
WATCH_TICK_S = 1.0
"""How often a call's RTP counter and age are looked at (shorter when tests shorten the limits)."""

PHRASES: dict[str, dict[str, str]] = {
    "keypad_only": {"zh": "语音识别暂不可用，请直接按分机号码，或按零转人工服务。",
                    "en": "Speech recognition is not available. Please key the extension, or press zero for the operator."},
    "failsafe": {"zh": "抱歉，系统暂时无法应答，正在为您转接人工服务，请稍等。",
                 "en": "Sorry, the system cannot answer right now. Connecting you to the operator, please hold."},
    "voicemail": {"zh": "抱歉，现在没有人能接听。请在提示音后留下您的姓名、电话和事由，我们会尽快回电。说完请挂机。",
                  "en": "Sorry, nobody can take your call right now. After the tone, please leave your name, "
                        "number and message, and we will call you back. Hang up when you have finished."},
    "voicemail_thanks": {"zh": "您的留言已记录，我们会尽快回电。再见。",
                         "en": "Your message has been recorded. We will call you back soon. Goodbye."},
    "operator": {"zh": "转人工", "en": "operator please"},
    "accept": {"zh": "接听请按一，拒绝请按二。", "en": "Press one to accept the call, or two to decline."},
    "accept_by_voice": {"zh": "接听请说“好”或按一，拒绝请说“不”或按二。",
                        "en": "Say yes or press one to accept the call; say no or press two to decline."},
    "still_there": {"zh": "还在吗？请讲，或者直接按分机号码，按零转人工服务。",
                    "en": "Are you still there? Please go ahead, or key the extension, or press zero for the operator."},
    "silence_goodbye": {"zh": "没有听到您的声音，本次通话将结束。如有需要，欢迎再次来电。再见。",
                        "en": "We have not heard from you, so we will end this call now. Please call again any time. "
                              "Goodbye."},
    "max_duration": {"zh": "抱歉，本次通话已达到最长通话时间，即将结束。如需继续，请重新来电。再见。",
                     "en": "Sorry, this call has reached its maximum length and will end now. Please call again "
                           "if you need more help. Goodbye."},
}
"""What the gateway itself says (the dialogue says everything else)."""


def hold_audio(seconds: float = 120.0) -> bytes:
    """A soft two-note chime every three seconds: the caller knows the line is alive."""
    cycle = tone(8000, 0.15, 660.0, 1200) + tone(8000, 0.15, 495.0, 1200) + silence(8000, 2.7)
    return cycle * max(1, int(seconds / 3.0))


def phrase(key: str, language: str) -> str:
    return PHRASES[key].get(language) or PHRASES[key]["zh"]


@dataclass
class SessionServices:
    """What every call shares: the dialogue, speech in and out, transfers, the directory, storage."""

    dialogue: DialogueClient
    synthesizer: Synthesizer
    transfers: Transfers
    directory: Callable[[], Awaitable[Directory]]
    speech_models: SpeechModels | None = None
    speech_language: str | None = None
    """Recognise callers in this language whatever the dialogue speaks (else the dialogue's language)."""
    executor: Executor | None = None
    decode_load: DecodeLoad | None = None
    """How far behind the shared decoding is (the gateway's admission control reads it)."""
    name_grammar: bool = True
    """In turns where the caller is asked whom they want, decode with the directory's names too
    (voice/grammar.py); off: the plain model only."""
    recordings_dir: Path | None = None
    link_recording: Callable[[str, str, str], Awaitable[None]] | None = None
    """(conversation, caller_id, path) → stored in the call record."""
    file_voicemail: Callable[[str, str, float], Awaitable[None]] | None = None
    """(conversation, caller_id, seconds) → a message for staff: the caller left a voice message."""
    inter_digit_s: float = 1.5
    first_metadata: dict[str, Any] = field(default_factory=dict)
    """Extra metadata for a call's first message (GatewayConfig.first_metadata)."""
    internal_peers: frozenset[str] = frozenset()
    """Addresses trusted to present an internal extension as caller ID (GatewayConfig.internal_peers)."""
    blind_by_refer: bool = False
    """Blind transfers by REFER (the PBX rings; busy/no answer come back only as the NOTIFY says)."""
    silence_s: float = SILENCE_S
    rtp_timeout_s: float = RTP_TIMEOUT_S
    max_call_s: float = MAX_CALL_S
    max_bridged_call_s: float = MAX_BRIDGED_CALL_S
    caller_hangs_up_first_s: float = CALLER_HANGS_UP_FIRST_S


@dataclass
class TurnTiming:
    """One turn's clock (time.monotonic): the caller's input ended, was recognised, was answered, the reply began."""

    input_end: float
    reply_start: float
    recognised: float | None = None
    """When the utterance was final (speech) or the keys were complete; None when not measured."""
    answered: float | None = None
    """When the dialogue's replies arrived."""

    @property
    def latency_s(self) -> float:
        return self.reply_start - self.input_end

    def parts_ms(self) -> dict[str, float]:
        """Where the time went: end-pointing, the dialogue, rendering and starting the reply."""
        if self.recognised is None or self.answered is None:
            return {}
        return {"recognise": round((self.recognised - self.input_end) * 1000, 1),
                "dialogue": round((self.answered - self.recognised) * 1000, 1),
                "speak": round((self.reply_start - self.answered) * 1000, 1)}


@dataclass
class CallSession:
    call: Call
    services: SessionServices
    conversation: str
    language: str = "zh"
    recorder: CallRecorder | None = None
    transcript_sent: list[str] = field(default_factory=list)
    """What was posted to the dialogue (texts), in order: for logs and tests."""
    spoken: list[str] = field(default_factory=list)
    timings: list[TurnTiming] = field(default_factory=list)
    outcome: str = ""
    recording: Path | None = None
    announced: list[str] = field(default_factory=list)
    """Announcements spoken to callees (announced transfers)."""
    hung_up_by: str = ""
    """Who ended the call, as the session saw it (the UA's `Hangup.by`): "caller" (their BYE or CANCEL),
    "gateway" (our BYE), "timeout" (no ACK); "" when the gateway hung up after the session had finished."""

    def __post_init__(self) -> None:
        self._inputs: asyncio.Queue[tuple[str, float, float] | None] = asyncio.Queue()
        self._audio: asyncio.Queue[bytes] = asyncio.Queue()
        self._progress: asyncio.Queue[TransferProgress] = asyncio.Queue()
        self._gone = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._digits: list[str] = []
        self._digit_timer: asyncio.TimerHandle | None = None
        self._prompt_playing = False
        self._listening = True
        self._pending_turn: tuple[float, float, float] | None = None
        """(input ended, recognised, answered) of the turn whose reply has not started yet."""
        self._listener: Listener | None = None
        self._ringing: asyncio.Event | None = None
        """While a supervised transfer rings: set when the caller keys something (they gave up waiting)."""
        self._stt_language: str | None = None
        self._started = time.monotonic()
        self._ending: str | None = None
        """Why the gateway is ending the call (a timer: "silence", "rtp_timeout", "max_duration")."""
        self._awaiting_input = False
        self._last_activity = self._started
        """When the caller last spoke or keyed something (time.monotonic), for the silence timer."""
        self._callee: Call | None = None
        """The staff member's call while the caller is bridged to it."""
        self._said_goodbye = False
        """The dialogue has said goodbye: the line is only open for the caller to hang up first."""
        self._onset: SpeechOnset | None = None
        """The caller's voice activity and our echo, judged as RTP arrives (made with the recognizer)."""
        self._sent_sound_at = 0.0
        """When we last sent sound (not silence): until ECHO_REACH_S after it, a voiced frame may be our echo."""
        self._barged_in = False
        """The caller spoke or keyed over the prompt now playing, which was stopped."""
        self.barge_ins: list[float] = []
        """time.monotonic() of each barge-in (a prompt stopped by the caller's speech or a key)."""
        self._plain: Recognizer | None = None
        self._names: NameGrammar | None = None
        """The directory grammar of the call's speech model (None: not available, plain model only)."""
        self._name_turn_wanted = False
        """The prompt now playing asks whom the caller wants: decode their answer with the names."""

    # ------------------------------------------------------------------ the call

    async def run(self) -> None:
        folder = self.services.recordings_dir
        try:  # streamed to <recordings>/<name>.part as the call goes (voice/recording.py)
            self.recorder = CallRecorder(self.call.info.codec,
                                         folder / f"{recording_name(self.conversation)[:-4]}.part" if folder else None)
        except OSError:
            log.exception("call %s: the recording cannot be started; the call goes on unrecorded", self.conversation)
        self.call.rtp.on_sent = self._sent_frame
        self.call.rtp.on_audio = self._heard_audio
        self._spawn(self._read_events(), "events")
        self._spawn(self._watch(), "watch")
        try:
            directory = await self.services.directory()
            self.language = (directory.organization.languages or ("zh",))[0]
            await self._conversation(self._internal(directory))
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            if self._listener is not None:  # the recognizer, warmed by this call, serves the next one
                with contextlib.suppress(Exception):
                    await self._listener.transcriber.release()
            if self._ending is not None:
                self.outcome = self._ending
            await self._save_recording()

    async def _conversation(self, internal: bool) -> None:
        replies = await self._ask("", self._metadata(internal))
        if replies is None:
            return await self._failsafe()
        first = True
        for _turn in range(MAX_TURNS):
            self._adopt_language(replies)
            if first:
                await self._choose_recognizer()
            finished = await self._perform(replies, announce_keypad=first)
            first = False
            if finished or self._gone.is_set():
                return
            heard = await self._next_input()
            if heard is None:
                return
            replies = await self._ask(heard[0])
            self._pending_turn = (heard[1], heard[2], time.monotonic())
            if replies is None:
                return await self._failsafe()

    def _internal(self, directory: Directory) -> bool:
        """An internal call: from a trusted address (the PBX), showing an extension of the directory.
        Anyone can put any number in From, so the number alone never makes a call internal."""
        number = self.call.info.caller_id
        if not number or self.call.info.peer[0] not in self.services.internal_peers:
            return False
        return directory.person_at_extension(number) is not None

    @property
    def decoded_s(self) -> float:
        """Seconds of the caller's audio given to the recognizer (what their recognition cost)."""
        return self._plain.decoded_s if self._plain is not None else 0.0

    @property
    def speech_fell_behind(self) -> bool:
        """Speech recognition stopped for this call because decoding could not keep up (keys still work)."""
        return self._listener is not None and self._listener.transcriber.retired

    def _metadata(self, internal: bool) -> dict[str, Any]:
        return {**self.services.first_metadata, "channel": "phone", "caller_id": self.call.info.caller_id or None,
                "caller_name": self.call.info.caller_name or None, "internal": internal}

    async def _ask(self, text: str, metadata: dict[str, Any] | None = None) -> list[Reply] | None:
        if text:
            self.transcript_sent.append(text)
        try:
            return await self.services.dialogue.say(self.conversation, text, metadata)
        except DialogueUnavailable as exc:
            log.warning("call %s: the dialogue did not answer (%s): fail-safe", self.conversation, exc)
            return None

    def _adopt_language(self, replies: list[Reply]) -> None:
        texts = " ".join(r.text for r in replies if r.text)
        if texts:
            self.language = detect_language(texts, self.language)

    # ------------------------------------------------------------------ speaking

    async def _speak(self, call: Call, text: str, final: bool = False) -> bool:
        """Render and play `text`; True when it was played to the end, False when barged in (or failed).
        Once a timer is ending the call only its `final` notice is spoken.

        A reply not already in the prompt cache is rendered a sentence at a time, and the first sentence
        plays as soon as it is ready while the rest render behind it."""
        if self._ending is not None and not final:
            return False
        language = detect_language(text, self.language)
        synthesizer = self.services.synthesizer
        whole = await asyncio.to_thread(synthesizer.path_for(text, language).exists) if language in VOICES else True
        parts = [text] if whole else split_sentences(text)
        renders = [asyncio.ensure_future(synthesizer.prompt(part, language)) for part in parts]
        try:
            for n, render in enumerate(renders):
                try:
                    prompt = await render
                except SynthesisError:
                    log.exception("call %s: could not render %r", self.conversation, text[:40])
                    return False
                if n == 0:
                    self._started_speaking(call, text)
                if not await self._play(call, prompt):
                    return False
            return True
        finally:  # renders still running finish into the cache (cancelling one would fail every call sharing it)
            for render in renders:
                render.add_done_callback(lambda done: done.cancelled() or done.exception())

    def _started_speaking(self, call: Call, text: str) -> None:
        if call is self.call:
            self.spoken.append(text)
            self._name_turn_wanted = asks_for_a_name(text)
            if self._names is not None:
                self._spawn(self._decode_names(self._name_turn_wanted), "names")
            self._barged_in = False
            if self._pending_turn is not None:
                ended, recognised, answered = self._pending_turn
                self.timings.append(TurnTiming(ended, time.monotonic(), recognised, answered))
                self._pending_turn = None

    async def _play(self, call: Call, prompt: Prompt) -> bool:
        """One rendered prompt to `call`; True when it played to the end."""
        self._prompt_playing = call is self.call
        try:
            playing = call.rtp.play(prompt.pcm.data)
            done = asyncio.ensure_future(self._gone.wait() if call is self.call else call.ended.wait())
            await asyncio.wait({playing, done}, timeout=prompt.pcm.duration_s + 5, return_when=asyncio.FIRST_COMPLETED)
            done.cancel()
            return playing.done() and playing.result()
        finally:
            self._prompt_playing = False

    async def _perform(self, replies: list[Reply], announce_keypad: bool = False, depth: int = 0) -> bool:
        """Speak and carry out the dialogue's replies; True when the call is over (hung up, transferred)."""
        barged = False
        for reply in replies:
            if self._gone.is_set():
                return True
            if reply.text is not None and not barged:
                barged = not await self._speak(self.call, reply.text) and (self._has_input() or self._barged_in)
            elif reply.kind == "hangup":
                self.outcome = "hangup"
                await self._let_the_caller_hang_up_first()
                return True
            elif reply.kind == "transfer" and depth < 5:
                follow = await self._transfer(reply.custom)
                if follow is None:
                    return True
                self._adopt_language(follow)
                return await self._perform(follow, depth=depth + 1)
        if announce_keypad and self._listener is None:
            await self._speak(self.call, phrase("keypad_only", self.language))
        return False

    def _has_input(self) -> bool:
        return not self._inputs.empty() or bool(self._digits)

    async def _let_the_caller_hang_up_first(self) -> None:
        """The goodbye has played: keep the line open until the caller hangs up, at most
        `caller_hangs_up_first_s`, then send our BYE (CALLER_HANGS_UP_FIRST_S). Whatever ends the call
        meanwhile (their BYE, a stop, a timer) ends this wait at once."""
        self._said_goodbye = True
        self._listening = False  # the conversation is over: nothing said or keyed now is a turn
        if self._digit_timer is not None:
            self._digit_timer.cancel()
        self._digits.clear()
        await self._grace_for_the_caller()
        if not self._gone.is_set() and self._ending is None:
            log.info("call %s: the caller did not hang up within %.1f s of the goodbye: hanging up",
                     self.conversation, self.services.caller_hangs_up_first_s)
            await self.call.hangup()

    async def _grace_for_the_caller(self) -> None:
        """Up to `caller_hangs_up_first_s` for the caller to hang up first (seed: 等对方先挂机)."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._gone.wait(), self.services.caller_hangs_up_first_s)

    # ------------------------------------------------------------------ transfers

    async def _transfer(self, payload: dict[str, Any], report: bool = True) -> list[Reply] | None:
        """Carry out a `transfer` payload; the dialogue's replies to its result, or None when the call is over."""
        destination = str(payload.get("destination") or "")
        ring_timeout_s = float(payload.get("ring_timeout_s") or 25)
        mode = payload.get("mode") or "blind"
        self._listening = False
        try:
            if mode == "blind" and self.services.blind_by_refer:
                result = await self.services.transfers.blind(self.call, destination, self._progress, self._gone,
                                                             ring_timeout_s + 10)
                callee = None
            else:
                job = Transferring(self.call, destination, min(ring_timeout_s, 120.0),
                                   str(payload.get("announcement") or "") if mode == "announced" else "",
                                   speak_to=self._announce, caller_gone=self._gone,
                                   hear_consent=self._hear_consent if self._listener is not None else None,
                                   caller_gave_up=asyncio.Event())
                self._ringing = job.caller_gave_up
                holding = self.call.rtp.play(hold_audio())
                result, callee = await self.services.transfers.dial(job)
                if not holding.done():
                    self.call.rtp.stop_playback()
        finally:
            self._listening, self._ringing = True, None
        log.info("call %s: transfer to %s (%s): %s", self.conversation, destination[:4] + "…", mode, result)
        self.outcome = f"transfer:{result}"
        if self._gone.is_set():
            if callee is not None:
                await callee.hangup()
            return None
        if callee is not None:
            if report:
                self._spawn(self._report(result), "report")
            self._callee = callee  # silence is not timed while bridged; the longer MAX_BRIDGED_CALL_S applies
            try:
                await bridge(self.call, callee, self.recorder.caller_audio if self.recorder else None, self._gone)
            finally:
                self._callee = None
            return None
        if result == "answered":  # a blind transfer the PBX completed: the caller has left us
            if report:
                self._spawn(self._report(result), "report")
            return None
        if not report:
            return []
        follow = await self._report(result)
        if follow is None:  # the dialogue went silent while the caller waited: a human takes over
            await self._failsafe()
            return None
        return follow

    async def _report(self, result: str) -> list[Reply] | None:
        """Tell the dialogue how a transfer ended; its replies, or None when it did not answer."""
        try:
            return await self.services.dialogue.report_transfer(self.conversation, result)
        except DialogueUnavailable as exc:
            log.warning("call %s: transfer result %s not delivered (%s)", self.conversation, result, exc)
            return None

    async def _announce(self, callee: Call, announcement: str) -> bool:
        language = detect_language(announcement, self.language)
        self.announced.append(announcement)
        accept = phrase("accept_by_voice" if self._listener is not None else "accept", language)
        return await self._speak(callee, f"{announcement} {accept}")

    async def _hear_consent(self, callee: Call, answers: asyncio.Queue[bool]) -> None:
        """The callee's spoken answer to the announcement, in the caller's recognition language."""
        models, language = self.services.speech_models, self._stt_language
        model = models.get(language) if models is not None and language else None
        if model is None:
            return
        listener = Listener(Transcriber(Recognizer(model, 8000), self.services.executor))
        callee.rtp.on_audio = listener.hear
        async for result in listener.results(f"call {self.conversation} (callee)"):
            if isinstance(result, Utterance):
                answer = spoken_consent(result.text)
                log.info("call %s: the callee said %r: %s", self.conversation, result.text, answer)
                if answer is not None:
                    answers.put_nowait(answer)
                    return

    async def _failsafe(self) -> None:
        """The dialogue is silent: say so and put the caller through to the operator; when the operator
        cannot take the call either, the caller leaves a voice message, which reaches staff as a message."""
        if self.outcome.startswith("failsafe"):
            return
        self.outcome = "failsafe"
        await self._speak(self.call, phrase("failsafe", self.language))
        try:
            operator = (await self.services.directory()).organization.operator
        except Exception:
            log.exception("fail-safe: the directory cannot be read")
            operator = ""
        if operator:
            transfer = {"destination": operator, "mode": "blind", "ring_timeout_s": 30}
            await self._transfer(transfer, report=False)
            if self.outcome == "transfer:answered":
                return
        await self._voicemail()  # also when they hung up meanwhile: a missed call staff should return

    async def _voicemail(self) -> None:
        """Record the caller's message (it is in the call's recording) and file it for staff to call back."""
        self.outcome = "failsafe:voicemail"
        seconds = 0.0
        if not self._gone.is_set():
            await self._speak(self.call, phrase("voicemail", self.language))
        if not self._gone.is_set():
            await self.call.rtp.play(tone(8000, 0.4, 880.0, 3000))
            self._listening = False  # the dialogue is not there to answer: nothing is taken as a turn
            started = time.monotonic()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._gone.wait(), VOICEMAIL_S)
            seconds = time.monotonic() - started
        # filed even when they hung up before the tone: nobody answered them, and staff can call back
        if self.services.file_voicemail is not None:
            try:
                await self.services.file_voicemail(self.conversation, self.call.info.caller_id, seconds)
            except Exception:
                log.exception("call %s: the voice message could not be filed", self.conversation)
        if not self._gone.is_set():
            await self._speak(self.call, phrase("voicemail_thanks", self.language))
            self._said_goodbye = True
            await self._grace_for_the_caller()
            if not self._gone.is_set():
                await self.call.hangup()

    # ------------------------------------------------------------------ listening

    async def _choose_recognizer(self) -> None:
        models = self.services.speech_models
        if models is None:
            return
        language = self.services.speech_language or self.language
        if language not in models.configured:
            return
        try:
            model = await models.load(language)
        except Exception:
            log.exception("the %s speech model cannot be loaded: keypad only", language)
            return
        activity = await asyncio.to_thread(VoiceActivity, 8000)  # loads its model: ~40 ms
        self._onset = SpeechOnset(activity, EchoGuard())
        warm = models.recognizers(language, 8000)
        self._plain = await asyncio.to_thread(Recognizer, model, 8000, language=language, warm=warm)
        self._listener = Listener(Transcriber(self._plain, self.services.executor, load=self.services.decode_load))
        self._stt_language = language
        path = models.path(language)
        if self.services.name_grammar and path is not None:
            try:
                self._names = await asyncio.to_thread(NameGrammar.for_model, path, language)  # once per model
            except (OSError, ValueError):
                log.exception("the %s model's vocabulary cannot be read: no directory grammar", language)
        self._spawn(self._listen(), "listen")

    async def _decode_names(self, wanted: bool) -> None:
        """Switch the caller's recognizer for the turn to come: with the directory's names when the prompt
        asks whom they want, the plain model otherwise. A switch to names waits for no utterance in
        progress (it would lose its beginning); the grammar is rebuilt only when the directory changed."""
        listener, names, plain = self._listener, self._names, self._plain
        if listener is None or names is None or plain is None:
            return
        current = listener.transcriber.recognizer
        if wanted == isinstance(current, NameTurnRecognizer):
            return
        if not wanted:
            await listener.transcriber.use(plain, unless_speaking=False)
            return
        directory = await self.services.directory()
        grammar = await asyncio.to_thread(names.build, directory)
        model = self.services.speech_models.get(self._stt_language) if self.services.speech_models else None
        if model is None or not grammar.entries or self._name_turn_wanted != wanted:
            return
        recognizer = await asyncio.to_thread(NameTurnRecognizer, model, 8000, grammar, plain=plain,
                                             language=self._stt_language)
        if self._name_turn_wanted == wanted and not await listener.transcriber.use(recognizer):
            log.info("call %s: the caller is already speaking; this turn is decoded without the names",
                     self.conversation)

    def _heard_audio(self, pcm: bytes) -> None:
        if self.recorder is not None:
            self.recorder.caller_audio(pcm)
        judged = self._onset is not None and (self._listening or self._prompt_playing)
        if judged:
            voiced, echo = self._onset.hear(pcm, time.monotonic() - self._sent_sound_at < ECHO_REACH_S)
        else:
            voiced, echo = audioop.rms(pcm, 2) >= SPEECH_RMS, False
        if self._awaiting_input and voiced:
            self._last_activity = time.monotonic()  # speaking (even what no model understands) is not silence
        if judged and self._onset.speaking and self._prompt_playing:
            self._barge_in("speech")
        if self._listener is not None and self._listening:
            self._listener.hear(bytes(len(pcm)) if echo else pcm, voiced if judged else None)

    def _sent_frame(self, payload: bytes) -> None:
        """Every frame we send: into the recording, and remembered to tell our echo from the caller."""
        if self.recorder is not None:
            self.recorder.gateway_frame(payload)
        if self._onset is not None and self._onset.echo is not None:
            pcm = decode(payload, self.call.info.codec)
            self._onset.echo.sent(pcm)
            if audioop.rms(pcm, 2) >= FLOOR_RMS:
                self._sent_sound_at = time.monotonic()

    def _barge_in(self, by: str) -> None:
        """The caller spoke or keyed over a prompt: stop it now (their turn has begun)."""
        if not self._prompt_playing or self._barged_in:
            return
        self.call.rtp.stop_playback()
        self._barged_in = True
        self.barge_ins.append(time.monotonic())
        log.info("call %s: barge-in by %s", self.conversation, by)

    async def _listen(self) -> None:
        assert self._listener is not None
        async for result in self._listener.results(f"call {self.conversation}"):
            if result.text.strip():
                self._last_activity = time.monotonic()
            if isinstance(result, Partial) and self._prompt_playing:
                self._barge_in("words")
            elif isinstance(result, Utterance) and self._listening:
                source = f", {result.source}" if isinstance(result, NameUtterance) else ""
                log.info("call %s heard %r (%.2f%s)", self.conversation, result.text, result.confidence, source)
                now = time.monotonic()
                self._inputs.put_nowait((result.text, self._listener.last_voiced or now, now))
        if self.speech_fell_behind and self._listening and not self._gone.is_set():
            # recognition could not keep up (the gateway is over capacity): the operator, not a caller
            # talking to a receptionist who no longer hears them
            now = time.monotonic()
            self._inputs.put_nowait((phrase("operator", self.language), now, now))

    async def _read_events(self) -> None:
        while True:
            event = await self.call.events.get()
            if isinstance(event, Hangup):
                self.hung_up_by = self.hung_up_by or event.by
                self._gone.set()
                self._inputs.put_nowait(None)
                return
            if isinstance(event, TransferProgress):
                self._progress.put_nowait(event)
            elif isinstance(event, Dtmf) and self._listening:
                self._key(event.digit)
            elif isinstance(event, Dtmf) and self._ringing is not None:
                # on hold while a phone rings: a key ("0" for the operator, another extension) stops the
                # ringing, and what was keyed is the caller's next turn
                self._ringing.set()
                self._key(event.digit)

    def _key(self, digit: str) -> None:
        self._last_activity = time.monotonic()
        self._barge_in("key")
        if self._digit_timer is not None:
            self._digit_timer.cancel()
        if digit != "#":
            self._digits.append(digit)
        if digit == "#" or len(self._digits) >= 32:
            self._keys_done()
        else:
            self._digit_timer = asyncio.get_running_loop().call_later(self.services.inter_digit_s, self._keys_done)

    def _keys_done(self) -> None:
        digits, self._digits = "".join(self._digits), []
        if digits:
            text = phrase("operator", self.language) if digits == "0" else digits
            now = time.monotonic()
            self._inputs.put_nowait((text, now, now))

    async def _next_input(self) -> tuple[str, float, float] | None:
        """The caller's next utterance or keyed number (text, when it ended, when it was recognised);
        None when they hung up, or said and keyed nothing for `silence_s` twice (re-prompted once between)."""
        silence_s = self.services.silence_s
        reprompted = False
        self._last_activity = time.monotonic()
        self._awaiting_input = True
        try:
            while True:
                remaining = self._last_activity + silence_s - time.monotonic()
                if remaining <= 0 and self._digits:  # keys still coming (the inter-digit pause ends them)
                    remaining = self.services.inter_digit_s
                if remaining <= 0:
                    if reprompted:
                        log.info("call %s: the caller is silent: goodbye", self.conversation)
                        await self._end_call("silence", "silence_goodbye")
                        return None
                    reprompted = True
                    self._awaiting_input = False  # our own prompt is not the caller speaking
                    await self._speak(self.call, phrase("still_there", self.language))
                    self._awaiting_input = True
                    self._last_activity = max(self._last_activity, time.monotonic())
                    continue
                try:
                    item = await asyncio.wait_for(self._inputs.get(), remaining)
                except asyncio.TimeoutError:
                    continue
                if item is None or item[0].strip():
                    return item
        finally:
            self._awaiting_input = False

    # ------------------------------------------------------------------ the call's clocks

    async def _watch(self) -> None:
        """End the call when the caller's RTP stops (`rtp_timeout_s`) or it lasts too long (`max_call_s`,
        `max_bridged_call_s` while bridged to staff). Reads the RTP counter (whoever receives the audio:
        this session or a bridge), so it works in every state of the call."""
        services, rtp = self.services, self.call.rtp
        tick = max(0.05, min(WATCH_TICK_S, services.rtp_timeout_s / 4, services.max_call_s / 8))
        received, heard_at = rtp.stats.received, time.monotonic()
        while not self._gone.is_set():
            await asyncio.sleep(tick)
            now = time.monotonic()
            if rtp.stats.received != received or rtp.paused:  # paused: the caller holds the call
                received, heard_at = rtp.stats.received, now
            if now - heard_at >= services.rtp_timeout_s:
                log.warning("call %s: no RTP from the caller for %.0f s: ending the call", self.conversation,
                            now - heard_at)
                await self._end_call("rtp_timeout")
                return
            limit = services.max_call_s
            if self._callee is not None:
                limit = max(limit, services.max_bridged_call_s)
            if now - self._started >= limit:
                log.warning("call %s: over %.0f s: ending the call", self.conversation, limit)
                await self._end_call("max_duration", "max_duration")
                return

    async def _end_call(self, outcome: str, notice: str | None = None) -> None:
        """A timer ends the call: the notice is spoken (to both sides when bridged, the bridge's audio
        stopped so it is heard whole), then the caller is hung up (a bridge then hangs up the callee)."""
        if self._ending is not None or self._gone.is_set():
            return
        self._ending = self.outcome = outcome
        self._listening = False
        if notice is not None and not self._said_goodbye:  # after the goodbye: just the BYE
            text = phrase(notice, self.language)
            callee = self._callee
            if callee is not None:
                self.call.rtp.on_audio = self._heard_audio
                callee.rtp.on_audio = None
            speaking = [self._speak(self.call, text, final=True)]
            if callee is not None and not callee.ended.is_set():
                speaking.append(self._speak(callee, text, final=True))
            await asyncio.gather(*speaking, return_exceptions=True)
            if notice in GOODBYES and callee is None:
                self._said_goodbye = True
                await self._grace_for_the_caller()
        if not self._gone.is_set():
            await self.call.hangup()

    # ------------------------------------------------------------------ the end

    async def _save_recording(self) -> None:
        folder = self.services.recordings_dir
        if self.recorder is None:
            return
        if folder is None or self.recorder.duration_s == 0:
            self.recorder.discard()
            return
        try:
            self.recording = await self.recorder.save(folder, self.conversation)
            if self.services.link_recording is not None:
                await self.services.link_recording(self.conversation, self.call.info.caller_id, str(self.recording))
        except Exception:
            log.exception("call %s: the recording could not be stored", self.conversation)

    def _spawn(self, coro: Awaitable[Any], name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(f"{name}-{self.conversation[:24]}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("call %s: %s failed", self.conversation, task.get_name(), exc_info=task.exception())

