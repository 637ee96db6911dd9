"""A file as located data: the one reader every kind of case and form goes through.

The file's extension chooses the reader: YAML (with the line of every field), JSON (with its field
paths: JSON has no useful lines) or a workbook. A workbook is read by the layout it holds, each
found by its own sheet titles and headings: a 绩效目标申报表 (:mod:`jixiao.intake.target_xlsx`),
a 绩效目标执行监控表 (:mod:`jixiao.intake.monitoring_xlsx`), an 事前绩效评估专家评分表
(:mod:`jixiao.intake.preassess_xlsx`), the printed project self-evaluation form
(:mod:`jixiao.intake.form_xlsx`), else a case workbook (:mod:`jixiao.intake.workbook`). Every reader applies the size and shape limits of
:mod:`jixiao.intake.limits` before it parses a byte.

:func:`read_file` is the entry point for any case or form (the services call it);
:func:`read_document` reads one kind's file with that kind's workbook reader. What comes back is
plain data with places; binding it to an edition is the kind's own binder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jixiao.core.errors import InvalidInput, Place, Problem, Where
from jixiao.intake.yamlio import Located, load, load_json, read_bytes

TEXT_SUFFIXES = (".yaml", ".yml", ".json")
FORM_DEFAULT = "national-project/2020"  # the edition of the printed national project form
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


class JsonDoc(Located):
    """A JSON document: places are field paths (``facts.年初预算数``), since JSON has no useful lines."""

    def where(self, path: tuple) -> str:
        return Where(Place(file=self.source, path=tuple(path)))


def read_document(path: str | Path, xlsx_reader: Callable[[Path], Located] | None = None, *,
                  exact: bool = False) -> Located:
    """``path`` as located data. ``xlsx_reader`` reads a workbook (none: a workbook is refused);
    ``exact`` keeps numbers as written (Decimals), as a case's facts need.

    Raises :class:`InvalidInput` (``E-IN-FORMAT``, ``E-IN-JSON``, ``E-IN-YAML``, the size limits)
    with a Chinese message naming the file and what to do."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES and xlsx_reader is not None:
        return xlsx_reader(path)
    if suffix == ".xls":
        raise InvalidInput("不支持的文件格式", [Problem(
            "E-IN-FORMAT", "这是旧版 Excel（.xls）文件；请在 Excel 或 WPS 中“另存为”.xlsx 后重试", str(path))])
    if suffix == ".json":
        return JsonDoc(load_json(path, exact=exact), {}, str(path))
    if suffix in (".yaml", ".yml"):
        return load(path, exact=exact)
    refuse_unknown(path, with_workbook=xlsx_reader is not None)
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class Document:
    """A file read: its located data, the reader's own warnings (a workbook's formulas read as their
    saved values, …), and the edition the file names where the reader found it outside the data
    (a case workbook's 指标体系 cell; None: the data names it, see ``services.scoring.edition_named``)."""

    doc: Located
    warnings: list[Problem] = field(default_factory=list)
    edition: str | Path | None = None
    default: str | None = None  # the edition when the data names none: the printed layout's (the form's)


def read_file(path: str | Path, framework: str | Path | None = None) -> Document:
    """Any case or form file as located data, numbers exactly as written (Decimals).

    Raises :class:`InvalidInput` with every problem when the file cannot be read."""
    path = Path(path)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return read_workbook(path, framework)
    return Document(read_document(path, exact=True))


def read_workbook(path: Path, framework: str | Path | None = None) -> Document:
    """A workbook by the layout it holds: a target form, a monitoring form, an 事前评估 scoring sheet,
    the printed project form, else a case workbook."""
    from jixiao.intake.form_xlsx import FormBook, is_form_workbook
    from jixiao.intake.form_xlsx import read_workbook as read_form_workbook
    from jixiao.intake.monitoring_xlsx import is_monitoring_workbook
    from jixiao.intake.monitoring_xlsx import read_workbook as read_monitoring_workbook
    from jixiao.intake.preassess_xlsx import is_preassess_workbook
    from jixiao.intake.preassess_xlsx import read_workbook as read_preassess_workbook
    from jixiao.intake.target_xlsx import is_target_workbook
    from jixiao.intake.target_xlsx import read_workbook as read_target_workbook
    from jixiao.intake.workbook import read_workbook_document

    # One open for the probes and the form readers; a file refused here (size, zip bomb, cell
    # budget) is refused with the same code the case reader would give.
    book = FormBook(path)
    try:
        if is_target_workbook(book):  # checked first: a target form has 三级指标 headings too
            return Document(read_target_workbook(book))
        if is_monitoring_workbook(book):  # checked before the 自评表: it has 三级指标 headings too
            return Document(read_monitoring_workbook(book))
        if is_preassess_workbook(book):
            return Document(read_preassess_workbook(book))
        if is_form_workbook(book):  # the printed national form names no edition of its own
            return Document(read_form_workbook(book), default=FORM_DEFAULT)
    finally:
        book.close()
    doc, _fw, source, warnings = read_workbook_document(path, framework)
    return Document(doc, list(warnings), source)


def refuse_unknown(path: Path, with_workbook: bool = True) -> None:
    """Refuse a file whose extension no reader takes, saying which would (a workbook renamed by
    mistake is recognised by its first bytes)."""
    try:
        head = read_bytes(path)[:8]
    except InvalidInput:
        raise
    except OSError:
        head = b""
    if head.startswith(b"PK\x03\x04"):
        what = ("内容是 Excel 工作簿或压缩包；若是工作簿，请把扩展名改为 .xlsx" if with_workbook
                else "内容是 Excel 工作簿或压缩包；此类表请使用 .yaml 或 .json 文件")
    else:
        what = "请使用 .yaml、.json 或 .xlsx 文件" if with_workbook else "请使用 .yaml 或 .json 文件"
    raise InvalidInput("不支持的文件格式", [Problem("E-IN-FORMAT", f"无法识别扩展名“{path.suffix}”：{what}", str(path))])


__all__ = ["FORM_DEFAULT", "TEXT_SUFFIXES", "WORKBOOK_SUFFIXES", "Document", "JsonDoc", "read_document", "read_file",
           "read_workbook", "refuse_unknown"]
