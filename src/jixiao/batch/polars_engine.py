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

import threading
from concurrent.futures import ThreadPoolExecutor
from functools import reduce
from pathlib import Path

import numpy as np
import polars as pl

from jixiao.batch.io import check_values, within_bounds, write_parquet
from jixiao.batch.plan import (
    FLAGS,
    FORM_COLUMNS,
    FUND_SUM_COLUMN,
    FUNDS,
    HEADER,
    KEY,
    LINE_COLUMNS,
    PART,
    TOTAL,
    Plan,
    code_values,
    numbered,
    specialise,
)
from jixiao.core import expr as E
from jixiao.core.form import QUAL, QUANT
from jixiao.core.form_checks import DOUBLE_OPS, FUND, FUND_INPUTS, ROW_SCALE, ROW_SCORE
from jixiao.core.numbers import NOISE

REASON = pl.Int32


class Compiler:
    """Compiles trees to Polars expressions; shared subtrees are compiled once."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self._values: dict[E.Node, pl.Expr] = {}
        self._reasons: dict[E.Node, pl.Expr] = {}

    def _key(self, n: E.Node) -> E.Node:
        return n  # nodes compare by value, and a yes/no constant never equals a number

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

    def _constant(self, n: E.Node) -> E.Node | None:
        """A subtree that reads no column, computed here once (as the walker computes it)."""
        if isinstance(n, (E.Const, E.Fail)) or E.names(n):
            return None
        v = E.evaluate(n, {})
        return E.Fail(v.reason) if isinstance(v, E.Missing) else E.Const(v)

    def _branch(self, n: E.Node) -> E.Node | None:
        """The branch an ``if`` with a fixed test takes (Polars would shrink such a ``when`` to one row)."""
        if not isinstance(n, E.Cond):
            return None
        test = self._constant(n.test) or n.test
        if isinstance(test, E.Fail):
            return test
        if isinstance(test, E.Const):
            return n.then if E.evaluate(test, {}) else n.other
        return None

    def _fold(self, n: E.Node) -> E.Node:
        """The node with every fixed part computed and every fixed test's branch taken."""
        while (folded := self._constant(n) or self._branch(n)) is not None:
            n = folded
        return n

    def _always_missing(self, n: E.Node) -> bool:
        """Whether a node is missing whatever the row holds (a failure reaches it on every path,
        once fixed tests have taken their branch). Compiled as a column of nulls: Polars folds
        ``col + null`` or ``0 < null`` into a single null row, which cannot stand beside columns."""
        folded = self._constant(n) or self._branch(n)
        if folded is not None:
            return self._always_missing(folded)
        if isinstance(n, E.Fail):
            return True
        if isinstance(n, E.Binary) and n.op == "/":  # a divisor fixed at 0 misses on every row, like a failure
            divisor = self._constant(n.right) or n.right
            if isinstance(divisor, E.Const) and not isinstance(divisor.value, (bool, str)) and float(divisor.value) == 0:
                return True
        if isinstance(n, (E.Unary, E.Binary, E.Compare)) or (isinstance(n, E.Call) and n.fn != "present"):
            return any(self._always_missing(c) for c in E.children(n))
        if isinstance(n, E.Cond):
            return self._always_missing(n.test) or (self._always_missing(n.then) and self._always_missing(n.other))
        if isinstance(n, E.Logic):
            return all(self._always_missing(i) for i in n.items)
        return False

    def _value(self, n: E.Node) -> pl.Expr:
        folded = self._constant(n) or self._branch(n)
        if folded is not None:
            return self.value(folded)
        if self._always_missing(n):  # its reason still depends on the row; its value never does
            return pl.repeat(None, pl.len())
        if isinstance(n, E.Const):
            v = n.value
            return pl.lit(v, dtype=pl.Boolean if isinstance(v, bool) else pl.String if isinstance(v, str) else pl.Float64)
        if isinstance(n, E.Ref):
            return pl.col(n.name)
        if isinstance(n, E.Fail):
            # A whole column of nulls, not a null literal: Polars folds ``col + null`` into one
            # null row, which then cannot stand beside whole columns.
            return pl.repeat(None, pl.len())
        if isinstance(n, E.Unary):
            # Typed, so that a missing-on-purpose operand (an untyped null) can still be negated.
            v = self.value(n.operand)
            return ~v.cast(pl.Boolean) if n.op == "not" else -v.cast(pl.Float64)
        if isinstance(n, E.Binary):
            a, b = self.value(n.left), self.value(n.right)
            if n.op == "/":
                divisor = self._constant(n.right) or n.right
                if isinstance(divisor, E.Const):  # see by_constant: Polars would multiply by 1 / c
                    c = float(divisor.value)
                    if c == 0:
                        return pl.repeat(None, pl.len())
                    top = self._fold(n.left)
                    if isinstance(top, E.Const):  # a literal is one row, and so would its quotient be
                        return pl.repeat(float(top.value) / c, pl.len(), dtype=pl.Float64)
                    return by_constant(a, c)
                return a / pl.when(b != 0).then(b)
            return a + b if n.op == "+" else a - b if n.op == "-" else a * b
        if isinstance(n, E.Compare):
            a, b = self.value(n.left), self.value(n.right)
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[n.op]
        if isinstance(n, E.Logic):
            items = [self.value(i).cast(pl.Boolean) for i in n.items]
            return reduce(lambda x, y: (x & y) if n.op == "and" else (x | y), items)
        if isinstance(n, E.Cond):
            t = self.value(n.test).cast(pl.Boolean)
            return pl.when(t.is_null()).then(None).when(t).then(self.value(n.then)).otherwise(self.value(n.other))
        if n.fn == "present":
            return self.reason(n.args[0]).is_null()
        if n.fn in ("min", "max") and (bound := self._clip(n)) is not None:
            return bound
        args = [self.value(a) for a in n.args]
        if n.fn == "abs":
            return args[0].cast(pl.Float64).abs()
        pick = pl.min_horizontal(args) if n.fn == "min" else pl.max_horizontal(args)
        return pl.when(pl.any_horizontal([a.is_null() for a in args])).then(None).otherwise(pick)

    def _clip(self, n: E.Call) -> pl.Expr | None:
        """``min``/``max`` of one column and fixed numbers (``min(执行数 ÷ 预算数, 1)``, ``max(0, …)``,
        as every framework writes them) as a clip of the column: missing stays missing, as the
        walker wants, in one pass, instead of the masked horizontal pick and its null tests over
        copies of the column. None when two arguments read the row."""
        folded = [self._fold(a) for a in n.args]
        read = [a for a, f in zip(n.args, folded) if not isinstance(f, E.Const)]
        fixed = [f.value for f in folded if isinstance(f, E.Const)]
        if len(read) != 1 or not fixed or any(isinstance(v, (bool, str)) for v in fixed):
            return None
        column = self.value(read[0]).cast(pl.Float64)
        if n.fn == "min":
            return column.clip(upper_bound=float(min(fixed)))
        return column.clip(lower_bound=float(max(fixed)))

    def _reason(self, n: E.Node) -> pl.Expr:
        none = pl.lit(None, dtype=REASON)
        folded = self._constant(n) or self._branch(n)
        if folded is not None:
            return self.reason(folded)
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
            return (pl.when(rt.is_not_null()).then(rt).when(self.value(n.test).cast(pl.Boolean))
                    .then(self.reason(n.then)).otherwise(self.reason(n.other)))
        if n.fn == "present":
            return none
        return pl.coalesce([self.reason(a) for a in n.args])


