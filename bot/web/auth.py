"""Console accounts, sign-in with lock-out, and server-side sessions.

- Passwords are hashed with argon2id (argon2-cffi); a hash made with older parameters is
  re-hashed at the next successful sign-in.
- A sign-in that fails `lockout_failures` times within `lockout_window_s` locks the account
  for `lockout_s`; while locked even the right password is refused. An unknown user name costs
  the same hashing time as a wrong password, so timing does not tell which names exist.
- A session is a random token in a cookie; the database keeps only its SHA-256, so a copy of
  the database does not sign anyone in. Each session has its own CSRF token. A session idle
  for longer than `idle_timeout_s` is over.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.db.tables import ConsoleSessionRow, ConsoleUserRow, utcnow
from bot.web.roles import Role
from bot.web.settings import ConsoleSettings

MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_HASHER = PasswordHasher()
_TOUCH_EVERY = dt.timedelta(seconds=30)
"""last_seen_at is written at most this often (fewer writes; the idle time-out is minutes)."""


class SignInRefused(Exception):
    """Wrong user name or password, a disabled account, or a locked one (`locked_until` set)."""

    def __init__(self, locked_until: dt.datetime | None = None) -> None:
        super().__init__("locked" if locked_until else "refused")
        self.locked_until = locked_until


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    created_at: dt.datetime
    locked_until: dt.datetime | None = None

    @property
    def label(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True)
class SignedIn:
    """The user behind a request, and the session's CSRF token."""

    user: User
    session_id: str
    csrf_token: str


# ---------------------------------------------------------------------------------- accounts


def create_user(session: Session, username: str, password: str, role: Role | str,
                display_name: str = "") -> User:
    name = username.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise ValueError("a user name is 2 to 64 characters: lower-case letters, digits, '.', '_' or '-'")
    if session.execute(select(ConsoleUserRow.id).where(ConsoleUserRow.username == name)).first():
        raise ValueError(f"there is already a user called '{name}'")
    row = ConsoleUserRow(username=name, display_name=" ".join(display_name.split())[:200],
                         password_hash=_HASHER.hash(check_password(password)), role=Role(role).value,
                         active=True, created_at=utcnow(), failed_count=0)
    session.add(row)
    session.flush()
    return _user(row)


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise ValueError("a password may have at most 1024 characters")
    return password


def list_users(session: Session) -> list[User]:
    return [_user(r) for r in session.execute(select(ConsoleUserRow).order_by(ConsoleUserRow.username)).scalars()]


def get_user(session: Session, username: str) -> User | None:
    row = _row(session, username)
    return _user(row) if row else None


def set_password(session: Session, username: str, password: str) -> User:
    """A new password; every session of the user ends."""
    row = _existing(session, username)
    row.password_hash = _HASHER.hash(check_password(password))
    row.failed_count, row.failed_since, row.locked_until = 0, None, None
    end_sessions(session, row.id)
    return _user(row)


def set_role(session: Session, username: str, role: Role | str) -> User:
    row = _existing(session, username)
    row.role = Role(role).value
    session.flush()
    return _user(row)


def set_active(session: Session, username: str, active: bool) -> User:
    """Disable (sessions end at once) or enable an account; enabling also lifts a lock-out."""
    row = _existing(session, username)
    row.active = active
    if active:
        row.failed_count, row.failed_since, row.locked_until = 0, None, None
    else:
        end_sessions(session, row.id)
    session.flush()
    return _user(row)


def count_admins(session: Session) -> int:
    rows = session.execute(select(ConsoleUserRow.id).where(ConsoleUserRow.role == Role.ADMIN.value,
                                                           ConsoleUserRow.active.is_(True)))
    return len(rows.all())


# ---------------------------------------------------------------------------------- signing in


