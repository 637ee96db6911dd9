"""An edition's report outline: ``outline.yaml`` beside its ``framework.yaml``.

The outline is data. It may hold

* ``template`` — the report's whole structure in the outline markup (Jinja), as the Shenzhen
  edition's 《部门整体绩效评价报告》 does; without it the report is the generic one, built from
  the framework's own indicator tree (``templates/generic.md.j2``);
* ``sentences`` — per indicator name, the sentence the report writes about it (Jinja, with the
  figures ``f``, ``m``, ``quarters``, ``ind`` …); used in its section and as the problem's
  paragraph under 存在问题 when that indicator lost points;
* ``problems`` — per indicator name, ``{problem, measure, detail}`` wording for 存在问题/改进措施;
* ``themes`` — per indicator name, the theme (of ``wording.yaml``) its losses are grouped under;
* ``narrative`` — per narrative key, the chapter-一 section title it fills in the generic report.

:func:`load_outline` takes the edition folder, the outline file or its data already read, so an
edition registry can hand it in; :func:`outline_for` finds a shipped edition's outline by the
framework's id. See ``docs/reports.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jixiao.core.errors import InvalidInput, Problem
from jixiao.core.model import Framework

FILE = "outline.yaml"
KEYS = {"template", "sentences", "problems", "themes", "narrative", "title", "notes"}


@dataclass(frozen=True)
class Outline:
    """What an edition says about its report; an empty outline means the generic report."""

    template: str = ""
    sentences: dict = field(default_factory=dict)
    problems: dict = field(default_factory=dict)
    themes: dict = field(default_factory=dict)
    narrative: dict = field(default_factory=dict)
    source: str = ""

    @property
    def generic(self) -> bool:
        return not self.template


GENERIC = Outline()


def load_outline(source: Path | str | dict | None) -> Outline:
    """An outline from an edition folder, an ``outline.yaml`` path, or its parsed data.

    A folder without ``outline.yaml`` (or ``None``) gives the generic outline.
    """
    if source is None:
        return GENERIC
    if isinstance(source, dict):
        return _from_data(source, "outline")
    path = Path(source)
    if path.is_dir():
        path = path / FILE
        if not path.is_file():
            return GENERIC
    from jixiao.intake.yamlio import load

    return _from_data(load(path).data or {}, str(path))


def outline_of(edition) -> Outline:
    """The outline an edition (:class:`jixiao.core.edition.Edition`) carries: its own
    ``outline.yaml``, or its base's for an overlay; the generic outline when it has none.

    Every caller that has the edition (services, the command line) drafts with this, so an edition
    outside the shipped folder gets its own chapters too, not the shipped one with the same id."""
    data = getattr(edition, "outline", None)
    if data is None:
        return GENERIC
    return _from_data(data, getattr(edition, "outline_source", "") or "outline")


def outline_for(fw: Framework) -> Outline:
    """The outline shipped beside a framework edition (by its id), else the generic outline."""
    from jixiao.frameworks import shipped_path

    found = shipped_path(fw.id)
    if found is None:
        return GENERIC
    return load_outline(found.parent)


def _from_data(data, where: str) -> Outline:
    if not isinstance(data, dict):
        raise _problem(where, "报告大纲应为键值映射（template、sentences、problems、themes）")
    unknown = sorted(str(k) for k in data if k not in KEYS)
    if unknown:
        raise _problem(where, f"报告大纲中不认识的键：{'、'.join(unknown)}；可用：{'、'.join(sorted(KEYS))}")
    for key in ("sentences", "problems", "themes", "narrative"):
        if not isinstance(data.get(key) or {}, dict):
            raise _problem(f"{where} {key}", f"{key} 应为以指标名称为键的映射")
    template = data.get("template") or ""
    if not isinstance(template, str):
        raise _problem(f"{where} template", "template 应为文字（报告大纲标记）")
    return Outline(template=template, sentences=dict(data.get("sentences") or {}),
                   problems=dict(data.get("problems") or {}), themes=dict(data.get("themes") or {}),
                   narrative=dict(data.get("narrative") or {}), source=where)


def _problem(where: str, says: str) -> InvalidInput:
    return InvalidInput("报告大纲有误", [Problem("E-REPORT-OUTLINE", says, where)])
