"""The 运行监控 pages: a unit uploads its 1—7月 form, cannot submit while a red light lacks its
纠偏措施, adds it and submits; the reviewers see the map, approve, and open a 整改 item from the
red project; every page per role."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from tests.web.test_views import client_for

MONITORING = Path(__file__).resolve().parents[2] / "examples" / "chizhou-2022" / "monitoring.yaml"


def test_monitoring_from_upload_to_rectification(demo):
    from jixiao.store.models import Evaluation

    unit = client_for("danwei2")
    assert client_for("zhuanjia").get("/monitoring/").status_code == 404
    r = unit.post("/monitoring/upload", {"file": SimpleUploadedFile("m.txt", b"x")}, follow=True)
    assert "不支持的文件格式" in r.content.decode()
    r = unit.post("/monitoring/upload", {"file": SimpleUploadedFile("m.yaml", MONITORING.read_bytes())}, follow=True)
    ev = Evaluation.objects.get(kind="monitor", title="委托业务项目 · 1—7月")  # the demo's own, saved again: unchanged
    page = r.content.decode()
    assert r.redirect_chain[-1][0] == f"/monitoring/{ev.pk}/" and "内容未变" in page
    assert "送审前须处理：红灯或“完全不可能完成”的指标填写纠偏措施" in page and "保存纠偏措施" in page
    assert "执行数 36.5 ÷ 预算数 90 = 40.56%" in page and ">69.52%<" in page  # every light with its reason
    r = unit.post(f"/monitoring/{ev.pk}/move", {"action": "submit", "expected_state": "draft"}, follow=True)
    assert "须先填写纠偏措施才能送审" in r.content.decode()
    ev.refresh_from_db()
    assert ev.state == "draft"
    assert client_for("danwei").get(f"/monitoring/{ev.pk}/").status_code == 404
    assert client_for("zhuguan").post(f"/monitoring/{ev.pk}/measure", {"indicator": "x", "measure": "y"}).status_code == 404
    unit.post(f"/monitoring/{ev.pk}/measure", {"indicator": "基建工程委托业务项目数量", "measure": "下半年集中委托，9月底前完成30项"})
    page = unit.get(f"/monitoring/{ev.pk}/").content.decode()
    assert "下半年集中委托" in page and "送审前须处理" not in page
    unit.post(f"/monitoring/{ev.pk}/move", {"action": "submit", "expected_state": "draft"})
    ev.refresh_from_db()
    assert ev.state == "submitted"
    assert unit.post(f"/monitoring/{ev.pk}/move", {"action": "approve"}, follow=True).status_code == 200
    ev.refresh_from_db()
    assert ev.state == "submitted"  # a unit cannot approve

    dept = client_for("zhuguan")
    page = dept.get(f"/monitoring/?year={ev.year}").content.decode()
    assert "各主管部门预警灯" in page and ev.title in page and "基建工程委托业务项目数量" in page
    dept.post(f"/monitoring/{ev.pk}/move", {"action": "approve", "expected_state": "submitted"})
    ev.refresh_from_db()
    assert ev.state == "dept_reviewed"
    fin = client_for("caizheng")
    page = fin.get(f"/monitoring/{ev.pk}/").content.decode()
    link = page.split('href="')[[i for i, x in enumerate(page.split('href="')) if x.startswith(f"/e/{ev.pk}/rectify")][0]].split('"')[0]
    form = fin.get(link.replace("&amp;", "&")).content.decode()
    assert "运行监控红灯：基建工程委托业务项目数量" in form and "<option selected>运行监控预警</option>" in form
    assert fin.get(f"/e/{ev.pk}/").status_code == 302  # the generic page sends a monitoring form to its own


def test_a_sichuan_form_takes_the_units_decision(demo):
    from jixiao.store.models import Evaluation

    unit = client_for("danwei2")
    text = MONITORING.read_text(encoding="utf-8").replace("national-monitoring/2019", "sichuan-monitoring/2025")
    text = text.replace("项目名称: 委托业务项目", "项目名称: 四川规则下的项目")  # another project: its own edition
    unit.post("/monitoring/upload", {"file": SimpleUploadedFile("sc.yaml", text.encode())})
    ev = Evaluation.objects.get(kind="monitor", edition__ref="sichuan-monitoring/2025")
    page = unit.get(f"/monitoring/{ev.pk}/").content.decode()
    assert "保存处理决定" in page and "尚未作出" in page
    assert client_for("zhuguan").post(f"/monitoring/{ev.pk}/decide", {"decision": "调剂"}).status_code == 404
    r = unit.post(f"/monitoring/{ev.pk}/move", {"action": "submit"}, follow=True)
    assert "须先作出处理决定" in r.content.decode()
    unit.post(f"/monitoring/{ev.pk}/decide", {"decision": "调剂"})
    page = unit.get(f"/monitoring/{ev.pk}/").content.decode()
    assert '<strong id="monitoring-decision">调剂</strong>' in page


def test_a_unit_uploads_the_workbook_template_filled_in(demo):
    from jixiao.store.models import Evaluation

    unit = client_for("danwei2")
    r = unit.get("/monitoring/template.xlsx")
    assert r.status_code == 200 and r.content.startswith(b"PK") and "attachment" in r["Content-Disposition"]
    assert unit.get("/monitoring/template.xlsx?edition=sichuan-monitoring/2025").status_code == 200
    assert unit.get("/monitoring/template.xlsx?edition=../../etc/passwd").status_code == 404
    assert client_for("zhuanjia").get("/monitoring/template.xlsx").status_code == 404  # not a monitoring role
    assert "下载项目支出绩效目标执行监控表模板" in unit.get("/monitoring/").content.decode()
    book = MONITORING.with_suffix(".xlsx").read_bytes()
    r = unit.post("/monitoring/upload", {"file": SimpleUploadedFile("m.xlsx", book)}, follow=True)
    ev = Evaluation.objects.get(kind="monitor", title="委托业务项目 · 1—7月")  # the demo's project and period: no new form
    assert Evaluation.objects.filter(kind="monitor").count() == 2  # with the demo's 1—4月
    page = r.content.decode()
    assert r.redirect_chain[-1][0] == f"/monitoring/{ev.pk}/" and "执行数 36.5 ÷ 预算数 90 = 40.56%" in page
    r = unit.post("/monitoring/upload", {"file": SimpleUploadedFile("m.xlsx", b"PK\x03\x04 broken")}, follow=True)
    assert r.redirect_chain[-1][0] == "/monitoring/" and "Traceback" not in r.content.decode()


def test_a_department_form_takes_a_measure_for_its_red_task(demo):
    from jixiao.store.models import Evaluation

    unit = client_for("danwei2")
    dept = MONITORING.parents[1] / "shenzhen-sibao-2020" / "monitoring.yaml"
    text = dept.read_text(encoding="utf-8").replace("执行数: 3500.00", "执行数: 1000.00")  # 社保基金管理和运营: red, no measure
    r = unit.post("/monitoring/upload", {"file": SimpleUploadedFile("dept.yaml", text.encode())}, follow=True)
    ev = Evaluation.objects.get(kind="monitor", edition__ref="national-monitoring-dept/2019")
    page = r.content.decode()
    assert "部门资金" in page and "社保基金管理和运营" in page and "送审前须处理" in page
    r = unit.post(f"/monitoring/{ev.pk}/move", {"action": "submit", "expected_state": "draft"}, follow=True)
    assert "须先填写纠偏措施才能送审：社保基金管理和运营" in r.content.decode()
    unit.post(f"/monitoring/{ev.pk}/measure", {"indicator": "社保基金管理和运营", "measure": "四季度集中支付运营服务费"})
    ev.refresh_from_db()
    v = ev.versions.get(number=ev.current)
    assert v.facts["年度主要任务"][1]["纠偏措施"] == "四季度集中支付运营服务费"
    page = unit.get(f"/monitoring/{ev.pk}/").content.decode()
    assert "四季度集中支付运营服务费" in page and "送审前须处理" not in page



def _chart(page: str, name: str) -> dict:
    import json

    return json.loads(page.split(f'<script id="{name}" type="application/json">')[1].split("</script>")[0])


def test_the_trend_across_periods_per_role(demo):
    """The demo project filed 1—4月 and 1—7月: the map counts it once (its latest period), the trend
    shows both periods, and each period's page lists the other."""
    from jixiao.store.models import Evaluation

    july = Evaluation.objects.get(kind="monitor", title="委托业务项目 · 1—7月")
    april = Evaluation.objects.get(kind="monitor", title="委托业务项目 · 1—4月")
    assert april.state == "final" and july.state == "draft"
    for user in ("caizheng", "zhuguan", "danwei2"):
        page = client_for(user).get("/monitoring/?year=2022").content.decode()
        assert 'id="monitoring-trend"' in page, user
        trend = _chart(page, "trend-data")
        assert trend["xAxis"]["data"] == ["1—4月", "1—7月"]
        series = {s["name"]: s["data"] for s in trend["series"]}
        assert series["绿灯"] == [5, 4] and series["黄灯"] == [2, 2] and series["红灯"] == [0, 1], user
        row = page.split('id="trend-table"')[1].split("</table>")[0]
        assert f"/monitoring/{april.pk}/" in row and f"/monitoring/{july.pk}/" in row and "红 1" in row
    fin = client_for("caizheng").get("/monitoring/?year=2022").content.decode()
    by_dept = {s["name"]: sum(s["data"]) for s in _chart(fin, "lights-data")["series"]}
    assert by_dept == {"红灯": 1, "黄灯": 2, "绿灯": 4, "蓝灯": 0}  # the latest period only, not both summed
    other = client_for("danwei").get("/monitoring/?year=2022").content.decode()
    assert 'id="monitoring-trend"' not in other and "委托业务项目" not in other  # another unit's forms are out of scope
    assert client_for("zhuanjia").get("/monitoring/?year=2022").status_code == 404

    page = client_for("danwei2").get(f"/monitoring/{july.pk}/").content.decode()
    periods = page.split('id="monitoring-periods"')[1].split("</table>")[0]
    assert f'href="/monitoring/{april.pk}/">1—4月</a>' in periods and "1—7月（本期）" in periods
    assert periods.index("1—4月") < periods.index("1—7月")
    page = client_for("caizheng").get(f"/monitoring/{april.pk}/").content.decode()
    assert f'href="/monitoring/{july.pk}/">1—7月</a>' in page and "1—4月（本期）" in page
    assert client_for("danwei").get(f"/monitoring/{april.pk}/").status_code == 404


