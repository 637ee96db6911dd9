"""The 绩效目标执行监控表 as a workbook: the template ``jixiao template`` writes, filled in by hand
(openpyxl stands in for Excel), lights the same as the YAML form; every refusal names its cell; a
hostile workbook is refused by the same inspection as every other workbook, before a value is read."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.errors import InvalidInput
from jixiao.intake import limits
from jixiao.intake.documents import read_file
from jixiao.intake.workbook import scan

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "chizhou-2022" / "monitoring.yaml"
runner = CliRunner()


def score(path: Path):
    return runner.invoke(app, ["score", str(path), "--format", "json"])


def lights(result) -> list[tuple]:
    out = json.loads(result.stdout)
    return [(lt["subject"], lt["rule"], lt["light"], lt["value"], lt["reason"]) for lt in out["lights"]], out


def _find(ws, text: str) -> int:
    return next(c.row for row in ws.iter_rows() for c in row if c.value == text)


def _template(tmp_path: Path, edition: str = "national-monitoring/2019") -> Path:
    out = tmp_path / "blank.xlsx"
    r = runner.invoke(app, ["template", "--framework", edition, "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "空白监控表" in r.stdout
    return out


def _fill(template: Path, out: Path, changes=None) -> Path:
    """Type the YAML example into the blank template, cell by cell, as a unit would."""
    import yaml

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data.update(changes or {})
    wb = openpyxl.load_workbook(template)
    ws = wb.worksheets[0]
    for label in ("项目名称", "主管部门及代码", "实施单位", "年度", "监控期间", "金额单位"):
        ws.cell(_find(ws, label), 2, data[label])
    funds = _find(ws, "项目资金") + 2
    for c, key in enumerate(("年初预算数", "执行数", "全年预计执行数", "偏差原因", "纠偏措施"), start=1):
        ws.cell(funds, c, data["项目资金"].get(key))
    goal = _find(ws, "年度总体目标") + 2
    ws.cell(goal, 1, data["年度总体目标"]["目标"])
    ws.cell(goal, 2, data["年度总体目标"]["全年预计完成情况"])
    first = _find(ws, "绩效指标") + 2
    heads = [ws.cell(first - 1, c).value for c in range(1, 12)]
    for i, row in enumerate(data["绩效指标"]):
        for c, key in enumerate(heads, start=1):
            v = row.get(key)
            ws.cell(first + i, c, "、".join(v) if isinstance(v, list) else v)
    wb.save(out)
    return out


def test_a_filled_template_lights_exactly_as_the_yaml_form(tmp_path):
    filled = _fill(_template(tmp_path), tmp_path / "filled.xlsx")
    by_yaml, yaml_out = lights(score(EXAMPLE))
    r = score(filled)
    assert r.exit_code == 0, r.output
    by_xlsx, xlsx_out = lights(r)
    assert by_xlsx == by_yaml and len(by_xlsx) == 7
    assert ("基建工程委托业务项目数量", "绩效指标完成进度", "红") == by_xlsx[1][:3]
    assert xlsx_out["status"] == yaml_out["status"] == "异常"
    assert [f["code"] for f in xlsx_out["findings"]] == ["M_MEASURE_MISSING"]
    first_row = _find(openpyxl.load_workbook(filled).worksheets[0], "绩效指标") + 2
    assert xlsx_out["findings"][0]["where"].endswith(f"项目支出绩效目标执行监控表!A{first_row}")  # the indicator's row


def test_the_shipped_example_workbook_is_the_yaml_form():
    by_yaml, _ = lights(score(EXAMPLE))
    by_xlsx, _ = lights(score(EXAMPLE.with_suffix(".xlsx")))
    assert by_xlsx == by_yaml
    got = read_file(EXAMPLE.with_suffix(".xlsx"))
    assert type(got.doc).__name__ == "WorkbookForm" and got.doc.data["表名"].startswith("项目支出绩效目标执行监控表")


def test_several_deviation_reasons_in_one_cell_and_a_wrong_one_named_by_its_cell(tmp_path):
    filled = _fill(_template(tmp_path), tmp_path / "f.xlsx")
    wb = openpyxl.load_workbook(filled)
    ws = wb.worksheets[0]
    row = _find(ws, "基建工程委托业务项目数量")
    ws.cell(row, 7, "经费保障，人员保障")
    wb.save(filled)
    assert read_file(filled).doc.data["绩效指标"][0]["偏差原因"] == ["经费保障", "人员保障"]
    ws.cell(row, 7, "经费保障、天气")
    wb.save(filled)
    r = score(filled)
    assert r.exit_code == 2 and f"!G{row}" in r.output and "偏差原因“天气”应为" in r.output


@pytest.mark.parametrize("column, value, code", [
    (2, 95, "E-IN-MON-OVER"),  # 执行数 above the annual budget
    (2, -1, "E-IN-"),  # a negative figure
    (3, 20, "E-IN-MON-FORECAST"),  # 全年预计 below what is spent
])
def test_bad_funds_figures_are_refused_at_their_cell(tmp_path, column, value, code):
    filled = _fill(_template(tmp_path), tmp_path / "f.xlsx")
    wb = openpyxl.load_workbook(filled)
    ws = wb.worksheets[0]
    row = _find(ws, "项目资金") + 2
    ws.cell(row, column, value)
    wb.save(filled)
    r = score(filled)
    assert r.exit_code == 2 and code in r.output and f"!{ws.cell(row, column).coordinate}" in r.output, r.output
    assert "Traceback" not in r.output


def test_the_blank_template_reads_back_as_missing_fields_not_a_crash(tmp_path):
    r = runner.invoke(app, ["score", str(_template(tmp_path))])
    assert r.exit_code == 2 and "缺少项目名称" in r.output and "缺少绩效指标" in r.output


def test_a_sichuan_template_has_the_decision_drop_down(tmp_path):
    ws = openpyxl.load_workbook(_template(tmp_path, "sichuan-monitoring/2025")).worksheets[0]
    row = _find(ws, "处理决定")
    assert any(f"B{row}" in str(dv.sqref) and "继续执行,调剂,取消" in dv.formula1 for dv in ws.data_validations.dataValidation)
    assert ws.cell(_find(ws, "预警规则"), 2).value == "sichuan-monitoring/2025"
    national = openpyxl.load_workbook(_template(tmp_path)).worksheets[0]
    assert all(c.value != "处理决定" for row in national.iter_rows() for c in row)  # no decision where none is required


def test_a_workbook_without_a_monitoring_sheet_is_refused_by_the_monitoring_reader(tmp_path):
    from jixiao.intake.monitoring import read_monitoring

    with pytest.raises(InvalidInput) as exc:
        read_monitoring(ROOT / "examples" / "chizhou-2022" / "target.xlsx")
    assert exc.value.problems[0].code == "E-IN-XLSX" and "jixiao template" in exc.value.problems[0].message


def test_the_cell_budget_counts_a_monitoring_workbook_at_and_one_past_it(tmp_path, monkeypatch):
    """The workbook inspection of every reader: extra cells far right of the form, at the budget and one past it."""
    form = EXAMPLE.with_suffix(".xlsx")
    with zipfile.ZipFile(form) as zf:
        present = zf.read("xl/worksheets/sheet1.xml").count(b"<c ")
    budget = present + 200
    monkeypatch.setattr(limits, "CELLS", budget)

    def with_cells(name: str, extra: int) -> Path:
        rows = "".join(f'<row r="{1000 + r}"><c r="CA{1000 + r}"><v>{r}</v></c></row>' for r in range(extra))
        out = tmp_path / name
        with zipfile.ZipFile(form) as s, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as d:
            for info in s.infolist():
                data = s.read(info.filename)
                if info.filename == "xl/worksheets/sheet1.xml":
                    data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
                d.writestr(info, data)
        return out

    at = with_cells("at.xlsx", budget - present)
    assert sum(s.cells for s in scan(at).values()) == budget
    assert score(at).exit_code == 0
    r = score(with_cells("over.xlsx", budget - present + 1))
    assert r.exit_code == 2 and "E-IN-TOO-LARGE" in r.output


def test_a_zip_that_is_no_workbook_is_refused_not_a_crash(tmp_path):
    bad = tmp_path / "m.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    r = score(bad)
    assert r.exit_code == 2 and "Traceback" not in r.output


# --- the 部门整体 form ----------------------------------------------------------------------------

DEPT = ROOT / "examples" / "shenzhen-sibao-2020" / "monitoring.yaml"


def test_the_department_example_lights_its_funds_each_task_and_its_indicators():
    by_yaml, out = lights(score(DEPT))
    got = {subject: light for subject, _, light, *_ in by_yaml}
    assert got == {"部门资金": "绿", "社保基金征收及偿付": "绿", "社保基金管理和运营": "绿", "社保综合管理": "黄",
                   "办理债权申报案件数量": "绿", "项目完成及时率": "绿", "用人单位参保规范性": "黄", "公众或服务对象满意度": "绿"}
    assert out["edition"] == "national-monitoring-dept/2019" and out["status"] == "正常" and out["findings"] == []
    reason = next(r for s, _, _, _, r in by_yaml if s == "社保综合管理")
    assert "执行数 2,300 ÷ 预算数 6,195 = 37.13%" in reason and "黄灯" in reason
    by_xlsx, _ = lights(score(DEPT.with_suffix(".xlsx")))
    assert by_xlsx == by_yaml


def test_a_department_form_naming_no_edition_is_read_by_its_printed_heading(tmp_path):
    bare = tmp_path / "m.yaml"
    bare.write_text(DEPT.read_text(encoding="utf-8").replace("framework: national-monitoring-dept/2019\n", ""), encoding="utf-8")
    assert json.loads(score(bare).stdout)["edition"] == "national-monitoring-dept/2019"


def test_the_department_template_has_the_task_block_and_a_bad_task_is_named_by_its_cell(tmp_path):
    ws = openpyxl.load_workbook(_template(tmp_path, "national-monitoring-dept/2019")).worksheets[0]
    assert _find(ws, "部门名称") and _find(ws, "部门资金") and _find(ws, "年度主要任务")
    assert all(c.value != "项目名称" for row in ws.iter_rows() for c in row)
    wb = openpyxl.load_workbook(DEPT.with_suffix(".xlsx"))
    ws = wb.worksheets[0]
    row = _find(ws, "社保综合管理")
    ws.cell(row, 3, 7000)  # 执行数 above the task's 6,195万元
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    r = score(bad)
    assert r.exit_code == 2 and "E-IN-MON-OVER" in r.output and f"!C{row}" in r.output and "社保综合管理" in r.output


def test_a_project_form_with_department_tasks_is_refused_saying_which_form_to_use(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8") + "年度主要任务: [{任务名称: 甲, 预算数: 10, 执行数: 1}]\n"
    bad = tmp_path / "m.yaml"
    bad.write_text(text, encoding="utf-8")
    r = score(bad)
    assert r.exit_code == 2 and "national-monitoring-dept/2019" in r.output
