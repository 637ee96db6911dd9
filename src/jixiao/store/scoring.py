"""The one adapter between the store and the engine: reading case files, freezing editions, scoring.

Everything the store knows about the engine goes through here, so switching to the service layer
(``jixiao.services``) when it lands is a change in this module only. No Django in this module.

Two kinds of document are stored as plain JSON:

- a department case (部门整体自评): the case in the plain case format
  (:func:`jixiao.intake.export.case_document`), money in its declared unit, evidence beside facts;
- a project self-evaluation form (项目自评): the form's own labels (项目名称, 项目资金, 绩效指标 …),
  as the YAML, JSON or XLSX reader found them.

What is stored is exactly what is scored: a file is read, turned into its plain document, and the
document is bound and scored again, so a later rescoring of the stored document gives the same
record. An evaluation rescores under its frozen edition: the shipped edition when its fingerprint
still matches, else the frozen JSON written to a file under the data folder and loaded from there.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from jixiao.core.engine import evaluate
from jixiao.core.errors import InvalidInput, Problem
from jixiao.core.form import score_form
from jixiao.intake import form as _intake_form
from jixiao.intake.case import JsonDoc, bind_case, read_case
from jixiao.intake.export import case_document
from jixiao.intake.form import bind_form, form_framework_path, looks_like_form
from jixiao.intake.framework import load_framework
from jixiao.intake.yamlio import Located, load

DEPT, PROJECT = "dept", "project"
CASE_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
_FORM_CACHE: dict[tuple, object] = {}


def _file_key(ref) -> tuple | None:
    path = form_framework_path(ref) or Path(ref)
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path.resolve()), st.st_mtime_ns, st.st_size)


def _cached(kind: str, loader):
    """``loader`` remembered per file (path, mtime, size), as intake already does for department
    frameworks: reading a form edition's YAML costs ~0.4 s, and an import scores thousands of forms.
    Treat the returned objects as read-only."""
    def load_once(ref, *args):
        key = _file_key(ref)
        if key is None or args:
            return loader(ref, *args)
        key = (kind, *key)
        if key not in _FORM_CACHE:
            if len(_FORM_CACHE) > 64:
                _FORM_CACHE.clear()
            _FORM_CACHE[key] = loader(ref)
        return _FORM_CACHE[key]

    return load_once


# bind_form loads its edition by this module-level name on every call; until the editions
# service (bind a form to an already loaded edition) lands, the store gives it the remembering one.
_intake_form.load_form_framework = _cached("form", _intake_form.load_form_framework)


@dataclass
class Scored:
    """A document read, bound and scored: what a CaseVersion and its Score are made of."""

    kind: str
    document: dict
    title: str
    year: int | None
    unit_hint: str  # the form's 实施单位 (or the case's subject), for messages only
    edition_ref: str
    edition_name: str
    edition_hash: str
    framework: dict  # the resolved framework, frozen
    record: dict
    total: float
    grade: str
    status: str
    level1: dict[str, float | None] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def digest(self) -> str:
        return digest(self.document)


def digest(data) -> str:
    """A stable SHA-256 of JSON-able data (keys sorted), for versions and audit before/after."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plain(value):
    """Reader output as plain JSON data: ruamel's scalars, Decimals and dates become JSON types."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return str(value)


def detect_kind(path: Path) -> str:
    return PROJECT if looks_like_form(path) else DEPT


def read_file(path: str | Path, framework: str | None = None, frozen_dir: Path | None = None) -> Scored:
    """Read one case or form file with intake's guards; raise :class:`InvalidInput` with every problem."""
    path = Path(path)
    if path.suffix.lower() not in CASE_SUFFIXES:
        raise InvalidInput("不支持的文件格式", [Problem(
            "E-IN-FORMAT", f"无法识别扩展名“{path.suffix}”：请使用 .yaml、.json 或 .xlsx", path.name)])
    if detect_kind(path) == PROJECT:
        if path.suffix.lower() == ".xlsx":
            from jixiao.intake.form_xlsx import read_workbook

            doc = read_workbook(path)
        elif path.suffix.lower() == ".json":
            from jixiao.intake.case import read_document

            doc = read_document(path)
        else:
            doc = load(path)
        data = plain(doc.data)
        if framework:
            data["framework"] = framework
        return score_document(PROJECT, data, source=path.name)
    case, fw, _ = read_case(path, framework)
    data = plain(case_document(case, fw))
    if framework:
        data["framework"] = framework
    return score_document(DEPT, data, source=path.name)


