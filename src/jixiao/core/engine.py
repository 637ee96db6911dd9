"""The traced engine: score one case against a framework, explaining every point.

``evaluate(framework, case)`` is pure: it reads no file and writes nothing. Each leaf's rule is
lowered to one expression tree (the same tree a batch engine compiles to columns) and walked
with the case's facts; the rule then writes its Chinese trace from the values of that walk.
Parents add up their children. An indicator that cannot be computed (a zero denominator, a
missing optional fact) is marked ``not_scorable`` with the reason, never scored 0 or full.
"""

from __future__ import annotations

from jixiao.core import expr as E
from jixiao.core.evaluation import Evaluation, FactValue, IndicatorResult, Status
from jixiao.core.facts import Case, Fact, FactSpec, Judgement
from jixiao.core.model import WEIGHT_TOLERANCE, Framework, Indicator
from jixiao.core.numbers import fmt_amount, fmt_count, fmt_pct, round_half_up
from jixiao.core.reasons import reason_text
from jixiao.core.rules.base import RuleBase, compiled, once


def environment(fw: Framework, case: Case) -> dict[str, E.Value]:
    """Fact values as the expression language reads them.

    A judgement becomes the points its criterion awards; a count declared ``count_of`` a list is
    counted from the list when the case gives the list; an absent fact is ``Missing``.
    """
    points = fw.judgement_points()
    env: dict[str, E.Value] = {}
    for name, spec in fw.facts.items():
        given = case.facts.get(name)
        if isinstance(given, Judgement):
            env[name] = float(given.awarded(points.get(name, 0.0)))
        elif isinstance(given, Fact):
            v = given.value
            env[name] = float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
        elif spec.count_of and spec.count_of in case.lists:
            items = case.lists[spec.count_of]
            # An item whose yes/no field is blank cannot be counted either way: say so, never guess.
            blank = next((f for f in (spec.where, spec.where_not) if f and any(i.get(f) is None for i in items)), "")
            env[name] = E.Missing(f"MISSING:{spec.count_of}.{blank}") if blank else float(count(items, spec))
        else:
            env[name] = E.Missing(f"MISSING:{name}")
    return env


def count(items: list[dict], spec: FactSpec) -> int:
    return sum(
        1
        for item in items
        if (not spec.where or item.get(spec.where) is True) and (not spec.where_not or item.get(spec.where_not) is False)
    )


class CaseEvaluator:
    """Evaluates expression trees for one case, and shows values the way a trace writes them."""

    def __init__(self, fw: Framework, case: Case, env: dict[str, E.Value]):
        self.fw, self.case, self.env = fw, case, env
        # By the tree's identity: a rule's tree is built once (rules.base.once), so its trace asks
        # for the very object the engine computed; hashing a whole tree would cost a walk of it.
        self._memo: dict[int, tuple[E.Node, E.Value]] = {}

    def __call__(self, n: E.Node) -> E.Value:
        hit = self._memo.get(id(n))
        if hit is None:
            hit = self._memo[id(n)] = (n, E.evaluate(n, self.env))  # the node kept: its id stays its own
        return hit[1]

    def score(self, rule: RuleBase) -> E.Value:
        """The rule's score for this case, by its compiled tree, remembered for its trace."""
        tree = rule.lower()
        value = compiled(rule)(self.env)
        self._memo[id(tree)] = (tree, value)
        return value

    def show(self, n: E.Node, value: E.Value | None = None) -> str:
        v = self(n) if value is None else value
        if isinstance(v, E.Missing):
            return "（缺）"
        if isinstance(v, bool):
            return "是" if v else "否"
        if isinstance(v, str):
            return v
        spec = self.fw.facts.get(n.name) if isinstance(n, E.Ref) else None
        kind = spec.type if spec else ""
        if kind == "rate":
            return fmt_pct(v)
        if kind == "count" or (kind != "money" and float(v).is_integer()):
            return fmt_count(v)
        return fmt_amount(v)

    def substitute(self, n: E.Node) -> str:
        return E.render(n, name=lambda ref: self.show(ref))

    def evidence(self, fact: str) -> str:
        given = self.case.facts.get(fact)
        return getattr(given, "evidence", "") or ""

    def label(self, fact: str) -> str:
        spec = self.fw.facts.get(fact)
        return spec.label if spec and spec.label else fact


def evaluate(fw: Framework, case: Case) -> Evaluation:
    """Score ``case`` with ``fw``: every indicator, every level, with traces."""
    env = environment(fw, case)
    ev = CaseEvaluator(fw, case, env)
    results: dict[str, IndicatorResult] = {}

    def score(ind: Indicator) -> IndicatorResult:
        if ind.children:
            kids = [score(c) for c in ind.children]
            got = [k.score for k in kids if k.score is not None]
            status: Status = "scored" if all(k.status == "scored" for k in kids) else "incomplete"
            total = _sum(got, fw.totals)
            res = IndicatorResult(ind.id, ind.name, ind.level, ind.parent, ind.weight, total, status)
        else:
            rule = ind.rule
            assert rule is not None  # validate() refuses a leaf without a rule (E-FW-RULE-MISSING)
            value = ev.score(rule)
            read = {n: _shown(case, n) for n in once(rule, "facts read", lambda: sorted(_facts_read(rule)))}
            if isinstance(value, E.Missing):
                res = IndicatorResult(ind.id, ind.name, ind.level, ind.parent, ind.weight, None, "not_scorable",
                                      reason=value.reason, reason_text=reason_text(value.reason, fw.facts), facts=read)
            else:
                value = float(value)
                if not (-WEIGHT_TOLERANCE <= value <= ind.weight + WEIGHT_TOLERANCE):
                    raise AssertionError(f"rule of {ind.id} gave {value}, outside 0..{ind.weight}")
                res = IndicatorResult(ind.id, ind.name, ind.level, ind.parent, ind.weight, value, "scored",
                                      steps=tuple(rule.explain(ev)), facts=read)
        results[ind.id] = res
        return res

    tops = [score(i) for i in fw.indicators]
    total = _sum([t.score for t in tops if t.score is not None], fw.totals)
    status: Status = "scored" if all(t.status == "scored" for t in tops) else "incomplete"
    ordered = [results[i.id] for i in fw.walk()]
    return Evaluation(
        framework=fw.id, framework_name=fw.name, edition=fw.edition, edition_hash=fw.fingerprint(),
        subject=case.subject, year=case.year, total=total, status=status,
        grade=fw.grade(total) if status == "scored" else "", indicators=tuple(ordered),
        warnings=tuple(case.warnings),  # intake's, so the record says all that was said about the case
    )


def _sum(scores: list[float], rule: str) -> float:
    """Add up children: unrounded (the seed's way), or each rounded first (a form's 总分 row)."""
    if rule == "rounded":
        # In whole cents, so that any order of addition (a batch engine's too) gives the same total.
        return sum(round(round_half_up(s) * 100) for s in scores) / 100
    return sum(scores)


def _facts_read(rule: RuleBase) -> set[str]:
    names = set(rule.judgements())
    for n in E.walk(rule.lower()):
        if isinstance(n, E.Ref):
            names.add(n.name)
    return names


def _shown(case: Case, name: str) -> FactValue:
    given = case.facts.get(name)
    if isinstance(given, Judgement):
        return given.points if given.points is not None else given.met
    if isinstance(given, Fact):
        return given.value
    return None
