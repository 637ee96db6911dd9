"""The workflow table at work: every legal step, and illegal ones answered 409 with nothing changed."""

from __future__ import annotations

import json

import pytest
from tests.store.conftest import move

pytestmark = pytest.mark.django_db


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def state_of(ev):
    ev.refresh_from_db()
    return ev.state


def test_the_whole_way_to_final_review_and_back(world):
    ev = world.ev_a
    steps = [("unit_a", "submit", "", "submitted"), ("dept_a", "approve", "", "dept_reviewed"),
             ("finance", "finalize", "", "final"), ("finance", "reopen", "复核发现满意度数据有误", "dept_reviewed"),
             ("finance", "return_to_dept", "请核对满意度", "submitted"), ("dept_a", "return", "请补充佐证", "draft")]
    for who, action, text, want in steps:
        r = post(world.client(who), f"/api/v1/evaluations/{ev.id}/transitions", {"action": action, "opinion": text})
        assert r.status_code == 200, r.content
        assert r.json()["state"] == want
    from jixiao.store.models import AuditEvent, Opinion

    actions = list(AuditEvent.objects.filter(evaluation=ev, action__startswith="transition.")
                   .order_by("id").values_list("action", flat=True))
    assert actions == [f"transition.{s[1]}" for s in steps]
    # 退回 and reopen keep their text as an opinion at the state they left.
    assert [(o.state, o.text) for o in Opinion.objects.filter(evaluation=ev).order_by("id")] == [
        ("final", "复核发现满意度数据有误"), ("dept_reviewed", "请核对满意度"), ("submitted", "请补充佐证")]


def test_withdraw_only_before_review(world):
    ev = move(world, world.ev_a, ("submit", "unit_a"))
    assert post(world.client("unit_a"), f"/api/v1/evaluations/{ev.id}/transitions", {"action": "withdraw"}).status_code == 200
    move(world, ev, ("submit", "unit_a"), ("approve", "dept_a"))
    r = post(world.client("unit_a"), f"/api/v1/evaluations/{ev.id}/transitions", {"action": "withdraw"})
    assert r.status_code == 409
    assert r.json()["code"] == "E-ST-STATE" and "主管部门已审" in r.json()["message"]
    assert state_of(ev) == "dept_reviewed"


@pytest.mark.parametrize("who,action,text,status", [
    ("dept_a", "return", "", 400),         # 退回 without an opinion
    ("finance", "finalize", "", 409),      # skips 主管部门 review
    ("unit_a", "approve", "", 403),        # a unit cannot approve its own
    ("dept_a", "finalize", "", 403),       # only 财政 gives 终审
    ("finance", "reopen", "理由", 409),     # nothing to reopen
    ("expert", "approve", "", 403),        # experts score, they do not move the workflow
    ("dept_b", "approve", "", 404),        # another 主管部门's unit: not found
    ("dept_a", "jump", "", 400),           # not an action at all
])
def test_illegal_transitions_change_nothing(world, who, action, text, status):
    from jixiao.store.models import AuditEvent

    ev = move(world, world.ev_a, ("submit", "unit_a"))
    before = AuditEvent.objects.count()
    r = post(world.client(who), f"/api/v1/evaluations/{ev.id}/transitions", {"action": action, "opinion": text})
    assert r.status_code == status, r.content
    assert set(r.json()) == {"code", "message", "problems"}
    assert state_of(ev) == "submitted"
    assert AuditEvent.objects.count() == before


def test_reopen_needs_finance_and_a_reason(world):
    ev = move(world, world.ev_a, ("submit", "unit_a"), ("approve", "dept_a"), ("finalize", "finance"))
    assert post(world.client("finance"), f"/api/v1/evaluations/{ev.id}/transitions", {"action": "reopen"}).status_code == 400
    assert post(world.client("dept_a"), f"/api/v1/evaluations/{ev.id}/transitions",
                {"action": "reopen", "opinion": "x"}).status_code == 403
    assert post(world.client("finance_other"), f"/api/v1/evaluations/{ev.id}/transitions",
                {"action": "reopen", "opinion": "x"}).status_code == 404
    assert state_of(ev) == "final"


def test_submit_needs_a_saved_version_and_stale_state_is_named(world):
    ev = world.ev_a
    r = post(world.client("unit_a"), f"/api/v1/evaluations/{ev.id}/transitions",
             {"action": "submit", "expected_state": "submitted"})
    assert r.status_code == 409 and r.json()["code"] == "E-ST-STALE"
    move(world, ev, ("submit", "unit_a"))
    r = post(world.client("dept_a"), f"/api/v1/evaluations/{ev.id}/transitions",
             {"action": "approve", "expected_state": "draft"})
    assert r.status_code == 409 and "unit_a" in r.json()["message"]


def test_no_new_version_outside_draft(world, seed_scored):
    ev = move(world, world.ev_a, ("submit", "unit_a"))
    r = post(world.client("unit_a"), f"/api/v1/evaluations/{ev.id}/versions",
             {"facts": seed_scored.document, "base_version": 1})
    assert r.status_code == 409
    ev.refresh_from_db()
    assert ev.current == 1
