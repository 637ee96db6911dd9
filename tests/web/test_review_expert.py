"""Reviewers' discretionary points (酌情给分) and the expert page, per role: who may change what,
within which bounds, and that the total, the trace and the audit log follow."""

from __future__ import annotations

import pytest
from tests.web.test_views import client_for

JUDGED = "目标细化分解"  # a 2-point judgement of shenzhen-dept/2020, stated {met: true, evidence} in the seed
EXPERT = "效果性评分"  # the edition's expert score, out of 25


def _msgs(resp) -> str:
    return " ".join(str(m) for m in resp.context["messages"]) if resp.context else ""


def _state(ev):
    from jixiao.store.models import CaseVersion, Evaluation

    ev = Evaluation.objects.get(pk=ev.pk)
    v = CaseVersion.objects.select_related("score").get(evaluation=ev, number=ev.current)
    return ev, v


def _indicator(record, fact_label_part: str):
    return [i for i in record["indicators"] if fact_label_part in (i.get("trace") or "")]


def test_discretionary_points_within_bounds_follow_total_trace_and_audit(demo):
    from jixiao.store.models import Adjustment, AuditEvent

    ev = demo.ev[("4403RS02", 2020)]  # 主管部门已审: 财政 reviews
    ev0, v0 = _state(ev)
    assert v0.facts["facts"][JUDGED].get("met") in (True, "true", "是")
    fin = client_for("caizheng")
    page = fin.get(f"/e/{ev.pk}/review").content.decode()
    assert "酌情给分（0–2 分）" in page
    # above the criterion's 2 points, below zero, not a number, or no reason: nothing changes
    for points, reason, said in [("2.5", "超出", "超出范围"), ("-1", "负数", "超出范围"), ("一分", "非数字", "不是数字"),
                                 ("1", "", "必须填写理由")]:
        r = fin.post(f"/e/{ev.pk}/adjust", {"target": JUDGED, "points": points, "reason": reason, "base": ev0.current},
                     follow=True)
        assert said in _msgs(r), (points, _msgs(r))
        assert _state(ev)[0].current == ev0.current
    r = fin.post(f"/e/{ev.pk}/adjust", {"target": JUDGED, "points": "0.5", "reason": "分解不够细，酌情给 0.5 分",
                                        "base": ev0.current}, follow=True)
    ev1, v1 = _state(ev)
    assert ev1.current == ev0.current + 1, _msgs(r)
    assert v1.facts["facts"][JUDGED] == {"points": "0.5", "evidence": "分解不够细，酌情给 0.5 分"}
    assert v1.score.total == pytest.approx(v0.score.total - 1.5)
    assert "复核分 " + f"{v1.score.total:.2f}" in _msgs(r)
    adj = Adjustment.objects.get(evaluation=ev, version=v1)
    assert adj.role == "finance" and adj.reason.startswith("分解不够细")
    event = AuditEvent.objects.filter(evaluation=ev, action="adjustment.create").latest("at")
    assert event.detail["target"] == JUDGED and event.detail["total_after"] == pytest.approx(v1.score.total)
    # the review page shows the reviewed points beside the self-assessed score, with the lost 1.50
    page = fin.get(f"/e/{ev.pk}/review").content.decode()
    assert "得分 0.5" in page and "-1.50" in page
    # and back to 达到 restores the criterion's full points
    fin.post(f"/e/{ev.pk}/adjust", {"target": JUDGED, "value": "达到", "reason": "补充材料后认定达到", "base": ev1.current})
    ev2, v2 = _state(ev)
    assert v2.score.total == pytest.approx(v0.score.total) and v2.facts["facts"][JUDGED]["met"] is True


