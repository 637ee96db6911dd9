"""The one adapter between the store and the engine: reading case files, freezing editions, scoring.

Everything the store knows about the engine goes through the service layer
(:mod:`jixiao.services`: ``read``, ``bind``, ``evaluate``, ``draft``), which picks the reader by
the file's format and everything after by the edition's ``kind`` from the registry; nothing here
looks at a file's content to guess what it is. No Django in this module.

Two kinds of document are stored as plain JSON:

- a department case (部门整体自评): the case in the plain case format
  (:func:`jixiao.intake.export.case_document`), money in its declared unit, evidence beside facts;
- a project self-evaluation form (项目自评): the form's own labels (项目名称, 项目资金, 绩效指标 …),
  as the YAML, JSON or XLSX reader found them.

What is stored is exactly what is scored: a file is read, turned into its plain document, and the
document is bound and scored, so a later rescoring of the stored document gives the same record.
An evaluation rescores under its frozen edition: the one the registry knows by that content hash
(the shipped edition while unchanged), else the frozen JSON written to a file under the data
folder and loaded from there — and its hash is checked again.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao import services
from jixiao.core.edition import DEPARTMENT, PROJECT_FORM, Edition, resolve_overlay
from jixiao.core.errors import InvalidInput, Problem
from jixiao.intake.case import JsonDoc
from jixiao.intake.editions import REGISTRY, load_edition
from jixiao.intake.yamlio import load

DEPT, PROJECT = "dept", "project"
CASE_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
STORE_KIND = {DEPARTMENT: DEPT, PROJECT_FORM: PROJECT}  # edition kind → Evaluation.kind
EDITION_KIND = {v: k for k, v in STORE_KIND.items()}
FORM_DEFAULT = services.scoring.FORM_DEFAULT
_FROZEN: dict[str, dict] = {}  # edition hash → frozen source data (an edition never changes)


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
    scored: Any = None  # the services' Scored (edition, bound case or form, result), for drafting

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


def store_kind(ed: Edition, source: str = "") -> str:
    """The Evaluation kind for an edition; kinds the store cannot score yet are refused by name."""
    kind = STORE_KIND.get(ed.kind)
    if kind is None:
        raise InvalidInput("不支持的评价类型", [Problem(
            "E-ST-KIND", f"“{ed.id}”（kind: {ed.kind}）还不能存入评价库：目前支持部门整体自评和项目自评", source or ed.id)])
    return kind


def read_file(path: str | Path, framework: str | None = None, frozen_dir: Path | None = None) -> Scored:
    """Read one case or form file with intake's guards; raise :class:`InvalidInput` with every problem."""
    path = Path(path)
    if path.suffix.lower() not in CASE_SUFFIXES:
        raise InvalidInput("不支持的文件格式", [Problem(
            "E-IN-FORMAT", f"无法识别扩展名“{path.suffix}”：请使用 .yaml、.json 或 .xlsx", path.name)])
    doc, ed, reader_warnings = services.read(path, framework)
    kind = store_kind(ed, path.name)
    # Bound once against the file itself, so problems name its lines and cells: these warnings
    # (the reader's own, such as a workbook's formulas read as saved values, and the binder's W-IN-*)
    # are the ones the stored evaluation carries.
    bound, problems = services.bind(doc, ed)
    if bound is None:
        raise InvalidInput(services.scoring.TITLES.get(ed.kind, "案例文件有误"), list(reader_warnings) + problems)
    if kind == PROJECT:
        data = plain(doc.data)
    else:
        from jixiao.intake.export import case_document

        data = plain(case_document(bound, ed.framework))
    if framework:
        data["framework"] = framework
    # Places name the file as the user knows it (its name), never the server's folders.
    named = [Problem(w.code, w.message, severity=w.severity,
                     place=dataclasses.replace(w.place, file=path.name) if w.place.file == str(path) else w.place)
             for w in [*reader_warnings, *problems]]
    return _score(kind, data, ed, path.name, named)


def _read_batch(jobs: list[tuple[str, str | None]]) -> list[tuple[str, Scored | tuple[str, list[Problem]]]]:
    """Files read and scored in a worker process; an input error travels as its title and
    problems (what :class:`InvalidInput` is made of) and is rebuilt in the parent."""
    out: list[tuple[str, Scored | tuple[str, list[Problem]]]] = []
    for path, framework in jobs:
        try:
            # Without the engine's own objects (compiled trees do not travel between processes);
            # storing needs only the document, the record and the figures.
            out.append((path, dataclasses.replace(read_file(path, framework), scored=None)))
        except InvalidInput as exc:
            out.append((path, (exc.title, list(exc.problems))))
    return out


