"""结果应用 from the store: ``jixiao db apply --year Y`` lists next year's advice per unit and project
(grade → advice by the rule table, the budget in the document's own money unit, the project type
from the approved target), and exports it as XLSX."""

from __future__ import annotations

import pytest
from tests.store.conftest import FORM, ROOT
from typer.testing import CliRunner

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cli(monkeypatch):
    from jixiao.cli import app, db

    monkeypatch.setattr(db, "connect", lambda database, data, create=False: None)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def _form(budget, grade_points: dict | None = None) -> dict:
    from jixiao.intake.yamlio import load
    from jixiao.store import scoring

    doc = scoring.plain(load(FORM).data)
    for line in doc["项目资金"][:2]:  # 年度资金总额 and its 本年财政拨款
        line.update({"年初预算数": budget, "全年预算数": budget, "全年执行数": budget})
    for row in doc["绩效指标"]:
        row.update((grade_points or {}).get(row["三级指标"], {}))
    doc.pop("总分", None)
    return doc


@pytest.fixture
def stored(world):
    """Three evaluations of 2022: the world's form (budget line 0: unknown), a 中 project with a
    continuing target, and a department case of 2020 (another year: not listed)."""
    from jixiao.store import scoring, services, targets

    unit = world.units["440201"]
    doc = _form(200)
    doc["项目名称"] = "培训项目"
    lost = {"基建工程委托业务项目数量": 0, "委托业务报告合格率": 0, "项目总成本": 300}  # 24 points lost: 76, 中
    doc["绩效指标"] = [dict(r, 实际完成值=lost[r["三级指标"]], 偏差原因="演示") if r["三级指标"] in lost else r
                   for r in doc["绩效指标"]]
    s = scoring.score_document("project", doc)
    ev, _ = services.save_scored(actor=None, scored=s, unit=unit, year=2022, source="培训项目.yaml")
    from jixiao.intake.yamlio import load

    t = scoring.plain(load(ROOT / "examples" / "chizhou-2022" / "target.yaml").data)
    t["项目名称"] = "培训项目"
    targets.submit_form(actor=None, unit=unit, document=t, source="t.yaml")
    return ev, s


def test_advice_per_project_with_budget_and_type(world, stored):
    from jixiao.store import apply
    from jixiao.store.models import Evaluation

    ev, s = stored
    assert s.grade == "中", s.total
    rows = {r.evaluation.title: r for r in apply.advice(Evaluation.objects.all(), 2022, apply.load_table())}
    assert set(rows) == {"委托业务项目", "培训项目"}  # the target itself and other years are not listed
    mid = rows["培训项目"]
    assert (mid.advice, mid.change, mid.budget, mid.money_unit) == ("核减", -0.1, 200.0, "万元")
    assert mid.next_budget == pytest.approx(180.0) and mid.rectify
    assert (mid.type, mid.type_from) == ("连续性", "绩效目标：项目属性 延续")
    good = rows["委托业务项目"]
    assert good.grade == "优" and good.advice == "优先保障" and good.budget is None and good.next_budget is None
    summary = {x["advice"]: x for x in apply.summary(list(rows.values()))}
    assert summary["核减"]["budget"] == 200 and summary["优先保障"]["unknown"] == 1
    assert apply.advice(Evaluation.objects.all(), 2022, apply.load_table(), final_only=True) == []


def test_db_apply_cli_and_xlsx(world, stored, cli, tmp_path):
    import openpyxl

    out = tmp_path / "advice.xlsx"
    r = cli("db", "apply", "--year", 2022, "-o", out)
    assert r.exit_code == 0, r.output
    assert "培训项目" in r.output and "核减" in r.output and "180.00 万元" in r.output and "须整改" in r.output
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    assert ws.title == "2023年度预算安排建议"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    by = {r[3]: r for r in rows}
    assert by["培训项目"][8] == "核减" and by["培训项目"][13] == pytest.approx(180.0) and by["培训项目"][11] == "万元"
    assert wb["汇总"].max_row == 3
    r = cli("db", "apply", "--year", 2022, "--format", "json")
    assert r.exit_code == 0 and '"advice": "核减"' in r.output
    assert cli("db", "apply", "--year", 2022, "-o", tmp_path / "a.csv").exit_code == 2
    bad = cli("db", "apply", "--year", 2022, "--table", "no-such/1")
    assert bad.exit_code == 2 and "找不到" in bad.output
    assert "没有已评分" in cli("db", "apply", "--year", 1999).output


