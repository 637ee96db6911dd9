"""YAML 1.2 core schema over libyaml's event stream: the parse in C, the meaning decided here.

libyaml (through PyYAML's ``CParser``) only tokenises and parses; it builds no Python objects and
resolves nothing. This module composes its events into a small node tree — each node with the line
it starts on — and resolves plain scalars by the YAML 1.2 core schema as ruamel.yaml's round-trip
loader does (``true``/``false`` only, no ``yes``/``on``, no sexagesimals, ``0777`` is decimal).
PyYAML's own loaders are not used: they resolve by YAML 1.1.

:func:`jixiao.intake.yamlio.load` walks the tree with its limits (nodes, depth, tags, text). An
alias is the anchored node itself, so a self-referencing alias makes a cycle that the walk's depth
limit refuses, and an expansion is counted node by node as it is walked.

ruamel's pure-Python parser took 25–50 ms for a 3 KB project form; this takes about one.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode

# PyYAML's wheels carry libyaml; a build without it gives the same events from Python, slower.
PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CORE = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, MAP, SEQ, TIMESTAMP = (CORE + t for t in (
    "str", "int", "float", "bool", "null", "map", "seq", "timestamp"))
# The core schema's tags a node of each kind may carry (besides none). Compared whole:
# "!!python/object…" shares their prefix.
TAGS = {"map": {MAP}, "seq": {SEQ}, "scalar": {STR, INT, FLOAT, BOOL, NULL, TIMESTAMP}}

# ruamel.yaml's resolver for YAML 1.2 (ruamel/yaml/resolver.py), the same expressions.
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_FLOAT = re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""", re.X)
_INT = re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TIMESTAMP = re.compile(r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
    (?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""", re.X)


class Problem(Exception):
    """Not YAML this reader accepts: ``kind`` is ``"syntax"``, ``"tag"`` or ``"char"``; ``line`` is
    1-based, or None."""

    def __init__(self, kind: str, message: str, line: int | None):
        super().__init__(message)
        self.kind, self.message, self.line = kind, message, line


class Node:
    __slots__ = ("kind", "tag", "line", "value")

    def __init__(self, kind: str, tag: str | None, line: int, value):
        # kind: "map" (value: [(key node, value node)]), "seq" ([node]) or "scalar" (resolved value)
        self.kind, self.tag, self.line, self.value = kind, tag, line, value


def compose(text: str, exact: bool = False) -> Node | None:
    """The single document of ``text`` as a node tree (None for an empty stream)."""
    anchors: dict[str, Node] = {}
    stack: list[tuple[Node, list]] = []  # open collections, with a pending key for mappings
    root: list[Node] = []
    documents = 0
    try:
        for event in yaml.parse(text, Loader=PARSER):
            cls = type(event)
            if cls is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise Problem("syntax", "文件只能含一个 YAML 文档（出现了第二个“---”）", event.start_mark.line + 1)
                continue
            if cls in (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent):
                continue
            if cls in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
                node, _pending = stack.pop()
                _attach(node, stack, root)
                continue
            line = event.start_mark.line + 1
            if cls is yaml.AliasEvent:
                if event.anchor not in anchors:
                    raise Problem("syntax", f"别名 *{event.anchor} 没有对应的锚点 &{event.anchor}", line)
                _attach(anchors[event.anchor], stack, root)
                continue
            tag = event.tag
            if cls is yaml.ScalarEvent:
                node = Node("scalar", tag, line, _scalar(event, line, exact))
            elif cls is yaml.MappingStartEvent:
                node = Node("map", tag, line, [])
            else:  # SequenceStartEvent
                node = Node("seq", tag, line, [])
            if event.anchor is not None:
                anchors[event.anchor] = node  # before its content: an alias inside refers to itself
            if cls is yaml.ScalarEvent:
                _attach(node, stack, root)
            else:
                stack.append((node, []))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        if "invalid Unicode character escape" in (exc.problem or ""):
            # "\ud800": a lone surrogate, which no UTF-8 file, worksheet or document can hold.
            raise Problem("char", "转义序列不是有效字符（如单独的代理码位 \\uD800）；请删去", line) from None
        raise Problem("syntax", exc.problem or str(exc).splitlines()[0], line) from None
    except yaml.YAMLError as exc:
        raise Problem("syntax", str(exc).splitlines()[0], None) from None
    return root[0] if root else None


def _attach(node: Node, stack: list, root: list) -> None:
    if not stack:
        root.append(node)
        return
    parent, pending = stack[-1]
    if parent.kind == "seq":
        parent.value.append(node)
    elif pending:
        parent.value.append((pending.pop(), node))
    else:
        pending.append(node)


def _scalar(event, line: int, exact: bool):
    text, tag = event.value, event.tag
    if tag is None:
        # implicit[0]: plain, resolved by the schema; otherwise quoted or a block scalar: text.
        return _resolve(text, line, exact) if event.implicit[0] else text
    if tag == STR:
        return text
    if tag in (INT, FLOAT, BOOL, NULL, TIMESTAMP):
        value = _resolve(text, line, exact)
        if not _fits(tag, value):
            raise Problem("tag", f"标签 {tag.removeprefix(CORE)} 与值“{text[:40]}”不符", line)
        return value
    return text  # any other tag is refused by the walk, which sees it on the node


def _fits(tag: str, value) -> bool:
    if tag == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if tag == FLOAT:
        return isinstance(value, (float, Decimal, int)) and not isinstance(value, bool)
    if tag == BOOL:
        return isinstance(value, bool)
    if tag == NULL:
        return value is None
    return isinstance(value, date)


def _resolve(text: str, line: int, exact: bool):
    first = text[:1]
    if first in "tTfF" and _BOOL.match(text):
        return text[0] in "tT"
    if _NULL.match(text):
        return None
    if first in "-+0123456789.":
        if _INT.match(text) and any(c.isdigit() for c in text):
            return _int(text)
        if _FLOAT.match(text) and any(c.isdigit() or c in "iInN" for c in text):
            return _float(text, exact)
        if _TIMESTAMP.match(text):
            try:
                return SafeConstructor().construct_yaml_timestamp(ScalarNode(TIMESTAMP, text))
            except ValueError:
                raise Problem("syntax", f"日期“{text}”无效", line) from None
    return text


def _int(text: str) -> int:
    digits = text.replace("_", "")
    sign = -1 if digits[0] == "-" else 1
    digits = digits.lstrip("+-")
    for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
        if digits.startswith(prefix):
            return sign * int(digits[2:], base)
    return sign * int(digits)


def _float(text: str, exact: bool):
    plain = text.replace("_", "")
    lowered = plain.lower()
    if lowered.endswith((".inf", ".nan")):
        return float(lowered.replace(".", ""))
    value = float(plain)
    if not exact:
        return value
    if "e" in lowered:
        return Decimal(repr(value))  # as ruamel's reader: the written decimals are not kept
    return Decimal(plain)
