"""``deduct_over``: points deducted per unit beyond a threshold, down to zero.

资金调整率在10%以内得1分；超出10%的，超出一个百分点扣0.1分，直至扣完. The deduction is
proportional (7.31 points over → 0.731 deducted), which is how the seed's 2.27 comes about.

>>> from jixiao.core import expr as E
>>> r = DeductOver(kind="deduct_over", label="资金调整率", value="x", threshold=0.10,
...                per=0.01, deduct=0.1, points=1)
>>> E.evaluate(r.lower(), {"x": 0.10}), round(E.evaluate(r.lower(), {"x": 0.173114}), 5)
(1.0, 0.26886)
>>> E.evaluate(r.lower(), {"x": 0.5})
0.0
"""

from __future__ import annotations

from typing import Literal

from pydantic import PositiveFloat

from jixiao.core import expr as E
from jixiao.core.numbers import fmt_bound, fmt_pct, fmt_points
from jixiao.core.rules.base import CheckContext, Evaluator, Expr, RuleBase, Step, finite, node, won_text


class DeductOver(RuleBase):
    kind: Literal["deduct_over"]
    label: str
    value: Expr
    threshold: float
    per: PositiveFloat
    deduct: PositiveFloat
    points: PositiveFloat
    per_says: str = "个百分点"

    def max_points(self) -> float:
        return self.points

    def excess(self) -> E.Node:
        return E.greater(E.const(0.0), E.sub(node(self.value), E.const(self.threshold)))

    def lower(self) -> E.Node:
        lost = E.mul(E.div(self.excess(), E.const(self.per)), E.const(self.deduct))
        return finite(node(self.value), E.greater(E.const(0.0), E.sub(E.const(self.points), lost)), self.label)

    def check(self, ctx: CheckContext) -> None:
        ctx.expression(self.value, "指标值", want=E.NUMBER)

    def explain(self, ev: Evaluator) -> list[Step]:
        v = E.number(ev(node(self.value)))
        won = E.number(ev(self.lower()))
        text = f"{self.label} = {ev.substitute(node(self.value))} = {fmt_pct(v)}"
        bound = fmt_bound(self.threshold)
        if v <= self.threshold:
            text += f"，未超过 {bound}"
        elif self.per_says == "个百分点":
            # Counted in percentage points whatever the step, so 0.5-point steps still read right.
            over = E.number(ev(self.excess())) * 100
            text += (f"，超出 {bound} {fmt_points(over)} 个百分点，"
                     f"每 {fmt_points(self.per * 100)} 个百分点扣 {fmt_points(self.deduct)} 分")
        else:
            units = E.number(ev(self.excess())) / self.per
            text += f"，超出 {bound} {fmt_points(units)} {self.per_says}，每{self.per_says}扣 {fmt_points(self.deduct)} 分"
        return [Step(f"{text}，{won_text(won, self.points)}", self.points, won)]
