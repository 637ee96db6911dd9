"""Loading the cycle's editions: target forms, 事前绩效评估, monitoring, 结果应用.

Each edition is a folder under ``jixiao/frameworks/<id>/<year>/`` holding one file named after its
kind (``target.yaml``, ``preassessment.yaml``, ``monitoring.yaml``, ``apply.yaml``) and the YAML
cases that pin it down (``tests.yaml``). They are loaded by the one edition loader
(:mod:`jixiao.intake.editions`, where their kinds are registered): an edition may ``extends``
another of the same kind and list ``overrides``, and every schema error is reported at its
``file:line`` in Chinese, all at once. This module finds them by kind and insists on the kind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from jixiao.core.errors import InvalidInput, Problem
from jixiao.core.model import content_hash
from jixiao.frameworks import HERE as FRAMEWORKS
from jixiao.intake.yamlio import load

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


def load_edition(ref: str | Path, kind: str) -> Any:
    """A shipped edition by id, or an edition file by path, validated as ``kind``: its model (a
    :class:`~jixiao.core.cycle.target.TargetEdition`, …).

    The one edition loader does the work (:func:`jixiao.intake.editions.load_edition`: ``extends``
    and ``overrides``, every schema error at its line, the registry by id and hash); this only
    insists on the kind."""
    from jixiao.intake import editions

    what = KINDS[kind][1]
    path = edition_path(ref, kind)
    if path is None and not Path(ref).is_file():
        shipped = "、".join(i for i, _ in cycle_editions(kind)) or "（无）"
        raise InvalidInput(f"找不到{what}", [Problem(
            "E-IN-FRAMEWORK", f"“{ref}”既不是随附的{what}版本（{shipped}），也不是存在的文件", str(ref))])
    ed = editions.load_edition(path or ref)
    if ed.kind != kind:
        raise InvalidInput(f"不是{what}", [Problem(
            "E-FW-SCHEMA", f"{what}文件须写明 kind: {kind}（此文件是 kind: {ed.kind}）", ed.source)])
    return ed.framework
