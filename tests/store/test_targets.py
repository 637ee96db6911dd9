"""绩效目标 in the store: versions, 初审/复审 opinions and grades, 批复 freezing, 调整 with a reason,
the 自评表 prefilled from the approved target and the TARGET_CHANGED finding."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from tests.store.conftest import move

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "examples" / "chizhou-2022" / "target.yaml"


@pytest.fixture(scope="module")
def target_doc():
    from jixiao.intake.yamlio import load
    from jixiao.store import scoring

    return scoring.plain(load(TARGET).data)


def _fixed(doc: dict) -> dict:
    """The example with its two weaknesses fixed (数量 not below last year, 单项业务成本 quantified)."""
    d = copy.deepcopy(doc)
    for row in d["绩效指标"]:
        if row.get("三级指标") == "基建工程委托业务项目数量" and row.get("期间") == "年度":
            row["指标值"] = "≥56个"
        if row.get("三级指标") == "单项业务成本":
            row["指标值"] = "≤1.8万元"
    return d


def _codes(ev) -> list[str]:
    return [f["code"] for f in ev.versions.get(number=ev.current).score.record["findings"]]


def _approved(w, doc):
    """unit_b's target taken through 送审, 初审 (良), 复审 (良) and 批复."""
    from jixiao.store import targets

    ev, _ = targets.submit_form(actor=w.users["unit_b"], unit=w.units["440201"], document=doc, source="target.yaml")
    ev = move(w, ev, ("submit", "unit_b"))
    targets.grade(actor=w.users["dept_b"], evaluation=ev, grade="良")
    ev = move(w, ev, ("approve", "dept_b"))
    targets.grade(actor=w.users["finance"], evaluation=ev, grade="良", reason="指标较完整，细化后安排预算")
    return targets.approve(actor=w.users["finance"], evaluation=ev)


def test_a_target_is_stored_with_its_review(world, target_doc):
    from jixiao.store import targets

    ev, v = targets.submit_form(actor=world.users["unit_b"], unit=world.units["440201"], document=target_doc,
                                source="target.yaml")
    assert ev.kind == "target" and ev.title == "委托业务项目" and ev.year == 2022 and v.number == 1
    assert ev.edition.ref == "national-target-project/2015" and ev.edition.kind == "target"
    rec = v.score.record
    assert {"T_TARGET_LOW", "T_NOT_QUANTIFIED"} <= set(_codes(ev))
    assert rec["suggested_grade"] == "中" and rec["grade"] is None
    assert v.score.total == sum(1 for f in rec["findings"] if f["severity"] == "须修改")
    # the same form again adds no version; another unit's user may not file it
    assert targets.submit_form(actor=world.users["unit_b"], unit=world.units["440201"], document=target_doc,
                               source="target.yaml")[1] is None
    from jixiao.store.errors import NotAllowed, NotFound

    with pytest.raises((NotAllowed, NotFound)):
        targets.submit_form(actor=world.users["unit_a"], unit=world.units["440201"], document=_fixed(target_doc),
                            source="x.yaml")


