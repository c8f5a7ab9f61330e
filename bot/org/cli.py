"""`receptionist org import|export|validate`: the organisation file in and out of the database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.context import open_context
from bot.org.model import Directory
from bot.org.orgfile import dump_org_text, parse_org_file
from bot.org.store import replace_directory


def register(commands: argparse._SubParsersAction) -> None:
    org = commands.add_parser("org", help="import, export or check the organisation file")
    sub = org.add_subparsers(dest="org_command", metavar="ACTION", required=True)

    do_import = sub.add_parser("import", help="replace the organisation with FILE (calls, messages, visits stay)")
    do_import.add_argument("file", type=Path)
    do_import.set_defaults(handler=_import)

    export = sub.add_parser("export", help="write the organisation file (to stdout, or -o FILE)")
    export.add_argument("-o", "--output", type=Path)
    export.set_defaults(handler=_export)

    validate = sub.add_parser("validate", help="check FILE without storing it")
    validate.add_argument("file", type=Path)
    validate.set_defaults(handler=_validate)


def describe(directory: Directory) -> str:
    org = directory.organization
    return (f"{org.name} ({org.name_en or org.kind.value}): {len(directory.departments)} departments, "
            f"{len(directory.people)} people, {len(directory.holidays)} holidays, "
            f"{len(directory.duty_roster)} duty roster entries")


def _import(args: argparse.Namespace) -> int:
    directory = parse_org_file(args.file)
    context = open_context()
    try:
        with context.database.session() as session:
            version = replace_directory(session, directory)
    finally:
        context.close()
    print(f"imported {describe(directory)} (directory version {version})")
    return 0


def _export(args: argparse.Namespace) -> int:
    context = open_context()
    try:
        text = dump_org_text(context.directory.current())
    finally:
        context.close()
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _validate(args: argparse.Namespace) -> int:
    directory = parse_org_file(args.file)
    print(f"ok: {describe(directory)}")
    return 0
