"""Rules for one indicator row of a project self-evaluation form (项目支出绩效自评表).

``target`` scores a quantitative row whose 年度指标值 carries an operator (≥50个, ≤90万元, =100%):

* met → full points;
* ``≥``/``>`` not met → 实际完成值 ÷ 年度指标值 × 分值;
* ``≤``/``<`` not met → (1 − (实际 − 指标值) ÷ 指标值) × 分值, 0 from twice the target;
* ``=`` → full points when equal; below → as ``≥``; above → as ``≤``;
* a target of 0 that is missed scores 0 (there is no ratio to take).

A positive row met with an actual far above a positive target (more than ``overshoot``, 50% by
default) keeps its points but is flagged ``OVERSHOOT`` for review (偏离度: the target may have been
set too low, which 财预〔2020〕10号 says should reduce the score by the evaluator's judgement).
A strict operator met only with equality (``>50``, actual 50) is not met, but its ratio is 1:
it keeps full points, code ``BELOW``, and still needs a written reason.

``qualitative`` checks an evaluator's score against the band of the stated grade (达成年度指标
80–100% of 分值, 部分达成年度指标并具有一定效果 60–80%, 未达成年度指标且效果较差 0–60%, lower bounds
inclusive). A score outside its band is not accepted: the row is not scorable, code
``QUAL_OUT_OF_BAND``. Published forms often give no grade words at all — the 完成值 is evidence
("符合相关文件要求", "2021年12月完成") and the 得分 is the evaluator's judgement: without a grade, a
score between 0 and 分值 is accepted as it stands (code ``QUAL_INFERRED``, the band it falls in
shown in the trace), and only a score outside [0, 分值] is ``QUAL_OUT_OF_BAND``. Grade words, when
present, still decide. Band edges are ``分值 × 0.8`` and ``分值 × 0.6`` less ``EDGE`` (1e-9 of a
point): ``7 × 0.8`` is ``5.6000000000000005`` in binary, and a reader's 5.6 is on the edge, so it
belongs to the upper band as the text says.

Each kind also lowers to a *reason code* (``MET``, ``BELOW``, …) so a batch can say why without
a trace, and the trace of any one row is written from that code.

>>> from jixiao.core import expr as E
>>> t = Target(kind="target")
>>> env = {"运算符": "≥", "年度指标值": 50.0, "实际完成值": 40.0, "分值": 10.0}
>>> E.evaluate(t.lower(), env), E.evaluate(t.code(), env)
(8.0, 'BELOW')
>>> env.update({"运算符": "≤", "实际完成值": 60.0})
>>> E.evaluate(t.lower(), env), E.evaluate(t.code(), env)
(8.0, 'ABOVE')
"""

from __future__ import annotations

from typing import Literal

from jixiao.core import expr as E
from jixiao.core.numbers import fmt_pct, fmt_points
from jixiao.core.rules.base import CheckContext, Evaluator, RuleBase, Step, once, won_text

POSITIVE = ("≥", ">")
NEGATIVE = ("≤", "<")
OPERATORS = POSITIVE + NEGATIVE + ("=",)
GRADES = ("达成年度指标", "部分达成年度指标并具有一定效果", "未达成年度指标且效果较差")
BANDS = {GRADES[0]: (0.8, 1.0), GRADES[1]: (0.6, 0.8), GRADES[2]: (0.0, 0.6)}
EDGE = 1e-9  # points; see the module docstring

CODES = {
    "MET": "达到年度指标值，得满分",
    "OVERSHOOT": "达到年度指标值，但完成值高出指标值较多，需复核指标值是否设定偏低",
    "BELOW": "未达到年度指标值，按完成值与指标值之比计分",
    "ABOVE": "超出年度指标值（反向指标），按偏离程度扣分",
    "ZERO_TARGET_MISSED": "年度指标值为0而未达到，得0分",
    "QUAL_IN_BAND": "定性指标，评分在所评档次的区间内",
    "QUAL_INFERRED": "定性指标未写评价等级，评分在 0 至分值之间，按评价人员的评分计分，档次由评分推定",
    "QUAL_OUT_OF_BAND": "定性指标评分超出所评档次的分值区间",
}


