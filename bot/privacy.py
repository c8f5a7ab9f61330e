"""The one place that decides what may be said to whom.

Callers and visitors are told about staff only through `PublicPerson` / `PublicDepartment`,
which have no field for a mobile number and carry an extension only where the policy lets it
be told. As a second line of defence, every text leaving the receptionist for a caller or a
visitor passes through `scrub_for_caller`, which blanks out any protected number however it
is written (digits with spaces or dashes, Chinese numerals, 幺 for one).

Staff-facing output (the CLI, the console, e-mails to staff) may show extensions, but never a
mobile: that is only ever placed in a transfer payload's `destination`, and only for the phone
channel (`may_connect_mobile`): the voice gateway dials it and tells no one. A kiosk or a chat
shows its client whatever it receives, so a conversation there never connects to a mobile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.org.model import Department, Directory, Person

_DIGIT_VALUES = {
    **{str(d): str(d) for d in range(10)},
    **dict(zip("零〇一二三四五六七八九", "0012345678" + "9")),
    "幺": "1", "两": "2", "洞": "0",
    **{chr(0xFF10 + d): str(d) for d in range(10)},  # full-width digits
}
_SEPARATORS = " -()\u00a0.，,、"
_NUMBER_RUN = re.compile(
    "[" + re.escape("".join(_DIGIT_VALUES)) + "](?:[" + re.escape("".join(_DIGIT_VALUES) + _SEPARATORS) + "]*["
    + re.escape("".join(_DIGIT_VALUES)) + "])?"
)
_MASK = "***"
_MIN_MOBILE_TAIL = 7
MOBILE_CHANNELS = frozenset({"phone"})
"""The channels whose client may receive a mobile number as a transfer's destination (docs/security.md)."""


def may_connect_mobile(channel: str | None) -> bool:
    """Whether a conversation on `channel` may be put through to a staff mobile."""
    return channel in MOBILE_CHANNELS


@dataclass(frozen=True)
class PublicPerson:
    """What a caller or visitor may be told about a member of staff."""

    id: str
    name: str
    name_en: str
    title: str
    title_en: str
    department: str
    department_name: str
    department_name_en: str
    extension: str | None
    """Only for people whose level the policy allows to be told; None otherwise."""


@dataclass(frozen=True)
class PublicDepartment:
    id: str
    name: str
    name_en: str
    extension: str | None


def public_person(directory: Directory, person: Person) -> PublicPerson:
    dept = directory.department(person.department)
    private = person.level in directory.policy.private_extension_levels
    return PublicPerson(
        id=person.id, name=person.name, name_en=person.name_en, title=person.title, title_en=person.title_en,
        department=person.department,
        department_name=dept.name if dept else "",
        department_name_en=dept.name_en if dept else "",
        extension=None if private else person.extension,
    )


def public_department(department: Department) -> PublicDepartment:
    return PublicDepartment(id=department.id, name=department.name, name_en=department.name_en,
                            extension=department.extension)


def digits_of(text: str) -> str:
    """The digits a run of text spells, whatever the script: '139 0000-0001', '一三九', '幺'."""
    return "".join(_DIGIT_VALUES.get(ch, "") for ch in text)


def _protected(directory: Directory) -> tuple[frozenset[str], frozenset[str]]:
    """(mobile tails, private extensions) of one snapshot, computed once per snapshot."""
    cached = directory.__dict__.get("_protected_numbers")
    if cached is None:
        cached = _protected_numbers(directory)
        object.__setattr__(directory, "_protected_numbers", cached)
    return cached


def _protected_numbers(directory: Directory) -> tuple[frozenset[str], frozenset[str]]:
    mobiles = set()
    for person in directory.people:
        digits = digits_of(person.mobile or "")
        if len(digits) >= _MIN_MOBILE_TAIL:
            mobiles.add(digits[-_MIN_MOBILE_TAIL:])
            if digits.startswith("86") and len(digits) > 11:
                mobiles.add(digits[2:])
    extensions = {
        p.extension for p in directory.people
        if p.extension and p.level in directory.policy.private_extension_levels
    }
    return frozenset(mobiles), frozenset(extensions)


def scrub_for_caller(text: str, directory: Directory) -> str:
    """`text` with every protected number (a staff mobile, a private direct extension) masked."""
    mobiles, extensions = _protected(directory)

    def mask(match: re.Match[str]) -> str:
        digits = digits_of(match.group(0))
        if digits in extensions or any(tail in digits for tail in mobiles):
            return _MASK
        return match.group(0)

    return _NUMBER_RUN.sub(mask, text)


def is_staff_mobile(number: str | None, directory: Directory) -> bool:
    """Whether a dial string is (or contains) a staff mobile, however it is written."""
    mobiles, _ = _protected(directory)
    digits = digits_of(number or "")
    return any(tail in digits for tail in mobiles)


def is_safe_for_caller(text: str, directory: Directory) -> bool:
    return scrub_for_caller(text, directory) == text
