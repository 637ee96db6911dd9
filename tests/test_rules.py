"""Every rule kind at its boundaries, in Python where a YAML case is awkward: a one-indicator
framework is built in memory, scored by the traced engine, and its score, status, reason and trace
checked; ``check`` is run for the framework errors each kind finds itself.

The YAML cases in ``src/jixiao/frameworks/shenzhen-dept/2020/tests.yaml`` cover the same boundaries
through the shipped framework; these cover what that framework cannot reach (other thresholds,
signed facts, computed counts, malformed rules).
"""

from __future__ import annotations

import pytest

from jixiao.core import expr as E
from jixiao.core.engine import evaluate
from jixiao.core.errors import Problems
from jixiao.core.facts import Case, Fact, FactSpec, Judgement
from jixiao.core.model import Framework, validate
from jixiao.core.numbers import round_half_up
from jixiao.core.rules import CheckContext


def framework(rule: dict, facts: dict, weight: float, lists: dict | None = None) -> Framework:
    return Framework.model_validate({
        "id": "test/rule", "name": "规则测试", "edition": "1", "total": weight, "levels": 1,
        "facts": facts, "lists": lists or {},
        "indicators": [{"name": "指标", "weight": weight, "rule": rule}],
    })


def score(rule: dict, facts: dict, weight: float, values: dict, lists: dict | None = None,
          case_lists: dict | None = None):
    """Score one indicator; ``values`` maps fact names to values (a Judgement passes as is)."""
    fw = framework(rule, facts, weight, lists)
    problems = validate(fw)
    assert not problems.errors, [str(p) for p in problems.errors]
    given = {k: v if isinstance(v, (Fact, Judgement)) else Fact(v) for k, v in values.items()}
    case = Case(subject="测试单位", year=2020, framework=fw.id, facts=given, lists=case_lists or {})
    return evaluate(fw, case)["指标"]


def codes(rule: dict, facts: dict, weight: float) -> list[str]:
    fw = framework(rule, facts, weight)
    return [p.code for p in validate(fw).errors]


NUM = {"type": "number", "label": "数"}
MONEY = {"type": "money", "unit": "万元", "label": "金额"}
RATE = {"type": "rate", "label": "率"}
COUNT = {"type": "count", "unit": "项", "label": "项数"}
FLAG = {"type": "flag", "label": "是否"}
JUDGE = {"type": "judgement", "label": "判断"}


# --- checklist --------------------------------------------------------------------------------

CHECKLIST = {"kind": "checklist", "items": [
    {"says": "制度健全", "points": 0.5, "fact": "制度"},
    {"says": "执行有效", "points": 1.5, "fact": "执行"},
    {"says": "回复率达100%", "points": 1, "test": "回复数 >= 来件数"},
]}
CHECKLIST_FACTS = {"制度": JUDGE, "执行": JUDGE, "回复数": COUNT, "来件数": COUNT}


def test_checklist_all_met_earns_every_point():
    r = score(CHECKLIST, CHECKLIST_FACTS, 3, {"制度": Judgement(met=True), "执行": Judgement(met=True),
                                              "回复数": 10.0, "来件数": 10.0})
    assert r.score == 3 and r.status == "scored"
    assert "（10 ≥ 10）" in r.trace


def test_checklist_partial_award_counts_the_points_given_with_the_reason():
    r = score(CHECKLIST, CHECKLIST_FACTS, 3, {
        "制度": Judgement(met=True), "执行": Judgement(points=0.7, evidence="个别制度未执行"),
        "回复数": 9.0, "来件数": 10.0})
    assert r.score == pytest.approx(1.2)
    assert "酌情扣 0.8 分，得 0.7 分（个别制度未执行）" in r.trace
    # Not met: the trace states the comparison that holds (issue 13, reviewer's list), never “9 ≥ 10”.
    assert "回复率达100%：未达到，扣 1 分（9 < 10）" in r.trace
    assert [s.lost for s in r.losses] == pytest.approx([1.0, 0.8])


def test_checklist_unmet_judgement_scores_zero_with_its_evidence():
    r = score(CHECKLIST, CHECKLIST_FACTS, 3, {
        "制度": Judgement(met=False, evidence="无制度"), "执行": Judgement(points=0.0, evidence="未执行"),
        "回复数": 0.0, "来件数": 0.0})
    assert r.score == 1.0  # 0 ≥ 0: no letters, nothing unanswered
    assert "制度健全：未达到，扣 0.5 分（无制度）" in r.trace


