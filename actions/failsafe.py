"""Fail soft, never silent: when the dialogue cannot answer, the caller is put through to a human.

Used by the actions (the engine raised) and by the REST channel (the action server is down).
The operator's extension comes from the directory; when the database cannot be read, the last
extension seen is used, and failing that the organisation file the receptionist was started with.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from bot.config import DEMO_ORG, Settings
from bot.dialogue.language import LANGUAGES, detect_language
from bot.dialogue.phrases import say
from bot.org.orgfile import parse_org_file
from bot.org.store import DirectoryCache
from bot.rules.routing import OPERATOR

logger = logging.getLogger(__name__)

RING_TIMEOUT_S = 30
"""How long the operator's line rings on a fail-safe transfer."""


class OperatorLine:
    """The operator's extension and the organisation's first language, remembered once read."""

    def __init__(self, settings: Settings, directory: DirectoryCache | None) -> None:
        self._settings = settings
        self._directory = directory
        self._lock = threading.Lock()
        self._extension: str | None = None
        self._language: str | None = None

    def refresh(self) -> None:
        """Read the directory now (blocking: call it off the event loop); failures are logged."""
        try:
            organization = self._directory.current().organization if self._directory else None
        except Exception:
            logger.exception("fail-safe: the directory cannot be read")
            organization = None
        if organization is None and self._extension is None:
            organization = self._organization_file()
        if organization is not None:
            with self._lock:
                self._extension = organization.operator or self._extension
                self._language = (organization.languages or ("zh",))[0]

    def extension(self) -> str | None:
        self.refresh()
        return self._extension

    def default_language(self) -> str:
        return self._language if self._language in LANGUAGES else "zh"

    def _organization_file(self) -> Any:
        path = self._settings.org_file or DEMO_ORG
        try:
            return parse_org_file(path).organization
        except Exception:
            logger.exception("fail-safe: the organisation file %s cannot be read either", path)
            return None


def language_of(text: str | None, current: str | None, default: str) -> str:
    """The caller's language: the conversation's, else what they just said, else the default."""
    if current in LANGUAGES:
        return detect_language(text or "", current)
    return detect_language(text or "", None, default=default)


def operator_transfer(extension: str | None) -> dict[str, Any]:
    """The contract's `transfer` payload to the operator (section 4)."""
    return {"type": "transfer", "destination": extension, "target": OPERATOR, "mode": "blind",
            "ring_timeout_s": RING_TIMEOUT_S}


def apology(language: str) -> str:
    return say("system_problem", language)
