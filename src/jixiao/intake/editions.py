"""The one loader of editions, and the registry that knows them all by id and by content hash.

An edition is named by a shipped id (``shenzhen-dept/2020``), an edition folder, or a file of any
name. The file's ``kind:`` decides what it is, never its name; the kinds are the table
:data:`KINDS` (add a kind there: its model, its checks, how a case of it is bound and scored).

::

    id: sichuan-project/2023          # the edition's id
    kind: project-form                # department (the default), project-form, …
    extends: national-project/2020    # optional: a shipped id or a file relative to this one
    overrides: {execution: {denominator: 调整后预算数}}   # merged into the base; ~ removes a key
    layout: workbook.yaml             # optional: intake layout and checks (default: workbook.yaml beside it)
    outline: outline.yaml             # optional: the report outline (default: outline.yaml beside it)
    tests: tests.yaml                 # optional: its YAML tests (default: tests.yaml beside it)

An overlay inherits its base's layout, outline and tests unless it has its own. Every problem of
a file is reported at once, each at ``file:line`` (an overlay's lines point into the overlay when
the overlay set the value, into the base otherwise). A file already loaded and unchanged since
(same size and modification time, base included) is not parsed again.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from jixiao.core.cycle.apply import ApplyTable
from jixiao.core.cycle.monitoring import MonitoringEdition
from jixiao.core.cycle.preassess import PreassessEdition
from jixiao.core.cycle.target import TargetEdition
from jixiao.core.edition import DEPARTMENT, PROJECT_FORM, Edition, kind_of, resolve_overlay
from jixiao.core.errors import InvalidInput, Problem, Problems
from jixiao.core.form import FormFramework
from jixiao.core.form_check import validate_form_framework
from jixiao.core.model import Framework, validate
from jixiao.frameworks import HERE as SHIPPED
from jixiao.intake.schema import schema_problems
from jixiao.intake.yamlio import Located, load

Where = Callable[[tuple], str]

# The file an edition folder keeps its definition in (the first that exists), and the files that
# travel with it. A folder with none of these names uses its only other YAML file.
EDITION_FILES = ("framework.yaml", "form.yaml", "edition.yaml")
COMPANIONS = {"layout": "workbook.yaml", "outline": "outline.yaml", "tests": "tests.yaml"}
EDITION_KEYS = ("layout", "outline", "tests")  # edition-level keys no framework model takes


@dataclass(frozen=True)
class Kind:
    """One kind of edition. ``bind`` and ``score`` are ``module:function`` names, imported when
    used, so this table can name code in any layer without importing it:

    * ``bind(doc: Located, edition) -> (bound case or form | None, list[Problem])``
    * ``score(framework, bound) -> result`` (an :class:`~jixiao.core.evaluation.Evaluation` or a
      :class:`~jixiao.core.form.FormResult`)
    """

    name: str
    label: str  # Chinese, for listings and messages
    title: str  # how an error heading names a file of this kind: “{title} {path} 有误”
    model: type[BaseModel]
    validate: Callable[[Any, Where], Problems]
    bind: str = ""  # "" while the kind is scored on its own path (see jixiao.cli.cycle)
    score: str = ""
    # ``check(edition) -> list[Problem]``: checks of the files that travel with it (its layout).
    check: str = ""

    def function(self, which: str) -> Callable[..., Any]:
        if not getattr(self, which):
            raise InvalidInput("此类指标体系暂不能经由此功能处理", [Problem(
                "E-IN-KIND", f"{self.label}（kind: {self.name}）还没有接入 {which}；请使用 jixiao score 等专门命令", self.name)])
        module, _, name = getattr(self, which).partition(":")
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> None:
    """Add (or replace) a kind of edition; the loader, ``check-framework`` and services use it."""
    KINDS[kind.name] = kind


register_kind(Kind(DEPARTMENT, "部门整体支出绩效评价指标体系", "指标体系", Framework, validate,
                   bind="jixiao.intake.case:bind_case_to", score="jixiao.core.engine:evaluate",
                   check="jixiao.intake.layout:layout_problems"))
register_kind(Kind(PROJECT_FORM, "项目支出绩效自评表", "项目自评表指标体系", FormFramework, validate_form_framework,
                   bind="jixiao.intake.form:bind_form_to", score="jixiao.core.form:score_form"))


def _schema_only(_fw: Any, _where: Where) -> Problems:
    return Problems()  # the cycle's models check themselves in their validators


# The performance-management cycle's editions (docs/cycle.md). Their forms are bound by the cycle's
# own intake (jixiao.intake.target / monitoring / preassess) and scored by the cycle's functions,
# through jixiao.services.cycle, which stamps each result with its edition's hash. The 结果应用 table
# has no form of its own to bind: it is applied to a graded evaluation (jixiao.core.cycle.apply).
register_kind(Kind("target", "绩效目标申报表审核规则", "绩效目标申报表审核规则", TargetEdition, _schema_only,
                   bind="jixiao.intake.target:bind_target_to", score="jixiao.services.cycle:score_target"))
register_kind(Kind("preassessment", "事前绩效评估规则", "事前绩效评估规则", PreassessEdition, _schema_only,
                   bind="jixiao.intake.preassess:bind_preassessment_to",
                   score="jixiao.services.cycle:score_preassessment"))
register_kind(Kind("monitoring", "绩效运行监控预警规则", "绩效运行监控预警规则", MonitoringEdition, _schema_only,
                   bind="jixiao.intake.monitoring:bind_monitoring_to", score="jixiao.services.cycle:score_monitoring"))
register_kind(Kind("apply", "评价结果应用规则", "评价结果应用规则", ApplyTable, _schema_only))


# --- finding the file ------------------------------------------------------------------------------


def edition_file(folder: Path) -> Path | None:
    """The file that defines the edition kept in ``folder``, or None."""
    for name in EDITION_FILES:
        if (folder / name).is_file():
            return folder / name
    others = [p for p in sorted(folder.glob("*.yaml")) if p.name not in COMPANIONS.values()]
    return others[0] if len(others) == 1 else None


def shipped_ids() -> list[str]:
    """Ids of the shipped editions of every kind, such as ``shenzhen-dept/2020``."""
    return sorted(f"{p.parent.name}/{p.name}" for p in SHIPPED.glob("*/*") if p.is_dir() and edition_file(p))


def _shipped_shape(text: str) -> bool:
    """Whether ``text`` has the shape of a shipped id: two plain names, as ``shenzhen-dept/2020``."""
    parts = text.split("/")
    return len(parts) == 2 and all(p and p not in (".", "..") and "\\" not in p for p in parts)


def locate(ref: str | Path, base: Path | None = None) -> Path:
    """The file an edition reference names: a shipped id, an edition folder, or a file (relative
    to ``base`` when given and it exists there)."""
    text = str(ref)
    if _shipped_shape(text) and not Path(text).is_file():
        # A shipped id is a folder two levels under SHIPPED (what shipped_ids lists), looked up
        # directly rather than by listing them all: a store import locates an edition per file.
        found = edition_file(SHIPPED / text) if (SHIPPED / text).is_dir() else None
        if found is not None:
            return found
    path = Path(ref)
    if base is not None and not path.is_absolute() and (base / path).exists():
        path = base / path
    if path.is_dir():
        found = edition_file(path)
        if found is None:
            raise InvalidInput("找不到指标体系", [Problem(
                "E-IN-FRAMEWORK", f"文件夹“{path}”中没有指标体系文件（{'、'.join(EDITION_FILES)}）", str(path))])
        return found
    if not path.is_file() and path.suffix.lower() not in (".yaml", ".yml", ".json"):
        # Not a file name: the user meant a shipped edition that does not exist.
        raise InvalidInput("找不到指标体系", [Problem(
            "E-IN-FRAMEWORK",
            f"“{ref}”既不是随附的指标体系版本，也不是存在的文件；随附版本：{'、'.join(shipped_ids())}（见 jixiao frameworks）",
            text)])
    return path


# --- loading -----------------------------------------------------------------------------------------


@dataclass
class _Loaded:
    edition: Edition
    data: dict[str, Any]  # the resolved data, for overlays of this edition
    stamps: tuple[tuple[str, int, int], ...]  # every file read, to know when to read again


_CACHE: dict[str, _Loaded] = {}


def _stamp(path: Path) -> tuple[str, int, int]:
    try:
        st = path.stat()
        return (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        return (str(path), -1, -1)


def load_edition(ref: str | Path, base: Path | None = None) -> Edition:
    """The edition a reference names (see :func:`locate`), resolved, validated and registered.

    Raises :class:`InvalidInput` with every problem of the file (and of its base)."""
    return _load(locate(ref, base), ()).edition


def _load(path: Path, seen: tuple[str, ...]) -> _Loaded:
    key = str(path.resolve()) if path.exists() else str(path)
    hit = _CACHE.get(key)
    if hit is not None and all(_stamp(Path(p)) == (p, m, s) for p, m, s in hit.stamps):
        return hit
    loaded = _read(path, seen)
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[key] = loaded
    REGISTRY.add(loaded.edition)
    return loaded


def _read(path: Path, seen: tuple[str, ...]) -> _Loaded:
    stamps = [_stamp(path)]
    doc = load(path)
    own = doc.data
    if not isinstance(own, dict):
        raise InvalidInput("指标体系文件无效", [Problem(
            "E-FW-SCHEMA", "文件应为键值映射（id、kind、name……）", doc.source)])
    where: Where = doc.where
    data = dict(own)
    base: _Loaded | None = None
    base_ref = own.get("extends")
    if base_ref:
        if not isinstance(base_ref, str):
            raise InvalidInput("指标体系有误", [Problem("E-FW-EXTENDS", "extends 应为随附版本编号或文件路径",
                                                       doc.where(("extends",)))])
        if base_ref in seen or base_ref == own.get("id") or str(path.resolve()) in seen:
            raise InvalidInput("指标体系继承成环", [Problem(
                "E-FW-EXTENDS", f"extends“{base_ref}”形成循环继承", doc.where(("extends",)))])
        try:
            base_path = locate(base_ref, path.parent)
        except InvalidInput:
            base_path = None
        if base_path is None or not base_path.is_file():
            raise InvalidInput("找不到所继承的指标体系", [Problem(
                "E-FW-EXTENDS", f"extends“{base_ref}”既不是随附的指标体系版本（{'、'.join(shipped_ids())}），也不是文件",
                doc.where(("extends",)))])
        base = _load(base_path, seen + (str(own.get("id")), str(path.resolve())))  # valid alone
        stamps += base.stamps
        stated = own.get("kind")
        if stated not in (None, "") and str(stated) != base.edition.kind:
            raise InvalidInput("指标体系有误", [Problem(
                "E-FW-KIND", f"kind“{stated}”与所继承的“{base.edition.id}”（{base.edition.kind}）不同；覆盖版本须与基础版本同类",
                doc.where(("kind",)))])
        data = resolve_overlay(base.data, own)
        data.setdefault("kind", base.edition.kind)
        base_doc = load(base_path)

        def where(p: tuple, _o: Located = doc, _b: Located = base_doc) -> str:
            for candidate in (("overrides",) + tuple(p), tuple(p)):
                if candidate in _o.lines:
                    return _o.where(candidate)
            return _b.where(p)

    kind_name = kind_of(data)
    kind = KINDS.get(kind_name)
    if kind is None:
        raise InvalidInput("指标体系有误", [Problem(
            "E-FW-KIND", f"未知的 kind“{kind_name}”；可用：{'、'.join(KINDS)}", doc.where(("kind",)))])
    for k in EDITION_KEYS:
        data.pop(k, None)
    model_data = {k: v for k, v in data.items() if k in kind.model.model_fields or k not in ("kind", "extends")}
    title = f"{kind.title} {path} 有误"
    try:
        fw = kind.model.model_validate(model_data)
    except ValidationError as exc:
        raise InvalidInput(title, schema_problems(exc, _Where(model_data, where), "E-FW-SCHEMA")) from None
    problems = kind.validate(fw, where)
    companions: dict[str, tuple[Any, str]] = {}
    for key, default in COMPANIONS.items():
        found = _companion(own, key, default, path, doc, problems)
        if found is None and base is not None:
            inherited = getattr(base.edition, key)
            found = (inherited, getattr(base.edition, f"{key}_source")) if inherited is not None else None
        if found is not None:
            companions[key] = found
            if found[1]:
                stamps.append(_stamp(Path(found[1])))
    if problems.errors:
        raise InvalidInput(title, problems.items)
    edition = Edition(
        id=str(getattr(fw, "id", "")), kind=kind.name, name=str(getattr(fw, "name", "")), framework=fw, hash=fingerprint(fw),
        source=str(path), shipped=_is_shipped(path), extends=str(base_ref or ""),
        layout=_data(companions, "layout"), layout_source=_src(companions, "layout"),
        outline=_data(companions, "outline"), outline_source=_src(companions, "outline"),
        tests=_data(companions, "tests"), tests_source=_src(companions, "tests"))
    if kind.check:
        found = kind.function("check")(edition)
        if [p for p in found if not p.is_warning]:
            raise InvalidInput(title, found)
    return _Loaded(edition, data, tuple(stamps))


def fingerprint(fw: BaseModel) -> str:
    """The content hash of a resolved framework: its own ``fingerprint()``, or the SHA-256 of its
    canonical JSON (the same recipe) for kinds that have none."""
    own = getattr(fw, "fingerprint", None)
    if callable(own):
        return str(own())
    canonical = json.dumps(fw.model_dump(mode="json", by_alias=True), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _data(found: dict[str, tuple[Any, str]], key: str) -> Any:
    return found[key][0] if key in found else None


def _src(found: dict[str, tuple[Any, str]], key: str) -> str:
    return found[key][1] if key in found else ""


def _companion(own: Mapping[str, Any], key: str, default: str, path: Path, doc: Located,
               problems: Problems) -> tuple[Any, str] | None:
    """A file that travels with the edition: named in the file, or by its usual name beside it."""
    given = own.get(key)
    if given not in (None, ""):
        if not isinstance(given, str):
            problems.add("E-FW-SCHEMA", f"{key} 应为文件名（相对于本文件）", doc.where((key,)))
            return None
        target = path.parent / given
        if not target.is_file():
            problems.add("E-FW-SCHEMA", f"{key}：找不到文件“{given}”（相对于 {path.parent}）", doc.where((key,)))
            return None
    else:
        target = path.parent / default
        if not target.is_file() or target.resolve() == path.resolve():
            return None
    try:
        doc = load(target)
        _DOCS[str(target)] = doc
        return doc.data, str(target)
    except InvalidInput as exc:
        problems.extend(exc.problems)
        return None


_DOCS: dict[str, Located] = {}


def companion_doc(source: str, data: Any) -> Located:
    """A companion file's data with its lines (for messages), as read with its edition."""
    doc = _DOCS.get(source)
    return doc if doc is not None and doc.data is data else Located(data, {}, source)