def test_checklist_test_with_a_missing_figure_is_not_scorable():
    r = score(CHECKLIST, CHECKLIST_FACTS, 3, {"制度": Judgement(met=True), "执行": Judgement(met=True),
                                              "回复数": 1.0})
    assert r.status == "not_scorable" and r.reason == "MISSING:来件数" and r.score is None
    assert "来件数" in r.reason_text


def test_checklist_criterion_needs_exactly_one_of_fact_and_test():
    with pytest.raises(ValueError):
        framework({"kind": "checklist", "items": [{"says": "x", "points": 1}]}, {}, 1)
    with pytest.raises(ValueError):
        framework({"kind": "checklist", "items": [{"says": "x", "points": 1, "fact": "a", "test": "b"}]},
                  {"a": JUDGE, "b": FLAG}, 1)


def test_checklist_checks():
    assert codes({"kind": "checklist", "items": []}, {}, 1) == ["E-FW-RULE-EMPTY", "E-FW-RULE-SHORT"]
    assert codes({"kind": "checklist", "items": [{"says": "x", "points": 1, "fact": "a"}]}, {"a": FLAG}, 1) == \
        ["E-FW-FACT-TYPE"]
    assert codes({"kind": "checklist", "items": [{"says": "x", "points": 1, "test": "a + 1"}]}, {"a": NUM}, 1) == \
        ["E-FW-EXPR-TYPE"]
    assert codes({"kind": "checklist", "items": [{"says": "x", "points": 1, "test": "b > 1"}]}, {}, 1) == \
        ["E-FW-FACT-UNDECLARED"]


def test_a_judgement_cannot_be_read_in_an_expression():
    # It is worth the points of the criterion naming it; read in a test it would always be 0.
    rule = {"kind": "checklist", "items": [{"says": "制度健全", "points": 1, "test": "制度 > 0"}]}
    assert codes(rule, {"制度": JUDGE}, 1) == ["E-FW-FACT-TYPE"]


# --- rate -------------------------------------------------------------------------------------

PURCHASE = {"kind": "rate", "label": "政府采购执行率", "numerator": "实际", "denominator": "计划", "points": 1,
            "zero_if": "实际 > 计划", "zero_says": "实际采购金额大于采购计划金额"}
PURCHASE_FACTS = {"实际": MONEY, "计划": MONEY}


@pytest.mark.parametrize("actual,plan,want", [
    (4222.66, 6279.26, 4222.66 / 6279.26), (6279.26, 6279.26, 1.0), (0.0, 6279.26, 0.0),
    (10.0, 100.0, 0.1), (90.0, 100.0, 0.9), (100.01, 100.0, 0.0),
])
def test_rate_times_points_with_zero_if(actual, plan, want):
    r = score(PURCHASE, PURCHASE_FACTS, 1, {"实际": actual, "计划": plan})
    assert r.score == pytest.approx(want, abs=1e-12)


def test_rate_trace_shows_the_figures_and_the_rate():
    r = score(PURCHASE, PURCHASE_FACTS, 1, {"实际": 4222.66, "计划": 6279.26})
    assert r.trace == "政府采购执行率 = 4,222.66 ÷ 6,279.26 = 67.25%，扣 0.33 分，得 0.67 分"
    r = score(PURCHASE, PURCHASE_FACTS, 1, {"实际": 7000.0, "计划": 6279.26})
    assert r.trace == "实际采购金额大于采购计划金额，政府采购执行率得分为 0"


def test_rate_with_zero_denominator_is_not_scorable_unless_zero_if_decides():
    r = score(PURCHASE, PURCHASE_FACTS, 1, {"实际": 0.0, "计划": 0.0})
    assert r.status == "not_scorable" and r.reason == "ZERO:计划" and "为 0" in r.reason_text
    r = score(PURCHASE, PURCHASE_FACTS, 1, {"实际": 5.0, "计划": 0.0})  # spent without a plan: 0, as written
    assert r.status == "scored" and r.score == 0.0


def test_rate_cap_counts_a_ratio_above_it_as_the_cap():
    rule = {"kind": "rate", "label": "项目完成及时率", "numerator": "按时", "denominator": "计划", "points": 6, "cap": 1}
    facts = {"按时": COUNT, "计划": COUNT}
    assert score(rule, facts, 6, {"按时": 38.0, "计划": 39.0}).score == pytest.approx(6 * 38 / 39)
    r = score(rule, facts, 6, {"按时": 40.0, "计划": 39.0})
    assert r.score == 6 and "按 100.00% 计" in r.trace


