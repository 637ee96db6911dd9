"""Review checks of a project form beyond its scores (issue 14, item 4).

Each check returns ``(code, message, where, line)`` tuples; :func:`jixiao.core.form.check_form`
turns them into findings. No I/O.

* ``TOTAL_ABOVE_MAX`` — the recomputed or the stated 总分 is above the edition's total (100):
  always flagged, whatever else is;
* ``EDITION_YEAR`` — the form's 年度 is before the edition's year (a 2019 form scored under the
  2020 edition);
* ``BUDGET_CHANGE_NO_REASON`` — the edition requires a reason for a mid-year budget change
  (Sichuan: “年中发生预算调整的(追加或调减),应单独说明理由”) and the 年度资金总额 line's 调整后预算数
  differs from its 年初预算数 with no reason written;
* ``DOUBLE_COUNT`` — the same underspend counted twice: an indicator row in money whose target
  is the project's own budget and whose actual is its spending, scored below full points, while
  the 预算执行率 line already deducts for the same shortfall.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from jixiao.core.numbers import fmt_points

if TYPE_CHECKING:  # pragma: no cover
    from jixiao.core.form import Form, FormFramework, FormResult

MONEY = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}
Found = tuple[str, str, str, str]


def _cents(x: float) -> int:
    from jixiao.core.form import cents

    return cents(x)


def total_above_max(fw: FormFramework, form: Form, r: FormResult) -> list[Found]:
    top = _cents(float(fw.total))
    out = []
    if round(r.total * 100) > top:
        out.append(("TOTAL_ABOVE_MAX", f"重算总分 {fmt_points(r.total)}，超过满分 {fmt_points(fw.total)}（各行分值之和超出）",
                    form.total_where or form.source, "总分"))
    elif form.stated_total is not None and _cents(form.stated_total) > top:
        out.append(("TOTAL_ABOVE_MAX", f"表列总分 {fmt_points(form.stated_total)}，超过满分 {fmt_points(fw.total)}",
                    form.total_where or form.source, "总分"))
    return out


def edition_year(fw: FormFramework, form: Form) -> list[Found]:
    try:
        since = int(str(fw.edition)[:4])
    except ValueError:
        return []
    if form.year is not None and form.year < since:
        message = f"本表年度为 {form.year} 年，而所用指标体系 {fw.id} 自 {since} 年起适用；请确认该年度应适用的版本（--framework）"
        return [("EDITION_YEAR", message, form.source, "年度")]
    return []


def budget_change(fw: FormFramework, form: Form) -> list[Found]:
    if not fw.execution.change_reason:
        return []
    total = form.funds_total()
    if total is None or total.initial is None or total.adjusted is None or total.reason.strip():
        return []
    if abs(total.adjusted - total.initial) <= 1e-9 * max(1.0, abs(total.initial)):
        return []
    given = form.funds[0]
    message = (f"调整后预算数 {_amount(total.adjusted)} 与年初预算数 {_amount(total.initial)}（{form.money_unit}）不同，"
               "而未说明年中预算调整的理由")
    return [("BUDGET_CHANGE_NO_REASON", message, given.where, "年度资金总额")]


def double_count(fw: FormFramework, form: Form, r: FormResult) -> list[Found]:
    total = form.funds_total()
    if total is None or form.money_unit not in MONEY:
        return []
    budgets = {b for b in (total.budget, total.adjusted, total.initial) if b}
    if not budgets or total.spent is None or r.lines[0].score is None or r.lines[0].score >= fw.execution.points:
        return []
    out = []
    for row, line in zip(form.rows, r.lines[1:]):
        if row.unit not in MONEY or row.target is None or row.actual is None or row.op not in ("≥", ">", "="):
            continue
        if line.score is None or line.score >= line.points:
            continue
        scale = float(MONEY[row.unit] / MONEY[form.money_unit])
        target, actual = row.target * scale, row.actual * scale
        if any(_same(target, b) for b in budgets) and _same(actual, total.spent):
            message = (f"指标值 {_amount(target)}{form.money_unit} 即本项目预算数、完成值即执行数："
                       "同一笔未执行的预算已在预算执行率中扣分，此行又扣一次；请改用反映产出的指标")
            out.append(("DOUBLE_COUNT", message, row.where, row.level3))
    return out


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def _amount(x: float) -> str:
    return f"{x:,.6f}".rstrip("0").rstrip(".")


def form_checks(fw: FormFramework, form: Form, r: FormResult) -> list[Found]:
    return total_above_max(fw, form, r) + edition_year(fw, form) + budget_change(fw, form) + double_count(fw, form, r)
