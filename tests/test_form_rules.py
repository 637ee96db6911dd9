"""The row rules at their edges, in every engine: exactly at target, twice the target of a ≤ row,
a target of 0, '=' missed above and below, strict operators, the over-achievement threshold, and
the qualitative bands' edges (80% and 60%, inclusive below), including edges that binary floating
point puts a hair off (7 × 0.8 = 5.6000000000000005)."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from jixiao.batch.plan import Plan
from jixiao.batch.polars_engine import Compiler as PolarsCompiler
from jixiao.batch.sql import Compiler as SqlCompiler
from jixiao.core import expr as E
from jixiao.core.rules.target import GRADES, Qualitative, Target

T = Target(kind="target")
Q = Qualitative(kind="qualitative", score="得分")


def everywhere(tree: E.Node, env: dict) -> E.Value:
    """The tree's value for one row by the walker, and the same by Polars and DuckDB (asserted equal)."""
    plan = Plan(None, None, None, None, None)
    scalar = E.evaluate(tree, {k: (E.Missing(f"MISSING:{k}") if v is None else v) for k, v in env.items()})
    schema = {k: pl.String if k in ("运算符", "评价等级") else pl.Float64 for k in env}
    df = pl.DataFrame({k: [v] for k, v in env.items()}, schema=schema)
    c = PolarsCompiler(plan)
    got = df.select(c.value(tree).alias("v"), c.reason(tree).alias("r")).row(0)
    s = SqlCompiler(plan, "duckdb")
    con = duckdb.connect()
    con.register("t", df.to_arrow())
    sql = con.execute(f"SELECT {s.value(tree)} AS v, {s.reason(tree)} AS r FROM t").fetchall()[0]
    for value, reason in (got, sql):
        if isinstance(scalar, E.Missing):
            assert value is None and plan.reason_of(reason) == scalar.reason, (value, reason, scalar)
        else:
            assert reason is None and value == scalar, (value, scalar)
    return scalar


def target(op, t, a, w=10.0):
    env = {"运算符": op, "年度指标值": t, "实际完成值": a, "分值": w}
    return everywhere(T.lower(), env), everywhere(T.code(), env)


@pytest.mark.parametrize("op,t,a,score,code", [
    ("≥", 50.0, 50.0, 10.0, "MET"),                      # exactly at target
    ("≥", 50.0, 40.0, 8.0, "BELOW"),                     # 40 ÷ 50 × 10
    ("≥", 50.0, 0.0, 0.0, "BELOW"),
    ("≥", 50.0, 75.0, 10.0, "MET"),                      # 50% above: not yet over-achievement
    ("≥", 50.0, 75.01, 10.0, "OVERSHOOT"),               # beyond 50% above: flagged, still full points
    (">", 50.0, 50.0, 10.0, "BELOW"),                    # strict, not met; the ratio is 1 (documented)
    (">", 50.0, 50.5, 10.0, "MET"),
    ("≤", 20.0, 20.0, 10.0, "MET"),                      # exactly at target
    ("≤", 20.0, 30.0, 5.0, "ABOVE"),                     # (1 − 10 ÷ 20) × 10
    ("≤", 20.0, 40.0, 0.0, "ABOVE"),                     # exactly twice the target: 0
    ("≤", 20.0, 39.0, 0.5, "ABOVE"),                     # just under twice
    ("≤", 20.0, 100.0, 0.0, "ABOVE"),                    # far beyond: 0, never negative
    ("<", 20.0, 20.0, 10.0, "ABOVE"),                    # strict, not met; penalty of 0
    ("≤", 0.0, 0.0, 10.0, "MET"),                        # target 0 met
    ("≤", 0.0, 1.0, 0.0, "ZERO_TARGET_MISSED"),          # target 0 missed: no ratio to take
    ("=", 0.0, 0.5, 0.0, "ZERO_TARGET_MISSED"),
    ("≥", 0.0, 0.0, 10.0, "MET"),
    ("≥", 0.0, 5.0, 10.0, "MET"),                        # over a target of 0 is not over-achievement
    ("=", 100.0, 100.0, 10.0, "MET"),
    ("=", 100.0, 90.0, 9.0, "BELOW"),                    # below: as ≥
    ("=", 100.0, 110.0, 9.0, "ABOVE"),                   # above: as ≤
    ("=", 100.0, 250.0, 0.0, "ABOVE"),
])
def test_target_edges(op, t, a, score, code):
    got_score, got_code = target(op, t, a)
    assert got_score == pytest.approx(score, abs=1e-12)
    assert got_code == code


