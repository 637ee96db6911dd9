"""The entry form: fields generated from a framework's fact declarations, read back into case facts.

No Django here: the view hands in a framework and plain case data and gets back groups of fields
(one group per leaf indicator, in the framework's order) and, from a posted form, the case's
``facts`` mapping exactly as a YAML case would write it. Binding and checking stay intake's
(:func:`jixiao.intake.case.bind_case`), so the page shows the very problems the command line would,
each placed beside the field (or, after an Excel upload, the cell) it names.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from pathlib import Path

from jixiao.core.errors import InvalidInput, Problem
from jixiao.core.facts import NUMERIC_TYPES, FactSpec
from jixiao.core.model import Framework
from jixiao.core.rules.base import each_rule

SOURCE = "网页表单"
SOURCES = (SOURCE, "网页填报")  # a live score's places, and a save's (the store's name for its source)
MET, NOT_MET = "达到", "未达到"
TYPE_TEXT = {"money": "金额", "number": "数值", "count": "个数", "rate": "比率（可写 98.49%）", "flag": "是/否",
             "judgement": "评价判断", "level": "档次", "score": "专家评分", "text": "文字"}


@dataclass
class Field:
    """One fact on the page: its inputs' names, what is filled in, and the problems it has."""

    # Position on the page as text: element ids are f{n}, so Chinese names never reach an id. Text,
    # because the template writes it ~20 times per field and Django localizes every int it renders.
    n: str
    name: str
    spec: FactSpec
    unit: str
    value: str = ""
    points: str = ""  # a judgement scored at discretion (酌情给分)
    evidence: str = ""
    available: float | None = None  # a judgement's or an expert score's points
    fixed_unit: str = ""  # money held in a unit other than the case's money_unit, kept as given
    problems: list[Problem] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.spec.type

    @property
    def type_text(self) -> str:
        return TYPE_TEXT.get(self.kind, self.kind)

    @property
    def label(self) -> str:
        return self.spec.label or self.name

    @property
    def choices(self) -> tuple[str, ...]:
        if self.kind == "judgement":
            return (MET, NOT_MET)
        if self.kind == "flag":
            return ("是", "否")
        return self.spec.choices

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_TYPES

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_warning]


@dataclass
class Group:
    """A leaf indicator with the facts its rule reads (a fact appears under the first that reads it)."""

    id: str
    name: str
    path: str  # 一级 › 二级
    weight: float
    definition: str
    scoring: str
    fields: list[Field]


def facts_of(rule) -> list[str]:
    """Facts a rule reads, in the order it names them (judgements first, as its checklist does)."""
    from jixiao.core import expr as E

    seen: list[str] = []
    for r in each_rule(rule):
        for name in r.judgements():
            if name not in seen:
                seen.append(name)
    if rule is not None:
        for n in E.walk(rule.lower()):
            if isinstance(n, E.Ref) and n.name not in seen:
                seen.append(n.name)
    return seen


@dataclass(frozen=True)
class _Slot:
    name: str
    spec: FactSpec
    available: float | None


@dataclass(frozen=True)
class _Place:
    """Where the form puts a leaf indicator's facts: what :func:`groups` repeats for every request."""

    id: str
    name: str
    path: str
    weight: float
    definition: str
    scoring: str
    slots: tuple[_Slot, ...]


