"""Signing in and out, and the language toggle (the only pages open without a session).

The sign-in form has its own CSRF defence (a random value in a SameSite cookie that the form
must repeat), so nobody can sign a browser into an account of theirs from another site.
"""

from __future__ import annotations

import re
import secrets

from aiohttp import web

from bot.web import audit, auth
from bot.web.app import (
    LANG_COOKIE,
    SESSION_COOKIE,
    SETTINGS,
    SIGNIN_FAILURES,
    check_same_origin,
    current,
    form_text,
    local_path,
    redirect,
    render,
    retry_after,
    run_db,
    set_cookie,
)
from bot.web.i18n import LANGUAGES

routes = web.RouteTableDef()
SIGNIN_COOKIE = "fd_signin"
TOO_MANY = "Too many sign-in attempts from this address. Please wait a moment and try again."
LOCKED = "Too many failed attempts: this account is locked for a while."
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@routes.get("/signin")
async def signin_page(request: web.Request) -> web.StreamResponse:
    return _form(request, error=None)


def _form(request: web.Request, error: str | None, username: str = "", status: int = 200) -> web.Response:
    # Keep the browser's token while it has one: another tab (or a stray request sent here)
    # must not invalidate the form already on screen.
    token = request.cookies.get(SIGNIN_COOKIE, "")
    if not _TOKEN.fullmatch(token):
        token = secrets.token_urlsafe(24)
    response = render(request, "signin.html", status=status, error=error, username=username, form_token=token,
                      next=local_path(request.query.get("next")))
    set_cookie(request, response, SIGNIN_COOKIE, token, max_age=3600)
    return response


@routes.post("/signin")
async def signin(request: web.Request) -> web.StreamResponse:
    check_same_origin(request)
    wait_s = retry_after(request, "signin")
    if wait_s:
        response = _form(request, error=TOO_MANY, status=429)
        response.headers["Retry-After"] = str(wait_s)
        return response
    form = await request.post()
    if not auth.tokens_match(request.cookies.get(SIGNIN_COOKIE, "") or "-", form_text(form, "form_token")):
        return _form(request, error="The sign-in form expired. Please try again.", status=403)
    username, password = form_text(form, "username", 64), form_text(form, "password", 1024)
    settings = request.app[SETTINGS]
    failures = request.app[SIGNIN_FAILURES]
    key = f"{username.strip().lower()}|{request.remote or '?'}"
    if failures.locked_for(key):  # no password check at all: it costs an argon2 hash
        await run_db(request, _refused_locked, username)
        return _form(request, error=LOCKED, username=username, status=401)
    try:
        token, _ = await run_db(request, _sign_in, username, password, settings)
    except auth.SignInRefused as refused:
        now_locked = failures.failed(key) if not refused.locked_until else True
        return _form(request, error=LOCKED if now_locked else "Wrong user name or password.", username=username,
                     status=401)
    failures.succeeded(key)
    response = redirect(local_path(form_text(form, "next")))
    set_cookie(request, response, SESSION_COOKIE, token)
    response.del_cookie(SIGNIN_COOKIE, path="/")
    return response


def _refused_locked(session, username: str) -> None:
    audit.record(session, username or "?", "signin.refused", username, "locked")


def _sign_in(session, username: str, password: str, settings) -> tuple[str, auth.SignedIn]:
    try:
        user = auth.authenticate(session, username, password, settings)
    except auth.SignInRefused as refused:
        audit.record(session, username or "?", "signin.refused", username, "locked" if refused.locked_until else "")
        session.commit()  # the failure count must stick although the request fails
        raise
    audit.record(session, user.username, "signin", user.username)
    return auth.open_session(session, user)


@routes.post("/signout")
async def signout(request: web.Request) -> web.StreamResponse:
    signed = current(request)
    await run_db(request, auth.close_session, signed.session_id)
    response = redirect("/signin")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@routes.get("/lang/{code}")
async def choose_language(request: web.Request) -> web.StreamResponse:
    """Only the display language (a cookie) changes, so a plain link is enough."""
    code = request.match_info["code"]
    if code not in LANGUAGES:
        raise web.HTTPNotFound()
    response = redirect(local_path(request.query.get("next")))
    set_cookie(request, response, LANG_COOKIE, code, max_age=365 * 86400, http_only=False)
    return response

