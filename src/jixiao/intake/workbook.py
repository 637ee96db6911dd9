"""Reading a case workbook (.xlsx) safely, into the plain case format, with every cell's place.

Before openpyxl sees a byte the file is checked: its size; that it is a zip holding a workbook
(a renamed text file, an old .xls or an encrypted file is refused by name); and the sizes the zip
declares for its parts, in total and as ratios to their compressed sizes, so a zip bomb posing
as .xlsx is refused unopened (Python's zip reader never inflates a part beyond its declared size).
Cells holding formulas are read as the values Excel saved with them, with a warning, or refused
when there is none; jixiao never evaluates a formula. The layout (which fact on which sheet) comes
from :mod:`jixiao.intake.layout`; the values then go through the same binding as YAML and JSON,
so a workbook's errors read “政府采购!C4 实际政府采购金额：应为金额（万元），实际为“abc””.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import threading
import warnings
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal
from pathlib import Path

from lxml import etree

from jixiao.core.edition import DEPARTMENT
from jixiao.core.errors import InvalidInput, Problem, Problems
from jixiao.core.model import Framework
from jixiao.intake import limits
from jixiao.intake.editions import load_edition, require
from jixiao.intake.layout import INFO_SHEET, Layout, layout_of
from jixiao.intake.sheets import (
    EVIDENCE_COL,
    FIRST_ROW,
    HEAD,
    HEADER_ROW,
    INFO_KEYS,
    JSON_MARK,
    LIST_TITLE,
    POINTS_COL,
    UNIT_COL,
    VALUE_COL,
    list_headers,
    split_header,
)
from jixiao.intake.yamlio import Located, check_text, regular_file

MAX_FILE_BYTES = limits.WORKBOOK_BYTES
MAX_UNPACKED_BYTES = limits.UNPACKED_BYTES
MAX_RATIO = limits.ZIP_RATIO
RATIO_FLOOR = limits.RATIO_FLOOR
MAX_PARTS = limits.ZIP_PARTS
MAX_ROWS = limits.ROWS
MAX_TEXT = limits.TEXT_CHARS


def refuse(code: str, message: str, where: str) -> InvalidInput:
    return InvalidInput("无法读取工作簿", [Problem(code, message, where)])


def check_container(path: Path) -> None:
    """Refuse, unopened, anything that is not a sane .xlsx: wrong kind, too big, a zip bomb."""
    where = str(path)
    size = regular_file(path, None, "工作簿")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise refuse("E-IN-FILE", f"无法读取：{exc.strerror}", where) from None
    if size > MAX_FILE_BYTES:
        raise refuse("E-IN-TOO-LARGE", f"工作簿 {size:,} 字节，超过上限 {MAX_FILE_BYTES:,} 字节；案例工作簿通常只有几十 KB，请删去无关的工作表、图片后重试", where)
    if size == 0:
        raise refuse("E-IN-NOT-XLSX", "文件为空（0 字节），不是 Excel 工作簿", where)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise refuse("E-IN-NOT-XLSX", "这是旧版 .xls 文件或加密的工作簿；请在 Excel/WPS 中取消密码并“另存为”.xlsx 后重试", where)
    if not head.startswith(b"PK\x03\x04"):
        raise refuse("E-IN-NOT-XLSX", "文件不是 Excel 工作簿（.xlsx），可能是改了扩展名的其他文件；请在 Excel/WPS 中另存为 .xlsx", where)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise refuse("E-IN-NOT-XLSX", "文件已损坏或不是完整的 .xlsx（压缩结构无法读取）", where) from None
    if len(infos) > MAX_PARTS:
        raise refuse("E-IN-ZIP-BOMB", f"工作簿含 {len(infos):,} 个部件，超过上限 {MAX_PARTS:,}，拒绝打开", where)
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise refuse("E-IN-ZIP-BOMB", f"部件 {info.filename} 压缩比 {ratio:,.0f}:1 异常（疑为压缩炸弹），拒绝打开", where)
    if total > MAX_UNPACKED_BYTES:
        raise refuse("E-IN-ZIP-BOMB", f"工作簿解压后共 {total:,} 字节，超过上限 {MAX_UNPACKED_BYTES:,}（疑为压缩炸弹），拒绝打开", where)
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        what = "Word 文档" if "word/document.xml" in names else "演示文稿" if "ppt/presentation.xml" in names else "压缩包"
        raise refuse("E-IN-NOT-XLSX", f"这是{what}，不是 Excel 工作簿（缺少 xl/workbook.xml）", where)


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_C, _F, _MERGE = f"{_MAIN}c", f"{_MAIN}f", f"{_MAIN}mergeCell"
_REF = re.compile(r"([A-Z]{1,3})(\d+)$")
# No entities, no network, no huge-tree mode: a worksheet is data, never a document with references.
_SAFE = {"resolve_entities": False, "no_network": True, "huge_tree": False, "load_dtd": False}


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass
class SheetScan:
    """What one worksheet part holds, learnt while streaming it (never as a grid)."""

    cells: int = 0
    last_row: int = 0  # of a cell with a value in the first limits.COLUMNS columns
    formulas: bool = False
    merged: list[str] = dc_field(default_factory=list)


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part, from workbook.xml and its relationships."""
    book = ET.fromstring(zf.read("xl/workbook.xml"))
    try:
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return {}
    target = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        t = target.get(sheet.get(_REL), "")
        out[sheet.get("name", "")] = t.lstrip("/") if t.startswith("/") else f"xl/{t}"
    return out


