"""Messages in a real database: taking them, their lifecycle, overdue ones, the contract's JSON, the CLI."""

# ruff: noqa: F811 (pytest fixtures imported from smtp_server are parameter names here)
from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from smtp_server import smtp_server  # noqa: F401

from bot.config import PROJECT_ROOT
from bot.db.engine import open_database
from bot.org.store import replace_directory
from bot.records import messages
from bot.records.messages import MessageStatus, UnknownMessage

T0 = dt.datetime(2026, 11, 25, 2, 15, tzinfo=dt.timezone.utc)  # 10:15 in Shanghai, a Wednesday

CONTRACT_FIELDS = {"id", "for", "caller_name", "callback_number", "text", "urgent", "created_at", "status",
                   "conversation"}


def _take(session, **overrides):
    values = {"recipient": "li-na", "text": "请回电，关于十月的发票。", "caller_name": "王先生",
              "callback_number": "+86 138 0000 0000", "conversation": "call-0001", "at": T0}
    values.update(overrides)
    return messages.take_message(session, **values)


# ---------------------------------------------------------------------------------- taking


def test_a_message_is_stored_new_with_what_the_caller_said(database):
    with database.session() as session:
        taken = _take(session, caller_company="东方贸易", urgent=True)
    with database.session() as session:
        stored = messages.get_message(session, taken.id)
    assert stored == taken
    assert stored.status is MessageStatus.NEW
    assert (stored.recipient, stored.caller_name, stored.caller_company) == ("li-na", "王先生", "东方贸易")
    assert stored.callback_number == "+86 138 0000 0000"
    assert stored.urgent is True
    assert stored.created_at == T0 and stored.created_at.tzinfo is not None


@pytest.mark.parametrize("field, value, complaint", [
    ("recipient", "  ", "recipient"),
    ("text", "", "message text"),
    ("text", "\n \t", "message text"),
    ("text", "字" * 4_001, "too long"),
    ("callback_number", "call me maybe", "callback number"),
    ("callback_number", "138; DROP TABLE messages", "callback number"),
    ("callback_number", "12", "callback number"),
    ("callback_number", "86+138", "callback number"),
    ("caller_name", "名" * 201, "too long"),
])
def test_unusable_messages_are_refused_with_the_reason(database, field, value, complaint):
    with database.session() as session, pytest.raises(ValueError, match=complaint):
        _take(session, **{field: value})
    with database.session() as session:
        assert messages.list_messages(session) == []


def test_callback_numbers_are_normalised_from_what_speech_and_keyboards_produce(database):
    with database.session() as session:
        full_width = _take(session, callback_number="１３８－００００－１２３４")
        hyphens = _take(session, callback_number="021-5555-0000")
        missing = _take(session, callback_number="  ")
    assert full_width.callback_number == "138 0000 1234"
    assert hyphens.callback_number == "021 5555 0000"
    assert missing.callback_number is None


def test_a_caller_name_cannot_smuggle_extra_lines(database):
    with database.session() as session:
        taken = _take(session, caller_name="王先生\r\nBcc: someone@evil.example")
    assert "\n" not in taken.caller_name and "\r" not in taken.caller_name


# ---------------------------------------------------------------------------------- lifecycle


def test_the_lifecycle_runs_new_notified_acknowledged_closed(database):
    with database.session() as session:
        taken = _take(session)
    with database.session() as session:
        notified = messages.mark_notified(session, taken.id, at=T0 + dt.timedelta(minutes=1))
    with database.session() as session:
        acknowledged = messages.acknowledge(session, taken.id, at=T0 + dt.timedelta(minutes=5))
    with database.session() as session:
        closed = messages.close(session, taken.id, at=T0 + dt.timedelta(minutes=30))
    assert notified.status is MessageStatus.NOTIFIED and notified.send_count == 1
    assert notified.notified_at == T0 + dt.timedelta(minutes=1)
    assert acknowledged.status is MessageStatus.ACKNOWLEDGED
    assert acknowledged.acknowledged_at == T0 + dt.timedelta(minutes=5)
    assert closed.status is MessageStatus.CLOSED and closed.closed_at == T0 + dt.timedelta(minutes=30)


def test_acknowledging_or_closing_twice_changes_nothing(database):
    with database.session() as session:
        taken = _take(session)
        first_ack = messages.acknowledge(session, taken.id, at=T0)
        second_ack = messages.acknowledge(session, taken.id, at=T0 + dt.timedelta(hours=1))
        first_close = messages.close(session, taken.id, at=T0 + dt.timedelta(hours=2))
        second_close = messages.close(session, taken.id, at=T0 + dt.timedelta(hours=3))
    assert second_ack == first_ack
    assert second_close == first_close
    assert second_close.closed_at == T0 + dt.timedelta(hours=2)


