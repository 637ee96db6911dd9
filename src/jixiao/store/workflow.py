"""The review workflow, kept as data: who may move an evaluation from which state to which.

草稿 → 已送审 → 主管部门已审 → 财政已审（终审）. 退回 goes back to the previous holder and needs an
opinion; 撤回 takes a submission back before anyone reviewed it; only 财政 reopens a 终审, with a
reason. :func:`jixiao.store.services.transition` is the only code that applies a row of this table:
it checks the role, the scope and the state, and writes the AuditEvent in the same transaction.

>>> [t.action for t in allowed_from("submitted")]
['withdraw', 'approve', 'return']
>>> [str(r) for r in TRANSITIONS["reopen"].roles], TRANSITIONS["reopen"].needs
(['finance'], 'reason')
"""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.store.models import Role, State


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    source: str
    target: str
    roles: tuple[str, ...]
    needs: str = ""  # "opinion" or "reason": a text the actor must give


ROWS = [
    Transition("submit", "送审", State.DRAFT, State.SUBMITTED, (Role.UNIT,)),
    Transition("withdraw", "撤回", State.SUBMITTED, State.DRAFT, (Role.UNIT,)),
    Transition("approve", "主管部门审核通过", State.SUBMITTED, State.DEPT_REVIEWED, (Role.DEPT,)),
    Transition("return", "退回单位", State.SUBMITTED, State.DRAFT, (Role.DEPT,), "opinion"),
    Transition("finalize", "财政终审通过", State.DEPT_REVIEWED, State.FINAL, (Role.FINANCE,)),
    Transition("return_to_dept", "退回主管部门", State.DEPT_REVIEWED, State.SUBMITTED, (Role.FINANCE,), "opinion"),
    Transition("reopen", "重新打开终审", State.FINAL, State.DEPT_REVIEWED, (Role.FINANCE,), "reason"),
]
TRANSITIONS = {t.action: t for t in ROWS}

# Who holds an evaluation in each state: the roles that may save versions (草稿) or adjust (review).
EDITORS = {State.DRAFT: (Role.UNIT,)}
REVIEWERS = {State.SUBMITTED: (Role.DEPT, Role.EXPERT), State.DEPT_REVIEWED: (Role.FINANCE, Role.EXPERT)}


def allowed_from(state: str) -> list[Transition]:
    return [t for t in ROWS if t.source == state]


def state_label(state: str) -> str:
    return State(state).label
