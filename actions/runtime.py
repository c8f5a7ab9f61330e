"""The action server's one `Receptionist`, built on first use (never at import time).

`runtime()` builds it from the environment (bot.config); tests install their own with
`use_runtime()`. Building opens the database, so it is called off the event loop.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from actions.failsafe import OperatorLine
from bot.config import Settings, load_settings
from bot.context import Context, open_context
from bot.db.tables import utcnow
from bot.dialogue.engine import Receptionist
from bot.dialogue.faq import DEMO_FAQ, load_faq
from bot.org.store import NoOrganization

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    receptionist: Receptionist
    operator: OperatorLine
    context: Context | None = None

    def close(self) -> None:
        if self.context is not None:
            self.context.close()


_runtime: Runtime | None = None
_lock = threading.Lock()


def build_runtime(settings: Settings | None = None) -> Runtime:
    context = open_context(settings or load_settings())
    try:
        directory = context.directory.current()
    except NoOrganization:
        directory = None
        logger.warning("no organisation imported yet: the receptionist cannot answer until one is")
    faq = load_faq(context.settings.faq_file or DEMO_FAQ, directory)
    receptionist = Receptionist(context.database, context.directory, faq, clock=utcnow)
    operator = OperatorLine(context.settings, context.directory)
    operator.refresh()
    return Runtime(context.settings, receptionist, operator, context)


def runtime() -> Runtime:
    """The process's runtime, built on first call (blocking: call it from a worker thread)."""
    global _runtime
    with _lock:
        if _runtime is None:
            _runtime = build_runtime()
        return _runtime


def use_runtime(replacement: Runtime | None) -> Runtime | None:
    """Install `replacement` (tests, or None to rebuild from the environment); returns the previous one."""
    global _runtime
    with _lock:
        previous, _runtime = _runtime, replacement
        return previous
