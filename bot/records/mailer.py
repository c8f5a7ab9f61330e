"""Delivering messages by e-mail, and chasing the ones nobody acknowledges.

One sweep (`run_sweep`), run every minute or so by the service or by hand
(`receptionist messages sweep`):

    new ──e-mail to the recipient──▶ notified           (a failed send: stays new, last_error set)
    notified, unacknowledged for policy.message_ack_minutes since the last e-mail
        ──▶ re-sent (at most policy.message_max_resends times)
        ──▶ the first time: flagged to the operator (e-mail to smtp.operator_address, flagged_at set)

One sweep runs at a time across all processes on the database (the lease "message-sweep",
bot/records/leases.py), so the service's sweep and one started by hand never both send.
Delivery is at least once: e-mails go out first and the statuses are written afterwards in one
short transaction, so a crash in between sends a message twice rather than never. Who gets a
message: a person's own address; for a department, its members at manager level or above
(else every member with an address); when there is nobody, the operator. The e-mails go to
staff, so they carry the caller's callback number, but never a staff member's mobile number.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.cases.supervision import remind_overdue
from bot.config import SmtpSettings
from bot.db.engine import Database
from bot.db.tables import utcnow
from bot.org.model import Directory, Level
from bot.org.store import DirectoryCache
from bot.phone_use.requests import flag_overdue
from bot.records import leases, messages
from bot.records.messages import MessageRecord

log = logging.getLogger(__name__)

ACK_COMMAND = "receptionist messages ack {id}"


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int = 0
    """New messages e-mailed for the first time."""
    resent: int = 0
    """Reminders e-mailed for overdue messages."""
    flagged: int = 0
    """Overdue messages flagged to the operator."""
    failed: int = 0
    """Sends that failed; those messages are retried at the next sweep."""
    errors: tuple[str, ...] = field(default=())
    skipped: bool = False
    """Another sweep was running (in this or another process): this one did nothing."""

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            self.delivered + other.delivered, self.resent + other.resent, self.flagged + other.flagged,
            self.failed + other.failed, self.errors + other.errors, self.skipped and other.skipped,
        )

    def summary(self) -> str:
        if self.skipped:
            return "skipped: another sweep is running (lease message-sweep)"
        text = f"delivered {self.delivered}, re-sent {self.resent}, flagged {self.flagged}, failed {self.failed}"
        return text + "".join(f"\n  {error}" for error in self.errors)


class DeliveryFailed(Exception):
    """One e-mail could not be sent; the text says why."""


# ---------------------------------------------------------------------------------- sweeps


def deliver_new(session: Session, directory: Directory, smtp: SmtpSettings,
                now: dt.datetime | None = None) -> DeliveryReport:
    """E-mail every new message to its recipients and mark it notified.

    Each one is marked (and committed) right after its e-mail is accepted, before the next is
    sent: a sweep that dies half-way sends again only the one in flight, and that one with the
    same Message-ID (`delivery_id`), so the mail system and the reader can tell it is a repeat."""
    moment = _aware(now)
    report = DeliveryReport()
    with Outbox(smtp) as outbox:
        for message in messages.pending_delivery(session):
            error = _try_send(outbox, message_mail(message, directory, smtp, moment))
            if error is None:
                _mark_sent(session, message.id, moment)
                report += DeliveryReport(delivered=1)
            else:
                messages.record_failure(session, message.id, error)
                report += DeliveryReport(failed=1, errors=(f"message {message.id}: {error}",))
            session.commit()
    return report


def resend_overdue(session: Session, directory: Directory, smtp: SmtpSettings,
                   now: dt.datetime | None = None) -> DeliveryReport:
    """Re-send overdue messages (within the policy's limit) and flag them to the operator once."""
    moment = _aware(now)
    policy = directory.policy
    report = DeliveryReport()
    with Outbox(smtp) as outbox:
        for message in messages.awaiting_acknowledgement(session):
            overdue = message.is_overdue(policy, moment)
            if message.flagged_at is None and (overdue or message.send_count > 1):
                report += _flag_to_operator(session, outbox, message, directory, smtp, moment)
            if overdue and message.send_count <= policy.message_max_resends:
                report += _resend(session, outbox, message, directory, smtp, moment)
    return report


SWEEP_LEASE = "message-sweep"
SWEEP_LEASE_S = 600.0
"""Longer than any sweep (SMTP time-outs included); a sweeper that dies holds it no longer than this."""
_HOLDER = leases.new_holder()


def run_sweep(database: Database, directory_cache: DirectoryCache, smtp: SmtpSettings,
              now: dt.datetime | None = None, holder: str = _HOLDER) -> DeliveryReport:
    """One pass: remind departments of overdue hotline cases (as messages), deliver the new messages,
    then chase the overdue ones (three short transactions).

    Only one sweep runs at a time across every process on the database (the lease "message-sweep"):
    two at once would both send the same new message. A sweep that finds the lease taken does nothing
    (`DeliveryReport.skipped`); the one running covers the same messages."""
    if not leases.claim(database, SWEEP_LEASE, holder, SWEEP_LEASE_S, now):
        return DeliveryReport(skipped=True)
    try:
        directory = directory_cache.current()
        with database.session() as session:
            remind_overdue(session, directory, now)  # 督办: overdue cases become messages for their departments
        with database.session() as session:
            flag_overdue(session, directory, now)  # phone use: urgent calls undecided for 3 days, told to the head
        with database.session() as session:
            report = deliver_new(session, directory, smtp, now)
        with database.session() as session:
            return report + resend_overdue(session, directory, smtp, now)
    finally:
        leases.release(database, SWEEP_LEASE, holder)


def sweep_forever(database: Database, cache: DirectoryCache, smtp: SmtpSettings, interval_s: float,
                  stop_event: threading.Event,
                  on_report: Callable[[DeliveryReport], None] | None = None) -> None:
    """Sweep every `interval_s` seconds until `stop_event` is set. A failing sweep is logged and
    retried at the next interval: the loop itself never dies (the service runs it in a thread)."""
    while not stop_event.is_set():
        try:
            report = run_sweep(database, cache, smtp)
        except Exception:
            log.exception("message sweep failed; trying again in %s s", interval_s)
        else:
            if on_report is not None:
                on_report(report)
            elif report.failed:
                log.warning("message sweep: %s", report.summary())
        stop_event.wait(interval_s)


def _resend(session: Session, outbox: Outbox, message: MessageRecord, directory: Directory,
            smtp: SmtpSettings, moment: dt.datetime) -> DeliveryReport:
    error = _try_send(outbox, message_mail(message, directory, smtp, moment, reminder=True))
    if error is not None:
        messages.record_failure(session, message.id, error)
        session.commit()
        return DeliveryReport(failed=1, errors=(f"message {message.id} (reminder): {error}",))
    _mark_sent(session, message.id, moment)
    session.commit()  # before the next e-mail (see deliver_new)
    return DeliveryReport(resent=1)


def _flag_to_operator(session: Session, outbox: Outbox, message: MessageRecord, directory: Directory,
                      smtp: SmtpSettings, moment: dt.datetime) -> DeliveryReport:
    """Tell the operator by e-mail when there is an operator mailbox; the console shows flagged ones anyway."""
    if smtp.operator_address:
        error = _try_send(outbox, operator_flag_mail(message, directory, smtp, moment))
        if error is not None:
            messages.record_failure(session, message.id, f"flagging to the operator: {error}")
            return DeliveryReport(failed=1, errors=(f"message {message.id} (operator flag): {error}",))
    messages.mark_flagged(session, message.id, moment)
    session.commit()
    return DeliveryReport(flagged=1)


def _mark_sent(session: Session, message_id: int, moment: dt.datetime) -> None:
    # Acknowledged or closed while the e-mail was on its way: that stands, and mark_notified says no.
    with suppress(ValueError):
        messages.mark_notified(session, message_id, moment)


def _try_send(outbox: Outbox, mail: EmailMessage | None) -> str | None:
    """None when sent, else why not."""
    if mail is None:
        return "nobody to deliver it to: no e-mail address on file and no operator address configured"
    try:
        outbox.send(mail)
    except DeliveryFailed as exc:
        return str(exc)
    return None


# ---------------------------------------------------------------------------------- addresses


def recipient_addresses(directory: Directory, recipient: str) -> tuple[str, ...]:
    """A person's own address; a department's managers and above, else all its members with one."""
    person = directory.person(recipient)
    if person is not None:
        return (person.email,) if person.email else ()
    if directory.department(recipient) is None:
        return ()
    with_mail = [p for p in directory.members(recipient) if p.email]
    senior = [p for p in with_mail if p.level.rank >= Level.MANAGER.rank]
    return tuple(dict.fromkeys(p.email for p in (senior or with_mail) if p.email))


def recipient_label(directory: Directory, recipient: str) -> str:
    """The recipient's name in Chinese and English, e.g. `李娜 (Nina Li)`; the id when unknown."""
    found = directory.person(recipient) or directory.department(recipient)
    if found is None:
        return recipient
    return f"{found.name} ({found.name_en})" if found.name_en else found.name


# ---------------------------------------------------------------------------------- composing


def message_mail(message: MessageRecord, directory: Directory, smtp: SmtpSettings, now: dt.datetime,
                 reminder: bool = False) -> EmailMessage | None:
    """The e-mail that delivers `message` (None when there is nobody to send it to)."""
    to = recipient_addresses(directory, message.recipient)
    note = ""
    if not to and smtp.operator_address:
        to = (smtp.operator_address,)
        note = ("收件人没有登记电子邮箱，此留言转给总机。\n"
                "Nobody for this recipient has an e-mail address on file; it was sent to the operator.\n\n")
    if not to:
        return None
    label = recipient_label(directory, message.recipient)
    prefix = "再次提醒 / Reminder: " if reminder else ""
    subject = f"[Front Desk] {prefix}留言 / Message for {label}: {_caller(message)}{_urgent_mark(message)}"
    intro = (f"您有一条留言，已发出 {message.send_count} 次仍未确认。\n"
             f"A message for you, sent {message.send_count} time(s), is not acknowledged yet.\n\n") if reminder else (
             f"{label}：您有一条新留言。\nA caller left a message for {label}.\n\n")
    body = note + intro + _details(message, directory, label) + _how_to_acknowledge(message)
    return _mail(smtp, to, subject, body, now, delivery_id(message, smtp, message.send_count + 1))


def operator_flag_mail(message: MessageRecord, directory: Directory, smtp: SmtpSettings,
                       now: dt.datetime) -> EmailMessage | None:
    """The e-mail that tells the operator a message is not acknowledged in time."""
    if not smtp.operator_address:
        return None
    label = recipient_label(directory, message.recipient)
    minutes = directory.policy.message_ack_minutes
    subject = f"[Front Desk] 无人确认 / Unacknowledged: 留言 / Message for {label}: {_caller(message)}{_urgent_mark(message)}"
    intro = (f"这条留言在 {minutes} 分钟内无人确认，请跟进。\n"
             f"Nobody acknowledged this message within {minutes} minutes; please follow it up.\n"
             f"已发送 / Sent: {message.send_count} 次 / time(s)\n\n")
    body = intro + _details(message, directory, label) + _how_to_acknowledge(message)
    return _mail(smtp, (smtp.operator_address,), subject, body, now, delivery_id(message, smtp, "flag"))


def _details(message: MessageRecord, directory: Directory, label: str) -> str:
    zone = _zone(directory)
    rows = [
        ("收件人 / For", label),
        ("来电人 / Caller", message.caller_name or "未留姓名 / no name given"),
        ("公司 / Company", message.caller_company or "-"),
        ("回电号码 / Call back", message.callback_number or "未留 / none given"),
        ("时间 / When", f"{message.created_at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"),
        ("紧急 / Urgent", "是 / yes" if message.urgent else "否 / no"),
    ]
    lines = [f"{name}: {value}" for name, value in rows]
    text = "\n".join("  " + line for line in message.text.splitlines())
    return "\n".join(lines) + f"\n\n留言内容 / Message:\n{text}\n\n"


def _how_to_acknowledge(message: MessageRecord) -> str:
    return (f"会话 / Conversation: {message.conversation or '-'}\n"
            f"留言编号 / Message id: {message.id}\n"
            f"确认收到请运行 / To acknowledge, run: {ACK_COMMAND.format(id=message.id)}\n")


def delivery_id(message: MessageRecord, smtp: SmtpSettings, delivery: int | str) -> str:
    """The Message-ID of one delivery of a message: the same however often that delivery is tried
    ("<frontdesk.message.42.1.2026112502@huaxin.example>": message 42, first e-mail), so a repeat
    after a crash is recognisable; a reminder is the next delivery and has its own."""
    created = _aware(message.created_at).astimezone(dt.timezone.utc)
    return f"<frontdesk.message.{message.id}.{delivery}.{created:%Y%m%d%H%M%S}@{_domain(smtp.sender)}>"


def _mail(smtp: SmtpSettings, to: tuple[str, ...], subject: str, body: str, now: dt.datetime,
          message_id: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = smtp.sender
    mail["To"] = ", ".join(to)
    mail["Subject"] = subject
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = message_id
    mail.set_content(body)
    return mail


def _caller(message: MessageRecord) -> str:
    name = message.caller_name or "未留姓名 / no name"
    if message.caller_company:
        name = f"{name}, {message.caller_company}"
    # Untrusted text in a header: one line, and short.
    name = " ".join(name.split())
    return name if len(name) <= 60 else name[:59] + "…"


def _urgent_mark(message: MessageRecord) -> str:
    return " (紧急 / urgent)" if message.urgent else ""


def _zone(directory: Directory) -> ZoneInfo:
    try:
        return ZoneInfo(directory.organization.timezone)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


def _aware(moment: dt.datetime | None) -> dt.datetime:
    if moment is None:
        return utcnow()
    if moment.tzinfo is None:
        raise ValueError("times must carry a time zone")
    return moment.astimezone(dt.timezone.utc)


# ---------------------------------------------------------------------------------- SMTP


class Outbox:
    """One SMTP connection for a whole sweep, opened on the first e-mail.

    When the server cannot be reached (or refuses the login), every further send in the same
    sweep fails at once with the same reason instead of waiting for the time-out again.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._connection: smtplib.SMTP | None = None
        self._down: str | None = None

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def send(self, mail: EmailMessage) -> None:
        if self._down is not None:
            raise DeliveryFailed(self._down)
        with self._connection_errors():
            refused = self._connect().send_message(mail)
        if refused:
            log.warning("some recipients refused for %s: %s", mail["Subject"], sorted(refused))

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (smtplib.SMTPException, OSError):
                self._connection.close()
            self._connection = None

    def _connect(self) -> smtplib.SMTP:
        if self._connection is None:
            s = self._settings
            connection = smtplib.SMTP(s.host, s.port, local_hostname=_domain(s.sender), timeout=s.timeout_s)
            try:
                if s.starttls:
                    connection.starttls(context=ssl.create_default_context())
                if s.username:
                    connection.login(s.username, s.password)
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    @contextmanager
    def _connection_errors(self) -> Iterator[None]:
        s = self._settings
        try:
            yield
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise DeliveryFailed(f"the SMTP server {s.host}:{s.port} refused the e-mail: {_smtp_reason(exc)}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            self._down = f"cannot send through the SMTP server {s.host}:{s.port}: {_smtp_reason(exc)}"
            raise DeliveryFailed(self._down) from exc

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _smtp_reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{addr}: {code} {_decode(msg)}" for addr, (code, msg) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_decode(exc.smtp_error)}"
    return str(exc) or type(exc).__name__


def _decode(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
