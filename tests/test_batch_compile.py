"""The compilers against the walker, node by node: random well-typed expression trees over rows
with missing values, zeros and negatives, evaluated by :func:`jixiao.core.expr.evaluate`, by the
Polars compiler and by the SQL compiler on DuckDB, must give the same value and the same reason
for every row. And :func:`jixiao.batch.plan.specialise` must not change any tree's meaning."""

from __future__ import annotations

import duckdb
import polars as pl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jixiao.batch.plan import Plan, specialise
from jixiao.batch.polars_engine import Compiler as PolarsCompiler
from jixiao.batch.sql import Compiler as SqlCompiler
from jixiao.core import expr as E

NUMS = ["a", "b", "c"]
NUMBER_VALUES = [None, 0.0, -0.0, 1.0, -2.0, 0.5, 3.0, 1e-9, 7.0, 0.1]
ROWS = [
    {"a": a, "b": b, "c": c, "p": p, "s": s}
    for a in NUMBER_VALUES for b, c in ((0.0, None), (2.0, 1.0), (None, 0.5), (-1.5, 0.0), (0.1, 0.2))
    for p, s in ((None, "≥"), (True, None), (False, "≤"))
]
SCHEMA = {"a": pl.Float64, "b": pl.Float64, "c": pl.Float64, "p": pl.Boolean, "s": pl.String}


def numbers(depth: int):
    leaf = st.one_of(st.sampled_from([E.Const(v) for v in (0.0, 1.0, -2.0, 0.5, 2.0, 1e-9)]),
                     st.sampled_from([E.Ref(n) for n in NUMS]), st.just(E.Fail("FAIL_N")))
    if depth <= 0:
        return leaf
    sub, test = numbers(depth - 1), booleans(depth - 1)
    return st.one_of(
        leaf,
        st.builds(E.Binary, st.sampled_from(["+", "-", "*", "/"]), sub, sub),
        st.builds(lambda x: E.Unary("-", x), sub),
        st.builds(E.Cond, test, sub, sub),
        st.builds(lambda f, xs: E.Call(f, tuple(xs)), st.sampled_from(["min", "max"]), st.lists(sub, min_size=2, max_size=3)),
        st.builds(lambda x: E.Call("abs", (x,)), sub),
    )


def booleans(depth: int):
    leaf = st.one_of(st.sampled_from([E.Const(True), E.Const(False), E.Ref("p"), E.Fail("FAIL_B")]),
                     st.builds(lambda v: E.Compare("==", E.Ref("s"), E.Const(v)), st.sampled_from(["≥", "≤"])))
    if depth <= 0:
        return leaf
    sub = booleans(depth - 1)
    num = numbers(depth - 1)
    return st.one_of(
        leaf,
        st.builds(E.Compare, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), num, num),
        st.builds(lambda op, xs: E.Logic(op, tuple(xs)), st.sampled_from(["and", "or"]), st.lists(sub, min_size=2, max_size=3)),
        st.builds(lambda x: E.Unary("not", x), sub),
        st.builds(lambda x: E.Call("present", (x,)), num),
        st.builds(E.Cond, sub, sub, sub),
    )


def walker(tree, row):
    env = {k: (E.Missing(f"MISSING:{k}") if v is None else v) for k, v in row.items()}
    return E.evaluate(tree, env)


def same(scalar, value, reason, plan) -> bool:
    if isinstance(scalar, E.Missing):
        return value is None and plan.reason_of(reason) == scalar.reason
    return reason is None and value is not None and value == scalar and type(value) is type(scalar) or (
        reason is None and isinstance(scalar, float) and value == scalar)


FRAME = pl.DataFrame(ROWS, schema=SCHEMA)
CON = duckdb.connect()
CON.register("t", FRAME.to_arrow())


