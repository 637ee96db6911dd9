"""The bulk import path: many files scored in this process, then written in few transactions.

``jixiao db import`` of a folder, the API's bulk import and the benchmark come through here. The
per-file path (:func:`jixiao.store.services.save_scored`) costs one transaction, a row lock and
half a dozen queries per file; here each file is read and scored first (a file with any problem is
reported and adds nothing — all or nothing per file, as before), and then the files that make
**new** evaluations are written a chunk at a time: evaluations with their history rows through
simple-history's ``bulk_create_with_history`` (a plain ``bulk_create`` would record no history),
versions, scores and the same two audit events per file as the per-file path (``evaluation.create``
and ``version.save``), one transaction per chunk. Files that add a version to an existing
evaluation, or that name the same evaluation twice, take the per-file path, which holds the row
lock and the optimistic check; so does a whole chunk when its transaction fails (someone created
one of its evaluations meanwhile), so that each file still succeeds or fails on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history

from jixiao.core.errors import InvalidInput
from jixiao.store import scoring, selectors, services
from jixiao.store.errors import NotAllowed, NotFound, StoreError, from_invalid_input
from jixiao.store.models import AuditEvent, CaseVersion, Evaluation, Role, Score, Unit

CHUNK = 500


@dataclass
class Outcome:
    """What became of one file: stored (``version`` is the new version's number, None when the
    document was unchanged), or refused with ``error``."""

    source: str
    evaluation: Evaluation | None = None
    version: int | None = None
    total: float | None = None
    grade: str = ""
    error: StoreError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def read_files(paths: Iterable[Path], framework: str | None = None,
               workers: int = 1) -> Iterable[tuple[str, scoring.Scored | StoreError]]:
    """Each file read and scored (or the reason it cannot be), in order; nothing is written.
    ``workers``: processes that score while the store writes (see :func:`scoring.read_files`)."""
    for source, got in scoring.read_files(list(paths), framework, workers):
        yield source, from_invalid_input(got, Path(source).name) if isinstance(got, InvalidInput) else got


def import_scored(*, actor, unit_code: str, year: int | None, items: Iterable[tuple[str, scoring.Scored | StoreError]],
                  note: str = "", chunk: int = CHUNK,
                  progress: Callable[[int], None] | None = None) -> list[Outcome]:
    """Store scored documents for one unit; ``items`` are ``(source, Scored or the error reading it)``."""
    unit = Unit.objects.filter(code=unit_code).first()
    if unit is None or (actor is not None and not selectors.units(actor).filter(pk=unit.pk).exists()):
        raise NotFound(f"找不到单位“{unit_code}”；请先用 jixiao db unit {unit_code} 名称 添加")
    may_create = actor is None or Role.ADMIN in services._roles(actor) or unit.pk in {
        m.unit_id for m in selectors.memberships(actor) if m.role == Role.UNIT}
    out: list[Outcome] = []
    batch: list[tuple[Outcome, scoring.Scored]] = []
    done = 0

    def flush() -> None:
        nonlocal done
        if batch:
            _write(actor, unit, year, batch, note, may_create)
            done += len(batch)
            batch.clear()
            if progress:
                progress(done)

    for source, item in items:
        o = Outcome(Path(source).name)
        out.append(o)
        if isinstance(item, StoreError):
            o.error = item
            continue
        batch.append((o, item))
        if len(batch) >= chunk:
            flush()
    flush()
    return out


def _write(actor, unit: Unit, year: int | None, batch: list[tuple[Outcome, scoring.Scored]], note: str,
           may_create: bool) -> None:
    fresh, slow = [], []
    order = {id(o): i for i, (o, _s) in enumerate(batch)}
    keys: set[tuple] = set()
    for o, s in batch:
        try:
            y = services._check_year(s, year, o.source)
        except StoreError as exc:
            o.error = exc
            continue
        key = (y, s.kind, _title(s, unit))
        (slow if key in keys else fresh).append((o, s, key))
        keys.add(key)
    existing = set(Evaluation.objects.filter(unit=unit, year__in={k[0] for k in keys}, title__in={k[2] for k in keys})
                   .values_list("year", "kind", "title"))
    slow += [x for x in fresh if x[2] in existing]
    fresh = [x for x in fresh if x[2] not in existing]
    if fresh and not may_create:
        for o, _s, _k in fresh:
            o.error = NotAllowed("只能为本单位新建评价")
        fresh = []
    if fresh:
        try:
            _create(actor, unit, fresh, note)
        except IntegrityError:
            slow += fresh  # someone created one of them meanwhile: file by file, each on its own
    for o, s, _key in sorted(slow, key=lambda x: order[id(x[0])]):
        try:
            ev, v = services.save_scored(actor=actor, scored=s, unit=unit, year=year, source=o.source,
                                         note=note or f"导入 {o.source}")
        except StoreError as exc:
            o.error = exc
            continue
        o.evaluation, o.version = ev, v.number if v else None
        o.total, o.grade = ev.total, ev.grade


def _title(s: scoring.Scored, unit: Unit) -> str:
    return (s.title or "").strip()[:300] or unit.name


@transaction.atomic
def _create(actor, unit: Unit, rows: list, note: str) -> None:
    """New evaluations, their first versions, scores, history rows and audit events, in one transaction."""
    editions = {}
    for _o, s, _k in rows:
        if s.edition_hash not in editions:
            editions[s.edition_hash] = services.ensure_edition(s)
    evs = [Evaluation(unit=unit, year=k[0], kind=s.kind, title=k[2], edition=editions[s.edition_hash], current=1,
                      total=s.total, grade=s.grade) for _o, s, k in rows]
    evs = bulk_create_with_history(evs, Evaluation, batch_size=CHUNK, default_user=actor,
                                   default_change_reason="批量导入")
    who = services.actor_name(actor)
    versions = CaseVersion.objects.bulk_create(
        [CaseVersion(evaluation=ev, number=1, facts=s.document, digest=s.digest, source=o.source[:255], author=actor,
                     author_name=who, note=note or f"导入 {o.source}") for ev, (o, s, _k) in zip(evs, rows)],
        batch_size=CHUNK)
    Score.objects.bulk_create([Score(version=v, record=s.record, total=s.total, grade=s.grade, status=s.status)
                               for v, (_o, s, _k) in zip(versions, rows)], batch_size=CHUNK)
    events = []
    for ev, v, (o, s, _k) in zip(evs, versions, rows):
        events.append(AuditEvent(actor=actor, actor_name=who, action="evaluation.create", object_type="Evaluation",
                                 object_id=str(ev.pk), evaluation=ev,
                                 detail={"unit": unit.code, "year": ev.year, "kind": ev.kind, "title": ev.title,
                                         "edition": ev.edition.ref, "edition_hash": ev.edition.hash, "bulk": True}))
        events.append(AuditEvent(actor=actor, actor_name=who, action="version.save", object_type="CaseVersion",
                                 object_id=str(v.pk), evaluation=ev, before="", after=v.digest,
                                 detail={"number": 1, "total": s.total, "source": o.source, "note": v.note,
                                         "bulk": True}))
    AuditEvent.objects.bulk_create(events, batch_size=CHUNK)
    for ev, (o, s, _k) in zip(evs, rows):
        o.evaluation, o.version, o.total, o.grade = ev, 1, s.total, s.grade
