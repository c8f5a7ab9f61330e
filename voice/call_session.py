"""One call, from answer to hang-up: the dialogue's words spoken, the caller's words and keys posted.

    answer ─▶ "" to the dialogue ─▶ greeting spoken (no speech model: "key the extension, 0 for the operator")
    caller audio ─▶ recorder, Transcriber ─▶ Partial while a prompt plays: stop it (barge-in)
                                          └▶ Utterance ─▶ its text to the dialogue ─▶ replies spoken / carried out
    keys ─▶ digits until a pause (or #) ─▶ the extension as text; "0" alone ─▶ "operator" in the call's language
    transfer payload ─▶ voice/transfer.py ─▶ transfer_result to the dialogue ─▶ its replies spoken
    the dialogue silent for `dialogue_timeout_s` ─▶ the fail-safe prompt, then the operator

Every wait has a time-out or ends with the call; the tasks a session starts are kept and
cancelled when it ends. One session's failure never reaches another call (voice/gateway.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.dialogue.language import detect_language
from bot.org.model import Directory
from voice.audio import Pcm, silence, tone
from voice.dialogue_client import DialogueClient, DialogueUnavailable, Reply
from voice.recording import CallRecorder
from voice.sip.ua import Call, Dtmf, Hangup, TransferProgress
from voice.stt import Partial, Recognizer, SpeechModels, Transcriber, Utterance
from voice.transfer import Transferring, Transfers, bridge
from voice.tts import SynthesisError, Synthesizer

log = logging.getLogger(__name__)

GAP_S = 0.2
"""No caller audio for this long is decoded as silence (so the end of an utterance is still found)."""
MAX_TURNS = 200
"""A call that goes on longer than this many turns is handed to the operator's care (ended)."""