def test_reviewers_grade_and_opinions_per_level(world, target_doc):
    from jixiao.store import targets
    from jixiao.store.errors import Invalid, NotAllowed
    from jixiao.store.models import AuditEvent

    ev, _ = targets.submit_form(actor=world.users["unit_b"], unit=world.units["440201"], document=target_doc,
                                source="target.yaml")
    with pytest.raises(Exception):  # not under review yet  # noqa: B017
        targets.grade(actor=world.users["dept_b"], evaluation=ev, grade="中")
    ev = move(world, ev, ("submit", "unit_b"))
    with pytest.raises(NotAllowed):
        targets.grade(actor=world.users["finance"], evaluation=ev, grade="良")  # 复审 is not yet its turn
    with pytest.raises(Invalid):
        targets.grade(actor=world.users["dept_b"], evaluation=ev, grade="较好")
    targets.give_opinion(actor=world.users["dept_b"], evaluation=ev, item="适当性", text="数量目标低于上年实际，应提高")
    targets.give_opinion(actor=world.users["dept_b"], evaluation=ev, item="单项业务成本", text="成本指标应量化")
    with pytest.raises(Invalid):
        targets.give_opinion(actor=world.users["dept_b"], evaluation=ev, item="", text="无事项")
    adj = targets.grade(actor=world.users["dept_b"], evaluation=ev, grade="中", reason="两处须修改")
    ev.refresh_from_db()
    rec = ev.versions.get(number=ev.current).score.record
    assert ev.current == 2 and adj.after == "中" and adj.target == "审核.初审.等级"
    assert rec["grade"] == "中" and rec["consequence"]["next"] == "修改后重新报送"
    assert AuditEvent.objects.filter(evaluation=ev, action="target.grade").count() == 1
    ev = move(world, ev, ("return", "dept_b", "请按意见修改后重新报送"))
    by = targets.opinions_by_level(ev)
    assert [o.indicator for o in by["初审"]] == ["适当性", "单项业务成本", ""] and by["复审"] == []
    # the unit's next version: the reviewers' part is not its to state, and the findings are gone
    doc = _fixed(target_doc)
    doc["审核"] = {"复审": {"等级": "优"}}
    ev2, v = targets.submit_form(actor=world.users["unit_b"], unit=world.units["440201"], document=doc, source="v3.yaml")
    assert ev2.pk == ev.pk and v.number == 3 and "审核" not in v.facts
    assert "T_TARGET_LOW" not in _codes(ev2) and "T_NOT_QUANTIFIED" not in _codes(ev2)
    assert v.score.record["grade"] is None


def test_approval_needs_a_budget_grade_and_freezes(world, target_doc):
    from jixiao.store import targets
    from jixiao.store.errors import Conflict

    ev, _ = targets.submit_form(actor=world.users["unit_b"], unit=world.units["440201"], document=_fixed(target_doc),
                                source="target.yaml")
    ev = move(world, ev, ("submit", "unit_b"), ("approve", "dept_b"))
    with pytest.raises(Conflict, match="复审等级"):
        targets.approve(actor=world.users["finance"], evaluation=ev)
    targets.grade(actor=world.users["finance"], evaluation=ev, grade="中")
    with pytest.raises(Conflict, match="修改后重新报送"):
        targets.approve(actor=world.users["finance"], evaluation=ev)
    targets.grade(actor=world.users["finance"], evaluation=ev, grade="差")
    with pytest.raises(Conflict, match="不得进入"):
        targets.approve(actor=world.users["finance"], evaluation=ev)
    targets.grade(actor=world.users["finance"], evaluation=ev, grade="良")
    ev = targets.approve(actor=world.users["finance"], evaluation=ev)
    assert ev.state == "final"
    rec = ev.versions.get(number=ev.current).score.record
    assert rec["grade"] == "良" and rec["consequence"]["next"] == "完善后预算安排" and rec["consequence"]["into_budget"]
    # frozen: no new version, no grade
    with pytest.raises(Conflict):
        targets.save_version(actor=world.users["unit_b"], evaluation=ev, document=target_doc, base_version=ev.current)
    with pytest.raises(Conflict):
        targets.grade(actor=world.users["finance"], evaluation=ev, grade="优")


