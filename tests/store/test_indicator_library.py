"""指标库 by 功能分类 and 行业, suggestions from similar projects of other units (within the caller's
scope only), and the 共性指标库: promotion by 财政/管理员 with 指标解释 and 计算方法, retire/restore,
the audit trail and row history; the same over the API per role."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from tests.store.conftest import move

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "examples" / "chizhou-2022" / "target.yaml"
ROLES = ["unit_a", "unit_b", "dept_a", "dept_b", "finance", "finance_other", "expert", "expert_idle", "admin"]


@pytest.fixture(scope="module")
def target_doc():
    from jixiao.intake.yamlio import load
    from jixiao.store import scoring

    return scoring.plain(load(TARGET).data)


def _doc(base: dict, title: str, function: str | None, industry: str | None) -> dict:
    d = copy.deepcopy(base)
    d["项目名称"] = title
    for key, value in (("功能分类", function), ("行业", industry)):
        if value is None:
            d.pop(key, None)
        else:
            d[key] = value
    for row in d["绩效指标"]:  # the example's two weaknesses fixed, so that 良 can be approved
        if row.get("三级指标") == "基建工程委托业务项目数量" and row.get("期间") == "年度":
            row["指标值"] = "≥56个"
        if row.get("三级指标") == "单项业务成本":
            row["指标值"] = "≤1.8万元"
    return d


def _approve(w, doc, unit_user: str, unit_code: str, dept: str):
    from jixiao.store import targets

    ev, _ = targets.submit_form(actor=w.users[unit_user], unit=w.units[unit_code], document=doc, source="t.yaml")
    ev = move(w, ev, ("submit", unit_user))
    targets.grade(actor=w.users[dept], evaluation=ev, grade="良")
    ev = move(w, ev, ("approve", dept))
    targets.grade(actor=w.users["finance"], evaluation=ev, grade="良", reason="细化后安排")
    return targets.approve(actor=w.users["finance"], evaluation=ev)


@pytest.fixture
def two(world, target_doc):
    """unit_b's 委托业务项目 (功能分类 2010301, the world holds its 自评表) and unit_a's 委托业务服务项目
    (2010399: the same 款 20103), both approved."""
    w = world
    w.tb = _approve(w, _doc(target_doc, "委托业务项目", "2010301 行政运行", "公共管理、社会保障和社会组织"),
                    "unit_b", "440201", "dept_b")
    w.ta = _approve(w, _doc(target_doc, "委托业务服务项目", "2010399 其他政府办公厅（室）及相关机构事务", "建筑业"),
                    "unit_a", "440101", "dept_a")
    return w


def test_the_library_is_searched_by_function_class_and_industry(two):
    from jixiao.store import indicators, selectors

    fin = selectors.evaluations(two.users["finance"])
    projects = lambda **kw: {e.project for e in indicators.library(fin, **kw)}  # noqa: E731
    assert projects(function="20103") == {"委托业务项目", "委托业务服务项目"}  # the 款 holds both
    assert projects(function="2010301") == {"委托业务项目"}
    assert projects(function="201") == {"委托业务项目", "委托业务服务项目"}
    assert projects(function="行政运行") == {"委托业务项目"}  # by name
    assert projects(function="208") == set()
    assert projects(industry="建筑") == {"委托业务服务项目"}
    assert projects(function="20103", industry="公共管理") == {"委托业务项目"}
    e = next(e for e in indicators.library(fin, "基建工程委托业务项目数量", function="2010301"))
    assert (e.function_class, e.industry, e.actual) == ("2010301 行政运行", "公共管理、社会保障和社会组织", "50")
    # a unit sees its own only, whatever it searches for
    assert {e.project for e in indicators.library(selectors.evaluations(two.users["unit_a"]), function="201")} == \
        {"委托业务服务项目"}


def test_similar_projects_of_other_units_within_scope(two, target_doc):
    from jixiao.store import indicators, selectors, targets

    doc = two.ta.versions.get(number=two.ta.current).facts
    found = indicators.similar(selectors.evaluations(two.users["finance"]), two.ta, doc)
    assert [(s.project, s.unit, s.year) for s in found] == [("委托业务项目", "单位乙一", 2022)]
    assert found[0].reason == "功能分类同属款 20103"
    rows = {e.name: e for e in found[0].rows}
    assert rows["基建工程委托业务项目数量"].value == "≥56个" and rows["基建工程委托业务项目数量"].actual == "50"
    back = indicators.similar(selectors.evaluations(two.users["finance"]), two.tb,
                              two.tb.versions.get(number=two.tb.current).facts)
    assert [s.project for s in back] == ["委托业务服务项目"]
    assert back[0].rows and {e.actual for e in back[0].rows} == {""}  # no 自评表 stored: no 完成值 shown, none invented
    # when another unit has a project of the very same 项, it is chosen over those sharing only the 款
    exact = _approve(two, _doc(target_doc, "行政运行保障项目", "2010399", None), "unit_b", "440201", "dept_b")
    found = indicators.similar(selectors.evaluations(two.users["finance"]), two.ta, doc)
    assert [s.project for s in found] == [exact.title] and found[0].reason.startswith("功能分类同属项 2010399")
    # same 行业 counts too, beside the best 功能分类 level
    draft, _ = targets.submit_form(actor=two.users["unit_a"], unit=two.units["440101"], source="d.yaml",
                                   document=_doc(target_doc, "道路养护", "2120101", "公共管理、社会保障和社会组织"))
    ddoc = draft.versions.get(number=1).facts
    found = indicators.similar(selectors.evaluations(two.users["admin"]), draft, ddoc)
    assert [s.project for s in found] == ["委托业务项目"] and found[0].reason == "行业同为“公共管理、社会保障和社会组织”"
    # nothing shared: a similar name, else nothing
    bare, _ = targets.submit_form(actor=two.users["unit_a"], unit=two.units["440101"], source="b.yaml",
                                  document=_doc(target_doc, "委托业务项目", None, None))
    bdoc = bare.versions.get(number=1).facts
    found = indicators.similar(selectors.evaluations(two.users["finance"]), bare, bdoc)
    assert [s.project for s in found] == ["委托业务项目"] and found[0].reason.startswith("项目名称相近")
    other, _ = targets.submit_form(actor=two.users["unit_a"], unit=two.units["440101"], source="o.yaml",
                                   document=_doc(target_doc, "森林防火", None, None))
    assert indicators.similar(selectors.evaluations(two.users["finance"]), other,
                              other.versions.get(number=1).facts) == []
    # scope: a unit sees no other unit; 主管部门甲 sees none of 乙's; 财政 of another 区划 sees nothing
    for who in ("unit_a", "dept_a", "finance_other"):
        assert indicators.similar(selectors.evaluations(two.users[who]), two.ta, doc) == [], who


def _promote(w, who="finance", target=None, name="公众满意度", **kw):
    from jixiao.store import common

    args = {"explanation": "服务对象对项目实施效果的满意程度", "method": "满意人数 / 调查总人数 × 100%", **kw}
    return common.promote(actor=w.users[who], target=target or w.tb, indicator=name, **args)


def test_promotion_needs_the_role_the_texts_and_an_approved_target(two, target_doc):
    from jixiao.store import common, targets
    from jixiao.store.errors import Conflict, Invalid, NotAllowed, NotFound
    from jixiao.store.models import AuditEvent, CommonIndicator

    for who in ("unit_b", "dept_b"):  # in scope, not the role
        with pytest.raises(NotAllowed, match="财政绩效处或管理员"):
            _promote(two, who)
    for who in ("finance_other", "unit_a", "expert"):  # out of scope: not found, whatever the role
        with pytest.raises(NotFound):
            _promote(two, who)
    with pytest.raises(Invalid, match="请填写指标解释和计算方法") as exc:
        _promote(two, explanation="  ", method="")
    assert [p["where"] for p in exc.value.problems] == ["指标解释", "计算方法"]
    with pytest.raises(Invalid, match="请填写计算方法"):
        _promote(two, method=" ")
    with pytest.raises(Invalid, match="过长"):
        _promote(two, explanation="解" * 2001)
    with pytest.raises(NotFound, match="没有“不存在的指标”"):
        _promote(two, name="不存在的指标")
    draft, _ = targets.submit_form(actor=two.users["unit_b"], unit=two.units["440201"], source="d.yaml",
                                   document=_doc(target_doc, "草稿项目", None, None))
    with pytest.raises(Invalid, match="尚未批复"):
        _promote(two, target=draft)
    with pytest.raises(Invalid, match="绩效目标申报表"):
        _promote(two, target=two.ev_b)  # a 自评表, not a target
    assert CommonIndicator.objects.count() == 0 and not AuditEvent.objects.filter(action__startswith="common.").exists()

    it = _promote(two)
    assert (it.level1, it.level2, it.name, it.value, it.op, it.number, it.unit) == \
        ("满意度指标", "服务对象满意度指标", "公众满意度", "≥90%", "≥", 90.0, "%")
    assert (it.function_class, it.function_code, it.industry) == ("2010301 行政运行", "2010301", "公共管理、社会保障和社会组织")
    assert (it.source_id, it.source_version, it.promoted_by_name, it.active) == (two.tb.pk, two.tb.current, "finance", True)
    a = AuditEvent.objects.get(action="common.promote")
    assert (a.evaluation_id, a.object_type, a.object_id, a.actor_name) == (two.tb.pk, "CommonIndicator", str(it.pk), "finance")
    assert a.detail["method"] == "满意人数 / 调查总人数 × 100%" and a.after
    with pytest.raises(Conflict, match="已有在用的“公众满意度”"):
        _promote(two, who="admin")
    assert it.history.count() == 1

    with pytest.raises(NotAllowed):
        common.retire(actor=two.users["dept_b"], item=it, reason="x")
    with pytest.raises(Invalid, match="请填写停用理由"):
        common.retire(actor=two.users["admin"], item=it, reason="")
    it = common.retire(actor=two.users["admin"], item=it.pk, reason="口径已由省级统一")
    assert not it.active and it.history.count() == 2
    assert not common.search().exists() and common.search(retired=True).get().retired_reason == "口径已由省级统一"
    with pytest.raises(Conflict):
        common.retire(actor=two.users["admin"], item=it.pk, reason="again")
    again = _promote(two, who="admin")  # the retired one no longer blocks
    with pytest.raises(Conflict, match="已有在用"):
        common.restore(actor=two.users["finance"], item=it.pk)
    common.retire(actor=two.users["finance"], item=again, reason="重复")
    assert common.restore(actor=two.users["finance"], item=it.pk).active
    assert list(AuditEvent.objects.filter(action__startswith="common.").order_by("id").values_list("action", flat=True)) == \
        ["common.promote", "common.retire", "common.promote", "common.retire", "common.restore"]
    with pytest.raises(NotFound):
        common.retire(actor=two.users["admin"], item=99999, reason="x")


def test_common_entries_are_offered_by_classification(two, target_doc):
    from jixiao.store import common

    sat = _promote(two)  # 2010301, 公共管理…
    cost = _promote(two, target=two.ta, name="项目总成本")  # 2010399, 建筑业
    fresh = _doc(target_doc, "新项目", "2010301", None)
    fresh["绩效指标"] = [r for r in fresh["绩效指标"] if r.get("三级指标") not in ("公众满意度", "项目总成本")]
    offered = [(o.item.pk, o.reason) for o in common.offers(fresh)]
    assert offered == [(sat.pk, "功能分类同属 2010301 行政运行"), (cost.pk, "功能分类同属 2010399 其他政府办公厅（室）及相关机构事务")]
    assert [o.item.pk for o in common.offers(_doc(target_doc, "x", "2120101", "建筑业"))] == []  # 项目总成本 is on the form
    assert common.offers({"功能分类": "2120101"}) == []  # nothing shared, and no general entry
    assert [o.item.pk for o in common.offers({"行业": "建筑业"})] == [cost.pk]


def test_the_new_endpoints_per_role(two):
    """Reads: the library and the 共性 list for everyone; a target's suggestions in scope only (404
    outside). Writes: 财政 and 管理员 only (403 in scope, 404 outside), the one error shape."""
    def post(who, path, body):
        return two.client(who).post(path, json.dumps(body), content_type="application/json")

    body = {"target": two.tb.pk, "indicator": "公众满意度", "explanation": "满意程度", "method": "满意人数/调查人数"}
    sees_b = {"unit_b", "dept_b", "finance", "admin"}
    promoted = False
    for who in ROLES:  # finance comes before admin: the second promotion of the same indicator is a conflict
        r = two.client(who).get(f"/api/v1/targets/{two.tb.pk}/suggestions")
        assert r.status_code == (200 if who in sees_b else 404), (who, r.content[:200])
        if r.status_code == 404:
            assert set(r.json()) == {"code", "message", "problems"}
        r = post(who, "/api/v1/common-indicators", body)
        if who in ("finance", "admin"):
            want = 409 if promoted else 201
        else:
            want = 403 if who in sees_b else 404
        assert r.status_code == want, (who, r.content[:300])
        if want == 201:
            promoted = True
        else:
            assert set(r.json()) == {"code", "message", "problems"}
        assert two.client(who).get("/api/v1/common-indicators").status_code == 200
    items = two.client("unit_a").get("/api/v1/common-indicators?q=满意").json()["items"]
    assert [i["name"] for i in items] == ["公众满意度"]
    assert items[0]["source"] == {"year": 2022}  # unit_a may not see unit_b's target: only its year
    src = two.client("dept_b").get(f"/api/v1/common-indicators/{items[0]['id']}").json()["source"]
    assert src["project"] == "委托业务项目" and src["unit"] == "单位乙一"
    r = two.client("finance").get(f"/api/v1/targets/{two.ta.pk}/suggestions").json()
    assert r["other_units_in_scope"] and [s["project"] for s in r["similar"]] == ["委托业务项目"]
    assert r["common"] == []  # the one 共性 entry, 公众满意度, is already on the form
    r = two.client("unit_a").get(f"/api/v1/targets/{two.ta.pk}/suggestions").json()
    assert r["other_units_in_scope"] is False and r["similar"] == []
    assert post("finance", "/api/v1/common-indicators", {**body, "target": 2 ** 70}).json()["code"] == "E-API-VALIDATION"
    cid = items[0]["id"]
    for who in ("unit_b", "dept_b", "expert"):
        assert post(who, f"/api/v1/common-indicators/{cid}/retire", {"reason": "x"}).status_code == 403
    r = post("finance", f"/api/v1/common-indicators/{cid}/retire", {"reason": ""})
    assert r.status_code == 400 and r.json()["code"] == "E-ST-MISSING"
    r = post("finance", f"/api/v1/common-indicators/{cid}/retire", {"reason": "改用省级口径"})
    assert r.status_code == 200 and r.json()["active"] is False
    assert two.client("finance").get("/api/v1/common-indicators").json()["items"] == []
    assert len(two.client("finance").get("/api/v1/common-indicators?retired=true").json()["items"]) == 1
    assert post("admin", f"/api/v1/common-indicators/{cid}/restore", {}).json()["active"] is True
    assert two.client("admin").get("/api/v1/common-indicators/424242").status_code == 404
    lib = two.client("finance").get("/api/v1/indicators?function=2010399&industry=建筑").json()["items"]
    assert {i["project"] for i in lib} == {"委托业务服务项目"}
    r = two.client("finance").get("/api/v1/indicators?function=" + "1" * 81)
    assert r.status_code == 400 and r.json()["code"] == "E-ST-TOO-LONG"
