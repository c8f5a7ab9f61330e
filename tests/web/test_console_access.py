"""Signing in, sessions, roles, CSRF and the audit log, through real HTTP against the console."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from console_seed import HOSTILE, PASSWORDS, RECORDED
from sqlalchemy import select, update

from bot.db.tables import ConsoleSessionRow, MessageRow
from bot.web import audit

ROLE_PAGES = [
    # path, the lowest role that may open it
    ("/", "operator"),
    ("/calls", "operator"),
    ("/calls?words=发票", "operator"),
    (f"/calls/{RECORDED}", "operator"),
    ("/messages", "operator"),
    ("/visitors", "operator"),
    ("/visitors/1/badge", "operator"),
    ("/stats", "supervisor"),
    ("/stats.csv", "supervisor"),
    ("/review", "supervisor"),
    ("/review/nlu.yml", "supervisor"),
    (f"/calls/{RECORDED}/recording", "supervisor"),
    ("/admin/organisation", "admin"),
    ("/admin/organisation.yml", "admin"),
    ("/admin/hours", "admin"),
    ("/admin/staff-import", "admin"),
    ("/admin/users", "admin"),
    ("/admin/audit", "admin"),
]
RANK = {"operator": 0, "supervisor": 1, "admin": 2}
USER_OF = {"operator": "oscar", "supervisor": "sam", "admin": "ada"}


def test_a_signed_out_visitor_is_sent_to_sign_in_and_comes_back_after(console):
    client = console.client()
    response = client.get("/messages?status=new")
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert (location.path, parse_qs(location.query)["next"]) == ("/signin", ["/messages?status=new"])
    page = client.get(response.headers["Location"])
    token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    signed = client.post("/signin", data={"username": "oscar", "password": PASSWORDS["oscar"],
                                          "form_token": token, "next": "/messages?status=new"})
    assert (signed.status_code, signed.headers["Location"]) == (303, "/messages?status=new")
    assert client.get("/messages?status=new").status_code == 200


def test_the_session_cookie_is_httponly_and_same_site_strict(console):
    response = console.client().sign_in("ada", PASSWORDS["ada"])
    cookie = response.headers["Set-Cookie"]
    assert "fd_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # served over plain http here; see the https test


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(console):
    client = console.client()
    wrong = client.sign_in("ada", "not-the-password")
    unknown = client.sign_in("nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong user name or password" in wrong.text or "用户名或密码错误" in wrong.text
    assert "fd_session" not in wrong.headers.get("Set-Cookie", "")


def test_five_failures_lock_the_account_from_that_address_even_against_the_right_password(console):
    client = console.client()
    for _ in range(5):
        assert client.sign_in("sam", "guess-guess-guess").status_code == 401
    locked = client.sign_in("sam", PASSWORDS["sam"])
    assert locked.status_code == 401
    assert "locked" in locked.text or "锁定" in locked.text
    assert console.client().sign_in("ada", PASSWORDS["ada"]).status_code == 303  # others are not affected
    with console.database.session() as session:
        refused = audit.entries(session, action="signin.refused")
    assert len(refused) == 6 and refused[0].detail == "locked"


def test_guessing_from_one_address_does_not_lock_the_account_out_of_another(console):
    """The lock-out counts per account and address: five bad attempts from one machine cannot
    keep the admin, at another, out of the console."""
    guesser, admin = console.client(), console.client(source="127.0.0.2")
    for _ in range(6):
        assert guesser.sign_in("ada", "guess-guess-guess").status_code == 401
    assert guesser.sign_in("ada", PASSWORDS["ada"]).status_code == 401  # still locked out, from there
    assert admin.sign_in("ada", PASSWORDS["ada"]).status_code == 303


def test_an_idle_session_ends_and_signing_out_ends_it_too(console):
    client = console.client("oscar")
    assert client.get("/").status_code == 200
    with console.database.session() as session:
        session.execute(update(ConsoleSessionRow).values(
            last_seen_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=console.settings.idle_timeout_s + 5)))
    assert client.get("/").status_code == 303
    again = console.client("oscar")
    assert again.post("/signout", data={"csrf": again.csrf()}).status_code == 303
    assert again.get("/").status_code == 303
    with console.database.session() as session:
        assert session.execute(select(ConsoleSessionRow)).first() is None


@pytest.mark.parametrize("role", ["operator", "supervisor", "admin"])
def test_each_role_opens_exactly_its_pages(console, role):
    client = console.client(USER_OF[role])
    for path, needed in ROLE_PAGES:
        status = client.get(path).status_code
        expected = 200 if RANK[role] >= RANK[needed] else 403
        assert status == expected, f"{role} GET {path}: {status}, expected {expected}"


def test_an_operator_sees_a_call_but_not_its_transcript(console):
    page = console.client("oscar").get(f"/calls/{RECORDED}").text
    assert "李先生" in page
    assert "关于发票的事" not in page
    assert "/recording" not in page
    with console.database.session() as session:
        assert audit.entries(session, action="transcript.view") == []


def test_an_operator_cannot_change_the_directory_even_with_a_valid_token(console):
    client = console.client("oscar")
    token = client.csrf()
    response = client.post("/admin/organisation", data={"csrf": token, "text": "organization: {}"})
    assert response.status_code == 403
    added = client.post("/admin/users", data={"csrf": token, "username": "mallory", "password": "x" * 12,
                                              "role": "admin"})
    assert added.status_code == 403
    assert console.client().sign_in("mallory", "x" * 12).status_code == 401


def test_a_change_without_the_sessions_csrf_token_is_refused(console):
    client = console.client("oscar")
    message = console.seeded.new_message
    assert client.post(f"/messages/{message}/acknowledge", data={}).status_code == 403
    assert client.post(f"/messages/{message}/acknowledge", data={"csrf": "forged"}).status_code == 403
    other = console.client("sam").csrf()  # a real token, but another session's
    assert client.post(f"/messages/{message}/acknowledge", data={"csrf": other}).status_code == 403
    with console.database.session() as session:
        assert session.get(MessageRow, message).status == "new"
    token = client.csrf()
    assert client.post(f"/messages/{message}/acknowledge", headers={"X-CSRF-Token": token}).status_code == 303
    with console.database.session() as session:
        assert session.get(MessageRow, message).status == "acknowledged"


def test_a_change_posted_from_another_site_is_refused_even_with_the_token(console):
    client = console.client("oscar")
    token = client.csrf()
    response = client.post(f"/messages/{console.seeded.new_message}/close", data={"csrf": token},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403


def test_the_sign_in_form_needs_its_own_token(console):
    client = console.client()
    response = client.post("/signin", data={"username": "ada", "password": PASSWORDS["ada"], "form_token": "x"})
    assert response.status_code == 403
    assert "fd_session" not in response.headers.get("Set-Cookie", "")


def test_sign_in_never_redirects_to_another_site(console):
    client = console.client()
    page = client.get("/signin?next=//evil.example/x")
    token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/signin", data={"username": "ada", "password": PASSWORDS["ada"], "form_token": token,
                                            "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"
    page = client.get("/signin?next=/%09/evil.example")
    token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/signin", data={"username": "ada", "password": PASSWORDS["ada"], "form_token": token,
                                            "next": "/\t/evil.example"})
    assert response.headers["Location"] == "/"


def test_viewing_a_transcript_is_audited_with_who_and_which_call(console):
    client = console.client("sam")
    page = client.get(f"/calls/{RECORDED}")
    assert "关于发票的事" in page.text
    with console.database.session() as session:
        views = audit.entries(session, action="transcript.view")
    assert [(v.username, v.target) for v in views] == [("sam", RECORDED)]
    admin_page = console.client("ada").get("/admin/audit?action=transcript.view").text
    assert RECORDED in admin_page and "sam" in admin_page


def test_caller_supplied_text_is_escaped_everywhere_it_is_shown(console):
    client = console.client("sam")
    listing = client.get("/calls").text
    transcript = client.get(f"/calls/{HOSTILE}").text
    for page in (listing, transcript):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert" in page
    assert "<img src=x" not in transcript and "&lt;img src=x onerror=alert(1)&gt;" in transcript


def test_pages_forbid_inline_script_and_framing(console):
    response = console.client("oscar").get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.text  # only <script src=...>
