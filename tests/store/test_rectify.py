"""整改: opened on an evaluation by its reviewers, reported by the 责任单位, concluded by the
reviewers; overdue when not closed after its 期限; open items flagged in next year's target review;
every step in the row history and the audit log; the same over the API, the CLI and per role."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _open(world, who="dept_b", due="2023-06-30", **kw):
    from jixiao.store import rectify

    return rectify.create(actor=world.users[who], evaluation=world.ev_b, problem="预算执行率偏低",
                          requirement="加快支出进度，完善资金管理制度", due=due, **kw)


def test_who_opens_reports_and_concludes(world):
    from jixiao.store import rectify
    from jixiao.store.errors import Conflict, Invalid, NotAllowed, NotFound
    from jixiao.store.models import AuditEvent, Rectification

    for who, exc in (("unit_b", NotAllowed), ("unit_a", NotFound), ("dept_a", NotFound), ("expert", NotFound),
                     ("finance_other", NotFound)):
        with pytest.raises(exc):
            _open(world, who)
    with pytest.raises(Invalid, match="整改要求不能为空"):
        rectify.create(actor=world.users["dept_b"], evaluation=world.ev_b, problem="x", requirement=" ", due="2023-06-30")
    for bad in ("2023-02-30", "明年", "2021-12-31", "2030-01-01"):
        with pytest.raises(Invalid) as e:
            _open(world, due=bad)
        assert e.value.code == "E-ST-DATE", bad
    with pytest.raises(Invalid, match="问题来源"):
        _open(world, source="随便")
    assert not Rectification.objects.exists()

    item = _open(world)
    assert item.unit == world.ev_b.unit and item.status == "open"
    assert [i.pk for i in rectify.visible(world.users["unit_b"])] == [item.pk]
    assert not rectify.visible(world.users["unit_a"]).exists() and not rectify.visible(world.users["expert"]).exists()
    assert rectify.visible(world.users["finance"]).count() == 1

    with pytest.raises(Conflict):  # nothing reported yet
        rectify.conclude(actor=world.users["dept_b"], item=item, conclusion="done")
    with pytest.raises(NotAllowed):
        rectify.report(actor=world.users["dept_b"], item=item, result="已整改")
    with pytest.raises(NotFound):
        rectify.report(actor=world.users["unit_a"], item=item, result="已整改")
    item = rectify.report(actor=world.users["unit_b"], item=item, result="已制定资金管理办法，三季度支出进度 70%")
    assert item.status == "reported"
    with pytest.raises(NotAllowed):
        rectify.conclude(actor=world.users["unit_b"], item=item, conclusion="done")
    with pytest.raises(Invalid):
        rectify.conclude(actor=world.users["dept_b"], item=item, conclusion="差不多")
    item = rectify.conclude(actor=world.users["dept_b"], item=item, conclusion="partly", note="执行率仍偏低")
    assert (item.status, item.conclusion) == ("open", "partly")  # back to the unit
    rectify.report(actor=world.users["unit_b"], item=item, result="四季度执行率 96%")
    item = rectify.conclude(actor=world.users["finance"], item=item, conclusion="done")
    assert (item.status, item.get_conclusion_display()) == ("closed", "已整改")
    with pytest.raises(Conflict):
        rectify.report(actor=world.users["unit_b"], item=item, result="again")

    actions = list(AuditEvent.objects.filter(object_type="Rectification").order_by("id").values_list("action", flat=True))
    assert actions == ["rectify.create", "rectify.report", "rectify.conclude", "rectify.report", "rectify.conclude"]
    assert item.history.count() == 5 and item.history.earliest().status == "open"


def test_overdue_and_filters(world):
    from jixiao.store import rectify

    late = _open(world, due="2022-12-31")
    on_time = _open(world, due="2024-06-30")
    today = dt.date(2023, 3, 1)
    assert rectify.overdue(late, today) and not rectify.overdue(on_time, today)
    assert not rectify.overdue(late, dt.date(2022, 12, 31))  # due that day: not yet late
    qs = rectify.visible(world.users["finance"])
    assert [i.pk for i in rectify.filtered(qs, overdue_only=True, today=today)] == [late.pk]
    assert rectify.to_json(late, today)["overdue"] is True
    assert rectify.filtered(qs, year=2021).count() == 0 and rectify.filtered(qs, year=2022).count() == 2


def test_open_items_are_flagged_in_next_years_target(world):
    from jixiao.intake.yamlio import load
    from jixiao.store import rectify, scoring, targets

    doc = scoring.plain(load(ROOT / "examples" / "chizhou-2022" / "target.yaml").data)
    doc["年度"] = 2023
    doc["项目名称"] = world.ev_b.title

    def codes():
        s = targets.score(doc, unit=world.ev_b.unit, source="t.yaml")
        return [f["code"] for f in s.record["findings"]], s

    assert "T_OPEN_RECTIFICATION" not in codes()[0]
    item = _open(world, due="2022-12-31")
    found, s = codes()
    assert "T_OPEN_RECTIFICATION" in found
    f = next(f for f in s.record["findings"] if f["code"] == "T_OPEN_RECTIFICATION")
    assert f["severity"] == "提示" and "1 项" in f["message"] and "预算执行率偏低" in f["message"] and "已逾期" in f["message"]
    rectify.report(actor=world.users["unit_b"], item=item, result="已整改")
    rectify.conclude(actor=world.users["dept_b"], item=item, conclusion="done")
    assert "T_OPEN_RECTIFICATION" not in codes()[0]


def test_rectifications_over_the_api_and_cli(world, monkeypatch, tmp_path):
    import openpyxl

    url = f"/api/v1/evaluations/{world.ev_b.id}/rectifications"
    body = {"problem": "预算执行率偏低", "requirement": "加快支出进度", "due": "2023-06-30"}
    assert world.client("unit_b").post(url, body, content_type="application/json").status_code == 403
    assert world.client("unit_a").post(url, body, content_type="application/json").status_code == 404
    r = world.client("dept_b").post(url, dict(body, due="下个月"), content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "E-ST-DATE"
    r = world.client("dept_b").post(url, body, content_type="application/json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert world.client("unit_a").get("/api/v1/rectifications").json()["items"] == []
    assert [x["id"] for x in world.client("unit_b").get("/api/v1/rectifications").json()["items"]] == [pk]
    r = world.client("unit_b").post(f"/api/v1/rectifications/{pk}/report", {"result": "已整改"},
                                     content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "reported"
    r = world.client("unit_b").post(f"/api/v1/rectifications/{pk}/conclude", {"conclusion": "done"},
                                     content_type="application/json")
    assert r.status_code == 403
    r = world.client("finance").post(f"/api/v1/rectifications/{pk}/conclude", {"conclusion": "done"},
                                      content_type="application/json")
    assert r.status_code == 200 and r.json()["status_label"] == "已销号"

    from jixiao.cli import app, db
    from jixiao.store import rectify

    rectify.create(actor=None, evaluation=world.ev_b, problem="=HYPERLINK(\"http://x\",\"点此\")",
                   requirement="整改", due="2023-12-31")
    monkeypatch.setattr(db, "connect", lambda database, data, create=False: None)
    out = tmp_path / "整改.xlsx"
    r = CliRunner().invoke(app, ["db", "rectify", "--year", "2022", "-o", str(out)])
    assert r.exit_code == 0 and "预算执行率偏低" in r.output and "已销号" in r.output, r.output
    ws = openpyxl.load_workbook(out).active
    assert ws.cell(2, 7).value == "问题" and ws.cell(3, 7).value == "预算执行率偏低" and ws.cell(3, 10).value == "已销号"
    assert ws.cell(4, 7).data_type == "s" and ws.cell(4, 7).value.startswith("=HYPERLINK")  # text, never a formula
    assert CliRunner().invoke(app, ["db", "rectify", "--status", "maybe"]).exit_code == 2
