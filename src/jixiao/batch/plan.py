"""What every batch engine computes, decided once from a form framework.

The plan holds the framework's trees (score, reason code, missing-reason check, execution rate)
and the table of every reason a tree can give, numbered: engines carry reasons as small integers
while they compute and turn them into text at the end, which keeps a million forms cheap.

The per-line and per-form outputs are defined here, in words and names, and each engine builds
exactly these columns:

per line (``lines.parquet``)
    表单编号, 行号, 行类型, 分值, 表列得分, 重算得分 (two decimals, 四舍五入), 重算得分_未舍入,
    差额 (表列 − 重算, two decimals), 状态 (scored / not_scorable), 原因代码 (MET, BELOW, …, or
    MISSING:x / ZERO:x / QUAL_OUT_OF_BAND / ROW_TYPE when not scorable), 缺少原因 (a written reason
    is required and absent)

per form (``forms.parquet``)
    表单编号, 地区, 主管部门, 项目名称, 执行率, 重算总分, 表列总分, 总分差额, 表列合计, 分值合计,
    行数, 无法评分行数, 状态 (scored / incomplete), 等级, one yes/no column per review code
    (:data:`FLAGS`), 需复核, 复核原因 (the codes raised, comma-separated in :data:`FLAGS` order)

The rules of the per-form columns (the same in every engine):

* the lines of a form are its rows whose 行类型 is neither 合计 nor 其中 (the reader has folded the
  其中 lines, and any 资金 row after the first, into the 资金 line); its 表列总分 is the (largest) 得分 of
  its 合计 rows; 地区, 主管部门, 项目名称 are read from its 资金 line;
* 重算总分 = Σ cents of its scored lines ÷ 100; 状态 = scored when every line is scored and the
  form has a 资金 line; 等级 only when scored;
* TOTAL_DIFF: scored, 表列总分 given, and its cents ≠ the recomputed cents;
* SUM_DIFF: 表列总分 given, every line states a 得分, and Σ stated cents ≠ 表列总分's cents;
* SCORE_DIFF: some line's 差额 ≠ 0; OVERSHOOT / QUAL_OUT_OF_BAND: some line has that code;
* EXEC_NO_REASON / REASON_MISSING: the 资金 line / an indicator row lacks a required reason;
* NOT_SCORABLE: no 资金 line, or a line not scorable for a reason other than QUAL_OUT_OF_BAND;
* WEIGHT_SUM: the 资金 line states a 分值 ≠ the execution points, or every indicator row has a
  分值 and their sum ≠ the indicators' points;
* FUND_SUM: the 资金 line's amounts differ from the sums of its 其中 lines (noted by the reader);
* TOTAL_ABOVE_MAX: the recomputed or the stated 总分 is above the framework's total (100), always;
* EDITION_YEAR / BUDGET_CHANGE_NO_REASON: the 资金 line's :func:`~jixiao.core.form_checks.year_tree` /
  :func:`~jixiao.core.form_checks.change_tree` is true;
* DOUBLE_COUNT: :func:`~jixiao.core.form_checks.double_tree` is true on some indicator row, read
  with the values of its form's 资金 line (``资金·全年预算数`` …, and that line's 重算得分_未舍入).

The three trees of the last two rules are the single-form checks' own (``core/form_checks.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jixiao.core import expr as E
from jixiao.core.form import FUNDS, TOTAL, FormFramework
from jixiao.core.form_checks import FUND, FUND_INPUTS, ROW_SCORE, change_tree, double_tree, year_tree
from jixiao.core.review import BATCH_FLAGS

# The review codes a batch computes: those of the one review table (jixiao.core.review) whose
# checks read only what the long format carries.
FLAGS = BATCH_FLAGS
PART = "其中"  # a 其中 line of the 资金 block: read into the 资金 line by the reader, never a line itself
FUND_SUM_COLUMN = "_资金不符"  # on a 资金 line: why its total disagrees with its 其中 lines (batch/io.py)

KEY = "表单编号"
HEADER = ("地区", "主管部门", "项目名称")
LINE_COLUMNS = ("表单编号", "行号", "行类型", "分值", "表列得分", "重算得分", "重算得分_未舍入", "差额", "状态",
                "原因代码", "缺少原因")
FORM_COLUMNS = ("表单编号", "地区", "主管部门", "项目名称", "执行率", "重算总分", "表列总分", "总分差额", "表列合计",
                "分值合计", "行数", "无法评分行数", "状态") + ("等级",) + FLAGS + ("需复核", "复核原因")


@dataclass
class Plan:
    """The trees of one framework, and the numbering of every reason they can give."""

    framework: FormFramework
    score: E.Node
    code: E.Node
    needs_reason: E.Node
    ratio: E.Node
    reasons: list[str] = field(default_factory=list)
    # The review checks read line by line (资金 line: year, change) and with the 资金 line's values (double).
    year: E.Node = field(default_factory=lambda: E.const(False))
    change: E.Node = field(default_factory=lambda: E.const(False))
    double: E.Node = field(default_factory=lambda: E.const(False))
    # What an engine builds from the trees once per plan (compiled expressions), not part of its value.
    engine_cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def exec_points(self) -> float:
        return float(self.framework.execution.points)

    @property
    def indicator_points(self) -> float:
        return float(self.framework.indicators.points)

    def reason_id(self, reason: str) -> int:
        """The number of a reason (1-based; engines use null for 'no reason')."""
        try:
            return self.reasons.index(reason) + 1
        except ValueError:
            self.reasons.append(reason)
            return len(self.reasons)

    def reason_of(self, rid: int | None) -> str | None:
        return None if rid is None else self.reasons[rid - 1]

    def grade_tree(self, total: E.Node) -> E.Node:
        return self.framework.grade_tree(total)

    def tree_inputs(self) -> set[str]:
        """The columns a line's trees read (score, code, reason check, execution rate, review checks)."""
        return set().union(*(E.names(t) for t in (self.score, self.code, self.needs_reason, self.ratio, self.year,
                                                  self.change)))

    def columns(self) -> list[str]:
        """The input columns a batch engine reads: key, line number, header, and the trees' inputs."""
        names = self.tree_inputs() | self.double_inputs() | set(FUND_INPUTS)
        rest = sorted(names - {KEY, "行号", "行类型", "分值", "得分"})
        return [KEY, "行号", "行类型", *HEADER, "分值", "得分", FUND_SUM_COLUMN, *rest]

    def double_inputs(self) -> set[str]:
        """The row's own columns the DOUBLE_COUNT tree reads (not its 资金 line's, nor the score)."""
        return {n for n in E.names(self.double) if not n.startswith(FUND) and n != ROW_SCORE}

    @property
    def max_cents(self) -> int:
        """The framework's maximum total (100) in cents: a total above it is TOTAL_ABOVE_MAX."""
        return round(float(self.framework.total) * 100)


