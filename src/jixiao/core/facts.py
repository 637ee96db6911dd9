"""What a framework says a case must state (fact declarations) and what a case states (facts).

A framework declares every fact its rules read, with a label, a type and a unit. A case gives the
values, already normalised by ``jixiao.intake`` (money in the declared unit, rates as fractions),
so nothing here guesses a unit.

Types:

``money``      an amount in the declared ``unit`` (元, 万元 or 亿元), not negative
``number``     any other quantity (``unit`` says what of), not negative unless ``signed``
``count``      a whole number of things (个, 项, 人), not negative
``rate``       a fraction: 0.6725 is 67.25%
``flag``       yes or no (是/否), e.g. 是否涉密部门
``judgement``  an evaluator's finding on one checklist criterion: met or not, or the points
               awarded where the rule lets the evaluator deduct at discretion (酌情扣分), with
               its evidence
``level``      one of the declared ``choices``, with evidence
``score``      points awarded by experts, with a written justification when below full marks
``text``       free text
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FactType = Literal["money", "number", "count", "rate", "flag", "judgement", "level", "score", "text"]
NUMERIC_TYPES = {"money", "number", "count", "rate", "score"}
MONEY_UNITS = {"元": 1, "万元": 10_000, "亿元": 100_000_000}


class FactSpec(BaseModel):
    """One declared fact."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: FactType
    label: str = ""
    unit: str = ""
    required: bool = True
    signed: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    # A count can be derived from a declared list: count_of the list, where a yes/no field holds.
    count_of: str = ""
    where: str = ""
    where_not: str = ""


class ListSpec(BaseModel):
    """A declared list of items (e.g. 项目清单), each with named fields of simple types."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = ""
    fields: dict[str, Literal["text", "flag", "money", "number", "count", "date"]] = Field(default_factory=dict)
    key: str = ""  # the field that names an item; must be unique within a case


@dataclass(frozen=True)
class Fact:
    """A value a case states, in the unit its declaration names, and why we believe it."""

    value: float | bool | str
    evidence: str = ""
    where: str = ""  # where the user wrote it (field path or sheet!cell), for messages


@dataclass(frozen=True)
class Judgement:
    """An evaluator's finding on a checklist criterion: met, not met, or points awarded."""

    met: bool | None = None
    points: float | None = None  # awarded at discretion; None when met says it all
    evidence: str = ""
    where: str = ""

    def awarded(self, available: float) -> float:
        if self.points is not None:
            return self.points
        return available if self.met else 0.0


@dataclass
class Case:
    """One subject and year: identity, facts, lists and the narrative a report needs."""

    subject: str
    year: int
    framework: str
    facts: dict[str, Fact | Judgement] = field(default_factory=dict)
    lists: dict[str, list[dict]] = field(default_factory=dict)
    narrative: dict[str, object] = field(default_factory=dict)
    stated: dict[str, float] = field(default_factory=dict)  # figures the case's own text states
    money_unit: str = "万元"
    source: str = ""  # where the case came from, for messages
    # Suspicious but legal values found on intake (core.errors.Problem with a W-IN-* code).
    warnings: list = field(default_factory=list)
