"""`receptionist directory ...`: look people and departments up as the receptionist would.

    receptionist directory find 财务部的张伟
    receptionist directory find "eight oh oh one" --json

prints every candidate best first (name, department, extension, score, what matched) and says
when the answer is ambiguous. Exit 0 when something was found, 1 when nothing.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bot.context import open_context
from bot.directory.resolve import AMBIGUITY_MARGIN, Resolution, resolver_for
from bot.org.staff_csv import apply_staff_list, read_staff_csv
from bot.org.store import replace_directory
from bot.output import print_json, print_table

_COLUMNS = ("name", "name_en", "kind", "department", "extension", "score", "matched")


def register(commands: argparse._SubParsersAction) -> None:
    group = _directory_group(commands)
    find = group.add_parser("find", help="resolve free text to people, departments or extensions")
    find.add_argument("text", nargs="+", help="what the caller said, e.g. 财务部的李娜 or 'eight oh oh one'")
    find.add_argument("--json", action="store_true", help="print JSON for scripts")
    find.add_argument("--limit", type=int, default=5, help="at most this many candidates (default 5)")
    find.set_defaults(handler=_find)

    staff = group.add_parser("import", help="apply the monthly staff phone list (CSV): added, changed, removed")
    staff.add_argument("file", type=Path, help="CSV with a header row (docs/organisation.md lists the columns)")
    staff.add_argument("--dry-run", action="store_true", help="report what would change, store nothing")
    staff.set_defaults(handler=_import_staff)


def _import_staff(args: argparse.Namespace) -> int:
    context = open_context()
    try:
        directory = context.directory.current()
        result = apply_staff_list(directory, read_staff_csv(args.file), str(args.file))
        if not args.dry_run:
            with context.database.session() as session:
                replace_directory(session, result.directory)
    finally:
        context.close()
    print("\n".join(result.summary()))
    print("(dry run: nothing stored)" if args.dry_run else "stored.")
    return 0


def _directory_group(commands: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The `directory` group's sub-commands; other directory commands are added to the same object."""
    parser = commands.add_parser("directory", help="look up people, departments and extensions")
    return parser.add_subparsers(dest="directory_command", metavar="SUBCOMMAND", required=True)


def _find(args: argparse.Namespace) -> int:
    context = open_context()
    try:
        directory = context.directory.current()
    finally:
        context.close()
    resolution = resolver_for(directory).resolve(" ".join(args.text), limit=args.limit)
    if args.json:
        print_json(resolution_data(resolution))
    else:
        _print_resolution(resolution)
    return 0 if resolution.candidates else 1


def resolution_data(resolution: Resolution) -> dict[str, Any]:
    """A resolution as plain data (the JSON of `directory find --json`)."""
    best = resolution.best
    return {
        "query": resolution.query,
        "ambiguous": resolution.ambiguous,
        "confident": resolution.confident,
        "best": best.id if best else None,
        "candidates": [asdict(candidate) for candidate in resolution.candidates],
    }


def _print_resolution(resolution: Resolution) -> None:
    rows = [
        {**asdict(c), "department": c.department_name or c.department or None, "score": f"{c.score:.3f}"}
        for c in resolution.candidates
    ]
    print_table(rows, _COLUMNS, max_width=60)
    if resolution.ambiguous:
        print(f"Ambiguous: the first {_close_count(resolution)} candidates are too close to call; ask the caller.")
    elif resolution.best:
        certainty = "confident" if resolution.confident else "confirm with the caller"
        print(f"Best: {resolution.best.name} ({certainty}).")
    elif not resolution.candidates:
        print("Nothing in the directory matches.")


def _close_count(resolution: Resolution) -> int:
    top = resolution.candidates[0].score
    return sum(1 for c in resolution.candidates if round(top - c.score, 3) < AMBIGUITY_MARGIN)
