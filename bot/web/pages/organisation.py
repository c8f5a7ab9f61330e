"""Directory and organisation editing (admins): the organisation file in a text area, the hours,
holidays and duty roster as a form, and the monthly staff list (CSV) with a preview.

Everything goes through the organisation file's own validation (`bot.org.orgfile`): a mistake
is shown with its path (and line, for the file) and nothing is stored until the whole is valid.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web
from sqlalchemy.orm import Session

from bot.org.model import WEEKDAYS, Directory
from bot.org.orgfile import OrgFileError, Problem, directory_to_data, dump_org_text, parse_org_data, parse_org_text
from bot.org.staff_csv import StaffImport, apply_staff_list, read_staff_csv
from bot.org.store import DirectoryChanged, NoOrganization, replace_directory
from bot.web.app import audit, current_directory, form_text, in_thread, redirect, render, require, run_db
from bot.web.roles import Role

routes = web.RouteTableDef()
MAX_ORG_TEXT = 2_000_000


# ---------------------------------------------------------------------------------- the whole file


@routes.get("/admin/organisation")
async def organisation_editor(request: web.Request) -> web.Response:
    require(request, Role.ADMIN)
    directory = await current_directory(request)
    text = dump_org_text(directory) if directory else ""
    return render(request, "organisation.html", text=text, problems=[], saved=request.query.get("saved") == "1",
                  version=directory.version if directory else 0)


@routes.post("/admin/organisation")
async def save_organisation(request: web.Request) -> web.Response:
    require(request, Role.ADMIN)
    form = await request.post()
    text = form_text(form, "text", MAX_ORG_TEXT)
    started_from = _version_field(form)
    try:
        directory = await in_thread(parse_org_text, text, "organisation")
    except OrgFileError as exc:
        return render(request, "organisation.html", status=422, text=text, problems=exc.problems, saved=False,
                      version=started_from or 0)
    try:
        version = await run_db(request, _store, request, directory, "organisation.save", "", started_from)
    except DirectoryChanged as exc:
        return render(request, "organisation.html", status=409, text=text, problems=[], saved=False,
                      version=started_from or 0, changed=exc.current)
    return redirect(f"/admin/organisation?saved=1&v={version}")


def _version_field(form: Any) -> int | None:
    """The directory version the editor was opened at (None: an old form without it, saved as before)."""
    value = str(form.get("version", "")).strip()
    return int(value) if value.isdigit() else None


@routes.get("/admin/organisation.yml")
async def export_organisation(request: web.Request) -> web.Response:
    require(request, Role.ADMIN)
    directory = await current_directory(request)
    if directory is None:
        raise web.HTTPNotFound(text="No organisation has been imported yet.")
    return web.Response(text=dump_org_text(directory), content_type="application/x-yaml", charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="organisation.yml"'})


def _store(session: Session, request: web.Request, directory: Directory, action: str, detail: str = "",
           expected_version: int | None = None) -> int:
    version = replace_directory(session, directory, expected_version)
    audit(session, request, action, directory.organization.name, detail or f"version {version}")
    return version


# ---------------------------------------------------------------------------------- hours and duty


@routes.get("/admin/hours")
async def hours_editor(request: web.Request) -> web.Response:
    require(request, Role.ADMIN)
    directory = await current_directory(request)
    if directory is None:
        raise web.HTTPNotFound(text="No organisation has been imported yet.")
    return render(request, "hours.html", values=_hours_values(directory_to_data(directory)), problems=[],
                  weekdays=WEEKDAYS, saved=request.query.get("saved") == "1", directory=directory)


@routes.post("/admin/hours")
async def save_hours(request: web.Request) -> web.Response:
    require(request, Role.ADMIN)
    directory = await current_directory(request)
    if directory is None:
        raise web.HTTPNotFound(text="No organisation has been imported yet.")
    form = await request.post()
    values = {name: form_text(form, name, 100_000) for name in (*WEEKDAYS, "holidays", "duty_roster",
                                                                 "duty_phone", "duty_manager")}
    try:
        changed = _with_hours(directory, values)
    except OrgFileError as exc:
        return render(request, "hours.html", status=422, values=values, problems=exc.problems, weekdays=WEEKDAYS,
                      saved=False, directory=directory)
    await run_db(request, _store, request, changed, "hours.save")
    return redirect("/admin/hours?saved=1")


def _hours_values(data: dict[str, Any]) -> dict[str, str]:
    after = data.get("after_hours") or {}
    return {**{day: data["hours"].get(day, "closed") for day in WEEKDAYS},
            "holidays": _flow_list(data.get("holidays") or []),
            "duty_roster": _flow_list(data.get("duty_roster") or []),
            "duty_phone": after.get("duty_phone") or "", "duty_manager": after.get("duty_manager") or ""}


def _flow_list(items: list[dict[str, Any]]) -> str:
    """One entry a line, as the organisation file writes them: `- {date: 2026-10-01, ...}`."""
    if not items:
        return ""
    return yaml.safe_dump(items, allow_unicode=True, sort_keys=False, default_flow_style=None, width=200)


def _with_hours(directory: Directory, values: dict[str, str]) -> Directory:
    data = directory_to_data(directory)
    data["hours"] = {day: values[day] or "closed" for day in WEEKDAYS}
    data["holidays"] = _yaml_list(values["holidays"], "holidays")
    data["duty_roster"] = _yaml_list(values["duty_roster"], "duty_roster")
    data["after_hours"] = {k: v for k, v in (("duty_phone", values["duty_phone"]),
                                             ("duty_manager", values["duty_manager"])) if v}
    parsed = parse_org_data(data, "hours, holidays and duty roster")
    return dataclasses.replace(parsed, version=directory.version)


def _yaml_list(text: str, path: str) -> list[Any]:
    try:
        value = yaml.safe_load(text) if text.strip() else []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise OrgFileError([Problem(path, mark.line + 1 if mark else None, f"not valid YAML: {exc}")]) from None
    if not isinstance(value, list):
        raise OrgFileError([Problem(path, None, "must be a list, one '- {...}' entry a line")])
    return value


# ---------------------------------------------------------------------------------- staff list


@routes.get("/admin/staff-import")
async def staff_import_page(request: web.Request) -> web.Response:
    require(request, Role.ADMIN)
    return render(request, "staff_import.html", preview=None, problems=[], csv_text="", digest="",
                  done=request.query.get("done", ""))


@routes.post("/admin/staff-import")
async def staff_import_preview(request: web.Request) -> web.Response:
    require(request, Role.ADMIN)
    form = await request.post()
    upload = form.get("file")
    if isinstance(upload, web.FileField):
        raw = upload.file.read(5 * 1024 * 1024)
    else:
        raw = form_text(form, "csv_text", 5 * 1024 * 1024).encode("utf-8")
    try:
        csv_text, preview = await _preview(request, raw)
    except OrgFileError as exc:
        return render(request, "staff_import.html", status=422, preview=None, problems=exc.problems,
                      csv_text=_decoded(raw), digest="", done="")
    return render(request, "staff_import.html", preview=preview, problems=[], csv_text=csv_text,
                  digest=_digest(preview), done="")


@routes.post("/admin/staff-import/confirm")
async def staff_import_confirm(request: web.Request) -> web.Response:
    """Apply the list again to the directory as it is now; store it only if the changes are
    still the ones the admin saw in the preview."""
    require(request, Role.ADMIN)
    form = await request.post()
    raw = form_text(form, "csv_text", 5 * 1024 * 1024).encode("utf-8")
    try:
        csv_text, preview = await _preview(request, raw)
    except OrgFileError as exc:
        return render(request, "staff_import.html", status=422, preview=None, problems=exc.problems,
                      csv_text=_decoded(raw), digest="", done="")
    if _digest(preview) != form_text(form, "digest", 64):
        return render(request, "staff_import.html", status=409, preview=preview, problems=[], csv_text=csv_text,
                      digest=_digest(preview), done="", stale=True)
    summary = preview.summary()[0]
    await run_db(request, _store, request, preview.directory, "staff.import", summary)
    return redirect("/admin/staff-import?done=" + "+".join(
        str(n) for n in (len(preview.added), len(preview.changed), len(preview.removed))))


async def _preview(request: web.Request, raw: bytes) -> tuple[str, StaffImport]:
    directory = await current_directory(request)
    if directory is None:
        raise NoOrganization("no organisation has been imported yet")
    return await in_thread(_apply_csv, directory, raw)


def _apply_csv(directory: Directory, raw: bytes) -> tuple[str, StaffImport]:
    """`read_staff_csv` reads files (and decodes GB18030 too), so the upload goes through one."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "staff.csv"
        path.write_bytes(raw)
        rows = read_staff_csv(path)
    return _decoded(raw), apply_staff_list(directory, rows, "staff list")


def _decoded(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def _digest(preview: StaffImport) -> str:
    return hashlib.sha256("\n".join(preview.summary()).encode()).hexdigest()
