"""The one place that decides what may be said to whom.

Callers and visitors are told about staff only through `PublicPerson` / `PublicDepartment`,
which have no field for a mobile number and carry an extension only where the policy lets it
be told. As a second line of defence, every text leaving the receptionist for a caller or a
visitor passes through `scrub_for_caller`, which blanks out any protected number however it
is written (bot/digit_forms.py: any Unicode digits, Chinese numerals plain, financial or
positional, English number words; any separators; a number split by a few words).

Staff-facing output (the CLI, the console, e-mails to staff) may show extensions, but never a
mobile: that is only ever placed in a transfer payload's `destination`, and only for the phone
channel (`may_connect_mobile`): the voice gateway dials it and tells no one. A kiosk or a chat
shows its client whatever it receives, so a conversation there never connects to a mobile.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.digit_forms import Chunk, chunks, is_separator
from bot.org.model import Department, Directory, Person

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
    """The digits a text spells, whatever the script or words: '139 0000-0001', '一三九', '幺',
    '八千零一', 'eight oh oh one'."""
    return "".join(chunk.digits for chunk in chunks(text or ""))


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


MAX_WORD_GAP = 6
"""Pieces of a number split by a few words ("一三九 零零零零 再加 零零零一") still count together."""
MAX_RUN_DIGITS = 24


def scrub_for_caller(text: str, directory: Directory, also: frozenset[str] = frozenset()) -> str:
    """`text` with every protected number (a staff mobile, a private direct extension, and the
    numbers in `also`: a hotel's room numbers and room extensions) masked, however it is written:
    every run of number pieces that spells one is blanked out."""
    mobiles, extensions = _protected(directory)
    extensions = extensions | also if also else extensions
    if not mobiles and not extensions:
        return text
    pieces = chunks(text)
    run_digits = _digits_per_run(text, pieces)
    masked: set[int] = set()
    for first in range(len(pieces)):
        digits = ""
        for last in range(first, len(pieces)):
            if last > first and not _same_number(text, pieces[last - 1], pieces[last], run_digits, last):
                break
            digits += pieces[last].digits
            if len(digits) > MAX_RUN_DIGITS:
                break
            if digits in extensions or any(tail in digits for tail in mobiles):
                masked.update(range(first, last + 1))
    out, at = [], 0
    for index in sorted(masked):
        out += [text[at:pieces[index].start], _MASK]
        at = pieces[index].end
    return "".join(out) + text[at:]


def _digits_per_run(text: str, pieces: list[Chunk]) -> list[int]:
    """For each piece, how many digits its run has (pieces joined by separators only: "1 3 9")."""
    runs: list[list[int]] = []
    for index, piece in enumerate(pieces):
        if runs and is_separator(text[pieces[index - 1].end:piece.start]):
            runs[-1].append(index)
        else:
            runs.append([index])
    sizes = [0] * len(pieces)
    for run in runs:
        for index in run:
            sizes[index] = sum(len(pieces[i].digits) for i in run)
    return sizes


def _same_number(text: str, before: Chunk, after: Chunk, run_digits: list[int], after_index: int) -> bool:
    """Whether two neighbouring pieces may be parts of one number: only separators between them,
    or a few words between two runs of two digits or more ("一三九 零零零零 再加 零零零一")."""
    gap = text[before.end:after.start]
    if is_separator(gap):
        return True
    return len(gap) <= MAX_WORD_GAP and run_digits[after_index - 1] >= 2 and run_digits[after_index] >= 2


def is_staff_mobile(number: str | None, directory: Directory) -> bool:
    """Whether a dial string is (or contains) a staff mobile, however it is written."""
    mobiles, _ = _protected(directory)
    digits = digits_of(number or "")
    return any(tail in digits for tail in mobiles)


def is_safe_for_caller(text: str, directory: Directory) -> bool:
    return scrub_for_caller(text, directory) == text
