"""Review checks of a project form beyond its scores (issue 14, item 4).

Each check returns ``(code, message, where, line)`` tuples; :func:`jixiao.core.form.check_form`
turns them into findings. No I/O.

The three checks the batch makes too (``EDITION_YEAR``, ``BUDGET_CHANGE_NO_REASON``,
``DOUBLE_COUNT``) are each decided by ONE expression tree over the long format's column names
(:func:`year_tree`, :func:`change_tree`, :func:`double_tree`): the single-form check walks it with
:func:`jixiao.core.expr.evaluate`, and every batch engine compiles the very same tree, as it does
the scoring trees. A check is raised where its tree is true (missing counts as not raised).

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

from jixiao.core import expr as E
from jixiao.core.numbers import fmt_points

if TYPE_CHECKING:  # pragma: no cover
    from jixiao.core.form import Form, FormFramework, FormResult, FundLine

MONEY = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}
# A money unit as the factor the trees multiply by (exact: every factor is an integer below 2^53).
SCALE: dict[str, float] = {u: float(v) for u, v in MONEY.items()}
DEFAULT_MONEY_UNIT = "万元"  # the printed form's （单位：万元）, as the single-form reader assumes it
Found = tuple[str, str, str, str]

# Inputs of the trees that are not columns of a line itself. ``_单位倍数`` is the row's 单位 as a
# money factor (missing unless 元/千元/万元/亿元); ``_金额倍数`` the form's 金额单位 as one. A name
# under FUND (``资金·全年预算数`` …) is the form's 资金 line's value, given to each of its rows.
ROW_SCALE, FORM_SCALE, ROW_SCORE = "_单位倍数", "_金额倍数", "重算得分_未舍入"
FUND = "资金·"
FUND_INPUTS = ("全年预算数", "调整后预算数", "年初预算数", "全年执行数", FORM_SCALE)
BUDGETS = ("全年预算数", "调整后预算数", "年初预算数")
DOUBLE_OPS = ("≥", ">", "=")


def _fund(name: str) -> E.Ref:
    return E.Ref(FUND + name)


def _abs(n: E.Node) -> E.Node:
    return E.Call("abs", (n,))


def _is_funds() -> E.Node:
    return E.cmp("==", E.Ref("行类型"), E.const("资金"))


def since(fw: FormFramework) -> int | None:
    """The first year an edition applies to (its ``edition``'s leading year), if it names one."""
    try:
        return int(str(fw.edition)[:4])
    except ValueError:
        return None


def year_tree(fw: FormFramework) -> E.Node:
    """EDITION_YEAR, on the 资金 line: the form's 年度 is before the edition's first year."""
    first = since(fw)
    if first is None:
        return E.const(False)
    return E.all_of(_is_funds(), E.cmp("<", E.Ref("年度"), E.const(first)))


def change_tree(fw: FormFramework) -> E.Node:
    """BUDGET_CHANGE_NO_REASON, on the 资金 line: the edition requires a reason for a mid-year change,
    调整后预算数 differs from 年初预算数 (beyond rounding noise), and no 偏差原因 is written."""
    if not fw.execution.change_reason:
        return E.const(False)
    adjusted, initial = E.Ref("调整后预算数"), E.Ref("年初预算数")
    differ = E.cmp(">", _abs(E.sub(adjusted, initial)), E.mul(E.const(1e-9), E.greater(E.const(1.0), _abs(initial))))
    return E.all_of(_is_funds(), differ, E.Unary("not", E.Call("present", (E.Ref("偏差原因"),))))


def _same(a: E.Node, b: E.Node) -> E.Node:
    return E.cmp("<=", _abs(E.sub(a, b)), E.mul(E.const(1e-6), E.greater(E.const(1.0), _abs(b))))


def double_tree(fw: FormFramework) -> E.Node:
    """DOUBLE_COUNT, on an indicator row: a ≥/>/= row in money, scored below its 分值, whose 年度指标值
    is one of the project's (non-zero) budgets and whose 实际完成值 its spending, both in the form's
    金额单位, while the 预算执行率 line already scored below its points for the same shortfall."""
    scale = E.div(E.Ref(ROW_SCALE), _fund(FORM_SCALE))
    target, actual = E.mul(E.Ref("年度指标值"), scale), E.mul(E.Ref("实际完成值"), scale)
    budget = E.any_of(*[E.all_of(E.cmp("!=", _fund(b), E.const(0.0)), _same(target, _fund(b))) for b in BUDGETS])
    return E.all_of(
        E.any_of(*[E.cmp("==", E.Ref("运算符"), E.const(op)) for op in DOUBLE_OPS]),
        E.cmp("<", _fund(ROW_SCORE), E.const(float(fw.execution.points))),
        E.cmp("<", E.Ref(ROW_SCORE), E.Ref("分值")),
        budget,
        _same(actual, _fund("全年执行数")))


def holds(check: E.Compiled, env: dict) -> bool:
    """Whether a check's compiled tree is true for one line (a missing value does not raise it)."""
    return check({k: v for k, v in env.items() if v is not None and v != ""}) is True


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
    if holds(fw.compiled("year", lambda: year_tree(fw)), {"行类型": "资金", "年度": form.year}):
        message = f"本表年度为 {form.year} 年，而所用指标体系 {fw.id} 自 {since(fw)} 年起适用；请确认该年度应适用的版本（--framework）"
        return [("EDITION_YEAR", message, form.source, "年度")]
    return []


def budget_change(fw: FormFramework, form: Form) -> list[Found]:
    total = form.funds_total()
    if total is None:
        return []
    env = {"行类型": "资金", "调整后预算数": total.adjusted, "年初预算数": total.initial, "偏差原因": total.reason.strip()}
    if not holds(fw.compiled("change", lambda: change_tree(fw)), env):
        return []
    assert total.adjusted is not None and total.initial is not None  # the tree reads both
    given = form.funds[0]
    message = (f"调整后预算数 {_amount(total.adjusted)} 与年初预算数 {_amount(total.initial)}（{form.money_unit}）不同，"
               "而未说明年中预算调整的理由")
    return [("BUDGET_CHANGE_NO_REASON", message, given.where, "年度资金总额")]


def fund_env(total: FundLine, score: float | None, money_unit: str) -> dict:
    """The 资金 line's values as the DOUBLE_COUNT tree reads them on every row (``资金·…``)."""
    return {FUND + "全年预算数": total.budget, FUND + "调整后预算数": total.adjusted, FUND + "年初预算数": total.initial,
            FUND + "全年执行数": total.spent, FUND + ROW_SCORE: score, FUND + FORM_SCALE: SCALE.get(money_unit)}


def double_count(fw: FormFramework, form: Form, r: FormResult) -> list[Found]:
    total = form.funds_total()
    if total is None:
        return []
    check = fw.compiled("double", lambda: double_tree(fw))
    funds = fund_env(total, r.lines[0].score, form.money_unit)
    out = []
    for row, line in zip(form.rows, r.lines[1:]):
        env = {**funds, "运算符": row.op, "年度指标值": row.target, "实际完成值": row.actual, "分值": row.points,
               ROW_SCORE: line.score, ROW_SCALE: SCALE.get(row.unit)}
        if holds(check, env):
            assert row.target is not None
            target = row.target * SCALE[row.unit] / SCALE[form.money_unit]
            message = (f"指标值 {_amount(target)}{form.money_unit} 即本项目预算数、完成值即执行数："
                       "同一笔未执行的预算已在预算执行率中扣分，此行又扣一次；请改用反映产出的指标")
            out.append(("DOUBLE_COUNT", message, row.where, row.level3))
    return out


def _amount(x: float) -> str:
    return f"{x:,.6f}".rstrip("0").rstrip(".")


def form_checks(fw: FormFramework, form: Form, r: FormResult) -> list[Found]:
    return total_above_max(fw, form, r) + edition_year(fw, form) + budget_change(fw, form) + double_count(fw, form, r)
