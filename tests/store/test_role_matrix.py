"""The rest of the role × endpoint matrix (test_roles.py has the reads, saving, adjusting, opinions,
units and experts), and bounded inputs: every endpoint answers each role as its scope and role say,
outside scope 404; and no value too long or too large for its column reaches the database (which
PostgreSQL would answer with a server error), on either database."""

from __future__ import annotations

import json

import pytest
from tests.store.conftest import SEED, move

pytestmark = pytest.mark.django_db

ROLES = ["unit_a", "unit_b", "dept_a", "dept_b", "finance", "finance_other", "expert", "expert_idle", "admin"]
SEES_A = {"unit_a", "dept_a", "finance", "expert", "admin"}


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def expect(who: str, in_scope: int) -> int:
    return in_scope if who in SEES_A else 404


@pytest.mark.parametrize("who", ROLES)
def test_scoring_a_draft_is_for_everyone_in_scope_and_changes_nothing(world, seed_scored, who):
    r = post(world.client(who), f"/api/v1/evaluations/{world.ev_a.id}/score", {"facts": seed_scored.document})
    assert r.status_code == expect(who, 200), r.content[:200]
    if r.status_code == 200:
        assert r.json()["total"] == pytest.approx(seed_scored.total)
    world.ev_a.refresh_from_db()
    assert world.ev_a.current == 1


UPLOAD = {"unit_a": 201, "dept_a": 403, "finance": 403, "expert": 403, "admin": 403}


@pytest.mark.parametrize("who", ROLES)
def test_who_may_upload_a_new_version(world, seed_scored, who):
    doc = dict(seed_scored.document, narrative={"概况": "上传"})
    f = upload("case.json", json.dumps(doc, ensure_ascii=False).encode())
    r = world.client(who).post(f"/api/v1/evaluations/{world.ev_a.id}/upload", {"base_version": 1, "file": f})
    assert r.status_code == expect(who, UPLOAD.get(who, 404)), r.content[:300]
    world.ev_a.refresh_from_db()
    assert world.ev_a.current == (2 if r.status_code == 201 else 1)


SUBMIT = {"unit_a": 200, "dept_a": 403, "finance": 403, "expert": 403, "admin": 403}


@pytest.mark.parametrize("who", ROLES)
def test_who_may_submit(world, who):
    r = post(world.client(who), f"/api/v1/evaluations/{world.ev_a.id}/transitions", {"action": "submit"})
    assert r.status_code == expect(who, SUBMIT.get(who, 404)), r.content[:300]
    world.ev_a.refresh_from_db()
    assert world.ev_a.state == ("submitted" if r.status_code == 200 else "draft")


# Evidence: the 填报人 while a draft; the current reviewers (主管部门, the assigned expert) once submitted.
ATTACH_DRAFT = {"unit_a": 201, "dept_a": 403, "finance": 403, "expert": 403, "admin": 403}
ATTACH_SUBMITTED = {"unit_a": 403, "dept_a": 201, "finance": 403, "expert": 201, "admin": 403}


@pytest.mark.parametrize("who", ROLES)
def test_who_may_attach_evidence_and_who_may_download_it(world, who):
    from jixiao.store.models import Attachment

    c = world.client(who)
    url = f"/api/v1/evaluations/{world.ev_a.id}/attachments"
    r = c.post(url, {"file": upload("证明.txt", "证明".encode()), "target": "预算编制合理性"})
    assert r.status_code == expect(who, ATTACH_DRAFT.get(who, 404)), r.content[:300]
    move(world, world.ev_a, ("submit", "unit_a"))
    r = c.post(url, {"file": upload("证明.txt", "证明".encode())})
    assert r.status_code == expect(who, ATTACH_SUBMITTED.get(who, 404)), r.content[:300]
    from jixiao.store import services

    att = services.add_attachment(actor=None, evaluation=world.ev_a,
                                  name="a.pdf", data=b"%PDF-1.4 x")
    r = c.get(f"/api/v1/attachments/{att.id}")
    assert r.status_code == expect(who, 200)
    if r.status_code == 200:
        assert b"".join(r.streaming_content) == b"%PDF-1.4 x"
    else:
        assert r.json()["code"] == "E-ST-NOT-FOUND"
    assert Attachment.objects.filter(evaluation=world.ev_a).count() >= 1


