"""Writing a case workbook: the empty template (``jixiao template``) or a case's figures in it.

The workbook is generated from the framework's declared facts and its ``workbook.yaml`` layout:
labels, units, number formats, Excel data validation (numbers ≥ 0, whole numbers for counts,
是/否 and level drop-downs, dates, 0–max for scores) with Chinese prompts and error texts, and
sheet protection that locks headers, names and labels but leaves the input cells open (no
password: a user who needs more rows can unprotect). Drop-down lists are inline (``"是,否"``) or
a range on the same sheet: a list that points to another sheet is dropped when openpyxl re-saves
a file, and some spreadsheet programs ignore it.
"""

from __future__ import annotations

import json

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.core.model import Framework
from jixiao.intake.checks import formulas
from jixiao.intake.layout import Layout, Sheet
from jixiao.intake.sheets import (
    EVIDENCE_COL,
    FIRST_ROW,
    HEAD,
    HEADER_ROW,
    INFO_ROWS,
    JSON_MARK,
    LIST_ROWS,
    LIST_TITLE,
    NOTE_ROW,
    POINTS_COL,
    TITLE_ROW,
    UNIT_COL,
    VALUE_COL,
    list_headers,
)
from jixiao.intake.values import to_decimal

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
BOLD = Font(bold=True)
OPEN = Protection(locked=False)
WRAP = Alignment(wrap_text=True, vertical="top")
FORMATS = {"money": "#,##0.00", "number": "#,##0.00", "count": "0", "rate": "0.00%", "score": "0.00"}
CHOICES_COL = 26  # column Z: same-sheet lists for level drop-downs, hidden
INSTRUCTIONS = [
    "本工作簿由 jixiao template 按指标体系生成，用于填报部门整体支出绩效评价的原始事实。",
    "黄色单元格为填写处；表头、事实名称和说明已锁定（工作表保护无密码，确需增加行时可撤销保护）。",
    "金额：在“数值”列填数字，在“单位”列选择 元、万元 或 亿元；也可直接写“2.5亿元”“12,345元”。千分位、全角数字均可。",
    "比率：填百分数（如 67.25%）或小数（0.6725）；执行率可超过 100%。",
    "是/否：从下拉列表选择。定性评价中“未达到”、酌情扣分或专家评分低于满分的，须在“依据与说明”中写明理由。",
    "不要合并单元格，不要改动表头；单元格中的公式按 Excel 保存的计算结果读取，jixiao 不计算公式。",
    "填好后运行：jixiao score 本文件.xlsx；jixiao convert 本文件.xlsx case.yaml 可转为文本格式。",
]


def build_workbook(fw: Framework, layout: Layout, doc: dict | None = None) -> Workbook:
    """The workbook for ``fw``; with ``doc`` (a case in the plain format) its values filled in."""
    doc = _cell_safe(doc or {})
    wb = Workbook()
    guide = wb.active
    guide.title = "填写说明"
    guide["A1"] = f"{fw.name}（{fw.id}）案例工作簿"
    guide["A1"].font = Font(bold=True, size=14)
    for i, line in enumerate(INSTRUCTIONS, start=3):
        guide.cell(i, 1, line)
    row = len(INSTRUCTIONS) + 4
    guide.cell(row, 1, "工作表").font = BOLD
    guide.cell(row, 2, "填写内容").font = BOLD
    for s in layout.sheets:
        row += 1
        guide.cell(row, 1, s.name)
        guide.cell(row, 2, s.note)
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 100
    for s in layout.sheets:
        ws = wb.create_sheet(s.name)
        _frame(ws, s)
        if s.kind in ("info", "facts"):
            _fact_sheet(ws, fw, s, doc)
        elif s.kind == "judgements":
            _judgement_sheet(ws, fw, s, doc)
        elif s.kind == "stated":
            _stated_sheet(ws, fw, doc)
        elif s.kind == "narrative":
            _narrative_sheet(ws, doc)
        ws.protection.sheet = True
        # Let people format, sort out widths and add rows; only the locked cells stay fixed.
        for opt in ("formatCells", "formatColumns", "formatRows", "insertRows", "deleteRows"):
            setattr(ws.protection, opt, False)
        ws.freeze_panes = ws.cell(FIRST_ROW, 1)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    c.data_type = "s"  # user text that starts with “=” stays text: we never write formulas
    return wb


