"""A small SIP user agent over UDP: answers INVITEs, registers with digest auth, blind-transfers by REFER.

    message.py  parse and build SIP messages (strict: anything malformed is a SipParseError)
    sdp.py      the G.711 offer/answer
    digest.py   HTTP digest authentication (RFC 2617 / RFC 8760 MD5) for REGISTER and INVITE
    rtp.py      RTP in and out of one call: 20 ms paced sending, RFC 4733 key presses
    ua.py       the user agent: transactions, dialogs, calls, registration

docs/voice.md says why this is written here rather than taken from voip-utils, pyVoIP or sippy.
"""
