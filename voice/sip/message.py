"""SIP messages (RFC 3261 section 7): a strict parser and a builder.

Anything a caller sends is untrusted. The parser rejects rather than guesses: a message it
returns has a valid start line, well-formed headers, the mandatory headers of a request, a
CSeq that agrees with the method and a body exactly as long as Content-Length says. Header
order and repeated headers (several Via) are kept, because responses must copy them.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

MAX_MESSAGE_BYTES = 65_507
"""The largest UDP payload; a bigger datagram cannot arrive, and one that claims more is refused."""
MAX_HEADERS = 200

COMPACT = {"i": "call-id", "m": "contact", "e": "content-encoding", "l": "content-length", "c": "content-type",
           "f": "from", "s": "subject", "k": "supported", "t": "to", "v": "via", "r": "refer-to", "o": "event"}
CANONICAL = {"call-id": "Call-ID", "cseq": "CSeq", "www-authenticate": "WWW-Authenticate", "refer-to": "Refer-To"}
MANDATORY = ("via", "from", "to", "call-id", "cseq")
COMMA_LISTS = {"via", "route", "record-route", "contact"}
_TOKEN = re.compile(r"^[A-Za-z0-9\-.!%*_+`'~]+$")
_STATUS_LINE = re.compile(r"^SIP/2\.0 ([1-6][0-9]{2}) (.*)$")
_REQUEST_LINE = re.compile(r"^([A-Za-z0-9\-.!%*_+`'~]+) (\S+) SIP/2\.0$")

REASONS = {100: "Trying", 180: "Ringing", 200: "OK", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized",
           404: "Not Found", 405: "Method Not Allowed", 407: "Proxy Authentication Required",
           408: "Request Timeout", 415: "Unsupported Media Type", 416: "Unsupported URI Scheme",
           420: "Bad Extension", 481: "Call/Transaction Does Not Exist", 486: "Busy Here",
           487: "Request Terminated", 488: "Not Acceptable Here", 500: "Server Internal Error",
           501: "Not Implemented", 503: "Service Unavailable", 505: "Version Not Supported", 513: "Message Too Large"}


class SipParseError(ValueError):
    """The datagram is not a SIP message we accept; `status` is the response to send, if any can be."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


def canonical_name(name: str) -> str:
    lower = name.lower()
    return CANONICAL.get(lower) or "-".join(part.capitalize() for part in lower.split("-"))


def split_list(value: str) -> list[str]:
    """Split a comma-separated header value, ignoring commas inside quotes or <...>."""
    parts, depth, quoted, current = [], 0, False, []
    for char in value:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "<":
            depth += 1
        elif not quoted and char == ">":
            depth = max(0, depth - 1)
        if char == "," and not quoted and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def header_params(value: str) -> dict[str, str]:
    """`;name=value` parameters after the address or value (lower-case names)."""
    after_name = _quoted_end(value)
    close = value.find(">", after_name)
    tail = value[close + 1 :] if value.find("<", after_name) >= 0 and close >= 0 else value[after_name:]
    params = {}
    for piece in tail.split(";")[1:]:
        name, _, val = piece.partition("=")
        params[name.strip().lower()] = val.strip().strip('"')
    return params


def _quoted_end(value: str) -> int:
    """Index just past a leading quoted display name (with \\" escapes), or 0 when there is none."""
    stripped = len(value) - len(value.lstrip())
    if not value[stripped:].startswith('"'):
        return 0
    i = stripped + 1
    while i < len(value):
        if value[i] == "\\":
            i += 2
            continue
        if value[i] == '"':
            return i + 1
        i += 1
    raise SipParseError("unterminated quoted display name")


def address_uri(value: str) -> str:
    """The URI of a name-addr (`"Ann" <sip:ann@h>;tag=1`) or addr-spec (`sip:ann@h;tag=1`)."""
    after_name = _quoted_end(value)
    start = value.find("<", after_name)
    if start >= 0:
        end = value.find(">", start)
        if end < 0:
            raise SipParseError("unterminated <URI>")
        return value[start + 1 : end].strip()
    if after_name:
        raise SipParseError("display name without <URI>")
    return value.split(";", 1)[0].strip()