def _cell_safe(value):
    """Text a worksheet can hold: control characters (a line break pasted from Word is \\x0b)
    are not allowed in XLSX cells; page and line breaks become newlines, the rest are dropped."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value.replace("\x0b", "\n").replace("\x0c", "\n"))
    if isinstance(value, dict):
        return {_cell_safe(k): _cell_safe(v) for k, v in value.items()}  # a key is written as a cell too
    if isinstance(value, list):
        return [_cell_safe(v) for v in value]
    return value


def _frame(ws: Worksheet, s: Sheet) -> None:
    ws.cell(TITLE_ROW, 1, s.name).font = Font(bold=True, size=13)
    ws.cell(NOTE_ROW, 1, s.note)
    for col, text in enumerate(HEAD[s.kind], start=1):
        c = ws.cell(HEADER_ROW, col, text)
        c.font, c.fill = BOLD, HEADER_FILL
    widths = {"info": (22, 48, 16, 8, 60), "facts": (22, 48, 16, 8, 60), "judgements": (18, 60, 6, 16, 10, 60),
              "stated": (22, 44, 14, 40), "narrative": (20, 8, 100)}[s.kind]
    for col, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = w


def _validation(ws: Worksheet, kind: str, cells: str, **extra) -> None:
    """Attach a data validation of one of our kinds to a range of cells."""
    common = {"allow_blank": True, "showErrorMessage": True, "showInputMessage": True, "errorStyle": "stop"}
    if kind == "money":
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", errorTitle="金额有误",
                            error="请填写不小于 0 的数字（单位见“单位”列）", promptTitle="金额", prompt="不小于 0 的数字", **common)
    elif kind in ("number", "rate"):
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", errorTitle="数值有误",
                            error="请填写不小于 0 的数字" + ("；比率可填 67.25%" if kind == "rate" else ""),
                            promptTitle="比率" if kind == "rate" else "数值",
                            prompt="百分数，如 67.25%" if kind == "rate" else "不小于 0 的数字", **common)
    elif kind == "count":
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", errorTitle="数值有误",
                            error="请填写不小于 0 的整数", promptTitle="整数", prompt="不小于 0 的整数", **common)
    elif kind == "score":
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2=str(extra["most"]),
                            errorTitle="分数有误", error=f"请填写 0 到 {extra['most']:g} 之间的分数",
                            promptTitle="分数", prompt=f"0–{extra['most']:g} 分", **common)
    elif kind == "flag":
        dv = DataValidation(type="list", formula1='"是,否"', errorTitle="请选择", error="请从下拉列表选择 是 或 否",
                            promptTitle="是/否", prompt="从下拉列表选择", **common)
    elif kind == "unit":
        dv = DataValidation(type="list", formula1='"元,万元,亿元"', errorTitle="单位有误", error="金额单位只能是 元、万元 或 亿元",
                            promptTitle="金额单位", prompt="元、万元 或 亿元", **common)
    elif kind == "level":
        dv = DataValidation(type="list", formula1=extra["source"], errorTitle="请选择档次", error="请从下拉列表选择档次",
                            promptTitle="档次", prompt="从下拉列表选择", **common)
    elif kind == "date":
        dv = DataValidation(type="date", operator="between", formula1="DATE(1990,1,1)", formula2="DATE(2100,12,31)",
                            errorTitle="日期有误", error="请填写日期，如 2020-12-31", promptTitle="日期",
                            prompt="如 2020-12-31", **common)
    elif kind == "year":
        dv = DataValidation(type="whole", operator="between", formula1="1990", formula2="2100", errorTitle="年份有误",
                            error="请填写四位年份", promptTitle="年度", prompt="如 2020", **common)
    else:
        return
    dv.add(cells)
    ws.add_data_validation(dv)


def _input(c, fmt: str = "") -> None:
    c.protection, c.fill = OPEN, INPUT_FILL
    if fmt:
        c.number_format = fmt


def _choices(ws: Worksheet, state: dict, choices: tuple[str, ...]) -> str:
    """A same-sheet range holding a level's choices (column Z onward, hidden)."""
    key = tuple(choices)
    if key not in state:
        col = CHOICES_COL + len(state)
        for i, choice in enumerate(choices, start=1):
            ws.cell(i, col, choice)
        letter = get_column_letter(col)
        ws.column_dimensions[letter].hidden = True
        state[key] = f"${letter}$1:${letter}${len(choices)}"
    return state[key]