def test_rate_of_a_negative_figure_scores_zero_not_less():
    rule = {"kind": "rate", "label": "增长率", "numerator": "变化", "denominator": "基数", "points": 2}
    facts = {"变化": {"type": "number", "label": "变化", "signed": True}, "基数": NUM}
    assert score(rule, facts, 2, {"变化": -5.0, "基数": 10.0}).score == 0.0


def test_rate_checks():
    assert "E-FW-RULE-UNBOUNDED" in codes({**PURCHASE, "cap": None}, PURCHASE_FACTS, 1)
    assert codes({**PURCHASE, "cap": 1.2}, PURCHASE_FACTS, 1) == ["E-FW-RULE-MAX"]
    assert codes({**PURCHASE, "numerator": "档"}, {**PURCHASE_FACTS, "档": {"type": "level", "choices": ["好"]}}, 1) \
        == ["E-FW-EXPR-TYPE"]
    assert codes({**PURCHASE, "zero_if": "实际 - 计划"}, PURCHASE_FACTS, 1) == ["E-FW-EXPR-TYPE"]


# --- deduct_over ------------------------------------------------------------------------------

ADJUST = {"kind": "deduct_over", "label": "资金调整率", "value": "abs(调整 - 年初) / 调整", "threshold": 0.10,
          "per": 0.01, "deduct": 0.1, "points": 1}
ADJUST_FACTS = {"调整": MONEY, "年初": MONEY}


@pytest.mark.parametrize("start,adjusted,want", [
    (9000.0, 10000.0, 1.0),  # exactly 10%
    (11000.0, 10000.0, 1.0),  # 10% the other way: abs()
    (8900.0, 10000.0, 0.9),  # 11%: one point over
    (21195.00, 25632.32, 1 - (abs(25632.32 - 21195.00) / 25632.32 - 0.10) / 0.01 * 0.1),
    (8000.0, 10000.0, 0.0),  # exactly 20%: the point is gone
    (7000.0, 10000.0, 0.0),  # beyond: floor at 0
    (10000.0, 10000.0, 1.0),  # no adjustment
])
def test_deduct_over_is_proportional_beyond_the_threshold_down_to_zero(start, adjusted, want):
    assert score(ADJUST, ADJUST_FACTS, 1, {"年初": start, "调整": adjusted}).score == pytest.approx(want, abs=1e-9)


def test_deduct_over_trace_states_the_excess():
    r = score(ADJUST, ADJUST_FACTS, 1, {"年初": 21195.00, "调整": 25632.32})
    assert "= 17.31%，超出 10% 7.31 个百分点，每 1 个百分点扣 0.1 分，扣 0.73 分，得 0.27 分" in r.trace
    r = score(ADJUST, ADJUST_FACTS, 1, {"年初": 9000.0, "调整": 10000.0})
    assert "= 10.00%，未超过 10%，得 1 分" in r.trace


def test_deduct_over_trace_keeps_fractional_thresholds_and_steps():
    # 10.5% must not read as 11%, and a half-point step must still count percentage points.
    rule = dict(ADJUST, threshold=0.105, per=0.005)
    r = score(rule, ADJUST_FACTS, 1, {"年初": 8800.0, "调整": 10000.0})
    assert "= 12.00%，超出 10.5% 1.5 个百分点，每 0.5 个百分点扣 0.1 分，扣 0.3 分，得 0.7 分" in r.trace
    r = score(rule, ADJUST_FACTS, 1, {"年初": 8950.0, "调整": 10000.0})
    assert "未超过 10.5%" in r.trace


def test_deduct_over_zero_base_is_not_scorable():
    r = score(ADJUST, ADJUST_FACTS, 1, {"年初": 0.0, "调整": 0.0})
    assert r.status == "not_scorable" and r.reason == "ZERO:调整"


def test_deduct_over_checks():
    assert codes({**ADJUST, "value": "调整 == 年初"}, ADJUST_FACTS, 1) == ["E-FW-EXPR-TYPE"]
    assert codes({**ADJUST, "points": 2}, ADJUST_FACTS, 1) == ["E-FW-RULE-MAX"]


# --- tiers ------------------------------------------------------------------------------------

