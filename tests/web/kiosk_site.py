"""The lobby kiosk served for real, for the tests: the console server (bot.web.build_app) with
its kiosk relaying to the REAL Rasa and action servers (tests/rasa_servers.py) with the kiosk
relay's token, all on one database, with the default rate limits (a visitor at the kiosk must
never meet them); and spoken Korean from espeak-ng for Chromium's fake microphone."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from console_server import ServerThread
from rasa_servers import Servers

from bot.config import Settings
from bot.context import Context
from bot.db.engine import open_database
from bot.org.store import DirectoryCache
from bot.web import ConsoleSettings, build_app
from bot.web.kiosk import Kiosk, KioskSettings
from bot.web.pages.kiosk import configure_kiosk

FAKE_MIC_RATE = 48_000
"""Chromium reads the fake-capture WAV (16-bit PCM, any rate) and converts it to the capture
format itself; 48 kHz mono is what a real microphone delivers."""


@dataclass
class KioskSite:
    url: str
    context: Context
    kiosk: Kiosk
    server: ServerThread

    def stop(self) -> None:
        self.server.stop()
        self.context.database.close()


def start_kiosk_site(servers: Servers, workdir: Path, speech_model: Path | None, reset_after_s: int) -> KioskSite:
    """A console whose kiosk talks to `servers`, with `speech_model` for every language (or none)."""
    database = open_database(servers.db_url)
    context = Context(settings=Settings(var_dir=workdir, database_url=servers.db_url), database=database,
                      directory=DirectoryCache(database))
    app = build_app(context, ConsoleSettings(recordings_dir=workdir / "recordings"))
    kiosk = configure_kiosk(app, KioskSettings(
        rasa_url=f"{servers.rasa_url}/webhooks/rest/webhook", token=servers.tokens["kiosk"],
        fallback_speech_model=speech_model,
        prompts_dir=workdir / "prompts", reset_after_s=reset_after_s))
    server = ServerThread(app)
    return KioskSite(server.start(), context, kiosk, server)


def spoken_korean(path: Path, text: str, lead_s: float = 0.8, tail_s: float = 2.5) -> Path:
    """`text` spoken by espeak-ng's Korean voice, as a 48 kHz 16-bit mono WAV with quiet before
    and after (the recogniser ends the utterance on the quiet)."""
    from voice.audio import Pcm, read_wav, resample, silence, wav_bytes

    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise FileNotFoundError("espeak-ng")
    raw = path.with_suffix(".espeak.wav")
    subprocess.run([espeak, "-v", "ko", "-s", "140", "-w", str(raw), text], check=True, timeout=60,
                   capture_output=True)
    speech = resample(read_wav(raw.read_bytes()), FAKE_MIC_RATE)
    data = silence(FAKE_MIC_RATE, lead_s) + speech.data + silence(FAKE_MIC_RATE, tail_s)
    path.write_bytes(wav_bytes(Pcm(data, FAKE_MIC_RATE)))
    return path
