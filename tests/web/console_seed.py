"""A console's world for the tests: three users, calls with transcripts (one in progress, one
with a recording, one with a hostile caller name), messages in every state, today's visitors."""

from __future__ import annotations

import datetime as dt
import math
import struct
import wave
from dataclasses import dataclass
from pathlib import Path

from bot.db.engine import Database
from bot.db.tables import MessageRow
from bot.org.model import Directory
from bot.org.store import replace_directory
from bot.records import calls, messages, visits
from bot.web import auth

PASSWORDS = {"ada": "ada-admin-pass-1", "sam": "sam-supervisor-1", "oscar": "oscar-operator-1"}
ROLES = {"ada": "admin", "sam": "supervisor", "oscar": "operator"}
HOSTILE_NAME = '<script>alert("x")</script>王'
RECORDED = "call-recorded"
LIVE = "call-live"
HOSTILE = "call-hostile"
WAV_SECONDS = 2.0


@dataclass(frozen=True)
class Seeded:
    now: dt.datetime
    recording: Path
    overdue_message: int
    new_message: int
    waiting_visit: int


def write_wav(path: Path, seconds: float = WAV_SECONDS, rate: int = 16_000) -> Path:
    """A 440 Hz tone, 16-bit mono: a real file the browser can decode and play."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
                      for n in range(int(seconds * rate)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


def seed(database: Database, directory: Directory, recordings: Path,
         now: dt.datetime | None = None) -> Seeded:
    now = now or dt.datetime.now(dt.timezone.utc)
    wav = write_wav(recordings / "2026" / f"{RECORDED}.wav")
    with database.session() as session:
        replace_directory(session, directory)
        for name, password in PASSWORDS.items():
            auth.create_user(session, name, password, ROLES[name], display_name=name.title())
        _calls(session, now)
        calls.set_recording(session, RECORDED, str(wav.relative_to(recordings)))
        overdue, new = _messages(session, now)
        waiting = visits.register_visit(session, "赵先生", company="远景咨询", purpose="商务洽谈", host="li-na",
                                        appointment=True, contact="13900001111", at=now - dt.timedelta(minutes=20))
        admitted = visits.register_visit(session, "Mary Smith", company="Acme", purpose="Interview", host="hr",
                                         at=now - dt.timedelta(minutes=50))
        visits.admit(session, admitted.id)
    return Seeded(now=now, recording=wav, overdue_message=overdue, new_message=new, waiting_visit=waiting.id)


def _calls(session, now: dt.datetime) -> None:
    start = now - dt.timedelta(hours=3)
    _call(session, RECORDED, start, "+8613800000001", "李先生", [
        ("receptionist", "您好，华信科技有限公司，请问有什么可以帮您？", None, None),
        ("caller", "你好，我找财务部的李娜，关于发票的事", "request_person", 0.95),
        ("system", "[transfer to li-na, blind]", None, None),
        ("system", "[transfer_result: result=answered]", "transfer_result", 1.0),
    ], "transferred", "li-na", satisfaction=5)
    _call(session, HOSTILE, start + dt.timedelta(minutes=10), "+8613800000002", HOSTILE_NAME, [
        ("receptionist", "您好，华信科技有限公司。", None, None),
        ("caller", "<img src=x onerror=alert(1)> 我要报销", "ask_hours", 0.41),
        ("system", "[transfer to finance, blind]", None, None),
        ("system", "[transfer_result: result=busy]", "transfer_result", 1.0),
        ("receptionist", "财务部的电话正在通话中，需要留言吗？", None, None),
    ], "message", None, satisfaction=2)
    for n in range(12):
        at = now - dt.timedelta(days=n % 6, hours=1 + n)
        _call(session, f"call-{n:03d}", at, f"+86139000{n:05d}", None, [
            ("receptionist", "Hello, Huaxin Technology.", None, None),
            ("caller", f"Could I speak to support about ticket {n}", "request_department", 0.88),
        ], ["answered", "operator", "abandoned", "transferred"][n % 4], None)
    calls.start_call(session, LIVE, "phone", caller_id="+8613700000009", at=now - dt.timedelta(seconds=90))
    calls.add_turn(session, LIVE, "receptionist", "您好，华信科技有限公司。", at=now - dt.timedelta(seconds=88))


def _call(session, conversation, at, caller_id, caller_name, turns, outcome, transferred_to, satisfaction=None):
    calls.start_call(session, conversation, "phone", caller_id=caller_id, caller_name=caller_name, at=at)
    for index, (who, text, intent, confidence) in enumerate(turns):
        calls.add_turn(session, conversation, who, text, intent=intent, confidence=confidence,
                       at=at + dt.timedelta(seconds=1 + 3 * index))
    calls.end_call(session, conversation, outcome, transferred_to=transferred_to,
                   at=at + dt.timedelta(seconds=5 + 3 * len(turns)))
    if satisfaction:
        calls.set_satisfaction(session, conversation, satisfaction)


def _messages(session, now: dt.datetime) -> tuple[int, int]:
    new = messages.take_message(session, "li-na", "请回电，关于三月的发票", "王先生", callback_number="13800001111",
                                at=now - dt.timedelta(minutes=5))
    overdue = messages.take_message(session, "finance", "报销单据丢了怎么办", "钱女士", callback_number="13800002222",
                                    urgent=True, at=now - dt.timedelta(hours=3))
    messages.mark_notified(session, overdue.id, at=now - dt.timedelta(hours=2, minutes=30))
    done = messages.take_message(session, "hr", "Interview time", "Mary Smith", at=now - dt.timedelta(days=1))
    messages.acknowledge(session, done.id)
    session.query(MessageRow).filter(MessageRow.id == overdue.id).update(
        {MessageRow.flagged_at: now - dt.timedelta(hours=1)})
    return overdue.id, new.id
