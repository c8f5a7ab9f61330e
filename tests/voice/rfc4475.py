"""SIP torture messages of RFC 4475 (section 3.1), reproduced from the RFC's text as fixtures.

Each entry: name (the RFC's file name), the datagram, and what a user agent server must do
with it: "accept" (well-formed, even if unusual) or the status of the error response
(None: the message cannot be answered at all, drop it). Lines are joined with CRLF; bodies
get their real length unless the test is about a wrong Content-Length.
"""

from __future__ import annotations

SDP = ("v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n"
       "m=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n")


def msg(*lines: str, body: str = "", length: int | None = None) -> bytes:
    head = "\r\n".join(lines)
    if length is not None or body:
        head += f"\r\nContent-Length: {len(body.encode()) if length is None else length}"
    return (head + "\r\n\r\n" + body).encode()


WSINV = (
    "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n"
    "TO :\r\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n"
    'from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8\r\n'
    "MaX-fOrWaRdS: 0068\r\nCall-ID: wsinv.ndaksdj@192.0.2.1\r\n"
    f"Content-Length   : {len(SDP)}\r\n"
    "cseq: 0009\r\n  INVITE\r\n"
    "Via  : SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;rport;branch=390skdjuw\r\n"
    "s :\r\nNewFangledHeader:   newfangled value\r\n continued newfangled value\r\n"
    "UnknownHeaderWithUnusualValue: ;;,,;;,;\r\nContent-Type: application/sdp\r\n"
    "Route:\r\n <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\r\n"
    "v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n"
    " SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239\r\n"
    'm:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =\r\n      newvalue ;\r\n'
    "  secondparam ; q = 0.33\r\n\r\n" + SDP
).encode()

INTMETH = (
    "!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,"
    "weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~\r\n"
    'To: "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <sip:1_unusual.URI~(to-be!sure)&isn\'t+it$/crazy?,/;;*@example.com>\r\n'
    "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%="
    '"\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439";tag=_token~1\'+`*%!-.\r\n'
    "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\r\n"
    "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\r\n"
    "Max-Forwards: 255\r\nextensionHeader-!.%*+_`'~:\ufeff\u5927\u505c\u96fb\r\nContent-Length: 0\r\n\r\n"
).encode()

