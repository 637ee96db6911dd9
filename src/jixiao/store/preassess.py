"""事前绩效评估 in the store: a project's pre-assessment, marked by the experts assigned to it, with
the combined result of :func:`jixiao.core.cycle.preassess.assess` and the outcome 财政 records.

A pre-assessment is an Evaluation of kind ``preassessment`` titled by its 项目名称 (one per unit,
year and project). Its document is the experts' scoring sheet as intake reads it (项目名称, 主管部门,
申请资金, 专家 …) plus what only the store knows: each row an assigned expert marked carries the
expert's ``账号``, and ``评估结论`` holds the outcome 财政 recorded. Both are taken out before the
sheet is bound, so the combined result is always the core's ``assess`` over every expert's marks.

Every change is a new version (versions never change): created from an uploaded sheet (marks
entered on paper already in it) or from a blank form (no marks yet: the version is 待评分 and the
evaluation has no total); an expert's marks replace that expert's own row; the conclusion adds
``评估结论`` and closes the assessment (state 终审). The evaluation's "total" is the combined score and
its "grade" the outcome (the recorded one once concluded). Experts mark only while it is open.

Who may do what: the unit, 主管部门 and 财政 in scope create and read; an expert reads only the
assessments assigned to them, and only their own marks (:func:`view`); 财政 and 管理员 assign
experts (and take off one who has not marked yet) and record the outcome. Every write runs in one transaction with its AuditEvent.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from jixiao import services as core_services
from jixiao.core.errors import InvalidInput, Problem
from jixiao.intake.case import JsonDoc
from jixiao.store import scoring, selectors, services
from jixiao.store.errors import Conflict, Invalid, NotAllowed, NotFound, from_invalid_input
from jixiao.store.models import Assignment, CaseVersion, Evaluation, Kind, Role, Score, State, Unit

DEFAULT_EDITION = "national-preassessment/2018"
ACCOUNT = "账号"  # an expert row's user name (store only)
CONCLUSION = "评估结论"  # {结论, 理由, 计算结论, 记录人} (store only)
PENDING = "待评分"
CREATORS = (Role.UNIT, Role.DEPT, Role.FINANCE, Role.ADMIN)
DECIDERS = {Role.FINANCE, Role.ADMIN}
HEADER = ("framework", "表名", "年度", "项目名称", "主管部门", "申请资金", "金额单位", "说明")


# --- scoring --------------------------------------------------------------------------------------

def _sheet(document: dict) -> dict:
    """The document as intake knows it: without the store's own keys."""
    doc = {k: v for k, v in document.items() if k != CONCLUSION}
    doc["专家"] = [{k: v for k, v in row.items() if k != ACCOUNT} if isinstance(row, dict) else row
                  for row in document.get("专家") or []]
    return doc


def _edition_named(document: dict, source: str):
    doc = JsonDoc(document, {}, source)
    try:
        ed = core_services.scoring.edition_named(doc, None, None if document.get("framework") else DEFAULT_EDITION)
    except InvalidInput as exc:
        raise from_invalid_input(exc, source) from None
    if ed.kind != "preassessment":
        raise Invalid(f"“{ed.id}”不是事前绩效评估的评分规则；请把 framework 改为 {DEFAULT_EDITION} 或删去该行",
                      [{"code": "E-ST-KIND", "message": "评分规则类型不符", "where": "framework"}], "E-ST-KIND")
    return ed


def _edition_of(ev: Evaluation):
    """The edition the assessment was made with: by hash from the registry, else its frozen copy."""
    from jixiao.intake.editions import REGISTRY, load_edition

    found = REGISTRY.by_hash(ev.edition.hash)
    if found is not None and found.kind == "preassessment":
        return found
    path = scoring._frozen_file(Kind.PREASSESS, services.edition_of(ev), services._frozen_dir())
    ed = load_edition(path)
    if ed.hash != ev.edition.hash:
        raise Invalid(f"评分规则“{ev.edition.ref}”的冻结副本无法还原（指纹不符）", [], "E-ST-EDITION")
    return ed


