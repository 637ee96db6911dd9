"""The 整改 pages: the reviewer opens an item on an evaluation, the unit reports, the reviewer
concludes; who sees and may do what; overdue marked; the list as XLSX."""

from __future__ import annotations

import io

from tests.web.test_views import client_for


def test_rectification_from_opening_to_closing(demo):
    from jixiao.store.models import Rectification

    ev = demo.ev[("4403RS04", 2020)]  # danwei2's unit
    new = f"/e/{ev.pk}/rectify"
    for user, status in {"danwei": 404, "danwei2": 404, "zhuanjia": 404, "zhuguan": 200, "caizheng": 200}.items():
        assert client_for(user).get(new).status_code == status, user
    dept = client_for("zhuguan")
    r = dept.post(new, {"problem": "年度目标未细化", "requirement": "", "due": "2021-06-30", "source": "评价发现的问题"},
                  follow=True)
    assert "整改要求不能为空" in r.content.decode() and not Rectification.objects.exists()
    r = dept.post(new, {"problem": "年度目标未细化<script>x</script>", "requirement": "按季度分解目标",
                        "due": "2021-06-30", "source": "评价发现的问题"}, follow=True)
    item = Rectification.objects.get()
    page = r.content.decode()
    assert r.redirect_chain[-1][0] == f"/rectify/{item.pk}/" and "已提出整改要求" in page
    assert "&lt;script&gt;" in page and "<script>x" not in page
    assert "逾期" in page  # 2021-06-30 has passed

    unit = client_for("danwei2")
    assert "年度目标未细化" in unit.get("/rectify/").content.decode()
    assert "年度目标未细化" not in client_for("danwei").get("/rectify/").content.decode()
    assert client_for("danwei").get(f"/rectify/{item.pk}/").status_code == 404
    assert client_for("zhuanjia").get("/rectify/").status_code == 404
    page = unit.get(f"/rectify/{item.pk}/").content.decode()
    assert "报送整改结果" in page and "认定整改结论" not in page
    assert dept.post(f"/rectify/{item.pk}/report", {"result": "x"}, follow=True).status_code == 200
    item.refresh_from_db()
    assert item.status == "open"  # the 主管部门 may not report for the unit
    assert unit.post(f"/rectify/{item.pk}/conclude", {"conclusion": "done"}).status_code == 404
    unit.post(f"/rectify/{item.pk}/report", {"result": "已按季度分解并公开"})
    item.refresh_from_db()
    assert item.status == "reported"
    page = dept.get(f"/rectify/{item.pk}/").content.decode()
    assert "认定整改结论" in page and "已按季度分解并公开" in page
    dept.post(f"/rectify/{item.pk}/conclude", {"conclusion": "done", "note": "核实无误"})
    item.refresh_from_db()
    assert (item.status, item.conclusion) == ("closed", "done")
    page = dept.get(f"/rectify/{item.pk}/").content.decode()
    for step in ("提出整改", "报送整改结果", "认定整改结论"):
        assert step in page.split("经过")[1], step
    assert "逾期" not in page.split("<h1>")[1].split("</h1>")[0]  # closed: no longer overdue

    import openpyxl

    r = client_for("caizheng").get("/rectify/export.xlsx?status=closed")
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert ws.cell(1, 7).value == "问题" and ws.cell(2, 10).value == "已销号" and ws.max_row == 2
    assert client_for("caizheng").get("/rectify/?status=open").content.decode().count(f"/rectify/{item.pk}/") == 0
