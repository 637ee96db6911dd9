"""Monitoring lights at scale: the edition's light trees compiled to Polars and DuckDB.

Each warning-light rule of a monitoring edition is one expression tree
(:meth:`jixiao.core.cycle.monitoring.LightRule.tree`), and which rows it applies to is another
(:func:`fits_tree`, the same test as :meth:`LightRule.fits`). The scalar path walks them per form;
here the very same trees are compiled by the batch compilers (:mod:`jixiao.batch.polars_engine`,
:mod:`jixiao.batch.sql`) over a long table, one row per project funds line or indicator:

    表号 主管部门 项目名称 行类型 对象 运算符 单位 已过月数 预算数 执行数 全年预计执行数 年度指标值 执行情况 完成档次

(行类型: 资金, 定量 or 定性; the funds figures are repeated on every row of a form.)
:func:`lights_polars` and :func:`lights_duckdb` give one row per light with its ``灯`` ("未判断"
where a figure is missing or 0); :func:`red_by_department` lists the red projects by 主管部门;
:func:`read_table` reads a Parquet/CSV table and refuses what the single-form reader refuses.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from jixiao.batch.plan import Plan
from jixiao.core import expr as E
from jixiao.core.cycle.monitoring import NEGATIVE, POSITIVE, LightRule, MonitoringEdition, MonitoringForm
from jixiao.core.errors import InvalidInput, Problem
from jixiao.intake.yamlio import regular_file

NUMBERS = ("已过月数", "预算数", "执行数", "全年预计执行数", "年度指标值", "执行情况")
TEXTS = ("表号", "主管部门", "项目名称", "行类型", "对象", "运算符", "单位", "完成档次")
SCHEMA = {c: pl.Utf8 for c in TEXTS} | {c: pl.Float64 for c in NUMBERS}
NOT_JUDGED = "未判断"
OUT = ("表号", "主管部门", "项目名称", "对象", "规则", "灯")


def fits_tree(rule: LightRule) -> E.Node:
    """Whether a row of the long table is one the rule applies to (as :meth:`LightRule.fits`)."""
    kind = E.Ref("行类型")
    if rule.applies == "funds":
        return E.cmp("==", kind, E.const("资金"))
    if rule.applies == "qualitative":
        return E.cmp("==", kind, E.const("定性"))
    ops = POSITIVE if rule.applies == "positive" else NEGATIVE
    tests = [E.cmp("==", kind, E.const("定量")), E.any_of(*(E.cmp("==", E.Ref("运算符"), E.const(o)) for o in ops))]
    unit = E.Ref("单位")
    if rule.units is not None:
        tests.append(E.any_of(*(E.cmp("==", unit, E.const(u)) for u in rule.units)))
    for u in rule.units_not:
        tests.append(E.Unary("not", E.cmp("==", unit, E.const(u))))
    return E.all_of(*tests)


def long_table(forms: list[MonitoringForm]) -> pl.DataFrame:
    """Monitoring forms laid out one row per funds line or indicator."""
    cols: dict[str, list] = {c: [] for c in SCHEMA}

    def emit(values: tuple, env: dict) -> None:
        for c, v in zip(("表号", "主管部门", "项目名称", "行类型", "对象", "运算符", "单位", "完成档次"), values):
            cols[c].append(v)
        for c in NUMBERS:
            cols[c].append(env.get(c))

    for i, f in enumerate(forms):
        head = (str(i), f.department, f.project)
        # The funds, then a department's 年度主要任务 (部门整体): each a 资金 row, lit by the funds rules.
        for subject, funds in [(f.funds_label, f), *((t.name, f.for_task(t)) for t in f.tasks)]:
            emit((*head, "资金", subject, "", f.money_unit, None), funds.env(None))
        for row in f.indicators:
            env = f.env(row)
            emit((*head, row.kind, row.name, row.op, row.unit, env.get("完成档次")), env)
    return pl.DataFrame(cols, schema=SCHEMA)


def _row_index(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_row_index("_行") if "_行" not in df.columns else df


def lights_polars(ed: MonitoringEdition, df: pl.DataFrame) -> pl.DataFrame:
    """One row per light, in the order of the table and of the edition's rules, from Polars."""
    from jixiao.batch.polars_engine import Compiler

    c = Compiler(Plan(None, None, None, None, None))
    df = _row_index(df)
    parts = []
    for k, rule in enumerate(ed.lights):
        part = df.filter(c.value(fits_tree(rule)).fill_null(False))
        parts.append(part.select(
            "_行", pl.lit(k, dtype=pl.Int32).alias("_规则"), *OUT[:4], pl.lit(rule.name).alias("规则"),
            c.value(rule.tree()).cast(pl.Utf8).fill_null(NOT_JUDGED).alias("灯")))
    return pl.concat(parts).sort("_行", "_规则").select(OUT)


