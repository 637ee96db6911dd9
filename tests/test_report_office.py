"""The report through LibreOffice: the PDF's text, fonts and page numbers, and the scoring sheet
recalculated by LibreOffice, which must give the engine's scores.

CI installs LibreOffice and poppler (``make setup``), so these run there; a machine without them
skips this module.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from pdf_reading import FREE_FONTS, flat, font_names, pdf_fonts, pdf_pages
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.engine import evaluate
from jixiao.core.facts import Fact, Judgement
from jixiao.core.numbers import fmt_points
from jixiao.intake.case import load_case
from jixiao.reports import build, office, xlsx_writer

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "shenzhen-sibao-2020" / "case.yaml"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                       reason="LibreOffice and poppler-utils are not installed (make system installs them)"),
]
runner = CliRunner()


@pytest.fixture(scope="module")
def seed_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf") / "seed"
    result = runner.invoke(app, ["report", str(SEED), "-o", str(out), "--pdf-engine", "libreoffice"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def pages(seed_out):
    return pdf_pages(seed_out / "report.pdf")


@pytest.fixture(scope="module")
def reading_order(seed_out):
    """The PDF's text in content order (a table cell's wrapped lines stay together)."""
    return pdf_pages(seed_out / "report.pdf", "-raw")


def test_pdf_holds_the_four_chapters_the_attachment_and_every_score(pages, reading_order):
    text = flat("".join(pages))
    for title in ("一、部门基本情况", "二、部门主要履职绩效分析", "三、总体评价和整改措施", "四、部门整体支出绩效评价指标评分情况",
                  "附件1", "部门整体支出绩效评价指标体系"):
        assert title in text, title
    assert "本年度整体支出绩效评分为96.77分" in text
    case, fw = load_case(SEED)
    ev = evaluate(fw, case)
    # Rows may break across pages: drop each page's repeated header and page number, then join.
    header = "评价指标指标说明评分标准得分一级指标二级指标三级指标名称参考分值名称参考分值名称参考分值"
    attachment = "".join(re.sub(r"—\d+—$", "", flat(p).replace(header, ""))
                         for p in reading_order if "评价指标" in p and "评分标准" in p)
    for leaf in ev.leaves():
        name = flat(leaf.name)
        # A row broken across pages splits its name cell between the two pages.
        assert name in attachment or any(name[:k] in attachment and name[k:] in attachment
                                         for k in range(2, len(name) - 1)), name
    assert "总分100—100—100——96.77" in text  # the 总分 row, laid out as one line


def test_pdf_uses_free_fonts_for_every_glyph(seed_out):
    names = font_names(pdf_fonts(seed_out / "report.pdf")[0])
    assert names
    # Any other font (DejaVu, a Type 3 fallback) would mean a glyph the mapped fonts lack.
    assert all(name.startswith(FREE_FONTS) for name in names), names
    assert any(n.startswith("GBZenKai") for n in names)  # 楷体 headings really use a Kai face
    assert any(n.startswith("NotoSansCJK") for n in names)  # and 黑体 a sans one


def test_pdf_pages_are_numbered_and_the_attachment_is_landscape(seed_out, pages):
    assert "— 1 —" not in pages[0] and "— 1 —" not in pages[1]  # cover and 目录 unnumbered
    assert re.search(r"—\s*1\s*—", pages[2])
    numbers = [int(m.group(1)) for p in pages[2:] if (m := re.search(r"—\s*(\d+)\s*—\s*$", p.strip()))]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= len(pages) - 3
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(seed_out / "report.pdf")], capture_output=True,
                          check=True, text=True).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    assert float(sizes[0][0]) < float(sizes[0][1]) and float(sizes[-1][0]) > float(sizes[-1][1])


def test_docx_toc_numbers_are_the_pdfs(seed_out, pages):
    doc = Document(str(seed_out / "report.docx"))
    entries = [p.text for p in doc.paragraphs if p.style.name in ("toc 1", "toc 2")]
    assert len(entries) == 15
    toc_page = flat(pages[1])
    for entry in entries:
        title, _, number = entry.partition("\t")
        assert number.isdigit(), entry
        assert re.search(re.escape(flat(title)) + r"\.*" + number, toc_page), entry
    # The page each heading is on, read from the PDF's footers, is the number the 目录 gives.
    body = {}
    for page in pages[2:]:
        m = re.search(r"—\s*(\d+)\s*—\s*$", page.strip())
        if m:
            body[m.group(1)] = flat(page)
    for entry in entries:
        title, _, number = entry.partition("\t")
        assert flat(title) in body[number], entry


def variants():
    """The seed and cases that take other branches of every rule kind."""
    case, fw = load_case(SEED)
    f = dict(case.facts)

    def v(**changes):
        facts = dict(f)
        for k, value in changes.items():
            facts[k] = value if isinstance(value, (Fact, Judgement)) else Fact(value)
        return dataclasses.replace(case, facts=facts)

    return fw, [
        case,
        v(调整预算数=22000.0, 在用固定资产总额=50000.0, 编外人员数=5.0, 满意度=0.93, 实际政府采购金额=7000.0,
          预算公开="公开但不符合要求", 资金支出规范=Judgement(points=0.5, evidence="部分支出未按进度支付")),
        v(虚列支出=True, 涉密部门=True, 四季度预算执行率=0.5, 未完成重点工作数=1.0, 按时完成项目数=20.0,
          三公经费实际支出数=13.0, 信访及时办理回复数=20000.0, 核定编制数=70.0, 满意度=0.5, 决算公开="未公开"),
        v(调整预算数=0.0, 政府采购计划金额=0.0, 日常公用经费决算数=480.0, 一季度预算执行率=0.2),
    ]


def test_recalculated_scoring_sheet_equals_the_engine(tmp_path):
    fw, cases = variants()
    sheets, evaluations, reports = [], [], []
    for i, case in enumerate(cases):
        ev = evaluate(fw, case)
        report = build.draft(fw, case, ev, with_chart=False)
        path = tmp_path / f"v{i}.xlsx"
        xlsx_writer.write(report, path, cached=False)  # no cached results: LibreOffice must compute them
        sheets.append(path)
        evaluations.append(ev)
        reports.append(report)
    out = office.convert(sheets, "xlsx:Calc MS Excel 2007 XML", tmp_path / "recalc")
    checked = 0
    for path, ev, report in zip(out, evaluations, reports):
        wb = openpyxl.load_workbook(path, data_only=True)
        ws = wb["评分表"]
        by_name = {(r[0].value or r[1].value or r[2].value): r for r in ws.iter_rows(min_row=5)}
        for ind in ev.results:
            got = by_name[ind.name][4].value
            if ind.score is None:
                assert got == "无法评分", (path.name, ind.name, got)
            else:
                assert got == pytest.approx(ind.score, abs=1e-9), (path.name, ind.name, got, ind.trace)
                assert by_name[ind.name][6].value == "一致"
            checked += 1
        unscored = any(r.status == "not_scorable" for r in ev.results)
        total = by_name["合计（不完整）" if unscored else "合计"]  # an incomplete total says so
        assert total[4].value == pytest.approx(ev.total, abs=1e-9)
        metrics = {r[0].value: r for r in wb["计算值"].iter_rows(min_row=2)}
        for mt in report.figures.metrics:
            if mt.label in metrics:
                want = mt.value
                got = metrics[mt.label][4].value
                if want is None:
                    assert got in ("#N/A", None), (mt.label, got)
                else:
                    assert got == pytest.approx(want, abs=1e-12), mt.label
    assert checked == 4 * 35
    scores = [fmt_points(ev.total) for ev in evaluations]
    assert len(set(scores)) == 4  # the variants really score differently


def test_batch_converts_every_pdf_in_one_call(tmp_path, monkeypatch):
    calls = []

    class Counting(office.Conversion):
        def __init__(self, sources, *args, **kw):
            calls.append(len(sources))
            super().__init__(sources, *args, **kw)

    monkeypatch.setattr(build.office, "Conversion", Counting)
    cases = tmp_path / "cases"
    cases.mkdir()
    for name in ("甲", "乙", "丙"):
        shutil.copy(SEED, cases / f"{name}.yaml")
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", "--batch", str(cases), "-o", str(out), "--format", "pdf",
                                 "--pdf-engine", "libreoffice"])
    assert result.exit_code == 0, result.output
    assert calls == [3]
    for name in ("甲", "乙", "丙"):
        pdf = out / name / "report.pdf"
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
        assert "96.77" in text
    assert sorted(p.name for p in (out / "甲").iterdir()) == ["report.pdf"]
