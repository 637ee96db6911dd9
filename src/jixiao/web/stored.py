"""What the pages read from the store beyond one selector call: frameworks of editions, draft
scoring under an evaluation's frozen edition, which version is the unit's own, diffs and deadlines.

Reads only: every write goes through :mod:`jixiao.store.services`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from jixiao.core.errors import InvalidInput
from jixiao.core.model import Framework
from jixiao.store import scoring
from jixiao.store.models import AuditEvent, CaseVersion, Evaluation, Role, State
from jixiao.web import entry
from jixiao.web.access import data_dir

# When each state's work is due, as (months after the evaluated year ends, day): a unit's self-
# assessment by 30 April, the 主管部门 by 31 May, 财政 by 30 June. A deployment sets its own.
DEFAULT_DEADLINES = {State.DRAFT: (4, 30), State.SUBMITTED: (5, 31), State.DEPT_REVIEWED: (6, 30)}
TASK_STATES = [("todo", "待填报"), ("review", "待审核"), ("returned", "已退回"), ("final", "已终审")]


def frozen_dir():
    return data_dir() / "editions"


def edition_dict(ev: Evaluation) -> dict:
    return {"ref": ev.edition.ref, "hash": ev.edition.hash, "framework": ev.edition.framework}


def framework_source(ev: Evaluation) -> str:
    """Where the evaluation's edition loads from: the shipped file while unchanged, else its frozen copy.

    Kept per edition hash (and data folder): finding it needs the edition's frozen framework, a
    ~60 KB JSON that every page of an evaluation would otherwise parse on each request. A frozen
    file that has gone since is found (and written) again."""
    key = (ev.kind, ev.edition.hash, str(frozen_dir()))
    source = _SOURCES.get(key)
    if source is None or (source.endswith(".yaml") and not Path(source).is_file()):
        source = _SOURCES[key] = scoring._edition_source(ev.kind, edition_dict(ev), frozen_dir())
    return source


_SOURCES: dict[tuple[str, str, str], str] = {}


def framework(ev: Evaluation) -> Framework:
    """The framework an evaluation was made with (the frozen edition, however the shipped one moved).

    Kept per edition hash: an edition never changes, and reading and validating its YAML on every
    page and every keystroke's live score would be most of the page's time."""
    fw = _FRAMEWORKS.get(ev.edition.hash)
    if fw is None:
        from jixiao.intake.framework import load_framework

        fw = _FRAMEWORKS[ev.edition.hash] = load_framework(framework_source(ev))
    return fw


_FRAMEWORKS: dict[str, Framework] = {}


def score_draft(ev: Evaluation, document: dict) -> entry.Draft:
    """Score what the page holds, under the evaluation's edition, without saving anything."""
    if ev.kind != scoring.DEPT:
        try:
            s = scoring.score_document(ev.kind, document, source=entry.SOURCE, edition=edition_dict(ev),
                                       frozen_dir=frozen_dir())
        except InvalidInput as exc:
            return entry.Draft(document, exc.problems, None)
        from jixiao.core.errors import Problem

        return entry.Draft(document, [Problem("W-IN", w) for w in s.warnings], s.record)
    return _draft(document, framework_source(ev))


def _draft(document: dict, source: str) -> entry.Draft:
    """Bind and evaluate a department case as the store scores it, minus what only a save needs: the
    store also reads the edition's YAML again to freeze it beside the version, which was nine tenths
    of every keystroke's live score (profiled: ~1.1 s of ~1.3 s per request on the loaded machine)."""
    return entry.score(source, scoring.plain(document))


SAVE_SOURCE = "网页填报"  # where a saved version's facts came from, as the store records it


class _Edition(dict):
    """An evaluation's edition as scoring takes it (``ref``, ``hash``, ``framework``), its frozen
    framework (~60 KB of JSON) read from the database only if scoring asks for it: the shipped
    edition, found by its hash, never needs it."""

    def __init__(self, ev: Evaluation):
        super().__init__(ref=ev.edition.ref, hash=ev.edition.hash)
        self._ev = ev

    def __missing__(self, key):
        if key != "framework":
            raise KeyError(key)
        self[key] = value = self._ev.edition.framework
        return value


def score_for_save(ev: Evaluation, document: dict) -> tuple[entry.Draft, scoring.Scored | None]:
    """What the page shows for a posted form (its problems and score) and, when it scores, the
    store's own scoring of it, handed to :func:`jixiao.store.services.save_version` so a save scores
    once: the same call, source and edition the store would use."""
    try:
        s = scoring.score_document(ev.kind, document, source=SAVE_SOURCE, edition=_Edition(ev), frozen_dir=frozen_dir())
    except InvalidInput as exc:
        return entry.Draft(document, exc.problems, None), None
    warnings = list(s.scored.bound.warnings) if ev.kind == scoring.DEPT else list(s.scored.warnings)
    return entry.Draft(document, warnings, s.record), s


def versions(ev: Evaluation) -> list[CaseVersion]:
    return list(ev.versions.select_related("score", "author").order_by("number"))


