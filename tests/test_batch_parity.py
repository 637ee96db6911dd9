"""Every batch engine gives the scalar engine's results exactly: the same scores (unrounded and in
cents), statuses, reason codes, totals, grades and review flags, for random synthetic forms and
for random, deliberately messy long tables (missing values, zero budgets, unknown line types and
operators, grade synonyms, rows of a form scattered through the file). Spark is in
test_batch_spark.py."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from jixiao.batch import duckdb_engine, polars_engine, scalar
from jixiao.batch.io import normalise, read_batch
from jixiao.batch.plan import plan_for
from jixiao.batch.synth import synth
from jixiao.intake.form import load_form_framework

NATIONAL = plan_for(load_form_framework("national-project/2020"))
SICHUAN = plan_for(load_form_framework("sichuan-project/2023"))


def plain(df: pl.DataFrame, *keys: str) -> pl.DataFrame:
    """Enums as text, in a fixed order, for comparing engines' outputs."""
    df = df.with_columns(pl.col(c).cast(pl.String) for c, t in df.schema.items() if isinstance(t, (pl.Enum, pl.Categorical)))
    return df.sort(list(keys)) if keys else df


def assert_engines_agree(plan, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    batch = normalise(frame.lazy(), dict(frame.schema), "test")
    want_lines, want_forms = scalar.run(plan, batch.frame)
    for engine in (polars_engine, duckdb_engine):
        lines, forms = engine.run(plan, batch.frame)
        assert_frame_equal(plain(lines, "表单编号", "行号"), plain(want_lines, "表单编号", "行号"),
                           check_dtypes=False, check_exact=True)
        assert_frame_equal(plain(forms, "表单编号"), plain(want_forms, "表单编号"), check_dtypes=False, check_exact=True)
    return want_lines, want_forms


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 60), st.integers(0, 2**31), st.floats(0.0, 0.6))
def test_engines_agree_on_synthetic_forms(n, seed, mistakes):
    assert_engines_agree(NATIONAL, synth(n, seed, mistakes))


def test_engines_agree_on_a_sichuan_batch():
    frame = synth(300, 11, 0.3).with_columns(pl.col("全年预算数").alias("调整后预算数"), (pl.col("全年预算数") * 2).alias("全年预算数"))
    _, forms = assert_engines_agree(SICHUAN, frame)
    assert forms["执行率"].drop_nulls().max() <= 1.05 + 1e-9  # the adjusted budget is the denominator


KINDS = ["资金", "定量", "定性", "合计", None, "其他", "定量指标"]
OPS = ["≥", ">", "≤", "<", "=", None, ">=", "不低于", "~"]
GRADES = ["达成年度指标", "部分达成年度指标并具有一定效果", "未达成年度指标且效果较差", "达成预期指标", "部分完成", None, "很好"]
NUMBERS = [None, 0.0, 1.0, 2.0, 5.0, 7.5, 10.0, 20.0, 40.0, 100.0, -1.0, 0.1]
# Targets, 分值 and money cannot be negative: the reader refuses such a table (test_batch_hostile.py).
NON_NEGATIVE = [n for n in NUMBERS if n is None or n >= 0]

row = st.fixed_dictionaries({
    "表单编号": st.sampled_from(["F1", "F2", "F3", "F4", "F5"]),
    "行类型": st.sampled_from(KINDS),
    "地区": st.sampled_from(["甲省", "乙省", None]),
    "主管部门": st.sampled_from(["甲局", "乙局", None]),
    "项目名称": st.sampled_from(["项目一", None]),
    "运算符": st.sampled_from(OPS),
    "年度指标值": st.sampled_from(NON_NEGATIVE),
    "单位": st.sampled_from(["万元", "元", "个", "%", None]),
    "实际完成值": st.sampled_from(NUMBERS),
    "实际单位": st.sampled_from(["元", "万元", "千元", "个", None, "百分比"]),
    "评价等级": st.sampled_from(GRADES),
    "分值": st.sampled_from(NON_NEGATIVE),
    "得分": st.sampled_from(NUMBERS + [9.99, 8.0, 6.0]),
    "偏差原因": st.sampled_from([None, "", "  ", "有原因"]),
    "全年预算数": st.sampled_from(NON_NEGATIVE),
    "全年执行数": st.sampled_from(NON_NEGATIVE),
})
SCHEMA = {"表单编号": pl.String, "行号": pl.Int64, "行类型": pl.String, "地区": pl.String, "主管部门": pl.String,
          "项目名称": pl.String, "运算符": pl.String, "年度指标值": pl.Float64, "单位": pl.String,
          "实际完成值": pl.Float64, "实际单位": pl.String, "评价等级": pl.String, "分值": pl.Float64,
          "得分": pl.Float64, "偏差原因": pl.String, "全年预算数": pl.Float64, "全年执行数": pl.Float64}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=1, max_size=40))
