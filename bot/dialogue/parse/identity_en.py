"""Who an English-speaking caller says they are: "this is Anna Schmidt from Bosch", "Acme Corp"."""

from __future__ import annotations

import re

from bot.dialogue.parse.text import _LATIN_WORD, _PUNCT, Identity

_EN_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "madam", "mx"})
_EN_STOP = frozenset("""
a an the and or but if so of to in on at by for from with without about regarding re as into onto than then
i i'm im me my mine we we're us our you you're your yours he him his she her they them their it it's its
this that these those there here what who whom which where when why how whose
is am are was were be been being do does did done have has had having will would shall should can could may
might must not no yes yeah yep yup nope nah ok okay okey sure fine alright right well oh um uh er erm hmm
hello hi hey dear thanks thank please sorry excuse pardon bye goodbye morning afternoon evening
calling call called rang rung phoned speaking speak talk talking looking look trying try want wanted wanting need needs like
would just only also again back returning return get got go going went come coming came see saw know knew
tell told ask asked say said give gave leave left take took make made let put keep hold wait waiting
customer client supplier vendor visitor guest colleague friend partner candidate delivery courier driver
interested important urgent emergency new old good great bad happy glad busy free available late early
number phone mobile cell line extension message name surname first last email address office home work
someone somebody anyone anybody nobody everyone person people manager department boss operator reception
something anything nothing everything one two three four five six seven eight nine ten zero
today tomorrow yesterday now later soon earlier before after time minute minutes hour hours day days week
very really quite actually basically maybe perhaps probably definitely certainly course
appointment meeting interview invoice payment order parcel package
i'd i'll i've we'll we've that's what's let's can't don't won't isn't wasn't didn't doesn't there's who's
""".split())
_EN_COMPANY_STOP = _EN_STOP - {"new", "first", "good", "great", "one", "global", "morning", "evening", "post", "home",
                                "office", "work", "people"}
_EN_ORG_SUFFIXES = frozenset({
    "corp", "corporation", "inc", "incorporated", "ltd", "limited", "llc", "llp", "plc", "co", "company", "group",
    "bank", "technologies", "technology", "tech", "logistics", "express", "consulting", "systems", "solutions",
    "trading", "holdings", "partners", "associates", "media", "foods", "travel", "legal", "hotels", "hotel",
    "airlines", "insurance", "couriers", "industries", "international", "labs", "studio", "studios", "gmbh", "ag",
})
_EN_INTRO = re.compile(
    r"\b(?:my name is|my name's|the name is|the name's|name is|name's|this is|it's|it is|i'm|i am|im|"
    r"you can call me|call me|i go by|you're speaking with|you are speaking with|speaking with|here is)\s+",
    re.IGNORECASE,
)
_EN_NAME_ENDS = frozenset({"here", "speaking", "calling", "from", "with", "of", "at", "and", "a", "an", "the"})
_EN_COMPANY_INTRO = re.compile(
    r"\b(?:calling from|i'm from|im from|i am from|from|on behalf of|representing|i represent|"
    r"i work for|i work at|work for|work at|works for|works at|my company is|our company is|the company is|"
    r"company name is|company's|company is|company called|i'm with|im with|i am with|we're with|we are with|"
    r"(?:ceo|cfo|coo|cto|director|manager|head|president|owner|founder|partner|engineer) (?:of|at))\s+"
    r"(?:the\s+)?",
    re.IGNORECASE,
)
_EN_SURNAME_FIRST = re.compile(r"\b(?:surname|last name|family name)\s+(\w+)\W+(?:and\s+)?(?:my\s+)?first name\s+(\w+)",
                               re.IGNORECASE)


_LATIN_NAME_WORD = re.compile(r"[a-zà-öø-ÿ][a-zà-öø-ÿ'’\-]{0,19}")


def _name_token(word: str) -> bool:
    bare = word.lower().strip(".'’-")
    return (bool(_LATIN_NAME_WORD.fullmatch(bare)) and not bare.endswith(("'s", "’s"))
            and bare.replace("’", "'") not in _EN_STOP)


def _title_case(words: list[str]) -> str:
    return " ".join(w if any(c.isupper() for c in w) else w[:1].upper() + w[1:] for w in words)


def _latin_name_at_start(text: str) -> str | None:
    """"John Smith from Acme" → John Smith, "Dr. Patel" → Dr. Patel, "Victoria a supplier" → Victoria."""
    words = text.split()
    name: list[str] = []
    for word in words:
        bare = word.strip(_PUNCT).strip(".")
        if not bare:
            break
        if bare.lower() in _EN_TITLES and not name:
            name.append(bare.capitalize() + ".")
            continue
        if not _name_token(bare) or len(name) >= 4:
            break
        name.append(bare)
        if word.endswith((",", ";")):
            break
    real = [w for w in name if w.lower().rstrip(".") not in _EN_TITLES]
    if not real or not _LATIN_WORD.fullmatch(real[0]):
        return None
    if real[-1].lower() in _EN_ORG_SUFFIXES:
        return None
    return _title_case(name)


