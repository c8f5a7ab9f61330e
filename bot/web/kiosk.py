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

Bounded, so a flood of kiosk requests cannot grow the servers without end (issue #16):
- a start costs nothing beyond a small entry here: the greeting is made here (`opening`, the
  words the dialogue would say), and the dialogue (its Rasa tracker, the call record) hears of the
  conversation only with the visitor's first words, when the kiosk opens it there as it always
  did (the start, then "English please" for an English kiosk) and passes the words on;
- conversations unused for `idle_s` are forgotten, and at most `max_conversations` are kept, the
  least recently used forgotten first;
- starts and turns are limited per client address (`start_rate`, `turn_rate`: bot/web/ratelimit.py),
  besides the limit on every /kiosk/ request (bot/web/app.py);
- microphone streams: at most `max_listeners_per_address` at once from one address and
  `max_listeners` in all, each at most `listen_max_s` long and `listen_max_bytes` big, closed
  with a WebSocket close code saying which (`ListenClose`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy.orm import Session

from bot.config import Settings, connect_host
from bot.db.tables import utcnow
from bot.dialogue.phrases import DAYPARTS, say
from bot.org.model import Directory
from bot.privacy import scrub_for_caller
from bot.records import visits
from bot.rules.calendar import open_state
from bot.web.ratelimit import Rate, RateLimiter

log = logging.getLogger(__name__)
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

KIOSK_START_RATE = Rate(burst=10, per_minute=10)
"""Kiosk conversations started per client address. A kiosk starts one per visitor (and on a
reload): a busy lobby sees one a minute, a few kiosks behind one address a few; ten at once and
one every 6 s is far above that and far below a flood."""
KIOSK_TURN_RATE = Rate(burst=20, per_minute=30)
"""Visitor turns (typed or spoken) per client address: each costs the dialogue a round trip
(NLU and the action). A visitor takes a turn every 5 s or more; 20 at once, then one every 2 s,
leaves a brisk visitor alone."""


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
    """A conversation unused for this long is forgotten (its audio no longer served): the page
    starts afresh `reset_after_s` after a visit, and a visitor who walked away mid-sentence is
    gone long before 15 minutes."""
    max_conversations: int = 500
    """Conversations kept at once; beyond, the least recently used is forgotten. A lobby's kiosks
    hold a handful; 500 is a busy day's visitors within `idle_s`, and a few hundred kilobytes."""
    listen_limit_s: float = 30.0
    """The longest a microphone stream is listened to before what was heard is taken as said."""
    listen_max_s: float = 60.0
    """The longest a microphone connection is listened on (the model loading, then the visitor
    speaking or silent): twice `listen_limit_s`. Beyond, it is closed with 1008 (policy
    violation). The reply to what was heard then has the dialogue's own time-out."""
    listen_max_bytes: int = 2 * 2 * SPEECH_RATE * 30
    """What one microphone connection may send: twice `listen_limit_s` of 16-bit 16 kHz audio
    (about 1.9 MB), all frames counted. Beyond, it is closed with 1009 (message too big)."""
    decode_timeout_s: float = 10.0
    """The longest one chunk of speech may take to decode. Beyond (an overloaded machine), the
    utterance is given up and the visitor asked to type, rather than left waiting."""
    max_listeners_per_address: int = 2
    """Microphone connections open at once from one client address: a kiosk listens to one
    utterance at a time; a second covers a reload while the first is closing. A third is
    closed at once with 1013 (try again later)."""
    max_listeners: int = 20
    """Microphone connections open at once in all: each holds a speech recogniser (memory and a
    worker thread's CPU); a lobby has a few kiosks. Beyond, closed at once with 1013."""
    start_rate: Rate = KIOSK_START_RATE
    turn_rate: Rate = KIOSK_TURN_RATE
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
    wanted: str = "zh"
    """The language the page asked for at the start."""
    opened: bool = False
    """Whether the dialogue has the conversation (it opens with the visitor's first words)."""

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


class ListenClose:
    """WebSocket close codes (RFC 6455 section 7.4.1) for a microphone stream the kiosk ends."""

    TRY_AGAIN_LATER = 1013
    """Too many microphone streams from this address, or in all."""
    POLICY_VIOLATION = 1008
    """Open longer than `listen_max_s`."""
    MESSAGE_TOO_BIG = 1009
    """More than `listen_max_bytes` sent."""


def opening(directory: Directory, wanted: str, now: dt.datetime | None = None) -> tuple[str, str]:
    """What the dialogue says when a kiosk conversation opens, and in which language, made here so
    that a start costs the dialogue nothing: the kiosk greeting (bot.dialogue.engine `greet`) in
    the organisation's first language; for an English kiosk whose organisation speaks Chinese
    first, the answer to "English please" that follows it. tests/web/test_kiosk_limits.py checks
    these are the dialogue's own words."""
    org = directory.organization
    first = org.languages[0] if org.languages else "zh"
    if wanted == "en" and first != "en":
        return say("switched_language", "en"), "en"
    local = open_state(directory, now or utcnow())
    hour = local.local_time.hour
    daypart = DAYPARTS["morning" if hour < 12 else "afternoon" if hour < 18 else "evening"]
    name = org.name_en if first == "en" and org.name_en else org.name
    return scrub_for_caller(say("greet_kiosk", first, org=name, daypart=daypart), directory), first


class Kiosk:
    """The kiosk's state in the console process: open conversations, the dialogue client,
    the speech models and the synthesiser (all made on first use, on the serving loop)."""

    def __init__(self, settings: KioskSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self._conversations: OrderedDict[str, KioskConversation] = OrderedDict()
        self._http: aiohttp.ClientSession | None = None
        self._models: Any = None
        self._synthesizer: Any = None
        self.limits = {"start": RateLimiter("kiosk start", settings.start_rate, clock=self._now),
                       "turn": RateLimiter("kiosk turn", settings.turn_rate, clock=self._now)}
        self._listeners: dict[str, int] = {}

    def _now(self) -> float:
        return self.clock()

    # -------------------------------------------------------------- conversations

    @property
    def open_conversations(self) -> int:
        return len(self._conversations)

    def open_conversation(self, language: str) -> KioskConversation:
        """A new conversation, here only: the dialogue hears of it with the visitor's first words."""
        self._forget_idle()
        now = self.clock()
        conversation = KioskConversation(f"kiosk-{secrets.token_urlsafe(16)}", _lang(language), last_used=now,
                                         wanted=_lang(language))
        self._conversations[conversation.id] = conversation
        while len(self._conversations) > self.settings.max_conversations:
            self._conversations.popitem(last=False)  # the least recently used
        return conversation

    def conversation(self, conversation_id: str) -> KioskConversation | None:
        self._forget_idle()
        found = self._conversations.get(conversation_id)
        if found is not None:
            found.last_used = self.clock()
            self._conversations.move_to_end(conversation_id)
        return found

    def _forget_idle(self) -> None:
        """Forget conversations unused for `idle_s`: the least recently used are first in line."""
        cutoff = self.clock() - self.settings.idle_s
        while self._conversations:
            oldest = next(iter(self._conversations.values()))
            if oldest.last_used >= cutoff:
                break
            del self._conversations[oldest.id]

    # -------------------------------------------------------------- limits

    def retry_after(self, limit: str, client: str) -> int:
        """0 when `client` may start a conversation (`limit` "start") or take a turn ("turn") now,
        else the whole seconds until it may."""
        return self.limits[limit].retry_after(client)

    @contextlib.contextmanager
    def listening(self, client: str) -> Iterator[bool]:
        """A microphone stream from `client` for the time of the `with`: True when it is within
        `max_listeners_per_address` and `max_listeners`, else False (close it: 1013)."""
        if self._listeners.get(client, 0) >= self.settings.max_listeners_per_address \
                or sum(self._listeners.values()) >= self.settings.max_listeners:
            log.warning("kiosk: refused a microphone stream from %s (%d open from it, %d in all)", client,
                        self._listeners.get(client, 0), sum(self._listeners.values()))
            yield False
            return
        self._listeners[client] = self._listeners.get(client, 0) + 1
        try:
            yield True
        finally:
            self._listeners[client] -= 1
            if not self._listeners[client]:
                del self._listeners[client]

    # -------------------------------------------------------------- the dialogue

    async def say(self, conversation: KioskConversation, text: str) -> tuple[list[str], list[dict[str, Any]]]:
        """Send one turn to the dialogue; its texts and custom payloads, in order. The first opens
        the conversation there first (what `opening` showed the visitor: not shown again)."""
        if not conversation.opened:
            texts, _ = await self._post(conversation.id, "")
            if conversation.wanted == "en" and language_of(" ".join(texts)) != "en":
                await self._post(conversation.id, SWITCH_TEXT["en"])
            conversation.opened = True
        return await self._post(conversation.id, text)

    async def _post(self, sender: str, text: str) -> tuple[list[str], list[dict[str, Any]]]:
        body = {"sender": sender, "message": " ".join(text.split())[:MAX_TEXT],
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
