"""Model archives: checksum and size checks, safe unpacking, and the `models` CLI group.

The download itself needs the internet; everything after it is tested on zips built here,
one of them holding the real Korean model, which must load and recognise after the round trip.
"""

from __future__ import annotations

import argparse
import hashlib
import zipfile
from pathlib import Path

import pytest
import vosk
from voice_helpers import espeak

from bot.config import read_voice_settings
from voice import models
from voice.audio import silence
from voice.models import ModelArchiveError, ModelSource, install_archive, model_path
from voice.stt import TELEPHONE_RATE, Recognizer, Utterance


def zip_dir(source: Path, archive: Path, top: str) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(source.rglob("*")):
            zf.write(path, f"{top}/{path.relative_to(source)}")
    return archive


def source_for(archive: Path, language: str = "zh") -> ModelSource:
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    return ModelSource(language, archive.stem, f"file://{archive}", digest, archive.stat().st_size)


def tiny_model(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    (root / "am").mkdir(parents=True)
    (root / "conf").mkdir()
    (root / "am" / "final.mdl").write_bytes(b"acoustic model")
    (root / "conf" / "model.conf").write_text("--sample-frequency=16000\n")
    return zip_dir(root, tmp_path / "vosk-model-small-cn-0.22.zip", "vosk-model-small-cn-0.22")


def test_a_verified_archive_is_unpacked_as_the_language_model(tmp_path: Path):
    archive = tiny_model(tmp_path)
    target = install_archive(archive, source_for(archive), tmp_path / "vosk")

    assert target == tmp_path / "vosk" / "zh"
    assert (target / "am" / "final.mdl").read_bytes() == b"acoustic model"
    settings = read_voice_settings({"RECEPTIONIST_VAR": str(tmp_path)})
    assert model_path("zh", settings) == target


@pytest.mark.parametrize("damage", ["flipped byte", "truncated"])
def test_a_damaged_archive_is_refused_and_nothing_is_installed(tmp_path: Path, damage: str):
    archive = tiny_model(tmp_path)
    source = source_for(archive)
    raw = bytearray(archive.read_bytes())
    if damage == "flipped byte":
        raw[len(raw) // 2] ^= 0xFF
    else:
        del raw[-100:]
    archive.write_bytes(bytes(raw))

    with pytest.raises(ModelArchiveError, match="SHA-256" if damage == "flipped byte" else "bytes, expected"):
        install_archive(archive, source, tmp_path / "vosk")
    assert not (tmp_path / "vosk" / "zh").exists()


def test_the_official_constants_are_pinned():
    zh, en = models.OFFICIAL_MODELS["zh"], models.OFFICIAL_MODELS["en"]
    assert zh.url.endswith("/vosk-model-small-cn-0.22.zip") and en.url.endswith("/vosk-model-small-en-us-0.15.zip")
    assert all(len(s.sha256) == 64 and int(s.sha256, 16) for s in (zh, en))
    assert zh.size == 43_898_754 and en.size == 41_205_931


def test_an_archive_escaping_its_folder_is_refused(tmp_path: Path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("model/am/final.mdl", b"x")
        zf.writestr("model/conf/model.conf", b"x")
        zf.writestr("../../outside.txt", b"owned")
    with pytest.raises(ModelArchiveError, match="unsafe path"):
        install_archive(archive, source_for(archive), tmp_path / "vosk")
    assert not (tmp_path / "outside.txt").exists() and not (tmp_path.parent / "outside.txt").exists()


def test_an_archive_that_is_not_a_model_is_refused(tmp_path: Path):
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("holiday/beach.jpg", b"jpeg")
    with pytest.raises(ModelArchiveError, match="not a Vosk model"):
        install_archive(archive, source_for(archive), tmp_path / "vosk")
    assert not (tmp_path / "vosk" / "zh").exists()


def test_a_real_model_survives_zip_verify_unpack_and_still_recognises(korean_model_path: Path, tmp_path: Path):
    archive = zip_dir(korean_model_path, tmp_path / "vosk-model-small-ko.zip", "vosk-model-small-ko-0.22")
    target = install_archive(archive, source_for(archive, "ko"), tmp_path / "vosk")

    settings = read_voice_settings({"RECEPTIONIST_VAR": str(tmp_path)})
    assert model_path("ko", settings) == target
    recognizer = Recognizer(vosk.Model(str(target)), TELEPHONE_RATE)
    speech = espeak("안녕하세요 재무팀 부탁합니다", "ko", TELEPHONE_RATE, tmp_path).data
    event = recognizer.accept(speech + silence(TELEPHONE_RATE, 1.5))
    assert isinstance(event, Utterance) or isinstance(recognizer.flush(), Utterance)


def test_a_configured_path_wins_and_a_wrong_one_means_no_model(korean_model_path: Path, tmp_path: Path):
    assert model_path("ko", read_voice_settings({"RECEPTIONIST_VOSK_KO": str(korean_model_path)})) == korean_model_path
    assert model_path("ko", read_voice_settings({"RECEPTIONIST_VOSK_KO": str(tmp_path / "nowhere")})) is None
    assert model_path("en", read_voice_settings({"RECEPTIONIST_VAR": str(tmp_path)})) is None


def test_models_cli_group(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    parser = argparse.ArgumentParser(prog="receptionist")
    models.register(parser.add_subparsers(dest="command", required=True))

    args = parser.parse_args(["models", "fetch", "zh"])
    assert args.handler is models._fetch and args.language == "zh"
    with pytest.raises(SystemExit):
        parser.parse_args(["models", "fetch", "fr"])

    monkeypatch.setenv("RECEPTIONIST_VAR", str(tmp_path))
    monkeypatch.delenv("RECEPTIONIST_VOSK_ZH", raising=False)
    assert parser.parse_args(["models", "status"]).handler(None) == 0
    assert "zh: no model (keypad only for this language)" in capsys.readouterr().out
