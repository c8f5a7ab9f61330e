"""Voice settings read from the environment, in one small function.

`bot/config.py` is the project's one reader of the environment; until the voice settings
move there, `read_voice_settings()` is the only place in voice/ that looks at `os.environ`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("zh", "en", "ko")
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
    """Read RECEPTIONIST_VAR, RECEPTIONIST_VOSK_ZH/EN/KO, RECEPTIONIST_TTS_RATE."""
    env = os.environ if env is None else env
    var_dir = Path(env.get("RECEPTIONIST_VAR", "").strip() or PROJECT_ROOT / "var")
    paths = {
        lang: Path(value)
        for lang in LANGUAGES
        if (value := env.get(f"RECEPTIONIST_VOSK_{lang.upper()}", "").strip())
    }
    rate = env.get("RECEPTIONIST_TTS_RATE", "").strip()
    return VoiceSettings(var_dir=var_dir, vosk_paths=paths, tts_rate=int(rate) if rate.isdigit() else 160)
