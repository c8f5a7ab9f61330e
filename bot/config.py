"""Settings: the one module that reads the environment.

Every knob has a default that runs on a fresh clone (SQLite under `var/`, the demo
organisation, local ports), so `make run` needs no configuration at all.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
"""Where every server of the receptionist listens unless configured otherwise (docs/security.md)."""
CHANNELS = ("phone", "kiosk", "chat")
"""The REST channel's clients, each with a token of its own: the voice gateway, the kiosk relay, a chat."""
DEMO_ORG = Path(__file__).resolve().parent / "org" / "demo.yml"
DEMO_FAQ = Path(__file__).resolve().parent / "org" / "demo_faq.yml"


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


def _env_float(name: str, default: float) -> float:
    value = _env(name)
    try:
        number = float(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be a number, not {value!r}") from None
    if number <= 0:
        raise SystemExit(f"{name} must be more than 0, not {value!r}")
    return number


def _env_flag(name: str) -> bool:
    return _env(name).lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    sender: str = "front-desk@localhost"
    username: str = ""
    password: str = ""
    starttls: bool = False
    operator_address: str = ""
    """Where overdue messages are flagged (the human operator's mailbox)."""
    timeout_s: float = 10.0


@dataclass(frozen=True)
class SipSettings:
    """The voice gateway's SIP side (docs/voice.md, "Pointing a PBX at it")."""

    host: str = "127.0.0.1"
    """Address the gateway listens on (0.0.0.0 to take calls from a PBX on the network)."""
    port: int = 5060
    advertised_host: str = ""
    """Address written into SIP/SDP when it differs from `host` (NAT, 0.0.0.0)."""
    registrar: str = ""
    """host:port of the PBX to register to as an extension; empty: take INVITEs sent straight here."""
    domain: str = ""
    username: str = "receptionist"
    password: str = ""
    dialogue_timeout_s: float = 3.0
    """A call whose dialogue does not answer within this goes to the operator (the fail-safe)."""
    internal_from: tuple[str, ...] = ()
    """Addresses (the PBX) trusted to present an internal caller's extension as the caller ID.
    Empty: every call is external, whatever number it shows (caller ID is easy to fake)."""
    max_calls: int = 30
    """Calls answered at once; beyond it an INVITE gets 503 (see voice/sip/ua.py MAX_CALLS)."""
    max_calls_per_source: int = 4
    """Calls at once from one address other than the PBX (`registrar`, `internal_from`); beyond it 486."""


SPEECH_LANGUAGES = ("zh", "en", "ko")
"""Languages a Vosk model can be configured for (ko: the only model on the package registry here)."""


@dataclass(frozen=True)
class VoiceSettings:
    var_dir: Path
    """Where models (`vosk/<lang>`) and the prompt cache (`prompts/`) live."""
    vosk_paths: Mapping[str, Path] = field(default_factory=dict)
    """Language → configured Vosk model directory (RECEPTIONIST_VOSK_<LANG>); may not exist."""
    tts_rate: int = 160
    """Speaking rate in words per minute for pyttsx3."""
    tts_timeout_s: float = 20.0
    """A prompt that takes longer than this to render is abandoned."""

    @property
    def models_dir(self) -> Path:
        return self.var_dir / "vosk"

    @property
    def prompts_dir(self) -> Path:
        return self.var_dir / "prompts"


def read_voice_settings(env: Mapping[str, str] | None = None) -> VoiceSettings:
    """Read RECEPTIONIST_VAR, RECEPTIONIST_VOSK_ZH/EN/KO, RECEPTIONIST_TTS_RATE (`env` instead of os.environ)."""
    env = os.environ if env is None else env
    var_dir = Path(env.get("RECEPTIONIST_VAR", "").strip() or PROJECT_ROOT / "var")
    paths = {
        lang: Path(value)
        for lang in SPEECH_LANGUAGES
        if (value := env.get(f"RECEPTIONIST_VOSK_{lang.upper()}", "").strip())
    }
    rate = env.get("RECEPTIONIST_TTS_RATE", "").strip()
    return VoiceSettings(var_dir=var_dir, vosk_paths=paths, tts_rate=int(rate) if rate.isdigit() else 160)


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only (127.0.0.0/8, ::1, "localhost")."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def connect_host(host: str) -> str:
    """The address a client on this machine uses for a server bound to `host` (0.0.0.0 → 127.0.0.1)."""
    cleaned = host.strip().strip("[]")
    if cleaned in ("", "0.0.0.0"):
        return LOOPBACK
    if cleaned == "::":
        return "[::1]"
    return f"[{cleaned}]" if ":" in cleaned else cleaned


@dataclass(frozen=True)
class Settings:
    var_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "var")
    database_url: str = ""
    """SQLAlchemy URL; empty means SQLite at var/receptionist.db."""
    org_file: Path | None = None
    """An organisation file imported at start (RECEPTIONIST_ORG)."""
    faq_file: Path = DEMO_FAQ
    """The organisation's FAQ (RECEPTIONIST_FAQ); docs/faq.md."""
    api_token: str = ""
    """Rasa's HTTP API token (RECEPTIONIST_API_TOKEN); empty: the one kept in var/ (bot/tokens.py)."""
    action_secret: str = ""
    """What the Rasa server shows the action server (RECEPTIONIST_ACTION_SECRET); empty: var/."""
    channel_tokens: Mapping[str, str] = field(default_factory=dict)
    """Channel → the REST token of its client (RECEPTIONIST_PHONE_TOKEN, _KIOSK_TOKEN, _CHAT_TOKEN)."""
    test_clock: bool = False
    tracker_store: str = ""
    """Rasa's SQL tracker store (RECEPTIONIST_TRACKER_STORE); empty: the Rasa server's memory."""
    tracker_retention_days: float = 7.0
    """A conversation idle this long is deleted from it (RECEPTIONIST_TRACKER_RETENTION_DAYS)."""
    rasa_host: str = LOOPBACK
    rasa_port: int = 5005
    action_host: str = LOOPBACK
    action_port: int = 5055
    console_host: str = LOOPBACK
    console_port: int = 5080
    console_secure_cookies: bool | None = None
    """Mark console cookies Secure: on, off, or unset for "when the request came over https"."""
    recordings_dir: Path | None = None
    """Where call recordings live (default var/recordings); the console serves nothing outside it."""
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    sip: SipSettings = field(default_factory=SipSettings)
    voice: VoiceSettings = field(default_factory=lambda: read_voice_settings({}))

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'receptionist.db'}"


