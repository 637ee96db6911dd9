"""Batch scoring on DuckDB: the SQL of :mod:`jixiao.batch.sql` over the normalised batch.

The normalised table (see :mod:`jixiao.batch.io`) is handed to DuckDB as Arrow, without a copy;
DuckDB runs the lines query and the forms query and writes both results as Parquet itself.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from jixiao.batch.plan import FORM_COLUMNS, KEY, LINE_COLUMNS, Plan
from jixiao.batch.sql import forms_query, lines_query


def _connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")
    # DuckDB (1.x to 2.0.1) folds COALESCE(g."_总分", 0) > 10000 to false for a form whose lines sum to
    # 10100 cents: its statistics propagation misjudges the bounds of a sum carried through the
    # LEFT JOIN of the forms query. TOTAL_ABOVE_MAX was lost that way (test_batch_parity's example).
    con.execute("SET disabled_optimizers = 'statistics_propagation'")
    return con


def _select(columns) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _prepare(con, plan: Plan, lf: pl.LazyFrame) -> None:
    src = lf.collect().to_arrow()
    con.register("src", src)
    con.execute(f"CREATE TEMP TABLE lines AS {lines_query(plan, 'src', 'duckdb')}")


def run(plan: Plan, lf: pl.LazyFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Score a normalised batch: (lines, forms) as DataFrames with the plan's columns."""
    con = _connect()
    _prepare(con, plan, lf)
    lines = pl.from_arrow(con.sql(f"SELECT {_select(LINE_COLUMNS)} FROM lines").to_arrow_table())
    forms = pl.from_arrow(con.sql(f"SELECT {_select(FORM_COLUMNS)} FROM ({forms_query(plan, 'src', 'lines', 'duckdb')}) "
                                  f'ORDER BY "{KEY}"').to_arrow_table())
    con.close()
    return lines, forms


def write(plan: Plan, lf: pl.LazyFrame, lines_path: Path, forms_path: Path) -> None:
    """Score and write both results as Parquet, without bringing them into Python."""
    con = _connect()
    _prepare(con, plan, lf)
    con.execute(f"COPY (SELECT {_select(LINE_COLUMNS)} FROM lines) TO '{_path(lines_path)}' (FORMAT parquet)")
    con.execute(f"COPY (SELECT {_select(FORM_COLUMNS)} FROM ({forms_query(plan, 'src', 'lines', 'duckdb')})) "
                f"TO '{_path(forms_path)}' (FORMAT parquet)")
    con.close()


def _path(p: Path) -> str:
    return str(p).replace("'", "''")
