"""Several Rasa servers and action servers behind haproxy (issue #13), with the real parts of
docs/deploy.md: PostgreSQL holding the records and Rasa's trackers, Debian's redis-server as Rasa's
lock store, deploy/haproxy.cfg in front.

- A call's turns alternate between two Rasa servers and stay one coherent conversation.
- kill -9 of a Rasa server, then of an action server, between turns: the caller's next turn,
  through the balancer, continues where it was, and what was confirmed to the caller is stored once.
- With the lock store gone, a caller is not left in silence: they reach the operator.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from cluster import Cluster, fresh_postgres, running_cluster
from rasa_servers import customs, texts
from sqlalchemy import create_engine, text

from bot.dialogue.phrases import PHRASES

pytestmark = pytest.mark.slow

ASK_NAME, ASK_CALLBACK = PHRASES["ask_message_name"]["zh"], PHRASES["ask_callback"]["zh"]
CALLER = "+8613911113333"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two of each server on a fresh PostgreSQL database (records and trackers), dropped afterwards."""
    admin_url = os.environ.get("RECEPTIONIST_TEST_PG_URL", "")
    if not admin_url:
        pytest.skip("RECEPTIONIST_TEST_PG_URL is not set: run through `make test`, which starts PostgreSQL")
    with fresh_postgres(admin_url) as url, running_cluster(tmp_path_factory.mktemp("cluster"), url) as running:
        yield running


def phone(cluster: Cluster, sender: str, message: str, via: str | None = None) -> list[dict]:
    """One caller turn, to one named Rasa server (`via`) or through the balancer."""
    metadata = {"channel": "phone", "caller_id": CALLER, "internal": False,
                "now": "2026-11-25T10:15:00+08:00"} if not message else None
    status, body = cluster.servers.say(sender, message, metadata, via=cluster.direct(via) if via else None)
    assert status == 200, body
    return body


def counted(cluster: Cluster, sender: str) -> tuple[int, int]:
    """(call records, messages) of this conversation in the shared database."""
    engine = create_engine(cluster.servers.db_url, future=True)
    try:
        with engine.connect() as conn:
            calls = conn.execute(text("SELECT count(*) FROM calls WHERE conversation = :c"), {"c": sender})
            notes = conn.execute(text("SELECT count(*) FROM messages WHERE conversation = :c"), {"c": sender})
            return calls.scalar_one(), notes.scalar_one()
    finally:
        engine.dispose()


def test_a_call_alternating_between_two_rasa_servers_survives_a_kill_of_each_kind(cluster: Cluster):
    sender = "scale-1"
    phone(cluster, sender, "", via="rasa1")
    body = phone(cluster, sender, "你好 帮我找一下李娜", via="rasa2")
    assert any(c.get("type") == "transfer" for c in customs(body)), body
    status, _ = cluster.servers.report(sender, "busy", via=cluster.direct("rasa1"))
    assert status == 200
    assert texts(phone(cluster, sender, "那我留个言吧", via="rasa2")) == [ASK_NAME]
    assert texts(phone(cluster, sender, "我姓魏 魏晨", via="rasa1")) == [ASK_CALLBACK]
    before = counted(cluster, sender)
    assert before == (1, 0), "one call record, written by both servers' turns; no message yet"

    cluster.servers.kill("rasa1")  # between two turns; the balancer has not noticed yet
    phone(cluster, sender, "就打我这个手机")
    cluster.servers.kill("actions1")
    body = phone(cluster, sender, "就说我下午三点再打过来")
    assert "李娜" in " ".join(texts(body)) and "下午三点" in " ".join(texts(body)), body  # the read-back
    body = phone(cluster, sender, "对")
    records = [c for c in customs(body) if c.get("type") == "record"]
    assert len(records) == 1 and records[0]["kind"] == "message", body

    assert counted(cluster, sender) == (1, 1), "the same call record, and the one message confirmed"
    shown = cluster.servers.call_record(sender)
    said = [turn["text"] for turn in shown["transcript"] if turn["who"] == "caller"]
    assert "我姓魏 魏晨" in said and "对" in said, said
    assert "李娜" in (shown.get("wanted") or shown.get("target") or str(shown))


def test_with_the_lock_store_down_the_caller_reaches_the_operator(cluster: Cluster):
    phone(cluster, "scale-2", "")
    cluster.redis.stop()
    body = phone(cluster, "scale-2", "你好 帮我找一下李娜")
    transfers = [c for c in customs(body) if c.get("type") == "transfer"]
    assert [t["target"] for t in transfers] == ["operator"], body
