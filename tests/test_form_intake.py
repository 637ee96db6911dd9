"""Reading one form: 指标值 strings, units, grades, the three formats (YAML, JSON, XLSX in the
national and the Sichuan layout), errors that name the field or the cell, the regional overlay,
and ``jixiao score FORM``."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.errors import InvalidInput
from jixiao.core.form import score_form
from jixiao.intake.form import (
    BadCell,
    ParsedTarget,
    grade_of,
    load_form_framework,
    looks_like_form,
    parse_actual,
    parse_target,
    read_form,
)
from jixiao.intake.form_xlsx import write_workbook
from jixiao.intake.yamlio import load

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "chizhou-2022" / "form.yaml"
runner = CliRunner()


@pytest.mark.parametrize("text,op,number,unit,assumed", [
    ("≥50个", "≥", 50, "个", False), ("＞＝50个", "≥", 50, "个", False), ("≧50", "≥", 50, "", False),
    (">=50", "≥", 50, "", False), ("≤90万元", "≤", 90, "万元", False), ("=100%", "=", 100, "%", False),
    ("＝１００％", "=", 100, "%", False), ("不低于95%", "≥", 95, "%", False), ("大于等于3次", "≥", 3, "次", False),
    ("不超过20天", "≤", 20, "天", False), ("≥100百分比", "≥", 100, "%", False), ("≥1,000人", "≥", 1000, "人", False),
    ("≥ 50 个", "≥", 50, "个", False), ("<5%", "<", 5, "%", False), ("＞90", ">", 90, "", False),
    ("100%", "≥", 100, "%", True), (12, "≥", 12, "", True), ("≤0起", "≤", 0, "起", False),
])
def test_target_strings_are_read_as_operator_number_unit(text, op, number, unit, assumed):
    assert parse_target(text) == ParsedTarget(op, float(number), unit, assumed)


@pytest.mark.parametrize("text", ["严格执行相关制度规定", "2022年12月31日前完成", "在项目计划完成时间内完成", "", None])
def test_text_targets_are_qualitative(text):
    assert parse_target(text) is None


@pytest.mark.parametrize("text", ["≥", "不低于", "≥-5%"])
def test_unreadable_targets_are_refused(text):
    with pytest.raises(BadCell) as info:
        parse_target(text)
    assert info.value.code == "E-IN-FORM-TARGET"


@pytest.mark.parametrize("raw,unit,want", [
    ("899,740元", "万元", 89.974), ("0.5亿元", "万元", 5000.0), ("50个", "个", 50.0), ("50", "个", 50.0),
    (95, "%", 95.0), ("９５％", "%", 95.0), ("≥52", "个", 52.0), ("3千元", "元", 3000.0), ("90", "万元", 90.0),
])
def test_actual_values_are_read_in_the_targets_unit(raw, unit, want):
    assert parse_actual(raw, unit) == want


@pytest.mark.parametrize("raw,unit,code", [("100万元", "个", "E-IN-FORM-UNIT"), ("九十", "个", "E-IN-FORM-ACTUAL"),
                                           ("", "个", "E-IN-FORM-ACTUAL"), ("50次", "个", "E-IN-FORM-UNIT")])
def test_bad_actual_values_are_refused_with_their_code(raw, unit, code):
    with pytest.raises(BadCell) as info:
        parse_actual(raw, unit)
    assert info.value.code == code


def test_grade_words_forms_use_map_to_the_three_grades():
    assert grade_of("达成预期指标") == grade_of("达成年度指标") == grade_of("已完成") == "达成年度指标"
    assert grade_of("部分达成") == "部分达成年度指标并具有一定效果"
    assert grade_of("未完成") == "未达成年度指标且效果较差"
    assert grade_of("群众普遍反映良好，但个别地区仍待改进") is None


def test_the_example_form_recomputes_100_and_lists_what_disagrees():
    form, fw, warnings = read_form(EXAMPLE)
    assert not warnings
    r = score_form(fw, form)
    assert (r.total, r.grade, r.status) == (100.0, "优", "scored")
    assert {f.code for f in r.review} == {"SCORE_DIFF", "TOTAL_DIFF", "FUND_SUM", "RATE_DIFF"}
    assert r.lines[0].trace == "预算执行率 = 89.974万元 ÷ 89.974万元 = 100.00%，得 10 分"


def test_json_and_xlsx_read_like_yaml(tmp_path: Path):
    data = load(EXAMPLE).data
    as_json = tmp_path / "form.json"
    as_json.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    as_xlsx = tmp_path / "form.xlsx"
    write_workbook(data, as_xlsx)
    form, fw, _ = read_form(EXAMPLE)
    want = score_form(fw, form)
    for path in (as_json, as_xlsx):
        form, fw, _ = read_form(path)
        got = score_form(fw, form)
        assert [(ln.name, ln.score, ln.code, ln.stated) for ln in got.lines] == \
               [(ln.name, ln.score, ln.code, ln.stated) for ln in want.lines]
        assert (got.total, form.stated_total, {f.code for f in got.review}) == (100.0, 90.0, {f.code for f in want.review})
        assert looks_like_form(path)


def test_errors_name_the_yaml_line_and_the_xlsx_cell(tmp_path: Path):
    data = load(EXAMPLE).data
    data["绩效指标"][0]["实际完成值"] = "五十个"
    data["项目资金"][1]["全年执行数"] = "很多"
    as_yaml = tmp_path / "bad.yaml"
    as_yaml.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")  # JSON is YAML
    with pytest.raises(InvalidInput) as info:
        read_form(as_yaml)
    places = {p.code: p.where for p in info.value.problems}
    assert places["E-IN-FORM-ACTUAL"].startswith(f"{as_yaml}:") and places["E-IN-FORM-MONEY"].startswith(f"{as_yaml}:")
    as_xlsx = tmp_path / "bad.xlsx"
    write_workbook(data, as_xlsx)
    with pytest.raises(InvalidInput) as info:
        read_form(as_xlsx)
    by_code = {p.code: p for p in info.value.problems}
    assert by_code["E-IN-FORM-ACTUAL"].where.endswith("自评表!F13")
    assert "五十个" in by_code["E-IN-FORM-ACTUAL"].message and "基建工程委托业务项目数量" in by_code["E-IN-FORM-ACTUAL"].message
    assert by_code["E-IN-FORM-MONEY"].where.endswith("自评表!F7")


def sichuan_workbook(path: Path) -> None:
    """A workbook laid out like the published Sichuan form (青神县, 2023)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    rows = [
        ["部门预算项目支出绩效自评表(2023年度)"],
        ["项目名称", "职业技能培训"],
        ["主管部门", "测试局", None, None, "实施单位（盖章）", "测试局"],
        ["预算执行情况(10分)", None, "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "原因"],
        [None, "总额", 80, 100, 85, "85%", 10, 8.5, "部分培训延至次年"],
        [None, "其中：财政资金", 80, 100, 85, "/", "/", "/", None],
        ["绩效指标(90分)", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分", "未完成原因分析"],
        [None, "产出指标", "数量指标", "培训人数", "≥", 100, "人", 100, 60, 60, None],
        [None, "效益指标", "社会效益指标", "技能提升", "定性", "明显提升", None, "达成", 30, 27, "个别学员未达标"],
        ["合计", None, None, None, None, None, None, None, 100, 95.5, None],
    ]
    for row in rows:
        ws.append(row)
    wb.save(path)


def test_the_sichuan_layout_is_read_and_scored_with_the_overlay(tmp_path: Path):
    path = tmp_path / "sichuan.xlsx"
    sichuan_workbook(path)
    form, fw, _ = read_form(path, "sichuan-project/2023")
    assert fw.id == "sichuan-project/2023" and form.project == "职业技能培训"
    r = score_form(fw, form)
    assert r.lines[0].score == 8.5  # 85 ÷ 调整后预算数 100, not ÷ 80
    assert r.total == 95.5 and not r.review
    assert [f.code for f in r.findings if not f.review] == ["WEIGHT_DEFAULT", "WEIGHT_DEFAULT"]
    form.funds[0].reason = ""  # 85% is below 90%, and 年初 80 became 100: without a reason both go to review
    assert [f.code for f in score_form(fw, form).review] == ["EXEC_NO_REASON", "BUDGET_CHANGE_NO_REASON"]


def test_the_overlay_changes_only_what_it_overrides():
    national, sichuan = load_form_framework("national-project/2020"), load_form_framework("sichuan-project/2023")
    assert (national.execution.denominator, national.execution.reason_below) == ("全年预算数", 1.0)
    assert (sichuan.execution.denominator, sichuan.execution.reason_below) == ("调整后预算数", 0.9)
    assert sichuan.extends == "national-project/2020" and sichuan.execution.points == national.execution.points
    assert sichuan.rows == national.rows and sichuan.indicators == national.indicators and sichuan.grades == national.grades
    assert sichuan.fingerprint() != national.fingerprint()


def test_overlays_that_cannot_be_resolved_are_refused(tmp_path: Path):
    missing = tmp_path / "a.yaml"
    missing.write_text("id: a\nkind: project-form\nextends: nowhere/2020\nname: x\nedition: '1'\noverrides: {}\n",
                       encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_form_framework(missing)
    assert info.value.problems[0].code == "E-FW-EXTENDS" and f"{missing}:3" == info.value.problems[0].where
    bad = tmp_path / "b.yaml"
    bad.write_text("id: b\nkind: project-form\nextends: national-project/2020\nname: x\nedition: '1'\n"
                   "overrides:\n  execution:\n    reason_below: 9\n  indicators:\n    points: 80\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_form_framework(bad)
    places = {(p.code, p.where) for p in info.value.problems}
    assert ("E-FW-SCHEMA", f"{bad}:8") in places and ("E-FW-WEIGHT-SUM", f"{bad}:10") in places


def test_jixiao_score_prints_recomputed_scores_and_every_disagreement():
    result = runner.invoke(app, ["score", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    for text in ("100.00", "90.00", "需复核（4 项）", "[SCORE_DIFF]", "[TOTAL_DIFF]", "[FUND_SUM]", "[RATE_DIFF]", "等级：优"):
        assert text in result.output
    as_json = runner.invoke(app, ["score", str(EXAMPLE), "--format", "json"])
    doc = json.loads(as_json.output)
    assert doc["total"] == 100.0 and doc["stated_total"] == 90.0 and doc["grade"] == "优"
    assert {f["code"] for f in doc["findings"] if f["review"]} == {"SCORE_DIFF", "TOTAL_DIFF", "FUND_SUM", "RATE_DIFF"}
    assert doc["lines"][0]["diff"] == -10.0


def test_jixiao_score_exits_3_when_a_line_cannot_be_scored_and_2_on_bad_input(tmp_path: Path):
    data = load(EXAMPLE).data
    data["项目资金"][1]["全年预算数"] = 0
    data["项目资金"][1]["全年执行数"] = 0
    zero = tmp_path / "zero.json"
    zero.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["score", str(zero)])
    assert result.exit_code == 3 and "无法评分" in result.output
    data["绩效指标"][2]["一级指标"] = "其他"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["score", str(bad)])
    assert result.exit_code == 2 and "E-IN-FORM-LEVEL" in result.output and "Traceback" not in result.output


def test_a_department_case_is_not_taken_for_a_form():
    assert not looks_like_form(ROOT / "examples" / "shenzhen-sibao-2020" / "case.yaml")


def test_form_json_carries_the_readers_warnings(tmp_path: Path):
    """Like a department case's JSON, the form JSON lists the warnings (not only stderr)."""
    text = EXAMPLE.read_text(encoding="utf-8").replace("≥50个", "50个", 1)
    path = tmp_path / "form.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["score", str(path), "--format", "json"])
    data = json.loads(result.stdout[result.stdout.index("{"):])
    # Warnings are problems, as in a department case's JSON: code, severity, message, place.
    found = [w for w in data["warnings"] if w["code"] == "W-IN-FORM-OP"]
    assert found and found[0]["severity"] == "warning" and found[0]["place"]["line"], data["warnings"]
    clean = json.loads(runner.invoke(app, ["score", str(EXAMPLE), "--format", "json"]).stdout)
    assert clean["warnings"] == []


def test_trace_of_a_missed_row_states_the_comparison():
    from jixiao.core.form import EXAMPLE_FRAMEWORK, FormFramework, Row, score_line

    fw = FormFramework.model_validate(EXAMPLE_FRAMEWORK)
    line = score_line(fw, Row(kind="定量", level3="x", op="≥", target=20741.0, actual=20740.0, unit="人", points=10.0), "定量")
    assert "未达到（20,740 < 20,741）" in line.trace and "99.995%" in line.trace and "100.00%" not in line.trace
    line = score_line(fw, Row(kind="定量", level3="x", op="≤", target=20.0, actual=30.0, unit="万元", points=10.0), "定量")
    assert "未达到（30 > 20）" in line.trace


def test_a_cut_off_form_is_marked_in_its_json_and_table(tmp_path: Path):
    text = EXAMPLE.read_text(encoding="utf-8")
    head, _, _ = text.partition("\n  - {一级指标: 效益指标")
    assert head != text
    path = tmp_path / "cut.yaml"
    path.write_text(head + "\n  - 以下缺失\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["score", str(path), "--format", "json"])
    assert result.exit_code == 3, result.output
    out = json.loads(result.stdout)
    assert out["truncated"] is True and out["status"] == "incomplete" and out["grade"] == ""
    assert out["lines"][-1]["code"] == "TRUNCATED" and "截断" in out["lines"][-1]["trace"]
    table = CliRunner().invoke(app, ["score", str(path)])
    assert "总分只计已有各行，不完整" in table.output
