"""SDP offer/answer for one G.711 audio stream (RFC 3264, RFC 4566) with RFC 4733 key presses."""

from __future__ import annotations

import ipaddress
import re
import secrets
from dataclasses import dataclass

from voice.audio import Codec

TELEPHONE_EVENT = 101
"""The payload type we offer for telephone-event when the offer names none."""


class SdpError(ValueError):
    """The offer cannot be answered (no audio, no address, no G.711): the INVITE gets 488."""


@dataclass(frozen=True)
class MediaOffer:
    address: str
    port: int
    payload_types: tuple[int, ...]
    telephone_event: int | None
    """The payload type the offer gives telephone-event/8000, if any."""
    direction: str = "sendrecv"

    @property
    def on_hold(self) -> bool:
        return self.direction in ("sendonly", "inactive") or self.address in ("0.0.0.0", "::")


def parse_offer(body: bytes) -> MediaOffer:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SdpError("SDP is not UTF-8") from exc
    session_address, media_address, port, payload_types = None, None, None, ()
    telephone_event, direction, in_audio = None, "sendrecv", False
    for raw_line in text.splitlines():
        kind, _, value = raw_line.strip().partition("=")
        if kind == "m":
            parts = value.split()
            in_audio = len(parts) >= 4 and parts[0] == "audio" and port is None
            if in_audio:
                if not parts[1].isdigit() or not all(p.isdigit() for p in parts[3:]):
                    raise SdpError(f"bad media line {raw_line[:80]!r}")
                port, payload_types = int(parts[1]), tuple(int(p) for p in parts[3:])
        elif kind == "c":
            parts = value.split()
            address = parts[2].split("/")[0] if len(parts) >= 3 else ""
            if in_audio:
                media_address = address
            elif port is None:
                session_address = address
        elif kind == "a" and (port is None or in_audio):
            match = re.match(r"rtpmap:(\d+)\s+telephone-event/8000", value, re.I)
            if match and in_audio:
                telephone_event = int(match.group(1))
            elif value in ("sendrecv", "sendonly", "recvonly", "inactive"):
                direction = value
    address = media_address or session_address
    if port is None:
        raise SdpError("no audio stream offered")
    try:
        ipaddress.ip_address(address or "")
    except ValueError as exc:
        raise SdpError(f"media address {address!r} is not an IP address") from exc
    if not 0 <= port <= 65535:
        raise SdpError(f"media port {port} out of range")
    return MediaOffer(address or "", port, payload_types, telephone_event, direction)


def choose_codec(offer: MediaOffer, supported: tuple[Codec, ...] = (Codec.PCMU, Codec.PCMA)) -> Codec:
    """The first G.711 codec in the offerer's order of preference."""
    by_type = {codec.payload_type: codec for codec in supported}
    for payload_type in offer.payload_types:
        if payload_type in by_type:
            return by_type[payload_type]
    raise SdpError(f"no common codec: offered {offer.payload_types}, we speak PCMU (0) and PCMA (8)")


def build_sdp(address: str, port: int, codec: Codec, telephone_event: int | None, session_id: int | None = None,
              direction: str = "sendrecv") -> bytes:
    """An answer (or an offer, for calls we place) with one codec and, if agreed, telephone-event."""
    session_id = session_id or secrets.randbelow(2**31)
    family = "IP6" if ":" in address else "IP4"
    formats = f"{codec.payload_type}" + (f" {telephone_event}" if telephone_event is not None else "")
    lines = [
        "v=0", f"o=front-desk {session_id} {session_id} IN {family} {address}", "s=Front Desk",
        f"c=IN {family} {address}", "t=0 0", f"m=audio {port} RTP/AVP {formats}",
        f"a=rtpmap:{codec.payload_type} {codec.value}/8000",
    ]
    if telephone_event is not None:
        lines += [f"a=rtpmap:{telephone_event} telephone-event/8000", f"a=fmtp:{telephone_event} 0-16"]
    lines += ["a=ptime:20", f"a={direction}"]
    return ("\r\n".join(lines) + "\r\n").encode()


def build_offer(address: str, port: int, telephone_event: int = TELEPHONE_EVENT, session_id: int | None = None) -> bytes:
    """The offer of a call we place: PCMU and PCMA (the callee picks) and telephone-event."""
    session_id = session_id or secrets.randbelow(2**31)
    family = "IP6" if ":" in address else "IP4"
    lines = [
        "v=0", f"o=front-desk {session_id} {session_id} IN {family} {address}", "s=Front Desk",
        f"c=IN {family} {address}", "t=0 0", f"m=audio {port} RTP/AVP 0 8 {telephone_event}",
        "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000",
        f"a=rtpmap:{telephone_event} telephone-event/8000", f"a=fmtp:{telephone_event} 0-16", "a=ptime:20", "a=sendrecv",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()
