"""What every rule kind shares: its parsed expressions, its lowering, and how a trace is written.

A rule kind does three things, and only these:

* ``lower()`` turns the rule into one expression tree (:mod:`jixiao.core.expr`) whose value is the
  score. The traced engine walks that tree for one case; the batch engines compile the very same
  tree to columns. There is no second copy of any formula.
* ``explain(ev)`` writes the Chinese trace for one case from the values of the tree's parts,
  as :class:`Step` records: what was checked, the points available and the points won.
* ``check(ctx)`` finds what the schema cannot: undeclared facts, bands with gaps, and so on.
"""

from __future__ import annotations

import functools
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Protocol, TypeVar, cast

from pydantic import BaseModel, BeforeValidator, ConfigDict, computed_field, field_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from jixiao.core import expr as E
from jixiao.core.errors import Problems
from jixiao.core.facts import FactSpec

T = TypeVar("T")


@lru_cache(maxsize=4096)
def node(source: str) -> E.Node:
    """The parsed tree of an expression (cached: frameworks are parsed once)."""
    return E.parse(source)


def _expression(v: Any) -> str:
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        raise ValueError(f"应为表达式（文字），实际为 {type(v).__name__}")
    try:
        node(str(v))
    except E.ExpressionError as exc:
        raise ValueError(str(exc)) from None
    return str(v)


# The kind of value each fact type gives an expression. A judgement is refused in expressions (it is
# worth the points of its checklist criterion only); it is typed here so one error is reported, not two.
VALUE_KIND = {"money": E.NUMBER, "number": E.NUMBER, "count": E.NUMBER, "rate": E.NUMBER, "score": E.NUMBER,
              "judgement": "", "flag": E.BOOL, "level": E.TEXT, "text": E.TEXT}

Expr = Annotated[str, BeforeValidator(_expression)]
"""A metric expression in a framework file; checked when the file is loaded."""


@pydantic_dataclass(frozen=True)
class Step:
    """One line of a trace: what was found, and the points it is worth, won and lost (a record field)."""

    text: str
    available: float
    won: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def lost(self) -> float:
        return max(0.0, self.available - self.won)


class Evaluator(Protocol):
    """What ``explain`` may ask of the engine for one case."""

    def __call__(self, n: E.Node) -> E.Value: ...

    def show(self, n: E.Node, value: E.Value | None = None) -> str: ...

    def substitute(self, n: E.Node) -> str: ...

    def evidence(self, fact: str) -> str: ...

    def label(self, fact: str) -> str: ...


@dataclass
class CheckContext:
    """What ``check`` needs: the declared facts, the place to report, and the problem list."""

    facts: dict[str, FactSpec]
    problems: Problems
    where: str
    indicator: str

    def error(self, code: str, message: str) -> None:
        self.problems.add(code, message, self.where, self.indicator)

    def expression(self, source: str, what: str, types: Iterable[str] | None = None, want: str = "") -> None:
        """Every fact an expression names must be declared (and, optionally, of given types); each
        value must be of the kind its place needs, and the whole of kind ``want`` (a number, yes/no)."""
        allowed = set(types) if types else None
        tree = node(source)
        for name in sorted(E.names(tree)):
            spec = self.facts.get(name)
            if spec is None:
                self.error("E-FW-FACT-UNDECLARED", f"{what}“{source}”用到的事实“{name}”未在 facts 中声明，请先声明（label、type、unit）")
            elif spec.type == "judgement":
                # A judgement is worth the points of the criterion that names it; read elsewhere it has none.
                self.error("E-FW-FACT-TYPE", f"{what}“{source}”中的“{name}”是评价判断（judgement），只能作为 checklist 标准的 fact；"
                                             "表达式中请改用 flag（是/否）类型的事实")
            elif allowed is not None and spec.type not in allowed:
                self.error("E-FW-FACT-TYPE", f"{what}中的“{name}”类型为 {spec.type}，此处需要 {'/'.join(sorted(allowed))}")
        kinds = {name: VALUE_KIND[spec.type] for name, spec in self.facts.items()}
        got, problems = E.kind_of(tree, kinds)
        for message in problems:
            self.error("E-FW-EXPR-TYPE", f"{what}{message}")
        if want and got and got != want:
            self.error("E-FW-EXPR-TYPE", f"{what}“{source}”的结果是{got}，此处需要{want}")

    def fact(self, name: str, types: Iterable[str], what: str) -> None:
        spec = self.facts.get(name)
        if spec is None:
            self.error("E-FW-FACT-UNDECLARED", f"{what}用到的事实“{name}”未在 facts 中声明，请先声明")
        elif spec.type not in set(types):
            self.error("E-FW-FACT-TYPE", f"{what}“{name}”的类型应为 {'/'.join(types)}，实际为 {spec.type}")


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    return True