def cents(x: pl.Expr) -> pl.Expr:
    """round_half_up(x) × 100 as a whole number, with the very IEEE operations of core.numbers."""
    up = (x * 100.0 + 0.5 + NOISE).floor()
    down = -((-x) * 100.0 + 0.5 + NOISE).floor()
    return pl.when(x < 0).then(down).otherwise(up).cast(pl.Int64)


def by_constant(x: pl.Expr, c: float) -> pl.Expr:
    """``x ÷ c`` as IEEE division.

    Polars divides a column by a scalar as a multiplication by ``1 / c``, which is not the same
    number (1054 / 100 gives 10.540000000000001, 7 / 1e-9 gives 6999999999.999999); Arrow's kernel
    divides (as numpy does, and three times faster than a round trip through numpy, which turns
    missing values into NaN and back). NaN is missing, as everywhere in the engine.
    """
    import pyarrow.compute as pc

    def divide(s: pl.Series) -> pl.Series:
        quotient = pl.Series(s.name, pc.divide(s.cast(pl.Float64).to_arrow(), pa_float(c)))
        return quotient.fill_nan(None)

    return x.map_batches(divide, return_dtype=pl.Float64)


def pa_float(c: float):
    import pyarrow as pa

    return pa.scalar(float(c), pa.float64())


def points(cents_: pl.Expr) -> pl.Expr:
    """Whole cents back to points (÷ 100, exactly; see :func:`by_constant`)."""
    return by_constant(cents_, 100.0)


def lookup(values: list[str], index: pl.Expr) -> pl.Expr:
    """``values[index]`` as an Enum column (one gather; no text is built per row)."""
    return pl.lit(pl.Series(values, dtype=pl.Enum(values))).gather(index)


STATUS = ["scored", "not_scorable"]
FORM_STATUS = ["scored", "incomplete"]


def with_runs(df: pl.DataFrame, in_order: bool = False) -> pl.DataFrame:
    """``_g``: the number of each form, counted in runs of equal keys; rows are sorted by key
    first when a form's rows are not contiguous (``in_order``: the caller has checked that the
    keys are sorted). Grouping by a sorted run number (or by the ends of runs) is far cheaper
    than hashing a million text keys."""
    if not in_order and not df[KEY].is_sorted() and df[KEY].rle().struct.field("value").is_duplicated().any():
        df = df.sort(KEY, maintain_order=True)
    # One pass over the keys (half the cost of comparing each with the one before and summing).
    return df.with_columns(pl.col(KEY).rle_id().alias("_g"))


def _partition_key(kind: str | None, op: str | None, grade: str | None) -> dict:
    """The inputs a line's kind fixes: 行类型, and 运算符 (定量) or 评价等级 (定性)."""
    if kind == QUANT:
        return {"行类型": kind, "运算符": op}
    if kind == QUAL:
        return {"行类型": kind, "评价等级": grade}
    return {"行类型": kind}


