"""The default batch engine: the framework's trees compiled to Polars expressions.

:class:`Compiler` turns one tree (:mod:`jixiao.core.expr` nodes) into two Polars expressions: its
value, and the number of the reason it is missing (null when it is not). Values follow Polars'
own null propagation, which is the walker's rule for arithmetic and comparisons; the places where
the walker differs from Polars are written out:

* ``/``: a zero divisor gives null, with reason ``ZERO:<divisor>`` (Polars would give inf);
* ``a if t else b``: a missing test gives null (Polars' ``when`` treats null as false);
* ``min``/``max``: any missing argument gives null (Polars' horizontal min skips nulls);
* ``and``/``or``: Kleene, as Polars' ``&``/``|``; the reason is the first missing operand's,
  and only when no operand decides.

>>> from jixiao.core import expr as E
>>> from jixiao.batch.plan import Plan
>>> plan = Plan(None, None, None, None, None)
>>> c = Compiler(plan)
>>> tree = E.parse("min(执行数 / 预算数, 1) * 10")
>>> df = pl.DataFrame({"执行数": [95.0, 5.0, None], "预算数": [100.0, 0.0, 1.0]})
>>> out = df.select(c.value(tree).alias("v"), c.reason(tree).alias("r"))
>>> out["v"].to_list(), [plan.reason_of(r) for r in out["r"].to_list()]
([9.5, None, None], [None, 'ZERO:预算数', 'MISSING:执行数'])
"""

from __future__ import annotations

from functools import reduce

import polars as pl

from jixiao.core import expr as E
from jixiao.core.numbers import NOISE
from jixiao.batch.plan import FLAGS, FUNDS, HEADER, KEY, TOTAL, Plan, node_key

REASON = pl.Int32


