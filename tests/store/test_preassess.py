"""事前绩效评估 in the store: created from a sheet or a blank form, marked by the assigned experts
(each only their own row), the combined result always the core's ``assess``, the outcome recorded by
财政; every write a new version with its audit event, every role kept to its part."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db
MARKS = {"甲": {"立项必要性": 18, "投入经济性": 15, "绩效目标合理性": 14, "实施方案可行性": 17, "筹资合规性": 19},
         "乙": {"立项必要性": "优", "投入经济性": 16, "绩效目标合理性": "中", "实施方案可行性": 16, "筹资合规性": 18},
         "丙": {"立项必要性": 17, "投入经济性": 14, "绩效目标合理性": 15, "实施方案可行性": "良", "筹资合规性": 18}}


@pytest.fixture
def sheet():
    from jixiao.intake.yamlio import load
    from jixiao.store import scoring

    return scoring.plain(load(ROOT / "examples" / "chizhou-2022" / "preassessment.yaml").data)


def blank(**more) -> dict:
    return {"项目名称": "乡村道路养护项目", "主管部门": "主管部门乙", "申请资金": 300, "年度": 2023, **more}


@pytest.fixture
def experts(world):
    from jixiao.store import services

    for name in ("pa", "pb", "pc"):
        world.users[name] = services.create_user(actor=None, username=name, role="expert")
        world.tokens[name] = services.issue_token(actor=None, username=name)
    return ["pa", "pb", "pc"]


def core_result(doc: dict):
    """The core's own result for a sheet, to compare the store's with (never a second scoring)."""
    from jixiao import services as core
    from jixiao.intake.case import JsonDoc
    from jixiao.store import preassess

    sheet = preassess._sheet(doc)
    return core.evaluate(JsonDoc(sheet, {}, "x"), preassess._edition_named(sheet, "x")).result


def test_a_sheet_is_stored_with_the_cores_result(world, sheet):
    from jixiao.store import preassess
    from jixiao.store.models import AuditEvent

    ev, v = preassess.create(actor=world.users["unit_b"], unit=world.units["440201"], document=sheet, source="p.yaml")
    assert (ev.kind, ev.title, ev.year, ev.state) == ("preassessment", "委托业务项目", 2022, "draft")
    assert (ev.total, ev.grade, v.score.status) == (82.33, "通过", "通过")
    r = core_result(sheet)
    assert v.score.record == r.to_json()
    assert [d["score"] for d in v.score.record["dimensions"]] == [18.0, 15.0, 14.33, 16.67, 18.33]
    actions = list(AuditEvent.objects.filter(evaluation=ev).order_by("id").values_list("action", flat=True))
    assert actions == ["evaluation.create", "version.save"]


def test_a_blank_form_waits_for_experts_then_scores_over_all_of_them(world, experts):
    from jixiao.store import preassess
    from jixiao.store.errors import Conflict, NotAllowed

    ev, v = preassess.create(actor=world.users["dept_b"], unit=world.units["440201"], document=blank(), source="网页")
    assert (ev.total, ev.grade, v.score.status, v.score.record["pending"]) == (None, "", "待评分", True)
    with pytest.raises(Conflict, match="还没有专家评分"):
        preassess.conclude(actor=world.users["finance"], evaluation=ev, outcome="通过")
    with pytest.raises(NotAllowed, match="只有财政绩效处或管理员"):
        preassess.assign(actor=world.users["dept_b"], evaluation=ev, username="pa")
    for name in experts:
        preassess.assign(actor=world.users["finance"], evaluation=ev, username=name)
    with pytest.raises(NotAllowed, match="只有指派给本项目的专家"):
        preassess.mark(actor=world.users["expert_idle"], evaluation=ev, marks=MARKS["甲"])
    v1 = preassess.mark(actor=world.users["pa"], evaluation=ev, marks=MARKS["甲"], comment="成本指标未细化")
    ev.refresh_from_db()
    assert v1.number == 2 and ev.total == 83.0 and ev.grade == "通过"
    assert [f["code"] for f in v1.score.record["findings"]] == ["P_FEW_EXPERTS"]  # one of three so far
    preassess.mark(actor=world.users["pb"], evaluation=ev, marks={k: str(x) for k, x in MARKS["乙"].items()})
    v3 = preassess.mark(actor=world.users["pc"], evaluation=ev, marks=MARKS["丙"])
    ev.refresh_from_db()
    assert ev.total == 82.33 and v3.number == 4 and v3.score.record["findings"] == []
    assert v3.facts["专家"][0] == {"姓名": "pa", "账号": "pa", **MARKS["甲"], "意见": "成本指标未细化"}
    doc = {**blank(), "专家": [{"姓名": n, **m} for n, m in MARKS.items()]}
    assert v3.score.record["total"] == core_result(doc).total
    # an expert changes their own row only; the same marks again add no version
    v4 = preassess.mark(actor=world.users["pa"], evaluation=ev, marks={**MARKS["甲"], "投入经济性": 20})
    assert [r["投入经济性"] for r in v4.facts["专家"]] == [20, 16, 14] and v4.number == 5
    assert preassess.mark(actor=world.users["pa"], evaluation=ev, marks={**MARKS["甲"], "投入经济性": 20}).number == 5
    with pytest.raises(Conflict, match="保存冲突"):
        preassess.mark(actor=world.users["pb"], evaluation=ev, marks=MARKS["乙"], base_version=3)
    assert ev.versions.count() == 5


@pytest.mark.parametrize(("marks", "code", "text"), [
    ({"立项必要性": 21}, "E-IN-PRE-MARK", "应在 0 到 20 分之间"),
    ({"立项必要性": -0.01}, "E-IN-PRE-MARK", "应在 0 到 20 分之间"),
    ({"立项必要性": "很好"}, "E-IN-PRE-MARK", "优、良、中、差"),
    ({"立项必要性": ""}, "E-IN-MISSING", "未对 立项必要性 评分"),
    ({"可持续性": 10}, "E-IN-UNKNOWN-KEY", "不是评估维度"),
])
def test_bad_marks_are_refused_and_change_nothing(world, experts, marks, code, text):
    from jixiao.store import preassess
    from jixiao.store.errors import Invalid

    ev, _ = preassess.create(actor=world.users["unit_b"], unit=world.units["440201"], document=blank(), source="网页")
    preassess.assign(actor=world.users["finance"], evaluation=ev, username="pa")
    with pytest.raises(Invalid, match=text) as e:
        preassess.mark(actor=world.users["pa"], evaluation=ev, marks={**MARKS["甲"], **marks})
    assert code in {e.value.code, *(p["code"] for p in e.value.problems)}
    ev.refresh_from_db()
    assert ev.current == 1


def test_boundary_marks_are_kept(world, experts):
    from jixiao.store import preassess

    ev, _ = preassess.create(actor=world.users["unit_b"], unit=world.units["440201"], document=blank(), source="网页")
    preassess.assign(actor=world.users["finance"], evaluation=ev, username="pa")
    v = preassess.mark(actor=world.users["pa"], evaluation=ev,
                       marks={"立项必要性": 20, "投入经济性": 0, "绩效目标合理性": "差", "实施方案可行性": 20, "筹资合规性": 20})
    assert v.score.record["total"] == 66.0 and v.score.status == "再评估"


def test_the_outcome_is_recorded_by_finance_with_a_reason_when_it_differs(world, sheet, experts):
    from jixiao.store import preassess, services
    from jixiao.store.errors import Conflict, Invalid, NotAllowed
    from jixiao.store.models import AuditEvent

    ev, _ = preassess.create(actor=world.users["unit_b"], unit=world.units["440201"], document=sheet, source="p.yaml")
    preassess.assign(actor=world.users["finance"], evaluation=ev, username="pa")
    for who in ("unit_b", "dept_b", "pa"):
        with pytest.raises(NotAllowed):
            preassess.conclude(actor=world.users[who], evaluation=ev, outcome="通过")
    with pytest.raises(Invalid, match="应为 通过、再评估、不通过 之一"):
        preassess.conclude(actor=world.users["finance"], evaluation=ev, outcome="支持")
    with pytest.raises(Invalid, match="须填写理由"):
        preassess.conclude(actor=world.users["finance"], evaluation=ev, outcome="再评估", reason="  ")
    with pytest.raises(Conflict, match="事前评估不走送审流程"):
        services.transition(actor=world.users["unit_b"], evaluation=ev, action="submit")
    ev = preassess.conclude(actor=world.users["finance"], evaluation=ev, outcome="再评估", reason="成本测算依据不足")
    assert (ev.state, ev.grade, ev.total) == ("final", "再评估", 82.33)
    v = ev.versions.get(number=ev.current)
    assert v.facts["评估结论"] == {"结论": "再评估", "理由": "成本测算依据不足", "计算结论": "通过", "记录人": "finance"}
    assert v.score.status == "通过"  # the computed outcome stays what the marks give
    assert AuditEvent.objects.filter(evaluation=ev, action="preassess.conclude").count() == 1
    with pytest.raises(Conflict, match="评估结论已记录"):
        preassess.mark(actor=world.users["pa"], evaluation=ev, marks=MARKS["甲"])
    with pytest.raises(Conflict, match="评估结论已记录"):
        preassess.assign(actor=world.users["finance"], evaluation=ev, username="pb")
    # reopened by 财政: experts mark again, and the old conclusion no longer holds
    ev = services.transition(actor=world.users["finance"], evaluation=ev, action="reopen", text="专家复议")
    v = preassess.mark(actor=world.users["pa"], evaluation=ev, marks=MARKS["甲"])
    assert "评估结论" not in v.facts
    ev.refresh_from_db()
    assert ev.grade == v.score.status


def test_who_may_create_and_what_each_role_sees(world, sheet, experts):
    from jixiao.store import preassess
    from jixiao.store.errors import Conflict, NotAllowed, NotFound

    with pytest.raises(NotFound):
        preassess.create(actor=world.users["unit_a"], unit=world.units["440201"], document=blank(), source="x")
    with pytest.raises(NotFound):
        preassess.create(actor=world.users["dept_a"], unit=world.units["440201"], document=blank(), source="x")
    with pytest.raises(NotFound):
        preassess.create(actor=world.users["pa"], unit=world.units["440201"], document=blank(), source="x")
    ev, _ = preassess.create(actor=world.users["finance"], unit=world.units["440201"], document=sheet, source="p.yaml")
    preassess.assign(actor=world.users["finance"], evaluation=ev, username="pa")
    with pytest.raises(NotAllowed, match="专家不能新建"):  # the unit is in sight through the assignment
        preassess.create(actor=world.users["pa"], unit=world.units["440201"], document=blank(), source="x")
    with pytest.raises(Conflict, match="已有“委托业务项目”2022 年度的事前评估"):
        preassess.create(actor=world.users["unit_b"], unit=world.units["440201"], document=sheet, source="p.yaml")
    preassess.mark(actor=world.users["pa"], evaluation=ev, marks=MARKS["甲"], comment="我的意见")
    ev.refresh_from_db()
    assert [e.id for e in preassess.visible(world.users["unit_b"])] == [ev.id]
    assert [e.id for e in preassess.visible(world.users["dept_b"])] == [ev.id]
    assert list(preassess.visible(world.users["unit_a"])) == list(preassess.visible(world.users["pb"])) == []
    full = preassess.view(world.users["dept_b"], ev)
    assert full.combined and len(full.experts) == 4 and full.record["total"] == ev.total
    own = preassess.view(world.users["pa"], ev)
    assert not own.combined and [r["name"] for r in own.experts] == ["pa"] and own.record == {"pending": False}
    assert own.mine["opinion"] == "我的意见" and own.assigned == [] and own.conclusion == {}
    data = preassess.to_json(own)
    assert data["result"] is None and [x["account"] for x in data["experts"]] == ["pa"]


def test_a_sheet_under_another_kind_of_rules_is_refused(world):
    from jixiao.store import preassess
    from jixiao.store.errors import Invalid

    with pytest.raises(Invalid, match="不是事前绩效评估的评分规则"):
        preassess.create(actor=world.users["unit_b"], unit=world.units["440201"], source="x",
                         document=blank(framework="national-monitoring/2019"))
    with pytest.raises(Invalid) as e:
        preassess.create(actor=world.users["unit_b"], unit=world.units["440201"], source="x",
                         document=blank(申请资金="很多"))
    assert "申请资金" in e.value.problems[0]["message"]
    with pytest.raises(Invalid, match="年度"):
        preassess.create(actor=world.users["unit_b"], unit=world.units["440201"], source="x",
                         document={k: v for k, v in blank().items() if k != "年度"})


def test_a_changed_shipped_edition_rescores_under_the_frozen_copy(world, experts, monkeypatch):
    from jixiao.intake.editions import REGISTRY
    from jixiao.store import preassess

    ev, _ = preassess.create(actor=world.users["unit_b"], unit=world.units["440201"], document=blank(), source="网页")
    preassess.assign(actor=world.users["finance"], evaluation=ev, username="pa")
    monkeypatch.setattr(REGISTRY, "by_hash", lambda digest: None)  # as if the shipped file had changed
    v = preassess.mark(actor=world.users["pa"], evaluation=ev, marks=MARKS["甲"])
    assert v.score.record["total"] == 83.0 and v.score.record["edition_hash"] == ev.edition.hash


# --- the API ----------------------------------------------------------------------------------------

def test_the_api_per_role(world, sheet, experts):
    post = lambda who, url, body: world.client(who).post(url, body, content_type="application/json")  # noqa: E731
    body = {"unit": "440201", "document": blank()}
    assert post("unit_a", "/api/v1/preassessments", body).status_code == 404
    r = post("pa", "/api/v1/preassessments", body)
    assert r.status_code == 404 and r.json()["code"] == "E-ST-NOT-FOUND"
    r = post("unit_b", "/api/v1/preassessments", body)
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["result"] is None and r.json()["experts"] == []
    r = post("unit_b", "/api/v1/preassessments", body)
    assert r.status_code == 409 and "已有“乡村道路养护项目”" in r.json()["message"]
    # assigning: 财政 and 管理员 only
    assert post("dept_b", f"/api/v1/preassessments/{pk}/experts", {"username": "pa"}).status_code == 403
    assert post("finance_other", f"/api/v1/preassessments/{pk}/experts", {"username": "pa"}).status_code == 404
    r = post("finance", f"/api/v1/preassessments/{pk}/experts", {"username": "nobody"})
    assert r.status_code == 404 and "专家用户“nobody”" in r.json()["message"]
    for name in experts:
        assert post("finance", f"/api/v1/preassessments/{pk}/experts", {"username": name}).status_code == 201
    # marks: each expert their own; a wrong mark is the one error shape with its place
    r = post("pa", f"/api/v1/preassessments/{pk}/marks", {"marks": {**MARKS["甲"], "投入经济性": 25}})
    assert r.status_code == 400 and set(r.json()) == {"code", "message", "problems"}
    assert "投入经济性" in r.json()["message"] and "0 到 20 分" in r.json()["message"]
    assert post("unit_b", f"/api/v1/preassessments/{pk}/marks", {"marks": MARKS["甲"]}).status_code == 403
    assert post("expert_idle", f"/api/v1/preassessments/{pk}/marks", {"marks": MARKS["甲"]}).status_code == 404
    for name, key in zip(experts, MARKS):
        r = post(name, f"/api/v1/preassessments/{pk}/marks", {"marks": MARKS[key], "comment": f"{key}的意见",
                                                              "title": "副研究员"})
        assert r.status_code == 201, r.content
    mine = r.json()
    assert mine["result"] is None and [e["account"] for e in mine["experts"]] == ["pc"]
    assert mine["experts"][0]["opinion"] == "丙的意见" and mine["assigned"] == []
    assert (mine["experts"][0]["title"], mine["experts"][0]["employer"]) == ("副研究员", None)
    full = world.client("dept_b").get(f"/api/v1/preassessments/{pk}").json()
    assert full["result"]["total"] == 82.33 and full["result"]["outcome"] == "通过"
    assert full["marked"] == full["assigned"] == experts and len(full["experts"]) == 3
    assert [d["grade"] for d in full["result"]["dimensions"]] == ["优", "中", "中", "良", "优"]
    # an expert cannot read the sheet through the generic evaluation calls either
    for url in (f"/api/v1/evaluations/{pk}", f"/api/v1/evaluations/{pk}/versions/2", f"/api/v1/evaluations/{pk}/audit"):
        assert world.client("pa").get(url).status_code == 404, url
        assert world.client("dept_b").get(url).status_code == 200, url
    assert pk not in [e["id"] for e in world.client("pa").get("/api/v1/evaluations").json()["items"]]
    assert [e["id"] for e in world.client("pa").get("/api/v1/preassessments").json()["items"]] == [pk]
    assert world.client("unit_a").get(f"/api/v1/preassessments/{pk}").status_code == 404
    assert world.client("unit_b").get(f"/api/v1/preassessments/{world.ev_b.pk}").status_code == 404  # not one
    # the outcome: 财政 only, a different one with its reason
    assert post("dept_b", f"/api/v1/preassessments/{pk}/outcome", {"outcome": "通过"}).status_code == 403
    r = post("finance", f"/api/v1/preassessments/{pk}/outcome", {"outcome": "不通过"})
    assert r.status_code == 400 and r.json()["code"] == "E-ST-TEXT"
    r = post("finance", f"/api/v1/preassessments/{pk}/outcome", {"outcome": "通过"})
    assert r.status_code == 200 and r.json()["state"] == "final" and r.json()["conclusion"]["结论"] == "通过"
    items = world.client("unit_b").get("/api/v1/preassessments?year=2023").json()["items"]
    assert [(i["id"], i["outcome"], i["total"]) for i in items] == [(pk, "通过", 82.33)]
    assert world.client("unit_b").get("/api/v1/preassessments?year=1800").status_code == 400


def test_a_sheet_file_is_uploaded_over_the_api(world, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    src = (ROOT / "examples" / "chizhou-2022" / "preassessment.yaml").read_bytes()
    c = world.client("unit_b")
    r = c.post("/api/v1/preassessments/upload", {"unit": "440201", "file": SimpleUploadedFile("p.yaml", src)})
    assert r.status_code == 201, r.content
    assert r.json()["result"]["total"] == 82.33 and [e["name"] for e in r.json()["experts"]] == ["专家甲", "专家乙", "专家丙"]
    r = c.post("/api/v1/preassessments/upload", {"unit": "440201", "file": SimpleUploadedFile("p.txt", b"x")})
    assert r.status_code == 400 and r.json()["code"] == "E-IN-FORMAT" and ".yaml、.json 或 .xlsx" in r.json()["message"]
    r = c.post("/api/v1/preassessments/upload", {"unit": "440201", "file": SimpleUploadedFile("p.xlsx", b"PK")})
    assert r.status_code == 400 and r.json()["problems"]
    r = c.post("/api/v1/preassessments/upload", {"unit": "440201", "file": SimpleUploadedFile("b.yaml", "项目名称: [".encode())})
    assert r.status_code == 400 and r.json()["problems"]


def test_the_xlsx_sheet_reads_back_as_the_yaml_one_and_names_a_bad_cell(world, sheet, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jixiao.intake.editions import load_edition
    from jixiao.intake.preassess_xlsx import read_workbook, write_workbook
    from jixiao.store import preassess

    ed = load_edition("national-preassessment/2018").framework
    path = tmp_path / "p.xlsx"
    write_workbook(sheet, path, ed)
    doc = read_workbook(path)
    assert doc.data["专家"] == sheet["专家"] and doc.data["项目名称"] == "委托业务项目"
    assert doc.data["framework"] == "national-preassessment/2018" and doc.data["年度"] == 2022
    r = world.client("unit_b").post("/api/v1/preassessments/upload",
                                    {"unit": "440201", "file": SimpleUploadedFile("p.xlsx", path.read_bytes())})
    assert r.status_code == 201 and r.json()["result"]["total"] == 82.33, r.content
    bad = {**sheet, "项目名称": "另一项目", "专家": [dict(sheet["专家"][0], 投入经济性=25), *sheet["专家"][1:]]}
    write_workbook(bad, path, ed)
    r = world.client("unit_b").post("/api/v1/preassessments/upload",
                                    {"unit": "440201", "file": SimpleUploadedFile("p.xlsx", path.read_bytes())})
    assert r.status_code == 400
    problem = r.json()["problems"][0]
    assert "专家甲的投入经济性评分“25”应在 0 到 20 分之间" in problem["message"] and "评分表!E11" in problem["where"], problem
    blank_template = tmp_path / "t.xlsx"
    blank_template.write_bytes(preassess.template_bytes())
    assert read_workbook(blank_template).data["专家"] == []


def test_an_expert_is_taken_off_before_marking_and_kept_after(world, experts):
    """财政 and 管理员 take an expert off; nobody else may. An expert who has marked is refused (409
    E-ST-MARKED): the marks stay in the record and the score. Once concluded, nothing changes."""
    from jixiao.store import preassess
    from jixiao.store.errors import Conflict, NotAllowed, NotFound
    from jixiao.store.models import Assignment, AuditEvent

    ev, _ = preassess.create(actor=world.users["unit_b"], unit=world.units["440201"], document=blank(), source="网页")
    for name in experts:
        preassess.assign(actor=world.users["finance"], evaluation=ev, username=name)
    preassess.mark(actor=world.users["pa"], evaluation=ev, marks=MARKS["甲"])
    for who in ("unit_b", "dept_b", "pb"):
        with pytest.raises(NotAllowed, match="只有财政绩效处或管理员可以撤销专家指派"):
            preassess.unassign(actor=world.users[who], evaluation=ev, username="pc")
    with pytest.raises(Conflict, match="已提交评分，不能撤销指派") as exc:
        preassess.unassign(actor=world.users["finance"], evaluation=ev, username="pa")
    assert exc.value.code == "E-ST-MARKED" and exc.value.status == 409
    with pytest.raises(NotFound, match="没有指派给本项目"):
        preassess.unassign(actor=world.users["finance"], evaluation=ev, username="expert_idle")
    assert ev.assignments.count() == 3
    preassess.unassign(actor=world.users["finance"], evaluation=ev, username="pc", reason="回避")
    preassess.unassign(actor=world.users["admin"], evaluation=ev, username="pb")
    assert list(ev.assignments.values_list("user__username", flat=True)) == ["pa"]
    events = AuditEvent.objects.filter(evaluation=ev, action="expert.unassign").order_by("id")
    assert [(e.actor.username, e.detail) for e in events] == [("finance", {"username": "pc", "reason": "回避"}),
                                                             ("admin", {"username": "pb", "reason": ""})]
    deleted = Assignment.history.filter(evaluation_id=ev.pk, history_type="-").order_by("history_id")
    assert [h.history_user.username for h in deleted] == ["finance", "admin"]
    with pytest.raises(NotAllowed, match="只有指派给本项目的专家"):
        preassess.mark(actor=world.users["pc"], evaluation=ev, marks=MARKS["丙"])
    ev.refresh_from_db()
    assert ev.total == 83.0  # pa's marks, untouched
    preassess.conclude(actor=world.users["finance"], evaluation=ev, outcome="通过")
    with pytest.raises(Conflict, match="评估结论已记录，不能再撤销专家指派"):
        preassess.unassign(actor=world.users["finance"], evaluation=ev, username="pa")


def test_the_api_takes_off_an_expert_per_role(world, experts):
    post = lambda who, url, body: world.client(who).post(url, body, content_type="application/json")  # noqa: E731
    delete = lambda who, url: world.client(who).delete(url)  # noqa: E731
    pk = post("unit_b", "/api/v1/preassessments", {"unit": "440201", "document": blank()}).json()["id"]
    for name in experts:
        assert post("finance", f"/api/v1/preassessments/{pk}/experts", {"username": name}).status_code == 201
    assert post("pa", f"/api/v1/preassessments/{pk}/marks", {"marks": MARKS["甲"]}).status_code == 201
    url = f"/api/v1/preassessments/{pk}/experts"
    for who in ("unit_b", "dept_b", "pb"):
        r = delete(who, f"{url}/pc")
        assert r.status_code == 403 and r.json()["code"] == "E-ST-FORBIDDEN", who
    for who in ("unit_a", "finance_other", "expert_idle"):  # outside their scope
        assert delete(who, f"{url}/pc").status_code == 404, who
    r = delete("finance", f"{url}/pa")
    assert r.status_code == 409 and r.json()["code"] == "E-ST-MARKED" and set(r.json()) == {"code", "message", "problems"}
    assert "已提交评分" in r.json()["message"]
    r = delete("finance", f"{url}/nobody")
    assert r.status_code == 404 and "没有指派给本项目" in r.json()["message"]
    assert world.client("pc").get(f"/api/v1/preassessments/{pk}").status_code == 200
    r = delete("finance", f"{url}/pc?reason=%E5%9B%9E%E9%81%BF")
    assert r.status_code == 200 and r.json() == {"evaluation": pk, "username": "pc", "assigned": ["pa", "pb"]}
    # the expert taken off no longer sees it, nor may mark it
    assert world.client("pc").get(f"/api/v1/preassessments/{pk}").status_code == 404
    assert post("pc", f"/api/v1/preassessments/{pk}/marks", {"marks": MARKS["丙"]}).status_code == 404
    assert pk not in [e["id"] for e in world.client("pc").get("/api/v1/preassessments").json()["items"]]
    events = world.client("finance").get(f"/api/v1/evaluations/{pk}/audit").json()["items"]
    assert [e["detail"] for e in events if e["action"] == "expert.unassign"] == [{"username": "pc", "reason": "回避"}]
    assert world.client("dept_b").get(f"/api/v1/preassessments/{pk}").json()["assigned"] == ["pa", "pb"]
