"""Caller-ID notes (#12, point 2; bot/records/caller_notes.py): operators and above list, add, edit and
remove what the front desk knows of an outside number (name, company, VIP, nuisance, a note). Each
change is a CSRF POST, audited in the same transaction (`caller_note.set`, `caller_note.remove`); a
mistake (not a number, a field too long) is shown on the page with nothing stored."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.orm import Session

from bot.records import caller_notes
from bot.web.app import audit, current_directory, form_text, redirect, render, require, run_db, zone_of
from bot.web.roles import Role

routes = web.RouteTableDef()


@routes.get("/caller-notes")
async def notes_page(request: web.Request) -> web.Response:
    require(request, Role.OPERATOR)
    editing = request.query.get("number", "").strip()[:caller_notes.MAX_CALLER_ID]
    return await _page(request, error=None, done=request.query.get("done", "")[:16], editing=editing)


async def _page(request: web.Request, error: str | None, done: str, editing: str = "",
                form: dict[str, str] | None = None, status: int = 200) -> web.Response:
    def read(session: Session) -> tuple[list[caller_notes.CallerNote], caller_notes.CallerNote | None]:
        return caller_notes.list_notes(session), caller_notes.note_for(session, editing) if editing else None

    found, edited = await run_db(request, read)
    directory = await current_directory(request)
    return render(request, "caller_notes.html", status=status, zone=zone_of(directory), notes=found,
                  edited=edited, error=error, done=done, form=form or {})


@routes.post("/caller-notes")
async def save_note(request: web.Request) -> web.StreamResponse:
    signed = require(request, Role.OPERATOR)
    form = await request.post()
    values = {"number": form_text(form, "number", 100), "name": form_text(form, "name", 500),
              "company": form_text(form, "company", 500), "note": form_text(form, "note", 5000)}
    vip, nuisance = form.get("vip") == "on", form.get("nuisance") == "on"

    def store(session: Session) -> caller_notes.CallerNote:
        before = caller_notes.note_for(session, values["number"])
        note = caller_notes.set_note(session, values["number"], name=values["name"], company=values["company"],
                                     vip=vip, nuisance=nuisance, note=values["note"],
                                     updated_by=f"{signed.user.role.value}:{signed.user.username}")
        flags = ", ".join(flag for flag, on in (("VIP", note.vip), ("nuisance", note.nuisance)) if on) or "—"
        audit(session, request, "caller_note.set", note.number,
              f"{'changed' if before else 'added'}: {note.name or '—'} / {note.company or '—'} / {flags}")
        return note

    try:
        await run_db(request, store)
    except ValueError as exc:
        return await _page(request, error=str(exc), done="", form={**values, "vip": "on" if vip else "",
                                                                   "nuisance": "on" if nuisance else ""},
                           status=422)
    return redirect("/caller-notes?done=saved")


@routes.post("/caller-notes/remove")
async def remove_note(request: web.Request) -> web.StreamResponse:
    require(request, Role.OPERATOR)
    form = await request.post()
    number = form_text(form, "number", 100)

    def remove(session: Session) -> bool:
        note = caller_notes.note_for(session, number)
        if note is None or not caller_notes.remove_note(session, note.number):
            return False
        audit(session, request, "caller_note.remove", note.number, note.name or "")
        return True

    if not await run_db(request, remove):
        raise web.HTTPNotFound(text="No note for this number.")
    return redirect("/caller-notes?done=removed")
