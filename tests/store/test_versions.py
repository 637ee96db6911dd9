"""Versions: every save is a new row, optimistic locking with two clients, scoring without saving,
adjustments that rescore, and the edition an evaluation was made with."""

from __future__ import annotations

import copy
import json

import pytest
from tests.store.conftest import move

pytestmark = pytest.mark.django_db


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def changed(document, text):
    d = copy.deepcopy(document)
    d["narrative"] = {"概况": text}
    return d


def test_two_clients_the_second_save_is_refused_naming_who_and_when(world, seed_scored):
    from jixiao.store import services

    services.grant_role(actor=None, username="admin", role="unit", unit_code="440101")
    first, second = world.client("unit_a"), world.client("admin")
    url = f"/api/v1/evaluations/{world.ev_a.id}"
    base1 = first.get(url).json()["current_version"]
    base2 = second.get(url).json()["current_version"]
    assert base1 == base2 == 1
    r1 = post(first, url + "/versions", {"facts": changed(seed_scored.document, "第一人"), "base_version": base1})
    assert r1.status_code == 201 and r1.json()["version"] == 2
    r2 = post(second, url + "/versions", {"facts": changed(seed_scored.document, "第二人"), "base_version": base2})
    assert r2.status_code == 409
    body = r2.json()
    assert body["code"] == "E-ST-STALE" and "unit_a" in body["message"] and "第 2 版" in body["message"]
    assert body["problems"][0]["by"] == "unit_a" and body["problems"][0]["at"]
    versions = first.get(url).json()["versions"]
    assert [v["number"] for v in versions] == [1, 2]
    assert first.get(url + "/versions/2").json()["facts"]["narrative"] == {"概况": "第一人"}
    # Reloaded, the second client saves on top.
    r3 = post(second, url + "/versions", {"facts": changed(seed_scored.document, "第二人"), "base_version": 2})
    assert r3.status_code == 201 and r3.json()["version"] == 3


def test_every_save_is_a_new_version_and_old_ones_stay(world, seed_scored):
    c = world.client("unit_a")
    url = f"/api/v1/evaluations/{world.ev_a.id}"
    doc = copy.deepcopy(seed_scored.document)
    name = "实际政府采购金额"
    old = doc["facts"][name]["value"]
    doc["facts"][name]["value"] = old * 2
    r = post(c, url + "/versions", {"facts": doc, "base_version": 1, "note": "修正"})
    assert r.status_code == 201, r.content
    assert c.get(url + "/versions/1").json()["facts"]["facts"][name]["value"] == old
    assert c.get(url + "/versions/2").json()["facts"]["facts"][name]["value"] == old * 2
    assert c.get(url + "/versions/1").json()["record"]["total"] != c.get(url + "/versions/2").json()["record"]["total"]
    # Saving the same facts again adds nothing.
    r = post(c, url + "/versions", {"facts": doc, "base_version": 2})
    assert r.status_code == 200 and r.json()["unchanged"] is True


def test_bad_facts_are_400_with_intakes_problems_and_nothing_saved(world, seed_scored):
    doc = copy.deepcopy(seed_scored.document)
    name = next(iter(doc["facts"]))
    doc["facts"][name] = "不是数字也不是等级"
    doc["facts"]["不存在的事实"] = 1
    r = post(world.client("unit_a"), f"/api/v1/evaluations/{world.ev_a.id}/versions", {"facts": doc, "base_version": 1})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "E-ST-INPUT" and len(body["problems"]) >= 2
    assert any("不存在的事实" in p["message"] for p in body["problems"])
    world.ev_a.refresh_from_db()
    assert world.ev_a.current == 1


def test_score_a_draft_without_saving(world, seed_scored):
    c = world.client("unit_a")
    r = post(c, f"/api/v1/evaluations/{world.ev_a.id}/score", {"facts": seed_scored.document})
    assert r.status_code == 200
    assert r.json()["total"] == pytest.approx(96.7724, abs=1e-4) and r.json()["grade"] == "优"
    world.ev_a.refresh_from_db()
    assert world.ev_a.current == 1