CASES: list[tuple[str, bytes, str | int | None]] = [
    # 3.1.1 valid messages
    ("wsinv", WSINV, "accept"),
    ("intmeth", INTMETH, 501),  # NUL inside a quoted string: refused as 'not implemented', never a crash
    ("esc01", msg("INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0", "To: sip:%75se%72@example.com",
                  "From: <sip:I%20have%20spaces@example.net>;tag=938", "Max-Forwards: 87",
                  "i: esc01.239409asdfakjkn23onasd0-3234", "CSeq: 234234 INVITE",
                  "Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw", "C: application/sdp",
                  "Contact:\r\n  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>", body=SDP), "accept"),
    ("escnull", msg("REGISTER sip:example.com SIP/2.0", "To: sip:null-%00-null@example.com",
                    "From: sip:null-%00-null@example.com;tag=839923423", "Max-Forwards: 70",
                    "Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd", "CSeq: 14398234 REGISTER",
                    "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw", "Contact: <sip:%00@host5.example.com>",
                    "Contact: <sip:%00%00@host5.example.com>", "L:0"), "accept"),
    ("esc02", msg("RE%47IST%45R sip:registrar.example.com SIP/2.0", 'To: "%Z%45" <sip:resource@example.com>',
                  'From: "%Z%45" <sip:resource@example.com>;tag=f232jadfj23',
                  "Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf",
                  "Via: SIP/2.0/TCP host.example.com;branch=z9hG4bK209%fzsnel234", "CSeq: 29344 RE%47IST%45R",
                  "Max-Forwards: 70", "Contact: <sip:alias1@host1.example.com>",
                  "C%6Fntact: <sip:alias2@host2.example.com>", "Contact: <sip:alias3@host3.example.com>", "l: 0"),
     "accept"),
    ("dblreq", msg("REGISTER sip:example.com SIP/2.0", "To: sip:j.user@example.com",
                   "From: sip:j.user@example.com;tag=43251j3j324", "Max-Forwards: 8",
                   "I: dblreq.0ha0isndaksdj99sdfafnl3lk233412", "Contact: sip:j.user@host.example.com",
                   "CSeq: 8 REGISTER", "Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492", "Content-Length: 0")
     + msg("INVITE sip:joe@example.com SIP/2.0", "t: sip:joe@example.com", "From: sip:caller@example.net;tag=141334",
           "Max-Forwards: 8", "Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15", "CSeq: 8 INVITE",
           "Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234", "Content-Type: application/sdp", body=SDP),
     "accept"),  # two requests in one datagram: the first is taken (Content-Length 0), the rest ignored
    ("inv2543", msg("INVITE sip:UserB@example.com SIP/2.0", "Via: SIP/2.0/UDP iftgw.example.com",
                    "From: <sip:+13035551111@ift.client.example.net;user=phone>",
                    "Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>",
                    "To: sip:+16505552222@ss1.example.net;user=phone", "Call-ID: inv2543.1717@ift.client.example.com",
                    "CSeq: 56 INVITE", "Content-Type: application/sdp", "",
                    "v=0", "o=mhandley 29739 7272939 IN IP4 192.0.2.5", "s=-", "c=IN IP4 192.0.2.5", "t=0 0",
                    "m=audio 49217 RTP/AVP 0"), "accept"),
    # 3.1.2 invalid messages
    ("clerr", msg("INVITE sip:user@example.com SIP/2.0", "Max-Forwards: 80", "To: sip:j.user@example.com",
                  "From: sip:caller@example.net;tag=93942939o2", "Contact: <sip:caller@hungry.example.net>",
                  "Call-ID: clerr.0ha0isndaksdjweiafasdk3", "CSeq: 8 INVITE",
                  "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-39234-23523", "Content-Type: application/sdp",
                  body=SDP, length=9999), 400),
    ("ncl", msg("INVITE sip:user@example.com SIP/2.0", "Max-Forwards: 254", "To: sip:j.user@example.com",
                "From: sip:caller@example.net;tag=32394234", "Call-ID: ncl.0ha0isndaksdj2193423r542w35",
                "CSeq: 0 INVITE", "Via: SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw",
                "Contact: <sip:caller@example53.example.net>", "Content-Type: application/sdp",
                body=SDP, length=-999), 400),
    ("scalar02", msg("REGISTER sip:example.com SIP/2.0",
                     "Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3", "To: <sip:user@example.com>",
                     "From: <sip:user@example.com>;tag=239232jh3", "CSeq: 36893488147419103232 REGISTER",
                     "Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32", "Max-Forwards: 300", "Expires: 1" + "0" * 100,
                     "Contact: <sip:user@host129.example.com>\r\n  ;expires=280297596632815", "Content-Length: 0"), 400),
    ("quotbal", msg("INVITE sip:user@example.com SIP/2.0", 'To: "Mr. J. User <sip:j.user@example.com>',
                    "From: sip:caller@example.net;tag=93334", "Max-Forwards: 10", "Call-ID: quotbal.aksdj",
                    "Contact: <sip:caller@host59.example.net>", "CSeq: 8 INVITE",
                    "Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234", "Content-Type: application/sdp",
                    body=SDP), 400),
    ("ltgtruri", msg("INVITE <sip:user@example.com> SIP/2.0", "To: sip:user@example.com",
                     "From: sip:caller@example.net;tag=39291", "Max-Forwards: 23", "Call-ID: ltgtruri.1@192.0.2.5",
                     "CSeq: 1 INVITE", "Via: SIP/2.0/UDP 192.0.2.5;branch=z9hG4bKkdjuw",
                     "Contact: <sip:caller@host5.example.net>", "Content-Type: application/sdp", body=SDP), 400),
    ("lwsruri", msg("INVITE sip:user@example.com; lr SIP/2.0", "To: sip:user@example.com;tag=3xfe-9921883-z9f",
                    "From: sip:caller@example.net;tag=231413434", "Max-Forwards: 5", "Call-ID: lwsruri.asdfasdoeoi2323",
                    "CSeq: 2923420123 INVITE", "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKkdjuw2395",
                    "Contact: <sip:caller@host1.example.net>", "Content-Type: application/sdp", body=SDP), 400),
    ("lwsstart", msg("INVITE  sip:user@example.com  SIP/2.0", "Max-Forwards: 8", "To: sip:user@example.com",
                     "From: sip:caller@example.net;tag=8814", "Call-ID: lwsstart.dfknq234oi243099adsdfnawe3@example.com",
                     "CSeq: 1893884 INVITE", "Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw3923",
                     "Contact: <sip:caller@host1.example.net>", "Content-Type: application/sdp", body=SDP), 400),
    ("trws", msg("OPTIONS sip:remote-target@example.com SIP/2.0  ", "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK299342093",
                 "To: <sip:remote-target@example.com>", "From: <sip:local-resource@example.com>;tag=329429089",
                 "Call-ID: trws.oicu34958239neffasdhr2345r", "Accept: application/sdp", "CSeq: 238923 OPTIONS",
                 "Max-Forwards: 70", "Content-Length: 0"), 400),
    ("badvers", msg("OPTIONS sip:t.watson@example.org SIP/7.0", "Via:     SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw",
                    "Max-Forwards:     70", "From:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe",
                    "To:      T. Watson <sip:t.watson@example.org>", "Call-ID: badvers.31417@c.example.com",
                    "CSeq:    1 OPTIONS", "l: 0"), 505),
    ("mismatch01", msg("OPTIONS sip:user@example.com SIP/2.0", "To: sip:j.user@example.com",
                       "From: sip:caller@example.net;tag=34525", "Max-Forwards: 6", "Call-ID: mismatch01.dj0234sxdfl3",
                       "CSeq: 8 INVITE", "Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw", "l: 0"), 400),
    ("mcl01", msg("OPTIONS sip:user@example.com SIP/2.0", "Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bK293423",
                  "To: <sip:user@example.com>", "From: <sip:other@example.net>;tag=3923942", "Call-ID: mcl01.fhn2323orihawfdoa3o4r52o3irsdf",
                  "CSeq: 15932 OPTIONS", "Content-Length: 13", "Max-Forwards: 60", "Content-Length: 5",
                  "Content-Type: text/plain", "", "There's no way to know how many octets are supposed to be here."), 400),
    ("insuf", msg("INVITE sip:user@example.com SIP/2.0", "CSeq: 193942 INVITE",
                  "Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf", "Content-Type: application/sdp", body=SDP),
     None),  # no From, To, Call-ID: nothing to address an answer to
    ("bigcode", msg("SIP/2.0 4294967301 better not break the receiver", "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe",
                    "Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i", "CSeq: 353494 INVITE",
                    "From: <sip:user@example.com>;tag=39ansfi3", "To: <sip:user@example.edu>;tag=902jndnke3",
                    "Content-Length: 0", "Contact: <sip:user@host105.example.com>"), None),
    ("badinv01", msg("INVITE sip:user@example.com SIP/2.0", "To: sip:j.user@example.com",
                     "From: sip:caller@example.net;tag=134161461246", "Max-Forwards: 7",
                     "Call-ID: badinv01.0ha0isndaksdjasdf3234nas", "CSeq: 8 INVITE", "Via: SIP/2.0/UDP 192.0.2.15;;,;,,",
                     'Contact: "Joe" <sip:joe@example.org>;;;;', "Content-Type: application/sdp", body=SDP), "any"),
    ("badaspec", msg("OPTIONS sip:user@example.org SIP/2.0", "Via: SIP/2.0/UDP host4.example.com:5060;branch=z9hG4bKkdju43234",
                     "Max-Forwards: 70", 'From: "Bell, Alexander" <sip:a.g.bell@example.com>;tag=433423',
                     'To: "Watson, Thomas" < sip:t.watson@example.org >',
                     "Call-ID: badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3", "Accept: application/sdp",
                     "CSeq: 3923239 OPTIONS", "l: 0"), "any"),
    ("baddn", msg("OPTIONS sip:t.watson@example.org SIP/2.0", "Via:     SIP/2.0/UDP c.example.com:5060;branch=z9hG4bKkdjuw",
                  "Max-Forwards:      70", "From:    Bell, Alexander <sip:a.g.bell@example.com>;tag=43",
                  "To:      Watson, Thomas <sip:t.watson@example.org>", "Call-ID: baddn.31415@c.example.com",
                  "Accept: application/sdp", "CSeq:    3923239 OPTIONS", "l: 0"), "any"),
    ("invut", msg("INVITE sip:user@example.com SIP/2.0", "Contact: <sip:caller@host5.example.net>", "To: sip:j.user@example.com",
                  "From: sip:caller@example.net;tag=8392034", "Max-Forwards: 70", "Call-ID: invut.0ha0isndaksdjadsfij34n23d",
                  "CSeq: 235448 INVITE", "Via: SIP/2.0/UDP somehost.example.com;branch=z9hG4bKkdjuw",
                  "Content-Type: application/unknownformat", body="<audio> <pcmu port=\"443\"/> </audio>"), "accept"),
    ("bext01", msg("OPTIONS sip:user@example.com SIP/2.0", "To: sip:j_user@example.com", "From: sip:caller@example.net;tag=242etr",
                   "Max-Forwards: 6", "Call-ID: bext01.0ha0isndaksdj",
                   "Require: nothingSupportsThis, nothingSupportsThisEither",
                   "Proxy-Require: noProxiesSupportThis, norDoAnyProxiesSupportThis", "CSeq: 8 OPTIONS",
                   "Via: SIP/2.0/TLS fold-and-staple.example.com;branch=z9hG4bKkdjuw", "Content-Length: 0"), "accept"),
]
