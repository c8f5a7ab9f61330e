"""The secrets between the parts (bot/tokens.py) and the REST channel's door logic, without servers.

The servers themselves, refusing and admitting for real, are in tests/test_doors.py.
"""

from __future__ import annotations

import asyncio
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from actions.server import bearer_matches
from bot.config import CHANNELS, Settings, connect_host, is_loopback
from bot.config import load_settings as read_settings
from bot.org.model import Directory
from bot.tokens import MIN_EXPOSED_SECRET, exposure_problems, kept_secret, load_tokens
from connectors.rest import ChannelClients, ConversationOwners, FrontDeskRestInput, trusted_metadata, without_mobiles

STRONG = "s" * MIN_EXPOSED_SECRET
OPERATOR = {"type": "transfer", "destination": "8000", "target": "operator", "mode": "blind", "ring_timeout_s": 30}


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_each_secret_is_generated_once_into_var_private_and_kept(tmp_path: Path) -> None:
    first = load_tokens(Settings(var_dir=tmp_path))
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["action-secret", "api-token", *(f"channel-token-{c}" for c in sorted(CHANNELS))]
    assert all(mode_of(tmp_path / name) == 0o600 for name in files)
    values = [first.api, first.action, *first.channels.values()]
    assert len(set(values)) == len(values) and all(len(v) >= 43 for v in values)
    assert load_tokens(Settings(var_dir=tmp_path)) == first


def test_a_configured_secret_wins_and_nothing_is_written_for_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RECEPTIONIST_VAR", str(tmp_path))
    monkeypatch.setenv("RECEPTIONIST_API_TOKEN", "from-the-environment")
    monkeypatch.setenv("RECEPTIONIST_KIOSK_TOKEN", "kiosk-from-the-environment")
    tokens = load_tokens(read_settings())
    assert (tokens.api, tokens.channels["kiosk"]) == ("from-the-environment", "kiosk-from-the-environment")
    assert not (tmp_path / "api-token").exists() and not (tmp_path / "channel-token-kiosk").exists()
    assert tokens.env()["RECEPTIONIST_KIOSK_TOKEN"] == "kiosk-from-the-environment"


def test_a_secret_file_readable_by_others_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "api-token"
    path.write_text("older-token\n")
    path.chmod(0o644)
    assert kept_secret(path) == "older-token"
    assert mode_of(path) == 0o600


def test_processes_starting_at_once_agree_on_the_secret(tmp_path: Path) -> None:
    code = "import sys; from pathlib import Path; from bot.tokens import kept_secret; print(kept_secret(Path(sys.argv[1])))"
    starts = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "shared")], stdout=subprocess.PIPE,
                               text=True) for _ in range(6)]
    seen = {start.communicate(timeout=120)[0].strip() for start in starts}
    assert len(seen) == 1 and len(seen.pop()) >= 43
    assert [p.name for p in tmp_path.iterdir()] == ["shared"]


def test_loopback_is_told_apart_from_every_other_address() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "", "10.0.0.5", "192.168.1.2", "example.org"))
    assert (connect_host("0.0.0.0"), connect_host("::"), connect_host("10.0.0.5")) == ("127.0.0.1", "[::1]",
                                                                                        "10.0.0.5")


def test_beyond_loopback_every_secret_must_be_long() -> None:
    assert exposure_problems("127.0.0.1", {"A": "short"}) == []
    assert exposure_problems("127.0.0.1", {"A": ""}) == ["A is empty"]
    assert exposure_problems("0.0.0.0", {"A": STRONG, "B": STRONG}) == []
    problems = exposure_problems("0.0.0.0", {"A": STRONG, "B": "short"})
    assert len(problems) == 1 and problems[0].startswith("B is too short")


def test_the_action_secret_must_be_shown_exactly_as_a_bearer_token() -> None:
    assert bearer_matches(f"Bearer {STRONG}", STRONG) and bearer_matches(f"bearer {STRONG}", STRONG)
    assert not any(bearer_matches(header, STRONG) for header in
                   (None, "", STRONG, f"Basic {STRONG}", f"Bearer {STRONG}x", f"Bearer {STRONG[:-1]}", "Bearer "))
    assert not bearer_matches("Bearer ", "")


def test_the_client_token_says_the_channel() -> None:
    clients = ChannelClients({"phone": "p" * 40, "kiosk": "k" * 40, "chat": "c" * 40})
    assert [clients.channel_of(f"Bearer {c * 40}") for c in "pkc"] == ["phone", "kiosk", "chat"]
    assert [clients.channel_of(h) for h in (None, "", "p" * 40, "Bearer x", "Basic " + "p" * 40)] == [None] * 5


@pytest.mark.parametrize("tokens", [{"phone": "p", "kiosk": "k"}, {"phone": "p", "kiosk": "k", "chat": ""},
                                    {"phone": "same", "kiosk": "same", "chat": "c"},
                                    {"phone": "p", "kiosk": "k", "chat": "c", "web": "w"}])