def year_of(document: dict) -> int | None:
    text = str(document.get("年度") or "").strip().rstrip("度").rstrip("年")
    return int(text) if text.isdigit() else None


def score(document: dict, *, source: str = "", ev: Evaluation | None = None) -> scoring.Scored:
    """The combined result of every expert's marks (the core's ``assess``), or 待评分 when no
    expert has marked yet — the header is checked either way; refused with every problem."""
    if not isinstance(document, dict):
        raise Invalid("评分表应为键值映射（项目名称、主管部门、申请资金、专家……）", [], "E-IN-SCHEMA")
    document = scoring.plain(document)
    source = source or "事前评估"
    ed = _edition_of(ev) if ev is not None else _edition_named(document, source)
    sheet = _sheet(document)
    pending = not sheet["专家"]
    if pending:  # the header alone, checked by binding it with one placeholder expert
        sheet["专家"] = [{"姓名": "（占位）", **{d.name: 0 for d in ed.framework.dimensions}}]
    try:
        s = core_services.evaluate(JsonDoc(sheet, {}, source), ed)
    except InvalidInput as exc:
        raise from_invalid_input(exc, source) from None
    r = s.result
    title, year = r.sheet.project, year_of(document)
    if pending:
        record = {"kind": "preassessment", "edition": ed.id, "edition_hash": ed.hash, "project": title, "experts": [],
                  "dimensions": [], "expert_totals": [], "total": None, "grade": "", "outcome": "",
                  "reason": "尚无专家评分", "findings": [], "pending": True}
        return scoring.Scored(Kind.PREASSESS, document, title, year, r.sheet.department, ed.id, ed.name, ed.hash,
                              scoring.frozen_data(ed), record, 0.0, "", PENDING)
    record = r.to_json()
    concluded = document.get(CONCLUSION) or {}
    grade = concluded.get("结论") if isinstance(concluded, dict) and concluded.get("结论") else r.outcome
    return scoring.Scored(Kind.PREASSESS, document, title, year, r.sheet.department, ed.id, ed.name, ed.hash,
                          scoring.frozen_data(ed), record, float(r.total), grade, r.outcome,
                          {d.name: d.score for d in r.dimensions}, [str(w) for w in s.warnings])


def dimensions(ev: Evaluation) -> list[dict]:
    """The edition's dimensions (name, weight, what the experts judge), as frozen with the assessment."""
    return [{"name": d["name"], "weight": d["weight"], "asks": d.get("asks", "")}
            for d in (ev.edition.framework or {}).get("dimensions", [])]


def outcomes(ev: Evaluation) -> list[str]:
    return [o["outcome"] for o in (ev.edition.framework or {}).get("outcomes", [])]


SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")


def read_upload(*, name: str, data: bytes) -> dict:
    """An uploaded scoring sheet (YAML, JSON or the XLSX template) as its plain document."""
    import tempfile
    from pathlib import Path

    from django.conf import settings

    from jixiao.intake.documents import read_document
    from jixiao.intake.preassess_xlsx import read_workbook

    safe = services.safe_name(name)
    if len(data) > settings.JIXIAO_MAX_UPLOAD:
        raise Invalid(f"文件“{safe}”超过大小上限 {settings.JIXIAO_MAX_UPLOAD // 1048576} MB", [], "E-ST-TOO-LARGE")
    if Path(safe).suffix.lower() not in SUFFIXES:
        raise Invalid(f"不支持的文件格式“{Path(safe).suffix or '无扩展名'}”：请上传 .yaml、.json 或 .xlsx 的事前评估专家评分表"
                      f"（XLSX 模板可在事前评估页面下载）", [], "E-IN-FORMAT")
    with tempfile.TemporaryDirectory(prefix="jixiao-preassess-") as tmp:
        p = Path(tmp) / safe
        p.write_bytes(data)
        try:
            doc = read_document(p, read_workbook)
            if isinstance(doc.data, dict) and doc.data.get("专家"):
                from jixiao.intake.preassess import bind_preassessment

                bind_preassessment(doc, p.parent)  # checked as the file, so a problem names its line or cell
            return scoring.plain(doc.data)
        except InvalidInput as exc:
            named = [Problem(w.code, w.message, severity=w.severity,  # the user's file name, not the server's folder
                             place=dataclasses.replace(w.place, file=safe) if w.place.file == str(p) else w.place)
                     for w in exc.problems]
            raise from_invalid_input(InvalidInput(exc.title, named), safe) from None