PARALLEL_FROM = 64  # fewer files are read faster than worker processes start
BATCH = 16  # files a worker takes at a time


def read_files(paths: list[Path], framework: str | None = None,
               workers: int = 1) -> Iterator[tuple[str, Scored | InvalidInput]]:
    """Each file read and scored (or the input error that refuses it), in the order given.

    With ``workers`` above 1 and enough files, the files are scored in that many processes while
    the caller goes on with the results as they come (the store writes them): scoring is pure
    and CPU-bound, so a store import of a folder uses every core. Only a few batches are ahead
    of the caller at any time, so a folder of any size is held in memory a few dozen files at a
    time. Workers are forked where the platform can (nothing is re-imported), spawned elsewhere."""
    if workers <= 1 or len(paths) < PARALLEL_FROM:
        for p in paths:
            try:
                yield str(p), read_file(p, framework)
            except InvalidInput as exc:
                yield str(p), exc
        return
    import multiprocessing
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    batches = ([(str(p), framework) for p in paths[i:i + BATCH]] for i in range(0, len(paths), BATCH))
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method)) as pool:
        ahead: deque[Future] = deque()
        for batch in batches:
            ahead.append(pool.submit(_read_batch, batch))
            if len(ahead) < workers * 2:
                continue
            yield from _rebuilt(ahead.popleft().result())
        while ahead:
            yield from _rebuilt(ahead.popleft().result())


def _rebuilt(results: list[tuple[str, Scored | tuple[str, list[Problem]]]]) -> Iterator[tuple[str, Scored | InvalidInput]]:
    for path, got in results:
        yield path, (InvalidInput(got[0], got[1]) if isinstance(got, tuple) else got)


def score_document(kind: str, document: dict, source: str = "", edition: dict | None = None,
                   frozen_dir: Path | None = None) -> Scored:
    """Bind and score a stored (or posted) document; ``edition`` (``ref``, ``hash``, ``framework``)
    pins the frozen edition, else the document's ``framework`` names one (a project form without
    one is on the national form)."""
    if not isinstance(document, dict):
        raise InvalidInput("案例数据无效", [Problem("E-IN-SCHEMA", "案例数据应为键值映射", source or "facts")])
    if kind not in EDITION_KIND:
        raise InvalidInput("不支持的评价类型", [Problem(
            "E-ST-KIND", f"评价类型“{kind}”还不能评分：目前支持部门整体自评和项目自评", source)])
    document = plain(document)
    if edition:
        ed = edition_for(kind, edition, frozen_dir)
    else:
        named = document.get("framework") or document.get("指标体系")
        ed = services.scoring.edition_named(JsonDoc(document, {}, source or "案例"), None,
                                            None if named or kind == DEPT else FORM_DEFAULT)
    if store_kind(ed, source) != kind:
        raise InvalidInput("指标体系类型不符", [Problem(
            "E-ST-KIND", f"“{ed.id}”不是{'项目自评表' if kind == PROJECT else '部门整体自评'}的指标体系", source or ed.id)])
    return _score(kind, document, ed, source)


def _score(kind: str, document: dict, ed: Edition, source: str, file_warnings: list[Problem] | None = None) -> Scored:
    """Score a document; ``file_warnings`` (a file's, placed in the file) replace the ones binding
    the plain document gives, so the stored record names the user's own lines and cells."""
    s = services.evaluate(JsonDoc(document, {}, source or ("自评表" if kind == PROJECT else "案例")), ed)
    if file_warnings is not None:
        s = _with_warnings(s, file_warnings)
    r = s.result
    warnings = [str(w) for w in s.warnings]
    if kind == PROJECT:
        form = s.bound
        level1: dict[str, float | None] = {}
        for ln in r.lines:
            key = ln.level1 or "预算执行率"
            level1[key] = (level1.get(key) or 0.0) + (ln.score or 0.0)
        return Scored(PROJECT, document, form.project, form.year, form.unit, ed.id, ed.name, ed.hash, frozen_data(ed),
                      r.to_json(), float(r.total), r.grade or "", r.status, level1, warnings, s)
    case = s.bound
    level1 = {x.name: x.score for x in r.level(1)}
    return Scored(DEPT, document, case.subject, case.year, case.subject, ed.id, ed.name, ed.hash, frozen_data(ed),
                  r.to_json(), float(r.total), r.grade or "", r.status, level1,
                  [str(w) for w in case.warnings] or warnings, s)


