"""The 结果应用 page: who may open it, what it lists for the demo year, its XLSX, and the bureau's
override with a reason (the table's advice stays beside it)."""

from __future__ import annotations

import io

from tests.web.test_views import client_for


def test_apply_page_per_role_and_export(demo):
    for user, status in {"danwei": 404, "danwei2": 404, "zhuanjia": 404, "zhuguan": 200, "caizheng": 200,
                         "admin": 200}.items():
        c = client_for(user)
        assert c.get("/apply/?year=2019").status_code == status, user
        assert c.get("/apply/export.xlsx?year=2019").status_code == status, user
    fin = client_for("caizheng")
    page = fin.get("/apply/?year=2019").content.decode()
    assert "2020 年度预算安排建议" in page and page.count('<tr id="e') == 5  # the five units' 2019 evaluations
    assert "<summary>调整建议</summary>" in page and 'name="csrfmiddlewaretoken"' in page
    assert "<summary>调整建议</summary>" not in client_for("zhuguan").get("/apply/?year=2019").content.decode()

    import openpyxl

    r = fin.get("/apply/export.xlsx?year=2019")
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert "2020 年度预算安排建议" in ws["A1"].value and ws.max_row == 2 + 5
    assert ws.cell(2, 9).value == "建议"


def test_the_bureau_overrides_one_advice(demo):
    from jixiao.store.models import ApplyDecision, AuditEvent

    ev = demo.ev[("4403RS05", 2020)]
    url = f"/apply/{ev.pk}/decide"
    assert client_for("zhuguan").post(url, {"advice": "保障", "reason": "x"}).status_code == 404
    assert client_for("danwei2").post(url, {"advice": "保障", "reason": "x"}).status_code == 404
    fin = client_for("caizheng")
    assert fin.get(url).status_code == 405
    r = fin.post(url, {"advice": "保障", "reason": ""}, follow=True)
    assert "须写明理由" in r.content.decode() and not ApplyDecision.objects.exists()
    before = fin.get("/apply/?year=2020").content.decode().split(f'<tr id="e{ev.pk}">')[1].split("</tr>")[0]
    assert "财政调整" not in before
    r = fin.post(url, {"advice": "取消或暂停", "reason": "<b>项目已由中央资金承担</b>"}, follow=True)
    page = r.content.decode()
    assert r.redirect_chain[-1][0].startswith("/apply/?year=2020")
    row = page.split(f'<tr id="e{ev.pk}">')[1].split("</tr>")[0]
    assert "<strong>取消或暂停</strong>" in row and "财政调整" in row and "原建议" in row
    assert "&lt;b&gt;项目已由中央资金承担&lt;/b&gt;" in row  # the reason is escaped
    assert AuditEvent.objects.filter(action="apply.decide", evaluation=ev).count() == 1
