"""The bulk import path writes what the per-file path writes (versions, scores, history rows, audit
events), in few transactions; and the current total and grade copied onto Evaluation stay equal to
the current version's Score through every write path."""

from __future__ import annotations

import copy
import json

import pytest
from tests.store.conftest import move

pytestmark = pytest.mark.django_db


def consistent() -> int:
    """Every evaluation's copied total and grade equal its current Score's; returns how many checked."""
    from jixiao.store.models import Evaluation, Score

    n = 0
    for ev in Evaluation.objects.all():
        s = Score.objects.filter(version__evaluation=ev, version__number=ev.current).first()
        assert s is not None, ev
        assert (ev.total, ev.grade) == (s.total, s.grade), (ev, ev.total, s.total)
        n += 1
    return n


def form_variant(form_scored, name: str, factor: float = 1.0):
    from jixiao.store import scoring

    doc = copy.deepcopy(form_scored.document)
    doc["项目名称"] = name
    for row in doc["绩效指标"]:
        if isinstance(row.get("实际完成值"), (int, float)):
            row["实际完成值"] = round(row["实际完成值"] * factor, 1)
    return scoring.score_document(scoring.PROJECT, doc, source=f"{name}.yaml")


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_every_write_path_keeps_the_current_total(world, seed_scored, form_scored, monkeypatch):
    from jixiao.store import bulk, services

    assert consistent() == 2
    c = world.client("unit_a")
    url = f"/api/v1/evaluations/{world.ev_a.id}"
    doc = copy.deepcopy(seed_scored.document)
    doc["facts"]["实际政府采购金额"]["value"] *= 2
    r = post(c, url + "/versions", {"facts": doc, "base_version": 1})
    assert r.status_code == 201
    world.ev_a.refresh_from_db()
    assert world.ev_a.total == r.json()["total"] != seed_scored.total
    assert c.get(url).json()["total"] == world.ev_a.total
    consistent()
    # An upload of the original file: a third version, back to the first total.
    from tests.store.conftest import SEED

    r = c.post(url + "/upload", {"base_version": 2, "file": SEED.open("rb")})
    assert r.status_code == 201, r.content
    world.ev_a.refresh_from_db()
    assert world.ev_a.total == pytest.approx(seed_scored.total)
    consistent()
    # An adjustment by the reviewer rescoring one indicator.
    move(world, world.ev_b, ("submit", "unit_b"))
    before = world.ev_b.total
    a = post(world.client("dept_b"), f"/api/v1/evaluations/{world.ev_b.id}/adjustments",
             {"target": form_scored.document["绩效指标"][0]["三级指标"], "value": 0, "reason": "核实为零"})
    assert a.status_code == 201, a.content
    world.ev_b.refresh_from_db()
    assert world.ev_b.current == 2 and world.ev_b.total != before
    consistent()
    # A rescore under the frozen edition (the shipped one moved on) on the next save.
    from jixiao.intake.editions import REGISTRY

    monkeypatch.setattr(REGISTRY, "by_hash", lambda digest: None)
    ev, v = services.save_scored(actor=None, scored=seed_scored, unit=world.units["440101"], year=2020, source="again")
    assert v is None  # same document as version 3
    doc["facts"]["实际政府采购金额"]["value"] *= 2
    services.save_version(actor=world.users["unit_a"], evaluation=world.ev_a, document=doc, base_version=3)
    world.ev_a.refresh_from_db()
    assert world.ev_a.current == 4
    consistent()
    # The bulk path: new evaluations and a new version of an existing one.
    out = bulk.import_scored(actor=None, unit_code="440201", year=None,
                             items=[("n1.yaml", form_variant(form_scored, "新项目一", 0.8)),
                                    ("b.yaml", form_variant(form_scored, world.ev_b.title, 0.5))])
    assert [o.ok for o in out] == [True, False] and out[1].error.status == 409  # 已送审: no new version
    out = bulk.import_scored(actor=None, unit_code="440201", year=None,
                             items=[("n1.yaml", form_variant(form_scored, "新项目一", 0.5))])
    assert out[0].ok and out[0].version == 2
    assert consistent() == 3


def test_the_list_shows_the_copied_total_and_grade(world, form_scored):
    r = world.client("finance").get("/api/v1/evaluations?limit=10").json()
    got = {i["id"]: (i["total"], i["grade"]) for i in r["items"]}
    assert got[world.ev_b.id] == (pytest.approx(form_scored.total), form_scored.grade)


