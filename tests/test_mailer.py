"""Delivering messages through a real SMTP server (aiosmtpd on localhost) from a real database."""

# ruff: noqa: F811 (pytest fixtures imported from smtp_server are parameter names here)
from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest
from smtp_server import SmtpServer, down_smtp, self_signed_certificate, smtp_server  # noqa: F401

from bot.org.model import Level
from bot.org.store import DirectoryCache
from bot.records import mailer, messages
from bot.records.messages import MessageStatus

T0 = dt.datetime(2026, 11, 25, 2, 15, tzinfo=dt.timezone.utc)  # 10:15 in Shanghai
OPERATOR = "operator@huaxin.example"


def _minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


def _take(db, **overrides):
    values = {"recipient": "li-na", "text": "请回电，关于十月的发票 INV-2026-118。", "caller_name": "王先生",
              "caller_company": "东方贸易", "callback_number": "+86 138 0000 5678", "conversation": "call-0042",
              "at": T0}
    values.update(overrides)
    with db.session() as session:
        return messages.take_message(session, **values)


def _status(db, message_id):
    with db.session() as session:
        return messages.get_message(session, message_id)


def _deliver(db, directory, smtp, now=T0):
    with db.session() as session:
        return mailer.deliver_new(session, directory, smtp, now=now)


def _chase(db, directory, smtp, now):
    with db.session() as session:
        return mailer.resend_overdue(session, directory, smtp, now=now)


def _staff_mobiles(directory) -> list[str]:
    """Every staff mobile, as written and with the spaces removed."""
    numbers = [p.mobile for p in directory.people if p.mobile]
    return numbers + [n.replace(" ", "") for n in numbers]


def _assert_no_staff_mobile(mails, directory):
    for mail in mails:
        seen = mail.text + mail.raw.decode("utf-8", "replace")
        leaked = [n for n in _staff_mobiles(directory) if n in seen]
        assert not leaked, f"staff mobile numbers in an e-mail: {leaked}"


# ---------------------------------------------------------------------------------- first delivery


def test_a_new_message_is_emailed_to_the_person_and_marked_notified(demo_db, demo_directory, smtp_server):
    taken = _take(demo_db, urgent=True)

    report = _deliver(demo_db, demo_directory, smtp_server.settings(), now=_minutes(1))

    assert (report.delivered, report.failed) == (1, 0)
    [mail] = smtp_server.received
    assert mail.recipients == ("li.na@huaxin.example",)
    assert mail.mail_from == "front-desk@huaxin.example"
    assert mail.subject == "[Front Desk] 留言 / Message for 李娜 (Nina Li): 王先生, 东方贸易 (紧急 / urgent)"
    for expected in ("+86 138 0000 5678", "请回电，关于十月的发票 INV-2026-118。", "王先生", "东方贸易",
                     "call-0042", f"receptionist messages ack {taken.id}", "2026-11-25 10:15 (Asia/Shanghai)"):
        assert expected in mail.body
    stored = _status(demo_db, taken.id)
    assert stored.status is MessageStatus.NOTIFIED
    assert (stored.send_count, stored.notified_at, stored.last_sent_at) == (1, _minutes(1), _minutes(1))
    assert _deliver(demo_db, demo_directory, smtp_server.settings()).delivered == 0
    assert len(smtp_server.received) == 1


def test_a_department_message_goes_to_its_managers(demo_db, demo_directory, smtp_server):
    _take(demo_db, recipient="sales", urgent=False)

    _deliver(demo_db, demo_directory, smtp_server.settings())

    [mail] = smtp_server.received
    assert set(mail.recipients) == {"yang.guang@huaxin.example", "xu.ming@huaxin.example"}
    assert mail.subject == "[Front Desk] 留言 / Message for 销售部 (Sales): 王先生, 东方贸易"