def plan_for(fw: FormFramework) -> Plan:
    """The plan of a framework: its trees, and every reason numbered in a fixed order."""
    plan = Plan(fw, fw.score_tree(), fw.code_tree(), fw.needs_reason_tree(), fw.ratio_tree(),
                year=year_tree(fw), change=change_tree(fw), double=double_tree(fw))
    for tree in (plan.score, plan.code, plan.needs_reason, plan.ratio):
        for reason in possible_reasons(tree):
            plan.reason_id(reason)
    return plan


def possible_reasons(tree: E.Node) -> list[str]:
    """Every reason code a tree can yield, in reading order: MISSING:x, ZERO:x and Fail codes."""
    out: list[str] = []
    for n in E.walk(tree):
        if isinstance(n, E.Ref):
            out.append(f"MISSING:{n.name}")
        elif isinstance(n, E.Fail):
            out.append(n.reason)
        elif isinstance(n, E.Binary) and n.op == "/":
            out.append(f"ZERO:{E.render(n.right)}")
    return list(dict.fromkeys(out))


def code_values(tree: E.Node) -> list[str]:
    """The text constants a code tree can yield (EXEC_MET, MET, BELOW, …), in a fixed order."""
    out: list[str] = []

    def leaves(n: E.Node):
        if isinstance(n, E.Cond):
            leaves(n.then)
            leaves(n.other)
        elif isinstance(n, E.Const) and isinstance(n.value, str):
            out.append(n.value)

    leaves(tree)
    return list(dict.fromkeys(out))


