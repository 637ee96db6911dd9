"""The framework's trees compiled to SQL (DuckDB and Spark SQL), and the batch queries around them.

:class:`Compiler` turns a tree into two SQL expressions, its value and the number of the reason it
is missing (NULL when it is not), with the scalar walker's rules written out where SQL differs:

* ``/`` divides by ``NULLIF(b, 0)`` (DuckDB gives inf, ANSI Spark an error), reason ``ZERO:<b>``;
* ``a if t else b`` is ``CASE WHEN t IS NULL THEN NULL WHEN t THEN a ELSE b END``;
* ``min``/``max`` are NULL when any argument is (``LEAST``/``GREATEST`` skip NULLs);
* numbers are written ``CAST('0.8' AS DOUBLE)`` so no engine reads a DECIMAL literal;
* ``and``/``or`` are SQL's own, which is Kleene logic.

Rounding is :func:`cents`: ``FLOOR(x * 100 + 0.5 + 1e-6)``, the IEEE operations of
:func:`jixiao.core.numbers.round_half_up`, in the same order.

>>> from jixiao.core import expr as E
>>> from jixiao.batch.plan import Plan
>>> c = Compiler(Plan(None, None, None, None, None), "duckdb")
>>> c.value(E.parse("a / b"))
'("a" / NULLIF("b", 0))'
"""

from __future__ import annotations

from jixiao.batch.plan import FLAGS, FUND_SUM_COLUMN, FUNDS, HEADER, KEY, PART, TOTAL, Plan
from jixiao.core import expr as E
from jixiao.core.form_checks import FUND, FUND_INPUTS, ROW_SCORE
from jixiao.core.numbers import NOISE


class Compiler:
    """Compiles trees to SQL text for one dialect (``duckdb`` or ``spark``)."""

    def __init__(self, plan: Plan, dialect: str):
        self.plan, self.dialect = plan, dialect
        self._values: dict[E.Node, str] = {}
        self._reasons: dict[E.Node, str] = {}

    def name(self, column: str) -> str:
        return f"`{column}`" if self.dialect == "spark" else f'"{column}"'

    def _key(self, n: E.Node) -> E.Node:
        return n  # nodes compare by value, and a yes/no constant never equals a number

    def value(self, n: E.Node) -> str:
        k = self._key(n)
        if k not in self._values:
            self._values[k] = self._value(n)
        return self._values[k]

    def reason(self, n: E.Node) -> str:
        k = self._key(n)
        if k not in self._reasons:
            self._reasons[k] = self._reason(n)
        return self._reasons[k]

    def _code(self, reason: str) -> str:
        return str(self.plan.reason_id(reason))

    def _value(self, n: E.Node) -> str:
        if isinstance(n, E.Const):
            return literal(n.value)
        if isinstance(n, E.Ref):
            return self.name(n.name)
        if isinstance(n, E.Fail):
            return "NULL"
        if isinstance(n, E.Unary):
            return f"(NOT {self.value(n.operand)})" if n.op == "not" else f"(- {self.value(n.operand)})"
        if isinstance(n, E.Binary):
            a, b = self.value(n.left), self.value(n.right)
            return f"({a} / NULLIF({b}, 0))" if n.op == "/" else f"({a} {n.op} {b})"
        if isinstance(n, E.Compare):
            op = {"==": "=", "!=": "<>"}.get(n.op, n.op)
            return f"({self.value(n.left)} {op} {self.value(n.right)})"
        if isinstance(n, E.Logic):
            word = " AND " if n.op == "and" else " OR "
            return "(" + word.join(self.value(i) for i in n.items) + ")"
        if isinstance(n, E.Cond):
            t = self.value(n.test)
            return f"(CASE WHEN {t} IS NULL THEN NULL WHEN {t} THEN {self.value(n.then)} ELSE {self.value(n.other)} END)"
        if n.fn == "present":
            return f"({self.reason(n.args[0])} IS NULL)"
        args = [self.value(a) for a in n.args]
        if n.fn == "abs":
            return f"ABS({args[0]})"
        fn = "LEAST" if n.fn == "min" else "GREATEST"
        anynull = " OR ".join(f"{a} IS NULL" for a in args)
        return f"(CASE WHEN {anynull} THEN NULL ELSE {fn}({', '.join(args)}) END)"

    def _reason(self, n: E.Node) -> str:
        if isinstance(n, E.Const):
            return "CAST(NULL AS INT)"
        if isinstance(n, E.Ref):
            return f"(CASE WHEN {self.name(n.name)} IS NULL THEN {self._code('MISSING:' + n.name)} END)"
        if isinstance(n, E.Fail):
            return self._code(n.reason)
        if isinstance(n, E.Unary):
            return self.reason(n.operand)
        if isinstance(n, (E.Binary, E.Compare)):
            parts = [self.reason(n.left), self.reason(n.right)]
            if isinstance(n, E.Binary) and n.op == "/":
                parts.append(f"(CASE WHEN {self.value(n.right)} = 0 THEN {self._code('ZERO:' + E.render(n.right))} END)")
            return _coalesce(parts)
        if isinstance(n, E.Logic):
            decisive = [f"COALESCE({self.value(i)}, FALSE)" if n.op == "or" else f"COALESCE(NOT {self.value(i)}, FALSE)"
                        for i in n.items]
            return f"(CASE WHEN {' OR '.join(decisive)} THEN NULL ELSE {_coalesce([self.reason(i) for i in n.items])} END)"
        if isinstance(n, E.Cond):
            rt = self.reason(n.test)
            return (f"(CASE WHEN {rt} IS NOT NULL THEN {rt} WHEN {self.value(n.test)} THEN {self.reason(n.then)} "
                    f"ELSE {self.reason(n.other)} END)")
        if n.fn == "present":
            return "CAST(NULL AS INT)"
        return _coalesce([self.reason(a) for a in n.args])


