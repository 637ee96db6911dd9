"""Safe YAML (1.2) reading that remembers the line of every key, for messages like ``file:12``.

libyaml parses (in C) and :mod:`jixiao.intake.yamlcore` resolves by the YAML 1.2 core schema, so
only plain mappings, lists and scalars are built (no Python objects); tags other than the standard
ones are refused, a key written twice is refused, and alias expansion is bounded in nodes and depth,
so a small file cannot expand into billions of nodes or recurse forever. With ``exact=True``
(cases) a number keeps the decimals it was written with: ``21195.00`` is ``Decimal('21195.00')``.

Text must be UTF-8 (a UTF-8 BOM is dropped); GBK or UTF-16 files are refused with a message
saying how to re-save them.
"""

from __future__ import annotations

import re
import stat
from datetime import date
from decimal import Decimal
from pathlib import Path

from jixiao.core.errors import InvalidInput, Place, Problem, Where
from jixiao.intake import limits, yamlcore

MAX_NODES = limits.NODES
MAX_DEPTH = limits.NESTING
MAX_BYTES = limits.TEXT_BYTES


class Located:
    """Plain data read from a file, with the line of each path: ``lines[("facts", "年初预算数")]``."""

    def __init__(self, data, lines: dict[tuple, int], source: str):
        self.data, self.lines, self.source = data, lines, source

    def where(self, path: tuple) -> str:
        """``file:line`` of the nearest path that has a line (the field path itself is kept too)."""
        path = want = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        line = self.lines.get(path)
        return Where(Place(file=self.source, line=line, path=want)) if line else Where(Place(file=self.source, path=want))


def _refuse(code: str, message: str, where: str, title: str = "无法读取文件") -> InvalidInput:
    return InvalidInput(title, [Problem(code, message, where)])


def regular_file(path: Path, max_bytes: int | None, what: str = "文件") -> int:
    """The size of a regular file, checked before anything opens it: a device (/dev/zero, also
    through a symlink), a FIFO or a folder is refused by name, and so is a file over ``max_bytes``
    (``None``: no size limit). Every reader of user files calls this first, so no parser (zipfile,
    openpyxl, polars) ever reads a stream that has no end."""
    path = Path(path)
    where = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise _refuse("E-IN-FILE", f"文件不存在：{path}，请检查路径", where, "找不到文件") from None
    except OSError as exc:
        raise _refuse("E-IN-FILE", f"无法读取：{exc.strerror or exc}", where) from None
    if stat.S_ISDIR(info.st_mode):
        raise _refuse("E-IN-FILE", "这是一个目录，不是文件；请给出文件路径", where)
    if not stat.S_ISREG(info.st_mode):
        kind = "设备" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else "管道或套接字"
        raise _refuse("E-IN-FILE", f"这是{kind}，不是普通文件；请给出保存在磁盘上的{what}", where)
    if max_bytes is not None and info.st_size > max_bytes:
        raise _refuse("E-IN-TOO-LARGE", f"{what} {info.st_size:,} 字节，超过上限 {max_bytes:,} 字节", where, "文件过大")
    return info.st_size


def read_bytes(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """A regular file's bytes, its size checked before a byte is read (:func:`regular_file`)."""
    path = Path(path)
    where = str(path)
    regular_file(path, max_bytes)
    try:
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)  # a file that grew since stat() is still read no further
    except OSError as exc:
        raise _refuse("E-IN-FILE", f"无法读取：{exc.strerror or exc}", where) from None
    if len(raw) > max_bytes:
        raise _refuse("E-IN-TOO-LARGE", f"文件超过上限 {max_bytes:,} 字节", where, "文件过大")
    return raw


def read_text(path: Path) -> str:
    """A text file as UTF-8 (a BOM is allowed); anything else is refused with a message."""
    return decode(read_bytes(path), str(path))


