"""绩效运行监控 in the store: a unit's monitoring form stored with its lights; a red light without
纠偏措施 blocks 送审 until the measure is added; the map counts lights per form, red first."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def monitoring_doc():
    from jixiao.intake.yamlio import load
    from jixiao.store import scoring

    return scoring.plain(load(ROOT / "examples" / "chizhou-2022" / "monitoring.yaml").data)


def test_red_light_needs_a_measure_before_submission(world, monitoring_doc):
    from jixiao.store import monitoring, services
    from jixiao.store.errors import Conflict, Invalid

    ev, v = monitoring.save(actor=world.users["unit_b"], unit=world.units["440201"], document=monitoring_doc,
                            source="monitoring.yaml")
    assert (ev.kind, ev.title, ev.year) == ("monitor", "委托业务项目 · 1—7月", 2022)
    assert (ev.total, ev.grade) == (1.0, "异常")  # one red light
    assert [f["indicator"] for f in monitoring.blockers(ev)] == ["基建工程委托业务项目数量"]
    with pytest.raises(Conflict, match="须先填写纠偏措施") as e:
        services.transition(actor=world.users["unit_b"], evaluation=ev, action="submit")
    assert e.value.code == "M_MEASURE_MISSING"
    ev.refresh_from_db()
    assert ev.state == "draft"
    with pytest.raises(Invalid):
        monitoring.add_measure(actor=world.users["unit_b"], evaluation=ev, indicator="基建工程委托业务项目数量", measure=" ")
    with pytest.raises(Invalid, match="没有指标"):
        monitoring.add_measure(actor=world.users["unit_b"], evaluation=ev, indicator="不存在的指标", measure="x")
    ev, v = monitoring.add_measure(actor=world.users["unit_b"], evaluation=ev, indicator="基建工程委托业务项目数量",
                                   measure="下半年集中开展委托，9月底前完成30项")
    assert v.number == 2 and not monitoring.blockers(ev)
    assert v.facts["绩效指标"][0]["纠偏措施"] == "下半年集中开展委托，9月底前完成30项"
    ev = services.transition(actor=world.users["unit_b"], evaluation=ev, action="submit")
    assert ev.state == "submitted"


def test_the_map_counts_lights_red_first_and_respects_scope(world, monitoring_doc):
    import copy

    from jixiao.store import monitoring

    monitoring.save(actor=world.users["unit_b"], unit=world.units["440201"], document=monitoring_doc, source="m.yaml")
    calm = copy.deepcopy(monitoring_doc)
    calm["项目名称"] = "培训项目"
    calm["绩效指标"][0]["执行情况"] = "40个"
    monitoring.save(actor=world.users["unit_b"], unit=world.units["440201"], document=calm, source="calm.yaml")
    rows = monitoring.light_map(world.users["finance"], 2022)
    assert [r.evaluation.title for r in rows] == ["委托业务项目 · 1—7月", "培训项目 · 1—7月"]
    assert rows[0].counts["红"] == 1 and rows[0].reds == ["基建工程委托业务项目数量"] and rows[1].counts["红"] == 0
    assert rows[0].dept == "主管部门乙"
    assert monitoring.light_map(world.users["dept_a"], 2022) == []
    assert monitoring.light_map(world.users["finance"], 2021) == []


def test_a_document_of_another_kind_is_refused(world):
    from jixiao.intake.yamlio import load
    from jixiao.store import monitoring, scoring
    from jixiao.store.errors import Invalid

    target = scoring.plain(load(ROOT / "examples" / "chizhou-2022" / "target.yaml").data)
    with pytest.raises(Invalid):
        monitoring.save(actor=world.users["unit_b"], unit=world.units["440201"], document=target, source="t.yaml")


def test_monitoring_over_the_api_per_role(world, monitoring_doc):
    body = {"unit": "440201", "document": monitoring_doc}
    assert world.client("unit_a").post("/api/v1/monitoring", body, content_type="application/json").status_code == 404
    assert world.client("dept_b").post("/api/v1/monitoring", body, content_type="application/json").status_code == 403
    r = world.client("unit_b").post("/api/v1/monitoring", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["kind"] == "monitor", r.content
    pk = r.json()["id"]
    assert [b["indicator"] for b in r.json()["blockers"]] == ["基建工程委托业务项目数量"]
    assert world.client("unit_b").post("/api/v1/monitoring", body, content_type="application/json").status_code == 200
    submit = {"action": "submit"}
    r = world.client("unit_b").post(f"/api/v1/evaluations/{pk}/transitions", submit, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "M_MEASURE_MISSING"
    measure = {"indicator": "基建工程委托业务项目数量", "measure": "下半年集中委托"}
    assert world.client("dept_b").post(f"/api/v1/evaluations/{pk}/measures", measure,
                                       content_type="application/json").status_code == 403
    r = world.client("unit_b").post(f"/api/v1/evaluations/{pk}/measures", measure, content_type="application/json")
    assert r.status_code == 201 and r.json()["blockers"] == []
    r = world.client("unit_b").post(f"/api/v1/evaluations/{pk}/transitions", submit, content_type="application/json")
    assert r.status_code == 200, r.content
    items = world.client("finance").get("/api/v1/monitoring?year=2022").json()["items"]
    assert [(i["title"], i["lights"]["红"], i["red"]) for i in items] == [("委托业务项目 · 1—7月", 1, ["基建工程委托业务项目数量"])]
    assert world.client("dept_a").get("/api/v1/monitoring?year=2022").json()["items"] == []


def test_monitoring_from_the_cli(world, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from jixiao.cli import app, db

    monkeypatch.setattr(db, "connect", lambda database, data, create=False: None)
    runner = CliRunner()
    src = ROOT / "examples" / "chizhou-2022" / "monitoring.yaml"
    bad = tmp_path / "bad.yaml"
    bad.write_text("项目名称: [", encoding="utf-8")
    r = runner.invoke(app, ["db", "monitor-import", str(src), str(bad), "--unit", "440201"])
    assert r.exit_code == 2 and "已保存" in r.output and "红灯 1" in r.output, r.output
    assert "须填写纠偏措施：基建工程委托业务项目数量" in r.output
    assert runner.invoke(app, ["db", "monitor-import", str(src), "--unit", "nope"]).exit_code == 2
    r = runner.invoke(app, ["db", "monitor-map", "--year", "2022"])
    assert r.exit_code == 0 and "委托业务项目 · 1—7月" in r.output and "基建工程委托业务项目数量" in r.output, r.output


def test_the_sichuan_rules_need_a_decision_before_submission(world, monitoring_doc):
    """川财绩〔2025〕10号: an abnormal result needs 继续执行, 调剂 or 取消 before it goes on."""
    from jixiao.store import monitoring, services
    from jixiao.store.errors import Conflict, Invalid

    doc = dict(monitoring_doc, framework="sichuan-monitoring/2025")
    ev, _ = monitoring.save(actor=world.users["unit_b"], unit=world.units["440201"], document=doc, source="sc.yaml")
    assert ev.grade == "异常" and monitoring.decisions(ev) == ["继续执行", "调剂", "取消"]
    with pytest.raises(Conflict, match="须先作出处理决定") as e:
        services.transition(actor=world.users["unit_b"], evaluation=ev, action="submit")
    assert e.value.code == "M_DECISION_MISSING"
    with pytest.raises(Invalid, match="应为 继续执行、调剂、取消 之一"):
        monitoring.decide(actor=world.users["unit_b"], evaluation=ev, decision="暂缓")
    ev, v = monitoring.decide(actor=world.users["unit_b"], evaluation=ev, decision="调剂")
    assert v.facts["处理决定"] == "调剂" and not monitoring.blockers(ev)
    assert services.transition(actor=world.users["unit_b"], evaluation=ev, action="submit").state == "submitted"
    national, _ = monitoring.save(actor=world.users["unit_b"], unit=world.units["440201"],
                                  document=dict(monitoring_doc, 项目名称="另一项目"), source="m.yaml")
    with pytest.raises(Invalid, match="不要求处理决定"):
        monitoring.decide(actor=world.users["unit_b"], evaluation=national, decision="调剂")


def test_the_decision_deadline_is_in_the_api_and_in_jixiao_score_by_one_computation(world, monitoring_doc, monkeypatch,
                                                                                      tmp_path):
    """The Sichuan 处理决定 deadline (10 working days, 2026 National Day and its 调休 counted) is in the
    API's monitoring answers and in ``jixiao score``'s output, the same figures the web page shows."""
    import datetime as dt
    import json

    import yaml
    from typer.testing import CliRunner

    from jixiao.cli import app
    from jixiao.cli import cycle as cli_cycle
    from jixiao.store import monitoring

    doc = dict(monitoring_doc, framework="sichuan-monitoring/2025")
    r = world.client("unit_b").post("/api/v1/monitoring", {"unit": "440201", "document": doc}, content_type="application/json")
    assert r.status_code == 201, r.content
    pk, today = r.json()["id"], dt.date.today()
    assert r.json()["decision_deadline"]["start"] == today.isoformat()  # saved 异常 today
    from jixiao.store.models import Evaluation

    ev = Evaluation.objects.get(pk=pk)
    ev.versions.update(created=dt.datetime(2026, 9, 28, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    want = {"start": "2026-09-28", "working_days": 10, "due": "2026-10-16", "estimated": False, "decided": None,
            "overdue": today > dt.date(2026, 10, 16)}
    assert world.client("finance").get(f"/api/v1/evaluations/{pk}").json()["decision_deadline"] == want
    items = world.client("finance").get("/api/v1/monitoring?year=2022").json()["items"]
    assert [(i["id"], i["decision_deadline"]) for i in items] == [(pk, want)]
    # the command line counts from the day it scores the file: on 28 September 2026, the same deadline
    monkeypatch.setattr(cli_cycle, "today", lambda: dt.date(2026, 9, 28))
    path = tmp_path / "sc.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    out = CliRunner().invoke(app, ["score", str(path), "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["decision_deadline"] == {**want, "overdue": False}
    assert monitoring.decision_deadline(ev, today=dt.date(2026, 9, 28)).to_json() == {**want, "overdue": False}
    table = CliRunner().invoke(app, ["score", str(path)])
    assert "处理期限：2026-10-16（自今日 2026-09-28 起第 10 个工作日，已计入法定节假日和调休" in table.stdout, table.stdout
    # decided: the store knows when, the file does not (no deadline printed, the decision is)
    r = world.client("unit_b").post(f"/api/v1/evaluations/{pk}/measures",
                                    {"indicator": "基建工程委托业务项目数量", "measure": "下半年集中委托"},
                                    content_type="application/json")
    assert r.json()["decision_deadline"]["due"] == "2026-10-16"  # a later 异常 version does not restart the count
    path.write_text(yaml.safe_dump(dict(doc, 处理决定="调剂"), allow_unicode=True), encoding="utf-8")
    out = CliRunner().invoke(app, ["score", str(path), "--format", "json"])
    assert json.loads(out.stdout)["decision_deadline"] is None
    assert "处理决定：调剂" in CliRunner().invoke(app, ["score", str(path)]).stdout
    # a national form has no decision, so no deadline: null in the API, absent from jixiao score
    national, _ = monitoring.save(actor=world.users["unit_b"], unit=world.units["440201"],
                                  document=dict(monitoring_doc, 项目名称="另一项目"), source="m.yaml")
    assert world.client("finance").get(f"/api/v1/evaluations/{national.pk}").json()["decision_deadline"] is None
    out = CliRunner().invoke(app, ["score", str(ROOT / "examples" / "chizhou-2022" / "monitoring.yaml"), "--format", "json"])
    assert "decision_deadline" not in json.loads(out.stdout)
