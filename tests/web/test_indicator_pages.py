"""The 指标库 pages on the demo store: search by 功能分类 and 行业, promotion of a row into the 共性指标库
(财政/管理员 only; 指标解释 and 计算方法 required), the 共性 page (everyone reads; retire/restore by
财政/管理员), and the suggestions on a target's page (other units' similar projects only for roles
whose scope holds other units)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from tests.web.test_targets import client_for

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "examples" / "chizhou-2022" / "target.yaml"


def _doc(title: str, function: str, industry: str) -> dict:
    from jixiao.intake.yamlio import load
    from jixiao.store import scoring

    d = copy.deepcopy(scoring.plain(load(TARGET).data))
    d.update({"项目名称": title, "功能分类": function, "行业": industry})
    for row in d["绩效指标"]:
        if row.get("三级指标") == "基建工程委托业务项目数量" and row.get("期间") == "年度":
            row["指标值"] = "≥56个"
        if row.get("三级指标") == "单项业务成本":
            row["指标值"] = "≤1.8万元"
    return d


def _approved(unit_user: str, unit_code: str, doc: dict):
    from django.contrib.auth import get_user_model

    from jixiao.store import services, targets
    from jixiao.store.models import Unit

    users = {u.username: u for u in get_user_model().objects.all()}
    ev, _ = targets.submit_form(actor=users[unit_user], unit=Unit.objects.get(code=unit_code), document=doc, source="t.yaml")
    services.transition(actor=users[unit_user], evaluation=ev, action="submit")
    targets.grade(actor=users["zhuguan"], evaluation=ev, grade="良")
    services.transition(actor=users["zhuguan"], evaluation=ev, action="approve")
    targets.grade(actor=users["caizheng"], evaluation=ev, grade="良")
    return targets.approve(actor=users["caizheng"], evaluation=ev)


@pytest.fixture
def pair(demo):
    one = _approved("danwei", "4403RS01", _doc("社保经办服务", "2080109 社会保险经办机构", "公共管理、社会保障和社会组织"))
    two = _approved("danwei2", "4403RS04", _doc("社保经办能力建设", "2080109", "公共管理、社会保障和社会组织"))
    return one, two


def _html(r) -> str:
    return r.content.decode()


def test_library_search_promotion_and_the_common_page(pair):
    from jixiao.store.models import AuditEvent, CommonIndicator

    one, two = pair
    fin, unit, unit2, dept, admin = (client_for(u) for u in ("caizheng", "danwei", "danwei2", "zhuguan", "admin"))
    page = _html(fin.get("/targets/library/?function=20801&industry=社会保障&q=公众满意度"))
    assert "2080109 社会保险经办机构" in page and "社保经办服务" in page and "社保经办能力建设" in page
    assert "纳入共性库" in page
    assert "社保经办" not in _html(fin.get("/targets/library/?function=212"))
    assert "纳入共性库" not in _html(unit.get("/targets/library/"))  # a unit may not promote
    assert "社保经办能力建设" not in _html(unit.get("/targets/library/?function=2080109"))  # nor see 4403RS04's

    promote = {"target": one.pk, "indicator": "公众满意度", "explanation": "服务对象满意程度",
               "method": "满意人数 / 调查人数 × 100%", "next": "/targets/library/?q=满意"}
    r = fin.post("/targets/common/promote", {**promote, "method": ""}, follow=True)
    assert "请填写计算方法" in _html(r) and not CommonIndicator.objects.exists()
    r = unit.post("/targets/common/promote", promote, follow=True)
    assert "只有财政绩效处或管理员" in _html(r) and not CommonIndicator.objects.exists()
    assert unit2.post("/targets/common/promote", promote).status_code == 404  # another unit's target: not found
    assert fin.post("/targets/common/promote", {**promote, "target": "x"}).status_code == 404
    r = fin.post("/targets/common/promote", {**promote, "next": "https://elsewhere.example/"})
    assert r.status_code == 302 and r["Location"] == "/targets/common/"  # never sent to another site
    item = CommonIndicator.objects.get()
    assert AuditEvent.objects.filter(action="common.promote", object_id=str(item.pk)).exists()
    assert "纳入共性指标库" in _html(fin.get("/audit/?action=common.promote"))

    for who in ("danwei", "danwei2", "zhuguan", "zhuanjia", "caizheng", "admin"):
        page = _html(client_for(who).get("/targets/common/?q=满意"))
        assert "服务对象满意程度" in page and "满意人数 / 调查人数 × 100%" in page, who
        assert ("停用理由" in page) == (who in ("caizheng", "admin")), who
    assert "社保经办服务" not in _html(unit2.get("/targets/common/"))  # the source project is not in its scope
    assert "社保经办服务" in _html(unit.get("/targets/common/"))

    r = dept.post(f"/targets/common/{item.pk}/retire", {"reason": "x"}, follow=True)
    assert "只有财政绩效处或管理员" in _html(r)
    r = admin.post(f"/targets/common/{item.pk}/retire", {"reason": ""}, follow=True)
    assert "请填写停用理由" in _html(r)
    r = admin.post(f"/targets/common/{item.pk}/retire", {"reason": "改用省级口径"}, follow=True)
    assert "已停用" in _html(r) and "服务对象满意程度" not in _html(unit.get("/targets/common/"))
    assert "改用省级口径" in _html(admin.get("/targets/common/?retired=1"))
    r = fin.post(f"/targets/common/{item.pk}/restore", {}, follow=True)
    assert "已恢复" in _html(r)
    assert admin.post("/targets/common/99999/retire", {"reason": "x"}).status_code == 404
    assert client_for("danwei").get("/targets/common/promote").status_code == 405

    from django.test import Client

    assert Client().get("/targets/common/").status_code == 302  # sign in first


def test_suggestions_on_a_target_page(pair):
    from jixiao.store import common

    one, two = pair
    from django.contrib.auth import get_user_model

    fin_user = get_user_model().objects.get(username="caizheng")
    common.promote(actor=fin_user, target=two, indicator="项目总成本", explanation="项目全部支出", method="各项支出之和")
    page = _html(client_for("caizheng").get(f"/targets/{one.pk}/"))
    assert "其他单位的同类项目" in page and "社保经办能力建设" in page and "功能分类同属项 2080109" in page
    assert "≥56个" in page  # the other project's 指标值
    unit_page = _html(client_for("danwei").get(f"/targets/{one.pk}/"))
    assert "您的查看范围只含本单位" in unit_page and "社保经办能力建设" not in unit_page
    # 共性 entries are for everyone; 项目总成本 is on this form already, so only a form without it is offered it
    assert "共性指标库中暂无适用于本项目的指标" in unit_page
    assert [o.item.name for o in common.offers({"功能分类": "2080109"})] == ["项目总成本"]