def load_settings() -> Settings:
    """Read the settings from the environment (see README, "Configuration")."""
    var_dir = Path(_env("RECEPTIONIST_VAR", str(PROJECT_ROOT / "var")))
    org = _env("RECEPTIONIST_ORG")
    return Settings(
        var_dir=var_dir,
        database_url=_env("RECEPTIONIST_DB"),
        org_file=Path(org) if org else None,
        faq_file=Path(_env("RECEPTIONIST_FAQ") or DEMO_FAQ),
        api_token=_env("RECEPTIONIST_API_TOKEN"),
        action_secret=_env("RECEPTIONIST_ACTION_SECRET"),
        channel_tokens={channel: token for channel in CHANNELS
                        if (token := _env(f"RECEPTIONIST_{channel.upper()}_TOKEN"))},
        test_clock=_env_flag("RECEPTIONIST_TEST_CLOCK"),
        tracker_store=_env("RECEPTIONIST_TRACKER_STORE"),
        tracker_retention_days=_env_float("RECEPTIONIST_TRACKER_RETENTION_DAYS", 7.0),
        rasa_host=_env("RECEPTIONIST_RASA_HOST", LOOPBACK),
        rasa_port=_env_int("RECEPTIONIST_RASA_PORT", 5005),
        action_host=_env("RECEPTIONIST_ACTION_HOST", LOOPBACK),
        action_port=_env_int("RECEPTIONIST_ACTION_PORT", 5055),
        console_host=_env("RECEPTIONIST_CONSOLE_HOST", LOOPBACK),
        console_port=_env_int("RECEPTIONIST_CONSOLE_PORT", 5080),
        console_secure_cookies=_env_flag("RECEPTIONIST_CONSOLE_SECURE_COOKIES")
        if _env("RECEPTIONIST_CONSOLE_SECURE_COOKIES") else None,
        recordings_dir=Path(_env("RECEPTIONIST_RECORDINGS")) if _env("RECEPTIONIST_RECORDINGS") else None,
        smtp=SmtpSettings(
            host=_env("RECEPTIONIST_SMTP_HOST", "localhost"),
            port=_env_int("RECEPTIONIST_SMTP_PORT", 25),
            sender=_env("RECEPTIONIST_SMTP_FROM", "front-desk@localhost"),
            username=_env("RECEPTIONIST_SMTP_USER"),
            password=_env("RECEPTIONIST_SMTP_PASSWORD"),
            starttls=_env_flag("RECEPTIONIST_SMTP_STARTTLS"),
            operator_address=_env("RECEPTIONIST_OPERATOR_EMAIL"),
        ),
        sip=SipSettings(
            host=_env("RECEPTIONIST_SIP_HOST", "127.0.0.1"),
            port=_env_int("RECEPTIONIST_SIP_PORT", 5060),
            advertised_host=_env("RECEPTIONIST_SIP_ADVERTISED_HOST"),
            registrar=_env("RECEPTIONIST_SIP_REGISTRAR"),
            domain=_env("RECEPTIONIST_SIP_DOMAIN"),
            username=_env("RECEPTIONIST_SIP_USER", "receptionist"),
            password=_env("RECEPTIONIST_SIP_PASSWORD"),
            internal_from=tuple(a.strip() for a in _env("RECEPTIONIST_SIP_INTERNAL_FROM").split(",") if a.strip()),
            dialogue_timeout_s=_env_int("RECEPTIONIST_DIALOGUE_TIMEOUT_S", 3),
            max_calls=_env_int("RECEPTIONIST_SIP_MAX_CALLS", 30),
            max_calls_per_source=_env_int("RECEPTIONIST_SIP_MAX_CALLS_PER_SOURCE", 4),
        ),
        voice=read_voice_settings(),
    )
