"""Lobby announcements (#12, point 7; bot/announcements.py): supervisors and above add, change and switch
off what the lobby kiosk says on a schedule; operators see the list and when each plays next. Each
change is a CSRF POST, audited in the same transaction (`announcement.add`, `announcement.change`,
`announcement.on`, `announcement.off`); a mistake is shown on the page (422) with nothing stored.

The kiosk's side, public and rate limited like the rest of /kiosk/ (bot/web/app.py), read-only:

    GET /kiosk/api/announcements?lang=zh|en&since=ISO   what is due since the last poll (`since` is the
                                                         `until` the previous answer gave), with audio
    GET /kiosk/announcement/{id}/{lang}                  an active announcement spoken (WAV)

Only the server's clock counts (a kiosk's own clock may be wrong); tests set it with
`configure_announcements(app, AnnouncementSettings(clock=...))`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from bot import announcements
from bot.db.tables import utcnow
from bot.org.model import Directory
from bot.web.app import (
    audit,
    check_same_origin,
    current_directory,
    form_text,
    redirect,
    render,
    require,
    run_db,
    zone_of,
)
from bot.web.i18n import translator
from bot.web.kiosk import Clip
from bot.web.pages.kiosk import kiosk_of
from bot.web.roles import Role

routes = web.RouteTableDef()
POLL_S = 15
"""How often a kiosk asks what is due."""


@dataclass(frozen=True)
class AnnouncementSettings:
    clock: Callable[[], dt.datetime] = utcnow
    """The server's time for what is due (tests set it)."""
    poll_s: float = POLL_S


SETTINGS = web.AppKey("announcement_settings", AnnouncementSettings)


def configure_announcements(app: web.Application, settings: AnnouncementSettings) -> None:
    """Give `app` (before it starts) other announcement settings than the default."""
    app[SETTINGS] = settings


def _settings(request: web.Request) -> AnnouncementSettings:
    return request.app.get(SETTINGS) or AnnouncementSettings()


# ---------------------------------------------------------------------------------- the console


@routes.get("/announcements")
async def announcements_page(request: web.Request) -> web.Response:
    require(request, Role.OPERATOR)
    editing = request.query.get("edit", "")
    return await _page(request, error=None, done=request.query.get("done", "")[:16],
                       editing=int(editing) if editing.isdigit() else None)


async def _page(request: web.Request, error: str | None, done: str, editing: int | None = None,
                form: dict[str, Any] | None = None, status: int = 200) -> web.Response:
    directory = await current_directory(request)
    now = _settings(request).clock()

    def read(session: Session) -> tuple[list[announcements.Announcement], announcements.Announcement | None]:
        return announcements.list_all(session), announcements.get(session, editing) if editing else None

    found, edited = await run_db(request, read)
    upcoming = {a.id: announcements.next_time(a, directory, now) if directory else None for a in found}
    return render(request, "announcements.html", status=status, zone=zone_of(directory), items=found,
                  upcoming=upcoming, edited=edited, error=error, done=done,
                  form=form or (_form_of(edited) if edited else _blank_form()),
                  days=announcements.describe_days, max_repeat=announcements.MAX_REPEAT)


@routes.post("/announcements")
async def save_announcement(request: web.Request) -> web.StreamResponse:
    signed = require(request, Role.SUPERVISOR)
    form = await request.post()
    values = _read_form(form)
    directory = await current_directory(request)
    if directory is None:
        raise web.HTTPServiceUnavailable(text="No organisation yet.")
    by = f"{signed.user.role.value}:{signed.user.username}"

    def store(session: Session) -> announcements.Announcement:
        saved = announcements.save(session, directory, text_zh=values["text_zh"], text_en=values["text_en"],
                                   schedule=_schedule(values), repeat=_repeat(values["repeat"]),
                                   languages=values["languages"], by=by, announcement_id=values["id"])
        audit(session, request, "announcement.change" if values["id"] else "announcement.add", str(saved.id),
              _summary(saved))
        return saved

    try:
        await run_db(request, store)
    except announcements.AnnouncementError as exc:
        return await _page(request, error=str(exc), done="", editing=values["id"], form=values, status=422)
    except LookupError:
        raise web.HTTPNotFound(text="No such announcement.") from None
    return redirect("/announcements?done=saved")


@routes.post("/announcements/{id:\\d+}/active")
async def switch_announcement(request: web.Request) -> web.StreamResponse:
    signed = require(request, Role.SUPERVISOR)
    form = await request.post()
    on = form.get("active") == "on"
    announcement_id = int(request.match_info["id"])

    def switch(session: Session) -> bool:
        changed = announcements.set_active(session, announcement_id, on,
                                           by=f"{signed.user.role.value}:{signed.user.username}")
        if changed is None:
            return False
        audit(session, request, "announcement.on" if on else "announcement.off", str(announcement_id),
              _summary(changed))
        return True

    if not await run_db(request, switch):
        raise web.HTTPNotFound(text="No such announcement.")
    return redirect(f"/announcements?done={'on' if on else 'off'}")


def _read_form(form: Any) -> dict[str, Any]:
    ident = form_text(form, "id", 12)
    return {"id": int(ident) if ident.isdigit() else None,
            "text_zh": form_text(form, "text_zh", 2000), "text_en": form_text(form, "text_en", 2000),
            "kind": "once" if form.get("kind") == "once" else "weekly",
            "days": [value for value in form.getall("days", []) if isinstance(value, str)][:7],
            "times": form_text(form, "times", 400), "once_at": form_text(form, "once_at", 40),
            "starts_on": form_text(form, "starts_on", 20), "ends_on": form_text(form, "ends_on", 20),
            "repeat": form_text(form, "repeat", 4) or "1",
            "languages": form_text(form, "languages", 8) or "kiosk"}


