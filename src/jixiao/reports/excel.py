"""Rule expression trees compiled to Excel formulas, so a scoring sheet recomputes live.

Each rule kind lowers itself to one expression tree (``rule.lower()``); the traced engine walks
that tree, the batch engines compile it to columns, and this module compiles the very same tree
to an Excel formula. No formula is written per indicator: a ``rate``, a ``tiers`` table, a
``deduct_over`` or a ``pace`` rule becomes a formula because of its structure.

Facts and metrics are *defined names* pointing at cells (``年初预算数`` → ``'输入'!$F$12``), so
a reviewer reads ``=MAX(0,1-MAX(0,资金调整率-0.1)/0.01*0.1)`` rather than cell addresses.

Missing values: an empty input cell holds ``#N/A`` in the named cell (``=IF(ISBLANK(E5),NA(),E5)``),
and errors propagate through arithmetic as ``Missing`` does; ``present(x)`` is
``NOT(ISERROR(x))``. A division by zero gives ``#DIV/0!``. One difference remains: the engine's
``and``/``or`` are Kleene (``False and missing`` is ``False``) while Excel's AND/OR return the
error; only an indicator that the engine cannot score either is affected.

>>> from jixiao.core import expr as E
>>> formula(E.parse("abs(调整预算数 - 年初预算数) / 调整预算数"))
'ABS(调整预算数-年初预算数)/调整预算数'
>>> formula(E.parse("1 if a >= 0.9 else (0.7 if a >= 0.75 and a < 0.9 else 0)"))
'IF(a>=0.9,1,IF(AND(a>=0.75,a<0.9),0.7,0))'
>>> formula(E.parse("x - (y - z)"), {E.parse("y - z"): "差额"})
'x-差额'
>>> excel_name("“三公”经费控制率"), excel_name("12项")
('三公经费控制率', '_12项')
"""

from __future__ import annotations

import re

from jixiao.core import expr as E

_PREC = {"or": 1, "and": 1, "cmp": 2, "+": 3, "-": 3, "*": 4, "/": 4, "neg": 5}
_CMP = {"==": "=", "!=": "<>"}


def number(v: float) -> str:
    text = format(float(v), ".15g")
    return text.upper() if "e" in text else text


def formula(node: E.Node, names: dict | None = None, ref=lambda name: name) -> str:
    """The tree as Excel formula text (without the leading ``=``).

    ``names`` maps whole subtrees (a metric such as 资金调整率) to the defined name holding them;
    ``ref`` turns a fact name into its defined name.
    """
    names = names or {}

    def go(n: E.Node, parent: int = 0) -> str:
        if n in names:
            return names[n]
        if isinstance(n, E.Const):
            v = n.value
            if isinstance(v, bool):
                return "TRUE" if v else "FALSE"
            if isinstance(v, str):
                return '"' + v.replace('"', '""') + '"'
            return number(v)
        if isinstance(n, E.Ref):
            return ref(n.name)
        if isinstance(n, E.Fail):
            return "NA()"
        if isinstance(n, E.Unary):
            if n.op == "not":
                return f"NOT({go(n.operand)})"
            p = _PREC["neg"]
            text = "-" + go(n.operand, p)
        elif isinstance(n, E.Binary):
            p = _PREC[n.op]
            text = f"{go(n.left, p)}{n.op}{go(n.right, p + 1)}"
        elif isinstance(n, E.Compare):
            p = _PREC["cmp"]
            text = f"{go(n.left, p + 1)}{_CMP.get(n.op, n.op)}{go(n.right, p + 1)}"
        elif isinstance(n, E.Logic):
            return f"{'AND' if n.op == 'and' else 'OR'}({','.join(go(i) for i in n.items)})"
        elif isinstance(n, E.Cond):
            return f"IF({go(n.test)},{go(n.then)},{go(n.other)})"
        elif isinstance(n, E.Call):
            if n.fn == "present":
                return f"NOT(ISERROR({go(n.args[0])}))"
            return f"{n.fn.upper()}({','.join(go(a) for a in n.args)})"
        else:  # pragma: no cover - every node kind is handled above
            raise TypeError(f"not an expression node: {n!r}")
        return f"({text})" if p < parent else text

    return go(node)


_NAME_BAD = re.compile(r"[^\w.]")


def excel_name(label: str, taken: set[str] | None = None) -> str:
    """A valid, unused Excel defined name for a fact or metric label."""
    name = _NAME_BAD.sub("", label) or "值"
    if not (name[0].isalpha() or name[0] == "_") or re.fullmatch(r"[A-Za-z]{1,3}\d+|[RrCc]\d*", name):
        name = "_" + name
    if taken is not None:
        base, i = name, 2
        while name.lower() in taken:
            name = f"{base}_{i}"
            i += 1
        taken.add(name.lower())
    return name
