"""HTTP digest authentication as SIP uses it (RFC 3261 22.4, RFC 2617 MD5, qop=auth)."""

from __future__ import annotations

import hashlib
import re
import secrets

from voice.sip.message import SipParseError


def parse_challenge(value: str) -> dict[str, str]:
    """`Digest realm="x", nonce="y", qop="auth"` → {"realm": "x", "nonce": "y", "qop": "auth"}."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        raise SipParseError(f"unsupported authentication scheme {scheme!r}")
    params = {name.lower(): quoted if quoted else bare
              for name, quoted, bare in re.findall(r'([\w-]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))', rest)}
    if "nonce" not in params or "realm" not in params:
        raise SipParseError("digest challenge without realm or nonce")
    algorithm = params.get("algorithm", "MD5").upper()
    if algorithm != "MD5":
        raise SipParseError(f"unsupported digest algorithm {algorithm}")
    return params


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def authorization(challenge: dict[str, str], method: str, uri: str, username: str, password: str,
                  nonce_count: int = 1, cnonce: str | None = None) -> str:
    """The Authorization (or Proxy-Authorization) header value answering `challenge`."""
    realm, nonce = challenge["realm"], challenge["nonce"]
    ha1 = _md5(f"{username}:{realm}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    qops = [q.strip() for q in challenge.get("qop", "").split(",") if q.strip()]
    fields = [f'username="{username}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"']
    if "auth" in qops:
        cnonce = cnonce or secrets.token_hex(8)
        nc = f"{nonce_count:08x}"
        response = _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        fields += [f'response="{response}"', "qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
    elif qops:
        raise SipParseError(f"unsupported qop {challenge['qop']!r}")
    else:
        fields.append(f'response="{_md5(f"{ha1}:{nonce}:{ha2}")}"')
    fields.append("algorithm=MD5")
    if "opaque" in challenge:
        fields.append(f'opaque="{challenge["opaque"]}"')
    return "Digest " + ", ".join(fields)
