"""Hand-filled forms into the long table (``jixiao batch import FILES... -o forms.parquet``).

Every file goes through the single-form reader (:func:`jixiao.intake.form.read_form`: YAML, JSON
or a workbook laid out like the printed form), so a form is imported exactly as ``jixiao score``
reads it, all or nothing: a file with any error contributes no row, and its problems are listed
with their places. Each form becomes

* one 资金 row (the 年度资金总额 line as written) and one 其中 row per 其中 line;
* one 定量 / 定性 row per indicator row, its 年度指标值 already parsed (运算符, number, 单位) and its
  实际完成值 in the target's unit;
* one 合计 row carrying the stated 总分.

表单编号 is the file's name without its extension (``-2``, ``-3`` … added when two files share a
name); 年度 and 金额单位 are kept as columns (the reader ignores them; amounts stay in the form's
own unit, which the execution rate does not depend on).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from jixiao.core.errors import InvalidInput, Problem
from jixiao.core.form import FUNDS, Form

PART, TOTAL = "其中", "合计"
COLUMNS: dict[str, pl.DataType] = {
    "表单编号": pl.String, "行号": pl.Int64, "行类型": pl.String, "年度": pl.Int64, "地区": pl.String,
    "主管部门": pl.String, "项目名称": pl.String, "金额单位": pl.String, "一级指标": pl.String, "二级指标": pl.String,
    "三级指标": pl.String, "运算符": pl.String, "年度指标值": pl.Float64, "单位": pl.String, "实际完成值": pl.Float64,
    "评价等级": pl.String, "分值": pl.Float64, "得分": pl.Float64, "偏差原因": pl.String, "年初预算数": pl.Float64,
    "全年预算数": pl.Float64, "调整后预算数": pl.Float64, "全年执行数": pl.Float64,
}


def form_rows(form: Form, key: str) -> list[dict]:
    """One form as rows of the long table (see the module docstring)."""
    head = {"表单编号": key, "年度": form.year, "地区": form.region or None, "主管部门": form.department or None,
            "项目名称": form.project or None, "金额单位": form.money_unit}
    rows: list[dict] = []

    def add(**values) -> None:
        rows.append({**head, "行号": len(rows) + 1, **values})

    for i, line in enumerate(form.funds):
        add(行类型=FUNDS if i == 0 else PART, 三级指标=line.name, 年初预算数=line.initial, 全年预算数=line.budget,
            调整后预算数=line.adjusted, 全年执行数=line.spent, 分值=line.points if i == 0 else None,
            得分=line.stated if i == 0 else None, 偏差原因=(line.reason or None) if i == 0 else None)
    for r in form.rows:
        add(行类型=r.kind, 一级指标=r.level1 or None, 二级指标=r.level2 or None, 三级指标=r.level3 or None, 运算符=r.op,
            年度指标值=r.target, 单位=r.unit or None, 实际完成值=r.actual, 评价等级=r.grade, 分值=r.points, 得分=r.stated,
            偏差原因=r.reason or None)
    add(行类型=TOTAL, 得分=form.stated_total)
    return rows


def frame_of(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame([{c: r.get(c) for c in COLUMNS} for r in rows], schema=COLUMNS, orient="row")


@dataclass
class Imported:
    """What an import produced: the table, the forms taken, and the files refused with why."""

    frame: pl.DataFrame
    taken: list[tuple[Path, str]] = field(default_factory=list)  # (file, 表单编号)
    refused: list[tuple[Path, list[Problem]]] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def import_forms(paths: list[Path], framework: str | None = None) -> Imported:
    """Read every file with the single-form reader; each is taken whole or refused whole."""
    from jixiao.intake.form import read_form

    rows: list[dict] = []
    out = Imported(pl.DataFrame(schema=COLUMNS))
    used: set[str] = set()
    for path in paths:
        try:
            form, _, warnings = read_form(path, framework)
        except InvalidInput as exc:
            out.refused.append((path, exc.problems))
            continue
        except (OSError, ValueError, RecursionError) as exc:  # a file no reader could open
            out.refused.append((path, [Problem("E-IN-FILE", f"无法读取：{exc}", str(path))]))
            continue
        key, n = path.stem, 1
        while key in used:
            n += 1
            key = f"{path.stem}-{n}"
        used.add(key)
        rows.extend(form_rows(form, key))
        out.taken.append((path, key))
        out.warnings.extend(warnings)
    out.frame = frame_of(rows)
    return out
