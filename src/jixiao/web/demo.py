"""Demo data for ``jixiao serve --demo``: one 主管部门 with five units over two years, the seed case, the
example project forms, and one account per role. Everything is written through the store's services
(actor ``None``: the command line), so the demo's audit log reads like real use.

The other units' cases are the seed case with some findings turned (a judgement not met, a project
late) so that ranking, grades and the heat map have differences to show; they are labelled 演示数据
in their evidence. The seed unit's 2020 evaluation is left to be entered (by hand or from
``examples/shenzhen-sibao-2020/case.xlsx``): that is what a newcomer tries first.
"""

from __future__ import annotations

import copy
from pathlib import Path

PASSWORD = "Jixiao-Demo-2026"
DEPT_CODE = "4403RS"
SEED_UNIT = "4403RS01"
UNITS = [
    (SEED_UNIT, "深圳市社会保险基金管理局"),
    ("4403RS02", "深圳市劳动人事争议仲裁院"),
    ("4403RS03", "深圳市职业技能鉴定指导中心"),
    ("4403RS04", "深圳市人才交流服务中心"),
    ("4403RS05", "深圳市就业服务中心"),
]
# user name, role, unit, shown role
ACCOUNTS = [
    ("danwei", "unit", SEED_UNIT, "单位填报"),
    ("danwei2", "unit", "4403RS04", "单位填报"),
    ("zhuguan", "dept", DEPT_CODE, "主管部门审核"),
    ("caizheng", "finance", None, "财政绩效处"),
    ("zhuanjia", "expert", None, "专家/第三方"),
    ("zhuanjia2", "expert", None, "专家/第三方"),
    ("zhuanjia3", "expert", None, "专家/第三方"),
    ("admin", "admin", None, "管理员"),
]


def examples_dir() -> Path:
    """The repository's examples folder (a source checkout), or the current folder's."""
    here = Path(__file__).resolve().parents[3] / "examples"
    return here if here.is_dir() else Path("examples")


def seed_document() -> dict:
    from jixiao.store import scoring

    return scoring.read_file(examples_dir() / "shenzhen-sibao-2020" / "case.yaml").document


def variant(doc: dict, k: int, year: int, name: str) -> dict:
    """The seed case for another unit and year: ``k`` judgements not met, ``k`` projects late."""
    from jixiao.intake.framework import load_framework

    d = copy.deepcopy(doc)
    d["subject"], d["year"] = name, year
    d.pop("narrative", None)
    d.pop("stated", None)  # the seed's own stated rates are not this unit's
    fw = load_framework(d["framework"])
    judged = [n for n, s in fw.facts.items() if s.type == "judgement"]
    for i in range(k):
        fact = judged[(7 * k + 5 * i + year) % len(judged)]
        d["facts"][fact] = {"met": False, "evidence": f"演示数据：{name}{year}年度未达到该项标准"}
    facts = d["facts"]
    if "按时完成项目数" in facts and "计划完成项目数" in facts:
        plan = _value(facts["计划完成项目数"])
        facts["按时完成项目数"] = {"value": max(0, plan - k), "evidence": "演示数据"}
    if k >= 3 and "效果性评分" in facts:  # a few units lose more, so the grades are not all 优
        facts["效果性评分"] = {"score": 25 - 4 * (k - 2), "justification": "演示数据：部分效益目标未实现"}
    return d


def _value(given):
    return given.get("value") if isinstance(given, dict) else given