def test_change_request_goes_through_the_workflow(world, target_doc):
    from jixiao.store import targets
    from jixiao.store.errors import Conflict, Invalid, NotAllowed
    from jixiao.store.models import AuditEvent

    ev = _approved(world, _fixed(target_doc))
    first = targets.approved_version(ev)
    assert first.number == ev.current and [a.reason for a in targets.approvals(ev)] == [""]
    with pytest.raises(Invalid):
        targets.request_change(actor=world.users["unit_b"], evaluation=ev, reason="  ")
    with pytest.raises(NotAllowed):
        targets.request_change(actor=world.users["dept_b"], evaluation=ev, reason="主管部门不能代为申请")
    reason = "年中追加预算10万元，委托业务数量相应增加"
    ev = targets.request_change(actor=world.users["unit_b"], evaluation=ev, reason=reason)
    assert ev.state == "draft" and targets.pending_change(ev) == reason
    with pytest.raises(Conflict):
        targets.request_change(actor=world.users["unit_b"], evaluation=ev, reason=reason)
    # the approved version stays in force while the change is under way
    assert targets.approved_version(ev).number == first.number
    doc = _fixed(target_doc)
    doc["资金"]["年度"] = {"资金总额": 100, "财政拨款": 100, "其他资金": 0}
    for row in doc["绩效指标"]:
        if row.get("三级指标") == "基建工程委托业务项目数量" and row.get("期间") == "年度":
            row["指标值"] = "≥60个"
        if row.get("三级指标") == "项目总成本":
            row["指标值"] = "≤100万元"
    _, v = targets.submit_form(actor=world.users["unit_b"], unit=world.units["440201"], document=doc,
                               source="调整.yaml", note="调整：追加预算", base_version=ev.current)
    ev = move(world, ev, ("submit", "unit_b"))
    targets.grade(actor=world.users["dept_b"], evaluation=ev, grade="良")
    ev = move(world, ev, ("approve", "dept_b"))
    targets.grade(actor=world.users["finance"], evaluation=ev, grade="良")
    ev = targets.approve(actor=world.users["finance"], evaluation=ev)
    found = targets.approvals(ev)
    assert [a.reason for a in found] == ["", reason] and found[1].version.number == ev.current
    assert targets.approved_version(ev).facts["资金"]["年度"]["资金总额"] == 100 and targets.pending_change(ev) == ""
    # every version readable, the first approval's unchanged
    assert ev.versions.get(number=first.number).facts["资金"]["年度"]["资金总额"] == 90
    assert AuditEvent.objects.filter(evaluation=ev, action="target.change_request").count() == 1


def test_selfeval_prefilled_and_compared(world, target_doc):
    from jixiao.store import targets
    from jixiao.store.errors import Conflict

    ev, _ = targets.submit_form(actor=world.users["unit_b"], unit=world.units["440201"], document=_fixed(target_doc),
                                source="target.yaml")
    with pytest.raises(Conflict):
        targets.prefilled(ev)  # not approved yet
    ev = move(world, ev, ("submit", "unit_b"), ("approve", "dept_b"))
    targets.grade(actor=world.users["finance"], evaluation=ev, grade="优")
    ev = targets.approve(actor=world.users["finance"], evaluation=ev)
    doc = targets.prefilled(ev)
    assert doc["项目名称"] == "委托业务项目" and doc["年度"] == 2022 and doc["framework"] == "national-project/2020"
    assert doc["项目资金"][0] == {"资金": "年度资金总额", "年初预算数": 90, "全年预算数": 90}
    rows = {r["三级指标"]: r for r in doc["绩效指标"]}
    assert len(rows) == 10 and rows["基建工程委托业务项目数量"]["年度指标值"] == "≥56个"
    assert rows["基建工程委托业务项目数量"]["一级指标"] == "产出指标" and "实际完成值" not in rows["基建工程委托业务项目数量"]
    assert targets.drift_findings(ev, doc) == []
    # the world's stored 自评表 of the same project states ≥50个 where ≥56个 was approved
    project = targets.selfeval_of(world.users["finance"], ev)
    found = targets.drift_findings(ev, project.versions.get(number=project.current).facts)
    assert [(f.code, f.indicator) for f in found] == [("TARGET_CHANGED", "基建工程委托业务项目数量"),
                                                      ("TARGET_CHANGED", "单项业务成本")]
    assert "≥50个" in found[0].message and "≥56个" in found[0].message