@pytest.mark.parametrize("env,reason", [
    ({"运算符": None, "年度指标值": 1.0, "实际完成值": 1.0, "分值": 10.0}, "MISSING:运算符"),
    ({"运算符": "≥", "年度指标值": 1.0, "实际完成值": None, "分值": 10.0}, "MISSING:实际完成值"),
    ({"运算符": "≥", "年度指标值": 1.0, "实际完成值": 0.5, "分值": None}, "MISSING:分值"),
    ({"运算符": "≤", "年度指标值": None, "实际完成值": 2.0, "分值": 10.0}, "MISSING:年度指标值"),
    ({"运算符": "≤", "年度指标值": 0.0, "实际完成值": 1.0, "分值": None}, "MISSING:分值"),  # 0 of what?
])
def test_target_missing_inputs_give_their_reason(env, reason):
    got = everywhere(T.lower(), env)
    assert isinstance(got, E.Missing) and got.reason == reason


def test_a_met_row_needs_no_weight_to_be_met_but_its_score_does():
    env = {"运算符": "≥", "年度指标值": 1.0, "实际完成值": 2.0, "分值": None}
    assert everywhere(T.code(), env) == "OVERSHOOT"
    assert everywhere(T.lower(), env) == E.Missing("MISSING:分值")


def qual(grade, score, w):
    env = {"评价等级": grade, "得分": score, "分值": w}
    return everywhere(Q.lower(), env), everywhere(Q.code(), env)


@pytest.mark.parametrize("grade,score,w,ok", [
    (GRADES[0], 10.0, 10.0, True), (GRADES[0], 8.0, 10.0, True), (GRADES[0], 7.99, 10.0, False),
    (GRADES[0], 10.01, 10.0, False),
    (GRADES[1], 8.0, 10.0, False), (GRADES[1], 7.99, 10.0, True), (GRADES[1], 6.0, 10.0, True),
    (GRADES[1], 5.99, 10.0, False),
    (GRADES[2], 6.0, 10.0, False), (GRADES[2], 5.99, 10.0, True), (GRADES[2], 0.0, 10.0, True),
    (GRADES[2], -0.01, 10.0, False),
    # 7 × 0.8 is 5.6000000000000005 and 3 × 0.6 is 1.7999999999999998 in binary: a reader's 5.6 and
    # 1.8 sit on the edge, which belongs to the upper band.
    (GRADES[0], 5.6, 7.0, True), (GRADES[1], 5.6, 7.0, False), (GRADES[1], 1.8, 3.0, True),
    (GRADES[2], 1.8, 3.0, False), (GRADES[0], 6.4, 8.0, True), (GRADES[1], 4.2, 7.0, True),
])
def test_qualitative_band_edges(grade, score, w, ok):
    got, code = qual(grade, score, w)
    if ok:
        assert got == score and code == "QUAL_IN_BAND"
    else:
        assert got == E.Missing("QUAL_OUT_OF_BAND") and code == "QUAL_OUT_OF_BAND"


@pytest.mark.parametrize("score,w,ok,band", [
    (8.0, 10.0, True, GRADES[0]), (10.0, 10.0, True, GRADES[0]), (0.0, 10.0, True, GRADES[2]),
    (7.99, 10.0, True, GRADES[1]), (6.0, 10.0, True, GRADES[1]), (5.99, 10.0, True, GRADES[2]),
    (5.6, 7.0, True, GRADES[0]), (10.01, 10.0, False, ""), (-0.01, 10.0, False, ""),
])
def test_a_qualitative_row_without_a_grade_takes_the_evaluators_score(score, w, ok, band):
    """Published forms give only a score and a text: a score within 0–分值 is the evaluator's
    judgement, scored as it stands (QUAL_INFERRED), its band inferred for the trace."""
    from jixiao.core.rules.target import Qualitative

    got, code = qual(None, score, w)
    if ok:
        assert got == score and code == "QUAL_INFERRED"
        assert Qualitative.band_of(score, w) == band
    else:
        assert got == E.Missing("QUAL_OUT_OF_BAND") and code == "QUAL_OUT_OF_BAND"


def test_a_qualitative_row_without_grade_or_score_is_not_scorable():
    got, code = qual(None, None, 10.0)
    assert got == E.Missing("MISSING:得分") and code == E.Missing("MISSING:得分")