def _is_shipped(path: Path) -> bool:
    try:
        path.resolve().relative_to(SHIPPED.resolve())
        return True
    except ValueError:
        return False


class _Where(Located):
    """Schema errors placed through a ``where`` that knows an overlay and its base."""

    def __init__(self, data: Any, where: Where):
        super().__init__(data, {}, "")
        self._where = where

    def where(self, path: tuple) -> str:
        return self._where(tuple(path))


# --- the registry ------------------------------------------------------------------------------------


class Registry:
    """Every edition loaded so far, by id and by content hash; the shipped ones on first use.

    An id names the shipped edition when there is one (a user's file that reuses a shipped id is
    still found by its hash and its path)."""

    def __init__(self) -> None:
        self._by_id: dict[str, Edition] = {}
        self._by_hash: dict[str, Edition] = {}
        self._shipped_loaded = False

    def add(self, edition: Edition) -> None:
        current = self._by_id.get(edition.id)
        if current is None or not current.shipped or edition.shipped:
            self._by_id[edition.id] = edition
        self._by_hash.setdefault(edition.hash, edition)
        if edition.shipped:
            self._by_hash[edition.hash] = edition

    def shipped(self) -> list[Edition]:
        """The shipped editions, every kind, by id."""
        return [load_edition(ref) for ref in shipped_ids()]

    def get(self, ref: str) -> Edition:
        """An edition by id (shipped, or a user's file loaded before) or by full content hash."""
        if ref in shipped_ids():
            return load_edition(ref)
        found = self._by_id.get(ref) or self._by_hash.get(ref)
        if found is None:
            raise InvalidInput("找不到指标体系", [Problem(
                "E-IN-FRAMEWORK", f"“{ref}”既不是随附的指标体系版本，也不是已读入的指标体系；随附版本：{'、'.join(shipped_ids())}",
                ref)])
        return found

    def by_hash(self, digest: str) -> Edition | None:
        """The edition whose resolved framework has this hash (as recorded in an evaluation)."""
        if digest not in self._by_hash and not self._shipped_loaded:
            self._shipped_loaded = True
            self.shipped()
        return self._by_hash.get(digest)

    def all(self) -> list[Edition]:
        """Every edition known now: the shipped ones and users' files loaded so far."""
        self.shipped()
        return sorted({e.hash: e for e in [*self._by_id.values(), *self._by_hash.values()]}.values(),
                      key=lambda e: (not e.shipped, e.id, e.source))


REGISTRY = Registry()


def edition(ref: str | Path, base: Path | None = None) -> Edition:
    """An edition by shipped id, content hash of one already known, folder or file."""
    text = str(ref)
    if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
        found = REGISTRY.by_hash(text)
        if found is not None:
            return found
    return load_edition(ref, base)


def require(ed: Edition, kind: str, what: str) -> None:
    """Refuse an edition of another kind with a message that says what it is and what to use."""
    if ed.kind != kind:
        have = KINDS[ed.kind].label if ed.kind in KINDS else ed.kind
        want = KINDS[kind].label if kind in KINDS else kind
        raise InvalidInput(f"{what}不适用于此类指标体系", [Problem(
            "E-IN-KIND", f"“{ed.id}”是{have}（kind: {ed.kind}），{what}需要{want}（kind: {kind}）", ed.source or ed.id)])


__all__ = ["EDITION_FILES", "KINDS", "REGISTRY", "Kind", "Registry", "companion_doc", "edition", "edition_file", "load_edition",
           "locate", "register_kind", "require", "shipped_ids"]
