"""督办: overdue cases reminded to their departments, inside the message sweep (bot/records/mailer.py).

`remind_overdue` marks each case past its deadline (once a day each, `bot.cases.cases.supervise`) and
files an urgent message for its department, which the same sweep then e-mails and chases until it is
acknowledged, like any message: one delivery path, one lease, nothing sent twice.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.cases import cases
from bot.org.model import Directory
from bot.records import messages


def remind_overdue(session: Session, directory: Directory, now: dt.datetime | None = None) -> list[str]:
    """Remind the departments of their overdue cases; the numbers reminded."""
    zone = ZoneInfo(directory.organization.timezone)
    reminded = []
    for case in cases.supervise(session, now=now):
        department = directory.department(case.department or "")
        recipient = department.id if department else directory.policy.general_mailbox or "operator"
        due = case.deadline_at.astimezone(zone) if case.deadline_at else None
        text = (f"督办：工单 {case.number} 已超过办理期限（{due:%Y-%m-%d %H:%M}），第 {case.reminders} 次提醒，"
                f"请尽快办理并答复（receptionist cases reply {case.number} …）。诉求：{case.text}\n"
                f"Overdue: case {case.number} was due {due:%Y-%m-%d %H:%M}; reminder {case.reminders}. "
                "Please handle it and reply.") if due else f"督办：工单 {case.number}：{case.text}"
        messages.take_message(session, recipient, text, caller_name=case.caller_name,
                              callback_number=case.callback_number, urgent=True,
                              conversation=f"case-{case.number}", at=now)
        reminded.append(case.number)
    return reminded
