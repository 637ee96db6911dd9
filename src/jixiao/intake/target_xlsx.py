"""A 绩效目标申报表 as an Excel workbook: the template to fill in, and reading it back.

The sheet (its title holds “绩效目标申报表”) is read by its labels, not by fixed cells: header
fields are label/value pairs in the first two columns (项目名称 | …); each block starts with its
title in column A (资金, 总体目标, 年度主要任务, 绩效指标), then a header row of column labels, then
data rows down to the next block or a blank row. Merged 期间/一级/二级 cells read as their
top-left value. An optional sheet “历史完成值” (三级指标 | 年度 | 完成值) carries past actuals. The
result is the same plain data a YAML form gives, with every field's ``sheet!cell``, so
:func:`jixiao.intake.target.bind_target` checks both alike.

:func:`write_workbook` writes plain form data (or an empty template for an edition) in that layout,
with drop-down lists for 期间, 一级指标, 二级指标, 指标值确定依据 and 项目属性.
"""

from __future__ import annotations

from pathlib import Path

from jixiao.core.cycle.target import TargetEdition
from jixiao.intake.form_xlsx import FormBook, WorkbookForm, has_titled_sheet, opened, titled_grid
from jixiao.intake.target_labels import FUND_KEYS, OPTIONAL_HEADER, PROJECT_HEADER, ROW_KEYS, TASK_KEYS

TITLE = "绩效目标申报表"
HISTORY = "历史完成值"
HEADER_LABELS = (*PROJECT_HEADER, "部门名称", *OPTIONAL_HEADER, "年度", "金额单位", "审核规则")
BLOCKS = {"资金": ("期间", "资金总额", "财政拨款", "其他资金"), "总体目标": ("期间", "总体目标"),
          "年度主要任务": ("任务名称", "主要内容", "总额", "财政拨款", "其他资金"),
          "绩效指标": ("期间", "一级指标", "二级指标", "三级指标", "指标值", "计量单位", "指标值确定依据", "预算支出标准")}
ALIASES = {k: a for table in (FUND_KEYS, TASK_KEYS, ROW_KEYS) for k, a in table.items()}


def _is_title(v) -> bool:
    return isinstance(v, str) and TITLE in v


def is_target_workbook(source: Path | FormBook) -> bool:
    """Whether a workbook holds a 绩效目标申报表 (a sheet whose title or first rows say so)."""
    return has_titled_sheet(source, _is_title)


def read_workbook(source: Path | FormBook) -> WorkbookForm:
    with opened(source) as wb:
        return _read(wb)


def _read(wb: FormBook) -> WorkbookForm:
    from openpyxl.utils import get_column_letter as col

    path = wb.path
    ws, grid, rows, title = titled_grid(wb, _is_title, (
        "工作簿中没有绩效目标申报表",
        f"找不到标题含“{TITLE}”的工作表；请用 jixiao template --framework national-target-project/2015 生成模板"))
    data: dict = {}
    cells: dict[tuple, str] = {}
    if title:
        data["表名"] = title
    r = 1
    while r <= rows:
        label = grid.get((r, 1))
        label = label.strip() if isinstance(label, str) else label
        if label in HEADER_LABELS and label not in BLOCKS:
            key = "framework" if label == "审核规则" else label
            if grid.get((r, 2)) not in (None, ""):
                data[key] = grid.get((r, 2))
            cells[(key,)] = f"B{r}"
            r += 1
            continue
        if label in BLOCKS:
            head_row = r + 1
            columns = {}
            for c in range(1, 12):
                v = grid.get((head_row, c))
                if isinstance(v, str):
                    name = next((k for k, a in ALIASES.items() if v.strip() in a), v.strip())
                    columns[name] = c
            items = []
            r = head_row + 1
            while r <= rows and grid.get((r, 1)) not in BLOCKS:
                values = {name: grid.get((r, c)) for name, c in columns.items() if grid.get((r, c)) not in (None, "")}
                if not values:
                    break
                n = len(items)
                for name, c in columns.items():
                    cells[(label, n, name)] = f"{col(c)}{r}"
                cells[(label, n)] = f"A{r}"
                items.append(values)
                r += 1
            cells[(label,)] = f"A{head_row - 1}"
            if label in ("资金", "总体目标"):
                block: dict = {}
                for n, it in enumerate(items):
                    period = str(it.pop("期间", "")).strip()
                    block[period] = it.get("总体目标") if label == "总体目标" else it
                    for name in list(columns):
                        if (label, n, name) in cells:
                            cells[(label, period, name)] = cells[(label, n, name)]
                    cells[(label, period)] = cells[(label, n)]
                data[label] = block
            else:
                data[label] = items
            continue
        r += 1
    if HISTORY in wb.sheetnames:
        hist: dict = {}
        hs = wb[HISTORY]
        for i, row in enumerate(hs.iter_rows(min_row=2, values_only=True), start=2):
            if not row or row[0] in (None, ""):
                continue
            hist.setdefault(str(row[0]).strip(), []).append({"年度": row[1], "完成值": row[2]})
            cells[(HISTORY, str(row[0]).strip())] = f"{HISTORY}!A{i}"
        if hist:
            data[HISTORY] = hist
    return WorkbookForm(data, cells, str(path), ws.title)


