"""Why an indicator or a form line scored what it did, or could not be scored: one sentence per code.

The expression trees give reasons as stable codes: ``MISSING:调整预算数`` (a fact absent),
``ZERO:调整预算数`` (a zero denominator), ``MISSING:清单.字段`` (a list item whose yes/no field is
blank), and the row rules' codes (``BELOW``, ``QUAL_OUT_OF_BAND``, …). :func:`reason_text` is the
one place that turns them into Chinese, for a department case's indicator and a form's line alike.

>>> reason_text("ZERO:调整预算数")
'调整预算数 为 0，比率无法计算，本指标无法评分；请核实数据，或由评价人员说明处理办法'
>>> reason_text("MISSING:实际完成值", on="line")
'缺少“实际完成值”，无法评分；请在表中填写 实际完成值'
>>> reason_text("BELOW")
'未达到年度指标值，按完成值与指标值之比计分'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol

from jixiao.core.rules.target import CODES as ROW_CODES

# Reason codes of the rules and of a form's lines (beyond MISSING:x and ZERO:x).
CODE_TEXT: dict[str, str] = dict(ROW_CODES) | {
    "EXEC_MET": "预算全部执行，得满分",
    "EXEC_BELOW": "预算未全部执行，按执行率计分",
    "ROW_TYPE": "行类型不是 资金、定量 或 定性，无法评分",
    "NOT_APPLICABLE": "指标不适用，不予考核",
    "TRUNCATED": "表格在此截断，以下各行缺失：已有各行照常评分，总分不完整",
}


class Labelled(Protocol):
    label: str


def reason_text(reason: str, facts: Mapping[str, Labelled] | None = None,
                on: Literal["indicator", "line"] = "indicator") -> str:
    """The Chinese sentence for a reason code; ``on`` says whether a case's indicator or a form's line."""
    facts = facts or {}
    kind, _, what = reason.partition(":")
    this, fill = ("本指标", "请在案例中填写") if on == "indicator" else ("本行", "请在表中填写")
    if kind == "MISSING" and "." in what and what not in facts:
        lst, _, field = what.partition(".")
        return f"清单“{lst}”中有条目未填写“{field}”，无法计数，{this}无法评分；请补全每个条目的 {field}"
    if kind == "MISSING":
        spec = facts.get(what)
        label = spec.label if spec is not None and spec.label else what
        return f"缺少“{label}”，无法评分；{fill} {what}"
    if kind == "ZERO":
        return f"{what} 为 0，比率无法计算，{this}无法评分；请核实数据，或由评价人员说明处理办法"
    return CODE_TEXT.get(reason, reason)
