"""The figures a report may print, computed from a case's facts and its evaluation.

A report template never types a number. It reads three things built here:

* ``f`` — every declared fact, shown with its unit (``f.年初预算数`` → ``21,195.00万元``);
* ``m`` — every *metric* a rule computes before scoring it, found by walking the rules: the ratio
  of a ``rate``, the value of a ``deduct_over`` or a ``tiers`` rule, the year's average of a
  ``pace`` rule (``m.资金调整率`` → ``17.31%``, with ``.threshold``, ``.over``, ``.band``);
* ``ind(名称)`` — an indicator's weight, score, points lost and the trace steps that lost them.

Metrics are evaluated from the very expression trees the rules lower to (no formula is copied),
with the engine's own fact environment, so the report's 17.31% is the engine's 17.31%.

>>> from jixiao.intake.case import load_case
>>> from jixiao.core.engine import evaluate
>>> case, fw = load_case("examples/shenzhen-sibao-2020/case.yaml")
>>> fig = Figures(fw, case, evaluate(fw, case))
>>> str(fig.f.年初预算数), str(fig.m.资金调整率), str(fig.m.资金调整率.threshold), fig.m.资金调整率.over
('21,195.00万元', '17.31%', '10%', True)
>>> str(fig.m.三公经费控制率), fig.ind("财务合规性").score, fig.ind("财务合规性").lost
('61.72%', '2.27', '0.73')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jixiao.core import expr as E
from jixiao.core.engine import environment
from jixiao.core.evaluation import Evaluation, IndicatorResult
from jixiao.core.facts import Case, Fact, FactSpec, Judgement
from jixiao.core.model import Framework
from jixiao.core.numbers import fmt_amount, fmt_bound, fmt_count, fmt_pct, fmt_points, round_half_up
from jixiao.core.rules.base import each_rule, node
from jixiao.core.rules.pace import QUARTERS, SCHEDULE

_PUNCT = re.compile(r"[“”\"'‘’（）()·\s]")
# A space between a Chinese character and a figure: the trace writes “扣 1 分”, the report “扣1分”.
_SPACING = re.compile(r"(?<=[\u4e00-\u9fff，；：（]) (?=[-−\d])|(?<=[\d%]) (?=[\u4e00-\u9fff，；。（）])")


def spaced(text: str) -> str:
    """Trace text spaced as every report file writes figures: “扣 1 分” → “扣1分”."""
    return _SPACING.sub("", text)


def plain_key(label: str) -> str:
    """A label without quotes and brackets, so ``m.三公经费控制率`` finds “三公”经费控制率."""
    return _PUNCT.sub("", label)


def pct(x: float | None) -> str:
    """A percentage for prose: two decimals, but a whole 100% or 0% without them (as the seed writes)."""
    if x is None:
        return "（缺）"
    text = fmt_pct(x)
    return text.replace(".00%", "%") if text in ("100.00%", "0.00%") else text


class Shown:
    """A value for a template: ``str()`` is the figure with its unit; falsy when it cannot be shown."""

    given: bool = True

    def __bool__(self) -> bool:
        return self.given

    def __html__(self) -> str:  # pragma: no cover - jinja's markup protocol, not used with autoescape off
        return str(self)


class FactView(Shown):
    def __init__(self, name: str, spec: FactSpec | None, given: Fact | Judgement | None, points: float = 0.0):
        self.name = name
        self.spec = spec
        self.label = (spec.label if spec and spec.label else name)
        self.unit = spec.unit if spec else ""
        self.type = spec.type if spec else ""
        self.evidence = getattr(given, "evidence", "") or ""
        self.given = given is not None
        self.value: object = None
        if isinstance(given, Judgement):
            self.value = given.awarded(points)
            self.met = given.met if given.points is None else given.points >= points - 1e-12
        elif isinstance(given, Fact):
            self.value = given.value
            self.met = bool(given.value) if isinstance(given.value, bool) else None

    @property
    def num(self) -> str:
        """The figure without its unit (``21,195.00``)."""
        v = self.value
        if not self.given or v is None:
            return "（缺）"
        if isinstance(v, bool):
            return "是" if v else "否"
        if isinstance(v, str):
            return v
        if self.type == "rate":
            return pct(v)
        if self.type == "count" or (self.type not in ("money",) and float(v).is_integer()):
            return fmt_count(v)
        return fmt_amount(v)

    def __str__(self) -> str:
        if not self.given:
            return "（缺）"
        if self.type == "judgement":
            return "达到" if self.met else "未达到"
        if self.type == "score":
            return f"{fmt_points(float(self.value))}分"
        if self.type in ("money", "count", "number") and self.unit:
            return f"{self.num}{self.unit}"
        return self.num

    def __float__(self) -> float:
        return float(self.value) if self.given and isinstance(self.value, (int, float)) else float("nan")


@dataclass
class Metric(Shown):
    """A figure a rule computes from facts before it scores it: a rate, a ratio, an average."""

    label: str
    node: E.Node
    value: float | None
    indicator: str  # the leaf indicator's id
    kind: str  # the rule kind that computes it
    as_pct: bool = True
    threshold_value: float | None = None
    band: str = ""
    reason: str = ""  # why it cannot be computed (MISSING:…, ZERO:…)

    @property
    def given(self) -> bool:  # type: ignore[override]
        return self.value is not None

    @property
    def threshold(self) -> str:
        return fmt_bound(self.threshold_value) if self.threshold_value is not None else ""

    @property
    def over(self) -> bool:
        return self.value is not None and self.threshold_value is not None and self.value > self.threshold_value

    @property
    def excess(self) -> str:
        """Percentage points beyond the threshold (7.31 for 17.31% against 10%)."""
        if not self.over:
            return "0"
        return fmt_points((self.value - self.threshold_value) * 100)

    @property
    def at_least_full(self) -> bool:
        return self.value is not None and self.value >= 1 - 1e-12

    @property
    def formula(self) -> str:
        return E.render(self.node)

    def __str__(self) -> str:
        if self.value is None:
            return "（无法计算）"
        return pct(self.value) if self.as_pct else fmt_amount(self.value)


@dataclass
class Quarter:
    name: str  # 一季度
    schedule: str  # 序时进度 25%
    rate: str
    value: float | None
    above: bool  # at or beyond the schedule


@dataclass
class IndicatorView:
    """One indicator's figures for prose: weight, score and the trace steps that lost points."""

    result: IndicatorResult
    definition: str = ""
    scoring: str = ""
    advice: object = None

    @property
    def name(self) -> str:
        return self.result.name

    @property
    def id(self) -> str:
        return self.result.id

    @property
    def weight(self) -> str:
        return fmt_points(self.result.weight)

    @property
    def score(self) -> str:
        return "—" if self.result.score is None else fmt_points(self.result.score)

    @property
    def lost(self) -> str:
        return fmt_points(self.result.lost)

    @property
    def full(self) -> bool:
        """Full marks: nothing lost."""
        return self.result.score is not None and self.result.lost < 1e-12

    @property
    def scored(self) -> bool:
        return self.result.status == "scored"

    @property
    def loss_texts(self) -> list[str]:
        """The trace steps that lost points, spaced as the report writes figures (“扣1分”)."""
        return [spaced(s.text) for s in self.result.losses]

    @property
    def trace(self) -> str:
        return self.result.trace


