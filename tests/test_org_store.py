"""The organisation in a real database: stored whole, read back equal, replaced atomically."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import event

from bot.org.model import Presence
from bot.org.store import DirectoryCache, load_directory, replace_directory, set_presence


def test_demo_organisation_round_trips_through_the_database(demo_db, demo_directory):
    with demo_db.session() as session:
        stored = load_directory(session)
    assert dataclasses.replace(stored, version=0) == demo_directory
    assert stored.version == 1


def test_cache_sees_a_presence_change_made_elsewhere(demo_db):
    cache = DirectoryCache(demo_db)
    assert cache.current().person("li-na").presence is Presence.AVAILABLE
    with demo_db.session() as session:
        set_presence(session, "li-na", Presence.ON_LEAVE)
    assert cache.current().person("li-na").presence is Presence.ON_LEAVE


def test_the_cache_tells_its_last_snapshot_without_asking_the_database(demo_db):
    cache = DirectoryCache(demo_db)
    statements: list[str] = []
    event.listen(demo_db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    assert cache.last_loaded() is None and statements == []
    first = cache.current()
    with demo_db.session() as session:
        set_presence(session, "li-na", Presence.ON_LEAVE)
    asked = len(statements)
    assert cache.last_loaded() is first and len(statements) == asked  # as last loaded: the change not seen yet
    newer = cache.current()
    assert newer.person("li-na").presence is Presence.ON_LEAVE and cache.last_loaded() is newer


def test_replacing_the_organisation_drops_people_no_longer_listed(demo_db, demo_directory):
    smaller = dataclasses.replace(
        demo_directory, people=tuple(p for p in demo_directory.people if p.id != "he-peng"),
        duty_roster=tuple(d for d in demo_directory.duty_roster if d.person != "he-peng"),
    )
    with demo_db.session() as session:
        version = replace_directory(session, smaller)
    cache = DirectoryCache(demo_db)
    assert version == 2
    assert cache.current().person("he-peng") is None
    assert len(cache.current().people) == len(demo_directory.people) - 1


def test_a_save_started_from_an_older_version_changes_nothing(demo_db, demo_directory):
    """An editor opened at version 1; meanwhile li-na went into a meeting (version 2): the editor's
    save must not silently put her back to available."""

    from bot.org.store import DirectoryChanged

    with demo_db.session() as session:
        set_presence(session, "li-na", Presence.IN_MEETING)
    renamed = dataclasses.replace(demo_directory, organization=dataclasses.replace(
        demo_directory.organization, name="Renamed Ltd"))

    with pytest.raises(DirectoryChanged) as refused, demo_db.session() as session:
        replace_directory(session, renamed, expected_version=1)

    assert (refused.value.expected, refused.value.current) == (1, 2)
    current = DirectoryCache(demo_db).current()
    assert current.organization.name != "Renamed Ltd"
    assert current.person("li-na").presence is Presence.IN_MEETING
    with demo_db.session() as session:
        assert replace_directory(session, renamed, expected_version=2) == 3
    assert DirectoryCache(demo_db).current().organization.name == "Renamed Ltd"
