"""``expert``: points awarded by experts, with a written justification whenever below full marks.

效果性 (25 分) is judged against the department's own targets; the score and its justification are
facts of the case. The case loader refuses a score below full marks without a justification.

>>> from jixiao.core import expr as E
>>> x = Expert(kind="expert", label="效果性专家评分", fact="效果性评分", points=25)
>>> E.evaluate(x.lower(), {"效果性评分": 23.5})
23.5
"""

from __future__ import annotations

from typing import Literal

from pydantic import PositiveFloat

from jixiao.core import expr as E
from jixiao.core.rules.base import CheckContext, Evaluator, RuleBase, Step, won_text


class Expert(RuleBase):
    kind: Literal["expert"]
    label: str
    fact: str
    points: PositiveFloat

    def max_points(self) -> float:
        return self.points

    def lower(self) -> E.Node:
        return E.greater(E.const(0.0), E.lesser(E.Ref(self.fact), E.const(self.points)))

    def check(self, ctx: CheckContext) -> None:
        ctx.fact(self.fact, ["score"], "专家评分")

    def explain(self, ev: Evaluator) -> list[Step]:
        won = E.number(ev(self.lower()))
        why = ev.evidence(self.fact)
        text = f"{self.label}，{won_text(won, self.points)}" + (f"（{why}）" if why else "")
        return [Step(text, self.points, won)]
