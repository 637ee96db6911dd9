"""The audit log cannot be changed by any path; every 4xx answer has one JSON shape; uploads are guarded."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db

SHAPE = {"code", "message", "problems"}


def test_audit_events_cannot_be_changed_or_deleted(world):
    from jixiao.store.models import AppendOnly, AuditEvent

    e = AuditEvent.objects.filter(evaluation=world.ev_a).first()
    assert e is not None and e.actor_name
    e.action = "forged"
    with pytest.raises(AppendOnly):
        e.save()
    with pytest.raises(AppendOnly):
        e.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=e.pk).update(action="forged")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=e.pk).action != "forged"


def test_the_database_itself_refuses_to_update_the_audit_log(world):
    from django.db import DatabaseError, connection, transaction

    from jixiao.store.models import AuditEvent

    e = AuditEvent.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE store_auditevent SET action = %s WHERE id = %s", ["forged", e.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute("DELETE FROM store_auditevent WHERE id = %s", [e.pk])
    assert AuditEvent.objects.get(pk=e.pk).action == e.action


def test_every_write_leaves_an_audit_event(world):
    from jixiao.store.models import AuditEvent

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"unit.create", "user.create", "role.grant", "token.issue", "evaluation.create", "version.save",
            "expert.assign"} <= actions
    v = AuditEvent.objects.filter(action="version.save", evaluation=world.ev_a).get()
    assert v.actor_name == "unit_a" and len(v.after) == 64 and v.after == world.ev_a.versions.get(number=1).digest


def test_the_admin_shows_the_audit_log_read_only(world, client):
    from django.contrib.auth import get_user_model

    from jixiao.store.models import AuditEvent

    boss = get_user_model().objects.create_superuser("boss", "boss@example.org", "a-long-password-1")
    client.force_login(boss)
    e = AuditEvent.objects.first()
    assert client.get("/admin/store/auditevent/").status_code == 200
    page = client.get(f"/admin/store/auditevent/{e.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(f"/admin/store/auditevent/{e.pk}/change/", {"action": "forged"}).status_code == 403
    assert client.post(f"/admin/store/auditevent/{e.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/store/auditevent/add/").status_code == 403
    assert AuditEvent.objects.get(pk=e.pk).action == e.action
    assert "审计日志" in client.get("/admin/").content.decode()


@pytest.mark.parametrize("method,path,body,status", [
    ("get", "/api/v1/nothing-here", None, 404),
    ("delete", "/api/v1/evaluations/{a}/audit", None, 405),
    ("put", "/api/v1/evaluations/{a}/audit", "{}", 405),
    ("get", "/api/v1/evaluations/999999", None, 404),
    ("get", "/api/v1/evaluations/{b}", None, 404),  # out of unit_a's scope
    ("get", "/api/v1/evaluations?limit=0", None, 400),
    ("get", "/api/v1/evaluations?year=abc", None, 422),
    ("post", "/api/v1/evaluations/{a}/versions", "{\"base_version\": 1}", 422),
    ("post", "/api/v1/evaluations/{a}/versions", "not json", 400),
    ("post", "/api/v1/evaluations/{a}/versions", "{\"facts\": {}, \"base_version\": 1}", 400),
    ("post", "/api/v1/evaluations/{a}/versions", "{\"facts\": {}, \"base_version\": 7}", 409),
    ("post", "/api/v1/evaluations/{a}/transitions", "{\"action\": \"approve\"}", 403),
    ("get", "/api/v1/evaluations/{a}/report?format=exe", None, 400),
])
def test_every_4xx_has_the_one_shape_in_chinese(world, method, path, body, status):
    c = world.client("unit_a")
    url = path.format(a=world.ev_a.id, b=world.ev_b.id)
    kwargs = {"content_type": "application/json", "data": body} if body is not None else {}
    r = getattr(c, method)(url, **kwargs)
    assert r.status_code == status, r.content[:300]
    out = r.json()
    assert set(out) == SHAPE and out["code"] and isinstance(out["problems"], list)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in out["message"]), out["message"]


def test_a_browser_session_needs_its_csrf_token(world):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(world.users["unit_a"])
    assert c.get(f"/api/v1/evaluations/{world.ev_a.id}").status_code == 200
    r = c.post(f"/api/v1/evaluations/{world.ev_a.id}/transitions", json.dumps({"action": "submit"}),
               content_type="application/json")
    assert r.status_code == 403 and set(r.json()) == SHAPE
    world.ev_a.refresh_from_db()
    assert world.ev_a.state == "draft"


def test_openapi_is_published(world):
    r = world.client("unit_a").get("/api/v1/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/v1/evaluations/{pk}/transitions" in paths and "/api/v1/evaluations/import" in paths


def upload(world, who, name, data, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return world.client(who).post(f"/api/v1/evaluations/{world.ev_a.id}/attachments",
                                  {"file": SimpleUploadedFile(name, data), **extra})


def test_attachments_are_stored_by_hash_never_at_the_users_path(world, data_dir):
    import hashlib

    pdf = b"%PDF-1.4 evidence"
    r = upload(world, "unit_a", "../../etc/passwd.pdf", pdf, target="预算符合职责")
    assert r.status_code == 201, r.content
    body = r.json()
    sha = hashlib.sha256(pdf).hexdigest()
    assert body["name"] == "passwd.pdf" and body["sha256"] == sha and body["size"] == len(pdf)
    assert (data_dir / "attachments" / sha[:2] / sha).read_bytes() == pdf
    got = world.client("dept_a").get(f"/api/v1/attachments/{body['id']}")
    assert got.status_code == 200 and b"".join(got.streaming_content) == pdf
    assert world.client("unit_b").get(f"/api/v1/attachments/{body['id']}").status_code == 404


@pytest.mark.parametrize("name,data,code", [
    ("evil.exe", b"MZ...", "E-ST-TYPE"),
    ("fake.pdf", b"<html>not a pdf</html>", "E-ST-TYPE"),
    ("empty.png", b"", "E-ST-EMPTY-FILE"),
    ("big.txt", b"x" * 2048, "E-ST-TOO-LARGE"),
])
def test_attachments_outside_the_allow_list_or_the_limit_are_refused(world, settings, data_dir, name, data, code):
    from jixiao.store.models import Attachment

    settings.JIXIAO_MAX_UPLOAD = 1024
    r = upload(world, "unit_a", name, data)
    assert r.status_code == 400 and r.json()["code"] == code, r.content
    assert not Attachment.objects.exists() and not (data_dir / "attachments").exists()