def _en_company_at_start(text: str) -> str | None:
    """"Acme Corp about the invoice" → Acme Corp; "my mobile" → None."""
    words: list[str] = []
    for word in text.split()[:8]:
        bare = word.strip(_PUNCT.replace("&", "").replace(".", ""))
        if not bare or (bare.lower() in _EN_COMPANY_STOP and bare.lower() not in _EN_ORG_SUFFIXES):
            break
        words.append(bare.rstrip("."))
        if word.endswith((",", ";")) or len(words) >= 5:
            break
    if not words or not any(ch.isalpha() for ch in words[0]):
        return None
    return " ".join(words)


def _en_identity(text: str) -> Identity:
    company = None
    for match in _EN_COMPANY_INTRO.finditer(text):
        company = _en_company_at_start(text[match.end():])
        if company:
            break
    swapped = _EN_SURNAME_FIRST.search(text)
    if swapped and _name_token(swapped.group(1)) and _name_token(swapped.group(2)):
        return Identity(_title_case([swapped.group(2), swapped.group(1)]), company)
    name = None
    for match in _EN_INTRO.finditer(text):
        following = re.sub(r"^(?:(?:um|uh|er|erm|ah|eh)\b[\s,.]*)+", "", text[match.end():], flags=re.IGNORECASE)
        if re.match(r"(?:with|from|calling)\b", following, re.IGNORECASE):
            continue
        name = _latin_name_at_start(following)
        if name:
            company = company or _en_company_after_name(following, name)
            break
    if name is None:
        name = _en_name_in_tell_them(text) or _en_bare_name(text) or _en_name_before_company(text)
    if name and company and name.lower() == company.lower():
        name = None
    if name and company is None:
        company = _en_company_listed_after(text, name)
    return Identity(name, company or _en_bare_company(text))


def _en_company_listed_after(text: str, name: str) -> str | None:
    """"Lukas Weber, Krones, we have a four thirty": the name, then the company, as a list."""
    listed = re.search(re.escape(name) + r"\s*,\s*([A-Z][\w&.\-]*(?:\s[A-Z][\w&.\-]*){0,2})\s*(?:,|\.|$)", text)
    if not listed or listed.group(1).lower() in _EN_STOP:
        return None
    return listed.group(1)


def _en_company_after_name(text: str, name: str) -> str | None:
    """"Kim with Northwind" → Northwind: "with" right after the caller's name names the company."""
    rest = " ".join(text.split()[len(name.split()):])
    match = re.match(r"[\s,]*(?:with|from|of)\s+(?:the\s+)?", rest, re.IGNORECASE)
    return _en_company_at_start(rest[match.end():]) if match else None


_EN_TELL_THEM = re.compile(r"\b(?:tell|let) (?:him|her|them)(?: know)?(?: that)?\s+", re.IGNORECASE)
_EN_CALL_BACK = re.compile(r"\b(?:to |could |can |please )?(?:call|ring|phone) back\s+", re.IGNORECASE)
_EN_HAS_CALLED = re.compile(r"^(?:(?:from|of|with|at) .{1,40}?\s)?(?:called|rang|phoned|is calling|was calling|"
                            r"has called|wants|would like)\b", re.IGNORECASE)


def _en_name_in_tell_them(text: str) -> str | None:
    """"tell her Emma Clarke from the British Chamber called": the caller's name in the message."""
    for match in _EN_CALL_BACK.finditer(text):
        name = _latin_name_at_start(text[match.end():])
        if name and len(name.split()) >= 2:
            return name  # "please ask Kevin to call back Tomas Novak"
    for match in _EN_TELL_THEM.finditer(text):
        following = text[match.end():]
        name = _latin_name_at_start(following)
        if name and _EN_HAS_CALLED.match(following[len(name):].strip(" ,")):
            return name
    return None


_EN_NAME_FROM = re.compile(r"\b([A-Z][a-z'\-]+(?: [A-Z][a-z'\-]+){1,2}),? (?:from|of|at|with) (?:the )?[A-Z]")


def _en_name_before_company(text: str) -> str | None:
    """"I'll leave a message Sarah Lim from Reed Exhibitions": a capitalised name right before the company."""
    for found in _EN_NAME_FROM.finditer(text):
        words = found.group(1).split()
        if all(_name_token(word) for word in words):
            return found.group(1)
    return None


def _en_bare_name(text: str) -> str | None:
    """A whole answer that is just a name, possibly followed by "here", "speaking", "from X"."""
    text = re.sub(r"^(?:(?:hi|hello|hey|yes|yeah|yep|oh|um|uh|er|erm|well|sorry|ok|okay|right|sure|so)\b[\s,.]*)+", "",
                  text.strip(), flags=re.IGNORECASE)
    name = _latin_name_at_start(text)
    if not name:
        return None
    rest = text.split()[len(name.split()):]
    if not rest or rest[0].strip(_PUNCT).lower() in _EN_NAME_ENDS or text.split()[len(name.split()) - 1].endswith(","):
        return name
    return None


def _en_bare_company(text: str) -> str | None:
    """"Acme Corp", "Harbor Bank": a whole answer that ends like a company name."""
    words = text.strip(_PUNCT).split()
    if 1 < len(words) <= 6 and words[-1].lower().strip(".") in _EN_ORG_SUFFIXES:
        candidate = _en_company_at_start(text)
        if candidate and len(candidate.split()) == len(words):
            return candidate
    return None
