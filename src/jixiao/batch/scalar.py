"""The reference batch engine: each line walked through the single-form scorer, one at a time.

Every line goes through :func:`jixiao.core.form.score_line` (the traced scorer, traces off), so
this engine is the single-form path; the per-form rules of :mod:`jixiao.batch.plan` are written
here in plain Python. The columnar engines must give exactly its results, and the benchmark
measures how much faster they are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import polars as pl

from jixiao.batch.plan import FLAGS, FORM_COLUMNS, FUND_SUM_COLUMN, HEADER, KEY, LINE_COLUMNS, PART, Plan
from jixiao.core import expr as E
from jixiao.core.form import FUNDS, QUAL, QUANT, TOTAL, Form, FundLine, Row, cents, score_line
from jixiao.core.form_checks import FORM_SCALE, FUND, FUND_INPUTS, ROW_SCALE, ROW_SCORE, SCALE, holds

UNIT_OF = {factor: unit for unit, factor in SCALE.items()}


def _num(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def line_of(r: dict) -> FundLine | Row:
    """A long-format row as the single-form model's line."""
    reason = "有" if r.get("偏差原因") else ""
    if r.get("行类型") == FUNDS:
        return FundLine("年度资金总额", initial=_num(r.get("年初预算数")), budget=_num(r.get("全年预算数")),
                        adjusted=_num(r.get("调整后预算数")), spent=_num(r.get("全年执行数")), points=_num(r.get("分值")),
                        stated=_num(r.get("得分")), reason=reason)
    # A money unit as the reader read it (万 → 万元), so the checks see the unit it scaled by.
    unit = UNIT_OF.get(r[ROW_SCALE]) if r.get(ROW_SCALE) is not None else None
    return Row(kind=r.get("行类型") or "", level1=r.get("一级指标") or "", level2=r.get("二级指标") or "",
               level3=r.get("三级指标") or "", op=r.get("运算符"), target=_num(r.get("年度指标值")),
               unit=unit or r.get("单位") or "", actual=_num(r.get("实际完成值")), grade=r.get("评价等级"),
               points=_num(r.get("分值")), stated=_num(r.get("得分")), reason=reason)


def form_of(rows: list[dict]) -> Form:
    """One form's long-format rows as the single-form model (for its trace on demand)."""
    from jixiao.core.form import Form

    form = Form()
    total, parts = None, []
    for r in sorted(rows, key=lambda r: (r.get("行号") is None, r.get("行号") or 0)):
        kind = r.get("行类型")
        if kind == TOTAL:
            stated = _num(r.get("得分"))
            if stated is not None and (form.stated_total is None or stated > form.stated_total):
                form.stated_total = stated
            continue
        line = line_of(dict(r, 行类型=FUNDS) if kind == PART else r)
        line.where = f"第 {r.get('行号')} 行"
        if kind == PART:
            line.name = str(r.get("三级指标") or "其中")
            parts.append(line)
        elif isinstance(line, FundLine):
            if total is None:
                total = line
            else:  # the reader folds a second 资金 row into the first; so does this
                parts.append(line)
            form.project = form.project or str(r.get("项目名称") or "")
            form.department = form.department or str(r.get("主管部门") or "")
            form.region = form.region or str(r.get("地区") or "")
            if line is total:  # the form's year and money unit, as its 资金 line states them
                form.year = r.get("年度")
                form.money_unit = UNIT_OF.get(r.get(FORM_SCALE) or 0.0, form.money_unit)
        else:
            form.rows.append(line)
    form.funds = [total, *parts] if total is not None else []
    return form


def score_rows(plan: Plan, rows: Iterable[dict]) -> tuple[list[dict], list[dict]]:
    """Lines and forms (as dicts with the plan's columns) for rows in any order."""
    fw = plan.framework
    checks = {name: E.compile_tree(getattr(plan, name)) for name in ("year", "change", "double")}
    forms: dict[str, dict] = {}
    out_lines: list[dict] = []
    for r in rows:
        key = r[KEY]
        f = forms.get(key)
        if f is None:
            f = forms[key] = {KEY: key, **{h: None for h in HEADER}, "表列总分": None, "lines": []}
        kind = r.get("行类型")
        if kind == FUNDS:  # the form's header is read from its 资金 line
            for h in HEADER:
                if r.get(h) is not None and (f[h] is None or r[h] > f[h]):
                    f[h] = r[h]
        if kind == TOTAL:
            stated = _num(r.get("得分"))
            if stated is not None and (f["表列总分"] is None or stated > f["表列总分"]):
                f["表列总分"] = stated
            continue
        if kind == PART:  # already added into the form's 资金 line by the reader
            continue
        line = line_of(r)
        res = score_line(fw, line, kind if kind in (FUNDS, QUANT, QUAL) else (kind or None), explain=False)
        points = plan.exec_points if kind == FUNDS else _num(r.get("分值"))
        rc = res.cents
        stated = _num(r.get("得分"))
        sc = None if stated is None else cents(stated)
        rate = None
        if kind == FUNDS:
            from jixiao.core.form import line_env

            v = E.evaluate(plan.ratio, line_env(line, FUNDS))
            rate = None if isinstance(v, E.Missing) else float(v)
        out = {KEY: key, "行号": r.get("行号"), "行类型": kind, "分值": points, "表列得分": stated,
               "重算得分": None if rc is None else rc / 100, "重算得分_未舍入": res.score,
               "差额": None if rc is None or sc is None else (sc - rc) / 100, "状态": res.status,
               "原因代码": res.code, "缺少原因": res.needs_reason,
               "_分": rc, "_表列分": sc, "_表列分值": _num(r.get("分值")), "_执行率": rate,
               "_资金不符": r.get(FUND_SUM_COLUMN), "_row": r,
               "_年度早": holds(checks["year"], r), "_调整无因": holds(checks["change"], r)}
        out_lines.append(out)
        f["lines"].append(out)
    return [{k: v for k, v in ln.items() if not k.startswith("_")} for ln in out_lines], [
        _form(plan, f, checks["double"]) for f in forms.values()]


