"""The rule kinds, one module each, and the ``Rule`` union a framework file chooses from by ``kind``."""

from __future__ import annotations

from typing import Annotated, Union, get_args

from pydantic import Field

from jixiao.core.rules.base import CheckContext, RuleBase, Step
from jixiao.core.rules.checklist import Checklist
from jixiao.core.rules.composite import Exempt, Sum, Veto
from jixiao.core.rules.deduct_over import DeductOver
from jixiao.core.rules.deduct_per import DeductPer
from jixiao.core.rules.expert import Expert
from jixiao.core.rules.graded import Graded
from jixiao.core.rules.pace import Pace
from jixiao.core.rules.rate import Rate
from jixiao.core.rules.target import Qualitative, Target
from jixiao.core.rules.tiers import Tiers

Rule = Annotated[
    Union[Checklist, Rate, DeductOver, Tiers, Graded, DeductPer, Pace, Expert, Sum, Veto, Exempt, Target, Qualitative],
    Field(discriminator="kind"),
]
KINDS: tuple[type[RuleBase], ...] = get_args(get_args(Rule)[0])

for _kind in (Sum, Veto, Exempt):
    _kind.model_rebuild(_types_namespace={"Rule": Rule})

KIND_NAMES = sorted(get_args(k.model_fields["kind"].annotation)[0] for k in KINDS)

__all__ = ["Rule", "RuleBase", "Step", "CheckContext", "KINDS", "KIND_NAMES"]