def template_bytes(ref: str = DEFAULT_EDITION) -> bytes:
    """The blank XLSX scoring sheet for an edition."""
    import tempfile
    from pathlib import Path

    from jixiao.intake.editions import load_edition
    from jixiao.intake.preassess_xlsx import write_workbook

    ed = load_edition(ref)
    with tempfile.TemporaryDirectory(prefix="jixiao-preassess-") as tmp:
        p = Path(tmp) / "事前绩效评估专家评分表.xlsx"
        write_workbook({}, p, ed.framework)
        return p.read_bytes()


# --- writes ---------------------------------------------------------------------------------------

def _version(*, actor, ev: Evaluation, scored: scoring.Scored, source: str, note: str, action: str = "version.save",
             detail: dict | None = None) -> CaseVersion:
    """The next version and its Score; the evaluation's total is the combined score (none while 待评分)."""
    number = ev.current + 1
    before = ev.versions.filter(number=ev.current).values_list("digest", flat=True).first() or ""
    v = CaseVersion.objects.create(evaluation=ev, number=number, facts=scored.document, digest=scored.digest,
                                   source=source[:255], author=actor, author_name=services.actor_name(actor), note=note)
    Score.objects.create(version=v, record=scored.record, total=scored.total, grade=scored.grade, status=scored.status)
    pending = scored.status == PENDING
    ev.current, ev.total, ev.grade = number, None if pending else scored.total, scored.grade
    services._save(ev, actor)
    services.audit(actor=actor, action=action, obj=v, evaluation=ev, before=before, after=v.digest,
                   detail={"number": number, "total": None if pending else scored.total, "outcome": scored.status,
                           "source": source, "note": note, **(detail or {})})
    return v


def _may_create(actor, unit: Unit) -> None:
    if actor is None:
        return
    held = set()
    for m in selectors.memberships(actor):
        if m.role not in CREATORS:
            continue
        if m.unit_id is None:
            if m.role in DECIDERS:
                held.add(m.role)
        elif m.unit_id == unit.pk or (m.role != Role.UNIT and unit.path.startswith(m.unit.path)):
            held.add(m.role)
    if getattr(actor, "is_superuser", False):
        held.add(Role.ADMIN)
    if not held:
        if selectors.units(actor).filter(pk=unit.pk).exists():
            raise NotAllowed("专家不能新建事前评估；请由项目单位、主管部门或财政新建")
        raise NotFound(f"找不到单位“{unit.code}”")


@transaction.atomic
def create(*, actor, unit: Unit, document: dict, source: str, year: int | None = None,
           note: str = "") -> tuple[Evaluation, CaseVersion]:
    """A new pre-assessment of one project from a sheet (marks already in it are kept) or a blank form."""
    _may_create(actor, unit)
    note = services.bounded(note, "说明", services.NOTE_MAX)
    if not isinstance(document, dict):
        raise Invalid("评分表应为键值映射（项目名称、主管部门、申请资金、专家……）", [], "E-IN-SCHEMA")
    document = scoring.plain(document)
    if year and not document.get("年度"):
        document["年度"] = year
    for row in document.get("专家") or []:
        if isinstance(row, dict):
            row.pop(ACCOUNT, None)  # an uploaded sheet's marks are on paper: no account speaks for them
    document.pop(CONCLUSION, None)
    scored = score(document, source=source)
    y = services._check_year(scored, year, source)
    title = (scored.title or "").strip()[:300]
    if Evaluation.objects.filter(unit=unit, year=y, kind=Kind.PREASSESS, title=title).exists():
        raise Conflict(f"{unit.name}已有“{title}”{y} 年度的事前评估；请打开它继续评分，或改用其他项目名称",
                       [{"code": "E-ST-EXISTS", "message": "已存在", "where": "项目名称"}], "E-ST-EXISTS")
    ev = Evaluation(unit=unit, year=y, kind=Kind.PREASSESS, title=title, edition=services.ensure_edition(scored))
    try:
        with transaction.atomic():
            services._save(ev, actor)
    except IntegrityError:
        raise Conflict(f"事前评估“{title}”刚被他人创建；请刷新后打开它") from None
    services.audit(actor=actor, action="evaluation.create", obj=ev, evaluation=ev,
                   detail={"unit": unit.code, "year": y, "kind": Kind.PREASSESS, "title": title,
                           "edition": ev.edition.ref, "edition_hash": ev.edition.hash})
    return ev, _version(actor=actor, ev=ev, scored=scored, source=source, note=note or "新建事前评估")