def write_workbook(data: dict, path: Path, edition: TargetEdition | None = None) -> None:
    """Write plain form data (or, with ``data`` empty, a blank template for ``edition``)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    dept = (edition.form == "dept") if edition else "部门名称" in data
    wb = openpyxl.Workbook()
    ws = wb.active
    name = edition.name if edition else ("部门（单位）整体支出绩效目标申报表" if dept else "项目支出绩效目标申报表")
    ws.title = "部门整体支出" + TITLE if dept else "项目支出" + TITLE
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    year = data.get("年度")
    ws["A1"] = data.get("表名") or (f"{name}（{year}年度）" if year else name)
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:H1")
    r = 2
    header = ("部门名称",) if dept else PROJECT_HEADER
    optional = tuple(edition.optional_header) if edition else tuple(k for k in OPTIONAL_HEADER if data.get(k))
    for label in (*header, *optional, "年度", "金额单位", "审核规则"):
        ws.cell(r, 1, label).font = bold
        value = data.get("framework" if label == "审核规则" else label)
        if value is None and label == "审核规则" and edition:
            value = edition.id
        if value is None and label == "金额单位":
            value = "万元"
        ws.cell(r, 2, value)
        if label == "项目属性":
            dv = DataValidation(type="list", formula1='"新增,延续"', allow_blank=True)
            ws.add_data_validation(dv)
            dv.add(ws.cell(r, 2))
        offered = edition.offered.get(label) if edition else None
        if offered:  # a suggestion, not a rule: other text is accepted (no error box)
            dv = DataValidation(type="list", formula1='"' + ",".join(offered) + '"', allow_blank=True,
                                showErrorMessage=False)
            ws.add_data_validation(dv)
            dv.add(ws.cell(r, 2))
        if label == "功能分类":
            ws.cell(r, 3, "支出功能分类科目：3位（类）、5位（款）或7位（项）编码及名称，如 2080109 社会保险经办机构（选填）")
        r += 1
    periods = edition.periods if edition else (["年度"] if dept else ["中期", "年度"])
    blocks = ["资金", "总体目标", "年度主要任务", "绩效指标"] if dept else ["资金", "总体目标", "绩效指标"]
    for block in blocks:
        r += 1
        ws.cell(r, 1, block).font = Font(bold=True, size=12)
        r += 1
        for c, label in enumerate(BLOCKS[block], start=1):
            cell = ws.cell(r, c, label)
            cell.font, cell.fill = bold, fill
        r += 1
        if block == "资金":
            given = data.get("资金") or {}
            for p in periods:
                row = given.get(p) or {}
                ws.cell(r, 1, p)
                for c, label in enumerate(BLOCKS[block][1:], start=2):
                    ws.cell(r, c, row.get(label))
                r += 1
        elif block == "总体目标":
            given = data.get("总体目标") or {}
            for p in periods:
                ws.cell(r, 1, p)
                ws.cell(r, 2, given.get(p)).alignment = Alignment(wrap_text=True)
                r += 1
        else:
            rows = data.get(block) or []
            first = r
            for item in rows:
                for c, label in enumerate(BLOCKS[block], start=1):
                    cell = ws.cell(r, c, item.get(label))
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        cell.data_type = "s"  # "=100%" is a value here, not a formula
                r += 1
            if not rows:  # a blank template: room for rows, with drop-downs where the values are a closed list
                r += 20 if block == "绩效指标" else 6
            if block == "绩效指标" and edition:
                last = max(r - 1, first)
                for col, values in (("A", periods), ("B", [lv.name for lv in edition.levels]),
                                    ("C", [p for lv in edition.levels for p in lv.parts]), ("G", edition.bases)):
                    dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
                    ws.add_data_validation(dv)
                    dv.add(f"{col}{first}:{col}{last}")
    for col, width in zip("ABCDEFGH", (14, 30, 16, 28, 16, 10, 16, 14)):
        ws.column_dimensions[col].width = width
    history = data.get(HISTORY) or {}
    hs = wb.create_sheet(HISTORY)
    for c, label in enumerate(("三级指标", "年度", "完成值"), start=1):
        hs.cell(1, c, label).font = bold
    hr = 2
    for ind, values in history.items():
        for v in values:
            hs.cell(hr, 1, ind)
            hs.cell(hr, 2, v.get("年度"))
            hs.cell(hr, 3, v.get("完成值"))
            hr += 1
    wb.save(path)
