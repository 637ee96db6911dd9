"""Batch scoring on Apache Spark: the same SQL as DuckDB (:mod:`jixiao.batch.sql`), Spark dialect.

PySpark is an optional extra (``pip install jixiao[spark]``). ``master`` is any Spark master URL:
``local[2]`` (the default: this machine, two threads) or a cluster's. The normalised batch is
handed to Spark as Parquet in ``work`` (a temporary folder by default; on a cluster give a path
every executor can read), and the results are written by Spark as Parquet folders.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import polars as pl

from jixiao.batch.plan import FORM_COLUMNS, KEY, LINE_COLUMNS, Plan
from jixiao.batch.sql import forms_query, lines_query
from jixiao.core.errors import InvalidInput, Problem

_SESSIONS: dict[str, object] = {}


def available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


def session(master: str = "local[2]"):
    """A Spark session for ``master`` (one per process, reused)."""
    if not available():
        raise InvalidInput("未安装 PySpark", [Problem(
            "E-BATCH-SPARK", "--engine spark 需要 PySpark：请运行 pip install 'jixiao[spark]'（需要 Java 17）", "")])
    if master not in _SESSIONS:
        from pyspark.sql import SparkSession

        builder = (SparkSession.builder.master(master).appName("jixiao-batch")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.shuffle.partitions", "8")
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.driver.memory", "2g"))
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        _SESSIONS[master] = spark
    return _SESSIONS[master]


def _frames(plan: Plan, lf: pl.LazyFrame, spark, work: Path):
    source = work / "normalised.parquet"
    lf.select(plan.columns()).collect().write_parquet(source)
    spark.read.parquet(str(source)).createOrReplaceTempView("jixiao_src")
    lines = spark.sql(lines_query(plan, "jixiao_src", "spark")).cache()
    lines.createOrReplaceTempView("jixiao_lines")
    forms = spark.sql(forms_query(plan, "jixiao_src", "jixiao_lines", "spark"))
    return lines, forms


def _cols(columns) -> list[str]:
    return [f"`{c}`" for c in columns]


def run(plan: Plan, lf: pl.LazyFrame, master: str = "local[2]") -> tuple[pl.DataFrame, pl.DataFrame]:
    """Score a normalised batch on Spark: (lines, forms) as Polars DataFrames."""
    spark = session(master)
    work = Path(tempfile.mkdtemp(prefix="jixiao-spark-"))
    try:
        lines, forms = _frames(plan, lf, spark, work)
        out_lines = pl.from_arrow(lines.selectExpr(*_cols(LINE_COLUMNS)).toArrow())
        out_forms = pl.from_arrow(forms.selectExpr(*_cols(FORM_COLUMNS)).orderBy(KEY).toArrow())
        lines.unpersist()
        return out_lines, out_forms
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write(plan: Plan, lf: pl.LazyFrame, lines_path: Path, forms_path: Path, master: str = "local[2]",
          work: Path | None = None) -> None:
    """Score and write both results as Parquet folders (Spark's own output)."""
    spark = session(master)
    own = work is None
    work = Path(tempfile.mkdtemp(prefix="jixiao-spark-")) if own else work
    try:
        lines, forms = _frames(plan, lf, spark, work)
        for frame, columns, path in ((lines, LINE_COLUMNS, lines_path), (forms, FORM_COLUMNS, forms_path)):
            if path.exists():
                shutil.rmtree(path) if path.is_dir() else path.unlink()
            frame.selectExpr(*_cols(columns)).write.parquet(str(path))
        lines.unpersist()
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)