def test_a_department_without_managers_reaches_every_member_with_an_address(demo_db, demo_directory,
                                                                            smtp_server):
    flat = dataclasses.replace(demo_directory, people=tuple(
        dataclasses.replace(p, level=Level.STAFF) if p.department == "marketing" else p
        for p in demo_directory.people))
    _take(demo_db, recipient="marketing")

    _deliver(demo_db, flat, smtp_server.settings())

    [mail] = smtp_server.received
    assert set(mail.recipients) == {"song.yu@huaxin.example", "han.mei@huaxin.example", "cao.yi@huaxin.example"}


def test_nobody_to_write_to_means_the_operator_or_an_error(demo_db, demo_directory, smtp_server):
    no_mail = dataclasses.replace(demo_directory, people=tuple(
        dataclasses.replace(p, email=None) if p.id == "li-na" else p for p in demo_directory.people))
    taken = _take(demo_db)

    without_operator = _deliver(demo_db, no_mail, smtp_server.settings())
    assert without_operator.failed == 1 and smtp_server.received == []
    assert _status(demo_db, taken.id).status is MessageStatus.NEW
    assert "no e-mail address" in _status(demo_db, taken.id).last_error

    with_operator = _deliver(demo_db, no_mail, smtp_server.settings(operator_address=OPERATOR))
    assert with_operator.delivered == 1
    [mail] = smtp_server.received
    assert mail.recipients == (OPERATOR,)
    assert "sent to the operator" in mail.body
    assert _status(demo_db, taken.id).status is MessageStatus.NOTIFIED


def test_no_staff_mobile_number_is_in_any_email(demo_db, demo_directory, smtp_server):
    smtp = smtp_server.settings(operator_address=OPERATOR)
    for recipient in ["zhang-jianhua", "li-na", "finance", "management", "support", "no-such-person"]:
        _take(demo_db, recipient=recipient, caller_name="张先生", text="有急事，请尽快回电。", urgent=True)

    _deliver(demo_db, demo_directory, smtp, now=T0)
    _chase(demo_db, demo_directory, smtp, now=_minutes(61))

    kinds = {mail.subject.split(":")[0] for mail in smtp_server.received}
    assert kinds == {"[Front Desk] 留言 / Message for 张建华 (Jianhua Zhang)", "[Front Desk] 留言 / Message for 李娜 (Nina Li)",
                     "[Front Desk] 留言 / Message for 财务部 (Finance)",
                     "[Front Desk] 留言 / Message for 总经理办公室 (General Manager's Office)",
                     "[Front Desk] 留言 / Message for 客户服务部 (Customer Service)",
                     "[Front Desk] 留言 / Message for no-such-person",
                     "[Front Desk] 再次提醒 / Reminder", "[Front Desk] 无人确认 / Unacknowledged"}
    assert len(smtp_server.received) == 18  # 6 first deliveries, 6 reminders, 6 operator flags
    _assert_no_staff_mobile(smtp_server.received, demo_directory)


def test_untrusted_caller_text_cannot_add_recipients(demo_db, demo_directory, smtp_server):
    _take(demo_db, caller_name="王先生\r\nBcc: thief@evil.example", text="hi\r\nBcc: thief@evil.example\r\n.\r\n")

    _deliver(demo_db, demo_directory, smtp_server.settings())

    [mail] = smtp_server.received
    assert mail.recipients == ("li.na@huaxin.example",)
    assert mail.message["Bcc"] is None


# ---------------------------------------------------------------------------------- failures


def test_a_server_that_is_down_leaves_messages_new_and_a_later_sweep_delivers_them(
        demo_db, demo_directory, down_smtp, smtp_server):
    first, second = _take(demo_db), _take(demo_db, recipient="finance")

    failed = _deliver(demo_db, demo_directory, down_smtp)

    assert (failed.delivered, failed.failed) == (0, 2)
    for message_id in (first.id, second.id):
        stored = _status(demo_db, message_id)
        assert stored.status is MessageStatus.NEW and stored.send_count == 0
        assert f"127.0.0.1:{down_smtp.port}" in stored.last_error

    recovered = _deliver(demo_db, demo_directory, smtp_server.settings())

    assert (recovered.delivered, recovered.failed) == (2, 0)
    assert [m.recipients for m in smtp_server.received] == [("li.na@huaxin.example",), ("liu.fang@huaxin.example",)]
    for message_id in (first.id, second.id):
        stored = _status(demo_db, message_id)
        assert stored.status is MessageStatus.NOTIFIED and stored.last_error is None


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_login_is_used_when_configured_and_a_wrong_one_is_reported(demo_db, demo_directory):
    server = SmtpServer(users={"frontdesk": "s3cret"}).start()
    try:
        taken = _take(demo_db)
        refused = _deliver(demo_db, demo_directory, server.settings(username="frontdesk", password="wrong"))
        assert refused.failed == 1 and server.received == []
        assert "535" in _status(demo_db, taken.id).last_error

        accepted = _deliver(demo_db, demo_directory, server.settings(username="frontdesk", password="s3cret"))
        assert accepted.delivered == 1 and len(server.received) == 1
    finally:
        server.stop()