@example(
    rows=[{'表单编号': 'F1',
         '行类型': '定量',
         '地区': '甲省',
         '主管部门': '甲局',
         '项目名称': '项目一',
         '运算符': '≥',
         '年度指标值': None,
         '单位': '万元',
         '实际完成值': None,
         '实际单位': '元',
         '评价等级': '达成年度指标',
         '分值': None,
         '得分': None,
         '偏差原因': None,
         '全年预算数': None,
         '全年执行数': None},
     {'表单编号': 'F2',
         '行类型': '定量',
         '地区': '甲省',
         '主管部门': '甲局',
         '项目名称': '项目一',
         '运算符': '≥',
         '年度指标值': 0.0,
         '单位': '万元',
         '实际完成值': 0.0,
         '实际单位': '元',
         '评价等级': '达成年度指标',
         '分值': 1.0,
         '得分': None,
         '偏差原因': None,
         '全年预算数': None,
         '全年执行数': None},
     {'表单编号': 'F2',
         '行类型': '定量',
         '地区': '甲省',
         '主管部门': '甲局',
         '项目名称': '项目一',
         '运算符': '≥',
         '年度指标值': 0.0,
         '单位': '万元',
         '实际完成值': 0.0,
         '实际单位': '元',
         '评价等级': '达成年度指标',
         '分值': 100.0,
         '得分': None,
         '偏差原因': None,
         '全年预算数': None,
         '全年执行数': None}],
).via('found by this test: DuckDB statistics propagation')
def test_engines_agree_on_messy_tables(rows):
    frame = pl.DataFrame([dict(r, 行号=i + 1) for i, r in enumerate(rows)], schema=SCHEMA)
    assert_engines_agree(NATIONAL, frame)


def test_text_targets_and_csv_read_like_parsed_parquet(tmp_path: Path):
    frame = synth(200, 5, 0.2)
    parquet, csv = tmp_path / "f.parquet", tmp_path / "f.csv"
    frame.write_parquet(parquet)
    frame.with_columns(pl.col(c).cast(pl.String) for c, t in frame.schema.items() if isinstance(t, pl.Enum)).write_csv(csv)
    a = polars_engine.run(NATIONAL, read_batch(parquet).frame)
    b = polars_engine.run(NATIONAL, read_batch(csv).frame)
    assert_frame_equal(plain(a[0]), plain(b[0]), check_dtypes=False, check_exact=True)
    assert_frame_equal(plain(a[1]), plain(b[1]), check_dtypes=False, check_exact=True)

    # The same rows with 年度指标值 written as the form writes it ("≥315个") and the unit inside.
    text = frame.with_columns(
        pl.when(pl.col("运算符").is_not_null())
        .then(pl.concat_str([pl.col("运算符").cast(pl.String), pl.col("年度指标值").cast(pl.String), pl.col("单位").cast(pl.String)]))
        .alias("年度指标值")).drop("运算符")
    c = polars_engine.run(NATIONAL, normalise(text.lazy(), dict(text.schema), "text").frame)
    assert_frame_equal(plain(a[0]), plain(c[0]), check_dtypes=False, check_exact=True)


def test_missing_required_columns_are_named_in_chinese():
    from jixiao.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as info:
        normalise(pl.LazyFrame({"表单编号": ["F1"]}), {"表单编号": pl.String}, "x.parquet")
    assert info.value.problems[0].code == "E-IN-BATCH-COLUMN" and "行类型" in info.value.problems[0].message


def test_text_in_a_number_column_is_refused_with_examples(tmp_path: Path):
    from jixiao.core.errors import InvalidInput

    path = tmp_path / "bad.csv"
    path.write_text("表单编号,行类型,分值\nF1,定量,十分\nF1,资金,10\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        read_batch(path)
    p = info.value.problems[0]
    assert p.code == "E-IN-BATCH-NUMBER" and "分值" in p.message and "十分" in p.message


def test_gbk_csv_is_refused_with_what_to_do(tmp_path: Path):
    from jixiao.core.errors import InvalidInput

    path = tmp_path / "gbk.csv"
    path.write_bytes("表单编号,行类型\nF1,资金\n".encode("gbk"))
    with pytest.raises(InvalidInput) as info:
        read_batch(path)
    assert info.value.problems[0].code == "E-IN-ENCODING"