def test_illegal_transitions_are_refused_and_change_nothing(database):
    with database.session() as session:
        acked = _take(session)
        messages.acknowledge(session, acked.id)
        closed = _take(session)
        messages.close(session, closed.id)
    with database.session() as session:
        with pytest.raises(ValueError, match="already acknowledged"):
            messages.mark_notified(session, acked.id)
        with pytest.raises(ValueError, match="closed: it cannot be acknowledged"):
            messages.acknowledge(session, closed.id)
        with pytest.raises(ValueError, match="already closed"):
            messages.mark_notified(session, closed.id)
        with pytest.raises(UnknownMessage, match="no message has the id 999"):
            messages.acknowledge(session, 999)
        with pytest.raises(KeyError):
            messages.close(session, 999)
    with database.session() as session:
        assert messages.get_message(session, acked.id).status is MessageStatus.ACKNOWLEDGED
        assert messages.get_message(session, acked.id).send_count == 0
        assert messages.get_message(session, closed.id).status is MessageStatus.CLOSED


def test_an_acknowledgement_made_elsewhere_is_not_undone_by_a_late_notification(database):
    """The sweep read the message as new, e-mailed it; meanwhile someone acknowledged it on the console."""
    with database.session() as session:
        taken = _take(session)
    with database.session() as sweep:
        assert [m.id for m in messages.pending_delivery(sweep)] == [taken.id]
        with database.session() as console:
            messages.acknowledge(console, taken.id)
        with pytest.raises(ValueError, match="already acknowledged"):
            messages.mark_notified(sweep, taken.id)
    with database.session() as session:
        assert messages.get_message(session, taken.id).status is MessageStatus.ACKNOWLEDGED


def test_a_second_notification_counts_a_resend(database):
    with database.session() as session:
        taken = _take(session)
        messages.mark_notified(session, taken.id, at=T0)
        again = messages.mark_notified(session, taken.id, at=T0 + dt.timedelta(hours=1))
    assert again.send_count == 2
    assert again.notified_at == T0 and again.last_sent_at == T0 + dt.timedelta(hours=1)


# ---------------------------------------------------------------------------------- reading


def test_lists_are_newest_first_and_filter_by_status_and_recipient(database):
    with database.session() as session:
        old = _take(session, at=T0)
        mid = _take(session, recipient="finance", at=T0 + dt.timedelta(minutes=10))
        new = _take(session, at=T0 + dt.timedelta(minutes=20))
        messages.acknowledge(session, mid.id)
    with database.session() as session:
        assert [m.id for m in messages.list_messages(session)] == [new.id, mid.id, old.id]
        assert [m.id for m in messages.list_messages(session, status="new")] == [new.id, old.id]
        assert [m.id for m in messages.list_messages(session, status=MessageStatus.ACKNOWLEDGED)] == [mid.id]
        assert [m.id for m in messages.list_messages(session, recipient="finance")] == [mid.id]
        assert [m.id for m in messages.list_messages(session, limit=1)] == [new.id]


def test_overdue_means_notified_and_unacknowledged_for_the_policys_minutes(demo_db, demo_directory):
    assert demo_directory.policy.message_ack_minutes == 60
    with demo_db.session() as session:
        waiting = _take(session)
        messages.mark_notified(session, waiting.id, at=T0)
        answered = _take(session)
        messages.mark_notified(session, answered.id, at=T0)
        messages.acknowledge(session, answered.id)
        _take(session)  # never sent: not overdue, just new
    with demo_db.session() as session:
        early = messages.overdue_messages(session, demo_directory, now=T0 + dt.timedelta(minutes=59))
        late = messages.overdue_messages(session, demo_directory, now=T0 + dt.timedelta(minutes=60))
    assert early == []
    assert [m.id for m in late] == [waiting.id]


def test_contract_json_has_the_contract_field_names(database):
    with database.session() as session:
        taken = _take(session, urgent=True)
    as_json = json.loads(json.dumps(taken.to_contract(), ensure_ascii=False))
    assert set(as_json) >= CONTRACT_FIELDS
    assert as_json["for"] == "li-na" and "recipient" not in as_json
    assert as_json["status"] == "new" and as_json["urgent"] is True
    assert as_json["conversation"] == "call-0001"
    assert dt.datetime.fromisoformat(as_json["created_at"]) == T0


