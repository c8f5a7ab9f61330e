"""The doors of a running receptionist (docs/security.md), tried from outside like an intruder would.

`receptionist run` is started for real (its own var/ folder, free ports, the test clock), with
every part: the console and kiosk, the action server, the Rasa server, the SIP gateway. Then:

- every socket of it listens on loopback only, and from a test host on another address (a
  network namespace joined to this machine by a veth pair, made by the test itself) every port
  refuses the connection, while a socket bound to all addresses is reached from there (so the
  test would see a port left open);
- the action server refuses a well-formed request without its secret; the REST channel refuses
  one without a client token, and logs it; Rasa's HTTP API wants its own token;
- no secret is on a command line or in the output;
- a chat conversation for a director whose mobile may be tried never receives the number (and
  its claim to be a phone call is not believed); the phone client still gets it connected; the
  kiosk relay's token works; a conversation cannot be taken over by another channel's client.

The network tests need root and `ip netns` (they skip, saying why, without them); the stack
needs the trained model (skips without one, like tests/test_rasa_server.py).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rasa_servers import bearer, customs, free_port, http_json, texts

from bot.config import CHANNELS, PROJECT_ROOT, Settings
from bot.tokens import MIN_EXPOSED_SECRET, load_tokens
from bot.training import current_model

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

START_TIMEOUT_S = 420.0
WEDNESDAY_MORNING = "2026-11-25T10:15:00+08:00"
LIU_FANG_MOBILE = "+86 139 0000 0011"
MOBILE = re.compile(r"139\D*0000")


def eventually(check, timeout_s: float = 60.0, every_s: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every_s)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------------- a test host elsewhere


@dataclass
class OutsideHost:
    """A network namespace joined to this machine by a veth pair: a client on another address."""

    namespace: str
    link: str
    machine_address: str
    """This machine's address on the pair (not loopback): what the test host connects to."""
    address: str

    def python(self, code: str, *args: str, timeout_s: float = 60.0) -> str:
        done = subprocess.run(["ip", "netns", "exec", self.namespace, sys.executable, "-c", code, *args],
                              capture_output=True, text=True, timeout=timeout_s)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def connect(self, ports: list[int]) -> list[str]:
        """For each TCP port of this machine's address: "refused", "connected" or the error."""
        code = ("import socket, sys\n"
                "for port in sys.argv[2:]:\n"
                "    s = socket.socket(); s.settimeout(10)\n"
                "    try:\n"
                "        s.connect((sys.argv[1], int(port))); print('connected')\n"
                "    except ConnectionRefusedError:\n"
                "        print('refused')\n"
                "    except OSError as e:\n"
                "        print(type(e).__name__)\n"
                "    finally:\n"
                "        s.close()\n")
        return self.python(code, self.machine_address, *map(str, ports)).split()

    def http(self, url: str, headers: dict[str, str] | None = None) -> int:
        """The HTTP status of a GET from the test host."""
        code = ("import json, sys, urllib.request, urllib.error\n"
                "request = urllib.request.Request(sys.argv[1], headers=json.loads(sys.argv[2]))\n"
                "try:\n"
                "    print(urllib.request.urlopen(request, timeout=20).status)\n"
                "except urllib.error.HTTPError as e:\n"
                "    print(e.code)\n")
        return int(self.python(code, url, json.dumps(headers or {})))


def _ip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)


