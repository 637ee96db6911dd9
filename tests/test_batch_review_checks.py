"""The review checks of issue 14, item 4, in the batch as in a single form: EDITION_YEAR,
BUDGET_CHANGE_NO_REASON, DOUBLE_COUNT and TOTAL_ABOVE_MAX.

Each is decided by one tree of ``core/form_checks.py``; the scalar engine walks it, Polars and
DuckDB compile it. Random forms built around the checks' boundaries (a target equal to the
budget in another money unit, a budget changed or not, years around the edition's) must give
every engine the same flags, and those flags must be the single-form scorer's for the same form.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from test_batch_parity import NATIONAL, SICHUAN, assert_engines_agree

from jixiao.batch.io import normalise, read_batch
from jixiao.batch.plan import plan_for
from jixiao.batch.scalar import form_of
from jixiao.core.errors import InvalidInput
from jixiao.core.form import score_form

CHECKS = ("EDITION_YEAR", "BUDGET_CHANGE_NO_REASON", "DOUBLE_COUNT", "TOTAL_ABOVE_MAX")
SCHEMA = {"表单编号": pl.String, "行号": pl.Int64, "行类型": pl.String, "年度": pl.Int64, "金额单位": pl.String,
          "三级指标": pl.String, "一级指标": pl.String, "运算符": pl.String, "年度指标值": pl.Float64, "单位": pl.String,
          "实际完成值": pl.Float64, "分值": pl.Float64, "得分": pl.Float64, "偏差原因": pl.String,
          "年初预算数": pl.Float64, "全年预算数": pl.Float64, "调整后预算数": pl.Float64, "全年执行数": pl.Float64}
FACTOR = {"元": 1, "千元": 1000, "万元": 10000, None: 10000}


def _rows(key, funds, rows, total=None):
    out = [{"表单编号": key, "行号": 1, "行类型": "资金", **funds}]
    for i, r in enumerate(rows):
        out.append({"表单编号": key, "行号": i + 2, "行类型": "定量", "一级指标": "产出指标", "三级指标": f"指标{i}", **r})
    out.append({"表单编号": key, "行号": len(out) + 1, "行类型": "合计", "得分": total})
    return out


def frame(rows):
    return pl.DataFrame([{c: r.get(c) for c in SCHEMA} for r in rows], schema=SCHEMA)


@st.composite
def form(draw, key):
    money = draw(st.sampled_from([None, "元", "千元", "万元"]))
    budget = draw(st.sampled_from([100.0, 80.0, 0.0, None]))
    spent = draw(st.sampled_from([80.0, 100.0, 60.0, None]))
    funds = {"金额单位": money, "年度": draw(st.sampled_from([None, 2019, 2020, 2023])),
             "全年预算数": budget, "调整后预算数": draw(st.sampled_from([None, budget, 120.0])),
             "年初预算数": draw(st.sampled_from([None, budget, 100.0, 100.0 + 1e-12])), "全年执行数": spent,
             "偏差原因": draw(st.sampled_from([None, "", "部分采购流标"])), "分值": 10.0}
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        unit = draw(st.sampled_from(["万元", "元", "千元", "个", "万"]))
        # The budget and spending written in the row's own unit (or nearly: off by a little).
        scale = FACTOR[money] / FACTOR.get(unit, 10000) if unit in FACTOR or unit == "万" else 1
        base = draw(st.sampled_from([budget, 120.0, 50.0, None]))
        target = None if base is None else base * scale * draw(st.sampled_from([1.0, 1.0, 1.00001, 1 + 1e-8]))
        actual = draw(st.sampled_from([spent, 100.0, None]))
        actual = None if actual is None else actual * scale
        rows.append({"运算符": draw(st.sampled_from(["≥", ">", "=", "≤"])), "年度指标值": target, "单位": unit,
                     "实际完成值": actual, "分值": draw(st.sampled_from([20.0, 90.0, None])),
                     "得分": draw(st.sampled_from([None, 16.0, 20.0])), "偏差原因": draw(st.sampled_from([None, "原因"]))})
    return _rows(key, funds, rows, draw(st.sampled_from([None, 94.0, 100.0, 100.01, 120.0])))


def check_against_single_form(plan, table: pl.DataFrame, forms: pl.DataFrame) -> None:
    """The flags of each batch form are the single-form scorer's for the same form."""
    batch = normalise(table.lazy(), dict(table.schema), "test").frame.collect()
    for (key,), rows in batch.group_by("表单编号"):
        single = score_form(plan.framework, form_of(rows.to_dicts()))
        got = forms.filter(pl.col("表单编号") == key).row(0, named=True)
        want = {f.code for f in single.review} & set(CHECKS)
        assert {c for c in CHECKS if got[c]} == want, (key, got["复核原因"], want)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(form("A"), form("B")), min_size=1, max_size=1), st.sampled_from(["national", "sichuan"]))
def test_engines_and_single_form_agree_on_the_review_checks(forms_, edition):
    plan = NATIONAL if edition == "national" else SICHUAN
    a, b = forms_[0]
    table = frame(a + b)
    _, forms = assert_engines_agree(plan, table)
    check_against_single_form(plan, table, forms)