def test_selfeval_saved_from_the_prefill_carries_the_finding(world, target_doc):
    from jixiao.store import targets

    doc = _fixed(target_doc)
    doc["项目名称"] = "委托业务项目（二期）"  # not the world's stored 自评表 of 委托业务项目
    ev = _approved(world, doc)
    doc = targets.prefilled(ev)
    doc["绩效指标"][0].update({"年度指标值": "≥40个", "实际完成值": 41, "分值": 10})  # the rest left to fill in
    project, v = targets.save_selfeval(actor=world.users["unit_b"], target=ev, document=doc)
    assert project.kind == "project" and project.title == ev.title
    codes = [(f["code"], f.get("review")) for f in v.score.record["findings"]]
    assert ("TARGET_CHANGED", True) in codes
    assert v.score.record["approved_target"]["version"] == ev.current


def test_history_from_the_store(world, target_doc):
    """Last year's 实际完成值 in a stored 自评表 is the 历史标准 the target is compared with."""
    from jixiao.intake.yamlio import load
    from jixiao.store import scoring, services, targets

    past = scoring.plain(load(ROOT / "examples" / "chizhou-2022" / "form.yaml").data)
    past["年度"] = 2021
    past["绩效指标"][0]["实际完成值"] = 61
    services.save_scored(actor=None, scored=scoring.score_document("project", past), unit=world.units["440201"],
                         year=2021, source="2021.yaml")
    assert targets.history_for(world.units["440201"], 2022)["基建工程委托业务项目数量"][0].value == 61
    doc = _fixed(target_doc)
    doc.pop("历史完成值")
    ev, v = targets.submit_form(actor=world.users["unit_b"], unit=world.units["440201"], document=doc, source="t.yaml")
    low = {f["indicator"]: f["message"] for f in v.score.record["findings"] if f["code"] == "T_TARGET_LOW"}
    assert set(low) == {"基建工程委托业务项目数量", "公众满意度"}  # 2021: 61个 and 95%
    assert "61个" in low["基建工程委托业务项目数量"] and "2021" in low["基建工程委托业务项目数量"] and "95%" in low["公众满意度"]
    assert v.score.record["history"]["基建工程委托业务项目数量"][0] == {"year": 2021, "value": 61.0, "unit": "个"}


def test_indicator_library_and_history_suggestions(world, target_doc):
    """指标库: approved indicators beside their 完成值, searchable; 历史标准 suggestions with their figures."""
    from jixiao.intake.yamlio import load
    from jixiao.store import indicators, scoring, selectors, services, targets

    ev = _approved(world, _fixed(target_doc))  # unit_b, 2022 委托业务项目; the world holds its 自评表
    found = indicators.library(selectors.evaluations(world.users["finance"]), "委托业务项目数量")
    assert [(e.name, e.value, e.actual, e.year) for e in found] == [("基建工程委托业务项目数量", "≥56个", "50", 2022)]
    assert indicators.library(selectors.evaluations(world.users["finance"]), "", "满意度指标")[0].name == "公众满意度"
    assert indicators.library(selectors.evaluations(world.users["unit_a"]), "委托") == []  # out of scope
    assert indicators.library(selectors.evaluations(world.users["finance"]), "没有这个指标") == []
    # a draft (never approved) is not in the library
    doc = _fixed(target_doc)
    doc["项目名称"] = "草稿项目"
    targets.submit_form(actor=world.users["unit_b"], unit=world.units["440201"], document=doc, source="d.yaml")
    assert all(e.project != "草稿项目" for e in indicators.library(selectors.evaluations(world.users["finance"])))
    # suggestions: the form's 历史完成值 (2019–2021) and a stored 2021 自评表 (61, which wins for 2021)
    past = scoring.plain(load(ROOT / "examples" / "chizhou-2022" / "form.yaml").data)
    past["年度"] = 2021
    past["绩效指标"][0]["实际完成值"] = 61
    services.save_scored(actor=None, scored=scoring.score_document("project", past), unit=world.units["440201"],
                         year=2021, source="2021.yaml")
    s = indicators.suggestions(ev, target_doc)
    shown = [str(x) for x in s["基建工程委托业务项目数量"]]
    assert shown == ["上年实际 61个（2021年 61个）", "三年平均 51.3333个（2021年 61个、2020年 48个、2019年 45个）"]
    assert "公众满意度" in s and [x.method for x in s["公众满意度"]] == ["上年实际"]  # one year only: no average
    assert set(s) == {"基建工程委托业务项目数量", "委托业务报告合格率", "项目总成本", "公众满意度"}  # quantitative only
    bare = _fixed(target_doc)
    bare.pop("历史完成值")
    other, _ = targets.submit_form(actor=world.users["unit_a"], unit=world.units["440101"], document=bare, source="a.yaml")
    assert indicators.suggestions(other, bare) == {}  # no history: nothing invented