@pytest.fixture(scope="module")
def test_host() -> Iterator[OutsideHost]:
    if os.geteuid() != 0:
        pytest.skip("the test host (a network namespace) needs root")
    if shutil.which("ip") is None:
        pytest.skip("no `ip` command (iproute2): cannot make the test host's network namespace")
    tag = f"{os.getpid() % 100000}{secrets.token_hex(1)}"
    namespace, link, peer = f"fd-doors-{tag}", f"fdd{tag}h", f"fdd{tag}n"
    made = _ip("netns", "add", namespace)
    if made.returncode != 0:
        pytest.skip(f"`ip netns add` is not available here: {made.stderr.strip()}")
    subnet = secrets.randbelow(16000) * 4  # a /30 in 198.18.0.0/15 (RFC 2544, benchmarking: used by no one)
    machine, host = (f"198.{18 + subnet // 65536}.{subnet // 256 % 256}.{subnet % 256 + n}" for n in (1, 2))
    try:
        steps = [("link", "add", link, "type", "veth", "peer", "name", peer), ("link", "set", peer, "netns", namespace),
                 ("addr", "add", f"{machine}/30", "dev", link), ("link", "set", link, "up"),
                 ("netns", "exec", namespace, "ip", "addr", "add", f"{host}/30", "dev", peer),
                 ("netns", "exec", namespace, "ip", "link", "set", peer, "up"),
                 ("netns", "exec", namespace, "ip", "link", "set", "lo", "up")]
        for step in steps:
            done = _ip(*step)
            assert done.returncode == 0, f"ip {' '.join(step)}: {done.stderr}"
        yield OutsideHost(namespace, link, machine, host)
    finally:
        _ip("netns", "del", namespace)
        _ip("link", "del", link)


# ---------------------------------------------------------------------------------- the running stack


@dataclass
class Stack:
    process: subprocess.Popen
    var: Path
    log_path: Path
    db_url: str
    ports: dict[str, int]

    @property
    def rasa(self) -> str:
        return f"http://127.0.0.1:{self.ports['rasa']}"

    @property
    def actions(self) -> str:
        return f"http://127.0.0.1:{self.ports['actions']}"

    @property
    def console(self) -> str:
        return f"http://127.0.0.1:{self.ports['console']}"

    def secret(self, name: str) -> str:
        return (self.var / name).read_text().strip()

    def token(self, channel: str) -> str:
        return self.secret(f"channel-token-{channel}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def pids(self) -> list[int]:
        """The launcher and every process under it."""
        parents: dict[int, int] = {}
        for stat_file in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat_file.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(stat_file.parent.name)] = int(fields[1])
        tree, grown = {self.process.pid}, True
        while grown:
            more = {pid for pid, parent in parents.items() if parent in tree} - tree
            tree |= more
            grown = bool(more)
        return sorted(tree)

    def say(self, sender: str, message: str, channel: str, metadata: dict[str, Any] | None = None,
            token: str | None = None) -> tuple[int, Any]:
        body = {"sender": sender, "message": message,
                "metadata": {"now": WEDNESDAY_MORNING, **(metadata or {})}}
        shown = self.token(channel) if token is None else token
        return http_json("POST", f"{self.rasa}/webhooks/rest/webhook", body, 120,
                         headers=bearer(shown) if shown else None)

    def report(self, sender: str, result: str) -> tuple[int, Any]:
        url = (f"{self.rasa}/conversations/{sender}/trigger_intent?output_channel=latest"
               f"&token={self.secret('api-token')}")
        return http_json("POST", url, {"name": "transfer_result", "entities": {"result": result}}, 120)

    def call_record(self, sender: str) -> dict[str, Any]:
        shown = subprocess.run([sys.executable, "-m", "bot.cli", "calls", "show", sender, "--json"], cwd=PROJECT_ROOT,
                               env=dict(os.environ, RECEPTIONIST_DB=self.db_url), capture_output=True, text=True,
                               timeout=60)
        assert shown.returncode == 0, shown.stderr
        record = json.loads(shown.stdout)
        return record[0] if isinstance(record, list) else record


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if current_model() is None:
        pytest.skip("no trained dialogue model for the current config, domain and data: run `make model`")
    work = tmp_path_factory.mktemp("doors")
    ports = {"rasa": free_port(), "actions": free_port(), "console": free_port(), "sip": free_udp_port()}
    db_url = f"sqlite:///{work / 'receptionist.db'}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("RECEPTIONIST_")}
    env.update(RECEPTIONIST_VAR=str(work / "var"), RECEPTIONIST_DB=db_url, RECEPTIONIST_TEST_CLOCK="1",
               RECEPTIONIST_SMTP_PORT="1", RECEPTIONIST_RASA_PORT=str(ports["rasa"]),
               RECEPTIONIST_ACTION_PORT=str(ports["actions"]), RECEPTIONIST_CONSOLE_PORT=str(ports["console"]),
               RECEPTIONIST_SIP_PORT=str(ports["sip"]), TF_CPP_MIN_LOG_LEVEL="2")
    log_path = work / "run.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=PROJECT_ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    running = Stack(process, work / "var", log_path, db_url, ports)
    try:
        ready = eventually(lambda: "ready;" in running.log() or process.poll() is not None, START_TIMEOUT_S, 0.5)
        assert ready and process.poll() is None, f"receptionist run did not start:\n{running.log()[-4000:]}"
        yield running
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def listening_sockets(pids: list[int]) -> list[tuple[str, str, int]]:
    """(tcp|udp, address, port) of every listening TCP and bound UDP socket of `pids` (from `ss`)."""
    shown = subprocess.run(["ss", "-Hlntup"], capture_output=True, text=True, timeout=30, check=True).stdout
    found = []
    for line in shown.splitlines():
        fields = line.split()
        owners = {int(pid) for pid in re.findall(r"pid=(\d+)", line)}
        if len(fields) >= 5 and owners & set(pids):
            address, _, port = fields[4].rpartition(":")
            found.append((fields[0], address.strip("[]"), int(port)))
    return found


