"""Train the dialogue model only when its inputs changed.

The inputs (config.yml, domain.yml, data/**/*.yml) are hashed; the model is stored as
`models/dialogue-<hash>.tar.gz` and `models/current` names it. `--ensure` trains only when no
model with the current hash exists, so `make run` and `make test` start in seconds when
nothing changed. Rasa runs as a subprocess: bot/ imports no Rasa.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from pathlib import Path

from bot.config import PROJECT_ROOT

MODELS = PROJECT_ROOT / "models"


def training_inputs(root: Path = PROJECT_ROOT) -> list[Path]:
    files = [root / "config.yml", root / "domain.yml"]
    files += sorted((root / "data").rglob("*.yml"))
    return [f for f in files if f.is_file()]


def inputs_hash(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256()
    for path in training_inputs(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path = PROJECT_ROOT) -> Path:
    return root / "models" / f"dialogue-{inputs_hash(root)}.tar.gz"


def current_model() -> Path | None:
    """The model `make run` serves: the one trained from the current inputs, if there is one."""
    path = model_path()
    return path if path.is_file() else None


def has_training_data(root: Path = PROJECT_ROOT) -> bool:
    return (root / "config.yml").is_file() and (root / "domain.yml").is_file() and (root / "data").is_dir()


def ensure_model(force: bool = False) -> Path | None:
    if not has_training_data():
        print("no dialogue training data yet (config.yml, domain.yml, data/): nothing to train")
        return None
    target = model_path()
    if target.is_file() and not force:
        print(f"dialogue model is up to date: {target.relative_to(PROJECT_ROOT)}")
        return target
    MODELS.mkdir(exist_ok=True)
    print(f"training the dialogue model (inputs changed) -> {target.relative_to(PROJECT_ROOT)}", flush=True)
    started = time.monotonic()
    rasa = Path(sys.executable).parent / "rasa"
    command = [str(rasa), "train", "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
               "--out", str(MODELS), "--fixed-model-name", target.name.removesuffix(".tar.gz")]
    result = subprocess.run(command, cwd=PROJECT_ROOT)
    if result.returncode != 0 or not target.is_file():
        raise SystemExit(f"training failed (exit {result.returncode})")
    for old in MODELS.glob("dialogue-*.tar.gz"):
        if old != target:
            old.unlink()
    print(f"trained in {time.monotonic() - started:.0f} s")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ensure", action="store_true", help="train only if the inputs changed (default)")
    parser.add_argument("--force", action="store_true", help="train even if a model for the inputs exists")
    args = parser.parse_args(argv)
    ensure_model(force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