def test_the_channel_does_not_start_without_a_distinct_token_per_client(tokens: dict) -> None:
    with pytest.raises(ValueError):
        ChannelClients(tokens)


def test_only_the_phone_keeps_what_only_the_phone_system_knows() -> None:
    claimed = {"channel": "phone", "caller_id": "8001", "internal": True, "caller_name": "王", "now": "x"}
    assert trusted_metadata(claimed, "chat") == {"channel": "chat", "caller_name": "王", "now": "x"}
    assert trusted_metadata({**claimed, "channel": "kiosk"}, "phone") == {**claimed, "channel": "phone"}
    assert trusted_metadata("not a dict", "kiosk") == {"channel": "kiosk"}


def test_a_conversation_stays_on_the_channel_it_started_on() -> None:
    owners = ConversationOwners(limit=2)
    stored: dict[str, str] = {"from-the-store": "phone"}
    looked_up: list[str] = []

    async def lookup(sender: str) -> str | None:
        looked_up.append(sender)
        return stored.get(sender)

    async def scenario() -> list[bool]:
        return [await owners.admits("a", "phone", lookup), await owners.admits("a", "kiosk", lookup),
                await owners.admits("a", "phone", lookup), await owners.admits("from-the-store", "chat", lookup),
                await owners.admits("b", "chat", lookup), await owners.admits("c", "chat", lookup),
                await owners.admits("a", "kiosk", lookup)]

    assert asyncio.run(scenario()) == [True, False, True, False, True, True, True]
    # "a" was forgotten (limit 2) and the store has no record of it: whoever comes next has it
    assert looked_up == ["a", "from-the-store", "b", "c", "a"]


def test_a_transfer_to_a_mobile_is_replaced_at_the_door(demo_directory: Directory) -> None:
    messages = [{"recipient_id": "c", "text": "好的"},
                {"recipient_id": "c", "custom": {"type": "transfer", "destination": "+86 139 0000 0011"}},
                {"recipient_id": "c", "custom": {"type": "transfer", "destination": "13900000011"}},
                {"recipient_id": "c", "custom": {"type": "transfer", "destination": "8201"}},
                {"recipient_id": "c", "custom": {"type": "record", "kind": "message", "id": 3}}]
    kept = without_mobiles(messages, demo_directory, OPERATOR)
    assert [m.get("custom", {}).get("destination") for m in kept] == [None, "8000", "8000", "8201", None]
    assert kept[0] == messages[0] and kept[4] == messages[4]
    assert [m.get("custom", {}).get("destination") for m in without_mobiles(messages, None, OPERATOR)] == \
        [None, "8000", "8000", "8000", None]


@pytest.mark.parametrize("channel, reaches", [("chat", "8000"), ("kiosk", "8000"), ("phone", "+86 139 0000 0011")])
def test_the_channel_lets_a_mobile_through_to_the_phone_only(demo_db, db_url: str, monkeypatch, channel: str,
                                                           reaches: str) -> None:
    """The last lock, at the door: were the dialogue ever to connect a kiosk or chat conversation to
    a mobile (it never plans one: tests/test_mobile_channels.py), the channel sends the operator."""
    monkeypatch.setenv("RECEPTIONIST_DB", db_url)
    door = FrontDeskRestInput(clients={"phone": "p" * 40, "kiosk": "k" * 40, "chat": "c" * 40})

    async def dialogue(message) -> None:  # a dialogue gone wrong: a mobile for whoever asks
        await message.output_channel.send_text_message(message.sender_id, "好的，请稍等。")
        await message.output_channel.send_custom_json(message.sender_id, {
            "type": "transfer", "destination": "+86 139 0000 0011", "target": "liu-fang", "mode": "blind"})

    try:
        answer = asyncio.run(door._answer(dialogue, "door-1", "好的", trusted_metadata({}, channel)))
    finally:
        door.fallback.close()
    assert [m.get("text") for m in answer] == ["好的，请稍等。", None]
    assert answer[1]["custom"]["destination"] == reaches


@pytest.mark.parametrize("token", ["-Xq3v9Lr2_kJ8sD0fGhT1mN4bV6cZ7aW5eR8tY2uI0oP", "--looks-like-an-option-but-is-a-secret-0123"])
def test_an_api_token_that_starts_with_a_dash_still_reaches_rasa(token):
    """secrets.token_urlsafe starts with "-" once in 64 tokens; Rasa then refused to start (seen on a
    fresh clone: every test of the Rasa server errored with "--auth-token: expected one argument")."""
    from rasa.__main__ import create_argument_parser

    from connectors.server import rasa_arguments

    parsed = create_argument_parser().parse_args(rasa_arguments(read_settings(), "m.tar.gz", token))
    assert parsed.auth_token == token
