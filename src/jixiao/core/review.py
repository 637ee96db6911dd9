"""The review codes: what a reviewer (抽查复核) is told about a scored form, in one table.

Single-form scoring (:func:`jixiao.core.form.score_form`) and every batch engine
(``jixiao.batch``) raise the codes of this one table; ``docs/records.md`` documents it. Each code
has a severity, a short Chinese title, and whether the batch's long format carries what the check
needs (``batch``). A ``review`` code puts a form on the review list (需复核); a ``warning`` is a
note that does not.

>>> REVIEW["TOTAL_DIFF"].title, REVIEW["TOTAL_DIFF"].severity
('表列总分与重算总分不符', 'review')
>>> "WEIGHT_DEFAULT" in REVIEW_CODES, "RATE_DIFF" in BATCH_FLAGS
(False, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "review"]


@dataclass(frozen=True)
class ReviewCode:
    code: str
    severity: Severity
    title: str  # the Chinese sentence a reviewer reads
    batch: bool  # raised by the batch engines too (the long format carries what the check reads)
    why: str = ""  # for a code the batch cannot raise: what its long format lacks


# In the order a summary lists them (and batch columns appear in).
TABLE: tuple[ReviewCode, ...] = (
    ReviewCode("TOTAL_DIFF", "review", "表列总分与重算总分不符", True),
    ReviewCode("SUM_DIFF", "review", "表列总分不等于表列各项得分之和", True),
    ReviewCode("SCORE_DIFF", "review", "表列得分与重算得分不符", True),
    ReviewCode("EXEC_NO_REASON", "review", "预算执行率未达要求而未说明原因", True),
    ReviewCode("REASON_MISSING", "review", "未得满分而未填写偏差原因分析", True),
    ReviewCode("QUAL_OUT_OF_BAND", "review", "定性指标评分超出所评档次的分值区间", True),
    ReviewCode("OVERSHOOT", "review", "完成值远高于指标值，需复核指标值是否设定偏低（偏离度）", True),
    ReviewCode("NOT_SCORABLE", "review", "缺少数据或预算数为 0，无法评分", True),
    ReviewCode("WEIGHT_SUM", "review", "分值合计不符合要求", True),
    ReviewCode("RATE_DIFF", "review", "表列执行率与重算执行率不符", False,
               "长表格式不含表列执行率一列"),
    ReviewCode("FUND_SUM", "review", "年度资金总额与其中各项之和不符", True),
    ReviewCode("TOTAL_ABOVE_MAX", "review", "总分超过满分", True),
    ReviewCode("EDITION_YEAR", "review", "表的年度早于所用指标体系版本的适用年度", True),
    ReviewCode("BUDGET_CHANGE_NO_REASON", "review", "年中预算调整未说明理由", True),
    ReviewCode("DOUBLE_COUNT", "review", "同一笔未执行的预算重复扣分（预算执行率与以预算为指标值的指标）", True),
    ReviewCode("TARGET_CHANGED", "review", "自评表年度指标值与批复的绩效目标不一致", False,
               "须与存储的批复目标对照（jixiao.store.targets），长表格式不含批复目标"),
    ReviewCode("WEIGHT_DEFAULT", "warning", "一级指标分值与默认权重不同（允许调整，仅作提示）", False,
               "仅作提示，不列入复核清单"),
    ReviewCode("NA_RESCALED", "warning", "有不适用的指标，按适用指标得分折算为百分制（提示）", False,
               "仅作提示，不列入复核清单"),
)

REVIEW: dict[str, ReviewCode] = {c.code: c for c in TABLE}
# Codes that put a form on the review list, in summary order.
REVIEW_CODES: tuple[str, ...] = tuple(c.code for c in TABLE if c.severity == "review")
# The review codes the batch engines compute: one yes/no column each, in this order.
BATCH_FLAGS: tuple[str, ...] = tuple(c.code for c in TABLE if c.severity == "review" and c.batch)
# Title by code (the message a finding starts with).
TITLES: dict[str, str] = {c.code: c.title for c in TABLE}
