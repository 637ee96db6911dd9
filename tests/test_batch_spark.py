"""The Spark engine (PySpark in local mode) gives the scalar engine's results exactly, and
``jixiao batch score --engine spark`` writes results the rest of the batch commands read.
Few tests, one Spark session: starting the JVM is the slow part. Skipped only when PySpark is not
installed (``pip install 'jixiao[spark]'``)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

pytest.importorskip("pyspark")

from jixiao.batch import scalar, spark_engine
from jixiao.batch.io import normalise
from jixiao.batch.plan import plan_for
from jixiao.batch.synth import synth
from jixiao.cli import app
from jixiao.intake.form import load_form_framework

pytestmark = pytest.mark.slow
MASTER = "local[2]"


def plain(df: pl.DataFrame, *keys: str) -> pl.DataFrame:
    df = df.with_columns(pl.col(c).cast(pl.String) for c, t in df.schema.items() if isinstance(t, (pl.Enum, pl.Categorical)))
    return df.sort(list(keys))


def messy() -> pl.DataFrame:
    """Rows a hypothesis run once found hard: scattered forms, unknown types, zeros and gaps."""
    rows = [
        ("F1", "资金", None, None, None, None, None, 0.0, 0.0, 10.0, None),
        ("F2", "定量", ">=", 20.0, "元", 40.0, None, None, None, 5.0, 0.0),
        ("F1", "定量", "≤", 0.0, "起", 1.0, None, None, None, 10.0, 0.0),
        ("F2", "资金", None, None, None, None, None, 100.0, 95.0, 10.0, 9.5),
        ("F1", "定性", None, None, None, None, "部分完成", None, None, 10.0, 8.0),
        ("F2", "其他", "~", 1.0, "个", 1.0, None, None, None, 1.0, 1.0),
        ("F3", "合计", None, None, None, None, None, None, None, 100.0, 99.0),
        ("F2", "定性", None, None, None, None, "达成预期指标", None, None, 7.0, 5.6),
        ("F1", "合计", None, None, None, None, None, None, None, 100.0, 18.0),
    ]
    cols = ["表单编号", "行类型", "运算符", "年度指标值", "单位", "实际完成值", "评价等级", "全年预算数", "全年执行数", "分值", "得分"]
    frame = pl.DataFrame(rows, schema=cols, orient="row")
    return frame.with_columns(pl.int_range(1, pl.len() + 1).alias("行号"))


def test_spark_gives_the_scalar_results_exactly():
    plan = plan_for(load_form_framework("national-project/2020"))
    for frame in (synth(150, 21, 0.4), messy()):
        batch = normalise(frame.lazy(), dict(frame.schema), "test")
        want_lines, want_forms = scalar.run(plan, batch.frame)
        lines, forms = spark_engine.run(plan, batch.frame, MASTER)
        assert_frame_equal(plain(lines, "表单编号", "行号"), plain(want_lines, "表单编号", "行号"), check_dtypes=False,
                           check_exact=True)
        assert_frame_equal(plain(forms, "表单编号"), plain(want_forms, "表单编号"), check_dtypes=False, check_exact=True)


def test_batch_score_on_spark_writes_what_summary_and_explain_read(tmp_path: Path):
    runner = CliRunner()
    forms = tmp_path / "forms.parquet"
    assert runner.invoke(app, ["batch", "synth", "--forms", "300", "--seed", "3", "-o", str(forms)]).exit_code == 0
    out = tmp_path / "spark"
    result = runner.invoke(app, ["batch", "score", str(forms), "-o", str(out), "--engine", "spark", "--master", MASTER])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["engine"] == "spark"
    ref = tmp_path / "polars"
    assert runner.invoke(app, ["batch", "score", str(forms), "-o", str(ref)]).exit_code == 0
    spark_forms = pl.read_parquet(str(out / "forms.parquet" / "*.parquet"))
    assert_frame_equal(plain(spark_forms, "表单编号"), plain(pl.read_parquet(ref / "forms.parquet"), "表单编号"),
                       check_dtypes=False, check_exact=True)
    summary = runner.invoke(app, ["batch", "summary", str(out)])
    assert summary.exit_code == 0 and "需复核" in summary.output
    some = spark_forms.filter(pl.col("需复核"))["表单编号"][0]
    explained = runner.invoke(app, ["batch", "explain", str(out), "--form", some])
    assert explained.exit_code == 0, explained.output
    assert "各行原因代码与批量结果一致" in explained.output