def test_bulk_writes_what_the_per_file_path_writes(world, form_scored):
    from jixiao.store import bulk, services
    from jixiao.store.models import AuditEvent, Evaluation

    one = form_variant(form_scored, "对照项目", 0.9)
    ev1, _ = services.save_scored(actor=None, scored=one, unit=world.units["440101"], year=None, source="a.yaml",
                                  note="导入 a.yaml")  # as import_file calls it
    out = bulk.import_scored(actor=None, unit_code="440201", year=2022, items=[("a.yaml", one)])
    ev2 = out[0].evaluation
    assert out[0].ok and out[0].version == 1
    v1, v2 = ev1.versions.get(), ev2.versions.get()
    assert (v1.facts, v1.digest, v1.source, v1.note, v1.author_name) == (v2.facts, v2.digest, v2.source, v2.note,
                                                                          v2.author_name)
    assert (v1.score.record, v1.score.total, v1.score.grade, v1.score.status) == (
        v2.score.record, v2.score.total, v2.score.grade, v2.score.status)
    e1 = Evaluation.objects.get(pk=ev1.pk)
    e2 = Evaluation.objects.get(pk=ev2.pk)
    assert (e1.title, e1.year, e1.kind, e1.edition_id, e1.current, e1.total, e1.grade, e1.state) == (
        e2.title, e2.year, e2.kind, e2.edition_id, e2.current, e2.total, e2.grade, e2.state)
    # History: one creation row each, with the copied total.
    h1, h2 = list(e1.history.all()), list(e2.history.all())
    assert [h.history_type for h in h2] == ["+"] and h2[0].total == e2.total and h2[0].current == 1
    assert h1[0].total == e1.total  # the per-file path's last history row (after the version)
    # Audit: the same actions, with the same digests.
    a1 = list(AuditEvent.objects.filter(evaluation=e1).order_by("id").values_list("action", "after", "actor_name"))
    a2 = list(AuditEvent.objects.filter(evaluation=e2).order_by("id").values_list("action", "after", "actor_name"))
    assert a1 == a2 and [a[0] for a in a2] == ["evaluation.create", "version.save"]


def test_bulk_is_all_or_nothing_per_file_and_keeps_the_order(world, form_scored, tmp_path):
    from tests.store.conftest import FORM

    from jixiao.store import bulk
    from jixiao.store.models import AuditEvent, CaseVersion, Evaluation

    good = [tmp_path / f"f{i}.yaml" for i in range(5)]
    text = FORM.read_text(encoding="utf-8")
    name = form_scored.document["项目名称"]
    for i, p in enumerate(good):
        p.write_text(text.replace(name, f"批量项目{i}"), encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(name, "坏项目").replace("年度:", "年度: 不是年份 #"), encoding="utf-8")
    dup = tmp_path / "dup.yaml"
    dup.write_text(text.replace(name, "批量项目1").replace("年度:", "年度: 2022 #"), encoding="utf-8")
    before = (Evaluation.objects.count(), CaseVersion.objects.count(), AuditEvent.objects.count())
    paths = [good[0], good[1], bad, good[2], dup, good[3], good[4]]
    out = bulk.import_scored(actor=None, unit_code="440201", year=None, items=bulk.read_files(paths), chunk=3)
    assert [o.source for o in out] == [p.name for p in paths]
    assert [o.ok for o in out] == [True, True, False, True, True, True, True]
    assert out[2].error.problems and all(o.evaluation for o in out if o.ok)
    assert out[4].evaluation.pk == out[1].evaluation.pk  # the same project again: its next version, if changed
    after = (Evaluation.objects.count(), CaseVersion.objects.count(), AuditEvent.objects.count())
    assert after[0] - before[0] == 5
    assert after[1] - before[1] == 5 + (1 if out[4].version else 0)
    assert not Evaluation.objects.filter(title="坏项目").exists()
    consistent()


def test_a_chunk_whose_transaction_fails_goes_file_by_file(world, form_scored, monkeypatch):
    from django.db import IntegrityError

    from jixiao.store import bulk

    def clash(*args, **kwargs):
        raise IntegrityError("as if another import created one of them meanwhile")

    monkeypatch.setattr(bulk, "_create", clash)
    out = bulk.import_scored(actor=None, unit_code="440201", year=None,
                             items=[(f"g{i}.yaml", form_variant(form_scored, f"回退项目{i}")) for i in range(3)])
    assert [o.ok and o.version == 1 for o in out] == [True] * 3
    consistent()


def test_bulk_checks_who_may_import(world, form_scored):
    from jixiao.store import bulk
    from jixiao.store.errors import NotAllowed, NotFound

    items = [("x.yaml", form_variant(form_scored, "权限项目"))]
    with pytest.raises(NotFound):
        bulk.import_scored(actor=world.users["unit_a"], unit_code="440201", year=None, items=items)
    out = bulk.import_scored(actor=world.users["dept_b"], unit_code="440201", year=None, items=items)
    assert isinstance(out[0].error, NotAllowed)
    out = bulk.import_scored(actor=world.users["unit_b"], unit_code="440201", year=None, items=items)
    assert out[0].ok and out[0].evaluation.versions.get().author_name == "unit_b"
    out = bulk.import_scored(actor=None, unit_code="440201", year=2021, items=items)
    assert out[0].error.code == "E-ST-YEAR"


