"""Which language to answer in: the caller's, switching when the caller switches."""

from __future__ import annotations

import re

LANGUAGES = ("zh", "en")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Words that say nothing about the caller's language: names, acronyms, "OK", "HR", "ok".
_NEUTRAL = {"ok", "okay", "hr", "it", "ceo", "cto", "cfo", "pr", "vip", "ai", "app", "api", "id", "hi"}


def detect_language(text: str, current: str | None = None, default: str = "zh",
                    names: frozenset[str] = frozenset()) -> str:
    """The language of `text`, or `current` when the text does not tell (digits, a name, "OK").

    Any Chinese character makes the utterance Chinese ("我找一下 HR" is Chinese); two or more
    Latin words with no Chinese make it English ("Nina please" is English; "Nina" alone keeps
    the current language, since a Chinese caller may say an English name). Words in `names`
    (the directory's English names, lower-case) are neutral too: "Nina Li" alone is a name, but
    a name with one more English word ("Kevin please") is English, and so is a name said the
    English way, three Latin words or more ("Kevin. Kevin Brown.").
    """
    if _HAN.search(text or ""):
        return "zh"
    latin = _LATIN_WORD.findall(text or "")
    words = [w for w in latin if w.lower() not in _NEUTRAL and w.lower() not in names]
    if len(words) >= 2 or (words and len(latin) >= 2) or len(latin) >= 3:  # "Kevin please. Kevin Brown." is English
        return "en"
    return current if current in LANGUAGES else default
