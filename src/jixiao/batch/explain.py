"""One form's Chinese trace on demand, from a batch's results (``jixiao batch explain``).

The batch stores each line's reason code, not its trace. To explain a form, its rows are read
back from the input (by 表单编号), each line is walked through the single-form scorer with the
same framework, and its rule writes the trace; the codes so found are checked against the codes
the batch stored, so a trace never disagrees with the batch it explains.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from jixiao.batch.plan import KEY
from jixiao.core.errors import InvalidInput, Problem
from jixiao.core.form import FormResult, score_form


def explain_form(results: Path, form_id: str, forms: Path | None = None) -> tuple[FormResult, list[str]]:
    from jixiao.batch.io import read_batch
    from jixiao.batch.scalar import form_of
    from jixiao.intake.form import load_form_framework

    meta_path = results / "run.json"
    if not meta_path.exists():
        raise InvalidInput("找不到批量结果", [Problem(
            "E-BATCH-RESULTS", f"{meta_path} 不存在；请先运行 jixiao batch score FORMS -o {results}", str(results))])
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["framework"], meta["input"]
    except (OSError, ValueError, KeyError, TypeError):
        raise InvalidInput("批量结果不完整", [Problem(
            "E-BATCH-RESULTS", f"{meta_path} 无法读取或不完整；请重新运行 jixiao batch score", str(results))]) from None
    fw = load_form_framework(meta["framework"])
    source = forms or Path(meta["input"])
    rows = read_batch(source).frame.filter(pl.col(KEY) == form_id).collect()
    if rows.height == 0:
        raise InvalidInput("找不到这份自评表", [Problem(
            "E-BATCH-FORM", f"没有表单编号为“{form_id}”的行；请核对编号", str(source))])
    form = form_of(rows.to_dicts())
    form.source = f"{source} 表单编号 {form_id}"
    result = score_form(fw, form)
    from jixiao.batch.plan import FUND_SUM_COLUMN, FUNDS
    from jixiao.core.form import Finding

    for r in rows.filter(pl.col("行类型") == FUNDS).to_dicts():  # the reader's FUND_SUM, with its figures
        if r.get(FUND_SUM_COLUMN) and not any(f.code == "FUND_SUM" for f in result.findings):
            result.findings.append(Finding("FUND_SUM", r[FUND_SUM_COLUMN], f"第 {r['行号']} 行", "年度资金总额"))
    try:
        stored = pl.scan_parquet(_parquet(results / "lines.parquet")).filter(pl.col(KEY) == form_id).collect()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InvalidInput("无法读取批量结果", [Problem(
            "E-BATCH-RESULTS", f"lines.parquet 无法读取（{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}）；"
                               "请重新运行 jixiao batch score", str(results))]) from None
    return result, compare(result, rows, stored)


def _parquet(path: Path) -> Path | str:
    return path if path.is_file() else str(path / "*.parquet")


def compare(result: FormResult, rows: pl.DataFrame, stored: pl.DataFrame) -> list[str]:
    """Where the trace's codes and scores differ from what the batch stored (should be nowhere)."""
    by_line = {r["行号"]: r for r in stored.to_dicts()}
    ordered = sorted((r for r in rows.to_dicts() if r["行类型"] not in ("合计", "其中")),
                     key=lambda r: (r["行类型"] != "资金", r["行号"]))
    out = []
    for line, row in zip(result.lines, ordered):
        got = by_line.get(row["行号"])
        if got is None:
            out.append(f"第 {row['行号']} 行不在批量结果中")
        elif str(got["原因代码"]) != line.code or got["重算得分_未舍入"] != line.score:
            out.append(f"第 {row['行号']} 行：批量结果为 {got['原因代码']} {got['重算得分_未舍入']}，"
                       f"逐行重算为 {line.code} {line.score}")
    return out