PHRASES: dict[str, dict[str, str]] = {
    "keypad_only": {"zh": "语音识别暂不可用，请直接按分机号码，或按零转人工服务。",
                    "en": "Speech recognition is not available. Please key the extension, or press zero for the operator."},
    "failsafe": {"zh": "抱歉，系统暂时无法应答，正在为您转接人工服务，请稍等。",
                 "en": "Sorry, the system cannot answer right now. Connecting you to the operator, please hold."},
    "goodbye": {"zh": "抱歉，暂时无法为您接通，请稍后再拨。再见。",
                "en": "Sorry, nobody can take your call right now. Please call again later. Goodbye."},
    "operator": {"zh": "转人工", "en": "operator please"},
    "accept": {"zh": "接听请按一，拒绝请按二。", "en": "Press one to accept the call, or two to decline."},
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
    recordings_dir: Path | None = None
    link_recording: Callable[[str, str, str], Awaitable[None]] | None = None
    """(conversation, caller_id, path) → stored in the call record."""
    inter_digit_s: float = 1.5
    first_metadata: dict[str, Any] = field(default_factory=dict)
    """Extra metadata for a call's first message (GatewayConfig.first_metadata)."""
    blind_by_refer: bool = False
    """Blind transfers by REFER (the PBX rings; busy/no answer come back only as the NOTIFY says)."""


@dataclass
class TurnTiming:
    input_end: float
    reply_start: float

    @property
    def latency_s(self) -> float:
        return self.reply_start - self.input_end


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

    def __post_init__(self) -> None:
        self._inputs: asyncio.Queue[tuple[str, float] | None] = asyncio.Queue()
        self._audio: asyncio.Queue[bytes] = asyncio.Queue()
        self._progress: asyncio.Queue[TransferProgress] = asyncio.Queue()
        self._gone = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._digits: list[str] = []
        self._digit_timer: asyncio.TimerHandle | None = None
        self._prompt_playing = False
        self._listening = True
        self._last_voiced = 0.0
        self._pending_input_end: float | None = None
        self._transcriber: Transcriber | None = None
        self._stt_language: str | None = None

    # ------------------------------------------------------------------ the call

    async def run(self) -> None:
        self.recorder = CallRecorder(self.call.info.codec)
        self.call.rtp.on_sent = self.recorder.gateway_frame
        self.call.rtp.on_audio = self._heard_audio
        self._spawn(self._read_events(), "events")
        try:
            directory = await self.services.directory()
            self.language = (directory.organization.languages or ("zh",))[0]
            await self._conversation()
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._save_recording()

    async def _conversation(self) -> None:
        replies = await self._ask("", self._metadata())
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
            self._pending_input_end = heard[1]
            if replies is None:
                return await self._failsafe()

    def _metadata(self) -> dict[str, Any]:
        return {**self.services.first_metadata, "channel": "phone", "caller_id": self.call.info.caller_id or None,
                "caller_name": self.call.info.caller_name or None, "internal": False}

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

    async def _speak(self, call: Call, text: str) -> bool:
        """Render and play `text`; True when it was played to the end, False when barged in (or failed)."""
        language = detect_language(text, self.language)
        try:
            prompt = await self.services.synthesizer.prompt(text, language)
        except SynthesisError:
            log.exception("call %s: could not render %r", self.conversation, text[:40])
            return False
        if call is self.call:
            self.spoken.append(text)
            if self._pending_input_end is not None:
                self.timings.append(TurnTiming(self._pending_input_end, time.monotonic()))
                self._pending_input_end = None
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
                barged = not await self._speak(self.call, reply.text) and self._has_input()
            elif reply.kind == "hangup":
                self.outcome = "hangup"
                return True
            elif reply.kind == "transfer" and depth < 5:
                follow = await self._transfer(reply.custom)
                if follow is None:
                    return True
                self._adopt_language(follow)
                return await self._perform(follow, depth=depth + 1)
        if announce_keypad and self._transcriber is None:
            await self._speak(self.call, phrase("keypad_only", self.language))
        return False

    def _has_input(self) -> bool:
        return not self._inputs.empty() or bool(self._digits)

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
                                   speak_to=self._announce, caller_gone=self._gone)
                holding = self.call.rtp.play(hold_audio())
                result, callee = await self.services.transfers.dial(job)
                if not holding.done():
                    self.call.rtp.stop_playback()
        finally:
            self._listening = True
        log.info("call %s: transfer to %s (%s): %s", self.conversation, destination[:4] + "…", mode, result)
        self.outcome = f"transfer:{result}"
        if self._gone.is_set():
            if callee is not None:
                await callee.hangup()
            return None
        if callee is not None:
            if report:
                self._spawn(self._report(result), "report")
            await bridge(self.call, callee, self.recorder.caller_audio if self.recorder else None, self._gone)
            return None
        follow = await self._report(result) if report else []
        if result == "answered":  # a blind transfer the PBX completed: the caller has left us
            return None
        return follow

    async def _report(self, result: str) -> list[Reply]:
        try:
            return await self.services.dialogue.report_transfer(self.conversation, result)
        except DialogueUnavailable as exc:
            log.warning("call %s: transfer result %s not delivered (%s)", self.conversation, result, exc)
            return []

    async def _announce(self, callee: Call, announcement: str) -> bool:
        language = detect_language(announcement, self.language)
        return await self._speak(callee, f"{announcement} {phrase('accept', language)}")

    async def _failsafe(self) -> None:
        """The dialogue is silent: say so and put the caller through to the operator, whatever happens."""
        self.outcome = "failsafe"
        await self._speak(self.call, phrase("failsafe", self.language))
        try:
            operator = (await self.services.directory()).organization.operator
        except Exception:
            log.exception("fail-safe: the directory cannot be read")
            operator = ""
        if operator:
            transfer = {"destination": operator, "mode": "blind", "ring_timeout_s": 30}
            follow = await self._transfer(transfer, report=False)
            if follow is None:
                return
        await self._speak(self.call, phrase("goodbye", self.language))

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
        self._transcriber = Transcriber(Recognizer(model, 8000), self.services.executor)
        self._stt_language = language
        self._spawn(self._listen(), "listen")

    def _heard_audio(self, pcm: bytes) -> None:
        if self.recorder is not None:
            self.recorder.caller_audio(pcm)
        if self._transcriber is not None and self._listening:
            self._audio.put_nowait(pcm)

    async def _listen(self) -> None:
        assert self._transcriber is not None
        while True:
            try:
                chunks = [await asyncio.wait_for(self._audio.get(), GAP_S)]
            except asyncio.TimeoutError:
                # No RTP (a phone that suppresses silence, or a player that stopped): a recent
                # utterance must still end, so the gap is decoded as the silence it is.
                if time.monotonic() - self._last_voiced > 2.0:
                    continue
                chunks = [silence(8000, GAP_S)]
            while not self._audio.empty():
                chunks.append(self._audio.get_nowait())
            pcm = b"".join(chunks)
            if Pcm(pcm, 8000).rms >= 300:
                self._last_voiced = time.monotonic()
            try:
                result = await self._transcriber.feed(pcm)
            except asyncio.TimeoutError:
                log.warning("call %s: speech decoding fell behind", self.conversation)
                if self._transcriber.retired:
                    log.error("call %s: speech recognition stopped for this call; keys still work", self.conversation)
                    return
                continue
            if isinstance(result, Partial) and self._prompt_playing:
                self.call.rtp.stop_playback()  # barge-in
            elif isinstance(result, Utterance) and self._listening:
                log.info("call %s heard %r (%.2f)", self.conversation, result.text, result.confidence)
                self._inputs.put_nowait((result.text, self._last_voiced or time.monotonic()))

    async def _read_events(self) -> None:
        while True:
            event = await self.call.events.get()
            if isinstance(event, Hangup):
                self._gone.set()
                self._inputs.put_nowait(None)
                return
            if isinstance(event, TransferProgress):
                self._progress.put_nowait(event)
            elif isinstance(event, Dtmf) and self._listening:
                self._key(event.digit)

    def _key(self, digit: str) -> None:
        if self._prompt_playing:
            self.call.rtp.stop_playback()
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
            self._inputs.put_nowait((text, time.monotonic()))

    async def _next_input(self) -> tuple[str, float] | None:
        """The caller's next utterance or keyed number (text, when it ended); None when they hung up."""
        while True:
            item = await self._inputs.get()
            if item is None or item[0].strip():
                return item

    # ------------------------------------------------------------------ the end

    async def _save_recording(self) -> None:
        folder = self.services.recordings_dir
        if folder is None or self.recorder is None or self.recorder.duration_s == 0:
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