def _layout(fw: Framework) -> tuple[_Place, ...]:
    """The form's shape for ``fw``: each leaf with the facts its rule reads first, then the facts no
    rule reads. Walking every rule is ~1.5 ms and the same for every page of an edition, so it is
    kept per framework object (one per edition per process, :func:`jixiao.web.stored.framework`)."""
    hit = _LAYOUTS.get(id(fw))
    if hit is not None and hit[0] is fw:
        return hit[1]
    points = fw.judgement_points()
    experts = fw.expert_points()
    names = {ind.id: ind.name for ind in fw.walk()}
    placed: set[str] = set()
    out: list[_Place] = []
    for leaf in fw.leaves():
        slots = []
        for name in facts_of(leaf.rule):
            spec = fw.facts.get(name)
            if spec is None or name in placed:
                continue
            placed.add(name)
            slots.append(_Slot(name, spec, points.get(name, experts.get(name))))
        parents = leaf.id.split(".")[:-1]
        path = " › ".join(names.get(".".join(parents[: i + 1]), "") for i in range(len(parents)))
        out.append(_Place(leaf.id, leaf.name, path, leaf.weight, leaf.definition, leaf.scoring, tuple(slots)))
    rest = tuple(_Slot(name, spec, points.get(name, experts.get(name))) for name, spec in fw.facts.items()
                 if name not in placed)
    # declared for the report's sentences, read by no rule
    out.append(_Place("", "其他事实（报告引用，不计分）", "", 0, "", "", rest))
    layout = tuple(out)
    with _LAYOUTS_LOCK:
        while len(_LAYOUTS) >= _LAYOUTS_KEPT:
            del _LAYOUTS[next(iter(_LAYOUTS))]
        # The framework is kept beside its layout, so its id cannot be reused by another object.
        _LAYOUTS[id(fw)] = (fw, layout)
    return layout


_LAYOUTS: dict[int, tuple[Framework, tuple[_Place, ...]]] = {}
_LAYOUTS_KEPT = 64  # editions; a process serves a few per year
_LAYOUTS_LOCK = threading.Lock()


def groups(fw: Framework, data: dict, problems: list[Problem] = (), places: dict | None = None) -> list[Group]:
    """The form for ``data`` (plain case data), with each problem beside the fact it names."""
    facts = data.get("facts") or {}
    lists = data.get("lists") or {}  # a count the case derives from its list is not typed in
    money_unit = data.get("money_unit") or "万元"
    by_fact = place_problems(problems, places)
    out: list[Group] = []
    n = 0
    for place in _layout(fw):
        fields = []
        for slot in place.slots:
            spec = slot.spec
            if spec.count_of in lists:
                continue
            unit = money_unit if spec.type == "money" else ("" if spec.type == "rate" else spec.unit)
            f = Field(str(n), slot.name, spec, unit, available=slot.available)
            fill(f, facts.get(slot.name))
            f.problems = by_fact.get(slot.name, [])
            fields.append(f)
            n += 1
        if place.id or fields:  # the group of facts no rule reads only when it has any
            out.append(Group(place.id, place.name, place.path, place.weight, place.definition, place.scoring, fields))
    return out


def fill(f: Field, given) -> None:
    """Put a fact as a case file writes it into the field's inputs."""
    if given is None:
        return
    if isinstance(given, dict):
        f.evidence = str(given.get("evidence") or given.get("justification") or "")
        if f.kind == "money" and given.get("unit"):
            f.unit = f.fixed_unit = str(given["unit"])
        if f.kind == "judgement":
            if given.get("points") is not None:
                f.points = _plain(given["points"])
            elif given.get("met") is not None:
                f.value = MET if _truthy(given["met"]) else NOT_MET
            return
        raw = given.get("level") if f.kind == "level" else given.get("score") if f.kind == "score" else given.get("value")
    else:
        raw = given
    if f.kind == "judgement":
        f.value = MET if _truthy(raw) else NOT_MET
    elif f.kind == "flag":
        f.value = "" if raw in (None, "") else ("是" if _truthy(raw) else "否")
    else:
        f.value = _plain(raw)


def _truthy(v) -> bool:
    if isinstance(v, str):
        return v.strip() in ("是", "true", "True", "yes", "达到", "1", "Y", "y", "√")
    return bool(v)