def test_starttls_is_used_when_configured(demo_db, demo_directory, tmp_path, monkeypatch):
    import ssl

    cert, key = self_signed_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts this test certificate, nothing else changes
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    server = SmtpServer(users={"frontdesk": "s3cret"}, tls=tls).start()
    try:
        taken = _take(demo_db)
        plain = _deliver(demo_db, demo_directory, server.settings(starttls=False))
        assert plain.failed == 1 and server.received == []

        secure = _deliver(demo_db, demo_directory,
                          server.settings(starttls=True, username="frontdesk", password="s3cret"))
        assert secure.delivered == 1 and len(server.received) == 1
        assert _status(demo_db, taken.id).status is MessageStatus.NOTIFIED
    finally:
        server.stop()


# ---------------------------------------------------------------------------------- overdue


def test_an_unacknowledged_message_is_resent_and_flagged_to_the_operator_once(demo_db, demo_directory,
                                                                              smtp_server):
    smtp = smtp_server.settings(operator_address=OPERATOR)
    taken = _take(demo_db)
    _deliver(demo_db, demo_directory, smtp, now=T0)

    not_yet = _chase(demo_db, demo_directory, smtp, now=_minutes(59))
    assert (not_yet.resent, not_yet.flagged) == (0, 0) and len(smtp_server.received) == 1

    overdue = _chase(demo_db, demo_directory, smtp, now=_minutes(60))
    assert (overdue.resent, overdue.flagged) == (1, 1)
    flag, reminder = smtp_server.received[1:]
    assert flag.recipients == (OPERATOR,)
    assert flag.subject.startswith("[Front Desk] 无人确认 / Unacknowledged: 留言 / Message for 李娜 (Nina Li)")
    assert "+86 138 0000 5678" in flag.body and "60 分钟" in flag.body
    assert reminder.recipients == ("li.na@huaxin.example",)
    assert reminder.subject.startswith("[Front Desk] 再次提醒 / Reminder: 留言 / Message for 李娜")
    stored = _status(demo_db, taken.id)
    assert (stored.send_count, stored.last_sent_at, stored.flagged_at) == (2, _minutes(60), _minutes(60))

    soon_after = _chase(demo_db, demo_directory, smtp, now=_minutes(61))
    assert (soon_after.resent, soon_after.flagged) == (0, 0)

    next_hour = _chase(demo_db, demo_directory, smtp, now=_minutes(120))
    assert (next_hour.resent, next_hour.flagged) == (1, 0)
    assert [m.recipients for m in smtp_server.received[3:]] == [("li.na@huaxin.example",)]


def test_resends_stop_at_the_policy_limit(demo_db, demo_directory, smtp_server):
    assert demo_directory.policy.message_max_resends == 3
    taken = _take(demo_db)
    _deliver(demo_db, demo_directory, smtp_server.settings(), now=T0)

    resent = [_chase(demo_db, demo_directory, smtp_server.settings(), now=_minutes(60 * hour)).resent
              for hour in range(1, 7)]

    assert resent == [1, 1, 1, 0, 0, 0]
    assert _status(demo_db, taken.id).send_count == 4
    assert len(smtp_server.received) == 4


