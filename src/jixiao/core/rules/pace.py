"""``pace``: spending progress against the time-elapsed share (序时进度), quarter by quarter.

预算执行率: each quarter's rate (支出进度 ÷ 序时进度 25/50/75/100%) earns ``each`` point(s) up to
100%; the year's average rate, Σ rates ÷ 4, earns ``average_points`` up to 100%.

>>> from jixiao.core import expr as E
>>> p = Pace(kind="pace", rates=["q1", "q2", "q3", "q4"])
>>> round(E.evaluate(p.lower(), {"q1": 2.9277, "q2": 1.4791, "q3": 1.2941, "q4": 0.9849}), 4)
5.9849
"""

from __future__ import annotations

from typing import Literal

from pydantic import PositiveFloat, field_validator

from jixiao.core import expr as E
from jixiao.core.numbers import fmt_pct
from jixiao.core.rules.base import CheckContext, Evaluator, Expr, RuleBase, Step, node, won_text

QUARTERS = ("一季度", "二季度", "三季度", "四季度")
SCHEDULE = (0.25, 0.5, 0.75, 1.0)


class Pace(RuleBase):
    kind: Literal["pace"]
    rates: list[Expr]
    each: PositiveFloat = 1.0
    average_points: PositiveFloat = 2.0

    @field_validator("rates")
    @classmethod
    def _four(cls, v: list[str]) -> list[str]:
        if len(v) != 4:
            raise ValueError(f"pace 须给出四个季度的执行率，实际 {len(v)} 个")
        return v

    def max_points(self) -> float:
        return self.each * len(self.rates) + self.average_points

    def average(self) -> E.Node:
        return E.div(E.add(*(node(r) for r in self.rates)), E.const(float(len(self.rates))))

    def parts(self) -> list[E.Node]:
        # Each rate counts between 0 and 100%: a signed or computed rate below 0 earns nothing, not less.
        def share(rate: E.Node) -> E.Node:
            return E.lesser(E.greater(rate, E.const(0.0)), E.const(1.0))

        quarters = [E.mul(share(node(r)), E.const(self.each)) for r in self.rates]
        return quarters + [E.mul(share(self.average()), E.const(self.average_points))]

    def lower(self) -> E.Node:
        return E.add(*self.parts())

    def check(self, ctx: CheckContext) -> None:
        for r in self.rates:
            ctx.expression(r, "季度执行率", ["rate"], want=E.NUMBER)

    def explain(self, ev: Evaluator) -> list[Step]:
        steps = []
        parts = self.parts()
        for q, sched, r, part in zip(QUARTERS, SCHEDULE, self.rates, parts):
            v = E.number(ev(node(r)))
            won = E.number(ev(part))
            note = "，按 100% 计" if v > 1 else ""
            text = f"{q}预算执行率（支出进度÷序时进度{sched:.0%}）{fmt_pct(v)}{note}，{won_text(won, self.each)}"
            steps.append(Step(text, self.each, won))
        avg = E.number(ev(self.average()))
        won = E.number(ev(parts[-1]))
        note = "，按 100% 计" if avg > 1 else ""
        text = f"全年平均执行率 = Σ季度执行率 ÷ 4 = {fmt_pct(avg)}{note}，×{self.average_points:g} 分，{won_text(won, self.average_points)}"
        steps.append(Step(text, self.average_points, won))
        return steps