class Compiler:
    """Compiles trees to Polars expressions; shared subtrees are compiled once."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self._values: dict[tuple, pl.Expr] = {}
        self._reasons: dict[tuple, pl.Expr] = {}
        self._keys: dict = {}

    def _key(self, n: E.Node) -> tuple:
        return node_key(n, self._keys)

    def value(self, n: E.Node) -> pl.Expr:
        k = self._key(n)
        if k not in self._values:
            self._values[k] = self._value(n)
        return self._values[k]

    def reason(self, n: E.Node) -> pl.Expr:
        k = self._key(n)
        if k not in self._reasons:
            self._reasons[k] = self._reason(n)
        return self._reasons[k]

    def _code(self, reason: str) -> pl.Expr:
        return pl.lit(self.plan.reason_id(reason), dtype=REASON)

    def _value(self, n: E.Node) -> pl.Expr:
        if isinstance(n, E.Const):
            v = n.value
            return pl.lit(v, dtype=pl.Boolean if isinstance(v, bool) else pl.String if isinstance(v, str) else pl.Float64)
        if isinstance(n, E.Ref):
            return pl.col(n.name)
        if isinstance(n, E.Fail):
            return pl.lit(None)
        if isinstance(n, E.Unary):
            v = self.value(n.operand)
            return ~v if n.op == "not" else -v
        if isinstance(n, E.Binary):
            a, b = self.value(n.left), self.value(n.right)
            if n.op == "/":
                return a / pl.when(b != 0).then(b)
            return a + b if n.op == "+" else a - b if n.op == "-" else a * b
        if isinstance(n, E.Compare):
            a, b = self.value(n.left), self.value(n.right)
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[n.op]
        if isinstance(n, E.Logic):
            items = [self.value(i).cast(pl.Boolean) for i in n.items]
            return reduce(lambda x, y: (x & y) if n.op == "and" else (x | y), items)
        if isinstance(n, E.Cond):
            t = self.value(n.test)
            return pl.when(t.is_null()).then(None).when(t).then(self.value(n.then)).otherwise(self.value(n.other))
        if n.fn == "present":
            return self.reason(n.args[0]).is_null()
        args = [self.value(a) for a in n.args]
        if n.fn == "abs":
            return args[0].abs()
        pick = pl.min_horizontal(args) if n.fn == "min" else pl.max_horizontal(args)
        return pl.when(pl.any_horizontal([a.is_null() for a in args])).then(None).otherwise(pick)

    def _reason(self, n: E.Node) -> pl.Expr:
        none = pl.lit(None, dtype=REASON)
        if isinstance(n, E.Const):
            return none
        if isinstance(n, E.Ref):
            return pl.when(pl.col(n.name).is_null()).then(self._code(f"MISSING:{n.name}")).otherwise(none)
        if isinstance(n, E.Fail):
            return self._code(n.reason)
        if isinstance(n, E.Unary):
            return self.reason(n.operand)
        if isinstance(n, (E.Binary, E.Compare)):
            parts = [self.reason(n.left), self.reason(n.right)]
            if isinstance(n, E.Binary) and n.op == "/":
                parts.append(pl.when(self.value(n.right) == 0).then(self._code(f"ZERO:{E.render(n.right)}"))
                             .otherwise(none))
            return pl.coalesce(parts)
        if isinstance(n, E.Logic):
            values = [self.value(i).cast(pl.Boolean) for i in n.items]
            decisive = [(v if n.op == "or" else ~v).fill_null(False) for v in values]
            decided = reduce(lambda x, y: x | y, decisive)
            return pl.when(decided).then(none).otherwise(pl.coalesce([self.reason(i) for i in n.items]))
        if isinstance(n, E.Cond):
            rt = self.reason(n.test)
            return (pl.when(rt.is_not_null()).then(rt).when(self.value(n.test))
                    .then(self.reason(n.then)).otherwise(self.reason(n.other)))
        if n.fn == "present":
            return none
        return pl.coalesce([self.reason(a) for a in n.args])


def cents(x: pl.Expr) -> pl.Expr:
    """round_half_up(x) × 100 as a whole number, with the very IEEE operations of core.numbers."""
    up = (x * 100.0 + 0.5 + NOISE).floor()
    down = -((-x) * 100.0 + 0.5 + NOISE).floor()
    return pl.when(x < 0).then(down).otherwise(up).cast(pl.Int64)


def reason_text(plan: Plan, rid: pl.Expr) -> pl.Expr:
    return rid.replace_strict({i + 1: r for i, r in enumerate(plan.reasons)}, default=None, return_dtype=pl.String)


def score_lines(plan: Plan, lf: pl.LazyFrame) -> pl.LazyFrame:
    """Every line's score, status, reason code, difference and missing-reason check."""
    c = Compiler(plan)
    score, reason = c.value(plan.score), c.reason(plan.score)
    code = c.value(plan.code)
    needs = c.value(plan.needs_reason).fill_null(False)
    ratio = c.value(plan.ratio)
    lines = lf.filter(pl.col("行类型").is_null() | (pl.col("行类型") != TOTAL))
    out = lines.select(
        pl.col(KEY), pl.col("行号"), pl.col("行类型"),
        pl.when(pl.col("行类型") == FUNDS).then(pl.lit(plan.exec_points)).otherwise(pl.col("分值")).alias("分值"),
        pl.col("得分").alias("表列得分"),
        pl.col("分值").alias("_表列分值"),
        score.alias("重算得分_未舍入"),
        reason.alias("_reason"),
        code.alias("_code"),
        needs.alias("缺少原因"),
        ratio.alias("_执行率"),
    )
    rc = cents(pl.col("重算得分_未舍入"))
    sc = cents(pl.col("表列得分"))
    return out.with_columns(
        (rc / 100).alias("重算得分"),
        rc.alias("_分"),
        sc.alias("_表列分"),
        ((sc - rc) / 100).alias("差额"),
        pl.when(pl.col("_reason").is_null()).then(pl.lit("scored")).otherwise(pl.lit("not_scorable")).alias("状态"),
        pl.coalesce(reason_text(plan, pl.col("_reason")), pl.col("_code")).alias("原因代码"),
    )


