"""Turning what people type into numbers in a declared unit, once, with Decimal.

Accepted: ``21195``, ``21,195.00``, ``２１１９５``（全角）, ``21195万元``, ``2.12亿元``, ``67.25%``,
``67.25％``, ``0.6725``. Money without a unit takes the case's declared ``money_unit``; a case
that declares none is asked to. Every refusal is a Chinese sentence naming what was expected.

>>> number("２１，１９５.００万元", "money", "万元", "万元")
Decimal('21195.00')
>>> number("2.5亿元", "money", "万元", "")
Decimal('25000.0')
>>> number("67.25%", "rate", "", "")
Decimal('0.6725')
>>> try:
...     number("abc", "money", "万元", "万元")
... except BadValue as exc:
...     print(exc.code, exc)
E-IN-NOT-NUMBER 应为金额（万元），实际为“abc”
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from jixiao.core.facts import MONEY_UNITS

TYPE_TEXT = {"money": "金额", "number": "数值", "count": "整数", "rate": "比率（如 67.25% 或 0.6725）", "score": "分数"}
_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*(亿元|万元|元|%|个|项|人|宗|次|家|分)?$")
TRUE_WORDS = {"是", "有", "true", "yes", "y", "1", "√", "✓", "已", "符合"}
FALSE_WORDS = {"否", "无", "false", "no", "n", "0", "×", "✗", "未", "不符合"}


class BadValue(ValueError):
    """A value that cannot be read as what its fact declares; the message is for the user."""

    def __init__(self, message: str, code: str = "E-IN-NOT-NUMBER"):
        super().__init__(message)
        self.code = code


def number(raw, kind: str, unit: str, default_money_unit: str) -> Decimal:
    """``raw`` as a Decimal in the declared ``unit`` (money) or as a fraction (rate)."""
    expected = TYPE_TEXT.get(kind, "数值") + (f"（{unit}）" if unit and kind == "money" else "")
    if isinstance(raw, bool) or raw is None:
        raise BadValue(f"应为{expected}，实际为“{raw}”")
    suffix = None
    if isinstance(raw, (int, float, Decimal)):
        value = Decimal(str(raw))
    elif isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip().replace(",", "").replace(" ", "")
        m = _NUMBER.match(text)
        if not m:
            raise BadValue(f"应为{expected}，实际为“{raw}”")
        value, suffix = Decimal(m.group(1)), m.group(2)
    else:
        raise BadValue(f"应为{expected}，实际为“{raw}”")
    if not value.is_finite():
        raise BadValue(f"应为{expected}，实际为“{raw}”")
    if kind == "rate":
        if suffix not in (None, "%"):
            raise BadValue(f"应为比率，实际带有单位“{suffix}”", "E-IN-UNIT")
        return value / 100 if suffix == "%" else value
    if suffix == "%":
        raise BadValue(f"应为{expected}，实际为百分数“{raw}”")
    if kind == "money":
        source_unit = suffix if suffix in MONEY_UNITS else default_money_unit
        if suffix and suffix not in MONEY_UNITS:
            raise BadValue(f"应为金额（{unit}），实际单位为“{suffix}”", "E-IN-UNIT")
        if not source_unit:
            raise BadValue(f"金额“{raw}”未注明单位；请写成“{raw}万元”，或在案例中声明 money_unit", "E-IN-UNIT")
        return value * MONEY_UNITS[source_unit] / MONEY_UNITS[unit] if source_unit != unit else value
    if kind == "count":
        if value != value.to_integral_value():
            raise BadValue(f"应为整数，实际为“{raw}”")
    return value


def flag(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    text = unicodedata.normalize("NFKC", str(raw)).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise BadValue(f"应为 是/否（true/false），实际为“{raw}”")