def display_name(value: str) -> str:
    after_name = _quoted_end(value)
    if after_name:
        return value[:after_name].strip().strip('"').replace('\\"', '"')
    return value[: value.index("<")].strip() if "<" in value else ""


@dataclass(frozen=True)
class SipUri:
    scheme: str
    user: str
    host: str
    port: int | None
    params: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def parse(uri: str) -> SipUri:
        match = re.match(r"^(sips?):(?:([^@]*)@)?(\[[0-9A-Fa-f:.]+\]|[^:;?]+)(?::([0-9]{1,5}))?([^?]*)", uri, re.I)
        if not match:
            raise SipParseError(f"not a SIP URI: {uri[:80]!r}", 416)
        scheme, user, host, port, rest = match.groups()
        params = {}
        for piece in rest.split(";")[1:]:
            name, _, val = piece.partition("=")
            params[name.lower()] = val
        return SipUri(scheme.lower(), (user or "").split(":", 1)[0], host, int(port) if port else None, params)


@dataclass
class SipMessage:
    method: str | None
    uri: str | None
    status: int | None
    reason: str
    headers: list[tuple[str, str]]
    """(lower-case full name, value) in arrival order; comma lists of Via etc. stay one entry each."""
    body: bytes = b""

    @property
    def is_request(self) -> bool:
        return self.method is not None

    def get(self, name: str) -> str | None:
        name = name.lower()
        return next((value for key, value in self.headers if key == name), None)

    def get_all(self, name: str) -> list[str]:
        name = name.lower()
        values = [value for key, value in self.headers if key == name]
        if name in COMMA_LISTS:
            return [item for value in values for item in split_list(value)]
        return values

    @property
    def call_id(self) -> str:
        return self.get("call-id") or ""

    @property
    def cseq(self) -> tuple[int, str]:
        number, method = (self.get("cseq") or "0 NONE").split()
        return int(number), method.upper()

    @property
    def branch(self) -> str:
        vias = self.get_all("via")
        return header_params(vias[0]).get("branch", "") if vias else ""

    @property
    def from_tag(self) -> str:
        return header_params(self.get("from") or "").get("tag", "")

    @property
    def to_tag(self) -> str:
        return header_params(self.get("to") or "").get("tag", "")

    def to_bytes(self) -> bytes:
        first = f"{self.method} {self.uri} SIP/2.0" if self.is_request else f"SIP/2.0 {self.status} {self.reason}"
        lines = [first] + [f"{canonical_name(k)}: {v}" for k, v in self.headers if k != "content-length"]
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


def _unfold(head: str) -> list[str]:
    lines: list[str] = []
    for line in head.split("\n"):
        line = line.rstrip("\r")
        if line[:1] in (" ", "\t"):
            if not lines:
                raise SipParseError("message starts with a continuation line")
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    return lines


def _start_line(line: str) -> tuple[str | None, str | None, int | None, str]:
    if line.startswith("SIP/"):
        match = _STATUS_LINE.match(line)
        if not match:
            raise SipParseError(f"bad status line {line[:80]!r}", 0)
        return None, None, int(match.group(1)), match.group(2)
    match = _REQUEST_LINE.match(line)
    if not match:
        version = line.rsplit(" ", 1)[-1] if " " in line else ""
        if version.upper().startswith("SIP/") and version.upper() != "SIP/2.0":
            raise SipParseError(f"unsupported SIP version {version[:20]!r}", 505)
        raise SipParseError(f"bad request line {line[:80]!r}")
    method, uri = match.group(1), match.group(2)
    if method != method.upper():
        raise SipParseError(f"method {method!r} is not upper case", 501)
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", uri):
        raise SipParseError(f"bad Request-URI {uri[:80]!r}")
    if not uri.lower().startswith(("sip:", "sips:")):
        raise SipParseError(f"unsupported URI scheme in {uri[:80]!r}", 416)
    SipUri.parse(uri)
    return method, uri, None, ""


