"""The corpus of bad inputs: every entry, the message code it must produce, and how to make it.

Text inputs are files beside this module; binary ones (workbooks, the 50 MB file, the zip bomb,
GBK and UTF-16 text) are generated at test time into a temporary folder by the builders below,
most of them by changing one thing in the seed's own workbook. ``exit`` is 2 for refused input and
3 for input that is legal but leaves an indicator unscorable (a zero denominator).
"""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

HERE = Path(__file__).parent
SEED_XLSX = HERE.parent.parent / "examples" / "shenzhen-sibao-2020" / "case.xlsx"
DATED = HERE / "dated"
FORM_XLSX = HERE.parent.parent / "examples" / "chizhou-2022" / "form.xlsx"  # a project 自评表


@dataclass(frozen=True)
class Bad:
    name: str
    code: str
    make: Callable[[Path], Path]  # writes the input into a folder, returns its path
    where: str = ""  # a place the message must name (sheet!cell), if any
    exit: int = 2


def copy(name: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        out = tmp / name
        shutil.copy(HERE / name, out)
        return out
    return make


def encoded(name: str, encoding: str, bom: bytes = b"") -> Callable[[Path], Path]:
    """A valid case saved in another encoding (GBK as Windows editors do, UTF-16 with its BOM)."""
    def make(tmp: Path) -> Path:
        text = (HERE / "text_in_number.yaml").read_text(encoding="utf-8").replace("两万一千", "21195")
        out = tmp / name
        out.write_bytes(bom + text.encode(encoding))
        return out
    return make


def workbook(name: str, change: Callable, source: Path = SEED_XLSX) -> Callable[[Path], Path]:
    """The seed workbook with one change made through openpyxl."""
    def make(tmp: Path) -> Path:
        wb = load_workbook(source)
        change(wb)
        out = tmp / name
        wb.save(out)
        return out
    return make


def dated_workbook(name: str, change: Callable) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        from jixiao.intake.case import read_case
        from jixiao.intake.export import write_case

        shutil.copy(DATED / "framework.yaml", tmp / "framework.yaml")
        case, fw, _ = read_case(DATED / "case.yaml")
        base = tmp / "dated-base.xlsx"
        write_case(case, fw, base, tmp / "framework.yaml")
        return workbook(name, change, base)(tmp)
    return make


def raw(name: str, data: Callable[[Path], bytes]) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        out = tmp / name
        out.write_bytes(data(tmp))
        return out
    return make


def set_cell(sheet: str, cell: str, value):
    def change(wb):
        wb[sheet][cell] = value
    return change


def zip_bomb(tmp: Path) -> bytes:
    """A zip posing as .xlsx whose one sheet inflates 50 MB of zeros from a few dozen KB."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            block = b"\0" * 1_000_000
            for _ in range(50):
                fh.write(block)
    return buf.getvalue()


def fifty_megabytes(tmp: Path) -> bytes:
    """The seed workbook carrying a 50 MB picture: a real workbook, just far too big."""
    buf = io.BytesIO(SEED_XLSX.read_bytes())
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/media/image1.png", b"\x89PNG" + bytes(range(256)) * (50 * 4096))
    return buf.getvalue()


def docx_renamed(tmp: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    return buf.getvalue()


def merge(wb):
    wb["政府采购"].merge_cells("C4:D4")


def delete_sheet(wb):
    del wb["政府采购"]


def swap_headers(wb):
    ws = wb["预算与决算"]
    ws["C3"], ws["D3"] = "单位", "数值"


def empty(wb):
    for ws in list(wb.worksheets)[1:]:
        del wb[ws.title]
    wb.worksheets[0].delete_rows(1, 100)
    wb.worksheets[0].title = "Sheet1"


def formula_without_result(wb):
    wb["政府采购"]["C5"] = "=C4*0.67"


def duplicate_project(wb):
    ws = wb["项目清单"]
    header = next(r for r in range(1, 40) if ws.cell(r, 1).value == "名称")
    for offset, name in enumerate(["档案整理", "档案整理"], start=1):
        ws.cell(header + offset, 1, name)
        ws.cell(header + offset, 2, "是")
        ws.cell(header + offset, 3, "是")
    for r in range(4, 7):  # the counts now come from the list
        ws.cell(r, 3).value = ws.cell(r, 5).value = None


def zero_denominator(wb):
    ws = wb["三公与公用经费"]
    ws["C4"], ws["C5"] = 0, 0


def odd_date(wb):
    ws = wb["项目清单"]
    header = next(r for r in range(1, 40) if ws.cell(r, 1).value == "名称")
    ws.cell(header + 1, 2).value = "12/31/2020"


def impossible_date(wb):
    ws = wb["项目清单"]
    header = next(r for r in range(1, 40) if ws.cell(r, 1).value == "名称")
    ws.cell(header + 2, 3).value = "2020年2月30日"


def rename_list_header(wb):
    ws = wb["项目清单"]
    header = next(r for r in range(1, 40) if ws.cell(r, 1).value == "名称")
    ws.cell(header, 5).value = "金额（美元）"


CORPUS = [
    # YAML and JSON
    Bad("文字填在金额处（YAML）", "E-IN-NOT-NUMBER", copy("text_in_number.yaml")),
    Bad("金额为负数（YAML）", "E-IN-NEGATIVE", copy("negative_money.yaml")),
    Bad("事实名写错", "E-IN-UNKNOWN-FACT", copy("unknown_fact.yaml")),
    Bad("缺少必填事实", "E-IN-MISSING", copy("missing_fact.yaml")),
    Bad("档次不在可选范围", "E-IN-LEVEL", copy("bad_level.yaml")),
    Bad("执行率漏写百分号", "E-IN-RATE-FORM", copy("rate_without_percent.yaml")),
    Bad("金额单位不认识", "E-IN-UNIT", copy("bad_money_unit.yaml")),
    Bad("年度写成汉字", "E-IN-YEAR", copy("bad_year.yaml")),
    Bad("未达到的标准没有依据", "E-IN-NO-EVIDENCE", copy("judgement_without_evidence.yaml")),
    Bad("分母为零（YAML）", "W-IN-ZERO-DENOMINATOR", copy("zero_denominator.yaml"), exit=3),
    Bad("同一事实写了两次", "E-IN-YAML", copy("duplicate_key.yaml")),
    Bad("YAML 标签构造 Python 对象", "E-IN-YAML-TAG", copy("python_tag.yaml")),
    Bad("专家评分超过满分", "E-IN-RANGE", copy("score_out_of_range.yaml")),
    Bad("金额写成百分数", "E-IN-NOT-NUMBER", copy("amount_as_percent.yaml")),
    Bad("项目名称重复（YAML）", "E-IN-DUPLICATE", copy("duplicate_projects.yaml")),
    Bad("计数与清单矛盾", "E-IN-CONFLICT", copy("count_conflicts_with_list.yaml")),
    Bad("报告所述比率是文字", "E-IN-NOT-NUMBER", copy("bad_stated_rate.yaml")),
    Bad("YAML 别名炸弹", "E-IN-YAML-BOMB", copy("alias_bomb.yaml")),
    Bad("YAML 语法错误", "E-IN-YAML", copy("syntax_error.yaml")),
    Bad("案例不是键值映射", "E-IN-SCHEMA", copy("not_a_mapping.yaml")),
    Bad("JSON 多余逗号", "E-IN-JSON", copy("trailing_comma.json")),
    Bad("JSON 键重复", "E-IN-JSON", copy("duplicate_key.json")),
    Bad("JSON 中的 NaN", "E-IN-JSON", copy("nan.json")),
    Bad("GBK 编码的 YAML", "E-IN-ENCODING", encoded("gbk.yaml", "gbk")),
    Bad("UTF-16 编码（带 BOM）的 YAML", "E-IN-ENCODING", encoded("utf16.yaml", "utf-16-le", b"\xff\xfe")),
    Bad("嵌套过深的 YAML", "E-IN-YAML-BOMB", raw("deep.yaml", lambda t: b"subject: " + b"[" * 5000 + b"]" * 5000)),
    Bad("工作簿改名为 .yaml", "E-IN-NOT-TEXT", raw("workbook.yaml", lambda t: SEED_XLSX.read_bytes())),
    # Workbooks
    Bad("文字填在金额单元格", "E-IN-NOT-NUMBER", workbook("text.xlsx", set_cell("政府采购", "C4", "abc")), "政府采购!C4"),
    Bad("负数金额单元格", "E-IN-NEGATIVE", workbook("negative.xlsx", set_cell("政府采购", "C5", -4222.66)), "政府采购!C5"),
    Bad("金额单位单元格写错", "E-IN-UNIT", workbook("unit.xlsx", set_cell("政府采购", "D4", "美元")), "政府采购!C4"),
    Bad("档次单元格不在可选范围", "E-IN-LEVEL", workbook("level.xlsx", set_cell("定性评价", "D17", "已公开"))),
    Bad("缺少工作表", "E-IN-SHEET-MISSING", workbook("missing-sheet.xlsx", delete_sheet)),
    Bad("表头被改名", "E-IN-HEADER", workbook("renamed-header.xlsx", set_cell("政府采购", "C3", "金额")), "政府采购!C3"),
    Bad("表头被调换", "E-IN-HEADER", workbook("reordered-header.xlsx", swap_headers), "预算与决算!C3"),
    Bad("清单表头的单位被改", "E-IN-HEADER", dated_workbook("dated-header.xlsx", rename_list_header)),
    Bad("事实名称被改", "E-IN-UNKNOWN-FACT", workbook("renamed-fact.xlsx", set_cell("政府采购", "A4", "采购计划")), "政府采购!A4"),
    Bad("合并单元格", "E-IN-MERGED", workbook("merged.xlsx", merge), "政府采购!C4:D4"),
    Bad("日期写成月/日/年", "E-IN-DATE", dated_workbook("odd-date.xlsx", odd_date)),
    Bad("不存在的日期", "E-IN-DATE", dated_workbook("impossible-date.xlsx", impossible_date)),
    Bad("分母为零（工作簿）", "W-IN-ZERO-DENOMINATOR", workbook("zero.xlsx", zero_denominator), "三公与公用经费!C4", exit=3),
    Bad("项目名称重复（工作簿）", "E-IN-DUPLICATE", workbook("duplicate-projects.xlsx", duplicate_project)),
    Bad("年度写成文字", "E-IN-YEAR", workbook("year.xlsx", set_cell("基本信息", "C5", "二〇二〇年"))),
    Bad("公式没有保存的计算结果", "E-IN-FORMULA", workbook("formula.xlsx", formula_without_result), "政府采购!C5"),
    Bad("单元格为错误值", "E-IN-CELL-ERROR", workbook("error-cell.xlsx", set_cell("政府采购", "C4", "#DIV/0!")), "政府采购!C4"),
    Bad("空工作簿", "E-IN-SHEET-MISSING", workbook("empty.xlsx", empty)),
    Bad("50 MB 的工作簿", "E-IN-TOO-LARGE", raw("big.xlsx", fifty_megabytes)),
    Bad("压缩炸弹冒充 .xlsx", "E-IN-ZIP-BOMB", raw("bomb.xlsx", zip_bomb)),
    Bad("文本文件改名为 .xlsx", "E-IN-NOT-XLSX", raw("text.xlsx", lambda t: (HERE / "negative_money.yaml").read_bytes())),
    Bad("旧版 .xls 改名为 .xlsx", "E-IN-NOT-XLSX", raw("old.xlsx", lambda t: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)),
    Bad("Word 文档改名为 .xlsx", "E-IN-NOT-XLSX", raw("doc.xlsx", docx_renamed)),
    Bad("截断的工作簿", "E-IN-NOT-XLSX", raw("truncated.xlsx", lambda t: SEED_XLSX.read_bytes()[:4000])),
    Bad("空文件", "E-IN-NOT-XLSX", raw("zero.xlsx", lambda t: b"")),
    Bad("旧版 .xls 扩展名", "E-IN-FORMAT", raw("case.xls", lambda t: b"\xd0\xcf\x11\xe0")),
]


# --- Hostile inputs (issue 15): resources, tracebacks, numbers no reader would see ----------------

def deep_json(tmp: Path) -> bytes:
    return b"[" * 100_000 + b"]" * 100_000


def many_items(tmp: Path) -> bytes:
    """64,000 list items: refused before the (pure-Python, ~1 ms per entry) parser starts."""
    head = (HERE / "negative_money.yaml").read_text(encoding="utf-8").replace("value: -4222.66", "value: 4222.66")
    items = "".join(f"    - {{名称: 项目{i}, 按时完成: 是}}\n" for i in range(64_000))
    return (head + "lists:\n  项目清单:\n" + items).encode("utf-8")


def special(name: str, kind: str) -> Callable[[Path], Path]:
    """A path that is not a regular file: a link to /dev/zero, or a FIFO (reading either never ends)."""
    def make(tmp: Path) -> Path:
        import os

        out = tmp / name
        if kind == "zero":
            out.symlink_to("/dev/zero")
        else:
            os.mkfifo(out)
        return out
    return make


def patched_sheet(name: str, part: str, old: bytes, new: bytes, source: Path = SEED_XLSX) -> Callable[[Path], Path]:
    """The seed workbook with bytes of one worksheet part replaced (what openpyxl cannot write)."""
    def make(tmp: Path) -> Path:
        out = tmp / name
        with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == part:
                    assert old in data, (part, old)
                    data = data.replace(old, new, 1)
                dst.writestr(info, data)
        return out
    return make


def sheet_part(sheet: str) -> str:
    """The zip part holding a sheet of the seed workbook."""
    import xml.etree.ElementTree as ET

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(SEED_XLSX) as zf:
        book = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))}
    ref = next(rels[s.get(rid)] for s in book.iter(f"{main}sheet") if s.get("name") == sheet)
    return ref.lstrip("/") if ref.startswith("/") else f"xl/{ref}"


def infinite_cell(tmp: Path) -> Path:
    """<v>1e999</v> in a money cell: Excel never writes it, a program can."""
    part = sheet_part("政府采购")
    with zipfile.ZipFile(SEED_XLSX) as zf:
        xml = zf.read(part).decode("utf-8")
    import re

    cell = re.search(r'<c r="C4"[^>]*>(.*?)</c>', xml)
    assert cell, "the seed's 政府采购!C4"
    return patched_sheet("infinite.xlsx", part, cell.group(0).encode(), b'<c r="C4" t="n"><v>1e999</v></c>')(tmp)


def percent_money(wb):
    wb["政府采购"]["C4"].number_format = "0.00%"  # shows 627926.00%, stores 6279.26


def many_cells(columns: str = "ABCDEFGHIJ") -> bytes:
    """200,010 cells in rows 1000–21000: over the budget for all sheets, and varied enough that the
    zip ratio check does not catch it first."""
    import random

    rnd = random.Random(15)
    rows = []
    for r in range(1_000, 1_000 + 20_001):
        cells = "".join(f'<c r="{col}{r}"><v>{rnd.randrange(10**9)}</v></c>' for col in columns.split())
        rows.append(f'<row r="{r}">{cells}</row>')
    return ("".join(rows) + "</sheetData>").encode()


def too_many_cells(tmp: Path) -> Path:
    """The seed plus 200,010 cells on its ignored first sheet."""
    part = sheet_part("填写说明")
    return patched_sheet("many-cells.xlsx", part, b"</sheetData>", many_cells(" ".join("ABCDEFGHIJ")))(tmp)


def form_too_many_cells(tmp: Path) -> Path:
    """A project form workbook (the one sheet 自评表) plus 200,010 cells right of what it reads:
    before, the form reader opened it with openpyxl in full and built every one."""
    cols = " ".join(f"C{c}" for c in "ABCDEFGHIJ")  # CA…CJ, beyond the 64 columns read
    return patched_sheet("form-many-cells.xlsx", "xl/worksheets/sheet1.xml", b"</sheetData>", many_cells(cols),
                         source=FORM_XLSX)(tmp)


def form_bomb(tmp: Path) -> bytes:
    """The form workbook with 50 MB of zeros in a part: refused before any parser starts."""
    buf = io.BytesIO(FORM_XLSX.read_bytes())
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/zeros.bin", b"\0" * 50_000_000)
    return buf.getvalue()

def infinite_year(tmp: Path) -> Path:
    """<v>1e999</v> in the year cell (基本信息!C5): a TypeError traceback before."""
    import re

    part = sheet_part("基本信息")
    with zipfile.ZipFile(SEED_XLSX) as zf:
        xml = zf.read(part).decode("utf-8")
    cell = re.search(r'<c r="C5"[^>]*>(.*?)</c>', xml)
    assert cell, "the seed's 基本信息!C5"
    return patched_sheet("infinite-year.xlsx", part, cell.group(0).encode(), b'<c r="C5" t="n"><v>1e999</v></c>')(tmp)


def sparse_yaml(tmp: Path) -> Path:
    """A 1 GB .yaml that takes no room on disk: read whole before its size was checked (1.1–2.1 GB)."""
    out = tmp / "huge.yaml"
    with out.open("wb") as fh:
        fh.write(b"subject: x\n#")
        fh.truncate(1 << 30)
    return out


def framework_link_to_zero(tmp: Path) -> Path:
    (tmp / "framework.yaml").symlink_to("/dev/zero")
    out = tmp / "zero-framework.yaml"
    out.write_text("subject: 测试单位\nyear: 2020\nframework: framework.yaml\nfacts: {}\n", encoding="utf-8")
    return out


SIBLINGS_FRAMEWORK = """id: t/siblings
name: 同级指标名称相似
edition: "1"
total: 2
levels: 2
facts:
  a: {type: number, label: 甲}
indicators:
  - name: 部门管理
    weight: 2
    children:
      - name: 资金管理
        weight: 1
        rule: {kind: deduct_per, label: 甲, count: a, each: 1, points: 1}
      - name: "资金管理\u200b "
        weight: 1
        rule: {kind: deduct_per, label: 甲, count: a, each: 1, points: 1}
"""

def with_framework(name: str, framework: str) -> Callable[[Path], Path]:
    """A case naming a framework file written beside it (the framework is the hostile part)."""
    def make(tmp: Path) -> Path:
        (tmp / "framework.yaml").write_text(framework, encoding="utf-8")
        out = tmp / name
        out.write_text("subject: 测试单位\nyear: 2020\nframework: framework.yaml\nfacts: {}\n", encoding="utf-8")
        return out
    return make


def wide_checklist(n: int) -> str:
    facts = "".join(f"  标准{i}: {{type: judgement, label: 标准{i}}}\n" for i in range(n))
    items = "".join(f"        - {{says: 标准{i}, points: 1, fact: 标准{i}}}\n" for i in range(n))
    return (f'id: t/wide\nname: 宽规则\nedition: "1"\ntotal: {n}\nlevels: 1\nfacts:\n{facts}'
            f"indicators:\n  - name: 很多标准\n    weight: {n}\n    rule:\n      kind: checklist\n      items:\n{items}")


LOOKALIKE_FRAMEWORK = """id: t/names
name: 名称相似
edition: "1"
total: 2
levels: 1
facts:
  x: {type: number, label: 甲}
  ｘ: {type: number, label: 乙}
indicators:
  - name: 甲项
    weight: 1
    rule: {kind: deduct_per, label: 甲, count: x, each: 1, points: 1}
  - name: 乙项
    weight: 1
    rule: {kind: deduct_per, label: 乙, count: ｘ, each: 1, points: 1}
"""

CORPUS += [
    Bad("金额单位写成列表", "E-IN-UNIT", copy("money_unit_list.yaml")),
    Bad("金额单位写成映射", "E-IN-UNIT", copy("money_unit_mapping.yaml")),
    Bad("5000 位的整数", "E-IN-TOO-LARGE", copy("huge_integer.yaml")),
    Bad("单位名称含孤立代理码位", "E-IN-CHAR", copy("surrogate_subject.yaml")),
    Bad("单位名称含 U+FFFE", "E-IN-CHAR", copy("fffe_subject.yaml")),
    Bad("金额带上标²", "E-IN-NOT-NUMBER", copy("superscript_digit.yaml")),
    Bad("金额写成带圈数字", "E-IN-NOT-NUMBER", copy("circled_digit.yaml")),
    Bad("数字之间夹空格", "E-IN-NOT-NUMBER", copy("spaced_digits.yaml")),
    Bad("换算后大得不合常理的金额", "E-IN-RANGE", copy("yi_overflow.yaml")),
    Bad("YAML !!binary 标签", "E-IN-YAML-TAG", copy("binary_tag.yaml")),
    Bad("YAML !!set 标签", "E-IN-YAML-TAG", copy("set_tag.yaml")),
    Bad("YAML !!omap 标签", "E-IN-YAML-TAG", copy("omap_tag.yaml")),
    Bad("单位名称写成映射", "E-IN-SCHEMA", copy("subject_mapping.yaml")),
    Bad("同一事实以不可见字符写两次", "E-IN-DUPLICATE", copy("lookalike_fact_keys.yaml")),
    Bad("事实名是数字", "E-IN-UNKNOWN-FACT", copy("numeric_fact_key.yaml"), "facts.123"),
    Bad("JSON 嵌套十万层", "E-IN-YAML-BOMB", raw("deep.json", deep_json)),
    Bad("清单 64000 项", "E-IN-TOO-LARGE", raw("many-items.yaml", many_items)),
    Bad("指向 /dev/zero 的案例", "E-IN-FILE", special("zero.yaml", "zero")),
    Bad("指向 /dev/zero 的工作簿", "E-IN-FILE", special("zero.xlsx", "zero")),
    Bad("命名管道充当案例", "E-IN-FILE", special("fifo.json", "fifo")),
    Bad("单元格为 1e999", "E-IN-NOT-NUMBER", infinite_cell, "政府采购!C4"),
    Bad("金额单元格设为百分比格式", "E-IN-NOT-NUMBER", workbook("percent-money.xlsx", percent_money), "政府采购!C4"),
    Bad("单元格超过预算", "E-IN-TOO-LARGE", too_many_cells),
    Bad("规则过宽的指标体系", "E-FW-RULE-SIZE", with_framework("wide.yaml", wide_checklist(330))),
    Bad("事实名全角半角相似", "E-FW-NAME-CLASH", with_framework("names.yaml", LOOKALIKE_FRAMEWORK)),
    # Found by the fuzz test: convert to .xlsx crashed (openpyxl IllegalCharacterError) on the key.
    Bad("说明标题含控制字符（JSON）", "E-IN-CHAR", copy("control_char_key.json")),
    # Project form workbooks (自评表) are read like case workbooks: streamed, one cell budget.
    Bad("自评表第 1048576 行有值", "E-IN-TOO-LARGE", workbook("form-far-row.xlsx", set_cell("自评表", "A1048576", "备注"), FORM_XLSX),
        "自评表!A6001"),
    Bad("自评表单元格超过预算", "E-IN-TOO-LARGE", form_too_many_cells),
    Bad("自评表压缩炸弹", "E-IN-ZIP-BOMB", raw("form-bomb.xlsx", form_bomb)),
    Bad("年度单元格为 1e999", "E-IN-NOT-NUMBER", infinite_year, "基本信息!C5"),
    Bad("1 GB 的稀疏 YAML", "E-IN-TOO-LARGE", sparse_yaml),
    Bad("指标体系文件指向 /dev/zero", "E-IN-FILE", framework_link_to_zero),
    Bad("同级指标名称差一个不可见字符", "E-FW-NAME-CLASH", with_framework("siblings.yaml", SIBLINGS_FRAMEWORK)),
]

