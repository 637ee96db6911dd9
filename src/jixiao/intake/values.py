"""Turning what people type into numbers in a declared unit, once, with Decimal.

Accepted: ``21195``, ``21,195.00``, ``21 195``, ``２１１９５``（全角）, ``21195万元``, ``2.12亿元``,
``¥1,234元``, ``67.25%``, ``67.25％``, ``百分之67.25``, ``0.6725``. Money without a unit takes the
unit declared for its column or value, else the case's ``money_unit``; a case that declares none
is asked to. Every refusal is a Chinese sentence naming what was expected, with a stable code.

Each number keeps the precision it was written with (``21195.00`` has two decimals), so a rate
computed from rounded inputs can be compared with a stated rate fairly (see :func:`half_ulp`).

>>> number("２１，１９５.００万元", "money", "万元", "万元")
Decimal('21195.00')
>>> number("2.5亿元", "money", "万元", "")
Decimal('25000.0')
>>> number("12,345元", "money", "万元", "")
Decimal('1.2345')
>>> number("67.25%", "rate", "", ""), number("百分之67.25", "rate", "", ""), number("0.6725", "rate", "", "")
(Decimal('0.6725'), Decimal('0.6725'), Decimal('0.6725'))
>>> try:
...     number("abc", "money", "万元", "万元")
... except BadValue as exc:
...     print(exc.code, exc)
E-IN-NOT-NUMBER 应为金额（万元），实际为“abc”
>>> half_ulp(Decimal("7.48")), half_ulp(Decimal("0.6174"))
(Decimal('0.005'), Decimal('0.00005'))
>>> parse_date("2020年12月31日"), parse_date("2020/1/5"), parse_date("20201231")
(datetime.date(2020, 12, 31), datetime.date(2020, 1, 5), datetime.date(2020, 12, 31))
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from jixiao.core.facts import MONEY_UNITS

TYPE_TEXT = {"money": "金额", "number": "数值", "count": "整数", "rate": "比率（如 67.25% 或 0.6725）", "score": "分数"}
# Suffixes people write after a number; 万/亿 alone are read as 万元/亿元 for money only.
_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(亿元|万元|元|亿|万|%|‰|个|项|人|宗|次|家|分)?$")
_SHORT_UNITS = {"万": "万元", "亿": "亿元"}
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?(?![\d,])")
_FULL_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0xFFE5: ord("¥")}
_SPACES = re.compile("[ \u00a0\u2009\u202f]")
# Any decimal digit or number sign beyond ASCII: superscripts, circled numbers, other scripts' digits.
_FOREIGN_DIGIT = re.compile("[^\\x00-\\x7f\\u00a0\\u2009\\u202f\\u4e00-\\u9fff\\u3000-\\u303f‰¥]")
TRUE_WORDS = {"是", "有", "true", "yes", "y", "1", "√", "✓", "已", "符合", "达到", "已达到"}
FALSE_WORDS = {"否", "无", "false", "no", "n", "0", "×", "✗", "未", "不符合", "未达到"}
# A bare rate above this is almost surely a percentage written without its sign (67.25 for 67.25%).
BARE_RATE_LIMIT = Decimal(10)
LARGEST = Decimal("1e15")  # in the declared unit; a whole national budget is about 3e13 元


class BadValue(ValueError):
    """A value that cannot be read as what its fact declares; the message is for the user."""

    def __init__(self, message: str, code: str = "E-IN-NOT-NUMBER"):
        super().__init__(message)
        self.code = code


def _shown(raw) -> str:
    text = str(raw)
    return text if len(text) <= 40 else text[:40] + "……"


def to_decimal(raw) -> tuple[Decimal, str | None] | None:
    """A number and its written suffix (unit or %), or None when ``raw`` is not a number at all."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, Decimal):
        return (raw, None) if raw.is_finite() else None
    if isinstance(raw, int):
        return Decimal(raw), None
    if isinstance(raw, float):
        # repr is the shortest text that reads back as the same double: 6279.26, not 6279.2600000000002
        d = Decimal(repr(raw))
        return (d, None) if d.is_finite() else None
    if not isinstance(raw, str) or len(raw) > 100:
        return None
    # Only full-width forms are folded (２１１９５, ，, ％); NFKC would also turn “²” into 2 and
    # “①” into 1, numbers no reader sees in 21195² or ①.
    text = raw.translate(_FULL_WIDTH).strip()
    if _FOREIGN_DIGIT.search(text):
        return None
    percent = False
    if text.startswith("百分之"):
        text, percent = text[3:], True
    if text.startswith("¥"):  # one currency sign; "¥¥5" is a typo, not 5
        text = text[1:].strip()
    if _SPACES.search(text):
        # A space may group thousands (21 195) like a comma; “2 1 1 9 5” is not a number.
        spaced = _SPACES.sub(",", text)
        if not _GROUPED.match(spaced):
            return None
        text = spaced
    if "," in text:
        # Thousands separators must group by three (21,195.00); “2,1” is a typo, not 21.
        if not _GROUPED.match(text):
            return None
        text = text.replace(",", "")
    m = _NUMBER.match(text)
    if not m:
        return None
    try:
        value = Decimal(m.group(1))
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    suffix = m.group(2)
    if percent:
        if suffix:
            return None
        suffix = "%"
    return value, suffix