def test_an_adjustment_rescores_as_a_new_version_with_its_reason(world):
    ev = move(world, world.ev_b, ("submit", "unit_b"))
    c = world.client("dept_b")
    before = c.get(f"/api/v1/evaluations/{ev.id}").json()["total"]
    r = post(c, f"/api/v1/evaluations/{ev.id}/adjustments",
             {"target": "委托业务报告合格率", "value": "50", "reason": "抽查报告半数不合格", "base_version": 1})
    assert r.status_code == 201, r.content
    assert r.json()["version"] == 2 and r.json()["before"] == 100
    detail = c.get(f"/api/v1/evaluations/{ev.id}").json()
    assert detail["current_version"] == 2 and detail["total"] < before
    assert "抽查报告半数不合格" in detail["versions"][-1]["note"]
    assert post(c, f"/api/v1/evaluations/{ev.id}/adjustments",
                {"target": "委托业务报告合格率", "value": "60", "reason": " "}).status_code == 400
    assert post(c, f"/api/v1/evaluations/{ev.id}/adjustments",
                {"target": "没有这个指标", "value": "60", "reason": "x"}).status_code == 404


@pytest.mark.parametrize("kind", ["seed", "form"])
def test_a_changed_edition_still_rescores_under_the_frozen_one(world, seed_scored, form_scored, data_dir,
                                                               monkeypatch, kind):
    """The shipped edition moved on (the registry no longer knows the hash): the frozen copy is
    written under the data folder, loaded, its fingerprint checked, and the record is the same."""
    from jixiao.intake.editions import REGISTRY
    from jixiao.store import services

    ev, scored = (world.ev_a, seed_scored) if kind == "seed" else (world.ev_b, form_scored)
    monkeypatch.setattr(REGISTRY, "by_hash", lambda digest: None)
    s = services.score_draft(evaluation=ev, document=scored.document)
    assert s.edition_hash == ev.edition.hash and s.total == pytest.approx(scored.total)
    assert s.record["lines" if kind == "form" else "indicators"] == scored.record["lines" if kind == "form" else "indicators"]
    assert [p.name for p in (data_dir / "editions").iterdir()] == [
        f"{ev.edition.hash}.{'form' if kind == 'form' else 'framework'}.yaml"]


def test_a_frozen_copy_that_no_longer_matches_is_refused(world, seed_scored, data_dir, monkeypatch):
    from jixiao.intake.editions import REGISTRY
    from jixiao.store import services
    from jixiao.store.errors import Invalid
    from jixiao.store.models import Edition

    monkeypatch.setattr(REGISTRY, "by_hash", lambda digest: None)
    ed = world.ev_a.edition
    changed = dict(ed.framework, name=ed.framework["name"] + "（改）")
    Edition.objects.filter(pk=ed.pk).update(framework=changed)
    world.ev_a.refresh_from_db()
    with pytest.raises(Invalid) as exc:
        services.score_draft(evaluation=world.ev_a, document=seed_scored.document)
    assert "冻结副本" in exc.value.message or "冻结副本" in str(exc.value.problems)


@pytest.mark.parametrize("fmt,marker", [("html", b"<html"), ("md", "深圳市社会保险基金管理局".encode())])
def test_reports_come_from_the_report_service(world, fmt, marker):
    r = world.client("dept_a").get(f"/api/v1/evaluations/{world.ev_a.id}/report?format={fmt}")
    assert r.status_code == 200, r.content[:300]
    assert marker in r.content and "attachment" in r["Content-Disposition"]
    r = world.client("unit_b").get(f"/api/v1/evaluations/{world.ev_b.id}/report?format={fmt}")
    assert r.status_code == 400 and r.json()["code"] == "E-ST-INPUT"