ASSETS = {"kind": "tiers", "label": "固定资产利用率", "value": "在用 / 总额", "bands": [
    {"at_least": 0.90, "points": 1}, {"at_least": 0.75, "below": 0.90, "points": 0.7},
    {"at_least": 0.60, "below": 0.75, "points": 0.4}, {"below": 0.60, "points": 0}]}
ASSETS_FACTS = {"在用": MONEY, "总额": MONEY}


@pytest.mark.parametrize("used,want", [
    (100.0, 1.0), (90.0, 1.0), (89.99, 0.7), (75.0, 0.7), (74.99, 0.4), (60.0, 0.4), (59.99, 0.0), (0.0, 0.0),
])
def test_tiers_lower_bounds_are_inclusive_as_written(used, want):
    r = score(ASSETS, ASSETS_FACTS, 1, {"在用": used, "总额": 100.0})
    assert r.score == want


def test_tiers_trace_names_the_band_as_the_standard_writes_it():
    r = score(ASSETS, ASSETS_FACTS, 1, {"在用": 80.0, "总额": 100.0})
    assert r.trace == "固定资产利用率 = 80.00 ÷ 100.00 = 80.00%，属“75%≤固定资产利用率<90%”档，扣 0.3 分，得 0.7 分"


def test_tiers_with_zero_total_is_not_scorable():
    assert score(ASSETS, ASSETS_FACTS, 1, {"在用": 0.0, "总额": 0.0}).reason == "ZERO:总额"


SATISFACTION = {"kind": "tiers", "label": "满意度", "value": "满意度", "judged": "评定", "bands": [
    {"at_least": 0.95, "points": 6, "says": "满意度≥95%"},
    {"at_least": 0.90, "below": 0.95, "points": 4, "says": "90%≤满意度<95%"},
    {"at_least": 0.80, "below": 0.90, "points": 2, "says": "80%≤满意度<90%"},
    {"below": 0.80, "points": 1, "says": "满意度<80%"}]}
SATISFACTION_FACTS = {"满意度": {**RATE, "required": False}, "评定": {
    "type": "level", "required": False, "choices": ["满意度≥95%", "90%≤满意度<95%", "80%≤满意度<90%", "满意度<80%"]}}


@pytest.mark.parametrize("level,want", [("满意度≥95%", 6), ("90%≤满意度<95%", 4), ("80%≤满意度<90%", 2), ("满意度<80%", 1)])
def test_tiers_judged_band_is_used_only_without_the_figure(level, want):
    r = score(SATISFACTION, SATISFACTION_FACTS, 6, {"评定": Fact(level, "参考政风行风评议")})
    assert r.score == want and "未取得满意度数据" in r.trace and "参考政风行风评议" in r.trace
    r = score(SATISFACTION, SATISFACTION_FACTS, 6, {"评定": Fact(level), "满意度": 0.95})
    assert r.score == 6  # the survey figure wins over the judged band


def test_tiers_with_neither_figure_nor_judged_band_is_not_scorable():
    r = score(SATISFACTION, SATISFACTION_FACTS, 6, {})
    assert r.status == "not_scorable" and r.reason == "MISSING:评定"


BAND_ERRORS = {
    "gap": [{"at_least": 0.9, "points": 1}, {"below": 0.8, "points": 0}],
    "overlap": [{"at_least": 0.9, "points": 1}, {"at_most": 0.9, "points": 0}],
    "both open at the edge": [{"above": 0.9, "points": 1}, {"below": 0.9, "points": 0}],
    "nothing below": [{"at_least": 0.9, "points": 1}, {"at_least": 0.5, "below": 0.9, "points": 0}],
    "nothing above": [{"below": 0.9, "points": 1}, {"at_least": 0.9, "at_most": 1, "points": 0}],
    "two lower bounds": [{"at_least": 0.9, "above": 0.9, "points": 1}, {"below": 0.9, "points": 0}],
    "upper below lower": [{"at_least": 0.9, "below": 0.5, "points": 1}, {"below": 0.9, "points": 0}],
    "empty band": [{"below": 0.9, "points": 1}, {"at_least": 0.9, "below": 0.9, "points": 0.5},
                   {"at_least": 0.9, "points": 0}],
    "no bands": [],
}


