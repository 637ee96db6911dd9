"""A file as located data: the one reader every kind of case and form goes through.

The file's extension chooses the reader, never its content: YAML (with the line of every field),
JSON (with its field paths: JSON has no useful lines) or, where the kind has one, its workbook
reader (``xlsx_reader``: a case workbook, the printed project form, a target form). Every reader
applies the size and shape limits of :mod:`jixiao.intake.limits` before it parses a byte. What
comes back is plain data with places; binding it to an edition is the kind's own binder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from jixiao.core.errors import InvalidInput, Place, Problem, Where
from jixiao.intake.yamlio import Located, load, load_json, read_bytes

TEXT_SUFFIXES = (".yaml", ".yml", ".json")
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


__all__ = ["TEXT_SUFFIXES", "WORKBOOK_SUFFIXES", "JsonDoc", "read_document", "refuse_unknown"]
