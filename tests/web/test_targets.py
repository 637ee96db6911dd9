"""The 绩效目标 pages with Django's test client on the demo store: upload, 四性审核 shown, per-item
opinions and grades at 初审/复审, 批复 refused without a budget grade, 调整 with a reason, versions
readable, the 自评表 prefilled, scope (another unit gets 404)."""

from __future__ import annotations

import copy
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "examples" / "chizhou-2022" / "target.yaml"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.JIXIAO_DATA_DIR = tmp_path / "data"
    return settings.JIXIAO_DATA_DIR


@pytest.fixture
def demo(db):
    from jixiao.web import demo as d

    d.load()


def client_for(user: str):
    from django.contrib.auth import get_user_model
    from django.test import Client

    c = Client()
    c.force_login(get_user_model().objects.get(username=user), backend="django.contrib.auth.backends.ModelBackend")
    return c


def _yaml(doc: dict) -> bytes:
    from ruamel.yaml import YAML

    buf = io.StringIO()
    y = YAML(typ="safe", pure=True)
    y.allow_unicode = True
    y.dump(doc, buf)
    return buf.getvalue().encode("utf-8")


def _upload(c, url: str, name: str, data: bytes, follow: bool = False, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return c.post(url, {"form": SimpleUploadedFile(name, data), **extra}, follow=follow)


def _doc() -> dict:
    from jixiao.intake.yamlio import load
    from jixiao.store import scoring

    return scoring.plain(load(TARGET).data)


def _set(doc: dict, name: str, value: str) -> dict:
    d = copy.deepcopy(doc)
    for r in d["绩效指标"]:
        if r.get("三级指标") == name and r.get("期间", "年度") == "年度":
            r["指标值"] = value
    return d


def _html(r) -> str:
    return r.content.decode()


def test_target_pages_end_to_end(demo):
    from jixiao.store.models import Evaluation

    unit, dept, fin = client_for("danwei"), client_for("zhuguan"), client_for("caizheng")
    assert "申报绩效目标" in _html(unit.get("/targets/"))
    assert unit.get("/targets/template.xlsx")["Content-Type"].startswith("application/vnd.openxmlformats")

    r = _upload(unit, "/targets/new", "target.xlsx", (ROOT / "examples" / "chizhou-2022" / "target.xlsx").read_bytes(),
                unit="4403RS01")
    assert r.status_code == 302
    ev = Evaluation.objects.get(kind="target")
    page = _html(unit.get(f"/targets/{ev.pk}/"))
    assert "T_TARGET_LOW" in page and "T_NOT_QUANTIFIED" in page and "建议等级" in page
    assert unit.get(f"/e/{ev.pk}/")["Location"] == f"/targets/{ev.pk}/"  # the generic page sends targets here
    # another unit's user cannot see it
    assert client_for("danwei2").get(f"/targets/{ev.pk}/").status_code == 404
    unit.post(f"/targets/{ev.pk}/move", {"action": "submit", "expected_state": "draft"})

    # 初审: per-item opinions, a grade 中, returned with an opinion
    assert "初审" in _html(dept.get(f"/targets/{ev.pk}/"))
    dept.post(f"/targets/{ev.pk}/opinion", {"item": "适当性", "text": "数量目标低于上年实际完成值，应提高"})
    dept.post(f"/targets/{ev.pk}/opinion", {"item": "单项业务成本", "text": "成本指标应量化"})
    r = dept.post(f"/targets/{ev.pk}/grade", {"grade": "中", "reason": "两处须修改", "base": 1}, follow=True)
    assert "已评定初审等级“中”" in _html(r)
    r = dept.post(f"/targets/{ev.pk}/move", {"action": "return", "expected_state": "submitted",
                                             "text": "请按初审意见修改后重新报送"}, follow=True)
    page = _html(r)
    assert "成本指标应量化" in page and "数量目标低于上年实际完成值" in page

    # the unit uploads the fixed form; 初审 良 and approve; 复审 refuses 批复 without a grade, then 良
    fixed = _set(_set(_doc(), "基建工程委托业务项目数量", "≥56个"), "单项业务成本", "≤1.8万元")
    r = _upload(unit, f"/targets/{ev.pk}/upload", "target-v2.yaml", _yaml(fixed), base=2, note="按初审意见修改")
    ev.refresh_from_db()
    assert ev.current == 3 and "T_TARGET_LOW" not in _html(unit.get(f"/targets/{ev.pk}/"))
    unit.post(f"/targets/{ev.pk}/move", {"action": "submit", "expected_state": "draft"})
    dept.post(f"/targets/{ev.pk}/grade", {"grade": "良"})
    dept.post(f"/targets/{ev.pk}/move", {"action": "approve", "expected_state": "submitted"})
    r = fin.post(f"/targets/{ev.pk}/move", {"action": "finalize", "expected_state": "dept_reviewed"}, follow=True)
    assert "批复前须给出复审等级" in _html(r)
    fin.post(f"/targets/{ev.pk}/opinion", {"item": "可行性", "text": "指标值确定依据充分"})
    fin.post(f"/targets/{ev.pk}/grade", {"grade": "良", "reason": "细化后安排预算"})
    r = fin.post(f"/targets/{ev.pk}/move", {"action": "finalize", "expected_state": "dept_reviewed"}, follow=True)
    page = _html(r)
    assert "已批复，绩效目标已锁定" in page and "完善后预算安排" in page and "指标值确定依据充分" in page
    ev.refresh_from_db()
    approved = ev.current
    # frozen: an upload is refused; a change request needs a reason
    r = _upload(unit, f"/targets/{ev.pk}/upload", "x.yaml", _yaml(fixed), base=ev.current, follow=True)
    assert "已批复" in _html(r)
    r = unit.post(f"/targets/{ev.pk}/change", {"reason": " "}, follow=True)
    assert "必须写明理由" in _html(r)
    reason = "年中追加预算，委托业务数量相应增加"
    r = unit.post(f"/targets/{ev.pk}/change", {"reason": reason}, follow=True)
    assert "调整申请办理中" in _html(r) and reason in _html(r)
    changed = _set(fixed, "基建工程委托业务项目数量", "≥60个")
    _upload(unit, f"/targets/{ev.pk}/upload", "target-v3.yaml", _yaml(changed), base=ev.current, note="调整")
    unit.post(f"/targets/{ev.pk}/move", {"action": "submit", "expected_state": "draft"})
    dept.post(f"/targets/{ev.pk}/grade", {"grade": "良"})
    dept.post(f"/targets/{ev.pk}/move", {"action": "approve", "expected_state": "submitted"})
    fin.post(f"/targets/{ev.pk}/grade", {"grade": "良"})
    fin.post(f"/targets/{ev.pk}/move", {"action": "finalize", "expected_state": "dept_reviewed"})
    ev.refresh_from_db()
    page = _html(unit.get(f"/targets/{ev.pk}/"))
    assert ev.state == "final" and "调整批复" in page and reason in page
    # every version readable, with what it changed
    old = _html(unit.get(f"/targets/{ev.pk}/v/{approved}"))
    assert "≥56个" in old and "已批复版本" in old
    new = _html(unit.get(f"/targets/{ev.pk}/v/{ev.current - 2}"))
    assert re.search(r"≥56个.*≥60个", new, re.S)
    assert unit.get(f"/targets/{ev.pk}/v/999").status_code == 404

    # the 指标库 lists the approved indicators; the detail page shows 历史标准 from the form's history
    lib = _html(fin.get("/targets/library/?q=委托业务项目数量"))
    assert "基建工程委托业务项目数量" in lib and "≥60个" in lib and "公众满意度" not in lib
    assert "历史标准：上年实际 56个（2021年 56个）" in _html(unit.get(f"/targets/{ev.pk}/"))
    assert "没有符合条件" in _html(client_for("danwei2").get("/targets/library/?q=委托"))

    # the year-end 自评表 opens prefilled from the approved (adjusted) target
    page = _html(unit.get(f"/targets/{ev.pk}/selfeval"))
    assert 'value="≥60个"' in page and 'value="90"' in page and "年度指标值与批复的绩效目标一致" in page
    assert unit.get(f"/targets/{ev.pk}/selfeval.xlsx")["Content-Type"].startswith("application/vnd.openxmlformats")
    post = {"r0.年度指标值": "≥50个", "r0.实际完成值": "58", "r0.分值": "10", "f1.全年执行数": "88", "goal_actual": "基本完成"}
    r = unit.post(f"/targets/{ev.pk}/selfeval", post, follow=True)
    page = _html(r)
    assert "自评表已保存为第 1 版" in page and "TARGET_CHANGED" in page and "≥50个" in page
    project = Evaluation.objects.get(kind="project", unit__code="4403RS01")
    assert project.title == ev.title
    assert "TARGET_CHANGED" in _html(fin.get(f"/targets/{ev.pk}/"))
    assert "TARGET_CHANGED" in _html(fin.get(f"/forms/{project.pk}/"))


def test_bad_uploads_are_refused_with_their_place(demo):
    unit = client_for("danwei")
    bad = _doc()
    bad["绩效指标"][2]["指标值"] = "≥个"
    r = _upload(unit, "/targets/new", "bad.yaml", _yaml(bad), unit="4403RS01", follow=True)
    assert "有运算符" in _html(r) and "E-IN-FORM-TARGET" not in _html(r).split("msg error")[0]
    r = _upload(unit, "/targets/new", "bad.txt", b"x", unit="4403RS01", follow=True)
    assert "不支持的文件格式" in _html(r)
    r = _upload(unit, "/targets/new", "t.yaml", _yaml(_doc()), unit="4403RS05", follow=True)
    assert "请选择您填报的单位" in _html(r)
    assert client_for("zhuguan").post("/targets/new", {"unit": "4403RS01"}, follow=True).status_code == 200
