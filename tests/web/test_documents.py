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
