"""审计日志: every AuditEvent in the user's scope, filtered by unit, user, action and time; as XLSX too.

财政 and 管理员 see all events; a 主管部门 sees the events of its units' evaluations.
"""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from jixiao.store import selectors
from jixiao.store.models import AuditEvent, Role
from jixiao.web.access import AUDIT_ROLES, needs, roles
from jixiao.web.overview import xlsx_response

ACTIONS = {
    "evaluation.create": "新建评价", "version.save": "保存版本", "transition.submit": "送审",
    "transition.withdraw": "撤回", "transition.approve": "主管部门审核通过", "transition.return": "退回单位",
    "transition.finalize": "财政终审通过", "transition.return_to_dept": "退回主管部门", "transition.reopen": "重新打开终审",
    "adjustment.create": "评分调整", "opinion.create": "审核意见", "attachment.add": "上传佐证材料",
    "expert.assign": "指派专家", "unit.create": "新建单位", "user.create": "新建用户", "role.grant": "授予角色",
    "token.issue": "签发令牌", "apply.decide": "调整结果应用建议", "rectify.create": "提出整改",
    "rectify.report": "报送整改结果", "rectify.conclude": "认定整改结论",
}


def _events(request):
    qs = AuditEvent.objects.select_related("evaluation__unit").order_by("-at", "-id")
    mine = roles(request.user)
    if not mine & {Role.FINANCE, Role.ADMIN}:
        qs = qs.filter(evaluation__in=selectors.evaluations(request.user))
    g = request.GET
    f = {k: (g.get(k) or "").strip() for k in ("unit", "user", "action", "since", "until")}
    if f["unit"]:
        qs = qs.filter(Q(evaluation__unit__code__startswith=f["unit"]) | Q(evaluation__unit__name__contains=f["unit"]))
    if f["user"]:
        qs = qs.filter(actor_name__icontains=f["user"])
    if f["action"]:
        qs = qs.filter(action=f["action"])
    for key, op in (("since", "gte"), ("until", "lt")):
        if f[key]:
            try:
                day = dt.date.fromisoformat(f[key]) + dt.timedelta(days=1 if key == "until" else 0)
            except ValueError:
                continue
            start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
            qs = qs.filter(**{f"at__{op}": start})
    return qs, f


def shown_at(at: dt.datetime) -> str:
    """An event's time in the server's time zone (Asia/Shanghai), to the second."""
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")


def describe(e: AuditEvent) -> str:
    d = e.detail or {}
    bits = []
    if d.get("number"):
        bits.append(f"第 {d['number']} 版")
    if d.get("total") is not None:
        bits.append(f"得分 {d['total']:.2f}")
    if d.get("target"):
        bits.append(f"“{d['target']}”")
    if d.get("total_before") is not None and d.get("total_after") is not None:
        bits.append(f"{d['total_before']:.2f} → {d['total_after']:.2f}")
    for key in ("text", "reason", "note", "name"):
        if d.get(key):
            bits.append(f"{d[key]}")
    if d.get("indicator"):
        bits.append(f"指标：{d['indicator']}")
    return "；".join(bits)


@needs(AUDIT_ROLES)
def audit(request):
    qs, f = _events(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for e in page:
        e.label = ACTIONS.get(e.action, e.action)
        e.text = describe(e)
        # As the export writes it; the template's date filter took a quarter of the page's time.
        e.when = shown_at(e.at)
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in f.items() if v})
    return render(request, "web/audit.html", {"nav": "audit", "page": page, "f": f, "actions": ACTIONS, "query": query})


@needs(AUDIT_ROLES)
def export(request):
    qs, _ = _events(request)
    rows = [[shown_at(e.at), e.actor_name, ACTIONS.get(e.action, e.action),
             e.evaluation.unit.name if e.evaluation_id else "", e.evaluation.year if e.evaluation_id else "",
             describe(e), e.before, e.after] for e in qs.select_related("evaluation__unit")[:100000]]
    return xlsx_response("审计日志", ["时间", "操作人", "操作", "单位", "年度", "内容", "操作前摘要", "操作后摘要"], rows, "审计日志.xlsx")
