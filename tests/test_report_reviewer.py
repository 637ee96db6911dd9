"""The reviewer's list from the seed report (issue 13, item 5), each point read back from the files
a user gets — for the seed, the national 2013 example and a low-scoring variant of each.

Rows never split, 效果性's subsections as Heading 4, 附件1 in the outline, the incomplete XLSX total
are also read back in tests/test_report.py; here every point is checked on all four cases.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from test_report_outline import NATIONAL, SEED, assert_filed, low_seed, national_low
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.engine import evaluate
from jixiao.intake.case import load_case

runner = CliRunner()
NUMBER = r"-?\d[\d,]*(?:\.\d+)?%?"
COMPARISON = re.compile(rf"(?<![\d.,])({NUMBER})\s*(≥|≤|<|>|＜|＞)\s*({NUMBER})(?![\d.,%])")


def case_path(which: str, tmp_path: Path) -> Path:
    return {"seed": lambda: SEED, "seed-low": lambda: low_seed(tmp_path), "national": lambda: NATIONAL,
            "national-low": lambda: national_low(tmp_path)}[which]()


@pytest.fixture(scope="module", params=["seed", "seed-low", "national", "national-low"])
def written(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    path = case_path(request.param, tmp)
    out = tmp / "out"
    result = runner.invoke(app, ["report", str(path), "-o", str(out), "--format", "docx,html,md,xlsx"])
    assert result.exit_code == 0, result.output
    case, fw = load_case(path)
    return out, Document(str(out / "report.docx")), evaluate(fw, case)


def docx_text(doc) -> str:
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def every_text(out: Path, doc) -> dict[str, str]:
    book = openpyxl.load_workbook(out / "scoring.xlsx")
    sheets = "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None)
    page = re.sub(r"<[^>]+>", "\n", (out / "report.html").read_text(encoding="utf-8"))
    md = re.sub(r"\\(.)", r"\1", (out / "report.md").read_text(encoding="utf-8"))
    return {"docx": docx_text(doc), "html": html.unescape(page), "md": md, "xlsx": sheets}


def _number(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


def test_every_comparison_printed_holds(written):
    """“未达到，扣 1 分（19,000 ≥ 20,741）” was false: every number-op-number anywhere is true."""
    out, doc, ev = written
    texts = [r.trace for r in ev.results] + list(every_text(out, doc).values())
    seen = 0
    for text in texts:
        for a, op, b in COMPARISON.findall(text):
            x, y = _number(a), _number(b)
            holds = {"≥": x >= y, "≤": x <= y, "<": x < y, "＜": x < y, ">": x > y, "＞": x > y}[op]
            assert holds, f"{a} {op} {b} in: {text[:200]}"
            seen += 1
    assert seen or "national" in str(out)  # the seed's traces do compare numbers


def test_quotes_never_double_and_deductions_spaced_one_way(written):
    """Every report file writes “扣1分”, as the report's prose does (the engine's trace, shown by
    ``jixiao score``, keeps its own spaced style; the files respace it)."""
    out, doc, ev = written
    for fmt, text in every_text(out, doc).items():
        assert "““" not in text and "””" not in text, fmt
        assert not re.search(r"扣\s+\d", text) and not re.search(r"\d\s+分", text.replace("参考分值", "")), fmt
    for r in ev.results:
        assert "““" not in r.trace and "””" not in r.trace, r.trace


def test_attachment_rows_never_split_and_it_is_in_the_outline(written):
    _, doc, ev = written
    table = doc.tables[-1]
    rows = table._tbl.tr_lst
    assert len(rows) > sum(1 for r in ev.results if r.level == max(x.level for x in ev.results))  # header + leaves
    assert all(tr.trPr is not None and tr.trPr.find(qn("w:cantSplit")) is not None for tr in rows)
    style = doc.styles["Attachment Label"]
    assert style.element.pPr.find(qn("w:outlineLvl")).get(qn("w:val")) == "0"
    assert "附件1" in [p.text for p in doc.paragraphs if p.style.name == "Attachment Label"]


def test_formula_lines_are_left_aligned_not_stretched(written):
    _, doc, _ = written
    paras = doc.paragraphs
    start = next(i for i, p in enumerate(paras) if p.text == "扣分情况如下：")
    formulas = []
    for p in paras[start + 1:]:
        if not re.match(r"^（\d+）", p.text):
            break
        formulas.append(p)
    assert formulas and any("=" in p.text for p in formulas)
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.LEFT for p in formulas)
    # Prose stays justified (the Normal style), so only the formula lines changed.
    assert paras[start].alignment is None
    assert doc.styles["Normal"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY


def test_the_seeds_effects_subsections_are_real_headings(tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["report", str(SEED), "-o", str(out), "--format", "docx"]).exit_code == 0
    doc = Document(str(out / "report.docx"))
    h4 = [p.text for p in doc.paragraphs if p.style.name == "Heading 4"]
    i = h4.index("（1）社会效益方面")
    assert h4[i:i + 3] == ["（1）社会效益方面", "（2）经济效益方面", "（3）可持续影响方面"]
    assert not [p for p in doc.paragraphs if p.style.name != "Heading 4" and p.text in h4]


PLACEHOLDERS = ["none", "None", "NULL", "  ", "无", "—", "/"]


@pytest.mark.parametrize("blank", PLACEHOLDERS)
def test_empty_evidence_leaves_no_source_text_anywhere(tmp_path, blank):
    text = SEED.read_text(encoding="utf-8")
    given = {
        "含效益指标: {met: true, evidence: 设置了社会效益指标“用人单位参保规范性有效提升”}": f"含效益指标: {{met: true, evidence: '{blank}'}}",
    }
    for old, new in given.items():
        assert old in text, old
        text = text.replace(old, new)
    # Every evidence of a number becomes the placeholder too.
    text, n = re.subn(r"(\{value: [^,}]+), evidence: [^}]*\}", rf"\1, evidence: '{blank}'}}", text)
    assert n > 10
    text = re.sub(r"\nstated:\n(  .*\n)+", "\n", text)
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", str(path), "-o", str(out), "--format", "docx,html,md,xlsx"])
    assert result.exit_code == 0, result.output
    case, fw = load_case(path)
    ev = evaluate(fw, case)
    shown = [r.trace for r in ev.results] + list(every_text(out, Document(str(out / "report.docx"))).values())
    for t in shown:
        for leak in ("（none）", "(none)", "（None）", "（NULL）", "（）", "（  ）", "（无）", "（—）", "（/）"):
            assert leak not in t, (leak, t[:300])
    assert case.facts["含效益指标"].evidence == "" and case.facts["日常公用经费决算数"].evidence == ""


def test_a_placeholder_is_no_evidence_for_a_standard_not_met(tmp_path):
    text = SEED.read_text(encoding="utf-8").replace(
        "含效益指标: {met: true, evidence: 设置了社会效益指标“用人单位参保规范性有效提升”}", "含效益指标: {met: false, evidence: none}")
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["report", str(path), "-o", str(tmp_path / "out"), "--format", "md"])
    assert result.exit_code == 2
    assert "未达到的标准须写明依据" in result.output and "含效益指标" in result.output
    assert not (tmp_path / "out").exists()


def test_done_when_no_gap_at_most_six_problems_no_trace_syntax(written):
    """Issue 13's “Done when”, read back from the DOCX of all four cases."""
    _, doc, _ = written
    paras = [p.text for p in doc.paragraphs]
    assert not any("【待填写" in p for p in paras)
    titles = assert_filed(paras, "存在问题", "改进措施", "后续工作计划、相关建议等")
    assert 1 <= len(titles) <= 6
