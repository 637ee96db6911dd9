"""An indicator framework (指标体系): a tree of weighted indicators whose leaves carry rules.

The schema is English; the content is the source's Chinese, quoted verbatim (``definition`` is the
指标说明, ``scoring`` the 评分标准), so a report can print it and a reader can check the rule
against it. :func:`validate` finds everything the schema cannot and returns it all at once.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PrivateAttr

from jixiao.core.errors import Problems
from jixiao.core.facts import FactSpec, ListSpec
from jixiao.core.numbers import round_half_up
from jixiao.core.rules import CheckContext, Rule
from jixiao.core.rules.base import Finite, each_rule, once
from jixiao.core.rules.expert import Expert

WEIGHT_TOLERANCE = 1e-9
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def normal_name(name: object) -> str:
    """A name as a reader sees it: NFKC (full-width ｘ is x), zero-width characters removed, trimmed.
    Python's parser reads an expression's ``ｘ`` as ``x`` too, so names are compared this way."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(name))).strip()


def _shown(name: object) -> str:
    text = str(name)
    visible = "".join(f"\\u{ord(c):04x}" if _INVISIBLE.match(c) else c for c in text)
    ends = "（首尾有空格）" if text != text.strip() else ""
    return f"“{visible}”{ends}"


def _clashes(items: Iterable[tuple[str, str, str]], what: str, problems: Problems) -> None:
    """``items``: (name, place, indicator) in file order; the second of two look-alikes is reported."""
    first: dict[str, str] = {}
    for name, at, indicator in items:
        key = normal_name(name)
        if key in first and first[key] != name:
            problems.add("E-FW-NAME-CLASH", f"{what} {_shown(first[key])} 与 {_shown(name)} 看起来相同（全角/半角、空格或不可见字符之差）；"
                         "请统一写法，只保留一个", at, indicator)
        first.setdefault(key, name)


