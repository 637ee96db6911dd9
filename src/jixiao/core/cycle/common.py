"""What the cycle's editions share: quoted sources, review findings, money units, banded values.

A *finding* is an item a reviewer must look at: a :class:`~jixiao.core.errors.Problem` like every
other (stable code, Chinese message, place in the user's file), made by :func:`finding`, which
takes the edition's own word for how serious it is — 须修改 (a ``review``: it must be changed) or
提示 (a ``warning``) — and, for a target review, the 四性 category and the check that raised it.

Bands are a table, read top down, the way the sources write them ("低于60%为红灯"):
``[{below: 0.6, light: 红}, {below: 0.8, light: 黄}, {light: 绿}]``. A value counts as below a
bound only when it is below by more than ``EDGE`` (1e-9), so a rate that is exactly 60% in
decimal but 0.59999999999999998 in binary belongs to the band that starts at 60%, as the text says.

>>> bands = [Band(below=0.6, light="红"), Band(below=0.8, light="黄"), Band(light="绿")]
>>> [band_of(bands, v).light for v in (0.5999, 0.6, 0.79, 0.7999999999999999, 1.3)]
['红', '黄', '黄', '绿', '绿']
>>> to_unit(899740, "元", "万元")
89.974
>>> f = finding("T_TARGET_LOW", "目标设定偏低", "t.yaml:9", "培训人数", "提示", category="适当性", check="适当性.历史水平")
>>> f.severity, LABEL[f.severity], f.category, f.indicator
('warning', '提示', '适当性', '培训人数')
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from jixiao.core.errors import Problem
from jixiao.core.form import Quote
from jixiao.core.review import Severity

__all__ = ["EDGE", "LABEL", "MONEY", "SEVERITY", "Band", "Quote", "Sourced", "band_of", "finding", "to_unit"]

EDGE = 1e-9
MONEY = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}


def to_unit(value: float, given: str, unit: str) -> float:
    """An amount in ``given`` money unit converted exactly (in decimal) to ``unit``."""
    return float(Decimal(str(value)) * MONEY[given] / MONEY[unit])


# An edition's words for a finding's severity, and back (how the cycle's pages and tables label it).
SEVERITY: dict[str, Severity] = {"须修改": "review", "提示": "warning"}
LABEL: dict[str, str] = {v: k for k, v in SEVERITY.items()}


def finding(code: str, message: str, where: str = "", indicator: str = "", severity: str = "须修改", *,
            category: str = "", check: str = "") -> Problem:
    """A finding for the reviewer: ``severity`` is the edition's word, 须修改 or 提示."""
    return Problem(code, message, where, indicator, severity=SEVERITY[severity], category=category, check=check)


class Sourced(BaseModel):
    """Anything an edition states as a rule carries the sentences it comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: list[Quote] = Field(default_factory=list)


class Band(BaseModel):
    """One row of a band table: applies when the value is below ``below`` (None: the last row)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    below: float | None = None
    light: str
    says: str = ""


def band_of(bands: list[Band], value: float) -> Band:
    """The first band whose bound the value is (clearly) below; the last band otherwise."""
    for b in bands:
        if b.below is None or value < b.below - EDGE:
            return b
    return bands[-1]