def action_call(sender: str) -> dict[str, Any]:
    """What the Rasa server POSTs to the action server for a conversation's first turn."""
    latest = {"text": "", "intent": {"name": "connect", "confidence": 1.0}, "entities": []}
    return {"next_action": "action_receptionist", "sender_id": sender, "version": "3.6.2", "domain": {},
            "tracker": {"sender_id": sender, "slots": {}, "latest_message": latest, "paused": False,
                        "events": [{"event": "user", "text": "", "parse_data": latest,
                                    "metadata": {"channel": "phone", "now": WEDNESDAY_MORNING}}],
                        "latest_event_time": time.time(), "followup_action": None, "active_loop": {},
                        "latest_action_name": "action_listen"}}


# ---------------------------------------------------------------------------------- listening where needed


def test_every_socket_of_receptionist_run_listens_on_loopback_only(stack: Stack) -> None:
    sockets = listening_sockets(stack.pids())
    expected = {("tcp", stack.ports["rasa"]), ("tcp", stack.ports["actions"]), ("tcp", stack.ports["console"]),
                ("udp", stack.ports["sip"])}
    assert expected <= {(proto, port) for proto, _, port in sockets}, sockets
    assert [s for s in sockets if s[1] not in ("127.0.0.1", "::1")] == []


def test_from_another_address_every_port_refuses_the_connection(stack: Stack, test_host: OutsideHost) -> None:
    ports = [stack.ports[name] for name in ("rasa", "actions", "console")]
    with socket.socket() as open_door:  # a port open to every address: the test host does reach it
        open_door.bind(("0.0.0.0", 0))
        open_door.listen()
        assert test_host.connect([open_door.getsockname()[1]]) == ["connected"]
    assert test_host.connect(ports) == ["refused"] * len(ports)
    for port in ports:  # while on loopback they are there
        socket.create_connection(("127.0.0.1", port), timeout=10).close()


# ---------------------------------------------------------------------------------- authenticated callers


def test_the_action_server_refuses_a_well_formed_request_without_its_secret(stack: Stack) -> None:
    url = f"{stack.actions}/webhook"
    for shown in ({}, bearer("wrong" * 10), bearer(stack.secret("api-token")), {"Authorization": stack.secret(
            "action-secret")}):
        status, body = http_json("POST", url, action_call("doors-action-refused"), 60, headers=shown)
        assert (status, body) == (401, {"error": "unauthorized"})
    assert http_json("GET", f"{stack.actions}/health")[0] == 401
    status, body = http_json("POST", url, action_call("doors-action-admitted"), 120,
                             headers=bearer(stack.secret("action-secret")))
    assert status == 200 and "华信科技" in body["responses"][0]["text"], "the same request, with the secret, is served"
    assert eventually(lambda: "refused POST /webhook from 127.0.0.1: no valid action secret" in stack.log())


