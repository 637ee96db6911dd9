"""Rules made of rules: ``sum`` of parts, ``veto`` (zero when any condition holds) and ``exempt``
(full marks when a condition holds, e.g. 涉密部门按规定不需要公开的直接得分).

财务合规性 = veto(超范围/超标准支出, 虚列支出, 截留挤占挪用 → 0) over
sum(资金支出规范性 1 + 资金调整率 deduct_over 1 + 会计核算规范性 1).

>>> from jixiao.core import expr as E
>>> v = Veto(kind="veto", when=[{"test": "挪用", "says": "发生挪用"}],
...          rule={"kind": "deduct_per", "label": "问题", "count": "n", "each": 1, "points": 3})
>>> E.evaluate(v.lower(), {"挪用": False, "n": 1.0}), E.evaluate(v.lower(), {"挪用": True, "n": 0.0})
(2.0, 0.0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from jixiao.core import expr as E
from jixiao.core.rules.base import CheckContext, Evaluator, Expr, RuleBase, Step, node, points_text

if TYPE_CHECKING:  # resolved at run time by model_rebuild in jixiao.core.rules (the union names these kinds)
    from jixiao.core.rules import Rule


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    test: Expr
    says: str


class Sum(RuleBase):
    kind: Literal["sum"]
    parts: list["Rule"]

    def max_points(self) -> float:
        return sum(p.max_points() for p in self.parts)

    def lower(self) -> E.Node:
        return E.add(*(p.lower() for p in self.parts))

    def subrules(self) -> list[RuleBase]:
        return list(self.parts)

    def judgements(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for p in self.parts:
            out.update(p.judgements())
        return out

    def check(self, ctx: CheckContext) -> None:
        if not self.parts:
            ctx.error("E-FW-RULE-EMPTY", "sum 至少需要一个部分")
        for p in self.parts:
            p.check(ctx)

    def explain(self, ev: Evaluator) -> list[Step]:
        return [s for p in self.parts for s in p.explain(ev)]


class Veto(RuleBase):
    kind: Literal["veto"]
    when: list[Condition]
    rule: "Rule"

    def max_points(self) -> float:
        return self.rule.max_points()

    def lower(self) -> E.Node:
        return E.where(E.any_of(*(node(c.test) for c in self.when)), E.const(0.0), self.rule.lower())

    def subrules(self) -> list[RuleBase]:
        return [self.rule]

    def judgements(self) -> dict[str, float]:
        return self.rule.judgements()

    def check(self, ctx: CheckContext) -> None:
        if not self.when:
            ctx.error("E-FW-RULE-EMPTY", "veto 至少需要一个否决条件")
        for c in self.when:
            ctx.expression(c.test, "否决条件", want=E.BOOL)
        self.rule.check(ctx)

    def explain(self, ev: Evaluator) -> list[Step]:
        hits = [c for c in self.when if ev(node(c.test)) is True]
        if hits:
            says = "、".join(c.says for c in hits)
            return [Step(f"{says}，本项指标得 0 分", self.max_points(), 0.0)]
        clear = "、".join(c.says for c in self.when)
        steps = self.rule.explain(ev)
        return steps + [Step(f"未发生{clear}的情况，不触发否决", 0.0, 0.0)]


class Exempt(RuleBase):
    kind: Literal["exempt"]
    when: Condition
    rule: "Rule"

    def max_points(self) -> float:
        return self.rule.max_points()

    def lower(self) -> E.Node:
        return E.where(node(self.when.test), E.const(self.max_points()), self.rule.lower())

    def subrules(self) -> list[RuleBase]:
        return [self.rule]

    def judgements(self) -> dict[str, float]:
        return self.rule.judgements()

    def check(self, ctx: CheckContext) -> None:
        ctx.expression(self.when.test, "免评条件", want=E.BOOL)
        self.rule.check(ctx)

    def explain(self, ev: Evaluator) -> list[Step]:
        if ev(node(self.when.test)) is True:
            p = self.max_points()
            return [Step(f"{self.when.says}，直接得 {points_text(p)} 分", p, p)]
        return self.rule.explain(ev)