def numbered(tree: E.Node, codes: list[str]) -> E.Node:
    """The code tree with each result text replaced by its number in ``codes`` (tests untouched).

    Evaluating it gives ``codes.index(text)`` wherever the original gives ``text``, and the same
    missing reasons: only the leaves a branch returns are renamed. Columnar engines carry the
    number, which is cheaper than text on millions of rows.
    """
    if isinstance(tree, E.Cond):
        return E.Cond(tree.test, numbered(tree.then, codes), numbered(tree.other, codes))
    if isinstance(tree, E.Const) and isinstance(tree.value, str):
        return E.Const(float(codes.index(tree.value)))
    return tree


__all__ = [
    "FLAGS",
    "FORM_COLUMNS",
    "FUNDS",
    "FUND_SUM_COLUMN",
    "HEADER",
    "KEY",
    "LINE_COLUMNS",
    "PART",
    "TOTAL",
    "Plan",
    "plan_for",
]


def specialise(tree: E.Node, known: dict[str, object]) -> E.Node:
    """The tree with some inputs fixed (``None`` for a missing one), simplified as far as it goes.

    Exact by construction: a subtree whose inputs are all fixed is replaced by its value as the
    scalar walker computes it (a :class:`~jixiao.core.expr.Fail` when that is missing), and an
    ``if`` whose test is fixed by the branch it takes. Engines use it to score each kind of line
    (资金, 定性, 定量 with ≥ …) with only the part of the tree that can apply to it.
    """

    def fixed(n: E.Node) -> bool:
        return isinstance(n, (E.Const, E.Fail))

    def value(n: E.Node):
        v = E.evaluate(n, {})
        return E.Fail(v.reason) if isinstance(v, E.Missing) else E.Const(v)

    def go(n: E.Node) -> E.Node:
        if isinstance(n, E.Ref):
            if n.name not in known:
                return n
            v = known[n.name]
            return E.Fail(f"MISSING:{n.name}") if v is None else E.Const(v)
        if isinstance(n, (E.Const, E.Fail)):
            return n
        if isinstance(n, E.Cond):
            t = go(n.test)
            if isinstance(t, E.Fail):
                return t
            if isinstance(t, E.Const):
                return go(n.then) if E.evaluate(t, {}) else go(n.other)
            return E.Cond(t, go(n.then), go(n.other))
        if isinstance(n, E.Logic):
            items = [go(i) for i in n.items]
            decisive = n.op == "or"
            if any(isinstance(i, E.Const) and bool(i.value) is decisive for i in items):
                return E.Const(decisive)
            # Operands that cannot decide and carry no reason change nothing; drop them.
            items = [i for i in items if not isinstance(i, E.Const)]
            if not items:
                return E.Const(not decisive)
            return items[0] if len(items) == 1 and _is_bool(items[0]) else E.Logic(n.op, tuple(items))
        if isinstance(n, E.Unary):
            out = E.Unary(n.op, go(n.operand))
        elif isinstance(n, (E.Binary, E.Compare)):
            left, right = go(n.left), go(n.right)
            if (isinstance(n, E.Binary) and n.op == "/" and isinstance(right, E.Const) and right.value == 0
                    and not isinstance(n.right, E.Const)):
                # The walker names the divisor as written (ZERO:a), not its fixed value (ZERO:0); a
                # missing dividend still comes first, as in the walker's reading order.
                zero = E.Fail(f"ZERO:{E.render(n.right)}")
                if isinstance(left, E.Fail):
                    return left
                return zero if fixed(left) else E.Cond(E.Call("present", (left,)), zero, left)
            if isinstance(n, E.Binary) and n.op == "/" and not fixed(right) and right != n.right:
                # A divisor that is still read from the row keeps its written form, which names
                # its zero (ZERO:<divisor>); its value is the same either way.
                right = n.right
            out = type(n)(n.op, left, right)
        else:
            if n.fn == "present":
                inner = go(n.args[0])
                if fixed(inner):
                    return E.Const(not isinstance(inner, E.Fail))
                return E.Call("present", (inner,))
            out = E.Call(n.fn, tuple(go(a) for a in n.args))
        return value(out) if all(fixed(c) for c in E.children(out)) else out

    return go(tree)


def _is_bool(n: E.Node) -> bool:
    """Whether a node always yields yes/no (so a one-item and/or may be replaced by it)."""
    return isinstance(n, (E.Compare, E.Logic)) or (isinstance(n, E.Unary) and n.op == "not") or (
        isinstance(n, E.Call) and n.fn == "present")