@pytest.mark.parametrize("who", ROLES)
def test_bulk_import_over_the_api_by_role(world, who):
    from jixiao.store.models import Evaluation

    before = Evaluation.objects.count()
    r = world.client(who).post("/api/v1/evaluations/import",
                               {"unit": "440101", "files": [upload("另一份.yaml", SEED.read_bytes().replace(
                                   "深圳市社会保险基金管理局".encode(), "另一个单位".encode()))]})
    created = Evaluation.objects.count() - before
    if who in ("unit_a", "admin"):
        assert r.status_code == 200 and r.json()["imported"] == 1 and created == 1, r.content[:300]
    elif who in ("dept_a", "finance", "expert"):  # the unit is in scope, but only the unit (or 管理员) creates
        assert r.status_code == 200 and r.json()["failed"] == 1 and created == 0
        assert r.json()["results"][0]["code"] == "E-ST-FORBIDDEN"
    else:
        assert r.status_code == 404 and created == 0


@pytest.mark.parametrize("who", ROLES)
def test_me_names_the_callers_roles(world, who):
    r = world.client(who).get("/api/v1/me")
    assert r.status_code == 200 and r.json()["username"] == who and r.json()["roles"]


# --- bounded inputs --------------------------------------------------------------------------------

BIG = 10 ** 30


@pytest.mark.parametrize("path", [
    f"/api/v1/evaluations/{BIG}", f"/api/v1/evaluations/{BIG}/versions/1", "/api/v1/evaluations/{a}/versions/" + str(BIG),
    f"/api/v1/evaluations?after={BIG}", f"/api/v1/evaluations?year={BIG}", f"/api/v1/units?after={BIG}",
    f"/api/v1/attachments/{BIG}", "/api/v1/evaluations/{a}/audit?after=" + str(BIG),
    "/api/v1/evaluations/{a}/report?format=html&version=" + str(BIG), "/api/v1/evaluations?after=-5",
])
def test_huge_numbers_are_refused_or_not_found_never_a_server_error(world, path):
    r = world.client("finance").get(path.format(a=world.ev_a.id))
    assert r.status_code in (400, 404, 422), (r.status_code, r.content[:300])
    assert set(r.json()) == {"code", "message", "problems"}


def test_too_long_texts_are_refused_with_nothing_changed(world):
    from jixiao.store.models import AuditEvent, Opinion, Unit

    before = AuditEvent.objects.count()
    admin = world.client("admin")
    r = post(admin, "/api/v1/units", {"code": "440109", "name": "名" * 201, "parent": "4401"})
    assert r.status_code == 400 and r.json()["code"] == "E-ST-TOO-LONG" and "200" in r.json()["message"]
    assert not Unit.objects.filter(code="440109").exists()
    ev = move(world, world.ev_a, ("submit", "unit_a"))
    dept = world.client("dept_a")
    r = post(dept, f"/api/v1/evaluations/{ev.id}/opinions", {"text": "意见", "indicator": "指" * 301})
    assert r.status_code == 400 and r.json()["code"] == "E-ST-TOO-LONG"
    r = post(dept, f"/api/v1/evaluations/{ev.id}/opinions", {"text": "长" * 20001})
    assert r.status_code == 400 and r.json()["code"] == "E-ST-TOO-LONG"
    r = post(dept, f"/api/v1/evaluations/{ev.id}/transitions", {"action": "return", "opinion": "退" * 20001})
    assert r.status_code == 400
    r = post(dept, f"/api/v1/evaluations/{ev.id}/adjustments",
             {"target": "预算符合职责", "value": False, "reason": "理" * 20001})
    assert r.status_code == 400
    assert not Opinion.objects.filter(evaluation=ev).exists()
    ev.refresh_from_db()
    assert ev.state == "submitted" and ev.current == 1
    assert AuditEvent.objects.count() == before + 1  # the submit only
    # At the limits, accepted.
    r = post(dept, f"/api/v1/evaluations/{ev.id}/opinions", {"text": "长" * 20000, "indicator": "指" * 300})
    assert r.status_code == 201, r.content[:300]