def load() -> list[tuple[str, str, str]]:
    """Fill an empty store; returns the accounts as (user name, shown role, password)."""
    from django.db import transaction

    from jixiao.store import scoring, services
    from jixiao.store.models import Evaluation, Unit

    with transaction.atomic():
        services.create_unit(actor=None, code=DEPT_CODE, name="深圳市人力资源和社会保障局")
        for code, name in UNITS:
            services.create_unit(actor=None, code=code, name=name, parent_code=DEPT_CODE)
        for user, role, unit, _ in ACCOUNTS:
            services.create_user(actor=None, username=user, role=role, unit_code=unit, password=PASSWORD)
        seed = seed_document()
        # 2020: the seed unit's is left to enter; the others stand at each step of the workflow.
        plan_2020 = {"4403RS02": (2, ["submit", "approve"]), "4403RS03": (1, ["submit"]),
                     "4403RS04": (3, []), "4403RS05": (4, ["submit", "approve", "finalize"])}
        for i, (code, name) in enumerate(UNITS):
            unit = Unit.objects.get(code=code)
            doc = variant(seed, i % 4, 2019, name)
            ev, _ = services.save_scored(actor=None, scored=scoring.score_document(scoring.DEPT, doc, source="演示数据"),
                                         unit=unit, year=2019, source="演示数据", note="演示数据：上年度")
            for action in ("submit", "approve", "finalize"):
                services.transition(actor=None, evaluation=ev, action=action)
            if code in plan_2020:
                k, moves = plan_2020[code]
                doc = variant(seed, k, 2020, name)
                ev, _ = services.save_scored(actor=None, scored=scoring.score_document(scoring.DEPT, doc, source="演示数据"),
                                             unit=unit, year=2020, source="演示数据", note="演示数据")
                for action in moves:
                    services.transition(actor=None, evaluation=ev, action=action)
        expert_ev = Evaluation.objects.get(unit__code="4403RS03", year=2020)
        services.assign_expert(actor=None, evaluation=expert_ev, username="zhuanjia")
        forms = examples_dir() / "chizhou-2022"
        for f in ("form.yaml",):
            if (forms / f).is_file():
                services.import_file(actor=None, path=forms / f, unit_code="4403RS04", year=None)
        if (forms / "monitoring.yaml").is_file():  # its 1—7月 monitoring, one red light still without 纠偏措施
            from jixiao.intake.yamlio import load as load_yaml
            from jixiao.store import monitoring

            unit = Unit.objects.get(code="4403RS04")
            document = scoring.plain(load_yaml(forms / "monitoring.yaml").data)
            monitoring.save(actor=None, unit=unit, source="monitoring.yaml", document=document)
            ev, _ = monitoring.save(actor=None, unit=unit, source="演示数据", note="演示数据：上一期",
                                    document=earlier_period(document))  # the trend needs a second period
            for action in ("submit", "approve", "finalize"):
                services.transition(actor=None, evaluation=ev, action=action)
        if (forms / "preassessment.yaml").is_file():
            _preassessment(forms / "preassessment.yaml")
    return [(user, shown, PASSWORD) for user, _, _, shown in ACCOUNTS]


def earlier_period(document: dict) -> dict:
    """The demo project's 1—4月 form, before its 1—7月 one: spending on time (绿), the count indicator
    behind (黄, with its reason), so the trend shows the count indicator slipping to red by July."""
    import copy

    doc = copy.deepcopy(document)
    doc["监控期间"] = "1—4月"
    doc["项目资金"] = {**doc["项目资金"], "执行数": 24.0}
    for row in doc["绩效指标"]:
        if row.get("三级指标") == "基建工程委托业务项目数量":
            row["执行情况"] = "10个"
        if row.get("三级指标") == "项目总成本":
            row["执行情况"] = 24.0
    return doc


def _preassessment(sheet: Path) -> None:
    """The example's 事前评估 for the next year, begun as a blank form and marked in the app by the
    three demo experts with the example sheet's marks (still open: 财政 records the outcome)."""
    from django.contrib.auth import get_user_model

    from jixiao.intake.yamlio import load as load_yaml
    from jixiao.store import preassess, scoring
    from jixiao.store.models import Unit

    doc = scoring.plain(load_yaml(sheet).data)
    rows = doc.pop("专家")
    doc["年度"] = 2023
    ev, _ = preassess.create(actor=None, unit=Unit.objects.get(code="4403RS04"), document=doc, source="演示数据")
    User = get_user_model()
    for user, row in zip(("zhuanjia", "zhuanjia2", "zhuanjia3"), rows):
        preassess.assign(actor=None, evaluation=ev, username=user)
        marks = {k: v for k, v in row.items() if k not in ("姓名", "意见", "职称", "工作单位")}
        preassess.mark(actor=User.objects.get(username=user), evaluation=ev, marks=marks, comment=row.get("意见", ""),
                       title=row.get("职称", ""))