def test_targets_over_the_api_and_frozen_after_approval(world, target_doc):
    """The cycle's target steps over the API per role; an approved target cannot be reopened, only
    changed by a request with its reason."""
    from jixiao.store import services
    from jixiao.store.errors import Conflict

    def post(who, path, body=None):
        return world.client(who).post(path, body or {}, content_type="application/json")

    body = {"unit": "440201", "document": _fixed(target_doc)}
    assert post("unit_a", "/api/v1/targets", body).status_code == 404
    assert post("dept_b", "/api/v1/targets", body).status_code == 403
    r = post("unit_b", "/api/v1/targets", body)
    assert r.status_code == 201, r.content
    pk, rec = r.json()["id"], r.json()
    assert rec["kind"] == "target" and rec["suggested_grade"] in ("优", "良", "中", "差")
    assert world.client("unit_a").get(f"/api/v1/targets/{pk}").status_code == 404
    assert world.client("unit_b").get(f"/api/v1/targets/{world.ev_b.id}").json()["code"] == "E-ST-KIND"
    assert post("unit_b", f"/api/v1/evaluations/{pk}/transitions", {"action": "submit"}).status_code == 200
    assert post("unit_b", f"/api/v1/targets/{pk}/grade", {"grade": "良"}).status_code == 403
    r = post("dept_b", f"/api/v1/targets/{pk}/opinions", {"item": "完整性", "text": "中期目标请细化"})
    assert r.status_code == 201
    assert post("dept_b", f"/api/v1/targets/{pk}/grade", {"grade": "良"}).status_code == 200
    assert post("dept_b", f"/api/v1/evaluations/{pk}/transitions", {"action": "approve"}).status_code == 200
    assert post("finance", f"/api/v1/targets/{pk}/approve").json()["code"] == "E-ST-GRADE"  # no 复审 grade yet
    assert post("finance", f"/api/v1/targets/{pk}/grade", {"grade": "良", "reason": "细化后安排"}).status_code == 200
    r = post("finance", f"/api/v1/targets/{pk}/approve")
    assert r.status_code == 200 and r.json()["state"] == "final" and r.json()["approved_version"] >= 1
    assert r.json()["opinions"]["初审"][0]["text"] == "中期目标请细化"

    r = post("finance", f"/api/v1/evaluations/{pk}/transitions", {"action": "reopen", "opinion": "重新看看"})
    assert r.status_code == 409 and r.json()["code"] == "E-ST-FROZEN" and "调整申请" in r.json()["message"]
    with pytest.raises(Conflict, match="调整申请"):  # not even from the command line
        services.transition(actor=None, evaluation=pk, action="reopen", text="x")
    assert post("unit_b", f"/api/v1/targets/{pk}/change-request", {"reason": ""}).status_code == 400
    r = post("unit_b", f"/api/v1/targets/{pk}/change-request", {"reason": "上级追加任务，数量指标需上调"})
    assert r.status_code == 200 and r.json()["state"] == "draft" and r.json()["pending_change"]
    assert r.json()["approved_version"] >= 1  # the approved version stays in force until the change is approved
    lib = world.client("finance").get("/api/v1/indicators?q=委托").json()["items"]
    assert lib and all("委托" in (i["name"] + i["level2"] + i["project"]) for i in lib)
    assert world.client("unit_a").get("/api/v1/indicators?q=委托").json()["items"] == []
