"""An 事前绩效评估 expert scoring sheet as an Excel workbook: the template to fill in, and reading it back.

The sheet (its title, or one of its first rows, holds “事前绩效评估”) is read by its labels, not
by fixed cells: header fields are label/value pairs in the first two columns (项目名称 | 乡村道路养护项目;
评估规则, 年度, 主管部门, 申请资金, 金额单位, 说明); the row whose column A says 姓名 heads the
experts' table (姓名, 职称, 工作单位, one column per dimension, 意见), one expert per row down to the first blank
row. An optional sheet “评估报告” (章节 | 位置 | 内容) carries the YAML's 报告 block, the assessors' own
text for the report: one paragraph a row, rows of one 章节 in order, 位置 前/后 for the text before or
after what the marks write (blank: the whole section). The result is the same plain data a YAML
sheet gives, with every field's ``sheet!cell``, so
:func:`jixiao.intake.preassess.bind_preassessment` checks both alike and names the cell.
"""

from __future__ import annotations

from pathlib import Path

from jixiao.core.cycle.preassess import PreassessEdition
from jixiao.intake.form_xlsx import FormBook, WorkbookForm, has_titled_sheet, opened, titled_grid

TITLE = "事前绩效评估"
HEADER_LABELS = ("评估规则", "年度", "项目名称", "主管部门", "申请资金", "金额单位", "说明")
NAME = "姓名"
PERSON = ("职称", "工作单位")  # for the report's 评估人员
REPORT = "评估报告"
REPORT_HEADS = ("章节", "位置", "内容")
PARTS = ("前", "后")


def _is_title(v) -> bool:
    return isinstance(v, str) and TITLE in v


def is_preassess_workbook(source: Path | FormBook) -> bool:
    """Whether a workbook holds an 事前绩效评估 scoring sheet (a sheet whose title or first rows say so)."""
    return has_titled_sheet(source, _is_title)


def read_workbook(source: Path | FormBook) -> WorkbookForm:
    with opened(source) as wb:
        return _read(wb)


def _read(wb: FormBook) -> WorkbookForm:
    from openpyxl.utils import get_column_letter as col

    ws, grid, rows, title = titled_grid(wb, _is_title, (
        "工作簿中没有事前绩效评估专家评分表", f"找不到标题含“{TITLE}”的工作表；请在事前评估页面下载评分表模板填写"))
    data: dict = {}
    cells: dict[tuple, str] = {}
    if title:
        data["表名"] = title
    r = 1
    while r <= rows:
        label = grid.get((r, 1))
        if label in HEADER_LABELS:
            key = "framework" if label == "评估规则" else label
            if grid.get((r, 2)) not in (None, ""):
                data[key] = grid.get((r, 2))
            cells[(key,)] = f"B{r}"
        elif label == NAME:
            columns = {str(v).strip(): c for (row, c), v in grid.items() if row == r and v not in (None, "")}
            experts = []
            r += 1
            while r <= rows:
                values = {name: grid.get((r, c)) for name, c in columns.items() if grid.get((r, c)) not in (None, "")}
                if not values:
                    break
                n = len(experts)
                cells[("专家", n)] = f"A{r}"
                for name, c in columns.items():
                    cells[("专家", n, name)] = f"{col(c)}{r}"
                experts.append(values)
                r += 1
            data["专家"] = experts
            cells[("专家",)] = f"A{r - len(experts) - 1}"
            continue
        r += 1
    if REPORT in wb.sheetnames:
        _read_report(wb[REPORT], data, cells)
    return WorkbookForm(data, cells, str(wb.path), ws.title)


def _read_report(ws, data: dict, cells: dict[tuple, str]) -> None:
    """The 评估报告 sheet as the YAML's 报告 block: a section's rows joined into one text, or a list of
    paragraphs when it has several, or ``{前, 后}``. A bad 位置 is kept as written, so the binder refuses it
    at its cell."""
    report: dict = {}
    for i, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        name, part, text = (list(row) + [None] * 3)[:3]
        name = "" if name is None else str(name).strip()
        text = "" if text is None else str(text).strip()
        if not name or not text:
            continue
        part = "" if part is None else str(part).strip()
        cells.setdefault(("报告", name), f"{REPORT}!C{i}")
        if part:
            entry = report.setdefault(name, {})
            if not isinstance(entry, dict):  # 位置 on some rows of a section and not others
                report[name] = {"": entry, part: text}
                continue
            entry[part] = f"{entry[part]}\n{text}" if part in entry else text
            continue
        entry = report.get(name)
        if isinstance(entry, dict):
            entry[""] = text  # refused by the binder at this section's cell: 位置 on some rows only
        else:
            report[name] = text if entry is None else (entry + [text] if isinstance(entry, list) else [entry, text])
    if report:
        data["报告"] = report


def write_workbook(data: dict, path: Path, edition: PreassessEdition) -> None:
    """Write a sheet's plain data (or, with ``data`` empty, a blank template for ``edition``)."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter as col
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "事前绩效评估专家评分表"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    ws["A1"] = data.get("表名") or "事前绩效评估专家评分表"
    ws["A1"].font = Font(bold=True, size=14)
    r = 2
    for label in HEADER_LABELS:
        ws.cell(r, 1, label).font = bold
        value = data.get("framework" if label == "评估规则" else label)
        ws.cell(r, 2, value if value is not None else {"评估规则": edition.id, "金额单位": "万元"}.get(label))
        r += 1
    r += 1
    names = [d.name for d in edition.dimensions]
    heads = [NAME, *PERSON, *names, "意见"]
    for c, h in enumerate(heads, start=1):
        cell = ws.cell(r, c, h)
        cell.font, cell.fill = bold, fill
    ws.cell(r - 1, 1, "每位专家一行；各维度填 0 到权重之间的分数，或 优、良、中、差（"
            + "、".join(f"{d.name} {d.weight:g} 分" for d in edition.dimensions) + "）")
    for i, row in enumerate(data.get("专家") or [], start=r + 1):
        for c, h in enumerate(heads, start=1):
            ws.cell(i, c, row.get(h))
    dv = DataValidation(type="list", formula1='"优,良,中,差"', allow_blank=True, showErrorMessage=False)
    ws.add_data_validation(dv)
    first = 1 + len(PERSON) + 1  # the first dimension's column
    dv.add(f"{col(first)}{r + 1}:{col(first + len(names) - 1)}{r + 200}")
    for c in range(1, len(heads) + 1):
        ws.column_dimensions[col(c)].width = 16
    _write_report(wb.create_sheet(REPORT), data.get("报告") or {}, edition, bold, fill)
    wb.save(path)


def _write_report(ws, report: dict, edition: PreassessEdition, bold, fill) -> None:
    """One paragraph a row; a blank template lists every section once, so the assessors see them all."""
    for c, h in enumerate(REPORT_HEADS, start=1):
        cell = ws.cell(1, c, h)
        cell.font, cell.fill = bold, fill
    rows: list[tuple[str, str, str]] = []
    for name, value in (report or dict.fromkeys(edition.report_sections, "")).items():
        if not report:
            rows.append((name, "", ""))
        elif isinstance(value, dict):
            rows += [(name, part, str(value[part])) for part in PARTS if value.get(part)]
        elif isinstance(value, list):
            rows += [(name, "", str(v)) for v in value]
        elif value not in (None, ""):
            rows.append((name, "", str(value)))
    for i, row in enumerate(rows, start=2):
        for c, v in enumerate(row, start=1):
            ws.cell(i, c, v or None)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width, ws.column_dimensions["C"].width = 22, 8, 100
