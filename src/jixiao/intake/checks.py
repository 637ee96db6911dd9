"""Warnings for values that are legal but suspicious (``W-IN-*``), found once on intake.

* A rate the case states (``stated:``) is recomputed from the raw figures with the formula the
  framework's own rule uses (a ``rate``, ``tiers`` or ``deduct_over`` rule's ``label``; a
  ``pace`` rule's 全年平均执行率; a ``rate`` fact by name). Raw figures are rounded (7.48 万元
  may be anything in [7.475, 7.485)), so the rate they allow is an interval; a stated rate more
  than 0.01 percentage points outside that interval is flagged. The seed states 三公经费控制率
  61.74% while 7.48 ÷ 12.12 = 61.72%; the interval is 61.65%–61.78%, so it passes.
* A quarterly execution rate (a ``pace`` rule's input) above 300%.
* The checks a ``workbook.yaml`` declares, such as an in-year adjustment above 50%.
* A ratio whose denominator is zero: that indicator will not be scorable.

>>> iv = {"a": (7.475, 7.485), "b": (12.115, 12.125)}
>>> lo, hi = interval(E.parse("a / b"), iv)
>>> round(lo * 100, 2), round(hi * 100, 2)
(61.65, 61.78)
"""

from __future__ import annotations

import unicodedata

from jixiao.core import expr as E
from jixiao.core.engine import environment
from jixiao.core.errors import Problem
from jixiao.core.facts import Case
from jixiao.core.model import Framework
from jixiao.core.numbers import fmt_pct
from jixiao.core.rules.base import compiled, each_rule

TOLERANCE = 0.0001  # 0.01 percentage points
PACE_HIGH = 3.0  # 300%
PACE_AVERAGE = "全年平均执行率"  # the pace rule's own name for Σ quarterly rates ÷ 4
_QUOTES = "“”‘’\"'「」『』《》 \u3000"


def normalise(name: str) -> str:
    """Rate names compare without quotes or spaces: “三公”经费控制率 = 三公经费控制率."""
    text = unicodedata.normalize("NFKC", str(name))
    return "".join(ch for ch in text if ch not in _QUOTES)


def formulas(fw: Framework) -> dict[str, tuple[str, E.Node]]:
    """Every rate a case may state, by normalised name: (the framework's label, its formula)."""
    out: dict[str, tuple[str, E.Node]] = {}
    for leaf in fw.leaves():
        for rule in each_rule(leaf.rule):
            kind = getattr(rule, "kind", "")
            if kind == "rate":
                out.setdefault(normalise(rule.label), (rule.label, rule.ratio()))
            elif kind in ("tiers", "deduct_over"):
                out.setdefault(normalise(rule.label), (rule.label, E.parse(rule.value)))
            elif kind == "pace":
                out.setdefault(normalise(PACE_AVERAGE), (PACE_AVERAGE, rule.average()))
    for name, spec in fw.facts.items():
        if spec.type == "rate":
            out.setdefault(normalise(name), (name, E.Ref(name)))
    return out


