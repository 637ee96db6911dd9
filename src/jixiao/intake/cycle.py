"""Loading the cycle's editions: target forms, 事前绩效评估, monitoring, 结果应用.

Each edition is a folder under ``jixiao/frameworks/<id>/<year>/`` holding one file named after its
kind (``target.yaml``, ``preassessment.yaml``, ``monitoring.yaml``, ``apply.yaml``) and the YAML
cases that pin it down (``tests.yaml``). An edition may ``extends`` another of the same kind and
list ``overrides`` (merged key by key, as the project-form overlays do). Every schema error is
reported at its ``file:line`` in Chinese, all at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from jixiao.core.errors import InvalidInput, Problem
from jixiao.core.form import resolve
from jixiao.core.model import content_hash
from jixiao.frameworks import HERE as FRAMEWORKS
from jixiao.intake.yamlio import Located, load

# kind → (file name in the edition folder, what it is called in messages)
KINDS = {
    "target": ("target.yaml", "绩效目标申报表审核规则"),
    "preassessment": ("preassessment.yaml", "事前绩效评估规则"),
    "monitoring": ("monitoring.yaml", "绩效运行监控预警规则"),
    "apply": ("apply.yaml", "评价结果应用规则"),
}


def model_of(kind: str) -> type[BaseModel]:
    if kind == "target":
        from jixiao.core.cycle.target import TargetEdition as M
    elif kind == "preassessment":
        from jixiao.core.cycle.preassess import PreassessEdition as M
    elif kind == "monitoring":
        from jixiao.core.cycle.monitoring import MonitoringEdition as M
    else:
        from jixiao.core.cycle.apply import ApplyTable as M
    return M


def cycle_editions(kind: str | None = None) -> list[tuple[str, str]]:
    """(id, kind) of the shipped cycle editions, such as ``("national-monitoring/2019", "monitoring")``."""
    out = []
    for k, (name, _) in KINDS.items():
        if kind in (None, k):
            out += [(str(p.parent.relative_to(FRAMEWORKS)).replace("\\", "/"), k) for p in FRAMEWORKS.glob(f"*/*/{name}")]
    return sorted(out)


def edition_path(ref: str | Path, kind: str | None = None) -> Path | None:
    """The file of a shipped edition id (of the kind, if given), or None."""
    for k, (name, _) in KINDS.items():
        p = FRAMEWORKS / str(ref) / name
        if kind in (None, k) and p.is_file():
            return p
    return None


def kind_of_ref(ref: str | Path) -> str | None:
    """The kind of a shipped edition id or of an edition file, without validating it."""
    p = edition_path(ref) or Path(ref)
    if p.name in {name for name, _ in KINDS.values()}:
        return next(k for k, (name, _) in KINDS.items() if name == p.name)
    try:
        data = load(p).data if p.is_file() else None
    except InvalidInput:
        return None
    return data.get("kind") if isinstance(data, dict) and data.get("kind") in KINDS else None


def fingerprint(edition: BaseModel) -> str:
    """The edition's content hash, as every framework's (:func:`jixiao.core.model.content_hash`)."""
    return content_hash(edition)


def load_edition(ref: str | Path, kind: str, _seen: tuple = ()) -> Any:
    """A shipped edition by id, or an edition file by path, validated as ``kind``."""
    what = KINDS[kind][1]
    path = edition_path(ref, kind) or Path(ref)
    if not path.is_file():
        shipped = "、".join(i for i, _ in cycle_editions(kind)) or "（无）"
        raise InvalidInput(f"找不到{what}", [Problem(
            "E-IN-FRAMEWORK", f"“{ref}”既不是随附的{what}版本（{shipped}），也不是存在的文件", str(ref))])
    doc = load(path)
    data = doc.data
    if not isinstance(data, dict) or data.get("kind") != kind:
        raise InvalidInput(f"不是{what}", [Problem("E-FW-SCHEMA", f"{what}文件须为键值映射，并写明 kind: {kind}", doc.source)])
    where = doc.where
    base_ref = data.get("extends")
    if base_ref:
        if str(base_ref) in _seen or str(base_ref) == data.get("id"):
            raise InvalidInput("版本继承成环", [Problem("E-FW-EXTENDS", f"extends“{base_ref}”形成循环继承", doc.where(("extends",)))])
        base_path = edition_path(base_ref, kind) or (path.parent / str(base_ref))
        if not base_path.is_file():
            raise InvalidInput("找不到所继承的版本", [Problem("E-FW-EXTENDS", f"extends“{base_ref}”不是随附的{what}版本，也不是文件",
                                                            doc.where(("extends",)))])
        load_edition(base_path, kind, _seen + (str(data.get("id")),))
        base = load(base_path)
        data = resolve(base.data, data)

        def where(p: tuple, _o=doc, _b=base) -> str:
            for candidate in (("overrides",) + tuple(p), tuple(p)):
                if candidate in _o.lines:
                    return _o.where(candidate)
            return _b.where(p)
    try:
        return model_of(kind).model_validate(data)
    except ValidationError as exc:
        from jixiao.intake.framework import schema_problems

        located = Located(data, {}, doc.source)
        located.where = lambda p, _w=where: _w(tuple(p))  # type: ignore[method-assign]
        raise InvalidInput(f"{what} {path} 有误", schema_problems(exc, located, "E-FW-SCHEMA")) from None