def lights_duckdb(ed: MonitoringEdition, df: pl.DataFrame) -> pl.DataFrame:
    """The same lights from DuckDB, the same trees compiled to SQL."""
    from jixiao.batch.sql import Compiler

    c = Compiler(Plan(None, None, None, None, None), "duckdb")
    selects = []
    for k, rule in enumerate(ed.lights):
        name = rule.name.replace("'", "''")
        selects.append(f"SELECT \"_行\", {k} AS \"_规则\", \"表号\", \"主管部门\", \"项目名称\", \"对象\", '{name}' AS \"规则\", "
                       f"COALESCE(CAST({c.value(rule.tree())} AS VARCHAR), '{NOT_JUDGED}') AS \"灯\" "
                       f"FROM src WHERE COALESCE({c.value(fits_tree(rule))}, FALSE)")
    con = duckdb.connect()
    try:
        con.register("src", _row_index(df).to_arrow())
        sql = f"SELECT {', '.join(chr(34) + x + chr(34) for x in OUT)} FROM ({' UNION ALL '.join(selects)}) ORDER BY \"_行\", \"_规则\""
        return pl.from_arrow(con.sql(sql).to_arrow_table())
    finally:
        con.close()


def red_by_department(lit: pl.DataFrame, light: str = "红") -> pl.DataFrame:
    """主管部门 → how many projects and lights show ``light``, and which projects."""
    return (lit.filter(pl.col("灯") == light)
            .group_by("主管部门")
            .agg(pl.col("项目名称").n_unique().alias("项目数"), pl.len().alias("预警数"),
                 pl.col("项目名称").unique().sort().alias("项目"))
            .sort(["项目数", "主管部门"], descending=[True, False]))


def read_table(path: str | Path) -> pl.DataFrame:
    """A long monitoring table (Parquet or CSV), checked as the single-form reader checks a form:
    negative figures, 执行数 above 预算数, 全年预计执行数 below 执行数 and a period outside 1–12
    months refuse the whole table, with the first rows found."""
    path = Path(path)
    # A device or FIFO (a link to /dev/zero) is refused before polars reads it: neither stream ends.
    # No size limit, as for the scoring tables: polars reads a long table by columns.
    regular_file(path, None, "监控长表")
    try:
        df = pl.read_parquet(path) if path.suffix.lower() == ".parquet" else pl.read_csv(path, infer_schema_length=0)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InvalidInput("无法读取监控长表", [Problem("E-IN-BATCH-READ", f"无法读取（{type(exc).__name__}）；请提供 Parquet 或 CSV", str(path))]) from None
    missing = [c for c in ("表号", "行类型", "已过月数", "预算数", "执行数") if c not in df.columns]
    if missing:
        raise InvalidInput("监控长表缺少列", [Problem("E-IN-BATCH-COLUMN", f"缺少列：{'、'.join(missing)}", str(path))])
    try:
        df = df.select([(pl.col(c).cast(t, strict=True) if c in df.columns else pl.lit(None, dtype=t)).alias(c)
                        for c, t in SCHEMA.items()])
    except pl.exceptions.PolarsError:
        raise InvalidInput("监控长表有误", [Problem("E-IN-BATCH-TYPE", f"数值列（{'、'.join(NUMBERS)}）中有不是数字的值", str(path))]) from None
    checks = [
        (pl.any_horizontal(*(pl.col(c) < 0 for c in NUMBERS)), "E-IN-MON-NEGATIVE", "有负数"),
        (pl.col("执行数") > pl.col("预算数") + 1e-9, "E-IN-MON-OVER", "执行数超过全年预算数"),
        (pl.col("全年预计执行数") < pl.col("执行数") - 1e-9, "E-IN-MON-FORECAST", "全年预计执行数低于执行数"),
        ((pl.col("已过月数") < 1) | (pl.col("已过月数") > 12) | (pl.col("已过月数") != pl.col("已过月数").round(0)),
         "E-IN-MON-PERIOD", "已过月数不是 1 到 12 的整数"),
        (~pl.col("行类型").is_in(["资金", "定量", "定性"]), "E-IN-BATCH-VALUE", "行类型不是 资金、定量 或 定性"),
    ]
    problems = []
    for test, code, what in checks:
        bad = df.with_row_index("_行").filter(test.fill_null(False))
        if len(bad):
            rows = "、".join(str(i + 2) for i in bad["_行"].head(5).to_list())
            problems.append(Problem(code, f"{len(bad):,} 行{what}（如第 {rows} 行）", str(path)))
    if problems:
        raise InvalidInput("监控长表有误", problems)
    return df