@pytest.mark.parametrize("bands", BAND_ERRORS.values(), ids=BAND_ERRORS.keys())
def test_tiers_bands_must_cover_every_value_exactly_once(bands):
    rule = {"kind": "tiers", "label": "率", "value": "x", "bands": bands}
    assert "E-FW-BANDS" in codes(rule, {"x": RATE}, 1)


def test_tiers_judged_choices_must_match_band_names():
    facts = {**SATISFACTION_FACTS, "评定": {"type": "level", "required": False, "choices": ["好", "差"]}}
    assert codes(SATISFACTION, facts, 6) == ["E-FW-BANDS"]


# --- graded -----------------------------------------------------------------------------------

GRADED = {"kind": "graded", "label": "部门预算公开", "fact": "公开",
          "levels": {"按规定公开": 1.5, "公开但不符合要求": 1, "未公开": 0}}
GRADED_FACTS = {"公开": {"type": "level", "choices": ["按规定公开", "公开但不符合要求", "未公开"]}}


@pytest.mark.parametrize("level,want", [("按规定公开", 1.5), ("公开但不符合要求", 1.0), ("未公开", 0.0)])
def test_graded_each_level_earns_its_points(level, want):
    r = score(GRADED, GRADED_FACTS, 1.5, {"公开": Fact(level, "门户网站")})
    assert r.score == want and f"部门预算公开：{level}（门户网站）" in r.trace


def test_graded_checks():
    assert codes({**GRADED, "levels": {"按规定公开": 1.5, "未公开": 0}}, GRADED_FACTS, 1.5) == ["E-FW-LEVELS"]
    assert "E-FW-FACT-TYPE" in codes(GRADED, {"公开": FLAG}, 1.5)


def test_graded_without_levels_is_a_framework_error_not_a_crash():
    # Inside a sum the other part makes up the weight, so only the empty rule itself can say so.
    rule = {"kind": "sum", "parts": [{**GRADED, "levels": {}},
                                     {"kind": "checklist", "items": [{"says": "x", "points": 1.5, "fact": "j"}]}]}
    assert codes(rule, {**GRADED_FACTS, "j": JUDGE}, 1.5) == ["E-FW-RULE-EMPTY"]


# --- deduct_per -------------------------------------------------------------------------------

KEYWORK = {"kind": "deduct_per", "label": "没有完成的重点工作", "count": "未完成", "each": 4, "points": 8}


@pytest.mark.parametrize("n,want", [(0, 8.0), (1, 4.0), (2, 0.0), (3, 0.0), (100, 0.0)])
def test_deduct_per_deducts_each_item_down_to_zero(n, want):
    r = score(KEYWORK, {"未完成": COUNT}, 8, {"未完成": float(n)})
    assert r.score == want


def test_deduct_per_trace():
    assert score(KEYWORK, {"未完成": COUNT}, 8, {"未完成": 0.0}).trace == "没有完成的重点工作 0 项，得 8 分"
    r = score(KEYWORK, {"未完成": COUNT}, 8, {"未完成": Fact(1.0, "社保扶贫未完成")})
    assert r.trace == "没有完成的重点工作 1 项，每项扣 4 分（社保扶贫未完成），扣 4 分，得 4 分"


def test_deduct_per_with_a_computed_count_below_zero_keeps_full_points_and_no_more():
    rule = {"kind": "deduct_per", "label": "未完成的项目", "count": "计划 - 完成", "each": 1, "points": 3}
    facts = {"计划": COUNT, "完成": COUNT}
    assert score(rule, facts, 3, {"计划": 10.0, "完成": 12.0}).score == 3.0
    assert score(rule, facts, 3, {"计划": 10.0, "完成": 9.0}).score == 2.0


def test_deduct_per_counts_from_a_list():
    facts = {"未编报": {**COUNT, "count_of": "项目清单", "where_not": "已编报绩效目标"}}
    lists = {"项目清单": {"key": "名称", "fields": {"名称": "text", "已编报绩效目标": "flag"}}}
    rule = {"kind": "deduct_per", "label": "没按要求编报绩效目标的项目", "count": "未编报", "each": 1, "points": 3}
    items = [{"名称": "甲", "已编报绩效目标": True}, {"名称": "乙", "已编报绩效目标": False}]
    assert score(rule, facts, 3, {}, lists, {"项目清单": items}).score == 2.0
    assert score(rule, facts, 3, {}, lists, {"项目清单": []}).score == 3.0  # an empty list: none missing


