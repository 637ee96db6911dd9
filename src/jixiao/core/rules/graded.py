"""``graded``: the evaluator places the case at one of the declared levels, each worth its points.

预决算信息公开: 按规定公开 1.5 分, 公开但不符合要求 1 分, 未公开 0 分.

>>> from jixiao.core import expr as E
>>> g = Graded(kind="graded", label="部门预算公开", fact="预算公开",
...            levels={"按规定公开": 1.5, "公开但不符合要求": 1, "未公开": 0})
>>> E.evaluate(g.lower(), {"预算公开": "公开但不符合要求"})
1.0
"""

from __future__ import annotations

from typing import Literal

from pydantic import NonNegativeFloat

from jixiao.core import expr as E
from jixiao.core.rules.base import CheckContext, Evaluator, RuleBase, Step, won_text


class Graded(RuleBase):
    kind: Literal["graded"]
    label: str
    fact: str
    levels: dict[str, NonNegativeFloat]

    def max_points(self) -> float:
        return max(self.levels.values(), default=0.0)

    def lower(self) -> E.Node:
        names = list(self.levels)
        out: E.Node = E.const(self.levels[names[-1]])
        for name in reversed(names[:-1]):
            out = E.where(E.cmp("==", E.Ref(self.fact), E.const(name)), E.const(self.levels[name]), out)
        return out

    def check(self, ctx: CheckContext) -> None:
        if not self.levels:
            ctx.error("E-FW-RULE-EMPTY", f"{self.label}：graded 至少需要一个档次（levels）")
            return
        ctx.fact(self.fact, ["level"], "分级评定")
        spec = ctx.facts.get(self.fact)
        if spec is not None and set(spec.choices) != set(self.levels):
            ctx.error("E-FW-LEVELS", f"{self.label}：事实“{self.fact}”的 choices 须与 levels 一致：{list(self.levels)}")

    def explain(self, ev: Evaluator) -> list[Step]:
        available = self.max_points()
        won = E.number(ev(self.lower()))
        level = ev(E.Ref(self.fact))
        why = ev.evidence(self.fact)
        text = f"{self.label}：{level}" + (f"（{why}）" if why else "")
        return [Step(f"{text}，{won_text(won, available)}", available, won)]