def literal(v) -> str:
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    return f"CAST('{float(v)!r}' AS DOUBLE)"


def _coalesce(parts: list[str]) -> str:
    parts = [p for p in parts if p != "CAST(NULL AS INT)"]
    if not parts:
        return "CAST(NULL AS INT)"
    return parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"


def cents(x: str) -> str:
    """round_half_up(x) × 100 as a whole number (negatives mirrored), as core.numbers does it."""
    noise = literal(NOISE)
    half = literal(0.5)
    hundred = literal(100.0)
    return (f"(CASE WHEN {x} < 0 THEN -FLOOR((- {x}) * {hundred} + {half} + {noise}) "
            f"ELSE FLOOR({x} * {hundred} + {half} + {noise}) END)")


def lines_query(plan: Plan, source: str, dialect: str) -> str:
    """Every line's score, status, reason code, difference and missing-reason check."""
    c = Compiler(plan, dialect)
    q = c.name
    score, reason = c.value(plan.score), c.reason(plan.score)
    code, needs, ratio = c.value(plan.code), c.value(plan.needs_reason), c.value(plan.ratio)
    texts = " ".join(f"WHEN {i + 1} THEN {literal(r)}" for i, r in enumerate(plan.reasons))
    points = literal(plan.exec_points)
    big = "BIGINT"
    # What the forms query's DOUBLE_COUNT reads of each line and of its form's 资金 line. 分值 is
    # already selected (the 资金 line's is the execution points, as in the other engines): a second
    # copy is an ambiguous name in Spark, which refuses it.
    carried = ", ".join(q(n) for n in sorted(plan.double_inputs() | set(FUND_INPUTS)) if n != "分值")
    inner = f"""
SELECT {q(KEY)}, {q('行号')}, {q('行类型')},
       CASE WHEN {q('行类型')} = '{FUNDS}' THEN {points} ELSE {q('分值')} END AS {q('分值')},
       {q('得分')} AS {q('表列得分')}, {q('分值')} AS {q('_表列分值')},
       {score} AS {q('重算得分_未舍入')}, {reason} AS {q('_reason')}, {code} AS {q('_code')},
       COALESCE({needs}, FALSE) AS {q('缺少原因')}, {ratio} AS {q('_执行率')}, {q(FUND_SUM_COLUMN)},
       COALESCE({c.value(plan.year)}, FALSE) AS {q('_年度早')}, COALESCE({c.value(plan.change)}, FALSE) AS {q('_调整无因')},
       {carried}
FROM {source}
WHERE {q('行类型')} IS NULL OR {q('行类型')} NOT IN ('{TOTAL}', '{PART}')"""
    rc, sc = cents(q("重算得分_未舍入")), cents(q("表列得分"))
    return f"""
SELECT *, CAST({q('_分')} AS DOUBLE) / 100 AS {q('重算得分')},
       CAST({q('_表列分')} - {q('_分')} AS DOUBLE) / 100 AS {q('差额')}
FROM (
  SELECT *, CAST({rc} AS {big}) AS {q('_分')}, CAST({sc} AS {big}) AS {q('_表列分')},
         CASE WHEN {q('_reason')} IS NULL THEN 'scored' ELSE 'not_scorable' END AS {q('状态')},
         COALESCE(CASE {q('_reason')} {texts} END, {q('_code')}) AS {q('原因代码')}
  FROM ({inner}) AS scored_lines
) AS rounded_lines"""