def _group(plan: Plan, trees: dict[str, E.Node], reasons: set[str], fills: dict[str, object], known: dict,
           cache: dict) -> tuple[list[str], list[pl.Expr], dict[str, object]]:
    """How a group of lines is scored, built once per plan: the columns it reads, the expressions
    it computes, and the value of each output of ``fills`` that its trees fix (not computed).

    Specialising and compiling the trees is Python work (tens of milliseconds for the ten-odd
    groups); a streamed batch meets the same groups in every chunk, so it is done once, kept in
    ``cache`` (:func:`_groups_cache`).
    """
    key = tuple(sorted(known.items(), key=lambda kv: kv[0]))
    if key not in cache:
        special = {name: specialise(tree, known) for name, tree in trees.items()}
        fixed: dict[str, object] = {}
        c = Compiler(plan)
        exprs = []
        for name, tree in special.items():
            if name in fills and name not in reasons and isinstance(tree, (E.Const, E.Fail)):
                value = None if isinstance(tree, E.Fail) else tree.value
                fixed[name] = fills[name] if value is None else value
                continue
            exprs.append(c.value(tree).alias(name))
            if name in reasons:
                exprs.append(c.reason(tree).alias(f"{name}_reason"))
        computed = [t for name, t in special.items() if name not in fixed]
        needed = sorted(set().union(set(), *(E.names(t) for t in computed)))
        cache[key] = (needed, exprs, fixed)
    return cache[key]


def _groups_cache(plan: Plan, trees: dict[str, E.Node], reasons: set[str], fills: dict[str, object]) -> dict:
    """The plan's groups for these trees (hashing the trees, hundreds of nodes, once per chunk)."""
    key = ("polars_groups", tuple(trees.items()), frozenset(reasons), tuple(fills.items()))
    return plan.engine_cache.setdefault(key, {})


def _same_constant(values: list) -> bool:
    """Whether the fixed values are one constant (``False == 0`` in Python, so the type counts)."""
    return len({(type(v), v) for v in values}) <= 1


def evaluate_lines(plan: Plan, df: pl.DataFrame, trees: dict[str, E.Node], reasons: set[str],
                   fills: dict[str, object] | None = None) -> pl.DataFrame:
    """The value of each tree (and the reason number of those in ``reasons``) for every row.

    Rows are grouped by the inputs that pick a branch (行类型, 运算符, 评价等级); each group reads
    only the columns of, and is scored with, the trees :func:`~jixiao.batch.plan.specialise`-d to
    it, which are a fraction of the whole. The results are put back in the rows' order.

    ``fills`` names outputs whose missing values the caller reads as a given value (null as no,
    for a yes/no check); such an output comes back with its missing values so filled. Most such
    outputs apply to one kind of line (the 资金 line's execution rate and review checks): where
    every other group's tree is a constant, the column is that constant with the few computed
    rows put in their places, instead of being gathered back row by row.
    """
    fills = fills or {}
    by = ["行类型", "运算符", "评价等级"]
    phys = [pl.col(c).to_physical().cast(pl.Int16).fill_null(-1) + 1 for c in by]
    part = df.select(((phys[0] * 64) + (phys[1] * 8) + phys[2]).alias("p"))["p"].to_numpy()
    # One stable sort of the small group numbers (a radix sort) gives every group's rows, in order.
    order = np.argsort(part, kind="stable").astype(np.uint32)
    ranked = part[order]
    bounds = [*np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]]), len(order)] if len(order) else [0]
    spans = list(zip(bounds, bounds[1:]))
    cache = _groups_cache(plan, trees, reasons, fills)

    kinds = df.select(by)
    groups = [_group(plan, trees, reasons, fills, _partition_key(*kinds.row(int(order[a]))), cache) for a, _ in spans]
    # An output of ``fills`` is put in place only when every group that does not compute it fixes
    # it to one constant; otherwise it is computed (as a constant column) and gathered like the rest.
    sparse = {}
    for name in fills:
        values = [g[2][name] for g in groups if name in g[2]]
        if values and _same_constant(values):
            sparse[name] = values[0]

    def score_group(span: tuple[int, int], group) -> pl.DataFrame:
        needed, exprs, fixed = group
        index = pl.Series(order[span[0]:span[1]])
        chunk = df.select(needed).gather(index) if needed else pl.DataFrame(height=len(index))
        exprs = exprs + [pl.repeat(fixed[n], pl.len()).alias(n) for n in fixed if n not in sparse]
        # Lazily, so that Polars computes the subtrees the expressions share once. with_columns,
        # not select: a tree reduced to a constant must still fill every row.
        names = [e.meta.output_name() for e in exprs]
        return chunk.lazy().with_columns(exprs).select(
            pl.col(n).fill_null(fills[n]) if fills.get(n) is not None else pl.col(n) for n in names).collect()

    # Groups are scored side by side: Polars releases the interpreter while it computes.
    with ThreadPoolExecutor(max(1, min(4, pl.thread_pool_size()))) as pool:
        pieces = list(pool.map(score_group, spans, groups))
    dense = [n for n in trees if n not in sparse] + [f"{r}_reason" for r in reasons]
    schema = {name: pl.Float64 for name in trees} | {f"{r}_reason": REASON for r in reasons}
    # One chunk: gathering from the groups' ten-odd chunks is many times slower than copying them once.
    out = pl.concat([p.select(dense).cast({k: v for k, v in schema.items() if k in dense and p[k].dtype == pl.Null})
                     for p in pieces], how="vertical_relaxed", rechunk=True)
    inverse = np.empty(len(order), dtype=np.uint32)
    inverse[order] = np.arange(len(order), dtype=np.uint32)
    out = out.gather(pl.Series(inverse))
    for name, value in sparse.items():
        out = out.with_columns(_in_place(name, value, [(order[a:b], p) for (a, b), p in zip(spans, pieces)
                                                       if name in p.columns], len(order)))
    return out.select([*trees, *[f"{r}_reason" for r in reasons]])