def test_a_list_item_with_a_blank_flag_cannot_be_counted():
    facts = {"按时": {**COUNT, "count_of": "项目清单", "where": "按时完成"}, "计划": {**COUNT, "count_of": "项目清单"}}
    lists = {"项目清单": {"key": "名称", "fields": {"名称": "text", "按时完成": "flag"}}}
    rule = {"kind": "rate", "label": "项目完成及时率", "numerator": "按时", "denominator": "计划", "points": 6}
    items = [{"名称": "甲", "按时完成": True}, {"名称": "乙", "按时完成": None}]
    r = score(rule, facts, 6, {}, lists, {"项目清单": items})
    assert r.status == "not_scorable", r.trace  # not silently "not on time"
    assert r.reason == "MISSING:项目清单.按时完成" and "按时完成" in r.reason_text
    r = score(rule, facts, 6, {}, lists, {"项目清单": []})
    assert r.status == "not_scorable" and r.reason == "ZERO:计划"  # an empty list: no planned projects


# --- pace -------------------------------------------------------------------------------------

PACE = {"kind": "pace", "rates": ["q1", "q2", "q3", "q4"], "each": 1, "average_points": 2}
PACE_FACTS = {q: RATE for q in ("q1", "q2", "q3", "q4")}


@pytest.mark.parametrize("rates,want", [
    ((2.9277, 1.4791, 1.2941, 0.9849), 5.9849),  # the seed
    ((1.0, 1.0, 1.0, 1.0), 6.0),  # every quarter exactly at 序时进度
    ((0.9, 0.9, 0.9, 0.9), 5.4),
    ((1.0, 1.0, 1.0, 0.99), 3.99 + 2 * 0.9975),
    ((1.3, 0.9, 0.9, 0.9), 3.7 + 2.0),  # average exactly 100%: the average part is full
    ((1.3, 0.9, 0.9, 0.89), 3.69 + 2 * 0.9975),  # just under
    ((0.0, 0.0, 0.0, 0.0), 0.0),
    ((3.5, 3.5, 3.5, 3.5), 6.0),  # far above 序时进度 (350%): capped at 100%
])
def test_pace_each_quarter_and_the_average_count_up_to_100_percent(rates, want):
    r = score(PACE, PACE_FACTS, 6, dict(zip(("q1", "q2", "q3", "q4"), rates)))
    assert r.score == pytest.approx(want, abs=1e-9)
    assert len(r.steps) == 5 and sum(s.won for s in r.steps) == pytest.approx(r.score)


def test_pace_trace_shows_quarters_and_average():
    r = score(PACE, PACE_FACTS, 6, {"q1": 2.9277, "q2": 1.4791, "q3": 1.2941, "q4": 0.9849})
    assert "一季度预算执行率（支出进度÷序时进度25%）292.77%，按 100% 计，得 1 分" in r.trace
    assert "四季度预算执行率（支出进度÷序时进度100%）98.49%，扣 0.02 分，得 0.98 分" in r.trace
    assert "全年平均执行率 = Σ季度执行率 ÷ 4 = 167.15%，按 100% 计，×2 分，得 2 分" in r.trace


def test_pace_with_a_negative_rate_earns_nothing_for_it_and_never_less_than_zero():
    signed = {q: {**RATE, "signed": True} for q in ("q1", "q2", "q3", "q4")}
    r = score(PACE, signed, 6, {"q1": -0.5, "q2": 1.0, "q3": 1.0, "q4": 1.0})
    assert r.score == pytest.approx(3 + 2 * 0.625)
    r = score(PACE, signed, 6, {"q1": -3.0, "q2": -3.0, "q3": 0.0, "q4": 0.0})
    assert r.score == 0.0


def test_pace_with_a_missing_quarter_is_not_scorable():
    r = score(PACE, PACE_FACTS, 6, {"q1": 1.0, "q2": 1.0, "q3": 1.0})
    assert r.status == "not_scorable" and r.reason == "MISSING:q4"


def test_pace_checks():
    with pytest.raises(ValueError, match="四个季度"):
        framework({**PACE, "rates": ["q1", "q2", "q3"]}, PACE_FACTS, 6)
    assert codes(PACE, {**PACE_FACTS, "q4": NUM}, 6) == ["E-FW-FACT-TYPE"]
    assert codes({**PACE, "average_points": 3}, PACE_FACTS, 6) == ["E-FW-RULE-MAX"]


# --- expert -----------------------------------------------------------------------------------

