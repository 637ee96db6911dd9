"""Property tests of the traced engine on the shipped framework, with random but valid facts.

Facts are drawn around the seed's own: the seed's facts with a random subset replaced by money
from 0 to a million 万元 (0 included), counts, rates from 0 to beyond 300%, yes/no flags, judgements
met, unmet or partly awarded, every level, expert scores, optional facts left out, and sometimes
the project list instead of its counts. For every draw:

* every leaf scores between 0 and its weight, or is not scorable *with* a reason;
* every parent is the unrounded sum of its children's scores, and the total that of level one;
* the trace adds up: its steps win exactly the score, and what is shown is round_half_up(score);
* the JSON contract has every indicator at every level, once, in a form ``json`` can write.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jixiao.core.engine import evaluate
from jixiao.core.evaluation import Evaluation
from jixiao.core.facts import Case, Fact, Judgement
from jixiao.core.model import WEIGHT_TOLERANCE
from jixiao.core.numbers import fmt_points, round_half_up
from jixiao.intake.framework import load_framework

FW = load_framework("shenzhen-dept/2020")
POINTS = FW.judgement_points()
EXPERTS = FW.expert_points()
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEWER = settings(SETTINGS, max_examples=50)  # narrower properties: fewer draws keep the suite fast

money = st.one_of(st.just(0.0), st.integers(0, 100_000_000).map(lambda cents: cents / 100))
rate = st.one_of(st.sampled_from([0.0, 0.1, 0.9, 1.0, 2.9277, 3.01, 3.5]),
                 st.integers(0, 40_000).map(lambda bp: bp / 10_000))
count = st.one_of(st.sampled_from([0, 1, 2, 3, 39]), st.integers(0, 50_000)).map(float)


def judgement(name: str):
    most = POINTS.get(name, 1.0)
    return st.one_of(
        st.just(Judgement(met=True)),
        st.just(Judgement(met=False, evidence="未达到")),
        st.integers(0, int(most * 100)).map(lambda p: Judgement(points=p / 100, evidence="酌情扣分")),
    )


def value(name: str, spec):
    if spec.type == "money":
        return money.map(Fact)
    if spec.type == "rate":
        return rate.map(Fact)
    if spec.type in ("count", "number"):
        return count.map(Fact)
    if spec.type == "flag":
        return st.booleans().map(Fact)
    if spec.type == "level":
        return st.sampled_from(spec.choices).map(lambda v: Fact(v, "评定依据"))
    if spec.type == "score":
        most = EXPERTS[name]
        return st.integers(0, int(most * 10)).map(lambda s: Fact(s / 10, "专家评分理由"))
    if spec.type == "judgement":
        return judgement(name)
    return st.just(Fact("文字"))


project = st.fixed_dictionaries({
    "按时完成": st.sampled_from([True, True, False, None]),
    "已编报绩效目标": st.sampled_from([True, True, False, None]),
})


def _seed_facts() -> dict:
    from jixiao.intake.case import load_case

    case, _ = load_case(Path(__file__).resolve().parents[1] / "examples" / "shenzhen-sibao-2020" / "case.yaml")
    return case.facts


SEED = _seed_facts()


@st.composite
def cases(draw) -> Case:
    """The seed's facts with a random subset replaced (from none to all of them)."""
    keep = draw(st.sets(st.sampled_from(sorted(SEED))))
    facts = {}
    for name, spec in FW.facts.items():
        if name in keep:
            facts[name] = SEED[name]
        elif spec.required or draw(st.booleans()):
            facts[name] = draw(value(name, spec))
    lists = {}
    if draw(st.integers(0, 3)) == 0:  # now and then, the project list instead of its counts
        items = draw(st.lists(project, max_size=8))
        lists["项目清单"] = [{"名称": f"项目{i}", **item} for i, item in enumerate(items)]
        for name, spec in FW.facts.items():
            if spec.count_of == "项目清单":
                facts.pop(name, None)
    return Case(subject="随机单位", year=2020, framework=FW.id, facts=facts, lists=lists)


def check_invariants(e: Evaluation) -> None:
    by_id = {r.id: r for r in e.results}
    for r in e.results:
        kids = e.children(r.id)
        if not kids:
            if r.status == "scored":
                assert r.score is not None and -WEIGHT_TOLERANCE <= r.score <= r.weight + WEIGHT_TOLERANCE, (r.id, r.score)
                assert not r.reason
            else:
                assert r.status == "not_scorable" and r.score is None
                assert r.reason and re.match(r"^(MISSING|ZERO):.+", r.reason), r.reason
                assert r.reason_text and r.trace == r.reason_text
            continue
        scored = [k.score for k in kids if k.score is not None]
        assert r.score == sum(scored), r.id  # unrounded, added in the file's order
        assert r.status == ("scored" if all(k.status == "scored" for k in kids) else "incomplete")
        assert by_id[r.id] is r
    tops = e.level(1)
    assert e.total == sum(t.score for t in tops)
    assert 0 <= e.total <= FW.total + WEIGHT_TOLERANCE
    assert e.status == ("scored" if all(t.status == "scored" for t in tops) else "incomplete")