def _in_place(name: str, value: object, computed: list[tuple[np.ndarray, pl.DataFrame]], n: int) -> pl.Series:
    """A column of ``value`` with the computed groups' values put at their rows."""
    dtypes = {p[name].dtype for _, p in computed} - {pl.Null}
    dtype = dtypes.pop() if len(dtypes) == 1 else pl.Boolean if isinstance(value, bool) else pl.Float64
    column = pl.repeat(value, n, dtype=dtype, eager=True).alias(name)
    if computed:
        column = column.scatter(pl.Series(np.concatenate([i for i, _ in computed])),
                                pl.concat([p[name].cast(dtype) for _, p in computed], rechunk=True))
    return column


def score_lines(plan: Plan, df: pl.DataFrame) -> pl.DataFrame:
    """Every row's score, status, reason code, difference and missing-reason check.

    The 合计 rows are kept (their trees reduce to ``ROW_TYPE``): the forms' totals read the stated
    总分 from them, and :func:`lines_only` drops them from what is written.
    """
    codes = code_values(plan.code)
    trees = {"score": plan.score, "code": numbered(plan.code, codes), "needs": plan.needs_reason, "ratio": plan.ratio,
             "year": plan.year, "change": plan.change}
    # The execution rate and the 资金 line's checks: read as missing / no on every other line.
    v = evaluate_lines(plan, df, trees, {"score"}, fills={"ratio": None, "year": False, "change": False})
    outcomes = list(dict.fromkeys(plan.reasons + codes))
    code_at = pl.lit(pl.Series([outcomes.index(x) for x in codes], dtype=pl.Int64))
    is_funds = pl.col("行类型") == FUNDS
    values = v.rename(lambda n: f"_v_{n}")
    both = pl.concat([df, values, double_counted(plan, df, v["score"]).alias("_重复扣分").to_frame()], how="horizontal")
    score, reason = pl.col("_v_score"), pl.col("_v_score_reason")
    # The cents once, then everything read from them; one lazy select, so that Polars computes each
    # shared part (the cents, the reason's presence) once and runs the columns side by side.
    rc, sc = cents(score), cents(pl.col("得分"))
    outcome = pl.when(reason.is_null()).then(code_at.gather(pl.col("_v_code").cast(pl.Int64))).otherwise(
        reason.cast(pl.Int64) - 1)
    return both.lazy().select(
        "_g", KEY, "行号", "行类型", *HEADER,
        pl.when(is_funds).then(pl.lit(plan.exec_points)).otherwise(pl.col("分值")).alias("分值"),
        pl.col("得分").alias("表列得分"),
        pl.col("分值").alias("_表列分值"),
        (pl.col("行类型").is_null() | ~pl.col("行类型").is_in([TOTAL, PART])).alias("_line"),
        pl.col(FUND_SUM_COLUMN),
        score.alias("重算得分_未舍入"),
        reason.alias("_reason"),
        pl.col("_v_code").cast(pl.Int64).alias("_code"),
        pl.col("_v_needs").cast(pl.Boolean).fill_null(False).alias("缺少原因"),
        pl.col("_v_ratio").alias("_执行率"),
        pl.col("_v_year").cast(pl.Boolean).fill_null(False).alias("_年度早"),
        pl.col("_v_change").cast(pl.Boolean).fill_null(False).alias("_调整无因"),
        pl.col("_重复扣分"),
        rc.alias("_分"),
        sc.alias("_表列分"),
        points(rc).alias("重算得分"),
        points(sc - rc).alias("差额"),
        lookup(STATUS, reason.is_not_null().cast(pl.UInt32)).alias("状态"),
        lookup(outcomes, outcome).alias("原因代码"),
    ).collect()


