"""Role × endpoint: each user sees and changes exactly what is in scope; outside scope is 404."""

from __future__ import annotations

import json

import pytest
from tests.store.conftest import move

pytestmark = pytest.mark.django_db

# Who can see which evaluation (ev_a: 单位甲一 under 主管部门甲; ev_b: 单位乙一 under 主管部门乙).
SEES = {
    "unit_a": {"a"}, "unit_b": {"b"}, "dept_a": {"a"}, "dept_b": {"b"}, "finance": {"a", "b"},
    "finance_other": set(), "expert": {"a"}, "expert_idle": set(), "admin": {"a", "b"},
}
UNITS = {
    "unit_a": {"440101"}, "unit_b": {"440201"}, "dept_a": {"4401", "440101"}, "dept_b": {"4402", "440201"},
    "finance": {"44", "4401", "440101", "4402", "440201"}, "finance_other": {"45"}, "expert": {"440101"},
    "expert_idle": set(), "admin": {"44", "4401", "440101", "4402", "440201", "45"},
}
READS = ["", "/versions/1", "/adjustments", "/opinions", "/attachments", "/audit"]


@pytest.mark.parametrize("who", sorted(SEES))
def test_reads_are_scoped(world, who):
    c = world.client(who)
    ids = {"a": world.ev_a.id, "b": world.ev_b.id}
    listed = {e["id"] for e in c.get("/api/v1/evaluations").json()["items"]}
    assert listed == {ids[k] for k in SEES[who]}
    assert {u["code"] for u in c.get("/api/v1/units").json()["items"]} == UNITS[who]
    for key, pk in ids.items():
        for tail in READS:
            r = c.get(f"/api/v1/evaluations/{pk}{tail}")
            want = 200 if key in SEES[who] else 404
            assert r.status_code == want, (who, key, tail, r.content[:200])
            if want == 404:
                assert r.json()["code"] == "E-ST-NOT-FOUND"


# Saving a version of ev_a (a draft): only its own unit's 填报人; others in scope 403, outside 404.
SAVE = {"unit_a": 201, "unit_b": 404, "dept_a": 403, "dept_b": 404, "finance": 403, "finance_other": 404,
        "expert": 403, "expert_idle": 404, "admin": 403}


@pytest.mark.parametrize("who,status", sorted(SAVE.items()))
def test_who_may_save_a_version(world, seed_scored, who, status):
    facts = json.loads(json.dumps(seed_scored.document))
    facts["narrative"] = {"概况": f"{who} 修改"}
    r = world.client(who).post(f"/api/v1/evaluations/{world.ev_a.id}/versions",
                               json.dumps({"facts": facts, "base_version": 1}), content_type="application/json")
    assert r.status_code == status, r.content[:300]
    world.ev_a.refresh_from_db()
    assert world.ev_a.current == (2 if status == 201 else 1)


# Adjusting ev_a while it is with 主管部门 (已送审): 主管部门甲 and the assigned expert only.
ADJUST = {"unit_a": 403, "unit_b": 404, "dept_a": 201, "dept_b": 404, "finance": 403, "finance_other": 404,
          "expert": 201, "expert_idle": 404, "admin": 403}


@pytest.mark.parametrize("who,status", sorted(ADJUST.items()))
def test_who_may_adjust_and_give_opinions(world, who, status):
    ev = move(world, world.ev_a, ("submit", "unit_a"))
    c = world.client(who)
    r = c.post(f"/api/v1/evaluations/{ev.id}/opinions", json.dumps({"text": "意见", "indicator": "预算编制合理性"}),
               content_type="application/json")
    assert r.status_code == status, r.content[:300]
    r = c.post(f"/api/v1/evaluations/{ev.id}/adjustments",
               json.dumps({"target": "预算符合职责", "value": False, "reason": "复核调整", "base_version": 1}),
               content_type="application/json")
    assert r.status_code == status, r.content[:300]
    ev.refresh_from_db()
    assert ev.current == (2 if status == 201 else 1)


def test_units_and_experts_are_admin_and_finance_business(world):
    body = json.dumps({"code": "440102", "name": "单位甲二", "parent": "4401"})
    for who in ("unit_a", "dept_a", "finance"):
        assert world.client(who).post("/api/v1/units", body, content_type="application/json").status_code == 403
    assert world.client("admin").post("/api/v1/units", body, content_type="application/json").status_code == 201
    assign = json.dumps({"username": "expert_idle"})
    assert world.client("dept_a").post(f"/api/v1/evaluations/{world.ev_a.id}/experts", assign,
                                       content_type="application/json").status_code == 403
    assert world.client("finance").post(f"/api/v1/evaluations/{world.ev_a.id}/experts", assign,
                                        content_type="application/json").status_code == 201
    assert world.client("expert_idle").get(f"/api/v1/evaluations/{world.ev_a.id}").status_code == 200


def test_no_credentials_is_401_and_a_bad_token_too(world, client):
    assert client.get("/api/v1/evaluations").status_code == 401
    from django.test import Client

    r = Client(HTTP_AUTHORIZATION="Bearer jx_not-a-token").get("/api/v1/evaluations")
    assert r.status_code == 401 and r.json()["code"] == "E-API-AUTH"