def forms_query(plan: Plan, source: str, lines: str, dialect: str) -> str:
    """Per-form totals in whole cents, grade, and review flags (the rules in :mod:`.plan`)."""
    c = Compiler(plan, dialect)
    q = c.name
    funds = f"{q('行类型')} = '{FUNDS}'"
    ind = f"({q('行类型')} IS NULL OR {q('行类型')} <> '{FUNDS}')"
    exec_c = round(plan.exec_points * 100)
    ind_c = round(plan.indicator_points * 100)
    text = "STRING" if dialect == "spark" else "VARCHAR"
    heads = ", ".join(f"MAX(CASE WHEN {q('行类型')} = '{FUNDS}' THEN CAST({q(h)} AS {text}) END) AS {q(h)}" for h in HEADER)

    def anyof(cond: str) -> str:
        return f"COALESCE(MAX(CASE WHEN {cond} THEN 1 ELSE 0 END), 0) = 1"

    # Each line beside its form's 资金 line (one a form: the reader folds the rest into 其中 lines).
    fund_cols = ", ".join(f"{q(n)} AS {q(FUND + n)}" for n in (*FUND_INPUTS, ROW_SCORE))
    with_funds = f"""(SELECT l.*, f.* FROM {lines} AS l LEFT JOIN (
  SELECT {q(KEY)} AS {q('_资金键')}, {fund_cols} FROM {lines} WHERE {funds}) AS f
ON l.{q(KEY)} = f.{q('_资金键')}) AS lf"""
    g = f"""
SELECT {q(KEY)},
       MAX(CASE WHEN {funds} THEN {q('_执行率')} END) AS {q('执行率')},
       SUM({q('_分')}) AS {q('_总分')}, COUNT(*) AS {q('行数')},
       SUM(CASE WHEN {q('_reason')} IS NOT NULL THEN 1 ELSE 0 END) AS {q('无法评分行数')},
       SUM(CASE WHEN {funds} THEN 1 ELSE 0 END) AS {q('_资金行')},
       SUM({q('_表列分')}) AS {q('_表列合计')},
       SUM(CASE WHEN {q('_表列分')} IS NULL THEN 1 ELSE 0 END) AS {q('_缺表列')},
       {anyof(f"{q('差额')} <> 0")} AS {q('SCORE_DIFF')},
       {anyof(f"{q('原因代码')} = 'OVERSHOOT'")} AS {q('OVERSHOOT')},
       {anyof(f"{q('原因代码')} = 'QUAL_OUT_OF_BAND'")} AS {q('QUAL_OUT_OF_BAND')},
       {anyof(f"{q('缺少原因')} AND {funds}")} AS {q('EXEC_NO_REASON')},
       {anyof(f"{q('缺少原因')} AND {ind}")} AS {q('REASON_MISSING')},
       {anyof(f"{q('_reason')} IS NOT NULL AND {q('原因代码')} <> 'QUAL_OUT_OF_BAND'")} AS {q('_缺数')},
       {anyof(f"{funds} AND {q('_表列分值')} IS NOT NULL AND {cents(q('_表列分值'))} <> {exec_c}")} AS {q('_资金分值错')},
       SUM(CASE WHEN {ind} THEN {cents(q('分值'))} END) AS {q('_分值合计')},
       SUM(CASE WHEN {ind} AND {q('分值')} IS NULL THEN 1 ELSE 0 END) AS {q('_缺分值')},
       {anyof(f"{q(FUND_SUM_COLUMN)} IS NOT NULL")} AS {q('FUND_SUM')},
       {anyof(q('_年度早'))} AS {q('EDITION_YEAR')},
       {anyof(q('_调整无因'))} AS {q('BUDGET_CHANGE_NO_REASON')},
       {anyof(f"{ind} AND {c.value(plan.double)}")} AS {q('DOUBLE_COUNT')}
FROM {with_funds} GROUP BY {q(KEY)}"""
    h = f"""
SELECT {q(KEY)}, {heads}, MAX(CASE WHEN {q('行类型')} = '{TOTAL}' THEN {q('得分')} END) AS {q('表列总分')}
FROM {source} GROUP BY {q(KEY)}"""
    counts = ["_总分", "行数", "无法评分行数", "_资金行", "_表列合计", "_缺表列", "_分值合计", "_缺分值"]
    bools = ["SCORE_DIFF", "OVERSHOOT", "QUAL_OUT_OF_BAND", "EXEC_NO_REASON", "REASON_MISSING", "_缺数", "_资金分值错",
             "FUND_SUM", "EDITION_YEAR", "BUDGET_CHANGE_NO_REASON", "DOUBLE_COUNT"]
    filled = ", ".join([f"COALESCE(g.{q(x)}, 0) AS {q(x)}" for x in counts]
                       + [f"COALESCE(g.{q(x)}, FALSE) AS {q(x)}" for x in bools])
    stated = cents(q("表列总分"))
    scored = f"({q('无法评分行数')} = 0 AND {q('_资金行')} > 0)"
    from jixiao.core import expr as E

    grade = c.value(plan.grade_tree(E.Ref("重算总分")))
    j = f"""
SELECT h.*, g.{q('执行率')}, {filled}
FROM ({h}) AS h LEFT JOIN ({g}) AS g ON h.{q(KEY)} = g.{q(KEY)}"""
    f1 = f"""
SELECT *, CAST({q('_总分')} AS DOUBLE) / 100 AS {q('重算总分')},
       CAST({stated} - {q('_总分')} AS DOUBLE) / 100 AS {q('总分差额')},
       CAST({q('_表列合计')} AS DOUBLE) / 100 AS {q('表列合计')},
       CAST({q('_分值合计')} AS DOUBLE) / 100 AS {q('分值合计')},
       CASE WHEN {scored} THEN 'scored' ELSE 'incomplete' END AS {q('状态')},
       COALESCE({scored} AND {q('表列总分')} IS NOT NULL AND {stated} <> {q('_总分')}, FALSE) AS {q('TOTAL_DIFF')},
       COALESCE({q('表列总分')} IS NOT NULL AND {q('_缺表列')} = 0 AND {stated} <> {q('_表列合计')}, FALSE) AS {q('SUM_DIFF')},
       ({q('_缺数')} OR {q('_资金行')} = 0) AS {q('NOT_SCORABLE')},
       ({q('_资金分值错')} OR ({q('_缺分值')} = 0 AND {q('_分值合计')} <> {ind_c})) AS {q('WEIGHT_SUM')},
       ({q('_总分')} > {plan.max_cents} OR COALESCE({stated} > {plan.max_cents}, FALSE)) AS {q('TOTAL_ABOVE_MAX')}
FROM ({j}) AS joined"""
    flags = [q(f) for f in FLAGS]
    reasons = "concat_ws(',', " + ", ".join(f"CASE WHEN {f} THEN '{n}' END" for f, n in zip(flags, FLAGS)) + ")"
    return f"""
SELECT *, CASE WHEN {q('状态')} = 'scored' THEN {grade} END AS {q('等级')},
       ({' OR '.join(flags)}) AS {q('需复核')}, {reasons} AS {q('复核原因')}
FROM (SELECT * FROM ({f1}) AS f2) AS f3"""
