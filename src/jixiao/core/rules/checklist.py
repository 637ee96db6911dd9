"""``checklist``: criteria, each worth its points, each met or not on the record.

Used where the 评分标准 lists numbered criteria with points, such as 预算编制合理性 (five criteria
of 1 point). A criterion is either an evaluator's judgement (a declared ``judgement`` fact, which
may award part of the points where the rule says 酌情扣分, with evidence) or a ``test`` computed
from figures (e.g. ``信访办结数 >= 信访总量``).

>>> from jixiao.core import expr as E
>>> rule = Checklist(kind="checklist", items=[
...     {"says": "制定了制度", "points": 0.5, "fact": "制度已制定"},
...     {"says": "回复率达100%", "points": 1, "test": "回复数 >= 来件数"}])
>>> E.evaluate(rule.lower(), {"制度已制定": 0.5, "回复数": 9.0, "来件数": 10.0})
0.5
>>> rule.max_points()
1.5
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, PositiveFloat, model_validator

from jixiao.core import expr as E
from jixiao.core.rules.base import CheckContext, Evaluator, Expr, Finite, RuleBase, Step, node, points_text


class Criterion(Finite):
    model_config = ConfigDict(extra="forbid", frozen=True)

    says: str
    points: PositiveFloat
    fact: str = ""
    test: Expr = ""

    @model_validator(mode="after")
    def _one_source(self) -> Criterion:
        if bool(self.fact) == bool(self.test):
            raise ValueError("每条标准须且只须给出 fact（评价判断）或 test（由数据计算的条件）之一")
        return self

    def lower(self) -> E.Node:
        if self.fact:
            return E.greater(E.const(0.0), E.lesser(E.Ref(self.fact), E.const(self.points)))
        return E.where(node(self.test), E.const(self.points), E.const(0.0))


_NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


class Checklist(RuleBase):
    kind: Literal["checklist"]
    items: list[Criterion]

    def max_points(self) -> float:
        return sum(i.points for i in self.items)

    def lower(self) -> E.Node:
        return E.add(*(i.lower() for i in self.items))

    def judgements(self) -> dict[str, float]:
        return {i.fact: i.points for i in self.items if i.fact}

    def check(self, ctx: CheckContext) -> None:
        if not self.items:
            ctx.error("E-FW-RULE-EMPTY", "checklist 至少需要一条标准")
        for i in self.items:
            if i.fact:
                ctx.fact(i.fact, ["judgement"], "标准")
            else:
                ctx.expression(i.test, "标准条件", want=E.BOOL)

    def explain(self, ev: Evaluator) -> list[Step]:
        steps = []
        for i in self.items:
            won = E.number(ev(i.lower()))
            if i.fact:
                why = ev.evidence(i.fact)
            else:
                test = node(i.test)
                if won < i.points - 1e-12 and isinstance(test, E.Compare):
                    # Not met: show the comparison that holds (19,000 < 20,741), never the one that failed.
                    test = E.Compare(_NEGATED[test.op], test.left, test.right)
                why = ev.substitute(test)
            if won >= i.points - 1e-12:
                text = f"{i.says}，得 {points_text(won)} 分"
            elif won <= 0:
                text = f"{i.says}：未达到，扣 {points_text(i.points)} 分"
            else:
                text = f"{i.says}：酌情扣 {points_text(i.points - won)} 分，得 {points_text(won)} 分"
            if why and (won < i.points - 1e-12 or not i.fact):
                text += f"（{why}）"
            steps.append(Step(text, i.points, won))
        return steps