def _value_out(spec_type: str, value):
    """A document value as a cell value: numbers as numbers, rates as fractions, 是/否 as text."""
    if value is None:
        return None
    if spec_type in ("money", "number", "count", "rate", "score"):
        parsed = to_decimal(value)
        if parsed is None:
            return value
        d, suffix = parsed
        if suffix == "%":
            d = d / 100
        return int(d) if spec_type == "count" else float(d)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _fact_sheet(ws: Worksheet, fw: Framework, s: Sheet, doc: dict) -> None:
    row = FIRST_ROW
    facts = doc.get("facts") or {}
    vcol, ucol, ecol = VALUE_COL[s.kind], UNIT_COL[s.kind], EVIDENCE_COL[s.kind]
    if s.kind == "info":
        for label, key, hint in INFO_ROWS:
            ws.cell(row, 1, label)
            ws.cell(row, 2, hint)
            value = doc.get(key, fw.id if key == "framework" else "万元" if key == "money_unit" else None)
            c = ws.cell(row, vcol, value)
            _input(c, "0" if key == "year" else "@")
            if key == "year":
                _validation(ws, "year", c.coordinate)
            if key == "money_unit":
                _validation(ws, "unit", c.coordinate)
            row += 1
    state: dict = {}
    for name in s.facts:
        spec = fw.facts[name]
        given = facts.get(name)
        value, evidence, unit = _parts(spec, given)
        ws.cell(row, 1, name)
        ws.cell(row, 2, spec.label or name).alignment = WRAP
        c = ws.cell(row, vcol, _value_out(spec.type, value))
        _input(c, FORMATS.get(spec.type, "@"))
        _fact_validation(ws, spec, c.coordinate, state, fw, name)
        u = ws.cell(row, ucol, unit or spec.unit or ("%" if spec.type == "rate" else ""))
        if spec.type == "money":
            _input(u)
            _validation(ws, "unit", u.coordinate)
        e = ws.cell(row, ecol, evidence or None)
        _input(e)
        e.alignment = WRAP
        row += 1
    if s.table:
        _list_table(ws, fw, s.table, (doc.get("lists") or {}).get(s.table) or [], row + 1)


def _parts(spec, given) -> tuple:
    """(value, evidence, unit) of a fact as the plain format gives it."""
    if isinstance(given, dict):
        main = given.get("value", given.get("level", given.get("score", given.get("met"))))
        evidence = given.get("evidence") or given.get("justification") or ""
        return main, evidence, given.get("unit")
    return given, "", None


def _fact_validation(ws, spec, cell: str, state: dict, fw: Framework, name: str) -> None:
    if spec.type in ("money", "number", "count", "rate"):
        _validation(ws, spec.type if not spec.signed else "", cell)
    elif spec.type in ("flag", "judgement"):
        _validation(ws, "flag", cell)
    elif spec.type == "level":
        _validation(ws, "level", cell, source=_choices(ws, state, spec.choices))
    elif spec.type == "score":
        _validation(ws, "score", cell, most=fw.expert_points().get(name, 100.0))


def _list_table(ws: Worksheet, fw: Framework, name: str, items: list, row: int) -> None:
    spec = fw.lists[name]
    ws.cell(row, 1, f"{LIST_TITLE}{spec.label or name}（每行一项）").font = BOLD
    row += 1
    headers = list_headers(spec)
    for col, text in enumerate(headers, start=1):
        c = ws.cell(row, col, text)
        c.font, c.fill = BOLD, HEADER_FILL
    first, last = row + 1, row + max(LIST_ROWS, len(items) + 50)
    for col, (_field, kind) in enumerate(spec.fields.items(), start=1):
        letter = get_column_letter(col)
        for r in range(first, last + 1):
            _input(ws.cell(r, col), {"date": "yyyy-mm-dd", **FORMATS}.get(kind, "@"))
        cells = f"{letter}{first}:{letter}{last}"
        _validation(ws, {"flag": "flag", "date": "date", "money": "money", "count": "count", "number": "number"}.get(kind, ""), cells)
    for i, item in enumerate(items):
        for col, (field, kind) in enumerate(spec.fields.items(), start=1):
            v = item.get(field)
            if kind == "date" and isinstance(v, str):
                import datetime as dt

                v = dt.date.fromisoformat(v)
            ws.cell(first + i, col, _value_out(kind, v) if kind != "date" else v)


