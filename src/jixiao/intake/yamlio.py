"""Safe YAML (1.2) reading that remembers the line of every key, for messages like ``file:12``.

ruamel.yaml's round-trip loader builds only plain mappings, lists and scalars (no Python objects);
tags other than the standard ones are refused, and alias expansion is bounded, so a small file
cannot expand into billions of nodes.
"""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from jixiao.core.errors import InvalidInput, Problem

MAX_NODES = 200_000
MAX_BYTES = 5_000_000
PLAIN_TAGS = {None, "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str",
              "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"}


class Located:
    """Plain data read from a file, with the line of each path: ``lines[("facts", "年初预算数")]``."""

    def __init__(self, data, lines: dict[tuple, int], source: str):
        self.data, self.lines, self.source = data, lines, source

    def where(self, path: tuple) -> str:
        """``file:line`` of the nearest path that has a line."""
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        line = self.lines.get(path)
        return f"{self.source}:{line}" if line else self.source


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
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("文件编码不是 UTF-8", [Problem(
            "E-IN-ENCODING", "文件不是 UTF-8 编码（可能是 GBK）；请在编辑器中“另存为 UTF-8”后重试", str(path))]) from None


def load(path: Path | str) -> Located:
    path = Path(path)
    text = read_text(path)
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        doc = yaml.load(text)
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
        tag = getattr(getattr(node, "tag", None), "value", None)
        if tag not in PLAIN_TAGS and not (isinstance(tag, str) and tag.startswith("tag:yaml.org,2002:")):
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
            return float(node)
        return node

    return Located(plain(doc, ()), lines, str(path))
