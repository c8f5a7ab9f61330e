"""Statistics (supervisors): charts for a period, and the same figures as CSV."""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from bot.db.tables import utcnow
from bot.org.model import Directory
from bot.web import charts
from bot.web.app import current_directory, language, render, require, run_db, zone_of
from bot.web.i18n import translator
from bot.web.roles import Role
from bot.web.stats import Stats, compute_stats, stats_csv

routes = web.RouteTableDef()
MAX_DAYS = 366


def _period(query: dict[str, str], today: dt.date) -> tuple[dt.date, dt.date]:
    def day(name: str, default: dt.date) -> dt.date:
        try:
            return dt.date.fromisoformat(query[name]) if query.get(name) else default
        except ValueError:
            return default

    day_to = day("to", today)
    day_from = day("from", day_to - dt.timedelta(days=29))
    if day_from > day_to:
        day_from, day_to = day_to, day_from
    return max(day_from, day_to - dt.timedelta(days=MAX_DAYS - 1)), day_to


async def _stats(request: web.Request) -> tuple[Stats, Directory | None]:
    require(request, Role.SUPERVISOR)
    directory = await current_directory(request)
    zone = zone_of(directory)
    day_from, day_to = _period(request.query, utcnow().astimezone(zone).date())
    return await run_db(request, compute_stats, directory, zone, day_from, day_to), directory


def _department_names(directory: Directory | None, lang: str) -> dict[str, str]:
    t = translator(lang)
    names = {"operator": t("Operator"), "duty": t("Duty line"), "other": t("Other")}
    for dept in directory.departments if directory else ():
        names[dept.id] = dept.name_en or dept.name if lang == "en" else dept.name
    return names


@routes.get("/stats")
async def stats_page(request: web.Request) -> web.Response:
    stats, directory = await _stats(request)

    lang = language(request)
    t = translator(lang)
    names = _department_names(directory, lang)
    days = sorted(stats.per_day.items())
    per_day = charts.bar_chart([f"{d:%m-%d}" for d, _ in days], [n for _, n in days],
                               label_every=max(1, len(days) // 10), title=t("Calls per day"))
    per_hour = charts.bar_chart([f"{h:02d}" for h in range(24)], stats.per_hour, label_every=2,
                                title=t("Calls per hour of day"))
    outcomes = charts.hbar_chart([(t("outcome_" + name), n, f"{n} ({_pct(n, stats.total)})")
                                  for name, n in stats.outcomes.most_common()], title=t("Outcomes"))
    share = charts.hbar_chart([(t("In business hours"), stats.in_hours, _pct(stats.in_hours, stats.total)),
                               (t("After hours"), stats.after_hours, _pct(stats.after_hours, stats.total))],
                              maximum=max(1, stats.in_hours + stats.after_hours), title=t("After-hours share"))
    transfers = charts.hbar_chart(
        [(names.get(dept, dept), (entry.rate or 0) * 100, f"{entry.answered}/{entry.attempts} ({_pct(entry.answered, entry.attempts)})")
         for dept, entry in sorted(stats.transfers.items(), key=lambda kv: -kv[1].attempts)],
        maximum=100, title=t("Transfer success by department"))
    answer = charts.bar_chart(list(stats.answer_buckets), list(stats.answer_buckets.values()),
                              width=420, title=t("Time to answer"))
    satisfaction = charts.bar_chart([f"{score}★" for score in stats.satisfaction], list(stats.satisfaction.values()),
                                    width=420, title=t("Satisfaction"))
    return render(request, "stats.html", zone=zone_of(directory), stats=stats, per_day=per_day, per_hour=per_hour,
                  outcomes=outcomes, share=share, transfers=transfers, answer=answer, satisfaction=satisfaction)


@routes.get("/stats.csv")
async def stats_export(request: web.Request) -> web.Response:
    stats, directory = await _stats(request)

    text = stats_csv(stats, _department_names(directory, language(request)))
    name = f"calls-{stats.day_from.isoformat()}-{stats.day_to.isoformat()}.csv"
    return web.Response(body=("\ufeff" + text).encode("utf-8"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"
