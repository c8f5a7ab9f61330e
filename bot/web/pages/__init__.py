"""One module per console page (or group of pages); each has a `routes` table."""

from bot.web.pages import (
    announcements,
    board,
    caller_notes,
    calls,
    directory,
    inquiries,
    kiosk,
    messages,
    organisation,
    phone_use,
    signin,
    stats,
    users,
    visitors,
)

ROUTES = [*signin.routes, *board.routes, *calls.routes, *messages.routes, *visitors.routes, *organisation.routes,
          *users.routes, *stats.routes, *kiosk.routes, *caller_notes.routes, *directory.routes,
          *announcements.routes, *phone_use.routes, *inquiries.routes]