def authenticate(session: Session, username: str, password: str, settings: ConsoleSettings,
                 now: dt.datetime | None = None) -> User:
    """The user when the password is right and the account usable; else `SignInRefused`."""
    moment = now or utcnow()
    row = _row(session, username.strip().lower())
    if row is None:
        _verify(_dummy_hash(), password)
        raise SignInRefused()
    if row.locked_until is not None and row.locked_until > moment:
        _verify(_dummy_hash(), password)
        raise SignInRefused(row.locked_until)
    if not _verify(row.password_hash, password) or not row.active:
        _count_failure(row, settings, moment)
        session.flush()
        raise SignInRefused(row.locked_until if row.locked_until and row.locked_until > moment else None)
    if _HASHER.check_needs_rehash(row.password_hash):
        row.password_hash = _HASHER.hash(password)
    row.failed_count, row.failed_since, row.locked_until = 0, None, None
    session.flush()
    return _user(row)


@functools.cache
def _dummy_hash() -> str:
    """Verified against for unknown or locked accounts, so every refusal costs the same time."""
    return _HASHER.hash(secrets.token_hex(16))


def _verify(encoded: str, password: str) -> bool:
    try:
        return _HASHER.verify(encoded, password)
    except (VerificationError, InvalidHashError):
        return False


def _count_failure(row: ConsoleUserRow, settings: ConsoleSettings, moment: dt.datetime) -> None:
    window = dt.timedelta(seconds=settings.lockout_window_s)
    if row.failed_since is None or moment - row.failed_since > window:
        row.failed_since, row.failed_count = moment, 1
    else:
        row.failed_count = (row.failed_count or 0) + 1
    if row.failed_count >= settings.account_lockout_failures:
        row.locked_until = moment + dt.timedelta(seconds=settings.lockout_s)
        row.failed_count, row.failed_since = 0, None


# ---------------------------------------------------------------------------------- sessions


def open_session(session: Session, user: User) -> tuple[str, SignedIn]:
    """A new session: returns the cookie's token (shown once, never stored) and the session."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = ConsoleSessionRow(id=_digest(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                            created_at=now, last_seen_at=now)
    session.add(row)
    session.flush()
    return token, SignedIn(user, row.id, row.csrf_token)


def resume_session(session: Session, token: str, settings: ConsoleSettings,
                   now: dt.datetime | None = None) -> SignedIn | None:
    """The session behind a cookie's token, or None when there is none, it idled out, or the
    account was disabled. An idle session is deleted."""
    if not token or len(token) > 200:
        return None
    moment = now or utcnow()
    found = session.execute(
        select(ConsoleSessionRow, ConsoleUserRow)
        .join(ConsoleUserRow, ConsoleUserRow.id == ConsoleSessionRow.user_id)
        .where(ConsoleSessionRow.id == _digest(token))
    ).first()
    if found is None:
        return None
    row, user = found
    if moment - row.last_seen_at > dt.timedelta(seconds=settings.idle_timeout_s) or not user.active:
        session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.id == row.id))
        return None
    if moment - row.last_seen_at > _TOUCH_EVERY:
        session.execute(update(ConsoleSessionRow).where(ConsoleSessionRow.id == row.id).values(last_seen_at=moment))
    return SignedIn(_user(user), row.id, row.csrf_token)


def close_session(session: Session, session_id: str) -> None:
    session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.id == session_id))


def end_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.user_id == user_id))


def tokens_match(expected: str, given: str | None) -> bool:
    return bool(given) and secrets.compare_digest(expected.encode(), str(given).encode())


# ---------------------------------------------------------------------------------- helpers


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _row(session: Session, username: str) -> ConsoleUserRow | None:
    return session.execute(select(ConsoleUserRow).where(ConsoleUserRow.username == username)).scalar_one_or_none()


def _existing(session: Session, username: str) -> ConsoleUserRow:
    row = _row(session, username)
    if row is None:
        raise KeyError(f"no console user is called '{username}'")
    return row


def _user(row: ConsoleUserRow) -> User:
    return User(id=row.id, username=row.username, display_name=row.display_name or "", role=Role(row.role),
                active=bool(row.active), created_at=row.created_at, locked_until=row.locked_until)
