"""A bound case written back out as YAML, JSON or XLSX (``jixiao convert``), never half-written.

:func:`case_document` turns a :class:`~jixiao.core.facts.Case` into the plain case format (the
one ``docs/intake.md`` describes): money in its declared unit, rates as exact percentages
(``292.77%``), judgements as ``{met, evidence}``. Reading that document again gives the same facts.
Every writer writes to a staging file beside the target and renames it into place only when
the whole file is written (:mod:`jixiao.io.staging`), so a failure leaves the target as it was.
"""

from __future__ import annotations

import io
import json
import os
from decimal import Decimal
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from jixiao.core.facts import Case, Fact, Judgement
from jixiao.core.model import Framework
from jixiao.frameworks import shipped_path
from jixiao.intake.case import LIST_MONEY_UNIT
from jixiao.io.staging import staged_file, write_bytes


def percent(value: float) -> str:
    """A fraction as an exact percentage: 2.9277 → ``292.77%`` (no float noise)."""
    d = (Decimal(repr(float(value))) * 100).normalize()
    text = format(d, "f")
    return f"{text}%"


def number_out(value, kind: str):
    if kind == "count" and float(value).is_integer():
        return int(value)
    return float(value)


def fact_entry(spec, given, money_unit: str = ""):
    """One fact in the case format; a bare value when there is no evidence or unit to keep."""
    if isinstance(given, Judgement):
        if given.points is not None:
            return {"points": number_out(given.points, "score"), "evidence": given.evidence}
        if given.met and not given.evidence:
            return True
        return {"met": bool(given.met), "evidence": given.evidence}
    assert isinstance(given, Fact)
    value = given.value
    if spec.type == "level":
        return {"level": value, "evidence": given.evidence} if given.evidence else {"level": value}
    if spec.type == "score":
        out = {"score": number_out(value, "score")}
        if given.evidence:
            out["justification"] = given.evidence
        return out
    if spec.type == "flag":
        value = "是" if value else "否"
    elif spec.type == "rate":
        value = percent(value)
    elif spec.type in ("money", "number", "count"):
        value = number_out(value, spec.type)
    if spec.type == "money" and money_unit and spec.unit != money_unit:
        # The value is in the declared unit; read bare it would be taken in the case's money_unit.
        out = {"value": value, "unit": spec.unit}
        if given.evidence:
            out["evidence"] = given.evidence
        return out
    return {"value": value, "evidence": given.evidence} if given.evidence else value


def case_document(case: Case, fw: Framework) -> dict:
    """The case in the plain format, facts in the framework's order.

    Money is written in the unit it is held in (each fact's declared unit; 万元 in lists), with
    that unit named wherever it differs from the case's ``money_unit``."""
    facts = {}
    for name, spec in fw.facts.items():
        if name in case.facts:
            facts[name] = fact_entry(spec, case.facts[name], case.money_unit)
    lists = {}
    for name, items in case.lists.items():
        spec = fw.lists[name]
        rows = []
        for item in items:
            row = {}
            for field, kind in spec.fields.items():
                v = item.get(field)
                if v is None:
                    continue
                if kind == "flag":
                    v = "是" if v else "否"
                elif kind == "money" and case.money_unit != LIST_MONEY_UNIT:
                    v = f"{number_out(v, kind)!r}{LIST_MONEY_UNIT}"  # list money is held in 万元
                elif kind in ("money", "number", "count"):
                    v = number_out(v, kind)
                row[field] = v
            rows.append(row)
        lists[name] = rows
    doc: dict = {"subject": case.subject, "year": case.year, "framework": case.framework, "money_unit": case.money_unit,
                 "facts": facts}
    if lists:
        doc["lists"] = lists
    if case.stated:
        doc["stated"] = {k: percent(v) for k, v in case.stated.items()}
    if case.narrative:
        doc["narrative"] = case.narrative
    return doc


def _flowing(value, depth: int = 0):
    """Small mappings inside facts in flow style ({value: …, evidence: …}), as people write them."""
    if isinstance(value, dict):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = _flowing(v, depth + 1)
        if depth >= 2 and all(not isinstance(v, (dict, list)) for v in value.values()):
            m.fa.set_flow_style()
        return m
    if isinstance(value, list):
        return [_flowing(v, depth + 1) for v in value]
    return value


def write_atomic(path: Path, write) -> None:
    """Call ``write(tmp_path)`` on a staging file beside ``path``, then rename it into place
    (:func:`jixiao.io.staging.staged_file`: same file system, the replaced file's mode or the
    umask's, no staging file left after a failure, Ctrl-C or SIGTERM)."""
    with staged_file(Path(path)) as tmp:
        write(tmp)


def write_rendered(path: Path, render) -> None:
    """Render with ``render(buffer)`` into memory first, then write the bytes as
    :func:`write_atomic` does. Rendering in memory means no half-closed zip or YAML stream is
    left for the garbage collector to trip over (“Exception ignored … OSError” on a full disk)."""
    buffer = io.BytesIO()
    render(buffer)
    write_bytes(Path(path), buffer.getvalue())


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (through links, ``./`` or case-insensitive folders)."""
    try:
        return Path(a).resolve() == Path(b).resolve() or (Path(b).exists() and os.path.samefile(a, b))
    except OSError:
        return False


def write_case(case: Case, fw: Framework, path: Path, framework_file: Path | None = None) -> None:
    """Write a bound case as YAML, JSON or XLSX, chosen by the file's extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    doc = case_document(case, fw)
    if framework_file is not None and shipped_path(fw.id) is None:
        # A user's framework file: name it relative to the new file, so the two can move together.
        doc["framework"] = os.path.relpath(Path(framework_file).resolve(), path.resolve().parent).replace(os.sep, "/")
    if suffix in (".yaml", ".yml"):
        def write(out: io.BytesIO) -> None:
            yaml = YAML(typ="rt")
            yaml.allow_unicode = True
            yaml.width = 4096
            yaml.indent(mapping=2, sequence=4, offset=2)
            text = io.StringIO()
            text.write(f"# {case.subject} {case.year} 年度：案例事实（由 jixiao convert 生成）\n")
            yaml.dump(_flowing(doc), text)
            out.write(text.getvalue().encode("utf-8"))
    elif suffix == ".json":
        def write(out: io.BytesIO) -> None:
            out.write((json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    elif suffix == ".xlsx":
        from jixiao.intake.layout import layout_for
        from jixiao.intake.template import build_workbook

        layout = layout_for(fw, framework_file)

        def write(out: io.BytesIO) -> None:
            build_workbook(fw, layout, doc).save(out)
    else:
        raise ValueError(suffix)  # the CLI refuses other extensions before reading anything
    write_rendered(path, write)