# ---------------------------------------------------------------------------------- CLI


def _whole_cli_available() -> bool:
    """bot/cli.py imports every group; some are written by other developers at the same time."""
    return all(importlib.util.find_spec(name) is not None for name in ("bot.directory.cli", "bot.rules.cli",
                                                                         "bot.org.cli"))


_RECORDS_ONLY = (
    "import sys, bot.cli, bot.records.cli as records; "
    "bot.cli._groups = lambda: [records.register]; "
    "sys.exit(bot.cli.main(sys.argv[1:]))"
)


def run_receptionist(args: list[str], db_url: str, var: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`receptionist ARGS` as a real process against `db_url`. While the other command groups are
    still being written, the same `bot.cli.main` runs with only the records' group registered."""
    environment = {**os.environ, "RECEPTIONIST_DB": db_url, "RECEPTIONIST_VAR": str(var), **env}
    if _whole_cli_available():
        command = [str(PROJECT_ROOT / ".venv" / "bin" / "receptionist"), *args]
    else:
        command = [sys.executable, "-c", _RECORDS_ONLY, *args]
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)


def test_cli_lists_messages_as_contract_json_newest_first(sqlite_url, tmp_path):
    database = open_database(sqlite_url)
    with database.session() as session:
        first = _take(session, at=T0)
        second = _take(session, recipient="finance", text="Please call back about invoice 2026-118.",
                       caller_name="Mr. Brown", callback_number="+44 20 7946 0000", at=T0 + dt.timedelta(minutes=3))
        messages.mark_notified(session, second.id)
    database.close()

    everything = run_receptionist(["messages", "list", "--json"], sqlite_url, tmp_path)
    notified = run_receptionist(["messages", "list", "--json", "--status", "notified"], sqlite_url, tmp_path)
    table = run_receptionist(["messages", "list"], sqlite_url, tmp_path)

    assert everything.returncode == 0, everything.stderr
    listed = json.loads(everything.stdout)
    assert [m["id"] for m in listed] == [second.id, first.id]
    assert all(set(m) >= CONTRACT_FIELDS for m in listed)
    assert listed[0]["for"] == "finance" and listed[0]["callback_number"] == "+44 20 7946 0000"
    assert listed[1]["text"] == "请回电，关于十月的发票。"
    assert [m["id"] for m in json.loads(notified.stdout)] == [second.id]
    assert "Mr. Brown" in table.stdout and "王先生" in table.stdout and "for" in table.stdout.splitlines()[0]


def test_cli_acknowledges_and_closes_and_explains_what_it_cannot_do(sqlite_url, tmp_path):
    database = open_database(sqlite_url)
    with database.session() as session:
        taken = _take(session)

    acked = run_receptionist(["messages", "ack", str(taken.id)], sqlite_url, tmp_path)
    closed = run_receptionist(["messages", "close", str(taken.id)], sqlite_url, tmp_path)
    late_ack = run_receptionist(["messages", "ack", str(taken.id)], sqlite_url, tmp_path)
    missing = run_receptionist(["messages", "ack", "4242"], sqlite_url, tmp_path)

    assert acked.returncode == 0 and "acknowledged" in acked.stdout
    assert closed.returncode == 0 and "closed" in closed.stdout
    assert late_ack.returncode == 2 and "cannot be acknowledged" in late_ack.stderr
    assert missing.returncode == 2 and "no message has the id 4242" in missing.stderr
    with database.session() as session:
        assert messages.get_message(session, taken.id).status is MessageStatus.CLOSED
    database.close()


def test_cli_sweep_emails_new_messages_through_the_configured_server(sqlite_url, tmp_path, demo_directory,
                                                                     smtp_server):
    database = open_database(sqlite_url)
    with database.session() as session:
        replace_directory(session, demo_directory)
        taken = _take(session)
    database.close()

    swept = run_receptionist(["messages", "sweep"], sqlite_url, tmp_path,
                             RECEPTIONIST_SMTP_HOST=smtp_server.host, RECEPTIONIST_SMTP_PORT=str(smtp_server.port))
    listed = run_receptionist(["messages", "list", "--json"], sqlite_url, tmp_path)

    assert swept.returncode == 0, swept.stderr
    assert "delivered 1" in swept.stdout
    assert [mail.recipients for mail in smtp_server.received] == [("li.na@huaxin.example",)]
    [stored] = json.loads(listed.stdout)
    assert (stored["id"], stored["status"]) == (taken.id, "notified")