def test_rank_lists_self_evaluations_only(world, stored, cli):
    """The stored target's "total" counts its findings: it is not ranked among the scores."""
    r = cli("db", "rank", "--year", "2022")
    assert r.exit_code == 0, r.output
    assert "共 2 个" in r.output and "委托业务项目" in r.output and "培训项目" in r.output
    assert "目标" not in r.output.split("等级分布")[0].replace("绩效目标", "")
    r = cli("db", "rank", "--year", "2022", "--kind", "target")
    assert r.exit_code == 2 and "目标表和监控表没有总分" in r.output


def test_the_bureau_overrides_advice_with_a_reason(world, stored, cli):
    """财政 changes one project's advice with a reason: the table's advice stays beside it, the latest
    decision is in force, every decision is an audit event; nobody else may, and nothing unknown."""
    from jixiao.store import apply
    from jixiao.store.errors import Invalid, NotAllowed, NotFound
    from jixiao.store.models import ApplyDecision, AuditEvent, Evaluation

    ev, _ = stored
    table = apply.load_table()
    mid = Evaluation.objects.get(title="培训项目", kind="project")
    for who, exc in (("unit_b", NotAllowed), ("dept_b", NotAllowed), ("finance_other", NotFound)):
        with pytest.raises(exc):
            apply.decide(actor=world.users[who], evaluation=mid, advice="保障", reason="理由", table=table)
    with pytest.raises(Invalid, match="须写明理由"):
        apply.decide(actor=world.users["finance"], evaluation=mid, advice="保障", reason="  ", table=table)
    with pytest.raises(Invalid, match="不在结果应用规则") as e:
        apply.decide(actor=world.users["finance"], evaluation=mid, advice="翻倍", reason="理由", table=table)
    assert e.value.code == "E-ST-ADVICE"
    assert not ApplyDecision.objects.exists()

    d = apply.decide(actor=world.users["finance"], evaluation=mid, advice="保障", reason="上级配套资金要求全额安排",
                     table=table)
    assert (d.table_advice, d.advice) == ("核减", "保障")
    rows = {r.evaluation.title: r for r in apply.advice(Evaluation.objects.all(), 2022, table)}
    r = rows["培训项目"]
    assert (r.advice, r.table_advice, r.next_budget, r.change) == ("保障", "核减", None, None)
    assert "上级配套资金要求全额安排" in r.says and r.to_json()["decision"]["reason"] == "上级配套资金要求全额安排"
    assert rows["委托业务项目"].decision is None
    apply.decide(actor=world.users["finance"], evaluation=mid, advice="取消或暂停", reason="复核后改定", table=table)
    r = {r.evaluation.title: r for r in apply.advice(Evaluation.objects.all(), 2022, table)}["培训项目"]
    assert (r.advice, r.table_advice) == ("取消或暂停", "核减")
    events = list(AuditEvent.objects.filter(action="apply.decide").order_by("id"))
    assert [(e.detail["previous"], e.detail["advice"]) for e in events] == [(None, "保障"), ("保障", "取消或暂停")]
    assert ApplyDecision.objects.count() == 2  # the first decision stays as history

    out = cli("db", "decide", mid.pk, "--advice", "保障", "--reason", "预算处会商后恢复")
    assert out.exit_code == 0 and "由“核减”改为“保障”" in out.output, out.output
    assert cli("db", "decide", mid.pk, "--advice", "保障", "--reason", "").exit_code == 2
    out = cli("db", "apply", "--year", "2022")
    assert "财政调整，原建议：核减" in out.output, out.output


def test_apply_over_the_api_per_role(world, stored):
    from jixiao.store.models import Evaluation

    mid = Evaluation.objects.get(title="培训项目", kind="project")
    assert world.client("unit_b").get("/api/v1/apply?year=2022").status_code == 403
    r = world.client("dept_b").get("/api/v1/apply?year=2022")
    assert r.status_code == 200 and {x["title"] for x in r.json()["rows"]} == {"委托业务项目", "培训项目"}
    assert world.client("dept_a").get("/api/v1/apply?year=2022").json()["rows"] == []  # another 主管部门's units
    url = f"/api/v1/evaluations/{mid.pk}/apply-decisions"
    body = {"advice": "保障", "reason": "全额安排"}
    assert world.client("dept_b").post(url, body, content_type="application/json").status_code == 403
    assert world.client("finance_other").post(url, body, content_type="application/json").status_code == 404
    r = world.client("finance").post(url, {"advice": "保障", "reason": ""}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "E-ST-TEXT"
    r = world.client("finance").post(url, body, content_type="application/json")
    assert r.status_code == 201 and r.json()["table_advice"] == "核减"
    rows = {x["title"]: x for x in world.client("finance").get("/api/v1/apply?year=2022").json()["rows"]}
    assert rows["培训项目"]["advice"] == "保障" and rows["培训项目"]["decision"]["by"] == "finance"