class Target(RuleBase):
    kind: Literal["target"]
    op: str = "运算符"
    target: str = "年度指标值"
    actual: str = "实际完成值"
    points: str = "分值"
    overshoot: float = 0.5

    def max_points(self) -> float:
        return float("nan")  # the row's own 分值; checked per form, not per framework

    def _refs(self) -> tuple[E.Ref, E.Ref, E.Ref, E.Ref]:
        return E.Ref(self.op), E.Ref(self.target), E.Ref(self.actual), E.Ref(self.points)

    def _is(self, *ops: str) -> E.Node:
        return E.any_of(*(E.cmp("==", E.Ref(self.op), E.const(o)) for o in ops))

    def met(self) -> E.Node:
        _, t, a, _ = self._refs()
        return E.any_of(
            E.all_of(self._is("≥"), E.cmp(">=", a, t)),
            E.all_of(self._is(">"), E.cmp(">", a, t)),
            E.all_of(self._is("≤"), E.cmp("<=", a, t)),
            E.all_of(self._is("<"), E.cmp("<", a, t)),
            E.all_of(self._is("="), E.cmp("==", a, t)),
        )

    def under(self) -> E.Node:
        """Not met on the low side: a positive row short of its target, or an '=' row below it."""
        _, t, a, _ = self._refs()
        return E.any_of(self._is(*POSITIVE), E.all_of(self._is("="), E.cmp("<", a, t)))

    def lower(self) -> E.Node:
        _, t, a, w = self._refs()
        zero = E.const(0.0)
        ratio = E.mul(E.lesser(E.div(a, t), E.const(1.0)), w)
        penalty = E.mul(E.greater(zero, E.sub(E.const(1.0), E.div(E.sub(a, t), t))), w)
        # 0 × 分值 rather than 0: a row without its 分值 is not scorable on any branch.
        return E.where(
            self.met(), w,
            E.where(E.cmp("==", t, zero), E.mul(w, zero),
                    E.where(self.under(), E.greater(zero, ratio), penalty)))

    def code(self) -> E.Node:
        return once(self, "code", self._code)

    def _code(self) -> E.Node:
        _, t, a, _ = self._refs()
        over = E.all_of(self._is(*POSITIVE), E.cmp(">", t, E.const(0.0)),
                        E.cmp(">", a, E.mul(t, E.const(1.0 + self.overshoot))))
        return E.where(
            self.met(), E.where(over, E.const("OVERSHOOT"), E.const("MET")),
            E.where(E.cmp("==", t, E.const(0.0)), E.const("ZERO_TARGET_MISSED"),
                    E.where(self.under(), E.const("BELOW"), E.const("ABOVE"))))

    def check(self, ctx: CheckContext) -> None:
        ctx.fact(self.op, ["level"], "运算符")
        for f in (self.target, self.actual, self.points):
            ctx.fact(f, ["number", "money", "count", "rate"], "定量指标")

    def explain(self, ev: Evaluator) -> list[Step]:
        w = E.number(ev(E.Ref(self.points)))
        won = E.number(ev(self.lower()))
        code = E.text(ev(self.code()))
        op = E.text(ev(E.Ref(self.op)))
        t, a = E.number(ev(E.Ref(self.target))), E.number(ev(E.Ref(self.actual)))
        shown_t, shown_a = ev.show(E.Ref(self.target), t), ev.show(E.Ref(self.actual), a)
        head = f"指标值 {op}{shown_t}，完成值 {shown_a}"
        if code == "BELOW":
            head += f"，完成比例 {_share(a / t)}"
        elif code == "ABOVE":
            head += f"，超出指标值 {fmt_pct((a - t) / t)}"
        if code in MISSED:
            # The comparison that failed, always true as written: 未达到（20,740 < 20,741）.
            rel = MISSED_BY[op] if op != "=" else ("<" if a < t else ">")
            verdict = f"未达到（{_plain(ev, self.actual, a)} {rel} {_plain(ev, self.target, t)}），{MISSED[code]}"
        else:
            verdict = CODES[code]
        return [Step(f"{head}：{verdict}，{won_text(won, w)}", w, won)]


# How a missed row's actual stands to its target, by operator, and what follows from it.
MISSED_BY = {"≥": "<", ">": "≤", "≤": ">", "<": "≥"}
MISSED = {"BELOW": "按完成值与指标值之比计分", "ABOVE": "按超出指标值的程度扣分", "ZERO_TARGET_MISSED": "指标值为0，无从按比例计分"}