def version_list(ev: Evaluation) -> list[CaseVersion]:
    """The versions for a list: number, author, time, note, total, without their facts and score
    records (~50 KB of JSON each, parsed per version on every view of a list that only shows totals;
    read lazily, one query each, where a page does need one)."""
    return list(ev.versions.select_related("score", "author").defer("facts", "score__record").order_by("number"))


def current(ev: Evaluation, facts: bool = True) -> CaseVersion | None:
    """The current version with its score; ``facts=False`` leaves its facts unread."""
    if not ev.current:
        return None
    qs = ev.versions.select_related("score").filter(number=ev.current)
    return (qs if facts else qs.defer("facts")).first()


def current_facts(ev: Evaluation) -> dict | None:
    """Only the current version's facts (what a form starts from), not its score record."""
    return ev.versions.filter(number=ev.current).values_list("facts", flat=True).first() if ev.current else None


def own_version(ev: Evaluation, facts: bool = True) -> CaseVersion | None:
    """The unit's own latest version (自评): the newest one no reviewer's adjustment made."""
    adjusted = ev.adjustments.values_list("version_id", flat=True)
    qs = ev.versions.select_related("score").exclude(id__in=adjusted).order_by("-number")
    return (qs if facts else qs.defer("facts")).first()


@dataclass
class Row:
    id: str
    name: str
    level: int
    weight: float
    own: float | None
    reviewed: float | None
    trace: str
    reviewed_trace: str

    @property
    def differs(self) -> bool:
        if self.own is None or self.reviewed is None:
            return self.own is not self.reviewed
        return abs(self.own - self.reviewed) > 0.005


def side_by_side(own: dict | None, reviewed: dict | None) -> list[Row]:
    """Per indicator, the self-assessed score beside the reviewed one (records as stored)."""
    base = own or reviewed or {"indicators": []}
    other = {i["id"]: i for i in (reviewed or {}).get("indicators", [])}
    rows = []
    for i in base["indicators"]:
        o = other.get(i["id"], {})
        rows.append(Row(i["id"], i["name"], i["level"], i["weight"], i.get("score"), o.get("score", i.get("score")),
                        i.get("trace") or "", o.get("trace") or ""))
    return rows


@dataclass
class FactChange:
    name: str
    before: object
    after: object


def diff_facts(a: dict, b: dict) -> list[FactChange]:
    fa, fb = (a or {}).get("facts") or {}, (b or {}).get("facts") or {}
    out = []
    for name in list(fa) + [n for n in fb if n not in fa]:
        if fa.get(name) != fb.get(name):
            out.append(FactChange(name, fa.get(name), fb.get(name)))
    return out


def returned_ids(evaluations) -> set[int]:
    """Evaluations whose latest move was a return (退回): they are back with their holder."""
    ids = [e.id for e in evaluations]
    last: dict[int, str] = {}
    for eid, action in (AuditEvent.objects.filter(evaluation_id__in=ids, action__startswith="transition.")
                        .order_by("at", "id").values_list("evaluation_id", "action")):
        last[eid] = action
    return {eid for eid, a in last.items() if a in ("transition.return", "transition.return_to_dept")}


def deadline(ev: Evaluation) -> dt.date | None:
    table = getattr(settings, "JIXIAO_DEADLINES", None) or DEFAULT_DEADLINES
    due = table.get(ev.state)
    if not due:
        return None
    month, day = due
    return dt.date(ev.year + 1, month, day)


def task_state(ev: Evaluation, returned: set[int]) -> str:
    """Which 工作台 column an evaluation is in: 待填报, 待审核, 已退回 or 已终审."""
    if ev.state == State.FINAL:
        return "final"
    if ev.id in returned:
        return "returned"
    return "todo" if ev.state == State.DRAFT else "review"


HOLDERS = {State.DRAFT: {Role.UNIT}, State.SUBMITTED: {Role.DEPT}, State.DEPT_REVIEWED: {Role.FINANCE}}


def my_turn(ev: Evaluation, my_roles: set[str]) -> bool:
    return bool(HOLDERS.get(ev.state, set()) & my_roles)


def can_edit(ev: Evaluation, ev_roles: set[str]) -> bool:
    """A unit saves versions while its evaluation is a draft (new, or returned to it)."""
    return ev.state == State.DRAFT and Role.UNIT in ev_roles


def can_review(ev: Evaluation, ev_roles: set[str]) -> bool:
    from jixiao.store.workflow import REVIEWERS

    return bool(set(REVIEWERS.get(ev.state, ())) & ev_roles)


def pts(x) -> str:
    from jixiao.core.numbers import round_half_up

    return "—" if x is None else f"{round_half_up(float(x)):.2f}"


def score_new(document: dict) -> entry.Draft:
    """Score a department case that has no evaluation yet, under the shipped edition it names (the
    view has checked it is one)."""
    return _draft(document, str(document.get("framework") or ""))


def error_text(exc) -> str:
    """A store error as one message: what went wrong, then each problem with its place."""
    parts = [f"{p.get('where', '')} {p.get('message', '')}".strip() for p in getattr(exc, "problems", [])[:8]
             if isinstance(p, dict) and not p.get("warning")]
    text = getattr(exc, "message", None) or str(exc)
    return text + ("：" + "；".join(parts) if parts else "")
