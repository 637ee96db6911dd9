"""Reports over the API: real DOCX and PDF files (opened and read back, the unit's name and the
total inside), drafted by the report service under the evaluation's edition, and only for those
who may see the evaluation (anyone else gets 404, as for any object outside their scope)."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.django_db

IN_SCOPE = ["unit_a", "dept_a", "finance", "expert", "admin"]  # ev_a is 440101's, under 4401 in 区划 44
OUT_OF_SCOPE = ["unit_b", "dept_b", "finance_other", "expert_idle"]


def shown_total(total: float) -> str:
    from jixiao.core.numbers import round_half_up

    return f"{round_half_up(total):.2f}"


def docx_text(data: bytes) -> str:
    import docx

    d = docx.Document(io.BytesIO(data))
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


@pytest.mark.parametrize("who", IN_SCOPE)
def test_docx_report_for_everyone_in_scope(world, seed_scored, who):
    r = world.client(who).get(f"/api/v1/evaluations/{world.ev_a.id}/report?format=docx")
    assert r.status_code == 200, r.content[:300]
    assert r["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "attachment" in r["Content-Disposition"] and ".docx" in r["Content-Disposition"]
    text = docx_text(r.content)
    assert seed_scored.title.split("（")[0] in text
    assert f"{shown_total(seed_scored.total)}分" in text


@pytest.mark.parametrize("who", OUT_OF_SCOPE)
@pytest.mark.parametrize("fmt", ["docx", "pdf", "xlsx", "html"])
def test_a_report_outside_scope_is_not_found(world, who, fmt):
    r = world.client(who).get(f"/api/v1/evaluations/{world.ev_a.id}/report?format={fmt}")
    assert r.status_code == 404
    body = r.json()
    assert body["code"] == "E-ST-NOT-FOUND" and str(world.ev_a.id) in body["message"]
    assert b"PK" not in r.content[:2] and not r.content.startswith(b"%PDF")


def test_a_report_needs_a_login(world):
    from django.test import Client

    r = Client().get(f"/api/v1/evaluations/{world.ev_a.id}/report?format=docx")
    assert r.status_code == 401 and r.json()["code"] == "E-API-AUTH"


def test_a_report_follows_the_version_asked_for(world, seed_scored):
    import copy
    import json

    from jixiao.store import services

    doc = copy.deepcopy(seed_scored.document)
    doc["facts"]["实际政府采购金额"]["value"] *= 2
    v2 = services.save_version(actor=world.users["unit_a"], evaluation=world.ev_a, document=doc, base_version=1)
    c = world.client("dept_a")
    url = f"/api/v1/evaluations/{world.ev_a.id}/report?format=docx"
    assert shown_total(v2.score.total) != shown_total(seed_scored.total)
    assert f"{shown_total(v2.score.total)}分" in docx_text(c.get(url).content)
    assert f"{shown_total(seed_scored.total)}分" in docx_text(c.get(url + "&version=1").content)
    r = c.get(url + "&version=9")
    assert r.status_code == 404 and "第 9 版" in json.loads(r.content)["message"]


def test_the_scoring_sheet_is_a_workbook(world, seed_scored):
    from openpyxl import load_workbook

    r = world.client("finance").get(f"/api/v1/evaluations/{world.ev_a.id}/report?format=xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    values = [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert any(isinstance(v, (int, float)) and abs(v - seed_scored.total) < 0.006 for v in values) or \
        any(shown_total(seed_scored.total) in str(v) for v in values)


def test_an_unknown_format_is_refused_in_chinese(world):
    r = world.client("finance").get(f"/api/v1/evaluations/{world.ev_a.id}/report?format=exe")
    assert r.status_code == 400 and r.json()["problems"][0]["where"] == "format" and "format" in r.json()["message"]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler-utils are in APT_PACKAGES; needed for PDF")
def test_pdf_report_is_a_real_pdf_with_the_total(world, seed_scored, tmp_path):
    r = world.client("dept_a").get(f"/api/v1/evaluations/{world.ev_a.id}/report?format=pdf")
    assert r.status_code == 200, r.content[:300]
    assert r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    squashed = "".join(text.split())
    assert shown_total(seed_scored.total) in squashed
    assert seed_scored.title.split("（")[0] in squashed
