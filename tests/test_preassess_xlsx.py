"""The 事前绩效评估专家评分表 as a workbook in ``jixiao score`` and ``jixiao report``: the template
``jixiao template`` writes, filled in by hand (openpyxl stands in for Excel), scores exactly as the
YAML sheet — the same total, outcome and findings — and every refusal names its cell."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.intake.yamlio import load

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "chizhou-2022" / "preassessment.yaml"
SHEET = "事前绩效评估专家评分表"
runner = CliRunner()


def _template(tmp_path: Path) -> Path:
    out = tmp_path / "blank.xlsx"
    r = runner.invoke(app, ["template", "--framework", "national-preassessment/2018", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "空白专家评分表" in r.stdout
    return out


def _row(ws, text: str) -> int:
    return next(c.row for row in ws.iter_rows() for c in row if c.value == text)


def _fill(template: Path, out: Path, data: dict) -> Path:
    """Type a YAML sheet into the blank template, cell by cell, as an assessor would."""
    wb = openpyxl.load_workbook(template)
    ws = wb[SHEET]
    for label in ("年度", "项目名称", "主管部门", "申请资金"):
        ws.cell(_row(ws, label), 2, data[label])
    head = _row(ws, "姓名")
    columns = {ws.cell(head, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(head, c).value}
    for i, expert in enumerate(data["专家"], start=head + 1):
        for key, value in expert.items():
            ws.cell(i, columns[key], value)
    rs = wb["评估报告"]
    rs.delete_rows(2, rs.max_row)  # the blank template lists every section once; write only the sheet's own
    r = 2
    for name, value in (data.get("报告") or {}).items():
        for paragraph in value if isinstance(value, list) else [value]:
            rs.cell(r, 1, name)
            rs.cell(r, 3, paragraph)
            r += 1
    wb.save(out)
    return out


def _yaml(tmp_path: Path, data: dict) -> Path:
    import yaml

    out = tmp_path / "sheet.yaml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


def _scored(path: Path) -> dict:
    """The JSON ``jixiao score`` prints, the file's own name left out (a hint names the file it is in)."""
    r = runner.invoke(app, ["score", str(path), "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout.replace(json.dumps(str(path), ensure_ascii=False)[1:-1], "FILE"))


def _example() -> dict:
    return load(EXAMPLE).data


def _marks(data: dict, **changes) -> dict:
    """The example with the first expert's marks changed."""
    return {**data, "专家": [{**data["专家"][0], **changes}, *data["专家"][1:]]}


def test_a_filled_template_scores_exactly_as_the_yaml_sheet(tmp_path):
    filled = _fill(_template(tmp_path), tmp_path / "filled.xlsx", _example())
    got, want = _scored(filled), _scored(EXAMPLE)
    assert got == want
    assert (got["total"], got["outcome"]) == (82.33, "通过")
    table = runner.invoke(app, ["score", str(filled)])
    assert table.exit_code == 0 and "评估结论：通过" in table.stdout and "82.33" in table.stdout


@pytest.mark.parametrize("changes, every, outcome", [
    ({"立项必要性": "差"}, True, "不通过"),  # the veto: 立项必要性 graded 差 whatever the other marks
    ({"立项必要性": "差"}, False, "再评估"),  # one expert's 差 counts as 6 points, not as the dimension's 差
    ({"投入经济性": 0, "绩效目标合理性": 0, "实施方案可行性": 0}, False, "再评估"),
    ({"立项必要性": 0, "投入经济性": 0, "绩效目标合理性": 0, "实施方案可行性": 0, "筹资合规性": 0}, False, "不通过"),
    ({"投入经济性": 0, "绩效目标合理性": 0, "实施方案可行性": 0}, True, "不通过"),
])
def test_every_outcome_is_the_yaml_sheets(tmp_path, changes, every, outcome):
    data = _marks(_example(), **changes)
    if every:
        data = {**data, "专家": [{**e, **changes} for e in data["专家"]]}
    got = _scored(_fill(_template(tmp_path), tmp_path / "filled.xlsx", data))
    assert got == _scored(_yaml(tmp_path, data))
    assert got["outcome"] == outcome


def test_a_bad_mark_is_refused_in_chinese_naming_its_cell(tmp_path):
    filled = _fill(_template(tmp_path), tmp_path / "filled.xlsx", _marks(_example(), 投入经济性=25, 筹资合规性="很好"))
    r = runner.invoke(app, ["score", str(filled)])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "事前绩效评估评分表有误" in r.output
    wb = openpyxl.load_workbook(filled)
    head = _row(wb[SHEET], "姓名")
    assert f"{SHEET}!E{head + 1} 专家甲的投入经济性评分“25”应在 0 到 20 分之间" in r.output, r.output
    assert f"{SHEET}!H{head + 1}" in r.output and "优、良、中、差" in r.output
    yaml_refusal = runner.invoke(app, ["score", str(_yaml(tmp_path, _marks(_example(), 投入经济性=25)))])
    assert yaml_refusal.exit_code == 2 and "专家甲的投入经济性评分“25”应在 0 到 20 分之间" in yaml_refusal.output


def test_the_blank_template_is_refused_naming_what_is_missing(tmp_path):
    r = runner.invoke(app, ["score", str(_template(tmp_path))])
    assert r.exit_code == 2
    assert f"{SHEET}!B4 缺少项目名称" in r.output and "缺少专家评分" in r.output


def test_the_report_sheet_carries_the_reports_text(tmp_path):
    filled = _fill(_template(tmp_path), tmp_path / "filled.xlsx", _example())
    for source, out in ((EXAMPLE, "from-yaml"), (filled, "from-xlsx")):
        r = runner.invoke(app, ["report", str(source), "-o", str(tmp_path / out), "--format", "md"])
        assert r.exit_code == 0, r.output
    text = (tmp_path / "from-xlsx" / "report.md").read_text(encoding="utf-8")
    assert text == (tmp_path / "from-yaml" / "report.md").read_text(encoding="utf-8")
    assert "细化成本指标" in text  # a paragraph of 评估的相关建议, one row of the sheet


def test_a_misspelt_report_section_and_a_bad_position_are_refused_at_their_cells(tmp_path):
    filled = _fill(_template(tmp_path), tmp_path / "filled.xlsx", _example())
    wb = openpyxl.load_workbook(filled)
    rs = wb["评估报告"]
    last = rs.max_row
    rs.cell(last + 1, 1, "概要")
    rs.cell(last + 1, 3, "一段文字")
    rs.cell(last + 2, 1, "立项必要性")
    rs.cell(last + 2, 2, "中间")
    rs.cell(last + 2, 3, "另一段")
    wb.save(filled)
    r = runner.invoke(app, ["score", str(filled)])
    assert r.exit_code == 2, r.output
    assert f"评估报告!C{last + 1} 报告中的“概要”不是报告章节" in r.output, r.output
    assert f"评估报告!C{last + 2} 报告.立项必要性 应为文字、段落列表或 {{前, 后}}" in r.output


def test_text_before_and_after_a_section_reads_as_the_yamls(tmp_path):
    """位置 前/后 on a row: the text the report prints before or after what the marks write."""
    data = {**_example(), "报告": {**_example()["报告"], "立项必要性": {"前": "先说背景。", "后": "再说结论。"}}}
    filled = _fill(_template(tmp_path), tmp_path / "filled.xlsx", {**data, "报告": {}})
    wb = openpyxl.load_workbook(filled)
    rs = wb["评估报告"]
    r = 2
    for name, value in data["报告"].items():
        for part, paragraph in (value.items() if isinstance(value, dict) else
                                [("", p) for p in (value if isinstance(value, list) else [value])]):
            rs.cell(r, 1, name)
            rs.cell(r, 2, part or None)
            rs.cell(r, 3, paragraph)
            r += 1
    wb.save(filled)
    from jixiao.intake.preassess_xlsx import read_workbook

    assert read_workbook(filled).data["报告"]["立项必要性"] == {"前": "先说背景。", "后": "再说结论。"}
    for source, out in ((_yaml(tmp_path, data), "from-yaml"), (filled, "from-xlsx")):
        result = runner.invoke(app, ["report", str(source), "-o", str(tmp_path / out), "--format", "md"])
        assert result.exit_code == 0, result.output
    text = (tmp_path / "from-xlsx" / "report.md").read_text(encoding="utf-8")
    assert text == (tmp_path / "from-yaml" / "report.md").read_text(encoding="utf-8")
    assert text.index("先说背景。") < text.index("再说结论。")


def test_the_shipped_example_workbook_is_the_yaml_written_out(tmp_path):
    from jixiao.intake.editions import load_edition
    from jixiao.intake.preassess_xlsx import read_workbook, write_workbook

    shipped = read_workbook(ROOT / "examples" / "chizhou-2022" / "preassessment.xlsx").data
    write_workbook(_example(), tmp_path / "again.xlsx", load_edition("national-preassessment/2018").framework)
    assert shipped == read_workbook(tmp_path / "again.xlsx").data
    assert _scored(ROOT / "examples" / "chizhou-2022" / "preassessment.xlsx") == _scored(EXAMPLE)