def _with_warnings(s: services.Scored, warnings: list[Problem]) -> services.Scored:
    if s.kind == PROJECT_FORM:
        s.result.warnings = list(warnings)
        return dataclasses.replace(s, warnings=list(warnings))
    case = dataclasses.replace(s.bound, warnings=tuple(warnings))
    result = dataclasses.replace(s.result, warnings=tuple(warnings))
    return dataclasses.replace(s, bound=case, result=result, warnings=list(warnings))


def frozen_data(ed: Edition) -> dict:
    """An edition's source data with its ``extends`` resolved: what is frozen with an evaluation
    (shared: do not change it).

    The source data is frozen rather than the validated model: a model dump does not read back
    (defaults such as an empty ``test`` beside a ``fact`` are refused when validated again)."""
    hit = _FROZEN.get(ed.hash)
    if hit is None:
        path = Path(ed.source)
        own = load(path).data
        data = dict(own)
        if ed.extends:
            base = load_edition(ed.extends, path.parent)
            data = resolve_overlay(frozen_data(base), own)
            data.setdefault("kind", base.kind)
        for key in ("extends", "overrides", "layout", "outline", "tests"):
            data.pop(key, None)
        if len(_FROZEN) > 64:
            _FROZEN.clear()
        hit = _FROZEN[ed.hash] = plain(data)
    return hit


def edition_for(kind: str, edition: dict, frozen_dir: Path | None) -> Edition:
    """The edition an evaluation was made with: by its content hash from the registry (the shipped
    one while unchanged, with its workbook layout), else loaded from its frozen copy."""
    want = edition["hash"]
    found = REGISTRY.by_hash(want)
    if found is not None and STORE_KIND.get(found.kind) == kind:
        return found
    path = _frozen_file(kind, edition, frozen_dir)
    ed = load_edition(path)
    if ed.hash != want:
        raise InvalidInput("指标体系版本无法还原", [Problem(
            "E-ST-EDITION", f"“{edition['ref']}”的冻结副本读入后指纹为 {ed.hash[:12]}，与本评价所用版本（{want[:12]}）不同",
            str(path))])
    return ed


def _frozen_file(kind: str, edition: dict, frozen_dir: Path | None) -> Path:
    ref, want = edition["ref"], edition["hash"]
    if frozen_dir is None:
        raise InvalidInput("指标体系版本已变更", [Problem(
            "E-ST-EDITION", f"随附的“{ref}”已与本评价所用版本（{want[:12]}）不同，且未提供冻结副本的目录", ref)])
    frozen_dir.mkdir(parents=True, exist_ok=True)
    path = frozen_dir / f"{want}.{'form' if kind == PROJECT else 'framework'}.yaml"
    if not path.is_file():
        tmp = path.with_suffix(".part")
        # JSON is YAML 1.2, so the edition loader reads it as it reads any edition file.
        tmp.write_text(json.dumps(edition["framework"], ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    return path


def _edition_source(kind: str, edition: dict, frozen_dir: Path | None) -> str:
    """Where a frozen edition loads from: the shipped edition's id while unchanged, else its frozen file."""
    ed = edition_for(kind, edition, frozen_dir)
    return ed.id if ed.shipped else str(_frozen_file(kind, edition, frozen_dir))


def export_document(kind: str, document: dict, path: Path, edition: dict | None = None,
                    frozen_dir: Path | None = None) -> None:
    """Write a stored document back to a case file (YAML or JSON by extension) that reads back equal."""
    from jixiao.intake.export import write_atomic, write_case

    if kind == DEPT and path.suffix.lower() in (".yaml", ".yml", ".xlsx"):
        s = score_document(kind, document, path.name, edition, frozen_dir)
        ed = s.scored.edition
        framework_file = None if ed.shipped or edition is None else _frozen_file(kind, edition, frozen_dir)
        write_case(s.scored.bound, ed.framework, path, framework_file)
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


def report_bytes(kind: str, document: dict, fmt: str, edition: dict | None = None,
                 frozen_dir: Path | None = None) -> bytes:
    """The report service's file (DOCX, PDF, HTML, Markdown or the XLSX scoring sheet) for a stored
    case, drafted by :func:`jixiao.services.draft`, which refuses kinds it cannot report on."""
    from jixiao.reports.build import FILES

    s = score_document(kind, document, "案例", edition, frozen_dir)
    return services.draft(s.scored, [fmt])[FILES[fmt]]
