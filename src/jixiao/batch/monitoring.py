"""Monitoring lights at scale: the edition's light trees compiled to Polars and DuckDB.

Each warning-light rule of a monitoring edition is one expression tree
(:meth:`jixiao.core.cycle.monitoring.LightRule.tree`). The scalar path walks it per form; here the
very same trees are compiled by the batch compilers (:mod:`jixiao.batch.polars_engine`,
:mod:`jixiao.batch.sql`) over a long table with one row per (form, rule, subject):

    表号 主管部门 项目名称 对象 规则 已过月数 预算数 执行数 全年预计执行数 年度指标值 执行情况 完成档次

:func:`long_table` builds that table from monitoring forms (which rule applies to which indicator
is decided once, by the same :meth:`LightRule.fits` the scalar path uses); :func:`lights_polars` and
:func:`lights_duckdb` add the ``灯`` column ("未判断" where a figure is missing or 0);
:func:`red_by_department` lists the red subjects by 主管部门.
"""

from __future__ import annotations

import duckdb
import polars as pl

from jixiao.batch.plan import Plan
from jixiao.core.cycle.monitoring import MonitoringEdition, MonitoringForm

NUMBERS = ("已过月数", "预算数", "执行数", "全年预计执行数", "年度指标值", "执行情况")
TEXTS = ("表号", "主管部门", "项目名称", "对象", "规则", "完成档次")
NOT_JUDGED = "未判断"


def long_table(ed: MonitoringEdition, forms: list[MonitoringForm]) -> pl.DataFrame:
    """One row per light to compute: the figures each rule's tree may read."""
    cols: dict[str, list] = {c: [] for c in TEXTS + NUMBERS}

    def add(i: int, f: MonitoringForm, subject: str, rule: str, row=None) -> None:
        env = f.env(row)
        for c, v in (("表号", str(i)), ("主管部门", f.department), ("项目名称", f.project), ("对象", subject), ("规则", rule),
                     ("完成档次", env.get("完成档次"))):
            cols[c].append(v)
        for c in NUMBERS:
            cols[c].append(env.get(c))

    for i, f in enumerate(forms):
        for rule in ed.lights:
            if rule.applies == "funds":
                add(i, f, "项目资金", rule.id)
        for row in f.indicators:
            for rule in ed.lights:
                if rule.applies != "funds" and rule.fits(row):
                    add(i, f, row.name, rule.id, row)
    schema = {c: pl.Utf8 for c in TEXTS} | {c: pl.Float64 for c in NUMBERS}
    return pl.DataFrame(cols, schema=schema)


def lights_polars(ed: MonitoringEdition, df: pl.DataFrame) -> pl.DataFrame:
    """The table with its ``灯`` column, computed by Polars from the rules' trees."""
    from jixiao.batch.polars_engine import Compiler

    c = Compiler(Plan(None, None, None, None, None))
    out = pl.lit(None, dtype=pl.Utf8)
    for rule in reversed(ed.lights):
        out = pl.when(pl.col("规则") == rule.id).then(c.value(rule.tree()).cast(pl.Utf8)).otherwise(out)
    return df.with_columns(out.fill_null(NOT_JUDGED).alias("灯"))


def lights_duckdb(ed: MonitoringEdition, df: pl.DataFrame) -> pl.DataFrame:
    """The same column computed by DuckDB from the same trees compiled to SQL."""
    from jixiao.batch.sql import Compiler

    c = Compiler(Plan(None, None, None, None, None), "duckdb")
    cases = " ".join(f"WHEN \"规则\" = '{rule.id.replace(chr(39), chr(39) * 2)}' THEN CAST({c.value(rule.tree())} AS VARCHAR)"
                     for rule in ed.lights)
    con = duckdb.connect()
    try:
        con.register("src", df.to_arrow())
        sql = f"SELECT *, COALESCE(CASE {cases} END, '{NOT_JUDGED}') AS \"灯\" FROM src ORDER BY CAST(\"表号\" AS INTEGER)"
        return pl.from_arrow(con.sql(sql).to_arrow_table())
    finally:
        con.close()


def red_by_department(lit: pl.DataFrame, light: str = "红") -> pl.DataFrame:
    """主管部门 → how many projects and subjects show ``light``, and which projects."""
    return (lit.filter(pl.col("灯") == light)
            .group_by("主管部门")
            .agg(pl.col("项目名称").n_unique().alias("项目数"), pl.len().alias("预警数"),
                 pl.col("项目名称").unique().sort().alias("项目"))
            .sort(["项目数", "主管部门"], descending=[True, False]))
