"""What the cycle's editions share: quoted sources, review findings, money units, banded values.

A *finding* is an item a reviewer must look at (not an input error: those are
:class:`~jixiao.core.errors.Problem` and refuse the file). Each has a stable code, a Chinese
message, the place in the user's file, and — for target reviews — the 四性 category it belongs to.

Bands are a table, read top down, the way the sources write them ("低于60%为红灯"):
``[{below: 0.6, light: 红}, {below: 0.8, light: 黄}, {light: 绿}]``. A value counts as below a
bound only when it is below by more than ``EDGE`` (1e-9), so a rate that is exactly 60% in
decimal but 0.59999999999999998 in binary belongs to the band that starts at 60%, as the text says.

>>> bands = [Band(below=0.6, light="红"), Band(below=0.8, light="黄"), Band(light="绿")]
>>> [band_of(bands, v).light for v in (0.5999, 0.6, 0.79, 0.7999999999999999, 1.3)]
['红', '黄', '黄', '绿', '绿']
>>> to_unit(899740, "元", "万元")
89.974
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jixiao.core.form import Quote

__all__ = ["EDGE", "MONEY", "Band", "Finding", "Quote", "Sourced", "band_of", "to_unit"]

EDGE = 1e-9
MONEY = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}


def to_unit(value: float, given: str, unit: str) -> float:
    """An amount in ``given`` money unit converted exactly (in decimal) to ``unit``."""
    return float(Decimal(str(value)) * MONEY[given] / MONEY[unit])


@dataclass(frozen=True)
class Finding:
    """One item for the reviewer: code (stable), message (Chinese), place, and the rule's group."""

    code: str
    message: str
    where: str = ""
    indicator: str = ""
    category: str = ""  # 完整性 / 相关性 / 适当性 / 可行性 for a target review; empty elsewhere
    check: str = ""  # the id of the edition's check that raised it
    severity: Literal["须修改", "提示"] = "须修改"

    def __str__(self) -> str:
        head = f"{self.where} " if self.where else ""
        cat = f"【{self.category}】" if self.category else ""
        ind = f"{self.indicator}：" if self.indicator else ""
        return f"{head}{cat}{ind}{self.message} [{self.code}]"

    def to_json(self) -> dict:
        return {"code": self.code, "message": self.message, "where": self.where, "indicator": self.indicator,
                "category": self.category, "check": self.check, "severity": self.severity}


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
