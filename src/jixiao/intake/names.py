"""Names people type (facts, indicators, list fields) compared as a reader sees them.

``ｘ`` (full width) and ``x``, ``资金管理`` and ``资金管理 `` (a trailing space) or ``资金\u200b管理``
(a zero-width space) look the same on a page; Python's parser even reads the full-width ``ｘ`` of an
expression as ``x``. So names are compared after NFKC normalisation, trimming and the removal of
zero-width characters: a case key written either way finds its fact, and a framework that declares
two names with the same normal form is refused with both spellings shown.

>>> normal_name(" 资金\u200b管理 "), normal_name("ｘ")
('资金管理', 'x')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from jixiao.core.errors import Problems

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def normal_name(name) -> str:
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(name))).strip()


def shown(name) -> str:
    """A name with its invisible characters made visible, so two spellings can be told apart."""
    text = str(name)
    out = "".join(f"\\u{ord(c):04x}" if _INVISIBLE.match(c) or (c.isspace() and c != " ") else c for c in text)
    return f"“{out}”" + ("（末尾有空格）" if text != text.rstrip() else "") + ("（开头有空格）" if text != text.lstrip() else "")


def collisions(names: Iterable, code: str, what: str, where: Callable[[object], str], problems: Problems) -> None:
    """Add a problem for every name whose normal form another name already has."""
    first: dict[str, object] = {}
    for name in names:
        key = normal_name(name)
        if key in first and first[key] != name:
            problems.add(code, f"{what} {shown(first[key])} 与 {shown(name)} 看起来相同（全角/半角、空格或不可见字符之差）；"
                               "请统一写法，只保留一个", where(name))
        else:
            first.setdefault(key, name)
