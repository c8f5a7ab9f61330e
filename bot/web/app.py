"""The console's aiohttp application: the factory, the middlewares every request passes, and
the helpers the page modules share (database work off the event loop, rendering, roles).

Every request passes, outermost first:
    security headers → rate limits (kiosk) → error pages → authentication (session cookie)
    → CSRF check (changes only)
Pages under `PUBLIC` (sign-in, static files, language choice) skip the last two. The kiosk's
requests (`/kiosk/…`) and sign-in attempts are limited per client address (bot/web/ratelimit.py):
over the limit, 429 with Retry-After.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import jinja2
from aiohttp import web
from sqlalchemy.orm import Session

from bot.context import Context
from bot.org.model import Directory
from bot.org.store import NoOrganization
from bot.rules.calendar import org_zone
from bot.web import auth
from bot.web.i18n import LANGUAGES, translator
from bot.web.ratelimit import FailureLock, RateLimiter
from bot.web.roles import Role
from bot.web.settings import ConsoleSettings

HERE = Path(__file__).resolve().parent
CONTEXT = web.AppKey("context", Context)
SETTINGS = web.AppKey("settings", ConsoleSettings)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
LIMITS = web.AppKey("limits", dict)
SIGNIN_FAILURES = web.AppKey("signin_failures", FailureLock)
KIOSK_LIMITED = "/kiosk/"
"""The kiosk's API, microphone and audio; not the page itself (`/kiosk`)."""
SIGNED_IN = "fd_signed_in"

SESSION_COOKIE = "fd_session"
LANG_COOKIE = "fd_lang"
PUBLIC = ("/static/", "/signin", "/lang/", "/healthz", "/favicon.ico", "/kiosk")
"""No sign-in: the lobby kiosk changes nothing except through the conversation (bot/web/pages/kiosk.py)."""
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_UPLOAD = 5 * 1024 * 1024

T = TypeVar("T")


def build_app(context: Context, settings: ConsoleSettings | None = None) -> web.Application:
    """The console for `context` (its database and directory); serve it with `serve` or an AppRunner."""
    from bot.web.kiosk import kiosk_settings
    from bot.web.pages import ROUTES, cases, hotel
    from bot.web.pages.kiosk import configure_kiosk

    settings = settings or ConsoleSettings()
    if settings.recordings_dir is None:
        settings = ConsoleSettings(**{**settings.__dict__, "recordings_dir": context.settings.var_dir / "recordings"})
    app = web.Application(middlewares=[security_headers, rate_limits, error_pages, authentication,
                                       csrf_protection], client_max_size=MAX_UPLOAD)
    app[CONTEXT] = context
    app[SETTINGS] = settings
    app[LIMITS] = {"kiosk": RateLimiter("kiosk", settings.kiosk_rate),
                   "signin": RateLimiter("sign-in", settings.signin_rate)}
    app[SIGNIN_FAILURES] = FailureLock(settings.lockout_failures, settings.lockout_window_s, settings.lockout_s)
    app[TEMPLATES] = _templates()
    configure_kiosk(app, kiosk_settings(context.settings))
    app.router.add_static("/static/", HERE / "static")
    app.router.add_get("/healthz", _health)
    app.router.add_get("/favicon.ico", _favicon)
    app.router.add_routes(ROUTES)
    hotel.install(app)  # the hotel's pages (404 unless the organisation is a hotel) and their nav link
    cases.install(app)  # a hotline's cases (工单) and their nav link (case categories, or any case)
    return app


async def serve(context: Context, host: str | None = None, port: int | None = None,
                settings: ConsoleSettings | None = None) -> None:
    """Serve the console until cancelled."""
    settings = settings or ConsoleSettings()
    runner = web.AppRunner(build_app(context, settings), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host or settings.host, port or settings.port).start()
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