def scan(path: Path) -> dict[str, SheetScan]:
    """Stream every worksheet (and the shared strings) once, counting cells against one budget for
    the whole workbook: a sheet of three million cells, or one cell at XFD1048576, costs a
    fraction of a second here instead of minutes inside openpyxl. Returns each sheet's scan by name."""

    where = str(path)
    budget = limits.CELLS
    seen = 0
    scans: dict[str, SheetScan] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            parts = _sheet_parts(zf)
            if "xl/sharedStrings.xml" in names:
                with zf.open("xl/sharedStrings.xml") as fh:
                    for _, el in etree.iterparse(fh, tag=f"{_MAIN}si", **_SAFE):
                        seen += 1
                        el.clear()
                        if seen > budget:
                            raise refuse("E-IN-TOO-LARGE", f"工作簿的文字超过 {budget:,} 条，超过上限；请删去无关的工作表或内容", where)
            seen = 0
            for name, part in parts.items():
                if part not in names:
                    continue
                sc = scans[name] = SheetScan()
                with zf.open(part) as fh:
                    for _, el in etree.iterparse(fh, tag=(_C, _MERGE), **_SAFE):
                        if el.tag == _MERGE:
                            if el.get("ref"):
                                sc.merged.append(el.get("ref"))
                            continue
                        seen += 1
                        sc.cells += 1
                        if seen > budget:
                            raise refuse("E-IN-TOO-LARGE", f"工作簿的单元格超过 {budget:,} 个（全部工作表合计），超过上限；"
                                         f"工作表“{name}”及之后的内容未读；请删去无关的工作表或区域", where)
                        if len(el):  # a value, an inline string or a formula; a styled empty cell has none
                            if any(child.tag == _F for child in el):
                                sc.formulas = True
                            m = _REF.match(el.get("r") or "")
                            if m and _column(m.group(1)) <= limits.COLUMNS:
                                sc.last_row = max(sc.last_row, int(m.group(2)))
                        el.clear()
                        while el.getprevious() is not None:  # keep memory flat on long sheets
                            del el.getparent()[0]
    except InvalidInput:
        raise
    except Exception as exc:  # noqa: BLE001 - malformed XML or zip of an untrusted file: all mean "unreadable"
        raise refuse("E-IN-NOT-XLSX", f"工作簿内容无法解析（{type(exc).__name__}）；请在 Excel/WPS 中打开后另存为 .xlsx 再试", where) from None
    return scans


_SCANNED: dict[tuple, dict[str, SheetScan] | InvalidInput] = {}
_SCANNED_LOCK = threading.Lock()