def double_counted(plan: Plan, df: pl.DataFrame, score: pl.Series) -> pl.Series:
    """Per row: the DOUBLE_COUNT tree (``core/form_checks.double_tree``) is true for it.

    The tree reads the row and its form's 资金 line (``资金·…``), so it is evaluated only on the rows
    it can hold for (a ≥/>/= row in money), each joined to its form's 资金 line by run number.
    """
    out = np.zeros(df.height, dtype=bool)
    kind, op = pl.col("行类型"), pl.col("运算符")
    dtype = df.schema["运算符"]
    if isinstance(dtype, pl.Enum):  # compared as the Enum's codes: turning a million codes into text is slow
        op_in = op.is_in(pl.Series([o for o in DOUBLE_OPS if o in dtype.categories], dtype=dtype).implode())
    else:
        op_in = op.cast(pl.String).is_in(list(DOUBLE_OPS))
    can = ((kind != FUNDS) & op_in & pl.col(ROW_SCALE).is_not_null()).fill_null(False)
    mask = df.select(can.alias("m"))["m"]
    if not mask.any():
        return pl.Series(out)
    inputs = sorted(plan.double_inputs() | {"分值"})
    rows = df.select("_g", *inputs).with_columns(score.alias(ROW_SCORE)).with_row_index("_i").filter(mask)
    is_funds = df.select((kind == FUNDS).fill_null(False).alias("f"))["f"]
    funds = (df.select("_g", *[pl.col(n).alias(FUND + n) for n in FUND_INPUTS])
             .with_columns(score.alias(FUND + ROW_SCORE)).filter(is_funds))
    joined = rows.join(funds, on="_g", how="inner")
    hit = joined.filter(Compiler(plan).value(plan.double).cast(pl.Boolean).fill_null(False))["_i"].to_numpy()
    out[hit] = True
    return pl.Series(out)


def lines_only(rows: pl.DataFrame) -> pl.DataFrame:
    """The lines of the forms (every row but 合计), with the plan's line columns."""
    return rows.lazy().filter(pl.col("_line")).select(LINE_COLUMNS).collect()


def _repeats(g: pl.Series) -> bool:
    """Whether a run number repeats in rows taken in run order (a form with two such rows)."""
    a = g.to_numpy()
    return bool(len(a) > 1 and (a[1:] == a[:-1]).any())


def _per_form(rows: pl.DataFrame, where: pl.Expr, columns: list[pl.Expr]) -> pl.DataFrame:
    """The rows ``where`` holds (a form's 资金 line, its 合计 row), with ``_g`` and ``columns``;
    the caller reduces forms that have several."""
    return rows.lazy().filter(where).select("_g", *columns).collect()  # only these columns are filtered


def at_forms(per_form: pl.DataFrame, n: int) -> pl.DataFrame:
    """The rows of ``per_form`` (one per form at most, by run number ``_g``) at their forms'
    places among the ``n`` forms, and missing for a form without one: the left join on ``_g``,
    as one gather, since run numbers are the forms' places."""
    place = np.full(n, -1, dtype=np.int64)
    place[per_form["_g"].to_numpy()] = np.arange(per_form.height)
    return per_form.drop("_g")[pl.Series(place).cast(pl.UInt32, strict=False)]


