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
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.db.engine import Database
from bot.org.model import Directory
from bot.org.store import DirectoryCache
from bot.records import calls as call_records
from voice.call_session import PHRASES, CallSession, SessionServices
from voice.dialogue_client import DialogueClient
from voice.recording import recording_name
from voice.sip.ua import Account, Call, UserAgent
from voice.stt import SpeechModels
from voice.transfer import DialPlan, Transfers
from voice.tts import Synthesizer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GatewayConfig:
    rasa_url: str
    api_token: str
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
    tts_rate: int = 160
    tts_workers: int = 2
    first_metadata: dict[str, Any] = field(default_factory=dict)
    """Sent with each call's first message besides the caller's details; tests put their clock here
    ({"now": ...}), which the dialogue honours only with RECEPTIONIST_TEST_CLOCK=1 (contract section 3)."""


def new_conversation_id(sip_call_id: str) -> str:
    """The dialogue's conversation id: ours, not the caller's Call-ID (which a caller could reuse to
    step into someone else's conversation); a readable prefix of the Call-ID is kept for the logs."""
    return f"sip-{recording_name(sip_call_id)[:-4][:16]}-{secrets.token_hex(6)}"


class Gateway:
    def __init__(self, config: GatewayConfig, database: Database) -> None:
        self.config = config
        self.database = database
        self.directory_cache = DirectoryCache(database)
        self.ua = UserAgent(config.sip_host, config.sip_port, on_call=self._on_call, user=config.user,
                            advertised_host=config.advertised_host)
        self.dialogue = DialogueClient(config.rasa_url, config.api_token, config.dialogue_timeout_s)
        self.synthesizer = Synthesizer(config.prompts_dir, rate=config.tts_rate, workers=config.tts_workers)
        self.speech_models = SpeechModels(config.speech_paths) if config.speech_paths else None
        self.executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="stt")
        self.sessions: list[CallSession] = []
        """Every call this gateway took (kept for tests, the benchmark and logs; trimmed to the last 500)."""
        self.failed_calls = 0
        self._registration: asyncio.Task[None] | None = None
        self.services = SessionServices(
            dialogue=self.dialogue, synthesizer=self.synthesizer,
            transfers=Transfers(self.ua, config.dial_plan, self.directory),
            directory=self.directory, speech_models=self.speech_models, speech_language=config.speech_language,
            executor=self.executor, recordings_dir=config.recordings_dir, link_recording=self.link_recording,
            inter_digit_s=config.inter_digit_s, blind_by_refer=config.blind_by_refer,
            first_metadata=config.first_metadata,
        )

    async def directory(self) -> Directory:
        return await asyncio.to_thread(self.directory_cache.current)

    async def start(self) -> tuple[str, int]:
        """Open the SIP socket, load the speech models, render the fixed prompts; say what is missing."""
        address = await self.ua.start()
        if self.speech_models is not None:
            failed = await self.speech_models.load_all()
            for language, why in failed.items():
                log.error("speech model for %s failed to load (%s): keypad only in %s", language, why, language)
        missing = [lang for lang in ("zh", "en") if lang not in self.config.speech_paths]
        if missing:
            log.warning("no speech model for %s: callers in %s can key an extension, or 0 for the operator",
                        ", ".join(missing), ", ".join(missing))
        await self.synthesizer.prerender((text, lang) for key in ("keypad_only", "failsafe", "goodbye")
                                         for lang, text in PHRASES[key].items())
        if self.config.account is not None:
            self._registration = asyncio.ensure_future(self.ua.stay_registered(self.config.account))
        log.info("SIP gateway listening on %s:%d", *address)
        return address

    async def _on_call(self, call: Call) -> None:
        session = CallSession(call, self.services, new_conversation_id(call.info.call_id))
        self.sessions.append(session)
        del self.sessions[:-500]
        try:
            await session.run()
        except Exception:
            self.failed_calls += 1
            log.exception("call %s failed; the gateway carries on", session.conversation)

    async def link_recording(self, conversation: str, caller_id: str, path: str) -> None:
        def store() -> None:
            with self.database.session() as session:
                call_records.start_call(session, conversation, call_records.Channel.PHONE, caller_id=caller_id or None)
                call_records.set_recording(session, conversation, path)

        await asyncio.to_thread(store)

    async def close(self) -> None:
        if self._registration is not None:
            self._registration.cancel()
            await asyncio.gather(self._registration, return_exceptions=True)
        await self.ua.close()
        await self.dialogue.close()
        await self.synthesizer.close()
        self.executor.shutdown(wait=False, cancel_futures=True)
