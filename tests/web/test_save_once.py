"""A save from the entry page scores the form once, outside the evaluation's row lock, and stores
exactly what the store's own scoring gives; the store still checks who may edit and whether a
version was saved meanwhile before it looks at the document."""

from __future__ import annotations

import pytest
from tests.web.test_views import NEW, client_for, seed_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluations(monkeypatch):
    """How many times the engine binds and scores a case during a request."""
    from jixiao import services
    from jixiao.store import scoring

    calls = []
    real = services.evaluate

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "evaluate", counted)
    monkeypatch.setattr(scoring.services, "evaluate", counted)
    return calls


def _first_version(c):
    from jixiao.store.models import Evaluation

    assert c.post(NEW,
                  dict(seed_post(), note="首次", base="0")).status_code == 302
    return Evaluation.objects.get(unit__code="4403RS01", year=2020)


def test_a_save_scores_once_and_stores_the_stores_own_scoring(demo, evaluations):
    from jixiao.store import scoring
    from jixiao.store.services import edition_of
    from jixiao.web.stored import frozen_dir

    c = client_for("danwei")
    ev = _first_version(c)
    post = dict(seed_post(), base="1", note="改依据", **{"e.绩效管理制度": "新依据"})
    evaluations.clear()
    r = c.post(f"/e/{ev.pk}/edit", post)
    assert r.status_code == 302, r.content.decode()[:500]
    assert len(evaluations) == 1
    ev.refresh_from_db()
    v = ev.versions.get(number=2)
    assert v.source == "网页填报" and v.facts["facts"]["绩效管理制度"]["evidence"] == "新依据"
    again = scoring.score_document(ev.kind, v.facts, source="网页填报", edition=edition_of(ev), frozen_dir=frozen_dir())
    assert v.score.record == again.record and v.digest == again.digest and ev.total == again.total


def test_a_refused_save_scores_once_and_loses_nothing(demo, evaluations):
    c = client_for("danwei")
    ev = _first_version(c)
    evaluations.clear()
    r = c.post(f"/e/{ev.pk}/edit", dict(seed_post(), base="0", **{"e.绩效管理制度": "另一人改写"}))
    assert r.status_code == 409 and "保存冲突" in r.content.decode()
    assert len(evaluations) == 1
    assert '<span class="total" id="total">96.77</span>' in r.content.decode()  # the page keeps the score
    ev.refresh_from_db()
    assert ev.current == 1


def test_a_save_with_errors_shows_them_beside_their_fields(demo):
    c = client_for("danwei")
    ev = _first_version(c)
    r = c.post(f"/e/{ev.pk}/edit", dict(seed_post(), base="1", **{"v.年初预算数": "abc"}))
    html = r.content.decode()
    assert r.status_code == 400 and "未保存" in html
    # placed beside its field (the field's problem block), not only in the list of unplaced ones
    import re

    block = re.search(r'<div id="err-f\d+" aria-live="polite">([^<]|<(?!/div))*E-IN-NOT-NUMBER', html)
    assert block is not None, html[:2000]
    ev.refresh_from_db()
    assert ev.current == 1


def test_a_save_reads_no_frozen_framework(demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_for("danwei")
    ev = _first_version(c)
    c.get(f"/e/{ev.pk}/edit")  # warm what is kept per process
    with CaptureQueriesContext(connection) as q:
        r = c.post(f"/e/{ev.pk}/edit", dict(seed_post(), base="1", **{"e.绩效管理制度": "再改"}))
    assert r.status_code == 302
    sql = [x["sql"] for x in q.captured_queries]
    assert not [s for s in sql if '"store_edition"."framework"' in s], sql


def test_the_store_checks_who_may_edit_and_staleness_before_the_document(demo):
    from django.contrib.auth import get_user_model

    from jixiao.store import services
    from jixiao.store.errors import Conflict, Invalid, NotAllowed

    c = client_for("danwei")
    ev = _first_version(c)
    bad = dict(ev.versions.get(number=1).facts, facts={"年初预算数": "abc"})
    users = get_user_model().objects
    with pytest.raises(NotAllowed):  # a reviewer cannot save a draft, whatever the document says
        services.save_version(actor=users.get(username="zhuguan"), evaluation=ev, document=bad, base_version=1)
    with pytest.raises(Conflict):  # a stale page is told so first
        services.save_version(actor=users.get(username="danwei"), evaluation=ev, document=bad, base_version=0)
    with pytest.raises(Invalid):
        services.save_version(actor=users.get(username="danwei"), evaluation=ev, document=bad, base_version=1)
    ev.refresh_from_db()
    assert ev.current == 1


def test_a_scoring_under_another_edition_is_not_trusted(demo):
    import dataclasses

    from django.contrib.auth import get_user_model

    from jixiao.store import services
    from jixiao.web import stored

    c = client_for("danwei")
    ev = _first_version(c)
    doc = dict(ev.versions.get(number=1).facts)
    doc["facts"] = dict(doc["facts"], 绩效管理制度={"met": False, "evidence": "改为未达到"})
    _, scored = stored.score_for_save(ev, doc)
    forged = dataclasses.replace(scored, edition_hash="0" * 64, record={"total": 100}, total=100.0)
    v = services.save_version(actor=get_user_model().objects.get(username="danwei"), evaluation=ev, document=doc,
                              base_version=1, scored=forged)
    assert v.score.record == scored.record and v.score.total == scored.total != 100.0
