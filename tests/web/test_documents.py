"""Download of a stored target's printed 申报表 (web/documents.py): each role's access, any version,
the files read back."""

from __future__ import annotations

import io
import shutil

import openpyxl
import pytest
from docx import Document
from tests.web.test_targets import ROOT, _doc, _set, _upload, _yaml, client_for

TARGET_XLSX = ROOT / "examples" / "chizhou-2022" / "target.xlsx"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.JIXIAO_DATA_DIR = tmp_path / "data"
    return settings.JIXIAO_DATA_DIR


@pytest.fixture
def target(db):
    from jixiao.store.models import Evaluation
    from jixiao.web import demo as d

    d.load()
    unit = client_for("danwei")
    assert _upload(unit, "/targets/new", "target.xlsx", TARGET_XLSX.read_bytes(), unit="4403RS01").status_code == 302
    return Evaluation.objects.get(kind="target")


def _docx_rows(body: bytes) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in Document(io.BytesIO(body)).tables[0].rows]


def _body(resp) -> bytes:
    return b"".join(resp.streaming_content)


@pytest.mark.parametrize("user", ["danwei", "zhuguan", "caizheng", "admin"])
def test_everyone_who_may_see_the_target_downloads_its_printed_form(target, user):
    r = client_for(user).get(f"/targets/{target.pk}/form.docx")
    assert r.status_code == 200
    assert "attachment" in r["Content-Disposition"] and ".docx" in r["Content-Disposition"]
    rows = _docx_rows(_body(r))
    assert rows[0][:2] == ["项目名称", "委托业务项目"]
    assert ["年度绩效指标", "产出指标", "数量指标", "基建工程委托业务项目数量", "≥50个", "历史标准"] == rows[
        next(i for i, row in enumerate(rows) if row[0] == "年度绩效指标") + 1]


@pytest.mark.parametrize("user", ["danwei2", "zhuanjia"])
def test_others_get_404(target, user):
    for fmt in ("docx", "pdf", "xlsx"):
        assert client_for(user).get(f"/targets/{target.pk}/form.{fmt}").status_code == 404


def test_anonymous_is_sent_to_login(target):
    from django.test import Client

    r = Client().get(f"/targets/{target.pk}/form.docx")
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_unknown_format_version_or_kind_is_404(target):
    from jixiao.store.models import Evaluation

    admin = client_for("admin")
    assert admin.get(f"/targets/{target.pk}/form.exe").status_code == 404
    assert admin.get(f"/targets/{target.pk}/form.docx?v=99").status_code == 404
    assert admin.get(f"/targets/{target.pk}/form.docx?v=x").status_code == 404
    dept = Evaluation.objects.exclude(kind="target").first()
    assert admin.get(f"/targets/{dept.pk}/form.docx").status_code == 404


def test_each_version_prints_as_it_was_filed_and_the_pages_link_to_it(target):
    unit = client_for("danwei")
    fixed = _set(_doc(), "基建工程委托业务项目数量", "≥56个")
    _upload(unit, f"/targets/{target.pk}/upload", "v2.yaml", _yaml(fixed), base=target.current)
    target.refresh_from_db()
    assert target.current == 2
    now = _docx_rows(_body(unit.get(f"/targets/{target.pk}/form.docx")))
    before = _docx_rows(_body(unit.get(f"/targets/{target.pk}/form.docx?v=1")))
    assert any("≥56个" in row for row in now) and not any("≥56个" in row for row in before)
    assert any("≥50个" in row for row in before)
    page = unit.get(f"/targets/{target.pk}/").content.decode()
    assert f"/targets/{target.pk}/form.pdf" in page and "打印版式（第 2 版）" in page
    assert f"/targets/{target.pk}/form.xlsx?v=1" in unit.get(f"/targets/{target.pk}/v/1").content.decode()


def test_workbook_download(target):
    r = client_for("zhuguan").get(f"/targets/{target.pk}/form.xlsx")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(_body(r))).active
    assert ws["A1"].value == "项目支出绩效目标申报表" and ws["A2"].value == "（2022年度）"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_pdf_download(target):
    r = client_for("caizheng").get(f"/targets/{target.pk}/form.pdf")
    assert r.status_code == 200
    assert _body(r).startswith(b"%PDF")


# --- 事前绩效评估报告 (the demo's assessment: unit 4403RS04, marked by the three demo experts) ---------


@pytest.fixture
def assessment(db):
    from jixiao.store.models import Evaluation
    from jixiao.web import demo as d

    d.load()
    return Evaluation.objects.get(kind="preassessment")


def _headings(body: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(body)).paragraphs if p.style.name == "Heading 1"]


@pytest.mark.parametrize("user", ["danwei2", "zhuguan", "caizheng", "admin"])
def test_preassessment_report_for_everyone_in_scope(assessment, user):
    r = client_for(user).get(f"/preassess/{assessment.pk}/report.docx")
    assert r.status_code == 200 and ".docx" in r["Content-Disposition"]
    body = _body(r)
    assert len(_headings(body)) == 16 and _headings(body)[-1] == "十六、评估人员签名"
    text = "\n".join(p.text for p in Document(io.BytesIO(body)).paragraphs)
    assert "评为“优”（按19分计）" in text and "平均18.00分" in text and "评估结论：通过" in text
    assert "账号" not in text  # the store's own keys are not part of the sheet


@pytest.mark.parametrize("user", ["danwei", "zhuanjia", "zhuanjia2"])
def test_preassessment_report_hidden_from_other_units_and_experts(assessment, user):
    for fmt in ("docx", "pdf"):
        assert client_for(user).get(f"/preassess/{assessment.pk}/report.{fmt}").status_code == 404


def test_preassessment_report_states_the_recorded_conclusion_and_refuses_without_marks(assessment):
    from jixiao.store import preassess
    from jixiao.store.models import Unit

    fin = client_for("caizheng")
    from django.contrib.auth import get_user_model

    preassess.conclude(actor=get_user_model().objects.get(username="caizheng"), evaluation=assessment,
                       outcome="再评估", reason="成本测算依据不足")
    text = "\n".join(p.text for p in Document(io.BytesIO(_body(fin.get(f"/preassess/{assessment.pk}/report.docx")))).paragraphs)
    assert "财政部门记录的评估结论为“再评估”，理由：成本测算依据不足（按评分计算的结论为“通过”）" in text
    blank, _ = preassess.create(actor=None, unit=Unit.objects.get(code="4403RS04"),
                                document={"项目名称": "空白项目", "年度": 2023, "申请资金": 10}, source="测试")
    r = fin.get(f"/preassess/{blank.pk}/report.docx", follow=True)
    assert "尚无专家评分" in r.content.decode()
    assert fin.get(f"/preassess/{assessment.pk}/report.xlsx").status_code == 404
    assert fin.get(f"/targets/{assessment.pk}/form.docx").status_code == 404  # not a target


@pytest.mark.parametrize("user,shown", [("caizheng", True), ("zhuguan", True), ("danwei2", True), ("zhuanjia", False)])
def test_the_assessment_page_links_its_report_for_those_who_may_read_it(assessment, user, shown):
    r = client_for(user).get(f"/preassess/{assessment.pk}/")
    assert r.status_code == 200  # the expert is assigned to it and sees the page, without the report
    page = r.content.decode()
    assert (f"/preassess/{assessment.pk}/report.docx" in page) is shown
    assert (f"/preassess/{assessment.pk}/report.pdf" in page) is shown
