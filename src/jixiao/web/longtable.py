"""The batch long table (``jixiao batch``'s input: one row per line of a form, keyed by 表单编号)
turned back into one form document per 表单编号, for the store to import like any uploaded form.

The file is first read by :func:`jixiao.batch.io.read_batch`, exactly as ``jixiao batch score``
reads it, so what the command line refuses for the whole table (columns of the wrong type, negative
budgets, blank 表单编号 …) is refused here with the same words. Each form's document is then built
from the rows as written (not the reader's normalised copy: that one has already folded the 其中
lines into the 资金 line, and the single-form intake must see them to flag a total that disagrees),
and bound by the single-form intake when the store scores it.
"""

from __future__ import annotations

import math
from pathlib import Path

LONG_SUFFIXES = (".csv", ".parquet")
MONEY_UNITS = ("元", "千元", "万元", "亿元")
AMOUNTS = ("年初预算数", "全年预算数", "调整后预算数", "全年执行数")


def is_long_table(name: str) -> bool:
    return Path(name).suffix.lower() in LONG_SUFFIXES


def _given(v) -> bool:
    if v is None:
        return False
    if isinstance(v, float) and math.isnan(v):
        return False
    return not (isinstance(v, str) and not v.strip())


def _text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_forms(path: Path) -> list[tuple[str, list[dict]]]:
    """The table's forms as (表单编号, rows as written, in 行号 order); raises intake's InvalidInput
    for a table the batch reader refuses."""
    import polars as pl

    from jixiao.batch.io import read_batch

    read_batch(path).frame.select(pl.len()).collect()  # the reader's checks run when the frame is computed
    if path.suffix.lower() == ".csv":
        df = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    else:
        df = pl.read_parquet(path)
    forms: dict[str, list[dict]] = {}
    for r in df.iter_rows(named=True):
        forms.setdefault(_text(r.get("表单编号")), []).append(r)

    def order(r):
        n = r.get("行号")
        try:
            return (0, float(n))
        except (TypeError, ValueError):
            return (1, 0.0)

    return [(key, sorted(rows, key=order)) for key, rows in forms.items()]


def document(rows: list[dict], framework: str, year: int | None, money_unit: str | None) -> dict:
    """One form's rows as the form document a YAML form would write (see examples/*/form.yaml)."""
    doc: dict = {"framework": framework}
    funds: list[dict] = []
    indicators: list[dict] = []
    first = next((r for r in rows if _text(r.get("行类型") or "") == "资金"), rows[0])
    for key in ("项目名称", "主管部门", "地区"):
        if _given(first.get(key)):
            doc[key] = _text(first[key])
    stated_year = next((r.get("年度") for r in rows if _given(r.get("年度"))), None)
    doc["年度"] = _text(stated_year) if stated_year is not None else year
    stated_unit = next((r.get("金额单位") for r in rows if _given(r.get("金额单位"))), None)
    doc["金额单位"] = _text(stated_unit) if stated_unit is not None else money_unit
    total_line_seen = False
    for r in rows:
        kind = _text(r.get("行类型") or "")
        if kind in ("资金", "其中"):
            line = {"资金": _text(r["三级指标"]) if _given(r.get("三级指标")) else
                    ("年度资金总额" if not total_line_seen else f"其中第{len(funds)}项")}
            for k in (*AMOUNTS, "分值", "得分"):
                if _given(r.get(k)):
                    line[k] = r[k]
            if _given(r.get("偏差原因")):
                line["原因"] = _text(r["偏差原因"])
            if not total_line_seen and kind == "资金":
                funds.insert(0, line)
                total_line_seen = True
            else:
                funds.append(line)
        elif kind == "合计":
            if _given(r.get("得分")):
                doc["总分"] = r["得分"]
        else:
            indicators.append(_indicator(r, kind))
    if funds:
        doc["项目资金"] = funds
    if indicators:
        doc["绩效指标"] = indicators
    return doc


def _indicator(r: dict, kind: str) -> dict:
    row = {k: _text(r[k]) for k in ("一级指标", "二级指标", "三级指标") if _given(r.get(k))}
    for k in ("分值", "得分"):
        if _given(r.get(k)):
            row[k] = r[k]
    if _given(r.get("偏差原因")):
        row["偏差原因"] = _text(r["偏差原因"])
    if kind == "定性":
        row["指标性质"] = "定性"
        if _given(r.get("评价等级")):
            row["评价等级"] = _text(r["评价等级"])
        if _given(r.get("年度指标值")):
            row["年度指标值"] = _text(r["年度指标值"])
        if _given(r.get("实际完成值")):
            row["实际完成值"] = _text(r["实际完成值"])
        return row
    if _given(r.get("年度指标值")):
        if _given(r.get("运算符")):
            # the long table's 运算符 and 单位 are the form's 指标性质 and 度量单位 (as the Sichuan form writes them)
            row["指标性质"] = _text(r["运算符"])
            if _given(r.get("单位")):
                row["度量单位"] = _text(r["单位"])
            row["年度指标值"] = _text(r["年度指标值"])
        else:
            unit = _text(r["单位"]) if _given(r.get("单位")) else ""
            target = _text(r["年度指标值"])
            row["年度指标值"] = target if target.endswith(unit) else target + unit
    if _given(r.get("实际完成值")):
        actual = _text(r["实际完成值"])
        other = _text(r["实际单位"]) if _given(r.get("实际单位")) else ""
        row["实际完成值"] = actual + other if other and not actual.endswith(other) else actual
    elif _given(r.get("评价等级")):
        row["评价等级"] = _text(r["评价等级"])
    return row