def interval(node: E.Node, iv: dict[str, tuple[float, float]]) -> tuple[float, float] | None:
    """The range of a numeric expression when each input lies in its range; None if unbounded."""
    if isinstance(node, E.Const):
        v = node.value
        return (float(v), float(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    if isinstance(node, E.Ref):
        return iv.get(node.name)
    if isinstance(node, E.Unary) and node.op == "-":
        a = interval(node.operand, iv)
        return (-a[1], -a[0]) if a else None
    if isinstance(node, E.Binary):
        a, b = interval(node.left, iv), interval(node.right, iv)
        if a is None or b is None:
            return None
        if node.op == "+":
            return a[0] + b[0], a[1] + b[1]
        if node.op == "-":
            return a[0] - b[1], a[1] - b[0]
        if node.op == "/":
            if b[0] <= 0 <= b[1]:
                return None
            b = (1 / b[1], 1 / b[0])
        corners = [x * y for x in a for y in b]
        return min(corners), max(corners)
    if isinstance(node, E.Call) and node.fn in ("abs", "min", "max"):
        parts = [interval(a, iv) for a in node.args]
        if any(p is None for p in parts):
            return None
        if node.fn == "abs":
            lo, hi = parts[0]
            return (lo, hi) if lo >= 0 else (-hi, -lo) if hi <= 0 else (0.0, max(-lo, hi))
        pick = min if node.fn == "min" else max
        return pick(p[0] for p in parts), pick(p[1] for p in parts)
    return None


def warnings_for(fw: Framework, case: Case, reading, checks) -> list[Problem]:
    """Every warning for a bound case; ``reading`` holds the exact inputs and their rounding."""
    env = environment(fw, case)
    iv: dict[str, tuple[float, float]] = {}
    for name, value in env.items():
        if isinstance(value, float):
            err = float(reading.exact[name][1]) if name in reading.exact else 0.0
            iv[name] = (value - err, value + err)
    out: list[Problem] = []
    out += _stated(fw, case, reading, env, iv)
    out += _pace(fw, case, env)
    out += _declared(fw, case, env, checks)
    out += _zero(fw, case, env)
    return out


def _place(case: Case, node: E.Node) -> str:
    for name in sorted(E.names(node)):
        given = case.facts.get(name)
        if given is not None and given.where:
            return given.where
    return case.source


def _stated(fw, case, reading, env, iv) -> list[Problem]:
    known = formulas(fw)
    out = []
    for name, (value, _ulp, where) in reading.stated.items():
        found = known.get(normalise(name))
        if found is None:
            names = "、".join(label for label, _ in known.values())
            out.append(Problem("W-IN-STATED-UNKNOWN", f"报告所述比率“{name}”在指标体系中找不到对应的计算式，未核对；可核对的比率：{names}", where))
            continue
        label, formula = found
        point = E.evaluate(formula, env)
        span = interval(formula, iv)
        if isinstance(point, E.Missing) or span is None:
            why = "分母为 0" if isinstance(point, E.Missing) and point.reason.startswith("ZERO") else "缺少计算所需的数据"
            out.append(Problem("W-IN-STATED-UNCHECKED", f"报告所述{label} {fmt_pct(float(value))} 未能核对：{why}", where))
            continue
        stated = float(value)
        gap = max(span[0] - stated, stated - span[1], 0.0)
        if gap > TOLERANCE + 1e-12:
            shown = E.render(formula)
            out.append(Problem(
                "W-IN-STATED-MISMATCH",
                f"报告所述{label} {fmt_pct(stated)} 与原始数据算得的 {fmt_pct(float(point))}（{shown}；"
                f"按输入数据的舍入，可能范围 {fmt_pct(span[0], 3)}–{fmt_pct(span[1], 3)}）相差超过 0.01 个百分点；请核对报告文字或原始数据",
                where))
    return out


def _pace(fw, case, env) -> list[Problem]:
    out, seen = [], set()
    for leaf in fw.leaves():
        for rule in each_rule(leaf.rule):
            if getattr(rule, "kind", "") != "pace":
                continue
            for source in rule.rates:
                formula = E.parse(source)
                value = E.evaluate(formula, env)
                if source in seen or not isinstance(value, float) or value <= PACE_HIGH:
                    continue
                seen.add(source)
                out.append(Problem("W-IN-PACE-HIGH", f"{source} 为 {fmt_pct(value)}，高于 {PACE_HIGH:.0%}；执行率 = 累计支出进度 ÷ 序时进度，请核对是否多乘了 100 或填错了季度",
                                   _place(case, formula), leaf.name))
    return out


def _declared(fw, case, env, checks) -> list[Problem]:
    known = formulas(fw)
    out = []
    for check in checks:
        found = known.get(normalise(check.value))
        if found is not None:
            label, formula = found
        else:
            try:
                formula, label = E.parse(check.value), check.value
            except E.ExpressionError:
                continue
            if any(n not in fw.facts for n in E.names(formula)):
                continue  # a default check that this framework has no figures for
        value = E.evaluate(formula, env)
        if isinstance(value, float) and value > check.above:
            out.append(Problem(check.code, f"{label} {fmt_pct(value)}：{check.says}", _place(case, formula)))
    return out


def _zero(fw, case, env) -> list[Problem]:
    out = []
    for leaf in fw.leaves():
        value = compiled(leaf.rule)(env)
        if isinstance(value, E.Missing) and value.reason.startswith("ZERO:"):
            what = value.reason[5:]
            place = next((case.facts[n].where for n in case.facts if n == what and case.facts[n].where), "")
            if not place:
                place = next((g.where for n, g in case.facts.items() if n in what and g.where), case.source)
            out.append(Problem("W-IN-ZERO-DENOMINATOR", f"{what} 为 0，比率无法计算，该指标将无法评分；请核实数据，或由评价人员说明处理办法",
                               place, leaf.name))
    return out

