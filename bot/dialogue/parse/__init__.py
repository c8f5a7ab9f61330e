"""Reading the caller's answers: a name, a company, a number, yes or no, a choice, a score.

What arrives is a speech recogniser's output or a typed chat line, in Chinese or English:
no punctuation, digits as words ("一三九…", "five five five"), homophones, fillers. Each
function here takes that text (and, where the NLU found them, its entities), returns a plain
value or None when the text does not say it, and never raises, whatever the input.

None means "the caller did not say": the dialogue engine then asks again or offers the
operator. These functions guess only where a front-desk clerk would not hesitate either.
"""

from bot.dialogue.parse.answers import clean_matter, is_not_urgent, is_urgent, yes_no
from bot.dialogue.parse.identity import caller_identity, caller_name, company
from bot.dialogue.parse.numbers import (
    format_number_for_readback,
    ordinal_choice,
    phone_number,
    satisfaction_score,
    wants_same_number,
)
from bot.dialogue.parse.text import MAX_MATTER_CHARS, MAX_TEXT_CHARS, Identity
from bot.dialogue.parse.times import clock_time

__all__ = [
    "MAX_MATTER_CHARS", "MAX_TEXT_CHARS", "Identity", "caller_identity", "caller_name", "clean_matter", "clock_time", "company",
    "format_number_for_readback", "is_not_urgent", "is_urgent", "ordinal_choice", "phone_number", "satisfaction_score",
    "wants_same_number", "yes_no",
]
