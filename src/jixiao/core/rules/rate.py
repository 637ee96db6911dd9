"""``rate``: a ratio times points, capped, with an optional condition that scores zero.

政府采购执行率得分 = 实际采购金额 ÷ 采购计划金额 × 1 分, 0 if the actual exceeds the plan;
项目完成及时性 = 已完成项目数 ÷ 计划完成项目数 × 6 分. A zero denominator makes the indicator
not scorable (with the reason), never a silent 0 or full marks.

>>> from jixiao.core import expr as E
>>> r = Rate(kind="rate", label="政府采购执行率", numerator="实际", denominator="计划", points=1,
...          zero_if="实际 > 计划")
>>> round(E.evaluate(r.lower(), {"实际": 4222.66, "计划": 6279.26}), 4)
0.6725
>>> E.evaluate(r.lower(), {"实际": 7000.0, "计划": 6279.26})
0.0
>>> E.evaluate(r.lower(), {"实际": 0.0, "计划": 0.0})
Missing(reason='ZERO:计划')
"""

from __future__ import annotations

from typing import Literal

from pydantic import PositiveFloat

from jixiao.core import expr as E
from jixiao.core.numbers import fmt_pct
from jixiao.core.rules.base import CheckContext, Evaluator, Expr, RuleBase, Step, node, won_text


class Rate(RuleBase):
    kind: Literal["rate"]
    label: str
    numerator: Expr
    denominator: Expr
    points: PositiveFloat
    cap: float | None = 1.0
    zero_if: Expr = ""
    zero_says: str = ""

    def max_points(self) -> float:
        return self.points * (self.cap if self.cap is not None else float("inf"))

    def ratio(self) -> E.Node:
        return E.div(node(self.numerator), node(self.denominator))

    def lower(self) -> E.Node:
        r = self.ratio()
        if self.cap is not None:
            r = E.lesser(r, E.const(self.cap))
        score = E.greater(E.const(0.0), E.mul(r, E.const(self.points)))
        if self.zero_if:
            score = E.where(node(self.zero_if), E.const(0.0), score)
        return score

    def check(self, ctx: CheckContext) -> None:
        if self.cap is None:
            ctx.error("E-FW-RULE-UNBOUNDED", f"{self.label}：rate 须设 cap，否则得分可能超过分值")
        ctx.expression(self.numerator, "分子", want=E.NUMBER)
        ctx.expression(self.denominator, "分母", want=E.NUMBER)
        if self.zero_if:
            ctx.expression(self.zero_if, "零分条件", want=E.BOOL)

    def explain(self, ev: Evaluator) -> list[Step]:
        available = self.max_points()
        won = E.number(ev(self.lower()))
        if self.zero_if and ev(node(self.zero_if)) is True:
            says = self.zero_says or f"{ev.substitute(node(self.zero_if))}"
            return [Step(f"{says}，{self.label}得分为 0", available, 0.0)]
        rate = E.number(ev(self.ratio()))
        text = f"{self.label} = {ev.substitute(node(self.numerator))} ÷ {ev.substitute(node(self.denominator))} = {fmt_pct(rate)}"
        if self.cap is not None and rate > self.cap:
            text += f"，按 {fmt_pct(self.cap)} 计"
        return [Step(f"{text}，{won_text(won, available)}", available, won)]
