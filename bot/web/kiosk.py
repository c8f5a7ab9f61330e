"""The lobby kiosk's server side: the kiosk's conversations, the relay to the dialogue, speech.

The kiosk is a channel like the phone: the visitor's words (typed, or recognised here from the
microphone) go to Rasa's REST webhook with the kiosk relay's client token (which is what makes
the conversation a kiosk one: docs/security.md), and what the receptionist says comes back as
text, spoken by the synthesiser. Nothing on the kiosk changes a record except through that
conversation.

    page ──POST /kiosk/api/...──▶ Kiosk.say ──HTTP──▶ Rasa REST webhook ──▶ engine (visit, host notified)
    page ══WS  /kiosk/listen/..═▶ voice.stt.Recognizer (16 kHz PCM, worker threads) ──▶ Kiosk.say
    page ◀─GET /kiosk/audio/..── voice.tts.Synthesizer (the reply as a WAV, for that conversation only)

A conversation id is made here (128 random bits) and kept by the page: it is the Rasa sender
and the key to the conversation's reply audio, so no one can speak into another's conversation
or fetch its audio, and a page cannot pick a sender id that belongs to a phone call.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy.orm import Session

from bot.config import Settings, connect_host
from bot.org.model import Directory
from bot.records import visits

DEFAULT_RASA_PORT = 5005
MAX_TEXT = 500
"""Characters of one typed or recognised turn passed on to the dialogue."""
SPEECH_RATE = 16_000
"""The page sends 16-bit mono PCM at this rate; the recogniser decodes at it."""
AUDIO_RATE = 16_000
"""Reply audio is served at this rate (the synthesiser renders for the telephone, 8 kHz)."""
LANGUAGES = ("zh", "en")
SWITCH_TEXT = {"zh": "请说中文", "en": "English please"}
"""What the language toggle says for the visitor (the dialogue's change-language request)."""
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class KioskSettings:
    rasa_url: str = f"http://127.0.0.1:{DEFAULT_RASA_PORT}/webhooks/rest/webhook"
    """The dialogue's REST webhook (contract section 3)."""
    token: str = ""
    """The REST channel's token for the kiosk relay (bot/tokens.py)."""
    speech_models: Mapping[str, Path] = field(default_factory=dict)
    """Language (zh, en) → Vosk model directory; only languages with an installed model."""
    fallback_speech_model: Path | None = None
    """A model used for any language without its own (the Korean test model in the tests)."""
    prompts_dir: Path | None = None
    """The synthesiser's cache of rendered replies (None: no speech replies)."""
    tts_rate: int = 160
    reset_after_s: int = 30
    """After a visit is registered (or the visitor says goodbye), the kiosk starts afresh this much later."""
    idle_s: int = 15 * 60
    """A conversation unused for this long is forgotten (its audio no longer served)."""
    max_conversations: int = 500
    listen_limit_s: float = 30.0
    """The longest a microphone stream is listened to before what was heard is taken as said."""
    rasa_timeout_s: float = 30.0

    def speech_model(self, language: str) -> Path | None:
        return self.speech_models.get(language) or self.fallback_speech_model


def kiosk_settings(settings: Settings, rasa_url: str | None = None,
                   fallback_speech_model: Path | None = None) -> KioskSettings:
    """The kiosk's settings for a process: the installed zh/en speech models (voice.models),
    the prompt cache under the var folder, the Rasa server where it listens, the relay's token."""
    from bot.tokens import load_tokens

    models: dict[str, Path] = {}
    try:
        from bot.config import read_voice_settings
        from voice.models import model_path

        voice = read_voice_settings()
        models = {lang: path for lang in LANGUAGES if (path := model_path(lang, voice)) is not None}
    except ImportError:  # the voice extras (vosk) are not installed: typing only
        pass
    return KioskSettings(
        rasa_url=rasa_url or f"http://{connect_host(settings.rasa_host)}:{settings.rasa_port}/webhooks/rest/webhook",
        token=load_tokens(settings).channels["kiosk"],
        speech_models=models, fallback_speech_model=fallback_speech_model,
        prompts_dir=settings.var_dir / "prompts" / "kiosk",
    )


def language_of(text: str) -> str:
    """zh when the text has Chinese characters, else en: the receptionist answers in one or the other."""
    return "zh" if _CJK.search(text) else "en"


# ---------------------------------------------------------------------------------- conversations


@dataclass
class Clip:
    text: str
    language: str


@dataclass
class KioskConversation:
    id: str
    language: str
    last_used: float = field(default_factory=time.monotonic)
    clips: dict[str, Clip] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """One turn at a time: a typed turn and a spoken one must not overtake each other."""

    def add_clip(self, text: str, language: str) -> str:
        key = f"{len(self.clips) + 1}-{secrets.token_hex(4)}"
        self.clips[key] = Clip(text, language)
        return key


@dataclass(frozen=True)
class VisitShown:
    """What the confirmation panel shows: names only, never a contact detail."""

    visitor: str
    host: str


@dataclass(frozen=True)
class Reply:
    conversation: str
    texts: list[str]
    language: str
    audio: str | None
    visit: VisitShown | None
    ended: bool

    def to_json(self) -> dict[str, Any]:
        return {"conversation": self.conversation, "texts": self.texts, "language": self.language,
                "audio": self.audio, "ended": self.ended,
                "visit": {"visitor": self.visit.visitor, "host": self.visit.host} if self.visit else None}


class DialogueUnavailable(Exception):
    """The Rasa server did not answer (down, or an error)."""


class Kiosk:
    """The kiosk's state in the console process: open conversations, the dialogue client,
    the speech models and the synthesiser (all made on first use, on the serving loop)."""

    def __init__(self, settings: KioskSettings) -> None:
        self.settings = settings
        self._conversations: OrderedDict[str, KioskConversation] = OrderedDict()
        self._http: aiohttp.ClientSession | None = None
        self._models: Any = None
        self._synthesizer: Any = None

    # -------------------------------------------------------------- conversations

    def open_conversation(self, language: str) -> KioskConversation:
        self._forget_idle()
        conversation = KioskConversation(f"kiosk-{secrets.token_urlsafe(16)}", _lang(language))
        self._conversations[conversation.id] = conversation
        while len(self._conversations) > self.settings.max_conversations:
            self._conversations.popitem(last=False)
        return conversation

    def conversation(self, conversation_id: str) -> KioskConversation | None:
        self._forget_idle()
        found = self._conversations.get(conversation_id)
        if found is not None:
            found.last_used = time.monotonic()
            self._conversations.move_to_end(conversation_id)
        return found

    def _forget_idle(self) -> None:
        cutoff = time.monotonic() - self.settings.idle_s
        for key in [k for k, c in self._conversations.items() if c.last_used < cutoff]:
            del self._conversations[key]

    # -------------------------------------------------------------- the dialogue

    async def say(self, conversation: KioskConversation, text: str) -> tuple[list[str], list[dict[str, Any]]]:
        """Send one turn to the dialogue; its texts and custom payloads, in order."""
        body = {"sender": conversation.id, "message": " ".join(text.split())[:MAX_TEXT],
                "metadata": {"channel": "kiosk"}}
        headers = {"Authorization": f"Bearer {self.settings.token}"}
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.settings.rasa_timeout_s))
        try:
            async with self._http.post(self.settings.rasa_url, json=body, headers=headers) as response:
                if response.status != 200:
                    raise DialogueUnavailable(f"the dialogue answered {response.status}")
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise DialogueUnavailable(str(exc) or type(exc).__name__) from exc
        messages = answer if isinstance(answer, list) else []
        texts = [m["text"] for m in messages if isinstance(m, dict) and isinstance(m.get("text"), str)]
        customs = [m["custom"] for m in messages if isinstance(m, dict) and isinstance(m.get("custom"), dict)]
        return texts, customs

    # -------------------------------------------------------------- speech

    @property
    def speech_available(self) -> dict[str, bool]:
        return {lang: self._can_listen(lang) for lang in LANGUAGES}

    def _can_listen(self, language: str) -> bool:
        if self.settings.speech_model(language) is None:
            return False
        try:
            import vosk  # noqa: F401
        except ImportError:
            return False
        return True

    async def recognizer(self, language: str) -> Any:
        """A fresh `voice.stt.Recognizer` for one utterance, on the language's model (loaded once)."""
        from voice.stt import Recognizer, SpeechModels

        path = self.settings.speech_model(language)
        if path is None:
            raise LookupError(f"no speech model for {language}")
        if self._models is None:
            paths = {lang: p for lang in LANGUAGES if (p := self.settings.speech_model(lang)) is not None}
            self._models = SpeechModels(paths)
        model = await self._models.load(_lang(language))
        return Recognizer(model, SPEECH_RATE)

    async def reply_audio(self, clip: Clip) -> bytes:
        """The clip spoken, as a WAV at AUDIO_RATE (rendered once, then from the cache)."""
        from voice.audio import resample, wav_bytes
        from voice.tts import Synthesizer

        if self.settings.prompts_dir is None:
            raise LookupError("speech replies are off")
        if self._synthesizer is None:
            self._synthesizer = Synthesizer(self.settings.prompts_dir, rate=self.settings.tts_rate)
        prompt = await self._synthesizer.prompt(clip.text, clip.language)
        return wav_bytes(resample(prompt.pcm, AUDIO_RATE))

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._synthesizer is not None:
            await self._synthesizer.close()


def _lang(language: str) -> str:
    return language if language in LANGUAGES else LANGUAGES[0]


# ---------------------------------------------------------------------------------- the visit panel


def visit_shown(session: Session, directory: Directory | None, visit_id: int, conversation: str,
                language: str) -> VisitShown | None:
    """The names for the confirmation panel, for a visit registered by this conversation only."""
    visit = visits.get_visit(session, visit_id)
    if visit is None or visit.conversation != conversation:
        return None
    return VisitShown(visitor=visit.name, host=host_name(directory, visit.host, language))


def host_name(directory: Directory | None, host: str | None, language: str) -> str:
    """The host's name (a person's or a department's) in the visitor's language; nothing else of theirs."""
    if directory is None or not host:
        return ""
    found = directory.person(host) or directory.department(host)
    if found is None:
        return ""
    return found.name_en if language == "en" and found.name_en else found.name
