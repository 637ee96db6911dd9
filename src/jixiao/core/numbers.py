"""How numbers are rounded and written. The one presentation rule lives here.

Scores are computed unrounded (IEEE doubles, the same in every engine). For display and for
comparing with a published table they are rounded to two decimals, half up (四舍五入). Doubles
carry noise: ``1.005`` is stored as ``1.00499999999999989…``. A person reading ``1.005`` expects
``1.01``, so a value within ``1e-8`` below a half counts as the half. The rule is written as the
same four IEEE operations everywhere (here, in Polars, in SQL), so every engine rounds alike:

    floor(x × 100 + 0.5 + 1e-6) ÷ 100          (for x ≥ 0; negatives mirror it)

>>> round_half_up(0.665), round_half_up(1.005), round_half_up(2.26886), round_half_up(96.7724)
(0.67, 1.01, 2.27, 96.77)
>>> fmt_points(1.0), fmt_points(0.7), fmt_points(1.67248)
('1', '0.7', '1.67')
>>> fmt_pct(0.672479), fmt_amount(4222.66), fmt_amount(68695.73, 2)
('67.25%', '4,222.66', '68,695.73')
"""

from __future__ import annotations

import math

NOISE = 1e-6  # on the ×100 scale: 1e-8 of a point


def round_half_up(x: float, digits: int = 2) -> float:
    """四舍五入 to ``digits`` decimals, tolerant of binary noise (see the module docstring)."""
    scale = 10.0**digits
    if not math.isfinite(x):
        return x  # nothing to round; the formatters below write it as ∞
    if x < 0:
        return -round_half_up(-x, digits)
    return math.floor(x * scale + 0.5 + NOISE) / scale


def fmt_points(x: float) -> str:
    """A score as a person writes it: two decimals at most, no trailing zeros."""
    if not math.isfinite(x):
        return _infinite(x)
    text = f"{round_half_up(x):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def fmt_pct(x: float, digits: int = 2) -> str:
    """A rate (0.6725) as a percentage (67.25%)."""
    if not math.isfinite(x):
        return _infinite(x)
    return f"{round_half_up(x * 100, digits):.{digits}f}%"


def fmt_bound(x: float) -> str:
    """A threshold as the 评分标准 writes it: 10%, 100%, 7.5% (no padding zeros).

    >>> fmt_bound(0.10), fmt_bound(0.105), fmt_bound(1.0)
    ('10%', '10.5%', '100%')
    """
    return f"{round_half_up(x * 100, 4):g}%"


def fmt_amount(x: float, digits: int = 2) -> str:
    """An amount with thousands separators: 4,222.66."""
    if not math.isfinite(x):
        return _infinite(x)
    return f"{round_half_up(x, digits):,.{digits}f}"


def fmt_count(x: float) -> str:
    return f"{int(round_half_up(x, 0)):,}" if float(x).is_integer() else fmt_amount(x)


def _infinite(x: float) -> str:
    return "不确定" if math.isnan(x) else ("∞" if x > 0 else "-∞")