def inspect(path: Path) -> dict[str, SheetScan]:
    """:func:`check_container`, then :func:`scan`: what every reader of a workbook calls before
    openpyxl opens it. The container is checked on every call (a stat and the zip's directory);
    the scan, the costly part, is done once per version of a file in a process, so the probes
    that ask “is this a form? a target? a case?” stream the sheets once between them."""
    path = Path(path)
    check_container(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    found = _SCANNED.get(key)
    if found is None:
        try:
            found = scan(path)
        except InvalidInput as exc:  # a refusal too: a bomb is not streamed again by the next probe
            found = exc
        with _SCANNED_LOCK:  # the web server reads uploads in several threads
            while len(_SCANNED) >= 8:  # a handful: the probes of one file, not a cache of every upload
                _SCANNED.pop(next(iter(_SCANNED)))
            _SCANNED[key] = found
    if isinstance(found, InvalidInput):
        raise InvalidInput(found.title, list(found.problems))
    return found


@dataclass(frozen=True)
class Cell:
    value: object = None
    data_type: str = "n"
    number_format: str = "General"


EMPTY = Cell()


@dataclass
class Merged:
    coord: str
    min_col: int
    min_row: int
    max_col: int
    max_row: int


class Sheet:
    """The cells of one worksheet a reader asks for, streamed once in read-only mode: only the first
    ``columns`` columns and the rows up to the last one with a value."""

    def __init__(self, title: str, cells: dict[tuple[int, int], Cell], max_row: int, merged: list[Merged]):
        self.title, self._cells, self.max_row, self.merged = title, cells, max_row, merged

    def cell(self, row: int, col: int) -> Cell:
        return self._cells.get((row, col), EMPTY)

    def items(self):
        """((row, column), cell) of every cell holding a value, in no particular order."""
        return self._cells.items()


class Book:
    """A workbook opened read-only; sheets are streamed on first use and kept."""

    def __init__(self, path: Path, scans: dict[str, SheetScan], data_only: bool):
        from openpyxl import load_workbook

        self.path, self.scans = path, scans
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it skips; not the user's concern
            try:
                self._wb = load_workbook(path, read_only=True, data_only=data_only, keep_vba=False, keep_links=False)
            except Exception as exc:  # noqa: BLE001 - a parser of untrusted files fails in many ways; all mean "unreadable"
                raise refuse("E-IN-NOT-XLSX", f"工作簿内容无法解析（{type(exc).__name__}）；请在 Excel/WPS 中打开后另存为 .xlsx 再试",
                             str(path)) from None
        self.sheetnames = list(self._wb.sheetnames)
        self._sheets: dict[str, Sheet] = {}

    def __getitem__(self, name: str) -> Sheet:
        if name not in self._sheets:
            self._sheets[name] = self._read(name)
        return self._sheets[name]

    def head(self, name: str, rows: int) -> Sheet:
        """The first ``rows`` rows of a sheet, however long it is (for a quick look at titles)."""
        return self._read(name, rows)

    def _read(self, name: str, most: int | None = None) -> Sheet:
        from openpyxl.utils import range_boundaries

        sc = self.scans.get(name, SheetScan())
        rows = sc.last_row if most is None else min(most, sc.last_row)
        if rows > MAX_ROWS:
            raise refuse("E-IN-TOO-LARGE", f"工作表“{name}”用到第 {rows:,} 行，超过上限 {MAX_ROWS:,} 行；请删去多余的行",
                         f"{name}!A{MAX_ROWS + 1}")
        cells: dict[tuple[int, int], Cell] = {}
        try:
            if rows:
                for row in self._wb[name].iter_rows(min_row=1, max_row=rows, min_col=1, max_col=limits.COLUMNS):
                    for c in row:
                        v = getattr(c, "value", None)
                        if v is None:
                            continue
                        cells[(c.row, c.column)] = Cell(v, c.data_type, c.number_format or "General")
        except InvalidInput:
            raise
        except Exception as exc:  # noqa: BLE001 - as above
            raise refuse("E-IN-NOT-XLSX", f"工作表“{name}”无法解析（{type(exc).__name__}）；请在 Excel/WPS 中打开后另存为 .xlsx 再试",
                         str(self.path)) from None
        merged = []
        for ref in sc.merged:
            try:
                min_col, min_row, max_col, max_row = range_boundaries(ref)
            except (ValueError, TypeError):
                continue
            merged.append(Merged(ref, min_col, min_row, max_col, max_row))
        return Sheet(name, cells, rows, merged)

    def close(self) -> None:
        self._wb.close()


class WorkbookDoc(Located):
    """Plain case data read from a workbook; places are cells: ``政府采购!C4``."""

    def __init__(self, data, places: dict[tuple, str], source: str):
        super().__init__(data, {}, source)
        self.places = places

    def where(self, path: tuple) -> str:
        path = tuple(path)
        while path and path not in self.places:
            path = path[:-1]
        return self.places.get(path, self.source)

    def name(self, path: tuple, label: str = "") -> str:
        if len(path) >= 2 and path[0] in ("facts", "stated"):
            return str(path[1])
        if len(path) >= 3 and path[0] == "lists":
            return f"{path[1]}第 {path[2] + 1} 项" + (f"的“{path[3]}”" if len(path) > 3 else "")
        return {"subject": "被评价单位", "year": "评价年度", "framework": "指标体系", "money_unit": "默认金额单位"}.get(path[0], str(path[0]))


def _cell_name(ws, row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{ws.title}!{get_column_letter(col)}{row}"


class Reader:
    """One pass over a workbook, collecting every problem with its cell."""

    def __init__(self, path: Path, wb, cached, fw: Framework, layout: Layout):
        self.path, self.wb, self.cached, self.fw, self.layout = path, wb, cached, fw, layout
        self.problems = Problems()
        self.places: dict[tuple, str] = {}
        self.data: dict = {"facts": {}}

    # -- cells -------------------------------------------------------------------------------
    def value(self, ws, row: int, col: int):
        """A cell's value as typed: text stripped (None when blank), numbers as Decimals with the
        decimals their number format shows, formulas as their saved result."""
        cell = ws.cell(row, col)
        v = cell.value
        where = _cell_name(ws, row, col)
        # A formula is a cell of type "f"; text that merely begins with “=” (a cell formatted as
        # text, or written by jixiao convert) is text.
        if cell.data_type == "f" or type(v).__name__ in ("ArrayFormula", "DataTableFormula"):
            saved = self.cached[ws.title].cell(row, col).value if self.cached is not None else None
            if saved is None:
                self.problems.add("E-IN-FORMULA", f"单元格是公式 {str(v)[:60]}，但文件中没有保存计算结果；jixiao 不计算公式，请在 Excel/WPS 中打开并保存，或改填数值", where)
                return None
            self.problems.add("W-IN-FORMULA", f"单元格是公式 {str(v)[:60]}，按文件中保存的计算结果“{saved}”读取", where)
            v = saved
            cell = self.cached[ws.title].cell(row, col)
        if cell.data_type == "e" or (isinstance(v, str) and v in ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!")):
            self.problems.add("E-IN-CELL-ERROR", f"单元格为错误值 {v}；请改正公式或改填数值", where)
            return None
        if isinstance(v, str):
            v = v.strip()
            try:
                check_text(v, where)
            except InvalidInput as exc:
                self.problems.extend(exc.problems)
                return None
            return v or None
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, (int, float)):
            if isinstance(v, float) and math.isnan(v):
                return None
            if isinstance(v, float) and not math.isfinite(v):
                # <v>1e999</v>: Excel never writes it, so the file was made by hand or by a program.
                self.problems.add("E-IN-NOT-NUMBER", f"单元格的数值“{v}”超出可表示的范围；请改填实际数值", where)
                return None
            d = Decimal(v) if isinstance(v, int) else Decimal(repr(v))
            fmt = cell.number_format or ""
            shown = _decimals(fmt)
            if shown is not None and -d.as_tuple().exponent < shown and d == d.quantize(Decimal(1).scaleb(-shown)):
                d = d.quantize(Decimal(1).scaleb(-shown))
            if "%" in fmt.split(";")[0].replace('"%"', ""):
                # A cell formatted as a percentage shows 67.25% and stores 0.6725: read what it shows,
                # so a rate reads 0.6725 and a money fact refuses “67.25%” as YAML would.
                return f"{format((d * 100).normalize(), 'f')}%"
            return d
        if isinstance(v, dt.time):
            return str(v)
        return v  # dates and datetimes

    def text(self, ws, row: int, col: int) -> str:
        v = self.value(ws, row, col)
        if v is None:
            return ""
        if isinstance(v, Decimal):
            return format(v.normalize(), "f") if v == v.to_integral_value() else str(v)
        return str(v)

    # -- structure ---------------------------------------------------------------------------
    def structure(self) -> dict:
        """Check sheets, headers and merged cells; return the worksheets found by name."""
        found = {}
        missing = []
        for s in self.layout.sheets:
            ws = self.wb[s.name] if s.name in self.wb.sheetnames else None
            if ws is None:
                if s.kind not in ("stated", "narrative"):
                    missing.append(s.name)
                continue
            found[s.name] = ws
            used = max(len(HEAD[s.kind]), len(self.fw.lists[s.table].fields) if s.table else 0)
            for merged in ws.merged:
                # Only the columns jixiao reads: the docs let people add their own columns on the right.
                if merged.max_row >= HEADER_ROW and merged.min_col <= used:
                    self.problems.add("E-IN-MERGED", f"合并单元格 {merged.coord}：填写区域不能合并单元格，请取消合并后逐格填写",
                                      f"{s.name}!{merged.coord}")
            for col, want in enumerate(HEAD[s.kind], start=1):
                got = str(ws.cell(HEADER_ROW, col).value or "").strip()
                if got != want:
                    self.problems.add("E-IN-HEADER", f"表头应为“{want}”，实际为“{got}”；请勿改动或调换表头（可重新运行 jixiao template 生成模板）",
                                      _cell_name(ws, HEADER_ROW, col))
        if missing:
            known = [s.name for s in self.layout.sheets]
            if len(found) == 0:
                self.problems.add("E-IN-SHEET-MISSING", f"这不是 jixiao 案例工作簿：没有找到任何应有的工作表（{'、'.join(known)}）；请用 jixiao template 生成模板后填写",
                                  str(self.path))
            else:
                for name in missing:
                    self.problems.add("E-IN-SHEET-MISSING", f"缺少工作表“{name}”；工作表名称须与模板一致（现有：{'、'.join(self.wb.sheetnames)}）",
                                      f"{self.path}")
        return found

    # -- content -----------------------------------------------------------------------------
    def read(self) -> WorkbookDoc:
        sheets = self.structure()
        if self.problems.errors:
            raise InvalidInput("工作簿结构有误", self.problems.items)
        seen: dict[str, str] = {}
        for s in self.layout.sheets:
            ws = sheets.get(s.name)
            if ws is None:
                continue
            if s.kind in ("info", "facts", "judgements"):
                self.fact_rows(ws, s, seen)
            elif s.kind == "stated":
                self.stated_rows(ws)
            elif s.kind == "narrative":
                self.narrative_rows(ws)
        return WorkbookDoc(self.data, self.places, str(self.path))

    def fact_rows(self, ws, s, seen: dict[str, str]) -> None:
        vcol = VALUE_COL[s.kind]
        table_at = None
        for row in range(FIRST_ROW, ws.max_row + 1):
            key = self.text(ws, row, 1)
            if not key:
                continue
            if s.table and key.startswith(LIST_TITLE):
                table_at = row + 1
                break
            where = _cell_name(ws, row, vcol)
            if s.kind == "info" and key in INFO_KEYS:
                top = INFO_KEYS[key]
                v = self.value(ws, row, vcol)
                if v is not None:
                    self.data[top] = int(v) if top == "year" and isinstance(v, Decimal) and v == int(v) else (
                        self.text(ws, row, vcol) if top != "year" else v)
                self.places[(top,)] = where
                continue
            spec = self.fw.facts.get(key)
            if spec is None:
                import difflib

                near = difflib.get_close_matches(key, list(self.fw.facts), n=1)
                hint = f"，是否为“{near[0]}”？" if near else "；请勿改动“事实”列"
                self.problems.add("E-IN-UNKNOWN-FACT", f"“{key}”不是指标体系声明的事实{hint}", _cell_name(ws, row, 1))
                continue
            if key in seen:
                self.problems.add("E-IN-DUPLICATE", f"事实“{key}”在 {seen[key]} 已填写，此处重复；每项事实只填一次", _cell_name(ws, row, 1))
                continue
            seen[key] = _cell_name(ws, row, 1)
            self.places[("facts", key)] = where
            entry = self.entry(ws, s, row, key, spec)
            if entry is not None:
                self.data["facts"][key] = entry
        if s.table:
            self.table_rows(ws, s.table, table_at)

    def entry(self, ws, s, row: int, key: str, spec):
        """One fact row in the plain format; None when left blank."""
        vcol, ecol = VALUE_COL[s.kind], EVIDENCE_COL[s.kind]
        value = self.value(ws, row, vcol)
        evidence = self.text(ws, row, ecol)
        points = self.value(ws, row, POINTS_COL[s.kind]) if s.kind in POINTS_COL and spec.type == "judgement" else None
        if value is None and points is None:
            if evidence:
                self.problems.add("E-IN-MISSING", f"{key}：填写了依据，但缺少{'评价结论' if s.kind == 'judgements' else '数值'}",
                                  _cell_name(ws, row, vcol))
            return None
        if isinstance(value, (dt.date, dt.datetime)) and spec.type not in ("text",):
            value = value.isoformat()[:10]  # a number typed into a date-formatted cell: let binding refuse it
        if spec.type == "judgement":
            out = {"evidence": evidence}
            if points is not None:
                out["points"] = points
            else:
                out["met"] = value
            return out
        if spec.type == "level":
            return {"level": value, "evidence": evidence}
        if spec.type == "score":
            return {"score": value, "justification": evidence}
        out = {"value": value, "evidence": evidence}
        if spec.type == "money" and s.kind in UNIT_COL:
            unit = self.text(ws, row, UNIT_COL[s.kind])
            if unit:
                out["unit"] = unit
                self.places[("facts", key, "unit")] = _cell_name(ws, row, UNIT_COL[s.kind])
        return out

    def table_rows(self, ws, name: str, header_at: int | None) -> None:
        spec = self.fw.lists[name]
        want = list_headers(spec)
        if header_at is None:
            self.problems.add("E-IN-HEADER", f"没有找到清单“{name}”（应有一行以“{LIST_TITLE}”开头的标题，下接表头 {'、'.join(want)}）",
                              f"{ws.title}!A{FIRST_ROW}")
            return
        units: dict[str, str] = {}
        bad = False
        for col, (field, kind) in enumerate(spec.fields.items(), start=1):
            head, unit = split_header(self.text(ws, header_at, col))
            if head != field or (kind == "money" and unit not in ("元", "万元", "亿元")):
                self.problems.add("E-IN-HEADER", f"清单表头应为“{want[col - 1]}”，实际为“{self.text(ws, header_at, col)}”；请勿改动或调换表头",
                                  _cell_name(ws, header_at, col))
                bad = True
            units[field] = unit
        if bad:
            return
        items = []
        for row in range(header_at + 1, ws.max_row + 1):
            item, blank = {}, True
            for col, (field, kind) in enumerate(spec.fields.items(), start=1):
                v = self.value(ws, row, col)
                if v is None:
                    continue
                blank = False
                if kind == "money" and isinstance(v, Decimal):
                    v = f"{v}{units[field]}"  # the column's unit, so binding converts it
                item[field] = v
                self.places[("lists", name, len(items), field)] = _cell_name(ws, row, col)
            if not blank:
                self.places[("lists", name, len(items))] = _cell_name(ws, row, 1)
                items.append(item)
        if items:
            self.data.setdefault("lists", {})[name] = items

    def stated_rows(self, ws) -> None:
        for row in range(FIRST_ROW, ws.max_row + 1):
            name = self.text(ws, row, 1)
            value = self.value(ws, row, 3)
            if value is None:
                continue
            if not name:
                self.problems.add("E-IN-MISSING", "填写了报告所述值，但缺少比率名称", _cell_name(ws, row, 1))
                continue
            self.data.setdefault("stated", {})[name] = value
            self.places[("stated", name)] = _cell_name(ws, row, 3)

    def narrative_rows(self, ws) -> None:
        out: dict = {}
        for row in range(FIRST_ROW, ws.max_row + 1):
            key, mark, text = self.text(ws, row, 1), self.text(ws, row, 2), self.text(ws, row, 3)
            if not key and not text:
                continue
            where = _cell_name(ws, row, 3)
            if not key:
                self.problems.add("E-IN-MISSING", "填写了内容，但缺少段落名称", _cell_name(ws, row, 1))
                continue
            if mark == JSON_MARK:
                try:
                    out[key] = json.loads(text)
                except (ValueError, RecursionError):
                    self.problems.add("E-IN-JSON", f"段落“{key}”标为 JSON，但内容不是合法的 JSON", where)
            elif mark:
                if not re.fullmatch(r"\d+", mark):
                    self.problems.add("E-IN-SCHEMA", f"序号应为 1、2、3…… 或 JSON，实际为“{mark}”", _cell_name(ws, row, 2))
                    continue
                previous = out.get(key)
                out[key] = (previous if isinstance(previous, list) else []) + [text]
            else:
                out[key] = text
            self.places[("narrative", key)] = where
        if out:
            self.data["narrative"] = out


def _decimals(fmt: str | None) -> int | None:
    """How many decimals a number format shows: ``#,##0.00`` → 2, ``0.00%`` → 4 (as a fraction)."""
    if not fmt or fmt == "General":
        return None
    first = fmt.split(";")[0]
    m = re.search(r"0\.(0+)", first)
    places = len(m.group(1)) if m else 0
    return places + (2 if "%" in first else 0)


def _framework_ref(wb) -> str | None:
    """The framework named on the info sheet, before the layout is known."""
    order = [INFO_SHEET] + [n for n in wb.sheetnames if n != INFO_SHEET]
    for name in order:
        if name not in wb.sheetnames or wb.scans.get(name, SheetScan()).last_row > MAX_ROWS:
            continue
        ws = wb[name]
        for row in range(1, min(ws.max_row, 60) + 1):
            if str(ws.cell(row, 1).value or "").strip() == "指标体系":
                v = ws.cell(row, 3).value
                return str(v).strip() if v not in (None, "") else None
    return None


def read_workbook_document(path: Path, framework: str | Path | None = None) -> tuple[WorkbookDoc, Framework, str | Path, list[Problem]]:
    """The workbook as plain case data with cell places, its framework, and the reader's warnings."""
    path = Path(path)
    wb = Book(path, inspect(path), data_only=False)
    try:
        return _read_document(path, wb, framework)
    finally:
        wb.close()


def _read_document(path: Path, wb: Book, framework: str | Path | None):
    ref = framework or _framework_ref(wb)
    if not ref and INFO_SHEET not in wb.sheetnames:
        raise InvalidInput("不是 jixiao 案例工作簿", [Problem(
            "E-IN-SHEET-MISSING", f"没有“{INFO_SHEET}”等工作表（现有：{'、'.join(wb.sheetnames)}）；请用 jixiao template 生成模板后填写",
            str(path))])
    if not ref:
        raise InvalidInput("工作簿缺少指标体系", [Problem(
            "E-IN-MISSING", "没有找到“指标体系”（基本信息表 C 列）；请填写，或用 --framework 指定", f"{INFO_SHEET}!C6")])
    ed = load_edition(ref, path.parent)
    require(ed, DEPARTMENT, "部门整体评价案例工作簿")
    source: str | Path = ed.id if ed.shipped else Path(ed.source)
    fw: Framework = ed.framework
    layout = layout_of(ed)
    # Saved results are read only for sheets jixiao reads, and only when they hold formulas.
    has_formulas = any(wb.scans.get(s.name, SheetScan()).formulas for s in layout.sheets)
    cached = Book(path, wb.scans, data_only=True) if has_formulas else None
    try:
        reader = Reader(path, wb, cached, fw, layout)
        doc = reader.read()
    finally:
        if cached is not None:
            cached.close()
    if framework:
        doc.data["framework"] = str(framework)
    reader.problems.raise_if_errors("工作簿有误")
    return doc, fw, source, reader.problems.warnings