# Trees that once broke a compiler (Polars folding constants and nulls into a single row,
# or dividing by a constant as a multiplication by its reciprocal).
@example(E.Call("abs", (E.Fail("FAIL_N"),)))
@example(E.Cond(E.Fail("FAIL_B"), E.Const(0.0), E.Fail("FAIL_N")))
@example(E.Binary("/", E.Fail("FAIL_N"), E.Const(1.0)))
@example(E.Compare("<", E.Const(0.0), E.Call("min", (E.Const(0.0), E.Binary("+", E.Ref("a"), E.Fail("FAIL_N"))))))
@example(E.Compare("<", E.Const(0.0), E.Cond(E.Const(True), E.Fail("FAIL_N"), E.Ref("a"))))
@example(E.Binary("/", E.Ref("a"), E.Unary("-", E.Const(1e-09))))
@example(E.Cond(E.Const(True), E.Const(True), E.Compare("<", E.Const(0.0), E.Ref("a"))))
@example(E.Binary("/", E.Cond(E.Const(True), E.Const(0.0), E.Ref("a")), E.Const(1.0)))  # a literal ÷ a constant
@example(E.Compare("<", E.Const(0.0), E.Binary("/", E.Ref("a"), E.Const(0.0))))  # a constant beside a ÷ 0
# min/max of one column and fixed numbers are a clip: missing stays missing, every bound counts.
@example(E.Call("max", (E.Const(0.0), E.Call("min", (E.Binary("/", E.Ref("a"), E.Ref("b")), E.Const(1.0))))))
@example(E.Call("min", (E.Const(2.0), E.Ref("c"), E.Const(0.5))))
@example(E.Call("max", (E.Ref("a"), E.Const(-2.0), E.Cond(E.Const(True), E.Const(1e-9), E.Ref("b")))))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(numbers(3), booleans(3)))
def test_compiled_trees_agree_with_the_walker_row_by_row(tree):
    plan = Plan(None, None, None, None, None)
    p = PolarsCompiler(plan)
    got = FRAME.with_columns(p.value(tree).alias("_v"), p.reason(tree).alias("_r")).select("_v", "_r").rows()
    s = SqlCompiler(plan, "duckdb")
    sql = CON.execute(f"SELECT {s.value(tree)}, {s.reason(tree)} FROM t").fetchall()
    for row, (pv, pr), (sv, sr) in zip(ROWS, got, sql):
        want = walker(tree, row)
        assert same(want, pv, pr, plan), (E.render(tree), row, want, pv, plan.reason_of(pr))
        assert same(want, sv, sr, plan), (E.render(tree), row, want, sv, plan.reason_of(sr))


@example(E.Binary("/", E.Const(0.0), E.Ref("a")), ROWS[0] | {"a": 0.0}, {"a"})  # ZERO:a, not ZERO:0
@example(E.Binary("/", E.Ref("b"), E.Ref("a")), ROWS[0] | {"a": 0.0, "b": None}, {"a"})  # the missing b first
# A divisor whose fixed test picks a branch is still named as written: ZERO:（False 时取 …，否则取 b）, not ZERO:b.
@example(E.Binary("/", E.Const(0.0), E.Cond(E.Const(False), E.Fail("FAIL_N"), E.Ref("b"))), ROWS[0] | {"b": 0.0}, set())
@settings(max_examples=200, deadline=None)
@given(st.one_of(numbers(3), booleans(3)), st.sampled_from(ROWS), st.sets(st.sampled_from(["a", "b", "p", "s"])))
def test_specialising_a_tree_keeps_its_meaning(tree, row, fixed):
    known = {k: row[k] for k in fixed}
    assert walker(specialise(tree, known), row) == walker(tree, row)


def test_compilers_tell_false_from_zero():
    # False == 0.0 in Python; compilers key shared subtrees on nodes, which must tell them apart.
    assert E.Const(False) != E.Const(0.0) and E.Unary("not", E.Const(False)) != E.Unary("not", E.Const(0.0))
    tree = E.Logic("or", (E.Cond(E.Ref("p"), E.Const(False), E.Const(True)), E.Compare("<", E.Ref("a"), E.Const(0.0))))
    plan = Plan(None, None, None, None, None)
    s = SqlCompiler(plan, "duckdb")
    assert CON.execute(f"SELECT {s.value(tree)} FROM t").fetchall()  # would not bind with a DOUBLE branch


def test_division_by_a_constant_is_ieee_division_in_every_engine():
    # Polars rewrites x / literal as x * (1 / literal): 7 / 1e-9 would be 6999999999.999999.
    plan = Plan(None, None, None, None, None)
    frame = pl.DataFrame({"a": [7.0, 1054.0, 0.1]})
    for divisor in (1e-9, 100.0, 10.0, 3.0):
        tree = E.Binary("/", E.Ref("a"), E.Const(divisor))
        got = frame.select(PolarsCompiler(plan).value(tree)).to_series().to_list()
        assert got == [7.0 / divisor, 1054.0 / divisor, 0.1 / divisor]
    from jixiao.batch.polars_engine import points

    assert pl.DataFrame({"c": [1054, 1]}).select(points(pl.col("c"))).to_series().to_list() == [10.54, 0.01]


@example(E.Logic("and", (E.Fail("FAIL_B"), E.Const(False))))  # False decides; the reason is dropped
@example(E.Logic("or", (E.Fail("FAIL_B"), E.Ref("p"))))  # the first reason, when nothing decides
@example(E.Binary("/", E.Ref("b"), E.Ref("a")))
@settings(max_examples=400, deadline=None)
@given(st.one_of(numbers(4), booleans(4)))
def test_the_compiled_function_is_the_walker(tree):
    """``compile_tree`` (what the store and the scalar engine run) gives exactly what ``evaluate``
    gives: the same value of the same type, or the same reason for a missing one."""
    fn = E.compile_tree(tree)
    for row in ROWS:
        env = {k: (E.Missing(f"MISSING:{k}") if v is None else v) for k, v in row.items()}
        want, got = E.evaluate(tree, env), fn(env)
        assert type(got) is type(want) and got == want, (E.render(tree), row, want, got)