def _open(ev: Evaluation, what: str) -> None:
    if ev.kind != Kind.PREASSESS:
        raise Invalid("这不是事前评估", [], "E-ST-KIND")
    if ev.state == State.FINAL:
        raise Conflict(f"评估结论已记录，不能再{what}；确需修改的，请财政绩效处先重新打开", [], "E-ST-STATE")


def assign(*, actor, evaluation: Evaluation, username: str):
    """An expert for this assessment (财政 or 管理员 in scope); the same expert twice is one assignment."""
    _open(evaluation, "指派专家")
    return services.assign_expert(actor=actor, evaluation=evaluation, username=(username or "").strip())


def unassign(*, actor, evaluation: Evaluation, username: str, reason: str = "") -> None:
    """Take an expert off this assessment (财政 or 管理员 in scope), while it is open and only before
    the expert has marked it.

    An expert who has marked is refused, not unassigned: the marks are part of the record and the
    combined score. Dropping them would change the score without a decision on it, and keeping them
    would leave a score counted from someone no longer on the panel, whom no one could ask to revise
    it. A finance official expects neither; a marked expert's part is settled by the recorded
    outcome and its reason."""
    username = (username or "").strip()
    reason = services.bounded(reason, "理由", services.TEXT_MAX)
    with transaction.atomic():
        ev = services._locked(evaluation)
        if actor is not None and not services._roles(actor, ev) & DECIDERS:
            raise NotAllowed("只有财政绩效处或管理员可以撤销专家指派")
        _open(ev, "撤销专家指派")
        a = ev.assignments.select_related("user").filter(user__username=username).first()
        if a is None:
            raise NotFound(f"专家“{username}”没有指派给本项目")
        current = ev.versions.filter(number=ev.current).first()
        rows = (current.facts.get("专家") or []) if current else []
        if any(isinstance(r, dict) and r.get(ACCOUNT) == username for r in rows):
            raise Conflict(f"专家“{username}”已提交评分，不能撤销指派：评分已计入评估记录和合计得分。"
                           "如该专家须回避或其评分不应采信，请在记录评估结论时写明理由", [], "E-ST-MARKED")
        services.audit(actor=actor, action="expert.unassign", obj=a, evaluation=ev,
                       detail={"username": username, "reason": reason})
        a._history_user = actor  # the history row of the deletion names who took the expert off
        a.delete()