def test_the_same_shortfall_counted_twice_across_money_units():
    # 金额单位 万元: budget 100 万元; the cost row's target is 1,000,000 元 = 100 万元, actual 800,000 元.
    funds = {"金额单位": "万元", "全年预算数": 100.0, "全年执行数": 80.0, "分值": 10.0, "偏差原因": "流标"}
    row = {"运算符": "≥", "年度指标值": 1_000_000.0, "单位": "元", "实际完成值": 800_000.0, "分值": 20.0, "偏差原因": "流标"}
    twice = _rows("TWICE", funds, [row])
    other = _rows("OTHER", funds, [dict(row, 年度指标值=999_000.0)])  # not the budget: no finding
    below = _rows("LE", funds, [dict(row, 运算符="≤")])  # a cost kept within the budget: no finding
    met = _rows("MET", dict(funds, 全年执行数=100.0), [dict(row, 实际完成值=1_000_000.0)])
    _, forms = assert_engines_agree(NATIONAL, frame(twice + other + below + met))
    got = dict(zip(forms["表单编号"], forms["DOUBLE_COUNT"]))
    assert got == {"TWICE": True, "OTHER": False, "LE": False, "MET": False}


def test_edition_year_and_budget_change_in_a_csv(tmp_path: Path):
    path = tmp_path / "forms.csv"
    path.write_text(
        "表单编号,行号,行类型,年度,金额单位,年初预算数,调整后预算数,全年执行数,偏差原因,分值\n"
        "OLD,1,资金,2019年,,100,100,100,,10\n"
        "NEW,1,资金,2023年度,万元,100,120,120,,10\n"
        "WHY,1,资金,2023,万元,100,120,120,追加培训经费,10\n", encoding="utf-8")
    read_batch(path)  # the reader takes it as it is
    _, forms = assert_engines_agree(SICHUAN, pl.read_csv(path, infer_schema=False))
    flags = {k: {c for c in CHECKS if r[c]} for k, r in zip(forms["表单编号"], forms.iter_rows(named=True))}
    assert flags == {"OLD": {"EDITION_YEAR"}, "NEW": {"BUDGET_CHANGE_NO_REASON"}, "WHY": set()}


def test_a_total_above_the_maximum_is_always_flagged():
    funds = {"全年预算数": 100.0, "全年执行数": 100.0, "分值": 10.0, "得分": 10.0}
    rows = [{"运算符": "≥", "年度指标值": 10.0, "单位": "个", "实际完成值": 10.0, "分值": 95.0, "得分": 95.0}]
    # 10 + 95 = 105 recomputed (WEIGHT_SUM too), and a stated 总分 of 100.01 on a form that adds to 100.
    over = _rows("OVER", funds, rows, 105.0)
    stated = _rows("STATED", funds, [dict(rows[0], 分值=90.0, 得分=90.0)], 100.01)
    _, forms = assert_engines_agree(NATIONAL, frame(over + stated))
    got = dict(zip(forms["表单编号"], forms["复核原因"]))
    assert "TOTAL_ABOVE_MAX" in got["OVER"].split(",") and "WEIGHT_SUM" in got["OVER"].split(",")
    assert got["STATED"].split(",") == ["TOTAL_DIFF", "SUM_DIFF", "TOTAL_ABOVE_MAX"]


@pytest.mark.parametrize("column,value,code", [("金额单位", "美元", "E-IN-BATCH-VALUE"), ("年度", "去年", "E-IN-BATCH-NUMBER"),
                                               ("年度", "1900", "E-IN-BATCH-VALUE")])
def test_a_money_unit_or_year_no_form_could_hold_is_refused(tmp_path: Path, column, value, code):
    path = tmp_path / "bad.csv"
    path.write_text(f"表单编号,行类型,全年预算数,{column}\nF1,资金,10,{value}\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        read_batch(path)
    assert info.value.problems[0].code == code and value in info.value.problems[0].message + value


def test_the_plan_reads_the_checks_columns():
    plan = plan_for(SICHUAN.framework)
    assert {"年度", "调整后预算数", "年初预算数", "_单位倍数", "_金额倍数"} <= set(plan.columns())


def test_a_form_cut_off_mid_table_scores_what_it_has_in_every_engine(tmp_path: Path):
    path = tmp_path / "cut.csv"
    path.write_text(
        "表单编号,行号,行类型,运算符,年度指标值,单位,实际完成值,分值,得分,全年预算数,全年执行数\n"
        "CUT,1,资金,,,,,10,10,100,100\n"
        "CUT,2,定量,≥,100,人,100,30,30,,\n"
        "CUT,3,以下缺失,,,,,,,,\n"
        "CUT,4,合计,,,,,,94,,\n", encoding="utf-8")
    read_batch(path)
    lines, forms = assert_engines_agree(NATIONAL, pl.read_csv(path, infer_schema=False))
    form_ = forms.row(0, named=True)
    assert (form_["重算总分"], form_["状态"], form_["等级"], form_["复核原因"]) == (40.0, "incomplete", None, "NOT_SCORABLE")
    assert lines.filter(pl.col("行号") == 3)["原因代码"].to_list() == ["TRUNCATED"]