def score_forms(plan: Plan, rows: pl.DataFrame) -> pl.DataFrame:
    """Per-form totals in whole cents, grade, and the review flags (rules in :mod:`.plan`).

    Rows are in runs of their form (see :func:`with_runs`), so every count and sum is a reduction
    over contiguous slices: one pass over the rows, no hashing of keys.
    """
    line = pl.col("_line")
    is_funds = (pl.col("行类型") == FUNDS).fill_null(False)
    ind = line & ~is_funds
    code = pl.col("原因代码")
    # Rows are in runs of their form (``_g`` counts the runs from 0): a form starts where ``_g`` changes.
    g = rows["_g"].to_numpy()
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.zeros(0, np.int64)
    base = rows.select("_g", KEY).gather(pl.Series(starts, dtype=pl.UInt32))  # one row per form, in run order
    stated = _per_form(rows, pl.col("行类型") == TOTAL, [pl.col("表列得分").alias("表列总分")])
    funds = _per_form(rows, is_funds, [pl.col("_执行率").alias("执行率"), *[pl.col(h).alias(h) for h in HEADER],
                                        (cents(pl.col("_表列分值")) != round(plan.exec_points * 100)).alias("_资金分值错")])
    if _repeats(stated["_g"]):  # several 合计 rows: the largest
        stated = stated.group_by("_g", maintain_order=True).agg(pl.col("表列总分").max())
    if _repeats(funds["_g"]):  # several 资金 lines: the largest of each (as text)
        funds = funds.group_by("_g", maintain_order=True).agg(
            pl.col("执行率").max(), *[pl.col(h).cast(pl.String).max().cast(funds.schema[h]) for h in HEADER],
            pl.col("_资金分值错").any())
    added = {  # summed over a form's rows
        "_总分": pl.when(line).then(pl.col("_分")).fill_null(0),
        "行数": line,
        "无法评分行数": line & pl.col("_reason").is_not_null(),
        "_表列合计": pl.when(line).then(pl.col("_表列分")).fill_null(0),
        "_分值合计": pl.when(ind).then(cents(pl.col("分值"))).otherwise(0).fill_null(0),
    }
    some = {  # true when some row of the form has it (none of these is ever missing)
        "_资金行": is_funds,
        "_缺表列": line & pl.col("_表列分").is_null(),
        "SCORE_DIFF": line & (pl.col("差额") != 0).fill_null(False),
        "OVERSHOOT": code == "OVERSHOOT",
        "QUAL_OUT_OF_BAND": code == "QUAL_OUT_OF_BAND",
        "EXEC_NO_REASON": pl.col("缺少原因") & is_funds,
        "REASON_MISSING": pl.col("缺少原因") & ind,
        "_缺数": line & pl.col("_reason").is_not_null() & (code != "QUAL_OUT_OF_BAND"),
        "_缺分值": ind & pl.col("分值").is_null(),
        "FUND_SUM": pl.col(FUND_SUM_COLUMN).is_not_null(),
        "EDITION_YEAR": pl.col("_年度早"),
        "BUDGET_CHANGE_NO_REASON": pl.col("_调整无因"),
        "DOUBLE_COUNT": pl.col("_重复扣分"),
    }
    # Each sum is one numpy reduction over the runs' slices; the yes/no columns are one bit each
    # of a single number per row, or-ed per form in one reduction.
    bit = [pl.when(e).then(pl.lit(1 << i, pl.UInt32)).otherwise(pl.lit(0, pl.UInt32)) for i, e in enumerate(some.values())]
    bits = reduce(lambda a, b: a | b, bit)
    values = rows.select(*[e.cast(pl.Int64).alias(k) for k, e in added.items()], bits.alias("_bits"))
    sums = {k: np.add.reduceat(values[k].to_numpy(), starts) if len(starts) else np.zeros(0, np.int64) for k in added}
    anyof = np.bitwise_or.reduceat(values["_bits"].to_numpy(), starts) if len(starts) else np.zeros(0, np.uint32)
    sums |= {k: (anyof >> i) & 1 == 1 for i, k in enumerate(some)}
    sums = pl.DataFrame(sums)
    total_cents = pl.col("_总分")
    stated_cents = cents(pl.col("表列总分"))
    scored = (pl.col("无法评分行数") == 0) & pl.col("_资金行")
    grades = [g.grade for g in sorted(plan.framework.grades, key=lambda g: -g.at_least)]
    grade = lookup(grades, Compiler(plan).value(numbered(plan.grade_tree(E.Ref("重算总分")), grades)).cast(pl.UInt32))
    forms = (pl.concat([base, sums, at_forms(funds, len(starts)), at_forms(stated, len(starts))], how="horizontal")
             .with_columns(
                 points(total_cents).alias("重算总分"),
                 points(stated_cents - total_cents).alias("总分差额"),
                 points(pl.col("_表列合计")).alias("表列合计"),
                 points(pl.col("_分值合计")).alias("分值合计"),
                 lookup(FORM_STATUS, (~scored).cast(pl.UInt32)).alias("状态"),
                 (scored & pl.col("表列总分").is_not_null() & (stated_cents != total_cents)).alias("TOTAL_DIFF"),
                 (pl.col("表列总分").is_not_null() & ~pl.col("_缺表列")
                  & (stated_cents != pl.col("_表列合计"))).alias("SUM_DIFF"),
                 (pl.col("_缺数") | ~pl.col("_资金行")).alias("NOT_SCORABLE"),
                 (pl.col("_资金分值错").fill_null(False)
                  | (~pl.col("_缺分值") & (pl.col("_分值合计") != round(plan.indicator_points * 100))))
                 .alias("WEIGHT_SUM"),
                 ((total_cents > plan.max_cents) | (stated_cents > plan.max_cents).fill_null(False))
                 .alias("TOTAL_ABOVE_MAX"),
                 pl.col("行数").cast(pl.UInt32), pl.col("无法评分行数").cast(pl.UInt32),
             )
             .with_columns(pl.when(pl.col("状态") == "scored").then(grade).otherwise(None).alias("等级")))
    forms = forms.with_columns(pl.col(f).fill_null(False) for f in FLAGS)
    # 复核原因: the raised flags as one number, written out once per distinct number.
    mask = pl.sum_horizontal([pl.col(f).cast(pl.UInt32) * (1 << i) for i, f in enumerate(FLAGS)])
    forms = forms.with_columns(mask.alias("_mask"))
    seen = sorted(forms["_mask"].unique().to_list())
    texts = [",".join(f for i, f in enumerate(FLAGS) if m >> i & 1) for m in seen]
    at = pl.col("_mask").replace_strict({m: i for i, m in enumerate(seen)}, return_dtype=pl.UInt32)
    return forms.with_columns((pl.col("_mask") > 0).alias("需复核"), lookup(texts, at).alias("复核原因"))


def _read(plan: Plan, lf: pl.LazyFrame) -> pl.DataFrame:
    """The batch's columns in memory. The columns the trees read are made one chunk each: the
    groups of :func:`evaluate_lines` gather from them, and gathers over a file read in many chunks
    are many times slower. The key and the header are not gathered and stay as read."""
    df = lf.select(plan.columns()).collect()
    read = plan.tree_inputs()
    return df.with_columns(df[c].rechunk() for c in df.columns if c in read)