def number(raw, kind: str, unit: str, default_money_unit: str) -> Decimal:
    """``raw`` as a Decimal in the declared ``unit`` (money) or as a fraction (rate)."""
    expected = TYPE_TEXT.get(kind, "数值") + (f"（{unit}）" if unit and kind == "money" else "")
    parsed = to_decimal(raw)
    if parsed is None:
        raise BadValue(f"应为{expected}，实际为“{_shown(raw)}”")
    value, suffix = parsed
    out = _number(raw, value, suffix, kind, unit, default_money_unit, expected)
    # After the unit is applied: “999999999999999亿元” is small as written and absurd in 万元.
    if abs(out) > LARGEST:
        raise BadValue(f"{expected}“{_shown(raw)}”大得不合常理；请核对", "E-IN-RANGE")
    return out


def _number(raw, value: Decimal, suffix, kind: str, unit: str, default_money_unit: str, expected: str) -> Decimal:
    if abs(value) > LARGEST:
        raise BadValue(f"{expected}“{_shown(raw)}”大得不合常理；请核对", "E-IN-RANGE")
    if value and abs(value) < Decimal("1e-9"):
        # Such a figure is a slip (an exponent typed by mistake); as a denominator it would also
        # make rates overflow to infinity.
        raise BadValue(f"{expected}“{_shown(raw)}”小得不合常理；请核对", "E-IN-RANGE")
    if kind == "rate":
        if suffix == "%":
            return value / 100
        if suffix == "‰":
            return value / 1000
        if suffix is not None:
            raise BadValue(f"应为比率，实际带有单位“{suffix}”", "E-IN-UNIT")
        if abs(value) > BARE_RATE_LIMIT:
            raise BadValue(f"比率“{_shown(raw)}”没有百分号；若指 {value}%，请写成“{value}%”，或写成小数 {value / 100}",
                           "E-IN-RATE-FORM")
        return value
    if suffix in ("%", "‰"):
        raise BadValue(f"应为{expected}，实际为百分数“{_shown(raw)}”")
    if kind == "money":
        suffix = _SHORT_UNITS.get(suffix, suffix)
        if suffix and suffix not in MONEY_UNITS:
            raise BadValue(f"应为金额（{unit}），实际单位为“{suffix}”", "E-IN-UNIT")
        source_unit = suffix or default_money_unit
        if not source_unit:
            raise BadValue(f"金额“{_shown(raw)}”未注明单位；请写成“{raw}万元”，或在案例中声明 money_unit", "E-IN-UNIT")
        if unit not in MONEY_UNITS or source_unit == unit:
            return value
        return value * MONEY_UNITS[source_unit] / MONEY_UNITS[unit]
    if suffix in _SHORT_UNITS or suffix in MONEY_UNITS:
        raise BadValue(f"应为{expected}，实际为金额“{_shown(raw)}”", "E-IN-UNIT")
    if kind == "count" and value != value.to_integral_value():
        raise BadValue(f"应为整数，实际为“{_shown(raw)}”")
    return value


def half_ulp(value: Decimal) -> Decimal:
    """Half the last written digit: the most a rounded figure can be off (7.48 → 0.005)."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):
        return Decimal(0)
    return Decimal(5).scaleb(exponent - 1)


def flag(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw is None:
        raise BadValue("应为 是/否（true/false），实际为空")
    text = unicodedata.normalize("NFKC", str(raw)).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise BadValue(f"应为 是/否（true/false），实际为“{_shown(raw)}”")


_DATE_FORMS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def parse_date(raw) -> dt.date:
    """A calendar date: an Excel date cell, or text year first (2020-12-31, 2020/12/31, 2020年12月31日).

    Day-first and month-first forms (12/31/2020, 31.12.20) are ambiguous and refused.
    """
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = unicodedata.normalize("NFKC", str(raw)).strip().replace(" ", "") if isinstance(raw, str) else ""
    for form in _DATE_FORMS:
        m = form.match(text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise BadValue(f"日期“{_shown(raw)}”不存在（月或日超出范围）", "E-IN-DATE") from None
    raise BadValue(f"应为日期（如 2020-12-31 或 2020年12月31日），实际为“{_shown(raw)}”", "E-IN-DATE")