def _schedule(values: dict[str, Any]) -> announcements.Schedule:
    if values["kind"] == "once":
        once_at = announcements.parse_local_datetime(values["once_at"])
        if once_at is None:
            raise announcements.AnnouncementError("Give the date and time.")
        return announcements.Schedule(once_at=once_at)
    return announcements.Schedule(days=announcements.parse_days(values["days"]),
                                  times=announcements.parse_times(values["times"]),
                                  starts_on=announcements.parse_date(values["starts_on"]),
                                  ends_on=announcements.parse_date(values["ends_on"]))


def _repeat(text: str) -> int:
    if not text.isdigit():
        raise announcements.AnnouncementError("Say it 1 to 5 times in a row.")
    return int(text)


def _blank_form() -> dict[str, Any]:
    return {"id": None, "text_zh": "", "text_en": "", "kind": "weekly", "days": [], "times": "", "once_at": "",
            "starts_on": "", "ends_on": "", "repeat": "1", "languages": "kiosk"}


def _form_of(item: announcements.Announcement) -> dict[str, Any]:
    schedule = item.schedule
    return {"id": item.id, "text_zh": item.text_zh or "", "text_en": item.text_en or "",
            "kind": "once" if schedule.once else "weekly", "days": [str(day) for day in schedule.days],
            "times": ", ".join(t.strftime("%H:%M") for t in schedule.times),
            "once_at": schedule.once_at.strftime("%Y-%m-%dT%H:%M") if schedule.once_at else "",
            "starts_on": schedule.starts_on.isoformat() if schedule.starts_on else "",
            "ends_on": schedule.ends_on.isoformat() if schedule.ends_on else "",
            "repeat": str(item.repeat), "languages": item.languages}


def _summary(item: announcements.Announcement) -> str:
    schedule = item.schedule
    when = (schedule.once_at.strftime("%Y-%m-%d %H:%M") if schedule.once_at else
            f"{''.join(map(str, schedule.days))} {','.join(t.strftime('%H:%M') for t in schedule.times)}")
    return f"{when} ×{item.repeat} {'on' if item.active else 'off'}: {(item.text_zh or item.text_en or '')[:80]}"


# ---------------------------------------------------------------------------------- the kiosk


@routes.get("/kiosk/api/announcements")
async def kiosk_announcements(request: web.Request) -> web.Response:
    """What the kiosk says now: each announcement due since `since`, as notice texts and audio clips
    (`repeat` rounds of its languages), and the `until` to ask from next time."""
    check_same_origin(request)
    settings = _settings(request)
    now = settings.clock()
    lang = request.query.get("lang") if request.query.get("lang") in announcements.LANGUAGES else "zh"
    since = _moment(request.query.get("since", ""))
    directory = await current_directory(request)
    found = await run_db(request, announcements.due, now, since, directory) if directory else []
    speaking = kiosk_of(request).settings.prompts_dir is not None
    items = [_kiosk_item(item, lang, directory, speaking) for item in found if directory]
    return web.json_response({"until": now.isoformat(), "next_poll_s": settings.poll_s,
                              "announcements": [item for item in items if item["texts"]]})


def _kiosk_item(item: announcements.Due, lang: str, directory: Directory, speaking: bool) -> dict[str, Any]:
    said = announcements.spoken(item.announcement, lang, directory)
    clips = [{"language": language, "audio": _audio_url(item.announcement.id, language, text) if speaking else None}
             for language, text in said] * item.announcement.repeat
    label = translator(lang)("Announcement") + ("：" if lang == "zh" else ": ")
    return {"id": item.announcement.id, "at": item.at.isoformat(), "label": label,
            "texts": [text for _, text in said], "clips": clips}


def _audio_url(announcement_id: int, language: str, text: str) -> str:
    """The clip's URL; the text's digest in it makes an edited text a new URL (no stale audio)."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return f"/kiosk/announcement/{announcement_id}/{language}?v={digest}"


def _moment(text: str) -> dt.datetime | None:
    """An ISO time with a zone, or None (missing, not a time, no zone: untrusted input)."""
    try:
        moment = dt.datetime.fromisoformat(text[:40])
    except ValueError:
        return None
    return moment if moment.tzinfo is not None and moment.utcoffset() is not None else None


@routes.get("/kiosk/announcement/{id:\\d+}/{lang}")
async def announcement_audio(request: web.Request) -> web.Response:
    """An active announcement spoken, as the lobby hears it (scrubbed like every text it says)."""
    lang = request.match_info["lang"]
    directory = await current_directory(request)
    found = await run_db(request, announcements.get, int(request.match_info["id"]))
    if found is None or not found.active or directory is None or lang not in announcements.LANGUAGES:
        raise web.HTTPNotFound(text="No such announcement.")
    said = dict(announcements.spoken(found, lang, directory))
    if lang not in said:
        raise web.HTTPNotFound(text="No such announcement.")
    try:
        wav = await kiosk_of(request).reply_audio(Clip(said[lang], lang))
    except Exception as exc:  # no voice (engine, package, time-out): the text is on screen
        raise web.HTTPServiceUnavailable(text="Speech is not available.") from exc
    return web.Response(body=wav, content_type="audio/wav")
