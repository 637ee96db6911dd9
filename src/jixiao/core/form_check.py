"""Checks on a project-form framework that its schema cannot express: weights that add up, rates
between 0 and 1, a grade band from 0. Pure; :mod:`jixiao.intake.editions` runs it on every load."""

from __future__ import annotations

from collections.abc import Callable

from jixiao.core.errors import Problems
from jixiao.core.form import FormFramework


def validate_form_framework(fw: FormFramework, where: Callable[[tuple], str]) -> Problems:
    """Every problem of a resolved form framework; ``where(path)`` names the place."""
    p = Problems()
    ind = fw.indicators
    if abs(ind.points + fw.execution.points - fw.total) > 1e-9:
        p.add("E-FW-WEIGHT-SUM", f"预算执行率 {fw.execution.points:g} 分与绩效指标 {ind.points:g} 分之和应等于总分 {fw.total:g}",
              where(("indicators", "points")))
    levels = sum(lv.points for lv in ind.levels)
    if abs(levels - ind.points) > 1e-9:
        p.add("E-FW-WEIGHT-SUM", f"一级指标默认分值合计 {levels:g}，应等于绩效指标分值 {ind.points:g}", where(("indicators", "levels")))
    names = {lv.name for lv in ind.levels}
    if ind.without_satisfaction:
        unknown = set(ind.without_satisfaction) - names
        if unknown:
            p.add("E-FW-SCHEMA", f"without_satisfaction 中的“{'、'.join(sorted(unknown))}”不是一级指标", where(("indicators", "without_satisfaction")))
        if abs(sum(ind.without_satisfaction.values()) - ind.points) > 1e-9:
            p.add("E-FW-WEIGHT-SUM", f"无满意度指标时的分值合计应等于 {ind.points:g}", where(("indicators", "without_satisfaction")))
    if not 0 < fw.execution.cap <= 1:
        p.add("E-FW-RULE-MAX", "预算执行率的 cap 应在 0 到 1 之间（100% 封顶）", where(("execution", "cap")))
    if not 0 <= fw.execution.reason_below <= 1:
        p.add("E-FW-SCHEMA", "reason_below 应在 0 到 1 之间（如 0.9 表示 90%）", where(("execution", "reason_below")))
    if fw.execution.numerator not in ("全年执行数",) or fw.execution.denominator not in ("全年预算数", "调整后预算数", "年初预算数"):
        p.add("E-FW-SCHEMA", "预算执行率的分子须为 全年执行数，分母须为 全年预算数、调整后预算数 或 年初预算数", where(("execution",)))
    if not fw.grades:
        p.add("E-FW-SCHEMA", "grades 至少需要一档", where(("grades",)))
    elif min(g.at_least for g in fw.grades) > 0:
        p.add("E-FW-SCHEMA", "grades 须有一档从 0 分起（如 差: at_least 0）", where(("grades",)))
    return p