def test_the_rest_channel_refuses_a_request_without_a_client_token(stack: Stack) -> None:
    for token in ("", "wrong" * 10, stack.secret("api-token"), stack.secret("action-secret")):
        assert stack.say("doors-no-token", "我找财务部的李娜", "phone", token=token) == (401, {"error": "unauthorized"})
    assert eventually(lambda: stack.log().count("REST channel: refused a request from 127.0.0.1 without a valid "
                                                "client token") >= 4)
    assert stack.say("doors-no-token", "", "phone")[0] == 200, "with the phone client's token it is served"


def test_rasa_s_http_api_wants_its_own_token(stack: Stack) -> None:
    sender = "doors-api"
    assert stack.say(sender, "", "phone")[0] == 200
    url = f"{stack.rasa}/conversations/{sender}/tracker"
    assert http_json("GET", url)[0] == 401
    assert http_json("GET", f"{url}?token={stack.token('phone')}")[0] == 401
    assert http_json("GET", f"{url}?token={stack.secret('api-token')}")[0] == 200


def test_no_secret_is_on_a_command_line_or_in_the_output(stack: Stack) -> None:
    names = ["api-token", "action-secret", *(f"channel-token-{c}" for c in CHANNELS)]
    values = [stack.secret(name) for name in names]
    assert all(len(v) >= MIN_EXPOSED_SECRET for v in values)
    command_lines = []
    for pid in stack.pids():
        try:
            command_lines.append(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"))
        except OSError:
            continue
    assert any("connectors.server" in line for line in command_lines), command_lines
    assert any("actions.server" in line for line in command_lines), command_lines
    assert [v for v in values if any(v in line for line in command_lines)] == []
    assert [v for v in values if v in stack.log()] == []


# ---------------------------------------------------------------------------------- the mobile stays on the phone


def test_a_chat_conversation_never_receives_a_mobile_whatever_it_claims(stack: Stack) -> None:
    sender = "doors-chat-mobile"
    claims = {"channel": "phone", "internal": True, "caller_id": "8001"}  # the general manager's extension
    status, greeting = stack.say(sender, "", "chat", claims)
    assert status == 200 and "总机" not in " ".join(texts(greeting)), "not greeted as an internal call"
    said = [greeting]
    said.append(stack.say(sender, "我找财务部的刘芳", "chat", claims)[1])
    assert [c["destination"] for c in customs(said[-1])] == ["8201"]
    status, reported = stack.report(sender, "no_answer")
    assert status == 200
    said.append(reported["messages"])
    assert "留言" in " ".join(texts(said[-1])) and "手机" not in " ".join(texts(said[-1]))
    for text in ("好的", "请帮我转她的手机", "那就打她手机吧"):
        said.append(stack.say(sender, text, "chat", claims)[1])
    everything = json.dumps(said, ensure_ascii=False)
    assert not MOBILE.search(everything), everything
    record = stack.call_record(sender)
    assert (record["channel"], record["caller_id"]) == ("chat", None)


def test_the_phone_client_still_gets_the_mobile_connected(stack: Stack) -> None:
    sender = "doors-phone-mobile"
    phone = {"channel": "phone", "caller_id": "+8613800000000", "internal": False}
    assert stack.say(sender, "", "phone", phone)[0] == 200
    assert [c["destination"] for c in customs(stack.say(sender, "我找财务部的刘芳", "phone", phone)[1])] == ["8201"]
    status, offer = stack.report(sender, "no_answer")
    assert status == 200 and "手机" in " ".join(texts(offer["messages"]))
    status, connected = stack.say(sender, "好的", "phone", phone)
    assert status == 200 and [c["destination"] for c in customs(connected)] == [LIU_FANG_MOBILE]
    assert LIU_FANG_MOBILE not in " ".join(texts(connected))


def test_the_kiosk_relay_s_token_makes_a_kiosk_conversation(stack: Stack) -> None:
    status, reply = http_json("POST", f"{stack.console}/kiosk/api/start", {"lang": "zh"}, 120)
    assert status == 200 and reply["texts"], reply
    status, said = http_json("POST", f"{stack.console}/kiosk/api/say",
                             {"conversation": reply["conversation"], "text": "你好"}, 120)
    assert status == 200 and said["texts"], said  # the dialogue hears of it with the visitor's first words
    assert stack.call_record(reply["conversation"])["channel"] == "kiosk"


def test_a_conversation_cannot_be_taken_over_by_another_channel_s_client(stack: Stack) -> None:
    sender = "doors-owned"
    assert stack.say(sender, "", "phone")[0] == 200
    for channel in ("kiosk", "chat"):
        assert stack.say(sender, "好的", channel)[0] == 403
    assert stack.say(sender, "我找财务部的李娜", "phone")[0] == 200


# ---------------------------------------------------------------------------------- other addresses: configured, authenticated


def _run_server(module: list[str], env: dict[str, str], timeout_s: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *module], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=timeout_s, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **env})