def synth(n: int, seed: int = 0) -> pl.DataFrame:
    """``n`` synthetic monitoring forms (a funds row and four indicators each), vectorised."""
    rnd = np.random.default_rng(seed)
    months = rnd.integers(1, 13, n).astype(float)
    budget = np.round(rnd.uniform(10, 5000, n), 2)
    spent = np.round(budget * np.clip(rnd.normal(months / 12, 0.2), 0, 1), 2)
    dept = np.array([f"部门{i:02d}" for i in range(40)])[rnd.integers(0, 40, n)]
    ids = np.arange(n).astype(str)
    target = rnd.choice([50.0, 120.0, 300.0], n)
    done = np.round(target * np.clip(rnd.normal(months / 12, 0.25), 0, 2), 2)
    rate = np.round(rnd.uniform(60, 110, n), 1)
    cost = np.round(rnd.uniform(0.5, 1.1, n) * budget, 2)
    grades = np.array(["达成", "部分达成", "未达成"])[rnd.integers(0, 3, n)]
    frames = []
    for kind, name, op, unit, tgt, value, grade in (
            ("资金", "项目资金", "", "万元", None, None, None), ("定量", "数量", "≥", "个", target, done, None),
            ("定量", "合格率", "≥", "%", np.full(n, 95.0), rate, None), ("定量", "成本", "≤", "万元", budget, cost, None),
            ("定性", "效益", "", "", None, None, grades)):
        frames.append(pl.DataFrame({
            "表号": ids, "主管部门": dept, "项目名称": np.char.add("项目", ids), "行类型": kind, "对象": name, "运算符": op,
            "单位": unit, "完成档次": grade, "已过月数": months, "预算数": budget, "执行数": spent, "全年预计执行数": budget,
            "年度指标值": tgt, "执行情况": value}, schema=SCHEMA, strict=False).with_columns(pl.lit(len(frames)).alias("_k")))
    return pl.concat(frames).with_columns(pl.col("表号").cast(pl.Int64).alias("_n")).sort("_n", "_k").drop("_n", "_k")


def lights_scalar(ed: MonitoringEdition, df: pl.DataFrame) -> pl.DataFrame:
    """The reference: the same trees walked row by row by :func:`jixiao.core.expr.evaluate`."""
    trees = [(rule.name, fits_tree(rule), rule.tree()) for rule in ed.lights]
    out: dict[str, list] = {c: [] for c in OUT}
    for row in df.iter_rows(named=True):
        env = {k: v for k, v in row.items() if v is not None}
        for name, fits, tree in trees:
            if E.evaluate(fits, env) is not True:
                continue
            light = E.evaluate(tree, env)
            for c in OUT[:4]:
                out[c].append(row[c])
            out["规则"].append(name)
            out["灯"].append(light if isinstance(light, str) else NOT_JUDGED)
    return pl.DataFrame(out, schema={c: pl.Utf8 for c in OUT})


ENGINES = {"polars": lights_polars, "duckdb": lights_duckdb, "scalar": lights_scalar}