class _Lookup:
    """Attribute and item access for templates, with a falsy placeholder for what is absent."""

    def __init__(self, items: dict, missing):
        self._items = items
        self._missing = missing

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str):
        hit = self._items.get(name)
        if hit is None:
            hit = self._items.get(plain_key(name))
        return hit if hit is not None else self._missing(name)

    def __contains__(self, name: str) -> bool:
        return name in self._items or plain_key(name) in self._items

    def __iter__(self):
        return iter(self._items.values())


class _Absent(Shown):
    """What a template gets for a fact or metric the framework does not have: falsy, shown as
    （缺）, and any attribute of it is absent too — so a sentence about it simply drops out."""

    given = False

    def __init__(self, name: str):
        self.name = name
        self.label = name
        self.value = None
        self.evidence = ""
        self.threshold = ""
        self.band = ""
        self.over = False

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Absent(f"{self.name}.{name}")

    def __str__(self) -> str:
        return "（缺）"


@dataclass
class Figures:
    """Everything computed a report may print for one case."""

    fw: Framework
    case: Case
    ev: Evaluation
    metrics: list[Metric] = field(default_factory=list)
    quarters: list[Quarter] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.env = environment(self.fw, self.case)
        points = self.fw.judgement_points()
        facts = {name: FactView(name, spec, self.case.facts.get(name), points.get(name, 0.0))
                 for name, spec in self.fw.facts.items()}
        for name, fv in facts.items():
            # A count derived from a list (项目清单) is a fact the case did not state but the engine counted.
            if not fv.given and not isinstance(self.env.get(name), E.Missing):
                fv.given, fv.value = True, self.env[name]
        self.f = _Lookup(facts, _Absent)
        self.metrics = list(self._metrics())
        keyed: dict[str, Metric] = {}
        for mt in self.metrics:
            keyed.setdefault(mt.label, mt)
            keyed.setdefault(plain_key(mt.label), mt)
        self.m = _Lookup(keyed, _Absent)

    # -- metrics -------------------------------------------------------------------------------

    def value(self, n: E.Node) -> float | None:
        v = E.evaluate(n, self.env)
        if isinstance(v, (E.Missing, bool, str)):
            return None
        return float(v)

    def _metrics(self):
        for leaf in self.fw.leaves():
            for rule in each_rule(leaf.rule):
                yield from self._metric(leaf.id, rule)

    def _metric(self, leaf: str, rule):
        kind = rule.kind
        if kind == "rate":
            n = rule.ratio()
            yield self._make(rule.label, n, leaf, kind)
        elif kind == "deduct_over":
            n = node(rule.value)
            yield self._make(rule.label, n, leaf, kind, threshold_value=rule.threshold)
        elif kind == "tiers":
            n = node(rule.value)
            mt = self._make(rule.label, n, leaf, kind, as_pct=rule.as_pct)
            if mt.value is not None:
                hit = next((b for b in rule.bands if E.evaluate(b.test(n), self.env) is True), None)
                mt.band = hit.name(rule.as_pct, rule.label) if hit else ""
            elif rule.judged:
                level = self.env.get(rule.judged)
                mt.band = level if isinstance(level, str) else ""
            yield mt
        elif kind == "pace":
            for name, sched, r in zip(QUARTERS, SCHEDULE, rule.rates):
                v = self.value(node(r))
                self.quarters.append(Quarter(name, fmt_bound(sched), pct(v), v, v is not None and v >= 1 - 1e-12))
            yield self._make("全年平均执行率", rule.average(), leaf, kind)

    def _make(self, label: str, n: E.Node, leaf: str, kind: str, **kw) -> Metric:
        raw = E.evaluate(n, self.env)
        reason = raw.reason if isinstance(raw, E.Missing) else ""
        value = None if reason or isinstance(raw, (bool, str)) else float(raw)
        return Metric(label=label, node=n, value=value, indicator=leaf, kind=kind, reason=reason, **kw)

    # -- indicators ----------------------------------------------------------------------------

    def ind(self, id_or_name: str) -> IndicatorView:
        r = self.ev[id_or_name]
        spec = self.fw.find(r.id)
        return IndicatorView(r, spec.definition if spec else "", spec.scoring if spec else "",
                             spec.advice if spec else None)

    def losses(self) -> list[IndicatorView]:
        """Leaves that lost points, largest loss first (ties in the framework's order)."""
        return [self.ind(r.id) for r in self.ev.losses()]

    @property
    def total(self) -> str:
        return f"{round_half_up(self.ev.total):.2f}"
