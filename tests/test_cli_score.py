"""``jixiao score`` on the seed case, as a user runs it: the table and the JSON contract reproduce
the seed's 附件1 (21 third-level scores, the level-one subtotals 19 / 17.94 / 59.83, the total
96.77), and a user's mistakes get a Chinese message naming the field, exit status 2, no traceback.

The expected figures below are the seed report's own table, typed in here as the test's oracle;
the case file holds only the facts they are computed from.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.numbers import round_half_up

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "shenzhen-sibao-2020" / "case.yaml"
CJK = re.compile(r"[\u4e00-\u9fff]")

# 附件1 得分 column, in the table's order.
SEED_LEAVES = {
    "预算编制合理性": 5, "预算编制规范性": 5, "绩效目标完整性": 2, "绩效指标明确性": 7,
    "政府采购执行情况": 1.67, "财务合规性": 2.27, "预决算信息公开": 3, "项目实施程序": 2, "项目监管": 2,
    "资产管理安全性": 2, "固定资产利用率": 1, "财政供养人员控制率": 1, "编外人员控制率": 1, "管理制度健全性": 2,
    "公用经费控制率": 6, "预算执行率": 5.98, "重点工作完成情况": 8, "项目完成及时性": 5.85,
    "社会效益、经济效益、生态效益及可持续影响等": 25, "群众信访办理情况": 3, "公众或服务对象满意度": 6,
}
SEED_LEVEL1 = {"部门决策": 19, "部门管理": 17.94, "部门绩效": 59.83}
SEED_TOTAL = 96.77

runner = CliRunner()


def run(*args: str):
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    return result


@pytest.fixture(scope="module")
def seed_json() -> dict:
    result = run("score", str(SEED), "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# --- the seed, as JSON ------------------------------------------------------------------------

def test_json_contract_has_its_keys(seed_json):
    assert {"framework", "edition_hash", "subject", "year", "total", "indicators"} <= set(seed_json)
    assert seed_json["framework"] == "shenzhen-dept/2020"
    assert re.fullmatch(r"[0-9a-f]{64}", seed_json["edition_hash"])
    assert seed_json["subject"] == "深圳市社会保险基金管理局（局本级）" and seed_json["year"] == 2020
    for row in seed_json["indicators"]:
        assert {"id", "name", "level", "parent", "weight", "score", "status", "trace"} <= set(row)
        assert row["status"] == "scored"


def test_json_lists_every_indicator_at_every_level_with_parents(seed_json):
    rows = seed_json["indicators"]
    by_level = {n: [r for r in rows if r["level"] == n] for n in (1, 2, 3)}
    assert [r["name"] for r in by_level[1]] == list(SEED_LEVEL1)
    assert len(by_level[2]) == 11 and len(by_level[3]) == 21
    ids = {r["id"] for r in rows}
    assert all(r["parent"] is None for r in by_level[1])
    assert all(r["parent"] in ids for r in by_level[2] + by_level[3])
    assert sum(r["weight"] for r in by_level[1]) == 100


def test_json_reproduces_the_21_third_level_scores_to_two_decimals(seed_json):
    leaves = {r["name"]: r for r in seed_json["indicators"] if r["level"] == 3}
    assert list(leaves) == list(SEED_LEAVES)
    got = {name: round_half_up(r["score"]) for name, r in leaves.items()}
    assert got == SEED_LEAVES
    # The four non-integer scores, and the two points lost by whole criteria, named by the issue.
    assert [got[n] for n in ("政府采购执行情况", "财务合规性", "预算执行率", "项目完成及时性")] == [1.67, 2.27, 5.98, 5.85]
    assert got["绩效目标完整性"] == 2 and got["管理制度健全性"] == 2


def test_json_reproduces_level_one_and_the_total(seed_json):
    level1 = {r["name"]: round_half_up(r["score"]) for r in seed_json["indicators"] if r["level"] == 1}
    assert level1 == SEED_LEVEL1
    assert round_half_up(seed_json["total"]) == SEED_TOTAL


def test_json_scores_are_unrounded_and_the_total_is_the_engines_own(seed_json):
    leaves = {r["name"]: r["score"] for r in seed_json["indicators"] if r["level"] == 3}
    assert leaves["政府采购执行情况"] == pytest.approx(1 + 4222.66 / 6279.26, abs=1e-12)
    assert leaves["财务合规性"] == pytest.approx(3 - (abs(25632.32 - 21195.00) / 25632.32 - 0.10) * 10, abs=1e-12)
    assert leaves["预算执行率"] == pytest.approx(5.9849, abs=1e-12)
    assert leaves["项目完成及时性"] == pytest.approx(6 * 38 / 39, abs=1e-12)
    # Not the seed's stated 96.7746568: its own inputs give 96.77238…; docs/seed-case.md explains.
    assert seed_json["total"] == pytest.approx(96.7723886, abs=1e-7)
    assert abs(seed_json["total"] - 96.7746568) > 0.002


def test_json_traces_show_the_figures(seed_json):
    traces = {r["name"]: r["trace"] for r in seed_json["indicators"]}
    assert "4,222.66 ÷ 6,279.26 = 67.25%，扣 0.33 分，得 0.67 分" in traces["政府采购执行情况"]
    assert "17.31%" in traces["财务合规性"] and "98.49%" in traces["预算执行率"] and "97.44%" in traces["项目完成及时性"]


# --- the seed, as a table ---------------------------------------------------------------------

def table_rows(text: str) -> dict[str, tuple[str, str]]:
    """{name: (weight, score)} from the rich table's first three columns."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) >= 5 and cells[1]:
            rows[cells[1].replace("　", "").strip()] = (cells[2], cells[3])
    return rows