def test_a_server_beyond_loopback_with_a_short_secret_refuses_to_start(tmp_path: Path) -> None:
    strong = {f"RECEPTIONIST_{c.upper()}_TOKEN": secrets.token_urlsafe(32) for c in CHANNELS}
    base = {"RECEPTIONIST_VAR": str(tmp_path), "RECEPTIONIST_API_TOKEN": secrets.token_urlsafe(32),
            "RECEPTIONIST_ACTION_SECRET": secrets.token_urlsafe(32), **strong}
    actions = _run_server(["actions.server"], {**base, "RECEPTIONIST_ACTION_HOST": "0.0.0.0",
                                               "RECEPTIONIST_ACTION_SECRET": "short-secret"})
    rasa = _run_server(["connectors.server", "--model", "none.tar.gz"], {
        **base, "RECEPTIONIST_RASA_HOST": "0.0.0.0", "RECEPTIONIST_CHAT_TOKEN": "short-token"})
    console = free_port()
    launcher = _run_server(["bot.cli", "run"], {**base, "RECEPTIONIST_RASA_HOST": "0.0.0.0",
                                                "RECEPTIONIST_API_TOKEN": "short-token",
                                                "RECEPTIONIST_CONSOLE_PORT": str(console)})
    assert actions.returncode != 0 and "RECEPTIONIST_ACTION_SECRET is too short" in actions.stderr
    assert rasa.returncode != 0 and "RECEPTIONIST_CHAT_TOKEN is too short" in rasa.stderr
    assert launcher.returncode != 0 and "Rasa server: refusing to start" in launcher.stderr
    assert "staff console" not in launcher.stdout, "nothing was started"


def test_an_action_server_configured_on_another_address_admits_only_its_secret(tmp_path: Path,
                                                                               test_host: OutsideHost) -> None:
    port, secret = free_port(), secrets.token_urlsafe(32)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RECEPTIONIST_VAR": str(tmp_path),
           "RECEPTIONIST_ACTION_HOST": test_host.machine_address, "RECEPTIONIST_ACTION_PORT": str(port),
           "RECEPTIONIST_ACTION_SECRET": secret}
    with open(tmp_path / "actions.log", "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "actions.server"], cwd=PROJECT_ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    health = f"http://{test_host.machine_address}:{port}/health"
    try:
        up = eventually(lambda: server.poll() is not None or test_host.connect([port]) == ["connected"], 240, 1)
        assert up and server.poll() is None, (tmp_path / "actions.log").read_text()
        assert test_host.http(health) == 401
        assert test_host.http(health, bearer("wrong" * 10)) == 401
        assert test_host.http(health, bearer(secret)) == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_the_gateway_and_the_kiosk_relay_show_their_own_client_tokens(tmp_path: Path) -> None:
    from bot.web.kiosk import kiosk_settings
    from voice.service import gateway_config

    settings = Settings(var_dir=tmp_path)
    tokens = load_tokens(settings)
    gateway = gateway_config(settings, "http://127.0.0.1:5005")
    assert (gateway.channel_token, gateway.api_token) == (tokens.channels["phone"], tokens.api)
    kiosk = kiosk_settings(settings)
    assert kiosk.token == tokens.channels["kiosk"] and kiosk.rasa_url.startswith("http://127.0.0.1:5005/")