def decode(raw: bytes, where: str) -> str:
    """UTF-8 text (a UTF-8 BOM is dropped); other encodings are named in the refusal."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput("文件编码不是 UTF-8", [Problem(
            "E-IN-ENCODING", "文件是 UTF-16 编码（带 BOM，常见于记事本“Unicode”格式）；请“另存为 UTF-8”后重试", where)])
    if raw.startswith(b"PK\x03\x04"):
        raise InvalidInput("文件不是文本", [Problem(
            "E-IN-NOT-TEXT", "这是一个压缩包或 Excel 工作簿，不是 YAML/JSON 文本；Excel 文件请以 .xlsx 为扩展名", where)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        try:
            raw.decode("gb18030")
            guess = "看起来是 GBK/GB18030 编码"
        except UnicodeDecodeError:
            guess = "编码无法识别"
        raise InvalidInput("文件编码不是 UTF-8", [Problem(
            "E-IN-ENCODING", f"文件不是 UTF-8 编码（{guess}，第 {line} 行起）；请在编辑器中“另存为 UTF-8”后重试",
            f"{where}:{line}")]) from None
    if "\x00" in text:
        raise InvalidInput("文件不是文本", [Problem("E-IN-NOT-TEXT", "文件含有空字符（NUL），不是文本文件", where)])
    return text


def _refuse_deep(text: str, where: str) -> None:
    """Refuse absurd nesting and size before parsing: the parsers recurse, and ruamel's takes about
    a millisecond per entry, so 5,000 “[” or 64,000 list items would cost seconds to minutes."""
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(0, depth - 1)
    indent = max((len(line) - len(line.lstrip(" ")) for line in text.splitlines()), default=0)
    if deepest > 4 * MAX_DEPTH or indent > 8 * MAX_DEPTH:
        raise InvalidInput("文件过于复杂", [Problem(
            "E-IN-YAML-BOMB", f"嵌套层数过深，拒绝读取（上限 {MAX_DEPTH} 层）", where)])


def _refuse_many(text: str, where: str) -> None:
    marks = text.count(":") + text.count(",") + text.count("- ")
    if marks > limits.YAML_MARKS:
        raise InvalidInput("文件过大", [Problem(
            "E-IN-TOO-LARGE", f"文件含 {marks:,} 个条目标记（冒号、逗号、列表项），超过上限 {limits.YAML_MARKS:,}"
            f"（约 {limits.LIST_ITEMS:,} 条清单项）；请拆分，或删去无关内容", where)])


# Lone surrogates no UTF-8 can encode, and the two non-characters no XML (.xlsx, .docx) can hold.
# Control characters (a line break pasted from Word is \x0b) are kept: the writers clean them.
_BAD_CHAR = re.compile("[\ud800-\udfff\ufffe\uffff]")
# A name (a key: a fact, a heading of the narrative) is one line of plain text: a control character
# in it is never meant, cannot be written to a worksheet cell, and cleaning it could merge two names.
_BAD_NAME_CHAR = re.compile("[\x00-\x1f\x7f]")


def check_name(name: str, where: str) -> str:
    """A key, checked as text is and refused if it holds a control character."""
    m = _BAD_NAME_CHAR.search(name)
    if m:
        raise InvalidInput("名称含有控制字符", [Problem(
            "E-IN-CHAR", f"名称“{_BAD_NAME_CHAR.sub('�', name)}”第 {m.start() + 1} 个字符 U+{ord(m.group()):04X} 是控制字符，"
            "无法保存到 Excel；请删去", where)])
    return check_text(name, where)


def check_text(text: str, where: str) -> str:
    """A text value jixiao can print and write back out; refused with the character named otherwise."""
    m = _BAD_CHAR.search(text)
    if m:
        raise InvalidInput("文字含有无效字符", [Problem(
            "E-IN-CHAR", f"文字第 {m.start() + 1} 个字符 U+{ord(m.group()):04X} 是无效或不可显示的字符，无法保存到 Excel/Word；请删去",
            where)])
    if len(text) > limits.TEXT_CHARS:
        raise InvalidInput("文字过长", [Problem(
            "E-IN-TOO-LARGE", f"一段文字 {len(text):,} 个字符，超过上限 {limits.TEXT_CHARS:,}", where)])
    return text


def _check_int(value: int, where: str) -> int:
    if abs(value) >= 10 ** limits.DIGITS:  # no budget, count or year is that long
        raise InvalidInput("数字过大", [Problem(
            "E-IN-TOO-LARGE", f"数字位数超过上限 {limits.DIGITS} 位；请核对", where)])
    return value


def checked(data, where) -> object:
    """Plain data (from JSON or a workbook) walked without recursion: every text checked, every list
    within :data:`limits.LIST_ITEMS`. ``where(path)`` names a place for a message."""
    stack = [(data, ())]
    count = 0
    while stack:
        value, path = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise InvalidInput("文件过大", [Problem("E-IN-TOO-LARGE", f"超过 {MAX_NODES:,} 个值，拒绝读取", where(()))])
        if len(path) > MAX_DEPTH:
            raise InvalidInput("文件过于复杂", [Problem(
                "E-IN-YAML-BOMB", f"嵌套超过 {MAX_DEPTH} 层，拒绝读取", where(path[:MAX_DEPTH]))])
        if isinstance(value, str):
            check_text(value, where(path))
        elif isinstance(value, bool):
            pass
        elif isinstance(value, int):
            _check_int(value, where(path))
        elif isinstance(value, dict):
            for k, v in value.items():
                if isinstance(k, str):
                    check_name(k, where(path))
                stack.append((v, path + (k,)))
        elif isinstance(value, list):
            if len(value) > limits.LIST_ITEMS:
                raise InvalidInput("清单过长", [Problem(
                    "E-IN-TOO-LARGE", f"列表有 {len(value):,} 项，超过上限 {limits.LIST_ITEMS:,}；请拆分后分别评价", where(path))])
            stack.extend((v, path + (i,)) for i, v in enumerate(value))
    return data


def load_json(path: Path | str, exact: bool = True):
    """A JSON file as plain data: no duplicate keys, no NaN/Infinity, numbers as written
    (Decimals with ``exact``), nesting, list lengths and number sizes within the limit table."""
    import json

    path = Path(path)
    text = read_text(path)
    _refuse_deep(text, str(path))

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        dup = {k for k in keys if keys.count(k) > 1}
        if dup:
            raise InvalidInput("JSON 键重复", [Problem("E-IN-JSON", f"键重复：{'、'.join(sorted(map(str, dup)))}", str(path))])
        return dict(pairs)

    def no_constant(name):
        raise InvalidInput("JSON 格式错误", [Problem("E-IN-JSON", f"JSON 中不允许 {name}；请填写数值", str(path))])

    def number_text(text: str) -> str:
        if len(re.split("[.eE]", text.lstrip("-"))[0].lstrip("0")) > limits.DIGITS:
            raise InvalidInput("数字过大", [Problem("E-IN-TOO-LARGE", f"数字位数超过上限 {limits.DIGITS} 位；请核对", str(path))])
        return text

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constant,
                          parse_float=lambda t: Decimal(number_text(t)) if exact else float(number_text(t)),
                          parse_int=lambda t: int(number_text(t)))
    except json.JSONDecodeError as exc:
        raise InvalidInput("JSON 格式错误", [Problem("E-IN-JSON", f"JSON 格式错误：{exc.msg}", f"{path}:{exc.lineno}")]) from None
    except RecursionError:
        raise InvalidInput("文件过于复杂", [Problem("E-IN-YAML-BOMB", "JSON 嵌套层数过深，拒绝读取", str(path))]) from None
    return checked(data, lambda p: str(path))


def load(path: Path | str, exact: bool = False) -> Located:
    """A YAML file as plain data; ``exact`` keeps numbers as Decimals with their written decimals."""
    path = Path(path)
    text = read_text(path)
    _refuse_deep(text, str(path))
    _refuse_many(text, str(path))
    try:
        doc = yamlcore.compose(text, exact)
    except yamlcore.Problem as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        if exc.kind == "tag":
            raise InvalidInput("不支持的 YAML 标签", [Problem("E-IN-YAML-TAG", exc.message, where)]) from None
        if exc.kind == "char":
            raise InvalidInput("文字含有无效字符", [Problem("E-IN-CHAR", exc.message, where)]) from None
        raise InvalidInput("YAML 格式错误", [Problem(
            "E-IN-YAML", f"YAML 格式错误：{exc.message}；请检查缩进、冒号和引号", where)]) from None
    except ValueError as exc:
        # Python refuses to convert integers of more than 4,300 digits (and a few other absurd scalars).
        raise InvalidInput("数字过大", [Problem(
            "E-IN-TOO-LARGE", f"无法读取的数值（{str(exc)[:60]}）；数字位数上限 {limits.DIGITS} 位", str(path))]) from None
    lines: dict[tuple, int] = {}
    budget = [MAX_NODES]
    aliased = bool(re.search(r"(^|[\s\[{,:])\*[^\s,\]}]", text))

    def at(here: tuple) -> str:
        while here and here not in lines:
            here = here[:-1]
        return f"{path}:{lines[here]}" if here in lines else str(path)

    def plain(node: yamlcore.Node | None, here: tuple):
        budget[0] -= 1
        if budget[0] < 0:
            if aliased:
                raise InvalidInput("文件过于复杂", [Problem(
                    "E-IN-YAML-BOMB", f"展开后超过 {MAX_NODES:,} 个节点（别名展开过多），拒绝读取", str(path))])
            raise InvalidInput("文件过大", [Problem(
                "E-IN-TOO-LARGE", f"文件含超过 {MAX_NODES:,} 个值，超过上限；请拆分后分别评价", str(path))])
        if len(here) > MAX_DEPTH:
            raise InvalidInput("文件过于复杂", [Problem(
                "E-IN-YAML-BOMB", f"嵌套超过 {MAX_DEPTH} 层（可能是自引用的别名），拒绝读取", str(path))])
        if node is None:
            return None
        if node.tag is not None and node.tag not in yamlcore.TAGS[node.kind]:
            raise InvalidInput("不支持的 YAML 标签", [Problem(
                "E-IN-YAML-TAG", f"不支持的标签或类型 {node.tag}；请只使用普通的键值、列表、文字和数值", at(here))])
        if node.kind == "map":
            out: dict = {}
            for key_node, value_node in node.value:
                if key_node.kind != "scalar" or isinstance(key_node.value, date):
                    raise InvalidInput("不支持的 YAML 键", [Problem(
                        "E-IN-YAML-TAG", "键应为文字（不能是列表或映射）", at(here))])
                k = key_node.value
                lines[here + (k,)] = key_node.line
                if k in out:
                    raise InvalidInput("YAML 格式错误", [Problem(
                        "E-IN-YAML", f"YAML 格式错误：键“{k}”重复；同一个键只能写一次", f"{path}:{key_node.line}")])
                if isinstance(k, str):
                    check_text(k, at(here + (k,)))
                out[k] = plain(value_node, here + (k,))
            return out
        if node.kind == "seq":
            if len(node.value) > limits.LIST_ITEMS:
                raise InvalidInput("清单过长", [Problem(
                    "E-IN-TOO-LARGE", f"列表有 {len(node.value):,} 项，超过上限 {limits.LIST_ITEMS:,}；请拆分后分别评价", at(here))])
            items = []
            for i, item in enumerate(node.value):
                lines[here + (i,)] = item.line
                items.append(plain(item, here + (i,)))
            return items
        value = node.value
        if isinstance(value, str):
            return check_text(value, at(here))
        if isinstance(value, int) and not isinstance(value, bool):
            return _check_int(value, at(here))
        return value

    return Located(plain(doc, ()), lines, str(path))