def test_table_shows_every_level_with_weights_and_scores():
    result = run("score", str(SEED))
    assert result.exit_code == 0, result.stderr
    rows = table_rows(result.stdout)
    for name, want in SEED_LEAVES.items():
        assert rows[name][1] == f"{want:.2f}", name
    for name, want in SEED_LEVEL1.items():
        assert rows[name][1] == f"{want:.2f}", name
    assert rows["合计"] == ("100", "96.77")
    assert rows["部门管理"][0] == "20" and rows["资金管理"] == ("8", "6.94")
    assert "政府采购执行率 = 4,222.66 ÷ 6,279.26 = 67.25%" in result.stdout
    assert "四舍五入" in result.stdout


# --- user mistakes ----------------------------------------------------------------------------

def write_case(tmp_path: Path, change) -> Path:
    text = SEED.read_text(encoding="utf-8")
    path = tmp_path / "case.yaml"
    path.write_text(change(text), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def refused(result, code: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    err = result.stderr
    assert f"[{code}]" in err, err
    assert err.startswith("错误：") and CJK.search(err)
    return err


def test_a_missing_fact_is_named_with_what_to_do(tmp_path):
    path = write_case(tmp_path, lambda t: re.sub(r"(?m)^  调整预算数:.*\n", "", t))
    err = refused(run("score", str(path)), "E-IN-MISSING")
    assert "调整预算数" in err and "请" in err


def test_text_where_a_number_belongs_is_named_at_its_line(tmp_path):
    path = write_case(tmp_path, lambda t: t.replace("年初预算数: {value: 21195.00,", "年初预算数: {value: 两万一千,"))
    err = refused(run("score", str(path)), "E-IN-NOT-NUMBER")
    assert "年初预算数" in err and "两万一千" in err
    assert f"{path}:{line_of(path, '年初预算数:')}" in err


def test_negative_money_is_refused(tmp_path):
    path = write_case(tmp_path, lambda t: t.replace("年初预算数: {value: 21195.00,", "年初预算数: {value: -21195.00,"))
    err = refused(run("score", str(path)), "E-IN-NEGATIVE")
    assert "年初预算数" in err and f"{path}:{line_of(path, '年初预算数:')}" in err


def test_several_mistakes_are_reported_together(tmp_path):
    def change(t):
        t = t.replace("年初预算数: {value: 21195.00,", "年初预算数: {value: -1,")
        t = t.replace("计划完成项目数: {value: 39,", "计划完成项目数: {value: 三十九,")
        return re.sub(r"(?m)^  信访总量:.*\n", "", t)

    err = refused(run("score", str(write_case(tmp_path, change))), "E-IN-NEGATIVE")
    assert "[E-IN-NOT-NUMBER]" in err and "[E-IN-MISSING]" in err
    assert "计划完成项目数" in err and "信访总量" in err


def test_a_missing_file_is_refused(tmp_path):
    err = refused(run("score", str(tmp_path / "nosuch.yaml")), "E-IN-FILE")
    assert "nosuch.yaml" in err


def test_a_yaml_syntax_error_is_refused_at_its_line(tmp_path):
    path = write_case(tmp_path, lambda t: t.replace("  决算数: {value: 21481.11,", "  决算数: {value: 21481.11,,,"))
    err = refused(run("score", str(path)), "E-IN-YAML")
    assert f"{path}:" in err and "YAML" in err


def test_an_unknown_framework_is_refused(tmp_path):
    path = write_case(tmp_path, lambda t: t.replace("framework: shenzhen-dept/2020", "framework: shenzhen-dept/2099"))
    result = run("score", str(path))
    assert result.exit_code == 2 and "shenzhen-dept/2099" in result.stderr and CJK.search(result.stderr)
    result = run("score", str(SEED), "--framework", "no-such/edition")
    assert result.exit_code == 2 and "no-such/edition" in result.stderr


def test_an_unknown_output_format_is_refused():
    result = run("score", str(SEED), "--format", "xml")
    assert result.exit_code == 2 and "--format" in result.stderr and CJK.search(result.stderr)


def test_a_user_framework_file_can_be_given(tmp_path):
    fw = ROOT / "src" / "jixiao" / "frameworks" / "shenzhen-dept" / "2020" / "framework.yaml"
    result = run("score", str(SEED), "--framework", str(fw), "--format", "json")
    assert result.exit_code == 0 and round_half_up(json.loads(result.stdout)["total"]) == SEED_TOTAL


def test_a_real_process_shows_no_traceback_for_a_user_mistake(tmp_path):
    path = write_case(tmp_path, lambda t: t.replace("年初预算数: {value: 21195.00,", "年初预算数: {value: 两万,"))
    proc = subprocess.run([sys.executable, "-c", "from jixiao.cli import main; main()", "score", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "年初预算数" in proc.stderr and "[E-IN-NOT-NUMBER]" in proc.stderr


def test_a_real_process_scores_the_seed():
    proc = subprocess.run([sys.executable, "-c", "from jixiao.cli import main; main()", "score", str(SEED),
                           "--format", "json"], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert round_half_up(json.loads(proc.stdout)["total"]) == SEED_TOTAL


def test_an_indicator_that_cannot_be_scored_is_shown_with_its_reason_and_exits_3(tmp_path):
    path = write_case(tmp_path, lambda t: t.replace("固定资产总额: {value: 68695.73,", "固定资产总额: {value: 0,")
                      .replace("在用固定资产总额: {value: 68695.73,", "在用固定资产总额: {value: 0,"))
    result = run("score", str(path), "--format", "json")
    assert result.exit_code == 3 and "固定资产利用率" in result.stderr and "无法评分" in result.stderr
    data = json.loads(result.stdout)
    leaf = next(r for r in data["indicators"] if r["name"] == "固定资产利用率")
    assert leaf["status"] == "not_scorable" and leaf["score"] is None and leaf["reason"] == "ZERO:固定资产总额"
    assert "为 0" in leaf["trace"]
    assert data["status"] == "incomplete" and data["total"] == pytest.approx(96.7723886 - 1, abs=1e-7)
    table = run("score", str(path))
    assert table.exit_code == 3 and "无法评分" in table.stdout and "—" in table_rows(table.stdout)["固定资产利用率"][1]
