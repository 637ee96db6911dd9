"""The load test's pages (工作台, 评价, 填报, 试算, 总览) read only what they show: no edition's frozen
framework for a list, no version's facts or score record for a list of versions (each ~12–60 KB
of JSON parsed per row on every request), and the same number of queries however many versions
an evaluation has. And the opt-in Server-Timing header the load test reads."""

from __future__ import annotations

import pytest
from tests.web.test_views import client_for, seed_post

FRAMEWORK = '"store_edition"."framework"'
FACTS = '"store_caseversion"."facts"'
RECORD = '"store_score"."record"'


def _get(c, url, data=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as q:
        r = c.post(url, data) if data is not None else c.get(url)
    assert r.status_code == 200, (url, r.status_code)
    sql = [x["sql"] for x in q.captured_queries]
    return r, sql, {col: sum(col in s for s in sql) for col in (FRAMEWORK, FACTS, RECORD)}


def _save(ev, n: int) -> None:
    from django.contrib.auth import get_user_model

    from jixiao.store import services
    from jixiao.store.models import Evaluation
    from jixiao.web import stored

    user = get_user_model().objects.get(username="danwei2")
    for i in range(n):
        ev = Evaluation.objects.get(pk=ev.pk)
        doc = dict(stored.current(ev).facts)
        fact = doc["facts"]["绩效管理制度"]
        doc["facts"] = dict(doc["facts"], 绩效管理制度=dict(fact, evidence=f"第 {i} 次修改"))
        assert services.save_version(actor=user, evaluation=ev, document=doc, base_version=ev.current, note=str(i))


@pytest.mark.django_db
def test_detail_reads_two_records_at_most_however_many_versions(demo):
    ev = demo.ev[("4403RS04", 2020)]
    c = client_for("danwei2")
    url = f"/e/{ev.pk}/"
    c.get(url)  # warm what is cached per process
    _, before, _ = _get(c, url)
    _save(ev, 4)
    r, after, reads = _get(c, url)
    assert len(after) == len(before), (before, after)
    assert reads[FACTS] == 0 and reads[FRAMEWORK] == 0, after
    assert reads[RECORD] <= 2, after  # the unit's own version and the current one, not every version
    html = r.content.decode()
    assert all(f"第 {n} 版" in html for n in range(1, 6))  # yet every version is listed, with its total


@pytest.mark.django_db
def test_lists_read_no_frozen_framework(demo):
    for user, urls in {"danwei2": ["/"], "zhuguan": ["/", "/overview/?year=2020"],
                       "caizheng": ["/", "/overview/?year=2020"]}.items():
        c = client_for(user)
        for url in urls:
            c.get(url)
            _, sql, reads = _get(c, url)
            assert reads[FRAMEWORK] == 0, (user, url, sql)
            if url == "/":
                assert reads[RECORD] == 0, (user, url, sql)  # totals are the evaluation's own copy


@pytest.mark.django_db
def test_home_totals_are_the_current_versions(demo):
    from jixiao.web.stored import pts

    ev = demo.ev[("4403RS04", 2020)]
    _save(ev, 1)
    ev.refresh_from_db()
    html = client_for("danwei2").get("/").content.decode()
    assert pts(ev.versions.get(number=ev.current).score.total) in html


@pytest.mark.django_db
def test_entry_and_live_score_read_each_thing_once(demo):
    ev = demo.ev[("4403RS04", 2020)]
    c = client_for("danwei2")
    c.get(f"/e/{ev.pk}/edit")
    _, sql, reads = _get(c, f"/e/{ev.pk}/edit")
    assert reads == {FRAMEWORK: 0, FACTS: 1, RECORD: 1}, sql
    r, sql, reads = _get(c, f"/e/{ev.pk}/live", seed_post())
    assert reads == {FRAMEWORK: 0, FACTS: 1, RECORD: 0}, sql  # the draft is scored, not the stored record
    assert 'id="total"' in r.content.decode()


@pytest.mark.django_db
def test_framework_source_is_kept_per_edition(demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jixiao.store.models import Evaluation
    from jixiao.web import stored

    stored._SOURCES.clear()
    pk = demo.ev[("4403RS04", 2020)].pk
    first = Evaluation.objects.defer("edition__framework").select_related("edition").get(pk=pk)
    with CaptureQueriesContext(connection) as q:
        source = stored.framework_source(first)
    assert len(q) == 1  # the frozen framework, read once to find where the edition loads from
    again = Evaluation.objects.defer("edition__framework").select_related("edition").get(pk=pk)
    with CaptureQueriesContext(connection) as q:
        assert stored.framework_source(again) == source
    assert len(q) == 0


def test_server_timing_only_when_asked(monkeypatch):
    from jixiao.web import conf

    base = {"MIDDLEWARE": ["django.middleware.security.SecurityMiddleware"], "TEMPLATES": []}
    monkeypatch.delenv("JIXIAO_SERVER_TIMING", raising=False)
    off = dict(base)
    conf.extend(off)
    assert "jixiao.web.timing.ServerTiming" not in off["MIDDLEWARE"]
    monkeypatch.setenv("JIXIAO_SERVER_TIMING", "1")
    on = dict(base)
    conf.extend(on)
    assert on["MIDDLEWARE"][0] == "jixiao.web.timing.ServerTiming"  # outermost: it times the others


@pytest.mark.django_db
def test_server_timing_header():
    from django.contrib.auth import get_user_model
    from django.http import HttpResponse
    from django.test import RequestFactory

    from jixiao.web.timing import ServerTiming

    def view(request):
        # Enough queries to show in a header written to 0.1 ms: one count on an in-memory SQLite
        # can take under 0.05 ms and read as "db;dur=0.0" although it was timed.
        for _ in range(200):
            get_user_model().objects.count()
        return HttpResponse("ok")

    r = ServerTiming(view)(RequestFactory().get("/"))
    parts = {k: float(v) for k, v in (p.strip().split(";dur=") for p in r["Server-Timing"].split(","))}
    assert set(parts) == {"app", "cpu", "db", "peers"}
    assert parts["db"] > 0 and parts["app"] >= parts["db"] and parts["cpu"] >= 0


@pytest.mark.django_db
def test_audit_times_are_shanghai_time_to_the_second(demo):
    from zoneinfo import ZoneInfo

    from jixiao.store.models import AuditEvent

    e = AuditEvent.objects.order_by("-at", "-id").first()
    html = client_for("caizheng").get("/audit/").content.decode()
    assert f"<td>{e.at.astimezone(ZoneInfo('Asia/Shanghai')).strftime('%Y-%m-%d %H:%M:%S')}</td>" in html
