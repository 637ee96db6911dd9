"""The 事前评估 pages on the demo store: a unit starts one from a blank form or an uploaded sheet;
财政 assigns experts and records the outcome; each expert marks and sees only their own marks; every
page and form per role, and an expert typing another assessment's address gets a 404."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from tests.web.test_views import client_for

SHEET = Path(__file__).resolve().parents[2] / "examples" / "chizhou-2022" / "preassessment.yaml"
MARKS = {"mark-0": "18", "mark-1": "良", "mark-2": "16", "mark-3": "17", "mark-4": "19"}


def _demo_assessment():
    from jixiao.store.models import Evaluation

    return Evaluation.objects.get(kind="preassessment", title="委托业务项目")


def test_the_demo_assessment_as_each_role_sees_it(demo):
    ev = _demo_assessment()
    url = f"/preassess/{ev.pk}/"
    for user, status in {"danwei": 404, "danwei2": 200, "zhuguan": 200, "caizheng": 200, "admin": 200,
                         "zhuanjia": 200}.items():
        assert client_for(user).get(url).status_code == status, user
        assert client_for(user).get("/preassess/").status_code == 200, user
    page = client_for("zhuguan").get(url).content.decode()
    assert "合计得分 <strong id=\"preassess-total\">82.33</strong>" in page and "<strong id=\"preassess-computed\">通过</strong>" in page
    assert "不低于80分，评估通过" in page and "zhuanjia2" in page and "zhuanjia3" in page
    assert "专家评分相差" not in page and "绩效指标偏少，成本指标未细化" in page
    assert "记录评估结论" not in page and "填写我的评分" not in page  # 主管部门 reads only
    fin = client_for("caizheng").get(url).content.decode()
    assert "记录评估结论" in fin and "指派专家" in fin and "填写我的评分" not in fin
    mine = client_for("zhuanjia").get(url).content.decode()
    assert "填写我的评分" in mine and "您的评分" in mine and "zhuanjia2" not in mine and "82.33" not in mine
    assert 'value="18"' in mine and "绩效指标偏少" in mine  # their own marks and opinion, prefilled
    # nor through the generic pages, nor the expert's page for the other evaluations
    assert client_for("zhuanjia").get(f"/e/{ev.pk}/").status_code == 404
    assert client_for("zhuanjia").get(f"/e/{ev.pk}/diff").status_code == 404
    assert client_for("zhuguan").get(f"/e/{ev.pk}/").status_code == 302
    assert "委托业务项目" not in client_for("zhuanjia").get("/expert/").content.decode()
    listing = client_for("zhuanjia").get("/preassess/").content.decode()
    assert "委托业务项目" in listing and ">合计得分</th>" not in listing and "新建事前评估" not in listing
    assert "事前评估</a>" in client_for("danwei").get("/").content.decode()  # the nav entry


def test_an_expert_marks_only_their_own_and_only_where_assigned(demo):
    from jixiao.store import preassess
    from jixiao.store.models import Unit

    other, _ = preassess.create(actor=None, unit=Unit.objects.get(code="4403RS02"), source="测试", document={
        "项目名称": "仲裁信息化项目", "申请资金": 50, "年度": 2023})
    preassess.assign(actor=None, evaluation=other, username="zhuanjia2")
    zj = client_for("zhuanjia")
    assert zj.get(f"/preassess/{other.pk}/").status_code == 404
    assert zj.post(f"/preassess/{other.pk}/mark", MARKS).status_code == 404
    assert zj.post(f"/preassess/{other.pk}/assign", {"username": "zhuanjia"}).status_code == 404
    other.refresh_from_db()
    assert other.current == 1
    ev = _demo_assessment()
    before = ev.current
    r = zj.post(f"/preassess/{ev.pk}/mark", {**MARKS, "mark-1": "25", "base_version": before}, follow=True)
    assert "评分未保存" in r.content.decode() and "投入经济性" in r.content.decode() and "0 到 20 分" in r.content.decode()
    r = zj.post(f"/preassess/{ev.pk}/mark", {**MARKS, "comment": "同意立项", "base_version": before}, follow=True)
    assert "已保存您的评分" in r.content.decode()
    ev.refresh_from_db()
    v = ev.versions.get(number=ev.current)
    assert ev.current == before + 1 and [r["账号"] for r in v.facts["专家"]] == ["zhuanjia", "zhuanjia2", "zhuanjia3"]
    assert v.facts["专家"][0]["投入经济性"] == "良" and v.facts["专家"][0]["意见"] == "同意立项"
    assert ev.total == v.score.total
    # a stale page: another expert saved since it was loaded
    r = client_for("zhuanjia2").post(f"/preassess/{ev.pk}/mark", {**MARKS, "base_version": before}, follow=True)
    assert "保存冲突" in r.content.decode()
    # the unit and 主管部门 cannot mark, assign or conclude
    for user in ("danwei2", "zhuguan"):
        c = client_for(user)
        assert "只有指派给本项目的专家" in c.post(f"/preassess/{ev.pk}/mark", MARKS, follow=True).content.decode()
        assert "只有财政绩效处或管理员" in c.post(f"/preassess/{ev.pk}/assign", {"username": "zhuanjia"},
                                                follow=True).content.decode()
        c.post(f"/preassess/{ev.pk}/conclude", {"outcome": "通过"})
    ev.refresh_from_db()
    assert ev.state == "draft"


def test_finance_assigns_and_records_the_outcome(demo):
    ev = _demo_assessment()
    fin = client_for("caizheng")
    r = fin.post(f"/preassess/{ev.pk}/conclude", {"outcome": "不通过"}, follow=True)
    assert "与按评分得出的“通过”不同，须填写理由" in r.content.decode()
    r = fin.post(f"/preassess/{ev.pk}/conclude", {"outcome": "再评估", "reason": "成本测算依据不足"}, follow=True)
    page = r.content.decode()
    assert "已记录评估结论：再评估" in page and '<strong id="preassess-conclusion">再评估</strong>' in page
    assert "成本测算依据不足" in page and "已出结论" in page
    ev.refresh_from_db()
    assert (ev.state, ev.grade) == ("final", "再评估")
    r = client_for("zhuanjia").post(f"/preassess/{ev.pk}/mark", MARKS, follow=True)
    assert "评估结论已记录，不能再修改评分" in r.content.decode()
    assert "填写我的评分" not in client_for("zhuanjia").get(f"/preassess/{ev.pk}/").content.decode()
    r = fin.post(f"/preassess/{ev.pk}/conclude", {"action": "reopen", "reason": "专家复议"}, follow=True)
    assert "已重新打开" in r.content.decode()
    assert "填写我的评分" in client_for("zhuanjia").get(f"/preassess/{ev.pk}/").content.decode()
    audit = client_for("caizheng").get("/audit/").content.decode()
    assert "记录事前评估结论" in audit


def test_a_unit_starts_one_from_a_blank_form_or_a_sheet(demo):
    from jixiao.store.models import Evaluation

    unit = client_for("danwei2")
    page = unit.get("/preassess/").content.decode()
    assert "新建事前评估" in page and "4403RS04" in page and "4403RS01" not in page
    r = unit.post("/preassess/new", {"unit": "4403RS01", "year": 2024, "project": "x"}, follow=True)
    assert "不在您可选的单位中" in r.content.decode()
    r = unit.post("/preassess/new", {"unit": "4403RS04", "year": 2024, "project": "", "amount": "10"}, follow=True)
    assert "请填写“项目名称”" in r.content.decode()
    r = unit.post("/preassess/new", {"unit": "4403RS04", "year": 2024, "project": "人才公寓项目", "amount": "很多"},
                  follow=True)
    assert "新建未成功" in r.content.decode() and "申请资金" in r.content.decode()
    r = unit.post("/preassess/new", {"unit": "4403RS04", "year": 2024, "project": "人才公寓项目", "amount": "120",
                                     "department": "深圳市人力资源和社会保障局", "money_unit": "万元"}, follow=True)
    ev = Evaluation.objects.get(kind="preassessment", title="人才公寓项目")
    assert r.redirect_chain[-1][0] == f"/preassess/{ev.pk}/" and "尚无专家评分" in r.content.decode()
    assert (ev.year, ev.total, ev.grade, ev.unit.code) == (2024, None, "", "4403RS04")
    r = unit.post("/preassess/upload", {"unit": "4403RS04", "file": SimpleUploadedFile("p.txt", b"x")}, follow=True)
    assert "请上传 .yaml、.json 或 .xlsx" in r.content.decode()
    r = unit.get("/preassess/template.xlsx")
    assert r.status_code == 200 and r.content.startswith(b"PK") and "xlsx" in r["Content-Disposition"]
    text = SHEET.read_text(encoding="utf-8").replace("年度: 2022", "年度: 2024").replace("委托业务项目", "培训项目")
    r = unit.post("/preassess/upload", {"unit": "4403RS04", "file": SimpleUploadedFile("p.yaml", text.encode())},
                  follow=True)
    page = r.content.decode()
    assert "已按评分表新建“培训项目”" in page and "82.33" in page and "专家甲" in page
    assert client_for("zhuanjia").post("/preassess/new", {"unit": "4403RS04", "year": 2024, "project": "y"},
                                       follow=True).status_code == 200
    assert not Evaluation.objects.filter(title="y").exists()


def test_finance_takes_off_an_expert_who_has_not_marked(demo):
    """财政 (or 管理员) may take off an assigned expert until that expert marks; the page asks first
    (data-confirm) and posts with its CSRF token; the expert taken off no longer sees the assessment."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from jixiao.store import preassess
    from jixiao.store.models import AuditEvent, Unit

    ev, _ = preassess.create(actor=None, unit=Unit.objects.get(code="4403RS04"), source="测试", document={
        "项目名称": "人才驿站项目", "申请资金": 60, "年度": 2024})
    for name in ("zhuanjia", "zhuanjia2"):
        preassess.assign(actor=None, evaluation=ev, username=name)
    assert "已保存您的评分" in client_for("zhuanjia2").post(f"/preassess/{ev.pk}/mark", MARKS, follow=True).content.decode()
    url = f"/preassess/{ev.pk}/"
    page = client_for("caizheng").get(url).content.decode()
    form = page[page.index('id="preassess-unassign"'):]
    form = form[:form.index("</form>")]
    assert 'data-confirm="确定撤销该专家的指派吗？' in form and "csrfmiddlewaretoken" in form
    assert "<option>zhuanjia</option>" in form and "zhuanjia2" not in form  # only the one who has not marked
    assert "已评分的专家（zhuanjia2）不能撤销指派" in page
    for user in ("zhuguan", "danwei2", "zhuanjia"):  # they see the assessment, not the form
        assert client_for(user).get(url).status_code == 200 and "preassess-unassign" not in client_for(user).get(url).content.decode()
    # nobody else may: the page says why and nothing changes
    for user in ("zhuguan", "danwei2", "zhuanjia"):
        r = client_for(user).post(f"/preassess/{ev.pk}/unassign", {"username": "zhuanjia"}, follow=True)
        assert "只有财政绩效处或管理员可以撤销专家指派" in r.content.decode(), user
    assert client_for("zhuanjia3").post(f"/preassess/{ev.pk}/unassign", {"username": "zhuanjia"}).status_code == 404
    assert client_for("danwei").post(f"/preassess/{ev.pk}/unassign", {"username": "zhuanjia"}).status_code == 404
    assert ev.assignments.count() == 2
    # a post without its CSRF token is refused
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(get_user_model().objects.get(username="caizheng"), backend="django.contrib.auth.backends.ModelBackend")
    assert strict.post(f"/preassess/{ev.pk}/unassign", {"username": "zhuanjia"}).status_code == 403
    assert ev.assignments.count() == 2
    # an expert who has marked stays
    r = client_for("caizheng").post(f"/preassess/{ev.pk}/unassign", {"username": "zhuanjia2"}, follow=True)
    assert "撤销指派未成功" in r.content.decode() and "已提交评分" in r.content.decode()
    r = client_for("caizheng").post(f"/preassess/{ev.pk}/unassign", {"username": "zhuanjia", "reason": "与项目单位有利害关系"},
                                    follow=True)
    assert "已撤销专家 zhuanjia 的指派" in r.content.decode()
    assert list(ev.assignments.values_list("user__username", flat=True)) == ["zhuanjia2"]
    assert client_for("zhuanjia").get(url).status_code == 404
    assert client_for("zhuanjia").post(f"/preassess/{ev.pk}/mark", MARKS).status_code == 404
    assert "人才驿站项目" not in client_for("zhuanjia").get("/preassess/").content.decode()
    event = AuditEvent.objects.get(evaluation=ev, action="expert.unassign")
    assert event.detail == {"username": "zhuanjia", "reason": "与项目单位有利害关系"} and event.actor.username == "caizheng"
    assert "撤销专家指派" in client_for("caizheng").get("/audit/").content.decode()
    # and may be assigned again
    assert "已指派专家 zhuanjia" in client_for("admin").post(f"/preassess/{ev.pk}/assign", {"username": "zhuanjia"},
                                                             follow=True).content.decode()
    assert client_for("zhuanjia").get(url).status_code == 200
