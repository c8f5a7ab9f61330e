"""`receptionist phone-use ...`: the monthly phone-use report at a terminal.

    receptionist phone-use report --month 2026-12 [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
from zoneinfo import ZoneInfo

from bot.context import open_context
from bot.org.store import NoOrganization
from bot.output import print_json, print_table
from bot.phone_use import report


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("phone-use", help="phone-use requests: the monthly report per department")
    sub = group.add_subparsers(dest="phone_use_command", metavar="ACTION", required=True)
    monthly = sub.add_parser("report", help="requests, approved, declined, pending, flagged and minutes per department")
    monthly.add_argument("--month", help="YYYY-MM (default: this month, in the organisation's time zone)")
    monthly.add_argument("--json", action="store_true", help="print JSON for scripts")
    monthly.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    ctx = open_context()
    try:
        try:
            directory = ctx.directory.current()
        except NoOrganization:
            directory = None
        zone = ZoneInfo(directory.organization.timezone) if directory else dt.timezone.utc
        month = args.month or dt.datetime.now(zone).strftime("%Y-%m")
        year, number = report.parse_month(month)
        departments = [d.id for d in directory.departments] if directory else []
        with ctx.database.session() as session:
            rows = report.monthly_report(session, year, number, zone, departments=departments)
    finally:
        ctx.close()
    if args.json:
        print_json({"month": month, "departments": [row.as_dict() for row in rows],
                    "total": {**report.total(rows).as_dict(), "department": None}})
        return 0
    print(f"phone use, {month}")
    print_table([row.as_dict() for row in [*rows, report.total(rows)]], list(report.COLUMNS))
    return 0
