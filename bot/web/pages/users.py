"""Console accounts and the audit log (admins). An admin cannot demote or disable the last
active admin, so the console can never be left without one. A user may be tied to one of the
directory's departments: an operator with one is a department user of the hotline's cases
(bot/web/pages/cases.py)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.orm import Session

from bot.org.model import Directory
from bot.web import audit as audit_log
from bot.web import auth
from bot.web.app import (
    audit,
    current_directory,
    form_text,
    language,
    redirect,
    render,
    require,
    run_db,
    zone_of,
)
from bot.web.roles import Role, departments_by_user, set_department

routes = web.RouteTableDef()


@routes.get("/admin/users")
async def users_page(request: web.Request) -> web.Response:
    require(request, Role.ADMIN)
    return await _users_page(request, error=None, done=request.query.get("done", ""))


async def _users_page(request: web.Request, error: str | None, done: str, status: int = 200) -> web.Response:
    found, tied = await run_db(request, lambda session: (auth.list_users(session), departments_by_user(session)))
    directory = await current_directory(request)
    english = language(request) == "en"
    departments = [(d.id, d.name_en if english and d.name_en else d.name)
                   for d in (directory.departments if directory else ())]
    return render(request, "users.html", status=status, zone=zone_of(directory), users=found,
                  roles=[r.value for r in Role], error=error, done=done, tied=tied, departments=departments)


def _department(directory: Directory | None, wanted: str) -> str | None:
    """A department id from the form: one of the directory's, or none."""
    if not wanted:
        return None
    if directory is None or directory.department(wanted) is None:
        raise ValueError(f"there is no department '{wanted}' in the organisation")
    return wanted


@routes.post("/admin/users")
async def add_user(request: web.Request) -> web.StreamResponse:
    require(request, Role.ADMIN)
    form = await request.post()
    directory = await current_directory(request)

    def create(session: Session) -> auth.User:
        department = _department(directory, form_text(form, "department", 64))
        user = auth.create_user(session, form_text(form, "username", 64), form_text(form, "password", 1024),
                                form_text(form, "role", 16), form_text(form, "display_name", 200))
        if department:
            set_department(session, user.username, department)
        audit(session, request, "user.add", user.username,
              user.role.value + (f", department {department}" if department else ""))
        return user

    try:
        await run_db(request, create)
    except ValueError as exc:
        return await _with_error(request, str(exc))
    return redirect("/admin/users?done=added")


@routes.post("/admin/users/{username}")
async def change_user(request: web.Request) -> web.StreamResponse:
    signed = require(request, Role.ADMIN)
    username = request.match_info["username"]
    form = await request.post()
    what = form_text(form, "change", 16)
    directory = await current_directory(request)

    def apply(session: Session) -> None:
        user = auth.get_user(session, username)
        if user is None:
            raise KeyError(username)
        if what == "role":
            role = Role(form_text(form, "role", 16))
            _keep_an_admin(session, user, role, active=user.active)
            auth.set_role(session, username, role)
            audit(session, request, "user.role", username, f"{user.role.value} → {role.value}")
        elif what in ("disable", "enable"):
            if user.username == signed.user.username and what == "disable":
                raise ValueError("you cannot disable your own account")
            _keep_an_admin(session, user, user.role, active=what == "enable")
            auth.set_active(session, username, what == "enable")
            audit(session, request, f"user.{what}", username)
        elif what == "department":
            department = _department(directory, form_text(form, "department", 64))
            before = set_department(session, username, department)
            audit(session, request, "user.department", username, f"{before or '—'} → {department or '—'}")
        elif what == "password":
            auth.set_password(session, username, form_text(form, "password", 1024))
            audit(session, request, "user.password", username)
        else:
            raise ValueError("unknown change")

    try:
        await run_db(request, apply)
    except KeyError:
        raise web.HTTPNotFound(text="No such user.") from None
    except ValueError as exc:
        return await _with_error(request, str(exc))
    return redirect(f"/admin/users?done={what}")


def _keep_an_admin(session: Session, user: auth.User, role: Role, active: bool) -> None:
    losing = user.role is Role.ADMIN and user.active and (role is not Role.ADMIN or not active)
    if losing and auth.count_admins(session) <= 1:
        raise ValueError("this is the last active admin: make someone else admin first")


async def _with_error(request: web.Request, error: str) -> web.Response:
    return await _users_page(request, error=error, done="", status=400)


@routes.get("/admin/audit")
async def audit_page(request: web.Request) -> web.Response:
    require(request, Role.ADMIN)
    action = request.query.get("action", "").strip()[:64] or None
    username = request.query.get("user", "").strip()[:64] or None
    found = await run_db(request, audit_log.entries, 500, action, username)
    directory = await current_directory(request)
    return render(request, "audit.html", zone=zone_of(directory), entries=found, action=action or "",
                  username=username or "")
