"""An edition: one framework of any kind, resolved, with everything that travels with it.

An edition bundles the framework (a department 指标体系, a project self-evaluation form, and the
kinds to come), the intake layout and checks of its workbook, its report outline and its YAML
tests. It is known by its id (``shenzhen-dept/2020``) and by the hash of its resolved framework,
the hash every evaluation records, so a stored evaluation finds the edition it was made with.

This module is pure: it holds the record and the rule for resolving an overlay (``extends`` +
``overrides``) on its base. Reading files is :mod:`jixiao.intake.editions`' job.

An overlay's ``overrides`` merge into the base: mappings key by key; any other value (a number, a
list) replaces the base's. A ``~`` (null) removes the key it names. To edit an inherited list of
named mappings (indicators, levels, grades…) item by item instead of replacing it, write
``{by_name: [...]}``: items are matched by ``key``, ``name`` or ``grade`` and merged, new ones are
appended, and ``{name: X, remove: true}`` removes the inherited item X:

>>> base = {"id": "n", "execution": {"points": 10, "note": "x"},
...         "indicators": [{"name": "甲", "weight": 60}, {"name": "乙", "weight": 40}]}
>>> overlay = {"id": "s", "extends": "n", "overrides": {
...     "execution": {"note": None}, "indicators": {"by_name": [{"name": "乙", "remove": True},
...                                                             {"name": "甲", "weight": 100}]}}}
>>> resolve_overlay(base, overlay)
{'id': 's', 'execution': {'points': 10}, 'indicators': [{'name': '甲', 'weight': 100}], 'extends': 'n'}
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEPARTMENT = "department"
PROJECT_FORM = "project-form"
DEFAULT_KIND = DEPARTMENT  # a framework file without ``kind:`` is a department framework
REMOVE_ITEM = "remove"  # ``{name: X, remove: true}`` in a ``by_name`` edit drops the inherited item X
BY_NAME = "by_name"  # ``{by_name: [...]}`` edits an inherited list item by item instead of replacing it


@dataclass(frozen=True)
class Edition:
    """One edition, resolved and validated.

    ``framework`` is the kind's model (:class:`~jixiao.core.model.Framework` for ``department``,
    :class:`~jixiao.core.form.FormFramework` for ``project-form``). ``layout``, ``outline`` and
    ``tests`` are the plain data of the files that travel with it (None when it has none);
    ``*_source`` names where each came from, for messages. ``source`` is the edition's own file.
    """

    id: str
    kind: str
    name: str
    framework: Any
    hash: str
    source: str = ""
    shipped: bool = False
    extends: str = ""
    layout: Mapping[str, Any] | None = None
    layout_source: str = ""
    outline: Any = None
    outline_source: str = ""
    tests: Mapping[str, Any] | None = None
    tests_source: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)  # edition-level keys a later kind may use

    @property
    def edition(self) -> str:
        """The edition label inside the file (``"2020"``)."""
        return str(getattr(self.framework, "edition", ""))


def kind_of(data: object) -> str:
    """The ``kind:`` a file declares; a mapping without one is a department framework."""
    if isinstance(data, Mapping):
        kind = data.get("kind")
        return DEFAULT_KIND if kind in (None, "") else str(kind)
    return DEFAULT_KIND


def resolve_overlay(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """The overlay's data: the base with the overlay's ``overrides`` merged in (see the module doc).

    The overlay's own top-level keys (id, name, edition, source, …) replace the base's; ``~`` at
    the top level removes the base's key too."""
    out = _merge(dict(base), overlay.get("overrides") or {})
    for k, v in overlay.items():
        if k == "overrides":
            continue
        if v is None:
            out.pop(k, None)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _merge(a: Any, b: Any) -> Any:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        out = dict(a)
        for k, v in b.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = _merge(a[k], v) if k in a else copy.deepcopy(_drop_removed(v))
        return out
    if isinstance(a, list) and isinstance(b, Mapping) and set(b) == {BY_NAME} and _named_list(b[BY_NAME]) \
            and (not a or _named_list(a)):
        return _merge_named(a, b[BY_NAME])
    return copy.deepcopy(_drop_removed(b))


def _named_list(x: Any) -> bool:
    return isinstance(x, list) and bool(x) and all(isinstance(i, Mapping) and _item_key(i) for i in x)


def _item_key(item: Mapping[str, Any]) -> str:
    key = item.get("key") or item.get("name") or item.get("grade")
    return str(key) if key not in (None, "") else ""


def _merge_named(base: list[Any], overlay: list[Any]) -> list[Any]:
    """Items matched by key or name merge; new ones are appended; ``remove: true`` drops one."""
    out = [dict(i) for i in base]
    for item in overlay:
        key = _item_key(item)
        at = next((n for n, i in enumerate(out) if _item_key(i) == key), None)
        if item.get(REMOVE_ITEM) is True:
            if at is not None:
                out.pop(at)
            continue
        if at is None:
            out.append(copy.deepcopy(_drop_removed(item)))
        else:
            out[at] = _merge(out[at], item)
    return out


def _drop_removed(x: Any) -> Any:
    """New data from an overlay keeps no null (removal) markers of its own."""
    if isinstance(x, list):
        return [_drop_removed(i) for i in x]
    if isinstance(x, Mapping):
        return {k: _drop_removed(v) for k, v in x.items() if v is not None}
    return x
