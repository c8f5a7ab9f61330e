"""Train the dialogue model only when its inputs changed.

The inputs (config.yml, domain.yml, data/**/*.yml) are hashed; the model is stored as
`models/dialogue-<hash>.tar.gz` and `models/current` names it. `--ensure` trains only when no
model with the current hash exists, so `make run` and `make test` start in seconds when
nothing changed. Rasa runs as a subprocess: bot/ imports no Rasa.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from bot.config import PROJECT_ROOT

MODELS = PROJECT_ROOT / "models"

REPRODUCIBLE_TRAINING_ENV = {
    # Python's own hashing (set iteration order) is the same in every run.
    "PYTHONHASHSEED": "0",
    # TensorFlow picks deterministic kernels, on the CPU only, with fixed thread pools: how work
    # is split over threads (and so the order floating-point sums are taken in) no longer depends
    # on how many cores the machine has or how busy they are.
    "TF_DETERMINISTIC_OPS": "1",
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
    "TF_INTRA_OP_PARALLELISM_THREADS": "2",
    "OMP_NUM_THREADS": "2",
    "CUDA_VISIBLE_DEVICES": "",
    # oneDNN chooses its kernels by the processor's instruction set (AVX2, AVX-512...), which would
    # make the weights depend on the machine; Eigen's kernels are compiled into the wheel.
    "TF_ENABLE_ONEDNN_OPTS": "0",
}
"""The environment every training run gets (`make run`, `make test`, scripts/nlu_eval.py,
scripts/seed_check.py), with DIETClassifier's `random_seed` in config.yml: the same data and seed
give the same model. docs/nlu.md says how that was checked."""


def reproducible_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """`base` (default: this process's environment) with the reproducible-training settings."""
    return {**(os.environ if base is None else base), **REPRODUCIBLE_TRAINING_ENV}


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
    print(f"training the dialogue model (inputs changed) -> {target.relative_to(PROJECT_ROOT)}", flush=True)
    started = time.monotonic()
    train(PROJECT_ROOT / "config.yml", target)
    for old in MODELS.glob("dialogue-*.tar.gz"):
        if old != target:
            old.unlink()
    print(f"trained in {time.monotonic() - started:.0f} s")
    return target


def train(config: Path, target: Path, reuse_cache: bool = True) -> Path:
    """Train a whole model (NLU and rules) from `config` and the project's domain and data into
    `target` (a .tar.gz path), in the reproducible environment. Without `reuse_cache` every
    component is trained afresh instead of taken from Rasa's cache (.rasa/cache), as on a new
    machine: what a check of reproducibility needs."""
    target.parent.mkdir(parents=True, exist_ok=True)
    rasa = Path(sys.executable).parent / "rasa"
    command = [str(rasa), "train", "--config", str(config), "--domain", "domain.yml", "--data", "data",
               "--out", str(target.parent), "--fixed-model-name", target.name.removesuffix(".tar.gz")]
    env = reproducible_env()
    if not reuse_cache:
        env["RASA_MAX_CACHE_SIZE"] = "0"
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=env)
    if result.returncode != 0 or not target.is_file():
        raise SystemExit(f"training failed (exit {result.returncode})")
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
