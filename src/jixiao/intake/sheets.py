"""The shape of a case workbook, shared by the writer (template.py) and the reader (workbook.py).

Every sheet: row 1 a title, row 2 what to fill in, row 3 the header (locked), data from row 4.
Fact sheets have one row per fact — 事实 | 说明 | 数值 | 单位 | 依据与说明 — so a unit sits beside
each figure (money: 元/万元/亿元, chosen per value). A sheet holding a declared list puts it
below its facts: a title row, the list's header row (money columns name their unit, e.g.
“金额（万元）”), then one row per item. See ``docs/intake.md``.
"""

from __future__ import annotations

from jixiao.core.facts import ListSpec

TITLE_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3
FIRST_ROW = HEADER_ROW + 1
LIST_ROWS = 300  # pre-formatted, unlocked rows for a list; more: unprotect the sheet (no password)

HEAD = {
    "info": ("事实", "说明", "数值", "单位", "依据与说明"),
    "facts": ("事实", "说明", "数值", "单位", "依据与说明"),
    "judgements": ("事实", "评价标准", "分值", "评价结论", "酌情得分", "依据与说明"),
    "stated": ("比率", "按原始数据的计算式", "报告所述值", "说明"),
    "narrative": ("段落", "序号", "内容"),
}
# Where the value, unit, points and evidence of a fact row sit (1-based columns), by sheet kind.
VALUE_COL = {"info": 3, "facts": 3, "judgements": 4}
UNIT_COL = {"info": 4, "facts": 4}
POINTS_COL = {"judgements": 5}
EVIDENCE_COL = {"info": 5, "facts": 5, "judgements": 6}

# The identity rows of the info sheet: label in column A → top-level key of the case.
INFO_ROWS = (
    ("被评价单位", "subject", "部门或单位全称"),
    ("评价年度", "year", "四位年份，如 2020"),
    ("指标体系", "framework", "指标体系编号（jixiao frameworks 可列出）"),
    ("默认金额单位", "money_unit", "“单位”列留空的金额按此单位读取：元、万元 或 亿元"),
)
INFO_KEYS = {label: key for label, key, _ in INFO_ROWS}

LIST_TITLE = "清单："
JSON_MARK = "JSON"  # a narrative row whose 序号 is JSON holds a structured block as JSON text

def list_headers(spec: ListSpec, units: dict[str, str] | None = None) -> list[str]:
    """The header of a list table: field names, with a unit or a hint in brackets."""
    out = []
    for name, kind in spec.fields.items():
        if kind == "money":
            out.append(f"{name}（{(units or {}).get(name, '万元')}）")
        elif kind == "flag":
            out.append(f"{name}（是/否）")
        elif kind == "date":
            out.append(f"{name}（日期）")
        else:
            out.append(name)
    return out


def split_header(text: str) -> tuple[str, str]:
    """``金额（万元）`` → (``金额``, ``万元``); a header without brackets has no unit."""
    text = str(text or "").strip().replace("(", "（").replace(")", "）")
    if text.endswith("）") and "（" in text:
        head, _, unit = text[:-1].rpartition("（")
        return head.strip(), unit.strip()
    return text, ""