def _plain(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_post(fw: Framework, post, base: dict) -> dict:
    """Plain case data: ``base`` (subject, year, narrative…) with ``facts`` as the form says.

    ``post`` maps input names to strings (a QueryDict or dict). A fact whose inputs are all blank is
    left out, so intake reports a required one as missing beside its field."""
    data = copy.deepcopy(base)
    facts = dict(data.get("facts") or {})
    for name, spec in fw.facts.items():
        if f"v.{name}" not in post and f"p.{name}" not in post:
            continue  # not on the page (a derived count): keep what the version had
        value = (post.get(f"v.{name}") or "").strip()
        points = (post.get(f"p.{name}") or "").strip()
        evidence = (post.get(f"e.{name}") or "").strip()
        facts.pop(name, None)
        if spec.type == "judgement":
            if points:
                facts[name] = {"points": points, "evidence": evidence}
            elif value:
                facts[name] = {"met": value == MET, "evidence": evidence}
            continue
        if not value:
            continue
        key = {"level": "level", "score": "score"}.get(spec.type, "value")
        unit = (post.get(f"u.{name}") or "").strip()
        if spec.type == "score":
            facts[name] = {"score": value, "justification": evidence}
        elif spec.type == "money" and unit:
            facts[name] = {"value": value, "unit": unit, "evidence": evidence}
        else:
            facts[name] = {key: value, "evidence": evidence} if evidence else ({key: value} if key != "value" else value)
    data["facts"] = facts
    return data


@dataclass
class Draft:
    """A case read from the page and, when it binds, scored: nothing is saved."""

    data: dict
    problems: list[Problem]
    record: dict | None  # Evaluation.to_json(), as a stored Score keeps it

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_warning]


def score(fw_ref: str | Path, data: dict) -> Draft:
    """Bind and score plain case data as ``jixiao score`` does, through the same service
    (:func:`jixiao.services.evaluate`); problems instead of raising."""
    from jixiao import services
    from jixiao.intake.case import JsonDoc, case_edition

    doc = JsonDoc(data, {}, SOURCE)
    try:
        s = services.evaluate(doc, case_edition(doc, Path("."), fw_ref))
    except InvalidInput as exc:
        return Draft(data, exc.problems, None)
    return Draft(data, list(s.bound.warnings), s.result.to_json())


def place_problems(problems, places: dict | None = None) -> dict[str, list[Problem]]:
    """Problems by the fact they name: a field path ``facts.X`` or, from a workbook, a cell."""
    by_cell = {cell: path for path, cell in (places or {}).items()}
    out: dict[str, list[Problem]] = {}
    for p in problems:
        where = p.where or ""
        name = None
        source = next((s for s in SOURCES if where.startswith(s + ":facts.")), None)
        if source is not None:
            name = where[len(source) + 7:]
        elif where in by_cell and len(by_cell[where]) >= 2 and by_cell[where][0] == "facts":
            name = by_cell[where][1]
        if name:
            out.setdefault(name, []).append(p)
    return out


def unplaced(problems, places: dict | None = None) -> list[Problem]:
    placed = {id(p) for ps in place_problems(problems, places).values() for p in ps}
    return [p for p in problems if id(p) not in placed]


def read_workbook(path: Path, fw_ref: str | Path) -> tuple[dict, list[Problem], dict]:
    """An uploaded workbook as plain case data, intake's problems, and the cell of each path.

    A workbook too broken to read (wrong sheets, a zip bomb, a formula in a value cell) gives no
    data and its problems; a readable one gives its data, so the form shows what it says and each
    binding problem beside the field, naming the cell."""
    from jixiao.intake.case import bind_case
    from jixiao.intake.workbook import read_workbook_document

    try:
        doc, _fw, source, warns = read_workbook_document(path, fw_ref)
    except InvalidInput as exc:
        return {}, exc.problems, {}
    problems = list(warns)
    try:
        case, _ = bind_case(doc, path.parent, source)
        problems += case.warnings
    except InvalidInput as exc:
        problems += exc.problems
    return doc.data, problems, dict(doc.places)
