"""The bad batch inputs (long tables for ``jixiao batch score``), each with the code it must produce.

Text tables are files in ``batch/`` beside this module; Parquet ones (whose column types a CSV
cannot carry: dates, lists, structs, yes/no, a table of no rows) are built at test time from
``batch/good.csv``, the one-form table every entry spoils in one way. Every entry is refused by the
reader, before any engine runs, so every engine gives the same verdict; exit 2, no output.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

HERE = Path(__file__).parent / "batch"
GOOD = HERE / "good.csv"


@dataclass(frozen=True)
class BadBatch:
    name: str
    code: str
    make: Callable[[Path], Path]
    says: str = ""  # a word the message must contain (the column, the form)


def copy(name: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        shutil.copy(HERE / name, tmp / name)
        return tmp / name
    return make


def good() -> pl.DataFrame:
    return pl.read_csv(GOOD, schema_overrides={"运算符": pl.String, "偏差原因": pl.String})


def parquet(name: str, change: Callable[[pl.DataFrame], pl.DataFrame]) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        out = tmp / name
        change(good()).write_parquet(out)
        return out
    return make


def on_row(column: str, row: int, value) -> Callable[[pl.DataFrame], pl.DataFrame]:
    def change(df: pl.DataFrame) -> pl.DataFrame:
        return df.with_columns(pl.when(pl.col("行号") == row).then(value).otherwise(pl.col(column)).alias(column))
    return change


def special(name: str, kind: str) -> Callable[[Path], Path]:
    """Not a regular file: a link to /dev/zero (a stream without end) or a FIFO (no writer)."""
    def make(tmp: Path) -> Path:
        import os

        out = tmp / name
        if kind == "zero":
            out.symlink_to("/dev/zero")
        else:
            os.mkfifo(out)
        return out
    return make


BATCH_CORPUS = [
    BadBatch("年度指标值为负数", "E-IN-BATCH-VALUE", copy("negative_target.csv"), "年度指标值"),
    BadBatch("预算数与执行数为负数", "E-IN-BATCH-VALUE", copy("negative_money.csv"), "全年预算数"),
    BadBatch("分值为负数", "E-IN-BATCH-VALUE", copy("negative_points.csv"), "分值"),
    BadBatch("预算数写成 inf", "E-IN-BATCH-VALUE", copy("inf_budget.csv"), "全年预算数"),
    BadBatch("执行数写成 1e309（溢出为无穷）", "E-IN-BATCH-VALUE", copy("overflow_spending.csv"), "全年执行数"),
    BadBatch("得分 1e300", "E-IN-BATCH-VALUE", copy("huge_score.csv"), "得分"),
    BadBatch("表单编号为空", "E-IN-BATCH-VALUE", copy("blank_key.csv"), "表单编号"),
    BadBatch("只有表头的 CSV", "E-IN-BATCH-EMPTY", copy("header_only.csv")),
    BadBatch("空 CSV（0 字节）", "E-IN-BATCH-EMPTY", copy("empty.csv")),
    BadBatch("0 行的 Parquet", "E-IN-BATCH-EMPTY", parquet("empty.parquet", lambda df: df.head(0))),
    BadBatch("Parquet 的日期列作预算数", "E-IN-BATCH-TYPE",
             parquet("date.parquet", lambda df: df.with_columns(pl.date(2020, 1, 1).alias("全年预算数"))),
             "全年预算数"),
    BadBatch("列表列作分值", "E-IN-BATCH-TYPE",
             parquet("list.parquet", lambda df: df.with_columns(pl.concat_list("分值", "分值").alias("分值"))), "分值"),
    BadBatch("结构列作得分", "E-IN-BATCH-TYPE",
             parquet("struct.parquet", lambda df: df.with_columns(pl.struct("得分").alias("得分"))), "得分"),
    BadBatch("是/否列作执行数", "E-IN-BATCH-TYPE",
             parquet("bool.parquet", lambda df: df.with_columns((pl.col("行号") > 0).alias("全年执行数"))), "全年执行数"),
    BadBatch("列表列作表单编号", "E-IN-BATCH-TYPE",
             parquet("list-key.parquet", lambda df: df.with_columns(pl.concat_list("表单编号").alias("表单编号"))), "表单编号"),
    BadBatch("Parquet 中的负数预算（浮点列）", "E-IN-BATCH-VALUE",
             parquet("negative.parquet", on_row("全年预算数", 1, -100.0)), "全年预算数"),
    BadBatch("Parquet 中的无穷大执行数", "E-IN-BATCH-VALUE",
             parquet("inf.parquet", on_row("全年执行数", 1, float("inf"))), "全年执行数"),
    # Read whole before any check, these ended in MemoryError (a traceback) or a hang.
    BadBatch("指向 /dev/zero 的 CSV", "E-IN-FILE", special("zero.csv", "zero"), "设备"),
    BadBatch("指向 /dev/zero 的 Parquet", "E-IN-FILE", special("zero.parquet", "zero"), "设备"),
    BadBatch("命名管道充当 CSV", "E-IN-FILE", special("fifo.csv", "fifo"), "管道"),
]


# --- The other tables and lists jixiao reads in bulk --------------------------------------------------

@dataclass(frozen=True)
class BadBulk:
    """A bad input to another bulk command: ``args(path, tmp)`` is the command line around it."""

    name: str
    code: str
    make: Callable[[Path], Path]
    args: Callable[[Path, Path], list[str]]
    says: str = ""


def monitor(path: Path, tmp: Path) -> list[str]:
    return ["batch", "monitor", str(path), "-o", str(tmp / "lights.parquet")]


def report_list(path: Path, tmp: Path) -> list[str]:
    return ["report", "--batch", str(path), "-o", str(tmp / "reports"), "--format", "md"]


def sparse(name: str, size: int) -> Callable[[Path], Path]:
    """A file of ``size`` bytes that takes no room on disk (reading it whole would)."""
    def make(tmp: Path) -> Path:
        out = tmp / name
        with out.open("wb") as fh:
            fh.truncate(size)
        return out
    return make


BULK_CORPUS = [
    # batch monitor: read whole by polars before any check (a link to /dev/zero never ends).
    BadBulk("指向 /dev/zero 的监控长表", "E-IN-FILE", special("zero.csv", "zero"), monitor, "设备"),
    BadBulk("命名管道充当监控长表", "E-IN-FILE", special("fifo.csv", "fifo"), monitor, "管道"),
    # report --batch: the list was read whole, whatever its size; a device was "not found".
    BadBulk("指向 /dev/zero 的报告清单", "E-IN-FILE", special("zero.txt", "zero"), report_list, "设备"),
    BadBulk("命名管道充当报告清单", "E-IN-FILE", special("fifo.txt", "fifo"), report_list, "管道"),
    BadBulk("1 GB 的报告清单", "E-IN-TOO-LARGE", sparse("huge.txt", 1 << 30), report_list),
]
