"""Synthetic project forms in long format, for tests and benchmarks (``jixiao batch synth``).

Each form has a 资金 line, 6–14 indicator rows under 产出/效益/满意度 (sometimes without a
satisfaction indicator, then 55/35, sometimes with other weights adding up to 90), and a 合计 line
with the stated 总分. Rows use every operator (≥ > ≤ < =) and many units (个, 人, 次, %, 万元 — some
actuals in 元 with 实际单位 — 天, 项, 公里, 户), targets of 0, targets met exactly, missed, and
exceeded within reason; about a third are qualitative, scored inside their band.

A share of forms (``mistakes``) carries exactly one planted defect, recorded in the 合计 row's
``seeded`` column, and :data:`EXPECTED` says which review flags it must raise:

========================  ==========================================================
SCORE_ROW                 a missed row stated at full points (or 1 point low)
SCORE_EXEC                budget execution stated as 0, or the underspend counted twice
TOTAL_SUM                 a 总分 that is not the sum of the stated scores
EXEC_NO_REASON            execution below 90% without a reason
REASON_MISSING            a row below full points without a 偏差原因
QUAL_OUT_OF_BAND          a qualitative score outside the band of its grade
OVERSHOOT                 an actual far above a positive target (偏离度)
MISSING                   a value left blank (实际完成值, 分值 or 全年预算数)
ZERO_BUDGET               a 全年预算数 of 0
========================  ==========================================================

Every other form is correct: its stated scores are what the rules give. They are computed here
by an independent oracle (numpy, from the rule text, with the same IEEE operations), not by the
engines under test, so a wrong engine shows up as flags on correct forms.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from jixiao.core.numbers import NOISE

EXPECTED = {
    "SCORE_ROW": {"SCORE_DIFF", "TOTAL_DIFF"},
    "SCORE_EXEC": {"SCORE_DIFF", "TOTAL_DIFF"},
    "TOTAL_SUM": {"SUM_DIFF", "TOTAL_DIFF"},
    "EXEC_NO_REASON": {"EXEC_NO_REASON"},
    "REASON_MISSING": {"REASON_MISSING"},
    "QUAL_OUT_OF_BAND": {"QUAL_OUT_OF_BAND"},
    "OVERSHOOT": {"OVERSHOOT"},
    "MISSING": {"NOT_SCORABLE"},
    "ZERO_BUDGET": {"NOT_SCORABLE"},
}
KINDS = list(EXPECTED)
SHARE = np.array([2, 1, 1, 1, 1, 1, 1.5, 1, 0.5])  # relative frequency of each planted kind

REGIONS = ["北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市", "江苏省",
           "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区",
           "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区",
           "新疆维吾尔自治区"]
DEPARTMENTS = ["教育局", "卫生健康委员会", "民政局", "农业农村局", "交通运输局", "生态环境局", "住房和城乡建设局", "文化和旅游局",
               "人力资源和社会保障局", "水利局", "财政局", "科学技术局", "司法局", "应急管理局", "市场监督管理局", "自然资源局"]
PROJECTS = ["专项业务经费", "信息化建设", "基础设施维护", "培训项目", "委托业务", "民生补助", "设备购置", "宣传推广"]
REASONS = ["部分工作受客观因素影响延期，已调整计划", "资金按进度支付，尾款次年结算", "目标设定偏高，下年度据实调整"]
LEVEL2 = {"产出指标": ["数量指标", "质量指标", "时效指标", "成本指标"],
          "效益指标": ["社会效益指标", "经济效益指标", "生态效益指标", "可持续影响指标"],
          "满意度指标": ["服务对象满意度指标"]}
# (operator, unit, target low, target high, decimals, share)
QUANT = [("≥", "个", 5, 500, 0, 10), ("≥", "人", 20, 5000, 0, 8), ("≥", "%", 80, 100, 0, 10), ("≥", "次", 2, 50, 0, 5),
         ("≥", "公里", 1, 80, 1, 2), ("≥", "户", 10, 900, 0, 3), ("≥", "项", 1, 30, 0, 4), (">", "%", 85, 95, 0, 3),
         ("≤", "万元", 10, 2000, 2, 8), ("≤", "天", 10, 365, 0, 4), ("≤", "元", 100, 9000, 0, 2), ("<", "%", 1, 10, 0, 2),
         ("=", "%", 100, 100, 0, 6), ("=", "个", 1, 20, 0, 3), ("≤", "起", 0, 0, 0, 2)]
GRADE_NAMES = ["达成年度指标", "部分达成年度指标并具有一定效果", "未达成年度指标且效果较差"]
GRADE_FRACTION = [(0.85, 1.0), (0.62, 0.78), (0.15, 0.55)]


def _round(x):
    """round_half_up, the same IEEE operations as jixiao.core.numbers."""
    return np.floor(x * 100.0 + 0.5 + NOISE) / 100.0


def _cents(x):
    return np.floor(x * 100.0 + 0.5 + NOISE).astype(np.int64)


def synth(n: int, seed: int = 0, mistakes: float = 0.1) -> pl.DataFrame:
    """``n`` forms in long format; ``mistakes`` is the share of forms with one planted defect."""
    rng = np.random.default_rng(seed)
    # --- forms -------------------------------------------------------------------------------------
    planted = np.where(rng.random(n) < mistakes, rng.choice(len(KINDS), n, p=SHARE / SHARE.sum()), -1)
    kind_of = lambda k: planted == KINDS.index(k)
    k_out = rng.integers(3, 8, n)
    k_eff = rng.integers(2, 5, n)
    has_sat = rng.random(n) < 0.85
    k_sat = np.where(has_sat, rng.integers(1, 3, n), 0)
    # Weights: the defaults, the 55/35 redistribution, or another split adding up to 90.
    style = rng.random(n)
    w_out = np.where(has_sat, np.where(style < 0.85, 50, 45), np.where(style < 0.8, 55, 60)).astype(float)
    w_sat = np.where(has_sat, 10.0, 0.0)
    w_eff = 90.0 - w_out - w_sat
    k_rows = k_out + k_eff + k_sat
    rows_total = int(k_rows.sum())

    # --- indicator rows ----------------------------------------------------------------------------
    form = np.repeat(np.arange(n), k_rows)
    pos = np.arange(rows_total) - np.repeat(np.cumsum(k_rows) - k_rows, k_rows)
    level = np.where(pos < k_out[form], 0, np.where(pos < (k_out + k_eff)[form], 1, 2))
    in_level = pos - np.where(level == 0, 0, np.where(level == 1, k_out[form], (k_out + k_eff)[form]))
    count = np.choose(level, [k_out[form], k_eff[form], k_sat[form]])
    weight = np.choose(level, [w_out[form], w_eff[form], w_sat[form]])
    base = np.floor(weight / count)
    points = base + (in_level < (weight - base * count)).astype(float)  # integers adding up to the level's points

    qual = (rng.random(rows_total) < 0.3) & (level < 2)
    spec = rng.choice(len(QUANT), rows_total, p=np.array([q[5] for q in QUANT]) / sum(q[5] for q in QUANT))
    spec = np.where(level == 2, 2, spec)  # satisfaction: ≥ x%
    ops = ["≥", ">", "≤", "<", "="]
    op = np.array([ops.index(q[0]) for q in QUANT])[spec]  # operators and units as small codes
    percent = np.array([q[1] == "%" for q in QUANT])[spec]
    wan = np.array([q[1] == "万元" for q in QUANT])[spec]
    lo, hi = np.array([q[2] for q in QUANT], float)[spec], np.array([q[3] for q in QUANT], float)[spec]
    dec = np.array([q[4] for q in QUANT])[spec]
    scale = 10.0 ** dec
    target = np.round((lo + rng.random(rows_total) * (hi - lo)) * scale) / scale
    target = np.where(level == 2, np.round(85 + rng.random(rows_total) * 10), target)
    positive = op <= 1
    negative = (op == 2) | (op == 3)
    strict = (op == 1) | (op == 3)
    equal = op == 4
    zero_target = target == 0

    # Outcomes: met (exactly or with room), missed a little or a lot; never far above a positive target.
    u = rng.random(rows_total)
    miss = u < 0.25
    f = np.where(miss, 0.5 + rng.random(rows_total) * 0.49, 1.0 + rng.random(rows_total) * 0.3)
    f = np.where(u > 0.75, 1.0, f)  # exactly at target
    actual = np.where(positive, target * f, np.where(negative, target * np.where(miss, 2.3 - f, 2.0 - f), target))
    actual = np.where(equal & miss, target * (0.9 + 0.09 * rng.random(rows_total)), actual)
    actual = np.where(strict & ~miss, np.where(positive, target * 1.05, target * 0.95), actual)
    actual = np.where(zero_target, np.where(miss, 1.0, 0.0), actual)
    actual = np.round(actual * scale) / scale
    actual = np.where(percent, np.minimum(actual, 100.0), actual)

    # Planted rows: one per planted form, chosen among its rows of the right kind. A form that has
    # no such row is not planted after all (the recorded share is what was really planted).
    starts = np.cumsum(k_rows) - k_rows

    def pick(mask_rows, kind):
        forms_mask = kind_of(kind)
        key = np.where(mask_rows & forms_mask[form], rng.random(rows_total), -1.0)
        best = np.maximum.reduceat(key, starts)
        first = (key >= 0) & (key == best[form])
        done = best >= 0
        planted[forms_mask & ~done] = -1
        return first

    quant = ~qual
    over = pick(quant & positive & (target > 0) & ~strict & ~percent, "OVERSHOOT")
    # Far above even after rounding to the unit's decimals (a target of 4 项 × 1.6 would round to 6 = 1.5×).
    far = np.maximum(np.round(target * (1.6 + rng.random(rows_total)) * scale), np.floor(target * 1.5 * scale) + 1) / scale
    actual = np.where(over, far, actual)
    # SCORE_ROW and REASON_MISSING need a missed quantitative row: make one if chance gave none.
    for kind in ("SCORE_ROW", "REASON_MISSING"):
        need_miss = pick(quant & positive & (target >= 1) & ~strict, kind)
        actual = np.where(need_miss, np.round(target * 0.6 * scale) / scale, actual)

    # --- scores, by the oracle ---------------------------------------------------------------------
    met = np.select([op == 0, op == 1, op == 2, op == 3],
                    [actual >= target, actual > target, actual <= target, actual < target], actual == target)
    safe_t = np.where(target == 0, 1.0, target)
    under = positive | (equal & (actual < target))
    ratio = np.maximum(0.0, np.minimum(actual / safe_t, 1.0) * points)
    penalty = np.maximum(0.0, 1.0 - (actual - safe_t) / safe_t) * points
    quant_score = np.where(met, points, np.where(target == 0, 0.0, np.where(under, ratio, penalty)))

    grade = rng.choice(3, rows_total, p=[0.75, 0.2, 0.05])
    lo_f = np.array([g[0] for g in GRADE_FRACTION])[grade]
    hi_f = np.array([g[1] for g in GRADE_FRACTION])[grade]
    qual_score = np.round(points * (lo_f + rng.random(rows_total) * (hi_f - lo_f)), 1)
    out_band = pick(qual, "QUAL_OUT_OF_BAND")
    qual_score = np.where(out_band, np.round(points * np.where(grade == 0, 0.7, 0.9), 1), qual_score)
    score = np.where(qual, qual_score, quant_score)
    stated = _round(score)
    full = np.where(qual, qual_score >= points, met)
    reason = np.where(full, -1, rng.integers(0, len(REASONS), rows_total))
    no_reason = pick(quant & ~met, "REASON_MISSING")
    reason[no_reason] = -1
    wrong_row = pick(quant & ~met & (stated <= points - 1), "SCORE_ROW")
    stated = np.where(wrong_row, np.where((rng.random(rows_total) < 0.6) | (stated < 1), points, stated - 1.0), stated)
    blank = pick(quant, "MISSING")
    blank_what = rng.integers(0, 3, rows_total)
    actual_out = np.where(blank & (blank_what < 2), np.nan, actual)
    points_out = np.where(blank & (blank_what == 2), np.nan, points)

    # 实际单位: some money actuals written in 元 beside a 万元 target (the reader converts them).
    in_yuan = quant & wan & (rng.random(rows_total) < 0.3)
    actual_unit = np.where(in_yuan, 0, -1)
    actual_out = np.where(in_yuan, np.round(actual_out * 10000.0, 0), actual_out)

    # --- the 资金 line -------------------------------------------------------------------------------
    budget = np.round(5 + rng.random(n) * 4995, 2)
    r = rng.random(n)
    rate = np.where(r < 0.3, 1.0, np.where(r < 0.7, 0.95 + rng.random(n) * 0.0499,
                                           np.where(r < 0.95, 0.9 + rng.random(n) * 0.05, 1.0 + rng.random(n) * 0.05)))
    low = kind_of("EXEC_NO_REASON") | kind_of("SCORE_EXEC")
    rate = np.where(low, 0.6 + rng.random(n) * 0.29, rate)
    spent = np.round(budget * rate, 2)
    zero = kind_of("ZERO_BUDGET")
    budget = np.where(zero, 0.0, budget)
    spent = np.where(zero, 0.0, spent)
    missing_budget = kind_of("MISSING") & (rng.random(n) < 0.2)
    budget_out = np.where(missing_budget, np.nan, budget)
    exec_score = np.maximum(0.0, np.minimum(spent / np.where(budget == 0, 1.0, budget), 1.0) * 10.0)
    exec_stated = _round(exec_score)
    exec_full = spent >= budget
    exec_reason = np.where(exec_full | kind_of("EXEC_NO_REASON"), -1, rng.integers(0, len(REASONS), n))
    twice = _round(np.maximum(0.0, np.minimum(spent / np.where(budget == 0, 1.0, budget), 1.0) ** 2 * 10.0))
    exec_stated = np.where(kind_of("SCORE_EXEC"), np.where(rng.random(n) < 0.5, 0.0, twice), exec_stated)

    # --- the stated 总分 ------------------------------------------------------------------------------
    row_cents = np.bincount(form, weights=_cents(stated), minlength=n)
    total = (row_cents + _cents(exec_stated)) / 100.0
    delta = rng.choice([-5.0, -1.0, -0.5, 0.5, 1.0, 2.0], n)
    # Never above 100: that would be a second mistake (TOTAL_ABOVE_MAX), and this kind plants one.
    total = np.where(kind_of("TOTAL_SUM"), np.where(total + delta > 100.0, total - np.abs(delta), total + delta), total)

    return _frame(n, seed, planted, form, level, spec, target, actual_out, actual_unit, qual, grade, points_out,
                  stated, reason, budget_out, spent, exec_stated, exec_reason, total, rng)


def _text(categories: list[str], index: np.ndarray, enum: bool = True) -> pl.Series:
    """Texts by index into ``categories``; -1 is missing. Low-cardinality columns are written as
    Enums (dictionary-encoded in Parquet, as exports of such columns usually are)."""
    unique = list(dict.fromkeys(categories))
    remap = np.array([unique.index(c) for c in categories] + [-1])
    index = np.asarray(index, dtype=np.int64)
    i = pl.DataFrame({"i": remap[np.where(index >= 0, index, -1)]}).select(pl.when(pl.col("i") >= 0).then(pl.col("i")))["i"]
    return pl.Series(unique, dtype=pl.Enum(unique) if enum else pl.String).gather(i)


def _frame(n, seed, planted, form, level, spec, target, actual, actual_unit, qual, grade, points, stated, reason,
           budget, spent, exec_stated, exec_reason, total, rng) -> pl.DataFrame:
    """The long table, built column by column in its final order (funds, rows, total per form)."""
    counts = np.bincount(form, minlength=n)
    size = counts + 2
    offset = np.cumsum(size) - size
    rows = int(size.sum())
    pos = np.arange(len(form)) - np.repeat(np.cumsum(counts) - counts, counts)
    at_funds, at_total = offset, offset + size - 1
    at_rows = np.repeat(offset + 1, counts) + pos
    owner = np.repeat(np.arange(n), size)

    def spread(funds_v, rows_v, total_v, fill):
        out = np.full(rows, fill, dtype=np.result_type(np.asarray(rows_v).dtype, np.asarray(fill).dtype))
        out[at_funds], out[at_rows], out[at_total] = funds_v, rows_v, total_v
        return out

    width = max(7, len(str(n)))
    ids = pl.Series([f"S{seed}-{i:0{width}d}" for i in range(n)], dtype=pl.String)
    level2 = [name for names in LEVEL2.values() for name in names]
    l2 = np.where(level == 0, pos % 4, np.where(level == 1, 4 + pos % 4, 8))
    names3 = [f"{a}{i + 1}" for a in level2 for i in range(16)]
    quant = np.where(qual, -1, spec)
    kinds = ["资金", "定量", "定性", "合计"]
    region = rng.integers(0, len(REGIONS), n)
    dept = rng.integers(0, len(DEPARTMENTS), n)
    project = rng.integers(0, len(PROJECTS), n)
    nan = np.nan
    return pl.DataFrame({
        "表单编号": ids.gather(owner),
        "行号": spread(1, pos + 2, counts + 2, 0).astype(np.int64),
        "行类型": _text(kinds, spread(0, qual.astype(int) + 1, 3, 0)),
        "地区": _text(REGIONS, region[owner]),
        "主管部门": _text([r + d for r in REGIONS for d in DEPARTMENTS], (region * len(DEPARTMENTS) + dept)[owner]),
        "项目名称": _text([d + p for d in DEPARTMENTS for p in PROJECTS], (dept * len(PROJECTS) + project)[owner]),
        "一级指标": _text(list(LEVEL2), spread(-1, level, -1, -1)),
        "二级指标": _text(level2, spread(-1, l2, -1, -1)),
        "三级指标": _text(names3, spread(-1, l2 * 16 + np.minimum(pos, 15), -1, -1)),
        "运算符": _text([q[0] for q in QUANT], spread(-1, quant, -1, -1)),
        "年度指标值": spread(nan, np.where(qual, nan, target), nan, nan),
        "单位": _text([q[1] for q in QUANT] + ["万元"], spread(len(QUANT), quant, -1, -1)),
        "实际完成值": spread(nan, np.where(qual, nan, actual), nan, nan),
        "实际单位": _text(["元"], spread(-1, actual_unit, -1, -1)),
        "评价等级": _text(GRADE_NAMES, spread(-1, np.where(qual, grade, -1), -1, -1)),
        "分值": spread(10.0, points, 100.0, nan),
        "得分": spread(exec_stated, stated, total, nan),
        "偏差原因": _text(REASONS, spread(exec_reason, reason, -1, -1), enum=False),
        "全年预算数": spread(budget, nan, nan, nan),
        "全年执行数": spread(spent, nan, nan, nan),
        "seeded": _text(KINDS, spread(-1, -1, planted, -1), enum=False),
    }, nan_to_null=True)