def _form(plan: Plan, f: dict, double_check: E.Compiled) -> dict:
    lines = f.pop("lines")
    funds = [ln for ln in lines if ln["行类型"] == FUNDS]
    ind = [ln for ln in lines if ln["行类型"] != FUNDS]
    bad = [ln for ln in lines if ln["状态"] != "scored"]
    scored = not bad and bool(funds)
    total = sum(ln["_分"] for ln in lines if ln["_分"] is not None)
    stated = f["表列总分"]
    stated_c = None if stated is None else cents(stated)
    stated_lines = [ln["_表列分"] for ln in lines]
    points = [ln["分值"] for ln in ind]
    double = False
    if funds:  # the reader leaves one 资金 line a form; the check reads its values on every row
        fund = {FUND + n: funds[0]["_row"].get(n) for n in FUND_INPUTS} | {FUND + ROW_SCORE: funds[0]["重算得分_未舍入"]}
        double = any(holds(double_check, {**ln["_row"], ROW_SCORE: ln["重算得分_未舍入"], **fund}) for ln in ind)
    exec_wrong = any(ln["_表列分值"] is not None and cents(ln["_表列分值"]) != round(plan.exec_points * 100) for ln in funds)
    flags = {
        "TOTAL_DIFF": scored and stated_c is not None and stated_c != total,
        "SUM_DIFF": stated_c is not None and None not in stated_lines and stated_c != sum(stated_lines),
        "SCORE_DIFF": any(ln["差额"] not in (None, 0) for ln in lines),
        "EXEC_NO_REASON": any(ln["缺少原因"] for ln in funds),
        "REASON_MISSING": any(ln["缺少原因"] for ln in ind),
        "QUAL_OUT_OF_BAND": any(ln["原因代码"] == "QUAL_OUT_OF_BAND" for ln in lines),
        "OVERSHOOT": any(ln["原因代码"] == "OVERSHOOT" for ln in lines),
        "NOT_SCORABLE": not funds or any(ln["原因代码"] != "QUAL_OUT_OF_BAND" for ln in bad),
        "WEIGHT_SUM": exec_wrong or (None not in points and sum(cents(p) for p in points) != round(plan.indicator_points * 100)),
        "FUND_SUM": any(ln["_资金不符"] is not None for ln in lines),
        "TOTAL_ABOVE_MAX": total > plan.max_cents or (stated_c is not None and stated_c > plan.max_cents),
        "EDITION_YEAR": any(ln["_年度早"] for ln in funds),
        "BUDGET_CHANGE_NO_REASON": any(ln["_调整无因"] for ln in funds),
        "DOUBLE_COUNT": double,
    }
    raised = [k for k in FLAGS if flags[k]]
    return {
        **f, "执行率": max((ln["_执行率"] for ln in funds if ln["_执行率"] is not None), default=None),
        "重算总分": total / 100,
        "总分差额": None if stated_c is None else (stated_c - total) / 100,
        "表列合计": sum(s for s in stated_lines if s is not None) / 100,
        "分值合计": sum(cents(p) for p in points if p is not None) / 100,
        "行数": len(lines), "无法评分行数": len(bad), "状态": "scored" if scored else "incomplete",
        "等级": plan.framework.grade(total / 100) if scored else None,
        **flags, "需复核": bool(raised), "复核原因": ",".join(raised),
    }


LINE_SCHEMA = {KEY: pl.String, "行号": pl.Int64, "行类型": pl.String, "分值": pl.Float64, "表列得分": pl.Float64,
               "重算得分": pl.Float64, "重算得分_未舍入": pl.Float64, "差额": pl.Float64, "状态": pl.String,
               "原因代码": pl.String, "缺少原因": pl.Boolean}
FORM_SCHEMA = {KEY: pl.String, **{h: pl.String for h in HEADER}, "执行率": pl.Float64, "重算总分": pl.Float64,
               "表列总分": pl.Float64, "总分差额": pl.Float64, "表列合计": pl.Float64, "分值合计": pl.Float64,
               "行数": pl.UInt32, "无法评分行数": pl.UInt32, "状态": pl.String, "等级": pl.String,
               **{f: pl.Boolean for f in FLAGS}, "需复核": pl.Boolean, "复核原因": pl.String}


def run(plan: Plan, lf: pl.LazyFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    lines, forms = score_rows(plan, lf.collect().iter_rows(named=True))
    return (pl.DataFrame(lines, schema=LINE_SCHEMA, orient="row").select(LINE_COLUMNS),
            pl.DataFrame(forms, schema=FORM_SCHEMA, orient="row").select(FORM_COLUMNS).sort(KEY))