def check_trace(e: Evaluation) -> None:
    for r in e.leaves():
        if r.score is None:
            assert r.shown() == "—"
            continue
        assert r.shown() == f"{round_half_up(r.score):.2f}"
        assert r.steps, r.id
        assert math.isclose(sum(s.won for s in r.steps), r.score, abs_tol=1e-9), (r.id, r.trace)
        assert math.isclose(sum(s.available for s in r.steps), r.weight, abs_tol=1e-9), (r.id, r.trace)
        assert r.trace == "；".join(s.text for s in r.steps)
        if len(r.steps) == 1:
            won = re.findall(r"得 ([0-9.]+) 分", r.trace)
            assert won and won[-1] == fmt_points(r.score), (r.id, r.trace)
        assert math.isclose(r.lost, r.weight - r.score, abs_tol=1e-9)


def check_json(e: Evaluation) -> None:
    data = e.to_json()
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    assert json.loads(text) == data
    assert {"framework", "edition_hash", "subject", "year", "total", "indicators"} <= set(data)
    rows = data["indicators"]
    assert [row["id"] for row in rows] == [i.id for i in FW.walk()]
    ids = {row["id"] for row in rows}
    assert len(ids) == len(rows)
    assert {row["level"] for row in rows} == {1, 2, 3}
    for row, ind in zip(rows, FW.walk()):
        assert {"id", "name", "level", "parent", "weight", "score", "status", "trace"} <= set(row)
        assert (row["name"], row["level"], row["weight"]) == (ind.name, ind.level, ind.weight)
        assert row["parent"] == (ind.parent or None)
        assert row["parent"] is None or row["parent"] in ids
        assert row["status"] in ("scored", "not_scorable", "incomplete")
        assert (row["score"] is None) == (row["status"] == "not_scorable")
    assert data["total"] == e.total and data["edition_hash"] == FW.fingerprint()


@SETTINGS
@given(cases())
def test_every_score_is_within_its_weight_and_adds_up(case):
    check_invariants(evaluate(FW, case))


@SETTINGS
@given(cases())
def test_the_trace_adds_up_to_the_score_it_shows(case):
    check_trace(evaluate(FW, case))


@FEWER
@given(cases())
def test_the_json_contract_has_every_indicator_at_every_level(case):
    check_json(evaluate(FW, case))


@FEWER
@given(cases(), st.sampled_from(["超范围超标准支出", "虚列支出", "截留挤占挪用", "其他违规支出"]))
def test_any_veto_condition_zeroes_financial_compliance(case, hit):
    case.facts[hit] = Fact(True)
    r = evaluate(FW, case)["财务合规性"]
    assert r.status == "scored" and r.score == 0.0


@FEWER
@given(cases(), st.sampled_from([
    ("政府采购执行情况", "政府采购计划金额", "实际政府采购金额"),
    ("固定资产利用率", "固定资产总额", "在用固定资产总额"),
    ("财政供养人员控制率", "核定编制数", None),
]))
def test_a_zero_denominator_is_never_a_silent_zero_or_full_marks(case, where):
    name, denominator, numerator = where
    case.facts[denominator] = Fact(0.0)
    if numerator:
        case.facts[numerator] = Fact(0.0)
    r = evaluate(FW, case)[name]
    assert r.status == "not_scorable" and r.score is None and r.reason == f"ZERO:{denominator}"


@FEWER
@given(cases(), st.integers(0, 20))
def test_more_unfinished_key_work_never_scores_higher(case, n):
    case.facts["未完成重点工作数"] = Fact(float(n))
    fewer = evaluate(FW, case)["重点工作完成情况"].score
    case.facts["未完成重点工作数"] = Fact(float(n + 1))
    more = evaluate(FW, case)["重点工作完成情况"].score
    assert more <= fewer and fewer - more <= 4


def test_the_seed_facts_satisfy_every_property():
    from jixiao.intake.case import load_case

    case, fw = load_case("examples/shenzhen-sibao-2020/case.yaml")
    e = evaluate(fw, case)
    check_invariants(e)
    check_trace(e)
    check_json(e)
    assert round_half_up(e.total) == 96.77


@pytest.mark.parametrize("x", [0.665, 1.005, 2.26886, 96.77238861876398, 0.0, 5.9849, 5.846153846])
def test_round_half_up_is_the_documented_formula(x):
    assert round_half_up(x) == math.floor(x * 100 + 0.5 + 1e-6) / 100