def test_without_an_operator_mailbox_the_message_is_still_flagged_for_the_console(demo_db, demo_directory,
                                                                                 smtp_server):
    taken = _take(demo_db)
    _deliver(demo_db, demo_directory, smtp_server.settings(), now=T0)

    report = _chase(demo_db, demo_directory, smtp_server.settings(), now=_minutes(90))

    assert report.flagged == 1
    assert _status(demo_db, taken.id).flagged_at == _minutes(90)
    assert all(mail.recipients == ("li.na@huaxin.example",) for mail in smtp_server.received)


def test_acknowledged_messages_are_never_chased(demo_db, demo_directory, smtp_server):
    smtp = smtp_server.settings(operator_address=OPERATOR)
    taken = _take(demo_db)
    _deliver(demo_db, demo_directory, smtp, now=T0)
    with demo_db.session() as session:
        messages.acknowledge(session, taken.id, at=_minutes(30))

    report = _chase(demo_db, demo_directory, smtp, now=_minutes(600))

    assert (report.resent, report.flagged) == (0, 0)
    assert len(smtp_server.received) == 1
    assert _status(demo_db, taken.id).flagged_at is None


def test_a_failed_operator_flag_is_retried_at_the_next_sweep(demo_db, demo_directory, down_smtp,
                                                             smtp_server):
    taken = _take(demo_db)
    _deliver(demo_db, demo_directory, smtp_server.settings(), now=T0)

    failed = _chase(demo_db, demo_directory, dataclasses.replace(down_smtp, operator_address=OPERATOR),
                    now=_minutes(60))
    assert failed.flagged == 0 and failed.failed == 2
    assert _status(demo_db, taken.id).flagged_at is None and _status(demo_db, taken.id).send_count == 1

    retried = _chase(demo_db, demo_directory, smtp_server.settings(operator_address=OPERATOR), now=_minutes(62))
    assert (retried.flagged, retried.resent) == (1, 1)
    assert _status(demo_db, taken.id).flagged_at == _minutes(62)


# ---------------------------------------------------------------------------------- the service loop


def test_run_sweep_delivers_and_chases_with_the_stored_organisation(demo_db, demo_directory,
                                                                    smtp_server):
    cache = DirectoryCache(demo_db)
    smtp = smtp_server.settings(operator_address=OPERATOR)
    stale = _take(demo_db, recipient="finance")
    with demo_db.session() as session:
        messages.mark_notified(session, stale.id, at=T0)
    fresh = _take(demo_db, at=_minutes(100))

    report = mailer.run_sweep(demo_db, cache, smtp, now=_minutes(101))

    assert (report.delivered, report.resent, report.flagged, report.failed) == (1, 1, 1, 0)
    assert _status(demo_db, fresh.id).status is MessageStatus.NOTIFIED
    assert _status(demo_db, stale.id).send_count == 2


def test_sweep_forever_keeps_delivering_until_stopped(demo_db, smtp_server):
    cache = DirectoryCache(demo_db)
    stop = threading.Event()
    reports: list[mailer.DeliveryReport] = []
    worker = threading.Thread(target=mailer.sweep_forever,
                              args=(demo_db, cache, smtp_server.settings(), 0.05, stop, reports.append))
    worker.start()
    try:
        taken = _take(demo_db, at=None)
        deadline = dt.datetime.now() + dt.timedelta(seconds=20)
        while _status(demo_db, taken.id).status is not MessageStatus.NOTIFIED and dt.datetime.now() < deadline:
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
    assert _status(demo_db, taken.id).status is MessageStatus.NOTIFIED
    assert sum(r.delivered for r in reports) == 1 and len(smtp_server.received) == 1


@pytest.mark.parametrize("bad_now", [dt.datetime(2026, 11, 25, 10, 15)])
def test_naive_times_are_refused(demo_db, demo_directory, smtp_server, bad_now):
    with pytest.raises(ValueError, match="time zone"):
        _deliver(demo_db, demo_directory, smtp_server.settings(), now=bad_now)


# ---------------------------------------------------------------------------------- one sweep at a time


