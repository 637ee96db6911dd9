"""Safe YAML (1.2) reading that remembers the line of every key, for messages like ``file:12``.

ruamel.yaml's round-trip loader builds only plain mappings, lists and scalars (no Python objects);
tags other than the standard ones are refused, and alias expansion is bounded in nodes and depth,
so a small file cannot expand into billions of nodes or recurse forever. With ``exact=True``
(cases) a number keeps the decimals it was written with: ``21195.00`` is ``Decimal('21195.00')``.

Text must be UTF-8 (a UTF-8 BOM is dropped); GBK or UTF-16 files are refused with a message
saying how to re-save them.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from jixiao.core.errors import InvalidInput, Place, Problem, Where

MAX_NODES = 200_000
MAX_DEPTH = 64
MAX_BYTES = 5_000_000
PLAIN_TAGS = {None, "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str",
              "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp"}


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


def read_text(path: Path) -> str:
    """A text file as UTF-8 (a BOM is allowed); anything else is refused with a message."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput("找不到文件", [Problem("E-IN-FILE", f"文件不存在：{path}，请检查路径", str(path))]) from None
    except OSError as exc:
        raise InvalidInput("无法读取文件", [Problem("E-IN-FILE", f"无法读取：{exc.strerror}", str(path))]) from None
    if len(raw) > MAX_BYTES:
        raise InvalidInput("文件过大", [Problem("E-IN-TOO-LARGE", f"文件 {len(raw):,} 字节，超过上限 {MAX_BYTES:,}", str(path))])
    return decode(raw, str(path))


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
    """Refuse absurd nesting before parsing: the parser recurses, and 5,000 “[” take it seconds."""
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


def load(path: Path | str, exact: bool = False) -> Located:
    """A YAML file as plain data; ``exact`` keeps numbers as Decimals with their written decimals."""
    path = Path(path)
    text = read_text(path)
    _refuse_deep(text, str(path))
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        doc = yaml.load(text)
    except RecursionError:
        raise InvalidInput("文件过于复杂", [Problem(
            "E-IN-YAML-BOMB", f"嵌套层数过深，拒绝读取（上限 {MAX_DEPTH} 层）", str(path))]) from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InvalidInput("YAML 格式错误", [Problem("E-IN-YAML", f"YAML 格式错误：{what}；请检查缩进、冒号和引号", where)]) from None
    lines: dict[tuple, int] = {}
    budget = [MAX_NODES]

    def plain(node, here: tuple):
        budget[0] -= 1
        if budget[0] < 0:
            raise InvalidInput("文件过于复杂", [Problem(
                "E-IN-YAML-BOMB", f"展开后超过 {MAX_NODES:,} 个节点（可能是别名炸弹），拒绝读取", str(path))])
        if len(here) > MAX_DEPTH:
            raise InvalidInput("文件过于复杂", [Problem(
                "E-IN-YAML-BOMB", f"嵌套超过 {MAX_DEPTH} 层（可能是自引用的别名），拒绝读取", str(path))])
        tag = getattr(getattr(node, "tag", None), "value", None)
        # Only the core schema's tags: "!!python/object…" shares their prefix, so no prefix test.
        if tag not in PLAIN_TAGS:
            raise InvalidInput("不支持的 YAML 标签", [Problem(
                "E-IN-YAML-TAG", f"不支持的标签 {tag}；请只使用普通的键值、列表和数值", f"{path}:{lines.get(here, '?')}")])
        if isinstance(node, CommentedMap):
            out = {}
            for k, v in node.items():
                try:
                    lines[here + (k,)] = node.lc.key(k)[0] + 1
                except (KeyError, TypeError, AttributeError):
                    pass
                out[k] = plain(v, here + (k,))
            return out
        if isinstance(node, CommentedSeq):
            out = []
            for i, v in enumerate(node):
                try:
                    lines[here + (i,)] = node.lc.item(i)[0] + 1
                except (KeyError, TypeError, AttributeError, IndexError):
                    pass
                out.append(plain(v, here + (i,)))
            return out
        if isinstance(node, str):
            return str(node)
        if isinstance(node, bool) or node is None:
            return node
        if isinstance(node, int):
            return int(node)
        if isinstance(node, float):
            return _exact(node) if exact else float(node)
        return node

    return Located(plain(doc, ()), lines, str(path))


def _exact(node: float):
    """A YAML float as the Decimal it was written as: ruamel remembers the width and the dot."""
    width, dot = getattr(node, "_width", None), getattr(node, "_prec", None)
    if getattr(node, "_exp", None) is None and isinstance(width, int) and isinstance(dot, int) and 0 <= dot < width:
        decimals = width - dot - 1
        try:
            return Decimal(f"{float(node):.{decimals}f}")
        except (ValueError, ArithmeticError):
            pass
    value = float(node)
    return Decimal(repr(value)) if math.isfinite(value) else value