def test_api_bulk_import_keeps_each_files_place_and_refuses_the_oversized(world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from tests.store.conftest import FORM

    text = FORM.read_text(encoding="utf-8")
    name = "委托业务项目"
    settings.JIXIAO_MAX_UPLOAD = len(text.encode()) + 1024
    files = [SimpleUploadedFile("表.yaml", text.replace(name, "甲项目").encode()),
             SimpleUploadedFile("big.yaml", b"x" * (settings.JIXIAO_MAX_UPLOAD + 1)),
             SimpleUploadedFile("表.yaml", text.replace(name, "乙项目").encode()),  # the same name again
             SimpleUploadedFile("../../etc/坏.yaml", b"- not: [a form")]
    r = world.client("unit_b").post("/api/v1/evaluations/import", {"unit": "440201", "files": files})
    assert r.status_code == 200, r.content[:300]
    body = r.json()
    assert [x["file"] for x in body["results"]] == ["表.yaml", "big.yaml", "表.yaml", "坏.yaml"]
    assert [x["ok"] for x in body["results"]] == [True, False, True, False]
    assert body["results"][1]["code"] == "E-ST-TOO-LARGE" and body["results"][3]["code"] == "E-ST-INPUT"
    assert body["imported"] == 2 and body["failed"] == 2
    consistent()


def test_bulk_inserts_json_as_values_not_unnest_arrays(world, form_scored):
    """Django 5.2 would insert the bulk's rows on PostgreSQL as UNNEST(%s::jsonb[]), and psycopg
    escapes such an array in Python — most of an import's writing. The store's JSONField keeps the
    VALUES form; the records read back whole either way."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jixiao.store import bulk
    from jixiao.store.models import Score

    items = [(f"{n}.yaml", form_variant(form_scored, f"批量{n}", 0.8 + n / 10)) for n in range(3)]
    with CaptureQueriesContext(connection) as seen:
        out = bulk.import_scored(actor=None, unit_code="440201", year=2022, items=items)
    assert all(o.ok for o in out)
    inserts = [q["sql"] for q in seen.captured_queries if q["sql"].startswith("INSERT INTO")]
    for table in ("store_score", "store_caseversion", "store_auditevent"):
        mine = [q for q in inserts if q.startswith(f'INSERT INTO "{table}"')]
        assert len(mine) == 1 and "UNNEST" not in mine[0], (table, [q[:120] for q in mine])
    for o, (_source, s) in zip(out, items):
        assert Score.objects.get(version__evaluation=o.evaluation).record == s.record


def test_json_is_written_as_utf8_not_unicode_escapes(world, form_scored):
    """Chinese text goes to the database as itself, not as six-byte \\uXXXX escapes (a third of
    the bytes of a score record, which PostgreSQL's JSONB parser would decode again); it reads
    back the same."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jixiao.store import bulk
    from jixiao.store.models import CaseVersion, Score

    item = ("甲.yaml", form_variant(form_scored, "统一编码项目", 0.9))
    with CaptureQueriesContext(connection) as seen:
        [o] = bulk.import_scored(actor=None, unit_code="440201", year=2022, items=[item])
    assert o.ok
    inserts = [q["sql"] for q in seen.captured_queries if q["sql"].startswith('INSERT INTO "store_score"')]
    assert len(inserts) == 1
    if connection.vendor == "postgresql":  # the client binds the literal into the statement
        assert "统一编码项目" in inserts[0] and "\\u7edf" not in inserts[0]
    table = {"postgresql": "record::text", "sqlite": "record"}[connection.vendor]
    with connection.cursor() as cur:
        cur.execute(f"SELECT {table} FROM store_score WHERE id = %s",
                    [Score.objects.get(version__evaluation=o.evaluation).pk])
        raw = cur.fetchone()[0]
    assert "统一编码项目" in raw and "\\u7edf" not in raw
    assert Score.objects.get(version__evaluation=o.evaluation).record == item[1].record
    assert CaseVersion.objects.get(evaluation=o.evaluation).facts == item[1].document


def test_large_json_columns_are_compressed_with_lz4_on_postgresql(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not compress")
    with connection.cursor() as cur:
        cur.execute("SELECT c.relname, a.attname, a.attcompression FROM pg_attribute a "
                    "JOIN pg_class c ON c.oid = a.attrelid WHERE (c.relname, a.attname) IN "
                    "(('store_score', 'record'), ('store_caseversion', 'facts'), ('store_edition', 'framework'))")
        got = sorted(cur.fetchall())
    assert got == [("store_caseversion", "facts", "l"), ("store_edition", "framework", "l"),
                   ("store_score", "record", "l")]