async def _health(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def _favicon(_request: web.Request) -> web.StreamResponse:
    return web.FileResponse(HERE / "static" / "favicon.svg", headers={"Content-Type": "image/svg+xml"})


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # caller-supplied text (names, transcripts) is always escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["urlpart"] = lambda value: quote(str(value), safe="")
    return env


# ---------------------------------------------------------------------------------- middlewares


@web.middleware
async def security_headers(request: web.Request, handler: Callable) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _harden(request, exc)
        raise
    _harden(request, response)
    return response


def _harden(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy",
                       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                       "media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                       "frame-ancestors 'none'")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def rate_limits(request: web.Request, handler: Callable) -> web.StreamResponse:
    """The kiosk's requests, per client address (sign-in counts its attempts itself: `retry_after`)."""
    if request.path.startswith(KIOSK_LIMITED):
        wait_s = retry_after(request, "kiosk")
        if wait_s:
            return web.json_response({"error": "rate_limited", "retry_after_s": wait_s}, status=429,
                                     headers={"Retry-After": str(wait_s)})
    return await handler(request)


def retry_after(request: web.Request, limit: str) -> int:
    """0 when this request is within the `limit` of its client address, else the seconds to wait."""
    return request.app[LIMITS][limit].retry_after(request.remote or "?")


@web.middleware
async def error_pages(request: web.Request, handler: Callable) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status in (400, 403, 404, 405, 409, 413) and exc.content_type != "text/html":
            return render(request, "error.html", status=exc.status, reason=exc.text or exc.reason)
        raise


@web.middleware
async def authentication(request: web.Request, handler: Callable) -> web.StreamResponse:
    if request.path.startswith(PUBLIC):
        return await handler(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    settings = request.app[SETTINGS]
    signed = await run_db(request, auth.resume_session, token, settings) if token else None
    if signed is None:
        response = web.HTTPSeeOther(f"/signin?next={quote(request.path_qs, safe='')}")
        if token:
            response.del_cookie(SESSION_COOKIE, path="/")
        raise response
    request[SIGNED_IN] = signed
    return await handler(request)


@web.middleware
async def csrf_protection(request: web.Request, handler: Callable) -> web.StreamResponse:
    """Every change needs the session's CSRF token (form field `csrf` or header `X-CSRF-Token`)
    and, when the browser says where it comes from, this site as its origin."""
    if request.method in SAFE_METHODS or request.path.startswith(PUBLIC):
        return await handler(request)
    check_same_origin(request)
    signed: auth.SignedIn = request[SIGNED_IN]
    given = request.headers.get("X-CSRF-Token")
    if given is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        value = form.get("csrf")
        given = value if isinstance(value, str) else None
    if not auth.tokens_match(signed.csrf_token, given):
        raise web.HTTPForbidden(text="The form was out of date or forged (CSRF check failed). Reload the page.")
    return await handler(request)


def check_same_origin(request: web.Request) -> None:
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        raise web.HTTPForbidden(text="Requests from another site are refused.")


# ---------------------------------------------------------------------------------- helpers


def current(request: web.Request) -> auth.SignedIn:
    return request[SIGNED_IN]


def require(request: web.Request, role: Role) -> auth.SignedIn:
    """The signed-in user, when their role allows `role`'s pages; else 403."""
    signed = current(request)
    if not signed.user.role.allows(role):
        raise web.HTTPForbidden(text=f"This page needs the {role.value} role.")
    return signed


async def in_thread(function: Callable[..., T], *args: Any) -> T:
    """Run blocking work (the database, hashing, files) off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args))


async def run_db(request: web.Request, function: Callable[..., T], *args: Any) -> T:
    """`function(session, *args)` in one transaction, off the event loop."""
    database = request.app[CONTEXT].database

    def work() -> T:
        with database.session() as session:
            return function(session, *args)

    return await in_thread(work)


async def current_directory(request: web.Request) -> Directory | None:
    try:
        return await in_thread(request.app[CONTEXT].directory.current)
    except NoOrganization:
        return None


def zone_of(directory: Directory | None) -> dt.tzinfo:
    return org_zone(directory) if directory is not None else dt.timezone.utc


def language(request: web.Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    accepted = request.headers.get("Accept-Language", "").lower()
    return "en" if accepted.startswith("en") else "zh"


def render(request: web.Request, template: str, status: int = 200, zone: dt.tzinfo = dt.timezone.utc,
           **values: Any) -> web.Response:
    lang = language(request)
    signed: auth.SignedIn | None = request.get(SIGNED_IN)

    def when(moment: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return moment.astimezone(zone).strftime(fmt) if moment else "—"

    html = request.app[TEMPLATES].get_template(template).render(
        t=translator(lang), lang=lang, me=signed.user if signed else None,
        csrf=signed.csrf_token if signed else "", path=request.path, path_qs=request.path_qs,
        Role=Role, when=when, **values,
    )
    return web.Response(text=html, content_type="text/html", charset="utf-8", status=status)


def redirect(location: str) -> web.Response:
    """303 See Other: after a change, the browser loads `location` with a GET."""
    return web.Response(status=303, headers={"Location": location})


def local_path(target: str | None, default: str = "/") -> str:
    """`target` when it is a path on this site, else `default` (no open redirects).

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so "/\t/evil.example"
    is "//evil.example", another site: any control character, space or backslash refuses it."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str,
               max_age: int | None = None, http_only: bool = True) -> None:
    settings = request.app[SETTINGS]
    secure = request.secure if settings.secure_cookies is None else settings.secure_cookies
    response.set_cookie(name, value, path="/", httponly=http_only, samesite="Strict", secure=secure,
                        max_age=max_age)


def form_text(form: Any, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def audit(session: Session, request: web.Request, action: str, target: str = "", detail: str = "") -> None:
    from bot.web import audit as audit_log

    audit_log.record(session, current(request).user.username, action, target, detail)