EXPERT = {"kind": "expert", "label": "效果性专家评分", "fact": "评分", "points": 25}


def test_expert_score_is_taken_as_given_with_its_justification():
    r = score(EXPERT, {"评分": {"type": "score"}}, 25, {"评分": Fact(23.5, "生态效益目标未实现")})
    assert r.score == 23.5 and r.trace == "效果性专家评分，扣 1.5 分，得 23.5 分（生态效益目标未实现）"
    assert score(EXPERT, {"评分": {"type": "score"}}, 25, {"评分": 25.0}).score == 25


def test_expert_score_outside_its_range_is_clamped_by_the_rule():
    # The case loader refuses such a score; the rule still never gives more than its points.
    assert E.evaluate(framework(EXPERT, {"评分": {"type": "score"}}, 25).leaves()[0].rule.lower(), {"评分": 30.0}) == 25


def test_expert_checks():
    assert codes(EXPERT, {"评分": NUM}, 25) == ["E-FW-FACT-TYPE"]
    assert codes(EXPERT, {}, 25) == ["E-FW-FACT-UNDECLARED"]


# --- sum, veto, exempt ------------------------------------------------------------------------

COMPLIANCE = {"kind": "veto", "when": [
    {"test": "超标准", "says": "超范围、超标准支出"}, {"test": "虚列", "says": "虚列支出"},
    {"test": "挪用", "says": "截留、挤占、挪用资金"}],
    "rule": {"kind": "sum", "parts": [
        {"kind": "checklist", "items": [{"says": "资金支出规范", "points": 1, "fact": "规范"}]}, ADJUST,
        {"kind": "checklist", "items": [{"says": "会计核算规范", "points": 1, "fact": "核算"}]}]}}
COMPLIANCE_FACTS = {**ADJUST_FACTS, "超标准": FLAG, "虚列": FLAG, "挪用": FLAG, "规范": JUDGE, "核算": JUDGE}
CLEAN = {"超标准": False, "虚列": False, "挪用": False, "规范": Judgement(met=True), "核算": Judgement(met=True),
         "年初": 21195.00, "调整": 25632.32}


def test_sum_adds_its_parts_and_veto_stays_silent_when_nothing_happened():
    r = score(COMPLIANCE, COMPLIANCE_FACTS, 3, CLEAN)
    assert r.score == pytest.approx(2 + 1 - (abs(25632.32 - 21195.00) / 25632.32 - 0.1) * 10)
    assert round_half_up(r.score) == 2.27
    assert "不触发否决" in r.trace


@pytest.mark.parametrize("hit,says", [("超标准", "超范围、超标准支出"), ("虚列", "虚列支出"), ("挪用", "截留、挤占、挪用资金")])
def test_veto_each_condition_zeroes_the_indicator(hit, says):
    r = score(COMPLIANCE, COMPLIANCE_FACTS, 3, {**CLEAN, hit: True})
    assert r.score == 0.0 and r.trace == f"{says}，本项指标得 0 分"
    assert r.losses[0].lost == 3


def test_veto_decides_even_when_the_rule_under_it_cannot_be_computed():
    r = score(COMPLIANCE, COMPLIANCE_FACTS, 3, {**CLEAN, "虚列": True, "年初": 0.0, "调整": 0.0})
    assert r.status == "scored" and r.score == 0.0


def test_veto_with_a_missing_condition_is_not_scorable_unless_another_holds():
    facts = dict(CLEAN)
    del facts["挪用"]
    assert score(COMPLIANCE, COMPLIANCE_FACTS, 3, facts).reason == "MISSING:挪用"
    assert score(COMPLIANCE, COMPLIANCE_FACTS, 3, {**facts, "虚列": True}).score == 0.0


EXEMPT = {"kind": "exempt", "when": {"test": "涉密 if present(涉密) else False", "says": "涉密部门按规定不需要公开"},
          "rule": {"kind": "sum", "parts": [GRADED, {**GRADED, "label": "部门决算公开", "fact": "决算"}]}}
EXEMPT_FACTS = {**GRADED_FACTS, "决算": GRADED_FACTS["公开"], "涉密": {**FLAG, "required": False}}


