"""Drafting through services (the store and web path): the edition's own outline is used, also for
an edition that lives outside the shipped folder and so cannot be found by its id."""

from __future__ import annotations

import io
import re
from pathlib import Path

from docx import Document

from jixiao.frameworks import shipped_path
from jixiao.services.drafting import draft
from jixiao.services.scoring import score_file

ROOT = Path(__file__).resolve().parents[1]
NATIONAL_CASE = ROOT / "examples" / "national-dept-2013" / "case.yaml"


def copied_edition(tmp_path: Path, new_id: str, outline: str | None) -> Path:
    """The national 2013 edition copied under another id, with ``outline`` as its outline.yaml
    (None: no outline file), and the example case pointing at the copy."""
    shipped = shipped_path("national-dept/2013")
    assert shipped is not None
    folder = tmp_path / "edition"
    folder.mkdir()
    text = shipped.read_text(encoding="utf-8")
    assert re.search(r"(?m)^id: national-dept/2013$", text)
    (folder / "framework.yaml").write_text(re.sub(r"(?m)^id: .*$", f"id: {new_id}", text, count=1), encoding="utf-8")
    if outline is not None:
        (folder / "outline.yaml").write_text(outline, encoding="utf-8")
    case = tmp_path / "case.yaml"
    case.write_text(NATIONAL_CASE.read_text(encoding="utf-8").replace(
        "framework: national-dept/2013", "framework: edition/framework.yaml"), encoding="utf-8")
    return case


def headings(docx: bytes, style: str) -> list[str]:
    doc = Document(io.BytesIO(docx))
    return [p.text for p in doc.paragraphs if p.style.name == style]


def test_a_copied_edition_keeps_its_outline_when_drafted_through_services(tmp_path):
    own = (shipped_path("national-dept/2013").parent / "outline.yaml").read_text(encoding="utf-8")
    case = copied_edition(tmp_path, "copy-dept/2013", own)
    scored = score_file(case)
    assert scored.edition.id == "copy-dept/2013" and not scored.edition.shipped
    files = draft(scored, ["docx", "md"])
    md = files["report.md"].decode("utf-8")
    # The outline's own worded sentences, not the rule kind's default ones.
    assert "“三公经费”预算未超过上年规模" in md
    assert "支出进度慢于申报整体绩效目标时确定的进度" in md
    h2 = headings(files["report.docx"], "Heading 2")
    assert [h for h in h2 if h[3:] in ("投入", "过程", "产出", "效果")] == ["（一）投入", "（二）过程", "（三）产出", "（四）效果"]


def test_a_copied_edition_with_its_own_template_gets_its_own_chapters(tmp_path):
    template = """template: |
  ::title {{ year }}年度农业农村局整体支出绩效自评报告
  ::toc
  ::pagebreak
  # 单位概况
  {{ n.主要职能 }}
  # 指标完成情况
  {{ year }}年度评价得分为{{ total }}分。
  ::scores
  # 下一步打算
  持续改进。
  ::attachments
"""
    case = copied_edition(tmp_path, "copy-dept/2013", template)
    files = draft(score_file(case), ["docx", "md"])
    assert headings(files["report.docx"], "Heading 1") == ["一、单位概况", "二、指标完成情况", "三、下一步打算"]
    md = files["report.md"].decode("utf-8")
    assert "2023年度农业农村局整体支出绩效自评报告" in md and "绩效分析" not in md


def test_a_copied_edition_without_an_outline_gets_the_generic_report(tmp_path):
    case = copied_edition(tmp_path, "copy-dept/2013", None)
    md = draft(score_file(case), ["md"])["report.md"].decode("utf-8")
    assert "## 二、绩效分析" in md and "### （一）投入" in md
    # The shipped edition's sentences are not borrowed through the id it once had.
    assert "“三公经费”预算未超过上年规模" not in md


def test_the_command_line_uses_the_copied_editions_outline_too(tmp_path):
    from typer.testing import CliRunner

    from jixiao.cli import app

    own = (shipped_path("national-dept/2013").parent / "outline.yaml").read_text(encoding="utf-8")
    case = copied_edition(tmp_path, "copy-dept/2013", own)
    result = CliRunner().invoke(app, ["report", str(case), "-o", str(tmp_path / "out"), "--format", "md"])
    assert result.exit_code == 0, result.output
    assert "“三公经费”预算未超过上年规模" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
