"""The list pages' database queries do not grow with the number of rows they show (no N+1): each is
counted on the demo store, then again after more units and evaluations are added."""

from __future__ import annotations

import pytest
from tests.web.test_views import client_for

PAGES = {
    "caizheng": ["/", "/overview/", "/overview/?year=2019", "/audit/", "/forms/", "/forms/?review=1"],
    "zhuguan": ["/", "/overview/", "/audit/"],
    "danwei2": ["/", "/forms/"],
    "zhuanjia": ["/", "/expert/"],
}


def _counts() -> dict[tuple[str, str], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out = {}
    for user, urls in PAGES.items():
        c = client_for(user)
        for url in urls:
            c.get(url)  # once to warm what is cached per process (frameworks, editions)
            with CaptureQueriesContext(connection) as q:
                r = c.get(url)
            assert r.status_code == 200, (user, url, r.status_code)
            out[(user, url)] = len(q.captured_queries)
    return out


def _grow(n: int) -> None:
    """``n`` more units under the demo 主管部门, each with a 2019 and a 2020 evaluation at some step,
    a project form, an expert assignment, opinions and adjustments (more rows of every kind shown)."""
    from jixiao.store import scoring, services
    from jixiao.store.models import Unit
    from jixiao.web import demo as d

    seed = d.seed_document()
    form = d.examples_dir() / "chizhou-2022" / "form.yaml"
    for i in range(n):
        code = f"4403RS9{i}"
        services.create_unit(actor=None, code=code, name=f"测试单位{i}", parent_code=d.DEPT_CODE)
        unit = Unit.objects.get(code=code)
        for year, moves in ((2019, ["submit", "approve", "finalize"]), (2020, ["submit"])):
            doc = d.variant(seed, i % 4, year, unit.name)
            ev, _ = services.save_scored(actor=None, scored=scoring.score_document(scoring.DEPT, doc, source="t"),
                                         unit=unit, year=year, source="t")
            for m in moves:
                services.transition(actor=None, evaluation=ev, action=m)
        services.assign_expert(actor=None, evaluation=ev, username="zhuanjia")
        services.add_opinion(actor=None, evaluation=ev, text="意见", indicator="")
        services.adjust(actor=None, evaluation=ev, target="效果性评分",
                        value={"score": "20", "justification": "测试"}, reason="测试")
        services.import_file(actor=None, path=form, unit_code=code, year=None)


@pytest.mark.django_db
def test_list_pages_queries_do_not_grow_with_rows(demo):
    before = _counts()
    _grow(4)
    after = _counts()
    grew = {k: (before[k], after[k]) for k in before if after[k] > before[k]}
    assert not grew, f"queries grew with rows (before, after): {grew}"
    assert max(after.values()) <= 25, after