def _mark_value(name: str, value):
    """A mark as the expert gave it: a grade stays text, a number a number; intake checks the range."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return json.loads(text) if text and text[0].isdigit() else text
        except ValueError:
            return text
    return value


def mark(*, actor, evaluation: Evaluation, marks: dict, comment: str = "", title: str = "", employer: str = "",
         base_version: int | None = None) -> CaseVersion:
    """An assigned expert's own marks (points or 优/良/中/差 for every dimension, and an opinion; their
    职称 and 工作单位 for the report's 评估人员): that expert's row replaced, the assessment scored again
    over every expert."""
    comment = services.bounded(comment, "评审意见", services.TEXT_MAX)
    person = {"职称": services.bounded(title, "职称", 100), "工作单位": services.bounded(employer, "工作单位", 200)}
    if not isinstance(marks, dict):
        raise Invalid("marks 应为“维度: 分数或等级”的映射", [], "E-API-VALIDATION")
    with transaction.atomic():
        ev = services._locked(evaluation)
        _open(ev, "修改评分")
        if actor is None or not Assignment.objects.filter(evaluation=ev, user=actor).exists():
            raise NotAllowed("只有指派给本项目的专家可以评分，且只能填写自己的评分")
        services._conflict_if_moved(ev, base_version)
        current = ev.versions.get(number=ev.current)
        doc = copy.deepcopy(current.facts)
        doc.pop(CONCLUSION, None)  # reopened: a conclusion recorded on the old marks no longer holds
        names = [d["name"] for d in dimensions(ev)]
        unknown = [k for k in marks if k not in names]
        if unknown:
            raise Invalid(f"“{'、'.join(map(str, unknown))}”不是评估维度；维度为 {'、'.join(names)}",
                          [{"code": "E-IN-UNKNOWN-KEY", "message": "不是评估维度", "where": str(k)} for k in unknown],
                          "E-IN-UNKNOWN-KEY")
        who = actor.get_full_name() or actor.get_username()
        row = {"姓名": who, ACCOUNT: actor.get_username(),
               **{k: _mark_value(k, marks[k]) for k in names if marks.get(k) not in (None, "")}}
        row.update({k: v for k, v in person.items() if v})
        if comment:
            row["意见"] = comment
        rows = list(doc.get("专家") or [])
        at = next((i for i, r in enumerate(rows) if isinstance(r, dict) and r.get(ACCOUNT) == actor.get_username()), None)
        if at is None:
            rows.append(row)
        else:
            rows[at] = row  # the expert's own row, in its place
        doc["专家"] = rows
        try:
            scored = score(doc, source=f"{who}的评分", ev=ev)
        except Invalid as exc:  # the expert's own row is the only new one: say what to fix in it
            texts = "；".join(p["message"] for p in exc.problems if not p.get("warning"))
            raise Invalid(f"评分未保存：{texts}", exc.problems, exc.code) from None
        if scored.digest == current.digest:
            return current
        return _version(actor=actor, ev=ev, scored=scored, source="专家评分", note=f"{who}评分",
                        action="version.save", detail={"expert": actor.get_username(),
                                                       "marks": {k: row.get(k) for k in names}})


def conclude(*, actor, evaluation: Evaluation, outcome: str, reason: str = "") -> Evaluation:
    """财政 (or 管理员) records the final outcome: the computed one, or another with its reason."""
    reason = services.bounded(reason, "理由", services.TEXT_MAX)
    with transaction.atomic():
        ev = services._locked(evaluation)
        _open(ev, "记录评估结论")
        if actor is not None and not services._roles(actor, ev) & DECIDERS:
            raise NotAllowed("只有财政绩效处或管理员可以记录评估结论")
        current = ev.versions.select_related("score").get(number=ev.current)
        computed = current.score.status
        if computed == PENDING:
            raise Conflict("还没有专家评分，不能记录评估结论；请先指派专家并等待其评分", [], "E-ST-EMPTY")
        allowed = outcomes(ev)
        if outcome not in allowed:
            raise Invalid(f"评估结论“{outcome}”应为 {'、'.join(allowed)} 之一",
                          [{"code": "E-ST-FIELD", "message": "取值无效", "where": "outcome"}], "E-ST-FIELD")
        if outcome != computed and not reason:
            raise Invalid(f"评估结论“{outcome}”与按评分得出的“{computed}”不同，须填写理由",
                          [{"code": "E-ST-TEXT", "message": "缺少理由", "where": "reason"}], "E-ST-TEXT")
        doc = copy.deepcopy(current.facts)
        doc[CONCLUSION] = {"结论": outcome, "理由": reason, "计算结论": computed, "记录人": services.actor_name(actor)}
        scored = score(doc, source="评估结论", ev=ev)
        _version(actor=actor, ev=ev, scored=scored, source="评估结论", note=f"记录评估结论：{outcome}",
                 action="preassess.conclude", detail={"outcome": outcome, "computed": computed, "reason": reason})
        before = ev.state
        ev.state = State.FINAL
        services._save(ev, actor)
        services.audit(actor=actor, action="transition.conclude", obj=ev, evaluation=ev,
                       before=scoring.digest({"state": before}), after=scoring.digest({"state": ev.state}),
                       detail={"from": before, "to": ev.state, "text": reason, "version": ev.current})
        return ev


# --- reading --------------------------------------------------------------------------------------

@dataclass
class View:
    """What one user sees of an assessment: experts see only their own row and no combined result."""

    evaluation: Evaluation
    version: CaseVersion
    dims: list[dict]
    experts: list[dict]  # {name, account, marks {dim: given}, points {dim: points}, total, opinion}
    combined: bool  # whether the combined result (and the other experts) is shown
    record: dict
    conclusion: dict
    assigned: list[str] = field(default_factory=list)  # user names
    marked: list[str] = field(default_factory=list)  # assigned experts who have marked
    mine: dict | None = None  # the viewer's own row, if they are an assigned expert

    @property
    def pending(self) -> bool:
        return bool(self.record.get("pending"))


def _points(weight: float, given, grades: dict[str, float]) -> float | None:
    if isinstance(given, str):
        share = grades.get(given)
        return None if share is None else round(weight * share, 2)
    return float(given) if isinstance(given, (int, float)) else None


def view(user, ev: Evaluation) -> View:
    v = ev.versions.select_related("score").get(number=ev.current)
    dims = dimensions(ev)
    grades = {g["grade"]: g["stands_for"] for g in (ev.edition.framework or {}).get("grades", [])}
    held = set(map(str, selectors.roles(user, ev))) if user is not None else {Role.ADMIN}
    combined = bool(held - {Role.EXPERT})
    account = user.get_username() if user is not None else None
    rows = []
    for r in v.facts.get("专家") or []:
        if not isinstance(r, dict):
            continue
        pts = {d["name"]: _points(d["weight"], r.get(d["name"]), grades) for d in dims}
        rows.append({"name": r.get("姓名", ""), "account": r.get(ACCOUNT, ""), "opinion": r.get("意见", ""),
                     "title": r.get("职称", ""), "employer": r.get("工作单位", ""),
                     "marks": {d["name"]: r.get(d["name"]) for d in dims}, "points": pts,
                     "total": round(sum(p for p in pts.values() if p is not None), 2)})
    mine = next((r for r in rows if account and r["account"] == account), None)
    assigned = list(ev.assignments.select_related("user").order_by("user__username")
                    .values_list("user__username", flat=True))
    marked = [a for a in assigned if any(r["account"] == a for r in rows)]
    return View(ev, v, dims, rows if combined else [r for r in rows if r is mine], combined,
                v.score.record if combined else {"pending": v.score.record.get("pending", False)},
                (v.facts.get(CONCLUSION) or {}) if combined else {}, assigned if combined else [], marked, mine)


def to_json(vw: View) -> dict:
    ev = vw.evaluation
    rec = vw.record
    return {"id": ev.id, "unit": ev.unit.code, "unit_name": ev.unit.name, "year": ev.year, "title": ev.title,
            "kind": ev.kind, "state": ev.state, "state_label": ev.get_state_display(), "version": ev.current,
            "edition": ev.edition.ref, "dimensions": vw.dims,
            "experts": [{"name": r["name"], "account": r["account"] or None, "title": r["title"] or None,
                         "employer": r["employer"] or None, "marks": r["marks"], "points": r["points"],
                         "total": r["total"], "opinion": r["opinion"]} for r in vw.experts],
            "assigned": vw.assigned, "marked": vw.marked,
            "result": None if not vw.combined or vw.pending else {
                "dimensions": [{k: d[k] for k in ("name", "weight", "score", "grade", "trace")}
                               for d in rec.get("dimensions", [])],
                "total": rec.get("total"), "grade": rec.get("grade"), "outcome": rec.get("outcome"),
                "reason": rec.get("reason"), "hints": rec.get("findings", [])},
            "conclusion": vw.conclusion or None}


def visible(user, year: int | None = None):
    qs = selectors.evaluations(user).filter(kind=Kind.PREASSESS)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "unit__path", "title")


def expert_users():
    """The accounts that hold the 专家/第三方 role, for the assign form."""
    return get_user_model().objects.filter(memberships__role=Role.EXPERT).distinct().order_by("username")