def test_a_single_period_shows_no_trend(demo):
    from jixiao.store.models import Evaluation

    Evaluation.objects.filter(kind="monitor", title="委托业务项目 · 1—4月").update(year=2021)  # out of 2022
    page = client_for("caizheng").get("/monitoring/?year=2022").content.decode()
    assert 'id="monitoring-trend"' not in page and "各主管部门预警灯" in page
    july = Evaluation.objects.get(kind="monitor", title="委托业务项目 · 1—7月")
    assert 'id="monitoring-periods"' not in client_for("caizheng").get(f"/monitoring/{july.pk}/").content.decode()


def test_the_sichuan_decision_deadline_counts_working_days_and_flags_overdue(demo):
    """川财绩〔2025〕10号: a decision within 10 working days; counted with the 2026 National Day
    holiday and its 调休 Saturday, and flagged when missed."""
    import datetime as dt

    from jixiao.store import monitoring
    from jixiao.store.models import Evaluation

    unit = client_for("danwei2")
    text = MONITORING.read_text(encoding="utf-8").replace("national-monitoring/2019", "sichuan-monitoring/2025")
    text = text.replace("项目名称: 委托业务项目", "项目名称: 四川规则下的项目")
    unit.post("/monitoring/upload", {"file": SimpleUploadedFile("sc.yaml", text.encode())})
    ev = Evaluation.objects.get(kind="monitor", edition__ref="sichuan-monitoring/2025")
    lit = dt.datetime(2026, 9, 28, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    ev.versions.update(created=lit)
    d = monitoring.decision_deadline(ev, today=dt.date(2026, 10, 16))
    assert (d.due, d.deadline.estimated, d.decided, d.overdue) == (dt.date(2026, 10, 16), False, None, False)
    assert monitoring.decision_deadline(ev, today=dt.date(2026, 10, 17)).overdue
    page = unit.get(f"/monitoring/{ev.pk}/").content.decode()  # today is past 16 October 2026
    assert "处理期限：<strong>2026-10-16</strong>" in page and "已计入法定节假日和调休" in page
    assert "已逾期，尚未作出处理决定" in page and "暂停资金拨付" in page
    unit.post(f"/monitoring/{ev.pk}/decide", {"decision": "调剂"})
    ev.refresh_from_db()
    d = monitoring.decision_deadline(ev)
    assert d.decided is not None and d.due == dt.date(2026, 10, 16)  # the decision does not restart the count
    assert d.overdue and "逾期作出处理决定" in unit.get(f"/monitoring/{ev.pk}/").content.decode()
    ev.versions.filter(number=ev.current).update(created=dt.datetime(2026, 10, 16, 17, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert not monitoring.decision_deadline(ev).overdue  # decided on the last working day: in time
    national = Evaluation.objects.get(kind="monitor", title="委托业务项目 · 1—7月")
    assert monitoring.decision_deadline(national) is None
    assert 'id="decision-deadline"' not in unit.get(f"/monitoring/{national.pk}/").content.decode()