def test_points_per_role(demo):
    submitted = demo.ev[("4403RS03", 2020)]  # 已送审: 主管部门 (and the assigned expert) review
    reviewed = demo.ev[("4403RS02", 2020)]
    body = {"target": JUDGED, "points": "1", "reason": "酌情"}
    # a unit cannot adjust at all (another unit's evaluation is not even there for it)
    assert client_for("danwei2").post(f"/e/{reviewed.pk}/adjust", {**body, "base": reviewed.current}).status_code == 404
    # the 主管部门 may while it holds the evaluation, not once it has passed it on to 财政
    zg = client_for("zhuguan")
    r = zg.post(f"/e/{reviewed.pk}/adjust", {**body, "base": reviewed.current}, follow=True)
    assert "审核" in _msgs(r) and _state(reviewed)[0].current == reviewed.current
    zg.post(f"/e/{submitted.pk}/adjust", {**body, "base": submitted.current})
    assert _state(submitted)[0].current == submitted.current + 1
    # an expert changes expert scores only, never a judgement
    zj = client_for("zhuanjia")
    cur = _state(submitted)[0].current
    r = zj.post(f"/e/{submitted.pk}/adjust", {**body, "base": cur}, follow=True)
    assert "没有可调整的事实" in _msgs(r) and _state(submitted)[0].current == cur
    assert zj.get(f"/e/{submitted.pk}/review").url == f"/expert/{submitted.pk}/"
    # an administrator sees everything but is no reviewer in the workflow
    r = client_for("admin").post(f"/e/{submitted.pk}/adjust", {**body, "base": cur}, follow=True)
    assert _state(submitted)[0].current == cur


def test_expert_page_shows_only_assigned_and_expert_indicators(demo):
    from jixiao.store.models import AuditEvent

    mine = demo.ev[("4403RS03", 2020)]
    other = demo.ev[("4403RS02", 2020)]
    zj = client_for("zhuanjia")
    home = zj.get("/expert/").content.decode()
    assert f"/expert/{mine.pk}/" in home and f"/expert/{other.pk}/" not in home
    assert "专家评分" in zj.get("/").content.decode()  # the menu entry
    assert zj.get(f"/expert/{other.pk}/").status_code == 404
    page = zj.get(f"/expert/{mine.pk}/").content.decode()
    assert "效果性" in page and "评分（0–25 分）" in page
    assert "目标细化分解" not in page and "含效益指标" not in page  # no judgements on this page
    for user in ("danwei", "zhuguan", "caizheng"):
        assert client_for(user).get("/expert/").status_code == 404, user
    assert client_for("zhuguan").post(f"/expert/{mine.pk}/score", {"target": EXPERT, "value": "20",
                                                                    "reason": "x"}).status_code == 404
    ev0, v0 = _state(mine)
    old = float(v0.facts["facts"][EXPERT]["score"])
    for value, said in [("26", "超出范围"), ("abc", "不是数字")]:
        r = zj.post(f"/expert/{mine.pk}/score", {"target": EXPERT, "value": value, "reason": "r", "base": ev0.current},
                    follow=True)
        assert said in _msgs(r) and _state(mine)[0].current == ev0.current
    r = zj.post(f"/expert/{mine.pk}/score", {"target": EXPERT, "value": "18", "reason": "可持续影响证据不足",
                                             "base": ev0.current}, follow=True)
    ev1, v1 = _state(mine)
    assert ev1.current == ev0.current + 1, _msgs(r)
    assert v1.facts["facts"][EXPERT] == {"score": "18", "justification": "可持续影响证据不足"}
    assert v1.score.total == pytest.approx(v0.score.total - (old - 18))
    page = r.content.decode()
    assert f"{v1.score.total:.2f}" in page and "可持续影响证据不足" in page
    event = AuditEvent.objects.filter(evaluation=mine, action="adjustment.create").latest("at")
    assert event.detail["target"] == EXPERT and event.actor_name
    # once the evaluation leaves review (approved on to 财政 and finalised), the expert may not score
    from jixiao.store import services

    services.transition(actor=None, evaluation=mine, action="approve")
    services.transition(actor=None, evaluation=mine, action="finalize")
    page = zj.get(f"/expert/{mine.pk}/").content.decode()
    assert "暂不能评分" in page and "提交评分" not in page
    zj.post(f"/expert/{mine.pk}/score", {"target": EXPERT, "value": "20", "reason": "r", "base": ev1.current})
    assert _state(mine)[0].current == ev1.current
