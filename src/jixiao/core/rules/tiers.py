"""``tiers``: a value falls in one band of a table; each band is worth its points.

Bands are written as the 评分标准 reads them, each bound inclusive or not: ``at_least`` (≥),
``above`` (>), ``at_most`` (≤), ``below`` (<). When the framework is loaded the bands must
cover every value exactly once, so a gap or an overlap is an error there, not a surprise later.

Where the 评分标准 lets the evaluator place a case in a band without the figure (满意度: “如难以单独
开展满意度调查的，可参考……进行分档计分”), ``judged`` names a ``level`` fact whose choices are the
bands' names; it is used only when the value cannot be computed.

>>> from jixiao.core import expr as E
>>> t = Tiers(kind="tiers", label="利用率", value="在用 / 总额", bands=[
...     {"at_least": 0.9, "points": 1}, {"at_least": 0.75, "below": 0.9, "points": 0.7},
...     {"at_least": 0.6, "below": 0.75, "points": 0.4}, {"below": 0.6, "points": 0}])
>>> [E.evaluate(t.lower(), {"在用": v, "总额": 100.0}) for v in (90.0, 89.99, 75.0, 60.0, 59.0)]
[1.0, 0.7, 0.7, 0.4, 0.0]
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, NonNegativeFloat

from jixiao.core import expr as E
from jixiao.core.numbers import fmt_pct
from jixiao.core.rules.base import (
    CheckContext,
    Evaluator,
    Expr,
    Finite,
    RuleBase,
    Step,
    finite,
    node,
    won_text,
)


class Band(Finite):
    model_config = ConfigDict(extra="forbid", frozen=True)

    points: NonNegativeFloat
    at_least: float | None = None
    above: float | None = None
    at_most: float | None = None
    below: float | None = None
    says: str = ""

    def low(self) -> tuple[float, bool]:
        """Lower bound and whether it is inclusive (−∞ when none)."""
        if self.at_least is not None:
            return self.at_least, True
        if self.above is not None:
            return self.above, False
        return float("-inf"), False

    def high(self) -> tuple[float, bool]:
        if self.at_most is not None:
            return self.at_most, True
        if self.below is not None:
            return self.below, False
        return float("inf"), False

    def name(self, as_pct: bool, label: str = "x") -> str:
        """The band as the 评分标准 writes it: 固定资产利用率≥90%, 75%≤固定资产利用率<90%."""
        if self.says:
            return self.says
        show = (lambda v: fmt_pct(v).replace(".00%", "%")) if as_pct else (lambda v: f"{v:g}")
        lo, lo_in = self.low()
        hi, hi_in = self.high()
        if lo == float("-inf") and hi == float("inf"):
            return "任意值"
        if hi == float("inf"):
            return f"{label}{'≥' if lo_in else '>'}{show(lo)}"
        upper = f"{'≤' if hi_in else '<'}{show(hi)}"
        if lo == float("-inf"):
            return f"{label}{upper}"
        return f"{show(lo)}{'≤' if lo_in else '<'}{label}{upper}"

    def test(self, value: E.Node) -> E.Node:
        tests = []
        if self.at_least is not None:
            tests.append(E.cmp(">=", value, E.const(self.at_least)))
        if self.above is not None:
            tests.append(E.cmp(">", value, E.const(self.above)))
        if self.at_most is not None:
            tests.append(E.cmp("<=", value, E.const(self.at_most)))
        if self.below is not None:
            tests.append(E.cmp("<", value, E.const(self.below)))
        return E.all_of(*tests) if tests else E.const(True)


class Tiers(RuleBase):
    kind: Literal["tiers"]
    label: str
    value: Expr
    bands: list[Band]
    as_pct: bool = True
    judged: str = ""

    def max_points(self) -> float:
        return max((b.points for b in self.bands), default=0.0)

    def by_value(self) -> E.Node:
        v = node(self.value)
        out: E.Node = E.const(self.bands[-1].points)
        for b in reversed(self.bands[:-1]):
            out = E.where(b.test(v), E.const(b.points), out)
        return finite(v, out, self.label)

    def by_judgement(self) -> E.Node:
        out: E.Node = E.const(self.bands[-1].points)
        for b in reversed(self.bands[:-1]):
            out = E.where(E.cmp("==", E.Ref(self.judged), E.const(b.name(self.as_pct, self.label))), E.const(b.points), out)
        return out

    def lower(self) -> E.Node:
        if not self.judged:
            return self.by_value()
        return E.where(E.Call("present", (node(self.value),)), self.by_value(), self.by_judgement())

    def check(self, ctx: CheckContext) -> None:
        ctx.expression(self.value, "分档指标值", want=E.NUMBER)
        if not self.bands:
            ctx.error("E-FW-BANDS", f"{self.label}：至少需要一个分档")
            return
        for b in self.bands:
            if b.at_least is not None and b.above is not None or b.at_most is not None and b.below is not None:
                ctx.error("E-FW-BANDS", f"{self.label}：分档“{b.name(self.as_pct)}”同一端给了两个界限")
                return
        ordered = sorted(self.bands, key=lambda b: (b.low()[0], not b.low()[1]))
        edge, edge_in = float("-inf"), True
        for b in ordered:
            lo, lo_in = b.low()
            hi, _ = b.high()
            # The next band must start exactly where the last ended, taking the value it left out.
            if lo != edge or (lo != float("-inf") and lo_in == edge_in):
                gap = "重叠" if lo < edge or (lo == edge and lo_in and edge_in) else "空档"
                ctx.error("E-FW-BANDS", f"{self.label}：分档在 {edge:g} 附近有{gap}，各档须首尾相接、不重不漏")
                return
            if hi < lo or (hi == lo and not (lo_in and b.high()[1])):
                ctx.error("E-FW-BANDS", f"{self.label}：分档“{b.name(self.as_pct)}”上限小于下限，不含任何值")
                return
            edge, edge_in = b.high()
        if edge != float("inf"):
            ctx.error("E-FW-BANDS", f"{self.label}：分档未覆盖 {edge:g} 以上的值")
        if self.judged:
            ctx.fact(self.judged, ["level"], "分档评定")
            spec = ctx.facts.get(self.judged)
            names = tuple(b.name(self.as_pct, self.label) for b in self.bands)
            if spec is not None and tuple(spec.choices) != names:
                ctx.error("E-FW-BANDS", f"{self.label}：评定事实“{self.judged}”的 choices 须与分档名称一致：{list(names)}")

    def explain(self, ev: Evaluator) -> list[Step]:
        available = self.max_points()
        won = E.number(ev(self.lower()))
        v = ev(node(self.value))
        if isinstance(v, E.Missing):
            level = ev(E.Ref(self.judged))
            why = ev.evidence(self.judged)
            text = f"未取得{self.label}数据，评定为“{level}”档" + (f"（{why}）" if why else "")
            return [Step(f"{text}，{won_text(won, available)}", available, won)]
        band = next(b for b in self.bands if ev(b.test(node(self.value))) is True)
        shown = fmt_pct(E.number(v)) if self.as_pct else ev.show(node(self.value), v)
        formula = ev.substitute(node(self.value))
        head = f"{self.label} = {formula} = {shown}" if formula != shown else f"{self.label} = {shown}"
        # A label in quotes (“三公”经费控制率) is quoted inside the band's own quotes as ‘三公’.
        shown = band.name(self.as_pct, self.label).replace("“", "‘").replace("”", "’")
        return [Step(f"{head}，属“{shown}”档，{won_text(won, available)}", available, won)]
