"""The `receptionist` command: one sub-command group per part of the core.

Each group lives next to the code it drives (`bot/<part>/cli.py`) and registers itself here;
this module only assembles them and turns expected errors into a clear message and exit 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from bot.org.orgfile import OrgFileError
from bot.org.store import NoOrganization

Register = Callable[[argparse._SubParsersAction], None]


def _groups() -> list[Register]:
    from bot import launcher
    from bot.cases import cli as cases_cli
    from bot.directory import cli as directory_cli
    from bot.hotel import cli as hotel_cli
    from bot.org import cli as org_cli
    from bot.phone_use import cli as phone_use_cli
    from bot.records import cli as records_cli
    from bot.records import tracker_retention
    from bot.rules import cli as rules_cli
    from bot.web import cli as web_cli
    from voice import models as voice_models

    return [launcher.register, org_cli.register, directory_cli.register, rules_cli.register, records_cli.register,
            web_cli.register, voice_models.register, hotel_cli.register,
            hotel_cli.register_wakeups, cases_cli.register, phone_use_cli.register,
            tracker_retention.register]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="receptionist",
        description="Front Desk, the virtual receptionist: directory, routing rules and records.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in _groups():
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except OrgFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("Nothing was changed.", file=sys.stderr)
        return 2
    except (NoOrganization, FileNotFoundError, KeyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
