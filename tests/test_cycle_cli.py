"""``jixiao score`` on the cycle's example forms, as a user runs it: the findings and the outcome,
the JSON contract, and Chinese refusals with exit status 2 and no traceback."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from jixiao.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def score(*args):
    return runner.invoke(app, ["score", *map(str, args)])


def test_target_example_lists_its_two_findings_and_the_consequence():
    r = score(ROOT / "examples/chizhou-2022/target.yaml", "--format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["kind"] == "target" and out["edition"] == "national-target-project/2015"
    assert sorted(f["code"] for f in out["findings"]) == ["T_NOT_QUANTIFIED", "T_TARGET_LOW"]
    assert out["suggested_grade"] == "中" and out["consequence"]["into_budget"] is False
    table = score(ROOT / "examples/chizhou-2022/target.yaml")
    assert "目标设定偏低" in table.stdout and "56个（2021年）" in table.stdout


def test_seed_department_target_form_flags_the_missing_operator():
    r = score(ROOT / "examples/shenzhen-sibao-2020/target.yaml", "--format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert [f["code"] for f in out["findings"]] == ["T_QUANT_INCOMPLETE"]
    assert out["findings"][0]["indicator"] == "办理债权申报案件数量"


def test_unreadable_target_value_is_refused_in_chinese_with_its_line(tmp_path):
    src = (ROOT / "examples/chizhou-2022/target.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "target.yaml"
    bad.write_text(src.replace("指标值: ≥50个", "指标值: ≥若干个"), encoding="utf-8")
    r = score(bad)
    assert r.exit_code == 2
    assert "E-IN-FORM-TARGET" in r.output and "target.yaml:" in r.output and "Traceback" not in r.output


def test_self_evaluation_forms_keep_their_own_path():
    r = score(ROOT / "examples/chizhou-2022/form.yaml", "--format", "json")
    assert json.loads(r.stdout)["total"] == 100


def test_monitoring_example_prints_each_light_with_its_reason():
    r = score(ROOT / "examples/chizhou-2022/monitoring.yaml", "--format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    lights = {lt["subject"]: lt for lt in out["lights"]}
    assert lights["项目资金"]["light"] == "黄" and "执行进度 69.52%" in lights["项目资金"]["reason"]
    assert lights["基建工程委托业务项目数量"]["light"] == "红"
    assert out["status"] == "异常" and [f["code"] for f in out["findings"]] == ["M_MEASURE_MISSING"]
    table = score(ROOT / "examples/chizhou-2022/monitoring.yaml")
    assert "完成进度低于60%，红灯" in table.stdout


def test_monitoring_spending_above_budget_is_refused(tmp_path):
    src = (ROOT / "examples/chizhou-2022/monitoring.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "m.yaml"
    bad.write_text(src.replace("执行数: 36.5,", "执行数: 95,"), encoding="utf-8")
    r = score(bad)
    assert r.exit_code == 2 and "E-IN-MON-OVER" in r.output and "超过全年预算数" in r.output


def test_target_workbooks_give_the_same_findings_as_their_yaml_with_cells():
    for example in ("examples/chizhou-2022/target", "examples/shenzhen-sibao-2020/target"):
        by_yaml = json.loads(score(ROOT / f"{example}.yaml", "--format", "json").stdout)
        r = score(ROOT / f"{example}.xlsx", "--format", "json")
        assert r.exit_code == 0, r.output
        by_xlsx = json.loads(r.stdout)
        assert [(f["code"], f["indicator"]) for f in by_xlsx["findings"]] == [(f["code"], f["indicator"]) for f in by_yaml["findings"]]
        assert all("申报表!A" in f["where"] for f in by_xlsx["findings"])


def test_blank_target_template_reads_back_as_missing_fields_not_a_crash(tmp_path):
    out = tmp_path / "t.xlsx"
    r = runner.invoke(app, ["template", "--framework", "national-target-project/2015", "-o", str(out)])
    assert r.exit_code == 0, r.output
    r = score(out)
    assert r.exit_code == 2 and "缺少项目名称" in r.output and "缺少绩效指标" in r.output


def test_target_workbook_with_an_unreadable_value_names_its_cell(tmp_path):
    import openpyxl

    wb = openpyxl.load_workbook(ROOT / "examples/chizhou-2022/target.xlsx")
    ws = wb.worksheets[0]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "≥50个")
    cell.value = "≥若干个"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    r = score(bad)
    assert r.exit_code == 2 and f"!{cell.coordinate}" in r.output and "E-IN-FORM-TARGET" in r.output


def test_batch_monitor_lists_red_projects_by_department(tmp_path):
    table = tmp_path / "m.csv"
    r = runner.invoke(app, ["batch", "monitor-synth", "-n", "300", "--seed", "5", "-o", str(table)])
    assert r.exit_code == 0, r.output
    outs = {}
    for engine in ("polars", "duckdb", "scalar"):
        out = tmp_path / f"{engine}.parquet"
        r = runner.invoke(app, ["batch", "monitor", str(table), "-e", engine, "-o", str(out)])
        assert r.exit_code == 0, r.output
        assert "300 份监控表、1,500 盏灯" in r.stdout and "红灯项目按主管部门" in r.stdout
        import polars as pl

        outs[engine] = pl.read_parquet(out)
    assert outs["polars"].equals(outs["duckdb"]) and outs["polars"].equals(outs["scalar"])
    r = runner.invoke(app, ["batch", "monitor", str(table), "-e", "spark"])
    assert r.exit_code == 2 and "--engine" in r.output
