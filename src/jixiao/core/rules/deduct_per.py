"""``deduct_per``: full points less a fixed deduction for each item found, down to zero.

绩效目标完整性: 没按要求编报绩效目标的，一项扣1分，扣完为止; 重点工作: 一项没有完成扣4分.

>>> from jixiao.core import expr as E
>>> d = DeductPer(kind="deduct_per", label="未完成重点工作", count="n", each=4, points=8)
>>> [E.evaluate(d.lower(), {"n": float(n)}) for n in (0, 1, 2, 3)]
[8.0, 4.0, 0.0, 0.0]
"""

from __future__ import annotations

from typing import Literal

from pydantic import PositiveFloat

from jixiao.core import expr as E
from jixiao.core.numbers import fmt_count, fmt_points
from jixiao.core.rules.base import CheckContext, Evaluator, Expr, RuleBase, Step, finite, node, won_text


class DeductPer(RuleBase):
    kind: Literal["deduct_per"]
    label: str
    count: Expr
    each: PositiveFloat
    points: PositiveFloat
    unit: str = "项"

    def max_points(self) -> float:
        return self.points

    def lower(self) -> E.Node:
        # A count below zero (a computed one, such as 计划数 - 完成数) finds no item: full points, never more.
        found = E.greater(E.const(0.0), node(self.count))
        score = E.greater(E.const(0.0), E.sub(E.const(self.points), E.mul(found, E.const(self.each))))
        return finite(node(self.count), score, self.label)

    def check(self, ctx: CheckContext) -> None:
        ctx.expression(self.count, "计数", want=E.NUMBER)

    def explain(self, ev: Evaluator) -> list[Step]:
        n = E.number(ev(node(self.count)))
        won = E.number(ev(self.lower()))
        if n <= 0:
            text = f"{self.label} 0 {self.unit}"
        else:
            text = f"{self.label} {fmt_count(n)} {self.unit}，每{self.unit}扣 {fmt_points(self.each)} 分"
            refs = sorted(E.names(node(self.count)))
            why = "；".join(filter(None, (ev.evidence(r) for r in refs)))
            if why:
                text += f"（{why}）"
        return [Step(f"{text}，{won_text(won, self.points)}", self.points, won)]
