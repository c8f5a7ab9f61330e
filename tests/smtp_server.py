"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, an ephemeral port, in its own thread.

It keeps every e-mail it accepts (`server.received`), parsed, so a test asserts what a member
of staff would actually find in their mailbox. Optional login (`users=`) and STARTTLS
(`tls=`) exercise the client's configuration paths for real.

    def test_x(smtp_server):                       # the fixture: started, stopped afterwards
        deliver(..., smtp_server.settings())       # SmtpSettings pointing at it
        assert smtp_server.received[0].subject ...

`unused_port()` gives a port where nothing listens: an SMTP server that is down.
"""

from __future__ import annotations

import email
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from bot.config import SmtpSettings


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    recipients: tuple[str, ...]
    """The envelope's RCPT TO addresses: where the server was asked to deliver it."""
    raw: bytes
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @property
    def text(self) -> str:
        """Every header and the decoded body: what any reader of the e-mail can see."""
        headers = "\n".join(f"{k}: {v}" for k, v in self.message.items())
        return headers + "\n\n" + self.body


class _Collector:
    def __init__(self) -> None:
        self.received: list[ReceivedMail] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=default_policy)
        mail = ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), raw, parsed)  # type: ignore[arg-type]
        with self._lock:
            self.received.append(mail)
        return "250 Message accepted for delivery"


class _EphemeralController(Controller):
    """aiosmtpd's Controller, bound to port 0: learns the port the kernel chose before its self-test."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    def __init__(self, users: dict[str, str] | None = None, tls: ssl.SSLContext | None = None) -> None:
        self._collector = _Collector()
        self.users = users or {}
        kwargs: dict[str, Any] = {}
        if users:
            kwargs.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=tls is not None)
        if tls is not None:
            kwargs.update(tls_context=tls, require_starttls=True)
        self._controller = _EphemeralController(self._collector, hostname="127.0.0.1", port=0, **kwargs)
        self.tls = tls is not None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return self._controller.port

    @property
    def received(self) -> list[ReceivedMail]:
        return list(self._collector.received)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def settings(self, **overrides: Any) -> SmtpSettings:
        """SmtpSettings that send through this server."""
        values: dict[str, Any] = {"host": self.host, "port": self.port, "sender": "front-desk@huaxin.example",
                                  "timeout_s": 5.0, "starttls": self.tls}
        values.update(overrides)
        return SmtpSettings(**values)

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login, password = auth_data.login.decode(), auth_data.password.decode()
            if self.users.get(login) == password:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


def unused_port() -> int:
    """A localhost port with nothing listening on it (an SMTP server that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with the openssl command."""
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def down_smtp() -> SmtpSettings:
    """Settings pointing at a port where no SMTP server listens."""
    return SmtpSettings(host="127.0.0.1", port=unused_port(), sender="front-desk@huaxin.example", timeout_s=2.0)