def test_exempt_gives_full_points_when_its_condition_holds():
    values = {"公开": Fact("未公开", "涉密"), "决算": Fact("未公开", "涉密")}
    r = score(EXEMPT, EXEMPT_FACTS, 3, {**values, "涉密": True})
    assert r.score == 3 and r.trace == "涉密部门按规定不需要公开，直接得 3 分"
    assert score(EXEMPT, EXEMPT_FACTS, 3, {**values, "涉密": False}).score == 0
    assert score(EXEMPT, EXEMPT_FACTS, 3, values).score == 0  # not stated: not exempt


def test_composite_checks():
    assert codes({"kind": "sum", "parts": []}, {}, 1) == ["E-FW-RULE-EMPTY", "E-FW-RULE-SHORT"]
    assert "E-FW-RULE-EMPTY" in codes({**COMPLIANCE, "when": []}, COMPLIANCE_FACTS, 3)
    assert codes({**COMPLIANCE, "when": [{"test": "年初", "says": "x"}]}, COMPLIANCE_FACTS, 3) == ["E-FW-EXPR-TYPE"]
    assert codes({**EXEMPT, "when": {"test": "保密", "says": "x"}}, EXEMPT_FACTS, 3) == ["E-FW-FACT-UNDECLARED"]


def test_check_context_reports_at_its_place_with_the_indicator():
    problems = Problems()
    ctx = CheckContext({"a": FactSpec(type="level", choices=("x",))}, problems, "fw.yaml:12", "某指标")
    ctx.expression("a + 1", "分子", want=E.NUMBER)
    assert [(p.code, p.where, p.indicator) for p in problems.items] == [("E-FW-EXPR-TYPE", "fw.yaml:12", "某指标")]


# --- every kind: lowering is the score --------------------------------------------------------

@pytest.mark.parametrize("rule,facts,weight,values", [
    (CHECKLIST, CHECKLIST_FACTS, 3, {"制度": Judgement(met=True), "执行": Judgement(points=1.0, evidence="x"),
                                     "回复数": 3.0, "来件数": 4.0}),
    (PURCHASE, PURCHASE_FACTS, 1, {"实际": 1.0, "计划": 3.0}),
    (ADJUST, ADJUST_FACTS, 1, {"年初": 8.5, "调整": 10.0}),
    (ASSETS, ASSETS_FACTS, 1, {"在用": 7.0, "总额": 10.0}),
    (KEYWORK, {"未完成": COUNT}, 8, {"未完成": 1.0}),
    (PACE, PACE_FACTS, 6, {"q1": 0.5, "q2": 0.7, "q3": 1.2, "q4": 0.95}),
    (COMPLIANCE, COMPLIANCE_FACTS, 3, CLEAN),
])
def test_the_trace_steps_add_up_to_the_score(rule, facts, weight, values):
    r = score(rule, facts, weight, values)
    assert sum(s.won for s in r.steps) == pytest.approx(r.score, abs=1e-12)
    assert sum(s.available for s in r.steps) == pytest.approx(weight)


@pytest.mark.parametrize("rule,weight", [
    ({**PURCHASE, "cap": float("inf")}, 1),
    ({"kind": "checklist", "items": [{"says": "x", "points": float("inf"), "fact": "实际"}]}, 1),
    ({**ASSETS, "bands": [{"at_least": float("nan"), "points": 1}, {"below": 0.5, "points": 0}]}, 1),
    ({**KEYWORK, "each": float("inf")}, 8),
    (PURCHASE, float("inf")),
], ids=["cap", "criterion points", "band bound", "deduction", "weight"])
def test_infinite_or_nan_numbers_are_refused_where_they_are_written(rule, weight):
    # An unbounded cap once slipped past the points check and crashed the scoring of a case.
    with pytest.raises(ValueError, match="有限的数字"):
        framework(rule, {**PURCHASE_FACTS, **ASSETS_FACTS, "未完成": COUNT}, weight)


def test_evaluator_cache_tells_false_from_zero():
    # Const(False) == Const(0.0) in Python; the per-case cache must not hand one's value to the other.
    from jixiao.core import expr as E
    from jixiao.core.engine import CaseEvaluator

    ev = CaseEvaluator(None, None, {})
    assert ev(E.Const(False)) is False
    assert ev(E.Const(0.0)) == 0.0 and ev(E.Const(0.0)) is not False


def test_a_loss_that_rounds_to_nothing_reads_as_full_marks():
    from jixiao.core.rules.base import won_text

    assert won_text(9.997, 10) == "得 10 分"
    assert won_text(9.99, 10) == "扣 0.01 分，得 9.99 分"