def frames(plan: Plan, lf: pl.LazyFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Score a normalised batch: (every row with its results, forms) — see :func:`run` for the columns."""
    rows = score_lines(plan, with_runs(_read(plan, lf)))
    return rows, score_forms(plan, rows)


def run(plan: Plan, lf: pl.LazyFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Score a normalised batch: (lines, forms) as DataFrames with the plan's columns."""
    rows, forms = frames(plan, lf)
    return lines_only(rows), forms.select(FORM_COLUMNS)


# Rows scored at a time when a batch is streamed, whatever the size of the input (10M forms are
# 113M rows). The working set grows with the chunk (measured at 200,000 forms: 0.91 GiB peak with
# 2M-row chunks, 0.70 GiB with 1M, 0.53 GiB with 500k) while the time per row barely changes; the
# allocator keeps freed pages a while (batch/allocator.py), which adds about one chunk's worth, so
# 750k keeps a million forms under 1.5 GiB (1.20–1.27 GiB, against 1.37–1.47 GiB with 1M).
CHUNK_ROWS = 750_000


class NotStreamable(Exception):
    """The input's forms are not in 表单编号 order, so a form's rows may lie in two chunks."""


def write(plan: Plan, lf: pl.LazyFrame, lines_path, forms_path, stages: dict | None = None,
          chunk_rows: int = CHUNK_ROWS, unchecked: str | None = None) -> None:
    """Score and write both results as Parquet.

    A batch whose forms are in 表单编号 order (as exports and ``synth`` write them) is streamed:
    read in one pass, scored and written ``chunk_rows`` at a time, each chunk ending at a form's
    end, so memory stays bounded whatever the input's size. Otherwise (a form's rows scattered)
    it is scored whole, in memory. ``stages``, when given, receives the wall seconds of each stage
    (read, score, forms, write).

    ``unchecked`` (the input's name) says the reader left its value checks to this pass
    (``read_batch(..., check=False)``): each chunk is checked before it is scored, from its columns'
    ends (:func:`~jixiao.batch.io.within_bounds`), and a batch that fails is refused by
    :func:`~jixiao.batch.io.check_values` over the whole input, with the reader's very message.
    """
    try:
        return _write_streamed(plan, lf, lines_path, forms_path, stages, chunk_rows, unchecked)
    except NotStreamable:
        pass  # rows of a form scattered through the file: only the whole table can gather them
    if unchecked is not None:
        check_values(lf, unchecked)
    _write_whole(plan, lf, lines_path, forms_path, stages)


def _write_whole(plan: Plan, lf: pl.LazyFrame, lines_path, forms_path, stages: dict | None) -> None:
    """The whole batch in memory; the lines are streamed out while the forms are summed."""
    import time

    clock = time.perf_counter()
    t = {"read": clock}
    df = with_runs(_read(plan, lf))
    t["score"] = time.perf_counter()
    rows = score_lines(plan, df)
    del df
    t["forms"] = time.perf_counter()
    Path(lines_path).parent.mkdir(parents=True, exist_ok=True)
    # The lines are written while the forms are summed: both run in Polars and numpy, outside
    # the interpreter lock, so a second core is used.
    lines = rows.lazy().filter(pl.col("_line")).select(LINE_COLUMNS)
    with ThreadPoolExecutor(1) as pool:
        writing = pool.submit(lines.sink_parquet, lines_path, compression="lz4", statistics=False)
        forms = score_forms(plan, rows)
        t["write"] = time.perf_counter()
        write_parquet(forms.select(FORM_COLUMNS), forms_path)
        writing.result()
    end = time.perf_counter()
    if stages is not None:
        names = list(t)
        for a, b in zip(names, names[1:] + ["end"]):
            stages[a] = t.get(b, end) - t[a]


def _dictionary_text(df: pl.DataFrame):
    """The chunk as an Arrow table whose Enum columns stay dictionary-encoded, with one index type.

    Writing the codes and their few words is about half the cost of writing each row's text
    (measured: 0.55 s against 1.2 s for 2M lines). The index type is fixed because Polars picks it
    by the number of categories, and a chunk's 复核原因 has its own; one Parquet file needs one schema.
    """
    import pyarrow as pa

    table = df.to_arrow()
    text = pa.dictionary(pa.int32(), pa.large_string())
    return table.cast(pa.schema([pa.field(f.name, text) if pa.types.is_dictionary(f.type) else f.remove_metadata()
                                 for f in table.schema]))


def whole_forms(plan: Plan, batches, lf: pl.LazyFrame, unchecked: str | None):
    """The chunks of ``batches`` cut at forms' ends, checked and ready to score.

    A chunk's last form may go on in the next chunk: it is held back and scored with the next one,
    so every chunk yielded holds whole forms. Each chunk is checked from its columns' ends when the
    reader left the checks to this pass (``unchecked``, the input's name; a failure is refused by
    :func:`~jixiao.batch.io.check_values` over the whole input), and the columns the trees read are
    made one piece each. Raises :class:`NotStreamable` when the keys are not in order. Run in the
    reader's thread (:func:`read_ahead`), so all of this happens beside the scoring of the chunk
    before.
    """
    read = plan.tree_inputs()
    carry: pl.DataFrame | None = None
    last_key = None
    seen = False
    for part in batches:
        if unchecked is not None and not within_bounds(part):
            check_values(lf, unchecked)  # refuses, counting every bad value of the input
        seen = True
        if carry is not None:
            part = pl.concat([carry, part], how="vertical_relaxed")
        # After the concatenation: a column in two pieces (the form held back, then the chunk)
        # takes the slow path of every gather, as a column read in many chunks does.
        part = part.with_columns(part[c].rechunk() for c in part.columns if c in read)
        keys = part[KEY]
        if not keys.is_sorted() or (last_key is not None and keys[0] <= last_key):
            raise NotStreamable
        cut = int(keys.search_sorted(keys[-1], side="left"))
        carry, part = part[cut:], part[:cut]
        if part.height:
            last_key = part[KEY][-1]
            yield part
    if carry is not None and carry.height:
        yield carry
    if unchecked is not None and not seen:
        check_values(lf, unchecked)  # no rows: refused as empty


def read_ahead(batches, stop: threading.Event):
    """The chunks of ``batches``, each read by a second thread while the one before is scored.

    At most one chunk is read ahead (the reader waits for the previous one to be taken), so memory
    holds two input chunks, not more. A failure while reading is raised here, in the caller's
    thread; setting ``stop`` (or leaving the loop) ends the reader after the chunk it is reading.
    """
    import queue

    chunks: queue.Queue = queue.Queue()
    taken = threading.Semaphore(1)
    end = object()

    def read() -> None:
        try:
            while not stop.is_set():
                while not taken.acquire(timeout=0.1):
                    if stop.is_set():
                        return
                try:
                    chunk = next(batches)
                except StopIteration:
                    chunks.put(end)
                    return
                chunks.put(chunk)
        except BaseException as error:  # given to the caller, who raises it
            chunks.put(error)

    reader = threading.Thread(target=read, name="jixiao-batch-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = chunks.get()
            if item is end:
                return
            if isinstance(item, BaseException):
                raise item
            taken.release()
            yield item
    finally:
        stop.set()
        reader.join()


def _write_streamed(plan: Plan, lf: pl.LazyFrame, lines_path, forms_path, stages: dict | None,
                    chunk_rows: int, unchecked: str | None = None) -> None:
    import time

    import pyarrow as pa
    import pyarrow.parquet as pq

    spent = {"read": 0.0, "score": 0.0, "forms": 0.0, "write": 0.0}
    writers: dict[str, pq.ParquetWriter] = {}
    Path(lines_path).parent.mkdir(parents=True, exist_ok=True)

    def put(name: str, path, df: pl.DataFrame) -> None:
        table = _dictionary_text(df)
        if name not in writers:
            # No Arrow schema in the file: the dictionary columns read back as plain text, as the
            # whole-batch path's readers (summary, explain) expect; only they are dictionary-encoded.
            writers[name] = pq.ParquetWriter(
                str(path), table.schema, compression="lz4", write_statistics=False, store_schema=False,
                use_dictionary=[f.name for f in table.schema if pa.types.is_dictionary(f.type)])
        writers[name].write_table(table)

    def put_both(lines: pl.DataFrame, forms: pl.DataFrame) -> None:
        put("lines", lines_path, lines)
        put("forms", forms_path, forms)

    # A chunk's results are written by a second thread while the next chunk is read and scored
    # (Arrow's writer releases the interpreter), so the writing, a fifth of the work, runs beside
    # the rest on a second core. One write at a time, in order: at most one chunk's results wait.
    pool = ThreadPoolExecutor(1)
    writing: list = []

    def wait_written() -> None:
        while writing:
            writing.pop().result()

    def score(part: pl.DataFrame, t0: float) -> None:
        t1 = time.perf_counter()
        rows = score_lines(plan, with_runs(part, in_order=True))  # whole_forms has checked the order
        t2 = time.perf_counter()
        forms = score_forms(plan, rows)
        t3 = time.perf_counter()
        lines = rows.lazy().filter(pl.col("_line")).select(LINE_COLUMNS).collect()
        forms = forms.select(FORM_COLUMNS)
        del rows
        wait_written()  # the previous chunk's, written while this one was scored
        writing.append(pool.submit(put_both, lines, forms))
        t4 = time.perf_counter()
        for k, v in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            spent[k] += v

    reading = threading.Event()  # set: the reader stops
    ahead = None
    t0 = time.perf_counter()
    try:
        # One streaming pass over the normalised input, in order, a chunk at a time: the reader's
        # thread reads, checks and cuts the next chunk while this one is scored.
        batches = lf.select(plan.columns()).collect_batches(chunk_size=chunk_rows, maintain_order=True)
        ahead = read_ahead(whole_forms(plan, batches, lf, unchecked), reading)
        for part in ahead:
            score(part, t0)
            t0 = time.perf_counter()
        t0 = time.perf_counter()
        wait_written()
        spent["write"] += time.perf_counter() - t0
    finally:
        reading.set()
        if ahead is not None:
            ahead.close()  # waits for the reader to end
        try:
            for future in writing:  # a failure elsewhere: let the write under way end before closing
                future.exception()
        finally:
            pool.shutdown(wait=True)
            for w in writers.values():
                w.close()
    if stages is not None:
        stages.update(spent)