def _judgement_sheet(ws: Worksheet, fw: Framework, s: Sheet, doc: dict) -> None:
    facts = doc.get("facts") or {}
    points = fw.judgement_points()
    experts = fw.expert_points()
    state: dict = {}
    for row, name in enumerate(s.facts, start=FIRST_ROW):
        spec = fw.facts[name]
        given = facts.get(name)
        ws.cell(row, 1, name)
        ws.cell(row, 2, spec.label or name).alignment = WRAP
        most = points.get(name, experts.get(name))
        ws.cell(row, 3, most)
        conclusion, evidence, awarded = None, "", None
        if isinstance(given, dict):
            evidence = given.get("evidence") or given.get("justification") or ""
            if spec.type == "judgement":
                awarded = given.get("points")
                conclusion = None if awarded is not None else given.get("met")
            else:
                conclusion = given.get("level", given.get("score", given.get("value")))
        elif given is not None:
            conclusion = given
        c = ws.cell(row, VALUE_COL["judgements"], _value_out(spec.type, conclusion))
        _input(c, FORMATS.get(spec.type, "@"))
        _fact_validation(ws, spec, c.coordinate, state, fw, name)
        if spec.type == "judgement":
            p = ws.cell(row, POINTS_COL["judgements"], _value_out("score", awarded))
            _input(p, "0.00")
            _validation(ws, "score", p.coordinate, most=most or 0.0)
        e = ws.cell(row, EVIDENCE_COL["judgements"], evidence or None)
        _input(e)
        e.alignment = WRAP


def _stated_sheet(ws: Worksheet, fw: Framework, doc: dict) -> None:
    from jixiao.core import expr as E
    from jixiao.intake.checks import normalise

    stated = dict(doc.get("stated") or {})
    known = formulas(fw)
    rows = [(label, E.render(node)) for label, node in known.values()]
    by_norm = {normalise(label): label for label, _ in rows}
    values = {}
    extra = []
    for name, value in stated.items():
        label = by_norm.get(normalise(name))
        if label is None or label in values:
            extra.append((name, value))
        else:
            values[label] = (name, value)
    row = FIRST_ROW
    for label, shown in rows:
        name, value = values.get(label, (label, None))
        ws.cell(row, 1, name)
        ws.cell(row, 2, shown)
        c = ws.cell(row, 3, _value_out("rate", value))
        _input(c, "0.00%")
        _input(ws.cell(row, 4))
        row += 1
    for name, value in extra:
        ws.cell(row, 1, name)
        _input(ws.cell(row, 3, _value_out("rate", value)), "0.00%")
        row += 1
    for r in range(row, row + 20):  # room for rates the framework does not name
        _input(ws.cell(r, 1))
        _input(ws.cell(r, 3), "0.00%")
        _input(ws.cell(r, 4))
    _validation(ws, "rate", f"C{FIRST_ROW}:C{row + 19}")


def _narrative_sheet(ws: Worksheet, doc: dict) -> None:
    row = FIRST_ROW
    for key, value in (doc.get("narrative") or {}).items():
        if isinstance(value, str):
            cells = [(None, value)]
        elif isinstance(value, list) and all(isinstance(v, str) for v in value) and value:
            cells = list(enumerate(value, start=1))
        else:
            cells = [(JSON_MARK, json.dumps(value, ensure_ascii=False))]
        for mark, text in cells:
            ws.cell(row, 1, key)
            ws.cell(row, 2, mark)
            c = ws.cell(row, 3, text)
            c.alignment = WRAP
            for col in (1, 2, 3):
                _input(ws.cell(row, col))
            row += 1
    for r in range(row, row + 30):
        for col in (1, 2, 3):
            _input(ws.cell(r, col))
