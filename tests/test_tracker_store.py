"""Conversations kept in a shared, persistent tracker store (issue #13, point 1): with
RECEPTIONIST_TRACKER_STORE naming a PostgreSQL database, the real Rasa server keeps its trackers
there (Rasa's SQL tracker store), so a Rasa server killed with -9 between two turns and started
again continues the caller's conversation where it was: the message it was taking goes on, and the
caller is not greeted afresh. Without it (the default, in memory) the same crash starts over: the
difference is what this test measures. The URL's password never reaches the endpoints file."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa_servers import Servers, customs, running, texts
from sqlalchemy import create_engine, text

from bot.dialogue.phrases import PHRASES
from bot.records import messages

pytestmark = pytest.mark.slow

GREETING_START = "您好"
ASK_NAME, ASK_CALLBACK = PHRASES["ask_message_name"]["zh"], PHRASES["ask_callback"]["zh"]
CALLER = "+8613911112222"


def phone(servers: Servers, sender: str, message: str) -> list[dict]:
    metadata = {"channel": "phone", "caller_id": CALLER, "internal": False,
                "now": "2026-11-25T10:15:00+08:00"} if not message else None
    status, body = servers.say(sender, message, metadata)
    assert status == 200, body
    return body


def up_to_the_message(servers: Servers, sender: str) -> None:
    """A call asks for 李娜, her line is busy, the caller will leave a message: asked their name."""
    phone(servers, sender, "")
    body = phone(servers, sender, "你好 帮我找一下李娜")
    assert any(c.get("type") == "transfer" for c in customs(body)), body
    status, body = servers.report(sender, "busy")
    assert status == 200
    body = phone(servers, sender, "那我留个言吧")
    assert texts(body) == [ASK_NAME], body


def crash_and_restart(servers: Servers) -> None:
    servers.kill("rasa")
    servers.start_rasa()


def test_a_conversation_survives_a_crash_of_the_rasa_server(postgres_url, tmp_path_factory):
    with running(tmp_path_factory.mktemp("tracker-store"),
                 extra_env={"RECEPTIONIST_TRACKER_STORE": postgres_url}) as servers:
        written = next((servers.workdir / "var").glob("endpoints-*.yml")).read_text()
        assert "tracker_store" in written and "frontdesk@" not in written and ":frontdesk" not in written
        up_to_the_message(servers, "crash-1")
        with create_engine(postgres_url, future=True).connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM events WHERE sender_id = 'crash-1'")).scalar_one()
        assert stored > 5, "the turns are in PostgreSQL before the crash"

        crash_and_restart(servers)

        body = phone(servers, "crash-1", "我姓魏 魏晨")  # the next turn: the name, as asked before the crash
        assert texts(body) == [ASK_CALLBACK], body
        phone(servers, "crash-1", "就打我这个手机")
        body = phone(servers, "crash-1", "就说我下午三点再打过来")
        assert "李娜" in " ".join(texts(body)) and "下午三点" in " ".join(texts(body)), body  # the read-back
        body = phone(servers, "crash-1", "对")
        records = [c for c in customs(body) if c.get("type") == "record"]
        assert len(records) == 1, texts(body)
        record = records[0]
        database_url = servers.db_url
    from bot.db.engine import open_database

    database = open_database(database_url)
    try:
        with database.session() as session:
            message = messages.get_message(session, record["id"])
    finally:
        database.close()
    assert message.recipient == "li-na" and message.caller_name.startswith("魏") and "下午三点" in message.text


def test_conversations_idle_past_the_retention_are_deleted_and_start_afresh(postgres_url, tmp_path_factory):
    import datetime as dt

    from bot.records.tracker_retention import purge_idle_conversations, tracker_engine

    with running(tmp_path_factory.mktemp("retention"),
                 extra_env={"RECEPTIONIST_TRACKER_STORE": postgres_url}) as servers:
        up_to_the_message(servers, "old-call")
        engine = tracker_engine(postgres_url)
        try:
            def stored(sender: str) -> int:
                with engine.connect() as conn:
                    return conn.execute(text("SELECT count(*) FROM events WHERE sender_id = :s"),
                                        {"s": sender}).scalar_one()

            now = dt.datetime.now(dt.timezone.utc)
            assert purge_idle_conversations(engine, dt.timedelta(days=7), now) == 0  # an hour later: kept
            assert stored("old-call") > 5
            phone(servers, "new-call", "")
            with engine.begin() as conn:  # the first call was 8 days ago
                conn.execute(text("UPDATE events SET timestamp = timestamp - 8 * 86400 WHERE sender_id = 'old-call'"))
            assert purge_idle_conversations(engine, dt.timedelta(days=7), now) == 1
            assert stored("old-call") == 0 and stored("new-call") > 0
        finally:
            engine.dispose()
        body = phone(servers, "old-call", "我姓魏 魏晨")
    assert texts(body) != [ASK_CALLBACK], "a deleted conversation starts afresh"


def test_without_a_store_the_same_crash_starts_the_conversation_over(tmp_path_factory):
    with running(tmp_path_factory.mktemp("in-memory")) as servers:
        up_to_the_message(servers, "crash-2")
        crash_and_restart(servers)
        body = phone(servers, "crash-2", "我姓魏 魏晨")
    assert texts(body) != [ASK_CALLBACK], "in memory, the tracker is gone with the server"


def test_a_tracker_store_that_is_not_a_database_url_stops_the_server_with_the_reason(tmp_path: Path):
    import subprocess
    import sys

    from bot.config import PROJECT_ROOT

    done = subprocess.run([sys.executable, "-m", "connectors.server", "--model", "none.tar.gz"], cwd=PROJECT_ROOT,
                          env={"PATH": "/usr/bin:/bin", "RECEPTIONIST_VAR": str(tmp_path),
                               "RECEPTIONIST_TRACKER_STORE": "mysql://rasa@db/rasa", "PYTHONPATH": str(PROJECT_ROOT)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "RECEPTIONIST_TRACKER_STORE must name a PostgreSQL" in done.stderr, done.stderr


@pytest.mark.parametrize(("url", "expected", "password"), [
    ("redis://127.0.0.1:6379/0", {"url": "127.0.0.1", "port": 6379, "db": 0}, None),
    ("redis://:s%40cret@cache.internal/2", {"url": "cache.internal", "port": 6379, "db": 2,
                                            "password": "${RECEPTIONIST_LOCK_STORE_PASSWORD}"}, "s@cret"),
    ("rediss://rasa:pw@cache:6380", {"url": "cache", "port": 6380, "db": 0, "use_ssl": True, "username": "rasa",
                                     "password": "${RECEPTIONIST_LOCK_STORE_PASSWORD}"}, "pw"),
])
def test_a_redis_url_becomes_rasas_lock_store_with_the_password_left_in_the_environment(url, expected, password):
    from connectors.server import lock_store

    config, secret = lock_store(url)
    assert config == {"type": "redis", "key_prefix": "frontdesk", **expected}
    assert secret == password


@pytest.mark.parametrize("url", ["postgresql://db/rasa", "redis://", "redis://host:port/0", "redis://host/zero"])
def test_a_lock_store_that_is_not_a_redis_url_is_refused_with_the_reason(url):
    from connectors.server import lock_store

    with pytest.raises(ValueError, match="RECEPTIONIST_LOCK_STORE"):
        lock_store(url)