def test_a_sweep_while_another_holds_the_lease_sends_nothing_and_says_so(demo_db, smtp_server):
    from bot.records import leases

    cache = DirectoryCache(demo_db)
    taken = _take(demo_db, at=None)
    assert leases.claim(demo_db, mailer.SWEEP_LEASE, "the-other-process", 600)

    skipped = mailer.run_sweep(demo_db, cache, smtp_server.settings())

    assert skipped.skipped and "another sweep" in skipped.summary()
    assert smtp_server.received == [] and _status(demo_db, taken.id).status is MessageStatus.NEW
    leases.release(demo_db, mailer.SWEEP_LEASE, "the-other-process")
    assert mailer.run_sweep(demo_db, cache, smtp_server.settings()).delivered == 1
    assert len(smtp_server.received) == 1


def test_a_lease_whose_holder_died_expires(demo_db):
    from bot.records import leases

    now = dt.datetime.now(dt.timezone.utc)
    assert leases.claim(demo_db, "job", "a", 60, now=now)
    assert leases.claim(demo_db, "job", "a", 60, now=now + dt.timedelta(seconds=30)), "the holder renews it"
    assert not leases.claim(demo_db, "job", "b", 60, now=now + dt.timedelta(seconds=60))
    assert leases.claim(demo_db, "job", "b", 60, now=now + dt.timedelta(seconds=91)), "expired: b takes it"
    assert not leases.claim(demo_db, "job", "a", 60, now=now + dt.timedelta(seconds=92))


def test_two_sweepers_at_once_email_each_message_exactly_once(demo_db, smtp_server):
    """The service's sweep and `receptionist messages sweep --watch` started by hand, on one database."""
    cache = DirectoryCache(demo_db)
    for n in range(12):
        _take(demo_db, at=None, conversation=f"call-{n}")
    start = threading.Barrier(2)
    reports: list[mailer.DeliveryReport] = []

    def sweeper(holder: str) -> None:
        start.wait()
        reports.append(mailer.run_sweep(demo_db, cache, smtp_server.settings(), holder=holder))

    threads = [threading.Thread(target=sweeper, args=(name,)) for name in ("service", "by-hand")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sum(r.delivered for r in reports) == 12
    assert len(smtp_server.received) == 12, "a message was e-mailed twice"


# ---------------------------------------------------------------------------------- a sweep that dies


class _SweepDied(RuntimeError):
    pass


def test_a_sweep_that_dies_after_sending_keeps_what_it_sent_marked(demo_db, demo_directory, smtp_server):
    """Each e-mail is marked and committed before the next is sent: a sweep that dies afterwards
    (here: its transaction is never committed) does not send them all again."""
    first, second = _take(demo_db), _take(demo_db, recipient="finance")
    with pytest.raises(_SweepDied), demo_db.session() as session:
        assert mailer.deliver_new(session, demo_directory, smtp_server.settings(), now=T0).delivered == 2
        raise _SweepDied
    assert [_status(demo_db, m.id).status for m in (first, second)] == [MessageStatus.NOTIFIED] * 2
    assert _deliver(demo_db, demo_directory, smtp_server.settings()).delivered == 0
    assert len(smtp_server.received) == 2


def test_one_delivery_keeps_its_message_id_however_often_it_is_tried(demo_db, demo_directory, down_smtp,
                                                                   smtp_server):
    taken = _take(demo_db)
    with demo_db.session() as session:
        message = messages.get_message(session, taken.id)
    first_try = mailer.message_mail(message, demo_directory, smtp_server.settings(), T0)
    _deliver(demo_db, demo_directory, down_smtp)  # refused: the message stays new
    _deliver(demo_db, demo_directory, smtp_server.settings(), now=_minutes(5))
    [mail] = smtp_server.received
    assert mail.message["Message-ID"] == first_try["Message-ID"] == mailer.delivery_id(message, smtp_server.settings(), 1)
    with demo_db.session() as session:
        reminder = mailer.message_mail(messages.get_message(session, taken.id), demo_directory,
                                       smtp_server.settings(), _minutes(60), reminder=True)
    assert reminder["Message-ID"] != mail.message["Message-ID"]  # the next delivery is a new e-mail