def _share(ratio: float) -> str:
    """完成比例 that never reads 100.00% for a missed target (20,740 ÷ 20,741 is 99.995%)."""
    text = fmt_pct(min(ratio, 1.0))
    digits = 2
    while ratio < 1.0 and text.startswith("100") and digits < 8:
        digits += 1
        text = f"{int(ratio * 10 ** (digits + 2)) / 10 ** digits:.{digits}f}%"
    return text


def _plain(ev: Evaluator, name: str, v: float) -> str:
    """A number as the row writes it, without its unit, with thousands separators."""
    text = ev.show(E.Ref(name), v)
    unit = getattr(ev, "unit", "")
    return text[: -len(unit)] if unit and text.endswith(unit) else text


class Qualitative(RuleBase):
    kind: Literal["qualitative"]
    grade: str = "评价等级"
    score: str = "自评得分"
    points: str = "分值"

    def max_points(self) -> float:
        return float("nan")

    def in_band(self) -> E.Node:
        s, w = E.Ref(self.score), E.Ref(self.points)
        tests = []
        def edge(f: float) -> E.Node:
            return E.sub(E.mul(w, E.const(f)), E.const(EDGE))

        for grade, (lo, hi) in BANDS.items():
            upper = E.cmp("<=", s, w) if hi == 1.0 else E.cmp("<", s, edge(hi))
            lower = E.cmp(">=", s, edge(lo)) if lo > 0 else E.cmp(">=", s, E.const(0.0))
            tests.append(E.all_of(E.cmp("==", E.Ref(self.grade), E.const(grade)), lower, upper))
        return E.any_of(*tests)

    def graded(self) -> E.Node:
        return E.Call("present", (E.Ref(self.grade),))

    def within_points(self) -> E.Node:
        """0 ≤ 得分 ≤ 分值: the one check an ungraded score must pass."""
        s, w = E.Ref(self.score), E.Ref(self.points)
        return E.all_of(E.cmp(">=", s, E.const(0.0)), E.cmp("<=", s, w))

    def lower(self) -> E.Node:
        out = E.Fail("QUAL_OUT_OF_BAND")
        return E.where(self.graded(), E.where(self.in_band(), E.Ref(self.score), out),
                       E.where(self.within_points(), E.Ref(self.score), out))

    def code(self) -> E.Node:
        return once(self, "code", self._code)

    def _code(self) -> E.Node:
        out = E.const("QUAL_OUT_OF_BAND")
        return E.where(self.graded(), E.where(self.in_band(), E.const("QUAL_IN_BAND"), out),
                       E.where(self.within_points(), E.const("QUAL_INFERRED"), out))

    @staticmethod
    def band_of(score: float, points: float) -> str:
        """The grade whose band holds a score (lower edges less EDGE, as in :meth:`in_band`)."""
        for grade, (lo, _) in BANDS.items():
            if score >= points * lo - EDGE:
                return grade
        return GRADES[-1]

    def check(self, ctx: CheckContext) -> None:
        ctx.fact(self.grade, ["level"], "定性评价等级")
        ctx.fact(self.score, ["score", "number"], "定性评分")

    def explain(self, ev: Evaluator) -> list[Step]:
        w = E.number(ev(E.Ref(self.points)))
        won = ev(self.lower())
        grade = ev(E.Ref(self.grade))
        stated = ev(E.Ref(self.score))  # present: a row without a score is not scorable, and not explained
        if isinstance(grade, E.Missing):
            if isinstance(won, E.Missing):
                return [Step(f"定性评价未写评价等级，评分 {fmt_points(E.number(stated))} 分不在 0–{fmt_points(w)} 分之内", w, 0.0)]
            band = self.band_of(float(won), w)
            lo, hi = BANDS[band]
            return [Step(f"定性评价未写评价等级，按评价人员的评分计分；评分落在“{band}”档（{fmt_points(w * lo)}–"
                         f"{fmt_points(w * hi)} 分），{won_text(float(won), w)}", w, float(won))]
        lo, hi = BANDS.get(E.text(grade), (0.0, 1.0))
        band = f"{fmt_points(w * lo)}–{fmt_points(w * hi)} 分"
        if isinstance(won, E.Missing):
            return [Step(f"定性评价“{grade}”，评分 {fmt_points(E.number(stated))} 分不在该档区间（{band}）内", w, 0.0)]
        return [Step(f"定性评价“{grade}”（区间 {band}），{won_text(float(won), w)}", w, float(won))]
