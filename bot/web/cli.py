"""`receptionist users ...` (console accounts) and `receptionist console` (the console alone).

The first admin is made here: `receptionist users add alice --role admin` asks for the password
twice (or reads one line from standard input with --password-stdin, for scripts).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable
from dataclasses import replace

from bot.context import Context, open_context
from bot.org.store import NoOrganization
from bot.output import print_json, print_table
from bot.web import audit as audit_log
from bot.web import auth
from bot.web.roles import Role, departments_by_user, set_department
from bot.web.settings import DEFAULT_PORT, console_settings


def register(commands: argparse._SubParsersAction) -> None:
    users = commands.add_parser("users", help="staff console accounts: add, list, department, passwd, disable, enable")
    sub = users.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = sub.add_parser("add", help="add a console user")
    add.add_argument("username")
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.OPERATOR.value)
    add.add_argument("--name", default="", help="the name shown on the console")
    add.add_argument("--department", default="",
                     help="a directory department id: an operator with one is a department user of the cases")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(handler=_add)

    listing = sub.add_parser("list", help="console users")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)

    department = sub.add_parser("department", help="tie a user to a department (none: untie them)")
    department.add_argument("username")
    department.add_argument("department", nargs="?", default="", help="a directory department id; omit for none")
    department.set_defaults(handler=_set_department)

    passwd = sub.add_parser("passwd", help="set a user's password (ends their sessions)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(handler=_passwd)

    for name, active in (("disable", False), ("enable", True)):
        change = sub.add_parser(name, help=f"{name} a user" + ("" if not active else " (also lifts a lock-out)"))
        change.add_argument("username")
        change.set_defaults(handler=_activation(active))

    console = commands.add_parser("console", help="serve the staff console alone")
    console.add_argument("--host", help="default: RECEPTIONIST_CONSOLE_HOST or 127.0.0.1")
    console.add_argument("--port", type=int, help=f"default: RECEPTIONIST_CONSOLE_PORT or {DEFAULT_PORT}")
    console.set_defaults(handler=_console)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise ValueError("the two passwords differ")
    return first


def _add(args: argparse.Namespace) -> int:
    password = _password(args)
    context = open_context()
    try:
        department = _known_department(context, args.department)
        with context.database.session() as session:
            user = auth.create_user(session, args.username, password, args.role, args.name)
            if department:
                set_department(session, user.username, department)
            audit_log.record(session, "(cli)", "user.add", user.username,
                             user.role.value + (f", department {department}" if department else ""))
    finally:
        context.close()
    print(f"added {user.username} ({user.role.value}{', ' + department if department else ''})")
    return 0


def _known_department(context: Context, department: str) -> str | None:
    """`department` when the stored organisation has it (or none is stored yet); else ValueError."""
    if not department:
        return None
    try:
        directory = context.directory.current()
    except NoOrganization:
        return department
    if directory.department(department) is None:
        known = ", ".join(d.id for d in directory.departments)
        raise ValueError(f"there is no department '{department}' in the organisation (known: {known})")
    return department


def _set_department(args: argparse.Namespace) -> int:
    context = open_context()
    try:
        department = _known_department(context, args.department)
        with context.database.session() as session:
            before = set_department(session, args.username, department)
            audit_log.record(session, "(cli)", "user.department", args.username,
                             f"{before or '—'} → {department or '—'}")
    finally:
        context.close()
    print(f"{args.username}: department {department or 'none'}")
    return 0


def _list(args: argparse.Namespace) -> int:
    context = open_context()
    try:
        with context.database.session() as session:
            users = auth.list_users(session)
            tied = departments_by_user(session)
    finally:
        context.close()
    rows = [{"username": u.username, "name": u.display_name, "role": u.role.value,
             "department": tied.get(u.username), "active": u.active,
             "locked_until": u.locked_until.isoformat() if u.locked_until else None,
             "created_at": u.created_at.isoformat()} for u in users]
    if args.json:
        print_json(rows)
    else:
        print_table(rows, ["username", "name", "role", "department", "active", "locked_until", "created_at"])
    return 0


def _passwd(args: argparse.Namespace) -> int:
    password = _password(args)
    context = open_context()
    try:
        with context.database.session() as session:
            auth.set_password(session, args.username, password)
            audit_log.record(session, "(cli)", "user.password", args.username)
    finally:
        context.close()
    print(f"password of {args.username} changed; their sessions have ended")
    return 0


def _activation(active: bool) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        context = open_context()
        try:
            with context.database.session() as session:
                auth.set_active(session, args.username, active)
                audit_log.record(session, "(cli)", "user.enable" if active else "user.disable", args.username)
        finally:
            context.close()
        print(f"{args.username} is {'enabled' if active else 'disabled'}")
        return 0

    return handler


def _console(args: argparse.Namespace) -> int:
    from bot.web.app import serve

    context = open_context()
    settings = replace(console_settings(context.settings), host=args.host or context.settings.console_host,
                       port=args.port or context.settings.console_port)
    print(f"staff console: http://{settings.host}:{settings.port}/  (Ctrl-C stops)", flush=True)
    try:
        asyncio.run(serve(context, settings=settings))
    except KeyboardInterrupt:
        pass
    finally:
        context.close()
    return 0
