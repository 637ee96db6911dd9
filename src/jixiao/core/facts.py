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
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter
from pydantic.dataclasses import dataclass as pydantic_dataclass

from jixiao.core.errors import Problem

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

    __pydantic_config__ = ConfigDict(extra="forbid")  # in JSON, a fact and a judgement never look alike

    value: float | bool | str
    evidence: str = ""
    where: str = ""  # where the user wrote it (field path or sheet!cell), for messages


@dataclass(frozen=True)
class Judgement:
    """An evaluator's finding on a checklist criterion: met, not met, or points awarded."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # in JSON, a fact and a judgement never look alike

    met: bool | None = None
    points: float | None = None  # awarded at discretion; None when met says it all
    evidence: str = ""
    where: str = ""

    def awarded(self, available: float) -> float:
        if self.points is not None:
            return self.points
        return available if self.met else 0.0


def _fact_or_judgement(v: Any) -> str:
    if isinstance(v, dict):
        return "fact" if "value" in v else "judgement"
    return "judgement" if isinstance(v, Judgement) else "fact"


Given = Annotated[Annotated[Fact, Tag("fact")] | Annotated[Judgement, Tag("judgement")], Discriminator(_fact_or_judgement)]
# A field of a list item as intake gives it: text (a date as ISO text, 2020-12-31), yes/no, an amount
# or count, or blank.
ItemValue = bool | int | float | str | None

CASE_SCHEMA_VERSION = 1


@pydantic_dataclass(frozen=True, config=ConfigDict(arbitrary_types_allowed=False))
class Case:
    """One subject and year: identity, facts, lists and the narrative a report needs.

    An immutable, versioned record: ``Case.from_json(c.to_json()) == c``. Change it with
    :func:`dataclasses.replace`.
    """

    subject: str
    year: int
    framework: str
    facts: dict[str, Given] = field(default_factory=dict)
    lists: dict[str, list[dict[str, ItemValue]]] = field(default_factory=dict)
    narrative: dict[str, Any] = field(default_factory=dict)
    stated: dict[str, float] = field(default_factory=dict)  # figures the case's own text states
    money_unit: str = "万元"
    source: str = ""  # where the case came from, for messages
    # Suspicious but legal values found on intake (core.errors.Problem with a W-IN-* code).
    warnings: tuple[Problem, ...] = ()
    schema_version: int = CASE_SCHEMA_VERSION

    def to_json(self) -> dict:
        """The case as plain JSON data (money in ``money_unit``, rates as fractions, dates as ISO text)."""
        return _CASE.dump_python(self, mode="json")

    @classmethod
    def from_json(cls, data: dict | str | bytes) -> Case:
        if isinstance(data, (str, bytes)):
            return _CASE.validate_json(data)
        return _CASE.validate_python(data)


_CASE: TypeAdapter[Case] = TypeAdapter(Case)


def case_json_schema() -> dict:
    """The JSON Schema of :meth:`Case.to_json`, generated from the record."""
    schema = _CASE.json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "jixiao case"
    return schema