class Advice(BaseModel):
    """How a report words a loss on this indicator: the problem and the measure that answers it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    problem: str
    measure: str
    detail: str = ""  # the measure's paragraph; may use {figures} the report fills in


class Indicator(Finite):
    model_config = ConfigDict(extra="forbid")

    name: str
    key: str = ""  # the id segment when the name is long; defaults to the name
    weight: PositiveFloat
    definition: str = ""
    scoring: str = ""
    rule: Rule | None = None
    advice: Advice | None = None
    children: list[Indicator] = Field(default_factory=list)

    # Set when the framework is built: the dotted id, the level (1 = 一级) and the parent's id.
    _id: str = PrivateAttr("")
    _level: int = PrivateAttr(0)
    _parent: str = PrivateAttr("")
    _path: tuple = PrivateAttr(())

    @property
    def id(self) -> str:
        return self._id

    @property
    def level(self) -> int:
        return self._level

    @property
    def parent(self) -> str:
        return self._parent

    @property
    def path(self) -> tuple:
        """Where this indicator sits in the file, for error messages: ('indicators', 0, 'children', 1)."""
        return self._path


class GradeBand(Finite):
    model_config = ConfigDict(extra="forbid", frozen=True)

    grade: str
    at_least: float


def grade_of(bands: "list[GradeBand]", total: float) -> str:
    """The grade of a total as it is shown (two decimals, 四舍五入): bands from the top, lower bounds inclusive.

    A report prints the total rounded; the grade must agree with what it prints, so 89.995 shows
    90.00 and is 优, never "90.00分，评价等级为良".

    >>> bands = [GradeBand(grade="优", at_least=90), GradeBand(grade="良", at_least=80), GradeBand(grade="差", at_least=0)]
    >>> grade_of(bands, 89.995), grade_of(bands, 89.994999), grade_of(bands, 79.99)
    ('优', '良', '差')
    """
    shown = round_half_up(total)
    for band in sorted(bands, key=lambda g: -g.at_least):
        if shown >= band.at_least - WEIGHT_TOLERANCE:
            return band.grade
    return ""


def content_hash(model: BaseModel) -> str:
    """The SHA-256 of a resolved framework of any kind, as canonical JSON (recorded in every evaluation)."""
    canonical = json.dumps(model.model_dump(mode="json", by_alias=True), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Framework(Finite):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    edition: str
    source: str = ""
    checked: str = ""  # when the text was last checked against the source
    total: PositiveFloat = 100
    levels: int = 3
    totals: Literal["unrounded", "rounded"] = "unrounded"
    grades: list[GradeBand] = Field(default_factory=list)
    facts: dict[str, FactSpec]
    lists: dict[str, ListSpec] = Field(default_factory=dict)
    indicators: list[Indicator]
    notes: str = ""

    def model_post_init(self, _context: object) -> None:
        def assign(items: list[Indicator], parent: Indicator | None, path: tuple) -> None:
            for i, ind in enumerate(items):
                ind._path = path + (i,)
                ind._level = 1 if parent is None else parent.level + 1
                ind._parent = parent.id if parent else ""
                ind._id = f"{parent.id}.{ind.key or ind.name}" if parent else (ind.key or ind.name)
                assign(ind.children, ind, ind._path + ("children",))

        assign(self.indicators, None, ("indicators",))

    def walk(self) -> Iterator[Indicator]:
        """Every indicator, parents before children, in the file's order."""

        def visit(items: list[Indicator]) -> Iterator[Indicator]:
            for ind in items:
                yield ind
                yield from visit(ind.children)

        return visit(self.indicators)

    def leaves(self) -> list[Indicator]:
        # Listed once per framework (it is not changed once read): binding, checking and scoring a
        # case ask for the leaves several times each.
        return list(once(self, "leaves", lambda: [i for i in self.walk() if not i.children]))

    def find(self, id_or_name: str) -> Indicator | None:
        return next((i for i in self.walk() if id_or_name in (i.id, i.name)), None)

    def fingerprint(self) -> str:
        """A hash of the resolved framework, recorded in every evaluation made with it."""
        return content_hash(self)

    def judgement_points(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for leaf in self.leaves():
            if leaf.rule is not None:
                out.update(leaf.rule.judgements())
        return out

    def grade(self, total: float) -> str:
        return grade_of(self.grades, total)

    def expert_points(self) -> dict[str, float]:
        """Score facts and the points they are out of (a score below it needs a justification)."""
        out: dict[str, float] = {}
        for leaf in self.leaves():
            for rule in each_rule(leaf.rule):
                if isinstance(rule, Expert):
                    out[rule.fact] = rule.points
        return out


def validate(fw: Framework, where: Callable[[tuple], str] = lambda path: "") -> Problems:
    """Every problem in a framework that its schema cannot see. ``where(path)`` names the place."""
    problems = Problems()
    seen: dict[str, Indicator] = {}
    judged: dict[str, str] = {}

    top = sum(i.weight for i in fw.indicators)
    if not math.isclose(top, fw.total, abs_tol=WEIGHT_TOLERANCE):
        problems.add("E-FW-WEIGHT-SUM", f"一级指标分值合计 {top:g}，应等于总分 {fw.total:g}", where(("indicators",)))

    for ind in fw.walk():
        at = where(ind.path)
        if ind.id in seen:
            problems.add("E-FW-ID-DUP", f"指标编号“{ind.id}”重复，请用 key 区分", at, ind.name)
        seen[ind.id] = ind
        if ind.children:
            total = sum(c.weight for c in ind.children)
            if not math.isclose(total, ind.weight, abs_tol=WEIGHT_TOLERANCE):
                parts = " + ".join(f"{c.name} {c.weight:g}" for c in ind.children)
                problems.add("E-FW-WEIGHT-SUM", f"下级指标分值合计 {total:g}（{parts}），应等于本级分值 {ind.weight:g}", at, ind.name)
            if ind.rule is not None:
                problems.add("E-FW-RULE-ON-PARENT", "有下级指标的指标不应有 rule，得分由下级合计", at, ind.name)
            continue
        if ind.level != fw.levels:
            problems.add("E-FW-LEVELS", f"末级指标位于第 {ind.level} 级，本体系应为 {fw.levels} 级", at, ind.name)
        if ind.rule is None:
            problems.add("E-FW-RULE-MISSING", "末级指标须有评分规则 rule", at, ind.name)
            continue
        ctx = CheckContext(fw.facts, problems, where(ind.path + ("rule",)), ind.name)
        before = len(problems.errors)
        ind.rule.check(ctx)
        if len(problems.errors) == before:  # a rule with a broken expression cannot be lowered
            from jixiao.core.rules.base import RULE_DEPTH, depth

            deep = depth(ind.rule.lower())
            if deep > RULE_DEPTH:
                problems.add("E-FW-RULE-SIZE", f"规则过宽：展开后深 {deep} 层，超过上限 {RULE_DEPTH} 层（约 {RULE_DEPTH - 5} 条标准、分档或部分）；"
                             "请拆分为几个末级指标", at, ind.name)
        most = ind.rule.max_points()
        if not math.isnan(most):  # nan: the row's own 分值, checked per form
            if most > ind.weight + WEIGHT_TOLERANCE:
                can = "得分没有上限" if math.isinf(most) else f"最多可得 {most:g} 分"
                problems.add("E-FW-RULE-MAX", f"规则{can}，超过参考分值 {ind.weight:g}", at, ind.name)
            elif most < ind.weight - WEIGHT_TOLERANCE:
                problems.add("E-FW-RULE-SHORT", f"规则最多只能得 {most:g} 分，达不到参考分值 {ind.weight:g}", at, ind.name)
        for fact in ind.rule.judgements():
            if fact in judged:
                problems.add("E-FW-JUDGEMENT-REUSE", f"评价判断“{fact}”已用于“{judged[fact]}”，每条判断只能对应一条标准", at, ind.name)
            judged[fact] = ind.name

    _clashes([(n, where(("facts", n)), "") for n in fw.facts], "事实", problems)
    _clashes([(n, where(("lists", n)), "") for n in fw.lists], "清单", problems)
    for lname, lst in fw.lists.items():
        _clashes([(n, where(("lists", lname, "fields", n)), "") for n in lst.fields], f"清单“{lname}”的字段", problems)
    for siblings in [fw.indicators] + [i.children for i in fw.walk() if i.children]:
        _clashes([(c.name, where(c.path), "") for c in siblings], "同级指标", problems)

    for name, spec in fw.facts.items():
        at = where(("facts", name))
        if spec.type == "level" and not spec.choices:
            problems.add("E-FW-FACT-CHOICES", f"事实“{name}”类型为 level，须给出 choices", at)
        if spec.type == "money" and spec.unit not in ("元", "万元", "亿元"):
            problems.add("E-FW-FACT-UNIT", f"金额事实“{name}”的 unit 应为 元、万元 或 亿元，实际为“{spec.unit}”", at)
        if spec.count_of:
            counted = fw.lists.get(spec.count_of)
            if counted is None:
                problems.add("E-FW-LIST", f"事实“{name}”的 count_of 指向未声明的清单“{spec.count_of}”", at)
            else:
                for field in (spec.where, spec.where_not):
                    if field and counted.fields.get(field) != "flag":
                        problems.add("E-FW-LIST", f"事实“{name}”的条件字段“{field}”须是清单“{spec.count_of}”中 flag 类型的字段", at)
    return problems