def score_document(kind: str, document: dict, source: str = "", edition: dict | None = None,
                   frozen_dir: Path | None = None) -> Scored:
    """Bind and score a stored (or posted) document; ``edition`` (``ref``, ``hash``, ``framework``)
    pins the frozen edition, else the document's ``framework`` names a shipped one."""
    if not isinstance(document, dict):
        raise InvalidInput("案例数据无效", [Problem("E-IN-SCHEMA", "案例数据应为键值映射", source or "facts")])
    document = plain(document)
    fw_ref = _edition_source(kind, edition, frozen_dir) if edition else None
    if kind == PROJECT:
        form, ffw, warnings = bind_form(Located(document, {}, source or "自评表"), Path("."), fw_ref)
        r = score_form(ffw, form)
        record = r.to_json()
        level1: dict[str, float | None] = {}
        for ln in r.lines:
            key = ln.level1 or "预算执行率"
            level1[key] = (level1.get(key) or 0.0) + (ln.score or 0.0)
        fw_json = frozen_form_framework(fw_ref or document.get("framework") or "national-project/2020")
        return Scored(PROJECT, document, form.project, form.year, form.unit, ffw.id, ffw.name, ffw.fingerprint(),
                      fw_json, record, float(r.total), r.grade or "", r.status, level1, [str(w) for w in warnings])
    if kind != DEPT:
        raise InvalidInput("不支持的评价类型", [Problem("E-ST-KIND", f"评价类型“{kind}”还不能评分：目前支持部门整体自评和项目自评", source)])
    case, fw, fw_file = bind_case(JsonDoc(document, {}, source or "案例"), Path("."), fw_ref, with_source=True)
    e = evaluate(fw, case)
    record = e.to_json()
    fw_json = plain(load(fw_file).data)
    level1 = {r.name: r.score for r in e.level(1)}
    return Scored(DEPT, document, case.subject, case.year, case.subject, fw.id, fw.name, e.edition_hash, fw_json,
                  record, float(e.total), e.grade or "", e.status, level1, [str(w) for w in case.warnings])


def frozen_form_framework(ref: str) -> dict:
    """The frozen data of a form edition (shared: do not change it)."""
    return _frozen_form(ref)


def _frozen_form_uncached(ref: str) -> dict:
    """A form edition's data with its ``extends`` resolved, as :func:`load_form_framework` resolves it.

    The source data is frozen rather than the validated model: a model dump does not read back
    (defaults such as an empty ``test`` beside a ``fact`` are refused when validated again)."""
    from jixiao.core.form import resolve

    path = form_framework_path(ref) or Path(ref)
    data = load(path).data
    base_ref = data.get("extends")
    if base_ref:
        base_path = form_framework_path(base_ref) or (path.parent / str(base_ref))
        data = resolve(load(base_path).data, data)
        data = {k: v for k, v in data.items() if k not in ("extends", "overrides")}
    return plain(data)


_frozen_form = _cached("frozen", _frozen_form_uncached)


def _edition_source(kind: str, edition: dict, frozen_dir: Path | None) -> str:
    """Where to load a frozen edition from: the shipped one if unchanged, else its frozen file."""
    ref, want = edition["ref"], edition["hash"]
    try:
        if kind == PROJECT:
            if form_framework_path(ref) is not None and _intake_form.load_form_framework(ref).fingerprint() == want:
                return ref
        elif load_framework(ref).fingerprint() == want:
            return ref
    except InvalidInput:
        pass  # the shipped edition is gone or broken: the frozen copy still scores
    if frozen_dir is None:
        raise InvalidInput("指标体系版本已变更", [Problem(
            "E-ST-EDITION", f"随附的“{ref}”已与本评价所用版本（{want[:12]}）不同，且未提供冻结副本的目录", ref)])
    frozen_dir.mkdir(parents=True, exist_ok=True)
    path = frozen_dir / f"{want}.{'form' if kind == PROJECT else 'framework'}.yaml"
    if not path.is_file():
        tmp = path.with_suffix(".part")
        # JSON is YAML 1.2, so the framework readers load it as they load any edition file.
        tmp.write_text(json.dumps(edition["framework"], ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    return str(path)


def export_document(kind: str, document: dict, path: Path, edition: dict | None = None,
                    frozen_dir: Path | None = None) -> None:
    """Write a stored document back to a case file (YAML or JSON by extension) that reads back equal."""
    from jixiao.intake.export import write_atomic, write_case

    if kind == DEPT and path.suffix.lower() in (".yaml", ".yml", ".xlsx"):
        fw_ref = _edition_source(kind, edition, frozen_dir) if edition else None
        case, fw, fw_file = bind_case(JsonDoc(plain(document), {}, path.name), Path("."), fw_ref, with_source=True)
        write_case(case, fw, path, fw_file if fw_ref and fw_ref != edition["ref"] else None)
        return
    if path.suffix.lower() == ".json":
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        return
    from ruamel.yaml import YAML

    def write(tmp: Path) -> None:
        yaml = YAML(typ="safe", pure=True)
        yaml.allow_unicode = True
        yaml.default_flow_style = False
        yaml.width = 4096
        with tmp.open("w", encoding="utf-8") as fh:
            yaml.dump(document, fh)

    write_atomic(path, write)


def write_report(kind: str, document: dict, fmt: str, outdir: Path, edition: dict | None = None,
                 frozen_dir: Path | None = None) -> Path:
    """The report service's file (DOCX, PDF, HTML, Markdown or the XLSX scoring sheet) for a
    stored department case; project forms have no report yet."""
    from jixiao.reports.build import FILES, Job, build

    if kind != DEPT:
        raise InvalidInput("暂无报告", [Problem("E-ST-REPORT", "目前只有部门整体自评可以生成评价报告", "format")])
    fw_ref = _edition_source(kind, edition, frozen_dir) if edition else None
    case, fw = bind_case(JsonDoc(plain(document), {}, "案例"), Path("."), fw_ref)
    build([Job(case, fw)], outdir, [fmt])
    return Path(outdir) / FILES[fmt]
