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

from jixiao.core.model import _INVISIBLE, normal_name

__all__ = ["normal_name", "shown"]


def shown(name) -> str:
    """A name with its invisible characters made visible, so two spellings can be told apart."""
    text = str(name)
    out = "".join(f"\\u{ord(c):04x}" if _INVISIBLE.match(c) or (c.isspace() and c != " ") else c for c in text)
    return f"“{out}”" + ("（末尾有空格）" if text != text.rstrip() else "") + ("（开头有空格）" if text != text.lstrip() else "")