def _header(line: str) -> tuple[str, str]:
    name, colon, value = line.partition(":")
    name = name.strip()
    if not colon or not name or not _TOKEN.match(name):
        raise SipParseError(f"malformed header line {line[:80]!r}")
    lower = name.lower()
    return COMPACT.get(lower, lower), value.strip()


def _check_request(msg: SipMessage) -> None:
    for name in MANDATORY:
        if msg.get(name) is None:
            raise SipParseError(f"missing {canonical_name(name)} header")
    for name in ("call-id", "cseq", "from", "to"):
        if len(msg.get_all(name)) > 1:
            raise SipParseError(f"more than one {canonical_name(name)} header")
    match = re.match(r"^([0-9]{1,10})\s+(\S+)$", msg.get("cseq") or "")
    if not match or int(match.group(1)) > 2**31 - 1:
        raise SipParseError(f"bad CSeq {msg.get('cseq')!r}")
    if match.group(2) != msg.method:
        raise SipParseError("CSeq method does not match the request method")
    for name in ("from", "to"):
        value = msg.get(name) or ""
        uri = address_uri(value)
        if not uri or " " in uri:
            raise SipParseError(f"bad {canonical_name(name)} address")
    max_forwards = msg.get("max-forwards")
    if max_forwards is not None and (not max_forwards.isdigit() or len(max_forwards) > 5):
        raise SipParseError("bad Max-Forwards")


def _body(raw: bytes, lengths: list[str]) -> bytes:
    if not lengths:
        return raw
    if len(set(lengths)) > 1 or not lengths[0].isdigit():
        raise SipParseError(f"bad Content-Length {lengths!r}")
    length = int(lengths[0])
    if length > len(raw):
        raise SipParseError(f"Content-Length {length} but only {len(raw)} body bytes")
    return raw[:length]


def parse(data: bytes) -> SipMessage:
    """Parse one datagram; raise SipParseError for anything that is not a well-formed SIP message."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise SipParseError("message too large", 513)
    data = data.lstrip(b"\r\n")
    separator = data.find(b"\r\n\r\n")
    cut = 4
    if separator < 0:
        separator, cut = data.find(b"\n\n"), 2
    if separator < 0:
        raise SipParseError("no blank line after the headers", 0)
    try:
        head = data[:separator].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SipParseError("headers are not UTF-8") from exc
    lines = _unfold(head)
    if len(lines) > MAX_HEADERS:
        raise SipParseError("too many headers", 513)
    method, uri, status, reason = _start_line(lines[0])
    headers = [_header(line) for line in lines[1:] if line.strip()]
    msg = SipMessage(method, uri, status, reason, headers)
    msg.body = _body(data[separator + cut :], msg.get_all("content-length"))
    if msg.is_request:
        _check_request(msg)
    elif msg.get("via") is None or msg.get("cseq") is None or msg.get("call-id") is None:
        raise SipParseError("response without Via, CSeq or Call-ID", 0)
    return msg


def new_tag() -> str:
    return secrets.token_hex(6)


def new_branch() -> str:
    return "z9hG4bK" + secrets.token_hex(10)


def new_call_id(host: str) -> str:
    return f"{secrets.token_hex(12)}@{host}"


def response(request: SipMessage, status: int, to_tag: str = "", headers: list[tuple[str, str]] | None = None,
             body: bytes = b"", reason: str | None = None) -> SipMessage:
    """A response to `request`: Via, From, Call-ID, CSeq (and Record-Route for a dialog) copied; To tagged."""
    copied = [(k, v) for k, v in request.headers if k in ("via", "from", "call-id", "cseq")]
    to = request.get("to") or ""
    if to_tag and "tag" not in header_params(to) and status > 100:
        to = f"{to};tag={to_tag}"
    ordered = [h for h in copied if h[0] == "via"] + [("from", request.get("from") or ""), ("to", to),
                                                    ("call-id", request.call_id), ("cseq", request.get("cseq") or "")]
    if request.method in ("INVITE", "SUBSCRIBE") and 100 < status < 300:  # dialog-creating: RFC 3261 12.1.1
        ordered += [h for h in request.headers if h[0] == "record-route"]
    return SipMessage(None, None, status, reason or REASONS.get(status, "Unknown"), ordered + (headers or []), body)