class Finite(BaseModel):
    """A framework model whose numbers are all finite: ``.inf`` or ``.nan`` in a weight, points or a
    bound would slip past every check that compares numbers, so it is refused where it is written."""

    @field_validator("*")
    @classmethod
    def _no_inf_nan(cls, value: Any) -> Any:
        if not _finite(value):
            raise ValueError("应为有限的数字，不能是无穷大（.inf）或非数（.nan）")
        return value


_ONCE: dict[tuple[int, str], tuple[Any, Any]] = {}


def once(rule: Any, key: str, build: Callable[[], T]) -> T:
    """What ``build`` makes for ``rule`` (a tree, its compiled function, the facts it reads),
    made once: the same object every time it is asked for. A rule is frozen, so what is made
    from it never changes; and an engine that has computed a tree can hand ``explain`` its value
    by the tree's identity instead of building and walking it again for every case and line.

    Kept by the rule's identity (the entry holds the rule, so the identity is never reused) and
    not on the rule itself: a pydantic model compares its private attributes, and a rule whose
    trees were built must still equal one whose were not."""
    hit = _ONCE.get((id(rule), key))
    if hit is not None:
        return cast(T, hit[1])
    if len(_ONCE) > 8192:  # frameworks are read again when their files change; old rules go
        _ONCE.clear()
    made = build()
    _ONCE[(id(rule), key)] = (rule, made)
    return made


def compiled(rule: Any) -> E.Compiled:
    """The rule's score as a compiled function of a case's facts, made once per rule."""
    return once(rule, "compiled", lambda: E.compile_tree(rule.lower()))


def _lowered_once(lower: Callable[[Any], E.Node]) -> Callable[[Any], E.Node]:
    @functools.wraps(lower)
    def lowered(self: Any) -> E.Node:
        return once(self, "lower", lambda: lower(self))
    return lowered


class RuleBase(Finite, ABC):
    """Every rule kind defines the three abstract methods; the base is never used alone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # Every kind's tree is built once per rule (see ``once``): the engines and the traces
        # then share one object, whatever the kind.
        super().__pydantic_init_subclass__(**kwargs)
        if "lower" in cls.__dict__ and not getattr(cls.__dict__["lower"], "__isabstractmethod__", False):
            cls.lower = _lowered_once(cls.__dict__["lower"])  # type: ignore[method-assign,assignment]

    @abstractmethod
    def max_points(self) -> float:
        """The most points the rule can award (NaN where the row's own 分值 decides)."""

    @abstractmethod
    def lower(self) -> E.Node:
        """The score as one expression tree, shared by the traced and the batch engines."""

    @abstractmethod
    def explain(self, ev: Evaluator) -> list[Step]:
        """The Chinese trace of one case, from the values of the tree's parts."""

    def check(self, ctx: CheckContext) -> None:
        return None

    def judgements(self) -> dict[str, float]:
        """Judgement facts this rule reads, with the points each criterion is worth."""
        return {}

    def subrules(self) -> list["RuleBase"]:
        return []


def each_rule(rule: "RuleBase | None") -> Iterator["RuleBase"]:
    """A rule and every rule inside it (the parts of a sum, the rule a veto guards), outer first."""
    if rule is None:
        return
    yield rule
    for sub in rule.subrules():
        yield from each_rule(sub)


def points_text(x: float) -> str:
    from jixiao.core.numbers import fmt_points

    return fmt_points(x)


def won_text(won: float, available: float) -> str:
    """'得 1 分' or '扣 0.73 分，得 0.27 分'; a loss that rounds to nothing is not shown as '扣 0 分'."""
    from jixiao.core.numbers import round_half_up

    if won >= available - 1e-12 or round_half_up(won) >= round_half_up(available):
        return f"得 {points_text(won)} 分"
    return f"扣 {points_text(available - won)} 分，得 {points_text(won)} 分"


Lowering = Callable[[], E.Node]


# The engine, the trace and the batch compilers walk a rule's tree recursively; Python allows about
# 1,000 nested calls, and a walk takes up to three per level. A rule whose tree is deeper than this
# (a checklist of 300 criteria, tiers of 1,000 bands, a sum of 1,600 parts) is refused when the
# framework is checked, so ``score`` never meets a rule it cannot evaluate.
RULE_DEPTH = 150


def depth(root: E.Node) -> int:
    """How deep an expression tree is, measured without recursion."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        n, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > 10 * RULE_DEPTH:
            break  # deep enough to refuse; no need to measure further
        for value in vars(n).values():
            if isinstance(value, tuple):
                stack.extend((v, d + 1) for v in value if hasattr(v, "__dataclass_fields__"))
            elif hasattr(value, "__dataclass_fields__"):
                stack.append((value, d + 1))
    return deepest


def finite(value: E.Node, score: E.Node, label: str) -> E.Node:
    """``score``, or not scorable when ``value`` overflows: ``v - v == 0`` is false exactly for
    infinities and NaN, which otherwise compare false everywhere and fall into full marks."""
    return E.where(E.cmp("==", E.sub(value, value), E.const(0.0)), score,
                   E.Fail(f"{label}的计算结果超出可表示的范围（溢出），本指标无法评分；请核对数据"))
