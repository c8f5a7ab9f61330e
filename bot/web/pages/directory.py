"""The operator's directory (#12, point 2; bot/directory/groups.py): whom to put a caller through to, fast.
Operators and above see the directory by department, by floor or as the most frequent targets of the
last 30 days, and search it by name, pinyin initials, English name, extension, department or title. Read
only: presence is changed on the live board, which each entry links to. Extensions are shown (staff
output), mobiles never (the entries carry none)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.orm import Session

from bot.db.tables import utcnow
from bot.directory import groups
from bot.org.model import Directory
from bot.web.app import current_directory, render, require, run_db
from bot.web.roles import Role

routes = web.RouteTableDef()
VIEWS = ("department", "floor", "frequent")
QUICK_FREQUENT = 5
"""How many frequent targets the live board's quick lookup lists."""


@routes.get("/directory")
async def directory_page(request: web.Request) -> web.Response:
    require(request, Role.OPERATOR)
    view = request.query.get("view", VIEWS[0])
    view = view if view in VIEWS else VIEWS[0]
    query = request.query.get("q", "").strip()[:groups.MAX_QUERY]
    directory = await current_directory(request)
    if directory is None:
        return render(request, "directory.html", directory=None, view=view, query=query, shown=[], results=[],
                      top=[], days=groups.FREQUENT_DAYS, words={})
    top = await run_db(request, frequent_targets, directory) if view == "frequent" else []
    shown = {"department": groups.by_department, "floor": groups.by_floor}.get(view, lambda _d: [])(directory)
    results = groups.search(directory, query) if query else []
    words = {e.id: search_words(directory, e) for e in groups.all_entries(directory)}
    return render(request, "directory.html", directory=directory, view=view, query=query, shown=shown,
                  results=results, top=top, days=groups.FREQUENT_DAYS, words=words)


def frequent_targets(session: Session, directory: Directory, limit: int = groups.FREQUENT_LIMIT) -> list[groups.Frequent]:
    """The frequent targets now (the live board's quick lookup asks for fewer)."""
    return groups.frequent(session, directory, utcnow(), limit=limit)


def search_words(directory: Directory, entry: groups.Entry) -> str:
    """What the page's instant filter (static/directory.js) looks in: the names, aliases, pinyin, extension,
    title, department and floor of an entry, folded as the server's search folds them; never a mobile."""
    words = groups.name_words(directory, entry)
    words |= {groups.fold(w) for w in (entry.title, entry.title_en, entry.department_name, entry.department_name_en,
                                       entry.extension or "")}
    if entry.floor:
        words |= {groups.fold(entry.floor.name), groups.fold(entry.floor.name_en)}
    return " ".join(sorted(words - {""}))
