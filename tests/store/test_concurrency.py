"""Two saves at the same moment on PostgreSQL: the row lock lets exactly one through; the other
gets the 409 that names who saved first. (SQLite's test database lives in one process's memory;
there the two-client test in test_versions.py covers the same rule.)"""

from __future__ import annotations

import copy
import threading

import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL")]


def test_simultaneous_saves_one_wins_one_is_told_who(world, seed_scored):
    from django.db import connections

    from jixiao.store import services
    from jixiao.store.errors import Conflict

    services.grant_role(actor=None, username="admin", role="unit", unit_code="440101")
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def save(who: str) -> None:
        doc = copy.deepcopy(seed_scored.document)
        doc["narrative"] = {"概况": who}
        try:
            barrier.wait()
            results[who] = services.save_version(actor=world.users[who], evaluation=world.ev_a, document=doc,
                                                 base_version=1).number
        except Conflict as exc:
            results[who] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(w,)) for w in ("unit_a", "admin")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [w for w, r in results.items() if r == 2]
    lost = [r for r in results.values() if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 1, results
    assert won[0] in lost[0].message and "第 2 版" in lost[0].message
    world.ev_a.refresh_from_db()
    assert world.ev_a.current == 2 and world.ev_a.versions.count() == 2
    assert connection.vendor == "postgresql"


def test_a_save_locks_its_evaluation_only_not_the_shared_edition(world, seed_scored):
    """The row lock is the evaluation's: a save of another evaluation made with the same edition
    (every unit's of one year) goes on meanwhile; the lock once covered the joined edition and unit
    rows too, so saves of different units queued behind each other."""
    from django.db import connections, transaction

    from jixiao.store import services

    other, _ = services.save_scored(actor=None, scored=seed_scored, unit=world.units["440201"], year=2020,
                                    source="case.yaml")
    assert other.edition_id == world.ev_a.edition_id
    locked, done = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def hold() -> None:
        try:
            with transaction.atomic():
                services._locked(world.ev_a)
                locked.set()
                results["other saved while held"] = done.wait(20)
        finally:
            connections.close_all()

    def save_other() -> None:
        try:
            locked.wait(20)
            doc = copy.deepcopy(seed_scored.document)
            doc["narrative"] = {"概况": "另一单位同时保存"}
            results["number"] = services.save_version(actor=None, evaluation=other, document=doc, base_version=1).number
            done.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hold), threading.Thread(target=save_other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == {"number": 2, "other saved while held": True}, results