def score_forms(plan: Plan, lf: pl.LazyFrame, lines: pl.LazyFrame) -> pl.LazyFrame:
    """Per-form totals in whole cents, grade, and the review flags (rules in :mod:`.plan`)."""
    heads = lf.group_by(KEY).agg(
        *[pl.col(h).max().alias(h) for h in HEADER],
        pl.col("得分").filter(pl.col("行类型") == TOTAL).max().alias("表列总分"))
    is_funds = pl.col("行类型") == FUNDS
    ind = ~is_funds | pl.col("行类型").is_null()
    g = lines.group_by(KEY).agg(
        pl.col("_执行率").filter(is_funds).first().alias("执行率"),
        pl.col("_分").sum().alias("_总分"),
        pl.len().alias("行数"),
        pl.col("_reason").is_not_null().sum().alias("无法评分行数"),
        is_funds.sum().alias("_资金行"),
        pl.col("_表列分").sum().alias("_表列合计"),
        pl.col("_表列分").is_null().sum().alias("_缺表列"),
        (pl.col("差额") != 0).fill_null(False).any().alias("SCORE_DIFF"),
        (pl.col("原因代码") == "OVERSHOOT").any().alias("OVERSHOOT"),
        (pl.col("原因代码") == "QUAL_OUT_OF_BAND").any().alias("QUAL_OUT_OF_BAND"),
        (pl.col("缺少原因") & is_funds).any().alias("EXEC_NO_REASON"),
        (pl.col("缺少原因") & ind).any().alias("REASON_MISSING"),
        (pl.col("_reason").is_not_null() & (pl.col("原因代码") != "QUAL_OUT_OF_BAND")).any().alias("_缺数"),
        cents(pl.col("_表列分值")).filter(is_funds & pl.col("_表列分值").is_not_null())
        .ne(round(plan.exec_points * 100)).any().alias("_资金分值错"),
        cents(pl.col("分值")).filter(ind).sum().alias("_分值合计"),
        pl.col("分值").filter(ind).is_null().sum().alias("_缺分值"),
    )
    total_cents = pl.col("_总分")
    stated_cents = cents(pl.col("表列总分"))
    scored = (pl.col("无法评分行数") == 0) & (pl.col("_资金行") > 0)
    c = Compiler(plan)
    grade = c.value(plan.grade_tree(E.Ref("重算总分")))
    counts = ["_总分", "行数", "无法评分行数", "_资金行", "_表列合计", "_缺表列", "_分值合计", "_缺分值"]
    forms = (heads.join(g, on=KEY, how="left")
             .with_columns(pl.col(counts).fill_null(0))
             .with_columns(
                 (total_cents / 100).alias("重算总分"),
                 ((stated_cents - total_cents) / 100).alias("总分差额"),
                 (pl.col("_表列合计") / 100).alias("表列合计"),
                 (pl.col("_分值合计") / 100).alias("分值合计"),
                 pl.when(scored).then(pl.lit("scored")).otherwise(pl.lit("incomplete")).alias("状态"),
                 (scored & pl.col("表列总分").is_not_null() & (stated_cents != total_cents)).alias("TOTAL_DIFF"),
                 (pl.col("表列总分").is_not_null() & (pl.col("_缺表列") == 0)
                  & (stated_cents != pl.col("_表列合计"))).alias("SUM_DIFF"),
                 (pl.col("_缺数") | (pl.col("_资金行") == 0)).alias("NOT_SCORABLE"),
                 (pl.col("_资金分值错").fill_null(False)
                  | ((pl.col("_缺分值") == 0) & (pl.col("_分值合计") != round(plan.indicator_points * 100))))
                 .alias("WEIGHT_SUM"),
             )
             .with_columns(pl.when(pl.col("状态") == "scored").then(grade).otherwise(None).alias("等级")))
    flags = [pl.col(f).fill_null(False) for f in FLAGS]
    reasons = pl.concat_list([pl.when(pl.col(f)).then(pl.lit(f)).otherwise(None) for f in FLAGS]).list.drop_nulls()
    return forms.with_columns(flags).with_columns(
        pl.any_horizontal([pl.col(f) for f in FLAGS]).alias("需复核"),
        reasons.list.join(",").alias("复核原因"),
    )


def run(plan: Plan, lf: pl.LazyFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Score a normalised batch: (lines, forms) as DataFrames with the plan's columns."""
    from jixiao.batch.plan import FORM_COLUMNS, LINE_COLUMNS

    lines = score_lines(plan, lf).collect()
    forms = score_forms(plan, lf, lines.lazy()).select(FORM_COLUMNS).sort(KEY).collect()
    return lines.select(LINE_COLUMNS), forms
