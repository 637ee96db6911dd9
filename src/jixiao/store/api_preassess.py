"""事前绩效评估 in the API (``/api/v1/preassessments``): list, create (a sheet as JSON or an uploaded
YAML/JSON/XLSX file, or a blank form), detail, assign an expert or take one off, an expert's own marks, the recorded
outcome. Errors are the API's one shape ``{code, message, problems}`` (the handlers of
:mod:`jixiao.store.api`); an assessment outside the caller's scope is 404, as everywhere.
"""

from __future__ import annotations

from django.conf import settings
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from jixiao.store import preassess, selectors, services
from jixiao.store.errors import NotFound
from jixiao.store.models import Evaluation, Kind

router = Router(tags=["事前绩效评估"])


class PreassessIn(Schema):
    unit: str
    document: dict
    year: int | None = None
    note: str = ""


class AssignIn(Schema):
    username: str


class MarksIn(Schema):
    marks: dict
    comment: str = ""
    title: str = ""  # 职称
    employer: str = ""  # 工作单位
    base_version: int | None = None


class OutcomeIn(Schema):
    outcome: str
    reason: str = ""


def _get(request, pk: int) -> Evaluation:
    from jixiao.store.api import MAX_ID

    ev = None
    if 0 < pk <= MAX_ID:
        ev = selectors.evaluations(request.user).filter(pk=pk, kind=Kind.PREASSESS).first()
    if ev is None:
        raise NotFound(f"找不到编号为 {pk} 的事前评估")
    return ev


def _unit(request, code: str):
    unit = selectors.units(request.user).filter(code=code).first()
    if unit is None:
        raise NotFound(f"找不到单位“{code}”")
    return unit


def _detail(request, ev: Evaluation) -> dict:
    ev.refresh_from_db()
    return preassess.to_json(preassess.view(request.user, ev))


@router.get("", summary="可见的事前评估（可按年度筛选；专家只见指派给自己的）")
def items(request, year: int | None = None):
    from jixiao.store.api import _range, summary

    _range(year, "year", 1990, 2100)
    return {"items": [{**summary(ev), "outcome": ev.grade or None} for ev in preassess.visible(request.user, year)]}


@router.post("", summary="新建事前评估：评分表（JSON）或空白表（只填表头，由指派的专家评分）", response={201: dict})
def create(request, body: PreassessIn):
    from jixiao.store.api import _range

    _range(body.year, "year", 1990, 2100)
    ev, _ = preassess.create(actor=request.user, unit=_unit(request, body.unit), document=body.document,
                             source="API", year=body.year, note=body.note)
    return Status(201, _detail(request, ev))


@router.post("/upload", summary="上传事前评估专家评分表（.yaml、.json 或 XLSX 模板）新建事前评估", response={201: dict})
def upload(request, unit: Form[str], file: File[UploadedFile], year: Form[int | None] = None):
    from jixiao.store.api import _range

    _range(year, "year", 1990, 2100)
    target = _unit(request, unit)
    document = preassess.read_upload(name=file.name, data=file.read(settings.JIXIAO_MAX_UPLOAD + 1))
    ev, _ = preassess.create(actor=request.user, unit=target, document=document, source=services.safe_name(file.name),
                             year=year)
    return Status(201, _detail(request, ev))


@router.get("/{pk}", summary="一项事前评估：各专家评分、合计得分、评估结论及理由、提示（专家只见自己的评分）")
def detail(request, pk: int):
    return _detail(request, _get(request, pk))


@router.post("/{pk}/experts", summary="指派专家（财政、管理员）", response={201: dict})
def assign(request, pk: int, body: AssignIn):
    ev = _get(request, pk)
    a = preassess.assign(actor=request.user, evaluation=ev, username=body.username)
    return Status(201, {"evaluation": ev.id, "username": a.user.get_username()})


@router.delete("/{pk}/experts/{username}", summary="撤销专家指派（财政、管理员；专家已评分的不能撤销，409）")
def unassign(request, pk: int, username: str, reason: str = ""):
    ev = _get(request, pk)
    preassess.unassign(actor=request.user, evaluation=ev, username=username, reason=reason)
    return {"evaluation": ev.id, "username": username,
            "assigned": list(ev.assignments.order_by("user__username").values_list("user__username", flat=True))}


@router.post("/{pk}/marks", summary="专家填写自己的评分（每个维度分数或 优/良/中/差，及意见）", response={201: dict})
def marks(request, pk: int, body: MarksIn):
    ev = _get(request, pk)
    preassess.mark(actor=request.user, evaluation=ev, marks=body.marks, comment=body.comment, title=body.title,
                   employer=body.employer, base_version=body.base_version)
    return Status(201, _detail(request, ev))


@router.post("/{pk}/outcome", summary="记录评估结论 通过/再评估/不通过（财政、管理员；与计算结论不同须填理由）")
def outcome(request, pk: int, body: OutcomeIn):
    ev = _get(request, pk)
    preassess.conclude(actor=request.user, evaluation=ev, outcome=body.outcome, reason=body.reason)
    return _detail(request, ev)
